"""Every export format round-trips: read back, it has the view's triples, or its nodes and edges."""

from __future__ import annotations

from decimal import Decimal
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kg import vocab as V
from kg.errors import ExportError
from kg.export import api, formats
from kg.export.api import export_view
from kg.export.formats import format_for, jsonld_context
from kg.export.graphview import to_networkx
from kg.export.views import run_view

RDFLIB_READ = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed (apt-get install graphviz)")

CASES = [("conflicts-network", {}), ("trial-neighbourhood", {"trial": "NCT90000001"}), ("whole-graph", {})]


def canonical(graph: Graph) -> Graph:
    """``graph`` with xsd:decimal literals in one lexical form: Turtle writes the decimal 10
    as ``10.0`` — the same value, another spelling."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


def html_payload(path: Path) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


@pytest.mark.parametrize("fmt", formats.RDF_FORMATS)
@pytest.mark.parametrize("view,params", CASES)
def test_rdf_formats_round_trip(small_store, tmp_path, fmt, view, params):
    expected = run_view(small_store, view, params)
    out = tmp_path / f"v.{fmt}"
    result = export_view(small_store, view, out, params=params, fmt=fmt)
    back = Graph().parse(out, format=RDFLIB_READ[fmt])
    assert result.triples == len(expected) == len(back) > 0
    assert isomorphic(canonical(back), canonical(expected))


@pytest.mark.parametrize("view,params", CASES)
def test_graph_formats_round_trip(small_store, tmp_path, view, params):
    view_graph = to_networkx(run_view(small_store, view, params))
    n, m = view_graph.number_of_nodes(), view_graph.number_of_edges()
    assert n and m

    export_view(small_store, view, tmp_path / "v.graphml", params=params)
    g = nx.read_graphml(tmp_path / "v.graphml", force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (n, m)
    assert all({"label", "curie", "type"} <= set(d) for _, d in g.nodes(data=True))
    assert all({"label", "curie"} <= set(d) for *_, d in g.edges(data=True))

    export_view(small_store, view, tmp_path / "v.gexf", params=params)
    g = nx.read_gexf(tmp_path / "v.gexf")
    assert (g.number_of_nodes(), g.number_of_edges()) == (n, m)
    assert all({"label", "curie", "type"} <= set(d) for _, d in g.nodes(data=True))
    assert all({"label", "curie"} <= set(d) for *_, d in g.edges(data=True))

    export_view(small_store, view, tmp_path / "v.cyjs", params=params)
    doc = json.loads((tmp_path / "v.cyjs").read_text(encoding="utf-8"))
    nodes, edges = doc["elements"]["nodes"], doc["elements"]["edges"]
    assert (len(nodes), len(edges)) == (n, m)
    ids = {x["data"]["id"] for x in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert all({"label", "curie", "type"} <= set(x["data"]) for x in nodes)

    export_view(small_store, view, tmp_path / "v.dot", params=params)
    dot = (tmp_path / "v.dot").read_text(encoding="utf-8")
    assert len(re.findall(r'^  "(?:[^"\\]|\\.)*" \[label=', dot, re.M)) == n
    assert len(re.findall(r'^  "(?:[^"\\]|\\.)*" -> ', dot, re.M)) == m

    export_view(small_store, view, tmp_path / "v.html", params=params)
    payload = html_payload(tmp_path / "v.html")
    assert (len(payload["nodes"]), len(payload["edges"])) == (n, m)


@needs_dot
def test_svg_and_png_pictures(small_store, tmp_path):
    view_graph = to_networkx(run_view(small_store, "conflicts-network"))
    export_view(small_store, "conflicts-network", tmp_path / "c.svg")
    root = ET.parse(tmp_path / "c.svg").getroot()
    groups = list(root.iter(f"{SVG}g"))
    assert sum(1 for x in groups if x.get("class") == "node") == view_graph.number_of_nodes()
    assert sum(1 for x in groups if x.get("class") == "edge") == view_graph.number_of_edges()
    # the red conflict edges
    assert any(p.get("stroke") == "#d62728" for p in root.iter(f"{SVG}path"))
    export_view(small_store, "conflicts-network", tmp_path / "c.png")
    data = (tmp_path / "c.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


def test_demo_trial_neighbourhood_round_trips_in_every_data_format(demo_store, tmp_path):
    params = {"trial": "NCT04660565"}
    graph = run_view(demo_store, "trial-neighbourhood", params)
    view_graph = to_networkx(graph)
    for fmt in formats.RDF_FORMATS:
        export_view(demo_store, "trial-neighbourhood", tmp_path / f"t.{fmt}", params=params, fmt=fmt)
        back = Graph().parse(tmp_path / f"t.{fmt}", format=RDFLIB_READ[fmt])
        assert len(back) == len(graph), fmt
        assert isomorphic(canonical(back), canonical(graph)), fmt
    export_view(demo_store, "trial-neighbourhood", tmp_path / "t.graphml", params=params)
    g = nx.read_graphml(tmp_path / "t.graphml", force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (view_graph.number_of_nodes(), view_graph.number_of_edges())
    export_view(demo_store, "trial-neighbourhood", tmp_path / "t.gexf", params=params)
    g = nx.read_gexf(tmp_path / "t.gexf")
    assert (g.number_of_nodes(), g.number_of_edges()) == (view_graph.number_of_nodes(), view_graph.number_of_edges())


def test_jsonld_uses_the_shipped_context_and_keeps_full_iris(small_store, tmp_path):
    assert jsonld_context() == {k: str(v) for k, v in V.PREFIXES.items()}
    export_view(small_store, "conflicts-network", tmp_path / "c.jsonld")
    doc = json.loads((tmp_path / "c.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == jsonld_context()  # inline: a reader never fetches it
    assert isinstance(doc["@context"], dict)


def test_rdfxml_opens_in_owlready2(small_store, tmp_path):
    owlready2 = pytest.importorskip("owlready2")
    out = tmp_path / "n.owl"
    export_view(small_store, "trial-neighbourhood", out, params={"trial": "NCT90000001"})
    world = owlready2.World()
    onto = world.get_ontology(out.as_uri()).load()
    trial = world[str(V.trial_iri("NCT90000001"))]
    assert trial is not None, "owlready2 did not read the trial individual"
    assert onto is not None


def test_format_comes_from_option_or_extension():
    assert format_for(Path("a.TTL"), None) == "ttl"
    assert format_for(Path("a.json-ld"), None) == "jsonld"
    assert format_for(Path("a.owl"), None) == "rdfxml"
    assert format_for(Path("a.ttl"), "nt") == "nt"
    with pytest.raises(ExportError, match="--format"):
        format_for(Path("a.txt"), None)
    with pytest.raises(ExportError, match="unknown export format"):
        format_for(Path("a.ttl"), "pdf")


def test_a_failed_export_leaves_the_target_untouched(small_store, tmp_path, monkeypatch):
    target = tmp_path / "keep.graphml"
    target.write_text("previous export", encoding="utf-8")

    def half_then_fail(view, path):
        path.write_text("<graphml><trunc", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(api, "write_graphml", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        export_view(small_store, "conflicts-network", target)
    assert target.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.graphml"]  # no temporary file left

    monkeypatch.setattr(formats, "graphviz_binary", lambda: None)
    fresh = tmp_path / "new.svg"
    with pytest.raises(ExportError, match="Graphviz"):
        export_view(small_store, "conflicts-network", fresh)
    assert not fresh.exists()
    with pytest.raises(ExportError, match="no such directory"):
        export_view(small_store, "conflicts-network", tmp_path / "missing" / "x.ttl")


def test_big_views_are_drawn_force_directed_without_edge_labels(small_store, monkeypatch):
    view = to_networkx(run_view(small_store, "conflicts-network"))
    layered = formats.to_dot(view)
    assert "layout=sfdp" not in layered and "label=\"trialA\"" in layered
    monkeypatch.setattr(formats, "DOT_LAYERED_MAX", 3)
    big = formats.to_dot(view)
    assert "layout=sfdp" in big and "splines=false" in big
    assert "label=\"trialA\"" not in big
    assert len(re.findall(r'^  "(?:[^"\\]|\\.)*" -> ', big, re.M)) == view.number_of_edges()
