"""The criterion logic of kg.match on hand-made constraints (no store): Kleene connectives,
negation, groups, neutral constraints, closed-world exclusions and open-world requirements."""

from __future__ import annotations

from datetime import date

from kg import vocab as V
from kg.match.core import MET, NOT_ASSESSED, NOT_MET, UNKNOWN, _and, _or, assess_criterion, assess_trial
from kg.match.evaluate import PatientView
from kg.match.facts import ConstraintFacts, CriterionFacts, MatchFacts, TrialFacts, Window
from kg.patient.model import Condition, Lab, Medication, Patient

CRIT = "urn:c"
FACTS = MatchFacts()


def k(n: int, kind: str, polarity: str = "exclusion", negated: bool = False, **props: str | list[str]) -> ConstraintFacts:
    c = ConstraintFacts(f"{CRIT}/constraint/{n}", kind, polarity, negated)
    c.props = {key: (v if isinstance(v, list) else [v]) for key, v in props.items()}
    if kind == "ConditionConstraint":
        from kg.compare.facts import condition_key

        name = c.one("normalizedName") or ""
        c.keys = frozenset({str(V.condition_iri(name)), condition_key(name)})
    return c


def crit(polarity: str, *cs: ConstraintFacts) -> CriterionFacts:
    cf = CriterionFacts(CRIT, polarity, 1, "text")
    cf.constraints = {c.iri: c for c in cs}
    return cf


def view(p: Patient) -> PatientView:
    return PatientView.of(p, FACTS, date(2026, 12, 1))


def test_kleene_connectives() -> None:
    assert _and([True, None]) is None and _and([False, None]) is False and _and([True, True]) is True
    assert _or([False, None]) is None and _or([True, None]) is True and _or([False, False]) is False


def test_exclusion_is_any_of_its_constraints_and_none_of_its_negated_ones() -> None:
    c = crit("exclusion", k(0, "ConditionConstraint", normalizedName="igg4-related disease"),
             k(1, "ConditionConstraint", polarity="inclusion", negated=True, normalizedName="lupus nephritis"))
    has_igg4 = Patient(conditions=[Condition(name="IgG4-related disease")], complete=frozenset({"conditions"}))
    assert assess_criterion(c, view(has_igg4), FACTS).status == MET
    both = Patient(conditions=[Condition(name="IgG4-related disease"), Condition(name="lupus nephritis")])
    assert assess_criterion(c, view(both), FACTS).status == NOT_MET


def test_group_any_of_and_unknown_member() -> None:
    a = k(0, "LabConstraint", analyte="igg", comparator="<", thresholdValue="400", ucumUnit="mg/dL",
          normalizedValue="400", normalizedUnit="mg/dL")
    b = k(1, "LabConstraint", analyte="iga", comparator="<", thresholdValue="10", ucumUnit="mg/dL",
          normalizedValue="10", normalizedUnit="mg/dL")
    g = k(2, "ConstraintGroup")
    g.members, g.operator = [a.iri, b.iri], "any"
    c = crit("exclusion", a, b, g)
    assert [x.iri for x in c.top()] == [g.iri]
    low_igg = Patient(labs=[Lab(analyte="igg", value=3.5, unit="g/L")])
    assert assess_criterion(c, view(low_igg), FACTS).status == MET  # 350 mg/dL: one member suffices
    normal_igg = Patient(labs=[Lab(analyte="igg", value=11, unit="g/L")])
    res = assess_criterion(c, view(normal_igg), FACTS)
    assert res.status == UNKNOWN and [f.reason for f in res.decided_by] == ["no iga value"]


def test_neutral_constraints_assess_nothing() -> None:
    c = crit("inclusion", k(0, "ConsentConstraint", polarity="inclusion"))
    assert assess_criterion(c, view(Patient()), FACTS).status == NOT_ASSESSED


def test_exclusions_closed_world_requirements_need_a_complete_record() -> None:
    excl = crit("exclusion", k(0, "TherapyConstraint", normalizedName="rituximab", therapyRole="prior-ever"))
    note = Patient()  # a note: lists nothing completely
    r = assess_criterion(excl, view(note), FACTS)
    assert r.status == NOT_MET and r.assumed
    req = crit("inclusion", k(0, "TherapyConstraint", polarity="inclusion", normalizedName="methotrexate",
                              therapyRole="current"))
    assert assess_criterion(req, view(note), FACTS).status == UNKNOWN
    record = Patient(complete=frozenset({"medications"}))
    assert assess_criterion(req, view(record), FACTS).status == NOT_MET


def test_washout_window_and_missing_stop_date() -> None:
    c = k(0, "TherapyConstraint", normalizedName="methotrexate", therapyRole="prior-within-window")
    c.window = Window(days=84)
    cf = crit("exclusion", c)
    within = Patient(medications=[Medication(name="methotrexate", start=date(2025, 1, 1), stop=date(2026, 10, 1))])
    outside = Patient(medications=[Medication(name="methotrexate", start=date(2025, 1, 1), stop=date(2026, 8, 1))])
    no_date = Patient(medications=[Medication(name="methotrexate", active=False)])
    assert [assess_criterion(cf, view(p), FACTS).status for p in (within, outside, no_date)] == [MET, NOT_MET, UNKNOWN]


def test_a_trial_never_excludes_what_it_studies() -> None:
    t = TrialFacts("urn:t", nct="NCT0", conditions={str(V.condition_iri("igg4-related disease"))},
                   condition_labels=["IgG4-related disease"])
    t.criteria = [crit("exclusion", k(0, "ConditionConstraint", normalizedName="igg4-related disease"))]
    t.studied = frozenset(t.conditions)
    p = Patient(conditions=[Condition(name="IgG4-related disease")])
    r = assess_trial(t, view(p), FACTS)
    assert r.verdict == "eligible" and r.criteria[0].status == MET  # the trial-condition criterion
    assert r.criteria[1].status == NOT_ASSESSED
