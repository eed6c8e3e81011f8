"""Benchmark: a generated corpus of hostile SPARQL texts against kg's query path and a local listener.

Issue 19: the SERVICE allow-list was walked past with a keyword glued to a number
(``1SERVICE``). This corpus writes every governed keyword -- SERVICE (fixed IRI and
VALUES-bound variable), FROM, FROM NAMED, LOAD, ADD, COPY, MOVE, CLEAR, DROP, INSERT,
DELETE, CREATE -- with every token boundary the grammar allows before it (nothing after a
number, literal, IRI, bracket, brace, ``;``, a comment ending in ``\\n`` or ``\\r``), in upper,
lower and mixed case, with comments and line breaks between keyword and target, targets
as plain IRIs, ``\\u``-escaped IRIs, BASE-relative IRIs, prefixed names (PREFIX, and
PREFIX relative to BASE) and variables bound by VALUES, inside OPTIONAL / UNION / MINUS /
FILTER EXISTS / NOT EXISTS / GRAPH / one and two nested subqueries. Every target is a TCP
listener on 127.0.0.1 that counts the connections it is offered.

Each variant goes through ``kg.query.limits.user_query`` -- what ``kg sparql`` runs -- on
a small in-memory store whose triples match every pattern (so a SERVICE that got through
would be evaluated), with an empty allow-list. Measured:

* ``connections``: connections the listener received (target 0);
* ``updates_applied``: variants after which the store's quad count changed (target 0);
* refusals, each with its one-line reason (histogram; ``multi_line_reasons`` target 0);
* ``engine_rejected``: variants Oxigraph's own query parser rejects (asked in a child
  without network, so asking cannot connect), counted apart; ``refused_engine_parses``:
  refused variants Oxigraph would have run; ``refused_engine_calls_out``: those whose
  run on the corpus store (in that child) failed with "Network is unreachable", i.e.
  Oxigraph evaluated the SERVICE and tried to connect; update texts are also given to Oxigraph's
  update parser (``engine_parses_as_update``), to show they are real updates. (Oxigraph
  0.5.13 cannot run ``SERVICE ?var`` at all -- "the variable encoding the service name is
  unbound" -- so the VALUES family is refused for the allow-list's sake, not the engine's.)
* ``guard_only``: every variant the guard let through and Oxigraph parses is run again
  *with* the network kept, so the guard is measured without the backstop below it;
* ``backstop``: SERVICE queries handed straight to the sandboxed executor (guard bypassed
  on purpose) -- connections (target 0) -- and the control with the network kept (> 0);
* ``controls``: benign queries that must run, and an allowed SERVICE that must connect.

When ``benchmarks/attack_inputs.py`` is present its ``run_input_attacks()`` (hostile build
inputs) is run too and its figures go in the results under ``input_attacks``.

Usage:  python benchmarks/attack_corpus.py [--out benchmarks/results/attack_corpus.json]
                                          [--no-inputs] [--bomb-gb 1.1] [--sample N]
Library: ``generate(port)`` gives the variants, ``run_corpus(variants, listener)`` the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT / "src", ROOT):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from rdflib import Literal, URIRef  # noqa: E402
from rdflib.namespace import XSD  # noqa: E402

from benchmarks.listener import Listener  # noqa: E402
from kg.errors import QueryError, QueryRefusedError  # noqa: E402
from kg.query.guard import AllowList, clear_query  # noqa: E402
from kg.query.limits import limited_query, run_with_limit, user_query  # noqa: E402
from kg.store.oxigraph import _PREFIXES, OxigraphStore  # noqa: E402

REMOTE_FAMILIES = ("SERVICE", "SERVICE-VALUES", "FROM", "FROM NAMED")
UPDATE_FAMILIES = ("LOAD", "ADD", "COPY", "MOVE", "CLEAR", "DROP", "INSERT", "DELETE", "CREATE")


@dataclass(frozen=True)
class Variant:
    family: str
    boundary: str  # what stands right before the keyword
    target: str  # how the target is spelled
    wrapper: str  # the pattern around the clause
    text: str


# -- the generator -------------------------------------------------------------------------------------
def _case(word: str, i: int) -> str:
    """Upper, lower or mIxEd case, by ``i``."""
    k = i % 3
    if k == 0:
        return word.upper()
    if k == 1:
        return word.lower()
    return "".join(c.lower() if j % 2 else c.upper() for j, c in enumerate(word))


# (name, text before the keyword inside a group): each ends a pattern the grammar can follow
# with a graph-pattern keyword, most with no space.
BOUNDARIES: tuple[tuple[str, str], ...] = (
    ("space", "?s ?p ?o "),
    ("integer", "?s ?p 1"),
    ("integer-dot", "?s ?p 1."),
    ("decimal", "?s ?p 1.5"),
    ("decimal-lead-dot", "?s ?p .5"),
    ("double", "?s ?p 1e1"),
    ("double-dot", "?s ?p 1e1."),
    ("signed", "?s ?p +1"),
    ("true", "?s ?p true"),
    ("false", "?s ?p false"),
    ("string1", "?s ?p 'x'"),
    ("string2", '?s ?p "x"'),
    ("long-string", '?s ?p """x"""'),
    ("langtag", '?s ?p "x"@en '),
    ("typed", '?s ?p "x"^^<urn:x-kg:t>'),
    ("iri", "?s ?p <urn:x-kg:o>"),
    ("prefixed-dot", "?s ?p kg:o."),
    ("variable-dot", "?s ?p ?o."),
    ("semicolon", "?s ?p ?o;"),
    ("nil", "?s ?p ()"),
    ("anon", "?s ?p []"),
    ("blank-props", "?s ?p [ ?q ?r ]"),
    ("filter-paren", "?s ?p ?o FILTER(?o != 2)"),
    ("bind-paren", "?s ?p ?o BIND(1 AS ?b)"),
    ("brace", "{ ?s ?p ?o }"),
    ("comment-lf", "?s ?p ?o #c\n"),
    ("comment-cr", "?s ?p ?o #c\r"),
    ("newline-tab", "?s ?p ?o\n\t"),
)

WRAPPERS: tuple[tuple[str, str], ...] = (
    ("plain", "{}"),
    ("optional", "?s ?p ?o OPTIONAL { {} }"),
    ("union", "{ ?s ?p ?o } UNION { {} }"),
    ("minus", "?s ?p ?o MINUS { {} }"),
    ("exists", "?s ?p ?o FILTER EXISTS { {} }"),
    ("not-exists", "?s ?p ?o FILTER NOT EXISTS { {} }"),
    ("graph", "GRAPH ?g { {} }"),
    ("subquery", "{ SELECT * WHERE { {} } }"),
    ("subquery-2", "{ SELECT * WHERE { { SELECT * WHERE { {} } LIMIT 5 } } }"),
)

BETWEEN = (" ", "", "#c\n", "\n", " #c\r ")


def _targets(url: str) -> tuple[tuple[str, str, str], ...]:
    """(name, prologue, target) spellings of ``url`` (``http://127.0.0.1:PORT/``)."""
    escaped = url.replace(":", "\\u003A", 1).replace("/", "\\u002F")
    big = url.replace("h", "\\U00000068", 1)
    host = url.rstrip("/").rsplit("/", 1)[0] + "/"
    return (
        ("iri", "", f"<{url}svc>"),
        ("u-escaped-iri", "", f"<{escaped}svc>"),
        ("U-escaped-iri", "", f"<{big}svc>"),
        ("base-relative", f"BASE <{url}>\n", "<svc>"),
        ("base-network-path", "BASE <http://ok.example/>\n", f"<//{host.split('//', 1)[1]}svc>"),
        ("prefixed", f"PREFIX ev: <{url}>\n", "ev:svc"),
        ("prefix-on-base", f"BASE <{url}>\nPREFIX ev: <sub/>\n", "ev:svc"),
        ("empty-prefix", f"PREFIX : <{url}>\n", ":svc"),
        ("escaped-local", f"PREFIX ev: <{url}>\n", "ev:s\\.v\\-c"),
    )


def _service_variants(url: str) -> list[Variant]:
    out: list[Variant] = []
    i = 0
    for bname, before in BOUNDARIES:
        for tname, prologue, target in _targets(url):
            for wname, wrapper in WRAPPERS:
                kw = _case("SERVICE", i)
                silent = f"{_case('SILENT', i + 1)} " if i % 4 == 1 else ""
                between = BETWEEN[i % len(BETWEEN)]
                clause = f"{before}{kw}{between}{silent}{target} {{ ?s ?p ?o }}"
                body = wrapper.replace("{}", clause)
                text = f"{prologue}SELECT * WHERE {{ {body} }}"
                out.append(Variant("SERVICE", bname, tname, wname, text))
                i += 1
    return out


def _service_values_variants(url: str) -> list[Variant]:
    out: list[Variant] = []
    for i, ((bname, before), (wname, wrapper)) in enumerate(
            (b, w) for b in BOUNDARIES for w in WRAPPERS):
        kw = _case("SERVICE", i)
        values = (f"VALUES ?svc {{ <{url}svc> }}", f"VALUES (?svc) {{ (<{url}svc>) }}",
                  f"BIND(<{url}svc> AS ?svc)")[i % 3]
        clause = f"{before}{kw}{BETWEEN[i % len(BETWEEN)]}?svc {{ ?s ?p ?o }}"
        text = f"SELECT * WHERE {{ {values} {wrapper.replace('{}', clause)} }}"
        if i % 2:
            text = f"SELECT * WHERE {{ {wrapper.replace('{}', clause)} }} VALUES ?svc {{ <{url}svc> }}"
        out.append(Variant("SERVICE-VALUES", bname, "variable", wname, text))
    return out


FROM_BOUNDARIES: tuple[tuple[str, str], ...] = (
    ("space", "SELECT * "),
    ("star", "SELECT*"),
    ("variable", "SELECT ?s "),
    ("paren", "SELECT (1 AS ?x)"),
    ("distinct-star", "SELECT DISTINCT*"),
    ("comment-lf", "SELECT * #c\n"),
    ("comment-cr", "SELECT *#c\r"),
    ("ask", "ASK "),
    ("construct", "CONSTRUCT { ?s ?p ?o }"),
    ("describe", "DESCRIBE <urn:x-kg:a>"),
    ("after-from", "SELECT * FROM <https://w3id.org/kg/graph/one>"),
)


def _from_variants(url: str, named: bool) -> list[Variant]:
    out: list[Variant] = []
    family = "FROM NAMED" if named else "FROM"
    for i, ((bname, head), (tname, prologue, target)) in enumerate(
            (b, t) for b in FROM_BOUNDARIES for t in _targets(url)):
        for j, wname in enumerate(("plain", "graph")):
            k = i * 2 + j
            kw = _case("FROM", k) + ((BETWEEN[k % len(BETWEEN)] or " ") + _case("NAMED", k + 1) if named else "")
            where = "WHERE { ?s ?p ?o }" if wname == "plain" else "WHERE { GRAPH ?g { ?s ?p ?o } }"
            text = f"{prologue}{head}{kw}{BETWEEN[(k + 1) % len(BETWEEN)]}{target}{where}"
            out.append(Variant(family, bname, tname, wname, text))
    return out


def _update_texts(url: str) -> dict[str, list[str]]:
    g = "<urn:x-kg:g>"
    return {
        "LOAD": [f"LOAD <{url}data.ttl>", f"LOAD SILENT <{url}data.ttl> INTO GRAPH {g}"],
        "ADD": [f"ADD {g} TO DEFAULT", f"ADD SILENT DEFAULT TO {g}"],
        "COPY": [f"COPY DEFAULT TO {g}", f"COPY SILENT {g} TO DEFAULT"],
        "MOVE": [f"MOVE DEFAULT TO {g}", f"MOVE {g} TO DEFAULT"],
        "CLEAR": ["CLEAR ALL", "CLEAR DEFAULT"],
        "DROP": ["DROP ALL", "DROP SILENT DEFAULT"],
        "INSERT": ["INSERT DATA { <urn:x-kg:a> <urn:x-kg:p> <urn:x-kg:b> }",
                   "INSERT { ?s <urn:x-kg:q> ?o } WHERE { ?s ?p ?o }"],
        "DELETE": ["DELETE WHERE { ?s ?p ?o }", f"WITH {g} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"],
        "CREATE": [f"CREATE GRAPH {g}", f"CREATE SILENT GRAPH {g}"],
    }


UPDATE_BOUNDARIES: tuple[tuple[str, str], ...] = (
    ("alone", ""),
    ("prefix", "PREFIX ex: <urn:x-kg:>\n"),
    ("base", "BASE <urn:x-kg:>"),
    ("semicolon-after-select", "SELECT * WHERE { ?s ?p ?o };"),
    ("semicolon-after-insert", "INSERT DATA { <urn:x-kg:a> <urn:x-kg:p> 1 };"),
    ("brace", "ASK{}"),
    ("comment-lf", "SELECT * WHERE { ?s ?p ?o } #c\n"),
    ("comment-cr", "ASK { } #c\r"),
    ("integer", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
)


def _update_variants(url: str) -> list[Variant]:
    out: list[Variant] = []
    for family, texts in _update_texts(url).items():
        for i, ((bname, before), text) in enumerate((b, t) for b in UPDATE_BOUNDARIES for t in texts):
            for k in range(2):  # two spellings of the keyword each
                word = text.split()[0] if not text.startswith("WITH") else "WITH"
                spelled = _case(word, i + k) + text[len(word):]
                spelled = spelled.replace(" ", "\n", 1) if k else spelled
                out.append(Variant(family, bname, ("upper", "lower", "mixed")[(i + k) % 3], "none",
                                   f"{before}{spelled}"))
    return out


def generate(port: int) -> list[Variant]:
    """Every variant, aimed at ``http://127.0.0.1:PORT/``."""
    url = f"http://127.0.0.1:{port}/"
    return (_service_variants(url) + _service_values_variants(url) + _from_variants(url, False)
            + _from_variants(url, True) + _update_variants(url))


def sample(variants: list[Variant], per_key: int = 1) -> list[Variant]:
    """A reduced but representative part: for each family, the first ``per_key`` variants of
    every boundary, every target spelling and every wrapper."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out: list[Variant] = []
    for v in variants:
        keys = [(v.family, "b", v.boundary), (v.family, "t", v.target), (v.family, "w", v.wrapper)]
        if any(seen[k] < per_key for k in keys):
            out.append(v)
            for k in keys:
                seen[k] += 1
    return out


# -- running ---------------------------------------------------------------------------------------
def small_store() -> OxigraphStore:
    """Triples that match every pattern of the corpus, in kg graphs and the default graph."""
    store = OxigraphStore(None)
    p = URIRef("urn:x-kg:p")
    objects = [Literal(1), Literal("1.5", datatype=XSD.decimal), Literal("0.5", datatype=XSD.decimal),
               Literal("1e1", datatype=XSD.double), Literal(True), Literal(False), Literal("x"),
               Literal("x", lang="en"), Literal("x", datatype=URIRef("urn:x-kg:t")), URIRef("urn:x-kg:o"),
               URIRef("https://w3id.org/kg/ontology#o")]
    store.replace_graph(URIRef("https://w3id.org/kg/graph/one"),
                        [(URIRef(f"urn:x-kg:s{i}"), p, o) for i, o in enumerate(objects)])
    store.replace_graph(URIRef("urn:x-kg:g"), [(URIRef("urn:x-kg:a"), p, Literal(2))])
    return store


def _normalise(reason: str) -> str:
    """A refusal reason with its IRIs, ports and quoted words abstracted, for the histogram."""
    reason = re.sub(r"<[^>\s]*>", "<IRI>", reason)
    reason = re.sub(r"'[^']*'", "'…'", reason)
    reason = re.sub(r"\b\w+:\S*", "NAME", reason) if reason.startswith(("SERVICE ev", "FROM ev")) else reason
    reason = re.sub(r"error at \d+:\d+: .*", "error at L:C: …", reason)
    return reason


def _engine_reading(text: str, store: OxigraphStore) -> dict[str, bool]:
    """How Oxigraph reads ``text``: as a query (run on the corpus store, so a SERVICE is
    evaluated), whether that run tried the network, and whether its update parser takes it.
    Asked in a child without network, so the asking can never connect anywhere; a SERVICE
    Oxigraph evaluates fails there with "Network is unreachable" (SILENT hides that)."""
    import pyoxigraph as ox

    def ask() -> dict[str, bool]:
        out = {"query": True, "calls_out": False}
        try:
            raw = store._store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=True)
            if not isinstance(raw, bool | ox.QueryBoolean):
                for _ in raw:
                    pass
        except SyntaxError:
            out["query"] = False
        except Exception as exc:  # noqa: BLE001 - evaluation failed: why?
            out["calls_out"] = "unreachable" in str(exc).lower()
        try:
            ox.Store().update(text)  # an empty throw-away store
            out["update"] = True
        except SyntaxError:
            out["update"] = False
        except Exception:  # noqa: BLE001
            out["update"] = True
        return out

    return run_with_limit(ask, 20, require_offline=True)


def run_corpus(variants: Iterable[Variant], listener: Listener, *, guard_only: bool = True) -> dict[str, Any]:
    """Run each variant through kg's query path; figures per family and in total."""
    store = small_store()
    quads = len(store)
    none = AllowList()
    families: dict[str, Counter[str]] = {}
    reasons: Counter[str] = Counter()
    examples: dict[str, str] = {}
    leaks: list[dict[str, str]] = []
    multi_line = 0
    updates_applied = 0
    guard_only_runs = 0
    started = time.perf_counter()
    for v in variants:
        fam = families.setdefault(v.family, Counter())
        fam["variants"] += 1
        engine = _engine_reading(v.text, store)
        fam["engine_rejected"] += not engine["query"]
        fam["engine_parses_as_update"] += engine["update"]
        before = listener.connections
        try:
            user_query(store, v.text, timeout=10, allow=none)
            fam["ran"] += 1
            outcome = "ran"
        except QueryRefusedError as exc:
            fam["refused"] += 1
            fam["refused_engine_parses"] += engine["query"]  # an attack Oxigraph would have run
            fam["refused_engine_calls_out"] += engine["calls_out"]  # ... and sent a request for
            outcome = "refused"
            reason = str(exc)
            multi_line += "\n" in reason or "\r" in reason
            key = _normalise(reason)
            reasons[key] += 1
            examples.setdefault(key, v.text)
        except QueryError as exc:
            fam["error"] += 1
            outcome = "error"
            multi_line += "\n" in str(exc)
        if len(store) != quads:
            updates_applied += 1
            quads = len(store)
        if outcome != "refused" and engine["query"] and guard_only:
            # the guard alone: run what it let through again with the network kept
            guard_only_runs += 1
            fam["guard_passed_engine_parses"] += 1
            try:
                clearance = clear_query(v.text, none)
                run_with_limit(lambda t=v.text, c=clearance: _drain(store, t, c), 10, network=True)
            except Exception:  # noqa: BLE001 - failing is fine, connecting is not
                pass
        if listener.connections != before:
            fam["connections"] += listener.connections - before
            leaks.append({"family": v.family, "outcome": outcome, "text": v.text})
    seconds = time.perf_counter() - started
    connections = listener.settled()
    return {
        "variants": sum(f["variants"] for f in families.values()),
        "families": {k: dict(sorted(c.items())) for k, c in families.items()},
        "connections": connections,
        "connections_by_variant": leaks,
        "updates_applied": updates_applied,
        "quads_before_after": [len(small_store()), len(store)],
        "refused": sum(f["refused"] for f in families.values()),
        "engine_rejected": sum(f["engine_rejected"] for f in families.values()),
        "refused_engine_parses": sum(f["refused_engine_parses"] for f in families.values()),
        "refused_engine_calls_out": sum(f["refused_engine_calls_out"] for f in families.values()),
        "engine_parses_as_update": sum(f["engine_parses_as_update"] for f in families.values()),
        "ran": sum(f["ran"] for f in families.values()),
        "errors": sum(f["error"] for f in families.values()),
        "guard_only_reruns": guard_only_runs,
        "multi_line_reasons": multi_line,
        "refusal_reasons": dict(reasons.most_common()),
        "refusal_examples": examples,
        "seconds": round(seconds, 2),
    }


def _drain(store: OxigraphStore, text: str, clearance: Any) -> int:
    raw = store._store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=not clearance.dataset)
    return sum(1 for _ in raw) if not isinstance(raw, bool) and hasattr(raw, "__iter__") else 1


def backstop(listener: Listener) -> dict[str, Any]:
    """SERVICE queries handed straight to the sandboxed executor, the guard bypassed on purpose."""
    store = small_store()
    url = f"http://127.0.0.1:{listener.port}/"
    texts = [f"SELECT * WHERE {{ SERVICE <{url}svc> {{ ?s ?p ?o }} }}",
             f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}svc> {{ ?s ?p ?o }} }}",
             f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}svc> {{ ?s ?p ?x }} }} }}",
             f"SELECT * WHERE {{ {{ SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}svc> {{ ?s ?p ?o }} }} }} }} }}"]
    before = listener.settled(0)
    outcomes = []
    for text in texts:
        try:
            limited_query(store, text, timeout=10)  # no allow: the guard is not asked
            outcomes.append("ran")
        except QueryError as exc:
            outcomes.append(str(exc)[:120])
    sandboxed = listener.settled() - before
    before = listener.connections
    for text in texts[:2]:
        try:
            run_with_limit(lambda t=text: _drain(store, t, clear_query(t, AllowList.parse("*"))), 10, network=True)
        except Exception:  # noqa: BLE001 - the listener answers nothing useful
            pass
    control = listener.settled() - before
    return {"queries": len(texts), "connections": sandboxed, "outcomes": outcomes,
            "control_with_network_connections": control}


