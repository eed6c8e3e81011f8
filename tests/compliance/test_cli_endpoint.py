"""The CLI on a server engine: ``kg push URL`` fills it, ``kg query --endpoint`` and ``kg sparql
--endpoint`` read it through the same guard and binding as the store."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import cli
from kg.push.servers import start_oxigraph
from kg.store.endpoint import EndpointStore


def test_push_then_query_the_endpoint(demo_store, tmp_path) -> None:
    server = start_oxigraph(tmp_path / "data")
    try:
        runner = CliRunner()
        pushed = runner.invoke(cli, ["push", server.base, "--store", str(demo_store.path)])
        assert pushed.exit_code == 0, pushed.output
        assert f"pushed {len(demo_store):,} quads to oxigraph" in pushed.output and "triples/s" in pushed.output
        assert len(EndpointStore(server.query_url)) == len(demo_store)
        got = runner.invoke(cli, ["query", "criteria", "-p", "trial", "NCT04660565", "--format", "json",
                                  "--endpoint", server.query_url])
        assert got.exit_code == 0, got.output
        rows = json.loads(got.output)
        assert len(rows) > 10 and {r["polarity"] for r in rows} == {"inclusion", "exclusion"}
        counted = runner.invoke(cli, ["sparql", "-", "--format", "csv", "--endpoint", server.query_url],
                                input="SELECT (COUNT(*) AS ?n) WHERE { ?t a kg:Trial }")
        assert counted.exit_code == 0 and counted.output.split() == ["n", "4"], counted.output
        # the guard runs before the request: an update never reaches the server
        refused = runner.invoke(cli, ["sparql", "-", "--endpoint", server.query_url], input="DROP ALL")
        assert refused.exit_code != 0 and len(EndpointStore(server.query_url)) == len(demo_store)
    finally:
        server.stop()


def test_an_unreachable_endpoint_is_a_one_line_error() -> None:
    got = CliRunner().invoke(cli, ["query", "trials", "--endpoint", "http://127.0.0.1:9/sparql"])
    assert got.exit_code != 0 and "no server answers" in got.output


def test_virtuoso_graph_store_protocol_push_sends_the_same_quads(virtuoso_server, demo_store) -> None:
    """Without isql access the push goes per named graph over HTTP; the server already holds the
    demo store (bulk-loaded), so the same quads again must leave its count unchanged: nothing
    lost, nothing written differently (a changed literal would be a new triple)."""
    from kg.push import push

    report = push(demo_store, virtuoso_server.base, engine="auto")
    assert report.method.startswith("graph store protocol") and report.quads == len(demo_store)
    assert len(EndpointStore(virtuoso_server.query_url)) == len(demo_store)
