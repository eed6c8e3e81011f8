"""Views: the CONSTRUCT files of queries/views, listed as views and run on stores."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from kg import vocab as V
from kg.errors import ParameterError, QueryError
from kg.export.views import get_view, list_views, run_view

EXPECTED = {"trial-neighbourhood", "drug-map", "condition-trial-drug", "conflicts-network", "comparable-trials-network",
            "whole-graph", "trials-overview"}


def test_every_view_is_listed_as_a_view_and_is_a_construct():
    views = {q.name: q for q in list_views()}
    assert EXPECTED <= set(views)
    for q in views.values():
        assert q.view and q.summary
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
        assert body.lstrip().upper().startswith("CONSTRUCT"), q.name


def test_unknown_view_and_plain_query_are_refused():
    with pytest.raises(QueryError, match="no view named"):
        get_view("trial-neighborhoodx")
    with pytest.raises(QueryError):
        get_view("trials")  # a SELECT named query, not a view


def test_trial_neighbourhood_needs_and_uses_its_trial(small_store):
    with pytest.raises(ParameterError):
        run_view(small_store, "trial-neighbourhood")
    g = run_view(small_store, "trial-neighbourhood", {"trial": "NCT90000001"})
    t1 = V.trial_iri("NCT90000001")
    drug = URIRef("https://w3id.org/kg/id/drug/drug-a")
    mech = URIRef("https://w3id.org/kg/id/mechanism/m")
    assert (t1, V.hasArm, None) in g
    assert (URIRef(str(t1) + "/intervention/a"), V.administers, drug) in g
    assert (drug, RDF.type, V.KG.TestClass) in g
    assert (drug, V.hasMechanism, mech) in g
    assert (mech, V.hasTarget, URIRef("https://w3id.org/kg/id/target/t1")) in g
    assert (t1, V.studiesCondition, V.condition_iri("Lupus")) in g
    assert len(set(g.objects(t1, V.hasCriterion))) == 2
    assert (None, V.hasConstraint, None) in g
    # only this trial: nothing of the other one
    assert not any(str(s).startswith(str(V.trial_iri("NCT90000002"))) for s in g.subjects())


def test_drug_map_links_drug_class_parent_mechanism_target(small_store):
    g = run_view(small_store, "drug-map")
    drug = URIRef("https://w3id.org/kg/id/drug/drug-a")
    assert (drug, RDF.type, V.KG.TestClass) in g
    assert (V.KG.TestClass, V.KG["subClassOf"], None) not in g
    from rdflib.namespace import RDFS

    assert (V.KG.TestClass, RDFS.subClassOf, V.KG.TestParent) in g
    assert (URIRef("https://w3id.org/kg/id/mechanism/m"), V.hasTarget, None) in g
    one = run_view(small_store, "drug-map", {"drug": str(drug)})
    assert (URIRef("https://w3id.org/kg/id/drug/drug-b"), None, None) not in one
    assert (drug, V.hasMechanism, None) in one


def test_conflicts_and_comparabilities_from_their_nodes(small_store):
    g = run_view(small_store, "conflicts-network")
    c = URIRef("https://w3id.org/kg/id/conflict/c1")
    for p in (V.KG.trialA, V.KG.trialB, V.KG.criterionA, V.KG.criterionB):
        assert (c, p, None) in g
    assert (V.trial_iri("NCT90000001"), V.hasCriterion, None) in g
    assert (c, V.KG.conflictKind, None) in g
    only = run_view(small_store, "conflicts-network", {"trial": "NCT90000002"})
    assert len(only) == len(g)
    p = URIRef("https://w3id.org/kg/id/comparability/p1")
    comp = run_view(small_store, "comparable-trials-network")
    assert (p, V.KG.score, None) in comp and (p, V.KG.trialB, V.trial_iri("NCT90000002")) in comp


def test_condition_trial_drug_and_overview(small_store):
    g = run_view(small_store, "condition-trial-drug")
    lupus = V.condition_iri("Lupus")
    assert set(g.subjects(V.studiesCondition, lupus)) == {V.trial_iri("NCT90000001"), V.trial_iri("NCT90000002")}
    assert (None, V.administers, URIRef("https://w3id.org/kg/id/drug/drug-b")) in g
    overview = run_view(small_store, "trials-overview", {"trial": "NCT90000002"})
    assert (V.trial_iri("NCT90000002"), V.hasIntervention, None) in overview
    assert (V.trial_iri("NCT90000001"), None, None) not in overview


def test_whole_graph_is_every_triple(small_store):
    g = run_view(small_store, "whole-graph")
    assert len(g) == len({(s, p, o) for s, p, o in small_store.triples(None)})


def test_views_on_the_demo_store(demo_store):
    g = run_view(demo_store, "trial-neighbourhood", {"trial": "NCT04660565"})
    belimumab = URIRef("https://w3id.org/kg/id/drug/belimumab")
    assert (None, V.administers, belimumab) in g
    assert (belimumab, V.hasMechanism, None) in g
    assert len(set(g.objects(V.trial_iri("NCT04660565"), V.hasCriterion))) >= 10
    # the layers that write conflicts and comparabilities may not have run: then these are empty
    for name, cls in (("conflicts-network", V.KG.Conflict), ("comparable-trials-network", V.KG.Comparability)):
        has = bool(demo_store.query("ASK { ?x a ?cls }", {"cls": cls}).askAnswer)
        assert bool(len(run_view(demo_store, name))) == has
