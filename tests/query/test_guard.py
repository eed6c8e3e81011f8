"""The query guard: updates, SERVICE and FROM are refused before the store sees them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_rdflib_unparsable_query_mentioning_a_governed_keyword_is_refused() -> None:
    """rdflib is one of the two readers: where it cannot read the text, a mention is enough to refuse."""
    with pytest.raises(QueryRefusedError, match="cannot verify this query: rdflib cannot parse it and it mentions SERVICE"):
        check_query("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { SERVICE <http://ok.example/s> "
                    "{ ?s ?q ?x } } } }", OK)
    with pytest.raises(QueryRefusedError, match="mentions SERVICE"):  # even inside a string
        check_query('SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { ?s ?q "service" } } }', OK)
    # FROM only in a name, no SERVICE anywhere: nothing that can call out, rdflib is not needed
    check_query("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { ?s kg:fromDate ?x } } }", OK)
    check_query("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { ?s ?q ?x } LIMIT 1 } }", NONE)


def test_a_malformed_query_mentioning_a_keyword_gets_the_engines_syntax_error() -> None:
    with pytest.raises(QueryError, match="malformed query: error at 1:") as err:
        check_query("SELECT * FROM <https://w3id.org/kg/graph/drugs> WHERE { ?s ?p }", OK)
    assert not isinstance(err.value, QueryRefusedError)


# Glued keywords: every token boundary Oxigraph's grammar allows before SERVICE / FROM.
EVIL = "http://evil.example/x"
GLUED = [
    f"SELECT * WHERE {{ ?s kg:order 1SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",  # issue 19's bypass
    f"SELECT * WHERE {{ ?s kg:order 1.SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order 1e1SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order 1.5SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order .5SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order +1SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order 1e1.SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order trueSERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order falseSERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order 'x'SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order \"x\"@en SERVICE<{EVIL}>{{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order ()SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s kg:order []SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o.SERVICE\n<{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o FILTER(1)SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o BIND(1 AS ?x)SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?b)SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o #c\rsErViCe <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o }} #c\u000a\nUNION {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o SERVICESILENT <{EVIL}> {{ ?s ?p ?o }} }}",
    f"PREFIX SILENTe: <http://ok.example/> PREFIX e: <http://evil.example/> "
    f"SELECT * WHERE {{ ?s ?p ?o SERVICE SILENTe:x {{ ?s ?p ?o }} }}",
    f"PREFIX SERVICEe: <http://ok.example/> PREFIX e: <http://evil.example/> "
    f"SELECT * WHERE {{ ?s ?p ?o SERVICEe:x {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o SERVICE <http\\u003A//evil.example/x> {{ ?s ?p ?o }} }}",
    f"BASE <http://evil.example/> SELECT * WHERE {{ ?s ?p ?o SERVICE <x> {{ ?s ?p ?o }} }}",
    f"PREFIX p: <http://evil.example/> SELECT * WHERE {{ ?s ?p ?o SERVICE p:x {{ ?s ?p ?o }} }}",
    f"BASE <http://evil.example/> PREFIX p: <a/> SELECT * WHERE {{ ?s ?p ?o SERVICE p:x {{ ?s ?p ?o }} }}",
    f"SELECT * FROMNAMED <{EVIL}> WHERE {{ ?s ?p ?o }}",
    f"SELECT*FROM<{EVIL}>WHERE{{?s ?p ?o}}",
    f"SELECT * WHERE {{ SERVICE ?x {{ ?s ?p ?o }} VALUES ?x {{ <{EVIL}> }} }}",
]


@pytest.mark.parametrize("query", GLUED)
def test_keywords_at_every_token_boundary_are_refused(query: str) -> None:
    with pytest.raises(QueryRefusedError) as err:
        check_query(query, OK)
    assert "\n" not in str(err.value)


def test_the_two_readers_must_agree() -> None:
    """rdflib expands \\u escapes everywhere, Oxigraph only in IRIs and strings: here rdflib reads one
    long string where Oxigraph reads a SERVICE clause. kg's lexer reads as Oxigraph does, so they disagree."""
    query = (f'SELECT * WHERE {{ ?s ?p "\\u0022" . SERVICE <{EVIL}> {{ ?s ?p ?o }} ?s ?p "x\\u0022\\u0022" }}')
    with pytest.raises(QueryRefusedError, match="not on the allow-list"):
        check_query(query, OK)
    allowed = query.replace(EVIL, "http://ok.example/x")
    with pytest.raises(QueryRefusedError, match="disagree"):
        check_query(allowed, OK)


def test_glued_but_harmless_names_pass() -> None:
    check_query("SELECT ?service WHERE { ?service kg:fromDate ?from ; kg:serviceLevel _:fromX }", NONE)
    check_query("PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a.SERVICE ?o }", NONE)  # one prefixed name


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
    assert kinds[-2:] == [("word", "LIMIT"), ("number", "1")]  # a comment also ends at \r
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
            user_query(oxi, query, allow=AllowList.parse("http://elsewhere.example/"))
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


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_name_patterns_read_ascii_text_as_the_unicode_ones_do(text: str) -> None:
    """The lexer's ASCII patterns (kept cheap for start-up) split ASCII text as the full ones."""
    import kg.query.guard as guard

    fast = guard.lex(text)
    full_names = guard._unicode_names()
    saved, guard._ASCII_NAMES = guard._ASCII_NAMES, full_names
    try:
        full = guard.lex(text)
    finally:
        guard._ASCII_NAMES = saved
    assert [(t.kind, t.raw) for t in fast.tokens] == [(t.kind, t.raw) for t in full.tokens]
    assert (fast.glued, fast.clean) == (full.glued, full.clean)
