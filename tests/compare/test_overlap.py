"""kg.compare.overlap on hand-made facts: the verdict, the relation of two populations, the
relevance scale, and the gate conflicts pass through (decision 0020)."""

from __future__ import annotations

from kg.compare.conflicts import find_conflicts
from kg.compare.facts import (ConditionRule, Facts, RangeRule, ReproductiveRule, SexRule, TherapyRule,
                              TrialFacts)
from kg.compare.overlap import population_overlap, relation, relevance

KG = "https://w3id.org/kg/ontology#"
IS = KG + "Immunosuppressant"
MMF = "urn:drug:mmf"
SLE, LN, RA = "urn:cond:sle", "urn:cond:lupus-nephritis", "urn:cond:ra"
AUTOIMMUNE = "http://id.nlm.nih.gov/mesh/D001327"  # specific enough to relate two trials
NEOPLASMS = "http://id.nlm.nih.gov/mesh/D009369"  # a category heading: relates nothing


def _facts() -> Facts:
    f = Facts()
    f.drug_classes = {MMF: {IS}}
    f.labels = {SLE: "SLE", LN: "lupus nephritis", RA: "rheumatoid arthritis", IS: "immunosuppressant", MMF: "MMF",
                AUTOIMMUNE: "Autoimmune diseases", NEOPLASMS: "Neoplasms"}
    return f


def _trial(f: Facts, name: str, **kw) -> TrialFacts:
    t = TrialFacts(iri=f"urn:trial:{name}", nct=name, **kw)
    f.trials[t.iri] = t
    return t


def test_same_condition_and_nothing_separating_is_yes() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={SLE}, age_min=18.0, age_max=65.0)
    b = _trial(f, "B", conditions={SLE}, age_min=30.0)
    o = population_overlap(f, a, b)
    assert (o.verdict, o.relation.level) == ("yes", "same")
    assert 0 < o.fraction < 1 and "age" in o.measured


def test_sex_separates_and_names_both_sides() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={SLE}, sex="female")
    b = _trial(f, "B", conditions={SLE})
    b.sex_rules.append(SexRule("urn:crit:b1", "urn:k:b1", "inclusion", "male"))
    o = population_overlap(f, a, b)
    assert o.verdict == "no"
    assert [(r.trial, r.criterion) for r in o.deciding] == [(a.iri, None), (b.iri, "urn:crit:b1")]
    assert "female" in o.text(f) and "male" in o.text(f)


def test_registry_ages_and_criteria_ages_both_count() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={SLE}, age_min=18.0)
    b = _trial(f, "B", conditions={SLE}, age_max=17.0)
    assert population_overlap(f, a, b).verdict == "no"
    c = _trial(f, "C", conditions={SLE})
    c.ranges.append(RangeRule("urn:crit:c1", "urn:k:c1", "inclusion", "age", "a", high=12.0))
    o = population_overlap(f, a, c)
    assert o.verdict == "no" and o.deciding[1].criterion == "urn:crit:c1"


def test_an_age_rule_the_registry_contradicts_is_not_believed() -> None:
    # "No smoking in the last 3 years" read as age <= 3 in an adult trial.
    f = _facts()
    a = _trial(f, "A", conditions={SLE}, age_min=18.0, age_max=55.0)
    a.ranges.append(RangeRule("urn:crit:a1", "urn:k:a1", "exclusion", "age", "a", high=3.0))
    b = _trial(f, "B", conditions={SLE}, age_min=18.0)
    assert population_overlap(f, a, b).verdict == "yes"


def test_excluded_condition_pregnancy_and_background_therapy_separate() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={SLE})
    b = _trial(f, "B", conditions={LN}, condition_ancestors={SLE})
    b.condition_rules.append(ConditionRule("urn:crit:b1", "urn:k:b1", "exclusion", SLE, "sle"))
    o = population_overlap(f, a, b)
    assert o.verdict == "no" and o.deciding[1].criterion == "urn:crit:b1"

    c = _trial(f, "C", conditions={SLE})
    c.reproductive.append(ReproductiveRule("urn:crit:c1", "urn:k:c1", "inclusion", "pregnancy"))
    d = _trial(f, "D", conditions={SLE})
    d.reproductive.append(ReproductiveRule("urn:crit:d1", "urn:k:d1", "exclusion", "pregnancy"))
    assert population_overlap(f, c, d).verdict == "no"
    assert population_overlap(f, c, _trial(f, "M", conditions={SLE}, sex="male")).verdict == "no"

    e = _trial(f, "E", conditions={SLE})
    e.therapy.append(TherapyRule("urn:crit:e1", "urn:k:e1", "inclusion", background=True, drugs={MMF}))
    g = _trial(f, "G", conditions={SLE})
    g.therapy.append(TherapyRule("urn:crit:g1", "urn:k:g1", "exclusion", classes={IS}, window_days=84))
    assert population_overlap(f, e, g).verdict == "no"
    # A washout asks whether E's participants could enter G off the drug: the drug is not the answer.
    assert population_overlap(f, e, g, therapy=False).verdict == "yes"


