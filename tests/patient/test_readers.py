"""The three patient readers: kg's patient JSON (schema, errors naming the field), FHIR R4, free-text notes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.patient import read_patient
from kg.patient.errors import PatientError
from kg.patient.fhir import read_fhir_bundle
from kg.patient.jsonio import read_patient_json, schema
from kg.patient.notes import read_note

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "patients"


@pytest.mark.parametrize(("data", "field"), [
    ({"sex": "unknown"}, "sex"),
    ({"age": -3}, "age"),
    ({"conditions": [{"name": "SLE", "onset": "2020-13-01"}]}, "conditions[0].onset"),
    ({"conditions": [{"status": "active"}]}, "conditions[0]"),
    ({"medications": [{"name": "rituximab", "dose": "a lot"}]}, "medications[0].dose"),
    ({"labs": [{"analyte": "IgG", "unit": "mg/dL"}]}, "labs[0]"),
    ({"labs": [{"analyte": "HBsAg", "result": "weakly"}]}, "labs[0].result"),
    ({"height": 180}, "(top level)"),
])
def test_bad_json_names_the_field(data: dict, field: str) -> None:
    with pytest.raises(PatientError) as err:
        read_patient_json(data, source="p.json")
    assert err.value.field == field, str(err.value)
    assert isinstance(err.value, InputError)
    assert str(err.value).startswith("p.json field ")


def test_bad_json_without_jsonschema_still_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_jsonschema(name: str, *a, **k):  # type: ignore[no-untyped-def]
        if name == "jsonschema":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_jsonschema)
    with pytest.raises(PatientError) as err:
        read_patient_json({"conditions": [{"name": "SLE", "onset": "yesterday"}]})
    assert err.value.field == "conditions[0].onset"


def test_units_are_normalised_or_kept_unknown() -> None:
    p = read_patient_json({"labs": [{"analyte": "platelet count", "value": 150, "unit": "x10^9/L"},
                                    {"analyte": "IgG", "value": 7, "unit": "furlongs"}],
                           "medications": [{"name": "prednisone", "dose": 10, "doseUnit": "mg/day"}]})
    assert (p.labs[0].analyte, p.labs[0].unit, p.labs[0].known) == ("platelets", "10*9/L", True)
    assert (p.labs[1].unit, p.labs[1].known) == ("furlongs", False)
    assert p.medications[0].dose_unit == "mg/d"


def test_schema_is_shipped_and_lists_the_sections() -> None:
    props = schema()["properties"]
    assert {"conditions", "medications", "labs", "scores", "procedures", "pregnant", "birthDate"} <= set(props)


def test_read_patient_detects_the_format(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"id": "a", "age": 30}))
    (tmp_path / "b.txt").write_text("A 30-year-old man with asthma.")
    assert read_patient(tmp_path / "a.json").age_years == 30
    note = read_patient(tmp_path / "b.txt")
    assert (note.id, note.sex, note.conditions[0].name) == ("b", "male", "asthma")
    fhir = read_patient(FIXTURES / "fhir-bundle.json")
    assert fhir.id == "fhir-demo"
    (tmp_path / "c.json").write_text("{not json")
    with pytest.raises(PatientError):
        read_patient(tmp_path / "c.json", "json")


def test_fhir_bundle() -> None:
    p = read_fhir_bundle(json.loads((FIXTURES / "fhir-bundle.json").read_text()), source="b.json")
    assert (p.sex, p.birth_date) == ("male", date(1971, 4, 2))
    assert [(c.name, c.status, c.end) for c in p.conditions] == [
        ("IgG4-related disease", "active", None), ("colon cancer", "resolved", date(2023, 6, 1))]
    mmf, pred = p.medications
    assert (mmf.name, mmf.stop, mmf.active) == ("mycophenolate mofetil", date(2026, 10, 6), False)
    assert (pred.name, pred.dose, pred.dose_unit, pred.active, pred.start) == ("prednisone", 7.5, "mg", True, date(2024, 1, 10))
    igg, alt, hb, hbsag = p.labs
    assert (igg.analyte, igg.value, igg.unit, igg.known) == ("igg", 3.5, "g/L", True)
    assert (alt.analyte, alt.uln) == ("alt", 40.0)
    assert (hb.analyte, hb.unit, hb.known) == ("hemoglobin", "bananas", False)
    assert (hbsag.analyte, hbsag.result) == ("hbsag", "negative")
    assert p.procedures[0].name == "cholecystectomy"


def test_fhir_invalid_resource_names_the_field() -> None:
    bad = {"resourceType": "Bundle", "type": "collection",
           "entry": [{"resource": {"resourceType": "Patient", "birthDate": "not a date"}}]}
    with pytest.raises(PatientError) as err:
        read_fhir_bundle(bad, source="bad.json")
    assert "birthDate" in (err.value.field or ""), str(err.value)


def test_note_facts_keep_their_spans() -> None:
    text = ("A 62-year-old man with type 2 diabetes and chronic kidney disease. His father had colon cancer. "
            "He denies asthma. He was previously treated with rituximab. Creatinine 2.1 mg/dL. He smokes.")
    p = read_note(text, "n1")
    assert (p.age_years, p.sex) == (62.0, "male")
    conds = {c.name.lower(): c for c in p.conditions}
    assert conds["type 2 diabetes"].status == "active"
    assert conds["asthma"].status == "absent"
    assert "colon cancer" not in conds  # the father's, not the patient's
    for c in p.conditions:
        assert c.span is not None and text[c.span[0]:c.span[1]] == c.name
    (rtx,) = [m for m in p.medications if m.name.lower() == "rituximab"]
    assert rtx.active is None  # a past exposure without dates
    (cr,) = [lab for lab in p.labs if lab.analyte == "creatinine"]
    assert (cr.value, cr.unit) == (2.1, "mg/dL")
    assert text[cr.span[0]:cr.span[1]].startswith("Creatinine")
    assert p.substance_use == ["tobacco"]
