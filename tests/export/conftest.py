"""A small hand-made store for the export tests: two trials, drugs, criteria, a conflict, a comparability.

The conflict and comparability nodes use the names the later layers will write
(kg:Conflict with kg:trialA/B, kg:criterionA/B, kg:conflictKind, rdfs:comment;
kg:Comparability with kg:trialA/B, kg:score). One trial's title is a script injection.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef

HOSTILE_TITLE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>'

SMALL_TTL = """
@prefix kg: <https://w3id.org/kg/ontology#> .
@prefix kgid: <https://w3id.org/kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

kgid:trial/NCT90000001 a kg:Trial ; kg:nctId "NCT90000001" ; rdfs:label "Drug A in lupus" ;
    kg:title "Drug A in lupus" ; kg:enrollment 40 ;
    kg:hasArm kgid:trial/NCT90000001/arm/a ; kg:hasIntervention kgid:trial/NCT90000001/intervention/a ;
    kg:studiesCondition kgid:condition/lupus ;
    kg:hasCriterion kgid:record/t/NCT90000001/criterion/inclusion-1 , kgid:record/t/NCT90000001/criterion/exclusion-1 .
kgid:trial/NCT90000001/arm/a a kg:Arm ; rdfs:label "Arm A" ; kg:receives kgid:trial/NCT90000001/intervention/a .
kgid:trial/NCT90000001/intervention/a a kg:Intervention ; rdfs:label "drug a" ; kg:administers kgid:drug/drug-a .
kgid:condition/lupus a kg:Condition ; rdfs:label "Lupus" .
kgid:record/t/NCT90000001/criterion/inclusion-1 a kg:EligibilityCriterion , kg:InclusionCriterion ;
    kg:polarity "inclusion" ; kg:order 1 ; kg:text "Stable dose of prednisone for 4 weeks" ;
    kg:hasConstraint kgid:record/t/NCT90000001/criterion/inclusion-1/constraint/0 .
kgid:record/t/NCT90000001/criterion/inclusion-1/constraint/0 a kg:TherapyConstraint ; kg:text "prednisone" .
kgid:record/t/NCT90000001/criterion/exclusion-1 a kg:EligibilityCriterion , kg:ExclusionCriterion ;
    kg:polarity "exclusion" ; kg:order 1 ; kg:text "Pregnancy" .

kgid:trial/NCT90000002 a kg:Trial ; kg:nctId "NCT90000002" ; rdfs:label "%(hostile)s" ;
    kg:title "%(hostile)s" ;
    kg:studiesCondition kgid:condition/lupus ; kg:hasIntervention kgid:trial/NCT90000002/intervention/b ;
    kg:hasCriterion kgid:record/t/NCT90000002/criterion/exclusion-1 .
kgid:trial/NCT90000002/intervention/b a kg:Intervention ; rdfs:label "drug b" ; kg:administers kgid:drug/drug-b .
kgid:record/t/NCT90000002/criterion/exclusion-1 a kg:EligibilityCriterion , kg:ExclusionCriterion ;
    kg:polarity "exclusion" ; kg:order 1 ; kg:text "Any use of prednisone in the last 4 weeks" .

kgid:drug/drug-a a kg:Drug , kg:TestClass ; rdfs:label "drug a" ; kg:hasMechanism kgid:mechanism/m .
kgid:drug/drug-b a kg:Drug ; rdfs:label "drug b" .
kg:TestClass a kg:DrugClass ; rdfs:label "test class" ; rdfs:subClassOf kg:TestParent .
kg:TestParent a kg:DrugClass ; rdfs:label "test parent class" .
kgid:mechanism/m a kg:MechanismOfAction ; rdfs:label "m inhibition" ; kg:hasTarget kgid:target/t1 .
kgid:target/t1 a kg:MolecularTarget ; kg:geneSymbol "T1" ; rdfs:label "target one" .

kgid:conflict/c1 a kg:Conflict ; kg:trialA kgid:trial/NCT90000001 ; kg:trialB kgid:trial/NCT90000002 ;
    kg:criterionA kgid:record/t/NCT90000001/criterion/inclusion-1 ;
    kg:criterionB kgid:record/t/NCT90000002/criterion/exclusion-1 ;
    kg:conflictKind "therapy" ; rdfs:comment "One requires prednisone, the other excludes it." .
kgid:comparability/p1 a kg:Comparability ; kg:trialA kgid:trial/NCT90000001 ; kg:trialB kgid:trial/NCT90000002 ;
    kg:score 0.75 .
""" % {"hostile": HOSTILE_TITLE.replace('"', '\\"')}

DRUGS_GRAPH = URIRef("https://w3id.org/kg/graph/drugs")
RECORD_GRAPH = URIRef("https://w3id.org/kg/graph/record/test/small")


def small_graph() -> Graph:
    # kg's instance IRIs have slashes, which Turtle's prefixed names do not allow: spell them out.
    text = re.sub(r"kgid:([\w/.-]+[\w])", r"<https://w3id.org/kg/id/\1>", SMALL_TTL)
    return Graph().parse(data=text, format="turtle")


@pytest.fixture(scope="session")
def small_store():
    """An in-memory store: drug facts in the drugs graph (as the catalogue puts them), the rest in a record graph."""
    from kg.store.oxigraph import OxigraphStore

    g = small_graph()
    drug_subjects = {s for s in g.subjects() if "/drug/" in str(s) or "/mechanism/" in str(s)
                     or "/target/" in str(s) or str(s).endswith(("TestClass", "TestParent"))}
    store = OxigraphStore(None)
    store.replace_graph(DRUGS_GRAPH, [t for t in g if t[0] in drug_subjects])
    store.replace_graph(RECORD_GRAPH, [t for t in g if t[0] not in drug_subjects])
    yield store
    store.close()


#: One real ClinicalTrials.gov record (API v2 JSON) the interchange-export tests build on their own.
REAL_RECORD = "NCT00000410"


@pytest.fixture(scope="session")
def real_record_store(tmp_path_factory: pytest.TempPathFactory):
    """A store built from one shared ClinicalTrials.gov record: (store, its NCT ID)."""
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore
    from tests.conftest import shared_path

    studies = shared_path("data", "ctgov", "api_v2", "studies")
    record = next(iter(sorted(studies.glob(f"{REAL_RECORD}*"))), None)
    if record is None:
        pytest.skip(f"{REAL_RECORD} not in the shared data")
    path = tmp_path_factory.mktemp("real-record") / "store"
    with OxigraphStore(path) as store:
        build([record], store, compare=False)
    store = OxigraphStore(path, read_only=True)
    yield store, REAL_RECORD
    store.close()
