"""Load on ``kg serve`` (issue #16): many clients, a runaway query, and the store left as it was.

What it measures, on a read-only store (default: the 1,855-record store ``real-store-check``
builds):

1. **Design comparison** (``--compare SECONDS``, decision 0016): the same SPARQL texts — named
   queries (``criteria``, ``drug-profile``) with their parameters bound as ``kg query`` binds them, plus two small hand-written
   queries — sent by one client for SECONDS/2, then by ``--compare-clients`` clients for
   SECONDS, to (a) Oxigraph's own server
   (``oxigraph serve-read-only --union-default-graph``) and (b) ``kg serve`` (ASGI app over
   pyoxigraph: guard, sandboxed child per query, time limit). Throughput and latency of each;
   and what each answers when a query runs past its time limit (Oxigraph's ``--timeout-s``
   against kg's ``--timeout``).
2. **Steady load**: after ``--warmup`` seconds of the same load (not counted), ``--clients`` (50) concurrent clients for ``--duration`` (60) seconds, each
   sending requests back to back, a mix of named queries (``/queries/NAME?param=…``, the
   parameters drawn from the store's trials and drugs) and SPARQL (GET and POST). Errors (any
   status but 200, any transport error), p50/p95/p99 latency, requests per second, per kind.
3. **Runaway**: the same load again while one more client sends a star self-join over the
   whole store (:data:`RUNAWAY`), back to back; each one runs to the time limit and is answered 503. The other clients'
   p50/p95 are compared with step 2's; the bound the run is judged against is ``--bound``
   (default 2.0: the runaway may at most double the others' p95).
4. **Store unchanged**: quad count, named-graph count and a digest of the store folder's file
   listing (names, sizes, modification times) before and after.

Results go to ``benchmarks/results/serve_load.json`` with the machine's load average (the
machine is shared: other work moves the figures).

    python benchmarks/serve_load.py                                   # full run (~3 min)
    python benchmarks/serve_load.py --clients 10 --duration 10 --compare 0   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "serve_load.json"
DEFAULT_STORE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kg-real-check" / "store-89ef449"
#: Drug names tried as parameters; those the store cannot resolve are dropped before the run.
DRUGS = ("rituximab", "methotrexate", "prednisone", "belimumab", "cyclophosphamide", "tacrolimus",
         "hydroxychloroquine", "mycophenolate mofetil", "adalimumab", "tocilizumab")
#: A query no time limit lets finish on millions of quads: every triple of a subject joined with
#: every pair of its other triples. It keeps a core busy in ~50 MB (the plain cross product
#: ``{ ?a ?b ?c . ?d ?e ?f }`` grows by ~100 MB a second: 3 GB by a 30 s limit, on a shared machine).
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?s ?p2 ?o2 . ?s ?p3 ?o3 }"
#: Named queries of the mix and their weights (one-entity questions). ``comparable-trials`` is
#: left out: its current text reads comparison nodes in a form the 89ef449 store predates (0 rows,
#: 3.5 s, for most trials), which would measure the stale store, not the server.
NAMED_MIX = (("criteria", "trial", 40), ("drug-profile", "drug", 10), ("trials-by-drug", "drug", 10),
             ("exclusions-of-drug", "drug", 5), ("conflicting-exclusions", "trial", 5))
SPARQL_MIX = (("sparql-trial", 8), ("sparql-count", 7), ("sparql-ask", 5))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- the store, before and after ------------------------------------------------------------
def fingerprint(store: Path) -> dict[str, Any]:
    """Quad count, named-graph count and a digest of the folder's file listing."""
    from kg.store.oxigraph import OxigraphStore

    listing = hashlib.sha256()
    for f in sorted(store.iterdir()):
        st = f.stat()
        listing.update(f"{f.name}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    with OxigraphStore(store, read_only=True) as s:
        quads = len(s)
        graphs = len(s.graphs())
    return {"quads": quads, "named_graphs": graphs, "files_digest": listing.hexdigest()}


# -- servers --------------------------------------------------------------------------------
def _wait_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not answer {url} within {seconds} s")


def start_kg(store: Path, port: int, timeout: float) -> subprocess.Popen[bytes]:
    kg = shutil.which("kg", path=str(Path(sys.executable).parent)) or "kg"
    proc = subprocess.Popen([kg, "serve", "--store", str(store), "--port", str(port), "--timeout", str(timeout)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_up(f"http://127.0.0.1:{port}/openapi.json", proc)
    return proc


def start_oxigraph(store: Path, port: int, timeout: float) -> subprocess.Popen[bytes]:
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if exe is None:
        raise SystemExit("the oxigraph server is not installed (pip install oxigraph: in kg's test extra)")
    proc = subprocess.Popen([exe, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph", "--timeout-s", str(int(timeout))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- what the clients send ------------------------------------------------------------------
def _prefixes() -> str:
    from kg import vocab as V

    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in V.PREFIXES.items())


def sparql_texts(trial: str) -> dict[str, str]:
    iri = f"<https://w3id.org/kg/id/trial/{trial}>"
    return {
        "sparql-trial": f"SELECT ?title ?phase ?status WHERE {{ {iri} kg:title ?title . "
                        f"OPTIONAL {{ {iri} kg:phase ?phase }} OPTIONAL {{ {iri} kg:overallStatus ?status }} }}",
        "sparql-count": f"SELECT (COUNT(?c) AS ?n) WHERE {{ {iri} kg:hasCriterion ?c . ?c a kg:ExclusionCriterion }}",
        "sparql-ask": f"ASK {{ {iri} a kg:Trial }}",
    }


def bound_named(store: Path, name: str, raw: dict[str, str]) -> str:
    """A named query as one SPARQL text with its parameters bound the way ``kg query`` binds them
    (resolved terms in a VALUES block; the row ``limit`` left out)."""
    from kg.query.binding import inject_values
    from kg.query.named import get_query, only_given
    from kg.query.params import resolve_param
    from kg.store.oxigraph import OxigraphStore

    q = get_query(name)
    with OxigraphStore(store, read_only=True) as s:
        values = {p.name: resolve_param(s, p.type, p.name, raw[p.name]) for p in q.params if p.name in raw}
    return _prefixes() + inject_values(only_given(q.text, set(values)), values)


class Mix:
    """Draws the next request of the steady mix."""

    def __init__(self, trials: list[str], drugs: list[str], seed: int = 16) -> None:
        self.trials, self.drugs = trials, drugs
        self.rng = random.Random(seed)
        kinds = [(n, p) for n, p, _ in NAMED_MIX] + [(k, None) for k, _ in SPARQL_MIX]
        weights = [w for *_, w in NAMED_MIX] + [w for _, w in SPARQL_MIX]
        self.kinds, self.weights = kinds, weights

    def next(self) -> tuple[str, str, str, dict[str, Any]]:
        """(kind, method, path, httpx keyword arguments)."""
        (kind, param), = self.rng.choices(self.kinds, self.weights)
        trial = self.rng.choice(self.trials)
        if param is not None:
            value = trial if param == "trial" else self.rng.choice(self.drugs)
            return kind, "GET", f"/queries/{kind}", {"params": {param: value}}
        text = sparql_texts(trial)[kind]
        if self.rng.random() < 0.5:
            return kind, "GET", "/sparql", {"params": {"query": text}}
        return kind, "POST", "/sparql", {"content": text, "headers": {"Content-Type": "application/sparql-query"}}


# -- running clients ------------------------------------------------------------------------
def summarize(samples: list[tuple[str, float, int, str]], seconds: float) -> dict[str, Any]:
    """Latency percentiles and error count of (kind, seconds, status, error) samples."""
    def pct(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 3) if xs else float("nan")

    ok = [t for _, t, status, _ in samples if status == 200]
    errors = [(k, status, err) for k, _, status, err in samples if status != 200]
    out: dict[str, Any] = {"requests": len(samples), "errors": len(errors), "seconds": round(seconds, 1),
                           "per_second": round(len(samples) / seconds, 2) if seconds else 0,
                           "p50_s": pct(ok, 50), "p95_s": pct(ok, 95), "p99_s": pct(ok, 99),
                           "max_s": round(max(ok), 3) if ok else None,
                           "first_errors": [f"{k}: {s} {e}"[:200] for k, s, e in errors[:5]]}
    by_kind: dict[str, list[float]] = {}
    for kind, t, status, _ in samples:
        if status == 200:
            by_kind.setdefault(kind, []).append(t)
    out["by_kind"] = {k: {"n": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95)} for k, v in sorted(by_kind.items())}
    return out


async def _client(base: str, end: float, draw: Any, samples: list[tuple[str, float, int, str]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        while time.monotonic() < end:
            kind, method, path, kwargs = draw()
            started = time.monotonic()
            try:
                r = await client.request(method, path, **kwargs)
                status, err = r.status_code, ("" if r.status_code == 200 else r.text.strip()[:150])
            except httpx.HTTPError as exc:
                status, err = 0, f"{type(exc).__name__}: {exc}"
            samples.append((kind, time.monotonic() - started, status, err))


async def _runaway(base: str, end: float, seen: list[tuple[float, int, int]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        while time.monotonic() < end:
            started = time.monotonic()
            r = await client.get("/sparql", params={"query": RUNAWAY})
            seen.append((round(time.monotonic() - started, 2), r.status_code, len(r.content)))


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds a server process has used, with its ended children (kg's query children)."""
    if pid is None:
        return None
    try:
        import psutil

        t = psutil.Process(pid).cpu_times()
        return t.user + t.system + t.children_user + t.children_system
    except Exception:  # noqa: BLE001 - a figure, not a check
        return None


def run_load(base: str, clients: int, seconds: float, draw: Any, runaway: bool = False,
             pid: int | None = None) -> dict[str, Any]:
    """``clients`` clients sending ``draw()``'s requests back to back for ``seconds``. With the
    server's ``pid``, also the CPU time it used per request: a figure the machine's other load
    moves far less than latency (the machine this runs on is shared)."""
    samples: list[tuple[str, float, int, str]] = []
    runaways: list[tuple[float, int, int]] = []

    async def main() -> None:
        end = time.monotonic() + seconds
        tasks = [_client(base, end, draw, samples) for _ in range(clients)]
        if runaway:
            tasks.append(_runaway(base, end, runaways))
        await asyncio.gather(*tasks)

    started = time.monotonic()
    load_before = load_average()
    cpu_before = server_cpu(pid)
    asyncio.run(main())
    out = summarize(samples, time.monotonic() - started)
    cpu_after = server_cpu(pid)
    if cpu_before is not None and cpu_after is not None and samples:
        per = (cpu_after - cpu_before) / len(samples)
        out["server_cpu_s"] = round(cpu_after - cpu_before, 1)
        out["server_cpu_ms_per_request"] = round(per * 1000, 1)
        # what the server could answer per second with every core of this machine to itself
        out["capacity_per_s_all_cores"] = round((os.cpu_count() or 1) / per, 1) if per > 0 else None
    out["clients"] = clients
    out["load_average_before"], out["load_average_after"] = load_before, load_average()
    if runaway:
        out["runaway_answers"] = [{"seconds": s, "status": st, "bytes": n} for s, st, n in runaways]
    return out


def timeout_behaviour(base: str, path: str) -> dict[str, Any]:
    """What a server answers when the runaway query passes its time limit."""
    started = time.monotonic()
    try:
        r = httpx.get(base + path, params={"query": RUNAWAY}, headers={"Accept": "application/sparql-results+json"},
                      timeout=300)
        body = r.content
        try:
            json.loads(body)
            whole = True
        except ValueError:
            whole = False
        return {"status": r.status_code, "seconds": round(time.monotonic() - started, 2), "bytes": len(body),
                "body_is_whole_json": whole, "body_start": body[:120].decode("utf-8", "replace")}
    except httpx.HTTPError as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "seconds": round(time.monotonic() - started, 2)}


def compare_designs(store: Path, trials: list[str], drugs: list[str], seconds: float, clients: int,
                    timeout: float) -> dict[str, Any]:
    rng = random.Random(7)
    texts: list[tuple[str, str]] = []
    for trial in rng.sample(trials, 20):
        texts.append(("criteria", bound_named(store, "criteria", {"trial": trial})))
        for kind, text in sparql_texts(trial).items():
            if kind != "sparql-ask":
                texts.append((kind, _prefixes() + text))
    for drug in drugs[:4]:
        texts.append(("drug-profile", bound_named(store, "drug-profile", {"drug": drug})))
    path = ["/query"]  # the SPARQL path of the server under test

    def draw() -> tuple[str, str, str, dict[str, Any]]:
        kind, text = rng.choice(texts)
        return kind, "POST", path[0], {"content": text, "headers": {"Content-Type": "application/sparql-query",
                                                                    "Accept": "application/sparql-results+json"}}

    out: dict[str, Any] = {"clients": clients, "seconds": seconds, "texts": len(texts)}
    for design, sparql_path, start in (("oxigraph_serve_read_only", "/query", start_oxigraph),
                                       ("kg_serve", "/sparql", start_kg)):
        path[0] = sparql_path
        port = free_port()
        proc = start(store, port, timeout)
        try:
            base = f"http://127.0.0.1:{port}"
            # one client: the cost of one query on each design; then several at once
            out[design] = {"one_client": run_load(base, 1, seconds / 2, draw, pid=proc.pid),
                           "clients": run_load(base, clients, seconds, draw, pid=proc.pid),
                           "server_rss_mb": rss_mb(proc.pid)}
            out[design]["past_time_limit"] = timeout_behaviour(base, sparql_path)
        finally:
            stop(proc)
    return out


def rss_mb(pid: int) -> float | None:
    """Resident memory of a server process (without its query children), in MB."""
    try:
        import psutil

        return round(psutil.Process(pid).memory_info().rss / 1e6, 1)
    except Exception:  # noqa: BLE001 - a figure, not a check
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=DEFAULT_STORE)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of each load phase")
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds of load before the measured phases")
    ap.add_argument("--timeout", type=float, default=30.0, help="the server's time limit per query (s; kg's default)")
    ap.add_argument("--compare", type=float, default=20.0, help="seconds per design in the comparison (0: skip)")
    ap.add_argument("--compare-clients", type=int, default=8)
    ap.add_argument("--bound", type=float, default=2.0, help="largest allowed p95 ratio (runaway / steady)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    store = args.store.resolve()
    if not (store / "CURRENT").exists():
        raise SystemExit(f"no store at {store} (build one, or pass --store)")

    result: dict[str, Any] = {"store": str(store), "cpus": os.cpu_count(), "timeout_s": args.timeout,
                              "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    result["store_before"] = before = fingerprint(store)
    print(f"store: {before['quads']} quads in {before['named_graphs']} graphs", file=sys.stderr)

    port = free_port()
    proc = start_kg(store, port, args.timeout)
    base = f"http://127.0.0.1:{port}"
    try:
        trials_answer = httpx.post(base + "/sparql", content="SELECT ?n WHERE { ?t a kg:Trial ; kg:nctId ?n } ORDER BY ?n",
                                   headers={"Content-Type": "application/sparql-query"}, timeout=120).json()
        trials = [b["n"]["value"] for b in trials_answer["results"]["bindings"]]
        drugs = [d for d in DRUGS if httpx.get(base + "/queries/drug-profile", params={"drug": d},
                                              timeout=120).status_code == 200]
        result["parameters"] = {"trials": len(trials), "drugs": drugs}
        mix = Mix(trials, drugs)
        if args.warmup > 0:  # first reads of the store's files: not what a running server sees
            print(f"warm-up: {args.clients} clients, {args.warmup:g} s", file=sys.stderr)
            warm = run_load(base, args.clients, args.warmup, mix.next, pid=proc.pid)
            result["warm_up"] = {k: warm[k] for k in ("requests", "errors", "per_second", "p50_s", "p95_s")}
        print(f"steady: {args.clients} clients, {args.duration:g} s", file=sys.stderr)
        result["steady"] = steady = run_load(base, args.clients, args.duration, mix.next, pid=proc.pid)
        print(json.dumps({k: steady[k] for k in ("requests", "errors", "per_second", "p50_s", "p95_s")}), file=sys.stderr)
        print(f"runaway: the same and one runaway client, {args.duration:g} s", file=sys.stderr)
        result["with_runaway"] = rw = run_load(base, args.clients, args.duration, mix.next, runaway=True,
                                               pid=proc.pid)
        print(json.dumps({k: rw[k] for k in ("requests", "errors", "per_second", "p50_s", "p95_s")}), file=sys.stderr)
        result["kg_server_rss_mb_after_load"] = rss_mb(proc.pid)
    finally:
        stop(proc)
    ratio50 = rw["p50_s"] / steady["p50_s"] if steady["p50_s"] else None
    ratio95 = rw["p95_s"] / steady["p95_s"] if steady["p95_s"] else None
    result["runaway_effect"] = {
        "p50_ratio": round(ratio50, 2) if ratio50 else None, "p95_ratio": round(ratio95, 2) if ratio95 else None,
        "bound_p95_ratio": args.bound,
        "runaway_answered_503": all(a["status"] == 503 for a in rw.get("runaway_answers", [])),
        "within_bound": ratio95 is not None and ratio95 <= args.bound,
    }
    if args.compare > 0:
        print(f"design comparison: {args.compare_clients} clients, {args.compare:g} s each", file=sys.stderr)
        result["design_comparison"] = compare_designs(store, trials, drugs, args.compare, args.compare_clients,
                                                      args.timeout)
    result["store_after"] = after = fingerprint(store)
    result["store_unchanged"] = before == after
    result["errors"] = steady["errors"] + rw["errors"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"errors": result["errors"], "store_unchanged": result["store_unchanged"],
                      **result["runaway_effect"]}), file=sys.stderr)


if __name__ == "__main__":
    main()
