"""Property tests (hypothesis) for the constraint parser and unit normalisation."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.criteria import units
from kg.criteria.constraints import AgeConstraint, LabConstraint, ScoreConstraint
from kg.criteria.parse import _parse, parse_criterion

FRAGMENTS = st.sampled_from([
    "age", "aged", "between", "and", "or", "to", "-", "years", "months", "≥", "<=", ">", "<", "not more than",
    "IgG4", "ALT", "eGFR", "neutrophils", "platelets", "hemoglobin", "ULN", "×", "x10^9/L", "mg/L", "mg/dL",
    "g/dL", "/mm3", "%", "of baseline", "SLEDAI-2K", "ECOG", "BMI", "history of", "no", "without", "except",
    "other than", "within", "the last", "before screening", "day 0", "rituximab", "biologic", "(eg,", ")", ",",
    ";", ".", "HBsAg", "HIV", "pregnant", "informed consent", "criteria", "2019", "1.5", "0", "18", "70", "1400",
    "100,000", "twice", "\n", " ",
])
CRITERION_LIKE = st.lists(FRAGMENTS, max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    # _parse is the unguarded parser: a bug here would raise, not hide behind the guard
    for c in _parse(text, "inclusion"):
        assert 0 <= c.span[0] <= c.span[1] <= len(text)


@settings(max_examples=400, deadline=None)
@given(CRITERION_LIKE, st.sampled_from(["inclusion", "exclusion"]))
def test_ranges_keep_low_le_high_and_spans_index_text(text: str, polarity: str) -> None:
    for c in _parse(text, polarity):
        assert c.text == text[c.span[0]:c.span[1]]
        assert 0 < c.confidence <= 1
        if isinstance(c, AgeConstraint) and c.min_years is not None and c.max_years is not None:
            assert c.min_years <= c.max_years
        if isinstance(c, (LabConstraint, ScoreConstraint)) and c.quantity is not None:
            q = c.quantity
            if q.low is not None and q.high is not None:
                assert q.low <= q.high
            if q.norm_low is not None and q.norm_high is not None:
                assert q.norm_low <= q.norm_high


def test_guard_returns_empty_list_for_non_text() -> None:
    assert parse_criterion(None, "inclusion") == []  # type: ignore[arg-type]


CODES = st.sampled_from([
    ("mg/L", "mg/dL"), ("mg/dL", "mg/dL"), ("g/L", "g/dL"), ("/mm3", "10*9/L"), ("{cells}/uL", "10*9/L"),
    ("10*3/uL", "10*9/L"), ("10*9/L", "10*9/L"), ("[IU]/L", "U/L"), ("mL/min/{1.73_m2}", "mL/min/{1.73_m2}"),
    ("%", "%"), ("umol/L", "mg/dL"),
])


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e7, allow_nan=False), CODES)
def test_normalisation_is_idempotent(value: float, codes: tuple[str, str]) -> None:
    src, canonical = codes
    molar = 113.12 if src == "umol/L" else None
    once = units.normalize(value, src, canonical, molar)
    assert once is not None
    twice = units.normalize(once[0], once[1], canonical, molar)
    assert twice is not None and twice[1] == once[1]
    assert math.isclose(twice[0], once[0], rel_tol=1e-9)
