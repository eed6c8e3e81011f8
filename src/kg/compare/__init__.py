"""Comparisons across trials: conflicting eligibility and comparable trials, materialized.

:func:`materialize` reads the trial facts from a store (:mod:`kg.compare.facts`), finds
every conflict (:mod:`kg.compare.conflicts`) and each trial's most comparable trials
(:mod:`kg.compare.comparable`), and writes them as kg:Conflict and kg:Comparability
nodes into ``V.COMPARE_GRAPH`` (:mod:`kg.compare.rdf`). ``kg build`` runs it after the
records and shared graphs whenever anything they hold changed, so the named queries
``conflicting-exclusions`` and ``comparable-trials``, the views and outside SPARQL users
all read the same, current answer.

A change recomputes only the conflicts of the trials it touches (:mod:`kg.compare.delta`
keeps a digest of each trial's inputs in the graph), and the graph is swapped whole:
readers see the old answer or the new one (decision 0013).
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF

from kg import vocab as V
from kg.compare.comparable import Comparability, rank_comparable
from kg.compare.conflicts import Conflict, find_conflicts
from kg.compare.delta import changed_conflicts, trial_digests
from kg.compare.facts import Facts, read_facts
from kg.compare.rdf import Triple, comparability_triples, conflict_triples, count_triples

__all__ = ["CompareSummary", "Comparability", "Conflict", "Facts", "find_conflicts", "materialize",
           "rank_comparable", "read_facts"]

#: How many comparable trials each trial keeps by default.
DEFAULT_TOP = 10


@dataclass
class CompareSummary:
    """What one materialization did, and how much of it was recomputed."""

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
    #: Every conflict recomputed: no bookkeeping to reuse (first run, other code, ``force``).
    full: bool = False
    #: Trials whose comparison inputs changed, appeared or went away.
    trials_changed: int = 0
    #: Ordered pairs of trials whose conflicts were recomputed (changed x changed-or-partner;
    #: every pair when ``full``): the work proportional to the change.
    pairs_recomputed: int = 0
    #: Conflicts written from this run's computation; the others were kept as stored.
    conflicts_recomputed: int = 0


#: Bookkeeping kept in the compare graph beside the answer (subject: the graph's name), so it
#: changes in the same transaction: what each trial's conflicts were computed from.
COMPARE_INPUT = V.compareInput  # "<digest> <trial IRI>", one per trial
COMPARE_BASIS = V.compareBasis  # code, fact queries and ``top`` the digests hold under


#: The code that turns trial facts into the compare graph: the reused conflicts hold while
#: these files, the fact queries and ``top`` are unchanged. Any other change of kg's code
#: reaches the comparisons only through the facts, which the per-trial digests cover (a
#: new kg rebuilds every record, but the conflicts of trials whose facts stay equal stay).
_RULES = ("compare", "vocab.py", "store/oxigraph.py", "queries/facts")


def _code_basis(top: int) -> str:
    """Hash of the comparisons' own code, the fact queries and ``top``."""
    from importlib import resources

    root = Path(str(resources.files("kg")))
    h = hashlib.sha256(f"top={top}".encode())
    for rule in _RULES:
        base = root / rule
        for path in sorted(base.rglob("*")) if base.is_dir() else [base]:
            if path.is_file() and path.suffix in (".py", ".rq") and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def input_fingerprint(store: object, top: int) -> str:
    """Hash of every other graph's build fingerprint, kg's code and ``top``: equal means the
    stored comparisons are still right."""
    from kg.graph.pipeline import code_fingerprint

    h = hashlib.sha256(f"{code_fingerprint()}|{_code_basis(top)}".encode())
    q = "SELECT ?g ?fp WHERE { GRAPH ?g { ?g kg:buildFingerprint ?fp } }"
    compare = str(V.COMPARE_GRAPH)
    for g, fp in sorted(store.rows(q)):  # type: ignore[attr-defined]
        if g != compare and not g.startswith(compare + "/"):  # its own slots (decision 0013)
            h.update(f"{g}={fp}\n".encode())
    return h.hexdigest()


def _stored(store: object, predicate: URIRef) -> list[str]:
    """Values of ``<compare graph> predicate ?v`` in the compare graph as it stands."""
    if hasattr(store, "derived_values"):
        return store.derived_values(V.COMPARE_GRAPH, str(V.COMPARE_GRAPH), str(predicate))  # type: ignore[attr-defined]
    found = store.graph_value(V.COMPARE_GRAPH, predicate)  # type: ignore[attr-defined]
    return [] if found is None else [found]


def _state_triples(fp: str, basis: str, digests: dict[str, str]) -> Iterator[Triple]:
    g = str(V.COMPARE_GRAPH)
    yield g, str(V.buildFingerprint), fp
    yield g, str(COMPARE_BASIS), basis
    for iri in sorted(digests):
        yield g, str(COMPARE_INPUT), f"{digests[iri]} {iri}"


