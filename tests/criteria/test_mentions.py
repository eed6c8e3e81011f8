"""Entity mentions (kg.criteria.mentions): spans, quantities, and what is not a mention."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.criteria.mentions import _find, find_mentions


def _typed(text: str, etype: str) -> list[str]:
    return [m.text for m in find_mentions(text) if m.etype == etype]


@pytest.mark.parametrize(("text", "span", "comparator", "numbers", "unit", "rel"), [
    ("systolic pressure above 160 mmHg", "above 160 mmHg", ">", (160.0,), "mm[Hg]", None),
    ("platelets ≥ 100 x 10^9/L", "≥ 100 x 10^9/L", ">=", (100.0,), "10*9/L", None),
    ("AST > 2.5 x ULN", "> 2.5 x ULN", ">", (2.5,), None, "ULN"),
    ("aged 40 years or older", "40 years or older", ">=", (40.0,), "years", None),
    ("Grade 3-4 neuropathy", "3-4", "between", (3.0, 4.0), None, None),
    ("Cr less than 1.5 mg/dL", "less than 1.5 mg/dL", "<", (1.5,), "mg/dL", None),
])
def test_value_spans_carry_comparator_number_and_unit(text, span, comparator, numbers, unit, rel) -> None:
    values = [m for m in find_mentions(text) if m.etype == "Value"]
    assert [m.text for m in values] == [span]
    q = values[0].quantity
    assert q is not None and q.comparator == comparator
    assert tuple(x for x in (q.value, q.low, q.high) if x is not None) == numbers
    assert q.unit == unit and q.relative_to == rel


@pytest.mark.parametrize("text", [
    "3. Type 2 diabetes",            # list index and a type number
    "at least 2 prior regimens",     # a count
    "prednisone 10 mg/day",          # a dose
    "enrolled in 2019",              # a year
])
def test_numbers_that_are_not_thresholds_are_not_values(text: str) -> None:
    assert not [m for m in find_mentions(text) if m.etype == "Value" and m.quantity is not None]


def test_window_phrases_are_temporal_and_their_numbers_not_values() -> None:
    text = "Myocardial infarction within 6 months prior to screening"
    assert _typed(text, "Temporal") == ["within 6 months prior to screening"]
    assert _typed(text, "Value") == []


def test_an_age_is_a_value_not_a_window() -> None:
    assert _typed("Age ≥ 18 years", "Temporal") == []
    assert _typed("Age ≥ 18 years", "Value") == ["≥ 18 years"]


def test_drugs_classes_and_measurements_by_name() -> None:
    text = "Allergy to clopidogrel or statins; HbA1c not measured"
    assert _typed(text, "Drug") == ["clopidogrel", "statins"]
    assert "HbA1c" in _typed(text, "Measurement")


def test_procedures_are_not_drugs() -> None:
    assert _typed("prior surgery or radiotherapy", "Drug") == []


def test_qualitative_results_and_roman_classes_are_values() -> None:
    assert _typed("HIV positive", "Value") == ["positive"]
    assert _typed("NYHA class III or IV heart failure", "Value") == ["III or IV"]


def test_mentions_of_one_type_do_not_overlap() -> None:
    for text in ("history of cancer within the past 5 years", "ANC ≥ 1.5 x 10^9/L and Hb ≥ 9 g/dL"):
        ms = find_mentions(text)
        for t in {m.etype for m in ms}:
            spans = [m.span for m in ms if m.etype == t]
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_find_never_raises_and_spans_index_text(text: str) -> None:
    for m in _find(text):  # unguarded: a bug would raise here
        assert 0 <= m.span[0] < m.span[1] <= len(text)
        assert text[m.span[0]:m.span[1]] == m.text
        q = m.quantity
        if q is not None and q.low is not None and q.high is not None:
            assert q.low <= q.high


@pytest.mark.parametrize(("text", "iso", "days", "direction"), [
    ("Stroke within the past 6 to 60 months", "P60M", 1826, "before"),
    ("Surgery (< 3 months)", "P3M", 91, "before"),
    ("Stroke in the past year", "P1Y", 365, "before"),
    ("Vaccination within 2 wks of screening", "P14D", 14, "before"),
    ("Contraception for 120 days after the last dose", "P120D", 120, "after"),
])
def test_a_temporal_window_carries_its_normalised_length(text: str, iso: str, days: int, direction: str) -> None:
    w = [m.window for m in find_mentions(text) if m.etype == "Temporal" and m.window is not None]
    assert [(x.iso, x.days, x.direction) for x in w] == [(iso, days, direction)]


@pytest.mark.parametrize("text", ["History of asthma", "Seizure lasting > 10 minutes", "Current smoker"])
def test_cue_words_and_minutes_carry_no_length(text: str) -> None:
    assert all(m.window is None for m in find_mentions(text))
