"""Benchmark of kg's headline queries (issue #5): conflicting-exclusions and comparable-trials.

For each size N (default 1k, 10k, 100k trials) one run:

1. generates a seeded synthetic trial graph (``benchmarks/trialgen.py``: real drug
   catalogue, invented condition hierarchy, 10-30 typed criteria per trial) straight into
   an in-memory Oxigraph store, timed;
2. runs ``kg.compare.materialize`` (read facts, compute, write the kg:Conflict and
   kg:Comparability nodes), timed part by part;
3. runs the named query ``conflicting-exclusions`` over all pairs (one row per kind and
   shared concept with its count, decision 0020), then per trial (``-p trial``, ranked by
   relevance, 5 rows) and ``comparable-trials`` for 20 sampled trials, through
   ``kg.query.named.run_named`` as ``kg query`` does (guard + time limit in a forked child)
   and in-process (``store.query``, no child);
4. runs the hand-written reference below (plain Python over the generator's own data,
   written from the definitions of issue #5 and decision 0020, not importing kg.compare) for
   the all-pairs conflicts of all four kinds, gated as 0020 gates them (and, timed apart,
   the two kinds it once covered, ungated) and for one trial's comparable trials on 0020's
   fixed 0-1 scale, and checks kg's answers equal the reference's, kind by kind, and kg's
   comparable-trials scores and top-10 lists against the reference's, at the smallest size;
5. at the smallest size only, a naive SPARQL join for the washout conflicts on plain
   rdflib and on Oxigraph, each under a time limit.

The reference and the all-pairs query are each timed ``--repeat`` times (default 3) with
the cyclic GC off, as ``timeit`` does, and the best run is compared; every run is kept in
the results. Peak RSS is read after each size (``ru_maxrss``: the peak of the whole process so far).
Results go to ``benchmarks/results/queries.json``.

    python benchmarks/queries.py                 # 1k, 10k, 100k
    python benchmarks/queries.py --quick         # 1k only
    python benchmarks/queries.py --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import bisect
import gc
import json
import math
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trialgen  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "queries.json"
KG = "https://w3id.org/kg/ontology#"
ConflictKey = tuple[str, str, str, str, str]  # kind, trial A, trial B, A's side (criterion; "" for washout), criterion B
#: Above this many quads the naive rdflib join is not tried: a plain rdflib Dataset needs about
#: 1 KB per quad in memory.
NAIVE_RDFLIB_MAX_QUADS = 5_000_000
KINDS = ("washout", "required-excluded", "numeric-range", "self-contradiction")
#: A row limit no answer reaches (named queries cut their rows at their ``limit`` parameter).
ALL_ROWS = 10**9


# ============================================================================================
# The hand-written reference: plain Python over trialgen's data (it never reads kg's store or
# imports kg.compare). What it computes, in its own words (issue #5, decisions 0010/0011):
#
#  washout: what A gives (the drugs of any of its interventions, background-therapy
#    interventions included) or requires (the drugs of a background-therapy inclusion that is
#    not one alternative of an "any of") is named by a therapy exclusion of B (any exclusion,
#    "any of" alternatives included, background-therapy rules not), directly or through one of
#    the drug's classes, and neither the drug nor any of its classes is among the exclusion's
#    exceptions ("other than ..."). One conflict per (A, B, B's criterion), however many of
#    A's drugs it catches: A's side is left out of the key.
#  required-excluded, conditions: A studies a condition, or a non-alternative inclusion of A
#    names it, or A studies a subtype of it (any depth), and a condition exclusion of B names
#    it with nothing narrowing it: no qualifier other than history/current/chronic, no organ,
#    no other constraint in the criterion (trialgen's `qualified`), and B neither studies nor
#    requires that condition itself. (kg also reads the words around the name in the
#    criterion's text; trialgen's texts are "History of <name>", which never narrow.) One
#    conflict per (A, B, B's criterion); A's side is the inclusion naming the condition when A
#    does not study it ('' when it does, or when the hit is through a subtype).
#  admitted intervals: per trial and (dimension, unit) -- age in years, "lab:<analyte>" in its
#    normalized unit -- every numeric rule narrows one interval: an inclusion admits what its
#    comparison selects, an exclusion admits the complement ("exclude x < 7" admits x >= 7);
#    age rules state their range. Inclusions that are one "any of" alternative do not narrow.
#    Each end is the tightest the rules set: the greatest lower end and the smallest upper end,
#    an open end tighter than a closed one at the same value. The rule that names an end (the
#    side a conflict reports) is, among the rules setting it exactly so (value and openness),
#    an exclusion before an inclusion, then the one of the smaller criterion IRI. (kg ranks
#    next by constraint IRI; that only orders rules of one criterion and one polarity, which
#    name the same conflict, so the reference, whose rules carry no constraint IRI, needs no
#    such rank.) An end no rule sets (unbounded) is named by no rule.
#  numeric-range / required-excluded (labs): two trials that are related -- one studies a
#    condition the other studies, or a subtype of one it studies (any depth) -- and whose
#    non-empty intervals for one (dimension, unit) do not overlap. A is the trial with the lower
#    interval, unless A's binding end is an exclusion and B's an inclusion, then the pair is
#    swapped (the inclusion side is A). It is required-excluded when A's end comes from an
#    inclusion, B's from an exclusion and the dimension is a lab; else numeric-range. Sides:
#    the two binding rules' criteria. One conflict per (pair, dimension).
#  self-contradiction: one trial's interval for a dimension is empty and its two ends come
#    from different criteria (sides: the lower end's criterion as A unless that is an
#    exclusion, then swapped); or a non-alternative background-therapy inclusion requires a
#    drug that another criterion's therapy exclusion of the same trial catches (as in washout).
#
#  The gate (decision 0020): a conflict between two trials stands only when it can bite a patient.
#    Each trial's *specific* conditions are those it studies plus those a non-alternative,
#    unnarrowed inclusion names; its *ancestors* are the broader conditions (any depth) of the
#    ones it studies. Two trials are related when they share a specific condition, when one's
#    specific condition is an ancestor of the other (parent or subtype), or when their ancestors
#    meet (siblings); trialgen invents every condition name, so no broad heading ever appears.
#    washout: related, and nothing but the drug separates the populations (see "overlap"
#      below, asked without background therapies); condition required-excluded: related;
#      lab required-excluded and numeric-range: one of the pair studies a condition the other
#      studies or has under it (kg pairs range conflicts only so, see the notes in the results);
#    self-contradiction from ranges: one end an inclusion's, the other an exclusion's, and a real
#      gap between them (meeting at one boundary is not one). trialgen writes no age exclusion,
#      no subgroup wording and no generic analyte, so the other rules of 0020 never apply here.
#  overlap (can one patient meet both): "no" when the ages, or one lab both constrain, admit
#    disjoint intervals; when one trial's participants all have a condition (studied, under one
#    studied, or required by a non-alternative inclusion) that the other excludes unnarrowed;
#    or (unless asked without) when one requires a background drug the other's therapy
#    exclusion catches. Else "yes" when the specific conditions are the same or parent and
#    subtype, else "unknown". Its fraction: the mean, over the dimensions both constrain (age
#    always, clipped to 0-100 years), of the shared length over the joint span (open lab ends
#    padded by the finite ends' spread).
#
#  Comparable trials (0020, section 4), on a fixed 0-1 scale: the sum of weight x part over
#    condition 0.40 (same 1, parent-subtype 0.6, siblings 0.3; conditions an inclusion names count,
#    narrowed or alternative ones only when some trial studies them), drug 0.15 (0.7 for one
#    shared drug given, +0.15 per further one, at most 1), mechanism 0.06 and target 0.04 (1 when
#    one is shared), drug class 0.05 (the best shared class: 1 / (1 + trials giving it / 100),
#    at most 0.1 for a broad class), sponsor 0.10, sites 0.05, period 0.05 (trialgen writes no
#    sponsor, site or date: 0), population 0.05 (overlap yes: 0.5 + half the fraction; unknown:
#    a third of it; no: 0), design 0.05 (same phase 0.5, same allocation 0.25, both placebo 0.25).
#    Each weighted part is rounded to 4 places; a pair sharing no substance (a related condition,
#    a drug, mechanism or target) scores 0.
# ============================================================================================


def _catches(rule: trialgen.Therapy, drug: str, classes: frozenset[str]) -> bool:
    """Whether a therapy exclusion names ``drug`` (or one of its classes) and does not except it."""
    if drug in rule.except_drugs or classes & rule.except_classes:
        return False
    return drug in rule.drugs or bool(classes & rule.classes)


class RefPopulations:
    """The gate's questions about two trials (related? can one patient meet both?), in the
    reference's own terms (header comment: "The gate", "overlap")."""

    def __init__(self, ds: trialgen.Dataset, ivs: dict[str, dict[tuple[str, str], list]] | None = None) -> None:
        self.ds = ds
        self.trials = {t.iri: t for t in ds.trials}
        self.ivs = ivs if ivs is not None else {t.iri: _ref_intervals(t) for t in ds.trials}
        self.anc = {t.iri: _ancestors(ds, t.conditions) for t in ds.trials}
        self.specific = {t.iri: set(t.conditions) | {c.key for c in t.conditions_rules if c.polarity == "inclusion"
                                                     and not c.alternative and not c.qualified} for t in ds.trials}
        self.has = {}  # what every participant has: studied, under a studied one, or required
        self.excludes = {}  # conditions excluded outright (not narrowed, not one it studies or requires)
        for t in ds.trials:
            req = {c.key for c in t.conditions_rules if c.polarity == "inclusion"}
            self.has[t.iri] = set(t.conditions) | self.anc[t.iri] | {
                c.key for c in t.conditions_rules if c.polarity == "inclusion" and not c.alternative}
            self.excludes[t.iri] = {c.key for c in t.conditions_rules if c.polarity == "exclusion" and not c.qualified
                                    and c.key not in set(t.conditions) | req}

    def level(self, a: str, b: str, specific: dict[str, set[str]] | None = None) -> str:
        sp = specific or self.specific
        if sp[a] & sp[b]:
            return "same"
        if sp[a] & self.anc[b] or sp[b] & self.anc[a]:
            return "parent-subtype"
        if self.anc[a] & self.anc[b]:
            return "sibling"
        return "none"

    def overlap(self, a: str, b: str, therapy: bool = True) -> tuple[str, float]:
        """(yes / no / unknown, the range fraction)."""
        ra, rb = self.ivs[a], self.ivs[b]
        dims = sorted(set(ra) & set(rb))
        no = any(not _empty(ra[d]) and not _empty(rb[d]) and _apart(ra[d], rb[d]) for d in dims)
        no = no or bool(self.has[a] & self.excludes[b] or self.has[b] & self.excludes[a])
        if therapy and not no:
            no = self._needs_barred(a, b) or self._needs_barred(b, a)
        vals = [_ref_fraction(d, ra[d], rb[d]) for d in dims]
        frac = math.fsum(vals) / len(vals) if vals else 0.0
        if no:
            return "no", frac
        return ("yes" if self.level(a, b) in ("same", "parent-subtype") else "unknown"), frac

    def _needs_barred(self, x: str, y: str) -> bool:
        classes = self.ds.catalogue.drug_classes
        needs = [d for r in self.trials[x].therapy if r.background and r.polarity == "inclusion" and not r.alternative
                 for d in r.drugs]
        return any(_catches(r, d, classes.get(d, frozenset())) for d in needs for r in self.trials[y].therapy
                   if r.polarity == "exclusion" and not r.background)


