"""Benchmark of every named query on a real store, each run as a user runs it (issue #15).

Every named query (``kg queries``; graph views excluded) runs with representative
parameters in a fresh ``kg query NAME -p … --store DIR --format json --timeout T`` process,
``--runs`` times (default 3). Per query: median and p95 wall time, the time to the first
byte of output, the rows, and the verdict against the targets of issue #15:

- one-entity questions: at most 0.3 s beyond process start-up (start-up = the fastest of
  three ``kg queries`` runs, as ``../shared/tools/real-store-check`` measures it);
- whole-store listings (``trials``, all-pairs ``conflicting-exclusions``): first output
  within 1 s of start-up, finished within 10 s.

The same run times each query two more ways, to show what kg's process adds and what the
engine choice is worth (``--engines`` off with ``--no-engines``):

- **Oxigraph direct**: the same SPARQL text with the same parameters bound, run by pyoxigraph
  in this one process on the open store -- no ``kg`` process, no guard, no forked child, no
  parameter lookup (its time is reported apart, as ``resolve_s``); warm after the first run;
- **plain rdflib**: the same text on rdflib's own SPARQL engine over a subset loaded into an
  rdflib ``Dataset`` (5.8 M triples do not load in rdflib in reasonable time or memory): every
  graph but the record graphs and the comparisons, plus the record graphs of the trials the
  Oxigraph answers name (at most ``--rdflib-trials``, default 40). Rows therefore differ from
  the full store's; each run is stopped after ``--rdflib-timeout`` seconds (default 60).

The default store is the one ``real-store-check`` builds from the 1,855 shared
ClinicalTrials.gov records (5.8 M triples); pass ``--store DIR`` for another. The machine's
load average is recorded next to the figures: on a shared 2-core machine it moves them.

    python benchmarks/real_queries.py                        # default store, 3 runs
    python benchmarks/real_queries.py --store DIR --runs 5
    python benchmarks/real_queries.py --only criteria,trials
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "real_queries.json"
DEFAULT_STORE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kg-real-check" / "store-89ef449"

#: Representative parameters (those of real-store-check): a trial with criteria, conflicts and
#: comparable trials; a drug with a class and many trials; a mechanism; a condition with subtypes.
PARAMS: dict[str, list[tuple[str, str]]] = {
    "criteria": [("trial", "NCT00001337")],
    "comparable-trials": [("trial", "NCT00001337")],
    "conflicting-exclusions/one": [("trial", "NCT00001337")],
    "trial-overlap": [("trial", "NCT00001337"), ("trial", "NCT00003605")],
    "drug-profile": [("drug", "rituximab")],
    "trials-by-drug": [("drug", "rituximab")],
    "exclusions-of-drug": [("drug", "rituximab")],
    "trials-by-mechanism": [("mechanism", "CD20")],
    "trials-by-condition": [("condition", "lupus")],
}
LISTINGS = ("trials", "conflicting-exclusions")
ONE_ENTITY_BUDGET_S = 0.3
LISTING_FIRST_S = 1.0
LISTING_TOTAL_S = 10.0


def kg_command() -> list[str]:
    """The kg executable of this checkout's venv, else the one on PATH."""
    venv = ROOT / ".venv" / "bin" / "kg"
    if os.access(venv, os.X_OK):
        return [str(venv)]
    found = shutil.which("kg")
    if found:
        return [found]
    return [sys.executable, "-m", "kg.cli"]


