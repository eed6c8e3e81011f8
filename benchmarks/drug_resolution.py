"""Benchmark: share of drug/biological-type intervention names of the shared ClinicalTrials.gov
records that kg.drugs.resolve resolves (placebos count as resolved).

Usage: python benchmarks/drug_resolution.py [SHARED_DIR]
Writes benchmarks/results/drug_resolution.json and refreshes the hand-check sample
benchmarks/results/drug_resolution_sample.tsv: SAMPLE_SIZE resolved (name -> drugs) pairs
drawn with a fixed seed; verdicts already written by hand for a name are kept.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import defusedxml.ElementTree as ET

from kg.drugs.resolve import resolve_class_phrase, resolve_intervention

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "benchmarks/results/drug_resolution_sample.tsv"
SAMPLE_SIZE = 50
SAMPLE_SEED = 20261122


def intervention_names(shared: Path) -> Counter[str]:
    names: Counter[str] = Counter()
    for f in sorted((shared / "data/ctgov/api_v2/studies").glob("*.json")):
        study = json.loads(f.read_text(encoding="utf-8"))
        mod = study.get("protocolSection", {}).get("armsInterventionsModule", {})
        for iv in mod.get("interventions") or []:
            if iv.get("type") in ("DRUG", "BIOLOGICAL") and iv.get("name"):
                names[iv["name"].strip()] += 1
    for f in sorted((shared / "data/ctgov/legacy_xml/studies").glob("*.xml")):
        root = ET.parse(f).getroot()
        for iv in root.findall("intervention"):
            if iv.findtext("intervention_type") in ("Drug", "Biological") and iv.findtext("intervention_name"):
                names[iv.findtext("intervention_name").strip()] += 1
    return names


def main(shared: Path) -> dict:
    t0 = time.perf_counter()
    names = intervention_names(shared)
    unresolved: dict[str, int] = {}
    placebo = 0
    for name, n in names.items():
        r = resolve_intervention(name)
        if r.unresolved:
            unresolved[name] = n
        elif r.is_placebo and not r.drugs:
            placebo += n
    resolved_pairs = {}
    for name in names:
        r = resolve_intervention(name)
        if r.drugs and not r.unresolved:
            resolved_pairs[name] = [str(d).rsplit("/", 1)[1] for d in r.drugs]
    sample_stats = write_sample(resolved_pairs)
    total = sum(names.values())
    bad = sum(unresolved.values())
    # class words ("chemotherapy", "PD-1 inhibitor") are not drug names: reported, not excused
    class_mentions = {n: c for n, c in unresolved.items() if resolve_class_phrase(n).classes}
    result = {
        "occurrences": total,
        "unique_names": len(names),
        "resolved_occurrences": total - bad,
        "rate": round((total - bad) / total, 4),
        "unique_rate": round((len(names) - len(unresolved)) / len(names), 4),
        "placebo_occurrences": placebo,
        "class_mention_occurrences": sum(class_mentions.values()),
        "rate_excluding_class_mentions": round((total - bad) / (total - sum(class_mentions.values())), 4),
        "seconds": round(time.perf_counter() - t0, 2),
        "sample": sample_stats,
        "class_mentions": sorted(class_mentions),
        "unresolved": dict(sorted(unresolved.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
    out = ROOT / "benchmarks/results/drug_resolution.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def write_sample(resolved: dict[str, list[str]]) -> dict:
    """Draw the seeded sample of resolved names; keep earlier hand verdicts; return counts."""
    verdicts: dict[str, tuple[str, str]] = {}
    if SAMPLE.exists():
        for row in csv.DictReader(SAMPLE.open(encoding="utf-8"), delimiter="\t"):
            verdicts[row["name"]] = (row["verdict"], row["note"])
    rng = random.Random(SAMPLE_SEED)
    picked = rng.sample(sorted(resolved), min(SAMPLE_SIZE, len(resolved)))
    with SAMPLE.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["name", "drugs", "verdict", "note"])
        for name in picked:
            verdict, note = verdicts.get(name, ("", ""))
            w.writerow([name, ";".join(resolved[name]), verdict, note])
    got = Counter(verdicts.get(n, ("",))[0] or "unchecked" for n in picked)
    return {"file": SAMPLE.name, "seed": SAMPLE_SEED, "size": len(picked), "verdicts": dict(sorted(got.items()))}


if __name__ == "__main__":
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".." / "shared"
    r = main(shared.resolve())
    print(f"resolved {r['resolved_occurrences']}/{r['occurrences']} occurrences ({r['rate']:.1%}); "
          f"unique names {r['unique_rate']:.1%}; {len(r['unresolved'])} unresolved names "
          f"({r['class_mention_occurrences']} occurrences are class words; "
          f"{r['rate_excluding_class_mentions']:.1%} without them)")
