"""A time-limited query never forks a child that reads through a store opened for writing."""

from __future__ import annotations

import pytest

from kg.query.limits import forkable, user_query
from kg.query.named import run_named
from kg.store.memory import MemoryStore
from kg.store.oxigraph import OxigraphStore


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from kg.graph.pipeline import build

    store = OxigraphStore(tmp_path_factory.mktemp("forkable") / "store")
    build(None, store, compare=False)
    yield store
    store.close()


def test_children_read_through_a_read_only_handle(writable: OxigraphStore, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen = tmp_path / "forked-from"  # the spy runs in the forked child: it reports through a file
    serialized = OxigraphStore.serialized_query

    def spy(self, sparql, union=True):  # type: ignore[no-untyped-def]  # the forked, time-limited path
        with open(seen, "a") as fh:
            fh.write(f"{self.read_only}\n")
        return serialized(self, sparql, union)

    monkeypatch.setattr(OxigraphStore, "serialized_query", spy)
    rows = run_named(writable, "trials-by-drug", {"drug": "belimumab"}, timeout=30).result.bindings
    assert len(rows) == 3
    assert user_query(writable, "ASK { ?t a kg:Trial }", timeout=30).askAnswer
    forked_from = seen.read_text().split()
    assert forked_from and all(f == "True" for f in forked_from), forked_from
    # the writer is still the caller's, open and writable
    assert not writable.read_only and len(writable.query("SELECT ?t WHERE { ?t a kg:Trial }").bindings) == 4


def test_read_only_and_memory_stores_are_used_as_they_are(writable: OxigraphStore) -> None:
    memory = MemoryStore()
    with forkable(memory) as got:
        assert got is memory
    reader = OxigraphStore(writable.path, read_only=True)
    with forkable(reader) as got:
        assert got is reader
    reader.close()
    with forkable(writable) as got:
        assert got is not writable and got.read_only  # type: ignore[attr-defined]
