"""SPARQL 1.1 TSV query answers read into rdflib results, each distinct term converted once.

A time-limited query (:mod:`kg.query.limits`) runs in a child process that sends its answer
back serialized. TSV is the cheapest form to read back: a row is a line, a cell is a term in
N-Triples syntax (or a Turtle short form for numbers and booleans), so a large answer costs
one split per line and one dictionary lookup per cell; only distinct terms are parsed, and
the many plain string literals a conflict listing holds are built without rdflib's general
literal constructor, which dominated the cost of large answers.

>>> res = tsv_result(b'?s\\t?n\\t?t\\n<http://ex/a>\\t12\\t"say \\\\"hi\\\\""@en\\n<http://ex/b>\\t\\t"x"\\n')
>>> [(str(r[0]), r[1], r[2]) for r in res]
[('http://ex/a', rdflib.term.Literal('12', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')), rdflib.term.Literal('say "hi"', lang='en')), ('http://ex/b', None, rdflib.term.Literal('x'))]
"""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from kg.errors import QueryError

_XSD_STRING = str(XSD.string)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_DOUBLE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+")

# rdflib's Literal() runs a type-casting table for every string (tens of microseconds per
# literal); a plain string literal needs only its four slots. Used only while rdflib's
# Literal has exactly these slots (tests/store/test_tsv.py compares it with Literal(x)).
_FAST_PLAIN = getattr(Literal, "__slots__", None) == ("_language", "_datatype", "_value", "_ill_typed")


def plain_literal(lexical: str) -> Literal:
    """``Literal(lexical)`` (a plain xsd:string literal), built without the casting table.

    >>> plain_literal("a b") == Literal("a b"), plain_literal("a b").value
    (True, 'a b')
    """
    if not _FAST_PLAIN:
        return Literal(lexical)
    lit = str.__new__(Literal, lexical)
    lit._language = None
    lit._datatype = None
    lit._value = lexical
    lit._ill_typed = None
    return lit


def _unescape_one(m: re.Match[str]) -> str:
    if m.group(3) is not None:
        try:
            return _ESCAPED[m.group(3)]
        except KeyError:
            raise QueryError(f"bad escape \\{m.group(3)} in a query answer") from None
    return chr(int(m.group(1) or m.group(2), 16))


def parse_term(cell: str) -> Node:
    """One TSV cell (N-Triples term or Turtle number/boolean short form) as an rdflib term.

    >>> parse_term('"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>').datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#date')
    >>> parse_term("-1.5"), parse_term("true")
    (rdflib.term.Literal('-1.5', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal')), rdflib.term.Literal('true', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#boolean')))
    """
    first = cell[:1]
    if first == "<" and cell.endswith(">") and not cell.startswith("<<"):
        return URIRef(_ESCAPE.sub(_unescape_one, cell[1:-1]) if "\\" in cell else cell[1:-1])
    if first == '"':
        end = cell.rfind('"')
        if end <= 0:
            raise QueryError(f"unreadable term in a query answer: {cell[:80]!r}")
        lexical = cell[1:end]
        if "\\" in lexical:
            lexical = _ESCAPE.sub(_unescape_one, lexical)
        rest = cell[end + 1:]
        if not rest:
            return plain_literal(lexical)
        if rest[0] == "@":
            return Literal(lexical, lang=rest[1:])
        if rest.startswith("^^<") and rest.endswith(">"):
            dt = rest[3:-1]
            return plain_literal(lexical) if dt == _XSD_STRING else Literal(lexical, datatype=URIRef(dt))
    elif cell.startswith("_:"):
        return BNode(cell[2:])
    elif cell in ("true", "false"):
        return Literal(cell, datatype=XSD.boolean)
    elif _INTEGER.fullmatch(cell):
        return Literal(cell, datatype=XSD.integer)
    elif _DECIMAL.fullmatch(cell):
        return Literal(cell, datatype=XSD.decimal)
    elif _DOUBLE.fullmatch(cell):
        return Literal(cell, datatype=XSD.double)
    raise QueryError(f"unreadable term in a query answer: {cell[:80]!r}")


def tsv_result(data: bytes) -> Result:
    """A SELECT answer in SPARQL 1.1 TSV as an rdflib Result (an empty cell is unbound)."""
    lines = data.decode("utf-8").split("\n")
    variables = [Variable(h[1:]) for h in lines[0].split("\t")] if lines[0] else []
    indexed = list(enumerate(variables))
    seen: dict[str, Node] = {}
    rows = []
    for line in lines[1:]:
        if not line:
            continue  # the answer ends with a newline
        cells = line.split("\t")
        if len(cells) != len(variables):
            raise QueryError(f"a query answer row has {len(cells)} cells for {len(variables)} variables")
        row = {}
        for i, v in indexed:
            cell = cells[i]
            if cell:
                term = seen.get(cell)
                if term is None:
                    term = seen[cell] = parse_term(cell)
                row[v] = term
        rows.append(row)
    res = Result("SELECT")
    res.vars = variables
    res.bindings = rows
    return res


__all__ = ["parse_term", "plain_literal", "tsv_result"]
