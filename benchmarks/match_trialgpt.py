"""kg match against the TrialGPT judgements (SIGIR 2016, TREC CT 2021) whose trials are in the shared records.

Each judged pair (patient note, NCT id, label 0 not relevant / 1 excluded / 2 eligible — the
TrialGPT convention, SIGIR's labels mapped the same way) whose trial is in the store is
matched: the note is read with :func:`kg.patient.notes.read_note`, the patient checked with
:func:`kg.match.match` against the judged trials. Reported, per half and overall, with
denominators:

* accuracy on eligible vs excluded (kg "excluded" = excluded, anything else = eligible; the
  three-way table is given too);
* AUROC of the ranking score, eligible vs excluded, and eligible vs (excluded + not relevant);
* the share of not-relevant pairs kg calls eligible;
* every mistake on an eligible/excluded pair, with the criteria that decided it and a cause
  assigned by rule (note parse, criterion parse, missing knowledge, reasoning; see ``cause``).

Honesty: the pairs are split into halves by a hash of the *patient* id (all of a patient's
pairs in one half), fixed before any pair was looked at. Tune on ``--half dev`` only; the test
half is scored for reporting. No note text or criterion text is written to the results
(criteria are named by trial, polarity and order; facts by their span in the note).

Speed: one patient against all trials of the store, facts read once (the read and the cached
read are timed separately).

    KG_CACHE_DIR=/tmp/kg-cache .venv/bin/python benchmarks/match_trialgpt.py --store STORE [--half dev]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "trialgpt"
OUT = ROOT / "benchmarks" / "results" / "match_trialgpt.json"
SETS = ("sigir", "trec_2021")


def half_of(patient_id: str) -> str:
    """dev or test, by a hash of the patient id (fixed before looking at any pair)."""
    return "dev" if int(hashlib.sha256(patient_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_pairs(ncts: set[str]) -> tuple[dict[str, str], list[tuple[str, str, int, str]]]:
    notes: dict[str, str] = {}
    pairs: list[tuple[str, str, int, str]] = []
    for name in SETS:
        for line in (DATA / name / "queries.jsonl").read_text("utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                notes[d["_id"]] = d["text"]
        for i, line in enumerate((DATA / name / "qrels_test.tsv").read_text("utf-8").splitlines()):
            if i == 0 or not line.strip():
                continue
            qid, nct, score = line.split("\t")
            if nct in ncts:
                pairs.append((qid, nct, int(score), name))
    return notes, pairs


def auroc(pos: list[float], neg: list[float]) -> float | None:
    """Probability that a positive outranks a negative (ties count half)."""
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def cause(gold: int, result: Any, patient: Any) -> str:
    """A first attribution of a mistake by rule (decision 0018 says how to read it)."""
    if gold == 2:  # kg excluded an eligible patient
        deciders = [f for c in result.excluded_by for f in c.decided_by]
        if any((f.fact or "").startswith("note[") for f in deciders):
            return "note parse"
        if any(f.kind in ("AgeConstraint", "SexConstraint") for f in deciders):
            return "note parse" if patient.age_years is None or patient.sex is None else "criterion parse"
        if any(f.assumed for f in deciders) and any(c.polarity == "inclusion" for c in result.excluded_by):
            return "missing knowledge"
        return "criterion parse"
    # kg did not exclude an excluded patient
    unknown = [c for c in result.criteria if c.status == "unknown"]
    if result.verdict == "undetermined" and unknown:
        return "missing knowledge" if any(c.criterion == "trial condition" for c in unknown) else "note parse"
    return "criterion parse"


def run(store_path: str, half: str | None) -> dict[str, Any]:
    from kg.match import load_facts, match
    from kg.patient.notes import read_note
    from kg.store.oxigraph import OxigraphStore

    store = OxigraphStore(store_path, read_only=True)
    t0 = time.perf_counter()
    facts = load_facts(store, use_cache=False)
    read_s = time.perf_counter() - t0
    load_facts(store)  # writes the cache
    t0 = time.perf_counter()
    facts = load_facts(store)
    cached_s = time.perf_counter() - t0
    ncts = {t.nct for t in facts.trials.values() if t.nct}
    notes, pairs = load_pairs(ncts)
    rows = []
    by_patient: dict[str, list[tuple[str, int, str]]] = {}
    for qid, nct, score, name in pairs:
        by_patient.setdefault(qid, []).append((nct, score, name))
    patients = {}
    for qid in sorted(by_patient):
        if half and half_of(qid) != half:
            continue
        p = read_note(notes[qid], qid)
        patients[qid] = p
        res = match(p, facts, trials=sorted({n for n, _s, _x in by_patient[qid]}))
        got = {r.nct: r for r in res.trials}
        for nct, score, name in by_patient[qid]:
            rows.append((qid, nct, score, name, got[nct]))
    # speed: one patient against every trial, facts already read
    times, cpu = [], []
    for qid in sorted(patients)[:10]:
        t0, c0 = time.perf_counter(), time.process_time()
        match(patients[qid], facts)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)

    def metrics(sel: list[Any]) -> dict[str, Any]:
        ee = [r for r in sel if r[2] in (1, 2)]
        correct = sum((r[4].verdict == "excluded") == (r[2] == 1) for r in ee)
        nr = [r for r in sel if r[2] == 0]
        three = Counter(f"{('eligible', 'excluded')[r[2] == 1]}->{r[4].verdict}" for r in ee)
        return {
            "pairs": len(sel), "eligible": sum(r[2] == 2 for r in sel), "excluded": sum(r[2] == 1 for r in sel),
            "not_relevant": len(nr), "patients": len({r[0] for r in sel}),
            "accuracy_eligible_vs_excluded": round(correct / len(ee), 4) if ee else None,
            "accuracy_denominator": len(ee),
            "auroc_eligible_vs_excluded": auroc([r[4].score for r in ee if r[2] == 2], [r[4].score for r in ee if r[2] == 1]),
            "auroc_eligible_vs_rest": auroc([r[4].score for r in sel if r[2] == 2], [r[4].score for r in sel if r[2] != 2]),
            "not_relevant_called_eligible": round(sum(r[4].verdict == "eligible" for r in nr) / len(nr), 4) if nr else None,
            "not_relevant_called_eligible_count": sum(r[4].verdict == "eligible" for r in nr),
            "gold_to_kg": dict(sorted(three.items())),
            "kg_verdicts_on_not_relevant": dict(sorted(Counter(r[4].verdict for r in nr).items())),
        }

    out: dict[str, Any] = {}
    for h in ("dev", "test"):
        sel = [r for r in rows if half_of(r[0]) == h]
        if sel:
            out[h] = metrics(sel)
    out["overall"] = metrics(rows)
    mistakes = []
    for qid, nct, score, name, r in rows:
        if score not in (1, 2) or (r.verdict == "excluded") == (score == 1):
            continue
        decided = r.excluded_by if score == 2 else [c for c in r.criteria if c.status == "unknown"][:5]
        mistakes.append({
            "patient": qid, "trial": nct, "set": name, "half": half_of(qid), "gold": "eligible" if score == 2 else "excluded",
            "kg": r.verdict, "score": r.score, "cause": cause(score, r, patients[qid]),
            "criteria": [{"criterion": "trial condition" if c.criterion == "trial condition" else f"{c.polarity} {c.order}",
                          "status": c.status, "why": "; ".join(dict.fromkeys(f.reason for f in c.decided_by))[:300],
                          "facts": sorted({f.fact for f in c.decided_by if f.fact})} for c in decided],
        })
    out["mistake_causes"] = {h: dict(Counter(m["cause"] for m in mistakes if m["half"] == h)) for h in ("dev", "test")}
    out["mistakes"] = mistakes
    out["speed"] = {
        "trials": len(facts.trials), "facts_read_from_store_s": round(read_s, 2), "facts_read_from_cache_s": round(cached_s, 3),
        "match_one_patient_all_trials_s": {"median": round(statistics.median(times), 3), "max": round(max(times), 3),
                                            "patients": len(times)} if times else None,
        "match_one_patient_all_trials_cpu_s": {"median": round(statistics.median(cpu), 3), "max": round(max(cpu), 3)}
        if cpu else None,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    out["targets"] = {"accuracy": 0.75, "auroc": 0.80, "not_relevant_called_eligible_max": 0.10}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True, help="A store built from the 1,855 shared records (opened read-only).")
    ap.add_argument("--half", choices=("dev", "test"), default=None, help="Score one half only (tune on dev).")
    ap.add_argument("--no-write", action="store_true", help="Print only; do not write the results file.")
    args = ap.parse_args()
    out = run(args.store, args.half)
    summary = {k: v for k, v in out.items() if k != "mistakes"}
    print(json.dumps(summary, indent=2))
    if not args.no_write and args.half is None:
        OUT.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
