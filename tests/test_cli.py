"""Every CLI verb, run as a user would (through click's runner and as a real subprocess)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store"
    result = CliRunner().invoke(cli, ["build", "--store", str(path), "-q"], obj={})
    assert result.exit_code == 0, result.output
    assert "trials" in result.output
    return path


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), obj={}, input=input)


def test_build_prints_summary(store_dir: Path) -> None:
    res = run("build", "--store", str(store_dir), "-q")
    assert res.exit_code == 0
    assert "records read" in res.output and "triples added        0" in res.output


def test_query_json_is_a_list_of_objects(store_dir: Path) -> None:
    res = run("query", "trials", "--store", str(store_dir), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data) == 4 and {"id", "title", "conditions", "interventions", "sponsor", "phase", "status",
                               "sources"} <= set(data[0])


@pytest.mark.parametrize("fmt,delim", [("csv", ","), ("tsv", "\t")])
def test_query_delimited(store_dir: Path, fmt: str, delim: str) -> None:
    res = run("query", "criteria", "-p", "trial", "NCT04893161", "--store", str(store_dir), "--format", fmt)
    assert res.exit_code == 0, res.output
    table = list(csv.reader(io.StringIO(res.output), delimiter=delim))
    assert table[0][:4] == ["polarity", "order", "parent", "text"]
    assert len(table) > 10


def test_query_table(store_dir: Path) -> None:
    res = run("query", "trials", "--store", str(store_dir))
    assert res.exit_code == 0 and "NCT05974683" in res.output


def test_queries_lists_names_and_parameters() -> None:
    res = run("queries")
    assert res.exit_code == 0 and "trials" in res.output and "criteria" in res.output and "trial" in res.output


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml", "table"])
def test_sparql_select_formats(store_dir: Path, fmt: str) -> None:
    q = "SELECT ?id WHERE { ?t kg:nctId ?id } ORDER BY ?id"
    res = run("sparql", "-", "--store", str(store_dir), "--format", fmt, input=q)
    assert res.exit_code == 0, res.output
    assert "NCT01670565" in res.output
    if fmt == "json":
        doc = json.loads(res.output)
        assert doc["head"]["vars"] == ["id"] and len(doc["results"]["bindings"]) == 4
    if fmt == "tsv":
        assert res.output.splitlines()[0] == "?id" and res.output.splitlines()[1] == '"NCT01670565"'


def test_sparql_ask_and_construct(store_dir: Path, tmp_path: Path) -> None:
    res = run("sparql", "-", "--store", str(store_dir), "--format", "json", input="ASK { ?t a kg:Trial }")
    assert json.loads(res.output)["boolean"] is True
    qf = tmp_path / "c.rq"
    qf.write_text("CONSTRUCT { ?t kg:nctId ?id } WHERE { ?t kg:nctId ?id }")
    res = run("sparql", str(qf), "--store", str(store_dir), "--format", "nt")
    assert res.exit_code == 0 and res.output.count("\n") == 4
    from rdflib import Graph

    g = Graph().parse(data=run("sparql", str(qf), "--store", str(store_dir), "--format", "turtle").output,
                      format="turtle")
    assert len(g) == 4


def test_bad_query_is_one_line_and_non_zero(store_dir: Path) -> None:
    res = run("sparql", "-", "--store", str(store_dir), input="SELECT WHERE {")
    assert res.exit_code == 1
    assert res.output.strip().startswith("error:") or "error" in res.output
    res = run("query", "nope", "--store", str(store_dir))
    assert res.exit_code == 1 and "no query named" in res.output


def test_missing_store_error(tmp_path: Path) -> None:
    res = run("query", "trials", "--store", str(tmp_path / "none"))
    assert res.exit_code == 1 and "kg build" in res.output


def test_partial_build_exit_status(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.json").write_text(json.dumps({"kg_record": 1, "nct_id": "NCT00000009", "title": "Fine"}))
    (src / "bad.json").write_text('{"kg_record": 1, "nct_id": "NCT00000010", "design": {"enrollment": "lots"}}')
    res = run("build", str(src), "--store", str(tmp_path / "s"), "-q")
    assert res.exit_code == 3, res.output
    assert "partial build" in res.output and "design.enrollment" in res.output


def test_console_script_and_debug_traceback(store_dir: Path) -> None:
    exe = Path(sys.executable).with_name("kg")
    if not exe.exists():
        pytest.skip("console script not installed")
    ok = subprocess.run([exe, "query", "trials", "--store", store_dir, "--format", "json"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and len(json.loads(ok.stdout)) == 4
    bad = subprocess.run([exe, "query", "criteria", "--store", store_dir], capture_output=True, text=True)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    dbg = subprocess.run([exe, "--debug", "query", "criteria", "--store", store_dir], capture_output=True,
                         text=True)
    assert dbg.returncode == 1 and "Traceback" in dbg.stderr


def test_demo_builds_and_answers_headline_queries(tmp_path: Path) -> None:
    res = run("demo", "--store", str(tmp_path / "s"))
    assert res.exit_code == 0, res.output
    assert "kg query trials" in res.output and "kg query criteria -p trial NCT04660565" in res.output
    assert "kg query conflicting-exclusions" in res.output and "washout" in res.output
    assert "kg query comparable-trials -p trial NCT04893161" in res.output
    assert "kg query exclusions-of-drug -p drug rituximab" in res.output


def test_headline_queries_through_the_cli(store_dir: Path) -> None:
    res = run("query", "conflicting-exclusions", "-p", "trial", "NCT04893161", "--store", str(store_dir),
              "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {(r["kind"], r["trialB"]) for r in rows} >= {("washout", "NCT04660565"), ("required-excluded", "NCT05974683")}
    res = run("query", "comparable-trials", "-p", "trial", "NCT04893161", "-p", "limit", "2", "--store",
              str(store_dir), "--format", "csv")
    table = list(csv.reader(io.StringIO(res.output)))
    assert res.exit_code == 0 and len(table) == 3 and table[0][:3] == ["other", "title", "score"]
    bad = run("query", "comparable-trials", "-p", "trial", "NCT04893161", "-p", "limit", "many", "--store",
              str(store_dir))
    assert bad.exit_code != 0 and "positive integer" in bad.output


def test_query_refuses_a_view(store_dir: Path) -> None:
    res = run("query", "conflicts-network", "--store", str(store_dir))
    assert res.exit_code != 0 and "kg export conflicts-network" in res.output


@pytest.mark.parametrize("content", [None, b"\x00\x01 not a record"], ids=["empty-folder", "unknown-file"])
def test_build_of_sources_without_a_record_warns_and_exits_4(tmp_path: Path, content: bytes | None) -> None:
    src = tmp_path / "in"
    src.mkdir()
    if content is not None:
        (src / "notes.bin").write_bytes(content)
    res = run("build", str(src), "--store", str(tmp_path / "s"), "-q")
    assert res.exit_code == 4, res.output
    assert "no readable record in" in res.output and "nothing was written" in res.output
    assert ("notes.bin: content matches no supported input format" in res.output) == (content is not None)
    assert "records read" not in res.output  # no summary of a build that did not happen


def _kg(*args: str | Path, **kw):  # type: ignore[no-untyped-def]
    exe = Path(sys.executable).with_name("kg")
    if not exe.exists():
        pytest.skip("console script not installed")
    return subprocess.Popen([exe, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_a_store_a_build_holds_is_refused_with_one_plain_line(tmp_path: Path) -> None:
    store = tmp_path / "s"
    # A real `kg build` (piped, so it logs progress lines): once it logs, it holds the store.
    build = _kg("build", "--store", store, "--progress-every", "0.2")
    try:
        first = build.stderr.readline()  # type: ignore[union-attr]
        assert first.startswith("kg build: ") and "records read" in first and "elapsed" in first, first
        query_file = tmp_path / "q.rq"
        query_file.write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        for args in (["build", "--store", str(store), "-q"], ["query", "trials", "--store", str(store)],
                     ["sparql", str(query_file), "--store", str(store)]):
            res = run(*args)
            assert res.exit_code == 1, (args, res.output)
            assert res.output.count("\n") == 1 and "another kg build holds this store" in res.output, res.output
            assert str(store) in res.output and "LOCK" not in res.output and "IO error" not in res.output
        reader = _kg("query", "trials", "--store", store)
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 1 and out == "", err
        assert err.strip().count("\n") == 0 and "another kg build holds this store" in err, err
    finally:
        build.kill()
        build.communicate()


def test_a_pair_is_two_trial_parameters_as_the_issue_writes_it(store_dir: Path) -> None:
    """`trial-overlap -p trial A -p trial B` reads the second as `-p other B`; elsewhere a parameter
    given twice is an error, not a silent last-one-wins."""
    pair = run("query", "trial-overlap", "--store", str(store_dir), "--format", "json",
               "-p", "trial", "NCT04893161", "-p", "trial", "NCT05974683")
    named = run("query", "trial-overlap", "--store", str(store_dir), "--format", "json",
                "-p", "trial", "NCT04893161", "-p", "other", "NCT05974683")
    assert pair.exit_code == 0, pair.output
    assert json.loads(pair.output) == json.loads(named.output) != []
    twice = run("query", "criteria", "--store", str(store_dir), "-p", "trial", "NCT04893161",
                "-p", "trial", "NCT05974683")
    assert twice.exit_code != 0 and "given twice" in twice.output
