"""The benchmark's equivalence claim on a small graph: kg.compare finds exactly the conflicts
the benchmark's hand-written reference finds (benchmarks/queries.py, benchmarks/trialgen.py)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
KINDS = ("washout", "required-excluded", "numeric-range", "self-contradiction")


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import queries
        import trialgen
    finally:
        sys.path.remove(str(BENCH))
    return trialgen, queries


@pytest.fixture(scope="module")
def catalogue(bench):
    trialgen, _ = bench
    return trialgen.load_catalogue(inferred=False)  # the reasoner takes ~20 s; asserted types suffice here


def _generate(bench, catalogue, seed: int, n: int = 50):
    from kg.store.oxigraph import OxigraphStore

    trialgen, _ = bench
    store = OxigraphStore(None)
    # A high density so that a few dozen trials already conflict in every way the reference covers.
    ds = trialgen.generate(n, seed=seed, catalogue=catalogue, density=40.0, store=store._store)
    return ds, store


def _assert_equal_by_kind(queries, ref: set, store) -> None:
    """kg's conflicts equal the reference's, which applies decision 0020's gate in its own code
    (relatedness, population overlap for washouts, inclusion-against-exclusion gaps)."""
    _, covered = queries.kg_conflict_keys(store)
    for kind in KINDS:
        want = {k for k in ref if k[0] == kind}
        got = {k for k in covered if k[0] == kind}
        assert sorted(want - got)[:3] == [] and sorted(got - want)[:3] == [], kind
    assert covered == ref


def test_generator_is_deterministic(bench, catalogue):
    a, _ = _generate(bench, catalogue, 11)
    b, _ = _generate(bench, catalogue, 11)
    c, _ = _generate(bench, catalogue, 12)
    assert a.quads == b.quads
    assert [t.therapy for t in a.trials] == [t.therapy for t in b.trials]
    assert [t.therapy for t in a.trials] != [t.therapy for t in c.trials]
    assert all(10 <= t.criteria <= 30 for t in a.trials)


@pytest.mark.parametrize("seed", [3])
def test_kg_conflicts_equal_reference(bench, catalogue, seed):
    from kg.compare import materialize

    _, queries = bench
    ds, store = _generate(bench, catalogue, seed, n=100)
    ref = queries.ref_conflicts(ds)
    kinds = Counter(k[0] for k in ref)
    # The case must exercise all four kinds, else equality proves little; and the gate must
    # drop some of each kind it gates, else it proves nothing about the gate.
    assert all(kinds[k] >= 5 for k in KINDS), kinds
    ungated = Counter(k[0] for k in queries.ref_conflicts(ds, gate=False))
    assert all(ungated[k] > kinds[k] for k in ("washout", "required-excluded")), (ungated, kinds)
    summary = materialize(store, force=True)
    assert summary.conflicts > 0
    _assert_equal_by_kind(queries, ref, store)


# -- ties: several rules setting one end of an admitted interval equally -------------------------
#
# trialgen writes one age rule per trial and lab rules that mostly bound the same side of each
# analyte, so a small graph of it has few lab conflicts and no ties (10k trials have a few
# dozen conflicts named by a tie). The test below adds criteria (written by trialgen's own
# code, so kg reads them as it reads the rest): lab rules bounding the other side, then for
# every numeric rule "twins" that set the same end (value and openness) from another
# criterion: one of the same polarity whose IRI sorts first; for a lab exclusion an inclusion
# whose IRI sorts first (it must lose: exclusions rank first); for a lab inclusion of every
# third trial an exclusion whose IRI sorts last (it must win). Which rule names a conflict
# then follows the tie rank alone, and the reference and kg must agree on it (its kind too:
# an exclusion twin turns a lab required-excluded into numeric-range).

# An exclusion that admits the same end as an inclusion with this comparator, and back.
_OTHER_POLARITY = {"<=": ">", ">": "<=", ">=": "<", "<": ">="}


def _add_criteria(bench, ds, store, added: list) -> None:
    """Write criteria ``(trial, polarity, local name, constraint spec)`` into the trials' record
    graphs (store) and their rules into ``ds``."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from kg import vocab as V

    trialgen, _ = bench
    gen = trialgen._Gen(1, 0, ds.catalogue, 10, 10, 1.0)  # only its constraint writer is used
    P, C = trialgen.P, trialgen.C
    lines: list[str] = []
    for order, (t, pol, name, spec) in enumerate(added, 1000):
        graph = str(V.record_graph("kg-json", t.nct))
        w = trialgen._Writer(graph)
        crit = str(V.record_part_iri(URIRef(graph), "criterion", name))
        w.iri(t.iri, P["hasCriterion"], crit)
        w.iri(crit, trialgen._T, C["EligibilityCriterion"])
        w.iri(crit, trialgen._T, C["InclusionCriterion" if pol == "inclusion" else "ExclusionCriterion"])
        w.lit(crit, P["text"], spec["text"])
        w.lit(crit, P["polarity"], pol)
        w.lit(crit, P["order"], order)
        w.iri(crit, P["sourceRecord"], graph)
        w.iri(crit, P["parseStatus"], C["Parsed"])
        gen._constraints(w, t, crit, pol, [spec], spec["text"])
        lines += w.out
    store._store.bulk_load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS)


