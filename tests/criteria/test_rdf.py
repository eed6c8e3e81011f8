"""kg.criteria.rdf: constraint nodes, their properties, determinism and the unparsed marker."""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg import vocab as V
from kg.criteria.constraints import ALL_TYPES
from kg.criteria.rdf import CLASS_OF, add_constraints
from kg.graph import ontology as ont

CRIT = URIRef("https://w3id.org/kg/id/record/ctgov-json/NCT00000000/criterion/exclusion-1")


def build(text: str, polarity: str = "exclusion") -> tuple[Graph, int]:
    g = Graph()
    n = add_constraints(g, CRIT, text, polarity)
    return g, n


def test_lab_constraint_triples() -> None:
    g, n = build("Serum IgG4 above 1400 mg/L at baseline", "inclusion")
    assert n == 1
    node = V.constraint_iri(CRIT, 0)
    assert str(node) == f"{CRIT}/constraint/0"
    assert (CRIT, V.hasConstraint, node) in g
    assert (node, RDF.type, V.LabConstraint) in g
    assert g.value(node, V.loincCode) == Literal("2469-5")
    assert g.value(node, V.comparator) == Literal(">")
    assert g.value(node, V.ucumUnit) == Literal("mg/L")
    assert g.value(node, V.normalizedValue).toPython() == Decimal("140.0")
    assert g.value(node, V.normalizedUnit) == Literal("mg/dL")
    assert g.value(node, V.spanStart) == Literal(0, datatype=XSD.integer)
    assert g.value(node, V.spanEnd).toPython() == len("Serum IgG4 above 1400 mg/L")
    assert g.value(node, V.confidence).datatype == XSD.decimal
    assert g.value(node, V.negated) is None  # only a true negation is written
    assert g.value(node, V.criterionPolarity) is None  # the polarity lives on the criterion
    assert g.value(node, V.effectivePolarity) == Literal("inclusion")
    assert (CRIT, V.parseStatus, V.Parsed) in g


def test_therapy_examples_window_and_exception_nodes() -> None:
    g, n = build("non-biologic DMARDs or immunosuppressants other than GCs within 12 weeks before screening")
    assert n == 3  # two therapies and the group joining them
    group = next(s for s in g.subjects(RDF.type, V.ConstraintGroup))
    assert len(list(g.objects(group, V.anyOf))) == 2
    imm = next(s for s in g.subjects(V.normalizedName, Literal("immunosuppressant")))
    exc = g.value(imm, V.hasException)
    assert (exc, RDF.type, V.ConstraintException) in g
    assert g.value(exc, V.normalizedName) == Literal("glucocorticoid")
    w = g.value(imm, V.hasWindow)
    assert g.value(w, V.windowDays).toPython() == 84
    assert g.value(w, V.windowDuration) == Literal("P84D", datatype=XSD.duration)
    assert g.value(w, V.windowReference) == Literal("screening")

    g2, _ = build("any biologic in the 6 months before screening, including rituximab or abatacept")
    bio = V.constraint_iri(CRIT, 0)
    examples = {str(g2.value(e, V.normalizedName)) for e in g2.objects(bio, V.hasExample)}
    assert examples == {"rituximab", "abatacept"}


def test_negated_constraint_flips_effective_polarity() -> None:
    g, _ = build("No history of tuberculosis", "inclusion")
    node = V.constraint_iri(CRIT, 0)
    assert g.value(node, V.negated) == Literal(True)
    assert g.value(node, V.effectivePolarity) == Literal("exclusion")


def test_cached_template_is_stamped_per_criterion() -> None:
    text = "Hemoglobin < 9 g/dL"
    g = Graph()
    other = URIRef(f"{CRIT}-other")
    assert add_constraints(g, CRIT, text, "exclusion") == add_constraints(g, other, text, "exclusion") == 1
    a = {(p, o) for p, o in g.predicate_objects(V.constraint_iri(CRIT, 0))}
    b = {(p, o) for p, o in g.predicate_objects(V.constraint_iri(other, 0))}
    assert a == b and len(a) > 5
    assert not any(str(t).startswith("urn:kg:") for triple in g for t in triple)


def test_unparsed_is_marked_not_dropped() -> None:
    g, n = build("Any condition that in the opinion of the investigator makes the patient unsuitable")
    assert n == 0
    assert set(g) == {(CRIT, V.parseStatus, V.Unparsed)}


def test_same_input_same_triples() -> None:
    text = "Treatment with B cell-depleting therapy (eg, rituximab, ocrelizumab) within 6 months before day 1"
    a, _ = build(text)
    b, _ = build(text)
    assert isomorphic(a, b) and set(a) == set(b)


def test_every_constraint_class_is_a_declared_subclass_of_constraint() -> None:
    onto = ont.load_ontology()
    assert set(CLASS_OF) == set(ALL_TYPES)
    for cls in CLASS_OF.values():
        assert (cls, RDF.type, OWL.Class) in onto
        assert V.Constraint in set(onto.transitive_objects(cls, RDFS.subClassOf)), cls
    for term in (V.Unparsed, V.Parsed):
        assert (term, RDF.type, V.ParseStatus) in onto


def test_every_predicate_used_is_declared() -> None:
    onto = ont.load_ontology()
    texts = [
        "Serum IgG4 above 1400 mg/L at baseline",
        "ALT or AST more than 2 x upper limit of normal",
        "Age between 18 and 70 years",
        "History of cancer in the past 5 years, except basal cell carcinoma",
        "On a stable dose of mycophenolate mofetil for at least 8 weeks",
        "Prednisone increased from a maintenance dose of 10 mg/day of prednisone or equivalent",
        "Patients positive for HBsAg or HBcAb",
        "Pregnant or breastfeeding",
        "Male or female",
        "SLEDAI-2K score >= 6",
        "Fulfils the 1997 ACR revised criteria for SLE",
    ]
    g = Graph()
    for i, t in enumerate(texts):
        add_constraints(g, URIRef(f"{CRIT}-{i}"), t, "inclusion")
    # rdfs:label (each constraint's sentence) is one of OWL 2's built-in annotation properties
    for p in set(g.predicates()) - {RDF.type, RDFS.label}:
        assert set(onto.objects(p, RDF.type)) & {OWL.ObjectProperty, OWL.DatatypeProperty}, p
