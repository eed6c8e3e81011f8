"""kg.compare on hand-made facts: each conflict kind, exceptions, alternatives, ranges."""

from __future__ import annotations

import math

from kg.compare.comparable import rank_comparable
from kg.compare.conflicts import admitted_ranges, find_conflicts, window_text
from kg.compare.facts import ConditionRule, Facts, RangeRule, TherapyRule, TrialFacts, _range_rule

KG = "https://w3id.org/kg/ontology#"
BIO, IS, GC = KG + "Biologic", KG + "Immunosuppressant", KG + "Glucocorticoid"
BELI, MMF, PRED = "urn:drug:belimumab", "urn:drug:mmf", "urn:drug:prednisone"
LUPUS, LN = "urn:cond:sle", "urn:cond:lupus-nephritis"


def _facts() -> Facts:
    f = Facts()
    f.drug_classes = {BELI: {BIO, IS}, MMF: {IS}, PRED: {GC, IS}}
    f.labels = {BIO: "biologic", IS: "immunosuppressant", GC: "glucocorticoid", BELI: "belimumab", MMF: "MMF",
                PRED: "prednisone", LUPUS: "SLE", LN: "lupus nephritis"}
    return f


def _trial(f: Facts, name: str, **kw) -> TrialFacts:
    # One shared condition unless the test says otherwise: a conflict needs related populations.
    kw.setdefault("conditions", {"urn:cond:shared"})
    t = TrialFacts(iri=f"urn:trial:{name}", nct=name, **kw)
    f.trials[t.iri] = t
    return t


def test_washout_through_a_class_respects_exceptions_and_skips_the_same_trial() -> None:
    f = _facts()
    a = _trial(f, "A", gives={BELI: {"urn:iv:a1"}, PRED: {"urn:iv:a2"}})
    b = _trial(f, "B")
    b.therapy.append(TherapyRule("urn:crit:b1", "urn:k:b1", "exclusion", classes={IS}, except_classes={GC},
                                 window_days=84, window="P12W"))
    b.therapy.append(TherapyRule("urn:crit:b2", "urn:k:b2", "exclusion", classes={BIO}, window_days=183))
    # B also gives belimumab, and excludes it: not a conflict of B with itself
    b.gives = {BELI: {"urn:iv:b"}}
    got = {(c.kind, c.trial_a, c.trial_b, c.criterion_b, c.concepts) for c in find_conflicts(f)}
    assert got == {
        ("washout", a.iri, b.iri, "urn:crit:b1", (IS,)),  # belimumab as an immunosuppressant
        ("washout", a.iri, b.iri, "urn:crit:b2", (BIO,)),
    }  # prednisone is excepted ("other than GCs")
    washout = next(c for c in find_conflicts(f) if c.criterion_b == "urn:crit:b1")
    assert washout.window_days == 84 and "12 weeks (84 days)" in washout.explanation


def test_no_window_means_ever_and_background_therapy_counts() -> None:
    f = _facts()
    a = _trial(f, "A")
    a.therapy.append(TherapyRule("urn:crit:a1", "urn:k:a1", "inclusion", background=True, drugs={MMF}))
    b = _trial(f, "B")
    b.therapy.append(TherapyRule("urn:crit:b1", "urn:k:b1", "exclusion", drugs={MMF}))
    (c,) = find_conflicts(f)
    assert c.kind == "washout" and c.ever and c.criterion_a == "urn:crit:a1"
    assert "ever" in c.explanation and "requires background MMF" in c.explanation


def test_alternatives_never_conflict_alone() -> None:
    f = _facts()
    a = _trial(f, "A")
    a.therapy.append(TherapyRule("urn:crit:a1", "urn:k:a1", "inclusion", background=True, drugs={MMF}, alternative=True))
    b = _trial(f, "B")
    b.therapy.append(TherapyRule("urn:crit:b1", "urn:k:b1", "exclusion", drugs={MMF}))
    assert find_conflicts(f) == []


