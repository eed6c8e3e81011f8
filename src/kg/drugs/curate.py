"""Curation helper: fills empty ATC, MeSH and ChEBI cells of the drug table from local sources.

Only exact name matches are used (label and non-abbreviation synonyms), and a filled cell
never changes: run it after adding drug rows, then review the diff. Sources:

* ATC — the WHO ATC/DDD flat file (``atc_code,atc_name,…``), level-5 codes only;
* MeSH — ClinicalTrials.gov v2 records' ``interventionBrowseModule`` terms, else MeSH labels
  in a Biomappings SSSOM file;
* ChEBI — Biomappings MeSH↔ChEBI exact mappings, else ChEBI labels in Biomappings.

Usage: ``python -m kg.drugs.curate [SHARED_DIR]`` (default ``../shared`` next to the repo).

>>> normalize_mesh("D000011241"), normalize_mesh("D000068877")
('D011241', 'D000068877')
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ATC_FILE = "data/ontologies/atc/WHO_ATC-DDD_2026-04-25.csv"
BIOMAPPINGS_FILE = "data/ontologies/mappings/biomappings_positive.sssom.tsv"
CTGOV_DIR = "data/ctgov/api_v2/studies"


def normalize_mesh(mesh_id: str) -> str:
    """MeSH descriptor ID as MeSH writes it.

    ClinicalTrials.gov pads pre-2018 descriptors to 10 characters (``D000011241``); MeSH and
    Biomappings write ``D011241``. Genuine 10-character IDs (from D000066xxx on) are kept.
    """
    m = re.fullmatch(r"D000(\d{6})", mesh_id)
    return "D" + m.group(1) if m and int(m.group(1)) < 66000 else mesh_id


@dataclass
class Sources:
    atc: dict[str, list[str]] = field(default_factory=dict)  # lower-case INN -> codes
    mesh: dict[str, tuple[str, str]] = field(default_factory=dict)  # term -> (id, where)
    mesh2chebi: dict[str, str] = field(default_factory=dict)
    chebi: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (id, where)


def read_atc(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["atc_code"].strip()
        if len(code) == 7:
            codes = out.setdefault(row["atc_name"].strip().lower(), [])
            if code not in codes:
                codes.append(code)
    return out


def read_biomappings(text: str, src: Sources, where: str) -> None:
    lines = (line for line in text.splitlines() if line and not line.startswith("#"))
    for row in csv.DictReader(lines, delimiter="\t"):
        if row.get("predicate_id") != "skos:exactMatch":
            continue
        pairs = [(row["subject_id"], row.get("subject_label") or ""), (row["object_id"], row.get("object_label") or "")]
        ids = {curie.split(":", 1)[0]: curie.split(":", 1)[1] for curie, _ in pairs}
        if "mesh" in ids and "chebi" in ids:
            src.mesh2chebi.setdefault(normalize_mesh(ids["mesh"]), ids["chebi"])
        for curie, label in pairs:
            prefix, _, local = curie.partition(":")
            if not label:
                continue
            if prefix == "mesh":
                src.mesh.setdefault(label.strip().lower(), (normalize_mesh(local), f"{where}, MeSH label"))
            elif prefix == "chebi":
                src.chebi.setdefault(label.strip().lower(), (local, f"{where}, ChEBI label"))


def read_ctgov_mesh(paths: Iterable[Path], src: Sources) -> None:
    """Browse-module terms win over Biomappings labels: call this before read_biomappings."""
    for path in sorted(paths):
        browse = json.loads(path.read_text(encoding="utf-8")).get("derivedSection", {}).get("interventionBrowseModule", {})
        for m in (browse.get("meshes") or []) + (browse.get("ancestors") or []):
            where = f"ClinicalTrials.gov interventionBrowseModule ({path.stem})"
            src.mesh.setdefault(m["term"].strip().lower(), (normalize_mesh(m["id"]), where))


def load_sources(shared: Path) -> Sources:
    src = Sources(atc=read_atc((shared / ATC_FILE).read_text(encoding="utf-8")))
    read_ctgov_mesh((shared / CTGOV_DIR).glob("*.json"), src)
    read_biomappings((shared / BIOMAPPINGS_FILE).read_text(encoding="utf-8"), src, "Biomappings 0.6.0")
    return src


def _names(row: dict[str, str]) -> list[str]:
    synonyms = [s.strip() for s in row["synonyms"].split(";") if s.strip()]
    # short all-capital synonyms (MMF, CTX) are abbreviations, not names a source would use
    return [row["label"], *(s for s in synonyms if not (len(s) <= 6 and s.upper() == s))]


def fill_row(row: dict[str, str], src: Sources) -> list[str]:
    """Fill the row's empty identifier cells in place; return the schemes filled."""
    filled: list[str] = []
    names = _names(row)
    if not row["atc"]:
        codes = [c for n in names for c in src.atc.get(n.lower(), [])]
        if codes:
            row["atc"] = ";".join(dict.fromkeys(codes))
            row["atc_source"] = f"WHO ATC/DDD index ({ATC_FILE.rsplit('/', 1)[1]}), exact name"
            filled.append("atc")
    if not row["mesh"]:
        hit = next((src.mesh[n.lower()] for n in names if n.lower() in src.mesh), None)
        if hit:
            row["mesh"], row["mesh_source"] = hit[0], f"{hit[1]}, exact name"
            filled.append("mesh")
    if not row["chebi"]:
        if row["mesh"] and normalize_mesh(row["mesh"]) in src.mesh2chebi:
            row["chebi"] = src.mesh2chebi[normalize_mesh(row["mesh"])]
            row["chebi_source"] = f"Biomappings 0.6.0 exact mapping mesh:{row['mesh']}"
            filled.append("chebi")
        else:
            hit = next((src.chebi[n.lower()] for n in names if n.lower() in src.chebi), None)
            if hit:
                row["chebi"], row["chebi_source"] = hit[0], f"{hit[1]}, exact name"
                filled.append("chebi")
    return filled


def curate(table: Path, src: Sources) -> int:
    """Fill empty cells of a drugs.tsv file in place; return how many cells were filled."""
    with table.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    n = sum(len(fill_row(row, src)) for row in rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fields, delimiter="\t", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    table.write_text(buf.getvalue(), encoding="utf-8")
    return n


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    repo = Path(__file__).resolve().parents[3]
    shared = Path(args[0]) if args else repo / ".." / "shared"
    table = Path(__file__).resolve().parents[1] / "data" / "drugs" / "drugs.tsv"
    n = curate(table, load_sources(shared.resolve()))
    print(f"filled {n} identifier cells in {table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
