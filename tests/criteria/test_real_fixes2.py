"""Parser fixes of the second pass on the real-record dev half (issue #13); sentences are invented."""

from __future__ import annotations

import pytest

from kg.criteria.constraints import ConditionConstraint, TherapyConstraint
from kg.criteria.parse import parse_criterion


def _therapies(text: str, polarity: str = "exclusion") -> list[TherapyConstraint]:
    return [c for c in parse_criterion(text, polarity) if isinstance(c, TherapyConstraint)]


@pytest.mark.parametrize(("text", "name"), [
    ("No prior tumor necrosis factor inhibitors", "tumor necrosis factor inhibitors"),
    ("Use of proton pump inhibitors", "proton pump inhibitors"),
    ("Taking a phosphodiesterase type 5 (PDE5) inhibitor", "phosphodiesterase type 5 (pde5) inhibitor"),
    ("No prior JAK inhibitors", "jak inhibitor"),  # a catalogue class: its own name
    ("No strong CYP3A4 inducers", "cyp3a4 inducers"),
])
def test_an_action_class_keeps_the_whole_name_of_its_target(text: str, name: str) -> None:
    assert [t.name for t in _therapies(text)] == [name]


def test_an_allergy_list_keeps_the_items_the_drug_tables_lack() -> None:
    names = {t.name for t in _therapies("Allergic to warfarin, frobnicase, or its excipients") if t.role == "allergy"}
    assert names == {"warfarin", "frobnicase"}


def test_an_allergen_loses_its_determiner() -> None:
    (t,) = _therapies("Hypersensitivity to the study medication or any of its components")
    assert t.role == "allergy" and t.name == "study medication"


@pytest.mark.parametrize("text", ["Patients on warfarin", "Outpatients on insulin therapy"])
def test_a_patient_on_a_drug_takes_it_now(text: str) -> None:
    (t,) = _therapies(text, "inclusion")
    assert t.role == "current"


def test_a_patient_on_prior_therapy_is_not_current() -> None:
    (t,) = _therapies("Patients on prior chemotherapy", "inclusion")
    assert t.role == "prior-ever"


def test_an_exempting_sentence_gives_exceptions_and_allowed_drugs() -> None:
    text = ("Active autoimmune disease requiring treatment in the last year. Subjects with vitiligo would be an "
            "exception to this rule. Subjects that require low-dose prednisone would not be excluded.")
    cs = parse_criterion(text, "exclusion")
    conds = [c for c in cs if isinstance(c, ConditionConstraint)]
    assert [c.name for c in conds] == ["active autoimmune disease"]
    assert [x.name for x in conds[0].exceptions] == ["vitiligo"]
    assert [(t.name, t.role, t.negated) for t in cs if isinstance(t, TherapyConstraint)] == [
        ("prednisone", "allowed", False)]


@pytest.mark.parametrize(("text", "name", "role"), [
    ("No concurrent palliative therapy", "palliative therapy", "current"),
    ("Prior gene therapy", "gene therapy", "prior-ever"),
    ("No prior murine antibodies", "murine antibodies", "prior-ever"),
    ("Currently on vitamin C", "vitamin c", "current"),
])
def test_a_treatment_named_by_its_modality_is_a_therapy(text: str, name: str, role: str) -> None:
    assert [(t.name, t.role) for t in _therapies(text)] == [(name, role)]


def test_a_window_in_a_parenthesis_reaches_no_drug_after_it() -> None:
    text = "Prior organ transplant (other than a cornea > 12 weeks before screening) or ever received gene therapy"
    gene = [t for t in _therapies(text) if t.name == "gene therapy"]
    assert len(gene) == 1 and gene[0].role == "prior-ever"
    (rtx,) = _therapies("No rituximab (within 6 months prior to entry)")
    assert rtx.role == "prior-within-window" and rtx.window is not None and rtx.window.iso == "P6M"


def test_a_leading_for_phrase_is_a_scope_not_a_requirement() -> None:
    names = [t.name for t in _therapies("For rituximab-naive patients, inadequate response to oral antibiotics",
                                        "inclusion")]
    assert "rituximab" not in names and names
