"""kg.criteria.rdf.prepare: parsing a build's criteria ahead in worker processes changes no triple."""

from __future__ import annotations

import pickle

import pytest

from kg import vocab as V
from kg.criteria import rdf as crdf
from kg.graph.pipeline import build
from kg.store.memory import MemoryStore

_PREPARE = crdf.prepare  # the real one, before any test patches it


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Empty parse caches before and after, so each build really parses (here or in the pool)."""
    crdf._template.cache_clear()
    crdf._PREPARED.clear()
    yield
    crdf._template.cache_clear()
    crdf._PREPARED.clear()


def _constraint_triples(store: MemoryStore) -> set[tuple[object, object, object]]:
    """Every triple whose subject is a criterion or one of its constraint nodes."""
    out = set()
    for gi in store.graphs():
        for s, p, o in store.triples(gi):
            if "/criterion/" in str(s):
                out.add((s, p, o))
    return out


def _build(monkeypatch: pytest.MonkeyPatch, workers: int) -> tuple[MemoryStore, list[int]]:
    calls: list[int] = []
    real = _PREPARE

    def spy(pairs, **_):  # type: ignore[no-untyped-def]
        n = real(pairs, workers=workers, min_texts=0)
        calls.append(n)
        return n

    monkeypatch.setattr(crdf, "prepare", spy)
    crdf._template.cache_clear()
    crdf._PREPARED.clear()
    store = MemoryStore()
    build(None, store, shared_graphs=False)
    return store, calls


def test_pool_build_equals_in_place_build(monkeypatch: pytest.MonkeyPatch, cold) -> None:  # type: ignore[no-untyped-def]
    serial, calls1 = _build(monkeypatch, workers=1)
    parallel, calls2 = _build(monkeypatch, workers=2)
    assert calls1 == [0]  # one worker: nothing parsed ahead, add_constraints parsed in place
    assert len(calls2) == 1 and calls2[0] > 20  # the pool parsed the demo's criteria
    a, b = _constraint_triples(serial), _constraint_triples(parallel)
    assert any(p == V.hasConstraint for _, p, _ in a)
    assert a == b
    for gi in serial.graphs():  # and the whole record graphs, not only their criteria
        assert set(serial.triples(gi)) == set(parallel.triples(gi))


def test_second_build_prepares_nothing(monkeypatch: pytest.MonkeyPatch, cold) -> None:  # type: ignore[no-untyped-def]
    store, calls = _build(monkeypatch, workers=2)
    build(None, store, shared_graphs=False)
    assert calls[0] > 0 and calls[1] == 0  # unchanged records are skipped, so are their texts


def test_templates_survive_pickling(cold) -> None:  # type: ignore[no-untyped-def]
    for text in ("Serum IgG4 above 1400 mg/L at baseline", "Pregnant or breastfeeding",
                 "non-biologic DMARDs or immunosuppressants other than GCs within 12 weeks before screening",
                 "zzz nothing to read here"):
        t = crdf._template(text, "exclusion")
        back = pickle.loads(pickle.dumps(t))
        assert back == t
        assert [str(x) for tr in back[1] for x in tr] == [str(x) for tr in t[1] for x in tr]


def test_small_batches_and_one_worker_skip_the_pool(cold) -> None:  # type: ignore[no-untyped-def]
    pairs = [("Pregnant or breastfeeding", "exclusion"), ("Age 18 to 65 years", "inclusion")] * 3
    assert crdf.prepare(pairs) == 0  # under POOL_MIN_TEXTS
    assert crdf.prepare(pairs, workers=1, min_texts=0) == 0
    assert crdf.prepare(pairs, workers=2, min_texts=0) == 2  # distinct texts only
    assert set(crdf._PREPARED) == set(pairs)
    assert crdf.prepare(pairs[:1], workers=2, min_texts=0) == 0  # already prepared: kept
    assert set(crdf._PREPARED) == {pairs[0]}  # the rest of the previous build dropped


def test_a_text_that_breaks_the_parser_is_left_to_the_build(monkeypatch: pytest.MonkeyPatch, cold) -> None:  # type: ignore[no-untyped-def]
    real = crdf.parse_criterion

    def fragile(text: str, polarity: str, scope: str | None = None):  # type: ignore[no-untyped-def]
        if "boom" in text:
            raise ValueError("cannot parse")
        return real(text, polarity, scope)

    monkeypatch.setattr(crdf, "parse_criterion", fragile)
    pairs = [("boom", "exclusion"), ("Pregnant or breastfeeding", "exclusion")]
    assert crdf.prepare(pairs, workers=2, min_texts=0) == 1
    assert ("boom", "exclusion") not in crdf._PREPARED
    with pytest.raises(ValueError):
        crdf.add_constraints(__import__("rdflib").Graph(), V.constraint_iri(crdf._BASE, 0), "boom", "exclusion")


