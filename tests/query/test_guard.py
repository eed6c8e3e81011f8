"""The query guard: updates, SERVICE and FROM are refused before the store sees them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from kg.errors import QueryError, QueryRefusedError
from kg.query.guard import AllowList, check_query, lex
from kg.query.limits import user_query
from kg.store.memory import MemoryStore
from kg.store.oxigraph import OxigraphStore

NONE = AllowList()
OK = AllowList.parse("http://ok.example/")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "SELECT * WHERE { SERVICE <http://ok.example/sparql> { ?s ?p ?o } }",
        "PREFIX ex: <http://ok.example/> SELECT * WHERE { SERVICE SILENT ex:s { ?s ?p ?o } }",
        "SELECT * FROM kggraph:drugs WHERE { ?s ?p ?o }",  # a graph of the local store
        "SELECT * FROM NAMED <https://w3id.org/kg/graph/drugs> WHERE { GRAPH ?g { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "SERVICE <http://evil.example/> { }" }',
        "SELECT * WHERE { ?s ?p '''FROM <http://evil.example/>\nLOAD''' }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil.example/> { }",
        "SELECT * WHERE { ?s kg:fromDate ?o ; kg:serviceLevel ?l }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    ],
)
def test_allowed(query: str) -> None:
    check_query(query, OK)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }", "SERVICE <http://evil.example/> is not on"),
        ("SELECT * WHERE { SERVICE <http://ok.example.evil/> { ?s ?p ?o } }", "not on the allow-list"),
        ("PREFIX ex: <http://evil.example/> SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE SILENT ex:q "
         "{ ?s ?p ?o } } } } }", "SERVICE <http://evil.example/q>"),
        ("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", "SERVICE ?where"),
        ("PREFIX : <http://evil.example/> SELECT * WHERE { SERVICE:svc { ?s ?p ?o } }", "evil.example/svc"),
        ("PREFIX e: <http://evil.example/> SELECT * WHERE { SERVICEe:svc { ?s ?p ?o } }", "cannot verify"),
        ("SELECT * WHERE { ?s ?p ?o .SERVICE<http://evil.example/>{} }", "not on the allow-list"),
        ("BASE <http://evil.example/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", "evil.example/sparql"),
        ("SELECT * WHERE { SERVICE <http\\u003A//evil.example/> { ?s ?p ?o } }", "<http://evil.example/>"),
        ("SELECT * FROM <http://evil.example/data> WHERE { ?s ?p ?o }", "FROM <http://evil.example/data>"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM <file:///etc/passwd>"),
        ("SELECT * FROM NAMED <http://evil.example/g> WHERE { ?s ?p ?o }", "FROM NAMED"),
        ("LOAD <http://evil.example/data.ttl>", "LOAD is SPARQL Update"),
        ("load <file:///etc/hostname> INTO GRAPH <urn:x>", "LOAD is SPARQL Update"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT is SPARQL Update"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("DROP ALL", "DROP"),
        ("CLEAR DEFAULT", "CLEAR"),
        ("CREATE GRAPH <urn:g>", "CREATE"),
        ("COPY DEFAULT TO <urn:g>", "COPY"),
        ("MOVE DEFAULT TO <urn:g>", "MOVE"),
        ("ADD DEFAULT TO <urn:g>", "ADD"),
        # rdflib cannot parse LATERAL (Oxigraph can): the lexer still finds the SERVICE.
        ("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { SERVICE <http://evil.example/> { ?s ?q ?x } } } }",
         "SERVICE <http://evil.example/>"),
        ("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { SERVICE ?v { ?s ?q ?x } } } }", "SERVICE ?v"),
    ],
)
def test_refused(query: str, message: str) -> None:
    with pytest.raises(QueryRefusedError, match=message.replace("?", r"\?").replace(".", r"\.")):
        check_query(query, OK)


def test_star_allows_variables_and_anything() -> None:
    check_query("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", AllowList.parse("*"))
    check_query("SELECT * FROM <http://anywhere.example/> WHERE { ?s ?p ?o }", AllowList.parse("*"))
    with pytest.raises(QueryRefusedError, match="Update"):
        check_query("DROP ALL", AllowList.parse("*"))


def test_rdflib_unparsable_query_with_allowed_service_passes() -> None:
    check_query("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { SERVICE <http://ok.example/s> "
                "{ ?s ?q ?x } } } }", OK)
    check_query("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { ?s ?q ?x } LIMIT 1 } }", NONE)


def test_allow_list_sources_and_boundaries() -> None:
    allow = AllowList.from_env("http://b.example/", environ={"KG_ALLOW": "http://a.example/sparql  http://c.example"})
    assert allow.prefixes == ("http://a.example/sparql", "http://c.example", "http://b.example/")
    assert allow.permits("http://a.example/sparql")
    assert allow.permits("http://a.example/sparql?x=1")
    assert not allow.permits("http://a.example/sparqlx")
    assert allow.permits("http://c.example/any")
    assert not allow.permits("http://c.example.evil/")
    assert not AllowList.from_env(environ={}).permits("http://a.example/")


def test_lexer_keeps_strings_iris_and_comments_whole() -> None:
    toks = lex('SELECT ?x WHERE { <http://e/#SERVICE> ex:a\\#b "SERVICE \\" FROM" . } # SERVICE\rLIMIT 1').tokens
    kinds = [(t.kind, t.value) for t in toks]
    assert ("iri", "http://e/#SERVICE") in kinds
    assert ("pname", "ex:a\\#b") in kinds
    assert ("string", '"SERVICE \\" FROM"') in kinds
    assert kinds[-2:] == [("word", "LIMIT"), ("word", "1")]  # a comment also ends at \r
    assert not any(t.kind == "word" and t.value.upper() in ("SERVICE", "FROM") for t in toks)


def test_unterminated_string_is_a_malformed_query() -> None:
    with pytest.raises(QueryError, match="malformed"):
        check_query("SELECT * WHERE { ?s ?p 'abc }", NONE)


# -- no network or file access for refused queries ---------------------------------------------
@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP socket on 127.0.0.1 that records every connection it receives."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.1)
    hits: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            conn.settimeout(0.5)
            try:
                hits.append(conn.recv(256))
            except OSError:
                hits.append(b"")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/sparql", hits
    stop.set()
    thread.join()
    srv.close()


def _remote_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o LATERAL {{ SELECT ?x WHERE {{ SERVICE <{url}> {{ ?s ?q ?x }} }} }} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"LOAD <{url}>",
    ]


def test_refused_queries_open_no_connection(listener) -> None:
    url, hits = listener
    oxi, mem = OxigraphStore(None), MemoryStore()
    for query in _remote_queries(url):
        with pytest.raises(QueryRefusedError):
            user_query(oxi, query, timeout=5, allow=AllowList())
        with pytest.raises(QueryRefusedError):
            oxi.query(query, allow=AllowList.parse("http://elsewhere.example/"))
        with pytest.raises(QueryRefusedError):
            user_query(mem, query, timeout=5, allow=AllowList())
    time.sleep(0.3)
    assert hits == []


def test_allowed_service_really_connects(listener) -> None:
    """The control: the same SERVICE, once allowed, does reach the socket (so the test above can fail)."""
    url, hits = listener
    store = OxigraphStore(None)
    with pytest.raises(QueryError):  # the listener answers nothing useful
        user_query(store, f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", timeout=5, allow=AllowList.parse(url))
    deadline = time.monotonic() + 3
    while not hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hits and hits[0].startswith(b"POST /sparql")


def test_pyoxigraph_alone_would_connect(listener) -> None:
    """Why the guard exists: pyoxigraph sends SERVICE requests by itself."""
    url, hits = listener
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    deadline = time.monotonic() + 3
    while not hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hits
