"""kg.criteria.rdf fast path = reference path: the same record graphs, whichever way built.

The build stamps cached templates (parsed in place or in worker processes, packed for the
trip back) straight into the record graph's store. The reference is the plain writer,
``write_constraints``, adding the parse's triples one by one on the real criterion IRI,
with nothing cached. Both must give isomorphic graphs (and, since kg uses no blank
nodes, equal triple sets), for the demo trials and for real registry records, both as the
builder's rdflib graph and as stored in Oxigraph.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg import vocab as V
from kg.criteria import rdf as crdf
from kg.criteria.parse import parse_criterion
from kg.graph.build import record_graph
from kg.graph.pipeline import demo_sources
from kg.ingest.sources import read_sources
from kg.model import TrialRecord
from kg.store.oxigraph import OxigraphStore

from tests.conftest import shared_path

#: Real records with long, varied eligibility sections (labs, windows, therapies with
#: examples and exceptions, scores), from both registry formats.
REAL = ("api_v2/studies/NCT00000410.json", "api_v2/studies/NCT00007696.json",
        "api_v2/studies/NCT00042536.json", "legacy_xml/studies/NCT00000106.xml",
        "legacy_xml/studies/NCT00000116.xml", "legacy_xml/studies/NCT00000120.xml")


def reference(g: Graph, criterion: URIRef, text: str, polarity: str, scope: str | None = None) -> int:
    """The old, straightforward path: parse, then write every triple on the criterion IRI."""
    constraints = parse_criterion(text if isinstance(text, str) else "", polarity, scope)
    crdf.write_constraints(g, criterion, constraints)
    return len(constraints)


def _cold() -> None:
    crdf._template.cache_clear()
    crdf._PREPARED.clear()


@pytest.fixture
def cold():  # type: ignore[no-untyped-def]
    _cold()
    yield
    _cold()


def _records(paths: list[Path]) -> list[TrialRecord]:
    return [r for r in read_sources(paths) if isinstance(r, TrialRecord)]


def _demo() -> list[TrialRecord]:
    return _records(demo_sources())


def _real() -> list[TrialRecord]:
    root = shared_path("data", "ctgov")
    return _records([root / p for p in REAL])


def _graphs(records: list[TrialRecord], monkeypatch: pytest.MonkeyPatch, how: str) -> dict[URIRef, Graph]:
    """Each record's graph built with ``how``: "reference", "in-place" or "pool"."""
    _cold()
    with monkeypatch.context() as m:
        if how == "reference":
            m.setattr(crdf, "add_constraints", reference)
        elif how == "pool":
            pairs = [(c.text, c.polarity) for r in records for c in r.eligibility.criteria]
            assert crdf.prepare(pairs, workers=2, min_texts=0) > 0
        out = {}
        for r in records:
            rg = record_graph(r, r.nct_id or r.source.record_id)
            out[rg.graph_iri] = rg.graph
    return out


def _assert_same(a: dict[URIRef, Graph], b: dict[URIRef, Graph]) -> None:
    assert a.keys() == b.keys()
    for gi in a:
        assert len(a[gi]) == len(b[gi]), gi
        assert set(a[gi]) == set(b[gi]), gi
        assert isomorphic(a[gi], b[gi]), gi


def _constraints_in(graphs: dict[URIRef, Graph]) -> int:
    return sum(1 for g in graphs.values() for _ in g.triples((None, V.hasConstraint, None)))


@pytest.mark.parametrize("how", ["in-place", "pool"])
def test_demo_record_graphs_equal_the_reference(monkeypatch: pytest.MonkeyPatch, cold, how: str) -> None:  # type: ignore[no-untyped-def]
    records = _demo()
    ref = _graphs(records, monkeypatch, "reference")
    assert _constraints_in(ref) > 50  # the comparison covers real constraint nodes
    _assert_same(_graphs(records, monkeypatch, how), ref)


@pytest.mark.parametrize("how", ["in-place", "pool"])
def test_real_record_graphs_equal_the_reference(monkeypatch: pytest.MonkeyPatch, cold, how: str) -> None:  # type: ignore[no-untyped-def]
    records = _real()
    assert len(records) == len(REAL)
    ref = _graphs(records, monkeypatch, "reference")
    assert _constraints_in(ref) > 20
    _assert_same(_graphs(records, monkeypatch, how), ref)


def test_stored_graphs_equal_the_reference(monkeypatch: pytest.MonkeyPatch, cold) -> None:  # type: ignore[no-untyped-def]
    """Through the store too: what Oxigraph holds (canonical literals) is the same."""
    records = _demo() + _real()
    stores = {}
    for how in ("reference", "pool"):
        store = OxigraphStore()
        for gi, g in _graphs(records, monkeypatch, how).items():
            store.replace_graph(gi, g)
        stores[how] = store
    ref, new = stores["reference"], stores["pool"]
    assert ref.graphs() == new.graphs() and len(ref) == len(new) > 1000
    for gi in ref.graphs():
        assert isomorphic(ref.graph(gi), new.graph(gi)), gi


def test_a_cached_template_stamps_the_reference_triples_on_any_criterion(cold) -> None:  # type: ignore[no-untyped-def]
    text = "No rituximab or other B cell-depleting therapy within 6 months before screening, except IVIG"
    for i, crit in enumerate((URIRef("https://w3id.org/kg/id/record/x/A/criterion/exclusion-1"),
                              URIRef("https://w3id.org/kg/id/record/x/B/criterion/exclusion-7"))):
        g, r = Graph(), Graph()
        assert crdf.add_constraints(g, crit, text, "exclusion") == reference(r, crit, text, "exclusion") > 0
        assert set(g) == set(r) and isomorphic(g, r)
    assert crdf._template.cache_info().hits >= 1  # the second criterion reused the template


def test_packed_templates_unpack_to_equal_terms(cold) -> None:  # type: ignore[no-untyped-def]
    for text in ("Serum IgG4 above 1400 mg/L at baseline", "Age 18 to 75 years, male or female",
                 "Prednisone more than 10 mg/day within 4 weeks", "zzz nothing to read here"):
        t = crdf._template(text, "inclusion")
        packed = pickle.loads(pickle.dumps(crdf._pack(t)))
        assert not any(isinstance(o, Literal) for _, _, o, _ in packed[2])  # plain tuples travel
        back = crdf._unpack(packed)
        assert back == t
        for (_, _, a, _), (_, _, b, _) in zip(back[2], t[2], strict=True):
            assert type(a) is type(b) and (a is None or (str(a), getattr(a, "datatype", None))
                                           == (str(b), getattr(b, "datatype", None)))


def test_memoized_literals_are_the_literals_rdflib_builds() -> None:
    from decimal import Decimal

    from rdflib.namespace import XSD

    assert crdf._literal(True) == Literal(True) and crdf._literal(True).datatype == XSD.boolean
    assert crdf._literal(1) == Literal(1, datatype=XSD.integer)
    assert crdf._literal(1.0) == Literal(Decimal("1.0"), datatype=XSD.decimal)
    assert crdf._literal("1") == Literal("1") and crdf._literal("1").datatype is None
    # typed memo: True, 1 and 1.0 are three different literals, never one cached for another
    assert len({crdf._literal(True), crdf._literal(1), crdf._literal(1.0), crdf._literal("1")}) == 4
