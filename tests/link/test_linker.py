"""The automatic linker: behaviour on hand-made terms, and precision on the source trials."""

from __future__ import annotations

import pytest

from kg.link.linker import Entity, TermIndex, link_entities, norm
from kg.link.terms import Term


def index(*terms: Term) -> TermIndex:
    ts = {t.curie: t for t in terms}
    for t in list(ts.values()):
        for x in t.xrefs:
            if x in ts:
                ts[x].xrefs.add(t.curie)
    return TermIndex(ts)


def links(entity: Entity, idx: TermIndex) -> set[tuple[str, str]]:
    return {(m.predicate_id, m.object_id) for m in link_entities([entity], idx).mappings}


COND = Entity("https://w3id.org/kg/id/condition/x", "condition", "Lupus Erythematosus, Systemic")


def test_norm() -> None:
    assert norm("Sjögren's syndrome") == norm("Sjogren syndrome")
    assert norm("IgG4-Related Disease") == "igg4 related disease"
    assert norm("Autoimmune Diseases") == norm("autoimmune disease")


def test_label_and_exact_synonym_match() -> None:
    idx = index(Term("DOID:9074", "systemic lupus erythematosus"), Term("MONDO:1", "SLE", {("systemic lupus erythematosus", "EXACT")}))
    assert links(COND, idx) == {("skos:exactMatch", "DOID:9074"), ("skos:exactMatch", "MONDO:1")}


def test_renamed_term_still_matches_through_its_synonym() -> None:
    idx = index(Term("DOID:1", "lupus, systemic type", {("systemic lupus erythematosus", "EXACT")}))
    (m,) = link_entities([COND], idx).mappings
    assert (m.object_id, m.predicate_id, m.mapping_justification) == ("DOID:1", "skos:exactMatch", "semapv:LexicalMatching")
    assert m.confidence is not None and m.confidence < 0.95  # a synonym is weaker than the label


def test_obsolete_never_linked_but_replacement_is() -> None:
    dead = Term("DOID:2", "systemic lupus erythematosus", obsolete=True)
    assert links(COND, index(dead)) == set()
    moved = Term("DOID:3", "systemic lupus erythematosus", obsolete=True, replaced_by={"DOID:4"})
    assert links(COND, index(moved, Term("DOID:4", "lupus (systemic)"))) == {("skos:exactMatch", "DOID:4")}
    # obsolete replacement: a dead end
    assert links(COND, index(Term("DOID:5", "systemic lupus erythematosus", obsolete=True, replaced_by={"DOID:6"}),
                             Term("DOID:6", "x", obsolete=True))) == set()


def test_shared_xref_settled_by_the_one_term_whose_name_agrees() -> None:
    """Two EFO terms cross-reference the entity's MeSH id; only one also has its name: that one
    is linked. When the name settles nothing (no term or both have it), the pair goes to review."""
    ent = Entity("https://w3id.org/kg/id/condition/ad", "condition", "Autoimmune Diseases", (), frozenset({"MESH:D001327"}))
    both = (Term("MESH:D001327", "Autoimmune Diseases"), Term("EFO:0005140", "autoimmune disease", xrefs={"MESH:D001327"}))
    res = link_entities([ent], index(*both, Term("EFO:0005809", "immune system disorder", xrefs={"MESH:D001327"})))
    efo = [m for m in res.mappings if m.object_id.startswith("EFO:")]
    assert [(m.object_id, m.predicate_id) for m in efo] == [("EFO:0005140", "skos:exactMatch")]
    assert "whose name is the entity's" in efo[0].comment and not res.ambiguous
    mesh = both[0]
    for a, b in (("autoimmune disease", "autoimmune disease"), ("autoimmunity", "immune disorder")):
        res = link_entities([ent], index(mesh, Term("EFO:0005140", a, xrefs={"MESH:D001327"}),
                                         Term("EFO:0005809", b, xrefs={"MESH:D001327"})))
        assert not [m for m in res.mappings if m.object_id.startswith("EFO:")]
        assert [a.prefix for a in res.ambiguous] == ["EFO"]
    # and the entity's name alone never beats identifier evidence it does not share
    rival = link_entities([ent], index(*both[:1], Term("EFO:1", "autoimmune disease"), Term("EFO:2", "x", xrefs={"MESH:D001327"})))
    assert {m.object_id for m in rival.mappings if m.object_id.startswith("EFO:")} == {"EFO:2"}


def test_british_spelling_and_initials_acronym() -> None:
    idx = index(Term("DOID:1040", "chronic lymphocytic leukemia"), Term("DOID:1", "lung cancer"))
    cll = Entity("https://w3id.org/kg/id/condition/cll", "condition", "Chronic Lymphocytic Leukaemia (CLL)")
    assert links(cll, idx) == {("skos:exactMatch", "DOID:1040")}
    # an acronym that is not the name's initials is a different, narrower thing: no link
    nsclc = Entity("https://w3id.org/kg/id/condition/lc", "condition", "Lung Cancer (NSCLC)")
    assert links(nsclc, idx) == set()


