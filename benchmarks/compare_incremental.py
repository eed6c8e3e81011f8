"""Benchmark: the comparisons after a one-record change, incremental against a full recomputation.

On ~300 real ClinicalTrials.gov records (every third API v2 study of the shared data, in
name order), each step in a fresh process (as ``kg build`` runs it), on an on-disk store:

  * ``full``: the first materialization (every conflict and comparability computed and written);
  * the record of the trial named by the most conflicts loses its exclusion criteria (the
    text from "Exclusion Criteria" on) and the records are rebuilt without comparing;
  * ``incremental``: ``materialize`` after that change: only the conflicts of trials whose
    inputs changed are recomputed (kg.compare.delta), the comparabilities re-ranked;
  * ``forced_full``: ``materialize(force=True)`` on the same store, which is what every
    change cost before (everything recomputed, the whole graph diffed); it must change
    nothing, since the incremental answer equals the full one.

Each step reports seconds (wall), peak resident memory of its process (ru_maxrss) and the
materialization summary (trials changed, pairs and conflicts recomputed, quads added and
removed, whether the write was one transaction or a slot swap).

With ``--built-store DIR`` (a *copy* of a store built by ``kg build``: it is changed in
place) the same three steps run on that store instead, the change made at the store level:
the most conflicted trial's therapy constraints lose the drugs and classes they name in its
record graphs, whose build fingerprints change, as a rebuild of an edited record would
leave them. Its figures go under ``built_store`` in the results file (merged with what is
there).

Usage:  python benchmarks/compare_incremental.py [--sources DIR] [--records 300]
                                                 [--out benchmarks/results/compare_incremental.json]
        python benchmarks/compare_incremental.py --built-store COPY_OF_STORE
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = ROOT.parent / "shared" / "data" / "ctgov" / "api_v2" / "studies"


def _step(store: str, mode: str) -> dict:
    """One materialization in this (fresh) process."""
    from kg.compare import materialize
    from kg.store.oxigraph import OxigraphStore

    t0 = time.perf_counter()
    with OxigraphStore(store) as s:
        slot_before = str(s.derived_graph(_compare()))
        summary = materialize(s, force=mode == "forced_full")
        slot_after = str(s.derived_graph(_compare()))
    wall = time.perf_counter() - t0
    out = dataclasses.asdict(summary)
    out = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in out.items()}
    return {"seconds": round(wall, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "write": "slot swap" if slot_before != slot_after else "one transaction", "summary": out}


def _compare():  # type: ignore[no-untyped-def]
    from kg import vocab as V

    return V.COMPARE_GRAPH


def _fresh(store: Path, mode: str) -> dict:
    res = subprocess.run([sys.executable, __file__, "--step", mode, "--store", str(store)],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _build(src: Path, store: Path) -> float:
    """Records and shared graphs, no comparisons (in a fresh process, as `kg build`)."""
    code = ("import sys; from kg.graph.pipeline import build; from kg.store.oxigraph import OxigraphStore\n"
            "with OxigraphStore(sys.argv[2]) as s: build([sys.argv[1]], s, compare=False)")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(src), str(store)], check=True)
    return time.perf_counter() - t0


def _most_conflicted(store: Path) -> tuple[str, int]:
    import pyoxigraph as ox

    from kg import vocab as V
    from kg.store.oxigraph import OxigraphStore

    conflicts: dict[str, int] = {}
    with OxigraphStore(store, read_only=True) as s:
        g = ox.NamedNode(str(s.derived_graph(V.COMPARE_GRAPH)))
        nodes = {q.subject for q in s._store.quads_for_pattern(None, None, ox.NamedNode(str(V.Conflict)), g)}
        for side in (V.trialA, V.trialB):
            for q in s._store.quads_for_pattern(None, ox.NamedNode(str(side)), None, g):
                if q.subject in nodes:
                    conflicts[q.object.value] = conflicts.get(q.object.value, 0) + 1
    best = max(sorted(conflicts), key=lambda t: conflicts[t])
    return best.rsplit("/", 1)[-1], conflicts[best]


def _change_in_store(store: Path, nct: str) -> int:
    """The trial's therapy constraints name nothing any more; its record graphs' fingerprints change."""
    import pyoxigraph as ox

    from kg import vocab as V
    from kg.store.oxigraph import OxigraphStore

    n = 0
    with OxigraphStore(store) as s:
        trial, fp = ox.NamedNode(str(V.trial_iri(nct))), ox.NamedNode(str(V.buildFingerprint))
        graphs = {q.graph_name for q in s._store.quads_for_pattern(trial, None, None, None)
                  if q.graph_name.value.startswith(str(V.KGGRAPH["record/"]))}
        for g in graphs:
            for p in ("refersToDrug", "refersToDrugClass"):
                for q in list(s._store.quads_for_pattern(None, ox.NamedNode(str(V.KG[p])), None, g)):
                    s._store.remove(q)
                    n += 1
            for q in list(s._store.quads_for_pattern(g, fp, None, g)):
                s._store.remove(q)
                s._store.add(ox.Quad(g, fp, ox.Literal(q.object.value + "-changed"), g))
    return n


def _drop_exclusions(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    mod = doc["protocolSection"]["eligibilityModule"]
    text = mod["eligibilityCriteria"]
    cut = text.lower().find("exclusion criteria")
    mod["eligibilityCriteria"] = text[:cut].rstrip() if cut > 0 else "\n".join(text.splitlines()[: len(text.splitlines()) // 2])
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    ap.add_argument("--records", type=int, default=300)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "compare_incremental.json")
    ap.add_argument("--built-store", type=Path, help="a copy of a built store (changed in place)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        print(json.dumps(_step(args.store, args.step)))
        return

    if args.built_store:
        _on_built_store(args.built_store, args.out)
        return
    files = sorted(args.sources.glob("*.json"))[::3][: args.records]
    work = Path(tempfile.mkdtemp(prefix="kg-compare-incr-"))
    try:
        src, store = work / "src", work / "store"
        src.mkdir()
        for f in files:
            shutil.copy(f, src / f.name)
        res: dict = {"records": len(files), "sources": str(args.sources), "selection": "every third file, name order",
                     "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()}}
        res["build_records_s"] = round(_build(src, store), 1)
        res["full"] = _fresh(store, "full")
        print("full", res["full"], flush=True)
        nct, n = _most_conflicted(store)
        res["changed_record"] = {"nct": nct, "conflicts_before": n, "change": "exclusion criteria removed"}
        _drop_exclusions(src / f"{nct}.json")
        res["rebuild_records_s"] = round(_build(src, store), 1)
        _incremental_then_full(store, res)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=2))


def _incremental_then_full(store: Path, res: dict) -> None:
    """Materialize after the change (incremental), then force a full run; record both, and
    whether the full run found anything left to change (it must not)."""
    res["incremental"] = _fresh(store, "incremental")
    print("incremental", res["incremental"], flush=True)
    res["forced_full"] = _fresh(store, "forced_full")
    print("forced_full", res["forced_full"], flush=True)
    ff = res["forced_full"]["summary"]
    res["incremental_equals_full"] = ff["added"] == 0 and ff["removed"] == 0
    res["speedup_vs_full_recompute"] = round(res["forced_full"]["seconds"] / res["incremental"]["seconds"], 2)


def _on_built_store(store: Path, out: Path) -> None:
    res: dict = {"store": str(store)}
    # The store's first materialization by this code: no bookkeeping yet, so a full one.
    res["full"] = _fresh(store, "full")
    print("full", res["full"], flush=True)
    nct, n = _most_conflicted(store)
    res["changed_trial"] = {"nct": nct, "conflicts_before": n, "links_removed": _change_in_store(store, nct),
                            "change": "its therapy constraints name no drug or class"}
    _incremental_then_full(store, res)
    merged = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    merged["built_store"] = res
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
