"""Units in eligibility text: spellings -> UCUM codes, and conversion with pint.

``match_unit`` recognises a unit written right after a number (``10^9/L``, ``×10^9/L``,
``x10(9)/L``, ``/mm3``, ``cells/µL``, ``mL/min/1.73m^2``, ``g/dL``, ``%`` …) and returns
its UCUM code. ``convert`` turns a value between two UCUM codes; the arithmetic is pint's,
this module only maps UCUM codes to pint expressions (plus a power-of-ten factor, since
pint refuses scaled target units such as ``1e9/L``). Mass <-> molar concentration needs a
molar mass, passed by the caller (the lexicon holds it per analyte).

>>> match_unit("×10^9/L and more", 0)
('10*9/L', 7)
>>> match_unit("mg/dL", 0)
('mg/dL', 5)
>>> round(convert(1400, "mg/L", "mg/dL"), 6)
140.0
>>> convert(1500, "/mm3", "10*9/L")
1.5
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

_UREG = pint.UnitRegistry(on_redefinition="ignore")
# Body-surface-normalised clearance: UCUM writes the 1.73 m2 as an annotation, pint needs a
# real unit to carry it through conversions.
_UREG.define("bsa_173 = 1.73 * meter ** 2")
# Enzyme activities are reported interchangeably in U/L and IU/L.
_UREG.define("international_unit = enzyme_unit = IU")

#: UCUM code -> (pint expression, power-of-ten factor applied to the value).
_PINT: dict[str, tuple[str, float]] = {
    "mg/dL": ("mg/dL", 1.0),
    "mg/L": ("mg/L", 1.0),
    "g/dL": ("g/dL", 1.0),
    "g/L": ("g/L", 1.0),
    "mg/mL": ("mg/mL", 1.0),
    "ug/mL": ("ug/mL", 1.0),
    "ug/L": ("ug/L", 1.0),
    "ng/mL": ("ng/mL", 1.0),
    "pg/mL": ("pg/mL", 1.0),
    "umol/L": ("umol/L", 1.0),
    "mmol/L": ("mmol/L", 1.0),
    "nmol/L": ("nmol/L", 1.0),
    "meq/L": ("mmol/L", 1.0),
    "U/L": ("U/L", 1.0),
    "[IU]/L": ("IU/L", 1.0),
    "[IU]/mL": ("IU/mL", 1.0),
    "m[IU]/L": ("mIU/L", 1.0),
    "u[IU]/mL": ("uIU/mL", 1.0),
    "{copies}/mL": ("1/mL", 1.0),
    "/mm3": ("1/mm**3", 1.0),
    "/uL": ("1/uL", 1.0),
    "{cells}/uL": ("1/uL", 1.0),
    "{cells}/mm3": ("1/mm**3", 1.0),
    "/L": ("1/L", 1.0),
    "mL/min/{1.73_m2}": ("mL/min/bsa_173", 1.0),
    "mL/min": ("mL/min", 1.0),
    "g/(24.h)": ("g/day", 1.0),
    "mg/(24.h)": ("mg/day", 1.0),
    "g/d": ("g/day", 1.0),
    "mg/d": ("mg/day", 1.0),
    "mg/g": ("mg/g", 1.0),
    "mg/mmol": ("mg/mmol", 1.0),
    "kg/m2": ("kg/m**2", 1.0),
    "mm/h": ("mm/hour", 1.0),
    "%": ("percent", 1.0),
    "mg/kg": ("mg/kg", 1.0),
    "mg/kg/d": ("mg/kg/day", 1.0),
    "mg": ("mg", 1.0),
    "g": ("g", 1.0),
    "kg": ("kg", 1.0),
    "ms": ("ms", 1.0),
    "mm[Hg]": ("mmHg", 1.0),
    "/min": ("1/min", 1.0),
}
for _n in (3, 6, 9, 12):
    for _vol, _pv in (("L", "L"), ("uL", "uL"), ("mm3", "mm**3"), ("mL", "mL")):
        _PINT[f"10*{_n}/{_vol}"] = (f"1/{_pv}", 10.0**_n)

_VOL = {"l": "L", "ul": "uL", "µl": "uL", "μl": "uL", "mm3": "mm3", "mm^3": "mm3", "mm\\^3": "mm3", "mm³": "mm3", "ml": "mL"}

_POW = re.compile(
    r"(?:\\?[x×*✕]\s*)?10\s*(?:\\?\^|\\?\*\\?\*|\\?\*|e|exp)?\s*[\(\[]?\s*(3|6|9|12|³|⁹|⁶)\s*[\)\]]?\s*(?:cells?\s*)?"
    r"(?:/|per\s+)\s*(l|[uµμ]l|mm\s*(?:\\?\^)?\s*[3³]|ml)\b",
    re.I,
)
_SUPER = {"³": "3", "⁶": "6", "⁹": "9"}

_EGFR = (
    r"ml\s*/\s*\(?\s*min(?:ute)?s?\s*(?:[/·.*×x⋅∙]|\s|per)\s*\(?\s*1[.,·]73\s*"
    r"(?:m\s*(?:\\?\^)?\s*[2²]|sq\.?\s*m\.?|square\s+met(?:er|re)s?)\s*\)?\)?"
)

#: (pattern, UCUM code), tried in order at the position right after a number.
_SPELLINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), code)
    for p, code in [
        (_EGFR, "mL/min/{1.73_m2}"),
        (r"ml\s*/\s*min(?:ute)?\b", "mL/min"),
        (r"cells?\s*/\s*(?:[uµμ]l|microlit(?:er|re))\b", "{cells}/uL"),
        (r"cells?\s*/\s*(?:mm\s*(?:\\?\^)?\s*[3³]|cu\.?\s*mm)", "{cells}/mm3"),
        (r"(?:/|per\s+)\s*(?:mm\s*(?:\\?\^)?\s*[3³]|cu\.?\s*mm|cubic\s+mil+imet(?:er|re))", "/mm3"),
        # a count written "3,000 mm(3)" or "1500 mm3" (the slash left out) is per mm3 too
        (r"mm\s*(?:\(\s*3\s*\)|\\?\^\s*3|[3³])(?![\d\w])", "/mm3"),
        (r"/\s*[uµμ]l\b", "/uL"),
        (r"(?:gm?|grams?)\s*/\s*d[l]\b", "g/dL"),
        (r"mg\s*/\s*d[l]\b", "mg/dL"),
        (r"mg\s*/\s*kg\s*/\s*(?:d|day)\b", "mg/kg/d"),
        (r"mg\s*/\s*kg\b", "mg/kg"),
        (r"mg\s*/\s*(?:24\s*h(?:ours?|rs?)?)", "mg/(24.h)"),
        (r"(?:gm?|grams?)\s*/\s*(?:24\s*h(?:ours?|rs?)?)", "g/(24.h)"),
        (r"mg\s*/\s*(?:d|day)\b|mg\s+(?:per\s+)?day\b|mg\s+daily\b", "mg/d"),
        (r"g\s*/\s*(?:d|day)\b|g\s+(?:per\s+)?day\b", "g/d"),
        (r"mg\s*/\s*l\b", "mg/L"),
        (r"mg\s*/\s*ml\b", "mg/mL"),
        (r"mg\s*/\s*mmol\b", "mg/mmol"),
        (r"mg\s*/\s*g\b", "mg/g"),
        (r"(?:gm?|grams?)\s*/\s*l\b", "g/L"),
        (r"[uµμ]g\s*/\s*ml\b|mcg\s*/\s*ml\b", "ug/mL"),
        (r"[uµμ]g\s*/\s*l\b", "ug/L"),
        (r"ng\s*/\s*ml\b", "ng/mL"),
        (r"pg\s*/\s*ml\b", "pg/mL"),
        (r"(?:[uµμ]|micro\s*)mol\s*/\s*l\b", "umol/L"),
        (r"mmol\s*/\s*l\b", "mmol/L"),
        (r"nmol\s*/\s*l\b", "nmol/L"),
        (r"m[Ee]q\s*/\s*l\b", "meq/L"),
        (r"m\s*i\.?u\.?\s*/\s*l\b", "m[IU]/L"),
        (r"[uµμ]\s*i\.?u\.?\s*/\s*ml\b", "u[IU]/mL"),
        (r"i\.?u\.?\s*/\s*ml\b", "[IU]/mL"),
        (r"i\.?u\.?\s*/\s*l\b", "[IU]/L"),
        (r"u\s*/\s*l\b", "U/L"),
        (r"(?:copies|cp)\s*/\s*ml\b", "{copies}/mL"),
        (r"kg\s*/\s*m\s*(?:\\?\^)?\s*[2²]", "kg/m2"),
        (r"mm\s*/\s*(?:h|hr|hour)\b", "mm/h"),
        (r"mm\s*hg\b", "mm[Hg]"),
        (r"%|per\s*cent\b", "%"),
        (r"msec\b|ms\b", "ms"),
        (r"mg\b", "mg"),
        (r"kg\b", "kg"),
        (r"g\b", "g"),
    ]
]


_WS = re.compile(r"\s*")
_GIGA = re.compile(r"G\s*/\s*L\b")


def match_unit(text: str, pos: int, count: bool = False) -> tuple[str, int] | None:
    """UCUM code of a unit spelled at ``text[pos:]`` (after optional spaces), and its end.

    ``count``: the quantity is a cell count, so ``G/L`` reads as giga per litre, not g/L.
    """
    m = _WS.match(text, pos)
    start = m.end() if m else pos
    if count:
        g = _GIGA.match(text, start)
        if g:
            return "10*9/L", g.end()
    p = _POW.match(text, start)
    if p:
        n = _SUPER.get(p.group(1), p.group(1))
        vol = _VOL.get(re.sub(r"\s", "", p.group(2).lower()), "L")
        return f"10*{n}/{vol}", p.end()
    for pat, code in _SPELLINGS:
        u = pat.match(text, start)
        if u:
            return code, u.end()
    return None


def is_known(ucum: str) -> bool:
    """Whether ``ucum`` is one of the codes this module converts."""
    return ucum in _PINT


@lru_cache(maxsize=4096)
def _factor(src: str, dst: str, molar_mass: float | None) -> float | None:
    if src not in _PINT or dst not in _PINT:
        return None
    (ps, fs), (pd, fd) = _PINT[src], _PINT[dst]
    q = _UREG.Quantity(fs, ps)
    try:
        return float(q.to(pd).magnitude) / fd
    except pint.DimensionalityError:
        if molar_mass is None:
            return None
    mm = _UREG.Quantity(molar_mass, "g/mol")
    for candidate in (q * mm, q / mm):
        try:
            return float(candidate.to(pd).magnitude) / fd
        except pint.DimensionalityError:
            continue
    return None


def convert(value: float, src: str, dst: str, molar_mass: float | None = None) -> float | None:
    """``value`` in UCUM unit ``src`` expressed in ``dst``; None when not convertible."""
    f = _factor(src, dst, molar_mass)
    if f is None or not math.isfinite(value):
        return None
    return _round(value * f)


def _round(x: float) -> float:
    """Round away float noise (1400 mg/L -> 140.0 mg/dL, not 140.00000000000003)."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = 12 - int(math.floor(math.log10(abs(x))))
    return round(x, max(digits, 0))


