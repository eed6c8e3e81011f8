r"""Precision, recall and F1 of the constraint parser against the Chia gold annotations.

Corpus: ../shared/data/chia/chia_without_scope (brat standoff; Kury et al., Sci Data 2020,
CC BY 4.0). The "without scope" variant is used because kg has no notion of Chia's
``Scope`` grouping entities; the .txt files are identical in both variants.

Procedure. Every ``NCT…_inc.txt`` / ``NCT…_exc.txt`` is read *without newline translation*
(brat offsets count every character, and 1,603 of the 2,000 files end their lines with
"\r\n"; reading them with universal newlines shifted every span by one character per
line, which is what the results before 2026-12-02 suffered from) and split on "\n"; each
non-empty line (its trailing "\r" dropped) is one criterion as Chia's annotators saw it.
It goes through ``parse_criterion(line, polarity)`` and ``kg.criteria.mentions.find_mentions
(line)``, and every span is shifted by the line's offset, so kg spans and Chia spans index
the same text.

kg mentions of a line (``line_mentions``): first those of its constraints (table below),
then every ``find_mentions`` mention (names, numbers and time phrases kg recognises where it
builds no constraint: "negative pregnancy test", "Grade 3-4", "allergy to clopidogrel")
and every ``negated_mentions`` mention (Negation) that no constraint mention of the same
type overlaps. One span of one type is one mention: when several constraints share a span
(the window of "A, B or C within 6 months"), it is counted once (since 2026-12-02; before,
each constraint counted it again, which inflated Temporal precision).

==============  ===========================================================================
Chia type       kg mentions from constraints
==============  ===========================================================================
Value           the value part of a lab/score quantity (span after the analyte/instrument
                name) and the span of an age constraint
Temporal        the span of every TimeWindow that has one (look-back windows, washouts,
                "history of"/"prior" cues of at-any-time windows)
Drug            the head phrase of a therapy/background-therapy constraint and every listed
                example or exception span inside it (surgery, radiotherapy, transplantation,
                dialysis, plasma exchange excluded: Chia calls them Procedure; so is a head
                phrase naming a treatment modality rather than a substance, one ending in
                "therapy", "treatment" or "radiation" such as "chemotherapy",
                "immunosuppressive therapy": since 2026-12-02, its listed drugs still count)
Condition       condition, infection, substance-use constraints and the pregnancy/lactation
                reproductive topics (Chia annotates these as Condition); not an organ
                transplantation condition, a Procedure in Chia (since 2026-12-02)
Measurement     the analyte phrase of a lab constraint and the instrument phrase of a score
                (not life expectancy, which Chia annotates as an Observation), and an
                infection constraint that names a serology marker ("HBsAg", "HCV RNA",
                "IGRA": the test is measured; since 2026-12-02)
Negation        a kg constraint with ``negated=True``, and (since 2026-12-02) an entity
                mention in the scope of a negation or exception cue
                (``negated_mentions``: "no X", "without X", "except X"), vs a Chia entity
                that is Arg1 of a ``Has_negation`` relation (the negated entity, not the cue)
==============  ===========================================================================

Matching rule. Spans match when they overlap by at least one character (Chia spans are
short noun phrases, kg constraint spans often include a comparator or a qualifier, so
exact-boundary matching would measure boundary conventions, not extraction). Discontinuous
Chia spans count as the union of their fragments. Precision = kg mentions of the type that
overlap a Chia entity of that type / kg mentions of the type; recall = Chia entities of the
type overlapped by some kg mention / Chia entities of the type.

Unjudged text. Chia marks criteria it did not annotate (its "error" labels: Non-query-able,
Post-eligibility, Pregnancy_considerations, Competing_trial, Informed_consent,
Intoxication_considerations, Non-representable, Parsing_Error, Not_a_criteria; ``UNJUDGED``).
A kg mention lying inside such a span that holds no other Chia entity is not scored: there
is no annotation to compare it with. Chia entities are never dropped. The report also gives
the scores with every kg mention judged (``all_text_judged``).

Split. Rules are tuned on a development half and reported on both halves: the sorted NCT
ids, even positions = ``dev``, odd = ``test`` (both files of a trial fall in the same half).
``benchmarks/criteria_chia_missed.py`` reads the dev half only.

Strict value check ("Value+comparator+unit"). Restricted to Chia Value entities that contain
a digit (Chia also tags "positive", "abnormal", "stage III" as Value). A kg value is correct
when it overlaps such an entity AND (1) the entity's first number equals one of the kg
numbers (value, low, high, age bounds), (2) the comparator read from the entity text with
the small table ``_GOLD_COMPARATORS`` below (or from the 25 characters before it when the
entity has none, since annotators often leave "greater than" outside the Value) equals kg's
(">/=" and "</=" are read as ≥ and ≤: before 2026-12-02 the table lacked them and read
">/= 50 years" as "> 50", a bug that marked correct kg values wrong),
and (3) when the entity names a unit (read with ``kg.criteria.units.match_unit``), kg has
the same UCUM code (age: years; ULN multiples: kg ``relative_to`` ULN). Precision is over kg
values that carry a number and overlap a numeric Chia Value; recall over all numeric Chia
Values.

Temporal windows, length checked ("window length"; the issue's "temporal windows"). Chia's
Temporal type mixes windows ("within the past 6 months", "for at least 8 weeks prior to
screening") with cue words ("history of", "current", "prior") that its annotators mark
Temporal only some of the time (55-69% on the dev half; see the Temporal row for the whole
type). This measure keeps the windows: gold = Chia Temporal entities whose text states a
length of time (``gold_durations``: a number or number word and a unit, or "the past
year"; written for the gold side, not kg's parser), each length as an xsd:duration with
weeks in days. kg = Temporal mentions to which kg gives a length (a constraint's window,
or ``find_mentions``' window where kg builds no constraint), in judged text. A kg window is
correct when it overlaps such a gold entity AND its length equals one the entity states
("within 6 months" read as P6M, not 6 weeks); precision is over every kg window with a
length, recall over every gold window. A criterion whose window is read but not attached
to a constraint still counts, as a number read outside a constraint counts for the value
check above.

Reference: Criteria2Query (Yuan et al., JAMIA 2019) reports F1 0.795 for its entity
recognition on the entity types it covers; ``micro_entity_f1`` below is kg's micro F1 over
Condition, Drug, Measurement, Value and Temporal.

    .venv/bin/python benchmarks/criteria_chia.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg.criteria import units
from kg.criteria.constraints import (
    AgeConstraint,
    ConditionConstraint,
    Quantity,
    Constraint,
    InfectionConstraint,
    LabConstraint,
    ReproductiveConstraint,
    ScoreConstraint,
    SubstanceUseConstraint,
    TherapyConstraint,
    TimeWindow,
)
from kg.criteria.mentions import find_mentions, negated_mentions
from kg.criteria.parse import parse_criterion
from kg.criteria.specific import is_procedure

ROOT = Path(__file__).resolve().parents[1]
CHIA = ROOT / ".." / "shared" / "data" / "chia" / "chia_without_scope"
OUT = ROOT / "benchmarks" / "results" / "criteria_chia.json"
TYPES = ("Value", "Temporal", "Drug", "Condition", "Measurement", "Negation")
ENTITY_TYPES = ("Condition", "Drug", "Measurement", "Value", "Temporal")
Span = tuple[int, int]

#: Comparator of a Chia Value text (longest phrasings first); no match means "=".
_GOLD_COMPARATORS: tuple[tuple[str, str], ...] = (
    (r"≥|>\s*or\s*=|>\s*/\s*=|>=|=>|(?:greater|more|higher)\s+than\s+(?:or\s+)?equal|equal\s+(?:to\s+)?or\s+(?:greater|more|higher)|at\s+least|or\s+(?:more|greater|older|above|higher)|and\s+(?:above|older|over)|minimum|not\s+(?:less|lower|younger)\s+than|no\s+less\s+than", ">="),
    (r"≤|<\s*or\s*=|<\s*/\s*=|<=|=<|(?:less|lower|fewer)\s+than\s+(?:or\s+)?equal|equal\s+(?:to\s+)?or\s+(?:less|lower)|at\s+most|up\s+to|or\s+(?:less|lower|younger|below)|and\s+(?:below|under|younger)|maximum|not\s+(?:more|greater|higher|older)\s+than|no\s+more\s+than|not\s+exceed", "<="),
    (r"between|\d\s*(?:-|–|to)\s*\d", "between"),
    (r">|greater\s+than|more\s+than|higher\s+than|older\s+than|above|over|exceed|in\s+excess", ">"),
    (r"<|less\s+than|lower\s+than|fewer\s+than|younger\s+than|below|under", "<"),
)
_GOLD_COMP_RE = [(re.compile(p, re.I), c) for p, c in _GOLD_COMPARATORS]
#: kg therapy names that Chia files under Procedure, not Drug.
_PROCEDURES = frozenset({"radiotherapy", "surgery", "plasmapheresis", "plasma exchange", "transplantation",
                         "stem cell transplantation", "dialysis"})
#: A therapy phrase that names a treatment modality, not a substance ("chemotherapy",
#: "immunosuppressive therapy", "antiviral treatment"): Chia annotates these as Procedure.
_MODALITY = re.compile(r"(?:therap(?:y|ies)|treatments?|radiation)\s*$", re.I)
_NUM = re.compile(r"\d+(?:[.,]\d+)?")
_WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
             "thirty": 30}
#: A length of time in a Chia Temporal text: a number (digits or a word) and a unit, or "the
#: past/last year" (one unit). Written for the gold side, independently of kg's parser.
_GOLD_DURATION = re.compile(
    r"(?:(?<![\w.])(?P<n>\d+(?:\.\d+)?|" + "|".join(sorted(_WORD_NUM, key=len, reverse=True)) +
    r")\s*-?\s*|\b(?:past|last|previous|prior|preceding)\s+)"
    r"(?P<u>days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?)\b", re.I)


@dataclass
class Entity:
    etype: str
    spans: list[Span]
    text: str

    @property
    def lo(self) -> int:
        return min(a for a, _ in self.spans)

    @property
    def hi(self) -> int:
        return max(b for _, b in self.spans)


@dataclass
class Mention:
    etype: str
    span: Span
    constraint: Constraint | None = None
    quantity: Quantity | None = None  # numeric Value found outside a constraint
    window: TimeWindow | None = None  # length of a Temporal window found outside a constraint


@dataclass
class Tally:
    pred: int = 0
    pred_hit: int = 0
    gold: int = 0
    gold_hit: int = 0
    examples_missed: list[str] = field(default_factory=list)
    examples_spurious: list[str] = field(default_factory=list)

    def scores(self) -> dict[str, float | int]:
        p = self.pred_hit / self.pred if self.pred else 0.0
        r = self.gold_hit / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "kg_mentions": self.pred, "chia_entities": self.gold}


#: Chia's "error" labels: a criterion (or part) the annotators judged out of scope and, with
#: few exceptions, did not annotate further. kg mentions inside such a span with no other
#: annotation are not judged (there is nothing to compare them with).
UNJUDGED = frozenset({"Non-query-able", "Post-eligibility", "Pregnancy_considerations", "Competing_trial",
                      "Informed_consent", "Intoxication_considerations", "Non-representable", "Parsing_Error",
                      "Not_a_criteria"})


def unjudged_spans(ents: list[Entity]) -> list[Span]:
    """Spans of out-of-scope labels that contain no other (concept or annotation) entity."""
    out: list[Span] = []
    for e in ents:
        if e.etype in UNJUDGED and not any(
                o.etype not in UNJUDGED and e.lo <= o.lo and o.hi <= e.hi for o in ents):
            out.append((e.lo, e.hi))
    return out


def read_ann(path: Path) -> tuple[list[Entity], set[str]]:
    """Entities of one .ann file and the ids of entities a Has_negation relation negates."""
    ents: dict[str, Entity] = {}
    negated: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            head = parts[1].split(" ", 1)
            if len(head) < 2:
                continue
            try:
                spans = [(int(a), int(b)) for a, b in (frag.split() for frag in head[1].split(";"))]
            except ValueError:
                continue
            ents[parts[0]] = Entity(head[0], spans, parts[2])
        elif line.startswith("R") and "Has_negation" in line:
            m = re.search(r"Arg1:(T\d+)", line)
            if m:
                negated.add(m.group(1))
    out = list(ents.values())
    neg = {k for k in negated if k in ents}
    return out, {f"{ents[k].lo}:{ents[k].hi}" for k in neg}


def gold_durations(text: str) -> set[str]:
    """The lengths of time a gold Temporal text states, as xsd:durations (weeks in days,
    as xsd:duration has no weeks): "within the past 6 months" -> {"P6M"}, "2 wks" -> {"P14D"}.

    >>> sorted(gold_durations("in the last two weeks or past year"))
    ['P14D', 'P1Y']
    """
    out: set[str] = set()
    for m in _GOLD_DURATION.finditer(text):
        raw = (m.group("n") or "1").lower()
        n = float(_WORD_NUM.get(raw, raw) if raw in _WORD_NUM else raw)
        u = m.group("u").lower()[0]
        if u == "w":
            n, u = n * 7, "d"
        num = str(int(n)) if n.is_integer() else str(n)
        out.add(f"PT{num}H" if u == "h" else f"P{num}{u.upper()}")
    return out


def _window_iso(m: Mention) -> str | None:
    """The normalised length kg gives a Temporal mention: its constraint's window, or the
    window ``find_mentions`` read where kg built no constraint."""
    w = getattr(m.constraint, "window", None) if m.constraint is not None else m.window
    return w.iso if w is not None and w.iso and not w.ever else None


def _value_span(c: Constraint, lead: str) -> Span:
    s, e = c.span
    return (s + len(lead), e) if lead and c.text.startswith(lead) else (s, e)


def mentions(c: Constraint, offset: int) -> list[Mention]:
    """The kg mentions (by Chia type) one constraint makes, in file offsets."""
    s, e = c.span[0] + offset, c.span[1] + offset
    out: list[Mention] = []
    if isinstance(c, LabConstraint):
        out.append(Mention("Measurement", (s, s + max(1, len(c.analyte_text))), c))
        if c.quantity is not None:
            a, b = _value_span(c, c.analyte_text)
            out.append(Mention("Value", (a + offset, b + offset), c))
    elif isinstance(c, ScoreConstraint):
        if c.instrument != "life-expectancy":  # Chia annotates life expectancy as an Observation
            out.append(Mention("Measurement", (s, s + max(1, len(c.instrument_text))), c))
        if c.quantity is not None:
            a, b = _value_span(c, c.instrument_text)
            out.append(Mention("Value", (a + offset, b + offset), c))
    elif isinstance(c, AgeConstraint):
        out.append(Mention("Value", (s, e), c))
    elif isinstance(c, TherapyConstraint) and (c.name in _PROCEDURES or is_procedure(c.name)):
        pass  # Chia annotates radiotherapy, surgery, transplantation as Procedure (not scored)
    elif isinstance(c, TherapyConstraint):
        if not _MODALITY.search(c.therapy):  # "immunosuppressive therapy" is a Procedure in Chia
            out.append(Mention("Drug", (s, s + max(1, len(c.therapy))), c))
        for x in c.members + c.exceptions:
            out.append(Mention("Drug", (x.span[0] + offset, x.span[1] + offset), c))
    elif isinstance(c, ConditionConstraint) and c.name == "organ transplantation":
        pass  # a transplant is a Procedure in Chia (not scored), as for therapies below
    elif isinstance(c, InfectionConstraint) and c.marker and c.marker != "chest-imaging":
        out.append(Mention("Measurement", (s, e), c))  # a serology test ("HBsAg", "HCV RNA") is measured
    elif isinstance(c, (ConditionConstraint, InfectionConstraint, SubstanceUseConstraint)):
        out.append(Mention("Condition", (s, e), c))
    elif isinstance(c, ReproductiveConstraint) and c.topic in ("pregnancy", "lactation"):
        out.append(Mention("Condition", (s, e), c))
    window = getattr(c, "window", None)
    if window is not None and window.span is not None:
        out.append(Mention("Temporal", (window.span[0] + offset, window.span[1] + offset), c))
    if c.negated and c.kind != "group":
        out.append(Mention("Negation", (s, e), c))
    return out


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _ent_overlap(m: Span, ent: Entity) -> bool:
    return any(_overlap(m, sp) for sp in ent.spans)


def _gold_comparator(text: str) -> str:
    for rx, c in _GOLD_COMP_RE:
        if rx.search(text):
            return c
    return "="


def line_mentions(line: str, polarity: str, offset: int) -> list[Mention]:
    """kg mentions of one criterion line: those of its constraints, then the mentions of
    ``kg.criteria.mentions.find_mentions`` that no constraint mention of the same type
    overlaps (a name or number kg recognises where it builds no constraint)."""
    out: list[Mention] = []
    seen: set[tuple[str, Span]] = set()
    for c in parse_criterion(line, polarity):
        for m in mentions(c, offset):
            # one span of one type is one mention, however many constraints share it (the
            # window of "A, B or C within 6 months" is one Temporal mention, not three)
            if (m.etype, m.span) not in seen:
                seen.add((m.etype, m.span))
                out.append(m)
    for m in find_mentions(line) + negated_mentions(line):
        span = (m.span[0] + offset, m.span[1] + offset)
        if any(o.etype == m.etype and _overlap(o.span, span) for o in out):
            continue
        out.append(Mention(m.etype, span, None, m.quantity, m.window))
    return out


def _kg_numbers_comparator(c: Constraint | Quantity) -> tuple[list[float], str, str | None, str | None]:
    """(numbers, comparator, UCUM unit, relative_to) of a kg value mention."""
    if isinstance(c, Quantity):
        nums = [x for x in (c.value, c.low, c.high) if x is not None]
        unit = "a" if c.unit and re.fullmatch(r"years?|yrs?", c.unit) else c.unit
        return nums, c.comparator, unit, c.relative_to
    if isinstance(c, AgeConstraint):
        nums = [x for x in (c.min_years, c.max_years) if x is not None]
        if c.min_years is not None and c.max_years is not None:
            comp = "between" if c.min_years != c.max_years else "="
        elif c.min_years is not None:
            comp = ">=" if c.min_inclusive else ">"
        else:
            comp = "<=" if c.max_inclusive else "<"
        return nums, comp, "a", None
    q = c.quantity  # type: ignore[attr-defined]
    nums = [x for x in (q.value, q.low, q.high) if x is not None]
    return nums, q.comparator, q.unit, q.relative_to


def _value_correct(c: Constraint | Quantity, ent: Entity, file_text: str) -> bool:
    gtext = " ".join(file_text[a:b] for a, b in ent.spans)
    nm = _NUM.search(gtext)
    if not nm:
        return False
    gnum = float(nm.group(0).replace(",", "")) if re.fullmatch(r"\d{1,3},\d{3}", nm.group(0)) else float(nm.group(0).replace(",", "."))
    nums, comp, unit, rel = _kg_numbers_comparator(c)
    if unit == "a":  # kg keeps ages in years
        w = re.search(r"\b(month|week|day)s?\b", gtext, re.I)
        gnum = units.years(gnum, w.group(1).lower() if w else "years") or gnum
    if not any(abs(gnum - x) < 1e-3 for x in nums):
        return False
    # annotators often leave the comparator ("greater than or") just outside the Value span
    before = file_text[max(0, ent.lo - 40):ent.lo].split("\n")[-1][-25:]
    gcomp = _gold_comparator(gtext)
    if gcomp == "=" or re.match(r"\s*(?:equal|or\s+equal)", gtext, re.I):
        gcomp = "between" if re.search(r"\d\s*(?:-|–|to|or)\s*\d", gtext) else _gold_comparator(before + " " + gtext)
    if gcomp != comp and not (gcomp == "=" and comp == "between" and len(nums) == 2 and nums[0] == nums[1]):
        return False
    if re.search(r"\buln\b|upper\s+limit|\blln\b|lower\s+limit|normal", gtext, re.I):
        return rel in ("ULN", "LLN")
    u = units.match_unit(gtext, nm.end(), count=bool(getattr(c, "analyte", "") in ("neutrophils", "lymphocytes", "platelets", "wbc")))
    if u is None:
        return True
    gunit = u[0]
    if unit == "a":
        return gunit in ("a", "year", "yr")
    return gunit == unit


def split_files(files: list[Path]) -> dict[str, list[Path]]:
    """Development / test halves by trial: sorted NCT ids, even positions dev, odd test.

    Both files of a trial (``_inc`` and ``_exc``) fall in the same half, so rules tuned on
    the development half never saw any text of a test trial."""
    ids = sorted({f.stem.rsplit("_", 1)[0] for f in files})
    dev_ids = set(ids[0::2])
    return {"dev": [f for f in files if f.stem.rsplit("_", 1)[0] in dev_ids],
            "test": [f for f in files if f.stem.rsplit("_", 1)[0] not in dev_ids]}


def _score(files: list[Path], tallies: dict[str, Tally], strict: Tally,
           missed: dict[str, list[str]] | None = None, judge_all: bool = False,
           windows: Tally | None = None) -> int:
    """Add the counts of ``files`` to ``tallies`` / ``strict``; return the number of lines.

    When ``missed`` is given, the text of every gold entity no kg mention overlaps is
    appended to ``missed[type]``, and of every kg mention no gold entity overlaps to
    ``missed["spurious:" + type]``, each with a tab and its line
    (``benchmarks/criteria_chia_missed.py`` ranks them).
    ``judge_all``: also count kg mentions inside unjudged (out-of-scope) spans."""
    n_lines = 0
    for txt in files:
        ann = txt.with_suffix(".ann")
        if not ann.exists():
            continue
        # brat offsets count every character of the file, "\r" included: no newline translation
        with txt.open(encoding="utf-8", newline="") as fh:
            text = fh.read()
        polarity = "exclusion" if txt.stem.endswith("_exc") else "inclusion"
        ents, negated_keys = read_ann(ann)
        ms: list[Mention] = []
        pos = 0
        for line in text.split("\n"):
            if line.strip():
                n_lines += 1
                ms.extend(line_mentions(line.rstrip("\r"), polarity, pos))
            pos += len(line) + 1
        if not judge_all:
            skip = unjudged_spans(ents)
            ms = [m for m in ms if not any(a <= m.span[0] and m.span[1] <= b for a, b in skip)]
        by_type: dict[str, list[Entity]] = defaultdict(list)
        for ent in ents:
            by_type[ent.etype].append(ent)
        by_type["Negation"] = [e for e in ents if f"{e.lo}:{e.hi}" in negated_keys]
        for t in TYPES:
            gold = by_type.get(t, [])
            pred = [m for m in ms if m.etype == t]
            tl = tallies[t]
            tl.gold += len(gold)
            tl.pred += len(pred)
            for m in pred:
                if any(_ent_overlap(m.span, g) for g in gold):
                    tl.pred_hit += 1
                else:
                    if len(tl.examples_spurious) < 15:
                        tl.examples_spurious.append(text[m.span[0]:m.span[1]])
                    if missed is not None:  # with its line, as for missed entities below
                        ls, le = text.rfind("\n", 0, m.span[0]) + 1, text.find("\n", m.span[1])
                        missed.setdefault("spurious:" + t, []).append(
                            text[m.span[0]:m.span[1]] + "\t" + text[ls:le if le >= 0 else None])
            for g in gold:
                if any(_ent_overlap(m.span, g) for m in pred):
                    tl.gold_hit += 1
                else:
                    if len(tl.examples_missed) < 15:
                        tl.examples_missed.append(g.text)
                    if missed is not None:
                        line_start = text.rfind("\n", 0, g.lo) + 1
                        line_end = text.find("\n", g.hi)
                        missed.setdefault(t, []).append(g.text + "\t" + text[line_start:line_end if line_end >= 0 else None])
        numeric = [g for g in by_type.get("Value", []) if re.search(r"\d", g.text)]
        values = [m for m in ms if m.etype == "Value"]
        strict.gold += len(numeric)
        hit_gold: set[int] = set()
        for m in values:
            if m.constraint is None and m.quantity is None:
                continue  # a qualitative value ("positive", "stage III") claims no number
            over = [k for k, g in enumerate(numeric) if _ent_overlap(m.span, g)]
            if not over:
                continue
            strict.pred += 1
            what = m.constraint if m.constraint is not None else m.quantity
            ok = [k for k in over if what is not None and _value_correct(what, numeric[k], text)]
            if ok:
                strict.pred_hit += 1
                hit_gold.update(ok)
            else:
                if len(strict.examples_spurious) < 15:
                    strict.examples_spurious.append(text[m.span[0]:m.span[1]] + " | chia: " + numeric[over[0]].text)
                if missed is not None:
                    missed.setdefault("value_wrong", []).append(text[m.span[0]:m.span[1]] + "\t" + numeric[over[0]].text)
        strict.gold_hit += len(hit_gold)
        if windows is not None:
            _score_windows(by_type.get("Temporal", []), ms, windows, text)
        if missed is not None:
            for k, g in enumerate(numeric):
                if k not in hit_gold:
                    missed.setdefault("value_strict_missed", []).append(g.text)
    return n_lines


def _score_windows(gold_temporal: list[Entity], ms: list[Mention], windows: Tally, text: str) -> None:
    """Temporal windows with their length checked (see the module docstring)."""
    gold = [(g, gold_durations(g.text)) for g in gold_temporal]
    gold = [(g, d) for g, d in gold if d]
    pred = [(m, iso) for m in ms if m.etype == "Temporal" and (iso := _window_iso(m))]
    windows.gold += len(gold)
    windows.pred += len(pred)
    hit: set[int] = set()
    for m, iso in pred:
        ok = [k for k, (g, d) in enumerate(gold) if iso in d and _ent_overlap(m.span, g)]
        if ok:
            windows.pred_hit += 1
            hit.update(ok)
        elif len(windows.examples_spurious) < 15:
            windows.examples_spurious.append(text[m.span[0]:m.span[1]] + " | " + iso)
    windows.gold_hit += len(hit)


def _summary(tallies: dict[str, Tally], strict: Tally, windows: Tally | None = None) -> dict[str, object]:
    micro = Tally()
    for t in ENTITY_TYPES:
        for a in ("pred", "pred_hit", "gold", "gold_hit"):
            setattr(micro, a, getattr(micro, a) + getattr(tallies[t], a))
    return {"by_type": {t: tallies[t].scores() for t in TYPES},
            "value_comparator_unit": strict.scores(),
            **({"temporal_window_length": windows.scores()} if windows is not None else {}),
            "micro_entity_f1": micro.scores()}


def evaluate(limit: int | None = None) -> dict[str, object]:
    files = sorted(CHIA.glob("NCT*.txt"))
    if limit:
        files = files[:limit]
    halves = split_files(files)
    t0 = time.perf_counter()
    out: dict[str, object] = {}
    total = {t: Tally() for t in TYPES}
    total_strict = Tally()
    total_windows = Tally()
    n_lines = 0
    for name, fs in halves.items():
        tallies = {t: Tally() for t in TYPES}
        strict = Tally()
        windows = Tally()
        n = _score(fs, tallies, strict, windows=windows)
        n_lines += n
        out[name] = {"files": len(fs), "criteria_lines": n, **_summary(tallies, strict, windows)}
        for a in ("pred", "pred_hit", "gold", "gold_hit"):
            setattr(total_windows, a, getattr(total_windows, a) + getattr(windows, a))
        for t in TYPES:
            for a in ("pred", "pred_hit", "gold", "gold_hit"):
                setattr(total[t], a, getattr(total[t], a) + getattr(tallies[t], a))
            total[t].examples_missed += tallies[t].examples_missed
            total[t].examples_spurious += tallies[t].examples_spurious
        for a in ("pred", "pred_hit", "gold", "gold_hit"):
            setattr(total_strict, a, getattr(total_strict, a) + getattr(strict, a))
        total_strict.examples_spurious += strict.examples_spurious
    all_tallies = {t: Tally() for t in TYPES}
    all_strict = Tally()
    all_windows = Tally()
    _score(files, all_tallies, all_strict, judge_all=True, windows=all_windows)
    elapsed = time.perf_counter() - t0
    return {
        "corpus": "chia_without_scope",
        "files": len(files),
        "criteria_lines": n_lines,
        "seconds": round(elapsed, 2),
        "matching": ("character-span overlap, raw file offsets (no newline translation); kg mentions = constraint "
                     "mentions + kg.criteria.mentions.find_mentions; kg mentions inside unannotated out-of-scope "
                     "spans not judged (see all_text_judged); see module docstring"),
        "split": "by trial: sorted NCT ids, even positions = dev (rules tuned here), odd = test (held out)",
        **_summary(total, total_strict, total_windows),
        "dev": out["dev"],
        "test": out["test"],
        "all_text_judged": _summary(all_tallies, all_strict, all_windows),
        "criteria2query_reference_f1": 0.795,
        # no example texts: Chia text stays out of the repository
        # (benchmarks/criteria_chia_missed.py prints them to the terminal)
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = ap.parse_args(argv)
    if not CHIA.exists():
        print(f"no Chia corpus at {CHIA}", file=sys.stderr)
        return 1
    report = evaluate(args.limit)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = [(t, lambda r, t=t: r["by_type"][t]) for t in TYPES]
    rows += [("value+cmp+unit", lambda r: r["value_comparator_unit"]),
             ("window length", lambda r: r.get("temporal_window_length", {"precision": 0, "recall": 0, "f1": 0})),
             ("micro entity", lambda r: r["micro_entity_f1"])]
    print(f"{'':14}" + "".join(f"{h:>22}" for h in ("dev P/R/F1", "test P/R/F1", "overall P/R/F1", "all text judged")))
    for label, get in rows:
        cells = [get(r) for r in (report["dev"], report["test"], report, report["all_text_judged"])]
        print(f"{label:14}" + "".join(f"{c['precision']:>8.2f}{c['recall']:>7.2f}{c['f1']:>7.2f}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
