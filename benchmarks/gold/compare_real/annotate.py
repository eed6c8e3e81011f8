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


if __name__ == "__main__":
    if sys.argv[1] == "show":
        show(sys.argv[2])
    elif sys.argv[1] == "trial":
        print(summary(sys.argv[2]))
        print(trial(sys.argv[2])["criteria"])
