"""Text of one eligibility criterion -> typed constraints (rule-based, offset-preserving).

``parse_criterion`` runs one extractor per constraint type over the original text (no
rewriting, so every span indexes the text it was given), resolves overlaps (the more
specific constraint wins when one span contains another of a different kind), marks
negation, and groups constraints joined by "or"/"and" into ``ConstraintGroup`` nodes.
It is pure and never raises: malformed input yields fewer constraints, not errors.

Negation: a cue ("no", "without", "never", "must not", "absence of", …) earlier in the
same clause, within 80 characters and not cut off by "but"/"except"/";", sets ``negated``;
comparator phrasings ("not more than", "no less than") are comparators, not negation, and
"negative for HIV" is a test *result*. "≥ 4 weeks since prior X" is read as "no X within
4 weeks" (negated). The effective polarity flips the criterion's polarity when negated
(see ``kg.criteria.constraints.effective_polarity``).

Every therapy constraint gets a role (``constraints.THERAPY_ROLES``) read inside its own clause:
an allergy/intolerance cue makes it ``allergy``, "stable dose" ``stable-dose``, "X allowed"
``allowed``, "concurrent"/"currently receiving"/"at entry" ``current`` (no window), a window
``prior-within-window``, otherwise ``prior-ever``. Legacy sub-headings ("Allowed:", "Excluded
within 14 days:", "Concurrent medication:") reach the items under them through ``scope``
(:func:`heading_scope`), which overrides what the item's own text would give.

>>> [c.kind for c in parse_criterion("Age between 18 and 70 years", "inclusion")]
['age']
>>> lab = parse_criterion("Serum IgG4 above 1400 mg/L at baseline", "inclusion")[0]
>>> lab.analyte, lab.quantity.comparator, lab.quantity.norm_value, lab.quantity.norm_unit
('igg4', '>', 140.0, 'mg/dL')
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable

from kg.criteria import lexicon as lx
from kg.criteria import units
from kg.criteria.constraints import (
    AgeConstraint,
    BackgroundTherapyConstraint,
    ConditionConstraint,
    ConsentConstraint,
    Constraint,
    ConstraintGroup,
    DoseCondition,
    Excerpt,
    HealthyVolunteerConstraint,
    InfectionConstraint,
    LabConstraint,
    Quantity,
    ReproductiveConstraint,
    ScoreConstraint,
    SexConstraint,
    SubstanceUseConstraint,
    TherapyConstraint,
    TimeWindow,
    TrialParticipationConstraint,
)
from kg.criteria.diseases import DISEASE_GATE as _DISEASE_GATE  # the names mentions imports from here
from kg.criteria.diseases import DISEASE_RE as _DISEASE_RE
from kg.criteria.diseases import DISEASES as _DISEASES
from kg.criteria.diseases import disease_name  # noqa: F401  (kg.criteria.parse.disease_name stays importable)
from kg.criteria.exceptions import attach as attach_exceptions
from kg.criteria.exceptions import exempt_regions
from kg.criteria.merge import merge_repeats
from kg.criteria.specific import STOP_WORDS, modifiers_start, phrase_start, specific_name, therapy_phrase_start

#: Texts longer than this are parsed on their first MAX_CHARS characters only (keeps the
#: worst case bounded; real criteria are far shorter).
MAX_CHARS = 4000

# --- shared pieces -------------------------------------------------------------------------
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?=\s*(?:mg|g/|µ|ug|mmol|µmol|umol|%))|\d+(?:[.·]\d+)?|\.\d+"
_WORDNUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "a": 1, "an": 1, "single": 1,
}
NUMW = NUM + r"|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty)\b"

#: (regex, comparator); longer and negated phrasings first.
_COMPARATORS: list[tuple[str, str]] = [
    (r"not\s+(?:more|greater|higher)\s+than|no\s+(?:more|greater|higher)\s+than|not\s+(?:to\s+)?exceed(?:ing)?|"
     r"less\s+than\s+or\s+equal\s+to|lower\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+(?:less|lower)\s+than|"
     r"≤|<\s*or\s*=|=\s*or\s*<|<\s*/\s*=|<=|=<|⩽|at\s+most|up\s+to|maximum(?:\s+of)?|max\.?|or\s+less|or\s+lower|or\s+below|and\s+below", "<="),
    (r"not\s+(?:less|lower)\s+than|no\s+(?:less|lower)\s+than|greater\s+than\s+or\s+equal\s+to|"
     r"more\s+than\s+or\s+equal\s+to|higher\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+(?:greater|more|higher)\s+than|"
     r"≥|>\s*or\s*=|=\s*or\s*>|>\s*/\s*=|>=|=>|⩾|at\s+least|minimum(?:\s+of)?|min\.?|or\s+more|or\s+greater|or\s+higher|or\s+above|and\s+above|or\s+older", ">="),
    (r"greater\s+than|more\s+than|higher\s+than|larger\s+than|in\s+excess\s+of|exceed(?:s|ing)?|above|over|>|older\s+than|elevated\s+above", ">"),
    (r"less\s+than|lower\s+than|fewer\s+than|below|under|<|younger\s+than", "<"),
    (r"equal\s+to|=|of", "="),
]
_COMP_RE = re.compile("|".join(f"(?P<c{i}>{p})" for i, (p, _) in enumerate(_COMPARATORS)), re.I)
COMP = "(?:" + "|".join(p for p, _ in _COMPARATORS) + ")"


def _comparator(s: str) -> str:
    m = _COMP_RE.search(s)
    if not m or not m.lastgroup:
        return "="
    return _COMPARATORS[int(m.lastgroup[1:])][1]


def _num(s: str) -> float | None:
    s = s.strip().lower()
    if s in _WORDNUM:
        return float(_WORDNUM[s])
    s = s.replace("·", ".")
    if re.fullmatch(r"\d+,\d{1,2}", s):  # decimal comma ("1,5 mg/dL"); thousands have 3 digits
        s = s.replace(",", ".")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


# Clause boundaries: semicolons and sentence ends ("." followed by space + capital/end).
#: An inline sub-heading of a legacy block ("Chemotherapy: Not specified Surgery: …") is a
#: boundary too, and belongs to no clause: its scope ends where the next one starts.
_INLINE_LABEL = (r"(?:^|(?<=\s))(?:[A-Z][a-z]+(?:[ /-]+[a-z]+){0,2}|[A-Z]{2,}(?:[ /-]+[A-Z]{2,}){0,3})\s*:(?=\s|$)")
_INLINE_LABEL_RE = re.compile(_INLINE_LABEL)
#: Legacy blocks run their items together without stops ("… within the past 6 months No New York
#: Heart Association class III …"): a capitalised item opener after a lower-case word starts a clause.
_RUN_ON = r"(?<=[a-z0-9%)])\s+(?=(?:No|Not|At\s+least|More\s+than|Prior|Concurrent|Fertile|Negative|Adequate|Recovered)\b)"
_CLAUSE_END = re.compile(r";|\.(?=\s+[A-Z(]|\s*$)|\n|:\s*(?=\n)|" + _INLINE_LABEL + "|" + _RUN_ON)


def _clauses(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _CLAUSE_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out or [(0, len(text))]


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for a, b in clauses:
        if a <= pos < b:
            return a, b
    return clauses[-1]


# --- time windows ---------------------------------------------------------------------------
_UNIT_T = r"(?P<u>days?|d\b|weeks?|wks?|months?|mos?\b|years?|yrs?|hours?|hrs?)"
_WIN_RE = re.compile(
    r"(?<![\w.])(?P<n>" + NUMW + r")\s*(?:-\s*)?" + _UNIT_T +
    r"(?:\s+(?P<dir>before|prior\s+to|preceding|of|from|since|after|following|post|pre)\s+(?:the\s+)?(?P<ref>[^;,.()]{0,80}))?",
    re.I,
)
_AGO = re.compile(r"\s+ago\b", re.I)
_THE_LAST = re.compile(r"\bthe\s+(?:last|past|previous|preceding)\s*$", re.I)
_LESS_THAN = re.compile(r"(?:less|fewer)\s+than\s*$|<\s*$|under\s*$", re.I)
_WIN_PRE = re.compile(r"(?P<pre>within|in|during|over|for)\s+(?:the\s+)?(?:last|past|previous|prior|preceding|first|recent|most\s+recent)?\s*$", re.I)
_WIN_GATE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty)\b", re.I)
_WIN_ONE = re.compile(r"\b(?:in|within|during|over)\s+the\s+(?:past|last|previous|prior|preceding)\s+(?P<u>year|month|week|day)\b", re.I)
_EVER_RE = re.compile(r"\b(?:ever|at\s+any\s+time|any\s+time\s+in\s+the\s+past|lifetime|in\s+the\s+past)\b", re.I)
_AFTER_DIR = ("after", "following", "post")


def _window(text: str, start: int, end: int, default_ever: bool = False) -> TimeWindow | None:
    """First time window in ``text[start:end]`` (needs 'within …' or '… before <reference>')."""
    for m in (_WIN_RE.finditer(text, start, end) if _WIN_GATE.search(text, start, end) else ()):
        pm = _WIN_PRE.search(text, max(start, m.start() - 40), m.start())
        pre, d = (pm.group("pre") if pm else None), m.group("dir")
        ref = lx.reference_key(m.group("ref") or "") if m.group("ref") else None
        if not pre and _THE_LAST.search(text, max(start, m.start() - 20), m.start()):
            pre = "in"  # "surgery the last two months"
        if not pre and not (d and (ref or d.lower() not in ("of", "from", "since"))) and not (
                _AGO.match(text, m.end()) and _LESS_THAN.search(text, max(start, m.start() - 20), m.start())):
            continue  # a look-back needs "within …", "… before <reference>" or "less than N months ago"
        if pre and pre.lower() == "for" and not ref:
            continue  # "for 8 weeks" is a duration, not a look-back window
        n = _num(m.group("n"))
        if n is None:
            continue
        unit = m.group("u").lower()
        days = units.duration_days(n, unit)
        iso = _iso(n, unit)
        direction = "after" if d and d.lower() in _AFTER_DIR else "before"
        s0 = pm.start() if pm else m.start()
        return TimeWindow(days=days, iso=iso, reference=ref, direction=direction, span=(s0, m.end()))
    one = _WIN_ONE.search(text, start, end)
    if one:
        unit = one.group("u").lower()
        return TimeWindow(days=units.duration_days(1, unit), iso=_iso(1, unit), direction="before",
                          span=(one.start(), one.end()))
    if default_ever or _EVER_RE.search(text, start, end):
        return TimeWindow(ever=True)
    return None


_HISTORY_CUE = re.compile(
    r"\b(?:(?:a\s+|any\s+)?(?:past\s+|prior\s+|previous\s+)?(?:medical\s+)?history\s+of|previously|previous|prior(?!\s+to)|ever|at\s+any\s+time|in\s+the\s+past)\b",
    re.I)


def _ever_window(text: str, start: int, end: int) -> TimeWindow | None:
    """An "at any time before" window anchored on its cue ("history of", "prior", "previously")."""
    m = None
    for m in _HISTORY_CUE.finditer(text, start, end):
        pass  # the cue nearest the constraint governs it
    return TimeWindow(ever=True, span=(m.start(), m.end())) if m else None


def _iso(n: float, unit: str) -> str:
    letter = {"d": "D", "w": "W", "m": "M", "y": "Y", "h": "H"}[unit[0]]
    num = str(int(n)) if float(n).is_integer() else str(n)
    if letter == "W":  # xsd:duration has no weeks
        return f"P{int(round(n * 7))}D"
    if letter == "H":
        return f"PT{num}H"
    return f"P{num}{letter}"


# --- negation -------------------------------------------------------------------------------
_NEG_CUE = re.compile(
    r"\b(?:no|not|without|never|none|neither|nor|absence\s+of|free\s+of|lack\s+of|must\s+not|"
    r"should\s+not|cannot|can\s+not|unable|unwilling|did\s+not|do\s+not|does\s+not|has\s+not|"
    r"have\s+not|hasn'?t|haven'?t|isn'?t|aren'?t|denies)\b",
    re.I,
)
_NEG_STOP = re.compile(r"[;:]|\bbut\b|\bexcept\b|\bunless\b|\bother\s+than\b|\bhowever\b|\bwho\b|\bwhich\b|\bthat\b", re.I)
_NOT_NEG = re.compile(r"\b(?:not|no)\s+(?:more|less|greater|lower|higher|fewer)\s+than|\bnot\s+(?:to\s+)?exceed\w*|\bno\s+later\b|\bno\s+sooner\b|\bnot\s+limited\b|\bnot\s+only\b|\black\s+of\s+(?:response|efficacy|improvement|benefit)", re.I)
_SUBORDINATE = re.compile(r"\W*(?:while|when|whilst|if|although|though|once|whereas|after|as\s+long\s+as)\b[^,;]*,", re.I)


def _negated(text: str, start: int, clause_start: int) -> bool:
    sub = _SUBORDINATE.match(text, clause_start, start)
    if sub:
        clause_start = sub.end()  # "While X and without Y, <constraint>": the cue governs Y only
    lo = max(clause_start, start - 80)
    window = text[lo:start]
    if not _NEG_CUE.search(window):
        return False  # the common case; cutting at stops and blanking comparators only removes cues
    stops = list(_NEG_STOP.finditer(window))
    if stops:
        window = window[stops[-1].end():]
    window = _NOT_NEG.sub(" ", window)
    return bool(_NEG_CUE.search(window))


# --- age, sex, healthy volunteers -------------------------------------------------------------
_AGE_U = r"(?P<u>years?|yrs?|y(?=\b)|months?|weeks?|days?)"
_AGE_TAIL = r"(?P<tail>\s+(?:of\s+age|old|of\s+age\s+or\s+older))?"
_AGE_RANGE = re.compile(
    r"(?<![\d.])(?P<lo>\d{1,3}(?:\.\d+)?)\s*(?P<lu>years?|yrs?|months?|weeks?)?\s*(?:-|–|—|to|and|through)\s*(?P<hi>\d{1,3}(?:\.\d+)?)\s*"
    + _AGE_U + "?" + _AGE_TAIL,
    re.I,
)
_AGE_NUM = re.compile(r"(?<![\d.])(?P<v>\d{1,3}(?:\.\d+)?)\s*" + _AGE_U + "?" + _AGE_TAIL, re.I)
_AGE_POST = re.compile(
    r"(?<![\d.])(?P<v>\d{1,3}(?:\.\d+)?)\s*" + _AGE_U + "?"
    + r"(?:\s+of\s+age|\s+old)?\s*(?:,\s*)?(?:or|and)\s*(?P<dir>older|above|over|more|greater|younger|below|under|less)",
    re.I,
)
_AGE_KW = re.compile(r"\bage[ds]?\b(?:\s+range)?[^\d;.]*$", re.I)
_COMP_TAIL = re.compile(r"(?:" + COMP + r")\s*$", re.I)
_BETWEEN_TAIL = re.compile(r"(?:between|from)\s*$", re.I)
_AGE_GATE = ("age", "year", "yr", "old", "month", "over", "above")
_AGE_WORD = re.compile(r"\bage[ds]?\b", re.I)


def _age_kw(text: str, pos: int) -> int | None:
    """Start of an "age"/"aged" keyword shortly before ``pos`` (same clause), else None."""
    lo = max(0, pos - 40)
    m = _AGE_KW.search(text, lo, pos)
    return m.start() if m else None


def _age(text: str) -> list[Constraint]:
    low = text.lower()
    if not any(map(low.__contains__, _AGE_GATE)):
        return []
    has_age_word = _AGE_WORD.search(text) is not None
    out: list[Constraint] = []
    taken: list[tuple[int, int]] = []
    for m in _AGE_RANGE.finditer(text):
        kw = _age_kw(text, m.start())
        b = _BETWEEN_TAIL.search(text, max(0, m.start() - 10), m.start())
        if kw is None and not m.group("tail") and not (m.group("u") and has_age_word):
            continue
        if kw is None and not m.group("u"):
            continue
        u = m.group("u") or "years"
        lo, hi = units.years(float(m.group("lo")), m.group("lu") or u), units.years(float(m.group("hi")), u)
        if lo is None or hi is None or lo > hi or hi > 130:
            continue
        s = kw if kw is not None else (b.start() if b else m.start())
        out.append(AgeConstraint(span=(s, m.end()), min_years=lo, max_years=hi, confidence=0.9))
        taken.append((s, m.end()))
    for m in _AGE_POST.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        unit = m.group("u")
        bare = len(text.strip()) <= len(m.group(0)) + 12  # the whole criterion is "18 and over"
        if unit is None and _age_kw(text, m.start()) is None and not bare:
            continue
        if unit is not None and not (unit.lower().startswith("y") or has_age_word):
            continue
        v = units.years(float(m.group("v")), unit or "years")
        if v is None or v > 130:
            continue
        up = m.group("dir").lower() in ("older", "above", "over", "more", "greater")
        out.append(AgeConstraint(span=(m.start(), m.end()), min_years=v if up else None,
                                 max_years=None if up else v, confidence=0.85))
        taken.append((m.start(), m.end()))
    for m in _AGE_NUM.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        cm = _COMP_TAIL.search(text, max(0, m.start() - 45), m.start())
        if not cm:
            continue
        kw = _age_kw(text, cm.start())
        same_clause_age = bool(m.group("u") and m.group("u").lower().startswith("y") and _AGE_WORD.search(
            text, max(0, m.start() - 90), m.start()) and not re.search(r"[;.]\s", text[max(0, m.start() - 90):m.start()]))
        if kw is None and not m.group("tail") and not same_clause_age and not (
                m.group("u") and re.search(r"older|younger", cm.group(0), re.I)):
            continue
        c = _comparator(cm.group(0))
        if c == "=" and kw is None:
            continue
        v = units.years(float(m.group("v")), m.group("u") or "years")
        if v is None or v > 130:
            continue
        s = kw if kw is not None else cm.start()
        kwargs: dict[str, object] = {}
        if c in (">", ">="):
            kwargs = {"min_years": v, "min_inclusive": c == ">="}
        elif c in ("<", "<="):
            kwargs = {"max_years": v, "max_inclusive": c == "<="}
        else:
            kwargs = {"min_years": v, "max_years": v}
        out.append(AgeConstraint(span=(s, m.end()), confidence=0.85, **kwargs))  # type: ignore[arg-type]
        taken.append((s, m.end()))
    # "aged 18-75 years and above 50" style pairs: merge min/max from separate hits
    if len(out) == 2 and all(isinstance(c, AgeConstraint) for c in out):
        a, b = out  # type: ignore[misc]
        if (a.min_years is None) != (b.min_years is None) and (a.max_years is None) != (b.max_years is None):
            lo_c, hi_c = (a, b) if a.min_years is not None else (b, a)
            if lo_c.min_years is not None and hi_c.max_years is not None and lo_c.min_years <= hi_c.max_years:
                span = (min(a.span[0], b.span[0]), max(a.span[1], b.span[1]))
                return [AgeConstraint(span=span, min_years=lo_c.min_years, max_years=hi_c.max_years,
                                      min_inclusive=lo_c.min_inclusive, max_inclusive=hi_c.max_inclusive, confidence=0.85)]
    return out


_SEX_RE = re.compile(
    r"(?P<both>\b(?:males?|men)\s*(?:or|and|/|&)\s*(?:females?|women)\b|\b(?:females?|women)\s*(?:or|and|/|&)\s*(?:males?|men)\b|"
    r"\bboth\s+(?:sexes|genders)\b|\beither\s+(?:sex|gender)\b|\ball\s+genders?\b)|"
    r"(?P<f>\b(?:female|women|woman)\s+(?:patients?|subjects?|participants?|only|aged|volunteers?|\d)|^\W*(?:females?|women)\b)|"
    r"(?P<m>\b(?:male|men|man)\s+(?:patients?|subjects?|participants?|only|aged|volunteers?|\d)|^\W*(?:males?|men)\b)",
    re.I,
)
_REPRO_CONTEXT = re.compile(r"childbearing|child-bearing|pregnan|contracept|lactat|breast|nursing|sterili|menopaus|partner|sperm", re.I)


def _sex(text: str) -> list[Constraint]:
    low = text.lower()
    if not any(map(low.__contains__, ("male", "men", "woman", "sex", "gender"))):
        return []
    m = _SEX_RE.search(text)
    if not m:
        return []
    if m.group("both"):
        return [SexConstraint(span=(m.start(), m.end()), sex="all", confidence=0.85)]
    if _REPRO_CONTEXT.search(text):
        return []
    sex = "female" if m.group("f") else "male"
    return [SexConstraint(span=(m.start(), m.end()), sex=sex, confidence=0.75)]


_HEALTHY_RE = re.compile(r"\bhealthy\s+(?:adult\s+|male\s+|female\s+)?(?:volunteers?|subjects?|participants?|adults?|individuals?|men|women|males?|females?|controls?)\b", re.I)


def _healthy(text: str) -> list[Constraint]:
    m = _HEALTHY_RE.search(text) if "healthy" in text.lower() else None
    return [HealthyVolunteerConstraint(span=(m.start(), m.end()), healthy=True, confidence=0.8)] if m else []


# --- labs and scores ------------------------------------------------------------------------
_FILLER = r"[^;\d<>≤≥=⩽⩾]{0,45}?"
_ULN = (
    r"(?:of\s+)?(?:the\s+)?(?:institutional\s+|laboratory\s+|local\s+)?(?:(?:uln|lln|unl)\b|(?:upper|lower)\s+(?:normal\s+limits?|limits?\s+(?:of\s+)?normal)(?:\s*\((?:uln|lln|unl)\))?|(?:upper|lower)\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?(?:\s*\((?:uln|lln)\))?|"
    r"normal\s+(?:upper|lower)\s+limit|(?:the\s+)?normal\b(?!\s+(?:range|value)s?\s+(?:of|for)))"
)
_LIMIT = re.compile(r"\b(?:uln|lln|unl|upper\s+limit|lower\s+limit|normal\s+upper|normal\s+lower|normal)", re.I)
_TIMES = r"\s*(?:x|×|\\?\*|times|-?fold|folds)\s*"
_VALUE_RE = re.compile(
    r"(?P<pre>" + _FILLER + r")"
    r"(?:(?P<between>between|from)\s+(?P<lo>" + NUM + r")\s*(?P<lounit>[^\d;]{0,25}?)\s*(?:and|to|-|–)\s*(?P<hi>" + NUM + r")"
    r"|(?P<c>" + COMP + r")\s*(?:(?P<word>twice|two\s+times|three\s+times|four\s+times|five\s+times)\s+" + _ULN +
    r"|(?P<v>" + NUM + r")(?:" + _TIMES + _ULN + r")?|" + _ULN + r")"
    r"|(?P<rlo>" + NUM + r")\s*(?:-|–|to)\s*(?P<rhi>" + NUM + r")"
    r"|(?P<v2>" + NUM + r")\s*(?:" + _TIMES + _ULN + r")"
    r"|(?P<word2>twice|two\s+times|three\s+times|four\s+times|five\s+times)\s+" + _ULN + r")",
    re.I,
)
_BASELINE = re.compile(r"\s*(?:of|from|compared\s+(?:to|with)|relative\s+to|over)?\s*(?:the\s+|their\s+|its\s+|his\s+|her\s+)?baseline", re.I)
_POSTCMP = re.compile(r"\s*(?:or\s+(?:more|greater|higher|above)|or\s+(?:less|lower|below)|and\s+above|and\s+below)", re.I)
_RANGE_TAIL = re.compile(r"(?:\s*,\s*\d{1,2}(?!\d))*\s*,?\s*(?:-|–|to|or)\s*(?P<hi>" + NUM + r")(?!\d|\.\d)", re.I)
_WORD_TIMES = {"twice": 2.0, "two times": 2.0, "three times": 3.0, "four times": 4.0, "five times": 5.0}


def _quantity(text: str, m: re.Match[str], canonical: str | None, molar_mass: float | None,
              count: bool) -> tuple[Quantity, int] | None:
    """Quantity of a _VALUE_RE match (unit and ULN/baseline read after it); and its end."""
    end = m.end()
    body = m.group(0)[len(m.group("pre")):]
    lim = _LIMIT.search(body)
    relative = None
    if lim:
        relative = "LLN" if re.search(r"lln|lower", lim.group(0), re.I) else "ULN"
    low = high = value = None
    comparator = "between"
    if m.group("between"):
        low, high = _num(m.group("lo")), _num(m.group("hi"))
    elif m.group("rlo"):
        low, high = _num(m.group("rlo")), _num(m.group("rhi"))
    else:
        word = m.group("word") or m.group("word2")
        if word:
            value = _WORD_TIMES.get(re.sub(r"\s+", " ", word.lower()), 2.0)
        elif m.group("v") or m.group("v2"):
            value = _num(m.group("v") or m.group("v2"))
        elif relative:
            value = 1.0
        comparator = _comparator(m.group("c")) if m.group("c") else ">"
        if (m.group("v2") or m.group("word2")) and not m.group("c"):
            comparator = "="
    if low is not None and high is not None and low > high:
        return None
    unit = None
    if comparator == "=" and value is not None and relative is None:
        # "of 70-100", "of 0 or 1": a range (scores are integer-valued, so "0 or 1" is 0..1)
        r = _RANGE_TAIL.match(text, end)
        hi = _num(r.group("hi")) if r else None
        if r and hi is not None and hi >= value:
            low, high, value, comparator, end = value, hi, None, "between", r.end()
    if relative is None:
        u = units.match_unit(text, end, count=count)
        if u:
            unit, end = u
            if unit == "%":
                b = _BASELINE.match(text, end)
                if b:
                    relative, end = "baseline", b.end()
    p = _POSTCMP.match(text, end)
    if p and comparator == "=":
        comparator = _comparator(p.group(0))
        end = p.end()
    if value is None and low is None:
        return None
    nv = nlo = nhi = nunit = None
    if unit and relative is None and canonical and units.is_known(unit):
        conv = [units.normalize(x, unit, canonical, molar_mass) if x is not None else None for x in (value, low, high)]
        if any(c is not None for c in conv):
            nv, nlo, nhi = (c[0] if c else None for c in conv)
            nunit = canonical
    q = Quantity(comparator=comparator, value=value, low=low, high=high, unit=unit, norm_value=nv,
                 norm_low=nlo, norm_high=nhi, norm_unit=nunit, relative_to=relative)
    return q, end


_CHAIN_GAP = re.compile(r"^\s*(?:,|/|or|and|and/or|&)\s*(?:serum\s+|plasma\s+)?$", re.I)
_FORMULA = re.compile(r"\b(?P<f>mdrd|ckd[\s-]?epi|cockcroft[\s-]+(?:and\s+)?gault|schwartz)\b", re.I)
_QUAL = re.compile(r"\b(?:elevat\w*|increased|high|raised|abnormal|positive|detectable|low|decreased|re-?elevation|normal|within\s+normal\s+limits)\b", re.I)


def _labs(text: str, groups: list[tuple[str, list[Constraint]]]) -> list[Constraint]:
    mentions = lx.find_analytes(text)
    out: list[Constraint] = []
    i = 0
    while i < len(mentions):
        j = i
        while j + 1 < len(mentions) and _CHAIN_GAP.match(text[mentions[j][2]:mentions[j + 1][1]]):
            j += 1
        chain = mentions[i:j + 1]
        last_a, _, last_end = chain[-1]
        limit = mentions[j + 1][1] if j + 1 < len(mentions) else len(text)
        m = _VALUE_RE.match(text, last_end, min(limit, last_end + 120))
        made: list[Constraint] = []
        for a, s, e in chain:
            formula = None
            if a.key in ("egfr", "creatinine_clearance"):
                f = _FORMULA.search(text)
                formula = f.group("f").upper().replace(" ", "-") if f else None
            if m and ";" not in m.group("pre") and "." not in m.group("pre").strip(" )(")[-1:]:
                r = _quantity(text, m, a.canonical, a.molar_mass, a.count)
                if r:
                    q, end = r
                    made.append(LabConstraint(span=(s, end), analyte=a.key, analyte_text=text[s:e], loinc=a.loinc,
                                              quantity=q, formula=formula,
                                              confidence=0.9 if (q.unit or q.relative_to) else 0.75))
                    continue
            near = text[max(0, s - 30):min(len(text), e + 25)]
            qm = _QUAL.search(near)
            if qm:
                made.append(LabConstraint(span=(s, e), analyte=a.key, analyte_text=text[s:e], loinc=a.loinc,
                                          formula=formula, qualitative=qm.group(0).lower(), confidence=0.6))
        out.extend(made)
        if len(made) > 1:
            gap = " ".join(text[chain[k][2]:chain[k + 1][1]] for k in range(len(chain) - 1))
            groups.append(("all" if re.search(r"\band\b(?!/)", gap) else "any", made))
        i = j + 1
    return out


# A threshold on a quantity the analyte lexicon does not know ("QTc > 450 ms", "LVEF < 40%"):
# kept as a LabConstraint without LOINC, named by the words just before the comparator.
_GEN_COMP = re.compile(
    r"(?:≤|≥|<\s*or\s*=|>\s*or\s*=|<=|>=|=<|=>|<|>|⩽|⩾|(?:(?:not\s+|no\s+)?(?:less|greater|more|higher|lower|fewer)\s+than(?:\s+or\s+equal\s+to)?)"
    r"|at\s+least|at\s+most|exceed(?:s|ing)?|above|below)\s*(?=\d|\.\d)", re.I)
_GEN_NAME = re.compile(
    r"(?P<name>[A-Za-z][\w\-/+]*(?:\s+(?!(?:of|and|or|with|is|are|be|must|should|a|an|the|to|than|if|who|that)\b)[\w\-/+]+){0,3})"
    r"\s*(?:\([^()]{1,20}\)\s*)?(?:(?:levels?|values?|counts?|concentrations?|of|is|are|was|must\s+be|should\s+be|:)\s*)*$", re.I)
_GEN_FILLER = re.compile(r"\s*(?:\([^()]{1,20}\)\s*)?(?:(?:levels?|values?|counts?|concentrations?|of|is|are|was|must\s+be|should\s+be|:)\s*)*$", re.I)
_GEN_WORD = re.compile(r"[A-Za-z][\w\-/+]*|[,;.]")
_GEN_BREAK = frozenset({"of", "and", "or", "with", "is", "are", "be", "must", "should", "a", "an", "the", "to", "than",
                        "if", "who", "that", ",", ";", "."})
_GEN_STOP = re.compile(r"^(?:patients?|subjects?|participants?|with|having|has|have|had|and|or|age[ds]?|aged|years?|no|not|any|than|who|are|is|be|must|should)$", re.I)
_GEN_MEASURE_WORD = re.compile(r"(?:level|count|score|index|ratio|fraction|grade|pressure|rate|clearance|interval|qtc?|ef|saturation|volume|weight|mass|size|diameter|titer|titre)s?$", re.I)
_DOSE_UNITS = frozenset({"mg/d", "g/d", "mg/kg", "mg/kg/d", "ug/d", "mg/m2", "[IU]/d"})
_TIME_UNITS = re.compile(r"\s*(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?|cycles?|times?|doses?|episodes?|prior|lines?|regimens?)\b", re.I)


def _generic_values(text: str, clauses: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[Constraint]:
    out: list[Constraint] = []
    for m in _GEN_COMP.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        ca, _ = _clause_of(clauses, m.start())
        lo = max(ca, m.start() - 60)
        tail = _GEN_FILLER.search(text, lo, m.start())
        stop = tail.start() if tail else m.start()
        words = []
        for w in reversed(_GEN_WORD.findall(text, lo, stop)):
            if len(words) == 4 or w.lower() in _GEN_BREAK:
                break
            words.insert(0, w)
        while words and _GEN_STOP.match(words[0]):
            words.pop(0)
        if not words or any(_GEN_STOP.match(w) for w in words[-1:]):
            continue
        name = " ".join(words)
        ns = text.rfind(name, lo, m.start())
        vm = _VALUE_RE.match(text, m.start(), min(len(text), m.start() + 80))
        if ns < 0 or not vm:
            continue
        num_end = re.compile(NUM).match(text, m.end())
        if num_end and _TIME_UNITS.match(text, num_end.end()):
            continue  # durations, ages and counts of events are not measured values
        r = _quantity(text, vm, None, None, False)
        if not r:
            continue
        q, end = r
        if not (q.unit or q.relative_to or _GEN_MEASURE_WORD.search(name)):
            continue
        if q.unit in _DOSE_UNITS or re.search(r"\bdos(?:e|es|age|ing)\b", name, re.I):
            continue  # a dose bound belongs to its therapy (DoseCondition), not to a lab
        out.append(LabConstraint(span=(ns, end), analyte=name.lower(), analyte_text=name, loinc=None, quantity=q,
                                 confidence=0.5))
        taken.append((ns, end))
    return out


_ORGAN_SCOPE = re.compile(r"(?:in|involving|of)\s+(?:at\s+least\s+)?(?:one|two|three|\d+|≥\s*\d+|a\s+single)?\s*(?:or\s+more\s+)?(?:major\s+)?organs?(?:\s+or\s+(?:system|site)s?)?|per\s+organ|for\s+(?:each|any|one|a\s+single)\s+organ", re.I)


def _scores(text: str, groups: list[tuple[str, list[Constraint]]]) -> list[Constraint]:
    out: list[Constraint] = []
    mentions = lx.find_instruments(text)
    for k, (ins, s, e) in enumerate(mentions):
        limit = mentions[k + 1][1] if k + 1 < len(mentions) else len(text)
        m = _VALUE_RE.match(text, e, min(limit, e + 80))
        if not m or ";" in m.group("pre"):
            continue
        canonical = "kg/m2" if ins.key == "bmi" else None
        r = _quantity(text, m, canonical, None, False)
        if not r:
            continue
        q, end = r
        if q.relative_to in ("ULN", "LLN"):
            continue
        organ = None
        om = _ORGAN_SCOPE.search(text, end, min(len(text), end + 60))
        if om:
            organ = om.group(0)
            end = om.end()
        out.append(ScoreConstraint(span=(s, end), instrument=ins.key, instrument_text=text[s:e], quantity=q,
                                   organ=organ, confidence=0.85))
    return out


#: Instruments graded in classes written as Roman numerals ("NYHA class III or IV", "ASA IV-V").
_CLASS_SCALES = frozenset({"nyha", "asa"})
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_R = r"(?:vi|iv|v|i{1,3}|[1-6])(?![\w])"
_CLASS_VALUE = re.compile(
    r"\s*(?:\(\s*(?:nyha|asa)\s*\)\s*)?(?:(?:functional\s+)?class(?:ification)?\s*|grade\s*|score\s*)?"
    r"(?:(?P<c>" + COMP + r")\s*)?(?P<a>" + _R + r")"
    r"(?:\s*(?:-|–|to|or|and|/|,)\s*(?:class\s*)?(?P<b>" + _R + r"))?"
    r"(?P<post>\s*(?:or\s+(?:higher|greater|worse|above|more)|and\s+(?:above|higher)|\+))?", re.I)
_ASA = re.compile(r"(?<![\w-])(?:asa(?:\s+physical\s+status)?|american\s+society\s+of\s+anesthesiologists(?:\s+physical\s+status)?)(?![\w-])", re.I)


def _roman(s: str) -> float:
    return float(_ROMAN.get(s.lower(), 0) or int(s))


def _class_scores(text: str) -> list[Constraint]:
    """"NYHA class III or IV" (3–4), "ASA ≥ III", "NYHA class II or higher": a class scale as a score."""
    low = text.lower()
    if "nyha" not in low and "new york heart" not in low and "asa" not in low and "anesthesiolog" not in low:
        return []
    found = [(ins.key, s, e) for ins, s, e in lx.find_instruments(text) if ins.key in _CLASS_SCALES]
    found += [("asa", m.start(), m.end()) for m in _ASA.finditer(text)]
    out: list[Constraint] = []
    for key, s, e in found:
        m = _CLASS_VALUE.match(text, e)
        if not m:
            continue
        a = _roman(m.group("a"))
        b = _roman(m.group("b")) if m.group("b") else None
        if b is not None and b > a:
            q = Quantity(comparator="between", low=a, high=b)
        elif m.group("post"):
            q = Quantity(comparator=">=", value=a)
        elif m.group("c"):
            q = Quantity(comparator=_comparator(m.group("c")), value=a)
        else:
            q = Quantity(comparator="=", value=a)
        out.append(ScoreConstraint(span=(s, m.end()), instrument=key, instrument_text=text[s:e], quantity=q,
                                   confidence=0.8))
    return out


_LIFE = re.compile(
    r"\blife\s+expectancy\b[^;\d]{0,40}?(?P<c>" + COMP + r")?\s*(?P<v>" + NUMW + r")\s*(?P<u>weeks?|months?|years?|days?)\b"
    r"(?P<post>\s*(?:or\s+(?:more|longer|greater)|and\s+(?:above|over)))?", re.I)
_DURATION_UCUM = {"d": "d", "w": "wk", "m": "mo", "y": "a"}


def _life_expectancy(text: str) -> list[Constraint]:
    """"Life expectancy of at least 3 months": a score whose value is a duration (days)."""
    m = _LIFE.search(text) if "expectancy" in text.lower() else None
    if not m:
        return []
    n = _num(m.group("v"))
    if n is None:
        return []
    c = ">=" if m.group("post") else (_comparator(m.group("c")) if m.group("c") else ">=")
    if c == "=":  # "life expectancy of 6 months" states the minimum
        c = ">="
    unit = m.group("u").lower()
    days = units.duration_days(n, unit)
    q = Quantity(comparator=c, value=n, unit=_DURATION_UCUM[unit[0]],
                 norm_value=float(days) if days is not None else None, norm_unit="d" if days is not None else None)
    return [ScoreConstraint(span=(m.start(), m.end()), instrument="life-expectancy",
                            instrument_text=text[m.start():m.start() + len("life expectancy")], quantity=q, confidence=0.8)]


# --- infections, reproduction, consent, trials, substances ------------------------------------
_RESULT_POS = re.compile(r"\b(?:positive|seropositive|reactive|detectable|detected|carrier)\b", re.I)
_RESULT_NEG = re.compile(r"\b(?:negative|seronegative|non-?reactive|undetectable|not\s+detected)\b", re.I)
_INF_STATUS = (
    (re.compile(r"\blatent\b", re.I), "latent"),
    (re.compile(r"\bactive\b", re.I), "active"),
    (re.compile(r"\bchronic\b", re.I), "chronic"),
    (re.compile(r"\bhistory\s+of\b|\bpast\b|\bprevious\b|\bprior\b", re.I), "history"),
    (re.compile(r"\bcurrent\b|\bcurrently\b|\bongoing\b", re.I), "current"),
)
_INF_NOUN = re.compile(r"\s*(?:\([^()]{1,12}\)\s*)?(?:virus\s+)?infections?\b", re.I)
_CHEST = re.compile(r"chest\s+(?:x-?ray|radiograph\w*|ct|imaging|computed\s+tomography)|\bcxr\b", re.I)


_NOT_THE_CONSTRAINT = re.compile(r"\b(?:other\s+than|except(?:\s+for)?|excluding|caused\s+by|due\s+to|related\s+to|"
                                 r"secondary\s+to|attributable\s+to)\s+(?:[\w'-]+\s+){0,2}$", re.I)


_INF_ATTRIBUTE = re.compile(r"\s+(?:drugs?|medications?|medicines?|therap(?:y|ies)|treatments?|vaccin\w*|prophylaxis)\b", re.I)


def _infections(text: str, clauses: list[tuple[int, int]]) -> list[Constraint]:
    out: list[Constraint] = []
    for pathogen, marker, s, e in lx.find_infections(text):
        a, b = _clause_of(clauses, s)
        if _NOT_THE_CONSTRAINT.search(text, max(a, s - 40), s) or _INF_ATTRIBUTE.match(text, e):
            continue  # "infections other than MAI", "caused by histoplasmosis", "HIV drugs": not the infection
        near = text[max(a, s - 40):min(b, e + 40)]
        result = None
        after = text[e:min(b, e + 25)]
        before = text[max(a, s - 25):s]
        if _RESULT_NEG.search(after) or _RESULT_NEG.search(before):
            result = "negative"
        elif _RESULT_POS.search(after) or _RESULT_POS.search(before):
            result = "positive"
        status = next((st for rx, st in _INF_STATUS if rx.search(near)), None)
        if pathogen == "tuberculosis" and marker is None and _CHEST.search(text, a, b):
            marker = "chest-imaging"
        inf = _INF_NOUN.match(text, e, b)
        if inf:
            e = inf.end()
        prev = out[-1] if out else None
        if prev is not None and prev.pathogen == pathogen and _EXAMPLE_PAREN.fullmatch(text, prev.span[1], s):
            continue  # "hepatitis B (e.g., HBsAg reactive)": the test that shows the same infection
        while True:  # "systemic", "disseminated", "chronic active": the infection as written keeps them
            w = _WORD_LEFT.search(text, max(a, s - 30), s)
            if not w or w.group(1).lower() not in _INF_STATE_WORDS:
                break
            s = w.start(1)
        out.append(InfectionConstraint(span=(s, e), pathogen=pathogen, marker=marker, result=result, status=status,
                                       window=_window(text, e, b), confidence=0.85))
    return out


_EXAMPLE_PAREN = re.compile(r"\s*\(\s*(?:e\.?\s*g\.?|i\.?\s*e\.?|such\s+as|including)?[\s,:]*", re.I)
_INF_STATE_WORDS = frozenset("systemic disseminated active chronic latent acute invasive mucocutaneous untreated "
                             "recurrent severe serious uncontrolled opportunistic".split())


_REPRO = [
    (re.compile(r"\b(?:plan(?:s|ning|ned)?|intend(?:s|ing)?|intention|wish(?:es|ing)?|desire|trying)\s+(?:to\s+)?(?:become\s+|get\s+|a\s+)?(?:pregnan\w*|conceive|father\s+a\s+child)|\bpregnancy\s+plan\w*", re.I), "planned_pregnancy"),
    (re.compile(r"\bpregnan\w*", re.I), "pregnancy"),
    (re.compile(r"\b(?:breast[\s-]?feed\w*|lactat\w*|nursing)\b", re.I), "lactation"),
    (re.compile(r"\bcontracept\w*|\bbirth\s+control\b|\babstinen\w*", re.I), "contraception"),
    (re.compile(r"\b(?:child[\s-]?bearing\s+potential|wocbp)\b", re.I), "childbearing_potential"),
]


#: A requirement stated inside an exclusion criterion ("… must have a negative pregnancy test").
_MUST = re.compile(r"(?<!\bwho\s)\b(?:must|should|will\s+need\s+to|are\s+required\s+to|is\s+required\s+to)\s+"
                   r"(?:have|be|use|agree|practi[cs]e|undergo|employ|take)\b", re.I)
_REPRO_GATE = ("pregnan", "conceive", "father", "breast", "lactat", "nursing", "contracept", "birth control",
               "abstinen", "bearing", "wocbp")


def _reproductive(text: str, clauses: list[tuple[int, int]]) -> list[Constraint]:
    out: list[Constraint] = []
    taken: list[tuple[int, int]] = []
    low = text.lower()
    if not any(map(low.__contains__, _REPRO_GATE)):
        return out
    for rx, topic in _REPRO:
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if topic == "pregnancy" and re.match(r"\s*test", text[m.end():]):
                topic_here = "pregnancy_test"
            else:
                topic_here = topic
            a, b = _clause_of(clauses, m.start())
            out.append(ReproductiveConstraint(span=(m.start(), m.end()), topic=topic_here,
                                              window=_window(text, m.end(), b), confidence=0.8))
            taken.append((m.start(), m.end()))
    return out


_CONSENT = re.compile(
    r"(?:(?:willing(?:ness)?|able|ability|capable|agree\w*|unable|unwilling)\s+(?:and\s+(?:able|willing)\s+)?to\s+(?:sign|give|provide|understand)[^;.]{0,40}?\bconsent\w*"
    r"|(?:signed?|written|provide[ds]?|give[ns]?|obtain\w*)\s+(?:the\s+)?(?:written\s+)?informed\s+consent(?:\s+form)?"
    r"|informed\s+consent(?:\s+form)?"
    r"|(?:give|sign|provide)\s+(?:\w+\s+){0,2}consent\b|\b(?:must|to|will)\s+consent\s+to\b|written\s+consent)",
    re.I,
)
_CONSENT_REF = re.compile(r"(?:before|prior\s+to|after|since|from|until|of|at|preceding|(?:on\s+)?the\s+day|when|once)\s+(?:the\s+)?(?:signing\s+(?:of\s+)?(?:the\s+)?|signature\s+of\s+(?:the\s+)?)?(?:written\s+)?$", re.I)


#: "unable to give consent", "inability to sign the consent": consent is still what is asked
#: for, so the constraint is the consent, negated (an exclusion that requires it).
_CONSENT_UNABLE = re.compile(r"\b(?:unable|unwilling|incapable|inability|unability|not\s+(?:be\s+)?(?:able|willing|capable))\b", re.I)


def _consent(text: str) -> list[Constraint]:
    if "consent" not in text.lower():
        return []
    for m in _CONSENT.finditer(text):
        if _CONSENT_REF.search(text[max(0, m.start() - 40):m.start()]):
            continue
        unable = bool(_CONSENT_UNABLE.search(text, max(0, m.start() - 40), m.end()))
        return [ConsentConstraint(span=(m.start(), m.end()), confidence=0.85, negated=unable)]
    return []


_TRIAL = re.compile(
    r"(?:participat\w*|enrol+\w*|involvement|taking\s+part)\s+in\s+(?:any\s+)?(?:an?\s*)?(?:other|another)\s+(?:interventional\s+|investigational\s+)?"
    r"(?:clinical\s+)?(?:study|studies|trials?|research)|(?:other|another|concurrent)\s+(?:interventional\s+)?(?:clinical\s+)?(?:trials?|study|studies)"
    r"|(?:clinical\s+)?(?:trial|study)\s+participation|investigational\s+(?:drugs?|agents?|products?|devices?|therap\w+|medicinal\s+products?|treatments?)",
    re.I,
)


def _trials(text: str, clauses: list[tuple[int, int]]) -> list[Constraint]:
    out: list[Constraint] = []
    low = text.lower()
    if not any(map(low.__contains__, ("trial", "stud", "investigational", "research"))):
        return out
    for m in _TRIAL.finditer(text):
        a, b = _clause_of(clauses, m.start())
        out.append(TrialParticipationConstraint(span=(m.start(), m.end()), window=_window(text, m.end(), b),
                                                confidence=0.8))
        break
    return out


_SUBSTANCE = re.compile(
    r"(?P<s>drugs?|alcohol|substances?|narcotics?|opioids?|cannabis|marijuana|tobacco|nicotine)"
    r"(?:\s*(?:,|and|or|and/or|/)\s*(?:drugs?|alcohol|substances?))?\s+(?:abuse|dependen\w+|addiction|misuse|use\s+disorders?|abuser)"
    r"(?:\s*(?:,|and|or|and/or|/)\s*(?:abuse|dependen\w+|addiction|misuse))?"
    r"|alcoholism|(?:abuse|misuse)\s+of\s+(?P<s2>drugs?|alcohol|substances?)",
    re.I,
)


def _substances(text: str, clauses: list[tuple[int, int]]) -> list[Constraint]:
    out: list[Constraint] = []
    low = text.lower()
    if not any(map(low.__contains__, ("abus", "dependen", "addict", "misuse", "alcohol", "use disorder"))):
        return out
    for m in _SUBSTANCE.finditer(text):
        a, b = _clause_of(clauses, m.start())
        phrase = m.group(0).lower()
        if "alcohol" in phrase and ("drug" in phrase or "substance" in phrase):
            substance = "alcohol_or_drug"
        elif "alcohol" in phrase:
            substance = "alcohol"
        elif "tobacco" in phrase or "nicotine" in phrase:
            substance = "tobacco"
        else:
            substance = "drug"
        out.append(SubstanceUseConstraint(span=(m.start(), m.end()), substance=substance,
                                          window=_window(text, m.end(), b), confidence=0.8))
    return out


# --- therapy ------------------------------------------------------------------------------------
_EXAMPLES = re.compile(r"(?:\(\s*)?\b(?:e\.?\s*g\.?|eg|such\s+as|including|includes|i\.?\s*e\.?|like|for\s+example|for\s+instance|namely)(?:\s*[,:.])?\s+", re.I)
_EXCEPT = re.compile(r"\b(?:other\s+than|except(?:\s+for)?|excluding|with\s+the\s+exception\s+of|apart\s+from|besides)\s+", re.I)
_REGION_END = re.compile(r"[;)]|\.(?=\s|$)|\b(?:within|during|in\s+the\s+(?:last|past|previous)|before|prior\s+to|for\s+at\s+least|for\s+\d|at\s+(?:any\s+)?(?:time|dose)|unless|who|which|that)\b", re.I)
#: International nonproprietary name stems: a word ending in one is a drug name even when
#: no table lists it ("sulfaphenazole", "quinidine" does not qualify, "phenytoin" does).
_INN_STEMS = ("mab", "cept", "tinib", "citinib", "limus", "parin", "ciclib", "pril", "sartan", "olol", "azole",
              "statin", "mycin", "cillin", "cycline", "floxacin", "ciclovir", "navir", "buvir", "previr", "dipine",
              "prazole", "tidine", "setron", "triptan", "afil", "xaban", "gatran", "lukast", "terol", "profen",
              "oxetine", "azepam", "azolam", "barbital", "platin", "rubicin", "taxel", "tecan", "citabine",
              "trexate", "phosphamide", "mustine", "toin", "glitazone", "gliptin", "gliflozin", "glutide", "dronate",
              "semide", "thiazide", "oxacin", "conazole", "fungin", "vudine", "parib", "lisib", "degib", "rafenib")
_UNKNOWN_DRUG = re.compile(r"\b[a-z]{3,}(?:" + "|".join(_INN_STEMS) + r")\b", re.I)
_WASHOUT = re.compile(
    r"(?:at\s+least|more\s+than|greater\s+than|over|≥|>=?|a\s+minimum\s+of)\s*(?P<n>" + NUMW + r")\s*" + _UNIT_T
    + r"\s+(?:must\s+have\s+)?(?:since|from|after|elapsed\s+(?:since|from))\s+(?:the\s+)?(?:last\s+|prior\s+|previous\s+|completion\s+of\s+)?",
    re.I,
)
#: Drug classes named by their action ("antipsychotic medication", "checkpoint inhibitor");
#: the phrase as written is the class name.
_GENERIC_CLASS = re.compile(
    r"(?:\b|(?=\())(?:anti-?(?:psychotic|depressant|convulsant|epileptic|retroviral|viral|fungal|tumou?r|cancer|neoplastic|hypertensive|"
    r"arrhythmic|platelet|diabetic|emetic|histamine|cholinergic|thrombotic|androgen|estrogen|oestrogen|parkinson|"
    r"tuberculo(?:us|sis)|hormonal|angiogenic|oxidant)s?|hypoglyc(?:a)?emics?|immunomodulat(?:ors?|ing)|opioids?|opiates?|"
    r"stimulants?|sedatives?|hypnotics?|benzodiazepines?|diuretics?|antacids?|laxatives?|"
    r"(?:(?P<target>[A-Za-z0-9][\w-]*|\([A-Za-z0-9][\w-]{0,10}\))\s+)?(?:inhibitors?|inducers?|agonists?|antagonists?|blockers?|tkis?))"
    r"(?:\s+(?:drugs?|agents?|medications?|medicines?|therapy|therapies|treatments?))?\b", re.I)
#: Treatments named by their modality rather than a drug ("stem cell therapy", "palliative
#: therapy", "psychological treatment", "murine antibodies", "vitamin C"): the phrase is the name.
_MODALITY = re.compile(
    r"\b(?:(?:stem[\s-]cell|cell(?:ular)?|gene|palliative|replacement|experimental|psychological|psychiatric|"
    r"behaviou?ral|cognitive(?:[\s-]behaviou?ral)?|oxygen|targeted|photodynamic|hyperbaric(?:\s+oxygen)?)\s+"
    r"(?:therapy|therapies|treatments?)|psychotherapy|(?:murine|chimeric|humani[sz]ed|therapeutic)\s+(?:monoclonal\s+)?"
    r"antibod(?:y|ies)|vitamins?\s+(?:[A-EK]\d{0,2}|supplements?)\b|vitamin\s+supplements?)(?![\w-])", re.I)
_MODALITY_GATE = ("therap", "treatment", "antibod", "vitamin")
#: A one-word target before "inhibitor"/"agonist"/… that is only the end of the target's name
#: ("tumor necrosis factor", "proton pump", "monoamine oxidase", "cytochrome P-450 3A"): the
#: class name reaches back over the words before it.
_PARTIAL_TARGET = re.compile(r"(?:factors?|enzymes?|oxidases?|pumps?|kinases?|receptors?|reuptake|transporters?|"
                             r"channels?|proteases?|polymerases?|reductases?|esterases?|synthases?|\d[\w-]{0,3}|"
                             r"\([A-Za-z0-9][\w-]{0,10}\))", re.I)
_TARGET_WORD = re.compile(r"(?:(?<=\s)|^)(?P<w>\([A-Za-z0-9][\w-]{0,10}\)|[A-Za-z0-9][\w-]*)\s+$")
_NOT_TARGET = frozenset(("no", "not", "any", "other", "prior", "previous", "with", "of", "the", "a", "an", "and", "or",
                         "on", "to", "for", "by", "in", "strong", "moderate", "weak", "potent", "known", "concurrent",
                         "concomitant", "current", "currently", "use", "treatment", "therapy", "receiving", "taking",
                         "using", "including", "e.g", "eg", "such", "as", "all", "are", "is", "be", "been", "were",
                         "was", "patients", "subjects", "selective"))


def _class_start(text: str, s: int, first: str) -> int:
    """Where an action-named class ("… inhibitor") starts: before its one-word target ``first``
    (at ``s``) when that word is only the end of a longer name, up to three words further back.

    >>> t = "No Tumor Necrosis Factor inhibitor"
    >>> t[_class_start(t, t.index("Factor"), "Factor"):]
    'Tumor Necrosis Factor inhibitor'
    >>> t = "No prior ALK inhibitors"
    >>> t[_class_start(t, t.index("ALK"), "ALK"):]
    'ALK inhibitors'
    """
    if not _PARTIAL_TARGET.fullmatch(first):
        return s
    for _ in range(3):
        m = _TARGET_WORD.search(text, max(0, s - 40), s)
        if m is None or m.group("w").lower().strip("()") in _NOT_TARGET:
            break
        s = m.start("w")
    return s


_GENERIC_CLASS_GATE = ("anti", "inhibitor", "inducer", "agonist", "antagonist", "blocker", "opioid", "opiate", "stimulant", "sedative",
                       "hypnotic", "hypoglyc", "immunomodulat", "benzodiazep", "diuretic", "antacid", "laxative", "tki")
#: Procedures kg has no drug-table entry for, named by their own words: "-ectomy", "-plasty",
#: transplantation, dialysis, transfusion, stenting, implants ("radical prostatectomy", "penile
#: implant"). They are therapy constraints like surgery and radiotherapy, and resolve to no drug.
_PROCEDURE_WORD = re.compile(
    r"\b(?:(?:[a-z]{3,}(?:ectom(?:y|ies)|otom(?:y|ies)|ostom(?:y|ies)|plast(?:y|ies))|"
    r"(?:organ|bone\s+marrow|stem[\s-]cell|allogeneic|autologous|kidney|renal|liver|heart|lung|corneal)\s+transplant(?:ation|s)?|"
    r"transplantation|(?:hemo|haemo|peritoneal\s+)?dialysis|(?:blood\s+|platelet\s+|red\s+(?:blood\s+)?cell\s+)?transfusions?|"
    r"(?:vascular\s+|coronary\s+)?stent(?:ing|s)?|[a-z]+\s+implants?|cardioversion|bypass\s+(?:surgery|graft\w*)))\b", re.I)
_PROCEDURE_GATE = ("ectom", "otom", "ostom", "plast", "transplant", "dialysis", "transfus", "stent", "implant", "cardiover",
                   "bypass")
_PROCEDURE_LEAD = re.compile(r"^(?:(?:no|not|any|prior|previous|history|of|or|and|with|the|a|an|other|recent|"
                             r"underwent|undergone|undergoing|had|has|have|received|scheduled|to|for|post|after|those|"
                             r"be|on|is|are|being|patients?|subjects?|who|requiring|require[sd]?|need\w*|planned)\s+)+", re.I)
_KNOWN_NAMES = frozenset(n for _, n in lx.DRUGS) | frozenset(n for _, n in lx.DRUG_CLASSES) | {"non-biologic dmard"}
_UNKNOWN_SUFFIXES = _INN_STEMS
_BACKGROUND = re.compile(
    r"\b(?:stable\s+(?:dose|dosage|regimen|treatment|therapy)|on\s+(?:a\s+)?stable|stable\s+on|currently\s+(?:on|receiving|taking|treated)|"
    r"recently\s+(?:started|initiated|begun|began)|background\s+(?:therapy|treatment)|must\s+be\s+(?:on|receiving|taking)|"
    r"(?:be|are|is)\s+(?:on|receiving|taking)|continu\w+\s+(?:on|with|to\s+(?:receive|take))|maintenance\s+(?:therapy|treatment))\b",
    re.I,
)
_RECENT = re.compile(r"\brecently\s+(?:started|initiated|begun|began)|\bnewly\s+(?:started|initiated)|\b(?:started|initiated|begun)\s+recently", re.I)
_MIN_DUR = re.compile(r"for\s+(?:at\s+least\s+|a\s+minimum\s+of\s+|≥\s*|>=\s*|more\s+than\s+|over\s+|>\s*)?(?P<n>" + NUMW + r")\s*" + _UNIT_T, re.I)
_DOSE = re.compile(r"(?<![\d.,])(?P<v>" + NUM + r")\s*(?=mg|g\b|µg|ug|mcg)", re.I)
_EQUIV = re.compile(r"\s*(?:of\s+)?(?:(?P<drug>prednisone|prednisolone|methylprednisolone)\s*)?(?:or\s+(?:an?\s+)?(?:its\s+)?equivalent\w*|equivalent)?", re.I)


_PAREN = re.compile(r"\([^()]*\)")


def _regions(text: str, rx: re.Pattern[str], a: int, b: int) -> list[tuple[int, int]]:
    out = []
    for m in rx.finditer(text, a, b):
        paren = text[max(a, m.start() - 1):m.end()].lstrip().startswith("(") or "(" in text[max(a, m.start() - 2):m.start() + 1]
        if paren:
            close = text.find(")", m.end(), b)
            end = close if close != -1 else b
        else:
            e = _REGION_END.search(text, m.end(), b)
            end = e.start() if e else b
        out.append((m.start(), end))
    return out


def _in(regions: list[tuple[int, int]], s: int) -> tuple[int, int] | None:
    return next((r for r in regions if r[0] <= s < r[1]), None)


def _dose(text: str, a: int, b: int) -> DoseCondition | None:
    for m in _DOSE.finditer(text, a, b):
        u = units.match_unit(text, m.end("v"))
        if not u or u[0] not in ("mg", "g", "mg/d", "g/d", "mg/kg", "mg/kg/d"):
            continue
        v = _num(m.group("v"))
        if v is None:
            continue
        e = _EQUIV.match(text, u[1])
        drug = e.group("drug").lower() if e and e.group("drug") else None
        equivalent = bool(e and "equivalent" in e.group(0).lower())
        cm = _COMP_TAIL.search(text, max(a, m.start() - 40), m.start())
        c = _comparator(cm.group(0)) if cm else "="
        pre = text[max(a, m.start() - 40):m.start()].lower()
        if c == "=" and re.search(r"increas\w*\s+(?:from|above)|above|exceed", pre):
            c = ">"
        post = _POSTCMP.match(text, u[1])
        if c == "=" and post:  # "0.5 mg/kg/day or less of prednisone"
            c = "<=" if re.search(r"less|lower|below", post.group(0), re.I) else ">="
        return DoseCondition(comparator=c, value=v, unit=u[0], drug=drug, equivalent=equivalent)
    return None


_THERAPY_AS_CAUSE = re.compile(r"\b(?:due|secondary|related|attributable|attributed)\s+to\s+(?:the\s+|prior\s+)?$|"
                               r"\b(?:caused|induced)\s+by\s+(?:the\s+|prior\s+)?$", re.I)
_THERAPY_AS_KIND = re.compile(r"[\s-]*(?:induced|related|associated)?\s*(?:pneumonitis|enteritis|proctitis|dermatitis|"
                              r"cystitis|fibrosis|necrosis|injury|recall)\b", re.I)


def _therapies(text: str, clauses: list[tuple[int, int]], polarity: str,
               groups: list[tuple[str, list[Constraint]]]) -> tuple[list[Constraint], list[tuple[int, int]]]:
    out: list[Constraint] = []
    consumed: list[tuple[int, int]] = []
    drugs = lx.find_drugs(text)
    known = {(s, e) for _, _, s, e in drugs}
    low = text.lower()
    for m in (_UNKNOWN_DRUG.finditer(text) if any(map(low.__contains__, _UNKNOWN_SUFFIXES)) else ()):
        if not any(s <= m.start() < e for s, e in known):
            drugs.append((m.group(0).lower(), False, m.start(), m.end()))
    for m in (_GENERIC_CLASS.finditer(text) if any(map(low.__contains__, _GENERIC_CLASS_GATE)) else ()):
        # "biologic immunomodulators": a generic head right after a known class is that class
        if not any(s < m.end() and m.start() < e for s, e in known) and not any(d[2] <= m.start() < d[3] for d in drugs) \
                and not any(0 <= m.start() - e <= 1 for _, _, _, e in drugs):
            cs = _class_start(text, m.start(), m.group("target")) if m.group("target") else m.start()
            drugs.append((" ".join(text[cs:m.end()].lower().split()), True, cs, m.end()))
    for m in (_MODALITY.finditer(text) if any(map(low.__contains__, _MODALITY_GATE)) else ()):
        if not any(d[2] < m.end() and m.start() < d[3] for d in drugs):
            drugs.append((" ".join(m.group(0).lower().split()), True, m.start(), m.end()))
    for m in (_PROCEDURE_WORD.finditer(text) if any(map(low.__contains__, _PROCEDURE_GATE)) else ()):
        lead = _PROCEDURE_LEAD.match(m.group(0))
        ps = m.start() + (lead.end() if lead else 0)
        if ps < m.end() and not any(d[2] < m.end() and ps < d[3] for d in drugs):
            drugs.append((" ".join(text[ps:m.end()].lower().split()), True, ps, m.end()))
    drugs.sort(key=lambda d: d[2])
    if not drugs:
        return out, consumed
    # "antineoplastic monoclonal antibodies", "immunosuppressive biologic": a class right before
    # another class qualifies it; one therapy, named by the second, whose phrase starts at the first
    merged: list[tuple[str, bool, int, int]] = []
    for d in drugs:
        if merged and merged[-1][1] and d[1] and 0 <= d[2] - merged[-1][3] <= 1 and text[merged[-1][3]:d[2]].strip() == "":
            merged[-1] = (d[0], d[1], merged[-1][2], d[3])
            continue
        merged.append(d)
    drugs = merged
    # "diabetes (not due to steroids)", "radiation pneumonitis": the drug names a cause or a kind of
    # condition, not an exposure the criterion is about
    drugs = [d for d in drugs if not _THERAPY_AS_CAUSE.search(text, max(0, d[2] - 30), d[2])
             and not _THERAPY_AS_KIND.match(text, d[3])]
    for a, b in clauses:
        here = [d for d in drugs if a <= d[2] < b]
        if not here:
            continue
        ex_regions = _regions(text, _EXAMPLES, a, b)
        exc_regions = _regions(text, _EXCEPT, a, b)
        consumed.extend(ex_regions + exc_regions)
        heads: list[tuple[str, bool, int, int]] = []
        members: dict[int, list[Excerpt]] = {}
        excepts: dict[int, list[Excerpt]] = {}
        parens = [(p.start(), p.end()) for p in _PAREN.finditer(text, a, b)]
        for d in here:
            name, is_class, s, e = d
            exr, xr = _in(ex_regions, s), _in(exc_regions, s)
            if not exr and not xr and heads and heads[-1][1] and heads[-1][0] != name and _in(parens, s):
                exr = (s, e)
            target = members if exr else excepts if xr else None
            if target is None or not heads:
                if any(h[0] == name for h in heads):
                    continue  # the same drug named again ("… 10 mg/day of prednisone")
                heads.append(d)
                continue
            if xr:  # "other than stereotactic or palliative radiotherapy": the exception keeps its qualifiers
                s = max(xr[0], therapy_phrase_start(text, s))
                name = " ".join(text[s:e].lower().split()) if s < d[2] else name
            target.setdefault(len(heads) - 1, []).append(Excerpt(text=text[s:e], name=name, span=(s, e)))
        # an example list with no recognised head: the words before the marker are the class
        bg = polarity == "inclusion" and _BACKGROUND.search(text, a, b) is not None
        made: list[Constraint] = []
        for k, (name, is_class, s, e) in enumerate(heads):
            mem = tuple(members.get(k, ()))
            exc = tuple(excepts.get(k, ()))
            # exception phrases that are not drugs ("other than topical steroids") still count
            if not exc:
                r = next((x for x in exc_regions if x[0] >= e and (k + 1 >= len(heads) or x[0] < heads[k + 1][2])), None)
                if r:
                    phrase = re.sub(r"^\W*(?:other\s+than|except(?:\s+for)?|excluding|with\s+the\s+exception\s+of|apart\s+from|besides)\s+", "", text[r[0]:r[1]], flags=re.I).strip(" ,")
                    if phrase:
                        exc = (Excerpt(text=phrase, name=phrase.lower(), span=(r[1] - len(phrase), r[1])),)
            end = max([e] + [x.span[1] for x in mem + exc])
            wash = _WASHOUT.search(text, a, s)
            window = _window(text, e, b) or _window(text, a, s)
            if wash:
                n = _num(wash.group("n"))
                unit = wash.group("u").lower()
                if n is not None:
                    window = TimeWindow(days=units.duration_days(n, unit), iso=_iso(n, unit), direction="before",
                                        span=(wash.start(), wash.end()))
            dose = _dose(text, a, b)
            s = max(a, therapy_phrase_start(text, s))  # the span starts where the phrase as written does
            common = dict(text="", therapy=text[s:e], name=name, is_class=is_class, members=mem, exceptions=exc,
                          dose=dose, confidence=0.8 if is_class else 0.85)
            if bg:
                md = _MIN_DUR.search(text, e, b)
                minimum = units.duration_days(_num(md.group("n")) or 0, md.group("u")) if md else None
                c: Constraint = BackgroundTherapyConstraint(
                    span=(s, end), window=None, stable=bool(re.search(r"\bstable\b", text[a:b], re.I)),
                    min_duration_days=minimum, recently_started=bool(_RECENT.search(text, a, b)), **common)
            else:
                if window is None or (window.ever and window.span is None):
                    window = _ever_window(text, a, s) or _ever_window(text, e, b) or TimeWindow(ever=True)
                c = TherapyConstraint(span=(s, end), window=window, **common)
            if wash:
                # "≥ 4 weeks since prior X" requires *no* X inside the window: a negated exposure
                c.negated = True
            if name not in _KNOWN_NAMES and name not in lx.table_drug_labels():
                c.confidence = 0.5  # matched only by its INN suffix (-mab, -cept, -tinib, …)
            made.append(c)
        out.extend(made)
        if len(made) > 1:
            gaps = " ".join(text[heads[k][3]:heads[k + 1][2]] for k in range(len(heads) - 1))
            if re.fullmatch(r"[\s,/]*(?:(?:or|and/or|and)[\s,/]*)*", gaps.replace(",", " ")) or re.search(r"\bor\b", gaps):
                groups.append(("all" if re.search(r"\band\b(?!/)", gaps) and not re.search(r"\bor\b", gaps) else "any", made))
    return out, consumed


# --- therapy roles ------------------------------------------------------------------------------
#: "allergy/hypersensitivity/intolerance/contraindication (reaction) to X": a condition about X.
_ALLERGY_PRE = re.compile(
    r"\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|anaphyla\w*|contra-?indicat\w*|idiosyncra\w*|sensitivity|"
    r"toxicit\w*|adverse\s+reactions?|reactions?)\b[^;.]{0,40}?\b(?:to|of|against|with|from|for)\b(?P<gap>[^;.]{0,110})$", re.I)
#: An exposure word between an allergy cue and the drug ends the allergy ("allergy to X or prior Y").
_EXPOSURE_GAP = re.compile(r"\b(?:prior|previous(?:ly)?|receiv\w*|treated|treatment\s+with|use\s+of|within)\b", re.I)
_ALLERGY_POST = re.compile(r"^[\s\-]*(?:\([^()]*\)\s*)?(?:allerg\w*|hypersensitiv\w*|intoleran\w*|anaphyla\w*|"
                           r"(?:is\s+|are\s+)?contra-?indicat\w*|toxicit\w*|induced\s+(?:anaphyla|allerg))", re.I)
#: Use at screening or during the trial ("no concurrent X", "currently receiving X", "X at entry").
_CURRENT_PRE = re.compile(
    r"\b(?:concurrent(?:ly)?|concomitant(?:ly)?|current(?:ly)?|ongoing|presently|simultaneous|receiving|requiring|"
    r"require[sd]?|taking|treated\s+with|on\s+treatment\s+with|prescribed(?:\s+treatment\s+with)?|use\s+of|using|need\s+for|needs?|"
    r"undergoing|scheduled\s+(?:to|for)|planned|"
    # "patients on insulin": a person on a drug takes it now
    r"(?:(?:in|out)?patients?|subjects?|participants?|individuals?|persons?|people|those|who\s+are|already)\s+on"
    r"(?=\s+(?:an?\s+)?$))\b", re.I)
_CURRENT_POST = re.compile(
    r"\b(?:at\s+(?:the\s+time\s+of\s+)?(?:study\s+)?(?:entry|enrol+ment|screening|randomi[sz]ation|baseline|inclusion)|"
    r"during\s+(?:the\s+)?(?:study|trial|treatment\s+period|course)|while\s+on\s+(?:study|trial)|on\s+study|"
    r"throughout\s+the\s+(?:study|trial))\b", re.I)
_CURRENT_STRICT = re.compile(r"\b(?:concurrent(?:ly)?|concomitant(?:ly)?|current(?:ly)?|ongoing|presently)\b", re.I)
_PRIOR_CUE = re.compile(r"\b(?:prior|previous(?:ly)?|history|past|ever|had\s+received|have\s+received|received|"
                        r"failed|pretreated|pre-treated|treated|exposure|naive|naïve|refractory)\b", re.I)
_STABLE = re.compile(r"\bstable\s+(?:dose|dosage|regimen)|\b(?:no|without|any)\s+(?:\w+\s+){0,2}changes?\s+(?:in|of|to)\b|"
                     r"\bdose\s+(?:\w+\s+){0,2}(?:unchanged|stable|constant)\b", re.I)
_ALLOWED_POST = re.compile(r"[^;.]{0,150}?\b(?:is|are|will\s+be|may\s+be)?\s*(?:allowed|permitted|acceptable|permissible)\b", re.I)
_ANY_OTHER_THAN = re.compile(r"\bany\s+(?:other\s+)?(?:diagnos[ie]s|diseases?|conditions?|disorders?|malignanc(?:y|ies)|"
                             r"cancers?|tumou?rs?)\s+(?:other\s+than|except(?:\s+for)?)\s+[^;]{0,80}$", re.I)
_CONDITION_ALLOWED = re.compile(r"[^;.()]{0,80}?\b(?:is|are|will\s+be|may\s+be)?\s*(?:allowed|permitted|acceptable|"
                                r"permissible)\b", re.I)
_NOT_ALLOWED = re.compile(r"\bnot\s+(?:\w+\s+)?(?:allowed|permitted|acceptable)|\bunless\b", re.I)


_NAIVE = re.compile(r"^[\s-]*(?:treatment[\s-]*)?na[iï]ve\b", re.I)
_BARE = re.compile(r"[\s\-*•]*[A-Za-z][\w\s/-]{0,60}?[\s.;,]*")


def _therapy_role(text: str, c: TherapyConstraint, a: int, b: int, polarity: str) -> None:
    """Read what the criterion says about ``c``'s drug inside its clause ``[a, b)``; sets ``c.role``.

    The clause bounds keep another clause's window or cue out ("X at entry; pregnancy test within
    14 days": X is current, without a window).
    """
    s, e = c.span[0], c.span[0] + len(c.therapy)
    after = text[e:min(b, e + 60)]
    if isinstance(c, BackgroundTherapyConstraint):
        c.role = "stable-dose" if c.stable else "required-background"
        return
    if _allergy_cue(text, a, s) is not None or _ALLERGY_POST.match(after):
        c.role, c.window = "allergy", None
        return
    if _NAIVE.match(after):  # "biologic-naive": never exposed
        c.role, c.window, c.negated = "prior-ever", TimeWindow(ever=True), not c.negated
        return
    if _STABLE.search(text, a, b):
        c.role = "stable-dose"
        return
    if _ALLOWED_POST.match(text, e, b) and not _NOT_ALLOWED.search(text, a, b):
        c.role, c.window = "allowed", None
        return
    w = c.window
    if w is not None and w.span is not None and not w.ever and not (w.span[0] <= s < w.span[1]):
        # "(… > 12 weeks prior to screening) or ever received X": a parenthesis's window reaches no
        # drug after it
        wp = next(((x, y) for x, y in _paren_spans(text, a, b) if x <= w.span[0] < y), None)
        if wp is not None and s >= wp[1]:
            c.window = w = TimeWindow(ever=True)
    explicit = w is not None and not w.ever and w.span is not None
    if explicit and c.negated and _WASHOUT.search(text, a, s):
        c.role = "prior-within-window"  # "≥ N since X" = no X within N
        return
    if polarity == "exclusion" and not explicit and _BARE.fullmatch(text, a, b) and text[a:b].strip(" .;,-*").lower() \
            in (c.therapy.lower(), c.therapy.lower() + "s"):
        # a bare "Dialysis" or "Anti-androgen therapy" among exclusions: being on it now
        c.role, c.window = "current", TimeWindow(direction="during", reference="screening")
        return
    cur_pre = _CURRENT_PRE.search(text[max(a, s - 50):s])
    cur_post = _CURRENT_POST.search(text, e, b)
    prior = _PRIOR_CUE.search(text, a, s)
    if (cur_post and not explicit) or (cur_pre and not prior and (not explicit or _CURRENT_STRICT.search(cur_pre.group(0)))):
        c.role, c.window = "current", TimeWindow(direction="during", reference="screening")
        return
    c.role = "prior-within-window" if explicit else "prior-ever"


def _paren_spans(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Innermost parentheses of ``text[a:b]``, as (start, end) ranges."""
    return [(m.start(), m.end()) for m in _PAREN.finditer(text, a, b)]


