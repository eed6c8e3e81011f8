"""kg.criteria.label: the sentence of each constraint, its rdfs:label, and `kg query criteria` on the
source trials (issue #13, "Readable output" and the "Done when" examples)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kg import vocab as V
from kg.criteria import units
from kg.criteria.label import label, unit_text
from kg.criteria.parse import parse_criterion
from kg.criteria.rdf import add_constraints
from kg.query.named import run_named
from kg.query.output import rows

CRIT = URIRef("https://w3id.org/kg/id/record/ctgov-json/NCT00000000/criterion/exclusion-1")


def sentences(text: str, polarity: str = "exclusion") -> list[str]:
    """The sentences of the constraints `kg query criteria` shows (a group's members inside it)."""
    cs = parse_criterion(text, polarity)
    inside = {i for c in cs if c.kind == "group" for i in c.members}  # type: ignore[attr-defined]
    return [label(c, cs) for i, c in enumerate(cs) if i not in inside]


# -- sentences from texts written for these tests --------------------------------------------------
@pytest.mark.parametrize("text,polarity,expected", [
    ("ALT above 2 times the upper limit of normal", "exclusion", "no ALT > 2 × ULN"),
    ("Estimated GFR below 30 mL/min/1.73 m2", "exclusion", "no eGFR < 30 mL/min/1.73 m²"),
    ("Patients aged 18 to 65 years", "inclusion", "age 18–65 years"),
    ("Serum IgG4 of more than 1400 mg/L", "inclusion", "IgG4 > 1400 mg/L (140 mg/dL)"),
    ("Platelets under 100 x 10^9/L", "exclusion", "no platelets < 100 × 10⁹/L"),
    ("Prior treatment with rituximab or cyclophosphamide", "exclusion", "no rituximab or cyclophosphamide ever"),
    ("Known allergy to monoclonal antibodies", "exclusion", "no allergy to monoclonal antibodies"),
    ("Concurrent use of cyclophosphamide", "exclusion", "no current cyclophosphamide"),
    ("Any biologic agent within 6 months before screening", "exclusion",
     "no biologic within 6 months before screening"),
    ("Pregnant women", "exclusion", "no pregnancy"),
])
def test_sentence_of_a_parsed_criterion(text: str, polarity: str, expected: str) -> None:
    assert expected in sentences(text, polarity)


def test_inclusion_and_exclusion_read_differently() -> None:
    """The same threshold is required in an inclusion and ruled out in an exclusion."""
    inc, exc = sentences("Hemoglobin at least 9 g/dL", "inclusion"), sentences("Hemoglobin at least 9 g/dL", "exclusion")
    assert inc == ["hemoglobin ≥ 9 g/dL"] and exc == ["no hemoglobin ≥ 9 g/dL"]


def test_a_negated_constraint_in_an_inclusion_reads_as_an_exclusion() -> None:
    assert "no rituximab ever" in sentences("No prior rituximab", "inclusion")


def test_every_ucum_code_kg_writes_prints_without_ucum_syntax() -> None:
    """Brackets, braces, '*' and '.' are UCUM syntax a clinician never writes."""
    for code in units._PINT:
        shown = unit_text(code)
        assert shown and not re.search(r"[\[\]{}*]|\.h\b", shown), (code, shown)


_PIECES = list("abc <>=≥0123456789.,;:()%/x×-") + [
    " ALT ", " ULN ", " mg/dL ", " within ", " months ", " weeks ", " no ", " rituximab ", " or ", " except ",
    " Gilbert's ", " pregnant ", " HIV ", " HBsAg ", " age ", " years ", " eGFR ", " NYHA class "]


@settings(max_examples=150, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
       polarity=st.sampled_from(["inclusion", "exclusion"]))
def test_any_text_gives_sentences_without_the_separator(text: str, polarity: str) -> None:
    """Labelling never fails, and a sentence never holds '; ' (it separates them in the query)."""
    for s in sentences(text, polarity):
        assert s.strip() and ";" not in s


def test_a_semicolon_in_a_phrase_does_not_split_the_sentence() -> None:
    from kg.criteria.constraints import ConditionConstraint, Excerpt

    c = ConditionConstraint(condition="x", name="heart failure; class IV", polarity="exclusion",
                            exceptions=(Excerpt("a; b", "a; b", (0, 4)),), classification="ACR 1997; revised")
    assert ";" not in label(c)


# -- the rdfs:label on each constraint node --------------------------------------------------------
def test_every_constraint_node_has_its_sentence_as_rdfs_label() -> None:
    text = "ALT or AST more than 2 x ULN, or pregnancy"
    g = Graph()
    n = add_constraints(g, CRIT, text, "exclusion")
    cs = parse_criterion(text, "exclusion")
    assert n == len(cs) > 2
    for i, c in enumerate(cs):
        (lit,) = g.objects(V.constraint_iri(CRIT, i), RDFS.label)
        assert lit.language == "en" and str(lit) == label(c, cs)
    assert "no ALT > 2 × ULN or AST > 2 × ULN" in {str(o) for o in g.objects(None, RDFS.label)}


# -- kg query criteria on the source trials ------------------------------------------------------
#: (trial, sentence as a regular expression) from the issue's "Done when".
DONE_WHEN = [
    ("NCT05974683", r"no ALT > 2 × ULN"),
    ("NCT05974683", r"no AST > 2 × ULN"),
    ("NCT05974683", r"no total bilirubin > 2 × ULN"),
    ("NCT05974683", r"no eGFR < 30 mL/min/1\.73 m²( \(MDRD\))?"),
    ("NCT05974683", r"IgG4 > 1400 mg/L( \(140 mg/dL\))?"),
    ("NCT05974683", r"IgG4 ≥ 30% of baseline"),
    ("NCT05974683", r"age 18–70 years"),
    ("NCT04660565", r"no biologic \(incl\. [^)]*rituximab[^)]*\) within 6 months before screening"),
    ("NCT04660565", r"no non-biologic DMARDs? or immunosuppressants? other than glucocorticoids( \(incl\. [^)]*\))? "
                    r"within 12 weeks before screening"),
    ("NCT04893161", r"no IgG < 400 mg/dL"),
    ("NCT04893161", r"no cyclophosphamide or rituximab ever"),
    ("NCT04893161", r"no allergy to monoclonal antibodies"),
]
#: Parser gaps, per store: the sentence is right once the parser reads the text.
GAPS = {
    ("seeds", "NCT05974683", r"no ALT > 2 × ULN"):
        "parser gap: 'upper limit number (ULN)' (the seed's wording) is not read as × ULN",
    ("demo", "NCT04893161", r"no allergy to monoclonal antibodies"):
        "parser gap: 'anaphylaxis after … monoclonal antibodies' is read as a hypersensitivity condition "
        "without its drug class, not as an allergy to monoclonal antibodies",
}


def _cases() -> list:
    out = []
    for store in ("seeds", "demo"):
        for trial, pattern in DONE_WHEN:
            gap = GAPS.get((store, trial, pattern))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            out.append(pytest.param(store, trial, pattern, marks=marks, id=f"{store}-{trial}-{pattern[:28]}"))
    return out


def _sentences_of(store: object, trial: str) -> list[str]:
    answer = rows(run_named(store, "criteria", {"trial": trial}).result)
    return [s for row in answer if row["constraints"] for s in row["constraints"].split("; ")]


@pytest.mark.parametrize("which,trial,pattern", _cases())
def test_criteria_query_reads_the_source_trials_right(request: pytest.FixtureRequest, which: str, trial: str,
                                                     pattern: str) -> None:
    store = request.getfixturevalue(f"{which}_store")
    got = _sentences_of(store, trial)
    assert any(re.fullmatch(pattern, s) for s in got), (pattern, got)


@pytest.mark.parametrize("which", ["seeds", "demo"])
def test_criteria_query_prints_each_criterion_once(request: pytest.FixtureRequest, which: str) -> None:
    """One row per criterion, no sentence twice in it, no group member outside its group."""
    store = request.getfixturevalue(f"{which}_store")
    for trial in ("NCT05974683", "NCT04660565", "NCT04893161", "NCT01670565"):
        answer = rows(run_named(store, "criteria", {"trial": trial}).result)
        keys = [(r["source"], r["polarity"], r["order"]) for r in answer]
        assert answer and len(keys) == len(set(keys)), trial
        for r in answer:
            items = (r["constraints"] or "").split("; ")
            assert len(items) == len(set(items)), r
    # the members of "cyclophosphamide or rituximab" are read inside the group only
    got = _sentences_of(store, "NCT04893161")
    assert "no rituximab ever" not in got and "no cyclophosphamide ever" not in got
