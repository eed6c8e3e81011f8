"""The catalogue as RDF and intervention -> drug links."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg import vocab as v
from kg.drugs.rdf import link_interventions


def test_drug_individual_shape(catalogue: Graph) -> None:
    bel = v.drug_iri("belimumab")
    assert (bel, RDF.type, v.Drug) in catalogue
    assert (bel, v.brandName, Literal("Benlysta")) in catalogue
    assert (bel, v.atcCode, Literal("L04AG04")) in catalogue
    assert (bel, SKOS.exactMatch, v.ATC["L04AG04"]) in catalogue
    mech = next(catalogue.objects(bel, v.hasMechanism))
    assert (mech, v.hasTarget, v.target_iri("tnfsf13b")) in catalogue
    assert (v.target_iri("tnfsf13b"), v.uniprotId, Literal("Q9Y275")) in catalogue
    assert any(str(s).startswith("atc=") for s in catalogue.objects(bel, v.identifierSource))


def test_every_drug_has_a_label_and_a_modality(catalogue: Graph) -> None:
    for d in catalogue.subjects(RDF.type, v.Drug):
        if isinstance(d, URIRef) and str(d).startswith(str(v.KGDRUG)):
            assert catalogue.value(d, RDFS.label) is not None
            assert catalogue.value(d, v.hasModality) is not None


def test_link_interventions() -> None:
    g = Graph()
    names = {"a": "Belimumab 10mg/kg", "b": "Placebo", "c": "YHD1023", "d": "Prednisone and Belimumab"}
    for key, name in names.items():
        node = URIRef(f"https://example.org/iv/{key}")
        g.add((node, RDF.type, v.Intervention))
        g.add((node, RDFS.label, Literal(name)))
    assert link_interventions(g) == ["YHD1023"]
    a, b, d = (URIRef(f"https://example.org/iv/{k}") for k in "abd")
    assert set(g.objects(a, v.administers)) == {v.drug_iri("belimumab")}
    assert set(g.objects(b, v.administers)) == set()
    assert set(g.objects(d, v.administers)) == {v.drug_iri("belimumab"), v.drug_iri("prednisone")}


def test_link_uses_other_names_and_skips_procedures() -> None:
    g = Graph()
    a, b = URIRef("https://example.org/iv/a"), URIRef("https://example.org/iv/b")
    g.add((a, RDF.type, v.Intervention))
    g.add((a, RDFS.label, Literal("Study drug A")))
    g.add((a, SKOS.altLabel, Literal("Benlysta")))
    g.add((b, RDF.type, v.Intervention))
    g.add((b, RDFS.label, Literal("Blood draw")))
    g.add((b, v.interventionType, v.concept("intervention_type", "procedure")))
    assert link_interventions(g) == []
    assert set(g.objects(a, v.administers)) == {v.drug_iri("belimumab")}


def test_other_names_must_all_resolve_to_the_same_drug() -> None:
    g = Graph()
    a, b = URIRef("https://example.org/iv/a"), URIRef("https://example.org/iv/b")
    for node, label in ((a, "SGLT2 blocker"), (b, "Study drug B")):
        g.add((node, RDF.type, v.Intervention))
        g.add((node, RDFS.label, Literal(label)))
    # one other name the catalogue cannot read: no fallback, nothing linked
    g.add((a, SKOS.altLabel, Literal("dapagliflozin")))
    g.add((a, SKOS.altLabel, Literal("zzq-unknown-gliflozin")))
    # two other names for different drugs: ambiguous, nothing linked
    g.add((b, SKOS.altLabel, Literal("Benlysta")))
    g.add((b, SKOS.altLabel, Literal("prednisone")))
    assert link_interventions(g) == ["SGLT2 blocker", "Study drug B"]
    assert set(g.objects(a, v.administers)) == set() == set(g.objects(b, v.administers))


def test_catalogue_graph_is_a_fresh_copy() -> None:
    from kg.drugs.rdf import catalogue_graph

    g1 = catalogue_graph()
    g1.remove((v.drug_iri("belimumab"), None, None))
    assert (v.drug_iri("belimumab"), RDF.type, v.Drug) in catalogue_graph()