def _allergy_cue(text: str, a: int, s: int) -> int | None:
    """Start of an allergy cue governing the drug at ``s`` (clause from ``a``), else None."""
    lo = max(a, s - 170)
    m = _ALLERGY_PRE.search(text, lo, s)
    if m is None or _EXPOSURE_GAP.search(m.group("gap")):
        return None
    return m.start()


def _allergy_first(text: str, clauses: list[tuple[int, int]], polarity: str,
                   cands: list[Constraint]) -> list[Constraint]:
    """An allergy to a named drug is that drug's allergy constraint, not a generic hypersensitivity.

    The drug keeps its therapy constraint (role ``allergy``); the condition phrases around it
    ("hypersensitivity", "intolerance of X") are dropped so they do not outrank it.
    """
    allergic: list[tuple[int, int]] = []
    for c in cands:
        if isinstance(c, TherapyConstraint) and not isinstance(c, BackgroundTherapyConstraint):
            a, b = _clause_of(clauses, c.span[0])
            s, e = c.span[0], c.span[0] + len(c.therapy)
            pre = _allergy_cue(text, a, s)
            if pre is not None or _ALLERGY_POST.match(text[e:min(b, e + 60)]):
                c.role, c.window = "allergy", None
                allergic.append((pre if pre is not None else s, min(b, e + 40)))
    if not allergic:
        return cands
    return [c for c in cands if not (isinstance(c, ConditionConstraint)
                                     and any(c.span[0] < y and x < c.span[1] for x, y in allergic))]


