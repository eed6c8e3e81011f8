"""Query time limits: a runaway query is really stopped, and limited results equal in-process ones."""

from __future__ import annotations

import os
import time

import pytest
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import XSD

from kg.errors import QueryError, QueryTimeoutError
from kg.query.guard import AllowList
from kg.query.limits import DEFAULT_TIMEOUT, limited_query, resolve_timeout, run_with_limit, user_query
from kg.query.named import run_named
from kg.query.output import rows
from kg.store.memory import MemoryStore
from kg.store.oxigraph import OxigraphStore

# Every triple against every triple, four times over: ~1.5e17 rows on the demo store.
BOMB = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_resolve_timeout(monkeypatch) -> None:
    monkeypatch.delenv("KG_QUERY_TIMEOUT", raising=False)
    assert resolve_timeout() == DEFAULT_TIMEOUT == 30.0
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "4")
    assert resolve_timeout() == 4.0
    assert resolve_timeout(1.5) == 1.5  # the argument (CLI --timeout) wins over the environment
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(QueryError, match="positive"):
            resolve_timeout(bad)
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "soon")
    with pytest.raises(QueryError, match="KG_QUERY_TIMEOUT"):
        resolve_timeout()


def test_runaway_query_is_stopped_and_the_store_still_works(demo_store) -> None:
    before = len(demo_store)
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"stopped after 1\.5 s .*--timeout"):
        limited_query(demo_store, BOMB, timeout=1.5)
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 4.0
    assert len(demo_store) == before
    assert rows(run_named(demo_store, "trials", timeout=5).result)
    assert demo_store.query("ASK { ?s a kg:Trial }").askAnswer


def test_runaway_query_through_user_query_on_memory_store() -> None:
    store = MemoryStore()
    store.replace_graph(URIRef("urn:x-kg:g"), [(URIRef(f"urn:x-kg:s{i}"), URIRef("urn:x-kg:p"), Literal(i))
                                              for i in range(60)])
    with pytest.raises(QueryTimeoutError):
        user_query(store, BOMB, timeout=1.0, allow=AllowList())
    res = user_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=10, allow=AllowList())
    assert int(res.bindings[0][Variable("n")]) == 60


def test_killed_child_leaves_no_process(demo_store) -> None:
    import psutil

    me = psutil.Process()
    # Other children of the test process (idle query workers, the background build of the
    # shared-records store, which may have ended unwaited) are not this query's to judge.
    before = {c.pid for c in me.children()}
    with pytest.raises(QueryTimeoutError):
        limited_query(demo_store, BOMB, timeout=1.0)
    after = me.children()
    assert not [c for c in after if c.pid not in before and c.status() == psutil.STATUS_ZOMBIE]  # reaped
    assert {c.pid for c in after} <= before  # the process running the bomb is gone
    # and the store answers again, from a fresh worker
    assert limited_query(demo_store, "ASK { ?s ?p ?o }", timeout=10.0).askAnswer


@pytest.fixture(scope="module")
def small_store() -> OxigraphStore:
    store = OxigraphStore(None)
    s = URIRef("https://w3id.org/kg/id/x/1")
    store.replace_graph(URIRef("urn:x-kg:g"), [
        (s, URIRef("urn:x-kg:p"), Literal("plain \"quoted\"\n text")),
        (s, URIRef("urn:x-kg:p"), Literal("Text", lang="en")),
        (s, URIRef("urn:x-kg:p"), Literal("12", datatype=XSD.integer)),
        (s, URIRef("urn:x-kg:p"), Literal("2.5", datatype=XSD.decimal)),
        (s, URIRef("urn:x-kg:q"), BNode("b1")),
        (BNode("b1"), URIRef("urn:x-kg:p"), URIRef("urn:x-kg:o")),
    ])
    return store


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
        "SELECT ?o ?missing WHERE { ?s <urn:x-kg:p> ?o OPTIONAL { ?o <urn:x-kg:none> ?missing } } ORDER BY ?o",
        "ASK { ?s <urn:x-kg:q> ?o }",
        "ASK { ?s <urn:x-kg:none> ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_limited_result_equals_in_process_result(small_store, query: str) -> None:
    direct = small_store.query(query)
    limited = limited_query(small_store, query, timeout=10)
    assert limited.type == direct.type
    if direct.type == "SELECT":
        assert limited.vars == direct.vars
        assert [dict(r) for r in limited.bindings] == [dict(r) for r in direct.bindings]
    elif direct.type == "ASK":
        assert limited.askAnswer is direct.askAnswer
    else:
        assert len(limited.graph) == len(direct.graph) == 6
        assert set(limited.graph) == set(direct.graph)


def test_bad_query_in_the_child_is_a_one_line_query_error(small_store) -> None:
    with pytest.raises(QueryError, match="malformed query") as err:
        limited_query(small_store, "SELECT ?x WHERE { ?x ", timeout=5)
    assert "\n" not in str(err.value)


def test_run_with_limit_reports_errors_and_a_dead_child() -> None:
    def boom() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        run_with_limit(boom, 5)
    with pytest.raises(QueryError, match="ended without an answer"):
        run_with_limit(lambda: os._exit(7), 5)
    with pytest.raises(QueryError, match="ended without an answer .exit status -9"):
        run_with_limit(lambda: os.kill(os.getpid(), 9), 5)


def test_named_queries_run_under_the_limit_from_the_environment(demo_store, monkeypatch) -> None:
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "0.000001")
    with pytest.raises(QueryTimeoutError):
        run_named(demo_store, "trials")
    monkeypatch.delenv("KG_QUERY_TIMEOUT")
    assert len(rows(run_named(demo_store, "trials").result)) == 4


def test_overhead_of_the_limit_is_small(demo_store) -> None:
    """Measured, not tuned: forking the child costs a few tens of milliseconds."""
    query = "SELECT ?t WHERE { ?t a kg:Trial } ORDER BY ?t"
    limited_query(demo_store, query, timeout=10)  # warm up
    n = 10
    t0 = time.perf_counter()
    for _ in range(n):
        demo_store.query(query)
    t1 = time.perf_counter()
    for _ in range(n):
        limited_query(demo_store, query, timeout=10)
    t2 = time.perf_counter()
    overhead = ((t2 - t1) - (t1 - t0)) / n
    print(f"time-limit overhead per query: {overhead * 1000:.1f} ms")
    assert overhead < 0.25

