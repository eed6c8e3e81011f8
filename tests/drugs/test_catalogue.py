"""Catalogue tables: size, identifier formats, and ATC codes checked against the WHO file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from kg.drugs.catalogue import ID_SCHEMES, load

PATTERNS = {
    "atc": r"[A-Z]\d\d[A-Z][A-Z]\d\d",
    "drugbank": r"DB\d{5}",
    "unii": r"[A-Z0-9]{10}",
    "chebi": r"\d+",
    "rxnorm": r"\d+",
    "mesh": r"[CD]\d{6,9}",
}


def test_catalogue_size_and_required_drugs() -> None:
    cat = load()
    assert len(cat.drugs) >= 150
    for slug in ("belimumab", "rituximab", "ocrelizumab", "obinutuzumab", "ofatumumab", "inebilizumab", "abatacept",
                 "mycophenolate-mofetil", "mycophenolic-acid", "prednisone", "prednisolone", "methylprednisolone",
                 "dexamethasone", "hydrocortisone", "leflunomide", "cyclophosphamide", "azathioprine", "methotrexate",
                 "hydroxychloroquine", "tacrolimus", "cyclosporine", "anifrolumab", "tocilizumab"):
        assert slug in cat.drugs, slug


def test_identifier_formats_and_sources() -> None:
    assert set(PATTERNS) == set(ID_SCHEMES)
    for d in load().drugs.values():
        for scheme, idents in d.ids.items():
            for ident in idents:
                assert re.fullmatch(PATTERNS[scheme], ident), (d.slug, scheme, ident)
            assert d.id_sources[scheme], (d.slug, scheme)


def test_target_identifier_formats() -> None:
    checked = 0
    for t in load().targets.values():
        assert not t.hgnc or re.fullmatch(r"HGNC:\d+", t.hgnc), t
        assert not t.uniprot or re.fullmatch(r"[OPQ]\d[A-Z0-9]{3}\d", t.uniprot), t
        assert not t.ncbigene or t.ncbigene.isdigit(), t
        if t.hgnc or t.uniprot or t.ncbigene:
            assert t.source, t
            checked += 1
    assert checked >= 17


def test_every_atc_code_exists_in_shared_who_file(shared: Path) -> None:
    path = shared / "data" / "ontologies" / "atc" / "WHO_ATC-DDD_2026-04-25.csv"
    with path.open(encoding="utf-8") as f:
        codes = {r["atc_code"] for r in csv.DictReader(f)}
    used = {c for d in load().drugs.values() for c in d.ids.get("atc", ())}
    assert used and used <= codes, sorted(used - codes)


def test_brands_and_synonyms_do_not_collide_across_drugs() -> None:
    from kg.drugs.resolve import normalize

    owner: dict[str, str] = {}
    for d in load().drugs.values():
        for name in {normalize(x) for x in (d.label, *d.synonyms, *d.brands)}:
            assert owner.setdefault(name, d.slug) == d.slug, (name, owner[name], d.slug)


CODE_LABEL = re.compile(r"[A-Z]{1,5}[- ]?[A-Z]?\d[\d,]*[A-Z]?\d*")  # TPN171H, SHR-A1921, CHS 828, UK-369,003


def test_code_named_entries_carry_a_review_note() -> None:
    """A substance still labelled with a sponsor code says how it was identified (or what is not)."""
    coded = [d for d in load().drugs.values() if CODE_LABEL.fullmatch(d.label)]
    assert len(coded) >= 20
    assert not [d.slug for d in coded if not d.review]


def test_code_reviews_that_found_an_inn_relabelled_the_entry() -> None:
    cat = load()
    for slug, inn, code in (("uk-369003", "gisadenafil", "UK-369,003"), ("era-923", "pipendoxifene", "ERA-923")):
        d = cat.drugs[slug]
        assert d.label == inn and code in d.synonyms and d.review
    # an unverified target is not asserted: PRO131921 is not classed through a CD20 mechanism
    assert not cat.drugs["pro131921"].mechanisms and "unverified" in cat.drugs["pro131921"].review


def test_unii_and_drugbank_coverage_from_checked_sources() -> None:
    drugs = load().drugs.values()
    assert sum("unii" in d.ids for d in drugs) >= 500
    assert sum("drugbank" in d.ids for d in drugs) >= 450
    # one identifier per substance for these schemes: an ambiguous source match is never stored
    assert all(len(d.ids.get(s, ())) <= 1 for d in drugs for s in ("unii", "drugbank"))
