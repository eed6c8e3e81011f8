"""The dev/test split of the shared trials for the hand-judged conflicts and comparable trials.

Every record of ../shared/data/ctgov (API v2 JSON and legacy XML) is one trial, filed in one
therapeutic area by its condition names and title (the first pattern of ``AREAS`` that matches,
else ``other``). Each area is shuffled with the fixed seed and cut in half, dev first, so both
halves carry the same mix. Written once, before any judgement; a conflict belongs to the half of
its trial A, a comparable-trials list to the half of its trial. ``comparable_sample`` lists the
trials whose top-5 neighbours are judged: a fixed number per area, dev and test alike.

    .venv/bin/python benchmarks/gold/compare_real/split.py   # writes split.json
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
AREAS: tuple[tuple[str, str], ...] = (
    ("rheum_immun",
     r"(?i)lupus|\bsle\b|rheumatoid|(?<!osteo)arthritis|vasculitis|scleroderma|systemic sclerosis|myositis|igg4|"
     r"sj[oö]gren|psoria|crohn|ulcerative colitis|inflammatory bowel|multiple sclerosis|spondyl[oi]arthr|"
     r"ankylosing|beh[cç]et|sarcoid|giant cell|takayasu|polymyalgia|gout|still'?s disease|myasthenia|"
     r"neuromyelitis|autoimmune|granulomatosis|antiphospholipid|uveitis|atopic dermatitis|rheumat|"
     r"juvenile idiopathic|vitiligo|alopecia areata|hidradenitis|nephrotic|glomerul|nephropathy|asthma|"
     r"interstitial lung|pulmonary fibrosis|transplant"),
    ("oncology",
     r"(?i)cancer|carcinoma|tumou?r|neoplas|lymphoma|leukemia|leukaemia|myeloma|sarcoma|melanoma|glioma|"
     r"blastoma|malignan|myelodysplas|oncolog|metasta"),
    ("infection",
     r"(?i)\bhiv\b|aids\b|hepatitis|infection|tuberculosis|malaria|covid|sars|influenza|pneumonia|sepsis|"
     r"viral|bacterial|fungal|vaccin|cytomegalovirus|herpes|papilloma"),
    ("cardiometabolic",
     r"(?i)diabet|insulin|glyc|obes|hypertens|cardi|heart|coronary|myocard|atrial|stroke|lipid|cholesterol|"
     r"metabolic|vascular|kidney disease|renal insufficiency|thrombo"),
)
COMPARABLE_PER_AREA = {"rheum_immun": 4, "oncology": 4, "cardiometabolic": 4, "infection": 4, "other": 4}


def _records() -> list[tuple[str, str, str]]:
    """(nct id, format, condition names + title) of every shared record."""
    out = []
    for p in sorted((SHARED / "api_v2" / "studies").glob("*.json")):
        ps = json.loads(p.read_text(encoding="utf-8")).get("protocolSection", {})
        words = " ".join((ps.get("conditionsModule") or {}).get("conditions", []))
        words += " " + (ps.get("identificationModule") or {}).get("briefTitle", "")
        out.append((ps.get("identificationModule", {}).get("nctId", p.stem), "api_v2", words))
    for p in sorted((SHARED / "legacy_xml" / "studies").glob("*.xml")):
        root = ElementTree.parse(p).getroot()
        words = " ".join(c.text or "" for c in root.findall("./condition")) + " " + (root.findtext("./brief_title") or "")
        out.append((root.findtext("./id_info/nct_id") or p.stem, "legacy_xml", words))
    return out


def area_of(words: str) -> str:
    """The therapeutic area of a trial's condition names and title.

    >>> area_of("Systemic Lupus Erythematosus"), area_of("Non-small Cell Lung Cancer"), area_of("Low back pain")
    ('rheum_immun', 'oncology', 'other')
    """
    return next((name for name, pat in AREAS if re.search(pat, words)), "other")


def split() -> dict[str, object]:
    rng = random.Random(SEED)
    by_area: dict[str, list[str]] = {}
    fmt: dict[str, str] = {}
    for nct, f, words in _records():
        if nct in fmt:
            continue  # one trial, one entry, whatever number of records
        fmt[nct] = f
        by_area.setdefault(area_of(words), []).append(nct)
    trials: dict[str, dict[str, str]] = {}
    sample: dict[str, list[str]] = {"dev": [], "test": []}
    for area in sorted(by_area):
        ids = sorted(by_area[area])
        rng.shuffle(ids)
        cut = (len(ids) + rng.randint(0, 1)) // 2
        for i, n in enumerate(ids):
            trials[n] = {"area": area, "half": "dev" if i < cut else "test", "format": fmt[n]}
        for half, part in (("dev", ids[:cut]), ("test", ids[cut:])):
            sample[half] += sorted(rng.sample(part, min(COMPARABLE_PER_AREA[area], len(part))))
    return {"seed": SEED, "areas": {name: pat for name, pat in AREAS}, "comparable_sample": sample,
            "trials": dict(sorted(trials.items()))}


if __name__ == "__main__":
    s = split()
    OUT.write_text(json.dumps(s, indent=0) + "\n", encoding="utf-8")
    from collections import Counter
    print(Counter((t["area"], t["half"]) for t in s["trials"].values()))  # type: ignore[union-attr]
