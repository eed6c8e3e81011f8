"""Rendering query results: rows for people and scripts, and the standard SPARQL result formats.

``rows_*`` functions serve ``kg query`` (plain values keyed by column name); ``sparql_*``
serve ``kg sparql`` (SPARQL 1.1 Query Results JSON, CSV and TSV; Turtle or N-Triples for
CONSTRUCT/DESCRIBE).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result

from kg import vocab as V
from kg.errors import QueryError

ROW_FORMATS = ("table", "csv", "tsv", "json")
SPARQL_FORMATS = ("json", "csv", "tsv", "xml", "table", "turtle", "ttl", "nt", "ntriples")

_NUMERIC = {XSD.integer, XSD.int, XSD.long, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger}


def plain(term: object) -> Any:
    """A JSON-friendly Python value: numbers and booleans as such, IRIs and text as strings."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in _NUMERIC or term.datatype == XSD.boolean:
            value = term.toPython()
            if isinstance(value, Decimal):
                return int(value) if value == value.to_integral_value() and "." not in str(term) else float(value)
            return value
        return str(term)
    return str(term)


def compact(term: object) -> str:
    """Short display form: CURIE for IRIs in a known namespace, text for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        best = ""
        for prefix, ns in V.PREFIXES.items():
            if s.startswith(str(ns)) and len(str(ns)) > len(best):
                best = str(ns)
                out = f"{prefix}:{s[len(str(ns)):]}"
        return out if best else s
    return str(term)


def _columns(result: Result) -> list[str]:
    return [str(v) for v in (result.vars or [])]


def rows(result: Result) -> list[dict[str, Any]]:
    """SELECT result as a list of objects keyed by column name (missing values are None)."""
    if result.type != "SELECT":
        raise QueryError("this output needs a SELECT query")
    cols = result.vars or []
    # A large answer repeats its terms (a trial, a kind, a criterion's text on many rows) and
    # the store's reader hands back one object per distinct term: convert each once.
    seen: dict[int, tuple[object, Any]] = {}

    def value(term: object) -> Any:
        hit = seen.get(id(term))
        if hit is None or hit[0] is not term:
            hit = seen[id(term)] = (term, plain(term))
        return hit[1]

    return [{str(v): value(r.get(v) if hasattr(r, "get") else r[v]) for v in cols} for r in result.bindings]


_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C-accelerated, ensure_ascii=False


def _json_value(value: Any) -> str:
    if isinstance(value, str):
        return _encode_str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def rows_json(result: Result) -> str:
    """The rows as ``json.dumps(rows, indent=2, ensure_ascii=False)`` writes them, assembled
    row by row: the json module's C encoder does not indent, and its pure-Python indenting
    path took 24 s for 313k conflict rows.

    >>> from rdflib import Literal, Variable
    >>> res = Result("SELECT"); res.vars = [Variable("a"), Variable("n")]
    >>> res.bindings = [{Variable("a"): Literal('x "y"'), Variable("n"): Literal(2)}, {}]
    >>> rows_json(res).rstrip() == json.dumps(rows(res), indent=2, ensure_ascii=False)
    True
    """
    data = rows(result)
    if not data:
        return "[]\n"
    parts = ["["]
    for i, row in enumerate(data):
        if not row:
            body = "{}"
        else:
            body = "{\n" + ",\n".join(f"    {_encode_str(k)}: {_json_value(v)}" for k, v in row.items()) + "\n  }"
        parts.append(("\n  " if i == 0 else ",\n  ") + body)
    parts.append("\n]\n")
    return "".join(parts)


def rows_delimited(result: Result, delimiter: str) -> str:
    buf = io.StringIO()
    cols = _columns(result)
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(cols)
    for row in rows(result):
        w.writerow(["" if row[c] is None else row[c] for c in cols])
    return buf.getvalue()


def rows_table(result: Result, title: str | None = None) -> Any:
    """A rich Table of the result (the CLI prints it)."""
    from rich.table import Table

    table = Table(title=title, show_lines=False, expand=False)
    cols = result.vars or []
    for v in cols:
        table.add_column(str(v), overflow="fold")
    for r in result.bindings:
        table.add_row(*[compact(r.get(v)) for v in cols])
    return table


def render_rows(result: Result, fmt: str) -> str:
    if fmt == "json":
        return rows_json(result)
    if fmt == "csv":
        return rows_delimited(result, ",")
    if fmt == "tsv":
        return rows_delimited(result, "\t")
    raise QueryError(f"unknown output format {fmt!r} (choose from {', '.join(ROW_FORMATS)})")


# -- standard SPARQL result formats ------------------------------------------------------
def _nt(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef | Literal):
        return term.n3()
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def sparql_tsv(result: Result) -> str:
    """SPARQL 1.1 Query Results TSV: header of ?vars, terms in N-Triples syntax."""
    if result.type == "ASK":
        return "?_askResult\n" + ("true" if result.askAnswer else "false") + "\n"
    cols = result.vars or []
    lines = ["\t".join(f"?{v}" for v in cols)]
    for r in result.bindings:
        lines.append("\t".join(_nt(r.get(v)).replace("\t", "\\t").replace("\n", "\\n") for v in cols))
    return "\n".join(lines) + "\n"


def render_sparql(result: Result, fmt: str) -> str:
    """Serialize any query result in a standard format (SELECT/ASK or CONSTRUCT)."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph_fmt = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt"}.get(fmt)
        if graph_fmt is None:
            raise QueryError(f"a {result.type} result is written as turtle or nt, not {fmt!r}")
        return result.graph.serialize(format=graph_fmt)
    if fmt == "json":
        return result.serialize(format="json").decode("utf-8") + "\n"
    if fmt == "xml":
        return result.serialize(format="xml").decode("utf-8")
    if fmt == "csv":
        if result.type == "ASK":
            return "_askResult\r\n" + ("true" if result.askAnswer else "false") + "\r\n"
        return result.serialize(format="csv").decode("utf-8")
    if fmt == "tsv":
        return sparql_tsv(result)
    raise QueryError(f"a {result.type} result is written as json, csv, tsv or xml, not {fmt!r}")
