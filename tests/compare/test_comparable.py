"""Comparable trials on a fixed 0-1 scale: broad classes never carry a match, context alone
is no likeness, and a pair scores the same whatever else the collection holds."""

from __future__ import annotations

from kg.compare.comparable import PART_WEIGHTS, rank_comparable
from kg.compare.facts import Facts, TrialFacts

KG = "https://w3id.org/kg/ontology#"
ANTINEO, SMALL = KG + "AntineoplasticAgent", KG + "SmallMoleculeDrug"
TRET, CARBO, PACLI = "urn:drug:tretinoin", "urn:drug:carboplatin", "urn:drug:paclitaxel"


def _facts() -> Facts:
    f = Facts()
    f.drug_classes = {TRET: {ANTINEO, SMALL}, CARBO: {ANTINEO, SMALL}, PACLI: {ANTINEO, SMALL}}
    f.labels = {ANTINEO: "antineoplastic agent", SMALL: "small-molecule drug"}
    return f


def _trial(f: Facts, name: str, **kw) -> TrialFacts:
    t = TrialFacts(iri=f"urn:trial:{name}", nct=name, **kw)
    f.trials[t.iri] = t
    return t


def _pairs_of(pairs, t: TrialFacts) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {(p.trial_b if p.trial_a == t.iri else p.trial_a): p.score for p in pairs if t.iri in (p.trial_a, p.trial_b)}


def test_weights_sum_to_one() -> None:
    assert abs(sum(PART_WEIGHTS.values()) - 1.0) < 1e-9


def test_broad_classes_and_context_alone_make_no_match() -> None:
    f = _facts()
    skin = _trial(f, "SKIN", conditions={"urn:cond:skin-cancer-prevention"}, gives={TRET: {"iv1"}},
                  sponsors={"urn:org:nci"}, countries={"united states"})
    breast = _trial(f, "BREAST", conditions={"urn:cond:breast-cancer"}, gives={CARBO: {"iv2"}},
                    sponsors={"urn:org:nci"}, countries={"united states"})
    ovary = _trial(f, "OVARY", conditions={"urn:cond:breast-cancer"}, gives={PACLI: {"iv3"}})
    pairs = rank_comparable(f, top=5)
    assert breast.iri not in _pairs_of(pairs, skin)  # antineoplastic agent + same sponsor: not alike
    mine = _pairs_of(pairs, breast)
    assert ovary.iri in mine and 0 < mine[ovary.iri] <= 1


def test_a_pair_scores_the_same_whatever_the_collection_holds() -> None:
    f = _facts()
    a = _trial(f, "A", conditions={"urn:cond:sle"}, gives={CARBO: {"x"}}, sponsors={"urn:org:p"})
    b = _trial(f, "B", conditions={"urn:cond:sle"}, gives={CARBO: {"y"}}, sponsors={"urn:org:p"})
    before = _pairs_of(rank_comparable(f), a)[b.iri]
    for i in range(60):
        _trial(f, f"X{i:02d}", conditions={"urn:cond:sle"} if i % 3 else {"urn:cond:gout"}, gives={PACLI: {f"z{i}"}})
    after = _pairs_of(rank_comparable(f), a)[b.iri]
    assert after == before and 0.5 < before <= 1