_ALLERGY_TO = re.compile(r"\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|anaphyla\w*)(?:\s+reactions?)?"
                         r"(?:\s+(?:or|and/or)\s+(?:allerg\w*|hypersensitiv\w*|intoleran\w*)(?:\s+reactions?)?)?"
                         r"\s+(?:to|against|of|with)\s+(?:(?:or|and/or)\s+intoleran\w+\s+(?:to|of)\s+)?", re.I)
_ALLERGEN_END = re.compile(r"[;.:()\[\]]|\b(?:within|that|which|who|requiring|if|unless|such\s+as|including|"
                           r"e\.g|or\s+(?:any|other)\s+(?:component|excipient|ingredient))\b", re.I)
_ALLERGEN_LEAD = re.compile(r"\s*(?:(?:the|its|their|any|a|an)\s+)+", re.I)
_ALLERGEN_PART = re.compile(r"(?:(?:any\s+)?(?:of\s+)?(?:its|their|the)\s+)?(?:excipients?|components?|ingredients?|"
                            r"constituents?|formulations?)", re.I)
_ALLERGEN_ITEM = re.compile(r"\s*(?:,\s*(?:or|and/or|and)?|\bor\b|\band/or\b|\band\b)\s*", re.I)


def _allergens(text: str, clauses: list[tuple[int, int]], kept: list[Constraint]) -> list[Constraint]:
    """"Allergy to murine proteins": an allergy to a substance the drug tables lack is still its
    allergy constraint (role ``allergy``), not a bare hypersensitivity."""
    out: list[Constraint] = []
    covered: list[tuple[int, int]] = []
    # "Allergic to warfarin, X": the known drug took the cue's condition (_allergy_first); the
    # cue still lists the other items
    anchors: list[Constraint] = list(kept)
    for k in kept:
        if isinstance(k, TherapyConstraint) and k.role == "allergy":
            a, b = _clause_of(clauses, k.span[0])
            m = _ALLERGY_TO.search(text, max(a, k.span[0] - 60), k.span[0] + 1)
            if m is not None and not any(isinstance(c, ConditionConstraint) and c.name == "hypersensitivity"
                                         and a <= c.span[0] < b for c in anchors):
                anchors.append(ConditionConstraint(span=(m.start(), m.start()), text="", name="hypersensitivity",
                                                   condition="", polarity=k.polarity, confidence=0.0))
    for c in anchors:
        if not (isinstance(c, ConditionConstraint) and c.name == "hypersensitivity"):
            out.append(c)
            continue
        synthetic = c.span[0] == c.span[1]
        a, b = _clause_of(clauses, c.span[0])
        m = _ALLERGY_TO.search(text, c.span[0], b)
        if m is None or m.start() > c.span[0] + 40:
            if not synthetic:
                out.append(c)
            continue
        # drugs of the list the tables know are already allergy constraints: the rest are added
        known = [k.span for k in kept if isinstance(k, TherapyConstraint) and k.role == "allergy" and a <= k.span[0] < b]
        h = _ALLERGEN_END.search(text, m.end(), b)
        end = h.start() if h else b
        made = []
        pos = m.end()
        for part in _ALLERGEN_ITEM.split(text[m.end():end]):
            i = text.find(part, pos, end) if part else -1
            if i < 0:
                continue
            pos = i + len(part)
            lead = _ALLERGEN_LEAD.match(part)
            if lead:  # "the study drug": the determiner is no part of the name
                i, part = i + lead.end(), part[lead.end():]
            phrase = part.strip()
            if _ALLERGEN_PART.fullmatch(phrase) or any(x < i + len(part) and i < y for x, y in known):
                continue  # "or its excipients" is the item before it, not another substance
            if 2 < len(phrase) and len(phrase.split()) <= 5:
                made.append(TherapyConstraint(span=(i, i + len(part)), text=text[i:i + len(part)], therapy=phrase,
                                              name=phrase.lower(), role="allergy", confidence=0.6,
                                              polarity=c.polarity, negated=c.negated))
        out.extend(made or ([c] if not known and not synthetic else []))
        if made or known:
            covered.append((m.start(), end))
    # the same allergens read as conditions of their own ("intolerance of imidazoles")
    return [c for c in out if not (isinstance(c, ConditionConstraint)
                                   and any(x <= c.span[0] < y for x, y in covered))]


