"""The README's picture of the source trials is what `kg export trials-overview` draws today.

The committed SVG is compared with the view by content — each node's id and label, each
edge's ends and label, read from Graphviz's <title> and <text> elements — not by bytes,
since layouts differ between Graphviz versions. Regenerate it with the command in
docs/images/README.md when the graph changes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from kg.export.formats import _short
from kg.export.graphview import to_networkx
from kg.export.views import run_view

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SVG = "{http://www.w3.org/2000/svg}"


def svg_content(path: Path) -> tuple[Counter, Counter]:
    """(nodes, edges) of a Graphviz SVG: Counters of (title, label text)."""
    root = ET.parse(path).getroot()
    found: dict[str, Counter] = {"node": Counter(), "edge": Counter()}
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class")
        if kind in found:
            title = g.findtext(f"{SVG}title", default="")
            text = " ".join(t.text or "" for t in g.iter(f"{SVG}text"))
            found[kind][(title, text)] += 1
    return found["node"], found["edge"]


def view_content(store) -> tuple[Counter, Counter]:
    view = to_networkx(run_view(store, "trials-overview"))
    nodes = Counter((n, _short(str(d["label"]))) for n, d in view.nodes(data=True))
    edges = Counter((f"{u}->{v}", str(d["label"])) for u, v, d in view.edges(data=True))
    return nodes, edges


def test_committed_picture_matches_the_view(demo_store):
    svg = IMAGES / "source-trials.svg"
    assert svg.is_file(), "docs/images/source-trials.svg is missing"
    nodes, edges = svg_content(svg)
    want_nodes, want_edges = view_content(demo_store)
    assert nodes == want_nodes
    assert edges == want_edges
    png = IMAGES / "source-trials.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
