"""Regimen reading: dose, route, frequency, infusion time and schedule from free dosing text.

``parse_regimen`` reads the way registry intervention descriptions, arm descriptions and
abstracts state a regimen ("belimumab 10 mg/kg IV over 1 hour on days 0, 14 and 28, then
every 28 days through week 48"; "0.5g per day"; "200 mg by intravenous infusion every
21 days") into a :class:`~kg.model.Regimen`. It returns None when the text states no
dose, route, frequency or schedule at all.

Normalised values: ``route`` is one of intravenous, oral, subcutaneous, intramuscular,
topical, inhalation, intranasal, intrathecal, intravitreal, intradermal, sublingual,
transdermal, rectal, vaginal; ``frequency`` is "once daily", "twice daily",
"three times daily", "four times daily", "weekly", "every N hours|days|weeks",
"as needed" or "single dose"; ``duration`` is the infusion time ("1 hour") or else the
treatment length ("24 weeks"); ``schedule`` is the schedule phrase verbatim.

>>> r = parse_regimen("belimumab 10mg/kg intravenous infusion over 1 hour on days 0, 14, and 28, "
...                   "and every 28 days through week 48")
>>> (r.dose_value, r.dose_unit, r.route, r.duration, r.schedule_days, r.repeat_every_days, r.until_week)
(10.0, 'mg/kg', 'intravenous', '1 hour', [0, 14, 28], 28, 48)
>>> r.schedule
'on days 0, 14, and 28, and every 28 days through week 48'
>>> r = parse_regimen("low dose mycophenolate mofetil (0.5g per day)")
>>> (r.dose_value, r.dose_unit, r.frequency)
(0.5, 'g', 'once daily')
>>> parse_regimen("Placebo") is None
True
"""

from __future__ import annotations

import re

from kg.model import Regimen

__all__ = ["parse_regimen"]

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)"
_UNIT = (
    r"(?:mg/kg(?:/day|/d)?|mg/m(?:2|²|\^2)|mg/day|mg/d|g/kg|g/m(?:2|²)|g/day|"
    r"(?:mcg|µg|μg|ug)/kg|(?:mcg|µg|μg|ug)|ng/kg|ng|mg|g|"
    r"(?:iu|IU|units?|U)/kg|(?:iu|IU|international\s+units|units?|U)|"
    r"m[lL]/kg|m[lL]|mmol/kg|mmol|mEq|%)"
)
_DOSE_RE = re.compile(
    r"(?<![\w.])(?P<v>" + _NUM + r")(?:\s*(?:-|–|to)\s*(?P<max>" + _NUM + r"))?\s*(?P<u>" + _UNIT + r")(?![\w/])"
)
_ROUTES: tuple[tuple[str, str], ...] = (
    ("intravenous", r"intravenous(?:ly)?|\bi\.\s?v\.|(?<![Ss]tage )(?<![Gg]rade )(?<![Pp]hase )(?<![Cc]lass )(?<![Tt]ype )\bIV\b"
     r"|\biv\b(?=\s+(?:infusion|injection|on|over|every|q))"),
    ("subcutaneous", r"subcutaneous(?:ly)?|\bs\.\s?c\.|\bSC\b|\bSQ\b|\bsubq\b"),
    ("intramuscular", r"intramuscular(?:ly)?|\bi\.\s?m\.|\bIM\b"),
    ("oral", r"\boral(?:ly)?\b|\bby mouth\b|\bPO\b|\bp\.o\.|\btablets?\b|\bcapsules?\b"),
    ("intravitreal", r"intravitreal(?:ly)?"),
    ("intrathecal", r"intrathecal(?:ly)?"),
    ("intradermal", r"intradermal(?:ly)?"),
    ("intranasal", r"intranasal(?:ly)?|nasal spray"),
    ("inhalation", r"inhal(?:ed|ation)|nebuli[sz]ed"),
    ("sublingual", r"sublingual(?:ly)?"),
    ("transdermal", r"transdermal(?:ly)?|\bpatch\b"),
    ("topical", r"\btopical(?:ly)?\b"),
    ("rectal", r"\brectal(?:ly)?\b|suppositor"),
    ("vaginal", r"\bvaginal(?:ly)?\b"),
)
_ROUTE_RES = [(name, re.compile(rx, re.IGNORECASE if name not in ("intravenous",) else 0)) for name, rx in _ROUTES]
_ROUTE_IV_CI = re.compile(r"(?i)intravenous(?:ly)?|\bi\.\s?v\.")

