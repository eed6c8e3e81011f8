"""The curation helper fills only empty identifier cells, from exact names."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from kg.drugs.curate import (
    UNII_MEMBER,
    Sources,
    check_row,
    curate,
    fill_row,
    normalize_mesh,
    read_atc,
    read_biomappings,
    read_ctgov_mesh,
    read_drugbank_names,
    read_member,
    read_unii_names,
)

ATC = "atc_code,atc_name,ddd,uom,adm_r,note\nL04A,IMMUNOSUPPRESSANTS,NA,NA,NA,NA\nL04AX99,examplimab,NA,NA,NA,NA\n"
SSSOM = (
    "# curie_map: {}\n"
    "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\n"
    "chebi:123\texamplimab\tskos:exactMatch\tmesh:D012345\tExamplimab\n"
    "chebi:456\tothermab\tskos:closeMatch\tmesh:D054321\tOthermab\n"
)
COLUMNS = ["slug", "label", "synonyms", "brands", "atc", "atc_source", "mesh", "mesh_source", "chebi", "chebi_source"]


def _row(label: str, synonyms: str = "", **ids: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(slug=label, label=label, synonyms=synonyms, **ids)
    return row


def _sources() -> Sources:
    src = Sources(atc=read_atc(ATC))
    read_biomappings(SSSOM, src, "test mappings")
    return src


def test_fills_empty_cells_from_exact_names() -> None:
    row = _row("Examplimab")
    assert fill_row(row, _sources()) == ["atc", "mesh", "chebi"]
    assert (row["atc"], row["mesh"], row["chebi"]) == ("L04AX99", "D012345", "123")
    assert all(row[f"{s}_source"] for s in ("atc", "mesh", "chebi"))


def test_never_overwrites_and_ignores_close_matches() -> None:
    row = _row("examplimab", atc="L04AX01", atc_source="checked by hand")
    fill_row(row, _sources())
    assert row["atc"] == "L04AX01" and row["atc_source"] == "checked by hand"
    other = _row("othermab")
    assert fill_row(other, _sources()) == []


def test_abbreviations_are_not_matched() -> None:
    src = _sources()
    src.atc["exm"] = ["L04AX98"]
    assert fill_row(_row("unknown", synonyms="EXM"), src) == []


def test_ctgov_terms_are_normalised_and_win(tmp_path: Path) -> None:
    record = {"derivedSection": {"interventionBrowseModule": {"meshes": [{"id": "D000011241", "term": "Examplimab"}]}}}
    (tmp_path / "NCT00000001.json").write_text(json.dumps(record), encoding="utf-8")
    src = Sources()
    read_ctgov_mesh(tmp_path.glob("*.json"), src)
    read_biomappings(SSSOM, src, "test mappings")
    assert src.mesh["examplimab"][0] == "D011241"
    assert normalize_mesh("D000068877") == "D000068877"


def test_curate_rewrites_the_table(tmp_path: Path) -> None:
    table = tmp_path / "drugs.tsv"
    table.write_text("\t".join(COLUMNS) + "\n" + "\t".join(_row("examplimab").values()) + "\n", encoding="utf-8")
    assert curate(table, _sources()) == 3
    assert "L04AX99" in table.read_text(encoding="utf-8")
    assert curate(table, _sources()) == 0


UNII_NAMES = (
    "Name\tTYPE\tUNII\tDisplay Name\n"
    "EXAMPLIMAB\tof\tAAAAAAAAA1\tEXAMPLIMAB\n"
    "XMB-101\tcd\tAAAAAAAAA1\tEXAMPLIMAB\n"
    "OTHERNIB\tof\tBBBBBBBBB2\tOTHERNIB\n"
    "OTHERNIB HYDROCHLORIDE\tof\tCCCCCCCCC3\tOTHERNIB HYDROCHLORIDE\n"
    "TWOFOLD\tcn\tDDDDDDDDD4\tTWOFOLD A\n"
    "TWOFOLD\tcn\tEEEEEEEEE5\tTWOFOLD B\n"
)
DRUGBANK = (
    "DRUGBANK_ID\tNAMESPACE\tID\tSOURCE\n"
    "DB90001\tNAME\tExamplimab\tdrugbank\n"
    "DB90001\tCHEBI\t123\tchebi\n"
    "DB90002\tNAME\tOthernib\tdrugbank\n"
)
ID_COLUMNS = [*COLUMNS, "drugbank", "drugbank_source", "unii", "unii_source"]


def _id_row(label: str, synonyms: str = "", **ids: str) -> dict[str, str]:
    row = dict.fromkeys(ID_COLUMNS, "")
    row.update(slug=label, label=label, synonyms=synonyms, **ids)
    return row


def _id_sources() -> Sources:
    src = Sources()
    read_unii_names(UNII_NAMES, src, "test UNII names")
    read_drugbank_names(DRUGBANK, src, "test DrugBank names")
    return src


def test_unii_and_drugbank_from_exact_names() -> None:
    row = _id_row("examplimab")
    assert fill_row(row, _id_sources()) == ["unii", "drugbank"]
    assert (row["unii"], row["drugbank"]) == ("AAAAAAAAA1", "DB90001")
    assert "exact name 'examplimab'" in row["unii_source"]
    # a sponsor code is a name in the UNII list too
    coded = _id_row("XMB-101")
    assert fill_row(coded, _id_sources()) == ["unii"] and coded["unii"] == "AAAAAAAAA1"


def test_label_wins_over_salt_synonyms_and_ambiguity_fills_nothing() -> None:
    row = _id_row("othernib", synonyms="othernib hydrochloride")
    fill_row(row, _id_sources())
    assert row["unii"] == "BBBBBBBBB2"  # the substance, not its salt
    only_synonyms = _id_row("Othernib tablets", synonyms="othernib;othernib hydrochloride")
    fill_row(only_synonyms, _id_sources())
    assert only_synonyms["unii"] == ""  # two UNIIs among the synonyms: left to a person
    assert fill_row(_id_row("twofold"), _id_sources()) == []


def test_rejected_cells_stay_empty_and_conflicts_are_reported() -> None:
    rejected = _id_row("examplimab", unii_source="rejected: wrong product")
    assert fill_row(rejected, _id_sources()) == ["drugbank"] and rejected["unii"] == ""
    wrong = _id_row("examplimab", drugbank="DB90002", drugbank_source="by hand")
    assert check_row(wrong, _id_sources()) == ["examplimab: drugbank DB90002 but source gives DB90001 for 'examplimab'"]
    assert check_row(_id_row("examplimab", drugbank="DB90001", drugbank_source="x"), _id_sources()) == []


def test_members_are_read_from_a_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "example-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(UNII_MEMBER, UNII_NAMES)
    assert read_member(wheel, UNII_MEMBER) == UNII_NAMES
    plain = tmp_path / "UNII_Names.txt"
    plain.write_text(UNII_NAMES, encoding="utf-8")
    assert read_member(plain, UNII_MEMBER) == UNII_NAMES
