"""Comparisons across trials: conflicting eligibility and comparable trials, materialized.

:func:`materialize` reads the trial facts from a store (:mod:`kg.compare.facts`), finds
every conflict (:mod:`kg.compare.conflicts`) and each trial's most comparable trials
(:mod:`kg.compare.comparable`), and writes them as kg:Conflict and kg:Comparability
nodes into ``V.COMPARE_GRAPH`` (:mod:`kg.compare.rdf`). ``kg build`` runs it after the
records and shared graphs whenever anything they hold changed, so the named queries
``conflicting-exclusions`` and ``comparable-trials``, the views and outside SPARQL users
all read the same, current answer.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass

from kg import vocab as V
from kg.compare.comparable import Comparability, rank_comparable
from kg.compare.conflicts import Conflict, find_conflicts
from kg.compare.facts import Facts, read_facts
from kg.compare.rdf import comparability_triples, conflict_triples

__all__ = ["CompareSummary", "Comparability", "Conflict", "Facts", "find_conflicts", "materialize",
           "rank_comparable", "read_facts"]

#: How many comparable trials each trial keeps by default.
DEFAULT_TOP = 10


@dataclass
class CompareSummary:
    """What one materialization did."""

    skipped: bool = False
    trials: int = 0
    conflicts: int = 0
    comparabilities: int = 0
    by_kind: dict[str, int] | None = None
    seconds_read: float = 0.0
    seconds_compute: float = 0.0
    seconds_write: float = 0.0
    added: int = 0
    removed: int = 0


def input_fingerprint(store: object, top: int) -> str:
    """Hash of every other graph's build fingerprint, kg's code and ``top``: equal means the
    stored comparisons are still right."""
    from kg.graph.pipeline import code_fingerprint

    from importlib import resources

    h = hashlib.sha256(f"{code_fingerprint()}|top={top}".encode())
    facts_dir = resources.files("kg").joinpath("queries", "facts")
    for entry in sorted(facts_dir.iterdir(), key=lambda e: e.name):  # the fact queries are code too
        if entry.name.endswith(".rq"):
            h.update(entry.name.encode() + entry.read_bytes())
    q = "SELECT ?g ?fp WHERE { GRAPH ?g { ?g kg:buildFingerprint ?fp } }"
    compare = str(V.COMPARE_GRAPH)
    for g, fp in sorted(store.rows(q)):  # type: ignore[attr-defined]
        if g != compare:
            h.update(f"{g}={fp}\n".encode())
    return h.hexdigest()


def materialize(store: object, *, top: int = DEFAULT_TOP, force: bool = False) -> CompareSummary:
    """Recompute the conflicts and comparabilities of ``store`` and write them to
    ``V.COMPARE_GRAPH`` (only the triples that changed); skipped when nothing they depend
    on changed since the last time, unless ``force``."""
    out = CompareSummary()
    fp = input_fingerprint(store, top)
    stored = store.graph_value(V.COMPARE_GRAPH, V.buildFingerprint)  # type: ignore[attr-defined]
    if not force and stored == fp:
        out.skipped = True
        return out
    t0 = time.perf_counter()
    facts = read_facts(store)
    t1 = time.perf_counter()
    conflicts = find_conflicts(facts)
    pairs = rank_comparable(facts, top=top)
    t2 = time.perf_counter()
    if stored != fp:
        # Drop the old fingerprint first: a write cut short is then redone by the next build.
        store.drop_fingerprint(V.COMPARE_GRAPH)  # type: ignore[attr-defined]
    fingerprint = [(str(V.COMPARE_GRAPH), str(V.buildFingerprint), fp)]
    triples = itertools.chain(conflict_triples(conflicts, facts), comparability_triples(pairs), fingerprint)
    change = store.replace_graph_quads(V.COMPARE_GRAPH, triples)  # type: ignore[attr-defined]
    t3 = time.perf_counter()
    kinds: dict[str, int] = {}
    for c in conflicts:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    out.trials, out.conflicts, out.comparabilities, out.by_kind = len(facts.trials), len(conflicts), len(pairs), kinds
    out.seconds_read, out.seconds_compute, out.seconds_write = t1 - t0, t2 - t1, t3 - t2
    out.added, out.removed = change.added, change.removed
    return out

