"""Conflicting eligibility: pairs of trials (or one trial) whose rules collide, found by a hash join.

Four kinds (issue #5), each explained in one line:

* ``washout`` — trial A gives a drug (an arm's intervention or a background therapy, or
  requires it as background therapy) that falls, directly or through one of its drug
  classes, under an exclusion of trial B; exceptions written in B's criterion ("other
  than GCs") are respected. A participant of A cannot enter B until the window has passed
  (or ever, when B gives no window).
* ``required-excluded`` — trial A requires a condition (it studies it, or an inclusion names
  it) that trial B excludes without qualification, or A's condition is a subtype of it;
  or A's inclusion demands a laboratory range that B's exclusion rules out.
* ``numeric-range`` — the ranges A and B admit for one quantity (age, a laboratory value in
  normalized units, a score) do not overlap; only between trials that share a condition
  (or a subtype or parent of it), since pairs of unrelated trials (a paediatric asthma trial
  and an adult gout trial) would drown the answer.
* ``self-contradiction`` — an inclusion and an exclusion of one trial that no patient meets
  together.

An alternative of an inclusion's "any of" group never makes a conflict on its own (the
patient may meet another alternative); each alternative of an exclusion's group excludes
on its own.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kg.compare.facts import Facts, RangeRule, TherapyRule, TrialFacts
from kg.compare.overlap import (
    Interval,
    Overlap,
    admitted_ranges,
    disjoint,
    population_overlap,
    relation,
    relevance,
    show_interval,
)

__all__ = ["Conflict", "Judge", "admitted_ranges", "find_conflicts", "washout_conflicts"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """One conflict: who, which rules on each side, the shared concept and why."""

    kind: str
    trial_a: str
    trial_b: str
    criterion_b: str | None
    criterion_a: str | None = None
    interventions_a: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    concept_label: str | None = None
    window_days: int | None = None
    ever: bool = False
    explanation: str = ""
    window: str | None = None  # the window as written (xsd:duration), for people
    #: How much the conflict matters to a patient, on a fixed 0-1 scale (kg.compare.overlap.relevance),
    #: and its parts in words. Not part of the key: a conflict stays the same node when it moves.
    relevance: float = 0.0
    relevance_text: str = ""
    #: Can one patient meet both trials (kg.compare.overlap): yes / no / unknown, and why.
    overlap: str = ""
    overlap_text: str = ""

    @property
    def key(self) -> str:
        """Identity of the conflict across builds (its IRI is a hash of this). A washout
        conflict is one per (A, B, B's criterion), whatever number of A's drugs it catches."""
        side_a = "" if self.kind == "washout" else (self.criterion_a or "")
        return "|".join((self.kind, self.trial_a, self.trial_b, side_a, self.criterion_b or ""))

    def window_text(self) -> str | None:
        """The washout window for people ("6 months (183 days)", "ever (no window given)")."""
        return window_text(self.window_days, self.ever, self.window) if self.kind == "washout" else None


_UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day"}


def window_text(days: int | None, ever: bool, duration: str | None = None) -> str:
    """A washout window for people: the duration as written, then days.

    >>> window_text(183, False, "P6M"), window_text(84, False, None), window_text(None, False)
    ('6 months (183 days)', '84 days', 'ever (no window given)')
    """
    if ever or days is None:
        return "ever (no window given)"
    m = re.fullmatch(r"P(\d+)([YMWD])", duration or "")
    if m:
        n, unit = int(m.group(1)), _UNITS[m.group(2)]
        written = f"{n} {unit}{'s' if n != 1 else ''}"
        return written if unit == "day" else f"{written} ({days} days)"
    return f"{days} days"


class Judge:
    """Whether a pair of trials can share a patient, asked once per pair (cached): the gate a
    conflict between two trials must pass, and the relevance it is ranked by.

    A conflict is kept only where it can bite a patient: the two trials' conditions are
    related (kg.compare.overlap.relation: the same, a parent or subtype, or siblings under a
    specific heading) and, for a washout, the populations are not separated by another rule
    (a participant of A could otherwise enter B). ``trials``: the facts the verdicts are
    read from (the full facts, when the generators are given narrowed copies)."""

    def __init__(self, f: Facts, trials: dict[str, TrialFacts] | None = None) -> None:
        self.f = f
        self.trials = trials if trials is not None else f.trials
        self._overlap: dict[tuple[str, str, bool], Overlap] = {}
        self._ranges: dict[str, dict] = {}  # type: ignore[type-arg]
        self._relation: dict[tuple[str, str], str] = {}

    def overlap(self, a: str, b: str, therapy: bool = True) -> Overlap:
        key = (a, b, therapy)
        found = self._overlap.get(key)
        if found is None:
            ta, tb = self.trials[a], self.trials[b]
            for t in (ta, tb):
                if t.iri not in self._ranges:
                    self._ranges[t.iri] = admitted_ranges(t)
            found = self._overlap[key] = population_overlap(self.f, ta, tb, self._ranges, therapy)
        return found

    def related(self, a: str, b: str) -> bool:
        return self.relation_level(a, b) != "none"

    def relation_level(self, a: str, b: str) -> str:
        key = (a, b) if a < b else (b, a)
        found = self._relation.get(key)
        if found is None:
            found = self._relation[key] = relation(self.f, self.trials[a], self.trials[b]).level
        return found

    def rank(self, c: Conflict) -> Conflict:
        """``c`` with its relevance."""
        ta, tb = self.trials[c.trial_a], self.trials[c.trial_b]
        separates = c.kind in ("required-excluded", "numeric-range")
        if ta is tb:
            return dataclasses.replace(c, relevance=1.0, relevance_text="within one trial")
        ov = self.overlap(c.trial_a, c.trial_b, c.kind != "washout")
        r = relevance(self.f, ta, tb, ov, separates)
        full = self.overlap(c.trial_a, c.trial_b)
        return dataclasses.replace(c, relevance=r.score, relevance_text=r.text, overlap=full.verdict,
                                   overlap_text=full.text(self.f))


def _covers(f: Facts, rule: object, drug: str) -> str | None:
    """The concept (the drug, or one of its classes) through which ``rule`` catches ``drug``."""
    classes = f.drug_classes.get(drug, set())
    if drug in rule.except_drugs or classes & rule.except_classes:  # type: ignore[attr-defined]
        return None
    if drug in rule.drugs:  # type: ignore[attr-defined]
        return drug
    hit = classes & rule.classes  # type: ignore[attr-defined]
    if hit:
        return min(hit)  # deterministic choice among the classes named
    return None


def washout_conflicts(f: Facts, judge: Judge | None = None) -> Iterator[Conflict]:
    """Kind (a): A gives or requires a drug that B's exclusion of prior exposure catches,
    where A's participants are B's candidates (related conditions, populations not
    separated by another rule: see :class:`Judge`)."""
    judge = judge or Judge(f)
    # Index B's exclusions by what they name: a drug or a class.
    by_drug: dict[str, list[tuple[TrialFacts, TherapyRule]]] = defaultdict(list)
    by_class: dict[str, list[tuple[TrialFacts, TherapyRule]]] = defaultdict(list)
    for tb in _trials(f):
        for rule in tb.therapy:
            if rule.polarity != "exclusion" or rule.background:
                continue
            for d in rule.drugs:
                by_drug[d].append((tb, rule))
            for c in rule.classes:
                by_class[c].append((tb, rule))
    for ta in _trials(f):
        given: dict[str, tuple[str | None, str | None]] = {}
        for drug, ivs in ta.gives.items():
            given[drug] = (min(ivs), None)
        for rule in ta.therapy:
            if rule.background and rule.polarity == "inclusion" and not rule.alternative:
                for d in sorted(rule.drugs):
                    given.setdefault(d, (None, rule.criterion))
        # One conflict per exclusion of B, listing every drug of A it catches: an oncology
        # trial giving four cytotoxics is one conflict with a "no prior chemotherapy" rule.
        # (B, B's criterion) -> (B, the rules of that criterion that catch a drug of A,
        # drug -> (concept, intervention, A's criterion)).
        hits: dict[tuple[str, str], tuple[TrialFacts, dict[str, TherapyRule],
                                          dict[str, tuple[str, str | None, str | None]]]] = {}
        for drug in sorted(given):
            iv, crit_a = given[drug]
            tried: set[str] = set()
            candidates = list(by_drug.get(drug, ()))
            for c in f.drug_classes.get(drug, ()):
                candidates += by_class.get(c, ())
            for tb, rule in candidates:
                if tb.iri == ta.iri or rule.constraint in tried:
                    continue  # a rule met again through another of the drug's classes
                tried.add(rule.constraint)
                concept = _covers(f, rule, drug)
                if concept is None:
                    continue
                found = hits.get((tb.iri, rule.criterion))
                if found is None:
                    found = hits[tb.iri, rule.criterion] = (tb, {}, {})
                _, rules, caught = found
                rules[rule.constraint] = rule
                held = caught.get(drug)
                # Two rules of one criterion may catch the same drug: the drug named outright
                # is the sharper reason, then the smaller class IRI (as in _covers).
                if held is None or (concept != drug, concept) < (held[0] != drug, held[0]):
                    caught[drug] = (concept, iv, crit_a)
        fits: dict[str, bool] = {}
        for key in sorted(hits):
            tb, rules, caught = hits[key]
            if tb.iri not in fits:
                fits[tb.iri] = judge.related(ta.iri, tb.iri) and judge.overlap(ta.iri, tb.iri, False).verdict != "no"
            if fits[tb.iri]:
                yield judge.rank(_washout(f, ta, tb, _binding(rules.values()), [(d, *caught[d]) for d in sorted(caught)]))


def _binding(rules: Iterable[TherapyRule]) -> TherapyRule:
    """Of the rules of one exclusion that catch A's drugs, the one whose window binds: the
    longest (no window, or "ever", outlasts any number of days), then the smallest
    constraint IRI. A participant of A waits until every window has passed.

    >>> r = lambda k, days, ever=False: TherapyRule("c", k, "exclusion", window_days=days, ever=ever)
    >>> [_binding(rs).constraint for rs in ([r("k1", 28), r("k2", 183)], [r("k1", 28), r("k2", None)],
    ...                                     [r("k2", 30), r("k1", 30)], [r("k1", 900), r("k2", 7, ever=True)])]
    ['k2', 'k2', 'k1', 'k2']
    """
    return min(rules, key=lambda r: (not (r.ever or r.window_days is None), -(r.window_days or 0), r.constraint))


def _trials(f: Facts) -> list[TrialFacts]:
    """The trials in IRI order, whatever order ``f`` was filled in."""
    return [f.trials[iri] for iri in sorted(f.trials)]


def _washout(f: Facts, ta: TrialFacts, tb: TrialFacts, rule: object,
             caught: list[tuple[str, str, str | None, str | None]]) -> Conflict:
    concepts = tuple(sorted({c for _, c, _, _ in caught}))
    ivs = tuple(sorted({iv for _, _, iv, _ in caught if iv}))
    crit_a = min((c for _, _, _, c in caught if c), default=None)
    parts = []
    for how in ("gives", "requires background"):
        drugs = [(d, c) for d, c, iv, _ in caught if (iv is not None) == (how == "gives")]
        if not drugs:
            continue
        names = [f.label(d) for d, _ in drugs[:4]] + ([f"{len(drugs) - 4} more"] if len(drugs) > 4 else [])
        classes = sorted({f.label(c) for d, c in drugs if c != d})
        via = f" (class: {', '.join(classes)})" if classes else ""
        parts.append(f"{how} {_and(names)}{via}")
    window = rule.window  # type: ignore[attr-defined]
    return Conflict(
        "washout", ta.iri, tb.iri, rule.criterion, crit_a, ivs, concepts,  # type: ignore[attr-defined]
        ", ".join(f.label(c) for c in concepts),
        rule.window_days, rule.ever or rule.window_days is None,  # type: ignore[attr-defined]
        f"{ta.name} {' and '.join(parts)}, which {tb.name} excludes: washout "
        f"{window_text(rule.window_days, rule.ever, window)}", window,  # type: ignore[attr-defined]
    )


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _reasons(t: TrialFacts) -> Iterator[tuple[str, tuple[int, str], str | None]]:
    """Every condition key each participant of ``t`` has, as (key, rank, the inclusion criterion
    naming it or None). Rank: a condition ``t`` studies (0) before one an inclusion names (1,
    then by criterion IRI) before one ``t`` studies a form of (2)."""
    for c in t.conditions:
        yield c, (0, ""), None
    for r in t.condition_rules:
        if r.polarity == "inclusion" and not r.alternative:
            yield r.key, (1, r.criterion), r.criterion
    for c in t.condition_ancestors:
        yield c, (2, ""), None


def condition_conflicts(f: Facts, judge: Judge | None = None) -> Iterator[Conflict]:
    """Kind (b) for conditions: A's participants all have what B excludes outright, and A's
    condition is related to B's (a lymphoma trial is no diabetes trial's candidate, whatever
    the diabetes trial says about malignancy)."""
    judge = judge or Judge(f)
    excluded: dict[str, list[tuple[TrialFacts, str]]] = defaultdict(list)
    for tb in _trials(f):
        for r in tb.condition_rules:
            # One alternative of an exclusion ("X or Y") excludes on its own.
            if r.polarity == "exclusion" and not r.qualified:
                excluded[r.key].append((tb, r.criterion))
    for ta in _trials(f):
        # One conflict per exclusion of B, named by its best reason: the lowest rank, then the
        # smallest condition IRI (one trial may study two conditions one exclusion names).
        best: dict[tuple[str, str], tuple[tuple[int, str], str, str | None, TrialFacts]] = {}
        for key, rank, crit_a in _reasons(ta):
            for tb, crit_b in excluded.get(key, ()):
                if tb.iri == ta.iri:
                    continue
                held = best.get((tb.iri, crit_b))
                if held is None and not judge.related(ta.iri, tb.iri):
                    continue
                if held is None or (rank, key) < (held[0], held[1]):
                    best[tb.iri, crit_b] = (rank, key, crit_a, tb)
        for pair in sorted(best):
            rank, key, crit_a, tb = best[pair]
            why = ("studies", "requires", "studies a form of")[rank[0]]
            yield judge.rank(Conflict("required-excluded", ta.iri, tb.iri, pair[1], crit_a, (), (key,), f.label(key), explanation=(
                f"{ta.name} {why} {f.label(key)}, which {tb.name} excludes: no patient can be in both")))


def _fmt(x: float) -> str:
    return f"{x:g}"


def range_conflicts(f: Facts, judge: Judge | None = None) -> Iterator[Conflict]:
    """Kinds (b) for laboratory ranges and (c): admitted intervals that do not overlap,
    between trials that share a condition (or a subtype or parent of one) that is not a
    broad heading (see :func:`kg.compare.overlap.relation`)."""
    judge = judge or Judge(f)
    ranges = {iri: admitted_ranges(t) for iri, t in f.trials.items()}
    groups: dict[str, list[str]] = defaultdict(list)
    direct: dict[str, set[str]] = defaultdict(set)
    for t in _trials(f):
        if ranges[t.iri]:
            for c in t.conditions:
                groups[c].append(t.iri)
                direct[c].add(t.iri)
            for c in t.condition_ancestors:
                groups[c].append(t.iri)
    done: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    for cond in sorted(groups):
        members = groups[cond]
        # Two trials under a shared ancestor are siblings, not related enough: one of the
        # pair must study the group's condition itself.
        if len(members) < 2 or not direct[cond]:
            continue
        own = direct[cond]
        by_dim: dict[tuple[str, str], list[str]] = defaultdict(list)
        for iri in members:
            for dim, iv in ranges[iri].items():
                if not iv.empty:
                    by_dim[dim].append(iri)
        for dim in sorted(by_dim):
            trials = by_dim[dim]
            if len(trials) < 2:
                continue
            # Sort by upper end: every trial whose upper end lies below another's lower end
            # is disjoint from it; a scan over the sorted list finds just those pairs.
            trials.sort(key=lambda i: ranges[i][dim].high)  # stable: equal ends stay in IRI order
            for ib in trials:
                ivb = ranges[ib][dim]
                if math.isinf(ivb.low):
                    continue
                for ia in trials:
                    if ranges[ia][dim].high > ivb.low:
                        break
                    if ia == ib or (ia not in own and ib not in own):
                        continue
                    pair = (ia, ib) if ia < ib else (ib, ia)
                    if (pair, dim) in done:
                        continue
                    hit = disjoint(ranges[ia][dim], ivb)
                    if hit is None:
                        continue
                    done.add((pair, dim))
                    if judge.related(ia, ib):
                        yield judge.rank(_range_conflict(f, ia, ib, dim, ranges[ia][dim], ivb, hit))


def _range_conflict(f: Facts, ia: str, ib: str, dim: tuple[str, str], iva: Interval, ivb: Interval,
                    hit: tuple[RangeRule | None, RangeRule | None]) -> Conflict:
    ra, rb = hit
    # Orient the pair so that A's side is an inclusion and B's an exclusion when one is.
    if ra is not None and rb is not None and ra.polarity == "exclusion" and rb.polarity == "inclusion":
        ia, ib, iva, ivb, ra, rb = ib, ia, ivb, iva, rb, ra
    kind = "required-excluded" if (ra and rb and ra.polarity == "inclusion" and rb.polarity == "exclusion"
                                   and dim[0].startswith("lab:")) else "numeric-range"
    ta, tb = f.trials[ia], f.trials[ib]
    name = dim[0].split(":", 1)[-1]
    return Conflict(kind, ia, ib, rb.criterion if rb else None, ra.criterion if ra else None, (), (), name,
                    explanation=f"{name}: {ta.name} admits {show_interval(iva, dim[1])}, {tb.name} admits "
                                f"{show_interval(ivb, dim[1])}: no value meets both")


#: Words that put a criterion under one subgroup of a trial's participants (a cohort, an arm, a
#: part, an age group, "if ..."): two such rules need not apply to the same participant.
_SUBGROUP = re.compile(
    r"\b(?:cohorts?|groups?|arms?|parts?|strat(?:um|a)|sub-?stud(?:y|ies)|stud(?:y|ies)\s*#|experiment|regimens?|"
    r"for (?:children|adults|participants|patients|subjects|those|women|men|boys|girls)|if|when|"
    r"children|pediatric|paediatric|adolescents?|infants?|sibling|donors?|mothers?|partners?|only)\b", re.I)


#: A criterion read as an age rule must speak of age ("no smoking in the last 3 years" does not).
_AGE_WORDS = re.compile(r"\bage[sd]?\b|years? old|\bolder\b|\byounger\b|\badults?\b|\bbirth", re.I)
#: Analyte names too generic to compare two rules on ("score" of two different instruments).
_GENERIC = frozenset({"lab:score", "lab:level", "lab:value", "lab:count", "lab:ratio", "lab:index"})


def subgroup(text: str) -> bool:
    """Whether a criterion speaks of one subgroup of the participants only.

    >>> subgroup("Cohort 1: currently receiving alectinib"), subgroup("Age 18 to 40.")
    (True, False)
    """
    return bool(_SUBGROUP.search(text))


def self_contradictions(f: Facts) -> Iterator[Conflict]:
    """Kind (d): inside one trial, an inclusion and an exclusion no patient meets together.

    Only rules that truly apply to the same participant: an inclusion against an exclusion
    (two inclusions are mostly cohorts), neither of them about a subgroup (:func:`subgroup`),
    with a gap between what they admit (an exclusion of the inclusion's complement that
    meets it at one boundary is a reading of "18 to 70" / "under 18 or over 70", not a
    contradiction), and age rules the registry's age bounds do not contradict."""
    text = f.criterion_text
    for t in _trials(f):
        ranges = admitted_ranges(t)
        for dim, unit in sorted(k for k, iv in ranges.items() if iv.empty):
            iv = ranges[dim, unit]
            lo, hi = iv.low_rule, iv.high_rule
            if not (lo and hi and lo.criterion != hi.criterion and {lo.polarity, hi.polarity} == {"inclusion", "exclusion"}):
                continue
            if not iv.low > iv.high or subgroup(text.get(lo.criterion, "")) or subgroup(text.get(hi.criterion, "")):
                continue
            if dim in _GENERIC or (dim == "age" and not all(_AGE_WORDS.search(text.get(r.criterion, "")) for r in (lo, hi))):
                continue
            inc, exc = (lo, hi) if lo.polarity == "inclusion" else (hi, lo)
            yield Conflict("self-contradiction", t.iri, t.iri, exc.criterion, inc.criterion, (), (),
                           dim.split(":", 1)[-1], explanation=f"{dim}: {t.name}'s criteria admit no value "
                           f"(from {_fmt(iv.low)} up, and up to {_fmt(iv.high)})", relevance=1.0,
                           relevance_text="within one trial")
        needs = [r for r in t.therapy if r.background and r.polarity == "inclusion" and not r.alternative
                 and not subgroup(text.get(r.criterion, ""))]
        if not needs:
            continue
        therapy = sorted(t.therapy, key=lambda r: (r.criterion, r.constraint))
        for need in sorted(needs, key=lambda r: (r.criterion, r.constraint)):
            for rule in therapy:
                if rule.polarity != "exclusion" or rule.background or rule.criterion == need.criterion:
                    continue
                if subgroup(text.get(rule.criterion, "")):
                    continue
                for d in sorted(need.drugs):  # the first drug caught names the conflict
                    concept = _covers(f, rule, d)
                    if concept is not None:
                        yield Conflict("self-contradiction", t.iri, t.iri, rule.criterion, need.criterion, (),
                                       (concept,), f.label(concept), explanation=f"{t.name} requires background {f.label(d)} "
                                                               f"and excludes {f.label(concept)}", relevance=1.0,
                                       relevance_text="within one trial")
                        break


def find_conflicts(f: Facts, kinds: tuple[str, ...] | None = None) -> list[Conflict]:
    """Every conflict of ``f`` (of the given kinds; all four by default), sorted by key."""
    wanted = set(kinds) if kinds else {"washout", "required-excluded", "numeric-range", "self-contradiction"}
    out: dict[str, Conflict] = {}
    parts = []
    judge = Judge(f)
    if "washout" in wanted:
        parts.append(washout_conflicts(f, judge))
    if wanted & {"required-excluded", "numeric-range"}:
        parts.append(condition_conflicts(f, judge))
        parts.append(range_conflicts(f, judge))
    if "self-contradiction" in wanted:
        parts.append(self_contradictions(f))
    for part in parts:
        for c in part:
            if c.kind in wanted:
                out.setdefault(c.key, c)
    return [out[k] for k in sorted(out)]
