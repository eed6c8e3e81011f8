"""Condition parameters: a name, a lexicon synonym or an external CURIE -> the kg:Condition node."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg import vocab as V
from kg.errors import ParameterError
from kg.query.params import resolve_condition
from kg.store.memory import MemoryStore

SLE = V.condition_iri("systemic lupus erythematosus")
LN = V.condition_iri("lupus nephritis")
MESH_SLE = URIRef("http://id.nlm.nih.gov/mesh/D008180")


@pytest.fixture()
def store() -> MemoryStore:
    st = MemoryStore()
    # every record's graph repeats the condition's type and label, as a build writes them
    for n in range(3):
        st.replace_graph(
            URIRef(f"https://example.org/graph/record/{n}"),
            [(SLE, RDF.type, V.KG.Condition), (SLE, RDFS.label, Literal("Systemic Lupus Erythematosus")),
             (LN, RDF.type, V.KG.Condition), (LN, RDFS.label, Literal("Lupus Nephritis"))],
        )
    st.replace_graph(URIRef("https://example.org/graph/conditions"), [(SLE, SKOS.exactMatch, MESH_SLE)])
    return st


@pytest.mark.parametrize("raw", ["systemic lupus erythematosus", "SLE", "Lupus", "  SYSTEMIC LUPUS ERYTHEMATOSUS "])
def test_names_and_lexicon_synonyms_find_the_condition(store: MemoryStore, raw: str) -> None:
    assert resolve_condition(store, raw) == SLE


def test_curie_of_an_external_term_finds_the_linked_condition(store: MemoryStore) -> None:
    assert resolve_condition(store, str(MESH_SLE)) == SLE


def test_words_matching_two_conditions_are_ambiguous(store: MemoryStore) -> None:
    # in both names, and no condition is keyed on it
    with pytest.raises(ParameterError, match="ambiguous: 2 conditions match"):
        resolve_condition(store, "us")


def test_lupus_keys_on_sle_not_on_every_lupus_condition(store: MemoryStore) -> None:
    assert resolve_condition(store, "lupus") == SLE


def test_unknown_name_is_an_error(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="no condition named 'gout'"):
        resolve_condition(store, "gout")
