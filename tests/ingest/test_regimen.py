"""Tests of kg.ingest.regimen: dose, route, frequency, duration and schedule from dosing text."""

from __future__ import annotations

import time

import pytest

from kg.ingest.regimen import parse_regimen


def test_loading_days_then_repeat_until_week() -> None:
    text = "All participants get drugX 10mg/kg intravenous infusion over 1 hour on days 0, 14, and 28, and every 28 days through week 48."
    r = parse_regimen(text)
    assert r is not None
    assert (r.dose_value, r.dose_max, r.dose_unit) == (10.0, None, "mg/kg")
    assert r.route == "intravenous"
    assert r.duration == "1 hour"
    assert r.schedule_days == [0, 14, 28]
    assert r.repeat_every_days == 28
    assert r.until_week == 48
    assert r.schedule == "on days 0, 14, and 28, and every 28 days through week 48"
    assert r.text == text


@pytest.mark.parametrize(
    ("text", "value", "unit", "frequency"),
    [
        ("low dose mycophenolate mofetil (0.5g per day) as add-on", 0.5, "g", "once daily"),
        ("Tablet 25 mg once daily", 25.0, "mg", "once daily"),
        ("5 mg daily", 5.0, "mg", "once daily"),
        ("100 mg twice a day with food", 100.0, "mg", "twice daily"),
        ("1,000 mg every two weeks", 1000.0, "mg", "every 2 weeks"),
        ("drugY 2 mg/kg/day", 2.0, "mg/kg", "once daily"),
        ("300 mcg weekly", 300.0, "µg", "weekly"),
    ],
)
def test_dose_and_frequency(text: str, value: float, unit: str, frequency: str) -> None:
    r = parse_regimen(text)
    assert r is not None
    assert (r.dose_value, r.dose_unit, r.frequency) == (value, unit, frequency)


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("10 mg/kg IV", "intravenous"),
        ("given intravenously", "intravenous"),
        ("by intravenous infusion", "intravenous"),
        ("taken by mouth", "oral"),
        ("oral tablets", "oral"),
        ("200 mg subcutaneously every 2 weeks", "subcutaneous"),
        ("a s.c. injection", "subcutaneous"),
        ("40 mg IM", "intramuscular"),
    ],
)
def test_routes(text: str, route: str) -> None:
    r = parse_regimen(text)
    assert r is not None and r.route == route


def test_dose_range_and_drug_choice() -> None:
    r = parse_regimen("5-10 mg/day")
    assert r is not None and (r.dose_value, r.dose_max, r.dose_unit) == (5.0, 10.0, "mg")
    r = parse_regimen("2 g drugA and 1 g drugB every 8 hours via IV infusion over a period of 60 minutes", drug="drugB")
    assert r is not None
    assert (r.dose_value, r.dose_unit, r.frequency, r.duration) == (1.0, "g", "every 8 hours", "60 minutes")
    assert r.repeat_every_days is None


def test_day_ranges_and_treatment_length() -> None:
    r = parse_regimen("75 mg/m2 on days 1-5 of each cycle for 6 cycles")
    assert r is not None
    assert r.schedule_days == [1, 2, 3, 4, 5]
    assert r.dose_unit == "mg/m2"
    assert r.duration == "6 cycles"


def test_nothing_stated() -> None:
    assert parse_regimen(None) is None
    assert parse_regimen("") is None
    assert parse_regimen("Placebo") is None
    assert parse_regimen("Matching placebo to the study drug") is None
    r = parse_regimen("Patients with stage IV disease at 5% risk")
    assert r is None


def test_fast() -> None:
    texts = ["Pembrolizumab 200 mg by intravenous infusion every 21 days (3 weeks) for up to 35 cycles."] * 2000
    start = time.perf_counter()
    for t in texts:
        parse_regimen(t)
    assert time.perf_counter() - start < 2.0


def test_dose_of_another_drug_is_not_taken() -> None:
    r = parse_regimen("Matching placebo capsule. The other arm gets drugX 10 mg daily.", drug="placebo")
    assert r is not None and r.dose_value is None and r.frequency == "once daily"
    r = parse_regimen("50 mg oral drugZ before activity", drug="drugZ")
    assert r is not None and (r.dose_value, r.route) == (50.0, "oral")
