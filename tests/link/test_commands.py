"""`kg link` as a click command (invoked directly; the lead mounts it on the CLI group)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kg.link import sssom
from kg.link.commands import link_cmd

OBO = """format-version: 1.2

[Term]
id: DOID:9074
name: systemic lupus erythematosus

[Term]
id: DOID:1
name: obsolete systemic sclerosis
is_obsolete: true

[Term]
id: MESH:D1
name: Fludarabine

[Term]
id: MESH:D2
name: fludarabine
"""


def test_link_command(linked_store_dir: Path, tmp_path: Path) -> None:
    onto = tmp_path / "mini.obo"
    onto.write_text(OBO, encoding="utf-8")
    out, review = tmp_path / "out.sssom.tsv", tmp_path / "review.tsv"
    res = CliRunner().invoke(link_cmd, [str(onto), "--store", str(linked_store_dir), "-o", str(out), "--review", str(review)])
    assert res.exit_code == 0, res.output
    got = {(m.subject_id, m.object_id) for m in sssom.read(out).mappings}
    assert got == {("kgid:condition/systemic-lupus-erythematosus", "DOID:9074")}
    lines = review.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("subject_id\t") and {ln.split("\t")[4] for ln in lines[1:]} == {"MESH:D1", "MESH:D2"}
    assert "1 mappings" in res.output and "1 ambiguous" in res.output


def test_link_command_rejects_unknown_prefix_table(tmp_path: Path, linked_store_dir: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tlabel\n12\tsomething\n", encoding="utf-8")
    res = CliRunner().invoke(link_cmd, [str(bad), "--store", str(linked_store_dir), "-o", str(tmp_path / "o.tsv")])
    assert res.exit_code != 0 and "prefix" in str(res.exception)
