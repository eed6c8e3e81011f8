"""The `kg views` and `kg export` command objects, run through click's test runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, URIRef

from kg.export.commands import export_cmd, views_cmd


def test_views_lists_each_view_with_its_parameters():
    result = CliRunner().invoke(views_cmd, [])
    assert result.exit_code == 0, result.output
    assert "trial-neighbourhood" in result.output and "-p trial (trial, required)" in result.output
    assert "whole-graph" in result.output and "conflicts-network" in result.output


def test_export_writes_the_file_and_reports_its_size(tmp_path):
    from kg.store.oxigraph import OxigraphStore

    from .conftest import small_graph

    store_dir = tmp_path / "store"
    with OxigraphStore(store_dir) as store:
        store.replace_graph(URIRef("https://w3id.org/kg/graph/record/test/cli"), small_graph())
    out = tmp_path / "n.ttl"
    runner = CliRunner()
    result = runner.invoke(export_cmd, ["trial-neighbourhood", "-p", "trial", "NCT90000001", "--store",
                                        str(store_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{out}: ttl," in result.output
    assert len(Graph().parse(out)) > 10

    empty_dir = tmp_path / "empty"
    OxigraphStore(empty_dir).close()
    empty = runner.invoke(export_cmd, ["whole-graph", "--store", str(empty_dir), "-o", str(tmp_path / "e.nt")])
    assert empty.exit_code == 0 and "is empty" in empty.output
    assert (tmp_path / "e.nt").read_text(encoding="utf-8").strip() == ""

    bad = runner.invoke(export_cmd, ["trial-neighbourhood", "--store", str(store_dir), "-o", str(tmp_path / "x.ttl")])
    assert bad.exit_code != 0 and "needs -p trial" in str(bad.exception)
    assert not Path(tmp_path / "x.ttl").exists()

    unknown = runner.invoke(export_cmd, ["conflicts-network", "--store", str(store_dir), "-o", str(tmp_path / "x.pdf")])
    assert unknown.exit_code != 0 and "cannot tell the format" in str(unknown.exception)