def normalize(value: float, unit: str, canonical: str | None, molar_mass: float | None = None) -> tuple[float, str] | None:
    """(value, unit) in the analyte's canonical unit; idempotent on canonical input."""
    if canonical is None:
        return None
    v = convert(value, unit, canonical, molar_mass)
    return None if v is None else (v, canonical)


@lru_cache(maxsize=1024)
def duration_days(value: float, unit: str) -> int | None:
    """Length in whole days of ``value`` ``unit`` (day/week/month/year), via pint.

    >>> duration_days(12, "weeks"), duration_days(6, "months"), duration_days(1, "year")
    (84, 183, 365)
    """
    u = unit.lower().rstrip("s")
    u = {"d": "day", "wk": "week", "w": "week", "mo": "month", "mth": "month", "yr": "year", "y": "year", "h": "hour", "hr": "hour"}.get(u, u)
    if u not in ("day", "week", "month", "year", "hour"):
        return None
    if not math.isfinite(value):
        return None
    days = _UREG.Quantity(value, u).to("day").magnitude
    # pint's julian year is 365.25 d; a criterion's "1 year" means 365 days.
    if u == "year":
        days = value * 365
    return int(round(days))


@lru_cache(maxsize=1024)
def years(value: float, unit: str) -> float | None:
    """Age ``value`` ``unit`` in years (6 months -> 0.5)."""
    u = unit.lower().rstrip("s")
    u = {"yr": "year", "y": "year", "mo": "month", "mth": "month", "wk": "week", "d": "day"}.get(u, u)
    if u not in ("day", "week", "month", "year"):
        return None
    if u == "year":
        return float(value)
    return _round(float(_UREG.Quantity(value, u).to("year").magnitude))