def _lab(bench, analyte: str, comparator: str, value: float) -> dict:
    trialgen, _ = bench
    unit = next(u for a, u, _, _ in trialgen._LABS if a == analyte)
    return {"type": "LabConstraint", "text": f"{analyte} {comparator} {value:g} {unit}", "analyte": analyte,
            "unit": unit, "comparator": comparator, "value": float(value)}


def test_tie_rank_equal_reference(bench, catalogue):
    from kg.compare import materialize

    _, queries = bench
    ds, store = _generate(bench, catalogue, 3, n=100)
    # Other-side lab rules: required-excluded (an inclusion's ALT <= 100 against an exclusion's
    # ALT < 150, which admits >= 150), numeric-range (an exclusion's ALT > 90 against it) and
    # self-contradictions (haemoglobin >= 12 required, > 10 excluded).
    specs = ([("inclusion", _lab(bench, "alt", "<=", 100))], [("exclusion", _lab(bench, "alt", "<", 150))],
             [("exclusion", _lab(bench, "alt", ">", 90))],
             [("inclusion", _lab(bench, "hemoglobin", ">=", 12)),
              ("exclusion", _lab(bench, "hemoglobin", ">", 10))])
    contrary = []
    for i, t in enumerate(ds.trials):
        for j, (pol, spec) in enumerate(specs[i % 4]):
            contrary.append((t, pol, f"{pol}-contrary-{j}", spec))
    _add_criteria(bench, ds, store, contrary)
    twins = []
    for i, t in enumerate(ds.trials):
        for k, r in enumerate(list(t.ranges)):
            if r.alternative and r.polarity == "inclusion":
                continue  # it sets no end
            if r.dimension == "age":
                spec = {"type": "AgeConstraint", "text": "aged as required", "min": r.low, "max": r.high}
                twins.append((t, r.polarity, f"a-twin-{k}", spec))
                continue
            analyte = r.dimension.split(":", 1)[1]
            twins.append((t, r.polarity, f"a-twin-{k}", _lab(bench, analyte, r.comparator, r.value)))
            other = _lab(bench, analyte, _OTHER_POLARITY[r.comparator], r.value)
            if r.polarity == "exclusion":
                twins.append((t, "inclusion", f"a-twin-other-{k}", other))
            elif i % 3 == 0:
                twins.append((t, "exclusion", f"z-twin-other-{k}", other))
    _add_criteria(bench, ds, store, twins)

    tie_named: set = set()
    ref = queries.ref_conflicts(ds, tie_named=tie_named)
    by_tie = Counter(k[0] for k in tie_named)
    # Every interval kind must have conflicts whose side only the tie rank decides, and the
    # exclusion twins that sort last must name some.
    assert all(by_tie[k] >= 5 for k in ("required-excluded", "numeric-range", "self-contradiction")), by_tie
    assert sum(1 for k in tie_named if "/z-twin-other-" in k[3] + k[4]) >= 5
    # An inclusion never names an end an exclusion sets equally, whatever their IRIs.
    assert not [k for k in ref if "/a-twin-other-" in k[3] + k[4]]
    materialize(store, force=True)
    _assert_equal_by_kind(queries, ref, store)


def test_comparable_scores_equal_reference(bench, catalogue):
    """Every pair kg keeps as comparable scores, part for part summed, what the benchmark's
    reference scores it on decision 0020's fixed scale (the reference is brute force; kg's
    candidate search is not tested here, only the definition of the score)."""
    from kg.compare import read_facts
    from kg.compare.comparable import rank_comparable

    _, queries = bench
    ds, store = _generate(bench, catalogue, 7, n=60)
    kept = rank_comparable(read_facts(store), top=10)
    ref = queries.RefComparable(ds)
    assert len(kept) >= 100
    # The case must reach every condition level and both population verdicts that score.
    parts = Counter(round(c.parts.get("condition", 0) / 0.4, 2) for c in kept)
    assert parts[1.0] and parts[0.6] and parts[0.3], parts
    assert {ref.pops.overlap(c.trial_a, c.trial_b)[0] for c in kept} >= {"yes", "unknown", "no"}
    wrong = [(c.trial_a, c.trial_b, c.score, ref.score(c.trial_a, c.trial_b)) for c in kept
             if abs(c.score - ref.score(c.trial_a, c.trial_b)) > 1e-9]
    assert wrong[:3] == []