def _apart(x: list, y: list) -> bool:
    """Whether two admitted intervals have no value in common."""
    return (x[1] < y[0] or (x[1] == y[0] and not (x[3] and y[2]))
            or y[1] < x[0] or (y[1] == x[0] and not (y[3] and x[2])))


def _ref_fraction(dim: tuple[str, str], x: list, y: list) -> float:
    if _empty(x) or _empty(y):
        return 0.0
    if dim[0] == "age":
        return _share((max(x[0], 0.0), min(x[1], 100.0)), (max(y[0], 0.0), min(y[1], 100.0)))
    ends = [v for v in (x[0], x[1], y[0], y[1]) if not math.isinf(v)]
    lo, hi = (min(ends), max(ends)) if ends else (0.0, 1.0)
    pad = (hi - lo) or max(abs(hi), 1.0)
    return _share((max(x[0], lo - pad), min(x[1], hi + pad)), (max(y[0], lo - pad), min(y[1], hi + pad)))


def _ref_washout(ds: trialgen.Dataset, out: set[ConflictKey], pops: RefPopulations | None = None) -> None:
    classes = ds.catalogue.drug_classes
    excl_drug: dict[str, list[tuple[str, trialgen.Therapy]]] = defaultdict(list)
    excl_class: dict[str, list[tuple[str, trialgen.Therapy]]] = defaultdict(list)
    for t in ds.trials:
        for r in t.therapy:
            if r.polarity == "exclusion" and not r.background:
                for d in r.drugs:
                    excl_drug[d].append((t.iri, r))
                for c in r.classes:
                    excl_class[c].append((t.iri, r))
    for a in ds.trials:
        given = {d for drugs in a.interventions.values() for d in drugs}
        given |= {d for r in a.therapy if r.background and r.polarity == "inclusion" and not r.alternative
                  for d in r.drugs}
        for d in given:
            cl = classes.get(d, frozenset())
            hits = excl_drug.get(d, []) + [x for c in cl for x in excl_class.get(c, ())]
            for b, r in hits:
                if b == a.iri or d in r.except_drugs or cl & r.except_classes:
                    continue
                if pops is not None and (pops.level(a.iri, b) == "none"
                                         or pops.overlap(a.iri, b, therapy=False)[0] == "no"):
                    continue  # the gate: unrelated, or another rule keeps A's participants out of B
                out.add(("washout", a.iri, b, "", r.criterion))


