"""Hostile parameter values never change a query's structure: they stay one bound term.

Every named query and every parameter is fed hostile strings; every query that reaches the
store while resolving and running it (the resolvers' own lookups included) is checked:
the text around the VALUES block is the template's, the block holds exactly the resolved
term (Oxigraph reads it back as that one term), and the token stream equals the one
produced with a benign placeholder.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kg import vocab as V
from kg.errors import ParameterError
from kg.query.binding import _top_group_start, inject_values
from kg.query.guard import lex
from kg.query.named import load_queries, only_given
from kg.query.params import resolve_param
from kg.store.oxigraph import _PREFIXES, to_ox

QUERIES = load_queries()
PARAMS = [(q.name, p.name) for q in QUERIES.values() for p in q.params]

NASTY = [
    '"', "'", '"""', "'''", "\\", '\\"', "{", "}", "} ; DROP ALL ; {", '" } ; DROP ALL ; { "', "'} UNION { ?s ?p ?o }",
    ">", "<", "<http://evil.example/>", "> } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o", "#", "\n", "\r\n# x\n",
    ") } LIMIT 0 #", "?trial", "$drug", "\\u0022 } DROP ALL", "\u00e9\u4e2d\U0001f600", "\u2028", "\x00", "\t",
    "NCT04660565\" }", "kgid:trial/NCT04660565>", "https://w3id.org/kg/id/trial/NCT04660565> } #",
]
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=6).map("".join),
    st.tuples(st.sampled_from(["NCT04660565", "belimumab", "kgid:trial/", "https://w3id.org/kg/id/", "lupus", ""]),
              st.sampled_from(NASTY), st.text(max_size=20)).map("".join),
    st.text(max_size=40),
    st.text(alphabet='"\'{}<>#\\ \n?$;.()', min_size=1, max_size=80),
    st.just("x" * 5000 + '" } DROP ALL { "'),
)


