"""Resolution beyond the catalogue: the open substance vocabulary (UNII names, ATC index names).

A small vocabulary written here stands in for the FDA list and the WHO index (fake UNIIs
``TEST…``; ATC group names of our own), so the tests neither need nor copy the real files.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg import vocab as v
from kg.drugs import resolve, vocabulary
from kg.drugs.rdf import link_interventions
from kg.drugs.resolve import resolve_intervention
from kg.drugs.vocabulary import Vocabulary

UNII_ROWS = [
    ("KETOCONAZOLE", "of", "TESTKETO01", "KETOCONAZOLE"),
    ("CARVEDILOL", "of", "TESTCARV01", "CARVEDILOL"),
    ("CARVEDILOL PHOSPHATE", "cn", "TESTCARV02", "CARVEDILOL PHOSPHATE"),
    ("NIACIN", "of", "TESTNIAC01", "NIACIN"),
    ("NICOTINIC ACID", "cn", "TESTNIAC01", "NIACIN"),
    ("GEMFIBROZIL", "of", "TESTGEMF01", "GEMFIBROZIL"),
    ("TESTIMAB", "of", "TESTTNFI01", "TESTIMAB"),
    ("XY-4412", "cd", "TESTTNFI01", "TESTIMAB"),
    # one brand name given to two substances: ambiguous, matches nothing
    ("DUOBRAND", "bn", "TESTAMB001", "FIRST SUBSTANCE"),
    ("DUOBRAND", "bn", "TESTAMB002", "SECOND SUBSTANCE"),
    ("DCI", "cn", "TESTDCI001", "SOME DCI"),
    ("1,2-DIMETHYL SOMETHING", "sys", "TESTSYS001", "SYSTEMATIC ONLY"),
]
ATC_ROWS = [
    ("C10AB", "Fibrate group (test)"),
    ("C10AB04", "gemfibrozil"),
    ("C10AD", "Nicotinic acid group (test)"),
    ("C10AD02", "nicotinic acid"),
    ("L04AB", "TNF blockers (test)"),
    ("L04AB99", "testimab"),
    ("A10AE", "Long insulins (test)"),
    ("A10AE05", "insulin detemir"),
]


@pytest.fixture
def voc(tmp_path):
    fixture = Vocabulary.from_rows(UNII_ROWS, ATC_ROWS, tmp_path)
    vocabulary.set_vocabulary(fixture)
    saved = dict(resolve.VOCABULARY_DRUGS)
    resolve.VOCABULARY_DRUGS.clear()
    yield fixture
    vocabulary.set_vocabulary(None)
    resolve.VOCABULARY_DRUGS.clear()
    resolve.VOCABULARY_DRUGS.update(saved)


def _slugs(name: str) -> list[str]:
    return [str(d).rsplit("/", 1)[1] for d in resolve_intervention(name).drugs]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ketoconazole", ["ketoconazole"]),
        # the salt-free name wins over the salt's own entry
        ("Carvedilol phosphate", ["carvedilol"]),
        ("carvedilol phosphate extended-release capsules 20 mg", ["carvedilol"]),
        ("Niacin ER 1000 mg", ["niacin"]),
        ("XY-4412", ["testimab"]),
        ("XY 4412", ["testimab"]),
    ],
)
def test_salts_and_formulations_reach_the_vocabulary_substance(voc, name, expected):
    r = resolve_intervention(name)
    assert not r.unresolved, r.reason
    assert _slugs(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bupropion hydrochloride sustained-release", ["bupropion"]),
        ("Carmustine implant", ["carmustine"]),
        ("Carmustine wafer 7.7 mg", ["carmustine"]),
    ],
)
def test_catalogue_drugs_under_release_and_implant_forms(voc, name, expected):
    assert _slugs(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ketoconazole combined with carvedilol", ["ketoconazole", "carvedilol"]),
        ("niacin/gemfibrozil", ["niacin", "gemfibrozil"]),
        ("Gemfibrozil + Belimumab", ["gemfibrozil", "belimumab"]),
    ],
)
def test_combinations_give_every_drug(voc, name, expected):
    r = resolve_intervention(name)
    assert not r.unresolved
    assert _slugs(name) == expected


@pytest.mark.parametrize("name", ["zorblatinib", "DuoBrand", "DCI", "1,2-dimethyl something", "ketoconazole and zorblatinib"])
def test_unknown_ambiguous_or_short_names_stay_unresolved(voc, name):
    r = resolve_intervention(name)
    assert r.unresolved
    assert "zorblatinib" in name or not r.drugs


def test_catalogue_entry_wins_when_the_vocabulary_names_its_unii(tmp_path):
    from kg.drugs.catalogue import load

    unii = load().drugs["belimumab"].ids["unii"][0]
    vocabulary.set_vocabulary(Vocabulary.from_rows([("LYMPHOTEST", "bn", unii, "BELIMUMAB")], [], tmp_path))
    try:
        assert _slugs("Lymphotest 10 mg/kg") == ["belimumab"]
    finally:
        vocabulary.set_vocabulary(None)


def test_vocabulary_drug_becomes_a_drug_node_with_its_atc_class(voc):
    g = Graph()
    iv = URIRef("urn:test:intervention")
    g.add((iv, RDF.type, v.Intervention))
    g.add((iv, RDFS.label, Literal("Gemfibrozil 600 mg tablets")))
    iv2 = URIRef("urn:test:intervention2")
    g.add((iv2, RDF.type, v.Intervention))
    g.add((iv2, RDFS.label, Literal("Testimab")))
    assert link_interventions(g) == []
    drug = v.drug_iri("gemfibrozil")
    assert (iv, v.administers, drug) in g
    assert (drug, RDF.type, v.Drug) in g
    assert (drug, v.uniiCode, Literal("TESTGEMF01")) in g
    assert (drug, v.atcCode, Literal("C10AB04")) in g
    group = v.ATC["C10AB"]
    assert (drug, RDF.type, group) in g
    assert (group, RDF.type, v.DrugClass) in g
    assert str(g.value(group, RDFS.label)) == "Fibrate group (test)"
    # an ATC group kg knows gives the kg class and its superclasses (no reasoner needed)
    tnf = v.drug_iri("testimab")
    assert (tnf, RDF.type, v.drug_class_iri("TNFInhibitor")) in g
    assert (tnf, RDF.type, v.drug_class_iri("Immunosuppressant")) in g
    assert (drug, RDF.type, v.drug_class_iri("Immunosuppressant")) not in g


def test_atc_name_only_substance_resolves_with_its_class(voc):
    # "niacin" is "nicotinic acid" in the ATC index: the code comes through the UNII's other name
    sub = voc.lookup("niacin")
    assert sub.atc == ("C10AD02",) and sub.atc_classes == (("C10AD", "Nicotinic acid group (test)"),)
    # a name only the ATC index has
    only = voc.lookup("insulin detemir")
    assert only.unii == "" and only.atc == ("A10AE05",)


def test_a_brand_given_to_a_salt_reaches_the_parent_substance(tmp_path):
    rows = [("ANTHRATEST", "bn", "TESTSALT01", "DOXORUBICIN HYDROCHLORIDE"),
            ("ZORBLAFEN POTASSIUM", "of", "TESTSALT02", "ZORBLAFEN POTASSIUM"), ("ZORBLABRAND", "bn", "TESTSALT02", "ZORBLAFEN POTASSIUM"),
            ("ZORBLAFEN", "of", "TESTPAR002", "ZORBLAFEN")]
    vocabulary.set_vocabulary(Vocabulary.from_rows(rows, [], tmp_path))
    try:
        assert _slugs("Anthratest") == ["doxorubicin"]  # the catalogue entry of the parent
        assert _slugs("Zorblabrand 5 mg") == ["zorblafen"]  # the vocabulary's parent
    finally:
        vocabulary.set_vocabulary(None)
        resolve.VOCABULARY_DRUGS.pop("zorblafen", None)
