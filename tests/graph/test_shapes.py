"""SHACL shapes (ontology/shapes.ttl) and kg.graph.ontology.validate on hand-written graphs."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg import vocab
from kg.graph.ontology import ValidationReport, load_ontology, load_shapes, validate

KG = vocab.KG
TRIAL = vocab.trial_iri("NCT04660565")
REC = vocab.record_graph("ctgov-json", "NCT04660565")
DOC = vocab.document_iri("a" * 64)
CRIT1 = vocab.record_part_iri(REC, "criterion", "inclusion-1")
CRIT2 = vocab.record_part_iri(REC, "criterion", "inclusion-2")
EXCL1 = vocab.record_part_iri(REC, "criterion", "exclusion-1")
PUB = vocab.publication_iri("29073351", None, None)

# A small graph shaped like what kg.graph.build writes (my own wording, not registry text).
VALID_TTL = f"""
@prefix kg: <{KG}> .
@prefix kgid: <{vocab.KGID}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{TRIAL}> a kg:Trial ;
    kg:nctId "NCT04660565" ;
    kg:title "Belimumab with standard therapy in a fibro-inflammatory disease" ;
    rdfs:label "Belimumab with standard therapy in a fibro-inflammatory disease" ;
    kg:phase kg:Phase_phase2 ;
    kg:overallStatus kg:Status_completed ;
    kg:studyType kg:StudyType_interventional ;
    kg:allocation kg:Allocation_na ;
    kg:masking kg:Masking_none ;
    kg:enrollment 10 ;
    kg:startDate "2020-03" ;
    kg:hasArm <{TRIAL}/arm/arm-1> ;
    kg:hasIntervention <{TRIAL}/intervention/belimumab> ;
    kg:studiesCondition <{vocab.condition_iri("IgG4-related disease")}> ;
    kg:hasCriterion <{CRIT1}>, <{CRIT2}>, <{EXCL1}> ;
    kg:hasOutcome <{TRIAL}/outcome/primary-1> ;
    kg:hasVisitSchedule <{TRIAL}/visits/all> ;
    kg:describedBy <{PUB}> ;
    kg:sourceRecord <{REC}> .

<{TRIAL}/arm/arm-1> a kg:Arm ;
    rdfs:label "Belimumab" ;
    kg:armType kg:ArmType_experimental ;
    kg:receives <{TRIAL}/intervention/belimumab> ;
    kg:hasBackgroundTherapy <{TRIAL}/intervention/glucocorticoids> .

<{TRIAL}/intervention/belimumab> a kg:Intervention ;
    rdfs:label "belimumab" ;
    kg:interventionType kg:InterventionType_biological ;
    kg:hasRegimen [ a kg:Regimen ;
        kg:doseValue 10.0 ; kg:doseUnit "mg/kg" ; kg:route "intravenous" ;
        kg:scheduleDay 0, 14, 28 ; kg:repeatEveryDays 28 ; kg:untilWeek 48 ] .

<{TRIAL}/intervention/glucocorticoids> a kg:BackgroundTherapy, kg:Intervention ;
    rdfs:label "glucocorticoids" .

<{vocab.condition_iri("IgG4-related disease")}> a kg:Condition ; rdfs:label "IgG4-related disease" .

<{CRIT1}> a kg:EligibilityCriterion, kg:InclusionCriterion ;
    kg:polarity "inclusion" ; kg:order 1 ; kg:text "Adults with a confirmed diagnosis" ;
    kg:sourceField "eligibilityCriteria" ; kg:spanStart 10 ; kg:spanEnd 42 ;
    kg:sourceRecord <{REC}> .
<{CRIT2}> a kg:InclusionCriterion ;
    kg:polarity "inclusion" ; kg:order 2 ; kg:text "Active disease at screening" ;
    kg:parentCriterion <{CRIT1}> ; kg:sourceRecord <{REC}> .
<{EXCL1}> a kg:EligibilityCriterion, kg:ExclusionCriterion ;
    kg:polarity "exclusion" ; kg:order 1 ; kg:text "Pregnancy" ; kg:sourceRecord <{REC}> .

<{TRIAL}/outcome/primary-1> a kg:Outcome ;
    kg:measure "Disease responder index at week 48" ; kg:outcomeKind kg:OutcomeKind_primary .
<{TRIAL}/visits/all> a kg:VisitSchedule ; kg:visitWeek 4.0, 12.0, 24.0 .

<{PUB}> a kg:Publication ;
    kg:pmid "29073351" ; kg:pmcid "PMC6590997" ; kg:doi "10.1002/art.40358" ;
    kg:publicationDate "2017-12-29"^^xsd:date ;
    kg:reportsResult [ a kg:ReportedResult ; kg:measure "serum IgG4" ;
        kg:resultGroup <{TRIAL}/arm/arm-1> ; kg:statistic "median" ; kg:value 27.0 ;
        kg:timepoint "baseline" ; kg:pValue 0.039 ] .

