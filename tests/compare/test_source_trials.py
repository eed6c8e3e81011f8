"""The headline comparisons on the source trials (demo data and the seed documents), as the
issue states them, through the named queries users run."""

from __future__ import annotations

import pytest

from kg import vocab as V
from kg.errors import ParameterError
from kg.query.named import get_query, run_named
from kg.query.output import rows
from tests.compare.conflict_rows import all_conflict_rows

STORES = ["demo_store", "seeds_store"]


def _q(store, name: str, **params: str) -> list[dict]:
    return rows(run_named(store, name, params).result)


@pytest.mark.parametrize("fixture", STORES)
def test_issue_examples_of_conflicting_exclusions(fixture: str, request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue(fixture)
    got = all_conflict_rows(store)
    by = {(r["kind"], r["trialA"], r["trialB"], str(r["sharedConcept"]).lower()): r for r in got}
    # the mycophenolate arm of NCT05974683 vs NCT04660565's 12-week exclusion of non-biologic
    # DMARDs and immunosuppressants
    mmf = by[("washout", "NCT05974683", "NCT04660565", "mycophenolate mofetil")]
    assert mmf["window"] in ("84 days", "12 weeks (84 days)") and "12 weeks" in mmf["criterionB"]
    # belimumab in NCT04893161 vs NCT04660565's 6-month exclusion of any biologic
    bio = by[("washout", "NCT04893161", "NCT04660565", "biologic")]
    assert bio["window"] == "6 months (183 days)" and "biologic" in bio["criterionB"].lower()
    assert "belimumab" in bio["explanation"].lower() and "6 months" in bio["explanation"]
    # NCT05974683 excludes SLE, which NCT04893161 requires
    sle = [r for r in got if r["kind"] == "required-excluded" and r["trialA"] == "NCT04893161"
           and r["trialB"] == "NCT05974683"]
    assert len(sle) == 1 and "lupus" in str(sle[0]["sharedConcept"]).lower()
    # prednisone is excepted ("other than GCs"): no conflict through a glucocorticoid
    assert not [r for r in got if "prednisone" in str(r["sharedConcept"]).lower() and r["trialB"] == "NCT04660565"]
    # NCT05974683 both requires IgG4-RD and excludes a narrower reading of it: no hard conflict
    assert not [r for r in got if r["kind"] == "required-excluded" and "igg4" in str(r["sharedConcept"]).lower()]


@pytest.mark.parametrize("fixture", STORES)
def test_comparable_trials_of_the_sle_trial_rank_the_belimumab_trials_first(fixture: str, request) -> None:
    store = request.getfixturevalue(fixture)
    got = _q(store, "comparable-trials", trial="NCT04893161")
    assert [r["other"] for r in got[:2]] in (["NCT04660565", "NCT01670565"], ["NCT01670565", "NCT04660565"])
    for r in got[:2]:
        assert "drug: belimumab" in r["shared"] and float(r["drug"]) > 0
    scores = [float(r["score"]) for r in got]
    assert scores == sorted(scores, reverse=True)
    assert len(_q(store, "comparable-trials", trial="NCT04893161", limit="1")) == 1


def test_conflicts_of_one_trial_involve_it_on_either_side(demo_store) -> None:
    mine = _q(demo_store, "conflicting-exclusions", trial="NCT04660565")
    assert mine and all("NCT04660565" in (r["trialA"], r["trialB"]) for r in mine)
    assert {r["trialB"] for r in mine} == {"NCT04660565"}  # it is the one that excludes
    relevance = [float(r["relevance"]) for r in mine]
    assert relevance == sorted(relevance, reverse=True) and all(0 < x <= 1 for x in relevance)
    assert {int(r["total"]) for r in mine} == {len(mine)}
    # the same sponsor, the same condition, overlapping periods: the IgG4-RD trials' washout first
    assert (mine[0]["trialA"], mine[0]["sharedConcept"]) == ("NCT05974683", "mycophenolate mofetil")
    assert "same condition" in mine[0]["why"] and "same sponsor" in mine[0]["why"]
    washout = all_conflict_rows(demo_store, kind="washout")
    assert washout and {r["kind"] for r in washout} == {"washout"}
    everything = all_conflict_rows(demo_store)
    assert len(everything) > len(washout)


def test_one_screen_a_versus_b_and_concept(demo_store) -> None:
    one = _q(demo_store, "conflicting-exclusions", trial="NCT04660565", limit="2")
    assert len(one) == 2 and int(one[0]["total"]) > 2
    versus = _q(demo_store, "conflicting-exclusions", trial="NCT04660565", other="NCT04893161")
    assert versus and {(r["trialA"], r["trialB"]) for r in versus} == {("NCT04893161", "NCT04660565")}
    bio = _q(demo_store, "conflicting-exclusions", trial="NCT04660565", concept="BIOLOGIC")
    assert bio and all("biologic" in r["sharedConcept"].lower() for r in bio)


def test_all_pairs_are_grouped_by_concept_with_counts(demo_store) -> None:
    groups = _q(demo_store, "conflicting-exclusions")
    assert groups and set(groups[0]) == {"kind", "sharedConcept", "conflicts", "trialsA", "trialsB", "bestRelevance"}
    assert sum(int(g["conflicts"]) for g in groups) == len(all_conflict_rows(demo_store))
    counts = [int(g["conflicts"]) for g in groups]
    assert counts == sorted(counts, reverse=True)
    assert {g["kind"] for g in _q(demo_store, "conflicting-exclusions", kind="washout")} == {"washout"}


def test_trial_overlap_says_yes_no_or_unknown(demo_store) -> None:
    no = _q(demo_store, "trial-overlap", trial="NCT04893161", other="NCT05974683")
    assert [r["verdict"] for r in no] == ["no"]
    assert "excludes Systemic lupus erythematosus" in no[0]["overlap"] and "NCT04893161 studies" in no[0]["overlap"]
    yes = _q(demo_store, "trial-overlap", trial="NCT05974683", other="NCT04660565")
    assert [r["verdict"] for r in yes] == ["yes"] and "IgG4" in yes[0]["overlap"]
    both = _q(demo_store, "trial-overlap", trial="NCT04660565", other="NCT05974683")
    assert [(r["verdict"], r["overlap"]) for r in both] == [(r["verdict"], r["overlap"]) for r in yes]  # either way round
    listed = _q(demo_store, "trial-overlap", trial="NCT04893161")
    assert len({r["with"] for r in listed}) == len(listed) >= 2


@pytest.mark.parametrize("fixture", STORES)
def test_comparable_trials_of_the_igg4_trial_rank_its_sibling_first(fixture: str, request) -> None:
    got = _q(request.getfixturevalue(fixture), "comparable-trials", trial="NCT05974683")
    assert got[0]["other"] == "NCT04660565" and float(got[0]["sponsor"]) > 0
    assert len({r["other"] for r in got}) == len(got)  # no duplicate rows
    assert all(0 < float(r["score"]) <= 1 for r in got)
    for r in got:  # the parts are the score
        parts = sum(float(r[p]) for p in ("condition", "drug", "mechanism", "target", "drugClass", "sponsor", "sites",
                                          "period", "population", "design"))
        assert abs(parts - float(r["score"])) < 1e-3


def test_trials_by_drug_mechanism_condition(demo_store) -> None:
    by_brand = {r["trial"] for r in _q(demo_store, "trials-by-drug", drug="Benlysta")}
    assert by_brand == {"NCT04660565", "NCT04893161", "NCT01670565"}
    by_mech = {r["trial"] for r in _q(demo_store, "trials-by-mechanism", mechanism="BLyS (BAFF) neutralisation")}
    assert by_mech == by_brand
    assert {r["trial"] for r in _q(demo_store, "trials-by-drug", drug="MMF")} == {"NCT05974683", "NCT01670565"}
    sle = _q(demo_store, "trials-by-condition", condition="SLE")
    assert {r["trial"] for r in sle} == {"NCT04893161"}
    # a parent condition finds its subtypes' trials
    parent = _q(demo_store, "trials-by-condition", condition="connective tissue disease")
    assert {"NCT04893161", "NCT01670565"} <= {r["trial"] for r in parent}
    assert all(r["match"].startswith("a subtype") or r["match"] == "the condition itself" for r in parent)


def test_exclusions_of_drug(demo_store) -> None:
    rit = {(r["trial"], r["window"]) for r in _q(demo_store, "exclusions-of-drug", drug="rituximab")}
    assert ("NCT04660565", "P6M") in rit and ("NCT04893161", "ever") in rit
    # "immunosuppressant other than GCs" does not turn away a prednisone patient
    assert not [r for r in _q(demo_store, "exclusions-of-drug", drug="prednisone") if r["trial"] == "NCT04660565"]
    mmf = {r["trial"] for r in _q(demo_store, "exclusions-of-drug", drug="mycophenolate mofetil")}
    assert "NCT04660565" in mmf


def test_parameters_give_clear_errors(demo_store) -> None:
    with pytest.raises(ParameterError, match="no trial"):
        run_named(demo_store, "comparable-trials", {"trial": "NCT99999999"})
    with pytest.raises(ParameterError, match="positive integer"):
        run_named(demo_store, "comparable-trials", {"trial": "NCT04893161", "limit": "0"})
    with pytest.raises(ParameterError, match="ambiguous"):
        run_named(demo_store, "trials-by-condition", {"condition": "sclerosis"})
    with pytest.raises(ParameterError, match="no condition"):
        run_named(demo_store, "trials-by-condition", {"condition": "zz-not-a-disease"})


def test_headers_name_the_parameters() -> None:
    for name, params in {
        "conflicting-exclusions": [("trial", False), ("other", False), ("kind", False), ("concept", False),
                                   ("limit", False)],
        "trial-overlap": [("trial", True), ("other", False)],
        "comparable-trials": [("trial", True), ("limit", False)],
        "trials-by-drug": [("drug", True)],
        "trials-by-mechanism": [("mechanism", True)],
        "trials-by-condition": [("condition", True)],
        "exclusions-of-drug": [("drug", True)],
    }.items():
        q = get_query(name)
        assert [(p.name, p.required) for p in q.params] == params and q.summary


def test_materialized_nodes_are_in_their_own_graph(demo_store) -> None:
    res = demo_store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c a ?t } VALUES ?t { kg:Conflict kg:Comparability } FILTER(?g != ?cg) }",
        {"cg": V.COMPARE_GRAPH},
    )
    assert int(next(iter(res))[0]) == 0
    n = demo_store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?cg { ?c a kg:Conflict } }", {"cg": V.COMPARE_GRAPH})
    assert int(next(iter(n))[0]) >= 3
