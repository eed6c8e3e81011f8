"""The endpoint's machine-readable description: an OpenAPI 3.1 document built from the named queries' headers.

Each named query (``queries/*.rq``, graph views left out as ``kg query`` leaves them out)
becomes ``GET /queries/{name}``, its ``@summary`` the operation's summary and each ``@param``
a query parameter (type, required or default, description), so a client calls
``comparable-trials`` without writing SPARQL.

>>> from kg.query.named import Param, NamedQuery
>>> q = NamedQuery("q", "Say hello.", (Param("trial", "trial", True, None, "The trial."),
...                                    Param("limit", "limit", False, "10", "How many.")), "", "")
>>> op = describe([q])["paths"]["/queries/q"]["get"]
>>> op["summary"], [(p["name"], p["required"], p["schema"]) for p in op["parameters"]]
('Say hello.', [('trial', True, {'type': 'string'}), ('limit', False, {'type': 'integer', 'minimum': 0, 'default': 10})])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kg.query.named import NamedQuery, Param
from kg.serve.formats import GRAPHS, SOLUTIONS

#: JSON Schema of a parameter by its kg type (kg.query.params); every other type is a string.
_SCHEMAS: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "limit": {"type": "integer", "minimum": 0},
    "decimal": {"type": "number"},
    "conflict_kind": {"type": "string", "enum": ["washout", "required-excluded", "numeric-range", "self-contradiction"]},
}


def _schema(p: Param) -> dict[str, Any]:
    schema = dict(_SCHEMAS.get(p.type, {"type": "string"}))
    if p.default is not None:
        schema["default"] = int(p.default) if schema["type"] == "integer" and p.default.isdigit() else p.default
    return schema


def _results(formats: Iterable[Any], what: str) -> dict[str, Any]:
    return {"description": what, "content": {f.media_type: {} for f in formats}}


_ERRORS = {
    "400": {"description": "A malformed query, or a parameter missing, unknown or not found (one line of text)."},
    "403": {"description": "Refused: an update, or SERVICE/FROM to a location not on the allow-list."},
    "406": {"description": "None of the accepted media types can carry the answer."},
    "413": {"description": "The request body is larger than the server's limit."},
    "503": {"description": "The query ran past the time limit and was stopped (no partial answer is sent)."},
}


def describe(queries: Iterable[NamedQuery], *, title: str = "kg SPARQL endpoint", version: str = "") -> dict[str, Any]:
    """The OpenAPI document for the SPARQL endpoint and ``queries`` (a dict ready for ``json.dumps``)."""
    paths: dict[str, Any] = {}
    sparql_params = [{"name": "query", "in": "query", "required": True, "schema": {"type": "string"},
                      "description": "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE)."}]
    sparql_ok = {"description": "The answer: SPARQL results for SELECT/ASK, RDF for CONSTRUCT/DESCRIBE.",
                 "content": {f.media_type: {} for f in (*SOLUTIONS, *GRAPHS)}}
    for path in ("/sparql", "/query"):
        paths[path] = {
            "get": {"summary": "Run a SPARQL query (SPARQL 1.1 Protocol, query via GET).",
                    "operationId": f"{path[1:]}Get", "parameters": sparql_params,
                    "responses": {"200": sparql_ok, **_ERRORS}},
            "post": {"summary": "Run a SPARQL query (SPARQL 1.1 Protocol, query via POST).",
                     "operationId": f"{path[1:]}Post",
                     "requestBody": {"required": True, "content": {
                         "application/sparql-query": {"schema": {"type": "string"}},
                         "application/x-www-form-urlencoded": {"schema": {
                             "type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}},
                     "responses": {"200": sparql_ok, **_ERRORS}},
        }
    for q in queries:
        if q.view:
            continue
        paths[f"/queries/{q.name}"] = {"get": {
            "summary": q.summary,
            "operationId": q.name,
            "parameters": [{"name": p.name, "in": "query", "required": p.required, "description": p.description,
                            "schema": _schema(p), "x-kg-type": p.type} for p in q.params],
            "responses": {"200": _results(SOLUTIONS, "The rows of the query."), **_ERRORS,
                          "404": {"description": "No named query of this name."}},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version or "0",
                 "description": "kg's read-only SPARQL endpoint and its named queries (kg queries)."},
        "paths": paths,
    }


__all__ = ["describe"]
