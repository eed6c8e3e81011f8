"""kg's patient JSON: validated against ``patient.schema.json``, read into a :class:`Patient`.

The schema is checked with ``jsonschema`` when it is installed; the reader then converts
each field itself (dates, units) and names the field of anything it cannot read, so a bad
file fails the same way with or without ``jsonschema``. A lab unit kg's unit layer does not
know is kept as written with ``known=False`` (the matcher reports the lab as not
comparable); it is never reinterpreted.

>>> p = read_patient_json({"id": "x", "age": 40, "sex": "male",
...                        "labs": [{"analyte": "IgG", "value": 3.5, "unit": "g/L"}]})
>>> p.labs[0].analyte, p.labs[0].unit, p.labs[0].known
('igg', 'g/L', True)
>>> read_patient_json({"sex": "m"})
Traceback (most recent call last):
...
kg.patient.errors.PatientError: <patient> field sex: 'm' is not one of ['female', 'male']
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg.patient.errors import PatientError
from kg.patient.model import Condition, Lab, Medication, Patient, Procedure, Score
from kg.patient.normalize import analyte_key, instrument_key, unit_code


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema kg ships for patient files."""
    text = resources.files("kg").joinpath("patient", "patient.schema.json").read_text("utf-8")
    return json.loads(text)


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def validate(data: Any, source: str = "") -> None:
    """Check ``data`` against the schema (with ``jsonschema`` when available); PatientError names the field."""
    if not isinstance(data, dict):
        raise PatientError("a patient is a JSON object", source=source)
    try:
        import jsonschema
    except ImportError:  # the reader's own checks below still name the field
        return
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        err = errors[0]
        raise PatientError(err.message, source=source, field=_path(err.absolute_path))