class SpyStore:
    """Passes queries to a real store and records every (template, bindings) it is given."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[tuple[str, dict[str, Node]]] = []

    def query(self, sparql: str, bindings: dict[str, Node] | None = None, **kw: Any) -> Any:
        self.calls.append((sparql, dict(bindings or {})))
        return self.store.query(sparql, bindings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def _placeholder(term: Node) -> Node:
    return URIRef("urn:x-kg:placeholder") if isinstance(term, URIRef) else Literal("placeholder")


def assert_structure_kept(template: str, bindings: dict[str, Node]) -> None:
    """The injected query is the template plus one VALUES block holding exactly ``bindings``."""
    if not bindings:
        return
    try:
        injected = inject_values(template, bindings)
    except ParameterError:
        return  # refused: this text never reached the store
    benign = inject_values(template, {k: _placeholder(v) for k, v in bindings.items()})
    # 1. the template's text is untouched around one inserted block
    at = _top_group_start(template)
    size = len(injected) - len(template)
    assert injected[:at] + injected[at + size:] == template
    block = injected[at:at + size]
    # 2. Oxigraph reads the block back as exactly the bound terms, one row, one term each
    names = list(bindings)
    res = ox.Store().query(f"SELECT {' '.join('?' + n for n in names)} WHERE {{{block} }}")
    got = list(res)
    assert len(got) == 1
    for n in names:
        assert got[0][n] == to_ox(bindings[n])
    # 3. the token stream equals the benign one except for the bound terms themselves
    a, b = lex(injected), lex(benign)
    assert a.clean and b.clean
    assert [t.kind for t in a.tokens] == [t.kind for t in b.tokens]
    differ = [(x, y) for x, y in zip(a.tokens, b.tokens, strict=True) if x.value != y.value]
    assert len(differ) <= len(bindings)
    assert all(at <= x.pos < at + size and x.kind in ("string", "iri") for x, _ in differ)


@pytest.mark.parametrize(("query_name", "param_name"), PARAMS)
def test_hostile_values_never_change_structure(demo_store, query_name: str, param_name: str) -> None:
    query = QUERIES[query_name]
    param = next(p for p in query.params if p.name == param_name)

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=hostile)
    def check(raw: str) -> None:
        spy = SpyStore(demo_store)
        try:
            term = resolve_param(spy, param.type, param.name, raw)
        except ParameterError:
            term = None
        calls = spy.calls + ([(query.text, {param.name: term})] if term is not None else [])
        for text, bindings in calls:
            assert_structure_kept(text, bindings)

    check()


# -- the full algebra, for every named query, with a placeholder in place of the bound term ------
PLACEHOLDER = "<bound term>"


def _canon(node: Any, var: Variable) -> Any:
    """A comparable form of rdflib's algebra; the parameter's VALUES binding becomes a placeholder."""
    if isinstance(node, CompValue):
        items = []
        for key, value in dict.items(node):
            if key == "_vars":
                continue
            if node.name == "values" and key == "res":
                value = [{k: (PLACEHOLDER if k == var else v) for k, v in row.items()} for row in value]
            items.append((key, _canon(value, var)))
        return (node.name, tuple(sorted(items, key=lambda kv: kv[0])))
    if isinstance(node, dict):
        return tuple(sorted((repr(k), _canon(v, var)) for k, v in node.items()))
    if isinstance(node, list | tuple):
        return tuple(_canon(v, var) for v in node)
    if isinstance(node, set | frozenset):
        return tuple(sorted(repr(v) for v in node))
    return repr(node)


def _algebra(text: str, var: str) -> Any:
    # rdflib cannot read LATERAL (Oxigraph's SEP-0006; decision 0021): its groups are read as
    # plain groups, which keeps every place a bound value could change the structure.
    text = re.sub(r"\bLATERAL\s*\{", "{", text)
    return _canon(prepareQuery(text, initNs={k: V.PREFIXES[k] for k in _PREFIXES}).algebra, Variable(var))


@pytest.mark.parametrize(("query_name", "param_name"), PARAMS)
def test_algebra_is_the_same_with_hostile_and_benign_terms(query_name: str, param_name: str) -> None:
    # The text as run with this parameter given (its `# @if`/`# @unless` lines applied).
    text = only_given(QUERIES[query_name].text, {param_name})
    benign = _algebra(inject_values(text, {param_name: Literal("benign")}), param_name)
    # (IRIs that could break out, with '>' '{' '}' or spaces, are refused by inject_values:
    # see test_literals_and_iris_bind_as_one_term_or_are_refused.)
    hostile = Literal('x" } ; DROP ALL ; { SERVICE <http://evil.example/> { ?s ?p ?o } } #\n')
    assert _algebra(inject_values(text, {param_name: hostile}), param_name) == benign


def test_the_algebra_check_catches_pasted_text() -> None:
    """Control: pasting the same value into the text (what binding avoids) changes the algebra."""
    text = QUERIES["criteria"].text
    benign = _algebra(inject_values(text, {"trial": Literal("benign")}), "trial")
    at = _top_group_start(text)
    pasted = text[:at] + ' VALUES ?trial { "x" } ?trial ?p ?o . { ?a ?b "y" } ' + text[at:]
    assert _algebra(pasted, "trial") != benign


# -- inject_values on its own ------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=200))
def test_any_string_round_trips_as_one_literal(value: str) -> None:
    text = inject_values("SELECT ?v WHERE { }", {"v": Literal(value)})
    got = list(ox.Store().query(text))
    assert len(got) == 1
    assert got[0]["v"] == ox.Literal(value)


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=60), lang=st.sampled_from([None, "en", "en-GB", "x\" }"]))
def test_literals_and_iris_bind_as_one_term_or_are_refused(value: str, lang: str | None) -> None:
    try:
        literal = Literal(value, lang=lang)
    except ValueError:  # rdflib itself refuses a malformed language tag
        literal = Literal(value)
    for term in (literal, URIRef("http://e.example/" + value)):
        try:
            text = inject_values("SELECT ?v WHERE { ?s ?p ?o }", {"v": term})
        except ParameterError:
            assert isinstance(term, URIRef)
            continue
        tokens = lex(text)
        assert tokens.clean
        assert [t.kind for t in tokens.tokens].count("string") + [t.kind for t in tokens.tokens].count("iri") == 1
        got = list(ox.Store().query(text.replace("?s ?p ?o", "")))
        assert len(got) == 1 and got[0]["v"] == to_ox(term)


def test_the_bound_text_is_checked_where_it_reaches_the_store(monkeypatch) -> None:
    """The guard clears the template; check_bound then checks that binding added only a VALUES
    block. A binder that pasted text would be caught there (simulated: a broken inject_values)."""
    from kg.errors import QueryRefusedError
    from kg.query import binding
    from kg.query.guard import AllowList
    from kg.store.oxigraph import OxigraphStore

    store = OxigraphStore(None)
    template = "SELECT ?o WHERE { ?s ?p ?o }"
    term = {"o": Literal("x")}
    from kg.query.limits import user_query

    assert user_query(store, template, term, timeout=10, allow=AllowList()).bindings == []
    pasted = "SELECT ?o WHERE { VALUES (?o) { (\"x\") } } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }"
    monkeypatch.setattr(binding, "inject_values", lambda sparql, bindings: pasted)
    with pytest.raises(QueryRefusedError, match="bound parameter changed the query's structure .SERVICE"):
        user_query(store, template, term, timeout=10, allow=AllowList())
