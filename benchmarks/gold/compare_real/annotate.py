"""Judging helper for the compare_real gold: shows what a judge reads, on the terminal only.

``show FILE`` prints each item of a sample written by ``benchmarks/compare_real.py
--sample-unjudged`` with both trials' title, conditions, interventions, phase and ages (read from
the shared records) and both sides' criterion text; ``trial NCTID`` prints one trial with its
numbered criteria. Nothing here is written to the repo: judgements are typed into
``conflicts.tsv`` / ``comparable.tsv`` as keys, verdicts and a reason in the judge's own words.
"""

from __future__ import annotations

import csv
import json
import sys
from functools import cache
from pathlib import Path

from defusedxml import ElementTree

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT / ".." / "shared" / "data" / "ctgov"


@cache
def trial(nct: str) -> dict[str, object]:
    """Title, conditions, interventions, phase, ages and eligibility text of one shared record."""
    p = SHARED / "api_v2" / "studies" / f"{nct}.json"
    if p.exists():
        ps = json.loads(p.read_text(encoding="utf-8")).get("protocolSection", {})
        el = ps.get("eligibilityModule") or {}
        return {"title": (ps.get("identificationModule") or {}).get("briefTitle", ""),
                "conditions": (ps.get("conditionsModule") or {}).get("conditions", []),
                "interventions": [f"{i.get('type', '')}:{i.get('name', '')}"
                                  for i in (ps.get("armsInterventionsModule") or {}).get("interventions", [])],
                "phase": ",".join((ps.get("designModule") or {}).get("phases", [])),
                "ages": f"{el.get('minimumAge', '')}-{el.get('maximumAge', '')} {el.get('sex', '')}",
                "criteria": el.get("eligibilityCriteria", "")}
    root = ElementTree.parse(SHARED / "legacy_xml" / "studies" / f"{nct}.xml").getroot()
    return {"title": root.findtext("./brief_title") or "",
            "conditions": [c.text or "" for c in root.findall("./condition")],
            "interventions": [f"{i.findtext('intervention_type')}:{i.findtext('intervention_name')}"
                              for i in root.findall("./intervention")],
            "phase": root.findtext("./phase") or "",
            "ages": f"{root.findtext('./eligibility/minimum_age')}-{root.findtext('./eligibility/maximum_age')} "
                    f"{root.findtext('./eligibility/gender')}",
            "criteria": root.findtext("./eligibility/criteria/textblock") or ""}


def summary(nct: str) -> str:
    t = trial(nct)
    return (f"{nct} [{t['phase']}; {t['ages']}] {str(t['title'])[:110]} | cond: {'; '.join(t['conditions'])[:120]}"  # type: ignore[arg-type]
            f" | iv: {'; '.join(t['interventions'])[:140]}")  # type: ignore[arg-type]


def show(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f, delimiter="\t")):
            print(f"### {i} {r['kind']} {r['trial_a']} -> {r['trial_b']} [{r['concept']}] window {r['window']} "
                  f"sides {r['side_a']} / {r['side_b']}")
            print("  A:", summary(r["trial_a"]))
            if r["trial_b"] != r["trial_a"]:
                print("  B:", summary(r["trial_b"]))
            if r["kind"] != "comparable":
                print("  textA:", r["text_a"][:400])
                print("  textB:", r["text_b"][:400])
                print("  kg:", r["explanation"][:300])


C_COLS = ("kind", "trial_a", "trial_b", "concept", "window", "side_a", "side_b", "verdict", "cause", "reason", "sampled_from")
N_COLS = ("trial", "neighbour", "verdict", "reason", "sampled_from")


def _append(path: Path, cols: tuple[str, ...], rows: list[dict[str, str]], key: tuple[str, ...]) -> int:
    """Append rows whose key is new; the file keeps its header and earlier judgements."""
    have = set()
    if path.exists():
        with path.open(encoding="utf-8") as f:
            have = {tuple(r[k] for k in key) for r in csv.DictReader(f, delimiter="\t")}
    new = [r for r in rows if tuple(r[k] for k in key) not in have]
    with path.open("a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, cols, delimiter="\t", lineterminator="\n", extrasaction="ignore")
        if not have and path.stat().st_size == 0:
            w.writeheader()
        w.writerows(new)
    return len(new)


def compile_verdicts(sample: str, verdicts: str, label: str) -> None:
    """Judge's notes -> gold rows. Notes: ``<item index>|<verdict>|<cause>|<reason>`` for a conflict
    of the sample, ``C|<trial>|<neighbour>|<relevant or not>|<reason>`` for a neighbour."""
    with open(sample, encoding="utf-8") as f:
        items = list(csv.DictReader(f, delimiter="\t"))
    conflicts, neighbours = [], []
    for line in Path(verdicts).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        parts = line.split("|")
        if parts[0] == "C":
            neighbours.append({"trial": parts[1], "neighbour": parts[2], "verdict": parts[3], "reason": parts[4],
                               "sampled_from": label})
        else:
            it = items[int(parts[0])]
            assert it["kind"] != "comparable", line
            conflicts.append({**{k: it[k] or "-" for k in C_COLS[:7]}, "verdict": parts[1], "cause": parts[2],
                              "reason": parts[3], "sampled_from": label})
    missing = [i for i, it in enumerate(items) if it["kind"] != "comparable"
               and not any(c["trial_a"] == it["trial_a"] and c["trial_b"] == it["trial_b"] and c["side_b"] == it["side_b"]
                           and c["kind"] == it["kind"] and c["side_a"] == it["side_a"] for c in conflicts)]
    if missing:
        print(f"not judged yet: items {missing}", file=sys.stderr)
    here = Path(__file__).parent
    for p in (here / "conflicts.tsv", here / "comparable.tsv"):
        p.touch()
    n_c = _append(here / "conflicts.tsv", C_COLS, conflicts, C_COLS[:7])
    n_n = _append(here / "comparable.tsv", N_COLS, neighbours, N_COLS[:2])
    print(f"{n_c} conflicts and {n_n} neighbours added")


if __name__ == "__main__":
    if sys.argv[1] == "compile":
        compile_verdicts(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "show":
        show(sys.argv[2])
    elif sys.argv[1] == "trial":
        print(summary(sys.argv[2]))
        print(trial(sys.argv[2])["criteria"])
