"""Comparable trials: for every trial, the trials most like it, by a 0-1 score whose parts explain it.

The score of a pair is a weighted sum of parts, each in [0, 1], with fixed weights that sum
to 1, so a score means the same in the demo store and in a registry-sized one (no part is
normalized by anything the collection holds):

===========  ======  ============================================================================
part         weight  what counts (each part 0-1 before weighting)
===========  ======  ============================================================================
condition    0.40    the same specific condition 1, a parent or subtype 0.6, siblings under a
                     specific heading 0.3, only a broad heading ("Neoplasms") 0.1
                     (kg.compare.overlap.relation; inclusions naming a condition count)
drug         0.15    a shared drug 0.7, each further one +0.15 (at most 1)
mechanism    0.06    a shared mechanism of action (small: a shared drug shares it too)
target       0.04    a shared molecular target
drugClass    0.05    the most specific shared class: 1 / (1 + trials giving it / 100); the broad
                     classes (antineoplastic agent, small molecule, monoclonal antibody, biologic,
                     ...) at most 0.1
sponsor      0.10    the same sponsor
sites        0.05    a shared site 1, a shared country 0.5
period       0.05    overlapping start-to-completion periods
population   0.05    populations overlap (kg.compare.overlap): yes 0.5 + half the range overlap,
                     unknown a third of the range overlap, no 0
design       0.05    same phase 0.5, same allocation 0.25, both placebo-controlled 0.25
===========  ======  ============================================================================

A pair is comparable only when it shares substance: a related condition or a drug, mechanism
or target. Context alone (sponsor, country, period) or drug classes alone never make a match,
so a topical tretinoin trial does not meet chemotherapy trials through "antineoplastic agent".

Candidates come from one sparse matrix product per block of trials (scipy), over the
features rare enough to be worth a candidate; the best candidates are then scored exactly,
part by part, in Python. Every trial keeps its ``top`` best; a pair is written once
(unordered) when either trial keeps the other.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.compare.facts import Facts
from kg.compare.overlap import admitted_ranges, period_overlap, place_overlap, population_overlap, relation

#: Candidate weights (only to pick the candidates scored exactly; see :data:`PART_WEIGHTS`).
WEIGHTS = {"condition": 3.0, "drug": 3.0, "mechanism": 2.0, "target": 1.5, "drugClass": 1.0,
           "design": 1.0, "population": 1.0}
#: The parts of a score and their fixed weights (sum 1).
PART_WEIGHTS = {"condition": 0.40, "drug": 0.15, "mechanism": 0.06, "target": 0.04, "drugClass": 0.05,
                "sponsor": 0.10, "sites": 0.05, "period": 0.05, "population": 0.05, "design": 0.05}
PARTS = tuple(PART_WEIGHTS)
_RELATION_PART = {"same": 1.0, "parent-subtype": 0.6, "sibling": 0.3}
#: Drug classes too broad to say two trials are alike (class IRI local names and labels, casefolded,
#: without spaces or hyphens).
BROAD_CLASSES = frozenset(n.casefold() for n in (
    "AntineoplasticAgent", "Antineoplastic", "SmallMolecule", "SmallMoleculeDrug", "MonoclonalAntibody", "Biologic",
    "Antibody", "Protein", "Peptide", "Immunosuppressant", "Immunomodulator", "AntiInflammatory", "Chemotherapy",
    "CytotoxicChemotherapy", "Cytotoxic", "Hormone", "Vaccine", "Antibiotic", "AntiInfective", "Antiviral",
    "Analgesic", "Supplement", "Vitamin"))
#: Candidates scored exactly per trial, as a multiple of the number kept.
_CANDIDATE_FACTOR = 4


@dataclass(frozen=True)
class Comparability:
    """A scored, explained pair of trials (``trial_a`` < ``trial_b``)."""

    trial_a: str
    trial_b: str
    score: float
    parts: dict[str, float]
    shared: dict[str, tuple[str, ...]]  # part -> IRIs shared
    explanation: str
    overlap: str = ""  # population overlap verdict: yes / no / unknown (kg.compare.overlap)
    overlap_text: str = ""


@dataclass
class _Profile:
    conditions: set[str]
    ancestors: set[str]
    drugs: set[str]
    mechanisms: set[str]
    targets: set[str]
    classes: set[str]
    # The conditions score_pair compares (studied and inclusion-named): candidates are proposed
    # through these, so every pair it scores through a condition can be found.
    compared: set[str] = field(default_factory=set)


def _profiles(f: Facts) -> dict[str, _Profile]:
    out = {}
    for iri, t in f.trials.items():
        drugs = set(t.gives)
        out[iri] = _Profile(set(t.conditions), set(t.condition_ancestors), drugs, f.mechanisms_of(drugs),
                            f.targets_of(drugs), f.classes_of(drugs), _comparable_conditions(f, t))
    return out


def _idf(profiles: Iterable[_Profile], n: int) -> dict[str, float]:
    df: dict[str, int] = {}
    for p in profiles:
        for s in (p.conditions | p.ancestors, p.drugs, p.mechanisms, p.targets, p.classes):
            for x in s:
                df[x] = df.get(x, 0) + 1
    return {x: math.log(1 + n / d) for x, d in df.items()}


def _class_weight(f: Facts, cls: str, df: dict[str, int]) -> float:
    """How much sharing drug class ``cls`` says: 1 / (1 + trials giving it / 100), at most 0.1
    for a broad class (a fixed formula: bounded, not relative to the collection's largest)."""
    w = 1.0 / (1.0 + df.get(cls, 1) / 100.0)
    local = cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1].casefold()
    label = f.labels.get(cls, "").casefold().replace(" ", "").replace("-", "")
    if local in BROAD_CLASSES or label in BROAD_CLASSES:
        w = min(w, 0.1)
    return w


