"""The real-criteria scorer's matching rules on hand-made toy cases (no record text)."""

from __future__ import annotations

from benchmarks.criteria_real import Item, canonical_role, concept_matches, disagreement, iso_days, match, predicted
from kg.criteria.constraints import BackgroundTherapyConstraint, LabConstraint, Quantity, TherapyConstraint, TimeWindow


def _alt_gold() -> Item:
    return Item("lab", "ALT", "excluded", comparator=">", value=2.0, relative_to="ULN")


def test_lab_true_positive_needs_value_comparator_and_uln() -> None:
    right = Item("lab", "alt", "excluded", comparator=">", value=2.0, relative_to="ULN",
                 phrases=["alt", "alanine aminotransferase"])
    assert disagreement(_alt_gold(), right) is None
    assert disagreement(_alt_gold(), Item("lab", "alt", "excluded", comparator=">", value=2.0,
                                          phrases=["alt"])) == "relative_to"
    assert disagreement(_alt_gold(), Item("lab", "alt", "excluded", comparator=">=", value=2.0,
                                          relative_to="ULN", phrases=["alt"])) == "comparator"
    assert disagreement(_alt_gold(), Item("lab", "alt", "required", comparator=">", value=2.0,
                                          relative_to="ULN", phrases=["alt"])) == "polarity"


def test_unit_must_agree_when_gold_states_one() -> None:
    gold = Item("lab", "eGFR", "excluded", comparator="<", value=30.0, unit="mL/min/{1.73_m2}")
    short = Item("lab", "egfr", "excluded", comparator="<", value=30.0, unit="mL/min", phrases=["egfr"])
    full = Item("lab", "egfr", "excluded", comparator="<", value=30.0, unit="mL/min/1.73m2", phrases=["egfr"])
    assert disagreement(gold, short) == "unit"
    assert disagreement(gold, full) is None
    cd4 = Item("lab", "CD4", "required", comparator=">=", value=500.0, unit="/mm3")
    assert disagreement(cd4, Item("lab", "cd4", "required", comparator=">=", value=500.0, unit="{cells}/mm3",
                                  phrases=["cd4"])) is None
    assert disagreement(cd4, Item("lab", "cd4", "required", comparator=">=", value=500.0, unit="10*9/L",
                                  phrases=["cd4"])) == "unit"


def test_a_qualified_concept_is_not_matched_by_its_bare_head() -> None:
    assert concept_matches("prostate cancer", ["malignancy"]) is False
    assert concept_matches("malignancy", ["cancer"]) is True  # synonym table
    assert concept_matches("lupus nephritis", ["active lupus nephritis"]) is True
    assert concept_matches("SLE|lupus", ["systemic lupus erythematosus"]) is True


def test_at_least_since_required_equals_excluded_within_window() -> None:
    gold = Item("therapy", "rituximab", "required", role="at-least-since", window="P6M")
    assert canonical_role(gold) == ("prior-within-window", "excluded")
    pred = Item("therapy", "rituximab", "excluded", role="prior-within-window", window="P182D", phrases=["rituximab"])
    assert disagreement(gold, pred) is None
    # the same window read with kg's inclusion polarity is a polarity error
    wrong = Item("therapy", "rituximab", "required", role="prior-within-window", window="P6M", phrases=["rituximab"])
    assert disagreement(gold, wrong) == "polarity"


def test_current_use_read_as_ever_is_a_role_error() -> None:
    gold = Item("therapy", "cyclophosphamide", "excluded", role="current")
    pred = Item("therapy", "cyclophosphamide", "excluded", role="prior-ever", phrases=["cyclophosphamide"])
    assert disagreement(gold, pred) == "role"
    assert disagreement(gold, pred, strict=False) is None


def test_exception_required_and_not_a_new_requirement() -> None:
    gold = [Item("lab", "bilirubin", "required", comparator="<=", value=1.5, relative_to="ULN",
                 exceptions=["Gilbert"])]
    pred = [Item("lab", "bilirubin", "required", comparator="<=", value=1.5, relative_to="ULN", phrases=["bilirubin"]),
            Item("condition", "gilbert's syndrome", "required", phrases=["gilbert's syndrome"])]
    pairs, fn, fp = match(gold, pred)
    assert (pairs, fn, fp) == ([], [0], [0, 1])
    pred[0].exceptions = ["gilbert's syndrome"]
    pairs, fn, fp = match(gold, pred)
    assert (pairs, fn, fp) == ([(0, 0)], [], [1])


def test_matching_is_one_to_one() -> None:
    gold = [Item("reproductive", "pregnancy", "excluded"), Item("reproductive", "pregnancy", "excluded")]
    pred = [Item("reproductive", "pregnancy", "excluded", phrases=["pregnancy"])]
    pairs, fn, fp = match(gold, pred)
    assert len(pairs) == 1 and len(fn) == 1 and fp == []


def test_kg_constraints_map_to_guide_fields() -> None:
    lab = LabConstraint(analyte="alt", analyte_text="ALT", polarity="exclusion",
                        quantity=Quantity(comparator=">", value=2.0, relative_to="ULN"))
    assert disagreement(_alt_gold(), predicted(lab)) is None
    ever = TherapyConstraint(name="rituximab", therapy="rituximab", polarity="exclusion", window=TimeWindow(ever=True))
    assert (predicted(ever).role, predicted(ever).polarity) == ("prior-ever", "excluded")
    win = TherapyConstraint(name="rituximab", therapy="rituximab", polarity="inclusion", negated=True,
                            window=TimeWindow(days=182, iso="P6M"))
    assert (predicted(win).role, predicted(win).window, predicted(win).polarity) == ("prior-within-window", "P6M", "excluded")
    stable = BackgroundTherapyConstraint(name="prednisone", therapy="prednisone", stable=True, min_duration_days=28)
    assert (predicted(stable).role, iso_days(predicted(stable).window)) == ("stable-dose", 28.0)
    surgery = TherapyConstraint(name="major surgery", therapy="major surgery", polarity="exclusion")
    assert predicted(surgery).type == "procedure"
