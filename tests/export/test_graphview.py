"""The graph view: nodes with label, CURIE and type; literals as attributes; predicate-labelled edges."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg import vocab as V
from kg.export.graphview import MULTI_SEP, curie, to_networkx
from kg.export.views import run_view


def test_literals_are_attributes_not_nodes():
    g = Graph()
    t = V.trial_iri("NCT00000002")
    g.add((t, RDF.type, V.Trial))
    g.add((t, V.keyword, Literal("b")))
    g.add((t, V.keyword, Literal("a")))
    g.add((t, V.enrollment, Literal(12)))
    view = to_networkx(g)
    assert list(view.nodes) == [str(t)]
    node = view.nodes[str(t)]
    assert node["kg:keyword"] == f"a{MULTI_SEP}b"
    assert node["kg:enrollment"] == "12"
    assert node["curie"] == "kgid:trial/NCT00000002" and node["iri"] == str(t)
    assert view.number_of_edges() == 0


def test_rdf_type_is_an_edge_only_to_a_described_class():
    g = Graph()
    d, cls = URIRef("https://w3id.org/kg/id/drug/x"), V.KG.SomeClass
    g.add((d, RDF.type, V.Drug))
    g.add((d, RDF.type, cls))
    g.add((cls, RDFS.label, Literal("some class")))
    g.add((cls, RDF.type, V.DrugClass))
    view = to_networkx(g)
    assert set(view.nodes) == {str(d), str(cls)}
    edges = list(view.edges(keys=True, data=True))
    assert len(edges) == 1
    u, v, key, data = edges[0]
    assert (u, v, key) == (str(d), str(cls), "rdf:type")
    assert data["label"] == "type" and data["curie"] == "rdf:type" and data["iri"] == str(RDF.type)
    assert view.nodes[str(d)]["type"] == "kg:Drug"
    assert view.nodes[str(cls)]["type"] == "kg:DrugClass"
    assert view.nodes[str(cls)]["label"] == "some class"


def test_parallel_predicates_and_blank_nodes_are_kept():
    g = Graph()
    a, b, n = URIRef("http://example.org/a"), URIRef("http://example.org/b"), BNode("x1")
    g.add((a, V.hasArm, b))
    g.add((a, V.receives, b))
    g.add((b, V.anyOf, n))
    view = to_networkx(g)
    assert view.number_of_nodes() == 3 and view.number_of_edges() == 3
    assert "_:x1" in view.nodes
    assert view.nodes["http://example.org/a"]["curie"] == "http://example.org/a"
    assert view.nodes["http://example.org/a"]["type"] == "rdfs:Resource"


def test_conflict_edges_are_flagged_and_trials_labelled_by_nct_id(small_store):
    view = to_networkx(run_view(small_store, "conflicts-network"))
    conflict = "https://w3id.org/kg/id/conflict/c1"
    assert view.nodes[conflict]["type"] == "kg:Conflict"
    flagged = {(u, v) for u, v, d in view.edges(data=True) if d["conflict"]}
    assert flagged and all(conflict in pair for pair in flagged)
    assert view.nodes[str(V.trial_iri("NCT90000001"))]["label"] == "NCT90000001"
    assert all(not d["conflict"] for u, v, d in view.edges(data=True) if conflict not in (u, v))


def test_curie_uses_the_longest_namespace():
    assert curie(URIRef("https://w3id.org/kg/id/trial/NCT1")) == "kgid:trial/NCT1"
    assert curie(URIRef("https://w3id.org/kg/ontology#Trial")) == "kg:Trial"
