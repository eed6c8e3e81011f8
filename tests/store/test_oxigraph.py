"""The Oxigraph store: graph replacement as a diff, canonical literals, read-only opening."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.errors import QueryError, StoreError
from kg.store.oxigraph import OxigraphStore

G = URIRef("https://w3id.org/kg/graph/record/test/1")
S, P = URIRef("http://e/s"), URIRef("http://e/p")


def test_replace_graph_writes_only_the_difference(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "s")
    t1 = [(S, P, Literal(1)), (S, P, Literal("a"))]
    assert store.replace_graph(G, t1).added == 2
    assert not store.replace_graph(G, t1).changed
    change = store.replace_graph(G, [(S, P, Literal(1)), (S, P, Literal("b"))])
    assert (change.added, change.removed) == (1, 1)
    assert {str(o) for _, _, o in store.triples(G)} == {"1", "b"}


def test_decimals_are_compared_as_oxigraph_stores_them() -> None:
    store = OxigraphStore(None)
    t = [(S, P, Literal(Decimal("10.0"), datatype=XSD.decimal))]
    store.replace_graph(G, t)
    assert not store.replace_graph(G, t).changed


def test_store_persists_and_reopens_read_only(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "s") as store:
        store.replace_graph(G, [(S, P, Literal("x"))])
    ro = OxigraphStore(tmp_path / "s", read_only=True)
    assert len(ro) == 1 and ro.graphs() == [G]


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="kg build"):
        OxigraphStore(tmp_path / "nothing", read_only=True)


def test_malformed_query_is_a_query_error() -> None:
    with pytest.raises(QueryError):
        OxigraphStore(None).query("SELECT WHERE {")


def test_invalid_iri_is_refused_before_writing() -> None:
    store = OxigraphStore(None)
    with pytest.raises(StoreError, match="invalid IRI"):
        store.replace_graph(G, [(URIRef("http://e/a b"), P, Literal("x"))])
    assert len(store) == 0
