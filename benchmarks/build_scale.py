"""Benchmark: a first build at registry scale -- records/s, peak memory, store bytes per trial.

Each case builds a fresh on-disk store in a fresh process (as ``kg build`` runs) and is
watched from outside: peak memory is the largest sum, over the build process and its
workers, of each process's proportional set size (PSS: shared pages split among the
processes sharing them, so forked workers are not counted twice), sampled every 0.25 s.
Stage times come from the build's own progress calls (reading, writing, shared graphs,
comparing trials). Cases:

* ``real``: the 1,855 shared ClinicalTrials.gov records, comparisons included;
* ``gen-N``: N realistic trials of ``benchmarks/realgen.py`` (generated first, outside the
  timing), comparisons off by default (``--compare`` to include them): the record stage is
  what this benchmark scales; kg.compare has its own benchmark.

Usage:
  python benchmarks/build_scale.py [--cases real gen-10000] [--workers N] [--compare]
                                   [--out benchmarks/results/build_scale.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "ctgov"
RESULTS = ROOT / "benchmarks" / "results" / "build_scale.json"

_CHILD = r"""
import json, resource, sys, time
from kg.graph.pipeline import build
from kg.store.oxigraph import OxigraphStore
src, dst, compare, workers = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
t0 = time.perf_counter()
stages = {}
cpu = {}
def used():
    ru = resource.getrusage(resource.RUSAGE_SELF); rc = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime, rc.ru_utime + rc.ru_stime
def tick(desc, done, total):
    if desc not in stages:
        stages[desc] = round(time.perf_counter() - t0, 2)
        cpu[desc] = [round(x, 1) for x in used()]
store = OxigraphStore(dst)
s = build([src], store, compare=compare, workers=workers, progress=tick)
stages["end"] = round(time.perf_counter() - t0, 2)
cpu["end"] = [round(x, 1) for x in used()]
store.close()
ru = resource.getrusage(resource.RUSAGE_SELF); rc = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"summary": s.as_dict(), "stages": stages, "cpu_at_stage_start_self_children": cpu, "seconds": stages["end"],
                  "cpu_seconds": round(ru.ru_utime + ru.ru_stime + rc.ru_utime + rc.ru_stime, 1),
                  "main_maxrss_mb": ru.ru_maxrss // 1024}))
"""


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_case(src: Path, workers: int, compare: bool, keep: Path | None = None) -> dict[str, object]:
    store = Path(tempfile.mkdtemp(prefix="kg-build-scale-")) / "store"
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(src), str(store), "1" if compare else "0", str(workers)],
                            stdout=subprocess.PIPE, text=True)
    peak = {"pss_kb": 0, "processes": 0}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            pids = _tree(proc.pid)
            total = sum(_pss_kb(p) for p in pids)
            if total > peak["pss_kb"]:
                peak["pss_kb"], peak["processes"] = total, len(pids)
            stop.wait(0.25)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    out, _ = proc.communicate()
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}) on {src}")
    res = json.loads(out.strip().splitlines()[-1])
    size = _dir_bytes(store)
    shutil.rmtree(store.parent, ignore_errors=True)
    s = res["summary"]
    trials = s["trials"] or 1
    st = res["stages"]
    records_end = st.get("shared graphs", st["end"])
    names = list(st)
    cpu_marks = res["cpu_at_stage_start_self_children"]
    res["stage_seconds"] = {a: {"wall": round(st[b] - st[a], 1),
                                "cpu": round(sum(cpu_marks[b]) - sum(cpu_marks[a]), 1)}
                            for a, b in zip(names, names[1:])}
    res.update({
        "records": s["records_read"], "workers": workers, "compare": compare,
        "records_per_second": round(s["records_read"] / res["seconds"], 1),
        "records_per_second_record_stage": round(s["records_read"] / records_end, 1),
        "cpu_ms_per_record": round(1000 * res["cpu_seconds"] / max(1, s["records_read"]), 1),
        "peak_pss_mb": peak["pss_kb"] // 1024, "processes_at_peak": peak["processes"],
        "store_bytes": size, "store_bytes_per_trial": size // trials,
        "triples_per_trial": round(s["triples"] / trials, 1),
    })
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=["real", "gen-10000"])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--compare", action="store_true", help="comparisons in the generated cases too")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import realgen

    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.setdefault("cases", {})
    for case in args.cases:
        tmp = None
        if case == "real":
            src, compare = REAL, True
        else:
            n = int(case.split("-", 1)[1])
            tmp = Path(tempfile.mkdtemp(prefix="kg-realgen-"))
            src, compare = tmp / "src", args.compare
            t0 = time.perf_counter()
            realgen.generate(json.loads(realgen.PROFILE.read_text()), n, src, seed=11)
            print(f"{case}: generated in {time.perf_counter() - t0:.0f} s", flush=True)
        load0 = os.getloadavg()
        try:
            res = run_case(src, args.workers, compare)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        res["load_average_before"] = [round(x, 2) for x in load0]
        res["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        results["cases"][case] = res
        print(json.dumps({case: {k: v for k, v in res.items() if k != "summary"}}, indent=1), flush=True)
        results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
