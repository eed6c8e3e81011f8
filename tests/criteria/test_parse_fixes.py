"""Parser fixes found through the Chia benchmark (issue #3); example sentences are invented."""

from __future__ import annotations

import pytest

from kg.criteria.constraints import AgeConstraint, LabConstraint
from kg.criteria.parse import parse_criterion


@pytest.mark.parametrize(("text", "low", "high"), [
    ("Adults aged >/= 21 years", 21.0, None),
    ("Age </= 70 years", None, 70.0),
    ("Participants aged > / = 35 years", 35.0, None),
])
def test_slash_comparators_bound_an_age_on_one_side(text: str, low, high) -> None:
    ages = [c for c in parse_criterion(text, "inclusion") if isinstance(c, AgeConstraint)]
    assert len(ages) == 1
    assert (ages[0].min_years, ages[0].max_years) == (low, high)
    assert ages[0].min_inclusive and ages[0].max_inclusive


@pytest.mark.parametrize(("text", "comparator"), [
    ("Hemoglobin >/= 10 g/dL", ">="),
    ("Serum creatinine </= 1.8 mg/dL", "<="),
])
def test_slash_comparators_in_lab_thresholds(text: str, comparator: str) -> None:
    labs = [c for c in parse_criterion(text, "inclusion") if isinstance(c, LabConstraint)]
    assert labs and labs[0].quantity is not None and labs[0].quantity.comparator == comparator