def _ancestors(ds: trialgen.Dataset, conds: list[str]) -> set[str]:
    """Every broader condition of ``conds`` (any depth), the conditions themselves left out."""
    anc: set[str] = set()
    for c in conds:
        p = ds.condition_parent.get(c)
        while p is not None and p not in anc:
            anc.add(p)
            p = ds.condition_parent.get(p)
    return anc - set(conds)


def _ref_condition_conflicts(ds: trialgen.Dataset, out: set[ConflictKey], pops: RefPopulations | None = None) -> None:
    excl_cond: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for t in ds.trials:
        # A trial that excludes a condition it studies or requires cannot mean all of it: not absolute.
        own = set(t.conditions) | {c.key for c in t.conditions_rules if c.polarity == "inclusion"}
        for c in t.conditions_rules:
            if c.polarity == "exclusion" and not c.qualified and c.key not in own:
                excl_cond[c.key].append((t.iri, c.criterion))
    for a in ds.trials:
        need: dict[str, str] = {c: "" for c in a.conditions}  # condition -> A's side ("" = studied)
        for c in a.conditions_rules:
            if c.polarity == "inclusion" and not c.alternative:
                need.setdefault(c.key, c.criterion)
        for c in _ancestors(ds, a.conditions):  # a subtype of an excluded condition is excluded too
            need.setdefault(c, "")
        for key, side_a in need.items():
            for b, crit in excl_cond.get(key, ()):
                if b != a.iri and (pops is None or pops.level(a.iri, b) != "none"):
                    out.add(("required-excluded", a.iri, b, side_a, crit))


def _rank(r: trialgen.Range) -> tuple[bool, str]:
    """Order of the rules that set one end equally: the first names it (exclusion, then criterion IRI)."""
    return (r.polarity != "exclusion", r.criterion)


def _ref_intervals(t: trialgen.Trial) -> dict[tuple[str, str], list]:
    """(dimension, unit) -> [low, high, low_incl, high_incl, low_rule, high_rule, low_tied,
    high_tied] that t admits; *_tied: rules of different rank set that end equally, so the
    rank chose the rule that names it."""
    ends: dict[tuple[str, str], list[tuple[float, bool, float, bool, trialgen.Range]]] = defaultdict(list)
    for r in t.ranges:
        if r.alternative and r.polarity == "inclusion":
            continue
        lo, hi, li, hi_incl = -math.inf, math.inf, True, True
        if r.dimension == "age":
            a = r.low if r.low is not None else -math.inf
            z = r.high if r.high is not None else math.inf
            if r.polarity == "inclusion":
                lo, hi = a, z
            elif math.isinf(a) != math.isinf(z):  # excluding "under 18" admits 18 and over
                if math.isinf(a):
                    lo, li = z, False
                else:
                    hi, hi_incl = a, False
            else:
                continue  # excluding a closed range admits two intervals: not one rule
        else:
            below = r.comparator in ("<", "<=")
            strict = r.comparator in ("<", ">")
            if r.polarity == "exclusion":
                below, strict = not below, not strict
            if below:
                hi, hi_incl = r.value, not strict
            else:
                lo, li = r.value, not strict
        ends[(r.dimension, r.unit)].append((lo, li, hi, hi_incl, r))
    out: dict[tuple[str, str], list] = {}
    for dim, rules in ends.items():
        # Tightest ends: at one value an open end (incl False) beats a closed one.
        lo, lo_open = max((e[0], not e[1]) for e in rules)
        lo_incl = not lo_open
        hi, hi_incl = min((e[2], e[3]) for e in rules)
        at_lo = [e[4] for e in rules if e[0] == lo and e[1] == lo_incl] if not math.isinf(lo) else []
        at_hi = [e[4] for e in rules if e[2] == hi and e[3] == hi_incl] if not math.isinf(hi) else []
        out[dim] = [lo, hi, lo_incl, hi_incl, min(at_lo, key=_rank, default=None),
                    min(at_hi, key=_rank, default=None), len(set(map(_rank, at_lo))) > 1,
                    len(set(map(_rank, at_hi))) > 1]
    return out


def _contradiction_key(t: str, lo_r, hi_r, iv: list, gate: bool = True) -> ConflictKey | None:
    if lo_r.criterion == hi_r.criterion:
        return None
    if gate and (lo_r.polarity == hi_r.polarity or not iv[0] > iv[1]):
        return None  # two inclusions (cohorts), or ends meeting at one value (a complement, no gap)
    if lo_r.polarity == "exclusion":
        lo_r, hi_r = hi_r, lo_r
    return ("self-contradiction", t, t, lo_r.criterion, hi_r.criterion)


def _range_key(a: str, b: str, ra, rb, dim: tuple[str, str]) -> ConflictKey:
    """A (the lower interval) and B with their binding rules -> the conflict's key."""
    if ra.polarity == "exclusion" and rb.polarity == "inclusion":
        a, b, ra, rb = b, a, rb, ra
    kind = ("required-excluded" if ra.polarity == "inclusion" and rb.polarity == "exclusion"
            and dim[0].startswith("lab:") else "numeric-range")
    return (kind, a, b, ra.criterion, rb.criterion)