def _comparable_conditions(f: Facts, t) -> set[str]:  # type: ignore[no-untyped-def]
    """What a trial studies, for likeness: its conditions and the conditions its inclusions name,
    a narrowed or alternative one ("IgG4-RD in remission") only when some trial studies that
    condition (so "evaluable disease" read from a criterion is no condition two trials share)."""
    known = f.__dict__.get("_studied_somewhere")
    if known is None:
        known = f.__dict__["_studied_somewhere"] = {c for x in f.trials.values() for c in x.conditions}
    # An alternative of an "any of" inclusion counts here: the trial studies it, even if a
    # participant may qualify through another alternative.
    return set(t.conditions) | {r.key for r in t.condition_rules if r.polarity == "inclusion"
                                and (not (r.qualified or r.alternative) or r.key in known)}


def score_pair(f: Facts, a: str, b: str, pa: _Profile, pb: _Profile, idf: dict[str, float],
               ranges: dict[str, dict], df: dict[str, int] | None = None) -> Comparability:  # type: ignore[type-arg]
    """The exact, explained score of one pair (0-1; parts and weights in the module doc)."""
    ta, tb = f.trials[a], f.trials[b]
    raw: dict[str, float] = {}
    shared: dict[str, tuple[str, ...]] = {}
    bits: list[str] = []
    # Condition: the trials' own conditions and those their inclusions name.
    wa = dataclasses.replace(ta, conditions=_comparable_conditions(f, ta), condition_rules=[])
    wb = dataclasses.replace(tb, conditions=_comparable_conditions(f, tb), condition_rules=[])
    rel = relation(f, wa, wb)
    if rel.level in _RELATION_PART:
        raw["condition"] = _RELATION_PART[rel.level]
        shared["condition"] = rel.concepts
        bits.append(rel.text(f))
    else:
        broad = (pa.conditions | pa.ancestors) & (pb.conditions | pb.ancestors)
        if broad:
            raw["condition"] = 0.1
            shared["condition"] = tuple(sorted(broad))
            bits.append(f"only a broad heading ({', '.join(_dedupe_labels(f, tuple(sorted(broad)), idf, 2))})")
    for part, xa, xb in (("drug", pa.drugs, pb.drugs), ("mechanism", pa.mechanisms, pb.mechanisms),
                         ("target", pa.targets, pb.targets)):
        common = xa & xb
        if common:
            raw[part] = min(1.0, 0.7 + 0.15 * (len(common) - 1)) if part == "drug" else 1.0
            shared[part] = tuple(sorted(common))
            bits.append(f"{part}: {', '.join(_dedupe_labels(f, shared[part], idf))}")
    substance = bool(raw.get("condition", 0) > 0.1 or "drug" in raw or "mechanism" in raw or "target" in raw)
    classes = pa.classes & pb.classes
    if classes:
        counts = df or {}
        weighted = sorted(classes, key=lambda c: (-_class_weight(f, c, counts), c))
        raw["drugClass"] = _class_weight(f, weighted[0], counts)
        shared["drugClass"] = tuple(sorted(classes))
        bits.append(f"drugClass: {', '.join(_dedupe_labels(f, tuple(weighted), idf))}")
    if ta.sponsors & tb.sponsors:
        raw["sponsor"] = 1.0
    place, place_text = place_overlap(f, ta, tb)
    if place:
        if not (ta.sponsors & tb.sponsors):
            raw["sites"] = place
        elif ta.sites & tb.sites or ta.countries & tb.countries:
            raw["sites"] = 1.0 if ta.sites & tb.sites else 0.5
        bits.append(place_text)
    per, per_text = period_overlap(ta, tb)
    if per:
        raw["period"] = per
        bits.append(per_text)
    ov = population_overlap(f, ta, tb, ranges)
    if ov.verdict == "yes":
        raw["population"] = 0.5 + 0.5 * (ov.fraction if ov.measured else 1.0)
    elif ov.verdict == "unknown" and ov.measured:
        raw["population"] = ov.fraction / 3
    if raw.get("population"):
        bits.append(f"population overlap {ov.verdict}" + (f" ({', '.join(ov.measured)} {ov.fraction:.2f})"
                                                           if ov.measured else ""))
    design = 0.0
    same_phase = sorted(ta.phases & tb.phases)
    d = []
    if same_phase:
        design += 0.5
        d.append("phase " + "/".join(f.label(p) for p in same_phase))
    if ta.allocation and ta.allocation == tb.allocation:
        design += 0.25
        d.append(f.label(ta.allocation))
    if ta.placebo and tb.placebo:
        design += 0.25
        d.append("placebo-controlled")
    if design:
        raw["design"] = design
        bits.append("design: " + ", ".join(d))
    parts = {k: round(PART_WEIGHTS[k] * v, 4) for k, v in raw.items() if v}
    total = round(math.fsum(parts.values()), 4) if substance else 0.0
    x, y = (a, b) if a < b else (b, a)
    return Comparability(x, y, min(total, 1.0), parts, shared, "; ".join(bits), ov.verdict, ov.text(f))