def test_ambiguous_goes_to_review() -> None:
    idx = index(Term("MESH:D1", "fludarabine"), Term("MESH:D2", "Fludarabine"), Term("CHEBI:1", "fludarabine"))
    res = link_entities([Entity("https://w3id.org/kg/id/drug/fludarabine", "drug", "fludarabine")], idx)
    assert {m.object_id for m in res.mappings} == {"CHEBI:1"}
    (amb,) = res.ambiguous
    assert amb.prefix == "MESH" and {c.term for c in amb.candidates} == {"MESH:D1", "MESH:D2"}


def test_stronger_evidence_wins_over_ambiguous_names() -> None:
    idx = index(Term("DOID:1", "lupus", xrefs={"MESH:D008180"}), Term("DOID:2", "systemic lupus erythematosus"),
                Term("DOID:3", "systemic lupus erythematosus"))
    e = Entity(COND.iri, "condition", COND.label, xrefs=frozenset({"MESH:D000008180"}))  # registry-padded MeSH id
    res = link_entities([e], idx)
    assert {m.object_id for m in res.mappings} == {"DOID:1"} and not res.ambiguous


@pytest.mark.parametrize(
    "scope, predicate",
    [("RELATED", "skos:closeMatch"), ("BROAD", "skos:narrowMatch"), ("NARROW", "skos:broadMatch")],
)
def test_synonym_scope_sets_the_predicate(scope: str, predicate: str) -> None:
    # a BROAD synonym is broader than its term: the entity named so is broader, the term narrower
    idx = index(Term("DOID:1", "lupus nephritis class IV", {("lupus", scope)}))
    assert links(Entity("https://w3id.org/kg/id/condition/lupus", "condition", "Lupus"), idx) == {(predicate, "DOID:1")}


def test_ties_at_the_same_level_are_not_chosen() -> None:
    idx = index(Term("DOID:1", "a", {("lupus", "BROAD")}), Term("DOID:2", "b", {("lupus", "RELATED")}))
    res = link_entities([Entity("https://w3id.org/kg/id/condition/lupus", "condition", "Lupus")], idx)
    assert not res.mappings and [a.prefix for a in res.ambiguous] == ["DOID"]


def test_chained_links_and_kind_restrictions() -> None:
    idx = index(
        Term("DOID:0080356", "IgG4-related disease"),
        Term("MONDO:0017287", "immunoglobulin G4-related sclerosing disease", xrefs={"DOID:0080356"}),
        Term("ATC:L04AG04", "IgG4-related disease"),  # a drug code never links to a condition
        Term("HGNC:1", "MS4A1"),
    )
    e = Entity("https://w3id.org/kg/id/condition/igg4-related-disease", "condition", "IgG4-related disease")
    res = link_entities([e], idx)
    assert {m.object_id: m.mapping_justification for m in res.mappings} == {
        "DOID:0080356": "semapv:LexicalMatching", "MONDO:0017287": "semapv:MappingChaining"}
    # targets are matched by identifier only (gene symbols are not unique across species)
    assert links(Entity("https://w3id.org/kg/id/target/ms4a1", "target", "MS4A1"), idx) == set()
    assert links(Entity("https://w3id.org/kg/id/target/ms4a1", "target", "MS4A1", xrefs=frozenset({"HGNC:1"})), idx) == {
        ("skos:exactMatch", "HGNC:1")}


