"""Reading every conflict row of a small store through the named query, one trial at a time
(without -p trial, ``conflicting-exclusions`` answers grouped counts, decision 0020)."""

from __future__ import annotations

from kg.query.named import run_named
from kg.query.output import rows

SOURCE_TRIALS = ("NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565")


def all_conflict_rows(store, trials=SOURCE_TRIALS, **params: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every conflict row of ``trials`` (each conflict once), with the query's other parameters."""
    seen: dict[tuple, dict] = {}
    for nct in trials:
        for r in rows(run_named(store, "conflicting-exclusions", {"trial": nct, "limit": "10000", **params}).result):
            key = (r["kind"], r["trialA"], r["trialB"], r["criterionB"], r["sharedConcept"])
            seen.setdefault(key, r)
    return [seen[k] for k in sorted(seen)]
