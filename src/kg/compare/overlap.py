"""Population overlap: whether one patient can meet the eligibility of two trials, and how related their populations are.

Two questions about a pair of trials, both answered from the trials' facts alone (never from
the rest of the collection, so an answer does not move when other trials come and go):

* :func:`relation` — are the two populations plausible candidates for each other? The
  conditions each trial studies or requires, compared through the condition hierarchy the
  graph holds (``skos:broader``, the registry's MeSH ancestors): the same condition, a parent
  or subtype, or siblings under a shared specific ancestor. Broad headings ("Neoplasms",
  "Immune System Diseases", the lexicon's "malignancy") never relate two trials: a lymphoma
  trial and a breast-cancer trial are not each other's candidates.
* :func:`population_overlap` — can one patient meet both? ``no`` names the deciding rules on
  each side (sex, age, a laboratory or score range, a condition one requires and the other
  excludes, a background therapy one requires and the other excludes, pregnancy); ``yes``
  when nothing typed separates them and the conditions are related; ``unknown`` otherwise,
  saying what is missing.

:func:`relevance` turns a pair into a fixed 0-1 score with its parts in words (condition,
population, recruitment period, place), used to rank conflicts.

>>> a = TrialFacts("a", conditions={"x"}, sex="female", age_min=18.0)
>>> b = TrialFacts("b", conditions={"x"}, sex="male")
>>> population_overlap(Facts(trials={"a": a, "b": b}), a, b).verdict
'no'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from kg.compare.facts import Facts, RangeRule, TrialFacts

#: MeSH descriptors too broad to relate two trials: the disease categories (tree depth 1) and
#: the organizing headings right under them ("Neoplasms by Site", "Pathologic Processes", ...).
#: A fixed list, not a document-frequency cut, so the gate does not move with the collection.
BROAD_MESH = frozenset("""
D007239 D009369 D009370 D009371 D009140 D004066 D009057 D012140 D010038 D009422 D005128 D000091642
D052801 D005261 D002318 D006425 D009358 D017437 D009750 D004700 D007154 D004777 D000820 D013568
D009784 D064419 D014947 D001523 D001520 D010335 D012816 D008659 D001424 D014777 D002908 D020969
D000091662 D005832 D014570 D014652 D006331 D002493 D001927 D005767 D012871 D020763 D001847 D052556
D000091643 D000091644 D006402 D007280 D008171 D012141 D003240 D019965 D009386 D001778 D020969
""".split())
#: The same headings (and the lexicon's broad keys) by name, for condition nodes without a MeSH id.
BROAD_NAMES = frozenset(n.strip() for n in """
infections|infection|neoplasms|neoplasm|cancer|cancers|malignancy|malignancies|tumor|tumors|tumour|tumours
neoplasms by site|neoplasms by histologic type|carcinoma|solid tumor|solid tumors|advanced solid tumors
musculoskeletal diseases|digestive system diseases|respiratory tract diseases|nervous system diseases
eye diseases|urogenital diseases|male urogenital diseases|female urogenital diseases and pregnancy complications
cardiovascular diseases|hemic and lymphatic diseases|skin and connective tissue diseases
nutritional and metabolic diseases|metabolic diseases|endocrine system diseases|immune system diseases
pathological conditions, signs and symptoms|pathologic processes|signs and symptoms|mental disorders
chronic disease|disease|diseases|disease attributes|syndrome|genital diseases|genital diseases, male
urologic diseases|vascular diseases|heart diseases|central nervous system diseases|brain diseases
gastrointestinal diseases|skin diseases|bone diseases|lung diseases|respiratory tract infections
pathological conditions, anatomical|comorbidity|inflammation|healthy|healthy volunteers|virus diseases
bacterial infections and mycoses|wounds and injuries|congenital abnormalities|chemically-induced disorders
""".replace("\n", "|").split("|") if n.strip())

_MESH_ID = re.compile(r"/mesh/(D\d+)$")


def is_broad(f: Facts, iri: str) -> bool:
    """Whether a condition IRI is a heading too broad to relate two trials.

    >>> f = Facts(labels={"https://w3id.org/kg/id/condition/x": "Neoplasms"})
    >>> is_broad(f, "https://w3id.org/kg/id/condition/x"), is_broad(f, "http://id.nlm.nih.gov/mesh/D009369")
    (True, True)
    >>> is_broad(f, "http://id.nlm.nih.gov/mesh/D008180")
    False
    """
    m = _MESH_ID.search(iri)
    if m and m.group(1) in BROAD_MESH:
        return True
    name = f.labels.get(iri) or iri.rsplit("/", 1)[-1].replace("-", " ")
    return name.strip().casefold() in BROAD_NAMES


def _broad(f: Facts, iri: str) -> bool:
    """:func:`is_broad`, remembered per Facts (labels do not change once read)."""
    memo = f.__dict__.setdefault("_broad", {})
    found = memo.get(iri)
    if found is None:
        found = memo[iri] = is_broad(f, iri)
    return found


def studied(f: Facts, t: TrialFacts) -> set[str]:
    """The specific conditions every participant of ``t`` has: those it studies and those a
    (non-alternative) inclusion names, broad headings left out."""
    out = set(t.conditions)
    out |= {r.key for r in t.condition_rules if r.polarity == "inclusion" and not r.alternative and not r.qualified}
    return {c for c in out if not _broad(f, c)}


def _shown(f: Facts, t: TrialFacts) -> set[str]:
    """What to name a trial's population by: its own specific conditions, else the inclusions'."""
    own = {c for c in t.conditions if not _broad(f, c)}
    return own or studied(f, t)


def _ancestors(f: Facts, t: TrialFacts) -> set[str]:
    return {c for c in t.condition_ancestors if not _broad(f, c)}


#: Weight of each relation in a relevance score (fixed).
RELATION_WEIGHT = {"same": 1.0, "parent-subtype": 0.7, "sibling": 0.4, "none": 0.0}


@dataclass(frozen=True)
class Relation:
    """How the populations of two trials are related through their conditions."""

    level: str  # same | parent-subtype | sibling | none
    concepts: tuple[str, ...] = ()

    @property
    def weight(self) -> float:
        return RELATION_WEIGHT[self.level]

    def text(self, f: Facts) -> str:
        names = _names(f, self.concepts)
        return {"same": f"same condition ({names})", "parent-subtype": f"a parent or subtype condition ({names})",
                "sibling": f"related conditions under {names}", "none": "unrelated conditions"}[self.level]


def _names(f: Facts, iris: tuple[str, ...], most: int = 3) -> str:
    # One name per spelling ("Diabetes mellitus" and "diabetes mellitus" are one), chosen the same
    # way whatever the set's order, so the text does not move with the hash seed.
    spelled = sorted({f.label(i) for i in iris if i in f.labels} or {f.label(i) for i in iris},
                     key=lambda s: (s.casefold(), s))
    labelled = [s for k, s in enumerate(spelled) if k == 0 or s.casefold() != spelled[k - 1].casefold()]
    return ", ".join(labelled[:most]) + (f" +{len(labelled) - most} more" if len(labelled) > most else "")


def relation(f: Facts, a: TrialFacts, b: TrialFacts) -> Relation:
    """The closest relation of the two trials' specific conditions.

    >>> f = Facts(labels={"p": "Autoimmune diseases"})
    >>> sle = TrialFacts("s", conditions={"sle"}, condition_ancestors={"p"})
    >>> igg4 = TrialFacts("i", conditions={"igg4"}, condition_ancestors={"p"})
    >>> relation(f, sle, igg4).level, relation(f, sle, sle).level
    ('sibling', 'same')
    """
    ca, cb = studied(f, a), studied(f, b)
    same = ca & cb
    if same:
        return Relation("same", tuple(sorted(same)))
    aa, ab = _ancestors(f, a), _ancestors(f, b)
    near = (ca & ab) | (cb & aa)
    if near:
        return Relation("parent-subtype", tuple(sorted(near)))
    sib = aa & ab
    if sib:
        return Relation("sibling", tuple(sorted(sib)))
    return Relation("none")


# --- intervals -------------------------------------------------------------------------------


@dataclass
class Interval:
    """The values a set of range rules admits together, with the rule setting each end."""

    low: float = -math.inf
    high: float = math.inf
    low_incl: bool = True
    high_incl: bool = True
    low_rule: RangeRule | None = None
    high_rule: RangeRule | None = None

    def narrow(self, r: RangeRule) -> None:
        # An end is tighter at a tighter value, or open where the held one is closed. When two
        # rules set the same end, the one kept names the conflict (its criterion, its kind): a
        # fixed rank chooses it, not the order the store returned rows.
        low, held_low = (r.low, not r.low_incl), (self.low, not self.low_incl)
        if low > held_low or (low == held_low and self.low_rule is not None and _tie_first(r, self.low_rule)):
            self.low, self.low_incl, self.low_rule = r.low, r.low_incl, r
        high, held_high = (-r.high, not r.high_incl), (-self.high, not self.high_incl)
        if high > held_high or (high == held_high and self.high_rule is not None and _tie_first(r, self.high_rule)):
            self.high, self.high_incl, self.high_rule = r.high, r.high_incl, r

    @property
    def empty(self) -> bool:
        return self.low > self.high or (self.low == self.high and not (self.low_incl and self.high_incl))


def _tie_first(r: RangeRule, held: RangeRule) -> bool:
    """Whether ``r`` ranks before ``held`` among rules setting the same end: an exclusion
    first (what a trial turns away is the sharper reason), then the smaller criterion IRI."""
    return (r.polarity != "exclusion", r.criterion, r.constraint) < (
        held.polarity != "exclusion", held.criterion, held.constraint)


def believed(t: TrialFacts, r: RangeRule) -> bool:
    """Whether an age rule read from a criterion can be about the trial's participants: it
    admits somebody the registry's own age bounds admit. "No smoking in the last 3 years"
    read as "age up to 3" in an 18-55 trial is not.

    >>> from kg.compare.facts import RangeRule
    >>> t = TrialFacts("t", age_min=18.0, age_max=55.0)
    >>> believed(t, RangeRule("c", "k", "inclusion", "age", "a", high=3.0)), believed(t, RangeRule("c", "k", "inclusion", "age", "a", low=21.0))
    (False, True)
    >>> believed(t, RangeRule("c", "k", "exclusion", "age", "a", high=18.0, high_incl=False))
    False
    """
    if r.dimension != "age" or (t.age_min is None and t.age_max is None):
        return True
    lo = t.age_min if t.age_min is not None else -math.inf
    hi = t.age_max if t.age_max is not None else math.inf
    # More than a boundary in common: "under 18" excluded, read as admitting only up to 18,
    # meets an 18-70 registry range at one point and is the complement misread, not a rule.
    return min(r.high, hi) - max(r.low, lo) > 0 or (lo == hi and r.low <= lo <= r.high)


def admitted_ranges(t: TrialFacts) -> dict[tuple[str, str], Interval]:
    """(dimension, unit) -> the interval every rule of ``t`` admits together (age rules the
    registry's bounds contradict left out, see :func:`believed`)."""
    out: dict[tuple[str, str], Interval] = {}
    for r in t.ranges:
        if r.alternative and r.polarity == "inclusion":
            continue  # one of several admitted alternatives; each alternative exclusion still applies
        if not believed(t, r):
            continue
        out.setdefault((r.dimension, r.unit), Interval()).narrow(r)
    return out


def _age(t: TrialFacts, ranges: dict[tuple[str, str], Interval]) -> Interval:
    """The ages ``t`` admits: the registry's bounds narrowed by the criteria's age rules."""
    iv = Interval()
    if t.age_min is not None:
        iv.low = t.age_min
    if t.age_max is not None:
        iv.high = t.age_max
    for (dim, _unit), r in ranges.items():
        if dim == "age":
            if (r.low, not r.low_incl) > (iv.low, not iv.low_incl):
                iv.low, iv.low_incl, iv.low_rule = r.low, r.low_incl, r.low_rule
            if (-r.high, not r.high_incl) > (-iv.high, not iv.high_incl):
                iv.high, iv.high_incl, iv.high_rule = r.high, r.high_incl, r.high_rule
    return iv


def disjoint(a: Interval, b: Interval) -> tuple[RangeRule | None, RangeRule | None] | None:
    """The binding rules (A's, B's) when the intervals do not overlap; None when they do."""
    if a.high < b.low or (a.high == b.low and not (a.high_incl and b.low_incl)):
        return a.high_rule, b.low_rule
    if b.high < a.low or (b.high == a.low and not (b.high_incl and a.low_incl)):
        return a.low_rule, b.high_rule
    return None


def _span(a: tuple[float, float], b: tuple[float, float]) -> float:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    span = max(a[1], b[1]) - min(a[0], b[0])
    if span <= 0:
        return 1.0 if lo <= hi else 0.0
    return max(0.0, hi - lo) / span


#: Ages are clipped to this span before overlaps are measured.
AGE_SPAN = (0.0, 100.0)


def range_overlap(ra: dict[tuple[str, str], Interval], rb: dict[tuple[str, str], Interval]) -> tuple[float, list[str]]:
    """Mean overlap (0-1) of the ranges both trials constrain, and the dimensions measured."""
    shared = sorted(set(ra) & set(rb))
    if not shared:
        return 0.0, []
    vals = []
    for dim in shared:
        a, b = ra[dim], rb[dim]
        if a.empty or b.empty:
            vals.append(0.0)
            continue
        if dim[0] == "age":
            vals.append(_span(_clip_age(a), _clip_age(b)))
            continue
        finite = [x for x in (a.low, a.high, b.low, b.high) if not math.isinf(x)]
        lo_all, hi_all = (min(finite), max(finite)) if finite else (0.0, 1.0)
        pad = (hi_all - lo_all) or max(abs(hi_all), 1.0)
        vals.append(_span((max(a.low, lo_all - pad), min(a.high, hi_all + pad)),
                          (max(b.low, lo_all - pad), min(b.high, hi_all + pad))))
    return math.fsum(vals) / len(vals), [d[0] for d in shared]


def _clip_age(iv: Interval) -> tuple[float, float]:
    return max(iv.low, AGE_SPAN[0]), min(iv.high, AGE_SPAN[1])


# --- the verdict -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One deciding rule: the trial, the criterion (None for a registry field) and why."""

    trial: str
    criterion: str | None
    why: str


@dataclass(frozen=True)
class Overlap:
    """Can one patient meet both trials' eligibility? ``deciding``: the rules that say no
    (one per side where there is one); ``missing``: what an ``unknown`` lacks."""

    verdict: str  # yes | no | unknown
    relation: Relation
    deciding: tuple[Reason, ...] = ()
    missing: tuple[str, ...] = ()
    fraction: float = 0.0  # overlap of the age and shared lab/score ranges, 0-1
    measured: tuple[str, ...] = field(default=())

    def text(self, f: Facts) -> str:
        """The verdict in one line."""
        if self.verdict == "no":
            return "no: " + "; ".join(_reason_text(f, r) for r in self.deciding)
        if self.verdict == "yes":
            how = f", ranges overlap {self.fraction:.2f} ({', '.join(self.measured)})" if self.measured else ""
            return f"yes: {self.relation.text(f)}, nothing typed separates them{how}"
        return "unknown: " + "; ".join(self.missing)


def _reason_text(f: Facts, r: Reason, most: int = 90) -> str:
    """ "NCT… excludes X («criterion text»)", or "(registry)" for a registry field."""
    name = f.trials[r.trial].name if r.trial in f.trials else r.trial
    said = f.criterion_text.get(r.criterion, "") if r.criterion else ""
    if len(said) > most:
        said = said[:most - 1].rstrip() + "…"
    return f"{name} {r.why}" + (f" («{said}»)" if said else "")


def _sexes(t: TrialFacts) -> tuple[set[str], Reason | None]:
    """The sexes ``t`` admits and the rule that narrows them (None: the registry field)."""
    out = {"female", "male"}
    why: Reason | None = None
    if t.sex in ("female", "male"):
        out = {t.sex}
        why = Reason(t.iri, None, f"admits {t.sex} participants only (registry)")
    for r in t.sex_rules:
        if r.alternative or r.sex not in ("female", "male"):
            continue
        if r.polarity == "inclusion" and r.sex in out:
            if out != {r.sex}:
                why = Reason(t.iri, r.criterion, f"admits {r.sex} participants only")
            out = {r.sex}
        elif r.polarity == "exclusion" and r.sex in out and len(out) == 2:
            out = out - {r.sex}
            why = Reason(t.iri, r.criterion, f"excludes {r.sex} participants")
    if any(r.topic == "pregnancy" and r.polarity == "inclusion" and not r.alternative for r in t.reproductive):
        if "male" in out:
            crit = next(r.criterion for r in t.reproductive if r.topic == "pregnancy" and r.polarity == "inclusion")
            out = {"female"}
            why = Reason(t.iri, crit, "requires pregnancy")
    return out, why


def _exposure_covers(f: Facts, rule: object, drug: str) -> bool:
    classes = f.drug_classes.get(drug, set())
    if drug in rule.except_drugs or classes & rule.except_classes:  # type: ignore[attr-defined]
        return False
    return drug in rule.drugs or bool(classes & rule.classes)  # type: ignore[attr-defined]


def _separated(f: Facts, a: TrialFacts, b: TrialFacts, ra: dict[tuple[str, str], Interval],
               rb: dict[tuple[str, str], Interval], therapy: bool = True) -> tuple[Reason, ...]:
    """The first typed rule pair that no patient meets together (empty: none found);
    required background therapies only when ``therapy``."""
    sa, why_a = _sexes(a)
    sb, why_b = _sexes(b)
    if not (sa & sb):
        return tuple(r for r in (why_a, why_b) if r is not None)
    age_a, age_b = _age(a, ra), _age(b, rb)
    if not age_a.empty and not age_b.empty and disjoint(age_a, age_b) is not None:
        return (Reason(a.iri, (age_a.low_rule or age_a.high_rule or _NO_RULE).criterion or None,
                       f"admits ages {show_interval(age_a, 'a')}"),
                Reason(b.iri, (age_b.low_rule or age_b.high_rule or _NO_RULE).criterion or None,
                       f"admits ages {show_interval(age_b, 'a')}"))
    for dim in sorted(set(ra) & set(rb)):
        if dim[0] == "age":
            continue
        x, y = ra[dim], rb[dim]
        if x.empty or y.empty:
            continue
        hit = disjoint(x, y)
        if hit is not None:
            name = dim[0].split(":", 1)[-1]
            return (Reason(a.iri, hit[0].criterion if hit[0] else None, f"admits {name} {show_interval(x, dim[1])}"),
                    Reason(b.iri, hit[1].criterion if hit[1] else None, f"admits {name} {show_interval(y, dim[1])}"))
    for x, y in ((a, b), (b, a)):
        found = _condition_excluded(f, x, y)
        if found:
            return found
        found = _therapy_excluded(f, x, y) if therapy else ()
        if found:
            return found
    for x, y in ((a, b), (b, a)):
        for topic in ("pregnancy", "lactation"):
            need = [r for r in x.reproductive if r.topic == topic and r.polarity == "inclusion" and not r.alternative]
            bar = [r for r in y.reproductive if r.topic == topic and r.polarity == "exclusion"]
            if need and bar:
                return (Reason(x.iri, need[0].criterion, f"requires {topic}"),
                        Reason(y.iri, bar[0].criterion, f"excludes {topic}"))
    return ()


_NO_RULE = RangeRule("", "", "", "", "")


def _condition_excluded(f: Facts, x: TrialFacts, y: TrialFacts) -> tuple[Reason, ...]:
    """x's participants all have a condition y excludes without qualification."""
    if x.healthy:
        return ()  # healthy volunteers need not have the condition studied
    has = {c: "studies" for c in x.conditions} | {c: "studies a form of" for c in x.condition_ancestors}
    for r in x.condition_rules:
        if r.polarity == "inclusion" and not r.alternative:
            has.setdefault(r.key, "requires")
    for r in y.condition_rules:
        if r.polarity == "exclusion" and not r.qualified and r.key in has:
            return (Reason(x.iri, None, f"{has[r.key]} {f.label(r.key)}"),
                    Reason(y.iri, r.criterion, f"excludes {f.label(r.key)}"))
    return ()


def _therapy_excluded(f: Facts, x: TrialFacts, y: TrialFacts) -> tuple[Reason, ...]:
    """x requires a background therapy that an exposure exclusion of y catches."""
    for need in x.therapy:
        if not (need.background and need.polarity == "inclusion" and not need.alternative):
            continue
        for d in sorted(need.drugs):
            for rule in y.therapy:
                if rule.polarity == "exclusion" and not rule.background and _exposure_covers(f, rule, d):
                    return (Reason(x.iri, need.criterion, f"requires background {f.label(d)}"),
                            Reason(y.iri, rule.criterion, f"excludes prior {f.label(d)}"))
    return ()


def show_interval(iv: Interval, unit: str) -> str:
    """An admitted range as a reader writes it ("≥ 18 years", "3–5 mg/dL", "any value")."""
    u = "" if unit in ("1", "") else (" years" if unit == "a" else f" {unit}")
    if math.isinf(iv.low) and math.isinf(iv.high):
        return "any value"
    if math.isinf(iv.low):
        return f"{'≤' if iv.high_incl else '<'} {iv.high:g}{u}"
    if math.isinf(iv.high):
        return f"{'≥' if iv.low_incl else '>'} {iv.low:g}{u}"
    return f"{iv.low:g}–{iv.high:g}{u}"


def population_overlap(f: Facts, a: TrialFacts, b: TrialFacts,
                       ranges: dict[str, dict[tuple[str, str], Interval]] | None = None,
                       therapy: bool = True) -> Overlap:
    """Whether one patient can meet the eligibility of both ``a`` and ``b`` (see the module doc).
    ``ranges``: :func:`admitted_ranges` per trial IRI, when the caller holds them already.
    ``therapy=False`` leaves required background therapies out: a washout asks whether A's
    participants could enter B once off the drug, so the drug itself must not answer no."""
    if b.iri < a.iri:
        a, b = b, a  # one answer per pair, whichever way it is asked
    ra = ranges[a.iri] if ranges is not None and a.iri in ranges else admitted_ranges(a)
    rb = ranges[b.iri] if ranges is not None and b.iri in ranges else admitted_ranges(b)
    rel = relation(f, a, b)
    deciding = _separated(f, a, b, ra, rb, therapy)
    age_a, age_b = _age(a, ra), _age(b, rb)
    stated = any(not math.isinf(x) for x in (age_a.low, age_a.high, age_b.low, age_b.high))
    extra_a, extra_b = ({("age", "a"): age_a}, {("age", "a"): age_b}) if stated else ({}, {})
    fraction, measured = range_overlap({**ra, **extra_a}, {**rb, **extra_b})
    if deciding:
        return Overlap("no", rel, deciding, (), 0.0, tuple(measured))
    if rel.level in ("same", "parent-subtype") or (a.healthy and b.healthy):
        return Overlap("yes", rel, (), (), fraction, tuple(measured))
    missing = []
    ca, cb = sorted(_shown(f, a)), sorted(_shown(f, b))
    if not ca or not cb:
        for t, c in ((a, ca), (b, cb)):
            if not c:
                missing.append(f"{t.name} names no specific condition")
    else:
        missing.append(f"a patient would need both {_names(f, tuple(ca))} ({a.name}) and "
                       f"{_names(f, tuple(cb))} ({b.name})" + (f", {rel.text(f)}" if rel.level == "sibling" else ""))
    return Overlap("unknown", rel, (), tuple(missing), fraction, tuple(measured))


# --- relevance -------------------------------------------------------------------------------

#: Weights of the relevance parts (they sum to 1, so a relevance is in [0, 1] in any collection).
RELEVANCE_WEIGHTS = {"condition": 0.4, "population": 0.3, "period": 0.15, "place": 0.15}


def _day(value: str | None) -> date | None:
    """A registry date ("2021-01-31", "2021-01", "2021") as its first day."""
    if not value:
        return None
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def period_overlap(a: TrialFacts, b: TrialFacts) -> tuple[float | None, str]:
    """1 when the two trials' start-to-completion periods overlap, 0 when they do not, None
    when a date is missing; with the words.

    >>> period_overlap(TrialFacts("a", start="2021-01", end="2023-12-27"), TrialFacts("b", start="2023-08-01", end="2025-12-31"))
    (1.0, 'recruiting periods overlap (2021–2023 and 2023–2025)')
    """
    sa, ea, sb, eb = _day(a.start), _day(a.end), _day(b.start), _day(b.end)
    if None in (sa, ea, sb, eb):
        return None, "recruiting periods not known"
    years = f"({sa.year}–{ea.year} and {sb.year}–{eb.year})"  # type: ignore[union-attr]
    if sa <= eb and sb <= ea:  # type: ignore[operator]
        return 1.0, f"recruiting periods overlap {years}"
    return 0.0, f"recruiting periods apart {years}"


def place_overlap(f: Facts, a: TrialFacts, b: TrialFacts) -> tuple[float, str]:
    """1 for a shared sponsor or site, 0.5 for a shared country only, 0 otherwise; with the words."""
    sponsor = sorted(a.sponsors & b.sponsors)
    if sponsor:
        return 1.0, f"same sponsor ({f.label(sponsor[0])})"
    if a.sites & b.sites:
        n = len(a.sites & b.sites)
        return 1.0, f"{n} shared site{'s' if n != 1 else ''}"
    countries = sorted(a.countries & b.countries)
    if countries:
        return 0.5, f"same country ({', '.join(c.title() for c in countries[:3])})"
    return 0.0, "no shared sponsor, site or country"


@dataclass(frozen=True)
class Relevance:
    """A fixed 0-1 score of how much a conflict between two trials matters, and its parts in words."""

    score: float
    parts: dict[str, float]
    text: str


def relevance(f: Facts, a: TrialFacts, b: TrialFacts, overlap: Overlap | None = None,
              rule_separates: bool = False) -> Relevance:
    """How likely one patient is to face both trials: related conditions (same 1, parent or
    subtype 0.7, siblings 0.4), overlapping populations (yes 0.5 + half the range overlap,
    unknown 0.3, no 0; when the conflict itself is what separates them, ``rule_separates``, the
    range overlap alone), overlapping recruitment periods (unknown 0.5) and a shared sponsor,
    site (1) or country (0.5). Weights :data:`RELEVANCE_WEIGHTS`; one trial with itself is 1."""
    if a.iri == b.iri:
        return Relevance(1.0, {k: 1.0 for k in RELEVANCE_WEIGHTS}, "within one trial")
    ov = overlap or population_overlap(f, a, b)
    cond = ov.relation.weight
    if rule_separates:
        pop = ov.fraction if ov.measured else 0.5
        pop_text = (f"populations alike but for this rule (ranges overlap {ov.fraction:.2f})" if ov.measured
                    else "populations alike but for this rule")
    elif ov.verdict == "yes":
        pop = 0.5 + 0.5 * (ov.fraction if ov.measured else 1.0)
        pop_text = "populations overlap" + (f" ({', '.join(ov.measured)} {ov.fraction:.2f})" if ov.measured else "")
    elif ov.verdict == "unknown":
        pop, pop_text = 0.3, "population overlap unknown"
    else:
        pop, pop_text = 0.0, "populations do not overlap"
    per, per_text = period_overlap(a, b)
    place, place_text = place_overlap(f, a, b)
    parts = {"condition": cond, "population": pop, "period": 0.5 if per is None else per, "place": place}
    score = round(math.fsum(RELEVANCE_WEIGHTS[k] * v for k, v in parts.items()), 4)
    return Relevance(score, {k: round(v, 4) for k, v in parts.items()},
                     "; ".join((ov.relation.text(f), pop_text, per_text, place_text)))
