"""Benchmark: build the graph of the 1,855 shared ClinicalTrials.gov records.

Measures each build in a fresh process (as ``kg build`` runs) on a fresh on-disk store:
  * read+parse+split (records/s) — ingest alone, no graph;
  * the build with every enrichment hook off (the builder alone: the historical baseline);
  * the build with the criteria stage off (``kg.criteria.rdf`` absent: no criteria parse,
    no constraint nodes) and every other hook on (drug linking, shared graphs);
  * the same build with the criteria stage on: the difference is what criteria cost, and
    ``criteria_slowdown`` (wall and CPU, children included) is the criteria issue's
    "must not slow the build by more than 2x" figure;
  * a second build of the full store (must change zero triples);
  * peak resident memory of the largest build process (ru_maxrss).

Builds run with ``compare=False`` by default (the compare pass is a separate concern with
its own benchmark; ``--compare`` puts it back into the criteria-on and -off builds). With
``--rounds N`` the criteria-off and -on builds alternate N times (off/on, on/off, ...) so
load from other processes on a shared machine hits both alike; the medians are reported.

Usage:  python benchmarks/ingest.py [SOURCE ...] [--sources DIR ...] [--rounds N]
                                    [--out benchmarks/results/ingest.json]
e.g. a quick run:  python benchmarks/ingest.py --sources ../shared/data/ctgov/api_v2 --out /tmp/i.json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kg import __version__
from kg.graph import build as build_module
from kg.graph.pipeline import build
from kg.ingest.sources import read_sources
from kg.model import TrialRecord
from kg.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "ctgov"
CRITERIA_MODULE = "kg.criteria.rdf"


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu() -> float:
    """CPU seconds of finished child processes (criteria parse workers, the reasoner's JVM)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn: Callable[[], object]) -> tuple[object, dict[str, float]]:
    """Run ``fn``; its wall seconds, this process's CPU seconds and its children's CPU seconds."""
    gc.collect()
    t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu()
    out = fn()
    return out, {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
                 "child_cpu_seconds": children_cpu() - k0}


def hooks(off: str) -> Callable[[str, str], object]:
    """A stand-in for ``kg.graph.build._optional``: ``off`` is "all" (no hook at all),
    "criteria" (the criteria layer absent, every other hook as installed) or "none"."""
    real = build_module._optional

    def optional(module: str, attr: str) -> object:
        if off == "all" or (off == "criteria" and module == CRITERIA_MODULE):
            return None
        return real(module, attr)

    return optional


def one_build(sources: list[Path], where: Path, off: str, compare: bool, *, shared_graphs: bool = True,
              again: bool = False, no_prepare: bool = False) -> dict[str, object]:
    """One build of ``sources`` into a fresh store at ``where`` with the hooks ``off``, in a
    fresh process (as ``kg build`` runs): no parse cache, reasoner result or warm import
    carries over from an earlier build, whatever the order."""
    spec = {"sources": [str(s) for s in sources], "where": str(where), "off": off, "compare": compare,
            "shared_graphs": shared_graphs, "again": again, "no_prepare": no_prepare}
    proc = subprocess.run([sys.executable, __file__, "--one-build", json.dumps(spec)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"build {spec} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _one_build_here(spec: dict[str, object]) -> dict[str, object]:
    """The child side of :func:`one_build`."""
    sources = [Path(s) for s in spec["sources"]]  # type: ignore[union-attr]
    where, off, compare = Path(str(spec["where"])), str(spec["off"]), bool(spec["compare"])
    shared_graphs, again = bool(spec["shared_graphs"]), bool(spec["again"])
    if spec["no_prepare"]:
        import kg.criteria.rdf as crdf

        crdf.prepare = lambda pairs, workers=None, min_texts=None: 0  # type: ignore[assignment]
    real = build_module._optional
    build_module._optional = hooks(off)  # type: ignore[assignment]
    try:
        store = OxigraphStore(where)
        try:
            summary, t = timed(lambda: build(sources, store, shared_graphs=shared_graphs, compare=compare))
            out: dict[str, object] = {**t, "summary": summary.as_dict(),  # type: ignore[attr-defined]
                                      "peak_rss_mb": round(peak_rss_mb(), 1)}
            out["summary"].pop("report", None)  # type: ignore[attr-defined]  # a temporary path
            if again:
                second, t2 = timed(lambda: build(sources, store, shared_graphs=shared_graphs, compare=compare))
                out["second_build"] = {**t2, "graphs_changed": second.graphs_changed,  # type: ignore[attr-defined]
                                       "triples_added": second.triples_added,  # type: ignore[attr-defined]
                                       "triples_removed": second.triples_removed}  # type: ignore[attr-defined]
        finally:
            store.close()
    finally:
        build_module._optional = real  # type: ignore[assignment]
    return out


def _r(x: float) -> float:
    return round(x, 2)


def _figures(runs: list[dict[str, object]], n: int) -> dict[str, object]:
    """Median wall, CPU and children's CPU of ``runs``, plus each run's figures."""
    wall = statistics.median(float(r["seconds"]) for r in runs)  # type: ignore[arg-type]
    cpu = statistics.median(float(r["cpu_seconds"]) for r in runs)  # type: ignore[arg-type]
    child = statistics.median(float(r["child_cpu_seconds"]) for r in runs)  # type: ignore[arg-type]
    total = statistics.median(float(r["cpu_seconds"]) + float(r["child_cpu_seconds"]) for r in runs)  # type: ignore[arg-type]
    return {"seconds": _r(wall), "cpu_seconds": _r(cpu), "child_cpu_seconds": _r(child),
            "cpu_seconds_with_children": _r(total), "records_per_second": round(n / wall, 1),
            "runs": [{k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()} for r in runs]}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", type=Path, help="files or folders (default ../shared/data/ctgov)")
    ap.add_argument("--sources", dest="source_opt", nargs="+", type=Path, default=[],
                    help="same as the positional SOURCEs (e.g. a subset for a quick run)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest.json")
    ap.add_argument("--rounds", type=int, default=1,
                    help="criteria-off / criteria-on build pairs, alternating order (default 1)")
    ap.add_argument("--compare", action="store_true",
                    help="run the kg.compare pass in the criteria-off and -on builds (off by default)")
    ap.add_argument("--no-compare", action="store_true", help=argparse.SUPPRESS)  # the default now
    ap.add_argument("--no-prepare", action="store_true",
                    help="parse criteria in place, one process (no kg.criteria.rdf.prepare pool)")
    ap.add_argument("--skip-all-hooks-off", action="store_true",
                    help="leave out the historical all-hooks-off build")
    ap.add_argument("--one-build", help=argparse.SUPPRESS)  # internal: the child of one_build
    args = ap.parse_args()
    if args.one_build:
        print(json.dumps(_one_build_here(json.loads(args.one_build))))
        return 0
    sources = [*args.sources, *args.source_opt] or [DEFAULT_SOURCE]
    compare = args.compare and not args.no_compare
    for s in sources:
        if not s.exists():
            print(f"missing source {s}", file=sys.stderr)
            return 2

    items, t_read = timed(lambda: list(read_sources(sources)))
    n = sum(isinstance(i, TrialRecord) for i in items)  # type: ignore[union-attr]
    del items

    runs: dict[str, list[dict[str, object]]] = {"criteria_off": [], "criteria_on": []}
    order: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        plain = None
        if not args.skip_all_hooks_off:
            # The historical baseline: the builder alone, no hook and no shared graph.
            plain = one_build(sources, Path(tmp) / "plain", "all", False, shared_graphs=False)
            shutil.rmtree(Path(tmp) / "plain", ignore_errors=True)
        for i in range(args.rounds):
            for side in (("criteria_off", "criteria_on") if i % 2 == 0 else ("criteria_on", "criteria_off")):
                last = i == args.rounds - 1 and side == "criteria_on"
                where = Path(tmp) / f"{side}-{i}"
                runs[side].append(one_build(sources, where, "criteria" if side == "criteria_off" else "none",
                                            compare, again=last, no_prepare=args.no_prepare))
                order.append(f"{side}-{i}")
                shutil.rmtree(where, ignore_errors=True)

    off, on = _figures(runs["criteria_off"], n), _figures(runs["criteria_on"], n)
    second = runs["criteria_on"][-1].pop("second_build")
    full = runs["criteria_on"][-1]["summary"]
    result: dict[str, object] = {
        "kg_version": __version__,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "sources": [str(s) for s in sources],
        "criteria_prepare_pool": not args.no_prepare,
        "compare_pass": compare,
        "rounds": args.rounds,
        "order": order,
        "records": n,
        "read_parse_split": {"seconds": _r(t_read["seconds"]), "cpu_seconds": _r(t_read["cpu_seconds"]),
                             "records_per_second": round(n / t_read["seconds"], 1)},
        # The criteria issue's target: criteria on vs off, everything else equal. CPU includes
        # the children (the criteria parse pool runs in worker processes), so a parallel build
        # cannot flatter it; wall time on a shared 2-CPU machine is the noisier figure.
        "criteria_slowdown": {
            "wall": _ratio(float(on["seconds"]), float(off["seconds"])),  # type: ignore[arg-type]
            "cpu_with_children": _ratio(float(on["cpu_seconds_with_children"]),  # type: ignore[arg-type]
                                        float(off["cpu_seconds_with_children"])),  # type: ignore[arg-type]
            "cpu_this_process": _ratio(float(on["cpu_seconds"]), float(off["cpu_seconds"])),  # type: ignore[arg-type]
            "target": 2.0,
        },
        "build_criteria_off": off,
        "build_criteria_on": {**on, **full},
        "second_build": {k: (_r(v) if isinstance(v, float) else v) for k, v in second.items()},  # type: ignore[union-attr]
    }
    if plain is not None:
        p = {k: (_r(v) if isinstance(v, float) else v) for k, v in plain.items() if k != "summary"}
        result["build_without_hooks"] = {**p, "triples": plain["summary"]["triples"]}  # type: ignore[index]
        # The historical figure: every hook (criteria, drug linking) and the shared graphs
        # on vs all off, so it is larger than the criteria slowdown alone.
        result["hooks_slowdown"] = {
            "wall": _ratio(float(on["seconds"]), float(plain["seconds"])),  # type: ignore[arg-type]
            "cpu_with_children": _ratio(float(on["cpu_seconds_with_children"]),  # type: ignore[arg-type]
                                        float(plain["cpu_seconds"]) + float(plain["child_cpu_seconds"])),  # type: ignore[arg-type]
        }
    result["peak_rss_mb"] = max(float(r["peak_rss_mb"]) for rs in runs.values() for r in rs)  # type: ignore[arg-type]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
