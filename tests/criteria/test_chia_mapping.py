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
