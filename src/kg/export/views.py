"""Views: the named CONSTRUCT queries of ``queries/views/`` and running one into an rdflib Graph.

A view is a named query (see :mod:`kg.query.named`) whose file lives in ``queries/views``;
its parameters are declared and bound exactly like those of any named query.
"""

from __future__ import annotations

from rdflib import Graph

from kg import vocab as V
from kg.errors import QueryError
from kg.query.named import NamedQuery, load_queries, run_named


def list_views() -> list[NamedQuery]:
    """The views shipped with kg, by name."""
    return [q for q in load_queries().values() if q.view]


def get_view(name: str) -> NamedQuery:
    """The view called ``name``; an unknown name (or a non-view query) is a QueryError."""
    views = {q.name: q for q in list_views()}
    if name not in views:
        close = [v for v in views if name.lower() in v or v in name.lower()]
        hint = f" (did you mean: {', '.join(close)})" if close else ""
        raise QueryError(f"no view named {name!r}{hint}; `kg views` lists them")
    return views[name]


def run_view(store: object, name: str, params: dict[str, str] | None = None, *,
             timeout: float | None = None) -> Graph:
    """Run view ``name`` on ``store`` with raw parameter values; the constructed graph.

    ``timeout``: seconds before the query is stopped (default: ``KG_QUERY_TIMEOUT`` or 30 s)."""
    get_view(name)
    run = run_named(store, name, params, timeout=timeout)
    if run.result.type != "CONSTRUCT":
        raise QueryError(f"view {name!r} is not a CONSTRUCT query")
    graph = run.result.graph
    out = Graph()
    for prefix, ns in V.PREFIXES.items():
        out.bind(prefix, ns, override=True)
    for triple in graph:
        out.add(triple)
    return out
