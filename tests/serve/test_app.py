"""The endpoint over HTTP: SPARQL 1.1 Protocol, formats by Accept, refusals, limits, CORS, named queries."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Variable

from kg.query.limits import user_query
from kg.query.named import load_queries, run_named
from kg.query.output import rows
from kg.serve.app import ServeSettings

from .conftest import running

TRIALS = "SELECT ?t ?title WHERE { ?t a kg:Trial ; kg:title ?title } ORDER BY ?t"
CONSTRUCT = "CONSTRUCT { ?t kg:title ?title } WHERE { ?t a kg:Trial ; kg:title ?title }"
SPARQL_JSON = "application/sparql-results+json"


def _expected_trials(store) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    t, title = Variable("t"), Variable("title")
    return [(str(r[t]), str(r[title])) for r in user_query(store, TRIALS).bindings]


def test_get_answers_sparql_json_by_default_with_every_row(client, demo_store):
    expected = _expected_trials(demo_store)
    assert len(expected) == 4
    r = client.get("/sparql", params={"query": TRIALS})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(SPARQL_JSON)
    data = r.json()
    assert data["head"]["vars"] == ["t", "title"]
    got = [(b["t"]["value"], b["title"]["value"]) for b in data["results"]["bindings"]]
    assert got == expected
    assert data["results"]["bindings"][0]["t"]["type"] == "uri"
    counted = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?t a kg:Trial }"}).json()
    assert counted["results"]["bindings"] == [
        {"n": {"type": "literal", "value": "4", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]


def test_post_of_a_query_body_and_of_a_form_in_each_result_format(client, demo_store):
    expected = _expected_trials(demo_store)
    r = client.post("/query", content=TRIALS, headers={"Content-Type": "application/sparql-query",
                                                       "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == ["t", "title"] and [tuple(row) for row in table[1:]] == expected

    r = client.post("/sparql", data={"query": TRIALS}, headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    lines = r.text.rstrip("\n").split("\n")
    assert lines[0] == "?t\t?title" and len(lines) == 1 + len(expected)
    assert lines[1].startswith(f"<{expected[0][0]}>\t")

    r = client.post("/sparql", data={"query": TRIALS},
                    headers={"Accept": "application/sparql-results+xml;q=0.9, text/csv;q=0.1"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+xml")
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    results = ET.fromstring(r.content).findall(".//s:result", ns)
    assert [res.find("s:binding[@name='t']/s:uri", ns).text for res in results] == [t for t, _ in expected]


def test_ask_and_construct_answers(client, demo_store):
    r = client.get("/sparql", params={"query": "ASK { ?t a kg:Trial }"})
    assert r.status_code == 200 and r.json()["boolean"] is True
    expected = len(user_query(demo_store, CONSTRUCT).graph)
    assert expected == 4
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(accept)
        assert len(Graph().parse(data=r.text, format=fmt)) == expected, accept
    # no Accept: Turtle
    r = client.get("/sparql", params={"query": CONSTRUCT})
    assert r.headers["content-type"].startswith("text/turtle")


def test_what_cannot_be_served_is_406(client):
    r = client.get("/sparql", params={"query": TRIALS}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    r = client.get("/sparql", params={"query": TRIALS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.text.count("\n") == 1


@pytest.mark.parametrize("how", ["update-body", "update-form", "update-param", "update-as-query"])
def test_updates_are_refused_with_403_and_change_nothing(client, demo_store, how):
    update = "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }"
    before = len(demo_store)
    if how == "update-body":
        r = client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    elif how == "update-form":
        r = client.post("/sparql", data={"update": update})
    elif how == "update-param":
        r = client.get("/sparql", params={"update": update})
    else:  # an update sent as a query: the guard of kg sparql refuses it
        r = client.get("/sparql", params={"query": update})
    assert r.status_code == 403, r.text
    assert r.text.count("\n") == 1
    assert len(demo_store) == before


def test_service_not_on_the_allow_list_is_refused(client):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 403 and "allow-list" in r.text


def test_malformed_and_missing_queries_are_400(client):
    r = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert r.status_code == 400 and r.text.count("\n") == 1
    assert client.get("/sparql").status_code == 400
    r = client.post("/sparql", content=b"x", headers={"Content-Type": "application/json"})
    assert r.status_code == 415


def test_a_query_past_the_time_limit_is_a_503_with_one_line_not_a_cut_answer(demo_store):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with running(demo_store, ServeSettings(timeout=1.0)) as c:
        started = time.monotonic()
        r = c.get("/sparql", params={"query": runaway})
        took = time.monotonic() - started
        assert r.status_code == 503
        assert "time limit" in r.text and r.text.count("\n") == 1
        assert took < 10
        # the server still answers afterwards
        assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_request_size_limits(demo_store):
    with running(demo_store, ServeSettings(max_body=2048, max_url=1024)) as c:
        big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 4096
        r = c.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 413
        assert c.get("/sparql", params={"query": big}).status_code == 414
        small = "ASK { ?s ?p ?o }"
        assert c.post("/sparql", content=small, headers={"Content-Type": "application/sparql-query"}).status_code == 200


def test_cors_is_off_unless_asked_for(client, demo_store):
    origin = {"Origin": "https://notebook.example"}
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=origin)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    with running(demo_store, ServeSettings(cors=("https://notebook.example",))) as c:
        r = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=origin)
        assert r.headers["access-control-allow-origin"] == "https://notebook.example"
        pre = c.options("/sparql", headers={**origin, "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]
        other = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def test_named_query_with_parameters_gives_the_rows_of_kg_query(client, demo_store):
    expected = rows(run_named(demo_store, "criteria", {"trial": "NCT04660565"}).result)
    assert expected
    r = client.get("/queries/criteria", params={"trial": "NCT04660565"}, headers={"Accept": "application/json"})
    assert r.status_code == 200
    data = r.json()
    got = [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    assert [g.get("text") for g in got] == [e["text"] for e in expected]
    limited = client.get("/queries/comparable-trials", params={"trial": "NCT04893161", "limit": "1"})
    assert limited.status_code == 200 and len(limited.json()["results"]["bindings"]) == 1


def test_named_query_errors(client):
    r = client.get("/queries/criteria")
    assert r.status_code == 400 and "trial" in r.text
    r = client.get("/queries/criteria", params={"trial": "NCT04660565", "colour": "red"})
    assert r.status_code == 400 and "colour" in r.text
    r = client.get("/queries/criteria", params={"trial": "NCT99999999"})
    assert r.status_code == 400, r.text
    r = client.get("/queries/criteria?trial=NCT04660565&trial=NCT05974683")
    assert r.status_code == 400 and "more than once" in r.text
    r = client.get("/queries/no-such-query")
    assert r.status_code == 404


def test_openapi_describes_every_named_query_from_its_header(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    queries = {name: q for name, q in load_queries().items() if not q.view}
    named_paths = {p for p in doc["paths"] if p.startswith("/queries/")}
    assert named_paths == {f"/queries/{n}" for n in queries}
    for name, q in queries.items():
        op = doc["paths"][f"/queries/{name}"]["get"]
        assert op["summary"] == q.summary
        assert [(p["name"], p["required"], p["description"]) for p in op["parameters"]] == \
            [(p.name, p.required, p.description) for p in q.params]
    assert set(doc["paths"]["/sparql"]) == {"get", "post"}
    listing = client.get("/queries").json()
    assert [q["name"] for q in listing["queries"]] == list(queries)
    assert listing["prefixes"]["kg"] == "https://w3id.org/kg/ontology#"


def test_the_page_and_its_files_are_served_with_a_strict_policy(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "static/yasgui.min.js" in r.text and "http" not in r.text.split("<body>")[0]
    js = client.get("/static/yasgui.min.js", headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and len(js.content) > 500_000
    assert js.headers["content-encoding"] == "gzip" and js.num_bytes_downloaded < 400_000
    assert "sourceMappingURL" not in js.text[-200:]
    assert "MIT" in client.get("/static/LICENSE.yasgui").text
    assert client.get("/static/../app.py").status_code == 404
    assert json.loads(client.get("/queries").text)["queries"]
