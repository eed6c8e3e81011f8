"""Tests of kg.ingest.ctgov_json: API v2 JSON studies, arrays, search responses, bad input."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from kg.errors import RecordError
from kg.ingest import ctgov_json
from kg.ingest.base import sha256
from kg.model import TrialRecord
from kg.vocab import CONCEPT_SCHEMES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
STUDIES = SHARED / "data" / "ctgov" / "api_v2" / "studies"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _study() -> dict[str, Any]:
    return json.loads(_fixture("study_single.json"))


def _parse(data: bytes, path: str = "in.json") -> list[TrialRecord | RecordError]:
    return list(ctgov_json.FORMAT.parse(data, path))


def _one(data: bytes) -> TrialRecord:
    (rec,) = _parse(data)
    assert isinstance(rec, TrialRecord), rec
    return rec


def _error(data: bytes) -> RecordError:
    (err,) = _parse(data)
    assert isinstance(err, RecordError), err
    return err


def test_format_contract() -> None:
    assert ctgov_json.FORMAT.name == "ctgov-json"
    assert ctgov_json.FORMAT.priority == 100


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"protocolSection": {"identificationModule": {}}}', True),
        (b'\xef\xbb\xbf  [\n {"protocolSection": {}}]', True),
        (b'{"studies": [{"protocolSection": {}}], "nextPageToken": "x"}', True),
        (b'{"nct_id": "NCT00000001", "title": "a kg native record"}', False),
        (b'{"text": "mentions \\"protocolSection\\": {} in a string"}', False),
        (b"<clinical_study/>", False),
        (b"", False),
        # Not UTF-8, still ours: parse then reports the encoding.
        ('{"protocolSection": {"x": "caf\u00e9"}}'.encode("latin-1"), True),
    ],
)
def test_detect(data: bytes, expected: bool) -> None:
    assert ctgov_json.FORMAT.detect(data, "whatever.txt") is expected


def test_single_study_maps_every_field() -> None:
    data = _fixture("study_single.json")
    rec = _one(data)
    assert rec.source.record_id == "NCT09900001"
    assert rec.source.format == "ctgov-json"
    assert rec.source.sha256 == sha256(data)
    assert rec.source.locator == ""
    assert rec.nct_id == "NCT09900001"
    assert rec.other_ids == ["KG-SSC-01", "2031-000111-22"]
    assert rec.title == "Low-Dose Rituximab Versus Placebo in Early Systemic Sclerosis"
    assert rec.official_title and rec.official_title.startswith("A Randomised, Double-Blind")
    assert rec.acronym == "RITSS"
    assert rec.summary and "rituximab" in rec.summary
    assert rec.description == "Participants are randomised 1:1.\n\nSkin score is assessed every twelve weeks."
    assert rec.status == "active_not_recruiting"
    assert (rec.start_date, rec.completion_date, rec.last_update) == ("2021-03", "2024-11-30", "2023-02-14")
    assert rec.sponsor == "Example Rheumatology Institute"
    assert rec.collaborators == ["Skin Fibrosis Network", "Example Pharma"]
    # Only the MeSH term that names a condition (case-insensitively) gives it an id.
    assert [(c.name, c.mesh_id) for c in rec.conditions] == [
        ("Systemic Sclerosis", "D000099999"),
        ("Skin Fibrosis", None),
    ]
    assert rec.keywords == ["scleroderma", "B cell depletion"]

    d = rec.design
    assert d.study_type == "interventional"
    assert d.phases == ["phase2", "phase3"]
    assert (d.allocation, d.masking, d.intervention_model, d.primary_purpose) == (
        "randomized",
        "double",
        "parallel",
        "treatment",
    )
    assert (d.enrollment, d.enrollment_type, d.placebo_controlled) == (60, "estimated", True)

    assert [(a.label, a.type, a.intervention_names) for a in rec.arms] == [
        ("Rituximab", "experimental", ["Rituximab", "Vitamin D"]),
        ("Placebo", "placebo_comparator", ["Placebo"]),
    ]
    assert rec.arms[0].description == "Two infusions two weeks apart."
    ritux, placebo, vit_d = rec.interventions
    assert (ritux.name, ritux.type, ritux.arm_labels, ritux.other_names) == (
        "Rituximab",
        "drug",
        ["Rituximab"],
        ["MabThera", "Rituxan"],
    )
    assert ritux.description == "1000 mg intravenously on days 1 and 15"
    # The regimen is read from the description by kg.ingest.regimen.
    assert ritux.regimen is not None
    assert (ritux.regimen.dose_value, ritux.regimen.dose_unit, ritux.regimen.route) == (1000.0, "mg", "intravenous")
    assert vit_d.regimen is None  # no description
    assert placebo.arm_labels == ["Placebo"]
    assert vit_d.type == "dietary_supplement"

    e = rec.eligibility
    assert e.text == _study()["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert (e.min_age, e.max_age, e.sex, e.healthy_volunteers) == ("18 Years", "75 Years", "all", False)

    assert [(o.kind, o.measure, o.time_frame) for o in rec.outcomes] == [
        ("primary", "Change in modified Rodnan skin score", "Baseline to week 48"),
        ("secondary", "Forced vital capacity", "Week 48"),
        ("other", "B cell count", "Week 24"),
    ]
    assert rec.outcomes[1].description == "Percent of predicted value"
    # The location without a facility name is not a site.
    assert [(s.facility, s.city, s.state, s.country) for s in rec.sites] == [
        ("Example University Hospital", "Lyon", None, "France"),
        ("Lakeside Clinic", "Madison", "Wisconsin", "United States"),
    ]
    bg, res = rec.publications
    assert (bg.pmid, bg.doi, bg.reference_type) == ("12345678", "10.1000/xyz.2019.12", "background")
    assert (res.pmid, res.reference_type) == (None, "result")
    assert TrialRecord.from_dict(rec.to_dict()) == rec


def test_criteria_are_split_with_nesting_and_spans() -> None:
    rec = _one(_fixture("study_single.json"))
    crit = rec.eligibility.criteria
    assert [(c.polarity, c.text) for c in crit] == [
        ("inclusion", "Adults aged 18 to 75 years"),
        ("inclusion", "Systemic sclerosis with either:"),
        ("inclusion", "diffuse skin involvement, or"),
        ("inclusion", "limited skin involvement and lung disease"),
        ("exclusion", "Rituximab in the past 6 months"),
        ("exclusion", "Pregnancy"),
    ]
    assert crit[2].parent == 1 and crit[3].parent == 1 and crit[0].parent is None
    text = rec.eligibility.text or ""
    for c in crit:
        assert c.span is not None and c.span.field == "protocolSection.eligibilityModule.eligibilityCriteria"
        assert c.span.start is not None and c.span.end is not None
        assert text[c.span.start : c.span.end] == c.text


def test_array_with_a_broken_member_yields_the_others() -> None:
    data = _fixture("studies_array.json")
    first, broken, third = _parse(data, "ctg-studies.json")
    assert isinstance(first, TrialRecord) and isinstance(third, TrialRecord)
    assert (first.nct_id, first.source.locator, third.nct_id, third.source.locator) == (
        "NCT09900011",
        "[0]",
        "NCT09900013",
        "[2]",
    )
    assert first.source.sha256 == third.source.sha256 == sha256(data)
    assert first.design.study_type == "observational" and first.eligibility.sex == "female"
    assert third.design.phases == ["early_phase1"] and third.design.allocation == "na"
    assert third.eligibility.healthy_volunteers is True
    assert isinstance(broken, RecordError)
    assert broken.source == "ctg-studies.json"
    assert broken.record_id == "NCT09900012"
    assert broken.field == "protocolSection.designModule.enrollmentInfo.count"
    assert "abc" in broken.reason


def test_search_response_wrapper() -> None:
    study = _study()
    other = copy.deepcopy(study)
    other["protocolSection"]["identificationModule"]["nctId"] = "NCT09900099"
    data = json.dumps({"studies": [study, other], "nextPageToken": "abc"}).encode()
    recs = _parse(data)
    assert [(r.nct_id, r.source.locator) for r in recs if isinstance(r, TrialRecord)] == [
        ("NCT09900001", "studies[0]"),
        ("NCT09900099", "studies[1]"),
    ]


def test_non_study_array_element_is_an_error_naming_its_index() -> None:
    data = json.dumps([_study(), 42, {"hasResults": False}]).encode()
    ok, num, nothing = _parse(data)
    assert isinstance(ok, TrialRecord)
    assert isinstance(num, RecordError) and num.record_id == "[1]"
    assert isinstance(nothing, RecordError) and nothing.record_id == "[2]"


def test_study_without_nct_id_in_an_array_is_named_by_index() -> None:
    bad = _study()
    del bad["protocolSection"]["identificationModule"]["nctId"]
    ok, err = _parse(json.dumps([_study(), bad]).encode())
    assert isinstance(ok, TrialRecord)
    assert isinstance(err, RecordError)
    assert (err.record_id, err.field) == ("[1]", "protocolSection.identificationModule.nctId")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b'{"protocolSection": {"identificationModule": {"nctId": "NCT0', "<json>"),  # truncated
        (b'[{"protocolSection": {}},,]', "<json>"),  # syntax error
        (b'"just a string"', "<json>"),
        (b'{"studies": "none"}', "<json>"),
        ('{"protocolSection": {"x": "caf\u00e9"}}'.encode("latin-1"), "<encoding>"),
    ],
)
def test_unreadable_documents_are_one_error(data: bytes, field: str) -> None:
    err = _error(data)
    assert err.field == field
    assert err.source == "in.json"


def _mutate(path: str, value: Any) -> bytes:
    study = _study()
    keys = path.split(".")
    node: Any = study
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(keys[-1])] = value
    elif value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return json.dumps(study).encode()


_DELETE = object()


_PS = "protocolSection."


@pytest.mark.parametrize(
    ("path", "value", "suffix"),
    [
        (_PS + "identificationModule.nctId", _DELETE, ""),
        (_PS + "identificationModule.nctId", "12345", ""),
        (_PS + "identificationModule.nctId", 12345, ""),
        (_PS + "designModule.enrollmentInfo.count", "abc", ""),
        (_PS + "designModule.enrollmentInfo.count", True, ""),
        (_PS + "designModule.enrollmentInfo.count", -3, ""),
        (_PS + "designModule.phases", "PHASE2", ""),
        (_PS + "designModule.phases.1", "PHASE9", ""),
        (_PS + "designModule.phases.0", 2, ""),
        (_PS + "designModule", "interventional", ""),
        (_PS + "statusModule.overallStatus", "DONE", ""),
        (_PS + "statusModule.startDateStruct.date", "March 2021", ""),
        (_PS + "designModule.designInfo.maskingInfo.masking", "BLIND", ""),
        (_PS + "eligibilityModule.healthyVolunteers", "No", ""),
        (_PS + "eligibilityModule.eligibilityCriteria", ["a"], ""),
        (_PS + "eligibilityModule.sex", "BOTH_SEXES", ""),
        (_PS + "eligibilityModule.minimumAge", "adults", ""),
        (_PS + "armsInterventionsModule.armGroups.1", {"type": "PLACEBO_COMPARATOR"}, ".label"),
        (_PS + "armsInterventionsModule.armGroups.1", "Placebo", ""),
        (_PS + "armsInterventionsModule.interventions.2", {"type": "VITAMIN", "name": "D"}, ".type"),
        (_PS + "conditionsModule.conditions", "Systemic Sclerosis", ""),
        (_PS + "referencesModule.references.0", {"pmid": "PMC123", "type": "RESULT"}, ".pmid"),
        (_PS + "outcomesModule.primaryOutcomes.0", {"timeFrame": "Week 4"}, ".measure"),
        ("derivedSection.conditionBrowseModule.meshes", {"id": "D1"}, ""),
    ],
)
def test_malformed_values_name_record_and_field(path: str, value: Any, suffix: str) -> None:
    err = _error(_mutate(path, value))
    # The error names the JSON path, list indexes in brackets, plus the bad member if any.
    assert err.field == re.sub(r"\.(\d+)", r"[\1]", path) + suffix
    assert err.record_id == (None if path.endswith("nctId") else "NCT09900001")
    assert err.source == "in.json"


def test_absent_optional_fields_are_fine() -> None:
    data = b'{"protocolSection": {"identificationModule": {"nctId": "NCT09900077"}}}'
    rec = _one(data)
    assert rec.nct_id == "NCT09900077"
    assert rec.title is None and rec.arms == [] and rec.eligibility.text is None
    assert rec.design.placebo_controlled is None and rec.eligibility.criteria == []


def _arms_study(arms: list[dict[str, Any]], interventions: list[str]) -> bytes:
    return json.dumps(
        {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT09900078"},
                "armsInterventionsModule": {
                    "armGroups": arms,
                    "interventions": [{"name": n, "type": "DRUG"} for n in interventions],
                },
            }
        }
    ).encode()


@pytest.mark.parametrize(
    ("arms", "interventions", "expected"),
    [
        ([{"label": "A", "type": "EXPERIMENTAL"}, {"label": "B", "type": "PLACEBO_COMPARATOR"}], ["X"], True),
        # Crossover designs type every arm experimental; the placebo intervention still tells.
        ([{"label": "X then placebo", "type": "EXPERIMENTAL"}], ["X", "Matching Placebo"], True),
        ([{"label": "A", "type": "EXPERIMENTAL"}, {"label": "B", "type": "ACTIVE_COMPARATOR"}], ["X", "Y"], False),
        ([{"label": "A"}, {"label": "B"}], ["X", "Y"], None),
        ([], [], None),
    ],
)
def test_placebo_control(arms: list[dict[str, Any]], interventions: list[str], expected: bool | None) -> None:
    assert _one(_arms_study(arms, interventions)).design.placebo_controlled is expected


# --- the real registry records in ../shared ------------------------------------------------


def _real_files() -> list[Path]:
    if not STUDIES.is_dir():
        pytest.skip(f"shared data not found at {STUDIES}")
    return sorted(STUDIES.glob("*.json"))


def _real(nct: str) -> TrialRecord:
    path = STUDIES / f"{nct}.json"
    if not path.is_file():
        pytest.skip(f"shared record {path} not found")
    return _one(path.read_bytes())


def _check_controlled_values(rec: TrialRecord) -> None:
    def ok(scheme: str, value: str | None) -> None:
        assert value is None or value in CONCEPT_SCHEMES[scheme][1], (rec.nct_id, scheme, value)

    ok("status", rec.status)
    ok("study_type", rec.design.study_type)
    ok("allocation", rec.design.allocation)
    ok("masking", rec.design.masking)
    ok("intervention_model", rec.design.intervention_model)
    ok("primary_purpose", rec.design.primary_purpose)
    for p in rec.design.phases:
        ok("phase", p)
    for a in rec.arms:
        ok("arm_type", a.type)
    for i in rec.interventions:
        ok("intervention_type", i.type)


@pytest.mark.slow
def test_every_real_record_parses_cleanly() -> None:
    files = _real_files()
    assert len(files) == 878
    started = time.perf_counter()
    results = [(path, list(ctgov_json.FORMAT.parse(path.read_bytes(), str(path)))) for path in files]
    elapsed = time.perf_counter() - started
    print(f"parsed {len(files)} API v2 JSON files in {elapsed:.2f} s")
    errors = [r for _, recs in results for r in recs if isinstance(r, RecordError)]
    assert errors == []
    for path, recs in results:
        assert ctgov_json.FORMAT.detect(path.read_bytes(), path.name)
        (rec,) = recs
        assert isinstance(rec, TrialRecord)
        assert rec.nct_id == path.stem == rec.source.record_id
        assert rec.eligibility.text and rec.eligibility.text.strip()
        assert rec.eligibility.criteria, rec.nct_id
        assert rec.title
        _check_controlled_values(rec)
        assert TrialRecord.from_dict(rec.to_dict()) == rec


@pytest.mark.slow
def test_real_rituximab_membranous_nephropathy_record() -> None:
    rec = _real("NCT05914155")
    assert rec.acronym == "PRIME"
    assert rec.status == "not_yet_recruiting"
    assert {i.name for i in rec.interventions} == {"Rituximab (genetical recombination)", "Placebo"}
    assert all(i.type == "drug" for i in rec.interventions)
    regimen = rec.interventions[0].regimen
    assert regimen is not None and (regimen.dose_value, regimen.dose_unit, regimen.route) == (1000.0, "mg", "intravenous")
    assert rec.design.phases == ["phase3"]
    assert (rec.design.allocation, rec.design.masking, rec.design.enrollment) == ("randomized", "quadruple", 88)
    assert rec.design.placebo_controlled is True
    placebo_arm = next(a for a in rec.arms if a.type == "placebo_comparator")
    assert placebo_arm.intervention_names == ["Placebo"]
    membranous = next(c for c in rec.conditions if c.name == "Glomerulonephritis, Membranous")
    assert membranous.mesh_id == "D000015433"
    assert rec.start_date == "2023-06-20"
    # The record numbers 6 inclusion and 14 exclusion criteria, none nested.
    polarities = [c.polarity for c in rec.eligibility.criteria if c.parent is None]
    assert (polarities.count("inclusion"), polarities.count("exclusion")) == (6, 14)


@pytest.mark.slow
def test_real_systemic_sclerosis_record() -> None:
    rec = _real("NCT05925803")
    assert [c.name for c in rec.conditions] == ["Systemic Sclerosis", "Scleroderma"]
    assert rec.sponsor == "AstraZeneca"
    assert rec.acronym == "DAISY"
    assert (rec.eligibility.min_age, rec.eligibility.max_age) == ("18 Years", "70 Years")
    assert rec.design.enrollment == 306 and rec.design.phases == ["phase3"]
    assert any("anifrolumab" in i.name.lower() and i.type == "biological" for i in rec.interventions)
