"""Binding variables as a VALUES block: RDF terms serialized by Oxigraph, never raw text.

Every store (embedded, in memory, a remote endpoint) binds a query's parameters the same
way, so the code lives with the stores; :mod:`kg.query.binding` is the query layer's name
for it. Oxigraph's own ``substitutions`` only accept variables of a SELECT projection, so kg
binds parameters by opening the query's top-level group with ``VALUES (?a ?b) { (term term) }``.
Each term is built as a pyoxigraph term first (an IRI with a space, quote or brace is
rejected there) and written in N-Triples syntax with Oxigraph's escaping, so a value can
only ever become one IRI or one literal: it cannot change the query's structure.

>>> from rdflib import URIRef
>>> inject_values("CONSTRUCT { ?t ?p ?x } WHERE { ?t ?p ?x }", {"t": URIRef("http://e/x")})
'CONSTRUCT { ?t ?p ?x } WHERE { VALUES (?t) { (<http://e/x>) } ?t ?p ?x }'
"""

from __future__ import annotations

import re

from rdflib.term import Node

from kg.errors import ParameterError, QueryError, StoreError

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def serialize_term(term: Node) -> str:
    """N-Triples form of an rdflib term, validated by pyoxigraph."""
    from kg.store.oxigraph import to_ox

    try:
        return str(to_ox(term))
    except (StoreError, ValueError) as exc:
        raise ParameterError(f"cannot bind {term!r}: {exc}") from None


def _top_group_start(query: str) -> int:
    """Index just after the '{' that opens the query's main pattern (skipping comments,
    strings and IRIs in the prologue)."""
    i, n = 0, len(query)
    seen_where = False
    form: str | None = None
    while i < n:
        c = query[i]
        if c == "#":
            j = query.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "<":  # an IRI in the prologue (PREFIX/BASE) or a FROM clause
            j = query.find(">", i)
            if j > 0 and " " not in query[i:j] and "\n" not in query[i:j]:
                i = j + 1
                continue
        if c in "\"'":
            j = query.find(c, i + 1)
            i = n if j < 0 else j + 1
            continue
        word = re.match(r"[A-Za-z]+", query[i:]) if (i == 0 or not query[i - 1].isalnum()) else None
        if word:
            w = word.group(0).upper()
            if w == "WHERE":
                seen_where = True
            elif w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and form is None:
                form = w
            i += len(w)
            continue
        if c == "{" and form is not None:
            # A CONSTRUCT template comes before WHERE; the pattern is the group after WHERE.
            if form != "CONSTRUCT" or seen_where:
                return i + 1
        i += 1
    raise QueryError("cannot find the query's main pattern ('{') to bind parameters into")


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's form (its first such keyword outside
    comments, strings and IRIs).

    >>> query_form("PREFIX a: <http://x/select#> # SELECT\\nASK { ?s ?p ?o }")
    'ASK'
    """
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            j = query.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "<":
            j = query.find(">", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            j = query.find(c, i + 1)
            i = n if j < 0 else j + 1
            continue
        word = re.match(r"[A-Za-z]+", query[i:]) if (i == 0 or not query[i - 1].isalnum()) else None
        if word:
            w = word.group(0).upper()
            if w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                return w
            i += len(w)
            continue
        i += 1
    raise QueryError("not a query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def inject_values(query: str, bindings: dict[str, Node]) -> str:
    """The query with a VALUES block binding each variable to its term at the top of WHERE."""
    if not bindings:
        return query
    names = []
    terms = []
    for name, term in bindings.items():
        if not _VAR.match(name):
            raise ParameterError(f"{name!r} is not a variable name")
        names.append(f"?{name}")
        terms.append(serialize_term(term))
    at = _top_group_start(query)
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"
    return query[:at] + block + query[at:]