_SCOPE_LEAD = re.compile(r"\s*(?:for|in)\s+(?!example\b|instance\b|at\s+least\b|the\s+(?:past|last)\b)[^,;:.()]{3,60},\s+", re.I)
_SAYS_EXCLUDED = re.compile(r"\b(?:will\s+be|are|is|shall\s+be|must\s+be)\s+(?:excluded|exluded|ineligible|not\s+eligible)\b", re.I)
_FOR_TAIL = re.compile(r"\bfor\s+(?:(?:the|a|an|this|other|of|[\w'-]+)\s+){0,4}$", re.I)


def _drop_indications(text: str, clauses: list[tuple[int, int]], kept: list[Constraint]) -> list[Constraint]:
    """"X for Y": Y is what X treats, not a condition of its own ("vincristine for Kaposi's sarcoma").

    A pointer to another section ("See Disease Characteristics") is no condition either."""
    ther = [c for c in kept if isinstance(c, TherapyConstraint)]
    out = []
    for c in kept:
        if isinstance(c, ConditionConstraint):
            a, _ = _clause_of(clauses, c.span[0])
            lead = text[max(a, c.span[0] - 60):c.span[0]]
            if re.match(r"see\b", c.name):
                continue  # "Hematopoietic: See Disease Characteristics" points elsewhere
            if _FOR_TAIL.search(lead) and any(a <= k.span[0] and k.span[1] <= c.span[0] for k in ther):
                continue
        out.append(c)
    return out