def test_unrelated_conditions_are_unknown_and_say_what_is_missing() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={SLE})
    b = _trial(f, "B", conditions={"urn:cond:asthma"})
    o = population_overlap(f, a, b)
    assert o.verdict == "unknown" and "SLE" in o.text(f) and "asthma" in o.text(f)


def test_relation_levels_and_broad_headings() -> None:
    f = _facts()
    sle = _trial(f, "S", conditions={SLE}, condition_ancestors={AUTOIMMUNE, NEOPLASMS})
    ra = _trial(f, "R", conditions={RA}, condition_ancestors={AUTOIMMUNE})
    ln = _trial(f, "L", conditions={LN}, condition_ancestors={SLE})
    onc = _trial(f, "O", conditions={"urn:cond:lymphoma"}, condition_ancestors={NEOPLASMS})
    assert relation(f, sle, ln).level == "parent-subtype"
    assert relation(f, sle, ra).level == "sibling"
    assert relation(f, sle, onc).level == "none"  # "Neoplasms" is too broad to relate them
    assert relation(f, sle, sle).level == "same"


def test_relevance_is_on_a_fixed_scale_that_does_not_move_with_the_collection() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={SLE}, start="2021-01", end="2023-12-27", sponsors={"urn:org:x"})
    b = _trial(f, "B", conditions={SLE}, start="2023-08-01", end="2025-12-31", sponsors={"urn:org:x"})
    r = relevance(f, a, b)
    assert r.score == 1.0 and "same sponsor" in r.text and "recruiting periods overlap" in r.text
    for i in range(50):  # many unrelated trials change nothing
        _trial(f, f"X{i}", conditions={SLE} if i % 2 else {RA})
    assert relevance(f, a, b).score == r.score
    far = _trial(f, "F", conditions={SLE}, start="2001-01", end="2002-01")
    assert 0 < relevance(f, a, far).score < r.score <= 1


def test_conflicts_only_between_trials_that_can_share_a_patient() -> None:
    f = _facts()
    giver = _trial(f, "A", conditions={SLE}, gives={MMF: {"urn:iv:a"}})
    related = _trial(f, "B", conditions={SLE})
    unrelated = _trial(f, "C", conditions={"urn:cond:asthma"})
    children = _trial(f, "D", conditions={SLE}, age_max=12.0)
    giver.age_min = 18.0
    for t in (related, unrelated, children):
        t.therapy.append(TherapyRule(f"urn:crit:{t.nct}", f"urn:k:{t.nct}", "exclusion", classes={IS}, window_days=84))
    got = {(c.trial_a, c.trial_b) for c in find_conflicts(f) if c.kind == "washout"}
    assert got == {(giver.iri, related.iri)}
    (c,) = [c for c in find_conflicts(f) if c.kind == "washout"]
    assert 0 < c.relevance <= 1 and "same condition" in c.relevance_text


def test_self_contradiction_needs_a_real_gap_and_one_participant() -> None:
    f = _facts()
    t = _trial(f, "T", conditions={SLE})
    f.criterion_text = {"urn:crit:i": "Age 18 to 70 years", "urn:crit:e": "Age under 18 years",
                        "urn:crit:i2": "Age 60 years or older", "urn:crit:e2": "Cohort 2: aged 40 or younger"}
    # "18 to 70" required and "under 18" excluded, read as the exclusion admitting only what is
    # under 18: the two meet at one boundary, the complement misread, no contradiction.
    t.ranges.append(RangeRule("urn:crit:i", "urn:k:i", "inclusion", "age", "a", low=18.0, high=70.0))
    t.ranges.append(RangeRule("urn:crit:e", "urn:k:e", "exclusion", "age", "a", high=18.0, high_incl=False))
    assert not [c for c in find_conflicts(f) if c.kind == "self-contradiction"]
    u = _trial(f, "U", conditions={SLE})
    u.ranges.append(RangeRule("urn:crit:i2", "urn:k:i2", "inclusion", "age", "a", low=60.0))
    u.ranges.append(RangeRule("urn:crit:e2", "urn:k:e2", "exclusion", "age", "a", high=40.0))
    assert not [c for c in find_conflicts(f) if c.kind == "self-contradiction"]  # a cohort's rule
    f.criterion_text["urn:crit:e2"] = "Aged over 40 years"
    u.ranges[1] = RangeRule("urn:crit:e2", "urn:k:e2", "exclusion", "age", "a", high=40.0)
    got = [c for c in find_conflicts(f) if c.kind == "self-contradiction"]
    assert [(c.trial_a, c.criterion_a, c.criterion_b) for c in got] == [(u.iri, "urn:crit:i2", "urn:crit:e2")]
