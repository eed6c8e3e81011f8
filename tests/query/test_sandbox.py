"""The query sandbox below the guard: no network in the query child, no child outliving kg, FROM selects graphs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from rdflib import Literal, URIRef, Variable

from kg.errors import QueryError, QueryRefusedError
from kg.query import limits
from kg.query.guard import AllowList
from kg.query.limits import engine_syntax_error, limited_query, run_with_limit, user_query
from kg.store.memory import MemoryStore
from kg.store.oxigraph import OxigraphStore
from tests.security.listener import Listener, listener  # noqa: F401 - fixture

BOMB = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _connect(port: int) -> str:
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
        except OSError as exc:
            return f"refused: {exc.strerror}"
    return "connected"


def _settle(ln: Listener) -> int:
    time.sleep(0.3)
    return ln.connections


def test_the_query_child_has_no_network(listener: Listener) -> None:  # noqa: F811
    assert run_with_limit(lambda: _connect(listener.port), 10).startswith("refused")
    assert _settle(listener) == 0
    # the control: the same child with the network kept does connect
    assert run_with_limit(lambda: _connect(listener.port), 10, network=True) == "connected"
    assert _settle(listener) == 1


def test_a_service_that_reaches_the_engine_connects_nowhere(listener: Listener) -> None:  # noqa: F811
    """The guard bypassed on purpose (no ``allow``): the SERVICE reaches Oxigraph in the sandboxed child."""
    store = OxigraphStore(None)
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(QueryError, match="query failed"):
        limited_query(store, query, timeout=10)
    assert _settle(listener) == 0
    # issue 19's bypass, straight to the executor as well (a triple to join with, so SERVICE runs)
    store.replace_graph(URIRef("urn:x-kg:g"), [(URIRef("urn:x-kg:s"), URIRef("urn:x-kg:order"), Literal(1))])
    with pytest.raises(QueryError):
        limited_query(store, f"SELECT * WHERE {{ ?s ?p 1SERVICE <{listener.url}/x> {{ ?s ?p ?o }} }}", timeout=10)
    assert _settle(listener) == 0


def test_an_allowed_service_keeps_the_network(listener: Listener) -> None:  # noqa: F811
    store = OxigraphStore(None)
    with pytest.raises(QueryError):  # the listener answers nothing useful
        user_query(store, f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}", timeout=5,
                   allow=AllowList.parse(listener.url))
    assert _settle(listener) == 1


def test_issue_19_bypass_is_refused_and_connects_nowhere(listener: Listener) -> None:  # noqa: F811
    store = OxigraphStore(None)
    query = f"SELECT * WHERE {{ ?s <urn:x-kg:order> 1SERVICE <{listener.url}/x> {{ ?s ?p ?o }} }}"
    with pytest.raises(QueryRefusedError, match="not on the allow-list"):
        user_query(store, query, timeout=5, allow=AllowList())
    assert _settle(listener) == 0


def test_without_a_sandbox_queries_mentioning_service_are_refused(monkeypatch, listener: Listener) -> None:  # noqa: F811
    """Where the network cannot be taken away, kg runs only text with no SERVICE in it, and says so."""
    monkeypatch.setattr(limits, "_cut_network", lambda: "simulated: no namespaces here")
    store = OxigraphStore(None)
    with pytest.raises(QueryRefusedError, match="cannot run a query without network .simulated"):
        user_query(store, 'SELECT * WHERE { ?s ?p "SERVICE" }', timeout=5, allow=AllowList())
    assert user_query(store, "ASK { ?s ?p ?o }", timeout=5, allow=AllowList()).askAnswer is False
    assert engine_syntax_error("SELECT * WHERE {") is None  # the engine is not even asked
    assert _settle(listener) == 0


def test_engine_syntax_error_is_oxigraphs_one_line() -> None:
    assert engine_syntax_error("SELECT * WHERE { ?s ?p ?o }") is None
    reason = engine_syntax_error("SELECT * WHERE { ?s ?p }")
    assert reason is not None and reason.startswith("error at 1:") and "\n" not in reason


def test_without_root_a_user_namespace_takes_the_network(listener: Listener) -> None:  # noqa: F811
    """CLONE_NEWUSER|CLONE_NEWNET for a user without CAP_SYS_ADMIN (run here as 'nobody')."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become another user for the test")
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                out = run_with_limit(lambda: _connect(listener.port), 10, require_offline=True)
            except QueryRefusedError as exc:
                out = f"refused to run: {exc}"
            os.write(write_fd, out.encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    out = os.read(read_fd, 4096).decode()
    os.close(read_fd)
    os.waitpid(pid, 0)
    assert out.startswith("refused"), out
    assert _settle(listener) == 0


# -- no query child outlives kg -------------------------------------------------------------------
@pytest.fixture(scope="module")
def busy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("busy") / "store"
    with OxigraphStore(path) as store:
        store.replace_graph(URIRef("https://w3id.org/kg/graph/busy"),
                            [(URIRef(f"urn:x-kg:s{i}"), URIRef("urn:x-kg:p"), Literal(i)) for i in range(400)])
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_killing_kg_kills_its_query_child(busy_store: Path, tmp_path: Path, sig: signal.Signals) -> None:
    query = tmp_path / "bomb.rq"
    query.write_text(BOMB, encoding="utf-8")
    kg = subprocess.Popen([sys.executable, "-m", "kg.cli", "sparql", str(query), "--store", str(busy_store),
                           "--timeout", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          # a runner under nohup passes SIGHUP ignored to its children: restore kg's default
                          preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    children: list[psutil.Process] = []
    try:
        parent = psutil.Process(kg.pid)
        deadline = time.monotonic() + 30
        while not children and time.monotonic() < deadline:
            children = parent.children()
            time.sleep(0.05)
        assert children, "kg sparql started no query child"
        time.sleep(0.3)  # the child is evaluating
        assert children[0].is_running()
        kg.send_signal(sig)
        kg.wait(10)
        gone, alive = psutil.wait_procs(children, timeout=5)
        assert not alive, f"query child outlived kg after {sig.name}"
    finally:
        if kg.poll() is None:
            kg.kill()
            kg.wait()
        for child in children:  # leave nothing behind even when the test fails
            if child.is_running():
                child.kill()


# -- FROM / FROM NAMED select graphs of the store --------------------------------------------------
G1, G2 = URIRef("https://w3id.org/kg/graph/one"), URIRef("https://w3id.org/kg/graph/two")


def _fill(store) -> None:  # type: ignore[no-untyped-def]
    store.replace_graph(G1, [(URIRef("urn:x-kg:a"), URIRef("urn:x-kg:p"), Literal(1))])
    store.replace_graph(G2, [(URIRef("urn:x-kg:b"), URIRef("urn:x-kg:p"), Literal(2)),
                             (URIRef("urn:x-kg:c"), URIRef("urn:x-kg:p"), Literal(3))])


@pytest.mark.parametrize("make", [lambda: OxigraphStore(None), MemoryStore], ids=["oxigraph", "memory"])
def test_from_selects_the_named_graphs(make) -> None:  # type: ignore[no-untyped-def]
    store = make()
    _fill(store)
    count = "SELECT (COUNT(*) AS ?n) {} WHERE { ?s ?p ?o }"

    def n(dataset: str) -> int:
        res = user_query(store, count.replace("{}", dataset), timeout=10, allow=AllowList())
        return int(res.bindings[0][Variable("n")])

    assert n("") == 3  # no dataset clause: the union of all graphs
    assert n(f"FROM <{G1}>") == 1
    assert n(f"FROM <{G2}>") == 2
    assert n("FROM kggraph:one FROM kggraph:two") == 3
    named = user_query(store, f"SELECT ?g ?s FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?s",
                       timeout=10, allow=AllowList())
    assert [(str(r[Variable("g")]), str(r[Variable("s")])) for r in named.bindings] == [
        (str(G2), "urn:x-kg:b"), (str(G2), "urn:x-kg:c")]


def test_kg_sparql_answers_from_the_graph_named_in_from(tmp_path: Path) -> None:
    """Issue 19: `kg sparql` with FROM answered from all quads; now from that graph only."""
    from click.testing import CliRunner

    from kg.cli import cli

    with OxigraphStore(tmp_path / "store") as store:
        _fill(store)
    query = tmp_path / "from.rq"
    for dataset, expected in (("", 3), (f"FROM <{G1}>", 1), (f"FROM <{G2}>", 2)):
        query.write_text(f"SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}", encoding="utf-8")
        res = CliRunner().invoke(cli, ["sparql", str(query), "--store", str(tmp_path / "store"), "--format", "csv"])
        assert res.exit_code == 0, res.output
        assert res.output.split() == ["n", str(expected)], (dataset, res.output)