def _dedupe_labels(f: Facts, iris: tuple[str, ...], idf: dict[str, float], most: int = 5) -> list[str]:
    """Labels of the rarest ``most`` items (the same concept under two IRIs once; IRIs with
    a label preferred), then "+N more"."""
    labelled = [i for i in iris if i in f.labels] or list(iris)
    seen: dict[str, str] = {}
    for i in sorted(labelled, key=lambda x: (-idf.get(x, 0.0), f.label(x))):
        seen.setdefault(f.label(i).casefold(), f.label(i))
    names = list(seen.values())
    return names[:most] + ([f"+{len(names) - most} more"] if len(names) > most else [])


def _feature_matrices(iris: list[str], profiles: dict[str, _Profile], idf: dict[str, float],
                      allowed: set[str] | None):  # type: ignore[no-untyped-def]
    """(weighted exact features X, binary exact features B, binary ancestors A), trials as rows,
    over the features in ``allowed`` (all when None). Columns are numbered in a fixed order
    (trials in order, each one's features sorted), so the float sums of the candidate scores,
    and the candidates themselves, are the same in every run."""
    import numpy as np
    from scipy import sparse

    n = len(iris)
    rarest = math.log(1 + n)  # an inclusion-named condition no trial studies: as rare as can be
    col: dict[str, int] = {}
    rows_x, cols_x, vals_x = [], [], []
    rows_a, cols_a = [], []
    for r, iri in enumerate(iris):
        p = profiles[iri]
        for part, items in (("condition", p.conditions | p.compared), ("drug", p.drugs), ("mechanism", p.mechanisms),
                            ("target", p.targets), ("drugClass", p.classes)):
            for x in sorted(items):
                if allowed is None or x in allowed:
                    c = col.setdefault(x, len(col))
                    rows_x.append(r)
                    cols_x.append(c)
                    vals_x.append(WEIGHTS[part] * idf.get(x, rarest))
        for x in sorted(p.ancestors):
            if allowed is None or x in allowed:
                c = col.setdefault(x, len(col))
                rows_a.append(r)
                cols_a.append(c)
    m = max(len(col), 1)
    X = sparse.csr_matrix((np.array(vals_x, dtype=np.float32), (rows_x, cols_x)), shape=(n, m))
    B = X.copy()
    B.data[:] = 1.0
    A = sparse.csr_matrix((np.ones(len(rows_a), dtype=np.float32), (rows_a, cols_a)), shape=(n, m))
    return X, B, A