def _date(value: Any, field: str, source: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PatientError(f"a date is a string YYYY-MM-DD, not {value!r}", source=source, field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PatientError(f"not a date (YYYY-MM-DD): {value!r}", source=source, field=field) from None


def _num(value: Any, field: str, source: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PatientError(f"not a number: {value!r}", source=source, field=field)
    return float(value)


def _str(value: Any, field: str, source: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise PatientError("missing", source=source, field=field)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise PatientError(f"not a non-empty string: {value!r}", source=source, field=field)
    return value


def _list(data: dict[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PatientError("not a list", source=source, field=key)
    return value


def _obj(value: Any, field: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PatientError("not an object", source=source, field=field)
    return value


def read_patient_json(data: dict[str, Any] | str | Path, source: str = "") -> Patient:
    """A :class:`Patient` from kg's patient JSON (a parsed object, or a path to a file)."""
    if isinstance(data, (str, Path)):
        source = source or str(data)
        try:
            data = json.loads(Path(data).read_text("utf-8"))
        except OSError as exc:
            raise PatientError(f"cannot read: {exc.strerror or exc}", source=source) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise PatientError(f"not JSON: {exc}", source=source) from None
    validate(data, source)
    assert isinstance(data, dict)
    sex = _str(data.get("sex"), "sex", source)
    if sex is not None and sex not in ("female", "male"):
        raise PatientError(f"{sex!r} is not one of ['female', 'male']", source=source, field="sex")
    p = Patient(
        id=_str(data.get("id"), "id", source) or (Path(source).stem if source else "patient"),
        birth_date=_date(data.get("birthDate"), "birthDate", source),
        age_years=_num(data.get("age"), "age", source),
        sex=sex,
        as_of=_date(data.get("asOf"), "asOf", source),
    )
    for key, attr in (("pregnant", "pregnant"), ("lactating", "lactating"), ("planningPregnancy", "planning_pregnancy"),
                      ("inOtherTrial", "in_other_trial"), ("healthy", "healthy")):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise PatientError(f"not true/false: {value!r}", source=source, field=key)
        setattr(p, attr, value)
    p.substance_use = [str(s) for s in _list(data, "substanceUse", source)]
    # a structured record lists its conditions, drugs and habits: what it leaves out is absent
    p.complete = frozenset({"conditions", "medications", "substanceUse", "inOtherTrial"})
    for i, c in enumerate(_list(data, "conditions", source)):
        f = f"conditions[{i}]"
        c = _obj(c, f, source)
        name = _str(c.get("name"), f + ".name", source) or ""
        code = _str(c.get("code"), f + ".code", source)
        if not name and not code:
            raise PatientError("a condition needs a name or a code", source=source, field=f)
        p.conditions.append(Condition(
            name=name, code=code, system=_str(c.get("system"), f + ".system", source),
            onset=_date(c.get("onset"), f + ".onset", source), end=_date(c.get("end"), f + ".end", source),
            status=c.get("status") or ("resolved" if c.get("end") else "active"),
            qualifiers=tuple(c.get("qualifiers") or ()), organs=tuple(c.get("organs") or ()), source=f))
    for i, m in enumerate(_list(data, "medications", source)):
        f = f"medications[{i}]"
        m = _obj(m, f, source)
        unit = _str(m.get("doseUnit"), f + ".doseUnit", source)
        active = m.get("active")
        if active is not None and not isinstance(active, bool):
            raise PatientError(f"not true/false: {active!r}", source=source, field=f + ".active")
        p.medications.append(Medication(
            name=_str(m.get("name"), f + ".name", source, required=True) or "", code=_str(m.get("code"), f + ".code", source),
            dose=_num(m.get("dose"), f + ".dose", source), dose_unit=unit_code(unit) or unit if unit else None,
            start=_date(m.get("start"), f + ".start", source), stop=_date(m.get("stop"), f + ".stop", source),
            active=active, source=f))
    for i, a in enumerate(_list(data, "allergies", source)):
        p.medications.append(Medication(name=_str(a, f"allergies[{i}]", source, required=True) or "", allergy=True,
                                        source=f"allergies[{i}]"))
    for i, lab in enumerate(_list(data, "labs", source)):
        f = f"labs[{i}]"
        lab = _obj(lab, f, source)
        name = _str(lab.get("analyte"), f + ".analyte", source, required=True) or ""
        raw_unit = _str(lab.get("unit"), f + ".unit", source)
        code = unit_code(raw_unit) if raw_unit else None
        result = lab.get("result")
        if result is not None and result not in ("positive", "negative"):
            raise PatientError(f"{result!r} is not one of ['positive', 'negative']", source=source, field=f + ".result")
        value = _num(lab.get("value"), f + ".value", source)
        if value is None and result is None:
            raise PatientError("a lab needs a value or a result", source=source, field=f)
        p.labs.append(Lab(
            analyte=analyte_key(name), value=value, unit=code or raw_unit, date=_date(lab.get("date"), f + ".date", source),
            loinc=_str(lab.get("loinc"), f + ".loinc", source), result=result, uln=_num(lab.get("uln"), f + ".uln", source),
            known=raw_unit is None or code is not None, source=f))
    for i, s in enumerate(_list(data, "scores", source)):
        f = f"scores[{i}]"
        s = _obj(s, f, source)
        value = _num(s.get("value"), f + ".value", source)
        if value is None:
            raise PatientError("missing", source=source, field=f + ".value")
        p.scores.append(Score(instrument=instrument_key(_str(s.get("instrument"), f + ".instrument", source, required=True) or ""),
                              value=value, date=_date(s.get("date"), f + ".date", source), source=f))
    for i, pr in enumerate(_list(data, "procedures", source)):
        f = f"procedures[{i}]"
        pr = _obj(pr, f, source)
        p.procedures.append(Procedure(name=_str(pr.get("name"), f + ".name", source, required=True) or "",
                                      code=_str(pr.get("code"), f + ".code", source),
                                      date=_date(pr.get("date"), f + ".date", source), source=f))
    return p