def _ref_ranges(ds: trialgen.Dataset, out: set[ConflictKey], kinds: set[str],
                tie_named: set[ConflictKey] | None, gate: bool = True) -> None:
    ivs = {t.iri: _ref_intervals(t) for t in ds.trials}
    if "self-contradiction" in kinds:
        for t in ds.trials:
            for iv in ivs[t.iri].values():
                if not _empty(iv) or iv[4] is None or iv[5] is None:
                    continue
                key = _contradiction_key(t.iri, iv[4], iv[5], iv, gate)
                if key is not None:
                    out.add(key)
                    if tie_named is not None and (iv[6] or iv[7]):
                        tie_named.add(key)
    if not kinds & {"required-excluded", "numeric-range"}:
        return
    # Related trials meet in the group of a condition one of them studies: the group holds
    # the trials studying it or a subtype of it.
    studies: dict[str, set[str]] = defaultdict(set)
    group: dict[str, set[str]] = defaultdict(set)
    for t in ds.trials:
        if not ivs[t.iri]:
            continue
        for c in t.conditions:
            studies[c].add(t.iri)
            group[c].add(t.iri)
        for c in _ancestors(ds, t.conditions):
            group[c].add(t.iri)
    seen: set[tuple[str, str, tuple[str, str]]] = set()
    for c, direct in studies.items():
        members = group[c]
        if len(members) < 2:
            continue
        by_dim: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        for iri in members:
            for dim, iv in ivs[iri].items():
                if not _empty(iv):
                    by_dim[dim].append((iv[1], iri))
        for dim, tops in by_dim.items():
            if len(tops) < 2:
                continue
            tops.sort()
            highs = [h for h, _ in tops]
            for ib in (i for _, i in tops):
                ivb = ivs[ib][dim]
                if math.isinf(ivb[0]):
                    continue
                # Every trial whose interval ends at or below where B's starts.
                for k in range(bisect.bisect_right(highs, ivb[0])):
                    ia = tops[k][1]
                    iva = ivs[ia][dim]
                    if ia == ib or (ia not in direct and ib not in direct):
                        continue
                    if iva[1] == ivb[0] and iva[3] and ivb[2]:
                        continue  # they share the one point
                    if (ia, ib, dim) in seen:
                        continue
                    seen.add((ia, ib, dim))
                    key = _range_key(ia, ib, iva[5], ivb[4], dim)
                    if key[0] in kinds:
                        out.add(key)
                        if tie_named is not None and (iva[7] or ivb[6]):
                            tie_named.add(key)


def _ref_background_contradictions(ds: trialgen.Dataset, out: set[ConflictKey]) -> None:
    classes = ds.catalogue.drug_classes
    for t in ds.trials:
        for need in t.therapy:
            if not (need.background and need.polarity == "inclusion" and not need.alternative):
                continue
            for r in t.therapy:
                if r.polarity != "exclusion" or r.background or r.criterion == need.criterion:
                    continue
                if any(_catches(r, d, classes.get(d, frozenset())) for d in need.drugs):
                    out.add(("self-contradiction", t.iri, t.iri, need.criterion, r.criterion))


def ref_conflicts(ds: trialgen.Dataset, kinds: tuple[str, ...] = KINDS, *, ranges: bool = True,
                  tie_named: set[ConflictKey] | None = None, gate: bool = True) -> set[ConflictKey]:
    """Every conflict of the given kinds as (kind, A, B, A's side, B's criterion).
    ``ranges=False`` leaves out the interval kinds (lab required-excluded, numeric-range,
    range self-contradictions): what this reference computed before it covered all four.
    ``tie_named`` receives the interval conflicts named by a tied end (rules of different
    rank set it equally): those whose key follows from the tie rank, not from the values.
    ``gate=False``: every conflict before decision 0020's gate (what it computed before)."""
    wanted = set(kinds)
    out: set[ConflictKey] = set()
    pops = RefPopulations(ds) if gate else None
    if "washout" in wanted:
        _ref_washout(ds, out, pops)
    if "required-excluded" in wanted:
        _ref_condition_conflicts(ds, out, pops)
    if ranges and wanted & {"required-excluded", "numeric-range", "self-contradiction"}:
        _ref_ranges(ds, out, wanted, tie_named, gate)
    if "self-contradiction" in wanted:
        _ref_background_contradictions(ds, out)
    return out


def _empty(iv: list) -> bool:
    return iv[0] > iv[1] or (iv[0] == iv[1] and not (iv[2] and iv[3]))


def _share(a: tuple[float, float], b: tuple[float, float]) -> float:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    span = max(a[1], b[1]) - min(a[0], b[0])
    if span <= 0:
        return 1.0 if lo <= hi else 0.0
    return max(0.0, hi - lo) / span


#: Drug classes too broad to say two trials are alike (decision 0020 names antineoplastic agent,
#: small molecule, monoclonal antibody, biologic, immunosuppressant, ...; kg documents the full
#: list): compared as a class IRI's local name or label, casefolded, without spaces and hyphens.
BROAD_CLASS_NAMES = frozenset("""antineoplasticagent antineoplastic smallmolecule smallmoleculedrug monoclonalantibody
biologic antibody protein peptide immunosuppressant immunomodulator antiinflammatory chemotherapy
cytotoxicchemotherapy cytotoxic hormone vaccine antibiotic antiinfective antiviral analgesic supplement
vitamin""".split())
#: Fixed weights of the parts of a comparability score (decision 0020, section 4).
PART_WEIGHTS = {"condition": 0.40, "drug": 0.15, "mechanism": 0.06, "target": 0.04, "drugClass": 0.05,
                "sponsor": 0.10, "sites": 0.05, "period": 0.05, "population": 0.05, "design": 0.05}


class RefComparable:
    """Comparable-trials score on decision 0020's fixed 0-1 scale (header comment), by brute force
    over every other trial."""

    def __init__(self, ds: trialgen.Dataset) -> None:
        cat = ds.catalogue
        self.trials = {t.iri: t for t in ds.trials}
        self.pops = RefPopulations(ds)
        studied_somewhere = {c for t in ds.trials for c in t.conditions}
        # Conditions for likeness: studied, or named by an inclusion (a narrowed or alternative
        # one only when some trial studies it).
        self.alike = {t.iri: set(t.conditions) | {c.key for c in t.conditions_rules if c.polarity == "inclusion" and (
            not (c.qualified or c.alternative) or c.key in studied_somewhere)} for t in ds.trials}
        self.prof: dict[str, dict[str, set[str]]] = {}
        givers: Counter[str] = Counter()
        for t in ds.trials:
            drugs = {d for ds_ in t.interventions.values() for d in ds_}
            mechs = {m for d in drugs for m in cat.drug_mechanisms.get(d, ())}
            self.prof[t.iri] = {"drug": drugs, "mechanism": mechs,
                                "target": {x for m in mechs for x in cat.mechanism_targets.get(m, ())},
                                "drugClass": {c for d in drugs for c in cat.drug_classes.get(d, ())}}
            givers.update(self.prof[t.iri]["drugClass"])
        self.class_weight = {}
        for c, k in givers.items():
            w = 1.0 / (1.0 + k / 100.0)
            names = {c.rsplit("#", 1)[-1].rsplit("/", 1)[-1].casefold(),
                     cat.class_label.get(c, "").casefold().replace(" ", "").replace("-", "")}
            self.class_weight[c] = min(w, 0.1) if names & BROAD_CLASS_NAMES else w

    def score(self, a: str, b: str) -> float:
        pa, pb, ta, tb = self.prof[a], self.prof[b], self.trials[a], self.trials[b]
        part: dict[str, float] = {}
        level = self.pops.level(a, b, self.alike)
        part["condition"] = {"same": 1.0, "parent-subtype": 0.6, "sibling": 0.3}.get(level, 0.0)
        if not part["condition"] and (set(ta.conditions) | self.pops.anc[a]) & (set(tb.conditions) | self.pops.anc[b]):
            part["condition"] = 0.1  # only a broad heading (never in trialgen: it writes none)
        common = pa["drug"] & pb["drug"]
        part["drug"] = min(1.0, 0.7 + 0.15 * (len(common) - 1)) if common else 0.0
        part["mechanism"] = float(bool(pa["mechanism"] & pb["mechanism"]))
        part["target"] = float(bool(pa["target"] & pb["target"]))
        if not (part["condition"] > 0.1 or common or part["mechanism"] or part["target"]):
            return 0.0
        part["drugClass"] = max((self.class_weight[c] for c in pa["drugClass"] & pb["drugClass"]), default=0.0)
        verdict, frac = self.pops.overlap(a, b)
        part["population"] = 0.5 + 0.5 * frac if verdict == "yes" else frac / 3 if verdict == "unknown" else 0.0
        part["design"] = (0.5 * (ta.phase == tb.phase) + 0.25 * (ta.allocation == tb.allocation)
                          + 0.25 * (ta.placebo and tb.placebo))
        # sponsor, sites, period: trialgen writes no sponsor, site or date, so they are 0.
        return min(1.0, round(math.fsum(round(PART_WEIGHTS[k] * v, 4) for k, v in part.items()), 4))

    def top(self, a: str, k: int = 10) -> list[tuple[str, float]]:
        scored = [(b, self.score(a, b)) for b in self.trials if b != a]
        scored = [x for x in scored if x[1] > 0]
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:k]


