"""A record's conditions and the registry MeSH terms that name them; one condition, one node."""

from __future__ import annotations

import pytest

from kg import vocab as V
from kg.graph.conditions import canonical_conditions, canonical_name
from kg.ingest.ctgov_common import conditions, core_name
from kg.ingest.mesh_match import best_terms
from kg.model import Condition


@pytest.mark.parametrize(("names", "terms", "expected"), [
    # the same name in MeSH word order, plural and spelling
    (["Systemic Sclerodermas"], ["Scleroderma, Systemic"], ["Scleroderma, Systemic"]),
    (["Leukaemia, Myeloid, Acute"], ["Leukemia, Myeloid, Acute", "Leukemia"], ["Leukemia, Myeloid, Acute"]),
    # the most specific term whose words the name holds
    (["Recurrent Mantle Cell Lymphoma"], ["Lymphoma", "Lymphoma, Mantle-Cell"], ["Lymphoma, Mantle-Cell"]),
    # a name broader than every term takes none; nor does an unrelated name
    (["Leukemia", "Depression"], ["Leukemia, T-Cell", "Anxiety Disorders"], [None, None]),
    # catch-alls name only a condition called so
    (["Recurrent Melanoma"], ["Recurrence", "Syndrome"], [None]),
    (["Syndrome"], ["Syndrome"], ["Syndrome"]),
    # one condition and one term: taken when they share a word, never otherwise
    (["Herniated Disc"], ["Intervertebral Disc Displacement"], ["Intervertebral Disc Displacement"]),
    (["NSCLC"], ["Brain Neoplasms"], [None]),
])
def test_best_terms(names, terms, expected) -> None:
    assert best_terms(names, terms) == expected


def test_registry_id_of_the_same_name_wins_and_a_broader_term_fills_in() -> None:
    got = conditions(["Stage IV Prostate Cancer", "Hot Flashes"],
                     [("D000011471", "Prostatic Neoplasms"), ("D000019584", "Hot Flashes")])
    assert got == [Condition("Stage IV Prostate Cancer", "D000011471"), Condition("Hot Flashes", "D000019584")]


def test_legacy_terms_without_ids_take_the_hierarchy_id() -> None:
    # "Lupus Erythematosus, Systemic" has no id in a legacy record; kg's hierarchy checked D008180.
    assert conditions(["Systemic lupus erythematosus (SLE)"], [(None, "Lupus Erythematosus, Systemic")]) == [
        Condition("Systemic lupus erythematosus (SLE)", "D008180")]


def test_core_name_drops_stage_course_and_age_group() -> None:
    assert core_name("Recurrent Adult Hodgkin Lymphoma") == "Hodgkin Lymphoma"
    assert core_name("Stage IIIB Breast Cancer (HER2+)") == "Breast Cancer"
    assert core_name("Recurrent") == "Recurrent"  # nothing left: the name stays


@pytest.mark.parametrize("spelling", ["IgG4-RD", "IgG4 related disease", "Immunoglobulin G4-related disease",
                                      "IGG4-RELATED DISEASE", "IgG4-related diseases", "IgG4-related systemic disease"])
def test_every_spelling_of_igg4_related_disease_is_one_node(spelling) -> None:
    assert V.condition_iri(canonical_name(spelling)) == V.condition_iri("IgG4-related disease")


def test_canonical_conditions_merge_spellings_of_one_record() -> None:
    got = canonical_conditions([Condition("IgG4-RD"), Condition("IgG4-related disease", "D000000001"),
                                Condition("Lupus Erythematosus, Systemic", None), Condition("Hay fever")])
    assert got == [Condition("IgG4-related disease", "D000000001"), Condition("Systemic lupus erythematosus"),
                   Condition("Hay fever")]