#: Legacy sub-headings and what they do to the items under them (see :func:`heading_scope`).
_SCOPE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?:discouraged|not\s+recommended)\b", re.I), "discouraged"),
    (re.compile(r"\b(?:not\s+(?:considered\s+)?measurable|definitions?|defined\s+as)\b", re.I), "definition"),
    (re.compile(r"^\s*(?:not\s+(?:allowed|permitted)|prohibited|excluded|exclude)\b", re.I), "excluded"),
    (re.compile(r"\b(?:allowed|permitted|acceptable)\b", re.I), "allowed"),
    (re.compile(r"^\s*required\b", re.I), "required"),
    (re.compile(r"\bat\s+least\b.*\bsince\b", re.I), "since"),
    (re.compile(r"\bprior\s*(?:/|and|or|and/or)?\s*concurrent\s+therap", re.I), "therapy-block"),
    (re.compile(r"\b(?:concurrent|concomitant)\s+(?:medications?|treatments?|therap(?:y|ies)|drugs?)\b", re.I), "current"),
    (re.compile(r"^\s*prior\s+(?:medications?|treatments?|therap(?:y|ies))\s*:", re.I), "prior"),
)
_SCOPE_HEAD = re.compile(r"^[^:]{1,120}:\s*$")
#: Terms whose definitions are not themselves criteria ("measurable disease is defined as:").
_DEFINES_A_TERM = re.compile(r"measurable|evaluable|refractor|respon|childbearing|potential|adequate|definitions?\b(?!\s+of\s+\w+\s+disease)",
                             re.I)
