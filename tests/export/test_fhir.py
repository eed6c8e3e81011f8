"""FHIR export: Bundles valid under fhir.resources (R5 and R4B), and read back to the same constraints."""

from __future__ import annotations

import json

import pytest

from kg.errors import ExportError
from kg.interop.facts import Item, read_lookup, read_trial
from kg.interop.fhir import EXT_CONSTRAINT, export_fhir, read_bundle, round_trip_key, validate

DEMO_TRIALS = ("NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565")


@pytest.fixture(scope="module")
def demo_facts(demo_store):  # type: ignore[no-untyped-def]
    lookup = read_lookup(demo_store)
    return {t: read_trial(demo_store, t, lookup) for t in DEMO_TRIALS}


def _keys(items: list[Item], only: set[str], groups: bool = True) -> dict[str, tuple]:
    """Expected keys; for R4B (``groups=False``) without groups, and "ever" read back as no window."""
    out = {}
    for i in items:
        if i.iri in only and (groups or i.kind != "group"):
            k = round_trip_key(i)
            out[i.iri] = k if groups or not (i.window and i.window.ever) else k[:14] + (None,) + k[15:]
    return out


@pytest.mark.parametrize("trial", DEMO_TRIALS)
def test_r5_round_trip_gives_the_stored_constraints(demo_facts, trial: str) -> None:
    facts = demo_facts[trial]
    out = export_fhir(facts, "R5")
    assert facts.items, "the demo trials all have typed constraints"
    back = {i.iri: round_trip_key(i) for i in read_bundle(json.loads(out.json()))}
    assert back == _keys(facts.items, set(out.expressed))
    # every constraint is accounted for, once
    assert set(out.expressed) | set(out.not_expressed) == {i.iri for i in facts.items}
    assert not set(out.expressed) & set(out.not_expressed)


def test_r5_carries_codes_units_windows_and_groups(demo_facts) -> None:
    bundle = export_fhir(demo_facts["NCT04893161"], "R5").bundle
    ev = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "EvidenceVariable")
    text = json.dumps(ev)
    assert "http://www.nlm.nih.gov/research/umls/rxnorm" in text and '"121191"' in text  # rituximab
    assert '"code": "2465-3"' in text and '"code": "mg/dL"' in text  # IgG < 400 mg/dL with LOINC and UCUM
    assert "timeFromEvent" in text and "any-of" in text
    excluded = [c for c in ev["characteristic"] if c["exclude"]]
    assert excluded and len(excluded) < len(ev["characteristic"])
    study = bundle["entry"][0]["resource"]
    assert study["resourceType"] == "ResearchStudy" and study["identifier"][0]["value"] == "NCT04893161"
    assert study["recruitment"]["eligibility"]["reference"].startswith("EvidenceVariable/")


@pytest.mark.parametrize("trial", DEMO_TRIALS)
def test_r4b_group_round_trip_without_windows_and_any_of(demo_facts, trial: str) -> None:
    facts = demo_facts[trial]
    out = export_fhir(facts, "R4B")
    back = {i.iri: round_trip_key(i) for i in read_bundle(out.bundle)}
    assert back == _keys(facts.items, set(out.expressed), groups=False)
    by = {i.iri: i for i in facts.items}
    assert all(by[i].window is None or by[i].window.ever for i in back)  # R4B Group has no relative timing
    assert all(not (by[i].kind == "group" and by[i].operator == "any") for i in out.expressed)


def test_an_invalid_bundle_is_refused() -> None:
    with pytest.raises(ExportError, match="does not validate"):
        validate({"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": {"resourceType": "ResearchStudy"}}]}, "R5")  # no status
    with pytest.raises(ExportError, match="unknown FHIR version"):
        export_fhir(None, "R6")  # type: ignore[arg-type]


