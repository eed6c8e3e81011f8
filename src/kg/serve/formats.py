"""Content negotiation for the endpoint: which serialization an ``Accept`` header gets, and writing it.

SELECT and ASK answers are written in the SPARQL 1.1 result formats (JSON, XML, CSV, TSV);
CONSTRUCT and DESCRIBE answers as Turtle, N-Triples or JSON-LD. A client that accepts none
of the formats its answer can take gets ``406 Not Acceptable`` (:class:`NotAcceptable`).

>>> choose("application/sparql-results+xml, */*;q=0.1", SOLUTIONS).name
'xml'
>>> choose("text/csv;q=0.5, text/tab-separated-values", SOLUTIONS).name
'tsv'
>>> choose(None, GRAPHS).name
'turtle'
>>> choose("application/ld+json", GRAPHS).media_type
'application/ld+json'
>>> choose("image/png", SOLUTIONS)
Traceback (most recent call last):
...
kg.serve.formats.NotAcceptable: none of the accepted types (image/png) can carry this answer; this one can be sent as application/sparql-results+json, application/sparql-results+xml, text/csv, text/tab-separated-values
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from kg.errors import QueryError
from kg.query.output import render_sparql


class NotAcceptable(QueryError):
    """No serialization the client accepts can carry the answer (HTTP 406)."""


@dataclass(frozen=True)
class Format:
    """One serialization: kg's name for it, the media type it is sent as, and the types that select it."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()

    @property
    def accepts(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


#: Answers of SELECT and ASK: the first is what ``*/*`` (or no Accept) gets.
SOLUTIONS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
#: Answers of CONSTRUCT and DESCRIBE.
GRAPHS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle",)),
    Format("nt", "application/n-triples", ("text/plain",)),
    Format("json-ld", "application/ld+json", ("application/json",)),
)


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights, best first (stable for ties).

    >>> parse_accept("text/csv;q=0.2, application/json, */*;q=0")
    [('application/json', 1.0), ('text/csv', 0.2), ('*/*', 0.0)]
    """
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((i, media, q))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(m, q) for _, m, q in ranges]


def _matches(media_range: str, media_type: str) -> bool:
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return media_type.startswith(media_range[:-1])
    return media_range == media_type


def choose(accept: str | None, formats: tuple[Format, ...]) -> Format:
    """The format of ``formats`` the client prefers (the first of ``formats`` on a tie or a wildcard)."""
    ranges = parse_accept(accept)
    refused = {m for m, q in ranges if q == 0}
    for media_range, q in ranges:
        if q == 0:
            continue
        for fmt in formats:
            if any(_matches(media_range, t) for t in fmt.accepts) and fmt.media_type not in refused:
                return fmt
    asked = ", ".join(m for m, q in ranges if q > 0) or "nothing"
    can = ", ".join(f.media_type for f in formats)
    raise NotAcceptable(f"none of the accepted types ({asked}) can carry this answer; this one can be sent as {can}")


def acceptable_at_all(accept: str | None) -> bool:
    """Whether an answer of some kind (solutions or a graph) could be sent: checked before a query runs."""
    for formats in (SOLUTIONS, GRAPHS):
        try:
            choose(accept, formats)
            return True
        except NotAcceptable:
            pass
    return False


_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C-accelerated
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _json_term(term: object) -> str:
    if isinstance(term, URIRef):
        return '{"type":"uri","value":' + _encode_str(str(term)) + "}"
    if isinstance(term, Literal):
        extra = ""
        if term.language:
            extra = ',"xml:lang":' + _encode_str(term.language)
        elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
            extra = ',"datatype":' + _encode_str(str(term.datatype))
        return '{"type":"literal","value":' + _encode_str(str(term)) + extra + "}"
    if isinstance(term, BNode):
        return '{"type":"bnode","value":' + _encode_str(str(term)) + "}"
    raise QueryError(f"cannot write {term!r} as a SPARQL JSON term")


def sparql_json(result: Result) -> str:
    """SPARQL 1.1 Query Results JSON of a SELECT or ASK result, written row by row (rdflib's
    writer takes ~20 µs a cell: 50 s for the 266k all-pairs conflict rows); each distinct
    term is encoded once.

    >>> from rdflib import Variable
    >>> res = Result("SELECT"); res.vars = [Variable("s"), Variable("n")]
    >>> res.bindings = [{Variable("s"): URIRef("urn:a"), Variable("n"): Literal(2)}, {Variable("n"): Literal("é", lang="fr")}]
    >>> json.loads(sparql_json(res)) == json.loads(res.serialize(format="json"))
    True
    """
    if result.type == "ASK":
        return '{"head":{},"boolean":' + ("true" if result.askAnswer else "false") + "}\n"
    cols = list(result.vars or [])
    names = [(v, _encode_str(str(v))) for v in cols]
    seen: dict[int, tuple[object, str]] = {}
    parts = ['{"head":{"vars":[' + ",".join(n for _, n in names) + ']},"results":{"bindings":[']
    first = True
    for row in result.bindings:
        cells = []
        for v, name in names:
            term = row.get(v)
            if term is None:
                continue
            hit = seen.get(id(term))
            if hit is None or hit[0] is not term:
                hit = seen[id(term)] = (term, _json_term(term))
            cells.append(name + ":" + hit[1])
        parts.append(("" if first else ",\n") + "{" + ",".join(cells) + "}")
        first = False
    parts.append("]}}\n")
    return "".join(parts)


def render(result: Result, accept: str | None) -> tuple[bytes, str]:
    """The answer serialized as the client asked: (body, Content-Type header value)."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = choose(accept, GRAPHS)
        if fmt.name == "json-ld":
            text = result.graph.serialize(format="json-ld", auto_compact=False)  # type: ignore[union-attr]
        else:
            text = render_sparql(result, fmt.name)
    else:
        fmt = choose(accept, SOLUTIONS)
        text = sparql_json(result) if fmt.name == "json" else render_sparql(result, fmt.name)
    return text.encode("utf-8"), f"{fmt.media_type}; charset=utf-8"


__all__ = ["GRAPHS", "SOLUTIONS", "Format", "NotAcceptable", "acceptable_at_all", "choose", "parse_accept", "render", "sparql_json"]
