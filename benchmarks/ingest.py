"""Benchmark: build the graph of the 1,855 shared ClinicalTrials.gov records.

Measures, in one run on a fresh on-disk store:
  * read+parse+split (records/s) — ingest alone, no graph;
  * the full first build (records/s, wall and CPU), including criteria constraints
    and drug linking when those layers are installed;
  * the same build with the enrichment hooks switched off, so the cost of criteria
    parsing is visible (the criteria issue's "not more than 2x slower" target);
  * a second build of the same input (must change zero triples);
  * peak resident memory of the process (psutil / ru_maxrss).

Usage:  python benchmarks/ingest.py [SOURCE ...] [--out benchmarks/results/ingest.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from kg import __version__
from kg.graph import build as build_module
from kg.graph.pipeline import build
from kg.ingest.sources import read_sources
from kg.model import TrialRecord
from kg.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "ctgov"


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu() -> float:
    """CPU seconds of finished child processes (criteria parse workers, the reasoner's JVM)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


#: CPU seconds of child processes spent inside each ``timed`` call, in call order.
CHILD_CPU: list[float] = []


def timed(fn):  # type: ignore[no-untyped-def]
    t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu()
    out = fn()
    CHILD_CPU.append(children_cpu() - k0)
    return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", type=Path, default=[DEFAULT_SOURCE])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest.json")
    ap.add_argument("--no-prepare", action="store_true",
                    help="parse criteria in place, one process (no kg.criteria.rdf.prepare pool)")
    ap.add_argument("--no-compare", action="store_true",
                    help="leave out the kg.compare pass (conflicts, comparabilities) of the full builds")
    args = ap.parse_args()
    if args.no_prepare:
        import kg.criteria.rdf as crdf

        crdf.prepare = lambda pairs, workers=None, min_texts=None: 0  # type: ignore[assignment]
    for s in args.sources:
        if not s.exists():
            print(f"missing source {s}", file=sys.stderr)
            return 2

    items, t_read, c_read = timed(lambda: list(read_sources(args.sources)))
    n = sum(isinstance(i, TrialRecord) for i in items)

    with tempfile.TemporaryDirectory() as tmp:
        store = OxigraphStore(Path(tmp) / "plain")
        original = build_module._optional
        build_module._optional = lambda module, attr: None  # hooks off: the builder alone
        try:
            plain, t_plain, c_plain = timed(lambda: build(args.sources, store, shared_graphs=False))
        finally:
            build_module._optional = original
        store.close()

        store = OxigraphStore(Path(tmp) / "full")
        compare = not args.no_compare
        first, t_first, c_first = timed(lambda: build(args.sources, store, compare=compare))
        second, t_second, c_second = timed(lambda: build(args.sources, store, compare=compare))
        store.close()

    result = {
        "kg_version": __version__,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": __import__("os").cpu_count()},
        "sources": [str(s) for s in args.sources],
        "criteria_prepare_pool": not args.no_prepare,
        "compare_pass": not args.no_compare,
        "records": n,
        "read_parse_split": {"seconds": round(t_read, 2), "cpu_seconds": round(c_read, 2),
                             "records_per_second": round(n / t_read, 1)},
        "build_without_hooks": {"seconds": round(t_plain, 2), "cpu_seconds": round(c_plain, 2),
                                "records_per_second": round(n / t_plain, 1), "triples": plain.triples},
        "first_build": {"seconds": round(t_first, 2), "cpu_seconds": round(c_first, 2),
                        "records_per_second": round(n / t_first, 1), **first.as_dict()},
        "second_build": {"seconds": round(t_second, 2), "cpu_seconds": round(c_second, 2),
                         "graphs_changed": second.graphs_changed, "triples_added": second.triples_added,
                         "triples_removed": second.triples_removed},
        # Process CPU of this process only (the historical figure). Criteria parsing may run
        # in worker processes, whose CPU this leaves out: the wall-clock and the
        # with-children ratios are the ones that cannot flatter a parallel build.
        "hooks_slowdown": round(c_first / c_plain, 2) if c_plain else None,
        "hooks_slowdown_wall": round(t_first / t_plain, 2) if t_plain else None,
        "hooks_slowdown_cpu_with_children": (
            round((c_first + CHILD_CPU[2]) / (c_plain + CHILD_CPU[1]), 2) if c_plain else None),
        "child_cpu_seconds": {"build_without_hooks": round(CHILD_CPU[1], 2),
                              "first_build": round(CHILD_CPU[2], 2)},
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
