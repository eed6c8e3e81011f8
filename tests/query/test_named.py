"""Every shipped .rq file: header, parameters, and a run against the demo store."""

from __future__ import annotations

import pytest

from kg.errors import ParameterError, QueryError
from kg.query.named import get_query, load_queries, parse_header, run_named
from kg.query.output import rows

QUERIES = load_queries()
PARAM_EXAMPLES = {"trial": "NCT04660565", "drug": "belimumab", "mechanism": "BLyS", "condition": "lupus",
                  "limit": "5", "integer": "5"}


def test_queries_ship_with_headers() -> None:
    assert {"trials", "criteria"} <= set(QUERIES)
    for q in QUERIES.values():
        assert q.summary, q.name
        for p in q.params:
            assert p.description, (q.name, p.name)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_runs_on_the_demo_store(name: str, demo_store) -> None:
    q = QUERIES[name]
    params = {p.name: PARAM_EXAMPLES.get(p.name, PARAM_EXAMPLES.get(p.type, "x")) for p in q.params if p.required}
    run = run_named(demo_store, name, params)
    assert run.result.type in ("SELECT", "ASK", "CONSTRUCT")


def test_trials_lists_the_four_demo_trials(demo_store) -> None:
    out = rows(run_named(demo_store, "trials").result)
    assert [r["id"] for r in out] == ["NCT01670565", "NCT04660565", "NCT04893161", "NCT05974683"]
    for r in out:
        assert r["title"] and r["conditions"] and r["sponsor"] and r["sources"]
    by_id = {r["id"]: r for r in out}
    assert "belimumab" in by_id["NCT04893161"]["interventions"].lower()


def test_criteria_by_nct_curie_and_iri_agree(demo_store) -> None:
    a = rows(run_named(demo_store, "criteria", {"trial": "NCT04660565"}).result)
    b = rows(run_named(demo_store, "criteria", {"trial": "ctgov:NCT04660565"}).result)
    c = rows(run_named(demo_store, "criteria", {"trial": "https://w3id.org/kg/id/trial/NCT04660565"}).result)
    d = rows(run_named(demo_store, "criteria", {"trial": "kgid:trial/NCT04660565"}).result)
    assert a == b == c == d
    assert {r["polarity"] for r in a} == {"inclusion", "exclusion"}
    inc = [r["order"] for r in a if r["polarity"] == "inclusion"]
    assert inc == sorted(inc) and inc[0] == 1
    assert any("biologic" in r["text"].lower() for r in a if r["polarity"] == "exclusion")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "needs -p trial"),
        ({"trial": "NCT99999999"}, "no trial"),
        ({"trial": "nope:NCT1"}, "unknown prefix"),
        ({"trial": "NCT04660565", "color": "red"}, "no parameter color"),
    ],
)
def test_bad_parameters_are_clear_errors(demo_store, params, message) -> None:
    with pytest.raises(ParameterError, match=message):
        run_named(demo_store, "criteria", params)


def test_ambiguous_title_lists_candidates(demo_store) -> None:
    with pytest.raises(ParameterError, match="ambiguous.*NCT"):
        run_named(demo_store, "criteria", {"trial": "belimumab"})
    one = rows(run_named(demo_store, "criteria", {"trial": "Re-elevation of Serum IgG4"}).result)
    assert one and all(r["source"] == "NCT05974683" for r in one)


def test_hostile_parameter_values_stay_values(demo_store) -> None:
    for hostile in ['NCT04660565" } DROP ALL #', "<http://x> } ; CLEAR ALL", "x') || true || ('"]:
        with pytest.raises(ParameterError):
            run_named(demo_store, "criteria", {"trial": hostile})
    assert rows(run_named(demo_store, "trials").result)  # store intact


def test_unknown_query_and_malformed_header() -> None:
    with pytest.raises(QueryError, match="no query named"):
        run_named(None, "no-such-query")
    with pytest.raises(QueryError, match="@summary"):
        parse_header("SELECT * WHERE { ?s ?p ?o }", "x")
    with pytest.raises(QueryError, match="malformed @param"):
        parse_header("# @summary s\n# @param onlyname\nSELECT * {}", "x")


