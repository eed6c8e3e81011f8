"""Trial identity: NCT IDs, crosswalk, fragments of another record, stable fallbacks."""

from __future__ import annotations

from kg.graph.identity import MIN_FRAGMENT_CHARS, resolve_identities
from kg.ingest.crosswalk import Crosswalk
from kg.model import Publication, SourceRef, TrialRecord

PARAGRAPH = (
    "Drug Q is an investigational antibody against a made-up receptor. This study asks whether adding it to "
    "standard care lowers the number of flares over one year, and whether it lets patients lower their daily "
    "steroid dose. Participants are followed every four weeks for a year and then once more at week sixty."
)
assert len(PARAGRAPH) > MIN_FRAGMENT_CHARS


def rec(record_id: str, **kw) -> TrialRecord:  # type: ignore[no-untyped-def]
    return TrialRecord(source=SourceRef(path=f"{record_id}.txt", record_id=record_id, format="registry-text",
                                        sha256=record_id * 4), **kw)


def test_fragment_joins_the_page_it_comes_from() -> None:
    page = rec("page", nct_id="NCT09990002", title="Drug Q in Disease R", description="Intro.\n\n" + PARAGRAPH)
    fragment = rec("frag", description="  " + PARAGRAPH.replace(" ", "\n      ", 5))
    ids = resolve_identities([fragment, page], None)
    assert [i.key for i in ids] == ["NCT09990002", "NCT09990002"]
    assert ids[0].basis == "fragment-of:page"


def test_fragment_in_two_pages_joins_the_same_one_whatever_the_order() -> None:
    one = rec("page-b", nct_id="NCT09990002", title="Drug Q in Disease R", description=PARAGRAPH)
    two = rec("page-a", nct_id="NCT09990005", title="Drug Q, the extension", description=PARAGRAPH + " More.")
    fragment = rec("frag", description=PARAGRAPH)
    first = resolve_identities([fragment, one, two], None)[0]
    second = resolve_identities([two, fragment, one], None)[1]
    assert first == second and first.basis == "fragment-of:page-a"


def test_short_or_unrelated_text_does_not_join() -> None:
    page = rec("page", nct_id="NCT09990002", title="Drug Q", description=PARAGRAPH)
    short = rec("short", description=PARAGRAPH[:50])
    other = rec("other", description=PARAGRAPH.replace("flares", "infections"))
    ids = resolve_identities([page, short, other], None)
    assert ids[1].key != "NCT09990002" and ids[2].key != "NCT09990002"
    assert ids[1].basis == ids[2].basis == "document-hash"


def test_crosswalk_by_title_and_pmid(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cw_file = tmp_path / "cw.tsv"
    cw_file.write_text("key_type\tkey\tnct_id\tsponsor\tnote\n"
                       "title\tA Study of Drug Q (DQ-1)\tNCT09990003\tQ Hospital\tmade up\n"
                       "pmid\t12345678\tNCT09990004\t\tmade up\n")
    cw = Crosswalk.load(cw_file)
    by_title = rec("t", title="a study of drug q")
    by_pmid = rec("p", title="Results of the pilot", is_publication=True,
                  publications=[Publication(pmid="12345678")])
    ids = resolve_identities([by_title, by_pmid], cw)
    assert (ids[0].key, ids[0].basis, ids[0].sponsor) == ("NCT09990003", "crosswalk:title", "Q Hospital")
    assert (ids[1].key, ids[1].basis) == ("NCT09990004", "crosswalk:pmid")


def test_unregistered_keys_are_stable_and_title_based() -> None:
    a = resolve_identities([rec("a", title="An Unregistered Pilot")], None)[0]
    b = resolve_identities([rec("b", title="  an unregistered   PILOT ")], None)[0]
    assert a.key == b.key and a.key.startswith("x-") and a.basis == "title-hash"
