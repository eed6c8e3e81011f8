"""OHDSI export: Circe cohort definitions valid under ohdsi-cohort-schemas, run with circepy on Eunomia's OMOP CDM."""

from __future__ import annotations

import pytest

from kg.errors import ExportError
from kg.interop.cohort import execute, export_cohort, resolve_concepts, validate
from kg.interop.facts import SYSTEMS, Code, Item, TrialFacts, Window, read_lookup, read_trial

DEMO_TRIALS = ("NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565")
RXNORM = next(v.namespace for v in SYSTEMS if v.name == "RxNorm")
INDEX = "2010-01-01"  # a screening date inside Eunomia's observation periods


@pytest.fixture(scope="module")
def demo_facts(demo_store):  # type: ignore[no-untyped-def]
    lookup = read_lookup(demo_store)
    return {t: read_trial(demo_store, t, lookup) for t in DEMO_TRIALS}


@pytest.fixture(scope="module")
def cdm(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("circe")
    from tests.export.omop import eunomia_cdm

    con = duckdb.connect(str(eunomia_cdm(tmp_path_factory.mktemp("omop"))))
    yield con
    con.close()


def _lookup(con):  # type: ignore[no-untyped-def]
    def find(vocabulary: str, code: str) -> tuple[int, str] | None:
        row = con.execute("SELECT concept_id, concept_name FROM concept WHERE vocabulary_id = ? AND concept_code = ?",
                          [vocabulary, code]).fetchone()
        return None if row is None else (int(row[0]), row[1])
    return find


@pytest.mark.parametrize("trial", DEMO_TRIALS)
def test_demo_cohorts_validate_and_no_concept_set_is_empty(demo_facts, trial: str) -> None:
    facts = demo_facts[trial]
    out = export_cohort(facts)
    expr = out.expression
    assert expr["InclusionRules"], "every demo trial has constraints a cohort can state"
    assert all(cs["expression"]["items"] for cs in expr["ConceptSets"])
    assert set(out.expressed) | set(out.not_expressed) == {i.iri for i in facts.items}
    assert not set(out.expressed) & set(out.not_expressed)
    # a therapy or condition constraint with a code in an OMOP vocabulary is never dropped for want of codes
    for item in facts.items:
        coded = any(c.vocabulary.omop for c in item.codes)
        if coded and item.kind in ("therapy", "background_therapy", "condition") and item.iri in out.not_expressed:
            assert "code" not in out.not_expressed[item.iri], (item.text, out.not_expressed[item.iri])


def _criteria(group: dict) -> list[dict]:
    return group["CriteriaList"] + [c for g in group["Groups"] for c in _criteria(g)]


def test_exclusions_become_zero_occurrences_and_thresholds_measurements(demo_facts) -> None:
    out = export_cohort(demo_facts["NCT04893161"])
    rules = [r["expression"] for r in out.expression["InclusionRules"]]
    # "prior cyclophosphamide or rituximab": an ANY group of two drug exposures, none allowed at any time before
    groups = [g for r in rules for g in r["Groups"] if g["Type"] == "ANY"]
    drugs = [c for g in groups for c in g["CriteriaList"] if "DrugExposure" in c["Criteria"]]
    assert len(drugs) == 2 and all(c["Occurrence"] == {"Type": 0, "Count": 0} for c in drugs)
    assert all("Days" not in c["StartWindow"]["Start"] for c in drugs)  # "ever": all prior time
    sets = {cs["id"]: cs for cs in out.expression["ConceptSets"]}
    codes = {i["concept"]["CONCEPT_CODE"] for c in drugs for i in sets[c["Criteria"]["DrugExposure"]["CodesetId"]]["expression"]["items"]}
    assert "121191" in codes  # rituximab's RxNorm code, CONCEPT_ID left to the site's vocabulary
    lab = [c for r in rules for c in _criteria(r) if "Measurement" in c["Criteria"]]
    assert any(c["Criteria"]["Measurement"]["ValueAsNumber"] == {"Value": 400.0, "Op": "lt"}
               and c["Occurrence"]["Count"] == 0 for c in lab)  # exclusion: IgG < 400 mg/dL


def test_an_invalid_definition_is_refused() -> None:
    bad = {"ConceptSets": [], "PrimaryCriteria": {"CriteriaList": [{"DrugExposure": {"CodesetId": 3}}],
                                                  "ObservationWindow": {"PriorDays": 0, "PostDays": 0}}}
    with pytest.raises(ExportError, match="does not validate"):
        validate(bad)


def _synthetic() -> TrialFacts:
    base = dict(criterion="urn:c", criterion_polarity="inclusion", criterion_order=1)
    items = [
        Item(iri="urn:age", kind="age", effective="inclusion", comparator="between", low=18.0, high=75.0, unit="a", **base),
        Item(iri="urn:sex", kind="sex", effective="inclusion", value_code="female", **base),
        Item(iri="urn:alendronate", kind="therapy", effective="exclusion", role="prior-ever",
             codes=(Code(RXNORM, "46041"),), window=Window(ever=True), **base),
    ]
    return TrialFacts(iri="urn:trial", nct=None, title="synthetic", items=items)


def test_the_cohort_runs_on_eunomia_and_counts_as_sql_does(cdm) -> None:  # type: ignore[no-untyped-def]
    out = export_cohort(_synthetic(), index_date=INDEX)
    assert sorted(out.expressed) == ["urn:age", "urn:alendronate", "urn:sex"]
    expr, found, dropped = resolve_concepts(out.expression, _lookup(cdm))
    assert (found, dropped) == (1, 0)
    n = execute(expr, cdm)
    expected = cdm.execute(f"""
        SELECT COUNT(DISTINCT p.person_id) FROM person p JOIN observation_period op ON op.person_id = p.person_id
        WHERE op.observation_period_start_date <= DATE '{INDEX}' AND op.observation_period_end_date >= DATE '{INDEX}'
          AND p.gender_concept_id = 8532 AND 2010 - p.year_of_birth BETWEEN 18 AND 75
          AND NOT EXISTS (SELECT 1 FROM drug_exposure d JOIN concept_ancestor ca ON ca.descendant_concept_id = d.drug_concept_id
                          JOIN concept c ON c.concept_id = ca.ancestor_concept_id
                          WHERE c.vocabulary_id = 'RxNorm' AND c.concept_code = '46041' AND d.person_id = p.person_id
                            AND d.drug_exposure_start_date <= DATE '{INDEX}')""").fetchone()[0]
    assert 0 < n == expected


def test_a_demo_cohort_runs_on_eunomia(demo_facts, cdm) -> None:  # type: ignore[no-untyped-def]
    """Counts on Eunomia (no lupus, IgG4-RD or gout patients there): entry by condition finds nobody,
    screening everyone observed on a date finds those the demographic and coded rules let through
    (benchmarks/export_coverage.py reports every demo trial's counts, rule by rule)."""
    trial = "NCT04893161"
    observed = cdm.execute(f"SELECT COUNT(DISTINCT person_id) FROM observation_period WHERE observation_period_start_date "
                           f"<= DATE '{INDEX}' AND observation_period_end_date >= DATE '{INDEX}'").fetchone()[0]
    by_condition, _, _ = resolve_concepts(export_cohort(demo_facts[trial]).expression, _lookup(cdm))
    screened, _, _ = resolve_concepts(export_cohort(demo_facts[trial], index_date=INDEX).expression, _lookup(cdm))
    n_condition, n_screened = execute(by_condition, cdm, cohort_id=1), execute(screened, cdm, cohort_id=2)
    print(f"{trial}: entry by condition {n_condition}, screened on {INDEX} {n_screened} of {observed}")
    assert n_condition == 0
    assert 0 <= n_screened < observed  # every demo trial has an age limit or a coded exclusion


def test_a_stable_dose_is_an_exposure_running_through_the_window() -> None:
    base = dict(criterion="urn:c", criterion_polarity="inclusion", criterion_order=1, effective="inclusion",
                codes=(Code(RXNORM, "8640"),))  # prednisone
    stable = Item(iri="urn:stable", kind="background_therapy", role="stable-dose",
                  window=Window(days=28, direction="before"), **base)
    recent = Item(iri="urn:recent", kind="therapy", role="prior-within-window",
                  window=Window(days=28, direction="before"), **base)
    facts = TrialFacts(iri="urn:t", nct=None, title="t", items=[stable, recent])
    crits = [c for r in export_cohort(facts).expression["InclusionRules"] for c in r["expression"]["CriteriaList"]]
    on, taken = crits
    assert on["StartWindow"]["End"] == {"Days": 28, "Coeff": -1} and on["EndWindow"]["UseEventEnd"]  # started >= 28 d before, still on
    assert taken["StartWindow"]["Start"] == {"Days": 28, "Coeff": -1} and "EndWindow" not in taken  # any start in the 28 d
