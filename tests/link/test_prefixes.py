"""The pinned prefix map: canonical IRIs, prefix synonyms, MeSH padding, unknown prefixes."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from kg import vocab as V
from kg.errors import KgError, UnknownPrefixError
from kg.link import prefixes


def test_canonical_iris() -> None:
    assert prefixes.expand("MONDO:0017287") == "http://purl.obolibrary.org/obo/MONDO_0017287"
    assert prefixes.expand("mesh:D015433") == "http://id.nlm.nih.gov/mesh/D015433"
    assert prefixes.expand("LOINC:2469-5") == "https://loinc.org/2469-5"
    assert prefixes.expand("NCT:NCT04660565") == str(V.CTGOV["NCT04660565"])


def test_kg_vocab_namespaces_compress() -> None:
    """The IRIs kg.vocab spells for external identifiers round-trip through the map."""
    for iri, curie in (
        (V.DRUGBANK["DB08879"], "DRUGBANK:DB08879"),
        (V.RXNORM["121191"], "RXNORM:121191"),
        (V.ATC["L04AG04"], "ATC:L04AG04"),
        (V.UNII["4F4X42SYQ6"], "UNII:4F4X42SYQ6"),
        (V.HGNC["11929"], "HGNC:11929"),
        (V.UNIPROT["Q9Y275"], "UniProtKB:Q9Y275"),
        (V.NCBIGENE["931"], "NCBIGene:931"),
        (V.OBO["CHEBI_64357"], "CHEBI:64357"),
        (V.PUBMED["29073351"], "PMID:29073351"),
        (V.drug_iri("belimumab"), "kgid:drug/belimumab"),
    ):
        assert prefixes.compress(str(iri)) == curie
        assert prefixes.expand(curie) == str(iri)


@pytest.mark.parametrize(
    "raw, expected",
    [("NCI:C3201", "NCIT:C3201"), ("ORDO:536", "Orphanet:536"), ("doid:9074", "DOID:9074"), ("HGNC:HGNC:7315", "HGNC:7315"),
     ("MESH:D000015433", "MESH:D015433"), ("MESH:D000077733", "MESH:D000077733"), ("mesh:C536166", "MESH:C536166")],
)
def test_normalize(raw: str, expected: str) -> None:
    assert prefixes.normalize(raw) == expected


def test_mesh_padding_of_registry_ids() -> None:
    # ClinicalTrials.gov writes old 6-digit descriptors with three leading zeros
    assert prefixes.mesh_id("D000008180") == "D008180"
    assert prefixes.mesh_id("D000069283") == "D000069283"  # a real 9-digit id stays


@pytest.mark.parametrize("bad", ["FOO:123", "nocolon", "GSSO:001"])
def test_unknown_prefix_is_a_clear_error(bad: str) -> None:
    with pytest.raises(UnknownPrefixError) as exc:
        prefixes.expand(bad)
    assert isinstance(exc.value, KgError)
    with pytest.raises(UnknownPrefixError, match="prefixes.json"):
        prefixes.compress("http://example.org/thing/1")


def test_prefix_map_file_is_consistent() -> None:
    data = json.loads(resources.files("kg").joinpath("data", "prefixes.json").read_text("utf-8"))
    seen: set[str] = set()
    for r in data["records"]:
        for p in [r["prefix"], *r.get("prefix_synonyms", [])]:
            assert p not in seen, p
            seen.add(p)
    assert prefixes.converter() is prefixes.converter()
