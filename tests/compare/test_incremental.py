"""A change recomputes only the conflicts it touches, and ends where a clean build of the new inputs ends."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import vocab as V
from kg.compare import materialize
from kg.store.oxigraph import OxigraphStore

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
N = 60
FP = ox.NamedNode(str(V.buildFingerprint))
DERIVED = (str(V.COMPARE_GRAPH), str(V.KGGRAPH["current"]))


@pytest.fixture(scope="module")
def trialgen():
    sys.path.insert(0, str(BENCH))
    try:
        import trialgen
    finally:
        sys.path.remove(str(BENCH))
    return trialgen


@pytest.fixture(scope="module")
def catalogue(trialgen):
    return trialgen.load_catalogue(inferred=False)


def _inputs(trialgen, catalogue, n: int = N) -> list[ox.Quad]:
    """Record and shared graphs of ``n`` generated trials, each graph stamped with a build
    fingerprint as `kg build` stamps it (materialize skips when none changed)."""
    scratch = ox.Store()
    trialgen.generate(n, seed=7, catalogue=catalogue, density=40.0, store=scratch)
    quads = list(scratch)
    for g in {q.graph_name for q in quads}:
        quads.append(ox.Quad(g, FP, ox.Literal("v1"), g))
    return quads


def _store(quads: list[ox.Quad]) -> OxigraphStore:
    s = OxigraphStore(None)
    s._store.extend(quads)
    return s


def _inputs_of(store: OxigraphStore) -> list[ox.Quad]:
    return [q for q in store._store if not str(q.graph_name.value).startswith(DERIVED)]


def _compare_graph(store: OxigraphStore) -> set[tuple[str, str, str]]:
    g = ox.NamedNode(str(store.derived_graph(V.COMPARE_GRAPH)))
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in store._store.quads_for_pattern(None, None, None, g)}


def _clean(store: OxigraphStore) -> set[tuple[str, str, str]]:
    fresh = _store(_inputs_of(store))
    assert materialize(fresh).full
    return _compare_graph(fresh)


def _trial_graph(i: int) -> ox.NamedNode:
    return ox.NamedNode(str(V.record_graph("kg-json", f"NCT9{i:07d}")))


def _restamp(store: OxigraphStore, g: ox.NamedNode, value: str) -> None:
    for q in list(store._store.quads_for_pattern(g, FP, None, g)):
        store._store.remove(q)
    store._store.add(ox.Quad(g, FP, ox.Literal(value), g))


def _most_conflicted(store: OxigraphStore) -> int:
    """The generated trial named by the most conflicts (the change must matter)."""
    counts: dict[str, int] = {}
    for side in (V.trialA, V.trialB):
        for q in store._store.quads_for_pattern(None, ox.NamedNode(str(side)), None, None):
            counts[q.object.value] = counts.get(q.object.value, 0) + 1
    best = max(sorted(counts), key=lambda t: counts[t])
    return int(best.rsplit("NCT9", 1)[1])


@pytest.fixture()
def built(trialgen, catalogue) -> OxigraphStore:
    store = _store(_inputs(trialgen, catalogue))
    first = materialize(store)
    assert first.full and first.conflicts > 50, first
    assert set(first.by_kind) == {"washout", "required-excluded", "numeric-range", "self-contradiction"}
    return store


def test_one_changed_record_recomputes_its_pairs_and_equals_a_clean_build(built: OxigraphStore) -> None:
    before = _compare_graph(built)
    i = _most_conflicted(built)
    g = _trial_graph(i)
    # The record changes: its therapy constraints lose the drugs and classes they name.
    links = [ox.NamedNode(str(V.KG[p])) for p in ("refersToDrug", "refersToDrugClass")]
    dropped = [q for p in links for q in built._store.quads_for_pattern(None, p, None, g)]
    assert dropped
    for q in dropped:
        built._store.remove(q)
    _restamp(built, g, "v2")

    summary = materialize(built)
    after = _compare_graph(built)
    assert not summary.full and summary.trials_changed == 1
    # Only pairs with the changed trial were recomputed, and only its conflicts rewritten.
    assert 0 < summary.pairs_recomputed <= N
    assert 0 < summary.conflicts_recomputed < summary.conflicts
    assert after != before
    assert after == _clean(built)


def test_added_and_removed_records(trialgen, catalogue, built: OxigraphStore) -> None:
    # One more trial: generated as trial N of a run of N + 1 (same seed, same first N).
    extra = _trial_graph(N)
    more = [q for q in _inputs(trialgen, catalogue, N + 1) if q.graph_name == extra]
    assert more
    built._store.extend(more)
    added = materialize(built)
    assert not added.full and added.trials_changed == 1
    assert _compare_graph(built) == _clean(built)

    # A record gone from the store: none of its trial's conflicts or comparabilities stay.
    i = _most_conflicted(built)
    gone = str(V.trial_iri(f"NCT9{i:07d}"))
    built._store.remove_graph(_trial_graph(i))
    removed = materialize(built)
    # Its trial, plus any trial that showed a label only it carried (a shared condition's name).
    assert not removed.full and 1 <= removed.trials_changed <= 5 and removed.removed > 0
    left = _compare_graph(built)
    assert not {t for t in left if f"<{gone}>" == t[2] and "trial" in t[1]}
    assert left == _clean(built)


def test_unchanged_inputs_skip_and_forcing_writes_nothing(built: OxigraphStore) -> None:
    assert materialize(built).skipped
    forced = materialize(built, force=True)
    assert forced.full and forced.added == forced.removed == 0


def test_a_new_kg_elsewhere_reuses_every_conflict(built: OxigraphStore, monkeypatch) -> None:
    # Other code (a new CLI, say) changes every record's fingerprint, not the comparisons' rules.
    from kg.graph import pipeline

    before = _compare_graph(built)
    monkeypatch.setattr(pipeline, "code_fingerprint", lambda: "another kg")
    again = materialize(built)
    assert not again.skipped and not again.full and again.trials_changed == 0 and again.pairs_recomputed == 0
    changed = before ^ _compare_graph(built)
    assert {t[1] for t in changed} == {f"<{V.buildFingerprint}>"}  # only the input fingerprint moved
