"""A FHIR R4 Bundle read into a :class:`Patient` with ``fhir.resources`` (its R4B models).

Resources read: Patient (gender, birthDate), Condition (code, clinical and verification
status, onset, abatement), MedicationStatement and MedicationRequest (medication, period,
status, first dose quantity), Observation (LOINC-coded labs with valueQuantity or a coded
positive/negative result, reference-range high as the ULN; scores; pregnancy status;
smoking status), Procedure (code, performed date) and AllergyIntolerance (as a drug
allergy). Other resources are skipped. A resource the models reject raises
:class:`PatientError` naming the entry and field. An Observation unit that is not one kg
converts stays as written, marked not comparable; an Observation code kg does not know
keeps its display name as the analyte (it then matches no stored constraint by accident).

>>> b = {"resourceType": "Bundle", "type": "collection", "entry": [
...   {"resource": {"resourceType": "Patient", "gender": "female", "birthDate": "1970-05-01"}},
...   {"resource": {"resourceType": "Observation", "status": "final",
...     "code": {"coding": [{"system": "http://loinc.org", "code": "2465-3"}]},
...     "valueQuantity": {"value": 3.5, "unit": "g/L", "system": "http://unitsofmeasure.org", "code": "g/L"}}}]}
>>> p = read_fhir_bundle(b)
>>> p.sex, p.birth_date.year, p.labs[0].analyte, p.labs[0].value, p.labs[0].unit
('female', 1970, 'igg', 3.5, 'g/L')
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kg.patient.errors import PatientError
from kg.patient.model import Condition, Lab, Medication, Patient, Procedure, Score
from kg.patient.normalize import analyte_key, instrument_key, unit_code

LOINC = "http://loinc.org"
_SYSTEMS = {
    "http://snomed.info/sct": "snomed", "http://hl7.org/fhir/sid/icd-10": "icd10",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10", "http://id.nlm.nih.gov/mesh": "mesh",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "rxnorm", LOINC: "loinc",
}
#: LOINC codes of observations that are no laboratory value.
_PREGNANCY = {"82810-3", "11449-6"}
_SMOKING = {"72166-2"}
_POSITIVE = {"10828004", "260373001", "52101004", "77386006"}  # positive, detected, present, pregnant
_NEGATIVE = {"260385009", "260415000", "2667000", "60001007"}  # negative, not detected, absent, not pregnant


def _analyte_by_loinc() -> dict[str, str]:
    from kg.criteria import lexicon as lx

    return {a.loinc: a.key for a in lx.ANALYTES if a.loinc}


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _concept(cc: Any) -> tuple[str, str | None, str | None]:
    """(name, code, system) of a CodeableConcept: its text, else the first coding's display."""
    if cc is None:
        return "", None, None
    name = cc.text or ""
    code = system = None
    for coding in cc.coding or []:
        if code is None:
            code, system = coding.code, _SYSTEMS.get(coding.system or "", coding.system)
        name = name or coding.display or ""
    return name, code, system


def _codes(cc: Any, system: str | None = None) -> set[str]:
    return {c.code for c in (cc.coding or []) if c.code and (system is None or c.system == system)} if cc else set()


def _coded_result(cc: Any) -> str | None:
    codes = _codes(cc)
    text = (_concept(cc)[0] or "").lower()
    if codes & _POSITIVE or text in ("positive", "detected", "reactive", "present"):
        return "positive"
    if codes & _NEGATIVE or text in ("negative", "not detected", "non-reactive", "nonreactive", "absent"):
        return "negative"
    return None


def _models() -> dict[str, Any]:
    try:
        from fhir.resources.R4B import bundle
    except ImportError:  # pragma: no cover - a dependency of kg
        raise PatientError("reading FHIR needs the fhir.resources package") from None
    return {"Bundle": bundle.Bundle}


