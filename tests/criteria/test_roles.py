"""Therapy roles (kg.criteria.parse._therapy_role) and legacy sub-heading scope (heading_scope)."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from kg import vocab as V
from kg.criteria.parse import heading_scope, parse_criterion, scope_of_heading
from kg.criteria.rdf import add_constraints
from kg.criteria.split import split_criteria


def therapies(text: str, polarity: str = "exclusion", scope: str | None = None) -> list[tuple[str, str | None, str]]:
    return [(c.name, c.role, c.effective_polarity) for c in parse_criterion(text, polarity, scope)
            if c.kind in ("therapy", "background_therapy")]


@pytest.mark.parametrize(("text", "polarity", "expected"), [
    ("History of anaphylaxis to monoclonal antibodies", "exclusion", ("monoclonal antibody", "allergy", "exclusion")),
    ("Known hypersensitivity to rituximab", "exclusion", ("rituximab", "allergy", "exclusion")),
    ("Contraindication to methotrexate", "exclusion", ("methotrexate", "allergy", "exclusion")),
    ("No concurrent cyclophosphamide", "inclusion", ("cyclophosphamide", "current", "exclusion")),
    ("Currently receiving methotrexate", "exclusion", ("methotrexate", "current", "exclusion")),
    ("Methotrexate at the time of entry", "exclusion", ("methotrexate", "current", "exclusion")),
    ("Prior rituximab", "exclusion", ("rituximab", "prior-ever", "exclusion")),
    ("Rituximab within 6 months before screening", "exclusion", ("rituximab", "prior-within-window", "exclusion")),
    ("At least 4 weeks since prior chemotherapy", "inclusion", ("chemotherapy", "prior-within-window", "exclusion")),
    ("Hydroxychloroquine is allowed", "inclusion", ("hydroxychloroquine", "allowed", "inclusion")),
    ("Stable dose of prednisone for at least 4 weeks", "inclusion", ("prednisone", "stable-dose", "inclusion")),
])
def test_role_read_from_the_criterion(text: str, polarity: str, expected: tuple[str, str, str]) -> None:
    assert expected in therapies(text, polarity)


def test_allergy_to_a_drug_is_not_also_a_generic_hypersensitivity() -> None:
    kinds = [(c.kind, getattr(c, "name", "")) for c in parse_criterion("Known allergy to rituximab", "exclusion")]
    assert ("condition", "hypersensitivity") not in kinds


def test_current_use_takes_no_window_from_another_clause() -> None:
    cs = [c for c in parse_criterion("Currently receiving methotrexate; pregnancy test within 14 days", "exclusion")
          if c.kind == "therapy"]
    assert cs and cs[0].role == "current" and cs[0].window is not None and cs[0].window.iso is None


@pytest.mark.parametrize(("head", "scope"), [
    ("Allowed:", "allowed"),
    ("Required:", "required"),
    ("Excluded within 14 days prior to study entry:", "excluded:P14D"),
    ("Excluded for greater than 1 week within the last 3 months:", "excluded:P3M"),
    ("Concurrent Medication:", "current"),
    ("Prior Medication:", "prior"),
    ("Discouraged:", "discouraged"),
    ("At least 3 months since:", "since:P3M"),
    ("Hepatic:", None),
    ("PATIENT CHARACTERISTICS:", None),
])
def test_scope_of_heading(head: str, scope: str | None) -> None:
    assert scope_of_heading(head) == scope


def test_heading_scope_covers_nested_and_flat_items() -> None:
    text = ("Inclusion Criteria:\n\nConcurrent Medication:\n\n  Allowed:\n\n    - Digoxin.\n    - Methadone.\n\n"
            "Exclusion Criteria:\n\nConcurrent Medication:\n\nPhenytoin.\nCarbamazepine.\n\nDiscouraged:\n\nAntacids.\n")
    cs = split_criteria(text, "eligibility")
    scopes = dict(zip((c.text for c in cs), heading_scope(cs), strict=True))
    assert scopes["Digoxin."] == "allowed" and scopes["Methadone."] == "allowed"
    assert scopes["Phenytoin."] == "current" and scopes["Antacids."] == "discouraged"


def test_scope_sets_role_and_polarity() -> None:
    assert therapies("Methadone.", "inclusion", "allowed") == [("methadone", "allowed", "inclusion")]
    assert therapies("Phenytoin.", "exclusion", "current") == [("phenytoin", "current", "exclusion")]
    assert therapies("Fluconazole.", "exclusion", "excluded:P3M") == [("fluconazole", "prior-within-window", "exclusion")]
    assert therapies("Antacids.", "exclusion", "discouraged") == []
    # a bare agent among exclusions, no heading: being on it now (the real-record guide's reading)
    assert therapies("Phenytoin.", "exclusion") == [("phenytoin", "current", "exclusion")]
    assert therapies("Prior phenytoin.", "exclusion") == [("phenytoin", "prior-ever", "exclusion")]


def test_category_label_and_placeholder_under_a_therapy_block_say_nothing() -> None:
    assert parse_criterion("Chemotherapy", "inclusion", "therapy-block") == []
    assert scope_of_heading("PRIOR CONCURRENT THERAPY:") == "therapy-block"
    assert parse_criterion("Radiotherapy: Not specified", "inclusion") == []


def test_role_is_written_to_the_graph() -> None:
    g = Graph()
    crit = URIRef("https://example.org/c1")
    add_constraints(g, crit, "History of anaphylaxis to rituximab", "exclusion")
    assert "allergy" in {str(o) for o in g.objects(None, V.therapyRole)}
    g2 = Graph()
    add_constraints(g2, crit, "Methadone.", "inclusion", "allowed")
    assert {str(o) for o in g2.objects(None, V.therapyRole)} == {"allowed"}


def test_allergy_to_a_substance_outside_the_drug_tables() -> None:
    got = therapies("History of allergy to or intolerance of imidazoles or azoles.")
    assert got == [("imidazoles", "allergy", "exclusion"), ("azoles", "allergy", "exclusion")]
    assert not [c for c in parse_criterion("Known allergy against bovine material", "exclusion") if c.kind == "condition"]


def test_inline_sub_headings_bound_windows_and_name_nothing() -> None:
    text = ("PRIOR CONCURRENT THERAPY: Biologic therapy: Not specified Chemotherapy: Not specified "
            "Other: At least 2 weeks since prior methotrexate")
    got = [(c.name, c.role, c.effective_polarity, c.window.iso if c.window else None)
           for c in parse_criterion(text, "inclusion") if c.kind == "therapy"]
    assert got == [("methotrexate", "prior-within-window", "exclusion", "P14D")]


def test_a_criterion_that_says_it_excludes_is_an_exclusion() -> None:
    cs = parse_criterion("Patients with diabetes mellitus will be excluded.", "inclusion")
    assert [c.effective_polarity for c in cs if c.kind == "condition"] == ["exclusion"]


def test_the_indication_of_a_therapy_is_no_condition() -> None:
    kinds = [c.kind for c in parse_criterion("Vincristine for Kaposi's sarcoma.", "inclusion", "allowed")]
    assert kinds == ["therapy"]


def test_run_on_legacy_items_do_not_share_a_window_or_negation() -> None:
    text = "No myocardial infarction within the past 6 months No prior methotrexate"
    got = [(c.name, c.role, c.window.iso if c.window else None) for c in parse_criterion(text, "inclusion")
           if c.kind == "therapy"]
    assert got == [("methotrexate", "prior-ever", None)]


def test_a_bare_item_under_a_therapy_heading_names_an_agent() -> None:
    assert therapies("Rifamycins.", "exclusion", "current") == [("rifamycins", "current", "exclusion")]
    assert therapies("Rifamycins.", "exclusion") == []  # no heading: an unknown word is no drug
    assert therapies("Patients unable to swallow.", "exclusion", "current") == []
