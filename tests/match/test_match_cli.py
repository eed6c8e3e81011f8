"""``kg match``: the three output formats, -p trial, --as-of, --limit, and errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal

from kg import vocab as V
from kg.cli import cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "patient-igg4.json"
FHIR = REPO / "tests" / "fixtures" / "patients" / "fhir-bundle.json"


@pytest.fixture(autouse=True)
def _no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))


def run(demo_store, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["match", *args, "--store", str(demo_store.path)], obj={})


def test_json_ranks_every_demo_trial(demo_store) -> None:  # type: ignore[no-untyped-def]
    res = run(demo_store, str(EXAMPLE), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["patient"] == "igg4-example" and out["asOf"] == "2026-12-01"
    assert len(out["trials"]) == 4
    scores = [t["score"] for t in out["trials"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    by = {t["trial"]: t for t in out["trials"]}
    # MMF stopped 56 days before: the 12-week rule; IgG 3.5 g/L = 350 mg/dL would exclude from the SLE trial too
    assert by["NCT04660565"]["verdict"] == "excluded"
    assert [e["order"] for e in by["NCT04660565"]["excludedBy"]] == [6]
    assert any("igg 350 mg/dL" in e["because"] for e in by["NCT04893161"]["excludedBy"])


def test_as_of_moves_the_window(demo_store) -> None:  # type: ignore[no-untyped-def]
    res = run(demo_store, str(EXAMPLE), "-p", "trial", "NCT04660565", "--as-of", "2027-01-15", "--format", "json")
    assert res.exit_code == 0, res.output
    (t,) = json.loads(res.output)["trials"]
    assert t["verdict"] == "eligible", t["excludedBy"]


def test_table_with_one_trial_lists_its_criteria(demo_store) -> None:  # type: ignore[no-untyped-def]
    res = run(demo_store, str(EXAMPLE), "-p", "trial", "NCT04660565")
    assert res.exit_code == 0, res.output
    assert "NCT04660565: excluded" in res.output
    assert "within 84 days" in res.output and "medications[1]" in res.output


def test_turtle_is_an_assessment_graph(demo_store) -> None:  # type: ignore[no-untyped-def]
    res = run(demo_store, str(EXAMPLE), "--format", "ttl", "--limit", "2")
    assert res.exit_code == 0, res.output
    g = Graph().parse(data=res.output, format="turtle")
    assessments = set(g.subjects(V.verdict, None))
    assert len(assessments) == 2
    excluded = [a for a in assessments if g.value(a, V.verdict) == Literal("excluded")]
    assert excluded
    crits = list(g.objects(excluded[0], V.hasCriterionAssessment))
    assert any(g.value(c, V.matchStatus) == Literal("met") and g.value(c, V.decidedBy) is not None for c in crits)


def test_fhir_patient(demo_store) -> None:  # type: ignore[no-untyped-def]
    res = run(demo_store, str(FHIR), "-p", "trial", "NCT04660565", "--as-of", "2026-12-01", "--format", "json")
    assert res.exit_code == 0, res.output
    (t,) = json.loads(res.output)["trials"]
    assert t["verdict"] == "excluded"
    assert sorted(e["order"] for e in t["excludedBy"]) == [4, 6]  # colon cancer 2023, MMF until 8 weeks ago


def test_unknown_trial_and_bad_date_are_one_line_errors(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = run(demo_store, str(EXAMPLE), "-p", "trial", "NCT00000000")
    assert res.exit_code == 1 and "no trial NCT00000000" in res.output
    res = run(demo_store, str(EXAMPLE), "--as-of", "soon")
    assert res.exit_code == 1 and "--as-of" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"conditions": [{"name": "SLE", "onset": "2020-02-30"}]}))
    res = run(demo_store, str(bad))
    assert res.exit_code == 1 and "field conditions[0].onset" in res.output
