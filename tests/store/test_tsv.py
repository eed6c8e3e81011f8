"""Reading TSV query answers back (kg.store.tsv): the same rdflib terms as the in-process path."""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kg.query.limits import limited_query
from kg.store.oxigraph import OxigraphStore
from kg.store.tsv import parse_term, plain_literal, tsv_result

G = URIRef("https://w3id.org/kg/graph/record/test/tsv")
S, P = URIRef("http://e/s"), URIRef("http://e/p")
# Text an RDF literal may hold: any code point but surrogates (not encodable as UTF-8).
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(_TEXT)
def test_a_fast_plain_literal_is_rdflibs_literal(text: str) -> None:
    fast, slow = plain_literal(text), Literal(text)
    assert fast == slow and hash(fast) == hash(slow) and fast.eq(slow)
    assert (fast.value, fast.datatype, fast.language, fast.n3()) == (slow.value, slow.datatype, slow.language, slow.n3())
    assert fast.toPython() == slow.toPython() and type(fast) is type(slow)


def _both(store: OxigraphStore, text: str) -> tuple[list, list]:
    """The rows of ``text`` in process (pyoxigraph terms converted) and through the child (TSV)."""
    inproc = [tuple(r) for r in store.query(text)]
    limited = [tuple(r) for r in limited_query(store, text, timeout=30)]
    return inproc, limited


_OBJECTS = st.one_of(
    _TEXT.map(Literal),
    st.tuples(_TEXT, st.sampled_from(["en", "fr-be", "zh-hant-tw"])).map(lambda t: Literal(t[0], lang=t[1])),
    st.integers(-10**20, 10**20).map(Literal),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: Literal(d, datatype=XSD.decimal)),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: Literal(f, datatype=XSD.double)),
    st.booleans().map(Literal),
    _TEXT.map(lambda t: Literal(t, datatype=URIRef("http://e/dt"))),
    st.sampled_from([URIRef("http://e/a%20b"), URIRef("urn:x:é"), URIRef("http://e/q?x=1&y=%22")]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_OBJECTS, min_size=1, max_size=6))
def test_answers_read_back_from_tsv_equal_the_in_process_answers(objects: list) -> None:
    store = OxigraphStore(None)
    store.replace_graph(G, [(S, P, o) for o in objects])
    inproc, limited = _both(store, "SELECT ?o ?x WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?x } } ORDER BY ?o")
    assert limited == inproc
    for (a, _), (b, _) in zip(inproc, limited):
        assert (type(a), getattr(a, "datatype", None), getattr(a, "language", None)) == (
            type(b), getattr(b, "datatype", None), getattr(b, "language", None))


def test_blank_nodes_unbound_cells_and_an_empty_solution() -> None:
    store = OxigraphStore(None)
    store.replace_graph(G, [(S, P, BNode("b1")), (S, P, Literal("tab\there\nnew \"q\" \\ end"))])
    inproc, limited = _both(store, "SELECT ?o ?none WHERE { ?s ?p ?o } ORDER BY STR(?o)")
    assert [r[1] for r in limited] == [None, None]
    assert {str(r[0]) for r in limited if isinstance(r[0], Literal)} == {"tab\there\nnew \"q\" \\ end"}
    assert sum(isinstance(r[0], BNode) for r in limited) == 1
    # no variables: one empty solution, which TSV cannot say (sent as JSON instead)
    assert len(limited_query(store, "SELECT * WHERE { }", timeout=30)) == 1


def test_short_forms_and_bad_cells() -> None:
    assert parse_term("12") == Literal(12) and parse_term("-0.5") == Literal("-0.5", datatype=XSD.decimal)
    assert parse_term("1.0E3").datatype == XSD.double
    res = tsv_result(b"?a\t?b\n<http://e/x>\t\n")
    assert [tuple(r) for r in res] == [(URIRef("http://e/x"), None)]
    import pytest

    from kg.errors import QueryError

    for bad in ("nonsense", '"unterminated', '"x"^^http://e/dt', '"\\q"'):
        with pytest.raises(QueryError):
            parse_term(bad)
    with pytest.raises(QueryError):
        tsv_result(b"?a\t?b\n<http://e/x>\n")