_WORD_NUMS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "other": 2,
}
_COUNT = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|other)"
_EVERY_RE = re.compile(r"(?i)\b(?:every|each|q)\s*(?P<n>" + _COUNT + r")?\s*(?P<u>hours?|hrs?|h|days?|weeks?|months?)\b")
_QNW_RE = re.compile(r"(?i)\bq(?P<n>\d+)(?P<u>[hdw])\b")
_FREQ_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("twice daily", re.compile(r"(?i)\btwice\s+(?:a\s+|per\s+)?day\b|\btwice\s+daily\b|\bb\.?i\.?d\b")),
    ("three times daily", re.compile(r"(?i)\bthree\s+times\s+(?:a\s+|per\s+)?day\b|\bthree\s+times\s+daily\b|\bt\.?i\.?d\b")),
    ("four times daily", re.compile(r"(?i)\bfour\s+times\s+(?:a\s+|per\s+)?day\b|\bfour\s+times\s+daily\b|\bq\.?i\.?d\b")),
    ("once daily", re.compile(r"(?i)\b(?:once\s+)?daily\b|\bper\s+day\b|\bonce\s+a\s+day\b|\b(?:a|each)\s+day\b|"
                              r"\bq\.?d\b|/day\b|/d\b|\bqam\b|\bqhs\b|\bat bedtime\b")),
    ("weekly", re.compile(r"(?i)\b(?:once[- ])?weekly\b|\bonce\s+(?:a|per)\s+week\b|\bq\.?w\b")),
    ("as needed", re.compile(r"(?i)\bas\s+needed\b|\bp\.?r\.?n\b|\bon[- ]demand\b")),
    ("single dose", re.compile(r"(?i)\bsingle\s+(?:dose|infusion|injection|administration)\b|\bone[- ]time\b")),
)
_DAYS_RE = re.compile(
    r"(?i)\b(?:on\s+)?days?\s+(?P<list>\d+(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|-|–|to\s+)\s*\d+)*)"
)
_UNTIL_RE = re.compile(r"(?i)\b(?:through|until|up\s+to|to|till)\s+(?:week|wk)\s+(?P<w>\d+)")
_OVER_RE = re.compile(
    r"(?i)\bover\s+(?:a\s+period\s+of\s+|approximately\s+|about\s+|at\s+least\s+)?"
    r"(?P<d>\d+(?:\.\d+)?(?:\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?|one|two|half\s+an)\s*(?P<u>minutes?|mins?|hours?|hrs?|h)\b"
)
_FOR_RE = re.compile(r"(?i)\bfor\s+(?:up\s+to\s+)?(?P<d>\d+|" + _COUNT + r")\s*(?P<u>days?|weeks?|months?|years?|cycles?)\b")


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _count(s: str | None) -> int:
    if not s:
        return 1
    return int(s) if s.isdigit() else _WORD_NUMS[s.lower()]


def _unit(u: str) -> str:
    low = u.lower().replace("²", "2").replace("^2", "2").replace("μ", "µ")
    low = re.sub(r"^(?:mcg|ug)", "µg", low)
    low = re.sub(r"^international\s+units", "IU", low)
    low = low.replace("ml", "mL").replace("iu", "IU")
    if low in ("u", "unit"):
        return "units"
    return low.replace("unit/", "units/").replace("u/kg", "units/kg") if low.startswith("u") else low


