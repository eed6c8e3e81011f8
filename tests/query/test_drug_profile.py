"""The drug-profile named query on the demo store: classes, mechanism, target, identifiers, trials."""

from __future__ import annotations

import pytest

from kg import vocab as v
from kg.errors import ParameterError
from kg.query.named import get_query, run_named
from kg.query.output import rows


def _profile(store, drug: str) -> list[dict]:
    return rows(run_named(store, "drug-profile", {"drug": drug}).result)


def _local(value: object) -> str:
    return str(value).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def test_header_declares_one_drug_parameter_and_uses_the_vocab_graphs() -> None:
    q = get_query("drug-profile")
    assert [(p.name, p.type, p.required) for p in q.params] == [("drug", "drug", True)]
    assert f"<{v.DRUGS_GRAPH}>" in q.text and f"<{v.INFERRED_GRAPH}>" in q.text


def test_belimumab_profile(demo_store) -> None:
    out = _profile(demo_store, "belimumab")
    by_kind: dict[str, list[dict]] = {}
    for r in out:
        by_kind.setdefault(r["kind"], []).append(r)
    assert [r["value"] for r in by_kind["label"]] == ["belimumab"]
    assert "Benlysta" in {r["value"] for r in by_kind["brand"]}
    classes = {(_local(r["value"]), r["how"]) for r in by_kind["class"]}
    assert {c for c, _ in classes} >= {"BLySInhibitor", "Biologic", "MonoclonalAntibody"}
    assert ("Biologic", "inferred") in classes
    assert {how for _, how in classes} <= {"asserted", "inferred"}
    assert any(how == "asserted" for _, how in classes)
    # a class is never reported both ways
    assert len({c for c, _ in classes}) == len(classes)
    assert [_local(r["value"]) for r in by_kind["mechanism"]] == ["blys-blockade"]
    assert "BLyS" in by_kind["mechanism"][0]["how"]
    assert [r["label"].split()[0] for r in by_kind["target"]] == ["TNFSF13B"]
    ids = {(r["label"], r["value"]) for r in by_kind["identifier"]}
    assert ("DrugBank", "DB08879") in ids and ("ATC", "L04AG04") in ids
    assert all(r["how"] for r in by_kind["identifier"])  # every identifier names its source
    trials = {_local(r["value"]) for r in by_kind["trial"]}
    assert trials >= {"NCT04893161", "NCT04660565", "NCT01670565"}
    assert "NCT05974683" not in trials  # the demo trial that gives no belimumab
    kinds = [r["kind"] for r in out]
    assert kinds.index("label") < kinds.index("class") < kinds.index("trial")


def test_brand_and_identifier_give_the_same_profile(demo_store) -> None:
    def key(rows_: list[dict]) -> list[tuple]:
        return sorted(tuple(str(x) for x in r.values()) for r in rows_)

    reference = key(_profile(demo_store, "belimumab"))
    assert key(_profile(demo_store, "Benlysta")) == reference
    assert key(_profile(demo_store, "drugbank:DB08879")) == reference


def test_other_drug_has_its_own_profile(demo_store) -> None:
    out = _profile(demo_store, "prednisone")
    assert {_local(r["value"]) for r in out if r["kind"] == "class"} >= {"Glucocorticoid"}
    assert "NCT04660565" in {_local(r["value"]) for r in out if r["kind"] == "trial"}
    assert "blys-blockade" not in {_local(r["value"]) for r in out if r["kind"] == "mechanism"}


def test_unknown_drug_is_a_parameter_error(demo_store) -> None:
    with pytest.raises(ParameterError, match="-p drug: no drug 'notarealumab'"):
        _profile(demo_store, "notarealumab")


def test_rows_equal_the_reference_query_for_every_drug(demo_store) -> None:
    """The shipped query is written for Oxigraph's join order (see its comments); the rows,
    in order, must stay those of the plain form it replaced, for every drug of the demo store."""
    from pathlib import Path

    from kg.query.limits import user_query

    reference = (Path(__file__).parent / "drug_profile_reference.rq").read_text(encoding="utf-8")
    shipped = get_query("drug-profile").text
    assert shipped != reference
    drugs = [row[0] for row in demo_store.query("SELECT ?d WHERE { ?d a kg:Drug } ORDER BY ?d")]
    assert len(drugs) > 3
    compared = 0
    for drug in drugs:
        def answer(text: str) -> list[tuple[str, ...]]:
            result = user_query(demo_store, text, {"drug": drug})
            return [tuple(str(x) for x in row) for row in result.bindings]

        expected = answer(reference)
        assert answer(shipped) == expected, drug
        compared += bool(expected)
    assert compared > 3  # the comparison saw drugs with facts, not only empty answers
