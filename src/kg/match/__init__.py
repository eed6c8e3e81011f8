"""Patient matching (``kg match``): a patient against the trials of a store, every criterion explained.

:func:`match_store` reads the facts of a store once (:mod:`kg.match.facts`), checks the
patient against every trial (:mod:`kg.match.core`, :mod:`kg.match.evaluate`) and returns a
:class:`~kg.match.core.MatchResult`; :mod:`kg.match.render` writes it as a table, JSON or RDF.
"""

from __future__ import annotations

from datetime import date

from kg.match.core import (
    ELIGIBLE,
    EXCLUDED,
    MET,
    NOT_ASSESSED,
    NOT_MET,
    UNDETERMINED,
    UNKNOWN,
    CriterionResult,
    MatchResult,
    TrialResult,
    match,
)
from kg.match.facts import MatchFacts, load_facts, read_match_facts
from kg.patient.model import Patient

__all__ = ["ELIGIBLE", "EXCLUDED", "MET", "NOT_ASSESSED", "NOT_MET", "UNDETERMINED", "UNKNOWN", "CriterionResult",
           "MatchFacts", "MatchResult", "TrialResult", "load_facts", "match", "match_store", "read_match_facts"]


def match_store(patient: Patient, store: object, trials: list[str] | None = None, as_of: date | None = None,
                limit: int | None = None, use_cache: bool = True) -> MatchResult:
    """``patient`` against the trials of ``store`` (facts read once, cached per store folder).

    ``trials``: NCT IDs or trial IRIs; without a cache only those trials are read."""
    iris = None
    if trials:
        from kg import vocab as V

        iris = [t if t.startswith(("http://", "https://", "urn:")) else str(V.trial_iri(t)) for t in trials]
    return match(patient, load_facts(store, use_cache=use_cache, trials=iris), trials, as_of, limit)
