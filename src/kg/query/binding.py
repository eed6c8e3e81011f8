"""Binding query parameters as a VALUES block: RDF terms, serialized by Oxigraph, never raw text.

The code is :mod:`kg.store.values` (every store binds this way; the store package imports
nothing from the query layer); this module is the query layer's name for it.

Oxigraph's own ``substitutions`` only accept variables of a SELECT projection, so kg binds
parameters by opening the query's top-level group with ``VALUES (?a ?b) { (term term) }``.
Each term is built as a pyoxigraph term first (an IRI with a space, quote or brace is
rejected there) and written in N-Triples syntax with Oxigraph's escaping, so a value can
only ever become one IRI or one literal: it cannot change the query's structure.

>>> from rdflib import Literal, URIRef
>>> inject_values("SELECT ?x WHERE { ?t ?p ?x }", {"t": URIRef("http://e/x")})
'SELECT ?x WHERE { VALUES (?t) { (<http://e/x>) } ?t ?p ?x }'
>>> inject_values('ASK { ?s ?p ?o }', {"o": Literal('a"} } DROP ALL')})
'ASK { VALUES (?o) { ("a\\\\"} } DROP ALL") } ?s ?p ?o }'
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.term import Node

from kg.store.values import _top_group_start, inject_values, serialize_term  # noqa: F401  (the query layer's names)


def check_term(term: Node) -> None:
    """Raise ParameterError unless ``term`` can be bound (used to validate early)."""
    serialize_term(term)


__all__ = ["inject_values", "serialize_term", "check_term", "ox"]
