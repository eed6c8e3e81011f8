"""A remote SPARQL endpoint read as a kg store: the SPARQL 1.1 Protocol client.

:class:`EndpointStore` satisfies :class:`kg.store.base.Store`, so the named queries, their
parameter lookups and ``kg sparql`` run on an Oxigraph server, Virtuoso or ``kg serve`` as
they run on the embedded store. Queries go out as POSTed forms (``query=``) with kg's
prefixes declared in front; SELECT/ASK answers are read as SPARQL results JSON, CONSTRUCT
answers as N-Triples.

The endpoint must answer over the union of its named graphs when a query names none (kg
keeps every triple in a named graph): Virtuoso does so by default; an Oxigraph server must be
started with ``--union-default-graph``.

Dialect (decision 0017): ``LATERAL`` is an Oxigraph extension (SPARQL 1.2 draft). On an
engine without it, ``dialect="sparql11"`` (the default for Virtuoso) writes
``LATERAL { … }`` as the plain group ``{ … }``: a join of the same group, which gives the same
rows whenever the group does not read an outer variable in a FILTER or BIND before binding it
itself -- true of every shipped named query (the compliance suite compares the answers).
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Node

from kg import vocab as V
from kg.errors import QueryError, QueryTimeoutError, StoreError
from kg.store.tsv import plain_literal
from kg.store.values import inject_values, query_form

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LATERAL = re.compile(r"\bLATERAL\s*\{")
#: Graphs an engine keeps for itself (Virtuoso's system graphs), not kg's data.
_KG_GRAPHS = V.BASE
DEFAULT_TIMEOUT = 30.0


def prologue() -> str:
    """PREFIX lines for kg's prefixes (the embedded store predeclares them; a server does not)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in V.PREFIXES.items())


def portable(sparql: str) -> str:
    """``sparql`` for an engine without ``LATERAL``: each ``LATERAL {`` becomes ``{``.

    >>> portable("SELECT * { ?a ?b ?c LATERAL { SELECT ?c { ?c ?d ?e } LIMIT 1 } }")
    'SELECT * { ?a ?b ?c { SELECT ?c { ?c ?d ?e } LIMIT 1 } }'
    """
    return _LATERAL.sub("{", sparql)


def engine_of(url: str, timeout: float = 10.0) -> str:
    """``oxigraph``, ``virtuoso`` or ``other``: the server software behind ``url``, from its
    ``Server`` header."""
    req = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            server = resp.headers.get("Server", "")
    except urllib.error.HTTPError as exc:
        server = exc.headers.get("Server", "") if exc.headers else ""
    except (urllib.error.URLError, OSError) as exc:
        raise StoreError(f"{url}: no server answers: {exc}") from None
    low = server.lower()
    return "oxigraph" if "oxigraph" in low else "virtuoso" if "virtuoso" in low else "other"


def _term(cell: dict[str, str]) -> Node:
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):  # "typed-literal": SPARQL results JSON of old (Virtuoso)
        if "xml:lang" in cell:
            return Literal(value, lang=cell["xml:lang"])
        dt = cell.get("datatype")
        if dt is None or dt == _XSD_STRING:
            return plain_literal(value)
        return Literal(value, datatype=URIRef(dt))
    raise QueryError(f"endpoint answered a term of unknown type {kind!r}")


