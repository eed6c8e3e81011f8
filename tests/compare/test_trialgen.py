"""The benchmark's equivalence claim on a small graph: kg.compare finds exactly the conflicts
the benchmark's hand-written reference finds (benchmarks/queries.py, benchmarks/trialgen.py)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import queries
        import trialgen
    finally:
        sys.path.remove(str(BENCH))
    return trialgen, queries


@pytest.fixture(scope="module")
def catalogue(bench):
    trialgen, _ = bench
    return trialgen.load_catalogue(inferred=False)  # the reasoner takes ~20 s; asserted types suffice here


def _generate(bench, catalogue, seed: int):
    from kg.store.oxigraph import OxigraphStore

    trialgen, _ = bench
    store = OxigraphStore(None)
    # A high density so that 50 trials already conflict in every way the reference covers.
    ds = trialgen.generate(50, seed=seed, catalogue=catalogue, density=40.0, store=store._store)
    return ds, store


def test_generator_is_deterministic(bench, catalogue):
    a, _ = _generate(bench, catalogue, 11)
    b, _ = _generate(bench, catalogue, 11)
    c, _ = _generate(bench, catalogue, 12)
    assert a.quads == b.quads
    assert [t.therapy for t in a.trials] == [t.therapy for t in b.trials]
    assert [t.therapy for t in a.trials] != [t.therapy for t in c.trials]
    assert all(10 <= t.criteria <= 30 for t in a.trials)


@pytest.mark.parametrize("seed", [3])
def test_kg_conflicts_equal_reference(bench, catalogue, seed):
    from kg.compare import materialize

    _, queries = bench
    ds, store = _generate(bench, catalogue, seed)
    ref = queries.ref_conflicts(ds)
    kinds = Counter(k[0] for k in ref)
    # The case must exercise both kinds, else equality proves little.
    assert kinds["washout"] >= 5 and kinds["required-excluded"] >= 5, kinds
    summary = materialize(store, force=True)
    assert summary.conflicts > 0
    _, covered = queries.kg_conflict_keys(store)
    assert sorted(ref - covered)[:5] == [] and sorted(covered - ref)[:5] == []
    assert covered == ref