#: Category labels inside a "PRIOR CONCURRENT THERAPY" block ("Chemotherapy", "Surgery:").
_CATEGORY = re.compile(r"\s*(?:biologic(?:al)?|chemo|endocrine|hormon(?:e|al)|radio|radiation|immuno|other|"
                       r"surgery|surgical)\w*(?:\s+(?:therapy|treatment))?\s*:?\s*", re.I)
_INLINE_SCOPE = re.compile(r"^\s*(?P<h>allowed|permitted|required|excluded|not\s+allowed|prohibited)\s*:\s*(?=\S)", re.I)


def scope_of_heading(head: str) -> str | None:
    """The scope a legacy sub-heading sets for the items under it, as :func:`parse_criterion` reads it.

    ``allowed``, ``required``, ``current``, ``prior``, ``discouraged``, ``definition``,
    ``therapy-block`` (a "PRIOR CONCURRENT THERAPY" block: its category labels name nothing),
    ``excluded`` or ``since``, followed by ``:`` and an ISO-8601 window when the heading
    states one ("Excluded within 14 days of entry:" → ``excluded:P14D``); None for a heading
    that sets no scope ("Hepatic:").

    >>> scope_of_heading("Allowed:"), scope_of_heading("Excluded within 14 days prior to study entry:")
    ('allowed', 'excluded:P14D')
    >>> scope_of_heading("At least 3 months since:"), scope_of_heading("Hepatic:")
    ('since:P3M', None)
    """
    for rx, name in _SCOPE_RULES:
        if rx.search(head):
            if name == "definition" and _morph_heads(head) and not _DEFINES_A_TERM.search(head):
                return None  # "Significant cardiovascular disease, defined as the following:" lists the exclusions
            if name in ("excluded", "since"):
                w = _window(head, 0, len(head))
                if w is None and name == "since":
                    m = _WIN_RE.search(head)
                    if m and _num(m.group("n")) is not None:
                        return f"since:{_iso(_num(m.group('n')) or 0, m.group('u').lower())}"
                if w is not None and w.iso:
                    return f"{name}:{w.iso}"
                if name == "excluded" and _EVER_RE.search(head):
                    return "excluded:ever"
            return name
    return None


def heading_scope(criteria: list) -> list[str | None]:
    """Per criterion of one record (``split_criteria``'s list), the scope its legacy sub-heading sets.

    A heading governs the items nested under it (``parent``) and, when the splitter left them
    flat, the short items that follow it up to the next heading or top-level sentence.
    """
    out: list[str | None] = []
    flat: str | None = None
    flat_parent: object = object()
    for i, c in enumerate(criteria):
        t = c.text.strip()
        scope = None
        p = c.parent
        seen = 0
        while p is not None and 0 <= p < len(criteria) and seen < 6:
            pt = criteria[p].text.strip()
            if _SCOPE_HEAD.match(pt):
                scope = scope_of_heading(pt)
                if scope:
                    break
            p = criteria[p].parent
            seen += 1
        if _SCOPE_HEAD.match(t) and len(t) <= 120:
            h = scope_of_heading(t)
            if h or is_header(t):
                flat, flat_parent = h, c.parent
            out.append(None)
            continue
        if scope is None and flat is not None and c.parent == flat_parent:
            if len(t) <= 100:
                scope = flat
            else:
                flat = None
        out.append(scope)
    return out


_LISTED = re.compile(r"\s*(?P<n>[A-Za-z][\w'/+-]*(?:\s+[\w'/+-]+){0,3}?)(?:\s*\([^()]{1,30}\))?\s*\.?\s*")
_NOT_AGENT = re.compile(r"\b(?:patients?|subjects?|history|disease|syndrome|infection|cancer|test|score|count|level|"
                        r"unable|able|must|will|should|not|no|none|other|see|as|in|with|for)\b", re.I)


def _listed_agent(text: str, polarity: str, scope: str) -> list[Constraint]:
    """A bare item in a drug list under a therapy sub-heading ("Allowed:", "Concurrent medication:")
    names an agent even when the drug tables lack it ("Digoxin.", "Rifamycins.")."""
    if scope.startswith(("discouraged", "definition", "therapy-block")):
        return []
    m = _LISTED.fullmatch(text)
    if m is None or _NOT_AGENT.search(m.group("n")):
        return []
    s, e = m.span("n")
    c = TherapyConstraint(span=(s, e), text=text[s:e], therapy=text[s:e], name=text[s:e].lower(), confidence=0.5,
                          polarity=polarity, window=TimeWindow(ever=True), role="prior-ever")
    if scope == "current":
        c.role, c.window = "current", TimeWindow(direction="during", reference="screening")
    return [c]


def _apply_scope(text: str, scope: str, kept: list[Constraint]) -> list[Constraint]:
    """Items under a legacy sub-heading: its scope replaces the polarity and role read from the text."""
    name, _, win = scope.partition(":")
    if name in ("discouraged", "definition"):
        return []
    out: list[Constraint] = []
    for c in kept:
        if isinstance(c, TherapyConstraint) and not isinstance(c, BackgroundTherapyConstraint):
            if c.role == "allergy":
                out.append(c)
                continue
            if name == "allowed":
                c.role, c.window, c.negated = "allowed", None, False
            elif name == "required":
                c.polarity, c.negated = "inclusion", False
                if c.role not in ("prior-ever", "prior-within-window") or not _PRIOR_CUE.search(text):
                    c.role = "required-background"
            elif name == "current" and c.role in ("prior-ever", None) and not _PRIOR_CUE.search(text):
                c.role, c.window = "current", TimeWindow(direction="during", reference="screening")
            elif name in ("excluded", "since"):
                c.polarity, c.negated = ("exclusion", False) if name == "excluded" else (c.polarity, True)
                if win and win != "ever":
                    days = _iso_days(win)
                    c.role, c.window = "prior-within-window", TimeWindow(days=days, iso=win, direction="before")
                elif name == "excluded" and c.role == "prior-ever":
                    c.window = TimeWindow(ever=True)
            out.append(c)
        elif name == "allowed":
            continue  # an allowed condition is no requirement
        else:
            out.append(c)
    return out


def _iso_days(iso: str) -> int | None:
    m = re.fullmatch(r"P(\d+(?:\.\d+)?)([DWMY])", iso)
    if not m:
        return None
    return units.duration_days(float(m.group(1)), {"D": "days", "W": "weeks", "M": "months", "Y": "years"}[m.group(2)])


# --- conditions -------------------------------------------------------------------------------
_TRIGGER_GATE = ("history", "hx ", "diagnos", "evidence", "presence", "suffer", "presenting", " with", "known",
                 "current", "concomitant", "existing", "uncontrolled", "significant")
_TRIGGER = re.compile(
    r"(?<![\w-])(?:(?:history|hx)\s+of|diagnos(?:is|ed)\s+(?:of|with|as)|evidence\s+of|presence\s+of|"
    r"suffer(?:s|ing)?\s+from|presenting\s+with|(?:patients?|subjects?|participants?|individuals?)\s+with|known|current|"
    r"concomitant|co-?existing|uncontrolled|clinically\s+significant)\s+(?:an?\s+|any\s+|the\s+)?",
    re.I,
)
_ALLERGEN = re.compile(r"\s*(?:or\s+intolerance\s+|or\s+hypersensitivity\s+|reactions?\s+)?(?:to|against|after|following)\s+", re.I)
_HARD_END = re.compile(r"[;.:()\[\]]|\b(?:within|in\s+the\s+(?:last|past|previous)|except|other\s+than|excluding|with\s+the\s+exception|that|which|who|defined|as\s+defined|as\s+determined|according|requiring|including|such\s+as|if|unless|based|per|at\s+(?:screening|baseline)|before|prior\s+to|during|after)\b", re.I)
_QUALIFIERS = (
    (re.compile(r"\bnew(?:ly)?[\s-]*(?:onset|diagnosed)\b|\bnew\s+diagnosis\b", re.I), "new_onset"),
    (re.compile(r"\bflares?\b|\bflaring\b", re.I), "flare"),
    (re.compile(r"\brelaps\w*|\brecurren\w*|\bre-?elevation\b", re.I), "relapse"),
    (re.compile(r"\brefractory\b|\binadequate\s+response\b|\bunresponsive\w*", re.I), "refractory"),
    (re.compile(r"\bactive\b", re.I), "active"),
    (re.compile(r"\bremission\b|\binactive\b|\bquiescent\b", re.I), "remission"),
    (re.compile(r"\bhistory\s+of\b|\bprevious(?:ly)?\b|\bprior\b|\bpast\b", re.I), "history"),
    (re.compile(r"\bcurrent(?:ly)?\b|\bongoing\b", re.I), "current"),
    (re.compile(r"\buncontrolled\b|\bunstable\b", re.I), "uncontrolled"),
    (re.compile(r"\bsevere(?:ly)?\b|\bserious(?:ly)?\b|\bsignificant\b", re.I), "severe"),
    (re.compile(r"\bchronic\b", re.I), "chronic"),
)
#: All qualifier patterns in one pass (group q<i> is _QUALIFIERS[i]).
_QUALIFIER_RE = re.compile("|".join(f"(?P<q{i}>{rx.pattern})" for i, (rx, _) in enumerate(_QUALIFIERS)), re.I)
_ACTIVE_BY = re.compile(r"\bactive\b\s*\(?\s*(?:disease\s+)?(?:according\s+to|as\s+defined\s+by|defined\s+by|by|per|based\s+on|as\s+measured\s+by|as\s+assessed\s+by)\s+(?:the\s+)?", re.I)
_CRITERIA = re.compile(r"\bcriteri(?:a|on)\b(?:\s+(?:of|from)\s+(?:19|20)\d{2}\b)?(?:\s+for\s+(?:the\s+)?(?:classification\s+of\s+|diagnosis\s+of\s+)?(?P<dis>[^;,.()]{1,60}?)(?=\s*(?:[;,.()]|\bor\b|\band\b|\bwith\b|$)))?", re.I)
_CRIT_START = re.compile(
    r"(?:fulfil\w*|meet\w*|met|satisf\w*|according\s+to|based\s+on|using|per|by|or|either)\s+(?:of\s+|with\s+)?(?:the\s+|both\s+|either\s+)?",
    re.I,
)
_CRIT_SKIP = re.compile(r"\b(?:inclusion|exclusion|eligibility|entry|enrol\w*|these|above|following|this|study)\b", re.I)
_CRIT_OK = re.compile(r"\b(?:19|20)\d{2}\b|\b(?:acr|eular|slicc|classification|diagnostic|revised|international|consensus|criteria\s+for)\b", re.I)
_ORG_INV = re.compile(r"\borgans?\s+(?:involvement|manifestations?|damage)|\binvolvement\s+of\b|\borgans?\s+involved\b", re.I)


_REL_CLAUSE = re.compile(r"\s*(?:that|which|who)\s+(?:is|are|was|were|has\s+been|have\s+been)\s+", re.I)


def _qual_end(text: str, end: int, clause_end: int) -> int:
    """Where qualifiers of a disease named at ``text[:end]`` stop: 20 characters on, or
    the end of a following "that is …" clause ("IgG4-RD that is newly diagnosed or flaring")."""
    rel = _REL_CLAUSE.match(text, end, clause_end)
    if rel:
        h = re.compile(r"[;,.(]|\band\s+(?!refractory|relapsing|active|flaring)\w+\s", re.I).search(text, rel.end(), clause_end)
        return h.start() if h else clause_end
    return min(clause_end, end + 20)


#: Head nouns of conditions, by ending or as whole words. Matched per word (str.endswith
#: and a set lookup) rather than by one regex, which backtracked at every character.
_MORPH_SUFFIXES = ("itis", "osis", "emia", "emias", "aemia", "opathy", "opathies", "oma", "omas", "algia", "plasia",
                   "trophy", "penia", "uria", "iasis", "rrhea", "rrhoea", "spasm", "cytosis", "megaly", "plegia",
                   "paresis", "ischemia", "ischaemia", "edema", "oedema", "ism", "plakia")
_MORPH_WORDS = frozenset(
    "disease diseases disorder disorders syndrome syndromes failure insufficiency injury injuries deficiency deficiencies "
    "dysfunction arrhythmia arrhythmias hypertension hypotension fracture fractures ulcer ulcers abnormality "
    "abnormalities metastases metastasis lesion lesions stenosis toxicity toxicities intolerance dementia depression "
    "epilepsy seizure seizures asthma obesity pain bleeding hemorrhage haemorrhage thrombosis embolism infarction edema "
    "oedema impairment hepatitis cirrhosis psychosis schizophrenia migraine glaucoma cataract angina colitis "
    "embolus emboli crisis illness fibrillation tachycardia bradycardia arrest apnea apnoea herniation compression "
    "phobia emphysema copd attack attacks".split())
_MORPH_NOT = frozenset({"diploma", "coma", "soma", "aroma", "stoma", "osis", "itis", "diagnosis", "prognosis",
                        "mechanism", "organism", "organisms", "metabolism", "tourism", "criticism", "mechanisms"})
_HEAD_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z-]{2,}(?![\w-])")


def _morph_heads(text: str) -> list[tuple[int, int]]:
    """Spans of words that are condition head nouns ("thrombocytopenia", "insufficiency")."""
    out = []
    for m in _HEAD_WORD.finditer(text):
        w = m.group(0).lower()
        if w in _MORPH_WORDS or (w.endswith(_MORPH_SUFFIXES) and w not in _MORPH_NOT and len(w) > 5):
            out.append((m.start(), m.end()))
    return out


#: Words that end a condition's modifiers when walking left from its head noun.
_MOD_STOP = frozenset(
    "no not any with without of or and the a an to in on for by from at as is are was were be been has have had having "
    "patients patient subjects subject participants participant who which that must should history prior previous "
    "known current currently evidence presence diagnosis diagnosed documented suspected other including include such e.g "
    "eg i.e ie than if due other clinical clinically significant unless except excluding when".split())
#: A head noun with only vague modifiers names no particular condition.
_VAGUE = re.compile(
    r"(?:(?:laboratory|lab|medical|other|concurrent|intercurrent|serious|severe|major|minor|significant|relevant|"
    r"underlying|general|any|unstable|active|chronic|acute|new)\s+)*"
    r"(?:diseases?|disorders?|syndromes?|abnormalit(?:y|ies)|impairment|dysfunction|failure|insufficiency|injur(?:y|ies)|"
    r"lesions?|pain|toxicit(?:y|ies)|bleeding)", re.I)
_DEFINED_BY_VALUE = re.compile(r"\s*\([^()]*?(?:[<>≤≥=]|less|greater|more|below|above)\s*\d", re.I)
_WORD_LEFT = re.compile(r"([A-Za-z][\w'-]*)\s+$")
_ACRONYM_LEFT = re.compile(r"(?<=\w\s)\(\s*[A-Z][A-Za-z0-9-]{1,9}\s*\)\s+$")


