"""Which record speaks for a trial: one record per trial gives its content, the others only their part.

Several records may describe one registry trial (kg's own demo record, a seed registry page,
a registry JSON or legacy XML record, a paper). Each keeps its own named graph (provenance),
but only the *primary* record -- the first by :func:`rank` -- states the trial's facts,
identifiers, criteria, arms, interventions, conditions, outcomes, visits and sites. A
*secondary* record's graph is :func:`secondary_view` of what it would have been: its
provenance, the trial's link to it (``kg:sourceRecord``) and its publications with their
reported results. So a trial has one set of criteria whatever the number of records
and the order they were built in (decision 0015).

The view is a pure function of the full graph, so a stored primary demoted by a later build
(:func:`demote`) ends up with exactly the triples the same record would get if it had been
built as secondary from the start: the store's contents do not hang on the order of builds.

>>> rank("ctgov-json", "nct-id", "NCT1") < rank("kg-json", "nct-id", "NCT1") < rank("registry-text", "nct-id", "a")
True
>>> rank("registry-text", "nct-id", "z") < rank("registry-text", "crosswalk:sha256", "a")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg import vocab as V
from kg.model import TrialRecord

#: Formats in order of precedence (decision 0015): the registry's own structured records,
#: then kg's curated records, then text parsed from pages, then papers. Unknown formats last.
FORMAT_ORDER = ("ctgov-json", "ctgov-xml", "kg-json", "registry-text", "publication")
#: A record tied to its trial by its own NCT ID outranks one tied by a crosswalk, which
#: outranks a fragment of another record's text.
_BASIS_ORDER = ("nct-id", "crosswalk", "fragment-of")
#: Prefix of the build fingerprint of a secondary record's graph.
SECONDARY = "secondary:"

#: What a secondary record still says about the trial node itself. Not its type, NCT ID or
#: label: the primary states those, and a query over the union of the graphs (kg's default)
#: would see a triple stated in two graphs twice, and print its row twice.
_TRIAL_KEPT = frozenset({V.sourceRecord, V.describedBy})
_BATCH = 500


def rank(fmt: str, basis: str | None, record_id: str) -> tuple[int, int, str]:
    """Sort key of a record among the records of one trial: the smallest is primary."""
    f = FORMAT_ORDER.index(fmt) if fmt in FORMAT_ORDER else len(FORMAT_ORDER)
    head = (basis or "").split(":", 1)[0]
    b = _BASIS_ORDER.index(head) if head in _BASIS_ORDER else len(_BASIS_ORDER)
    return f, b, record_id


def secondary_view(graph: Graph, graph_iri: URIRef) -> Graph:
    """The part of a record's graph a secondary record keeps (see the module docstring)."""
    out = Graph(store="SimpleMemory")
    for prefix, ns in V.PREFIXES.items():
        out.bind(prefix, ns)
    trials = {s for s in graph.subjects(RDF.type, V.Trial) if (s, V.sourceRecord, graph_iri) in graph}
    keep_all: set[object] = {graph_iri}
    keep_all.update(graph.objects(graph_iri, V.sourceDocument))
    for t in trials:
        for pub in graph.objects(t, V.describedBy):
            keep_all.add(pub)
            keep_all.update(graph.objects(pub, V.reportsResult))
    for s, p, o in graph:
        if s in keep_all or (s in trials and p in _TRIAL_KEPT):
            if s == graph_iri and p == V.buildFingerprint:
                continue  # rewritten by the caller
            out.add((s, p, o))
    return out


@dataclass
class Plan:
    """Roles of the records of one build, and the stored graphs they demote."""

    secondary: set[int] = field(default_factory=set)  # indexes into the build's records
    demote: list[URIRef] = field(default_factory=list)  # stored primaries that lose their place

    def fingerprint(self, index: int, fingerprint: str) -> str:
        """The fingerprint the record's graph carries in its role."""
        return SECONDARY + fingerprint if index in self.secondary else fingerprint


def _stored(store: object, trials: Sequence[URIRef]) -> Iterable[tuple[str, str, str, str, str | None, str | None]]:
    """(trial, graph, format, record id, basis, fingerprint) of every stored record of ``trials``."""
    for start in range(0, len(trials), _BATCH):
        values = " ".join(f"<{t}>" for t in trials[start:start + _BATCH])
        res = store.query(  # type: ignore[attr-defined]
            f"SELECT ?t ?g ?fmt ?rid ?b ?fp WHERE {{ VALUES ?t {{ {values} }} GRAPH ?g {{"
            f" ?t <{V.sourceRecord}> ?g . ?g <{V.sourceFormat}> ?fmt ; <{V.recordId}> ?rid ."
            f" OPTIONAL {{ ?g <{V.identityBasis}> ?b }} OPTIONAL {{ ?g <{V.buildFingerprint}> ?fp }} }} }}")
        for row in res:
            yield tuple(None if x is None else str(x) for x in row)  # type: ignore[misc]


def plan(store: object, records: Sequence[TrialRecord], keys: Sequence[str], bases: Sequence[str]) -> Plan:
    """Decide, for every record of this build, whether it is its trial's primary record,
    taking the records already stored for the same trials into account."""
    out = Plan()
    built = {V.record_graph(r.source.format, r.source.record_id) for r in records}
    # trial -> [(rank, index in this build or None, stored graph or None, stored fingerprint)]
    cands: dict[str, list[tuple[tuple[int, int, str], int | None, URIRef | None, str | None]]] = {}
    for i, (rec, key, basis) in enumerate(zip(records, keys, bases, strict=True)):
        trial = str(V.trial_iri(key))
        cands.setdefault(trial, []).append((rank(rec.source.format, basis, rec.source.record_id), i, None, None))
    for t, g, fmt, rid, basis, fp in _stored(store, sorted(URIRef(t) for t in cands)):
        if URIRef(g) in built:
            continue  # rewritten by this build: its new identity counts, not the stored one
        cands[t].append((rank(fmt, basis, rid), None, URIRef(g), fp))
    for trial in cands:
        # A record given twice in one build ties with itself: its last copy, the one written, wins.
        ordered = sorted(cands[trial], key=lambda c: (c[0], 0 if c[1] is None else -c[1]))
        for _, index, graph, fp in ordered[1:]:
            if index is not None:
                out.secondary.add(index)
            elif graph is not None and not (fp or "").startswith(SECONDARY):
                out.demote.append(graph)
    return out


def demote(store: object, graphs: Iterable[URIRef]) -> tuple[int, int, int]:
    """Rewrite stored primary record graphs as secondary; (graphs changed, added, removed)."""
    changed = added = removed = 0
    for gi in graphs:
        full = store.graph(gi)  # type: ignore[attr-defined]
        fp = full.value(gi, V.buildFingerprint)
        view = secondary_view(full, gi)
        view.add((gi, V.buildFingerprint, Literal(SECONDARY + str(fp or ""))))
        change = store.replace_graph(gi, view)  # type: ignore[attr-defined]
        if change.changed:
            changed += 1
            added += change.added
            removed += change.removed
    return changed, added, removed
