"""Benchmark: share of drug/biological-type intervention names of the shared ClinicalTrials.gov
records that kg.drugs.resolve resolves (placebos count as resolved).

Usage: python benchmarks/drug_resolution.py [SHARED_DIR]
       python benchmarks/drug_resolution.py --gold dev|test [SHARED_DIR]
Writes benchmarks/results/drug_resolution.json and refreshes the hand-check sample
benchmarks/results/drug_resolution_sample.tsv: SAMPLE_SIZE resolved (name -> drugs) pairs
drawn with a fixed seed; verdicts already written by hand for a name are kept.

``--gold dev|test`` scores the hand-judged named agents of ``benchmarks/gold/drug_agents``
(intervention names of type drug/biological and drug names inside criteria of the 60
held-out criteria_real trials, split as that set is): resolved share and wrong count, written
to ``benchmarks/results/drug_agents_<half>.json``. Expected cells: substances separated by
``;``, names of one substance by ``|``, alternative readings by `` OR ``; ``-`` is not a drug
(any drug found is wrong), ``?`` a drug no vocabulary names (counted, never resolvable).
The open vocabulary's ATC part is read from ``SHARED_DIR/data/ontologies`` (``KG_ONTOLOGY_DIR``).
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

from kg.drugs.catalogue import load
from kg.drugs.resolve import VOCABULARY_DRUGS, normalize, resolve_class_phrase, resolve_intervention

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
    if len(verdicts) == SAMPLE_SIZE and all(n in resolved for n in verdicts):
        picked = list(verdicts)  # the drawn sample stays while its names still resolve (hand verdicts kept)
    else:
        picked = rng.sample(sorted(resolved), min(SAMPLE_SIZE, len(resolved)))
    with SAMPLE.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["name", "drugs", "verdict", "note"])
        for name in picked:
            verdict, note = verdicts.get(name, ("", ""))
            w.writerow([name, ";".join(resolved[name]), verdict, note])
    got = Counter(verdicts.get(n, ("",))[0] or "unchecked" for n in picked)
    return {"file": SAMPLE.name, "seed": SAMPLE_SEED, "size": len(picked), "verdicts": dict(sorted(got.items()))}


def _keys(slug: str) -> set[str]:
    """Every name and identifier a resolved drug answers to (catalogue or vocabulary)."""
    d = load().drugs.get(slug)
    if d is not None:
        return {slug, *(normalize(n) for n in (d.label, *d.synonyms)), *d.ids.get("unii", ())}
    sub = VOCABULARY_DRUGS[slug]
    return {slug, sub.label, sub.unii} - {""}


def score_gold(half: str) -> dict:
    rows = list(csv.DictReader((ROOT / f"benchmarks/gold/drug_agents/{half}.tsv").open(encoding="utf-8"), delimiter="\t"))
    counts = Counter()
    items = []
    for row in rows:
        exp = row["expected"].strip()
        r = resolve_intervention(row["agent"])
        got = [str(d).rsplit("/", 1)[1] for d in r.drugs]
        if exp == "-":
            verdict = "wrong" if got else "correct-not-drug"
        else:
            readings = [[set(map(normalize, sub.split("|"))) for sub in alt.split(";")] for alt in exp.split(" OR ")]
            keys = [_keys(g) for g in got]
            right = any(len(keys) == len(reading) and all(any(k & names for k in keys) for names in reading)
                        and all(any(k & names for names in reading) for k in keys) for reading in readings)
            if right and not r.unresolved:
                verdict = "resolved"
            elif got and not all(any(k & names for reading in readings for names in reading) for k in keys):
                verdict = "wrong"
            else:
                verdict = "unresolved"
        counts[verdict] += 1
        items.append({**row, "got": got, "ids": [sorted(_keys(g) - {g}) for g in got], "verdict": verdict})
    drugs = sum(1 for row in rows if row["expected"].strip() != "-")
    result = {
        "half": half,
        "named_agents": drugs,
        "not_drugs": len(rows) - drugs,
        "resolved": counts["resolved"],
        "resolved_share": round(counts["resolved"] / drugs, 4) if drugs else None,
        "wrong": counts["wrong"],
        "unresolved": [i["agent"] for i in items if i["verdict"] == "unresolved"],
        "wrong_items": [{"agent": i["agent"], "expected": i["expected"], "got": i["got"]} for i in items if i["verdict"] == "wrong"],
        "items": items,
    }
    out = ROOT / f"benchmarks/results/drug_agents_{half}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    import os

    args = sys.argv[1:]
    half = None
    if args[:1] == ["--gold"]:
        half, args = args[1], args[2:]
    shared = (Path(args[0]) if args else ROOT / ".." / "shared").resolve()
    os.environ.setdefault("KG_ONTOLOGY_DIR", str(shared / "data/ontologies"))
    if half:
        g = score_gold(half)
        print(f"{half}: resolved {g['resolved']}/{g['named_agents']} named agents ({g['resolved_share']:.1%}); "
              f"{g['wrong']} wrong; unresolved: {g['unresolved']}; wrong: {g['wrong_items']}")
        sys.exit(0)
    r = main(shared)
    print(f"resolved {r['resolved_occurrences']}/{r['occurrences']} occurrences ({r['rate']:.1%}); "
          f"unique names {r['unique_rate']:.1%}; {len(r['unresolved'])} unresolved names "
          f"({r['class_mention_occurrences']} occurrences are class words; "
          f"{r['rate_excluding_class_mentions']:.1%} without them)")
