"""kg.drugs.params: drug, drug-class and mechanism parameters resolved against a store."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from kg import vocab as v
from kg.drugs.params import resolve_drug, resolve_drug_class, resolve_mechanism
from kg.errors import ParameterError
from kg.query.params import resolve_param
from kg.store.oxigraph import OxigraphStore


@pytest.fixture(scope="module")
def store(catalogue, inferred) -> OxigraphStore:
    s = OxigraphStore(None)  # in memory
    s.replace_graph(v.DRUGS_GRAPH, catalogue)
    s.replace_graph(v.INFERRED_GRAPH, inferred)
    return s


BELIMUMAB = v.drug_iri("belimumab")


@pytest.mark.parametrize(
    "raw",
    ["belimumab", "Belimumab", "  BENLYSTA ", "LymphoStat-B", "kgid:drug/belimumab", str(BELIMUMAB),
     "drugbank:DB08879", "DrugBank:db08879", "atc:L04AG04", "Benlysta®", "belimumab 10 mg/kg"],
)
def test_drug_by_name_brand_curie_iri_and_identifier(store, raw: str) -> None:
    assert resolve_drug(store, raw) == BELIMUMAB


def test_drug_by_chebi_mesh_and_external_iri(store) -> None:
    rituximab = v.drug_iri("rituximab")
    assert resolve_drug(store, "chebi:64357") == rituximab
    assert resolve_drug(store, "CHEBI:64357") == rituximab
    assert resolve_drug(store, "mesh:D000069283") == rituximab
    assert resolve_drug(store, "https://go.drugbank.com/drugs/DB00073") == rituximab


def test_unknown_drug_names_close_candidates(store) -> None:
    with pytest.raises(ParameterError, match="no drug 'belimumabb'.*did you mean.*belimumab"):
        resolve_drug(store, "belimumabb")
    with pytest.raises(ParameterError, match="no drug"):
        resolve_drug(store, "chemotherapy")
    with pytest.raises(ParameterError, match="not a drug"):
        resolve_drug(store, "kgid:trial/NCT04893161")
    with pytest.raises(ParameterError, match="drugbank identifier"):
        resolve_drug(store, "drugbank:DB99999999")
    with pytest.raises(ParameterError, match="empty"):
        resolve_drug(store, " ")


def test_shared_name_is_ambiguous_and_lists_both(catalogue, inferred) -> None:
    s = OxigraphStore(None)
    s.replace_graph(v.DRUGS_GRAPH, catalogue)
    s.replace_graph(URIRef("urn:test:extra"), [(v.drug_iri("rituximab"), SKOS.altLabel, Literal("Benlysta"))])
    with pytest.raises(ParameterError, match=r"ambiguous.*belimumab.*rituximab"):
        resolve_drug(s, "Benlysta")


def test_drug_class_by_label_local_name_phrase_and_curie(store) -> None:
    blys = v.drug_class_iri("BLySInhibitor")
    assert resolve_drug_class(store, "BLyS/BAFF inhibitor") == blys
    assert resolve_drug_class(store, "BLySInhibitor") == blys
    assert resolve_drug_class(store, "kg:BLySInhibitor") == blys
    assert resolve_drug_class(store, "anti-CD20 therapy") == v.drug_class_iri("AntiCD20Therapy")
    assert resolve_drug_class(store, "biologic") == v.drug_class_iri("Biologic")
    with pytest.raises(ParameterError, match="not a drug class"):
        resolve_drug_class(store, "kgid:drug/belimumab")
    with pytest.raises(ParameterError, match="no drug class"):
        resolve_drug_class(store, "flux capacitor")


def test_mechanism_by_label_class_label_slug_and_iri(store) -> None:
    blys = v.mechanism_iri("blys-blockade")
    assert resolve_mechanism(store, "BLyS (BAFF) neutralisation") == blys
    assert resolve_mechanism(store, "BLyS (BAFF) blockade") == blys
    assert resolve_mechanism(store, "blys-blockade") == blys
    assert resolve_mechanism(store, "BLyS") == blys
    assert resolve_mechanism(store, str(blys)) == blys
    with pytest.raises(ParameterError, match="ambiguous"):
        resolve_mechanism(store, "B-cell depletion")
    with pytest.raises(ParameterError, match="not a mechanism"):
        resolve_mechanism(store, "kgid:drug/belimumab")


def test_registered_as_query_parameter_types(store) -> None:
    assert resolve_param(store, "drug", "drug", "Benlysta") == BELIMUMAB
    with pytest.raises(ParameterError, match="-p drug: no drug"):
        resolve_param(store, "drug", "drug", "nonexistentumab")


class _NoQueries:
    def query(self, *args: object, **kw: object) -> None:
        raise AssertionError("an invalid IRI reached the store")


@pytest.mark.parametrize("raw", ["kgid:drug/belimumab>", "https://w3id.org/kg/id/drug/x>}#", 'kg:A"B'])
def test_invalid_iri_is_refused_before_any_query(raw: str) -> None:
    for resolver in (resolve_drug, resolve_drug_class, resolve_mechanism):
        with pytest.raises(ParameterError, match="cannot bind"):
            resolver(_NoQueries(), raw)
