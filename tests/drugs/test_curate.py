"""The curation helper fills only empty identifier cells, from exact names."""

from __future__ import annotations

import json
from pathlib import Path

from kg.drugs.curate import Sources, curate, fill_row, normalize_mesh, read_atc, read_biomappings, read_ctgov_mesh

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