def results_from_json(data: bytes) -> Result:
    """An rdflib Result from a SPARQL 1.1 results JSON document (SELECT or ASK)."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise QueryError(f"endpoint answered no SPARQL results JSON: {exc}") from None
    if "boolean" in doc:
        res = Result("ASK")
        res.askAnswer = bool(doc["boolean"])
        return res
    res = Result("SELECT")
    names = doc.get("head", {}).get("vars", [])
    res.vars = [Variable(n) for n in names]
    res.bindings = [{Variable(k): _term(v) for k, v in row.items()}
                    for row in doc.get("results", {}).get("bindings", [])]
    return res


class EndpointStore:
    """A kg store read over the SPARQL 1.1 Protocol at ``url`` (the query endpoint:
    ``…/query`` on an Oxigraph server, ``…/sparql`` on Virtuoso or ``kg serve``).

    ``timeout``: seconds a query may take (the client gives up then; an engine's own limit
    may end it sooner). ``dialect``: ``oxigraph`` sends queries as they are; ``sparql11``
    rewrites Oxigraph's extensions (see :func:`portable`); None asks the server which it is.
    """

    path: Path | None = None
    read_only = True
    #: The query layer runs lookups in-process for a remote store: a sandboxed child has no network.
    remote = True

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, dialect: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise StoreError(f"{url}: an endpoint is an http:// or https:// URL")
        self.url = url
        self.timeout = timeout
        self.dialect = dialect or ("sparql11" if engine_of(url) == "virtuoso" else "oxigraph")

    def text(self, sparql: str, bindings: dict[str, Node] | None = None) -> str:
        """The query as it is sent: values bound, prefixes declared, dialect applied."""
        text = inject_values(sparql, bindings) if bindings else sparql
        if self.dialect != "oxigraph":
            text = portable(text)
        return prologue() + text

    def query(self, sparql: str, bindings: dict[str, Node] | None = None, *,
              timeout: float | None = None) -> Result:
        text = self.text(sparql, bindings)
        form = query_form(text)
        accept = ("application/n-triples" if form in ("CONSTRUCT", "DESCRIBE")
                  else "application/sparql-results+json")
        body = self._post(text, accept, timeout if timeout is not None else self.timeout)
        if form in ("SELECT", "ASK"):
            return results_from_json(body)
        graph = Graph()
        for prefix, ns in V.PREFIXES.items():
            graph.bind(prefix, ns)
        try:
            graph.parse(data=body.decode("utf-8"), format="nt")
        except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise assorted errors
            raise QueryError(f"endpoint answered no N-Triples: {exc}") from None
        res = Result("CONSTRUCT")
        res.graph = graph
        return res

    def _post(self, text: str, accept: str, timeout: float) -> bytes:
        data = urllib.parse.urlencode({"query": text}).encode()
        req = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read()
                if resp.headers.get("X-SQL-State") == "S1TAT":
                    # Virtuoso's "anytime" answer: what it found before its MaxQueryExecutionTime,
                    # sent as a 200. A cut-off answer is never passed on as the answer.
                    raise QueryTimeoutError(f"{self.url}: the endpoint stopped the query at its own time "
                                            "limit and sent a partial answer (Virtuoso anytime query)")
                return body
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read().decode("utf-8", "replace").split())[:300]
            if exc.code in (503, 504) and "time" in detail.lower():
                raise QueryTimeoutError(f"{self.url}: query stopped by the endpoint: {detail}") from None
            raise QueryError(f"{self.url}: HTTP {exc.code}: {detail}") from None
        except (TimeoutError, socket.timeout):
            raise QueryTimeoutError(f"query stopped after {timeout:g} s (time limit)") from None
        except (urllib.error.URLError, OSError) as exc:
            if isinstance(getattr(exc, "reason", None), (TimeoutError, socket.timeout)):
                raise QueryTimeoutError(f"query stopped after {timeout:g} s (time limit)") from None
            raise StoreError(f"{self.url}: cannot reach the endpoint: {exc}") from None

    def rows(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        res = self.query(sparql)
        for row in res:
            yield tuple(None if t is None else str(t) for t in row)  # type: ignore[union-attr]

    def graph_value(self, graph: URIRef, predicate: URIRef) -> str | None:
        res = self.query("SELECT ?v WHERE { GRAPH ?g { ?g ?p ?v } } LIMIT 1", {"g": graph, "p": predicate})
        for row in res:
            return str(row[0])  # type: ignore[index]
        return None

    def graphs(self) -> list[URIRef]:
        """kg's named graphs on the endpoint (under kg's base IRI: an engine's own system
        graphs are left out)."""
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?base)) }",
                         {"base": Literal(_KG_GRAPHS)})
        return sorted(URIRef(str(row[0])) for row in res)  # type: ignore[index]

    def __len__(self) -> int:
        res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?base)) }",
                         {"base": Literal(_KG_GRAPHS)})
        return int(next(iter(res))[0])  # type: ignore[index]

    def close(self) -> None:
        pass

    def __enter__(self) -> EndpointStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["EndpointStore", "engine_of", "portable", "prologue", "results_from_json"]
