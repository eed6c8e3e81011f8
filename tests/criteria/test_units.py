"""kg.criteria.units: unit spellings -> UCUM codes, and pint-backed conversion."""

from __future__ import annotations

import pytest

from kg.criteria import units


@pytest.mark.parametrize(
    ("spelled", "ucum"),
    [
        ("10^9/L", "10*9/L"),
        ("×10^9/L", "10*9/L"),
        ("x10(9)/L", "10*9/L"),
        ("x 10^9 /L", "10*9/L"),
        ("X10E9/L", "10*9/L"),
        ("×10⁹/L", "10*9/L"),
        ("x10^3/µL", "10*3/uL"),
        ("mL/min/1.73m^2", "mL/min/{1.73_m2}"),
        ("ml/(min·1.73m^2)", "mL/min/{1.73_m2}"),
        ("mL/min/1.73 m²", "mL/min/{1.73_m2}"),
        ("ml/min per 1.73 m2", "mL/min/{1.73_m2}"),
        ("ml/min", "mL/min"),
        ("g/dL", "g/dL"),
        ("g/dl", "g/dL"),
        ("g/L", "g/L"),
        ("mg/L", "mg/L"),
        ("mg/dL", "mg/dL"),
        ("/mm3", "/mm3"),
        ("/mm³", "/mm3"),
        ("cells/µL", "{cells}/uL"),
        ("cells/mm3", "{cells}/mm3"),
        ("%", "%"),
        ("IU/L", "[IU]/L"),
        ("U/L", "U/L"),
        ("µmol/L", "umol/L"),
        ("g/24h", "g/(24.h)"),
        ("mg/day", "mg/d"),
        ("kg/m2", "kg/m2"),
        ("IU/mL", "[IU]/mL"),
    ],
)
def test_spellings_parse_to_ucum(spelled: str, ucum: str) -> None:
    got = units.match_unit(spelled + " rest", 0)
    assert got is not None and got[0] == ucum
    assert units.is_known(ucum)


def test_unit_is_read_after_spaces_and_not_from_plain_words() -> None:
    assert units.match_unit("1.5 x10^9/L", 3) == ("10*9/L", 11)
    assert units.match_unit(" years", 0) is None
    assert units.match_unit("mgmt plan", 0) is None


def test_giga_per_litre_only_for_counts() -> None:
    assert units.match_unit("G/L", 0, count=True) == ("10*9/L", 3)
    assert units.match_unit("g/L", 0, count=False) == ("g/L", 3)


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (1400, "mg/L", "mg/dL", 140.0),  # IgG4 threshold, two spellings of the same bound
        (140, "mg/dL", "mg/L", 1400.0),
        (1500, "/mm3", "10*9/L", 1.5),
        (1500, "{cells}/uL", "10*9/L", 1.5),
        (100, "10*3/uL", "10*9/L", 100.0),
        (12, "g/dL", "g/L", 120.0),
        (90, "g/L", "g/dL", 9.0),
        (30, "mL/min/{1.73_m2}", "mL/min/{1.73_m2}", 30.0),
        (40, "[IU]/L", "U/L", 40.0),
        (1, "g/(24.h)", "mg/(24.h)", 1000.0),
    ],
)
def test_conversions(value: float, src: str, dst: str, expected: float) -> None:
    assert units.convert(value, src, dst) == pytest.approx(expected)


def test_molar_conversion_needs_a_molar_mass() -> None:
    assert units.convert(88.4, "umol/L", "mg/dL") is None
    assert units.convert(88.4, "umol/L", "mg/dL", molar_mass=113.12) == pytest.approx(1.0, rel=1e-3)


def test_incompatible_units_do_not_convert() -> None:
    assert units.convert(5, "mg/dL", "10*9/L") is None
    assert units.convert(5, "not-a-unit", "mg/dL") is None


def test_normalize_is_idempotent() -> None:
    once = units.normalize(1400, "mg/L", "mg/dL")
    assert once == (140.0, "mg/dL")
    assert units.normalize(*once, "mg/dL") == once


@pytest.mark.parametrize(
    ("value", "unit", "days"),
    [(12, "weeks", 84), (60, "days", 60), (6, "months", 183), (1, "year", 365), (5, "years", 1825), (2, "wk", 14)],
)
def test_duration_days(value: float, unit: str, days: int) -> None:
    assert units.duration_days(value, unit) == days


def test_years() -> None:
    assert units.years(18, "years") == 18.0
    assert units.years(6, "months") == 0.5
    assert units.years(3, "fortnights") is None
