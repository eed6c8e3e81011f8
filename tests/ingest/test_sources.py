"""Reading sources: format detection from content, skipping non-records, quarantining bad ones."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from kg.errors import InputError, UnknownFormatError
from kg.ingest.sources import Quarantined, Skipped, detect_format, read_sources
from kg.model import TrialRecord
from tests.conftest import FIXTURES, shared_path


def _records(items):  # type: ignore[no-untyped-def]
    return [i for i in items if isinstance(i, TrialRecord)]


def test_format_is_detected_from_content_not_name(tmp_path: Path) -> None:
    single = (FIXTURES / "ctgov" / "study_single.json").read_bytes()
    xml = (FIXTURES / "ctgov" / "legacy_study.xml").read_bytes()
    native = json.dumps({"kg_record": 1, "nct_id": "NCT00000003", "title": "Native"}).encode()
    page = (FIXTURES / "text" / "page_bare_lines.txt").read_bytes()
    paper = (FIXTURES / "text" / "abstract_page.txt").read_bytes()
    for data, wrong_name, fmt in [
        (single, "study.txt", "ctgov-json"),
        (xml, "study.json", "ctgov-xml"),
        (native, "record.xml", "kg-json"),
        (page, "page.dat", "registry-text"),
        (paper, "paper.dat", "publication"),
    ]:
        assert detect_format(data, wrong_name).name == fmt


def test_seed_documents_are_detected_as_pages_and_a_paper() -> None:
    seeds = shared_path("seeds")
    formats = {p.name[:3]: detect_format(p.read_bytes(), p.name).name for p in sorted(seeds.glob("*.txt"))}
    assert formats == {"000": "registry-text", "001": "registry-text", "002": "registry-text",
                       "003": "publication", "004": "registry-text"}


def test_unknown_binary_is_quarantined_and_readme_skipped(tmp_path: Path) -> None:
    (tmp_path / "blob.dat").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "README.md").write_text("# Data\n\n| a | b |\n|---|---|\n")
    (tmp_path / "empty.json").write_text("  \n")
    items = list(read_sources([tmp_path]))
    quarantined = {Path(i.path).name: i for i in items if isinstance(i, Quarantined)}
    skipped = [Path(i.path).name for i in items if isinstance(i, Skipped)]
    assert set(quarantined) == {"blob.dat", "empty.json"}
    assert quarantined["blob.dat"].field == "<format>"
    assert skipped == ["README.md"]
    with pytest.raises(UnknownFormatError):
        detect_format(bytes(range(256)), "blob.dat")


def test_zip_members_are_read_and_a_broken_zip_is_quarantined(tmp_path: Path) -> None:
    z = tmp_path / "bundle.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIXTURES / "ctgov" / "study_single.json", "a/study.json")
        zf.write(FIXTURES / "ctgov" / "legacy_study.xml", "a/study.xml")
        zf.writestr("a/notes.md", "# notes\n")
        zf.writestr("__MACOSX/._study.json", b"\x00\x05")
    items = list(read_sources([z]))
    assert len(_records(items)) == 2
    assert all("!/" in r.source.path for r in _records(items))
    bad = tmp_path / "broken.zip"
    bad.write_bytes(z.read_bytes()[:100])
    (q,) = [i for i in read_sources([bad]) if isinstance(i, Quarantined)]
    assert q.field == "<zip>"


def test_array_with_a_broken_member_keeps_the_others() -> None:
    items = list(read_sources([FIXTURES / "ctgov" / "studies_array.json"]))
    assert len(_records(items)) == 2
    (q,) = [i for i in items if isinstance(i, Quarantined)]
    assert q.record_id and q.field


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_sources([tmp_path / "nope"]))


def test_shared_ctgov_folder_reads_every_record() -> None:
    root = shared_path("data", "ctgov")
    items = list(read_sources([root]))
    recs = _records(items)
    assert len(recs) == 1855
    assert not [i for i in items if isinstance(i, Quarantined)]
    assert {r.source.format for r in recs} == {"ctgov-json", "ctgov-xml"}