def read_fhir_bundle(data: dict[str, Any], source: str = "") -> Patient:
    """A :class:`Patient` from a FHIR R4 Bundle (parsed JSON)."""
    from pydantic import ValidationError

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise PatientError("not a FHIR Bundle", source=source, field="resourceType")
    try:
        b = _models()["Bundle"].model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("__root__",))
        raise PatientError(err.get("msg", "invalid"), source=source, field=loc or None) from None
    p = Patient(id="patient", complete=frozenset({"conditions", "medications"}))
    by_loinc = _analyte_by_loinc()
    for i, entry in enumerate(b.entry or []):
        r = entry.resource
        if r is None:
            continue
        where = f"entry[{i}].{r.get_resource_type()}"
        kind = r.get_resource_type()
        if kind == "Patient":
            p.id = r.id or p.id
            p.sex = r.gender if r.gender in ("female", "male") else None
            p.birth_date = _day(r.birthDate)
        elif kind == "Condition":
            name, code, system = _concept(r.code)
            if not name and not code:
                raise PatientError("a Condition without a code", source=source, field=where + ".code")
            clinical = next(iter(_codes(r.clinicalStatus)), None)
            verification = next(iter(_codes(r.verificationStatus)), None)
            status = ("absent" if verification in ("refuted", "entered-in-error")
                      else "resolved" if clinical in ("inactive", "remission", "resolved") else "active")
            onset = _day(r.onsetDateTime) or _day(r.onsetPeriod.start if r.onsetPeriod else None)
            end = _day(r.abatementDateTime) or _day(r.abatementPeriod.end if r.abatementPeriod else None)
            if "pregnan" in name.lower() and status == "active":
                p.pregnant = True
            p.conditions.append(Condition(name=name, code=code, system=system, onset=onset, end=end, status=status,
                                          source=where))
        elif kind in ("MedicationStatement", "MedicationRequest"):
            name, code, _system = _concept(r.medicationCodeableConcept)
            if not name:
                ref = r.medicationReference
                name = (ref.display if ref is not None else "") or ""
            if not name:
                raise PatientError("a medication without a name", source=source, field=where + ".medication")
            if kind == "MedicationStatement":
                period = r.effectivePeriod
                start = _day(period.start if period else None) or _day(r.effectiveDateTime)
                stop = _day(period.end if period else None)
                dosages = r.dosage or []
            else:
                start, stop = _day(r.authoredOn), None
                vp = r.dispenseRequest.validityPeriod if r.dispenseRequest else None
                if vp is not None:
                    start, stop = _day(vp.start) or start, _day(vp.end)
                dosages = r.dosageInstruction or []
            active = {"active": True, "completed": False, "stopped": False, "cancelled": False}.get(r.status or "")
            dose = unit = None
            for d in dosages:
                for dr in d.doseAndRate or []:
                    q = dr.doseQuantity
                    if q is not None and q.value is not None:
                        dose, unit = float(q.value), unit_code(q.code or q.unit) or (q.code or q.unit)
                        break
                if dose is not None:
                    break
            p.medications.append(Medication(name=name, code=code, dose=dose, dose_unit=unit, start=start, stop=stop,
                                            active=active, source=where))
        elif kind == "AllergyIntolerance":
            name, code, _system = _concept(r.code)
            if name:
                p.medications.append(Medication(name=name, code=code, allergy=True, source=where))
        elif kind == "Procedure":
            name, code, _system = _concept(r.code)
            performed = _day(r.performedDateTime) or _day(r.performedPeriod.start if r.performedPeriod else None)
            p.procedures.append(Procedure(name=name, code=code, date=performed, source=where))
        elif kind == "Observation":
            _observation(p, r, where, by_loinc)
    return p


def _observation(p: Patient, r: Any, where: str, by_loinc: dict[str, str]) -> None:
    name, _code, _system = _concept(r.code)
    loincs = _codes(r.code, LOINC)
    when = _day(r.effectiveDateTime) or _day(r.effectivePeriod.start if r.effectivePeriod else None)
    if loincs & _PREGNANCY:
        result = _coded_result(r.valueCodeableConcept)
        if result is not None:
            p.pregnant = result == "positive"
        return
    if loincs & _SMOKING:
        text = (_concept(r.valueCodeableConcept)[0] or "").lower()
        if "smoker" in text and "never" not in text and "former" not in text and "ex-" not in text:
            p.substance_use.append("tobacco")
        return
    key = next((by_loinc[c] for c in sorted(loincs) if c in by_loinc), None)
    q = r.valueQuantity
    if key is None:
        inst = instrument_key(name) if name else ""
        if inst and inst != name.strip().lower() and q is not None and q.value is not None:
            p.scores.append(Score(instrument=inst, value=float(q.value), date=when, source=where))
            return
        key = analyte_key(name) if name else (sorted(loincs)[0] if loincs else "")
    if not key:
        return
    lab = Lab(analyte=key, loinc=next(iter(sorted(loincs)), None), date=when, source=where)
    if q is not None and q.value is not None:
        lab.value = float(q.value)
        written = q.code or q.unit
        code = unit_code(written) if written else None
        lab.unit, lab.known = code or written, written is None or code is not None
    lab.result = _coded_result(r.valueCodeableConcept) if r.valueCodeableConcept is not None else None
    if r.valueString:
        lab.result = lab.result or _coded_result(type("T", (), {"text": r.valueString, "coding": []})())
    for rr in r.referenceRange or []:
        if rr.high is not None and rr.high.value is not None:
            lab.uln = float(rr.high.value)
            break
    if lab.value is None and lab.result is None:
        return
    p.labs.append(lab)
