"""Hostile and faulty inputs to ``kg build``: each is quarantined with file and reason, the good
records beside it go in, nothing is fetched, nothing outside the inputs is read or written."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.graph.pipeline import build
from kg.ingest.sources import Quarantined, ZipLimits, parse_size, read_sources
from kg.model import TrialRecord
from kg.store.oxigraph import OxigraphStore
from tests.conftest import FIXTURES
from tests.security.listener import Listener, listener  # noqa: F401  (fixture)

SECRET = "kg-secret-7f3a91"


def _study(nct: str) -> dict:
    doc = json.loads((FIXTURES / "ctgov" / "study_single.json").read_text())
    doc["protocolSection"]["identificationModule"]["nctId"] = nct
    return doc


def _good_records(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"good{i:02d}.json").write_text(json.dumps(_study(f"NCT{91000000 + i:08d}")))


def _report(store_dir: Path) -> list[list[str]]:
    lines = (store_dir / "build-report.tsv").read_text().splitlines()
    return [line.split("\t") for line in lines[1:]]


def _store_text(store_dir: Path) -> str:
    with OxigraphStore(store_dir, read_only=True) as store:
        return "\n".join(" ".join(map(str, t)) for t in store.triples())


# -- 1. deep nesting ----------------------------------------------------------------------------
def test_deeply_nested_json_is_quarantined_and_the_other_records_built(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _good_records(src, 20)
    # ~2 KB of brackets, depth 1,100: deeper than Python's recursive JSON reader goes.
    (src / "deep.json").write_text('{"protocolSection": {"x": ' + "[" * 1100 + "]" * 1100 + "}}")
    (src / "deep_native.json").write_text('{"kg_record": 1, "nct_id": "NCT92000000", "x": '
                                          + "[" * 1100 + "]" * 1100 + "}")
    store_dir = tmp_path / "store"
    with OxigraphStore(store_dir) as store:
        summary = build([src], store, shared_graphs=False)
    assert summary.records_read == 20 and summary.trials == 20
    rows = {Path(r[0]).name: r for r in _report(store_dir)}
    assert set(rows) == {"deep.json", "deep_native.json"}
    assert all("nested too deeply" in r[3] for r in rows.values())
    assert rows["deep_native.json"][1] == "NCT92000000"  # the id is named where the bytes state it


# -- 2. zips ------------------------------------------------------------------------------------
def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_member_over_the_cap_is_quarantined_unread(tmp_path: Path) -> None:
    good = json.dumps(_study("NCT91000001")).encode()
    z = _zip(tmp_path / "b.zip", {"a/good.json": good, "a/bomb.json": b"[" + b" " * (3 << 20) + b"]"})
    items = list(read_sources([z], zip_limits=ZipLimits(member=1 << 20, total=1 << 30)))
    assert [r.nct_id for r in items if isinstance(r, TrialRecord)] == ["NCT91000001"]
    (q,) = [i for i in items if isinstance(i, Quarantined)]
    assert q.path.endswith("!/a/bomb.json") and "1 MiB member limit" in q.reason


def test_zip_cap_counts_inflated_bytes_not_the_header(tmp_path: Path) -> None:
    payload = b"[" + b"0," * (2 << 20) + b"0]"
    z = _zip(tmp_path / "lie.zip", {"big.json": payload})
    # Rewrite the stated sizes (local header and central directory) to 10 bytes.
    raw = bytearray(z.read_bytes())
    size = len(payload).to_bytes(4, "little")
    for at in [i for i in range(len(raw) - 4) if raw[i:i + 4] == size]:
        raw[at:at + 4] = (10).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    with zipfile.ZipFile(z) as zf:
        assert zf.getinfo("big.json").file_size == 10  # the header now lies
    items = list(read_sources([z], zip_limits=ZipLimits(member=1 << 20, total=1 << 30)))
    (q,) = items
    assert isinstance(q, Quarantined) and q.field == "<zip>"
    assert "member limit" in q.reason or "unreadable member" in q.reason


def test_zip_total_cap_stops_reading_with_one_row(tmp_path: Path) -> None:
    members = {f"m{i:03d}.json": json.dumps(_study(f"NCT{91000000 + i:08d}")).encode() for i in range(50)}
    one = len(members["m000.json"])
    z = _zip(tmp_path / "many.zip", members)
    items = list(read_sources([z], zip_limits=ZipLimits(member=1 << 20, total=one * 10 + one // 2)))
    assert len([i for i in items if isinstance(i, TrialRecord)]) == 10
    (q,) = [i for i in items if isinstance(i, Quarantined)]
    assert "total limit" in q.reason and "39 member(s) after it" in q.reason


def test_zip_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ZipLimits.from_env({}) == ZipLimits(member=64 << 20, total=2 << 30)
    assert ZipLimits.from_env({"KG_ZIP_MEMBER_LIMIT": "1M", "KG_ZIP_TOTAL_LIMIT": "3g"}) == ZipLimits(1 << 20, 3 << 30)
    assert parse_size("512KiB") == 512 << 10
    with pytest.raises(InputError, match="not a size"):
        parse_size("lots")
    with pytest.raises(InputError, match="KG_ZIP_TOTAL_LIMIT 'x' is not a size"):
        ZipLimits.from_env({"KG_ZIP_TOTAL_LIMIT": "x"})


def test_build_option_names_a_bad_size(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import cli

    res = CliRunner().invoke(cli, ["build", "--store", str(tmp_path / "s"), "--zip-member-limit", "lots"], obj={})
    assert res.exit_code == 1 and "--zip-member-limit 'lots' is not a size" in res.output
    assert not (tmp_path / "s").exists()  # refused before any store is made


def test_zip_traversal_and_absolute_members_are_quarantined_and_nothing_written(tmp_path: Path) -> None:
    data = json.dumps(_study("NCT91000002")).encode()
    z = _zip(tmp_path / "t.zip", {"../../escape.json": data, "/abs/escape.json": data, "ok/in.json": data,
                                  "inner.zip": _zip(tmp_path / "inner.zip", {"x.json": data}).read_bytes()})
    (tmp_path / "inner.zip").unlink()
    before = sorted(p for p in tmp_path.parent.rglob("*"))
    store_dir = tmp_path / "store"
    with OxigraphStore(store_dir) as store:
        summary = build([z], store, shared_graphs=False)
    assert summary.records_read == 1
    reasons = {r[0].split("!/", 1)[1]: r[3] for r in _report(store_dir)}
    assert "climbs out" in reasons["../../escape.json"]
    assert "absolute path" in reasons["/abs/escape.json"]
    assert "zip inside a zip" in reasons["inner.zip"]
    after = sorted(p for p in tmp_path.parent.rglob("*") if store_dir not in p.parents and p != store_dir)
    assert after == before  # nothing extracted anywhere
    assert not (tmp_path.parent.parent / "escape.json").exists()


# -- 3. XML -------------------------------------------------------------------------------------
def _xml_attacks(url: str, secret: Path) -> dict[str, str]:
    head = '<?xml version="1.0"?>\n'
    body = "<clinical_study><id_info><nct_id>NCT93000001</nct_id></id_info><brief_title>&e;</brief_title></clinical_study>"
    return {
        "inline-dtd.xml": head + '<!DOCTYPE clinical_study [<!ENTITY e "inline">]>\n' + body,
        "xxe-file.xml": head + f'<!DOCTYPE clinical_study [<!ENTITY e SYSTEM "file://{secret}">]>\n' + body,
        "xxe-http.xml": head + f'<!DOCTYPE clinical_study [<!ENTITY e SYSTEM "{url}/xxe">]>\n' + body,
        "external-dtd.xml": head + f'<!DOCTYPE clinical_study SYSTEM "{url}/ext.dtd">\n'
                            + body.replace("&e;", "t"),
        "param-entity.xml": head + f'<!DOCTYPE clinical_study [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>\n' + body,
        "laughs.xml": head + "<!DOCTYPE clinical_study [<!ENTITY a \"lol\">"
                      + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                      + "]>\n" + body.replace("&e;", "&j;"),
    }


def test_xml_with_a_dtd_is_refused_and_nothing_is_fetched_or_read(tmp_path: Path, listener: Listener) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    src = tmp_path / "in"
    _good_records(src, 2)
    for name, text in _xml_attacks(listener.url, secret).items():
        (src / name).write_text(text)
    store_dir = tmp_path / "store"
    with OxigraphStore(store_dir) as store:
        summary = build([src], store, shared_graphs=False)
    assert summary.records_read == 2
    rows = {Path(r[0]).name: r for r in _report(store_dir)}
    assert set(rows) == set(_xml_attacks("", secret))
    for name, row in rows.items():
        assert row[3].startswith("DTDs are refused"), (name, row)
        assert row[1] == "NCT93000001"
    assert listener.connections == 0
    assert SECRET not in (store_dir / "build-report.tsv").read_text()
    assert SECRET not in _store_text(store_dir)


def test_ctgov_xml_parser_itself_refuses_dtds() -> None:
    from kg.ingest import ctgov_xml

    data = b'<!DOCTYPE clinical_study [<!ENTITY e "x">]><clinical_study><brief_title>&e;</brief_title></clinical_study>'
    assert ctgov_xml.FORMAT.detect(data, "x.xml")  # a DOCTYPE with an internal subset is still this format
    (err,) = list(ctgov_xml.FORMAT.parse(data, "x.xml"))
    assert "DTDs are refused" in str(err)


# -- 5. record ids in the report ------------------------------------------------------------------
def test_report_names_the_record_when_its_id_was_read(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text = json.dumps(_study("NCT94000001"))
    (src / "truncated.json").write_text(text[: len(text) // 2])  # nctId comes early, the end is cut
    xml = (FIXTURES / "ctgov" / "legacy_study.xml").read_text()
    (src / "broken.xml").write_text(xml.replace("</brief_title>", "</brief_titel>", 1))
    bad_phase = _study("NCT94000003")
    bad_phase["protocolSection"].setdefault("designModule", {})["phases"] = ["PHASE9"]
    (src / "phase.json").write_text(json.dumps(bad_phase))
    store_dir = tmp_path / "store"
    with OxigraphStore(store_dir) as store:
        build([src], store, shared_graphs=False)
    ids = {Path(r[0]).name: r[1] for r in _report(store_dir)}
    nct_xml = xml.split("<nct_id>", 1)[1].split("</nct_id>", 1)[0].strip()
    assert ids == {"truncated.json": "NCT94000001", "broken.xml": nct_xml, "phase.json": "NCT94000003"}


# -- folders ------------------------------------------------------------------------------------
def test_symlink_out_of_a_given_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(_study("NCT95000001")))
    src = tmp_path / "in"
    _good_records(src, 1)
    (src / "link.json").symlink_to(outside)
    (src / "inner_link.json").symlink_to(src / "good00.json")
    items = list(read_sources([src]))
    assert sorted(r.nct_id for r in items if isinstance(r, TrialRecord)) == ["NCT91000000", "NCT91000000"]
    assert any(getattr(i, "note", "").startswith("symlink") and i.path.endswith("link.json") for i in items)
