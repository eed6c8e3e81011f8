"""The build's name index (kg.query.lookup) answers exactly as the parameter resolvers do, or not at all."""

from __future__ import annotations

import random

import pytest
from rdflib import Literal, URIRef

from kg import vocab as V
from kg.drugs.params import resolve_drug, resolve_mechanism
from kg.errors import ParameterError
from kg.query import lookup
from kg.query.params import resolve_condition, resolve_param
from kg.store.memory import MemoryStore

FULL = {"drug": resolve_drug, "mechanism": resolve_mechanism, "condition": resolve_condition}
LABELS = {
    "drug": "SELECT DISTINCT ?l WHERE { ?x a kg:Drug ; rdfs:label|skos:altLabel|kg:brandName ?l }",
    "mechanism": "SELECT DISTINCT ?l WHERE { ?x a ?c . ?c rdfs:subClassOf* kg:MechanismOfAction . ?x rdfs:label ?l }",
    "condition": "SELECT DISTINCT ?l WHERE { ?x a kg:Condition ; rdfs:label|skos:altLabel ?l }",
}


def _full(store: object, kind: str, raw: str) -> URIRef | None:
    try:
        return FULL[kind](store, raw)
    except ParameterError:
        return None


def test_the_build_writes_one_stamped_index_per_kind(demo_store) -> None:  # type: ignore[no-untyped-def]
    fingerprint = lookup.input_fingerprint(demo_store)
    for kind in lookup.KINDS:
        assert demo_store.graph_value(lookup.graph_iri(kind), lookup.STAMP) == fingerprint
    assert lookup.resolve(demo_store, "drug", "Benlysta") == V.drug_iri("belimumab")
    assert lookup.resolve(demo_store, "condition", "SLE") == URIRef(str(V.KGID) + "condition/systemic-lupus-erythematosus")


@pytest.mark.parametrize("kind", lookup.KINDS)
def test_an_indexed_answer_is_the_resolvers_answer(demo_store, kind: str) -> None:  # type: ignore[no-untyped-def]
    names = sorted(str(r[0]) for r in demo_store.query(LABELS[kind]))
    sample = random.Random(15).sample(names, min(12, len(names)))
    # what users type: other cases, words of a longer name, nonsense
    sample += [n.upper() for n in sample[:3]] + [n.split()[0] for n in sample if " " in n][:4]
    sample += ["lupus", "CD20", "BLyS", "arthritis", "zz-not-a-name"]
    answered = 0
    for raw in sample:
        got = lookup.resolve(demo_store, kind, raw)
        if got is not None:
            answered += 1
            assert got == _full(demo_store, kind, raw), raw
    assert answered >= 8, "the index answered too few names to be of use"


def test_the_index_stays_out_of_curies_iris_and_stores_without_it(demo_store) -> None:  # type: ignore[no-untyped-def]
    assert lookup.key("drug", "drugbank:DB08879") is None
    assert lookup.resolve(demo_store, "condition", "mesh:D008180") is None
    store = MemoryStore()
    c = URIRef(str(V.KGID) + "condition/gout")
    store.replace_graph(V.KGGRAPH["record/t"], [(c, V.RDF.type, V.Condition), (c, V.RDFS.label, Literal("Gout"))])
    assert lookup.resolve(store, "condition", "gout") is None  # no index: the resolver decides
    assert resolve_param(store, "condition", "condition", "gout") == c


def test_a_name_of_two_terms_is_left_to_the_resolver() -> None:
    store = MemoryStore()
    a, b = URIRef(str(V.KGID) + "condition/a"), URIRef(str(V.KGID) + "condition/b")
    store.replace_graph(V.KGGRAPH["record/t"], [
        (a, V.RDF.type, V.Condition), (a, V.RDFS.label, Literal("Nephritis")),
        (b, V.RDF.type, V.Condition), (b, V.SKOS.altLabel, Literal("nephritis"))])
    assert lookup.materialize(store)[0] > 0
    assert lookup.materialize(store) == (0, 0)  # unchanged inputs: left as it is
    assert lookup.resolve(store, "condition", "NEPHRITIS") is None
    with pytest.raises(ParameterError, match="ambiguous"):
        resolve_param(store, "condition", "condition", "NEPHRITIS")


@pytest.mark.parametrize("name", ["SLE", "Lupus", "Systemic Lupus Erythematosus", "Ménière disease", "Breast Cancer",
                                  "  rheumatoid arthritis "])
def test_condition_key_is_the_comparisons_key(name: str) -> None:
    from kg.compare.facts import condition_key

    assert str(lookup._condition_key(name.strip())) == condition_key(name.strip())
