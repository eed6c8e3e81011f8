"""Tests of kg.criteria.split: polarity, order, nesting, verbatim text and spans of criteria."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.criteria.split import split_criteria
from kg.model import Criterion

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEEDS = SHARED / "seeds"


def _check_invariants(text: str, crits: list[Criterion], field: str = "f") -> None:
    counters = {"inclusion": 0, "exclusion": 0}
    for i, c in enumerate(crits):
        assert c.span is not None and c.span.field == field
        assert c.span.start is not None and c.span.end is not None
        assert 0 <= c.span.start < c.span.end <= len(text)
        counters[c.polarity] += 1
        assert c.order == counters[c.polarity]
        assert c.parent is None or 0 <= c.parent < i
        if c.parent is not None:
            assert crits[c.parent].polarity == c.polarity
        raw = text[c.span.start : c.span.end]
        assert c.text == c.text.strip() and c.text
        assert "\n" not in c.text
        # the text is the raw span with only line breaks (and their indentation) collapsed
        assert c.text.split() == raw.split()
        assert raw == raw.strip()


def _rows(crits: list[Criterion]) -> list[tuple[str, int, str, int | None]]:
    return [(c.polarity, c.order, c.text, c.parent) for c in crits]


# -- styles -------------------------------------------------------------------------------


def test_api_v2_bullets_nested_by_indentation() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* Adults aged 18 to 75 years\n"
        "* Adequate organ function:\n"
        "  * Platelets at least 100,000/uL\n"
        "  * Creatinine below 1.5 mg/dL\n"
        "* Signed consent\n\n"
        "Exclusion Criteria:\n\n"
        "* Pregnancy\n"
    )
    crits = split_criteria(text, "eligibility")
    _check_invariants(text, crits, "eligibility")
    assert _rows(crits) == [
        ("inclusion", 1, "Adults aged 18 to 75 years", None),
        ("inclusion", 2, "Adequate organ function:", None),
        ("inclusion", 3, "Platelets at least 100,000/uL", 1),
        ("inclusion", 4, "Creatinine below 1.5 mg/dL", 1),
        ("inclusion", 5, "Signed consent", None),
        ("exclusion", 1, "Pregnancy", None),
    ]
    assert text[crits[5].span.start : crits[5].span.end] == "Pregnancy"


def test_numbered_items_and_letter_sub_items() -> None:
    text = (
        "Inclusion Criteria:\n\n1. Confirmed diagnosis\n2. One of the following:\n"
        "a. prior biopsy\nb. imaging finding\n3. Able to attend visits\n"
    )
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [(c.text, c.parent) for c in crits] == [
        ("Confirmed diagnosis", None),
        ("One of the following:", None),
        ("prior biopsy", 1),
        ("imaging finding", 1),
        ("Able to attend visits", None),
    ]


def test_legacy_hard_wrapped_dash_bullets_are_joined() -> None:
    text = (
        "\n        Inclusion Criteria:\r\n\r\n"
        "          -  Stable dose of an oral anticoagulant for at least twelve weeks before the\r\n"
        "             first screening visit of this study\r\n\r\n"
        "          -  Body mass index between 18 and 32 kilograms per square metre inclusive at the\r\n"
        "             time of screening\r\n\r\n"
        "        Exclusion Criteria:\r\n\r\n"
        "          -  Known bleeding disorder\r\n      "
    )
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [c.text for c in crits] == [
        "Stable dose of an oral anticoagulant for at least twelve weeks before the first screening visit of this study",
        "Body mass index between 18 and 32 kilograms per square metre inclusive at the time of screening",
        "Known bleeding disorder",
    ]
    assert [c.polarity for c in crits] == ["inclusion", "inclusion", "exclusion"]
    # the span still covers the raw, wrapped text
    raw = text[crits[0].span.start : crits[0].span.end]
    assert "\r\n" in raw and raw.endswith("of this study")


def test_group_headers_parent_the_items_under_them() -> None:
    text = (
        "        DISEASE CHARACTERISTICS:\n\n"
        "        Measurable tumour in at least one site.\n\n"
        "        PATIENT CHARACTERISTICS:\n\n"
        "        Age: 18 and over.\n\n"
        "        Renal:\n\n"
        "        Creatinine no greater than 2 mg/dL.\n\n"
        "        Hepatic:\n\n"
        "        Bilirubin normal.\n"
    )
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [(c.text, c.parent) for c in crits] == [
        ("DISEASE CHARACTERISTICS:", None),
        ("Measurable tumour in at least one site.", 0),
        ("PATIENT CHARACTERISTICS:", None),
        ("Age: 18 and over.", 2),
        ("Renal:", 2),
        ("Creatinine no greater than 2 mg/dL.", 4),
        ("Hepatic:", 2),
        ("Bilirubin normal.", 6),
    ]
    assert {c.polarity for c in crits} == {"inclusion"}


def test_bare_lines_one_criterion_per_line() -> None:
    text = (
        "Inclusion Criteria\n\nAdults of any sex aged 21 or older\nAble to give written consent\n"
        "Diagnosis confirmed by a specialist within the previous two years, with at least one "
        "affected organ among kidney, lung, skin or joints, and no alternative explanation found\n"
        "Willing to attend monthly visits\n\nExclusion Criteria\n\nActive cancer\nKnown allergy to the study drug\n"
    )
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [c.polarity for c in crits].count("inclusion") == 4
    assert [c.polarity for c in crits].count("exclusion") == 2
    assert all(c.parent is None for c in crits)


def test_inline_numbering_restarts_per_polarity_with_nested_except_and_lab_lists() -> None:
    text = (
        "Inclusion Criteria: 1. Diagnosis made by the 2019 rules. 2. Age from 20 to 60 years. "
        "3. Raised marker level (>200mg/L). Exclusion Criteria: 1. Active infection, e.g. hepatitis B. "
        "2. Cancer within 3 years, except: Treated skin cancer of the basal cell type. Cervical lesions "
        "removed more than 1 year ago 3. Any of the following values at screening: Haemoglobin < 8.5g/dL. "
        "platelet count < 1.0×10^9/L. Creatinine clearance < 30ml/min."
    )
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert _rows(crits) == [
        ("inclusion", 1, "Diagnosis made by the 2019 rules.", None),
        ("inclusion", 2, "Age from 20 to 60 years.", None),
        ("inclusion", 3, "Raised marker level (>200mg/L).", None),
        ("exclusion", 1, "Active infection, e.g. hepatitis B.", None),
        ("exclusion", 2, "Cancer within 3 years, except:", None),
        ("exclusion", 3, "Treated skin cancer of the basal cell type.", 4),
        ("exclusion", 4, "Cervical lesions removed more than 1 year ago", 4),
        ("exclusion", 5, "Any of the following values at screening:", None),
        ("exclusion", 6, "Haemoglobin < 8.5g/dL.", 7),
        ("exclusion", 7, "platelet count < 1.0×10^9/L.", 7),
        ("exclusion", 8, "Creatinine clearance < 30ml/min.", 7),
    ]


def test_abbreviations_and_decimals_do_not_split_sentences() -> None:
    text = "Any of the following at screening: Steroids, eg. prednisone 7.5 mg. Platelets < 1.0x10^9/L. Score >= 30%."
    crits = split_criteria(text, "f")
    assert [(c.text, c.parent) for c in crits] == [
        ("Any of the following at screening:", None),
        ("Steroids, eg. prednisone 7.5 mg.", 0),
        ("Platelets < 1.0x10^9/L.", 0),
        ("Score >= 30%.", 0),
    ]


def test_dash_bullet_ending_with_colon_takes_unbulleted_lines_as_children() -> None:
    text = (
        "Inclusion Criteria:\n- Adults;\nExclusion Criteria:\n- Prior transplant;\n- Viral status:\n"
        "Evidence of current hepatitis B infection\nPositive hepatitis C antibody test\n"
        "- Unable to comply with visits.\n"
    )
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert _rows(crits) == [
        ("inclusion", 1, "Adults;", None),
        ("exclusion", 1, "Prior transplant;", None),
        ("exclusion", 2, "Viral status:", None),
        ("exclusion", 3, "Evidence of current hepatitis B infection", 2),
        ("exclusion", 4, "Positive hepatitis C antibody test", 2),
        ("exclusion", 5, "Unable to comply with visits.", None),
    ]


@pytest.mark.parametrize(
    ("heading", "polarity"),
    [
        ("INCLUSION CRITERIA", "inclusion"),
        ("EXCLUSION CRITERIA:", "exclusion"),
        ("Key exclusion criteria", "exclusion"),
        ("Key Inclusion Criteria:", "inclusion"),
        ("-  Exclusion criteria:", "exclusion"),
        ("Patients with the following are excluded:", "exclusion"),
        ("Patients must have:", "inclusion"),
        ("You will not be eligible for this study if you:", "exclusion"),
        ("Excluded:", "exclusion"),
    ],
)
def test_heading_forms_set_polarity_and_are_not_criteria(heading: str, polarity: str) -> None:
    text = f"Inclusion criteria:\n* First item\n\n{heading}\n\n* Second item\n"
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [(c.polarity, c.text) for c in crits] == [("inclusion", "First item"), (polarity, "Second item")]


def test_inline_heading_with_content_and_eligibility_prefix() -> None:
    crits = split_criteria("Eligibility: adults with asthma", "f")
    assert _rows(crits) == [("inclusion", 1, "adults with asthma", None)]
    crits = split_criteria("Exclusion Criteria:Smokers", "f")
    assert _rows(crits) == [("exclusion", 1, "Smokers", None)]


def test_no_heading_means_inclusion_and_prose_mentions_are_not_headings() -> None:
    text = "Meets the inclusion criteria of the parent study\nNo exclusion criteria of that study apply"
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [(c.polarity, c.text) for c in crits] == [
        ("inclusion", "Meets the inclusion criteria of the parent study"),
        ("inclusion", "No exclusion criteria of that study apply"),
    ]


def test_decimal_at_line_start_is_not_a_marker() -> None:
    text = "* Serum bilirubin no greater than\n  2.0 mg/dL\n"
    (crit,) = split_criteria(text, "f")
    assert crit.text == "Serum bilirubin no greater than 2.0 mg/dL"


def test_lone_marker_takes_the_next_line() -> None:
    text = "Exclusion Criteria:\n-\n  Prior surgery on the knee\n-\n"
    (crit,) = split_criteria(text, "f")
    assert (crit.polarity, crit.text) == ("exclusion", "Prior surgery on the knee")
    assert text[crit.span.start : crit.span.end] == "Prior surgery on the knee"


def test_inline_parenthesised_numbers_become_children() -> None:
    text = "* Organ function meets the following: (1) ANC >= 1.5; (2) platelets >= 100; (3) bilirubin normal.\n* Next"
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    assert [(c.text, c.parent) for c in crits] == [
        ("Organ function meets the following:", None),
        ("ANC >= 1.5;", 0),
        ("platelets >= 100;", 0),
        ("bilirubin normal.", 0),
        ("Next", None),
    ]


def test_empty_and_blank_text() -> None:
    assert split_criteria("", "f") == []
    assert split_criteria("  \n\n\t", "f") == []
    assert split_criteria("Inclusion Criteria:\n\nExclusion Criteria:\n", "f") == []


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_and_keeps_invariants(text: str) -> None:
    _check_invariants(text, split_criteria(text, "f"))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdeXYZ ,:;\n\t", max_size=300))
def test_never_drops_text(text: str) -> None:
    """Without headings or markers, every non-blank character belongs to a criterion."""
    crits = split_criteria(text, "f")
    covered = set()
    for c in crits:
        covered.update(range(c.span.start, c.span.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


_WORD = st.sampled_from(["dose", "renal", "adult", "stable", "therapy", "42", "mg", "weeks", "prior", "scan"])
_SENTENCE = st.lists(_WORD, min_size=1, max_size=8).map(lambda ws: "Item " + " ".join(ws))
_TREE = st.lists(st.tuples(_SENTENCE, st.lists(_SENTENCE, max_size=3)), min_size=1, max_size=6)


def _render(style: str, inc: list, exc: list) -> str:
    out = []
    for head, items in (("Inclusion Criteria:", inc), ("Exclusion Criteria:", exc)):
        out.append(head + "\n")
        for n, (item, kids) in enumerate(items, 1):
            if style == "v2":
                out.append(f"* {item}\n" + "".join(f"  * {k}\n" for k in kids))
            elif style == "numbered":
                out.append(f"{n}. {item}\n" + "".join(f"   a. {k}\n" for k in kids))
            else:  # legacy
                out.append(f"\n          -  {item}\n" + "".join(f"\n               -  {k}\n" for k in kids))
        out.append("\n")
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["v2", "numbered", "legacy"]), _TREE, _TREE)
def test_rendered_lists_round_trip(style: str, inc: list, exc: list) -> None:
    text = _render(style, inc, exc)
    crits = split_criteria(text, "f")
    _check_invariants(text, crits)
    expected: list[tuple[str, str, bool]] = []
    for pol, items in (("inclusion", inc), ("exclusion", exc)):
        for item, kids in items:
            expected.append((pol, item, False))
            expected.extend((pol, k, True) for k in kids)
    assert [(c.polarity, c.text, c.parent is not None) for c in crits] == expected
    for i, c in enumerate(crits):
        if c.parent is not None:
            assert crits[c.parent].parent is None and c.parent < i


# -- the real seed pages ----------------------------------------------------------------------


def _seed_section(prefix: str, start: str, end: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not available")
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    text = path.read_text("utf-8")
    a = text.index(start)
    return text[a : text.index(end, a)]


def test_seed_001_bare_lines() -> None:
    text = _seed_section("001", "Inclusion Criteria", "Clear my responses")
    crits = split_criteria(text, "eligibility")
    _check_invariants(text, crits, "eligibility")
    assert [c.polarity for c in crits].count("inclusion") == 4
    assert [c.polarity for c in crits].count("exclusion") == 9
    assert all(c.parent is None for c in crits)
    assert crits[0].text == "Male or female adults, 18 years of age at time of informed consent"
    assert crits[-1].text == "Chest image ,PPD or TB-ELISPOT results show active tuberculosis"


def test_seed_002_inline_numbering() -> None:
    text = _seed_section("002", "Eligibility Criteria", "Sites / Locations")
    crits = split_criteria(text, "eligibility")
    _check_invariants(text, crits, "eligibility")
    inc = [c for c in crits if c.polarity == "inclusion"]
    exc = [c for c in crits if c.polarity == "exclusion"]
    assert len(inc) == 7 and all(c.parent is None for c in inc)
    top = [c for c in exc if c.parent is None]
    assert len(top) == 11
    assert top[3].text.endswith("within 5 years, except:")
    four = crits.index(top[3])
    assert len([c for c in crits if c.parent == four]) == 3
    eleven = crits.index(top[10])
    labs = [c.text for c in crits if c.parent == eleven]
    assert len(labs) == 7
    assert labs[0] == "Hemoglobin level < 7.5g/dL."
    assert labs[1] == "neutrophil count < 1.0×10^9/L."
    assert top[4].text == "Patients with immunodeficiency diseases."
    assert any("≥30%" in c.text for c in inc)


def test_seed_004_dash_bullets_with_colon_groups() -> None:
    text = _seed_section("004", "Eligibility Criteria", "Sites / Locations")
    crits = split_criteria(text, "eligibility")
    _check_invariants(text, crits, "eligibility")
    inc = [c for c in crits if c.polarity == "inclusion"]
    top_exc = [c for c in crits if c.polarity == "exclusion" and c.parent is None]
    assert len(inc) == 3
    assert len(top_exc) == 13
    infection = next(i for i, c in enumerate(crits) if c.text == "Infection history:")
    hepatitis = next(i for i, c in enumerate(crits) if c.text == "Hepatitis status:")
    assert len([c for c in crits if c.parent == infection]) == 1
    kids = [c.text for c in crits if c.parent == hepatitis]
    assert len(kids) == 2 and kids[1].startswith("Patients positive for HBsAg")


# -- real registry data: robustness and speed --------------------------------------------------


@pytest.mark.slow
def test_all_shared_criteria_fast_and_consistent() -> None:
    studies = SHARED / "data" / "ctgov"
    if not studies.is_dir():
        pytest.skip("../shared/data/ctgov is not available")
    texts = []
    for path in sorted((studies / "api_v2" / "studies").glob("*.json")):
        module = json.loads(path.read_text("utf-8"))["protocolSection"].get("eligibilityModule", {})
        texts.append(module.get("eligibilityCriteria") or "")
    for path in sorted((studies / "legacy_xml" / "studies").glob("*.xml")):
        node = ET.parse(path).getroot().find("eligibility/criteria/textblock")
        texts.append(node.text or "" if node is not None else "")
    assert len(texts) > 1000
    start = time.process_time()  # CPU time: other test runs on the machine do not count
    results = [split_criteria(t, "eligibility") for t in texts]
    elapsed = time.process_time() - start
    assert elapsed < 5.0, f"{len(texts)} records took {elapsed:.2f} s"
    headings = re.compile(
        r"(?i)inclu|exclu|criteri|eligib|must\b|following|\bif (?:they|you|he)"
        r"|^\d+(?:\.\d+)+\.?$|^[-*•·▪o+]$|^\(?\w{1,4}[.)]\.?$"
    )
    for text, crits in zip(texts, results, strict=True):
        assert crits or not text.strip()
        for i, c in enumerate(crits):
            assert 0 <= c.span.start < c.span.end <= len(text)
            assert c.parent is None or c.parent < i
        # whatever is left uncovered is a heading or a list marker
        covered = bytearray(len(text))
        for c in crits:
            covered[c.span.start : c.span.end] = b"\x01" * (c.span.end - c.span.start)
        for line in "".join("\n" if covered[i] else ch for i, ch in enumerate(text)).splitlines():
            assert not line.strip() or headings.search(line.strip()), line