def run_once(args: list[str], limit: float) -> dict[str, object]:
    """One process: wall time, time to its first output byte, exit status, stdout."""
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first: float | None = None
    chunks: list[bytes] = []
    fd = proc.stdout.fileno()
    while True:
        left = limit - (time.monotonic() - started)
        if left <= 0:
            proc.kill()
            proc.wait()
            return {"seconds": round(time.monotonic() - started, 3), "first_s": first, "exit": "hung", "out": b"",
                    "err": f"no answer in {limit:g} s"}
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        if first is None:
            first = round(time.monotonic() - started, 3)
        chunks.append(chunk)
    err = proc.stderr.read().decode("utf-8", "replace")
    code = proc.wait()
    return {"seconds": round(time.monotonic() - started, 3), "first_s": first, "exit": code,
            "out": b"".join(chunks), "err": err.strip().splitlines()[-1][:200] if code and err.strip() else ""}


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (the maximum for fewer than 20 runs)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1))]


def query_names(kg: list[str]) -> list[str]:
    """The named queries that answer rows (views build graphs and are left out)."""
    code = ("import json; from kg.query.named import load_queries; "
            "print(json.dumps([q.name for q in load_queries().values() if not q.view]))")
    python = Path(kg[0]).with_name("python") if kg[0].endswith("/kg") else Path(sys.executable)
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def plan(names: list[str]) -> list[tuple[str, str, list[tuple[str, str]], str]]:
    """(label, query name, parameters, kind) for every query to time."""
    todo: list[tuple[str, str, list[tuple[str, str]], str]] = []
    for name in names:
        if name in PARAMS:
            todo.append((name, name, PARAMS[name], "one"))
        if f"{name}/one" in PARAMS:
            todo.append((f"{name} -p trial", name, PARAMS[f"{name}/one"], "one"))
        if name in LISTINGS:
            todo.append((name, name, [], "listing"))
        elif name not in PARAMS and f"{name}/one" not in PARAMS:
            todo.append((name, name, [], "other"))
    return todo


def _bound_text(store: object, name: str, params: list[tuple[str, str]]) -> tuple[str, float]:
    """The named query's text with its parameters bound as ``kg query`` binds them, and the
    seconds the parameter lookups took."""
    from kg.query.binding import inject_values
    from kg.query.named import get_query, only_given
    from kg.query.params import resolve_param

    query = get_query(name)
    types = {p.name: p.type for p in query.params}
    started = time.perf_counter()
    bindings = {k: resolve_param(store, types[k], k, v) for k, v in params if types[k] != "limit"}
    took = time.perf_counter() - started
    return inject_values(only_given(query.text, set(bindings)), bindings), took


