"""Intervention-name and class-phrase resolution."""

from __future__ import annotations

import pytest

from kg import vocab as v
from kg.drugs.resolve import resolve_class_phrase, resolve_intervention


def _slugs(name: str) -> list[str]:
    return [str(d).rsplit("/", 1)[1] for d in resolve_intervention(name).drugs]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Belimumab 10mg/kg", ["belimumab"]),
        ("MMF 0.5g per day", ["mycophenolate-mofetil"]),
        ("Rituximab (genetical recombination)", ["rituximab"]),
        ("Prednisone and Belimumab", ["prednisone", "belimumab"]),
        ("Anifrolumab (blinded)", ["anifrolumab"]),
        ("Anifrolumab (unblinded, open label)", ["anifrolumab"]),
        ("Fludarabine phosphate", ["fludarabine"]),
        ("cyclophosphamide; doxorubicin hydrochloride", ["cyclophosphamide", "doxorubicin"]),
        ("Benlysta", ["belimumab"]),
        ("MabThera", ["rituximab"]),
        ("CellCept", ["mycophenolate-mofetil"]),
        ("Mycophenolate sodium", ["mycophenolic-acid"]),
        ("Cyclosporin A", ["cyclosporine"]),
        ("DA-8159 (Udenafil)", ["udenafil"]),
        ("Tadalafil 5Mg Tab", ["tadalafil"]),
        ("Lamivudine/Zidovudine", ["lamivudine", "zidovudine"]),
        ("JK500 cell injection，cyclophosphamide，Fludarabine", ["cyclophosphamide", "fludarabine"]),
    ],
)
def test_resolves(name: str, expected: list[str]) -> None:
    assert _slugs(name) == expected


def test_regimen_acronym_expands() -> None:
    assert set(_slugs("CHOP regimen")) == {"cyclophosphamide", "doxorubicin", "vincristine", "prednisone"}


@pytest.mark.parametrize("name", ["Placebo", "placebo (tadalafil)", "Placebo matching Spesolimab Formulation 1", "Sham injection"])
def test_placebo_is_recognised_not_a_drug(name: str) -> None:
    r = resolve_intervention(name)
    assert r.is_placebo and not r.drugs and not r.unresolved


def test_drug_or_placebo_keeps_both() -> None:
    r = resolve_intervention("linaclotide or placebo")
    assert r.is_placebo and _slugs("linaclotide or placebo") == ["linaclotide"]


@pytest.mark.parametrize("name", ["YHD1023", "chemotherapy", "Herbal medicine", "rituximabb", "belimumab-like agent"])
def test_unknown_names_stay_unresolved(name: str) -> None:
    r = resolve_intervention(name)
    assert r.unresolved and not r.drugs


def test_contradictory_parenthesis_is_unresolved() -> None:
    assert resolve_intervention("rituximab (ocrelizumab)").unresolved


def test_partly_known_combination_reports_unknown_part() -> None:
    r = resolve_intervention("Kanglaite Injection+Chemotherapy")
    assert r.unresolved and "chemotherapy" in r.reason


def test_class_phrases() -> None:
    r = resolve_class_phrase("any biologic therapy")
    assert r.classes == [v.KG.Biologic] and not r.exceptions
    r = resolve_class_phrase("B cell-depleting therapy (eg, rituximab, ocrelizumab)")
    assert r.classes == [v.KG.BCellDepletingTherapy]
    assert r.examples == [v.drug_iri("rituximab"), v.drug_iri("ocrelizumab")]
    r = resolve_class_phrase("non-biologic DMARDs or immunosuppressive agent other than GCs")
    assert v.KG.Biologic not in r.classes  # "non-biologic" is not "biologic"
    assert set(r.classes) == {v.KG.ConventionalSyntheticDMARD, v.KG.TargetedSyntheticDMARD, v.KG.Immunosuppressant}
    assert r.exceptions == [v.KG.Glucocorticoid]


def test_class_phrase_exception_can_name_a_drug() -> None:
    r = resolve_class_phrase("immunosuppressants except hydroxychloroquine")
    assert r.exceptions == [v.drug_iri("hydroxychloroquine")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # development codes of INN drugs, brand names, registry misspellings of salts and INNs
        ("TS-142", ["vornorexant"]),
        ("ASG-22CE", ["enfortumab-vedotin"]),
        ("Conmana", ["icotinib"]),
        ("Enasidenib mesylat dose escalation", ["enasidenib"]),
        ("Formoterol Fumurate inhalation solution 20 mcg", ["formoterol"]),
        ("azactidine", ["azacitidine"]),
        # µ (micro sign) becomes μ under NFKC: both are doses
        ("DRSP 3 mg/EE 20 µg (13 cycles)", ["drospirenone", "ethinylestradiol"]),
        # a name typed twice; "combined with", "co-administration of", "alone" are not names
        ("amiodarone amiodarone", ["amiodarone"]),
        ("furmonertinib combined with anlotinib", ["furmonertinib", "anlotinib"]),
        ("co-administration of aztreonam and nacubactam", ["aztreonam", "nacubactam"]),
        ("amitriptyline, fluoxetine and tramadol alone (control group)", ["amitriptyline", "fluoxetine", "tramadol"]),
        # commas inside one product name do not split it when the bracket only repeats it
        ("Live, Attenuated Japanese Encephalitis SA 14-14-2 Vaccine (LJEV)", ["japanese-encephalitis-vaccine-live"]),
        ("13vPnC + TIV", ["pneumococcal-conjugate-vaccine-13", "influenza-vaccine-inactivated"]),
    ],
)
def test_resolves_registry_variants(name: str, expected: list[str]) -> None:
    assert _slugs(name) == expected


def test_versus_splits_arms_and_keeps_unknown_side_unresolved() -> None:
    r = resolve_intervention("AVI-014 versus Filgrastim")
    assert _slugs("AVI-014 versus Filgrastim") == ["filgrastim"] and r.unresolved


@pytest.mark.parametrize(
    "name",
    [
        "pneumococcal polyvalent vaccine",  # conjugate or polysaccharide: the name does not say
        "Estrogen",  # a class, not a substance
        "Standard Therapy",
        "100 mg",
    ],
)
def test_ambiguous_or_class_names_stay_unresolved(name: str) -> None:
    r = resolve_intervention(name)
    assert r.unresolved and not r.drugs
