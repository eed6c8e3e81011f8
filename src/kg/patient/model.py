"""One patient as kg matches it: demographics, conditions, medications, labs, scores, procedures.

Every reader (kg's patient JSON, a FHIR R4 Bundle, free-text notes) fills these dataclasses
and nothing else, so matching never knows where a fact came from. A fact keeps ``source``
(the field path or resource it was read from) and, for notes, ``span`` (character offsets
into the note). What the input does not say stays ``None``: the matcher turns it into
"unknown", never into a guess. A unit or code the readers do not know is kept as written
and marked ``known=False`` so the matcher can say why it could not compare.

>>> p = Patient(id="p1", age_years=54.0, sex="female",
...             conditions=[Condition(name="IgG4-related disease", status="active")])
>>> p.age_on(date(2026, 1, 1)), p.conditions[0].present
(54.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: Condition status values: present now, present in the past, explicitly absent ("denies X").
CONDITION_STATUSES = ("active", "resolved", "history", "absent")
SEXES = ("female", "male")


@dataclass
class Condition:
    """A diagnosis: name and/or code, onset, end, status and qualifiers ("flare", "refractory", "severe")."""

    name: str = ""
    code: str | None = None
    system: str | None = None  # "mesh", "snomed", "icd10", "mondo", "doid", …
    onset: date | None = None
    end: date | None = None
    status: str = "active"
    qualifiers: tuple[str, ...] = ()
    organs: tuple[str, ...] = ()
    source: str = ""
    span: tuple[int, int] | None = None

    @property
    def present(self) -> bool:
        """Whether the patient has (or had) the condition (everything but "absent")."""
        return self.status != "absent"


@dataclass
class Medication:
    """A drug taken: name (and code), dose with its UCUM unit, start and stop dates.

    ``active``: still taken (None when the input says neither a stop date nor a status).
    ``allergy``: an allergy or intolerance to the drug, not an exposure."""

    name: str = ""
    code: str | None = None
    dose: float | None = None
    dose_unit: str | None = None
    start: date | None = None
    stop: date | None = None
    active: bool | None = None
    allergy: bool = False
    source: str = ""
    span: tuple[int, int] | None = None


@dataclass
class Lab:
    """A laboratory value: analyte (kg's analyte key or a name), value and UCUM unit, date.

    ``result``: a qualitative result ("positive", "negative"); ``uln``: the upper limit of
    normal of the reporting laboratory, in the same unit (for "> 2 x ULN" thresholds).
    ``known``: False when the unit is not one kg's unit layer converts."""

    analyte: str = ""
    value: float | None = None
    unit: str | None = None
    date: date | None = None
    loinc: str | None = None
    result: str | None = None
    uln: float | None = None
    known: bool = True
    source: str = ""
    span: tuple[int, int] | None = None


@dataclass
class Score:
    """A clinical score or instrument value (ECOG, SLEDAI-2K, BMI, IgG4-RD RI, …)."""

    instrument: str = ""
    value: float | None = None
    date: date | None = None
    source: str = ""
    span: tuple[int, int] | None = None


@dataclass
class Procedure:
    """A procedure done (surgery, radiotherapy, transplantation, …) with its date."""

    name: str = ""
    code: str | None = None
    date: date | None = None
    source: str = ""
    span: tuple[int, int] | None = None


@dataclass
class Patient:
    """Everything kg knows about one patient. ``as_of``: the date the record describes
    (windows are counted back from it unless the match is given another date)."""

    id: str = "patient"
    birth_date: date | None = None
    age_years: float | None = None
    sex: str | None = None
    conditions: list[Condition] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    labs: list[Lab] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    pregnant: bool | None = None
    lactating: bool | None = None
    planning_pregnancy: bool | None = None
    in_other_trial: bool | None = None
    substance_use: list[str] = field(default_factory=list)  # "alcohol", "drug", "tobacco"
    healthy: bool | None = None
    as_of: date | None = None
    text: str | None = None  # the note a notes reader read (spans index it)
    #: sections the record lists completely ("conditions", "medications", "substanceUse",
    #: "inOtherTrial"): what such a section does not list, the patient does not have. A
    #: note lists nothing completely.
    complete: frozenset[str] = frozenset()

    def age_on(self, day: date | None) -> float | None:
        """Age in years on ``day`` (the birth date wins over a stated age when both are given)."""
        if self.birth_date is not None and day is not None:
            days = (day - self.birth_date).days
            return round(days / 365.2425, 2)
        return self.age_years