def _matrices(iris: list[str], profiles: dict[str, _Profile], idf: dict[str, float], allowed: set[str] | None):  # type: ignore[no-untyped-def]
    """(X, B transposed) over every feature: the fallback candidate generator."""
    X, B, _ = _feature_matrices(iris, profiles, idf, allowed)
    return X, B.T.tocsr()


def rank_comparable(f: Facts, top: int = 10) -> list[Comparability]:
    """Each trial's ``top`` most comparable trials, as unordered scored pairs (sorted)."""
    import numpy as np

    iris = sorted(f.trials)
    n = len(iris)
    if n < 2 or top <= 0:
        return []
    profiles = _profiles(f)
    idf = _idf(profiles.values(), n)
    df: dict[str, int] = {}
    for p in profiles.values():
        for c in p.classes:
            df[c] = df.get(c, 0) + 1
    ranges = {i: admitted_ranges(f.trials[i]) for i in iris}

    # Feature columns: exact features and, separately, ancestors (for parent/subtype hits).
    cap = max(50, int(0.05 * n))
    df_ok = {x for x, w in idf.items() if math.log(1 + n / cap) <= w}  # df <= cap
    X, B, A = _feature_matrices(iris, profiles, idf, df_ok)
    BT, AT = B.T.tocsr(), A.T.tocsr()
    half = X * 0.5
    # Siblings (a shared non-broad parent) score through the condition part too: a small
    # ancestor-against-ancestor term lets them propose each other.
    fifth = A * 0.2

    want = top * _CANDIDATE_FACTOR
    kept: dict[tuple[str, str], Comparability] = {}
    block = 512
    full: tuple | None = None  # type: ignore[type-arg]
    for start in range(0, n, block):
        stop = min(n, start + block)
        S = (X[start:stop] @ BT + half[start:stop] @ AT + (A[start:stop] @ half.T.tocsr())
             + fifth[start:stop] @ AT).tocsr()
        for i in range(stop - start):
            r = start + i
            lo, hi = S.indptr[i], S.indptr[i + 1]
            cand_cols, cand_vals = S.indices[lo:hi], S.data[lo:hi]
            if len(cand_cols) < top + 1:
                # Too few candidates through rare features: this trial shares only common
                # ones, so let every feature propose candidates for it.
                if full is None:
                    full = _matrices(iris, profiles, idf, None)
                FX, FBT = full
                row = (FX[r] @ FBT).tocsr()
                cand_cols, cand_vals = row.indices, row.data
            mask = cand_cols != r
            cand_cols, cand_vals = cand_cols[mask], cand_vals[mask]
            if len(cand_cols) > want:
                # The best ``want`` by candidate score; a tie at the cut goes to the trials
                # first in order (argpartition alone would cut it wherever its selection left them).
                cut = np.partition(cand_vals, len(cand_vals) - want)[len(cand_vals) - want]
                above = cand_cols[cand_vals > cut]
                tied = np.sort(cand_cols[cand_vals == cut])[:want - len(above)]
                cand_cols = np.concatenate((above, tied))
            a = iris[r]
            scored = [score_pair(f, a, iris[c], profiles[a], profiles[iris[c]], idf, ranges, df) for c in cand_cols]
            scored.sort(key=lambda s: (-s.score, s.trial_a, s.trial_b))
            for s in scored[:top]:
                if s.score > 0:
                    kept.setdefault((s.trial_a, s.trial_b), s)
    return [kept[k] for k in sorted(kept)]

