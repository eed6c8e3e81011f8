"""Server engines at scale (issue #16, decision 0017): the 1,855-record store loaded into an
Oxigraph server and into Virtuoso with ``kg.push``; load time, disk size, named-query latencies.

Input: an N-Quads export of a built store (``--nquads FILE``), or a store folder opened
read-only and exported first (``--store DIR``; default: the 1,855-record store of commit 89ef449
at ``/root/.cache/kg-real-check/store-89ef449``). Each engine is started in a folder of its own
under ``--workdir`` on free localhost ports (:mod:`kg.push.servers`) and stopped afterwards.

For each engine: the push (quads, seconds, quads/s, method), the engine's folder size after a
checkpoint, and each named query's latency (median and max of ``--repeat`` runs after one warm-up,
through :class:`kg.store.endpoint.EndpointStore` and :func:`kg.query.named.run_named`, the path
``kg query --endpoint`` takes), next to the embedded store's. Results:
``benchmarks/results/server_engines.json``.

    python benchmarks/server_engines.py                      # both engines, ~10 min on 2 cores
    python benchmarks/server_engines.py --engines oxigraph   # one
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from kg.errors import KgError  # noqa: E402
from kg.push import export_nquads, push_oxigraph, push_virtuoso_bulk  # noqa: E402
from kg.push.servers import isql, start_oxigraph, start_virtuoso  # noqa: E402
from kg.query.named import run_named  # noqa: E402
from kg.store.endpoint import EndpointStore  # noqa: E402
from kg.store.oxigraph import OxigraphStore  # noqa: E402

DEFAULT_STORE = Path("/root/.cache/kg-real-check/store-89ef449")
OUT = REPO / "benchmarks" / "results" / "server_engines.json"


def cases(store: OxigraphStore) -> list[tuple[str, dict[str, str]]]:
    """The named queries with parameters that exist in the store (a trial with conflicts and comparables)."""
    def first(sparql: str) -> str:
        for row in store.query(sparql):
            return str(row[0])  # type: ignore[index]
        raise SystemExit(f"no answer to {sparql}")

    busy = first("SELECT ?n WHERE { ?c a kg:Conflict ; kg:trialA ?t . ?t kg:nctId ?n } LIMIT 1")
    comp = first("SELECT ?n WHERE { ?c a kg:Comparability ; kg:trialA ?t . ?t kg:nctId ?n } LIMIT 1")
    return [
        ("trials-by-drug", {"drug": "belimumab"}),
        ("trials-by-condition", {"condition": "lupus"}),
        ("trials-by-mechanism", {"mechanism": "BLyS"}),
        ("exclusions-of-drug", {"drug": "rituximab"}),
        ("drug-profile", {"drug": "rituximab"}),
        ("criteria", {"trial": busy}),
        ("conflicting-exclusions", {"trial": busy}),
        ("comparable-trials", {"trial": comp}),
        ("trial-overlap", {"trial": busy, "other": comp}),
        ("conflicting-exclusions", {}),
    ]


def latencies(store: object, todo: list[tuple[str, dict[str, str]]], repeat: int, timeout: float) -> list[dict]:
    out = []
    for name, params in todo:
        row: dict = {"query": name, "params": params}
        try:
            run_named(store, name, params, timeout=timeout)  # warm-up
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                run = run_named(store, name, params, timeout=timeout)
                times.append(time.perf_counter() - t0)
            row.update(rows=len(run.result.bindings) if run.result.type == "SELECT" else None,
                       median_s=round(statistics.median(times), 4), max_s=round(max(times), 4))
        except KgError as exc:
            row["error"] = " ".join(str(exc).split())[:200]
        out.append(row)
        print(f"  {name} {params}: {row.get('median_s', row.get('error'))}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=DEFAULT_STORE)
    ap.add_argument("--nquads", type=Path, help="an N-Quads export of --store (skips the export)")
    ap.add_argument("--engines", default="oxigraph,virtuoso")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--virtuoso-memory-gb", type=float, default=3.0)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--no-embedded", action="store_true", help="skip the embedded store's latencies")
    ap.add_argument("--merge", action="store_true", help="update --out's engines, keep the rest")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kg-server-engines-", dir=args.workdir))
    store = OxigraphStore(args.store, read_only=True)
    result: dict = {"store": str(args.store), "quads": len(store), "loadavg_start": os.getloadavg()}
    try:
        nquads = args.nquads
        if nquads is None:
            nquads = work / "store.nq"
            t0 = time.perf_counter()
            with open(nquads, "wb") as fh:
                export_nquads(store, fh)
            result["export_s"] = round(time.perf_counter() - t0, 1)
        result["nquads_bytes"] = nquads.stat().st_size
        todo = cases(store)
        if not args.no_embedded:
            print("embedded", flush=True)
            result["embedded"] = {"disk_bytes": sum(p.stat().st_size for p in args.store.rglob("*") if p.is_file()),
                                  "latencies": latencies(store, todo, args.repeat, args.timeout)}
        for engine in args.engines.split(","):
            print(engine, flush=True)
            folder = work / engine
            if engine == "oxigraph":
                server = start_oxigraph(folder / "data")
            else:
                server = start_virtuoso(folder / "db", memory_gb=args.virtuoso_memory_gb)
            try:
                t0 = time.perf_counter()
                if engine == "oxigraph":
                    n = push_oxigraph(nquads, server.base + "store")
                    method = "N-Quads POSTs to /store?no_transaction, 32 MiB each"
                else:
                    n = push_virtuoso_bulk(nquads, server.isql_port, Path(server.extra["loads"]))  # type: ignore[arg-type]
                    method = "ld_dir + rdf_loader_run + checkpoint (isql)"
                load_s = time.perf_counter() - t0
                print(f"  loaded {n} quads in {load_s:.1f} s", flush=True)
                if engine == "virtuoso":
                    isql(server.isql_port, "checkpoint;\n")
                    shutil.rmtree(server.extra["loads"], ignore_errors=True)
                endpoint = EndpointStore(server.query_url, timeout=args.timeout)
                result[engine] = {
                    "method": method, "quads": n, "load_s": round(load_s, 1),
                    "quads_per_s": round(n / load_s), "count_on_server": len(endpoint),
                    "disk_bytes": server.disk_bytes(), "dialect": endpoint.dialect,
                    "latencies": latencies(endpoint, todo, args.repeat, args.timeout),
                }
            finally:
                server.stop()
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    result["loadavg_end"] = os.getloadavg()
    if args.merge and args.out.exists():
        merged = json.loads(args.out.read_text())
        merged.update({k: v for k, v in result.items() if isinstance(v, dict)})
        merged.setdefault("runs", []).append({k: v for k, v in result.items() if not isinstance(v, dict)})
        result = merged
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if not isinstance(v, dict)}, indent=1))


if __name__ == "__main__":
    main()