def test_if_lines_follow_whether_the_parameter_is_given() -> None:
    from kg.query.named import only_given

    text = "# @summary s\n# @param trial trial optional T\nSELECT ?c WHERE {\n  ?c kg:trialA ?trial  # @if trial\n  ?c a kg:Conflict\n}\n"
    parse_header(text, "x")  # valid: names an optional parameter
    assert "?trial" not in only_given(text.split("SELECT", 1)[1], set())
    assert "?c kg:trialA ?trial" in only_given(text, {"trial"})
    with pytest.raises(QueryError, match="@if other"):
        parse_header(text.replace("@if trial", "@if other"), "x")
    with pytest.raises(QueryError, match="@if trial"):  # a required parameter is always given
        parse_header(text.replace("trial optional", "trial required"), "x")


def test_conflicts_of_one_trial_add_up_to_the_all_pairs_counts(demo_store) -> None:
    # Without -p trial the answer is grouped by kind and concept (decision 0020): each conflict
    # is counted once, and the rows of every trial together are exactly those conflicts.
    groups = rows(run_named(demo_store, "conflicting-exclusions").result)
    seen = set()
    for nct in ("NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565"):
        mine = rows(run_named(demo_store, "conflicting-exclusions", {"trial": nct, "limit": "100"}).result)
        assert len({tuple(sorted(r.items())) for r in mine}) == len(mine)  # no doubled rows
        assert all(nct in (r["trialA"], r["trialB"]) for r in mine)
        seen |= {(r["kind"], r["trialA"], r["trialB"], r["criterionB"], r["sharedConcept"]) for r in mine}
    assert groups and sum(int(g["conflicts"]) for g in groups) == len(seen)


def test_unknown_conflict_kind_lists_the_kinds(demo_store) -> None:
    with pytest.raises(ParameterError, match="washout, required-excluded, numeric-range, self-contradiction"):
        run_named(demo_store, "conflicting-exclusions", {"kind": "wash-out"})
    got = rows(run_named(demo_store, "conflicting-exclusions", {"kind": "Washout"}).result)
    assert got and {r["kind"] for r in got} == {"washout"}


def test_the_time_limit_covers_the_parameter_lookups(demo_store, monkeypatch) -> None:
    """A name lookup that never ends is stopped by the query's own limit (issue 15: it ran
    before the limit started)."""
    import time

    from kg.errors import QueryTimeoutError
    from kg.query import params

    def endless(store: object, raw: str) -> object:
        while True:
            time.sleep(0.05)

    monkeypatch.setitem(params.RESOLVERS, "trial", endless)
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"stopped after 0\.5 s"):
        run_named(demo_store, "criteria", {"trial": "NCT04660565"}, timeout=0.5)
    assert time.monotonic() - started < 3.0


def test_lookup_errors_come_back_from_the_limited_lookup(demo_store) -> None:
    # raised in the child that resolves parameters, re-raised here with its message
    with pytest.raises(ParameterError, match="-p mechanism: no mechanism 'no-such-mechanism-xyz'"):
        run_named(demo_store, "trials-by-mechanism", {"mechanism": "no-such-mechanism-xyz"}, timeout=20)
    got = rows(run_named(demo_store, "trials-by-mechanism", {"mechanism": "BLyS"}, timeout=20).result)
    assert {r["trial"] for r in got} >= {"NCT04893161", "NCT04660565"}


def test_unless_lines_are_kept_only_without_the_parameter() -> None:
    from kg.query.named import only_given

    text = "# @summary s\n# @param trial trial optional T\nSELECT ?c WHERE {\n  ?c kg:trialA ?trial  # @if trial\n  ?c kg:trialB ?b  # @unless trial\n}\n"
    parse_header(text, "x")
    assert "kg:trialB" in only_given(text, set()) and "kg:trialA" not in only_given(text, set())
    assert "kg:trialB" not in only_given(text, {"trial"}) and "kg:trialA" in only_given(text, {"trial"})
    with pytest.raises(QueryError, match="@unless other"):
        parse_header(text.replace("@unless trial", "@unless other"), "x")


def test_a_default_may_apply_only_when_another_parameter_is_given() -> None:
    """`optional=5@trial`: conflicting-exclusions lists 5 rows for one trial by default, but every
    group of the all-pairs answer (a default of 5 there hid 408 of 413 groups on the real store)."""
    from kg.query.named import parse_header

    q = parse_header("# @summary s\n# @param trial trial optional T\n# @param limit limit optional=5@trial L\n"
                     "SELECT * WHERE { }", "q")
    limit = next(p for p in q.params if p.name == "limit")
    assert (limit.default, limit.default_when) == ("5", "trial")
    shipped = next(p for p in get_query("conflicting-exclusions").params if p.name == "limit")
    assert shipped.default_when == "trial"