# --- precision on the source trials' entities, against the shared ontology slices -------------
C = "https://w3id.org/kg/id/condition/"
A = "https://w3id.org/kg/id/analyte/"
D = "https://w3id.org/kg/id/drug/"
K = "https://w3id.org/kg/ontology#"
#: entity -> every (predicate, term) the linker must produce, nothing more. Each pair was
#: checked by hand in ../shared/data/ontologies (file named in the comment).
VERIFIED: dict[str, set[tuple[str, str]]] = {
    C + "igg4-related-disease": {
        ("skos:exactMatch", "DOID:0080356"),  # DO_rare_slim.obo name 'IgG4-related disease'
        ("skos:exactMatch", "NCIT:C95992"),  # mondo_exactmatch_ncit: 'IgG4-Related Disease'
        ("skos:exactMatch", "MONDO:0017287"),  # mondo_exactmatch_doid: MONDO:0017287 = DOID:0080356
        ("skos:exactMatch", "MESH:D000077733"),  # biomappings: mesh:D000077733 = doid:0080356
    },
    C + "systemic-lupus-erythematosus": {
        ("skos:exactMatch", "DOID:9074"),  # DO_rare_slim.obo name
        ("skos:exactMatch", "MONDO:0007915"),  # mondo_exactmatch_doid label
        ("skos:exactMatch", "NCIT:C3201"),  # mondo_exactmatch_ncit label
        ("skos:exactMatch", "MESH:D008180"),  # MESHinDO.tsv for DOID:9074
        ("skos:exactMatch", "ICD10CM:M32"),  # mondo_exactmatch_icd10cm for MONDO:0007915
    },
    C + "systemic-sclerosis": {
        ("skos:exactMatch", "MONDO:0005100"),  # mondo_exactmatch_doid label 'systemic sclerosis'
        ("skos:exactMatch", "DOID:418"),  # 'systemic scleroderma', exact synonym 'systemic sclerosis'
        ("skos:exactMatch", "MESH:D012595"),  # MESHinDO.tsv for DOID:418
        ("skos:exactMatch", "NCIT:C72070"),  # NCIinDO.tsv for DOID:418
        ("skos:exactMatch", "ICD10CM:M34"),  # mondo_exactmatch_icd10cm for MONDO:0005100
        ("skos:exactMatch", "EFO:0000717"),  # mondo_exactmatch_efo for MONDO:0005100
    },
    C + "diffuse-cutaneous-systemic-sclerosis": {
        ("skos:exactMatch", "MONDO:0016356"),  # mondo_exactmatch_ncit label
        ("skos:exactMatch", "NCIT:C116791"),  # mondo_exactmatch_ncit: 'Diffuse Cutaneous Systemic Sclerosis'
        ("skos:exactMatch", "DOID:1580"),  # NCIinDO.tsv: DOID:1580 -> NCI:C116791
        ("skos:exactMatch", "MESH:D045743"),  # MESHinDO.tsv for DOID:1580
    },
    C + "autoimmune-diseases": {
        ("skos:exactMatch", "MONDO:0007179"),  # mondo_exactmatch_doid label 'autoimmune disease'
        ("skos:exactMatch", "DOID:417"),  # HumanDO.tsv label
        ("skos:exactMatch", "NCIT:C2889"),  # mondo_exactmatch_ncit 'Autoimmune Disease'
        ("skos:exactMatch", "MESH:D001327"),  # biomappings 'Autoimmune Diseases'
        ("skos:exactMatch", "EFO:0005140"),  # mondo_exactmatch_efo label 'autoimmune disease'
    },
    D + "belimumab": {("skos:exactMatch", "ATC:L04AG04")},  # WHO ATC csv 'belimumab'
    D + "rituximab": {("skos:exactMatch", "ATC:L01FA01"), ("skos:exactMatch", "CHEBI:64357"), ("skos:exactMatch", "MESH:D000069283")},
    D + "prednisone": {("skos:exactMatch", "ATC:H02AB07"), ("skos:exactMatch", "ATC:A07EA03"),
                       ("skos:exactMatch", "CHEBI:8382"), ("skos:exactMatch", "MESH:D011241")},
    A + "igg4": {("skos:exactMatch", "LOINC:2469-5")},  # LOINC table: COMPONENT 'IgG subclass 4'
    A + "hemoglobin": {("skos:exactMatch", "LOINC:718-7")},
    A + "neutrophils": {("skos:exactMatch", "LOINC:751-8")},
    A + "platelets": {("skos:exactMatch", "LOINC:777-3")},
    A + "alt": {("skos:exactMatch", "LOINC:1742-6")},
    A + "ast": {("skos:exactMatch", "LOINC:1920-8")},
    A + "bilirubin": {("skos:exactMatch", "LOINC:1975-2")},
    A + "egfr": {("skos:exactMatch", "LOINC:33914-3")},
    A + "igg": {("skos:exactMatch", "LOINC:2465-3")},
    A + "iga": {("skos:exactMatch", "LOINC:2458-8")},
    A + "proteinuria": {("skos:exactMatch", "LOINC:2889-4")},
    K + "Glucocorticoid": {("skos:exactMatch", "CHEBI:24261")},  # mondo_chebi_import.obo name
    K + "Antimalarial": {("skos:exactMatch", "CHEBI:38068"), ("skos:exactMatch", "MESH:D000962"), ("skos:exactMatch", "ATC:P01B")},
    K + "AntibacterialAgent": {("skos:exactMatch", "CHEBI:33282"), ("skos:exactMatch", "MESH:D000900")},
    K + "Immunosuppressant": {("skos:closeMatch", "CHEBI:35705")},  # RELATED synonym 'immunosuppressant'
}


def test_verified_table_is_large_enough() -> None:
    assert sum(len(v) for v in VERIFIED.values()) >= 25


def test_precision_on_source_trial_entities(demo_link_result) -> None:  # type: ignore[no-untyped-def]
    from kg.link import prefixes

    got: dict[str, set[tuple[str, str]]] = {}
    for m in demo_link_result.mappings:
        got.setdefault(prefixes.expand(m.subject_id), set()).add((m.predicate_id, m.object_id))
    wrong = {e: got.get(e, set()) ^ want for e, want in VERIFIED.items() if got.get(e, set()) != want}
    assert not wrong, wrong


def test_ambiguous_atc_groups_are_reported_not_chosen(demo_link_result) -> None:  # type: ignore[no-untyped-def]
    amb = {(a.entity.iri, a.prefix): {c.term for c in a.candidates} for a in demo_link_result.ambiguous}
    # 'Glucocorticoids' names both the systemic (H02AB) and the inhaled (R03BA) ATC group
    assert amb[(K + "Glucocorticoid", "ATC")] == {"ATC:H02AB", "ATC:R03BA"}
    assert not any(m.object_id.startswith("ATC:") and m.subject_id == "kg:Glucocorticoid" for m in demo_link_result.mappings)
