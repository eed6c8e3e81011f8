"""Patients for matching: one model (:mod:`kg.patient.model`), three readers.

:func:`read_patient` reads a file as kg's patient JSON (:mod:`kg.patient.jsonio`), a FHIR R4
Bundle (:mod:`kg.patient.fhir`) or a free-text note (:mod:`kg.patient.notes`), detecting
which from the content unless told.
"""

from __future__ import annotations

import json
from pathlib import Path

from kg.patient.errors import PatientError
from kg.patient.model import Condition, Lab, Medication, Patient, Procedure, Score

__all__ = ["Condition", "Lab", "Medication", "Patient", "PatientError", "Procedure", "Score", "read_patient"]


def read_patient(path: str | Path, fmt: str = "auto") -> Patient:
    """The patient in ``path``: ``fmt`` "json", "fhir", "note" or "auto" (from the content)."""
    path = Path(path)
    try:
        raw = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientError(f"cannot read: {exc}", source=str(path)) from None
    data = None
    if fmt in ("auto", "json", "fhir"):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            if fmt != "auto":
                raise PatientError(f"not JSON: {exc}", source=str(path)) from None
    if fmt == "fhir" or (fmt == "auto" and isinstance(data, dict) and data.get("resourceType") == "Bundle"):
        from kg.patient.fhir import read_fhir_bundle

        return read_fhir_bundle(data, source=str(path))
    if fmt == "json" or (fmt == "auto" and data is not None):
        from kg.patient.jsonio import read_patient_json

        return read_patient_json(data, source=str(path))  # type: ignore[arg-type]
    from kg.patient.notes import read_note

    return read_note(raw, patient_id=path.stem)
