"""The compare_real scorer's keys, join and precision on a tiny hand-made output (no store, no record text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.compare_real import (
    ConflictItem,
    conflict_key,
    distribution,
    load_conflict_judgements,
    norm_window,
    sample_unjudged,
    score,
)

HALVES = {"A1": "dev", "A2": "dev", "B1": "test", "B2": "test"}


def _c(kind: str, a: str, b: str, concept: str = "malignancy", window: str = "-", side_a: str = "inclusion-1",
       side_b: str = "exclusion-2") -> ConflictItem:
    return ConflictItem(kind, a, b, concept, window, side_a, side_b)


def _j(verdict: str, cause: str = "", reason: str = "r") -> dict[str, str]:
    return {"verdict": verdict, "cause": cause, "reason": reason}


OUTPUT = [
    _c("washout", "A1", "B1", "Cytotoxic chemotherapy", "28d", "cisplatin", "inclusion-4"),
    _c("washout", "A1", "B2", "cytotoxic chemotherapy", "ever", "cisplatin", "exclusion-1"),
    _c("required-excluded", "A2", "B1"),
    _c("required-excluded", "A2", "B2"),  # unjudged
    _c("numeric-range", "B1", "A1", "age"),  # trial A in the test half: not scored on dev
]
JUDGED = {
    conflict_key("washout", "A1", "B1", "cytotoxic  chemotherapy", "28d", "cisplatin", "inclusion-4"): _j("true"),
    conflict_key("washout", "A1", "B2", "cytotoxic chemotherapy", "ever", "cisplatin", "exclusion-1"): _j("partial"),
    conflict_key("required-excluded", "A2", "B1", "malignancy", "-", "inclusion-1", "exclusion-2"):
        _j("false", "populations-cannot-meet", "unrelated diseases"),
    conflict_key("numeric-range", "B1", "A1", "age", "-", "inclusion-1", "exclusion-2"): _j("false", "parse-error"),
}


def test_keys_survive_spelling_changes_but_not_a_changed_window() -> None:
    base = conflict_key("washout", "A", "B", "Cytotoxic-Chemotherapy", "28d", "x", "exclusion-3")
    assert conflict_key("washout", "A", "B", "cytotoxic chemotherapy ", "4 weeks (28 days)", "x", "exclusion-3") == base
    assert conflict_key("washout", "A", "B", "cytotoxic chemotherapy", "ever", "x", "exclusion-3") != base
    assert conflict_key("washout", "A", "B", "cytotoxic chemotherapy", "28d", "x", "exclusion-4") != base
    assert norm_window("30") == "30d" and norm_window(ever=True) == "ever" and norm_window() == "-"


def test_precision_counts_only_judged_items_of_the_half() -> None:
    res = score(OUTPUT, {}, JUDGED, {}, HALVES, "dev", [])
    c = res["conflicts"]
    assert (c["judged"], c["true"], c["partial"], c["false"]) == (3, 1, 1, 1)
    assert c["precision"] == round(1 / 3, 3)
    assert c["precision_true_or_partial"] == round(2 / 3, 3)
    assert res["conflicts_in_output"] == 4 and res["conflicts_unjudged_in_output"] == 1
    assert res["conflicts_by_kind"]["washout"]["precision"] == 0.5
    assert res["conflicts_by_kind"]["required-excluded"]["precision"] == 0.0
    assert res["false_by_cause"] == {"populations-cannot-meet": 1}
    # weighted by the output's kinds: washout 2 of 4 items, required-excluded 2 of 4
    assert res["conflicts_weighted_by_kind_share"]["precision"] == 0.25
    assert res["worst_errors"][0]["trial_a"] == "A2" and res["worst_errors"][0]["cause"] == "populations-cannot-meet"


def test_a_judgement_whose_key_left_the_output_is_not_counted() -> None:
    without = [c for c in OUTPUT if c.trial_b != "B2"]
    res = score(without, {}, JUDGED, {}, HALVES, "dev", [])
    assert res["conflicts"]["judged"] == 2 and res["conflicts"]["precision"] == 0.5


def test_comparable_precision_over_the_sampled_trials_top_five() -> None:
    comparables = {"A1": [("B1", "0.9"), ("B2", "0.5"), ("A2", "0.1")], "A2": [], "B1": [("A1", "0.9")]}
    judged = {("A1", "B1"): _j("relevant"), ("A1", "B2"): _j("not"), ("B1", "A1"): _j("relevant")}
    res = score([], comparables, {}, judged, HALVES, "dev", ["A1", "A2", "B1"])
    n = res["comparable_top5"]
    assert (n["trials"], n["judged"], n["relevant"], n["precision"], n["unjudged"]) == (2, 2, 1, 0.5, 1)
    assert n["trials_without_neighbour"] == ["A2"]
    assert res["comparable_unjudged"] == ["A1->A2"]
    assert res["worst_comparable_errors"][0]["neighbour"] == "B2"


def test_distribution_counts_both_sides_and_trials_without_conflicts() -> None:
    d = distribution(OUTPUT, ["A1", "A2", "B1", "B2", "C9"])
    assert (d["median"], d["max"], d["max_trial"], d["with_none"]) == (2, 3, "A1", 1)


def test_sample_is_stratified_reproducible_and_skips_judged_items() -> None:
    many = [_c("washout", "A1", f"B{i}", side_b=f"exclusion-{i}") for i in range(10)]
    many += [_c("numeric-range", "A2", f"B{i}", "age") for i in range(2)]
    first = sample_unjudged(many, {}, HALVES, "dev", 6)
    assert first == sample_unjudged(many, {}, HALVES, "dev", 6)
    assert sum(c.kind == "numeric-range" for c in first) == 2 and len(first) == 6
    judged = {c.key: _j("true") for c in first}
    assert not set(c.key for c in sample_unjudged(many, judged, HALVES, "dev", 6)) & set(judged)


def test_a_false_verdict_needs_a_known_cause(tmp_path: Path) -> None:
    p = tmp_path / "c.tsv"
    head = "kind\ttrial_a\ttrial_b\tconcept\twindow\tside_a\tside_b\tverdict\tcause\treason\n"
    p.write_text(head + "washout\tA1\tB1\tx\tever\ti\te\tfalse\tbad luck\twhy\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_conflict_judgements(p)
    p.write_text(head + "washout\tA1\tB1\tx\tever\ti\te\tfalse\tparse-error\twhy\n", encoding="utf-8")
    assert len(load_conflict_judgements(p)) == 1