def _modifiers_start(text: str, head: int, most: int = 3) -> int:
    """Start of a condition phrase: up to ``most`` modifier words left of its head noun (over an
    acronym in parentheses: "central nervous system (CNS) metastases")."""
    start = head
    ac = _ACRONYM_LEFT.search(text, max(0, start - 16), start)
    if ac:
        start = ac.start()
    for _ in range(most):
        m = _WORD_LEFT.search(text, max(0, start - 40), start)
        if not m or m.group(1).lower() in _MOD_STOP:
            break
        start = m.start(1)
    return start


def _disease_name(phrase: str) -> str | None:
    m = _DISEASE_RE.search(phrase)
    if not m or not m.lastgroup:
        return None
    return _DISEASES[int(m.lastgroup[1:])][1]


#: Phrases a trigger ("current …", "history of …") can pick up that name no condition.
_GENERIC = re.compile(
    r"(?:(?:or|and|such|any|other|the|a|an|past|previous|prior|current|present|recent|abuse|dependence|misuse|"
    r"disease|illness|condition|disorder|problem|history|status)\b[\s,/]*)+", re.I)

#: A word after a cancer/tumour/infection head that makes the head an attribute of another noun.
_ATTRIBUTIVE = re.compile(r"\s+(?:tissues?|biops(?:y|ies)|samples?|specimens?|blocks?|necrosis|drugs?|medications?|"
                          r"treatments?|therap(?:y|ies)|cells?|markers?|lysis|assessments?|response|board|types?|"
                          r"control|prevention|prophylaxis|screening|risk)\b", re.I)
#: A condition of a relative or in the family history, not the patient's.
_OF_RELATIVE = re.compile(r"\b(?:relatives?|family\s+(?:member|history)|familial\s+history|parents?|siblings?|"
                          r"mother|father|brother|sister)\b[^;.]{0,40}$", re.I)
_ACRONYM = re.compile(r"\s*\(\s*[A-Z][A-Za-z0-9-]{1,9}\s*\)")


def _acronym_end(text: str, end: int) -> int:
    """Where a condition phrase as written ends: after its own acronym ("… Syndrome (MDS)")."""
    m = _ACRONYM.match(text, end)
    return m.end() if m else end


#: Disease-table names too broad to stand for a phrase that names a site or type.
_BROAD_HEADS = frozenset({"malignancy", "infection"})
#: One or two site words and a conjunction right before a narrowed head's own site words.
_COORD_SITE = re.compile(r"(?<![\w-])(?P<w>[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*)?)\s*(?:,\s*)?(?:\bor\b|\band\b|and/or|/)\s*$", re.I)

_ITEM_SEP = re.compile(r",?\s+(?:or|and/or)\s+|,\s*(?:(?:or|and/or)\s+)?", re.I)