def materialize(store: object, *, top: int = DEFAULT_TOP, force: bool = False) -> CompareSummary:
    """Bring the conflicts and comparabilities in ``V.COMPARE_GRAPH`` up to date with ``store``.

    Skipped when nothing they depend on changed since the last time, unless ``force``.
    Otherwise only the conflicts of trials whose inputs changed (:mod:`kg.compare.delta`)
    are recomputed, when the stored bookkeeping was made by this code; the comparabilities
    are ranked anew (each score weighs what is shared by how rare it is among all trials),
    which is seconds. The change is written so that readers see the old answer or the new
    one, never a mix (decision 0013)."""
    out = CompareSummary()
    if hasattr(store, "tidy_derived"):
        store.tidy_derived(V.COMPARE_GRAPH)  # what a swap cut short left behind
    fp = input_fingerprint(store, top)
    if not force and fp in _stored(store, V.buildFingerprint):
        out.skipped = True
        return out
    t0 = time.perf_counter()
    facts = read_facts(store)
    basis = _code_basis(top)
    digests = trial_digests(facts)
    t1 = time.perf_counter()
    old: dict[str, str] | None = None
    if not force and hasattr(store, "replace_subjects") and _stored(store, COMPARE_BASIS) == [basis]:
        old = {}
        for value in _stored(store, COMPARE_INPUT):
            digest, _, iri = value.partition(" ")
            old[iri] = digest
    state = _state_triples(fp, basis, digests)
    if old is None:
        out.full = True
        conflicts = find_conflicts(facts)
        out.trials_changed, out.pairs_recomputed = len(facts.trials), len(facts.trials) ** 2
        pairs = rank_comparable(facts, top=top)
        t2 = time.perf_counter()
        counts = _counts((c.trial_a, c.trial_b) for c in conflicts)
        triples = itertools.chain(conflict_triples(conflicts, facts), comparability_triples(pairs), count_triples(counts),
                                  state)
        change = store.replace_graph_quads(V.COMPARE_GRAPH, triples)  # type: ignore[attr-defined]
    else:
        changed = {iri for iri in digests.keys() | old.keys() if digests.get(iri) != old.get(iri)}
        conflicts, partners = changed_conflicts(facts, changed)
        present = changed & facts.trials.keys()
        out.trials_changed, out.pairs_recomputed = len(changed), len(present) * (len(present) + len(partners))
        pairs = rank_comparable(facts, top=top)
        t2 = time.perf_counter()
        # Replaced: every node naming a changed trial (its conflicts and comparabilities),
        # every comparability (re-ranked), every count and the bookkeeping; every other
        # conflict stays. The counts: the kept conflicts as stored plus the recomputed ones.
        g, changed_iris = V.COMPARE_GRAPH, [URIRef(i) for i in sorted(changed)]
        kept = ((a, b) for a, b in _stored_pairs(store) if a not in changed and b not in changed)
        counts = _counts(itertools.chain(kept, ((c.trial_a, c.trial_b) for c in conflicts)))
        subjects = (store.derived_subjects(g, str(V.trialA), changed_iris)  # type: ignore[attr-defined]
                    | store.derived_subjects(g, str(V.trialB), changed_iris)  # type: ignore[attr-defined]
                    | store.derived_subjects(g, str(RDF.type), [URIRef(V.Comparability)])  # type: ignore[attr-defined]
                    | store.derived_subjects(g, str(RDF.type), [URIRef(V.ConflictCount)])  # type: ignore[attr-defined]
                    | {str(g)})
        triples = itertools.chain(conflict_triples(conflicts, facts), comparability_triples(pairs), count_triples(counts),
                                  state)
        change = store.replace_subjects(g, subjects, triples)  # type: ignore[attr-defined]
    t3 = time.perf_counter()
    out.conflicts_recomputed = len(conflicts)
    out.by_kind = _kinds(store) if old is not None else _count_kinds(conflicts)
    out.trials, out.conflicts, out.comparabilities = len(facts.trials), sum(out.by_kind.values()), len(pairs)
    out.seconds_read, out.seconds_compute, out.seconds_write = t1 - t0, t2 - t1, t3 - t2
    out.added, out.removed = change.added, change.removed
    return out


def _counts(pairs: Iterator[tuple[str, str]] | itertools.chain) -> dict[str, int]:  # type: ignore[type-arg]
    """Conflicts per trial, on either side (a trial's conflict with itself once)."""
    out: dict[str, int] = {}
    for a, b in pairs:
        out[a] = out.get(a, 0) + 1
        if b != a:
            out[b] = out.get(b, 0) + 1
    return out


_STORED_PAIRS = """SELECT ?a ?b WHERE {
  GRAPH kggraph:current { kggraph:compare kg:currentGraph ?cg }
  GRAPH ?cg { ?c kg:conflictKind ?k ; kg:trialA ?a ; kg:trialB ?b }
}"""


def _stored_pairs(store: object) -> list[tuple[str, str]]:
    """(trial A, trial B) of every conflict stored now."""
    return [(a, b) for a, b in store.rows(_STORED_PAIRS) if a and b]  # type: ignore[attr-defined]


def _count_kinds(conflicts: list[Conflict]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for c in conflicts:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    return kinds


def _kinds(store: object) -> dict[str, int]:
    """Conflicts per kind as stored (kept and recomputed alike)."""
    kinds: dict[str, int] = {}
    by_iri = {str(V.conflict_kind(k)): k for k in V.CONFLICT_KINDS}
    for k in store.derived_values(V.COMPARE_GRAPH, None, str(V.conflictKind)):  # type: ignore[attr-defined]
        kinds[by_iri.get(k, k)] = kinds.get(by_iri.get(k, k), 0) + 1
    return {k: kinds[k] for k in sorted(kinds)}
