"""OxigraphStore.replace_graph_quads: a derived graph replaced by plain-string triples, as a diff."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kg.store import oxigraph as oxs
from kg.store.oxigraph import OxigraphStore

G = URIRef("https://example.org/graph/derived")
P = "https://example.org/p"
TRICKY = ['plain', 'quote " and \\ backslash', "line\nbreak", "ünïcödé → ✓", "", "{ } . ; GRAPH"]


def _triples(n: int, tag: str = "") -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    for i in range(n):
        s = f"https://example.org/s/{i}"
        out += [(s, P, f"{TRICKY[i % len(TRICKY)]}{tag}"), (s, P + "/n", i), (s, P + "/x", i / 4),
                (s, P + "/b", i % 2 == 0), (s, P + "/o", URIRef(f"https://example.org/o/{i % 7}"))]
    return out


def _graph(store: OxigraphStore) -> set[str]:
    return {str(q) for q in store._store.quads_for_pattern(None, None, None, ox.NamedNode(str(G)))}


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path) -> OxigraphStore:  # type: ignore[no-untyped-def]
    s = OxigraphStore(tmp_path / "store" if request.param == "disk" else None)
    yield s
    s.close()


def test_first_write_then_identical_rewrite_changes_nothing(store: OxigraphStore) -> None:
    first = store.replace_graph_quads(G, _triples(50))
    assert (first.added, first.removed) == (250, 0)
    before = _graph(store)
    again = store.replace_graph_quads(G, _triples(50))
    assert (again.added, again.removed) == (0, 0) and _graph(store) == before


def test_a_partial_change_applies_only_the_difference(store: OxigraphStore) -> None:
    store.replace_graph_quads(G, _triples(60))
    new = _triples(40) + [("https://example.org/s/new", P, 'brand "new"')]
    change = store.replace_graph_quads(G, new)
    assert (change.added, change.removed) == (1, 100)
    fresh = OxigraphStore(None)
    fresh.replace_graph_quads(G, new)
    assert _graph(store) == _graph(fresh)  # same quads as writing the new triples from scratch


def test_large_removals_go_in_chunks_and_keep_every_literal_exact(store: OxigraphStore, monkeypatch) -> None:
    monkeypatch.setattr(oxs, "_DELETE_CHUNK", 1500)  # deleted in chunks while the old graph is read
    store.replace_graph_quads(G, _triples(3100, tag=" old"))
    keep = [t for t in _triples(3100, tag=" old") if t[1] != P]  # every string literal goes
    change = store.replace_graph_quads(G, keep + _triples(3, tag=" new")[:1])
    assert change.removed == 3100 and change.added == 1
    left = _graph(store)
    assert not any(" old" in q for q in left) and len(left) == 4 * 3100 + 1
