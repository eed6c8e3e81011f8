"""kg.ingest.crosswalk: reading curated key → NCT ID rows, rejecting bad ones, resolving records."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kg.errors import CrosswalkError, InputError
from kg.ingest.crosswalk import Crosswalk, CrosswalkMatch, normalize_title
from kg.model import Publication, SourceRef, TrialRecord

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
HEADER = "key_type\tkey\tnct_id\tsponsor\tnote\n"
HASH = hashlib.sha256(b"a made-up fragment of a trial description").hexdigest()

GOOD = HEADER + "\n".join(
    [
        "# rows made up for these tests",
        "record_id\tpage-17\tNCT10000001\t\t",
        f"sha256\t{HASH}\tNCT10000002\tSome University Hospital\tchecked by hand",
        "pmid\t12345678\tNCT10000003\t\t",
        "doi\t10.9999/demo.2024.1\tNCT10000004\t\t",
        "title\tAdd-On Therapy for Flares in Disease X (AODX)\tNCT10000005\tClinic Y\tregistry listing",
        "title\tA Second Title\tNCT10000001",  # sponsor and note may be left off
    ]
) + "\n"


def write(tmp_path: Path, text: str, name: str = "cw.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def record(
    record_id: str = "unnamed-0",
    sha256: str = "",
    title: str | None = None,
    official_title: str | None = None,
    pmid: str | None = None,
    doi: str | None = None,
) -> TrialRecord:
    pubs = [Publication(pmid=pmid, doi=doi)] if (pmid or doi) else []
    return TrialRecord(
        source=SourceRef(path="x.txt", record_id=record_id, format="test", sha256=sha256),
        title=title,
        official_title=official_title,
        publications=pubs,
    )


@pytest.fixture
def cw(tmp_path: Path) -> Crosswalk:
    return Crosswalk.load(write(tmp_path, GOOD))


def test_reads_every_row(cw: Crosswalk) -> None:
    assert len(cw) == 6


@pytest.mark.parametrize(
    ("rec", "nct_id", "key_type"),
    [
        (record(record_id="page-17"), "NCT10000001", "record_id"),
        (record(sha256=HASH.upper()), "NCT10000002", "sha256"),
        (record(pmid="12345678"), "NCT10000003", "pmid"),
        (record(doi="https://doi.org/10.9999/DEMO.2024.1"), "NCT10000004", "doi"),
        (record(title="Add-On Therapy for Flares in Disease X (AODX)"), "NCT10000005", "title"),
        (record(official_title="a second title"), "NCT10000001", "title"),
    ],
)
def test_resolves_by_each_key_type(cw: Crosswalk, rec: TrialRecord, nct_id: str, key_type: str) -> None:
    match = cw.resolve(rec)
    assert match is not None and (match.nct_id, match.key_type) == (nct_id, key_type)


def test_match_carries_the_curated_sponsor(cw: Crosswalk) -> None:
    assert cw.resolve(record(sha256=HASH)) == CrosswalkMatch(
        "NCT10000002", "sha256", HASH, "Some University Hospital", "checked by hand"
    )
    assert cw.resolve(record(pmid="12345678")).sponsor is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "title",
    [
        "add-on therapy for flares in disease x",  # case, no acronym
        "ADD ON THERAPY FOR FLARES IN DISEASE X (AODX)",
        "Add\u2010On  Therapy\tfor Flares in Disease X.",  # Unicode hyphen, spacing, full stop
        "\uff21dd-On Therapy for Flares in Disease \uff38 (AODX)",  # full-width letters (NFKC)
        "Add-On Therapy for Flares in Disease X ( AODX )",
    ],
)
def test_title_matching_is_robust(cw: Crosswalk, title: str) -> None:
    match = cw.resolve(record(title=title))
    assert match is not None and match.nct_id == "NCT10000005"


def test_unrelated_title_and_unknown_keys_do_not_match(cw: Crosswalk) -> None:
    assert cw.resolve(record(title="Add-On Therapy for Flares in Disease Z")) is None
    assert cw.resolve(record(pmid="87654321", doi="10.9999/other")) is None
    # a parenthesis inside the title is kept; only a trailing one-word acronym goes
    assert normalize_title("A (B) C") == "a b c"
    assert normalize_title("Trial of X (two words)") == "trial of x two words"
    assert normalize_title("Trial of X (2019)") == "trial of x 2019"  # a year is no acronym


def test_byte_order_mark_and_module_level_load(tmp_path: Path) -> None:
    from kg.ingest import crosswalk

    path = tmp_path / "bom.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert len(crosswalk.load(path)) == 6
    assert len(Crosswalk.parse("\ufeff" + GOOD, "bom")) == 6


def test_more_specific_keys_win(cw: Crosswalk) -> None:
    rec = record(record_id="page-17", pmid="12345678", title="Add-On Therapy for Flares in Disease X")
    assert cw.resolve(rec).key_type == "record_id"  # type: ignore[union-attr]
    rec = record(pmid="12345678", title="Add-On Therapy for Flares in Disease X")
    assert cw.resolve(rec).nct_id == "NCT10000003"  # type: ignore[union-attr]


def test_same_key_twice_for_the_same_trial_is_fine(tmp_path: Path) -> None:
    text = HEADER + "pmid\t111\tNCT10000001\t\t\npmid\tPMID:111\tNCT10000001\tX\tfrom y\n"
    cw = Crosswalk.load(write(tmp_path, text))
    assert len(cw) == 1 and cw.resolve(record(pmid="111")).sponsor == "X"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("key\tkey_type\tnct_id\tsponsor\tnote\n", 1, 1, "header"),
        ("key_type\tkey\tnct_id\n", 1, 4, "header"),
        (HEADER + "isbn\t123\tNCT10000001\t\t\n", 2, 1, "unknown key_type"),
        (HEADER + "pmid\t111\tNCT123\t\t\n", 2, 3, "not an NCT ID"),
        (HEADER + "pmid\tabc\tNCT10000001\t\t\n", 2, 2, "not a PMID"),
        (HEADER + "sha256\tdeadbeef\tNCT10000001\t\t\n", 2, 2, "SHA-256"),
        (HEADER + "doi\tnot-a-doi\tNCT10000001\t\t\n", 2, 2, "not a DOI"),
        (HEADER + "pmid\t111\n", 2, 3, "at least"),
        (HEADER + "pmid\t111\tNCT10000001\ts\tn\textra\n", 2, 6, "at most 5"),
        (HEADER + "\n# c\npmid\t111\tNCT10000001\t\t\npmid\t111\tNCT10000002\t\t\n", 5, 2, "NCT10000001"),
        (HEADER + "title\tTrial of X (TX)\tNCT10000001\t\t\ntitle\ttrial of x\tNCT10000002\t\t\n", 3, 2, "maps"),
        ("# only a comment\n", 1, 1, "missing header"),
    ],
)
def test_malformed_crosswalk_names_file_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, words: str
) -> None:
    path = write(tmp_path, text, "bad.tsv")
    with pytest.raises(CrosswalkError) as info:
        Crosswalk.load(path)
    message = str(info.value)
    assert "bad.tsv" in message and f"line {line}," in message and f"column {column} " in message
    assert words in message
    assert isinstance(info.value, InputError)


def test_missing_file_is_a_crosswalk_error(tmp_path: Path) -> None:
    with pytest.raises(CrosswalkError, match="nope.tsv"):
        Crosswalk.load(tmp_path / "nope.tsv")


def test_merge(tmp_path: Path, cw: Crosswalk) -> None:
    extra = Crosswalk.load(write(tmp_path, HEADER + "pmid\t999\tNCT10000009\t\t\n", "extra.tsv"))
    merged = cw.merge(extra)
    assert len(merged) == 7 and len(cw) == 6
    assert merged.resolve(record(pmid="999")).nct_id == "NCT10000009"  # type: ignore[union-attr]
    clash = Crosswalk.load(write(tmp_path, HEADER + "pmid\t12345678\tNCT10000009\t\t\n", "clash.tsv"))
    with pytest.raises(CrosswalkError, match=r"clash\.tsv:2.*NCT10000003"):
        cw.merge(clash)


# --- the crosswalk shipped with kg ----------------------------------------------------------
def test_embedded_crosswalk_loads_and_knows_the_ssc_paper() -> None:
    cw = Crosswalk.load()
    match = cw.resolve(record(pmid="29073351"))
    assert match is not None and match.nct_id == "NCT01670565"
    assert match.sponsor == "Hospital for Special Surgery, New York"
    assert cw.resolve(record(doi="10.1002/ART.40358")).nct_id == "NCT01670565"  # type: ignore[union-attr]


def seeds() -> dict[str, Path]:
    if not SEEDS.is_dir():
        pytest.skip("shared seeds not available")
    return {p.name[:3]: p for p in SEEDS.glob("*.txt")}


@pytest.mark.parametrize(("seed", "nct_id"), [("002", "NCT05974683"), ("004", "NCT04893161")])
def test_embedded_crosswalk_maps_the_seed_titles(seed: str, nct_id: str) -> None:
    title = seeds()[seed].read_text(encoding="utf-8").splitlines()[0]
    match = Crosswalk.load().resolve(record(title=title))
    assert match is not None and match.nct_id == nct_id and match.sponsor


def test_embedded_crosswalk_maps_the_paper_title_of_seed_003() -> None:
    first = seeds()["003"].read_text(encoding="utf-8").splitlines()[0]
    title = first.split(" Academic Article")[0]
    assert Crosswalk.load().resolve(record(title=title)).nct_id == "NCT01670565"  # type: ignore[union-attr]


def test_embedded_crosswalk_maps_the_untitled_fragment_by_its_hash() -> None:
    digest = hashlib.sha256(seeds()["000"].read_bytes()).hexdigest()
    match = Crosswalk.load().resolve(record(sha256=digest))
    assert match is not None and match.nct_id == "NCT04660565" and match.key_type == "sha256"
