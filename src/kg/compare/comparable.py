"""Comparable trials: for every trial, the trials most like it, by a score whose parts explain it.

The score of a pair is a sum of parts, each weighted by how rare the shared item is
(``log(1 + N / trials having it)``, so sharing "systemic lupus erythematosus" counts more
than sharing "biologic"):

=============  ======  =========================================================================
part           weight  what counts
=============  ======  =========================================================================
condition      3       the rarest shared condition; a parent or subtype (condition hierarchy,
                       registry MeSH ancestors) counts half
drug           3       each shared drug
mechanism      2       each shared mechanism of action
target         1.5     each shared molecular target
drugClass      1       each shared drug class (asserted, inferred and their superclasses)
design         1       same phase 0.5, same allocation 0.25, both placebo-controlled 0.25
population     1       mean overlap of the ranges both trials constrain (age, lab values, scores)
=============  ======  =========================================================================

Candidates come from one sparse matrix product per block of trials (scipy), over the
features rare enough to be worth a candidate (common ones still count in the exact
score); the best candidates are then scored exactly, part by part, in Python. Every
trial keeps its ``top`` best; a pair is written once (unordered) when either trial keeps
the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from kg.compare.overlap import admitted_ranges
from kg.compare.facts import Facts

WEIGHTS = {"condition": 3.0, "drug": 3.0, "mechanism": 2.0, "target": 1.5, "drugClass": 1.0,
           "design": 1.0, "population": 1.0}
#: Candidates scored exactly per trial, as a multiple of the number kept.
_CANDIDATE_FACTOR = 4
#: Age ranges are clipped to this span before overlaps are measured.
_AGE_SPAN = (0.0, 100.0)


@dataclass(frozen=True)
class Comparability:
    """A scored, explained pair of trials (``trial_a`` < ``trial_b``)."""

    trial_a: str
    trial_b: str
    score: float
    parts: dict[str, float]
    shared: dict[str, tuple[str, ...]]  # part -> IRIs shared
    explanation: str


@dataclass
class _Profile:
    conditions: set[str]
    ancestors: set[str]
    drugs: set[str]
    mechanisms: set[str]
    targets: set[str]
    classes: set[str]


def _profiles(f: Facts) -> dict[str, _Profile]:
    out = {}
    for iri, t in f.trials.items():
        drugs = set(t.gives)
        out[iri] = _Profile(set(t.conditions), set(t.condition_ancestors), drugs, f.mechanisms_of(drugs),
                            f.targets_of(drugs), f.classes_of(drugs))
    return out


def _idf(profiles: Iterable[_Profile], n: int) -> dict[str, float]:
    df: dict[str, int] = {}
    for p in profiles:
        for s in (p.conditions | p.ancestors, p.drugs, p.mechanisms, p.targets, p.classes):
            for x in s:
                df[x] = df.get(x, 0) + 1
    return {x: math.log(1 + n / d) for x, d in df.items()}


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    span = max(a[1], b[1]) - min(a[0], b[0])
    if span <= 0:
        return 1.0 if lo <= hi else 0.0
    return max(0.0, hi - lo) / span


def _population(ra: dict, rb: dict) -> tuple[float, list[str]]:  # type: ignore[type-arg]
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
            clip = lambda iv: (max(iv.low, _AGE_SPAN[0]), min(iv.high, _AGE_SPAN[1]))  # noqa: E731
            vals.append(_overlap(clip(a), clip(b)))
            continue
        finite = [x for x in (a.low, a.high, b.low, b.high) if not math.isinf(x)]
        lo_all, hi_all = (min(finite), max(finite)) if finite else (0.0, 1.0)
        pad = (hi_all - lo_all) or max(abs(hi_all), 1.0)
        box = lambda iv: (max(iv.low, lo_all - pad), min(iv.high, hi_all + pad))  # noqa: E731
        vals.append(_overlap(box(a), box(b)))
    return math.fsum(vals) / len(vals), [d[0] for d in shared]


def score_pair(f: Facts, a: str, b: str, pa: _Profile, pb: _Profile, idf: dict[str, float],
               ranges: dict[str, dict]) -> Comparability:  # type: ignore[type-arg]
    """The exact, explained score of one pair."""
    parts: dict[str, float] = {}
    shared: dict[str, tuple[str, ...]] = {}
    exact = pa.conditions & pb.conditions
    if exact:
        best = max(exact, key=lambda x: idf.get(x, 0.0))
        parts["condition"] = WEIGHTS["condition"] * idf.get(best, 0.0)
        shared["condition"] = tuple(sorted(exact))
    else:
        near = (pa.conditions & pb.ancestors) | (pb.conditions & pa.ancestors)
        if near:
            best = max(near, key=lambda x: idf.get(x, 0.0))
            parts["condition"] = WEIGHTS["condition"] * 0.5 * idf.get(best, 0.0)
            shared["condition"] = tuple(sorted(near))
    for part, xa, xb in (("drug", pa.drugs, pb.drugs), ("mechanism", pa.mechanisms, pb.mechanisms),
                         ("target", pa.targets, pb.targets), ("drugClass", pa.classes, pb.classes)):
        common = xa & xb
        if common:
            # fsum: exact, so the score does not depend on the order a set yields its items
            # (nor on which trial of the pair is scored first).
            parts[part] = WEIGHTS[part] * math.fsum(idf.get(x, 0.0) for x in common)
            shared[part] = tuple(sorted(common))
    ta, tb = f.trials[a], f.trials[b]
    design = 0.0
    same_phase = sorted(ta.phases & tb.phases)
    if same_phase:
        design += 0.5
    if ta.allocation and ta.allocation == tb.allocation:
        design += 0.25
    if ta.placebo and tb.placebo:
        design += 0.25
    if design:
        parts["design"] = WEIGHTS["design"] * design
    pop, dims = _population(ranges[a], ranges[b])
    if pop:
        parts["population"] = WEIGHTS["population"] * pop
    total = round(math.fsum(parts.values()), 4)
    parts = {k: round(v, 4) for k, v in parts.items()}
    bits = []
    for part in ("condition", "drug", "mechanism", "target", "drugClass"):
        if part in shared:
            names = ", ".join(_dedupe_labels(f, shared[part], idf))
            word = "condition (parent or subtype)" if part == "condition" and not exact else part
            bits.append(f"{word}: {names}")
    if design:
        d = []
        if same_phase:
            d.append("phase " + "/".join(f.label(p) for p in same_phase))
        if ta.allocation and ta.allocation == tb.allocation:
            d.append(f.label(ta.allocation))
        if ta.placebo and tb.placebo:
            d.append("placebo-controlled")
        bits.append("design: " + ", ".join(d))
    if pop:
        bits.append(f"population overlap {pop:.2f} ({', '.join(dims)})")
    x, y = (a, b) if a < b else (b, a)
    return Comparability(x, y, total, parts, shared, "; ".join(bits))


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
    col: dict[str, int] = {}
    rows_x, cols_x, vals_x = [], [], []
    rows_a, cols_a = [], []
    for r, iri in enumerate(iris):
        p = profiles[iri]
        for part, items in (("condition", p.conditions), ("drug", p.drugs), ("mechanism", p.mechanisms),
                            ("target", p.targets), ("drugClass", p.classes)):
            for x in sorted(items):
                if allowed is None or x in allowed:
                    c = col.setdefault(x, len(col))
                    rows_x.append(r)
                    cols_x.append(c)
                    vals_x.append(WEIGHTS[part] * idf[x])
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
    ranges = {i: admitted_ranges(f.trials[i]) for i in iris}

    # Feature columns: exact features and, separately, ancestors (for parent/subtype hits).
    cap = max(50, int(0.05 * n))
    df_ok = {x for x, w in idf.items() if math.log(1 + n / cap) <= w}  # df <= cap
    X, B, A = _feature_matrices(iris, profiles, idf, df_ok)
    BT, AT = B.T.tocsr(), A.T.tocsr()
    half = X * 0.5

    want = top * _CANDIDATE_FACTOR
    kept: dict[tuple[str, str], Comparability] = {}
    block = 512
    full: tuple | None = None  # type: ignore[type-arg]
    for start in range(0, n, block):
        stop = min(n, start + block)
        S = (X[start:stop] @ BT + half[start:stop] @ AT + (A[start:stop] @ half.T.tocsr())).tocsr()
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
            scored = [score_pair(f, a, iris[c], profiles[a], profiles[iris[c]], idf, ranges) for c in cand_cols]
            scored.sort(key=lambda s: (-s.score, s.trial_a, s.trial_b))
            for s in scored[:top]:
                if s.score > 0:
                    kept.setdefault((s.trial_a, s.trial_b), s)
    return [kept[k] for k in sorted(kept)]

