"""How benchmarks/criteria_chia.py maps kg constraints to Chia types (invented sentences only)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "criteria_chia.py"


@pytest.fixture(scope="module")
def chia():
    spec = importlib.util.spec_from_file_location("criteria_chia_under_test", _PATH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop(spec.name, None)


def _types(chia, text: str, polarity: str = "exclusion") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in chia.line_mentions(text, polarity, 0):
        out.setdefault(m.etype, []).append(text[m.span[0]:m.span[1]])
    return out


def test_a_window_shared_by_several_constraints_is_one_mention(chia) -> None:
    ms = [m for m in chia.line_mentions("Use of rituximab, belimumab or abatacept within 6 months", "exclusion", 0)
          if m.etype == "Temporal"]
    assert len(ms) == len({m.span for m in ms}) == 1


def test_a_treatment_modality_is_not_scored_as_a_drug(chia) -> None:
    assert "Drug" not in _types(chia, "Prior immunosuppressive therapy within 3 months")
    assert "rituximab" in _types(chia, "Prior rituximab within 3 months").get("Drug", [])


def test_an_organ_transplant_is_not_scored_as_a_condition(chia) -> None:
    assert not any("transplant" in t for t in _types(chia, "History of kidney transplantation").get("Condition", []))


def test_a_serology_marker_is_scored_as_a_measurement(chia) -> None:
    types = _types(chia, "Positive HBsAg at screening")
    assert "HBsAg" in types.get("Measurement", [])
    assert "HBsAg" not in types.get("Condition", [])


def test_exceptions_and_negated_entities_are_negation_mentions(chia) -> None:
    assert "asthma" in _types(chia, "No asthma, but hay fever allowed").get("Negation", [])


@pytest.mark.parametrize(("text", "comparator"), [(">/= 50 years", ">="), ("</= 1.5", "<="), ("> 2", ">")])
def test_gold_comparators_read_slash_spellings(chia, text: str, comparator: str) -> None:
    assert chia._gold_comparator(text) == comparator


@pytest.mark.parametrize(("text", "lengths"), [
    ("within the past 6 months", {"P6M"}),
    ("for at least two weeks prior to screening", {"P14D"}),
    ("in the last year", {"P1Y"}),
    ("72 hours", {"PT72H"}),
    ("history of", set()),
    ("currently", set()),
])
def test_gold_durations_read_the_lengths_a_temporal_text_states(chia, text: str, lengths: set[str]) -> None:
    assert chia.gold_durations(text) == lengths


def _window_tally(chia, line: str, gold: list[tuple[int, int]]):
    ents = [chia.Entity("Temporal", [span], line[span[0]:span[1]]) for span in gold]
    tally = chia.Tally()
    chia._score_windows(ents, chia.line_mentions(line, "exclusion", 0), tally, line)
    return tally


def test_a_window_read_with_its_length_scores_as_correct(chia) -> None:
    line = "Myocardial infarction within the last 6 months"
    t = _window_tally(chia, line, [(line.index("within"), len(line))])
    assert (t.pred, t.pred_hit, t.gold, t.gold_hit) == (1, 1, 1, 1)


def test_a_window_with_the_wrong_length_scores_as_wrong(chia, monkeypatch) -> None:
    line = "Myocardial infarction within the last 6 months"
    ents = [chia.Entity("Temporal", [(22, len(line))], "within the last 6 weeks")]  # gold says weeks
    tally = chia.Tally()
    chia._score_windows(ents, chia.line_mentions(line, "exclusion", 0), tally, line)
    assert (tally.pred, tally.pred_hit, tally.gold, tally.gold_hit) == (1, 0, 1, 0)


def test_a_cue_word_is_not_a_window(chia) -> None:
    line = "History of asthma"
    t = _window_tally(chia, line, [(0, 10)])
    assert (t.pred, t.gold) == (0, 0)
