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
