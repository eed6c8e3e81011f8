"""The SPARQL endpoint client (kg.store.endpoint) against a scripted HTTP server: what it sends,
how it reads answers, and that a cut-off or failed answer is an error, never rows."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rdflib import Literal, URIRef

from kg.errors import QueryError, QueryTimeoutError
from kg.query.guard import AllowList
from kg.query.limits import user_query
from kg.store.base import Store
from kg.store.endpoint import EndpointStore
from kg.store.oxigraph import OxigraphStore

ROWS = {"head": {"vars": ["n", "s"]}, "results": {"bindings": [
    {"n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#int", "value": "4"},
     "s": {"type": "literal", "value": "a", "xml:lang": "en"}},
    {"s": {"type": "uri", "value": "http://e/x"}}]}}


class _Handler(BaseHTTPRequestHandler):
    script: dict[str, object] = {}

    def do_POST(self) -> None:  # noqa: N802
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.script["sent"] = form["query"][0]
        status, headers, body = self.script["answer"]  # type: ignore[misc]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()

    def version_string(self) -> str:  # the Server header
        return "Virtuoso/07.20.3233 (Linux) x86_64-pc-linux-gnu"

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def fake() -> Iterator[tuple[str, dict[str, object]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Handler.script = {"answer": (200, {}, json.dumps(ROWS).encode())}
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", _Handler.script
    server.shutdown()


def test_every_store_satisfies_the_protocol(fake) -> None:
    url, _ = fake
    assert isinstance(EndpointStore(url), Store) and isinstance(OxigraphStore(None), Store)


def test_a_virtuoso_endpoint_gets_portable_text_with_values_bound(fake) -> None:
    url, script = fake
    store = EndpointStore(url)
    assert store.dialect == "sparql11"  # read from the Server header
    res = store.query("SELECT ?n ?s WHERE { LATERAL { ?t ?p ?s } }", {"t": URIRef("http://e/t")})
    sent = str(script["sent"])
    assert "PREFIX kg: <https://w3id.org/kg/ontology#>" in sent and "LATERAL" not in sent
    assert "VALUES (?t) { (<http://e/t>) }" in sent
    first, second = res.bindings
    assert first[res.vars[0]] == Literal("4", datatype=URIRef("http://www.w3.org/2001/XMLSchema#int"))
    assert first[res.vars[1]] == Literal("a", lang="en") and second[res.vars[1]] == URIRef("http://e/x")
    assert res.vars[0] not in second  # unbound stays unbound


def test_a_partial_anytime_answer_is_a_timeout_not_rows(fake) -> None:
    url, script = fake
    script["answer"] = (200, {"X-SQL-State": "S1TAT"}, json.dumps(ROWS).encode())
    with pytest.raises(QueryTimeoutError, match="partial answer"):
        EndpointStore(url).query("SELECT * WHERE { ?s ?p ?o }")


def test_http_errors_are_query_errors(fake) -> None:
    url, script = fake
    script["answer"] = (400, {}, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 3: syntax error")
    with pytest.raises(QueryError, match="HTTP 400: Virtuoso 37000"):
        EndpointStore(url).query("SELECT * WHERE { ?s ?p ?o }")


def test_the_guard_runs_before_any_request(fake) -> None:
    url, script = fake
    script.pop("sent", None)
    with pytest.raises(QueryError):
        user_query(EndpointStore(url), "SELECT * WHERE { SERVICE <http://elsewhere.example/> { ?s ?p ?o } }",
                   allow=AllowList())
    assert "sent" not in script