def engines(store_dir: Path, todo: list[tuple[str, str, list[tuple[str, str]], str]], runs: int,
            rdflib_trials: int, rdflib_timeout: float) -> dict[str, dict[str, object]]:
    """Per query label: Oxigraph-direct and plain-rdflib figures (see the module docstring)."""
    from kg.query.limits import run_with_limit
    from kg.store.oxigraph import _PREFIXES, OxigraphStore

    out: dict[str, dict[str, object]] = {}
    trials: list[str] = []
    store = OxigraphStore(store_dir, read_only=True)
    texts: dict[str, str] = {}
    for label, name, params, _kind in todo:
        try:
            text, resolve_s = _bound_text(store, name, params)
        except Exception as exc:  # noqa: BLE001 - reported, the benchmark goes on
            out[label] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            continue
        texts[label] = text
        seconds, n = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            res = store._store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=True)
            variables = [v.value for v in res.variables]
            rows = [[None if t is None else t.value for t in sol] for sol in res]
            seconds.append(time.perf_counter() - started)
            n = len(rows)
            if seconds[0] > 10:  # a listing of minutes: once is a measurement, five are a coffee break
                break
        for col_name in ("trial", "id", "trialA", "trialB"):
            if col_name not in variables:
                continue
            col = variables.index(col_name)
            trials += [r[col] for r in rows if r[col] and r[col] not in trials][:10]
        out[label] = {"oxigraph_direct": {"rows": n, "median_s": round(statistics.median(seconds), 4),
                                          "p95_s": round(p95(seconds), 4), "first_s": round(seconds[0], 4)},
                      "resolve_s": round(resolve_s, 4)}
    trials = trials[:rdflib_trials]
    # the rdflib subset: shared graphs whole, record graphs of the chosen trials
    from rdflib import Dataset

    from kg.store.oxigraph import to_rdflib

    started = time.perf_counter()
    ds = Dataset(default_union=True)
    wanted = " ".join(f'"{t}"' for t in trials)
    record_graphs = {str(r[0]) for r in store._store.query(
        f"SELECT DISTINCT ?g WHERE {{ VALUES ?id {{ {wanted} }} GRAPH ?g {{ ?t kg:nctId ?id }} }}", prefixes=_PREFIXES)}
    n_triples = 0
    for g in store._store.named_graphs():
        iri = g.value
        if "/graph/compare" in iri or ("/graph/record/" in iri and f"<{iri}>" not in record_graphs):
            continue
        ctx = ds.graph(to_rdflib(g))
        for q in store._store.quads_for_pattern(None, None, None, g):
            ctx.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
            n_triples += 1
    load_s = time.perf_counter() - started
    store.close()
    for label, text in texts.items():
        seconds, n, error = [], None, ""
        for _ in range(max(1, min(runs, 3))):
            def work(text: str = text) -> int:
                from rdflib.plugins import sparql as rdflib_sparql

                rdflib_sparql.SPARQL_LOAD_GRAPHS = False
                prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in _PREFIXES.items())
                return len(list(ds.query(prologue + text)))
            started = time.perf_counter()
            try:
                n = run_with_limit(work, rdflib_timeout)
            except Exception as exc:  # noqa: BLE001 - a timeout or an rdflib error is a result here
                error = f"{type(exc).__name__}: {exc}"[:200]
                seconds.append(time.perf_counter() - started)
                break
            seconds.append(time.perf_counter() - started)
        out[label]["rdflib_subset"] = {"rows": n, "median_s": round(statistics.median(seconds), 4),
                                       "p95_s": round(p95(seconds), 4), "error": error}
    out["_rdflib_subset"] = {"trials": len(trials), "record_graphs": len(record_graphs), "triples": n_triples,
                             "load_s": round(load_s, 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=DEFAULT_STORE)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0, help="kg query --timeout per run")
    ap.add_argument("--only", default="", help="comma-separated query names")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--no-engines", action="store_true", help="skip the Oxigraph-direct and rdflib comparisons")
    ap.add_argument("--rdflib-trials", type=int, default=40)
    ap.add_argument("--rdflib-timeout", type=float, default=60.0)
    args = ap.parse_args(argv)
    if not args.store.is_dir():
        print(f"no store at {args.store} (build one, or run ../shared/tools/real-store-check)", file=sys.stderr)
        return 2
    kg = kg_command()
    startup = min(float(run_once([*kg, "queries"], 60)["seconds"]) for _ in range(3))  # type: ignore[arg-type]
    only = {n for n in args.only.split(",") if n}
    todo = [t for t in plan(query_names(kg)) if not only or t[1] in only]
    load_before = os.getloadavg()
    rows_out = []
    print(f"start-up (fastest `kg queries`): {startup:.2f} s; load average {load_before[0]:.1f}; store {args.store}")
    print(f"{'query':34} {'kind':8} {'rows':>7} {'median':>7} {'p95':>7} {'first':>7}  verdict")
    for label, name, params, kind in todo:
        cmd = [*kg, "query", name]
        for key, value in params:
            cmd += ["-p", key, value]
        cmd += ["--store", str(args.store), "--format", "json", "--timeout", f"{args.timeout:g}"]
        runs = [run_once(cmd, args.timeout + 30) for _ in range(args.runs)]
        ok = [r for r in runs if r["exit"] == 0]
        seconds = [float(r["seconds"]) for r in runs]  # type: ignore[arg-type]
        firsts = [float(r["first_s"]) for r in ok if r["first_s"] is not None]  # type: ignore[arg-type]
        try:
            n_rows: int | None = len(json.loads(ok[-1]["out"])) if ok else None  # type: ignore[arg-type]
        except ValueError:
            n_rows = None
        med, high = statistics.median(seconds), p95(seconds)
        if len(ok) < len(runs):
            verdict = "FAILED"
        elif kind == "one":
            verdict = "ok" if high - startup <= ONE_ENTITY_BUDGET_S else "OVER"
        elif kind == "listing":
            first_ok = bool(firsts) and max(firsts) - startup <= LISTING_FIRST_S
            verdict = "ok" if first_ok and high <= LISTING_TOTAL_S else ("OVER (first rows)" if high <= LISTING_TOTAL_S else "OVER")
        else:
            verdict = "-"
        entry = {
            "query": label, "name": name, "params": [f"{k}={v}" for k, v in params], "kind": kind,
            "rows": n_rows, "median_s": round(med, 3), "p95_s": round(high, 3),
            "beyond_startup_median_s": round(med - startup, 3), "beyond_startup_p95_s": round(high - startup, 3),
            "first_output_s": round(max(firsts), 3) if firsts else None, "runs_s": seconds,
            "exit": [r["exit"] for r in runs], "error": next((r["err"] for r in runs if r["err"]), ""),
            "verdict": verdict,
        }
        rows_out.append(entry)
        first = f"{entry['first_output_s']:7.2f}" if entry["first_output_s"] is not None else "      -"
        print(f"{label:34} {kind:8} {n_rows if n_rows is not None else '-':>7} {med:7.2f} {high:7.2f} {first}  "
              f"{verdict} {entry['error']}", flush=True)
    if not args.no_engines:
        print("engines: the same SPARQL by pyoxigraph in this process, and by rdflib on a subset …", flush=True)
        compared = engines(args.store, todo, args.runs, args.rdflib_trials, args.rdflib_timeout)
        subset = compared.pop("_rdflib_subset", {})
        print(f"rdflib subset: {subset}")
        print(f"{'query':34} {'kg rows':>7} {'kg med':>7} {'ox rows':>7} {'ox med':>7} {'resolve':>7} "
              f"{'rdf rows':>8} {'rdf med':>7}")
        for entry in rows_out:
            c = compared.get(str(entry["query"]), {})
            entry["engines"] = c
            ox_ = c.get("oxigraph_direct", {})
            rd = c.get("rdflib_subset", {})
            print(f"{entry['query']:34} {entry['rows'] if entry['rows'] is not None else '-':>7} {entry['median_s']:7.2f} "
                  f"{ox_.get('rows', '-'):>7} {ox_.get('median_s', float('nan')):7.3f} {c.get('resolve_s', float('nan')):7.3f} "
                  f"{rd.get('rows') if rd.get('rows') is not None else '-':>8} {rd.get('median_s', float('nan')):7.2f} "
                  f"{rd.get('error', '') or c.get('error', '')}", flush=True)
    else:
        subset = None
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    report = {
        "store": str(args.store), "head": head, "runs": args.runs, "timeout_s": args.timeout,
        "startup_s": round(startup, 3), "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "targets": {"one_entity_beyond_startup_s": ONE_ENTITY_BUDGET_S, "listing_first_output_s": LISTING_FIRST_S,
                    "listing_total_s": LISTING_TOTAL_S},
        "engines_note": ("engines.oxigraph_direct: the same bound SPARQL by pyoxigraph in one warm process "
                         "(no kg process, guard, fork or parameter lookup; resolve_s apart); engines.rdflib_subset: "
                         "rdflib's SPARQL engine over the shared graphs plus the record graphs of rdflib_subset.trials "
                         "trials (rows differ from the full store's)") if subset is not None else None,
        "rdflib_subset": subset,
        "queries": rows_out,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")
    return 0 if all(r["verdict"] in ("ok", "-") for r in rows_out) else 1


if __name__ == "__main__":
    sys.exit(main())
