"""Federated queries: `kg sparql` with SERVICE to a real Oxigraph server on 127.0.0.1 (PyPI
package `oxigraph`) serving a Disease Ontology slice from ../shared; endpoints off the
allow-list are refused before any connection is made."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.link import graph, prefixes
from kg.link.terms import load, to_rdf
from tests.conftest import shared_path

SLICES = (("doid", "DO_rare_slim.obo"), ("doid", "DO_NCIthesaurus_subset.obo"))

QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg: <https://w3id.org/kg/ontology#>
SELECT DISTINCT ?condition ?term ?label WHERE {
  ?condition a kg:Condition ; skos:exactMatch ?term .
  FILTER(STRSTARTS(STR(?term), "http://purl.obolibrary.org/obo/DOID_")
         || STRSTARTS(STR(?term), "http://purl.obolibrary.org/obo/MONDO_"))
  SERVICE <%s> { ?term rdfs:label ?label }
}"""


def _oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"  # the venv's console script
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def slice_terms():  # type: ignore[no-untyped-def]
    return load([shared_path("data", "ontologies", *parts) for parts in SLICES])


@pytest.fixture(scope="module")
def endpoint(slice_terms, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """URL of the SPARQL query endpoint of an `oxigraph serve-read-only` on 127.0.0.1 holding
    the slice (converted to RDF and loaded here; nothing is committed)."""
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install -e '.[test]')")
    work = tmp_path_factory.mktemp("oxigraph")
    data = work / "slice.nt"
    to_rdf(slice_terms.values()).serialize(data, format="nt", encoding="utf-8")
    loaded = subprocess.run([binary, "load", "--location", str(work / "db"), "--file", str(data)],
                            capture_output=True, text=True, timeout=300)
    if loaded.returncode != 0:
        pytest.skip(f"oxigraph cannot load the slice: {loaded.stderr.strip()[-300:]}")
    port = _free_port()
    proc = subprocess.Popen([binary, "serve-read-only", "--location", str(work / "db"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.skip(f"oxigraph serve did not start: {proc.stderr.read().strip()[-300:]}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip("oxigraph serve did not listen within 30 s")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _sparql(store_dir: Path, query_file: Path, *args: str):  # type: ignore[no-untyped-def]
    from kg.cli import cli

    return CliRunner().invoke(cli, ["sparql", str(query_file), "--store", str(store_dir), *args], obj={})


def test_service_joins_kg_conditions_with_the_served_slice(endpoint: str, slice_terms, linked_store_dir: Path,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KG_ALLOW", raising=False)
    q = tmp_path / "federated.rq"
    q.write_text(QUERY % endpoint, encoding="utf-8")
    res = _sparql(linked_store_dir, q, "--allow", endpoint.removesuffix("query"), "--format", "json")
    assert res.exit_code == 0, (res.output, res.exception)
    got = {(b["condition"]["value"], b["term"]["value"], b["label"]["value"])
           for b in json.loads(res.output)["results"]["bindings"]}
    # expected: the curated condition links whose term the served slice has, with its label there
    expected = set()
    for m in graph.curated_mappings():
        term = slice_terms.get(m.object_id)
        if m.subject_id.startswith("kgid:condition/") and m.predicate_id == "skos:exactMatch" and term and term.label:
            expected.add((prefixes.expand(m.subject_id), prefixes.expand(m.object_id), term.label))
    assert len(expected) >= 4
    assert got == expected
    assert ("https://w3id.org/kg/id/condition/igg4-related-disease", "http://purl.obolibrary.org/obo/DOID_0080356",
            "IgG4-related disease") in got


def test_service_off_the_allow_list_is_refused_without_connecting(endpoint: str, linked_store_dir: Path,
                                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listener on 127.0.0.1 that nothing is allowed to reach: the refused query leaves it
    untouched (no pending connection); allowing it makes kg connect, so the check can fail."""
    from kg.errors import QueryRefusedError

    monkeypatch.delenv("KG_ALLOW", raising=False)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        other = f"http://127.0.0.1:{listener.getsockname()[1]}/query"
        q = tmp_path / "elsewhere.rq"
        q.write_text(QUERY % other, encoding="utf-8")

        for allow in ((), ("--allow", endpoint.removesuffix("query"))):
            res = _sparql(linked_store_dir, q, *allow)
            assert res.exit_code == QueryRefusedError.exit_code, (res.output, res.exception)
            assert f"SERVICE <{other}> is not on the allow-list" in res.output
            with pytest.raises(BlockingIOError):
                listener.accept()

        # the control: once allowed, kg does open a connection to it (and gives up at the time limit)
        res = _sparql(linked_store_dir, q, "--allow", other, "--timeout", "3")
        assert res.exit_code != 0 and "allow-list" not in res.output
        conn, _ = listener.accept()
        conn.close()
