"""Mappings as RDF and SSSOM: curated files, the mappings graph, export of a built store, CLI."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from kg import vocab as V
from kg.link import graph, prefixes, sssom
from kg.link.linker import norm
from tests.link.test_sssom import sssom_py_errors

#: vocabularies the shared ontology slices cover (other curated objects are checked elsewhere:
#: drug ids by tests/drugs, UCUM codes are the unit literals themselves)
CHECKABLE = {"MONDO", "DOID", "NCIT", "MESH", "ICD10CM", "EFO", "Orphanet", "ATC", "CHEBI", "LOINC"}


def test_curated_rows_exist_in_the_shared_ontologies(shared_terms) -> None:  # type: ignore[no-untyped-def]
    """Every curated id is a live term (or a cross-reference) of the shared files, and the
    label written next to it is that term's label or one of its synonyms."""
    xrefs = {x for t in shared_terms.values() for x in t.xrefs}
    rows = graph.curated_mappings() + graph.lexicon_mappings()
    problems = []
    for m in rows:
        if prefixes.prefix_of(m.object_id) not in CHECKABLE:
            continue
        t = shared_terms.get(m.object_id)
        if t is None:
            if m.object_id not in xrefs:
                problems.append(f"{m.object_id} not found")
            continue
        if t.obsolete:
            problems.append(f"{m.object_id} is obsolete")
        names = {norm(t.label)} | {norm(s) for s, _ in t.synonyms}
        if m.object_label and t.label and norm(m.object_label) not in names:
            problems.append(f"{m.object_id}: {m.object_label!r} vs {t.label!r}")
    assert not problems, problems
    assert len(rows) > 60


def test_every_curated_row_names_its_source() -> None:
    for m in graph.curated_mappings():
        assert m.comment, m.key
        assert m.mapping_justification in sssom.JUSTIFICATIONS and m.confidence is not None


def test_curated_file_headers_match_the_pinned_prefix_map() -> None:
    folder = Path(graph.__file__).resolve().parents[1] / "ontology" / "mappings"
    files = sorted(folder.glob("*.sssom.tsv"))
    assert len(files) >= 3
    for f in files:
        ms = sssom.read(f)
        declared = ms.metadata["curie_map"]
        assert isinstance(declared, dict) and str(ms.metadata["mapping_set_id"]).endswith(f.name)
        assert declared == {p: uri for p, uri in sssom.curie_map(ms.mappings).items()}, f.name