def _dose(text: str, drug: str | None) -> re.Match[str] | None:
    # a percentage is a concentration or a threshold, not a dose
    matches = [m for m in _DOSE_RE.finditer(text) if m.group("u") != "%"]
    if not matches:
        return None
    if not drug:
        return matches[0]
    mentions = [m.start() for m in re.finditer(re.escape(drug), text, re.IGNORECASE)]
    if not mentions:
        return matches[0]
    # the dose stated right after a mention of the drug ("belimumab 10 mg/kg", "MMF (0.5 g …)")
    # or just before it ("50 mg oral sildenafil"), within the same sentence
    for at in mentions:
        after = [m for m in matches if m.start() >= at + len(drug)]
        before = [m for m in matches if m.end() <= at]
        for m in after[:1]:
            gap = text[at + len(drug) : m.start()]
            if len(gap) <= 60 and not re.search(r"[.;]\s", gap):
                return m
        for m in before[-1:]:
            gap = text[m.end() : at]
            if len(gap) <= 15 and not re.search(r"[.;]\s", gap):
                return m
    return None


def _route(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for name, rx in _ROUTE_RES:
        m = rx.search(text)
        if name == "intravenous":
            m2 = _ROUTE_IV_CI.search(text)
            if m2 and (m is None or m2.start() < m.start()):
                m = m2
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def _days(spec: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)\s*", spec):
        bounds = re.split(r"\s*(?:-|–|to)\s*", part)
        if len(bounds) == 2 and all(b.isdigit() for b in bounds):
            lo, hi = int(bounds[0]), int(bounds[1])
            out.extend(range(lo, hi + 1) if 0 <= hi - lo <= 31 else (lo, hi))
        elif part.isdigit():
            out.append(int(part))
    return out


def parse_regimen(text: str | None, drug: str | None = None) -> Regimen | None:
    """Read a regimen from ``text``; ``drug`` (optional) picks the dose stated for that drug."""
    if not text or not text.strip():
        return None
    text = text.strip()
    reg = Regimen(text=text)
    spans: list[tuple[int, int]] = []

    dm = _dose(text, drug)
    if dm:
        reg.dose_value = _num(dm.group("v"))
        reg.dose_max = _num(dm.group("max")) if dm.group("max") else None
        reg.dose_unit = _unit(dm.group("u"))
        unit = dm.group("u").lower()
        if unit.endswith(("/day", "/d")):
            reg.dose_unit = _unit(dm.group("u").rsplit("/", 1)[0])
            reg.frequency = "once daily"
    reg.route = _route(text)

    for m in _DAYS_RE.finditer(text):
        days = _days(m.group("list"))
        if days and not reg.schedule_days:
            reg.schedule_days = days
            spans.append(m.span())
    em = _EVERY_RE.search(text) or _QNW_RE.search(text)
    if em:
        n = _count(em.group("n"))
        u = em.group("u").lower()[0]
        if u == "d":
            reg.repeat_every_days = n
        elif u == "w":
            reg.repeat_every_days = 7 * n
        unit = {"h": "hours", "d": "days", "w": "weeks", "m": "months"}[u]
        reg.frequency = reg.frequency or (f"every {n} {unit}" if n != 1 else f"every {unit[:-1]}")
        if n == 1 and u == "w":
            reg.frequency = "weekly"
        if n == 1 and u == "d":
            reg.frequency = "once daily"
        spans.append(em.span())
    um = _UNTIL_RE.search(text)
    if um:
        reg.until_week = int(um.group("w"))
        spans.append(um.span())
    if reg.frequency is None:
        for name, rx in _FREQ_RES:
            fm = rx.search(text)
            if fm:
                reg.frequency = name
                spans.append(fm.span())
                break
    om = _OVER_RE.search(text)
    if om:
        reg.duration = f"{om.group('d')} {om.group('u')}"
    else:
        fm2 = _FOR_RE.search(text)
        if fm2:
            reg.duration = f"{fm2.group('d')} {fm2.group('u')}"
    if spans:
        start, end = min(a for a, _ in spans), max(b for _, b in spans)
        reg.schedule = text[start:end].strip(" ,;")
    if (reg.dose_value is None and reg.route is None and reg.frequency is None and not reg.schedule_days
            and reg.repeat_every_days is None and reg.until_week is None):
        return None
    return reg