# ============================================================================================
# kg side
# ============================================================================================

_CONFLICT_KEYS = f"""
SELECT ?k ?a ?b ?critA ?critB WHERE {{ GRAPH <{{graph}}> {{
  ?c a <{KG}Conflict> ; <{KG}conflictKind> ?k ; <{KG}trialA> ?a ; <{KG}trialB> ?b .
  OPTIONAL {{ ?c <{KG}criterionA> ?critA }}
  OPTIONAL {{ ?c <{KG}criterionB> ?critB }}
}} }}"""

_NAIVE_WASHOUT = """
PREFIX kg: <https://w3id.org/kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?a ?b ?crit WHERE {
  ?a kg:hasIntervention ?iv . ?iv kg:administers ?drug .
  ?b kg:hasCriterion ?crit . ?crit kg:hasConstraint ?k .
  ?k a kg:TherapyConstraint ; kg:effectivePolarity "exclusion" .
  { ?k kg:refersToDrug ?drug } UNION { ?k kg:refersToDrugClass ?cls . ?drug a ?t . ?t rdfs:subClassOf* ?cls }
  FILTER NOT EXISTS { ?k kg:exceptDrug ?drug }
  FILTER NOT EXISTS { ?k kg:exceptDrugClass ?x . ?drug a ?t2 . ?t2 rdfs:subClassOf* ?x }
  FILTER(?a != ?b)
}"""


def kg_conflict_keys(store) -> tuple[set[ConflictKey], set[ConflictKey]]:
    """kg's materialized conflicts as reference keys (kind, A, B, A's side, B's criterion): (all,
    those of the kinds the reference covers -- now all four, so both sets are the same). A
    washout node's key leaves A's side out, as kg's own node identity does (decision 0011)."""
    from kg import vocab as V

    names = {str(V.conflict_kind(k)): k for k in V.CONFLICT_KINDS}
    q = _CONFLICT_KEYS.replace("{graph}", str(V.COMPARE_GRAPH))
    keys: set[ConflictKey] = set()
    for kind, a, b, crit_a, crit_b in store.rows(q):
        name = names.get(kind, kind)
        keys.add((name, a, b, "" if name == "washout" else crit_a or "", crit_b or ""))
    return keys, keys


def compare_conflicts(ref: set[ConflictKey], kg: set[ConflictKey],
                      tie_named: set[ConflictKey] = frozenset()) -> dict:
    """Reference against kg, kind by kind, key for key. ``tie_named``: the reference's conflicts
    whose side was chosen by the tie rank (counted, to show the rank is exercised)."""
    missing, extra = ref - kg, kg - ref
    per_kind = {}
    for kind in KINDS:
        m = sum(1 for k in missing if k[0] == kind)
        x = sum(1 for k in extra if k[0] == kind)
        per_kind[kind] = {"reference": sum(1 for k in ref if k[0] == kind), "kg": sum(1 for k in kg if k[0] == kind),
                          "missing_in_kg": m, "extra_in_kg": x, "equal": not m and not x,
                          "named_by_tie_rank": sum(1 for k in tie_named if k[0] == kind)}
    return {"reference": len(ref), "kg_same_kinds": len(kg), "kg_all_kinds": len(kg),
            "missing_in_kg": len(missing), "extra_in_kg": len(extra), "equal": not missing and not extra,
            "by_kind": per_kind, "examples_missing": sorted(missing)[:3], "examples_extra": sorted(extra)[:3],
            "key": "(kind, trial A, trial B, A's criterion or '' (washout: always ''), B's criterion)"}


def _best(work, repeat: int) -> tuple[float, list[float], object]:
    """Best of ``repeat`` timed calls of ``work`` with the cyclic GC off, as ``timeit`` times:
    one collection pause of a multi-GB process (the generator's data) otherwise lands in one
    side's time at random. Returns (best seconds, every run's seconds, the last result)."""
    runs: list[float] = []
    result = None
    gc.collect()
    gc.disable()
    try:
        for _ in range(max(1, repeat)):
            result = None
            t0 = time.perf_counter()
            result = work()
            runs.append(round(time.perf_counter() - t0, 3))
    finally:
        gc.enable()
    return min(runs), runs, result


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _current_rss_mb() -> float:
    try:
        import psutil

        return round(psutil.Process().memory_info().rss / 2**20, 1)
    except ImportError:
        return float("nan")


def _time_limited(work, limit: float):
    """(seconds, result) of work() in a forked child, or (None, 'did not finish') after ``limit``."""
    from kg.errors import QueryTimeoutError
    from kg.query.limits import run_with_limit

    t0 = time.perf_counter()
    try:
        result = run_with_limit(work, limit)
    except QueryTimeoutError:
        return None, f"did not finish in {limit:g} s"
    return time.perf_counter() - t0, result