def test_mappings_graph_triples() -> None:
    g = graph.mappings_graph()
    sle = V.condition_iri("Systemic Lupus Erythematosus")
    assert (sle, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/MONDO_0007915")) in g
    assert (V.KG["Glucocorticoid"], SKOS.narrowMatch, URIRef("http://purl.bioontology.org/ontology/ATC/H02AB")) in g
    assert (graph.analyte_iri("igg4"), SKOS.exactMatch, URIRef("https://loinc.org/2469-5")) in g
    assert (graph.unit_iri("mL/min/{1.73_m2}"), SKOS.exactMatch, URIRef(prefixes.expand("UCUM:mL%2Fmin%2F%7B1.73_m2%7D"))) in g
    g.remove((None, None, None))
    assert len(graph.mappings_graph()) > 50  # a fresh copy each call


def test_source_trials_have_their_links(demo_store) -> None:  # type: ignore[no-untyped-def]
    """Every condition, drug, drug class, target, analyte and unit of the four source trials
    is linked, by the curated files or by the drug catalogue."""
    links: dict[str, set[str]] = {}
    for m in graph.curated_mappings() + graph.lexicon_mappings() + graph.catalogue_mappings():
        links.setdefault(prefixes.expand(m.subject_id), set()).add(prefixes.prefix_of(m.object_id))

    def q(text: str) -> set[str]:
        return {str(r[0]) for r in demo_store.query("PREFIX kg: <https://w3id.org/kg/ontology#>\n" + text)}

    conditions = q("SELECT ?c WHERE { ?t kg:studiesCondition ?c }")
    drugs = q("SELECT ?d WHERE { ?i kg:administers ?d }")
    targets = q("SELECT ?t WHERE { ?i kg:administers ?d . ?d kg:hasMechanism/kg:hasTarget ?t }")
    analytes = {str(graph.analyte_iri(a)) for a in q("SELECT ?a WHERE { ?c kg:analyte ?a }")}
    units = {str(graph.unit_iri(u)) for u in q("SELECT ?u WHERE { { ?c kg:ucumUnit ?u } UNION { ?c kg:normalizedUnit ?u } UNION { ?c kg:doseUnit ?u } }")}
    classes = q("SELECT ?k WHERE { ?i kg:administers ?d . ?d a ?k . ?k a kg:DrugClass }")
    assert len(conditions) == 5 and len(drugs) == 3 and len(analytes) == 11
    for c in conditions:
        assert {"MONDO", "DOID", "MESH", "NCIT"} <= links.get(c, set()), c
    for d in drugs:
        assert {"ATC", "DRUGBANK"} <= links.get(d, set()), d
    for t in targets:
        assert links.get(t, set()) & {"HGNC", "UniProtKB"}, t
    for a in analytes:
        assert "LOINC" in links.get(a, set()), a
    for u in units:
        assert "UCUM" in links.get(u, set()), u
    linked_classes = {c for c in classes if c in links}
    assert {V.KG["Glucocorticoid"], V.KG["BiologicDMARD"], V.KG["ConventionalSyntheticDMARD"]} <= {URIRef(c) for c in linked_classes}


def test_export_of_a_built_store(linked_store_dir: Path, tmp_path: Path) -> None:
    """The demo build plus the mappings graph (as the lead's build stores it), exported and
    validated by sssom-py."""
    from kg.store.oxigraph import OxigraphStore

    out = tmp_path / "all.sssom.tsv"
    with OxigraphStore(linked_store_dir, read_only=True) as store:
        n = graph.export_mappings(store, str(out))
    rows = {m.key: m for m in sssom.read(out).mappings}
    assert len(rows) == n
    assert ("kgid:trial/NCT04660565", "skos:exactMatch", "NCT:NCT04660565") in rows
    assert ("kgid:publication/pmid-29073351", "skos:exactMatch", "PMID:29073351") in rows
    rit = rows[("kgid:drug/rituximab", "skos:exactMatch", "DRUGBANK:DB00073")]
    assert rit.mapping_justification == "semapv:ManualMappingCuration" and "drugs.tsv" in rit.comment
    m = rows[("kgid:condition/igg4-related-disease", "skos:exactMatch", "MONDO:0017287")]
    assert m.mapping_justification == "semapv:ManualMappingCuration" and "mondo" in m.comment
    assert ("kgid:analyte/igg4", "skos:exactMatch", "LOINC:2469-5") in rows
    assert sssom_py_errors(out) == []


def test_export_command(linked_store_dir: Path, tmp_path: Path) -> None:
    from kg.link.commands import export_mappings_cmd

    out = tmp_path / "x.sssom.tsv"
    store_dir = str(linked_store_dir)
    res = CliRunner().invoke(export_mappings_cmd, ["--store", store_dir, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "mappings ->" in res.output and out.stat().st_size > 0
    missing = CliRunner().invoke(export_mappings_cmd, ["--store", str(tmp_path / "nope"), "-o", str(out)])
    assert missing.exit_code != 0 and "no store" in str(missing.exception)


def test_instrument_rows_link_lexicon_instruments() -> None:
    """Curated instrument rows have a lexicon instrument as subject (the node the mappings
    graph mints for a kg:instrument key) and a vocabulary a score can be linked to."""
    from kg.criteria.lexicon import INSTRUMENTS

    nodes = {prefixes.compress(str(graph.instrument_iri(i.key))): i.key for i in INSTRUMENTS}
    rows = [m for m in graph.curated_mappings() if m.subject_id.startswith("kgid:instrument/")]
    assert {nodes.get(m.subject_id) for m in rows} >= {"bmi", "ecog"}
    for m in rows:
        assert m.subject_id in nodes, m.subject_id
        assert prefixes.prefix_of(m.object_id) in {"NCIT", "MESH", "EFO", "LOINC"}, m.object_id
        assert m.subject_label == nodes[m.subject_id]
    g = graph.mappings_graph()
    bmi = graph.instrument_iri("bmi")
    assert (bmi, SKOS.exactMatch, URIRef("http://id.nlm.nih.gov/mesh/D015992")) in g
    assert (bmi, RDFS.label, Literal("bmi")) in g
