"""Errors of patient input: a bad patient file names the field it could not read.

>>> str(PatientError("not a date (YYYY-MM-DD): '2020-13-01'", source="p.json", field="conditions[0].onset"))
"p.json field conditions[0].onset: not a date (YYYY-MM-DD): '2020-13-01'"
"""

from __future__ import annotations

from kg.errors import RecordError


class PatientError(RecordError):
    """A patient (JSON, FHIR Bundle or note) could not be read: names the source and the field."""

    def _message(self) -> str:
        parts = [self.source or "<patient>"]
        if self.field:
            parts.append(f"field {self.field}:")
        else:
            parts[-1] += ":"
        return " ".join(parts) + " " + self.reason
