"""OxigraphStore.replace_graph_quads / replace_subjects: a derived graph replaced by plain-string
triples, as a diff, swapped whole (one transaction, or a second slot and a pointer)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kg.errors import StoreError
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
    """The derived graph as readers that follow its pointer see it (graph name left out)."""
    g = ox.NamedNode(str(store.derived_graph(G)))
    return {str(q.triple) for q in store._store.quads_for_pattern(None, None, None, g)}


def _pointer(store: OxigraphStore) -> str | None:
    found = [q.object.value for q in store._store.quads_for_pattern(
        ox.NamedNode(str(G)), ox.NamedNode(str(oxs.CURRENT_GRAPH)), None, ox.NamedNode(str(oxs.POINTER_GRAPH)))]
    assert len(found) <= 1
    return found[0] if found else None


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


def test_large_changes_swap_slots_and_keep_every_literal_exact(store: OxigraphStore, monkeypatch) -> None:
    monkeypatch.setattr(oxs, "_DELETE_CHUNK", 1500)  # the old slot is deleted in chunks
    store.tx_limit = 1000
    store.replace_graph_quads(G, _triples(3100, tag=" old"))
    # Never built before: the first answer lands in the graph's own name, then the pointer.
    assert _pointer(store) == str(G) and store.derived_graph(G) == G
    keep = [t for t in _triples(3100, tag=" old") if t[1] != P]  # every string literal goes
    change = store.replace_graph_quads(G, keep + _triples(3, tag=" new")[:1])
    assert change.removed == 3100 and change.added == 1
    assert _pointer(store) == str(G) + "/b"
    left = _graph(store)
    assert not any(" old" in q for q in left) and len(left) == 4 * 3100 + 1
    # Only the slot the pointer names holds quads (plus the pointer itself).
    assert len(store) == len(left) + 1
    # The next large change swaps back.
    store.replace_graph_quads(G, _triples(3100, tag=" again"))
    assert _pointer(store) == str(G) and len(store) == 5 * 3100 + 1


def test_small_changes_stay_in_place_in_one_update(store: OxigraphStore) -> None:
    store.replace_graph_quads(G, _triples(100))
    assert _pointer(store) == str(G)
    change = store.replace_graph_quads(G, _triples(99))
    assert (change.added, change.removed) == (0, 5) and _pointer(store) == str(G)


def test_a_swap_cut_short_leaves_the_old_answer_and_is_tidied(store: OxigraphStore, monkeypatch) -> None:
    store.tx_limit = 100
    store.replace_graph_quads(G, _triples(200, tag=" old"))
    before = _graph(store)

    class Crash(Exception):
        pass

    real_next = oxs._Counter.__next__

    def cut(self):  # type: ignore[no-untyped-def]
        if self.n >= 300:  # mid bulk load into the other slot
            raise Crash
        return real_next(self)

    monkeypatch.setattr(oxs._Counter, "__next__", cut)
    with pytest.raises(Crash):
        store.replace_graph_quads(G, _triples(200, tag=" new"))
    monkeypatch.undo()
    assert _pointer(store) == str(G) and _graph(store) == before  # the old answer, whole
    # Whatever part of the load reached the other slot (the bulk loader writes in batches) is
    # deleted by the next write: leftovers like these.
    b = ox.NamedNode(str(G) + "/b")
    store._store.extend(ox.Quad(ox.NamedNode(f"https://example.org/left/{i}"), ox.NamedNode(P), ox.Literal("x"), b)
                        for i in range(50))
    assert _graph(store) == before
    assert store.tidy_derived(G) >= 50 and len(store) == len(before) + 1


def test_a_crash_after_the_pointer_moved_leaves_the_new_answer(store: OxigraphStore, monkeypatch) -> None:
    store.tx_limit = 100
    store.replace_graph_quads(G, _triples(200, tag=" old"))
    real_clear = OxigraphStore._clear

    def crash_on_old(self, g):  # type: ignore[no-untyped-def]
        if g.value == str(G) and _pointer(self) == str(G) + "/b":  # deleting the old slot
            raise OSError("killed")
        return real_clear(self, g)

    monkeypatch.setattr(OxigraphStore, "_clear", crash_on_old)
    with pytest.raises(StoreError):
        store.replace_graph_quads(G, _triples(200, tag=" new"))
    monkeypatch.undo()
    fresh = OxigraphStore(None)
    fresh.replace_graph_quads(G, _triples(200, tag=" new"))
    assert _graph(store) == _graph(fresh)
    # The next write (or materialize) deletes the old slot: no more quads than a clean write.
    store.replace_graph_quads(G, _triples(200, tag=" new"))
    assert len(store) == len(fresh)


def test_replace_subjects_rewrites_only_the_subjects_named(store: OxigraphStore) -> None:
    store.replace_graph_quads(G, _triples(30))
    s3, s4 = "https://example.org/s/3", "https://example.org/s/4"
    change = store.replace_subjects(G, {s3, s4, "https://example.org/s/none"}, [(s3, P, "three"), (s3, P + "/n", 3)])
    # s3: its string and 3 more go, "three" comes; s4: all 5 go.
    assert (change.added, change.removed) == (1, 4 + 5)
    expect = [t for t in _triples(30) if t[0] not in (s3, s4)] + [(s3, P, "three"), (s3, P + "/n", 3)]
    fresh = OxigraphStore(None)
    fresh.replace_graph_quads(G, expect)
    assert _graph(store) == _graph(fresh)
    assert store.derived_subjects(G, P + "/n", [3]) == {s3}
    assert store.derived_values(G, s3, P) == ["three"]
