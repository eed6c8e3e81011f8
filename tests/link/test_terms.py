"""Loading external ontology files: OBO, OWL/RDF, SSSOM, TSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.link.terms import load, read_file

OBO = """format-version: 1.2
data-version: test/2026-01-01

[Term]
id: DOID:1
name: new name of a disease
synonym: "old name of a disease" EXACT []
synonym: "nearby disease" RELATED [MESH:D1]
xref: MESH:D000000999
xref: GARD:123

[Term]
id: DOID:2
name: obsolete retired disease
is_obsolete: true
replaced_by: DOID:1

[Term]
id: DOID:3
name: old style term
exact_synonym: "legacy spelling" []

[Typedef]
id: part_of
name: part of
"""

TTL = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix oio: <http://www.geneontology.org/formats/oboInOwl#> .
<http://purl.obolibrary.org/obo/CHEBI_1> a owl:Class ; rdfs:label "drug one" ;
    oio:hasExactSynonym "drugone" ; oio:hasBroadSynonym "drug family" ; oio:hasDbXref "MESH:D2" .
<http://purl.obolibrary.org/obo/CHEBI_2> a owl:Class ; rdfs:label "drug two" ; owl:deprecated true ;
    <http://purl.obolibrary.org/obo/IAO_0100001> <http://purl.obolibrary.org/obo/CHEBI_1> .
<http://example.org/unknown/3> a owl:Class ; rdfs:label "outside the prefix map" .
"""


def test_obo(tmp_path: Path) -> None:
    p = tmp_path / "t.obo"
    p.write_text(OBO, encoding="utf-8")
    terms = {t.curie: t for t in read_file(p)}
    assert set(terms) == {"DOID:1", "DOID:2", "DOID:3"}
    assert terms["DOID:3"].synonyms == {("legacy spelling", "EXACT")}
    t1 = terms["DOID:1"]
    assert t1.label == "new name of a disease"
    assert t1.synonyms == {("old name of a disease", "EXACT"), ("nearby disease", "RELATED")}
    assert t1.xrefs == {"MESH:D000999"}  # GARD is not a kg prefix; the padded MeSH id is normalised
    assert terms["DOID:2"].obsolete and terms["DOID:2"].replaced_by == {"DOID:1"}
    assert any("2026-01-01" in s for s in t1.sources)


def test_owl(tmp_path: Path) -> None:
    p = tmp_path / "t.ttl"
    p.write_text(TTL, encoding="utf-8")
    terms = {t.curie: t for t in read_file(p)}
    assert set(terms) == {"CHEBI:1", "CHEBI:2"}
    assert terms["CHEBI:1"].synonyms == {("drugone", "EXACT"), ("drug family", "BROAD")}
    assert terms["CHEBI:1"].xrefs == {"MESH:D2"}
    assert terms["CHEBI:2"].obsolete and terms["CHEBI:2"].replaced_by == {"CHEBI:1"}


def test_tables_and_sssom_merge(tmp_path: Path) -> None:
    (tmp_path / "atc.csv").write_text("atc_code,atc_name\nL04AG04,belimumab\n", encoding="utf-8")
    (tmp_path / "x.tsv").write_text('id\tlabel\txrefs\n"DOID:9"\t"some disease"\t"MESH:D9, NCI:C9"\n', encoding="utf-8")
    (tmp_path / "m.sssom.tsv").write_text(
        "# curie_map:\n#   MONDO: http://purl.obolibrary.org/obo/MONDO_\n"
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification\n"
        "MONDO:9\tsome disease\tskos:exactMatch\tDOID:9\tsome disease (renamed)\tsemapv:ManualMappingCuration\n"
        "MONDO:8\tobsolete gone disease\tskos:exactMatch\tDOID:8\tgone\tsemapv:ManualMappingCuration\n",
        encoding="utf-8",
    )
    terms = load([tmp_path / "atc.csv", tmp_path / "x.tsv", tmp_path / "m.sssom.tsv"])
    assert terms["ATC:L04AG04"].label == "belimumab"
    assert terms["DOID:9"].xrefs == {"MESH:D9", "NCIT:C9", "MONDO:9"}
    assert ("some disease (renamed)", "EXACT") in terms["DOID:9"].synonyms  # other file's label kept
    assert terms["MONDO:8"].obsolete and not terms["DOID:8"].obsolete


def test_table_without_prefix_needs_one(tmp_path: Path) -> None:
    p = tmp_path / "plain.tsv"
    p.write_text("id\tlabel\n123\tthing\n", encoding="utf-8")
    with pytest.raises(InputError, match="prefix"):
        list(read_file(p))
    assert [t.curie for t in read_file(p, prefix="NCIT")] == ["NCIT:123"]
    with pytest.raises(InputError, match="not found"):
        read_file(tmp_path / "missing.obo")