def _split_items(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, pos = [], s
    for m in _ITEM_SEP.finditer(text, s, e):
        a, b = m.start(), m.end()
        if a > pos:
            out.append((pos, a))
        pos = b
    if pos < e:
        out.append((pos, e))
    out = [(a, b) for a, b in out if re.search(r"[A-Za-z]{2}", text[a:b])]
    # "histologic or cytologic confirmation", "known or suspected X": a lone modifier that
    # is not itself a disease coordinates with the next item, so it joins it
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for k, (a, b) in enumerate(out):
        start = a if pending is None else pending
        pending = None
        if k + 1 < len(out) and len(text[a:b].split()) == 1 and _disease_name(text[a:b]) is None:
            pending = start
            continue
        merged.append((start, b))
    return merged


#: Words that make a list item a clause or a measure, not a condition's name.
_NOT_NAME = re.compile(
    r"\b(?:will|would|are|is|was|were|be|being|been|showing|shows?|allowed|permitted|excluded|eligible|greater|less|"
    r"equal|than|following|duration|function|evidence|diagnosis|treatment|therapy|therapies|medications?|drugs?|"
    r"condition|conditions|any|must|should|may|might|could|shown|confirmed|proven|"
    r"defined|measured|required|requiring|receiving|treated|history|symptoms?|signs?|likelihood|risk|stage)\b|\d", re.I)


def _condition_item(text: str, a: int, b: int) -> tuple[int, int] | None:
    """The condition a trigger's list item names when no disease-table name is in it: the item up
    to its head noun when it has one ("necrotizing glomerulonephritis"), the item itself when it
    is a short name ("Gottron's papules"), None when it reads as a clause or measure."""
    heads = [(hs, he) for hs, he in _morph_heads(text[a:b])]
    if heads:
        hs, he = heads[0]
        s0 = _modifiers_start(text, a + hs)
        s0 = max(a, s0)
        if _NOT_NAME.search(text, s0, a + he) and not _NOT_NAME.search(text, a + hs, a + he):
            s0 = a + hs
        if _NOT_NAME.search(text, s0, a + he) or " " not in text[s0:a + he].strip() and _VAGUE.fullmatch(text[s0:a + he]):
            return None
        return s0, a + he
    # a short name, up to the first word that starts a clause or a measure ("menopause or have
    # stopped periods", "ED of at least 3 months' duration")
    stop = _ITEM_END.search(text, a, b)
    e = stop.start() if stop else b
    while e > a and text[e - 1] in " ,;:-(":
        e -= 1
    words = text[a:e].split()
    if words and len(words) <= 4 and not _NOT_NAME.search(text, a, e) and words[0].lower() not in _FUNCTION_WORDS \
            and not _NOT_HEAD.search(words[-1]) and not _VAGUE.fullmatch(text[a:e]):
        return a, e
    return None


_FUNCTION_WORDS = frozenset("of the a an to with without and or for by in on at as is are be no not any than if who which "
                            "that other such".split())
#: A last word that leaves a short item without a head noun ("medical", "cardiac", "positive"), or
#: names a test, not a condition ("renal biopsy", "throat culture").
_NOT_HEAD = re.compile(r"\w{3,}(?:al|ic|ous|ive|ary|ed|ly)$|^(?:disease|disorder|positive|negative|adequate|biops(?:y|ies)|"
                       r"systems?|organs?|functions?|"
                       r"cultures?|tests?|scans?|imaging|samples?|c|p)$", re.I)


_ITEM_END = re.compile(r"(?<=\w)\s+(?:of|in|for|with|by|on|at|to|from|as|have|has|had|who|which|that)\b|"
                       + _NOT_NAME.pattern + r"|[(,;:]", re.I)


def _conditions(text: str, clauses: list[tuple[int, int]], consumed: list[tuple[int, int]],
                groups: list[tuple[str, list[Constraint]]]) -> list[Constraint]:
    out: list[Constraint] = []
    taken: list[tuple[int, int]] = []

    qual_hits: list[tuple[int, int, int]] | None = None

    def qualifiers(a: int, b: int) -> tuple[str, ...]:
        # one pass over the text, then a filter per call (called once per condition found)
        nonlocal qual_hits
        if qual_hits is None:
            qual_hits = [(m.start(), m.end(), int(m.lastgroup[1:])) for m in _QUALIFIER_RE.finditer(text) if m.lastgroup]
        found = {i for s, e, i in qual_hits if a <= s and e <= b}
        return tuple(_QUALIFIERS[i][1] for i in sorted(found))

    def active_by(a: int, b: int) -> str | None:
        m = _ACTIVE_BY.search(text, a, b)
        if not m:
            return None
        ins = lx.find_instruments(text[m.end():min(b, m.end() + 40)])
        return ins[0][0].key if ins and ins[0][1] == 0 else None

    def exceptions(a: int, b: int) -> tuple[Excerpt, ...]:
        res: list[Excerpt] = []
        for m in _EXCEPT.finditer(text, a, b):
            e = re.compile(r";|\.(?=\s|$)").search(text, m.end(), b)
            end = e.start() if e else b
            pieces: list[str] = []
            for p in re.split(r"\s+or\s+(?=(?:\S+\s+){2})", text[m.end():end]):
                # "basal cell or squamous cell carcinoma": short heads belong to the next item
                if pieces and len(pieces[-1].split()) < 3:
                    pieces[-1] = pieces[-1] + " or " + p
                else:
                    pieces.append(p)
            pos = m.end()
            for p in pieces:
                k = text.find(p, pos, end)
                if p.strip() and k >= 0:
                    res.append(Excerpt(text=p.strip(), name=p.strip().lower(), span=(k, k + len(p))))
                    pos = k + len(p)
            consumed.append((m.start(), end))
        return tuple(res)

    low = text.lower()
    # classification criteria
    crit_made: list[Constraint] = []
    for m in (_CRITERIA.finditer(text) if "criteri" in low else ()):
        ca, cb = _clause_of(clauses, m.start())
        lo = max(ca, m.start() - 220)
        starts = list(_CRIT_START.finditer(text, lo, m.start()))
        s = starts[-1].end() if starts else lo
        while s < m.start() and text[s] in " (,":
            s += 1
        phrase = text[s:m.end()].strip()
        if not phrase or _CRIT_SKIP.search(text[s:m.start()]) or not _CRIT_OK.search(phrase):
            continue
        year = re.search(r"\b(?:19|20)\d{2}\b", phrase)
        dis = m.group("dis")
        name = _disease_name(phrase) or (_disease_name(text[ca:cb]) if not dis else None) or (dis or "").strip().lower()
        c = ConditionConstraint(span=(s, m.end()), condition=dis.strip() if dis else name, name=name,
                                classification=phrase, classification_year=int(year.group(0)) if year else None,
                                qualifiers=qualifiers(ca, cb), confidence=0.85)
        crit_made.append(c)
        taken.append((s, m.end()))
    if len(crit_made) > 1:
        gaps = " ".join(text[crit_made[k].span[1]:crit_made[k + 1].span[0]] for k in range(len(crit_made) - 1))
        groups.append(("all" if re.search(r"\band\b", gaps) and not re.search(r"\bor\b", gaps) else "any", crit_made))
    out.extend(crit_made)

    # trigger phrases: "history of X", "patients with X or Y"
    for m in (_TRIGGER.finditer(text) if any(map(low.__contains__, _TRIGGER_GATE)) else ()):
        if any(a <= m.start() < b for a, b in taken) or _in(consumed, m.start()):
            continue
        ca, cb = _clause_of(clauses, m.start())
        h = _HARD_END.search(text, m.end(), min(cb, m.end() + 140))
        pe = h.start() if h else min(cb, m.end() + 140)
        items = _split_items(text, m.end(), pe)[:6]
        made: list[Constraint] = []
        window = _window(text, pe, cb) or _ever_window(text, max(ca, m.start() - 30), m.end())
        exc = exceptions(pe, cb)
        for a, b in items:
            phrase = text[a:b].strip()
            if len(phrase) < 3 or len(phrase.split()) > 12 or _GENERIC.fullmatch(phrase):
                continue
            name = _disease_name(phrase)
            cut_from = None
            if name is None and _SUBORDINATE.match(text, ca, cb) and a < _SUBORDINATE.match(text, ca, cb).end():
                continue  # "While in remission and without evidence of relapse, …": the setting, not a criterion
            if name is None:
                cut = _condition_item(text, a, b)
                if cut is None:
                    continue  # "disease duration greater than", "renal biopsy showing …": no condition named
                written = text[a:cut[1]].strip()  # the phrase as written keeps its leading state words
                if cut[0] > a:
                    cut_from = cut[0]  # the name starts inside the item: so does the span
                a, b = cut
                phrase = text[a:b].strip()
                name = phrase.lower()
                phrase = written if len(written.split()) <= len(phrase.split()) + 2 else phrase
            if name in _BROAD_HEADS:
                hm = _DISEASE_RE.search(text, a, b)
                if hm and max(a, modifiers_start(text, hm.start())) < hm.start():
                    name = specific_name(text[max(a, modifiers_start(text, hm.start())):hm.end()])
            if name == "hypersensitivity":
                to = _ALLERGEN.match(text, b, cb)
                if to:
                    h = re.compile(r"[;.:()\[\]]").search(text, to.end(), cb)
                    b = h.start() if h else cb
            made.append(ConditionConstraint(
                span=(m.start() if not made and cut_from is None else a, b), condition=phrase,
                name=name or phrase.lower(),
                # a list item's own words qualify it, and the trigger ("history of", "current")
                # every item; one item's "active" or "serious" is not the next one's
                qualifiers=qualifiers(max(ca, m.start() - 30), b) if not made else tuple(
                    dict.fromkeys(qualifiers(max(ca, m.start() - 30), m.end()) + qualifiers(a, b))),
                active_by=active_by(ca, cb),
                # "a current X, or an X in the past 5 years": the look-back window after the
                # list is not that of an earlier item that is current
                window=None if (window and not window.ever and (a, b) != items[-1]
                                and "current" in qualifiers(max(ca, m.start() - 30), b)) else window,
                exceptions=exc, confidence=0.8 if name else 0.6))
            taken.append((a, b))
        if made and exc:
            last = made[-1]
            last.span = (last.span[0], max(last.span[1], exc[-1].span[1]))
        out.extend(made)
        if len(made) > 1:
            groups.append(("any" if re.search(r"\bor\b", text[m.end():pe]) else "all", made))

    # named diseases not already covered
    for m in (_DISEASE_RE.finditer(text) if _DISEASE_GATE.open(low) else ()):
        if (any(a <= m.start() < b for a, b in taken) or _in(consumed, m.start())
                or any(c.span[0] <= m.start() < c.span[1] for c in out)):
            continue
        ca, cb = _clause_of(clauses, m.start())
        name = _DISEASES[int(m.lastgroup[1:])][1] if m.lastgroup else m.group(0).lower()
        if name in _BROAD_HEADS and _ATTRIBUTIVE.match(text, m.end()):
            continue  # "tumor tissue", "cancer drugs", "Tumor Necrosis Factor": the word names something else
        if _OF_RELATIVE.search(text, max(ca, m.start() - 60), m.start()):
            continue  # "a first-degree relative with leukemia": not the patient's own condition
        s0 = m.start()
        if name in _BROAD_HEADS:  # "prostate cancer" is not any malignancy
            s0 = max(ca, modifiers_start(text, m.start()))
            if s0 < m.start():
                name = specific_name(text[s0:m.end()])
        exc = exceptions(m.end(), cb)
        span_end = max([m.end()] + [x.span[1] for x in exc])
        if name == "hypersensitivity":
            # "allergy to cyclophosphamide or mesna": the drugs are what the allergy is to
            to = _ALLERGEN.match(text, m.end(), cb)
            if to:
                h = _HARD_END.search(text, to.end(), cb)
                span_end = max(span_end, h.start() if h else cb)
        # "gynecologic or breast cancer", "basal cell or squamous cell carcinoma": the site
        # before the conjunction shares the head
        co = _COORD_SITE.search(text, max(ca, s0 - 40), s0) if s0 < m.start() else None
        if co and not any(w.lower() in STOP_WORDS for w in co.group("w").split()):
            head = text[m.start():m.end()]
            out.append(ConditionConstraint(
                span=(co.start("w"), m.end()), condition=co.group("w") + " " + head,
                name=specific_name(co.group("w") + " " + head),
                qualifiers=qualifiers(max(ca, m.start() - 60), _qual_end(text, m.end(), cb)),
                window=_window(text, m.end(), cb) or _ever_window(text, max(ca, co.start() - 40), co.start()),
                exceptions=exc, confidence=0.7))
        out.append(ConditionConstraint(
            span=(s0, span_end), condition=text[max(ca, phrase_start(text, s0)):_acronym_end(text, m.end())], name=name,
            qualifiers=qualifiers(max(ca, m.start() - 60), _qual_end(text, m.end(), cb)), active_by=active_by(ca, cb),
            window=_window(text, m.end(), cb) or _ever_window(text, max(ca, m.start() - 40), m.start()),
            exceptions=exc, confidence=0.75))
        taken.append((m.start(), m.end()))

    # other conditions, recognised by the shape of their head noun ("thrombocytopenia",
    # "spinal cord injury", "ventricular arrhythmia")
    for hs, he in _morph_heads(text):
        if (any(a <= hs < b for a, b in taken) or _in(consumed, hs)
                or any(c.span[0] <= hs < c.span[1] or hs <= c.span[0] < he for c in out)):
            continue
        s0 = _modifiers_start(text, hs)
        ca, cb = _clause_of(clauses, s0)
        phrase = text[s0:he]
        if _VAGUE.fullmatch(phrase) or _DEFINED_BY_VALUE.match(text, he) or re.match(r"stage\b", phrase, re.I):
            continue  # "laboratory abnormality"; "IgG deficiency (IgG < 400 mg/dL)" is its lab; "stage T1-T3 disease"
        if _OF_RELATIVE.search(text, max(ca, s0 - 60), s0) or (_disease_name(text[hs:he]) in _BROAD_HEADS
                                                              and _ATTRIBUTIVE.match(text, he)):
            continue
        out.append(ConditionConstraint(
            span=(s0, he), condition=text[max(ca, phrase_start(text, s0)):_acronym_end(text, he)], name=phrase.lower(),
            qualifiers=qualifiers(max(ca, s0 - 40), min(cb, he + 20)),
            window=_window(text, he, cb) or _ever_window(text, max(ca, s0 - 40), s0), confidence=0.5))
        taken.append((s0, he))

    # organ involvement lists
    om = _ORG_INV.search(text) if ("organ" in low or "involvement" in low) else None
    if om:
        organs = lx.organ_names(text)
        if out and organs and not _NEG_CUE.search(text, max(0, om.start() - 30), om.start()):
            for c in out:
                if isinstance(c, ConditionConstraint) and not c.organs:
                    c.organs = organs
        else:
            out.append(ConditionConstraint(span=(om.start(), om.end()), condition=om.group(0), name="organ involvement",
                                           organs=organs, qualifiers=qualifiers(0, len(text)), confidence=0.6))
    return out


# --- assembly ---------------------------------------------------------------------------------
_PRIORITY = {
    "lab": 9, "score": 8, "age": 8, "infection": 7, "reproductive": 6, "substance_use": 6, "trial_participation": 5,
    "consent": 5, "background_therapy": 4, "therapy": 4, "sex": 3, "healthy_volunteers": 3, "condition": 1,
}


def _priority(c: Constraint) -> int:
    if isinstance(c, LabConstraint) and c.quantity is None:
        return 2
    if isinstance(c, ConditionConstraint) and c.name == "hypersensitivity":
        return 6
    return _PRIORITY.get(c.kind, 0)


def _resolve(cands: list[Constraint]) -> list[Constraint]:
    """Drop a constraint whose span lies inside a different-kind, higher-priority one."""
    keep: list[Constraint] = []
    for c in cands:
        dominated = False
        for o in cands:
            if o is c or o.kind == c.kind:
                continue
            inside = o.span[0] <= c.span[0] and c.span[1] <= o.span[1]
            contains = c.span[0] <= o.span[0] and o.span[1] <= c.span[1]
            if inside and _priority(o) > _priority(c):
                dominated = True
            elif c.kind == "condition" and _priority(o) > _priority(c) and o.kind != "group" and (
                    c.span[0] < o.span[1] and o.span[0] < c.span[1]):
                # a condition phrase overlapping a more specific constraint is that constraint
                dominated = True
            if dominated:
                break
        if not dominated:
            keep.append(c)
    return keep


_CONNECT = re.compile(r"^[\s,]*(?P<w>or|and/or|and)[\s,]*$", re.I)


def _connector_groups(items: list[Constraint], grouped: set[int], text: str) -> list[tuple[str, list[Constraint]]]:
    """Adjacent same-kind constraints joined only by "or"/"and" (e.g. "HBsAg or HBcAb")."""
    out: list[tuple[str, list[Constraint]]] = []
    run: list[Constraint] = []
    op = "any"
    for c in sorted(items, key=lambda x: x.span):
        if id(c) in grouped:
            if len(run) > 1:
                out.append((op, run))
            run = []
            continue
        if run and run[-1].kind == c.kind and run[-1].span[1] <= c.span[0]:
            m = _CONNECT.match(text[run[-1].span[1]:c.span[0]])
            if m:
                op = "all" if m.group("w").lower() == "and" else "any"
                run.append(c)
                continue
        if len(run) > 1:
            out.append((op, run))
        run = [c]
        op = "any"
    if len(run) > 1:
        out.append((op, run))
    return out


_DIGIT = re.compile(r"\d")


#: A group header introduces the items below it and constrains nothing itself:
#: "PATIENT CHARACTERISTICS:", "Infection history, any of:", "Any one of these blood results:".
_HEADER = re.compile(
    r"\s*(?:[^:;.]{0,80}?\b(?:(?:any|one|all|each|either|none|both|at\s+least\s+one)\s+(?:\w+\s+)?of(?:\s+the)?"
    r"(?:\s+(?:these|those|following))?|the\s+following|these|as\s+follows)\b[^:;.]{0,60}?):\s*", re.I)
_NOT_HEADER = re.compile(r"\bexcept|\bexception", re.I)
_CAPS_HEADER = re.compile(r"\s*[A-Z][A-Z /&,()-]{2,60}:\s*|\s*-{2,}\s*[A-Za-z][\w /&,()]{2,60}?\s*-{2,}\s*")
#: "Surgery:", "Prior medication:", "Adequate organ function:" - a short label and a colon.
_LABEL_HEADER = re.compile(r"\s*(?:[A-Za-z][\w/&()'-]*\s*){1,4}:\s*")
#: Placeholders the registry uses where a section has no criterion ("Not specified",
#: "See Disease Characteristics", "Renal: Not specified").
_PLACEHOLDER = re.compile(
    r"\s*(?:[A-Za-z][\w /&,()-]{0,40}:\s*)?(?:not\s+specified|see\s+(?:disease|patient)\s+characteristics|see\s+above|"
    r"none|other|n/?a|not\s+applicable|no\s+(?:other\s+)?(?:eligibility\s+)?criteria|unspecified|no\s+restrictions?)\s*[.;]?\s*", re.I)


def states_no_criterion(text: str) -> bool:
    """A group header or a registry placeholder: text that is not itself a criterion."""
    return is_header(text) or is_placeholder(text)


def is_placeholder(text: str) -> bool:
    """True for a registry placeholder that states no criterion.

    >>> is_placeholder("Not specified"), is_placeholder("Renal: Not specified"), is_placeholder("No HIV")
    (True, True, False)
    """
    return len(text) <= 80 and bool(_PLACEHOLDER.fullmatch(text))


def is_header(text: str) -> bool:
    """True for a group header (ends with ":" and names no constraint of its own).

    >>> is_header("Hepatitis status, any of:"), is_header("DISEASE CHARACTERISTICS:")
    (True, True)
    >>> is_header("A current malignancy, with these exceptions:")
    False
    """
    if not text.rstrip().endswith((":", "--")) or len(text) > 200:
        return False
    return bool(_HEADER.fullmatch(text) or _CAPS_HEADER.fullmatch(text) or _LABEL_HEADER.fullmatch(text)) \
        and not _NOT_HEADER.search(text)


_BP_PAIR = re.compile(r"(?P<sys>\d{2,3})\s*/\s*(?P<dia>\d{2,3})(?!\d)(?P<u>\s*mm\s*hg)?", re.I)
#: "≥ 160 mmHg (systolic) or ≥ 100 mmHg (diastolic)": the second threshold after the first.
_BP_DIA_AFTER = re.compile(r"\s*(?:mm\s*hg\s*)?\(?\s*systolic\s*\)?\s*(?:,|and|or|and/or)\s*(?P<c>" + COMP + r")\s*(?P<v>\d{2,3})"
                           r"\s*(?:mm\s*hg\s*)?\(?\s*diastolic\s*\)?", re.I)


def _diastolic(text: str, kept: list[Constraint]) -> list[Constraint]:
    """A blood pressure written "145/95" is two thresholds: systolic and diastolic (the lab the value
    parser made reads the first number; the second becomes its own lab constraint)."""
    out: list[Constraint] = []
    for c in kept:
        out.append(c)
        if not (isinstance(c, LabConstraint) and c.quantity and "pressure" in (c.analyte_text or "").lower()):
            continue
        m2 = _BP_DIA_AFTER.match(text, c.span[1])
        if m2 and _num(m2.group("v")) is not None:
            out.append(LabConstraint(span=(m2.start("c"), m2.end()), analyte="diastolic blood pressure",
                                     analyte_text="diastolic blood pressure",
                                     quantity=Quantity(comparator=_comparator(m2.group("c")), value=_num(m2.group("v")),
                                                       unit="mm[Hg]", norm_value=_num(m2.group("v")), norm_unit="mm[Hg]"),
                                     confidence=c.confidence, polarity=c.polarity, negated=c.negated,
                                     text=text[m2.start("c"):m2.end()]))
            if "systolic" not in c.analyte:
                c.analyte = "systolic blood pressure"
            continue
        m = _BP_PAIR.search(text, c.span[0], min(len(text), c.span[1] + 12))
        if not m or _num(m.group("sys")) != c.quantity.value:
            continue
        q = c.quantity
        dia = Quantity(comparator=q.comparator, value=_num(m.group("dia")), unit=q.unit or "mm[Hg]",
                       norm_value=_num(m.group("dia")), norm_unit="mm[Hg]")
        c.quantity = Quantity(comparator=q.comparator, value=q.value, unit=q.unit or "mm[Hg]", norm_value=q.value,
                              norm_unit="mm[Hg]", relative_to=q.relative_to)
        out.append(LabConstraint(span=(m.start("dia"), m.end()), analyte="diastolic blood pressure",
                                 analyte_text="diastolic blood pressure", quantity=dia, confidence=c.confidence,
                                 polarity=c.polarity, negated=c.negated, text=text[m.start("dia"):m.end()]))
        if "systolic" not in c.analyte:
            c.analyte = "systolic blood pressure"
    return out


def _parse(text: str, polarity: str, scope: str | None = None) -> list[Constraint]:
    text = text[:MAX_CHARS]
    if not text.strip() or is_header(text) or is_placeholder(text):
        return []
    if polarity == "inclusion" and _SAYS_EXCLUDED.search(text):
        polarity = "exclusion"  # "Patients with X will be excluded", listed among inclusion criteria
    inline = _INLINE_SCOPE.match(text)
    if inline:
        scope = scope_of_heading(inline.group("h") + ":")
    if scope == "therapy-block" and _CATEGORY.fullmatch(text.rstrip(" .")):
        return []  # "Chemotherapy" under a therapy block is a category label, not a criterion
    clauses = _clauses(text)
    groups: list[tuple[str, list[Constraint]]] = []
    cands: list[Constraint] = []
    has_digit = _DIGIT.search(text) is not None
    if has_digit:
        cands += _age(text)
    cands += _sex(text)
    cands += _healthy(text)
    cands += _labs(text, groups)
    if has_digit:
        cands += _scores(text, groups)
        cands += _life_expectancy(text)
    if has_digit and _GEN_COMP.search(text):
        cands += _generic_values(text, clauses, [c.span for c in cands])
    cands += _class_scores(text)
    cands += _infections(text, clauses)
    cands += _reproductive(text, clauses)
    cands += _consent(text)
    cands += _trials(text, clauses)
    cands += _substances(text, clauses)
    therapies, consumed = _therapies(text, clauses, polarity, groups)
    cands += therapies
    cands += _conditions(text, clauses, consumed, groups)
    cands = _allergy_first(text, clauses, polarity, cands)
    if ":" in text:
        labels = [(m.start(), m.end()) for m in _INLINE_LABEL_RE.finditer(text)]
        cands = [c for c in cands if not (isinstance(c, (TherapyConstraint, ConditionConstraint))
                                          and any(x <= c.span[0] < y for x, y in labels))]
    kept = _resolve(cands)
    kept = _drop_indications(text, clauses, kept)
    lead = _SCOPE_LEAD.match(text)
    if lead and any(c.span[0] >= lead.end() for c in kept):
        # "For biologic-naive patients, inadequate response to antibiotics": the lead only says
        # whom the rest applies to (a scope, not a requirement)
        kept = [c for c in kept if not (isinstance(c, (TherapyConstraint, ConditionConstraint))
                                        and c.span[1] <= lead.end())]
    kept = _allergens(text, clauses, kept)
    kept.sort(key=lambda c: (c.span[0], -c.span[1]))
    for c in kept:
        c.polarity = polarity
        c.text = text[c.span[0]:c.span[1]]
        ca, cb = _clause_of(clauses, c.span[0])
        c.negated = c.negated or _negated(text, c.span[0], ca)
        if (polarity == "exclusion" and isinstance(c, ReproductiveConstraint) and not c.negated
                and _MUST.search(text, ca, c.span[0])):
            # "Fertile women must use contraception", listed among exclusions, still requires it
            c.negated = True
        if isinstance(c, TherapyConstraint) and c.role is None:
            _therapy_role(text, c, ca, cb, polarity)
        if isinstance(c, ConditionConstraint) and _ANY_OTHER_THAN.search(text, ca, c.span[0]):
            c.negated = not c.negated  # "any diagnosis other than AML": AML is what the criterion asks for
        if (isinstance(c, ConditionConstraint) and _CONDITION_ALLOWED.match(text, c.span[1], cb)
                and not _NOT_ALLOWED.search(text, ca, cb)):
            c.qualifiers = c.qualifiers + ("allowed",)  # "recurrent disease allowed": neither required nor excluded
    if scope and not kept:
        kept = _listed_agent(text, polarity, scope)
    if scope:
        kept = _apply_scope(text, scope, kept)
    kept = attach_exceptions(text, clauses, kept)
    if polarity == "exclusion":
        # "Subjects that require bronchodilators would not be excluded": the drug is allowed
        for x, y in exempt_regions(text):
            for c in kept:
                if isinstance(c, TherapyConstraint) and x <= c.span[0] < y and c.role != "allergy":
                    c.role, c.window, c.negated = "allowed", None, False
    kept = _diastolic(text, kept)
    kept = merge_repeats(kept)
    for c in kept:
        c.text = text[c.span[0]:c.span[1]]
    index = {id(c): i for i, c in enumerate(kept)}
    grouped: set[int] = set()
    result: list[Constraint] = list(kept)
    all_groups = [(op, [m for m in ms if id(m) in index]) for op, ms in groups]
    for op, ms in all_groups:
        if len(ms) > 1:
            grouped.update(id(m) for m in ms)
    all_groups += _connector_groups(kept, grouped, text)
    for op, ms in all_groups:
        ms = [m for m in ms if id(m) in index]
        if len(ms) < 2:
            continue
        s, e = min(m.span[0] for m in ms), max(m.span[1] for m in ms)
        result.append(ConstraintGroup(span=(s, e), text=text[s:e], operator=op,
                                      members=tuple(sorted(index[id(m)] for m in ms)),
                                      confidence=min(m.confidence for m in ms), polarity=polarity,
                                      negated=False))
    return result


#: Parser failures of this process by exception type: a criterion whose parse raised yields no
#: constraint, and is counted here (and logged) so that a build can report it.
_FAILURES: Counter[str] = Counter()
_log = logging.getLogger(__name__)


def parse_failures() -> int:
    """How many criteria this process failed to parse since the last :func:`reset_parse_failures`.

    >>> reset_parse_failures(); parse_failures()
    0
    """
    return sum(_FAILURES.values())


def reset_parse_failures() -> None:
    """Start counting parser failures from zero (a build does, before it parses)."""
    _FAILURES.clear()


def count_parse_failures(n: int, kind: str = "in a worker process") -> None:
    """Add ``n`` failures counted in another process (a build worker) to this process's count,
    so a build reports the same :func:`parse_failures` whether its records were built here or
    in workers (their counters die with them).

    >>> reset_parse_failures(); count_parse_failures(2); parse_failures()
    2
    >>> reset_parse_failures()
    """
    if n > 0:
        _FAILURES[kind] += n


def parse_criterion(text: str, polarity: str, scope: str | None = None) -> list[Constraint]:
    """Typed constraints of one criterion; never raises (returns [] on unusable input).

    ``scope`` is what a legacy sub-heading above the criterion sets (:func:`heading_scope`):
    it decides the role and polarity of the therapies under "Allowed:", "Required:",
    "Excluded within N:", "Concurrent medication:" and the like. A parse that raises is
    counted (:func:`parse_failures`) and logged, not silently dropped.
    """
    if not isinstance(text, str):
        return []
    try:
        return _parse(text, polarity, scope)
    except Exception as exc:  # the contract is "never raises"; tests run _parse unguarded
        _FAILURES[type(exc).__name__] += 1
        _log.warning("criterion parse failed (%s: %s): %.80r", type(exc).__name__, exc, text)
        return []


def kinds(constraints: Iterable[Constraint]) -> list[str]:
    """Kinds of ``constraints`` in order (handy in tests and coverage reports)."""
    return [c.kind for c in constraints]