def test_a_changed_bundle_no_longer_round_trips(demo_facts) -> None:
    """The round trip can fail: an edited threshold is read back as edited."""
    facts = demo_facts["NCT04893161"]
    out = export_fhir(facts, "R5")
    ev = next(e["resource"] for e in out.bundle["entry"] if e["resource"]["resourceType"] == "EvidenceVariable")
    lab = next(c for c in ev["characteristic"] if "valueQuantity" in c.get("definitionByTypeAndValue", {}))
    lab["definitionByTypeAndValue"]["valueQuantity"]["value"] += 1
    back = {i.iri: round_trip_key(i) for i in read_bundle(out.bundle)}
    assert back != _keys(facts.items, set(out.expressed))


def test_one_real_record(real_record_store) -> None:  # type: ignore[no-untyped-def]
    store, nct = real_record_store
    facts = read_trial(store, nct)
    for version in ("R5", "R4B"):
        out = export_fhir(facts, version)
        back = {i.iri: round_trip_key(i) for i in read_bundle(out.bundle)}
        assert back == _keys(facts.items, set(out.expressed), groups=version == "R5")
        iris = {e["valueUri"] for e in _exts(out.bundle)}
        assert iris == set(back)


def _exts(bundle: dict) -> list[dict]:
    found: list[dict] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            found.extend(e for e in x.get("extension", []) if e.get("url") == EXT_CONSTRAINT)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(bundle)
    return found


def test_the_export_verbs(demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`kg export fhir|cohort|kgx` write their files and say how much they expressed; misuse is one line."""
    from click.testing import CliRunner

    from kg.export.commands import export_cmd

    store = ["--store", str(demo_store.path)]
    runner = CliRunner()
    fhir = runner.invoke(export_cmd, ["fhir", "-p", "trial", "NCT04893161", "-o", str(tmp_path / "b.json"), *store])
    assert fhir.exit_code == 0, fhir.output
    assert "FHIR R5 Bundle" in fhir.output and "typed constraints expressed" in fhir.output
    assert json.loads((tmp_path / "b.json").read_text())["resourceType"] == "Bundle"
    cohort = runner.invoke(export_cmd, ["cohort", "-p", "trial", "NCT04893161", "-o", str(tmp_path / "c.json"), *store])
    assert cohort.exit_code == 0 and "OHDSI Circe cohort" in cohort.output
    assert "InclusionRules" in json.loads((tmp_path / "c.json").read_text())
    kgx = runner.invoke(export_cmd, ["kgx", "-o", str(tmp_path / "kgx"), *store])
    assert kgx.exit_code == 0 and (tmp_path / "kgx" / "nodes.tsv").exists() and (tmp_path / "kgx" / "edges.tsv").exists()
    bad = runner.invoke(export_cmd, ["fhir", "-p", "trial", "NCT04893161", "-p", "version", "R6",
                                     "-o", str(tmp_path / "x.json"), *store])
    assert bad.exit_code != 0 and "unknown FHIR version" in str(bad.exception)
    assert not (tmp_path / "x.json").exists()
    odd = runner.invoke(export_cmd, ["cohort", "-p", "trial", "NCT04893161", "-p", "colour", "red",
                                     "-o", str(tmp_path / "y.json"), *store])
    assert odd.exit_code != 0 and "no parameter colour" in str(odd.exception)
    folder = runner.invoke(export_cmd, ["trial-neighbourhood", "-p", "trial", "NCT04893161", "-o", str(tmp_path), *store])
    assert folder.exit_code != 0 and "is a folder" in folder.output


def test_every_seed_trial_exports_and_round_trips(seeds_store) -> None:  # type: ignore[no-untyped-def]
    """The five source documents (registry pages and a paper): every trial they make exports in both
    FHIR versions and as a cohort, and its R5 Bundle reads back to its constraints."""
    from kg.interop.cohort import export_cohort

    trials = sorted(r[0] for r in seeds_store.rows("SELECT ?t WHERE { ?t a kg:Trial }"))
    assert trials
    lookup = read_lookup(seeds_store)
    for trial in trials:
        facts = read_trial(seeds_store, trial, lookup)
        out = export_fhir(facts, "R5")
        assert {i.iri: round_trip_key(i) for i in read_bundle(out.bundle)} == _keys(facts.items, set(out.expressed))
        export_fhir(facts, "R4B")
        export_cohort(facts)