def controls(listener: Listener) -> dict[str, Any]:
    """Benign queries that must run, and an allowed SERVICE that must reach the listener."""
    store = small_store()
    url = f"http://127.0.0.1:{listener.port}/"
    benign = ["SELECT * WHERE { ?s ?p ?o }",
              "SELECT ?service WHERE { ?service kg:fromDate ?from ; kg:serviceLevel ?x }",
              'SELECT * WHERE { ?s ?p "SERVICE <http://evil.example/> { }" }',
              "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/kg/graph/one> WHERE { ?s ?p ?o }",
              "ASK { ?s ?p 1 . ?s ?p ?o }"]
    ran = 0
    for text in benign:
        user_query(store, text, timeout=10, allow=AllowList())
        ran += 1
    before = listener.connections
    try:
        user_query(store, f"SELECT * WHERE {{ SERVICE <{url}ok> {{ ?s ?p ?o }} }}", timeout=5,
                   allow=AllowList.parse(f"{url}ok"))
    except QueryError:
        pass  # the listener answers nothing useful
    return {"benign_ran": ran, "benign": len(benign), "allowed_service_connections": listener.settled() - before}


def _input_attacks(bomb_gb: float) -> dict[str, Any] | None:
    path = Path(__file__).with_name("attack_inputs.py")
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("attack_inputs", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["attack_inputs"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.run_input_attacks(bomb_gb=bomb_gb)  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "attack_corpus.json")
    ap.add_argument("--sample", type=int, default=0, help="Only N variants per family key (0: all).")
    ap.add_argument("--no-inputs", action="store_true", help="Skip the hostile build inputs (attack_inputs.py).")
    ap.add_argument("--bomb-gb", type=float, default=1.1, help="Zip bomb size for attack_inputs.py.")
    args = ap.parse_args()
    listener = Listener()
    try:
        variants = generate(listener.port)
        chosen = sample(variants, args.sample) if args.sample else variants
        started = time.perf_counter()
        result: dict[str, Any] = {
            "generated_variants": len(variants),
            "corpus": run_corpus(chosen, listener),
            "backstop": backstop(listener),
            "controls": controls(listener),
        }
        result["seconds"] = round(time.perf_counter() - started, 2)
    finally:
        listener.close()
    if not args.no_inputs:
        inputs = _input_attacks(args.bomb_gb)
        if inputs is not None:
            result["input_attacks"] = inputs
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform(),
                         "pyoxigraph": __import__("pyoxigraph").__version__}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    c = result["corpus"]
    print(f"{c['variants']} variants: {c['refused']} refused ({c['refused_engine_parses']} that Oxigraph would run, "
          f"{c['refused_engine_calls_out']} it would send a request for), "
          f"{c['engine_rejected']} rejected by the engine, "
          f"{c['ran']} ran, {c['errors']} errors; connections {c['connections']}, updates {c['updates_applied']}, "
          f"multi-line reasons {c['multi_line_reasons']}; backstop connections {result['backstop']['connections']} "
          f"(control {result['backstop']['control_with_network_connections']}); {c['seconds']} s")


if __name__ == "__main__":
    main()