def naive_rdflib(ox_store, limit: float) -> dict:
    """The naive washout join on plain rdflib (a Dataset loaded from the same quads)."""
    import pyoxigraph as ox
    from rdflib import Dataset

    t0 = time.perf_counter()
    data = ox_store.dump(format=ox.RdfFormat.N_QUADS)
    ds = Dataset(default_union=True)
    ds.parse(data=data.decode("utf-8"), format="nquads")
    load = time.perf_counter() - t0
    seconds, result = _time_limited(lambda: len(list(ds.query(_NAIVE_WASHOUT))), limit)
    out = {"load_s": round(load, 1), "limit_s": limit}
    if seconds is None:
        out["status"] = result
    else:
        out.update(status="finished", seconds=round(seconds, 2), rows=result)
    del ds
    gc.collect()
    return out


def naive_oxigraph(store, limit: float) -> dict:
    """The same naive join as one SPARQL query on Oxigraph (union of graphs)."""
    ox_store = store._store

    def work() -> int:
        return sum(1 for _ in ox_store.query(_NAIVE_WASHOUT, use_default_graph_as_union=True))

    seconds, result = _time_limited(work, limit)
    if seconds is None:
        return {"status": result, "limit_s": limit}
    return {"status": "finished", "seconds": round(seconds, 2), "rows": result, "limit_s": limit}


def _stats(xs: list[float]) -> dict:
    """Median, p95 and max of latencies in ms."""
    xs = sorted(xs)
    return {"median_ms": round(statistics.median(xs), 2), "p95_ms": round(xs[max(0, math.ceil(0.95 * len(xs)) - 1)], 2),
            "max_ms": round(xs[-1], 2)}


def latency_probe(path: str, ncts: list[str]) -> dict:
    """comparable-trials for each trial on the read-only store at ``path``: through run_named
    (guard, parameter resolution, time limit in a forked child) and in-process."""
    from kg.query.named import get_query, run_named
    from kg.query.params import resolve_param
    from kg.store.oxigraph import OxigraphStore

    ro = OxigraphStore(path, read_only=True)
    text = get_query("comparable-trials").text
    run_named(ro, "comparable-trials", {"trial": ncts[0]})  # warm-up: first query, caches
    named, inproc = [], []
    for nct in ncts:
        t0 = time.perf_counter()
        run_named(ro, "comparable-trials", {"trial": nct})
        named.append(_ms(time.perf_counter() - t0))
        term = resolve_param(ro, "trial", "trial", nct)
        t0 = time.perf_counter()
        list(ro.query(text, {"trial": term}))
        inproc.append(_ms(time.perf_counter() - t0))
    out: dict = {"comparable_trials_named": _stats(named), "comparable_trials_in_process": _stats(inproc)}
    out["probe_rss_mb"] = _current_rss_mb()  # ru_maxrss would be inherited from the benchmark across fork
    return out


def _disk_latency(store, sample) -> dict:
    """comparable-trials as `kg query` runs it: the built store copied to disk (RocksDB) and
    reopened read-only, then each sampled trial through run_named (guard, parameter
    resolution, time limit in a forked child: a small process now) and in-process."""
    import pyoxigraph as ox

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-disk-") as tmp:
        dump = Path(tmp) / "all.nq"
        t0 = time.perf_counter()
        store._store.dump(str(dump), ox.RdfFormat.N_QUADS)
        disk = ox.Store(str(Path(tmp) / "store"))
        disk.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        disk.flush()
        disk.optimize()
        del disk
        dump.unlink()
        out["copy_to_disk_s"] = round(time.perf_counter() - t0, 1)
        # In a fresh process, as `kg query` would be: forking this multi-GB benchmark
        # process for the time limit would measure the benchmark, not kg.
        import subprocess

        probe = subprocess.run(
            [sys.executable, __file__, "--latency-probe", str(Path(tmp) / "store"), *(t.nct for t in sample)],
            capture_output=True, text=True, check=True)
        out.update(json.loads(probe.stdout.strip().splitlines()[-1]))
    out["peak_rss_mb_so_far"] = _rss_mb()
    return out


