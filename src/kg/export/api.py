"""Exporting a view: run it on a store, convert it for the chosen format, write the file atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg.export.formats import (
    RDF_FORMATS,
    atomic_write,
    format_for,
    write_cyjs,
    write_dot,
    write_gexf,
    write_graphml,
    write_picture,
    write_rdf,
)
from kg.export.graphview import to_networkx
from kg.export.html import DEFAULT_NODE_CAP, write_html
from kg.export.views import run_view


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote: the view, the format, the file, and the size of the graph."""

    view: str
    format: str
    path: Path
    triples: int
    nodes: int
    edges: int
    warnings: list[str] = field(default_factory=list)


def export_view(
    store: object,
    view: str,
    out: Path,
    *,
    params: dict[str, str] | None = None,
    fmt: str | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
    timeout: float | None = None,
) -> ExportResult:
    """Run ``view`` on ``store`` with ``params`` and write it to ``out`` as ``fmt``
    (default: from ``out``'s extension). Nothing is written at ``out`` unless it all succeeds.
    ``timeout`` limits the view's query (seconds; default ``KG_QUERY_TIMEOUT`` or 30 s)."""
    out = Path(out)
    fmt = format_for(out, fmt)
    graph = run_view(store, view, params, timeout=timeout)
    nxg = to_networkx(graph)
    title = f"kg view {view}" + "".join(f" {k}={v}" for k, v in sorted((params or {}).items()))
    warnings: list[str] = []
    if fmt in ("html", "svg", "png") and nxg.number_of_nodes() > node_cap:
        warnings.append(f"view {view!r} has {nxg.number_of_nodes()} nodes (more than {node_cap}); "
                        "a narrower view (a -p parameter, or trial-neighbourhood) draws better")
    if len(graph) == 0:
        warnings.append(f"view {view!r} is empty on this store")

    if fmt in RDF_FORMATS:
        atomic_write(out, lambda tmp: write_rdf(graph, fmt, tmp))
    elif fmt == "graphml":
        atomic_write(out, lambda tmp: write_graphml(nxg, tmp))
    elif fmt == "gexf":
        atomic_write(out, lambda tmp: write_gexf(nxg, tmp))
    elif fmt == "cyjs":
        atomic_write(out, lambda tmp: write_cyjs(nxg, tmp, title))
    elif fmt == "dot":
        atomic_write(out, lambda tmp: write_dot(nxg, tmp, title))
    elif fmt in ("svg", "png"):
        atomic_write(out, lambda tmp: write_picture(nxg, fmt, tmp, title))
    else:
        atomic_write(out, lambda tmp: write_html(nxg, tmp, title, node_cap))
    return ExportResult(view, fmt, out, len(graph), nxg.number_of_nodes(), nxg.number_of_edges(), warnings)
