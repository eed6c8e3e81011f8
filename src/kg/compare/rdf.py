"""The comparisons as RDF: kg:Conflict and kg:Comparability nodes, as plain-string triples.

Written as (subject, predicate, object) with IRI strings and python literals, the form
:meth:`kg.store.oxigraph.OxigraphStore.replace_graph_quads` takes, so a million conflicts
never become rdflib objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from kg import vocab as V
from kg.compare.comparable import Comparability
from kg.compare.conflicts import Conflict

Triple = tuple[str, str, object]

_TYPE, _COMMENT, _LABEL = str(RDF.type), str(RDFS.comment), str(RDFS.label)


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]
_PART_PROPS = {
    "condition": V.conditionScore, "drug": V.drugScore, "mechanism": V.mechanismScore, "target": V.targetScore,
    "drugClass": V.drugClassScore, "design": V.designScore, "population": V.populationScore,
}


def conflict_triples(conflicts: Iterable[Conflict]) -> Iterator[Triple]:
    """Triples of kg:Conflict nodes (IRI = hash of kind, trials and sources)."""
    for c in conflicts:
        node = str(V.conflict_iri(c.key))
        yield node, _TYPE, URIRef(V.Conflict)
        yield node, str(V.conflictKind), URIRef(V.conflict_kind(c.kind))
        yield node, str(V.trialA), URIRef(c.trial_a)
        yield node, str(V.trialB), URIRef(c.trial_b)
        if c.criterion_a:
            yield node, str(V.criterionA), URIRef(c.criterion_a)
        if c.criterion_b:
            yield node, str(V.criterionB), URIRef(c.criterion_b)
        if c.intervention_a:
            yield node, str(V.interventionA), URIRef(c.intervention_a)
        for x in c.concepts:
            yield node, str(V.sharedConcept), URIRef(x)
        if c.concept_label:
            yield node, str(V.sharedConceptLabel), c.concept_label
        if c.kind == "washout":
            if c.ever:
                yield node, str(V.washoutEver), True
            elif c.window_days is not None:
                yield node, str(V.washoutDays), int(c.window_days)
        yield node, _COMMENT, c.explanation
        what = f" ({c.concept_label})" if c.concept_label else ""
        yield node, _LABEL, f"{c.kind}: {_short(c.trial_a)} → {_short(c.trial_b)}{what}"


def comparability_triples(pairs: Iterable[Comparability]) -> Iterator[Triple]:
    """Triples of kg:Comparability nodes (one per unordered pair)."""
    for p in pairs:
        node = str(V.comparability_iri(URIRef(p.trial_a), URIRef(p.trial_b)))
        yield node, _TYPE, URIRef(V.Comparability)
        yield node, str(V.trialA), URIRef(p.trial_a)
        yield node, str(V.trialB), URIRef(p.trial_b)
        yield node, str(V.score), float(p.score)
        for part, value in p.parts.items():
            yield node, str(_PART_PROPS[part]), float(value)
        for items in p.shared.values():
            for x in items:
                yield node, str(V.sharedConcept), URIRef(x)
        yield node, _COMMENT, p.explanation
        yield node, _LABEL, f"{_short(p.trial_a)} ~ {_short(p.trial_b)} ({p.score:.1f})"