def run_size(n: int, cat: trialgen.Catalogue, *, criteria: tuple[int, int], check: bool, naive_limit: float,
             samples: int, seed: int, density: float = 1.0, disk: bool = False, disk_latency: bool = True,
             repeat: int = 3) -> dict:
    from kg.compare import find_conflicts, materialize, read_facts
    from kg.query.named import run_named
    from kg.store.oxigraph import OxigraphStore

    res: dict = {"trials": n, "criteria_per_trial": list(criteria), "density": density,
                 "store": "on disk (RocksDB)" if disk else "in memory"}
    tmp = tempfile.TemporaryDirectory(prefix="kg-bench-") if disk else None
    store = OxigraphStore(Path(tmp.name) / "store" if tmp else None)
    t0 = time.perf_counter()
    ds = trialgen.generate(n, seed=seed, catalogue=cat, criteria=criteria, density=density, store=store._store)
    res["generate_and_load_s"] = round(time.perf_counter() - t0, 2)
    res["quads_loaded"] = ds.quads
    res["areas"] = ds.areas
    res["conditions"] = len(ds.condition_label)
    res["criteria_total"] = sum(t.criteria for t in ds.trials)
    print(f"[{n}] generated+loaded {ds.quads} quads in {res['generate_and_load_s']} s", flush=True)

    # -- reference ---------------------------------------------------------------------------
    tie_named: set[ConflictKey] = set()
    secs, runs, ref = _best(lambda: ref_conflicts(ds, tie_named=tie_named), repeat)
    res["reference_all_pairs_s"] = secs
    res["reference_all_pairs_runs_s"] = runs
    res["reference_conflicts"] = dict(Counter(k[0] for k in ref))
    # What the reference computed before it covered all four kinds (washout, and
    # required-excluded from conditions only), timed apart so older results stay comparable.
    res["reference_two_kinds_s"], _, ref_two = _best(
        lambda: ref_conflicts(ds, ("washout", "required-excluded"), ranges=False, gate=False), repeat)
    res["reference_two_kinds_conflicts"] = dict(Counter(k[0] for k in ref_two))
    del ref_two
    print(f"[{n}] reference: {len(ref)} conflicts {res['reference_conflicts']} in {res['reference_all_pairs_s']} s "
          f"(washout + condition required-excluded: {res['reference_two_kinds_s']} s)", flush=True)

    # -- kg materialize --------------------------------------------------------------------------
    t0 = time.perf_counter()
    summary = materialize(store, force=True)
    total = time.perf_counter() - t0
    res["materialize"] = {"total_s": round(total, 2), "read_facts_s": round(summary.seconds_read, 2),
                          "compute_s": round(summary.seconds_compute, 2), "write_s": round(summary.seconds_write, 2),
                          "conflicts": summary.conflicts, "by_kind": summary.by_kind,
                          "comparabilities": summary.comparabilities, "triples_added": summary.added}
    print(f"[{n}] materialize {res['materialize']}", flush=True)
    # kg's conflict join alone, on the facts it read (what the reference's time compares with)
    facts = read_facts(store)
    t0 = time.perf_counter()
    find_conflicts(facts)
    res["kg_find_conflicts_all_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    find_conflicts(facts, ("washout", "required-excluded"))
    res["kg_find_conflicts_washout_required_s"] = round(time.perf_counter() - t0, 3)
    del facts
    gc.collect()

    # -- named queries ---------------------------------------------------------------------------
    # All pairs: one row per kind and shared concept, with its count (decision 0020).
    # Every group: the default limit (5 rows) applies to the grouped answer too.
    secs, runs, grouped = _best(lambda: list(run_named(store, "conflicting-exclusions", {"limit": str(ALL_ROWS)},
                                                       timeout=600).result), repeat)
    res["named_conflicting_exclusions_all_pairs"] = {
        "seconds": secs, "runs_s": runs, "groups": len(grouped),
        "conflicts_counted": sum(int(r[2]) for r in grouped),
        "largest_groups": [[str(r[0]), str(r[1]), int(r[2])] for r in grouped[:3]],
        "note": "grouped by kind and shared concept (count, trials on each side, best relevance)"}
    del grouped
    print(f"[{n}] conflicting-exclusions (all pairs): {res['named_conflicting_exclusions_all_pairs']}", flush=True)
    from kg.query.named import get_query, only_given

    conflicts_text = only_given(get_query("conflicting-exclusions").text, set())  # all pairs: no -p trial
    secs, runs, rows = _best(lambda: len(store.query(conflicts_text)), repeat)
    res["conflicting_exclusions_in_process"] = {"seconds": secs, "runs_s": runs, "groups": rows,
                                                "note": "same query, store.query (no child, rdflib rows)"}
    secs, runs, rows = _best(lambda: sum(1 for _ in store.rows(conflicts_text)), repeat)
    res["conflicting_exclusions_raw_rows"] = {"seconds": secs, "runs_s": runs, "groups": rows,
                                              "note": "same query, store.rows (pyoxigraph strings, no rdflib): "
                                                      "the query engine's evaluation"}
    print(f"[{n}] conflicting-exclusions in-process {res['conflicting_exclusions_in_process']} "
          f"raw {res['conflicting_exclusions_raw_rows']}", flush=True)
    rng = random.Random(seed + n)
    sample = rng.sample(ds.trials, min(samples, len(ds.trials)))
    named_ms, inproc_ms, kg_top = [], [], {}

    from rdflib import URIRef

    comparable_text = get_query("comparable-trials").text
    for t in sample:
        t0 = time.perf_counter()
        run = run_named(store, "comparable-trials", {"trial": t.nct})
        named_ms.append(_ms(time.perf_counter() - t0))
        kg_top[t.iri] = [(str(r[0]), float(r[2])) for r in run.result]
        t0 = time.perf_counter()
        list(store.query(comparable_text, {"trial": URIRef(t.iri)}))
        inproc_ms.append(_ms(time.perf_counter() - t0))

    # One trial's conflicts: ranked by relevance, 5 rows by default, each with the trial's total.
    trial_text = only_given(get_query("conflicting-exclusions").text, {"trial"})
    cx_named, cx_inproc, cx_rows, cx_totals = [], [], [], []
    for t in sample:
        t0 = time.perf_counter()
        run = run_named(store, "conflicting-exclusions", {"trial": t.nct})
        cx_named.append(_ms(time.perf_counter() - t0))
        got = list(run.result)
        cx_rows.append(len(got))
        cx_totals.append(int(got[0][9]) if got else 0)
        t0 = time.perf_counter()
        list(store.query(trial_text, {"trial": URIRef(t.iri)}))[:5]
        cx_inproc.append(_ms(time.perf_counter() - t0))
    res["conflicting_exclusions_trial_named"] = _stats(cx_named) | {
        "trials": len(sample), "rows_listed": cx_rows, "trial_totals": cx_totals,
        "note": "-p trial through run_named (default limit 5)"}
    res["conflicting_exclusions_trial_in_process"] = _stats(cx_inproc) | {
        "note": "same query text and binding, store.query without the child, first 5 rows kept"}
    print(f"[{n}] conflicting-exclusions -p trial named {res['conflicting_exclusions_trial_named']} "
          f"in-process {res['conflicting_exclusions_trial_in_process']}", flush=True)
    res["comparable_trials_named"] = _stats(named_ms) | {"trials": len(sample), "note": "run_named on the in-memory store (guard + time limit in a child forked from this multi-GB process)"}
    res["comparable_trials_in_process"] = _stats(inproc_ms) | {"note": "same query text and binding, store.query without the child"}
    print(f"[{n}] comparable-trials named {res['comparable_trials_named']} in-process {res['comparable_trials_in_process']}", flush=True)
    if disk_latency:
        res["on_disk_read_only"] = _disk_latency(store, sample)
        print(f"[{n}] on disk, read-only: {res['on_disk_read_only']}", flush=True)

    # -- equivalence ---------------------------------------------------------------------------
    if check:
        _, covered = kg_conflict_keys(store)
        eq = res["equivalence_conflicts"] = compare_conflicts(ref, covered, tie_named)
        print(f"[{n}] conflicts equal: {eq['equal']} (missing {eq['missing_in_kg']}, extra {eq['extra_in_kg']}) "
              f"by kind {eq['by_kind']}", flush=True)
        refc = RefComparable(ds)
        nct_of = {t.nct: t.iri for t in ds.trials}
        exact = same_scores = top1 = 0
        overlap, first_diff, details = [], [], []
        listed = listed_equal = 0
        missed: list[int] = []
        for t in sample:
            want = refc.top(t.iri, 10)
            got = [(nct_of.get(o, o), s) for o, s in kg_top[t.iri][:10]]
            # The definition apart from the candidate search: kg's score of each pair it lists
            # against the reference's score of that pair.
            for o, sc in got:
                listed += 1
                listed_equal += abs(refc.score(t.iri, o) - sc) < 1e-3
            cut = got[-1][1] if len(got) >= 10 else 0.0
            missed.append(sum(1 for o, sc in want if sc > cut + 1e-3 and o not in {x for x, _ in got}))
            exact += [o for o, _ in want] == [o for o, _ in got] and all(
                abs(a[1] - b[1]) < 1e-3 for a, b in zip(want, got))
            # Equal score sequences: the same ranking up to the order of ties.
            same_scores += len(want) == len(got) and all(abs(a[1] - b[1]) < 1e-3 for a, b in zip(want, got))
            overlap.append(len({o for o, _ in want} & {o for o, _ in got}) / max(1, len(want)))
            top1 += (not want) or want[0][0] in [o for o, _ in got[:3]]
            diff = next((i for i, (a, b) in enumerate(zip(want, got)) if abs(a[1] - b[1]) >= 1e-3), None)
            if diff is None and len(want) != len(got):
                diff = min(len(want), len(got))
            if diff is not None:
                first_diff.append(diff + 1)
                if len(details) < 3:
                    details.append({"trial": t.nct, "first_differing_rank": diff + 1,
                                    "reference": [(o.rsplit("/", 1)[-1], s) for o, s in want[diff:diff + 3]],
                                    "kg": [(o.rsplit("/", 1)[-1], s) for o, s in got[diff:diff + 3]]})
        res["equivalence_comparable"] = {
            "sampled": len(sample), "top10_identical": exact, "top10_same_scores_up_to_tie_order": same_scores,
            "mean_top10_overlap": round(statistics.mean(overlap), 3), "reference_top1_in_kg_top3": top1,
            "first_differing_ranks": first_diff, "differences": details,
            "kg_listed_pairs": listed, "kg_listed_pairs_scored_as_reference": listed_equal,
            "reference_pairs_above_kg_tenth_missed": missed,
            "note": "reference = brute-force exact score (decision 0020's fixed 0-1 scale) against every trial; "
                    "kg scores exactly only the 4 x 10 best candidates its sparse product finds (features shared "
                    "by <= max(50, 5% of N) trials, weighted by idf): a listed pair scored as the reference scores "
                    "it shows the definition agrees, a reference pair above kg's 10th that kg lacks is one its "
                    "candidate search missed",
        }
        print(f"[{n}] comparable: kg's listed pairs scored as the reference {listed_equal}/{listed}, "
              f"reference pairs above kg's 10th missed {sum(missed)}; "
              f"top-10 identical {exact}/{len(sample)}, same scores {same_scores}, "
              f"top-1 in top-3 {top1}/{len(sample)}, first differing ranks {first_diff}", flush=True)

    # -- ratios ---------------------------------------------------------------------------------
    ref_s = max(res["reference_all_pairs_s"], 1e-6)
    res["ratio_query_evaluation_over_reference"] = round(res["conflicting_exclusions_raw_rows"]["seconds"] / ref_s, 2)
    res["ratio_named_query_over_reference"] = round(res["named_conflicting_exclusions_all_pairs"]["seconds"] / ref_s, 2)
    res["ratio_materialize_plus_query_over_reference"] = round(
        (total + res["named_conflicting_exclusions_all_pairs"]["seconds"]) / ref_s, 2)
    res["ratio_kg_join_over_reference"] = round(res["kg_find_conflicts_all_s"] / ref_s, 2)  # both: all four kinds

    ds_quads = len(store._store)
    if naive_limit > 0:
        res["naive_oxigraph_washout"] = naive_oxigraph(store, naive_limit)
        print(f"[{n}] naive Oxigraph SPARQL: {res['naive_oxigraph_washout']}", flush=True)
        if ds_quads <= NAIVE_RDFLIB_MAX_QUADS:
            res["naive_rdflib_washout"] = naive_rdflib(store._store, naive_limit)
        else:  # a 21M-quad rdflib Dataset was killed for lack of memory (23 GB) on 2026-12-02
            res["naive_rdflib_washout"] = {"status": f"skipped: {ds_quads} quads do not fit in memory as a plain "
                                                     f"rdflib Dataset (limit {NAIVE_RDFLIB_MAX_QUADS})"}
        print(f"[{n}] naive rdflib SPARQL: {res['naive_rdflib_washout']}", flush=True)
    res["rss_now_mb"] = _current_rss_mb()
    res["peak_rss_mb_so_far"] = _rss_mb()
    store.close()
    del store, ds
    if tmp is not None:
        tmp.cleanup()
    gc.collect()
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated trial counts")
    ap.add_argument("--quick", action="store_true", help="1k trials only")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--samples", type=int, default=20, help="trials sampled for comparable-trials")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed runs of the reference and of the all-pairs query (best reported, GC off)")
    ap.add_argument("--naive-limit", type=float, default=120.0, help="time limit of the naive SPARQL joins (s)")
    ap.add_argument("--min-criteria-from", type=int, default=100_000,
                    help="from this size on, 10 criteria per trial (memory); 10-30 below")
    ap.add_argument("--no-inferred", action="store_true", help="skip the reasoner's inferred drug types")
    ap.add_argument("--density", default="100000=0.1",
                    help="conflict density (trialgen): one value, or SIZE=VALUE,... (others 1); default 0.1 at 100k, "
                         "where density 1 means millions of conflicts")
    ap.add_argument("--append", action="store_true", help="keep the other sizes already in --out")
    ap.add_argument("--disk-from", type=int, default=10**9,
                    help="from this size on, an on-disk store in a temporary directory (saves memory, but its bulk "
                         "load is far slower: 100k did not load in 20 min); default never")
    ap.add_argument("--no-disk-latency", action="store_true",
                    help="skip copying each size's store to disk to time comparable-trials as `kg query` runs it")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--latency-probe", nargs="+", metavar=("STORE", "NCT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.latency_probe:
        print(json.dumps(latency_probe(args.latency_probe[0], args.latency_probe[1:])))
        return 0
    sizes = [1000] if args.quick else [int(x) for x in args.sizes.split(",") if x.strip()]

    t0 = time.perf_counter()
    cat = trialgen.load_catalogue(inferred=not args.no_inferred)
    out: dict = {
        "benchmark": "queries", "issue": 5, "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "catalogue": {"drugs": len(cat.drugs), "classes_with_members": len(cat.class_members),
                      "inferred_types": not args.no_inferred, "load_s": round(time.perf_counter() - t0, 1)},
        "seed": args.seed, "sizes": [],
    }
    if args.append and Path(args.out).exists():
        old = json.loads(Path(args.out).read_text(encoding="utf-8"))
        out["sizes"] = [s for s in old.get("sizes", []) if s["trials"] not in sizes]
    dens = {int(k): float(v) for k, v in (x.split("=") for x in args.density.split(",") if "=" in x)}
    default_density = float(args.density) if "=" not in args.density else 1.0
    smallest = min(sizes)
    for n in sizes:
        criteria = (10, 10) if n >= args.min_criteria_from else (10, 30)
        out["sizes"].append(run_size(n, cat, criteria=criteria, check=n == smallest,
                                     naive_limit=args.naive_limit if n == smallest else 0.0,
                                     samples=args.samples, seed=args.seed, density=dens.get(n, default_density),
                                     disk=n >= args.disk_from, disk_latency=not args.no_disk_latency,
                                     repeat=args.repeat))
        out["sizes"].sort(key=lambda s: s["trials"])
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
