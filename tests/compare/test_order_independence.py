"""The comparisons follow the graph, not the order the store returns its rows in: the same
synthetic graph read with its rows shuffled gives the same conflicts and comparabilities,
to the last triple (explanations, windows and shared concepts included)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from kg.compare import find_conflicts, rank_comparable, read_facts
from kg.compare.rdf import comparability_triples, conflict_triples
from kg.store.oxigraph import OxigraphStore

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def store():
    sys.path.insert(0, str(BENCH))
    try:
        import trialgen
    finally:
        sys.path.remove(str(BENCH))
    s = OxigraphStore(None)
    # Dense enough that trials share drugs, classes and conditions many ways over (ties everywhere).
    trialgen.generate(120, seed=4, catalogue=trialgen.load_catalogue(inferred=False), density=20.0, store=s._store)
    return s


class _Shuffled:
    """``store`` whose ``rows`` come back in a seeded random order."""

    def __init__(self, store: OxigraphStore, seed: int) -> None:
        self.store, self.rng = store, random.Random(seed)

    def rows(self, sparql: str):  # type: ignore[no-untyped-def]
        out = list(self.store.rows(sparql))
        self.rng.shuffle(out)
        return iter(out)


def _answer(store: object) -> list[tuple]:  # type: ignore[type-arg]
    f = read_facts(store)
    conflicts, pairs = find_conflicts(f), rank_comparable(f, top=5)
    assert conflicts and pairs
    return sorted(map(repr, [*conflict_triples(conflicts, f), *comparability_triples(pairs)]))


def test_row_order_changes_nothing(store):
    want = _answer(store)
    for seed in (1, 2, 3):
        got = _answer(_Shuffled(store, seed))
        assert got == want, f"seed {seed}: {len(set(got) ^ set(want))} triples differ"