def test_required_condition_excluded_including_subtypes_but_not_qualified_exclusions() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={LUPUS})
    c = _trial(f, "C", conditions={LN}, condition_ancestors={LUPUS})
    b = _trial(f, "B", conditions={"urn:cond:cutaneous-lupus"}, condition_ancestors={LUPUS})  # related to both
    b.condition_rules.append(ConditionRule("urn:crit:b1", "urn:k:b1", "exclusion", LUPUS, "sle"))
    d = _trial(f, "D")
    d.condition_rules.append(ConditionRule("urn:crit:d1", "urn:k:d1", "exclusion", LUPUS, "sle", qualified=True))
    got = {(x.kind, x.trial_a, x.trial_b) for x in find_conflicts(f)}
    assert got == {("required-excluded", a.iri, b.iri), ("required-excluded", c.iri, b.iri)}
    assert d.iri not in {x.trial_b for x in find_conflicts(f)}


def _rng(crit: str, pol: str, dim: str, comp: str, value: float, unit: str = "g/L") -> RangeRule:
    r = _range_rule(crit, crit + "/k", pol, dim, unit, comp, value, None, None, None, None, False)
    assert r is not None
    return r


def test_range_rule_inverts_exclusions() -> None:
    r = _rng("c", "exclusion", "lab:igg", "<", 4.0)
    assert (r.low, r.low_incl, r.high) == (4.0, True, math.inf)
    r = _rng("c", "inclusion", "lab:igg", ">", 4.0)
    assert (r.low, r.low_incl) == (4.0, False)
    age = _range_rule("c", "k", "exclusion", "age", "a", None, None, 75.0, None, "true", None, False)
    assert age is not None and (age.high, age.high_incl) == (75.0, False)


def test_lab_ranges_required_vs_excluded_only_between_related_trials() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={LUPUS})
    a.ranges.append(_rng("urn:crit:a1", "inclusion", "lab:igg4", ">", 1.4))
    b = _trial(f, "B", conditions={LUPUS})
    b.ranges.append(_rng("urn:crit:b1", "exclusion", "lab:igg4", ">", 1.35))
    unrelated = _trial(f, "U", conditions={"urn:cond:gout"})
    unrelated.ranges.append(_rng("urn:crit:u1", "exclusion", "lab:igg4", ">", 1.0))
    got = [(x.kind, x.trial_a, x.trial_b, x.criterion_a, x.criterion_b) for x in find_conflicts(f)]
    assert got == [("required-excluded", a.iri, b.iri, "urn:crit:a1", "urn:crit:b1")]


def test_disjoint_ages_and_overlapping_ages() -> None:
    f = _facts()
    kids = _trial(f, "K", conditions={LUPUS})
    kids.ranges.append(_range_rule("urn:crit:k", "k1", "inclusion", "age", "a", None, None, 5.0, 17.0, "true", "true", False))
    adults = _trial(f, "D", conditions={LUPUS})
    adults.ranges.append(_range_rule("urn:crit:d", "d1", "inclusion", "age", "a", None, None, 18.0, None, "true", None, False))
    teens = _trial(f, "T", conditions={LUPUS})
    teens.ranges.append(_range_rule("urn:crit:t", "t1", "inclusion", "age", "a", None, None, 12.0, 30.0, "true", "true", False))
    got = {(x.kind, frozenset((x.trial_a, x.trial_b))) for x in find_conflicts(f)}
    assert got == {("numeric-range", frozenset((kids.iri, adults.iri)))}


def test_rules_setting_the_same_end_bind_the_same_way_in_any_order() -> None:
    # B requires neutrophils >= 1.3 and also excludes < 1.3: the same end, twice. The rule
    # that names the conflict must not depend on the order the store returned the rules.
    found = set()
    for order in (1, -1):
        f = _facts()
        a = _trial(f, "A", conditions={LUPUS})
        a.ranges.append(_rng("urn:crit:a1", "inclusion", "lab:neut", "<", 1.0, "10*9/L"))
        b = _trial(f, "B", conditions={LUPUS})
        b.ranges.extend([_rng("urn:crit:b1", "inclusion", "lab:neut", ">=", 1.3, "10*9/L"),
                         _rng("urn:crit:b2", "exclusion", "lab:neut", "<", 1.3, "10*9/L")][::order])
        found.add(tuple((x.kind, x.criterion_a, x.criterion_b) for x in find_conflicts(f)))
    assert found == {(("required-excluded", "urn:crit:a1", "urn:crit:b2"),)}


