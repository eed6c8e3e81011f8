"""The fixed-seed sample of real records for the hand-judged criteria gold, and its dev/test split.

Draws 30 legacy-XML and 30 API-v2 records from ../shared/data/ctgov (seed 20261207), at least
8 of each format in rheumatology/immunology (condition names matched against a fixed word
list), leaving out the four source trials and every NCT id that appears in kg's existing
gold or tests, and records without eligibility text. The split is stratified by
(format, area): each stratum is shuffled with the seed and cut in half, dev first.
``order`` is the annotation order: dev and test records interleaved within each format, so
that stopping early keeps the halves balanced.

    .venv/bin/python benchmarks/gold/criteria_real/sample.py   # writes split.json
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from defusedxml import ElementTree

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT / ".." / "shared" / "data" / "ctgov"
OUT = Path(__file__).with_name("split.json")
SEED = 20261207
SOURCE_TRIALS = {"NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565"}
RHEUM = re.compile(
    r"(?i)lupus|\bsle\b|rheumatoid|(?<!osteo)arthritis|vasculitis|scleroderma|systemic sclerosis|myositis|"
    r"dermatomyositis|igg4|sj[oö]gren|psoria|crohn|ulcerative colitis|inflammatory bowel|multiple sclerosis|"
    r"spondyloarthr|ankylosing|behcet|behçet|sarcoid|giant cell|takayasu|polymyalgia|gout|still'?s disease|"
    r"myasthenia|neuromyelitis|autoimmune|wegener|granulomatosis|antiphospholipid|uveitis|"
    r"atopic dermatitis|rheumat|juvenile idiopathic|vitiligo|alopecia areata|hidradenitis")
PER_FORMAT = 30
MIN_RHEUM = 8


def _used_ids() -> set[str]:
    ids: set[str] = set()
    for p in [ROOT / "src" / "kg" / "data" / "gold" / "criteria_gold.json", *(ROOT / "tests").rglob("*")]:
        if p.is_file():
            try:
                ids.update(re.findall(r"NCT\d{8}", p.read_text(encoding="utf-8", errors="ignore")))
            except OSError:
                pass
    return ids


def _candidates() -> dict[str, list[tuple[str, bool]]]:
    """(nct id, is rheumatology/immunology) of every record with eligibility text, by format."""
    out: dict[str, list[tuple[str, bool]]] = {"legacy_xml": [], "api_v2": []}
    for p in sorted((SHARED / "api_v2" / "studies").glob("*.json")):
        ps = json.loads(p.read_text(encoding="utf-8")).get("protocolSection", {})
        if not (ps.get("eligibilityModule") or {}).get("eligibilityCriteria", "").strip():
            continue
        conds = " ".join((ps.get("conditionsModule") or {}).get("conditions", []))
        nct = ps.get("identificationModule", {}).get("nctId", p.stem)
        out["api_v2"].append((nct, bool(RHEUM.search(conds))))
    for p in sorted((SHARED / "legacy_xml" / "studies").glob("*.xml")):
        root = ElementTree.parse(p).getroot()
        node = root.find("./eligibility/criteria/textblock")
        if node is None or not (node.text or "").strip():
            continue
        conds = " ".join(c.text or "" for c in root.findall("./condition"))
        nct = root.findtext("./id_info/nct_id") or p.stem
        out["legacy_xml"].append((nct, bool(RHEUM.search(conds))))
    return out


def sample() -> dict[str, object]:
    rng = random.Random(SEED)
    excluded = SOURCE_TRIALS | _used_ids()
    trials: list[dict[str, str]] = []
    order: list[str] = []
    for fmt, cands in sorted(_candidates().items()):
        cands = [c for c in cands if c[0] not in excluded]
        rheum = sorted(n for n, r in cands if r)
        other = sorted(n for n, r in cands if not r)
        picked_r = rng.sample(rheum, MIN_RHEUM)
        rest = rng.sample(sorted(set(rheum) - set(picked_r)) + other, PER_FORMAT - MIN_RHEUM)
        chosen = [(n, True) for n in picked_r] + [(n, n in set(rheum)) for n in rest]
        halves: dict[str, list[str]] = {"dev": [], "test": []}
        for area in (True, False):
            stratum = sorted(n for n, r in chosen if r is area)
            rng.shuffle(stratum)
            cut = (len(stratum) + rng.randint(0, 1)) // 2  # odd strata: the extra one to either half
            for i, n in enumerate(stratum):
                half = "dev" if i < cut else "test"
                halves[half].append(n)
                trials.append({"nct_id": n, "format": fmt, "area": "rheum_immun" if area else "other",
                               "half": half})
        for h in halves.values():
            rng.shuffle(h)
        for i in range(max(len(h) for h in halves.values())):
            order += [h[i] for h in (halves["dev"], halves["test"]) if i < len(h)]
    # formats interleaved in the annotation order as well
    by_fmt = {f: [n for n in order if any(t["nct_id"] == n and t["format"] == f for t in trials)]
              for f in ("legacy_xml", "api_v2")}
    order = [n for pair in zip(by_fmt["legacy_xml"], by_fmt["api_v2"]) for n in pair]
    return {"seed": SEED, "excluded_ids": sorted(SOURCE_TRIALS) + ["<every NCT id in criteria_gold.json and tests/>"],
            "rheum_pattern": RHEUM.pattern, "trials": sorted(trials, key=lambda t: t["nct_id"]),
            "annotation_order": order}


if __name__ == "__main__":
    s = sample()
    OUT.write_text(json.dumps(s, indent=1) + "\n", encoding="utf-8")
    from collections import Counter
    print(Counter((t["format"], t["area"], t["half"]) for t in s["trials"]))  # type: ignore[index]