<{REC}> a kg:SourceRecord, prov:Entity ;
    kg:sourceDocument <{DOC}> ; kg:sourceFormat "ctgov-json" ; kg:recordId "NCT04660565" ;
    kg:extractorVersion "kg/0.1.0" ; kg:locator "" .
<{DOC}> a kg:SourceDocument ; kg:sha256 "{"a" * 64}" ; kg:fileName "NCT04660565.json" .
"""


def valid_graph() -> Graph:
    return Graph().parse(data=VALID_TTL, format="turtle")


def _messages(report: ValidationReport) -> list[str]:
    return [r.message for r in report.results]


def assert_fails(g: Graph, focus: URIRef | None, path: URIRef | None, fragment: str) -> ValidationReport:
    report = validate(g)
    assert not report.conforms, "expected a violation"
    hits = [
        r
        for r in report.results
        if fragment in r.message and (focus is None or r.focus == focus) and (path is None or r.path == path)
    ]
    assert hits, f"no violation on {focus} {path} mentioning {fragment!r}; got {report.results}"
    return report


def test_valid_graph_conforms() -> None:
    report = validate(valid_graph())
    assert report.conforms, report.text
    assert report.results == []


def test_valid_graph_conforms_as_a_dataset_of_named_graphs() -> None:
    """Provenance and facts in separate named graphs are validated as one union."""
    ds = Dataset()
    prov = ds.graph(vocab.KGGRAPH["provenance"])
    facts = ds.graph(REC)
    for s, p, o in valid_graph():
        (prov if s in (REC, DOC) else facts).add((s, p, o))
    assert validate(ds).conforms


def test_criterion_without_text_fails() -> None:
    g = valid_graph()
    g.remove((CRIT1, KG.text, None))
    assert_fails(g, CRIT1, KG.text, "non-empty kg:text")


def test_criterion_with_blank_text_fails() -> None:
    g = valid_graph()
    g.set((CRIT1, KG.text, Literal("   ")))
    assert_fails(g, CRIT1, KG.text, "non-empty kg:text")


def test_bad_pmid_fails() -> None:
    g = valid_graph()
    g.set((PUB, KG.pmid, Literal("PMID:29073351")))
    assert_fails(g, PUB, KG.pmid, "kg:pmid")


def test_two_nct_ids_fail() -> None:
    g = valid_graph()
    g.add((TRIAL, KG.nctId, Literal("NCT00000410")))
    assert_fails(g, TRIAL, KG.nctId, "at most one kg:nctId")


def test_malformed_nct_id_fails() -> None:
    g = valid_graph()
    g.set((TRIAL, KG.nctId, Literal("NCT123")))
    assert_fails(g, TRIAL, KG.nctId, "NCT followed by eight digits")


def test_trial_without_nct_id_needs_an_x_key() -> None:
    g = valid_graph()
    g.remove((TRIAL, KG.nctId, None))
    assert_fails(g, TRIAL, None, "stable x- key")
    # the same trial keyed by a stable x- key is fine
    x = vocab.trial_iri("x-" + vocab.short_hash("a trial without a registry id"))
    for p, o in list(g.predicate_objects(TRIAL)):
        g.add((x, p, o))
    for s, p in list(g.subject_predicates(TRIAL)):
        g.add((s, p, x))
    g.remove((TRIAL, None, None))
    g.remove((None, None, TRIAL))
    assert validate(g).conforms


def test_unknown_phase_value_fails() -> None:
    g = valid_graph()
    g.set((TRIAL, KG.phase, KG.Phase_phase5))
    assert_fails(g, TRIAL, KG.phase, "kg:Phase value")


def test_phase_as_plain_string_fails() -> None:
    g = valid_graph()
    g.set((TRIAL, KG.phase, Literal("PHASE2")))
    assert_fails(g, TRIAL, KG.phase, "kg:Phase value")


@pytest.mark.parametrize(
    ("prop", "bad"),
    [
        (KG.allocation, KG.Masking_double),
        (KG.masking, KG.Masking_sextuple),
        (KG.studyType, KG.Status_completed),
        (KG.overallStatus, KG.Status_finished),
    ],
)
def test_controlled_values_outside_their_scheme_fail(prop: URIRef, bad: URIRef) -> None:
    g = valid_graph()
    g.set((TRIAL, prop, bad))
    assert_fails(g, TRIAL, prop, "must be a kg:")


def test_missing_provenance_fails() -> None:
    g = valid_graph()
    g.remove((TRIAL, KG.sourceRecord, None))
    assert_fails(g, TRIAL, KG.sourceRecord, "missing provenance")


def test_provenance_must_be_a_source_record() -> None:
    g = valid_graph()
    g.remove((REC, RDF.type, KG.SourceRecord))
    assert_fails(g, TRIAL, KG.sourceRecord, "kg:sourceRecord")


def test_trial_without_title_or_description_fails() -> None:
    g = valid_graph()
    g.remove((TRIAL, KG.title, None))
    g.remove((TRIAL, RDFS.label, None))
    g.remove((TRIAL, KG.summary, None))
    g.remove((TRIAL, KG.description, None))
    assert_fails(g, TRIAL, None, "kg:title, kg:description, kg:summary or rdfs:label")
    g.add((TRIAL, KG.description, Literal("A description is enough.")))
    assert validate(g).conforms


def test_criterion_polarity_order_and_parent() -> None:
    g = valid_graph()
    g.set((CRIT1, KG.polarity, Literal("maybe")))
    assert_fails(g, CRIT1, KG.polarity, "kg:polarity")
    g = valid_graph()
    g.set((CRIT1, KG.order, Literal(0)))
    assert_fails(g, CRIT1, KG.order, "at least 1")
    g = valid_graph()
    g.set((CRIT1, KG.order, Literal("1")))
    assert_fails(g, CRIT1, KG.order, "xsd:integer")
    g = valid_graph()
    g.add((CRIT2, KG.parentCriterion, EXCL1))
    assert_fails(g, CRIT2, KG.parentCriterion, "at most one kg:parentCriterion")
    g = valid_graph()
    g.set((CRIT2, KG.parentCriterion, TRIAL))
    assert_fails(g, CRIT2, KG.parentCriterion, "kg:EligibilityCriterion")


def test_inclusion_criterion_with_exclusion_polarity_fails() -> None:
    g = valid_graph()
    g.set((CRIT2, KG.polarity, Literal("exclusion")))
    assert_fails(g, CRIT2, KG.polarity, 'polarity "inclusion"')


def test_criterion_owned_by_exactly_one_trial() -> None:
    g = valid_graph()
    g.remove((TRIAL, KG.hasCriterion, EXCL1))
    assert_fails(g, EXCL1, None, "exactly one kg:hasCriterion")
    g = valid_graph()
    other = vocab.trial_iri("NCT00000410")
    g.add((other, RDF.type, KG.Trial))
    g.add((other, KG.nctId, Literal("NCT00000410")))
    g.add((other, KG.title, Literal("Another trial")))
    g.add((other, KG.sourceRecord, REC))
    g.add((other, KG.hasCriterion, EXCL1))
    assert_fails(g, EXCL1, None, "exactly one kg:hasCriterion")


def test_subclass_only_typing_is_still_checked() -> None:
    """CRIT2 is typed only kg:InclusionCriterion; the EligibilityCriterion shape still applies."""
    g = valid_graph()
    g.remove((CRIT2, KG.order, None))
    assert_fails(g, CRIT2, KG.order, "kg:order")


def test_arm_shape() -> None:
    arm = URIRef(f"{TRIAL}/arm/arm-1")
    g = valid_graph()
    g.remove((arm, RDFS.label, None))
    assert_fails(g, arm, RDFS.label, "rdfs:label")
    g = valid_graph()
    g.add((arm, KG.armType, KG.ArmType_placebo_comparator))
    assert_fails(g, arm, KG.armType, "at most one kg:armType")


def test_regimen_dose_must_be_decimal() -> None:
    g = valid_graph()
    reg = g.value(URIRef(f"{TRIAL}/intervention/belimumab"), KG.hasRegimen)
    g.set((reg, KG.doseValue, Literal("10 mg")))
    assert_fails(g, reg, KG.doseValue, "xsd:decimal")
    g.set((reg, KG.doseValue, Literal(Decimal("10.0"))))
    assert validate(g).conforms


def test_publication_identifier_patterns() -> None:
    for prop, bad in ((KG.doi, "doi:10.1002/art.40358"), (KG.pmcid, "6590997")):
        g = valid_graph()
        g.set((PUB, prop, Literal(bad)))
        assert_fails(g, PUB, prop, str(prop).rsplit("#", 1)[1])


def test_p_value_out_of_range_and_result_without_measure() -> None:
    g = valid_graph()
    res = g.value(PUB, KG.reportsResult)
    g.set((res, KG.pValue, Literal(Decimal("1.5"))))
    assert_fails(g, res, KG.pValue, "between 0 and 1")
    g = valid_graph()
    res = g.value(PUB, KG.reportsResult)
    g.remove((res, KG.measure, None))
    assert_fails(g, res, KG.measure, "kg:measure")


def test_source_record_and_document_shapes() -> None:
    g = valid_graph()
    g.remove((REC, KG.extractorVersion, None))
    g.remove((REC, KG.recordId, None))
    report = assert_fails(g, REC, KG.extractorVersion, "kg:extractorVersion")
    assert any(r.path == KG.recordId for r in report.results)
    g = valid_graph()
    g.set((DOC, KG.sha256, Literal("A" * 64)))
    assert_fails(g, DOC, KG.sha256, "kg:sha256")


def test_warnings_do_not_break_conformance() -> None:
    g = valid_graph()
    g.remove((EXCL1, KG.sourceRecord, None))
    report = validate(g)
    assert report.conforms
    assert any(w.focus == EXCL1 and w.path == KG.sourceRecord for w in report.warnings)


def test_validate_reports_instead_of_raising() -> None:
    broken_shapes = Graph()
    shape = BNode()
    broken_shapes.add((shape, RDF.type, vocab.SH.NodeShape))
    broken_shapes.add((shape, vocab.SH.targetClass, KG.Trial))
    broken_shapes.add((shape, vocab.SH.pattern, Literal("(unclosed")))
    report = validate(valid_graph(), shapes=broken_shapes)
    assert not report.conforms
    assert report.results and report.results[0].message


def test_shapes_name_only_declared_kg_terms() -> None:
    declared = set(load_ontology().subjects(RDFS.label, None))
    used = {t for t in load_shapes().all_nodes() if isinstance(t, URIRef) and t.startswith(str(KG))}
    assert used, "shapes reference no kg terms?"
    assert sorted(used - declared) == []


def _four_trial_graph() -> Graph:
    g = valid_graph()
    base = list(g)
    for n in range(1, 4):
        nct = f"NCT0000000{n}"
        t = vocab.trial_iri(nct)

        def ren(node, t=t):
            if isinstance(node, URIRef) and str(node).startswith(str(TRIAL)):
                return URIRef(str(node).replace(str(TRIAL), str(t)))
            if isinstance(node, URIRef) and str(node).startswith(str(vocab.KGID) + "record/"):
                return URIRef(str(node) + f"-{n}")
            return node

        bmap: dict[BNode, BNode] = {}
        for s, p, o in base:
            s2 = bmap.setdefault(s, BNode()) if isinstance(s, BNode) else ren(s)
            o2 = bmap.setdefault(o, BNode()) if isinstance(o, BNode) else ren(o)
            if p == KG.nctId:
                o2 = Literal(nct)
            g.add((s2, p, o2))
        # each extra trial gets a larger criteria list, as real records have
        for k in range(3, 40):
            c = vocab.record_part_iri(REC, "criterion", f"inclusion-{k}-{n}")
            g.add((t, KG.hasCriterion, c))
            g.add((c, RDF.type, KG.InclusionCriterion))
            g.add((c, KG.polarity, Literal("inclusion")))
            g.add((c, KG.order, Literal(k)))
            g.add((c, KG.text, Literal(f"criterion number {k}")))
            g.add((c, KG.sourceRecord, REC))
    return g


def test_four_trial_graph_validates_quickly() -> None:
    g = _four_trial_graph()
    assert len(set(g.subjects(RDF.type, KG.Trial))) == 4
    validate(g)  # warm caches (shapes/ontology parse, pyshacl import)
    start = time.perf_counter()
    report = validate(g)
    elapsed = time.perf_counter() - start
    assert report.conforms, report.text
    assert elapsed < 3.0, f"validation took {elapsed:.2f}s"


def test_literal_datatypes_used_in_fixture_are_what_the_shapes_expect() -> None:
    """Guards the fixture itself: Turtle 10.0 is xsd:decimal, 10 is xsd:integer."""
    from rdflib.namespace import XSD  # local: pytest trips over DefinedNamespace module attributes

    g = valid_graph()
    reg = g.value(URIRef(f"{TRIAL}/intervention/belimumab"), KG.hasRegimen)
    assert g.value(reg, KG.doseValue).datatype == XSD.decimal
    assert g.value(CRIT1, KG.order).datatype == XSD.integer


def test_validate_leaves_the_data_graph_as_it_was() -> None:
    g = valid_graph()
    before = set(g)
    validate(g)
    assert set(g) == before


def test_validate_copes_with_a_read_only_graph() -> None:
    from rdflib.graph import ReadOnlyGraphAggregate

    g = valid_graph()
    g.remove((CRIT2, KG.order, None))  # only caught if the class hierarchy is in view
    report = validate(ReadOnlyGraphAggregate([g]))
    assert not report.conforms
    assert any(r.focus == CRIT2 and r.path == KG.order for r in report.results)


def test_shapes_are_well_formed_shacl() -> None:
    """pySHACL's meta-validation (SHACL-SHACL) accepts the shapes graph."""
    import pyshacl

    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=load_shapes(), meta_shacl=True)
    assert conforms, text