def test_self_contradiction_between_inclusion_and_exclusion() -> None:
    f = _facts()
    t = _trial(f, "S")
    t.ranges.append(_rng("urn:crit:i", "inclusion", "lab:egfr", "<", 30.0, "mL/min"))
    t.ranges.append(_rng("urn:crit:e", "exclusion", "lab:egfr", "<", 45.0, "mL/min"))
    (c,) = find_conflicts(f)
    assert (c.kind, c.trial_a, c.trial_b, c.criterion_a, c.criterion_b) == (
        "self-contradiction", t.iri, t.iri, "urn:crit:i", "urn:crit:e")
    assert admitted_ranges(t)[("lab:egfr", "mL/min")].empty


def test_window_text() -> None:
    assert window_text(365, False, "P1Y") == "1 year (365 days)"
    assert window_text(60, False, "P60D") == "60 days"
    assert window_text(None, True) == "ever (no window given)"


def test_comparability_ranks_shared_drug_and_condition_first() -> None:
    f = _facts()
    f.drug_mechanisms = {BELI: {"urn:mech:blys"}}
    f.mechanism_targets = {"urn:mech:blys": {"urn:target:tnfsf13b"}}
    a = _trial(f, "A", conditions={LUPUS}, gives={BELI: {"x"}}, phases={"p3"})
    b = _trial(f, "B", conditions={LUPUS}, gives={BELI: {"y"}}, phases={"p3"})
    c = _trial(f, "C", conditions={LN}, condition_ancestors={LUPUS}, gives={MMF: {"z"}})
    _trial(f, "D", conditions={"urn:cond:gout"}, gives={PRED: {"w"}})
    pairs = rank_comparable(f, top=2)
    best = {}
    for p in pairs:
        for x, y in ((p.trial_a, p.trial_b), (p.trial_b, p.trial_a)):
            if x == a.iri:
                best.setdefault(y, p)
    ranked = sorted(best, key=lambda o: -best[o].score)
    assert ranked[0] == b.iri and ranked[1] == c.iri
    top = best[b.iri]
    assert set(top.parts) >= {"condition", "drug", "mechanism", "target", "drugClass", "design"}
    assert abs(top.score - sum(top.parts.values())) < 1e-3
    assert "drug: belimumab" in top.explanation and "same condition (SLE)" in top.explanation
    assert "parent or subtype" in best[c.iri].explanation
    assert a.iri < b.iri and (top.trial_a, top.trial_b) == (a.iri, b.iri)


def test_trials_sharing_only_common_drugs_still_find_each_other() -> None:
    """Candidates come from rare features first; a trial with none falls back to all features."""
    f = Facts()
    drugs = [f"urn:drug:d{i}" for i in range(3)]
    for i in range(120):
        given = set(drugs) if i < 2 else {drugs[i % 3]}
        _trial(f, f"T{i:03d}", gives={d: {f"urn:iv:{i}"} for d in given})
    pairs = rank_comparable(f, top=5)
    mine = sorted((p for p in pairs if "urn:trial:T000" in (p.trial_a, p.trial_b)), key=lambda p: -p.score)
    assert mine and {mine[0].trial_a, mine[0].trial_b} == {"urn:trial:T000", "urn:trial:T001"}


def test_each_alternative_of_an_exclusion_excludes() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={LUPUS})
    b = _trial(f, "B", conditions={"urn:cond:cutaneous-lupus"}, condition_ancestors={LUPUS})
    b.condition_rules.append(ConditionRule("urn:crit:b1", "urn:k:b1", "exclusion", LUPUS, "sle", alternative=True))
    b.condition_rules.append(ConditionRule("urn:crit:b1", "urn:k:b2", "exclusion", LN, "lupus nephritis", alternative=True))
    assert [(c.kind, c.trial_a, c.trial_b) for c in find_conflicts(f)] == [("required-excluded", a.iri, b.iri)]
