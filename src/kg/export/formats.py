"""Export formats: writing a view's graph as RDF, as graph-tool files, as pictures, atomically.

RDF formats (``ttl``, ``nt``, ``jsonld``, ``rdfxml``) keep every triple with its full IRIs.
Graph formats (``graphml``, ``gexf``, ``cyjs``, ``dot``, ``svg``, ``png``, ``html``) write
the graph view of :mod:`kg.export.graphview`: labelled, typed nodes and predicate-labelled
edges. Every file is written to a temporary file next to the target and renamed over it,
so a failed export never leaves a truncated file at the target path.

>>> format_for(Path("out/view.graphml"), None)
'graphml'
>>> format_for(Path("out/view.txt"), "ttl")
'ttl'
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph

from kg.errors import ExportError
from kg.export.style import CONFLICT_EDGE, type_colour

RDF_FORMATS = ("ttl", "nt", "jsonld", "rdfxml")
GRAPH_FORMATS = ("graphml", "gexf", "cyjs", "dot", "svg", "png", "html")
FORMATS = RDF_FORMATS + GRAPH_FORMATS

#: File extensions -> format.
EXTENSIONS: dict[str, str] = {
    ".ttl": "ttl",
    ".turtle": "ttl",
    ".nt": "nt",
    ".jsonld": "jsonld",
    ".json-ld": "jsonld",
    ".rdf": "rdfxml",
    ".rdfxml": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".cyjs": "cyjs",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
    ".html": "html",
    ".htm": "html",
}

_RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "rdfxml": "xml"}

#: Above this many nodes Graphviz lays out with sfdp (force-directed, scales) instead of dot.
DOT_LAYERED_MAX = 300
_DOT_LABEL_MAX = 40
_DOT_TIMEOUT_S = 300


def format_for(path: Path, fmt: str | None) -> str:
    """The export format: ``fmt`` when given, else from the file's extension."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})")
        return fmt
    ext = path.suffix.lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    raise ExportError(f"cannot tell the format from {path.name!r}; give --format ({', '.join(FORMATS)})")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it to ``path``.

    The rename is atomic on one file system: readers see the old file or the whole new
    one. If ``write`` fails the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ExportError(f"{directory}: no such directory")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context shipped with kg (kg's prefixes); never fetched over the network."""
    text = (resources.files("kg.export") / "assets" / "jsonld-context.json").read_text(encoding="utf-8")
    return json.loads(text)["@context"]


# -- RDF ---------------------------------------------------------------------------------------
def write_rdf(graph: Graph, fmt: str, path: Path) -> None:
    """Serialize ``graph`` as RDF (``ttl``, ``nt``, ``jsonld`` or ``rdfxml``) to ``path``."""
    if fmt == "jsonld":
        data = graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    else:
        data = graph.serialize(format=_RDFLIB_FORMAT[fmt])
    path.write_text(data, encoding="utf-8")


# -- graph formats -------------------------------------------------------------------------------
def write_graphml(view: nx.MultiDiGraph, path: Path) -> None:
    nx.write_graphml(view, path, encoding="utf-8", prettyprint=True)


def write_gexf(view: nx.MultiDiGraph, path: Path) -> None:
    nx.write_gexf(view, path, encoding="utf-8", prettyprint=True)


def cytoscape_elements(view: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges in Cytoscape's element JSON (``{"data": {...}}`` per element)."""
    nodes = [{"data": {"id": n, **attrs}} for n, attrs in view.nodes(data=True)]
    edges = []
    for i, (u, v, key, attrs) in enumerate(view.edges(keys=True, data=True)):
        edges.append({"data": {"id": f"e{i}", "source": u, "target": v, **attrs}})
    return {"nodes": nodes, "edges": edges}


def write_cyjs(view: nx.MultiDiGraph, path: Path, name: str = "kg view") -> None:
    """Cytoscape JSON (``.cyjs``, what Cytoscape desktop and cytoscape.js read)."""
    doc = {"format_version": "1.0", "generated_by": "kg", "data": {"name": name},
           "elements": cytoscape_elements(view)}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _dot_quote(text: str) -> str:
    """A DOT double-quoted string; backslashes and quotes escaped, line breaks as spaces."""
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _short(text: str, n: int = _DOT_LABEL_MAX) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _legend(view: nx.MultiDiGraph) -> str:
    """An HTML-like Graphviz table: one coloured cell per node type (the picture's legend)."""
    types = sorted({str(a["type"]) for _, a in view.nodes(data=True)})
    cells = "".join(
        f'<td bgcolor="{type_colour(t)}"> </td><td align="left">{html.escape(t)}  </td>' for t in types
    )
    conflict = any(a.get("conflict") for *_, a in view.edges(data=True))
    if conflict:
        cells += f'<td bgcolor="{CONFLICT_EDGE}"> </td><td align="left">conflict (edge)</td>'
    return f'<table border="0" cellspacing="2" cellpadding="2"><tr>{cells}</tr></table>'


def to_dot(view: nx.MultiDiGraph, name: str = "kg") -> str:
    """Graphviz DOT source of the view: one statement per node and per edge, in a stable order."""
    layered = view.number_of_nodes() <= DOT_LAYERED_MAX
    lines = [
        f"digraph {_dot_quote(name)} {{",
        '  graph [rankdir=LR, fontname="Helvetica", overlap=false, splines=true, outputorder=edgesfirst];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, color="#555555"];',
        '  edge [fontname="Helvetica", fontsize=8, color="#888888", fontcolor="#555555"];',
    ]
    if not layered:
        # Big views: force-directed, straight edges, no edge labels (Graphviz's label and
        # spline placement is what makes thousands of edges take minutes).
        lines.insert(1, '  layout=sfdp;')
        lines[2] = lines[2].replace("splines=true", "splines=false")
    if view.number_of_nodes():
        lines.append(f"  graph [labelloc=b, labeljust=l, label=<{_legend(view)}>];")
    for n, attrs in view.nodes(data=True):
        label = _short(str(attrs.get("label", n)))
        lines.append(
            f"  {_dot_quote(n)} [label={_dot_quote(label)}, fillcolor={_dot_quote(type_colour(str(attrs['type'])))},"
            f" tooltip={_dot_quote(str(attrs['type']) + ' ' + str(attrs['curie']))}];"
        )
    for u, v, key, attrs in view.edges(keys=True, data=True):
        extra = f", color={_dot_quote(CONFLICT_EDGE)}, penwidth=2" if attrs.get("conflict") else ""
        label = f"label={_dot_quote(str(attrs['label']))}, " if layered else ""
        lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} [{label}tooltip={_dot_quote(str(attrs['curie']))}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(view: nx.MultiDiGraph, path: Path, name: str = "kg") -> None:
    path.write_text(to_dot(view, name), encoding="utf-8")


def graphviz_binary() -> str | None:
    """Path of Graphviz's ``dot`` program, or None when Graphviz is not installed."""
    return shutil.which("dot")


def write_picture(view: nx.MultiDiGraph, fmt: str, path: Path, name: str = "kg") -> None:
    """Render the view with Graphviz to SVG or PNG."""
    dot = graphviz_binary()
    if dot is None:
        raise ExportError(
            f"--format {fmt} needs Graphviz's `dot` program (Debian: apt-get install graphviz); "
            "--format dot writes the DOT source instead"
        )
    args = [dot, f"-T{fmt}", "-o", str(path)]
    if fmt == "png":
        args.insert(1, "-Gdpi=96")
    try:
        proc = subprocess.run(args, input=to_dot(view, name).encode("utf-8"), capture_output=True,
                              timeout=_DOT_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ExportError(f"Graphviz took longer than {_DOT_TIMEOUT_S} s; export a narrower view") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError(f"Graphviz failed (exit {proc.returncode}): {detail[-1] if detail else 'no message'}")
    if not path.exists() or path.stat().st_size == 0:
        raise ExportError("Graphviz wrote nothing")
