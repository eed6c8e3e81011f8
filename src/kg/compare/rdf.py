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
from kg.compare.facts import Facts

Triple = tuple[str, str, object]

_TYPE, _COMMENT, _LABEL = str(RDF.type), str(RDFS.comment), str(RDFS.label)


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


_PART_PROPS = {
    "condition": V.conditionScore, "drug": V.drugScore, "mechanism": V.mechanismScore, "target": V.targetScore,
    "drugClass": V.drugClassScore, "design": V.designScore, "population": V.populationScore,
    "sponsor": V.sponsorScore, "sites": V.sitesScore, "period": V.periodScore,
}


def side_texts(c: Conflict, facts: Facts) -> tuple[str, str]:
    """What each side of a conflict says: criterion text, or A's interventions."""
    if c.criterion_a:
        a = facts.criterion_text.get(c.criterion_a, "")
    elif c.interventions_a:
        a = "intervention: " + "; ".join(facts.label(iv) for iv in c.interventions_a)
    else:
        a = ""
    return a, facts.criterion_text.get(c.criterion_b, "") if c.criterion_b else ""


def conflict_triples(conflicts: Iterable[Conflict], facts: Facts) -> Iterator[Triple]:
    """Triples of kg:Conflict nodes (IRI = hash of kind, trials and sources)."""
    kinds = {k: URIRef(V.conflict_kind(k)) for k in V.CONFLICT_KINDS}
    p = {name: str(getattr(V, name)) for name in (
        "conflictKind", "trialA", "trialB", "criterionA", "criterionB", "interventionA", "sharedConcept",
        "sharedConceptLabel", "washoutEver", "washoutDays", "sideAText", "sideBText", "windowText", "relevance",
        "relevanceText", "overlapVerdict", "overlapText")}
    conflict_type = URIRef(V.Conflict)
    for c in conflicts:
        node = str(V.conflict_iri(c.key))
        yield node, _TYPE, conflict_type
        yield node, p["conflictKind"], kinds[c.kind]
        yield node, p["trialA"], URIRef(c.trial_a)
        yield node, p["trialB"], URIRef(c.trial_b)
        if c.criterion_a:
            yield node, p["criterionA"], URIRef(c.criterion_a)
        if c.criterion_b:
            yield node, p["criterionB"], URIRef(c.criterion_b)
        for iv in c.interventions_a:
            yield node, p["interventionA"], URIRef(iv)
        for x in c.concepts:
            yield node, p["sharedConcept"], URIRef(x)
        # Every row value is always present (an empty string at worst), so the named query
        # reads a conflict with one star pattern and no OPTIONAL (decision 0011).
        yield node, p["sharedConceptLabel"], c.concept_label or ""
        side_a, side_b = side_texts(c, facts)
        yield node, p["sideAText"], side_a
        yield node, p["sideBText"], side_b
        yield node, p["windowText"], c.window_text() or ""
        yield node, p["relevance"], float(c.relevance)
        yield node, p["relevanceText"], c.relevance_text
        yield node, p["overlapVerdict"], c.overlap
        yield node, p["overlapText"], c.overlap_text
        if c.kind == "washout":
            if c.ever:
                yield node, p["washoutEver"], True
            elif c.window_days is not None:
                yield node, p["washoutDays"], int(c.window_days)
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
        # Every part, zero included: the named query reads them as one star pattern.
        for part, prop in _PART_PROPS.items():
            yield node, str(prop), float(p.parts.get(part, 0.0))
        for items in p.shared.values():
            for x in items:
                yield node, str(V.sharedConcept), URIRef(x)
        yield node, str(V.overlapVerdict), p.overlap
        yield node, str(V.overlapText), p.overlap_text
        yield node, _COMMENT, p.explanation
        yield node, _LABEL, f"{_short(p.trial_a)} ~ {_short(p.trial_b)} ({p.score:.2f})"


def count_triples(counts: dict[str, int]) -> Iterator[Triple]:
    """Triples of kg:ConflictCount nodes: how many conflicts name each trial (trials with one or more)."""
    for trial in sorted(counts):
        if counts[trial] <= 0:
            continue
        node = str(V.conflict_count_iri(trial))
        yield node, _TYPE, URIRef(V.ConflictCount)
        yield node, str(V.countOf), URIRef(trial)
        yield node, str(V.conflictCount), int(counts[trial])
