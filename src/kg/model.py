"""Typed trial records: the one shape every ingest module yields and the graph builder reads.

A :class:`TrialRecord` is what one source record (a registry JSON study, a legacy XML
study, a registry web page, a publication, a kg native record) says about one trial.
Several records may describe the same trial; the graph builder merges them on the
trial IRI while each record keeps its own named graph.

Records round-trip through plain dicts (``to_dict`` / ``from_dict``), which is also
kg's own native input format (see :mod:`kg.ingest.native`).

>>> rec = TrialRecord(source=SourceRef(path="x.json", record_id="NCT00000001", format="kg-json"),
...                   nct_id="NCT00000001", title="A trial")
>>> TrialRecord.from_dict(rec.to_dict()) == rec
True
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin, get_type_hints

from kg.errors import RecordError

NCT_RE = re.compile(r"\bNCT\d{8}\b")

Polarity = Literal["inclusion", "exclusion"]
ArmType = Literal[
    "experimental",
    "active_comparator",
    "placebo_comparator",
    "sham_comparator",
    "no_intervention",
    "other",
]
OutcomeKind = Literal["primary", "secondary", "other"]


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from: file, record id inside it, detected format, content hash."""

    path: str
    record_id: str
    format: str
    sha256: str = ""
    #: JSON pointer / XPath / section name of the record inside the file (for arrays, zips).
    locator: str = ""


@dataclass(frozen=True)
class Span:
    """A text span in a named field of the source record: field, start, end offsets."""

    field: str
    start: int | None = None
    end: int | None = None


@dataclass
class Regimen:
    """How an intervention is given: dose, route, schedule, duration (each as stated)."""

    dose_value: float | None = None
    dose_max: float | None = None
    dose_unit: str | None = None
    route: str | None = None
    frequency: str | None = None
    #: Free schedule text such as "days 0, 14 and 28, then every 28 days through week 48".
    schedule: str | None = None
    #: Days of administration when stated as a list (e.g. [0, 14, 28]).
    schedule_days: list[int] = field(default_factory=list)
    #: Repeat interval in days after the listed days (e.g. 28), and the end week (e.g. 48).
    repeat_every_days: int | None = None
    until_week: int | None = None
    duration: str | None = None
    text: str | None = None


@dataclass
class Intervention:
    """A named intervention of a trial (drug, biological, procedure, …) and its regimen."""

    name: str
    type: str | None = None  # drug, biological, procedure, behavioral, device, other, …
    description: str | None = None
    arm_labels: list[str] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)
    regimen: Regimen | None = None
    span: Span | None = None


@dataclass
class Arm:
    """An arm (group) of a trial: label, type, description, the interventions it receives."""

    label: str
    type: ArmType | None = None
    description: str | None = None
    intervention_names: list[str] = field(default_factory=list)
    #: Therapies every participant of the arm keeps receiving (e.g. background MMF).
    background_therapies: list[str] = field(default_factory=list)
    #: Participants in the arm when stated (e.g. by a publication).
    size: int | None = None


@dataclass
class Condition:
    """A studied condition as named by the record, with registry codes when present."""

    name: str
    mesh_id: str | None = None


@dataclass
class ConditionAncestor:
    """A broader MeSH descriptor the registry derived for the trial's conditions (id and term).

    The registry lists these per trial, not per condition, so they hang off the trial.
    """

    mesh_id: str
    term: str


@dataclass
class Criterion:
    """One eligibility criterion: polarity, order, verbatim text, parent for nested bullets.

    ``parent`` is the index in ``Eligibility.criteria`` of the criterion this one is
    nested under, or None for a top-level criterion.
    """

    polarity: Polarity
    order: int
    text: str
    parent: int | None = None
    span: Span | None = None


@dataclass
class Eligibility:
    """The eligibility module: structured fields plus the criteria split into nodes."""

    text: str | None = None
    min_age: str | None = None
    max_age: str | None = None
    sex: str | None = None  # all, female, male
    healthy_volunteers: bool | None = None
    criteria: list[Criterion] = field(default_factory=list)


@dataclass
class Outcome:
    """A primary or secondary outcome measure with its time frame."""

    kind: OutcomeKind
    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass
class VisitSchedule:
    """Follow-up visits at stated weeks (e.g. 4, 12, 24, 36, 52), optionally per arm."""

    weeks: list[float]
    arm_label: str | None = None
    text: str | None = None


@dataclass
class Design:
    """Study design: type, phases, allocation, masking, model, purpose, enrollment, length."""

    study_type: str | None = None  # interventional, observational, expanded_access
    phases: list[str] = field(default_factory=list)  # phase1, phase2, …, na
    allocation: str | None = None  # randomized, non_randomized, na
    masking: str | None = None  # none, single, double, triple, quadruple
    intervention_model: str | None = None  # parallel, crossover, single_group, …
    primary_purpose: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None  # actual, estimated
    duration_weeks: float | None = None
    centers: str | None = None  # single, multi
    placebo_controlled: bool | None = None


@dataclass
class Site:
    """A site (facility) where the trial runs."""

    facility: str
    city: str | None = None
    state: str | None = None
    country: str | None = None


@dataclass
class ReportedResult:
    """One result a publication reports: measure, group, statistic, value(s), p-value."""

    measure: str
    group: str | None = None
    statistic: str | None = None  # median, mean, count, …
    value: float | None = None
    iqr_low: float | None = None
    iqr_high: float | None = None
    timepoint: str | None = None  # baseline, end, change
    p_value: float | None = None
    text: str | None = None


@dataclass
class Publication:
    """A publication about the trial: identifiers, bibliographic facts, reported results."""

    title: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    date: str | None = None  # ISO 8601 date
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    keywords: list[str] = field(default_factory=list)
    abstract: str | None = None
    citation: str | None = None
    reference_type: str | None = None  # result, background, derived
    results: list[ReportedResult] = field(default_factory=list)


@dataclass
class TrialRecord:
    """Everything one source record says about one trial."""

    source: SourceRef
    nct_id: str | None = None
    other_ids: list[str] = field(default_factory=list)
    title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    summary: str | None = None
    description: str | None = None
    status: str | None = None
    start_date: str | None = None
    completion_date: str | None = None
    last_update: str | None = None
    sponsor: str | None = None
    collaborators: list[str] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    #: Broader MeSH descriptors of the conditions, as the registry derived them (API v2 only).
    condition_ancestors: list[ConditionAncestor] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    design: Design = field(default_factory=Design)
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    eligibility: Eligibility = field(default_factory=Eligibility)
    outcomes: list[Outcome] = field(default_factory=list)
    visits: list[VisitSchedule] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    #: Set when the record is a publication: the trial is described by that paper.
    is_publication: bool = False

    # -- identity ---------------------------------------------------------------------
    @property
    def label(self) -> str:
        """A short human label: NCT ID, else title, else the source record id."""
        return self.nct_id or self.title or self.source.record_id

    # -- dict round trip ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict with empty values left out."""
        return _prune(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: SourceRef | None = None) -> TrialRecord:
        """Build a record from a dict, checking types; errors name the offending field."""
        if not isinstance(data, dict):
            raise RecordError("a record must be a JSON object", source=source.path if source else "")
        payload = dict(data)
        if source is not None:
            payload["source"] = dataclasses.asdict(source) | {
                k: v for k, v in (payload.get("source") or {}).items() if k in ("locator",) and v
            }
        rid = payload.get("nct_id") or (source.record_id if source else None)
        return _build(cls, payload, path="", source=source.path if source else "", record_id=rid)


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _prune(v)
            if v in (None, [], {}, "") or (k == "is_publication" and v is False):
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _build(tp: Any, value: Any, *, path: str, source: str, record_id: str | None) -> Any:
    """Coerce ``value`` into type ``tp``; raise RecordError naming ``path`` on mismatch."""

    def fail(reason: str) -> RecordError:
        return RecordError(reason, source=source, record_id=record_id, field=path or None)

    origin = get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise fail(f"expected an object, got {type(value).__name__}")
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - names
        if unknown:
            raise fail(f"unknown field(s) {', '.join(sorted(unknown))}")
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                sub = f"{path}.{f.name}" if path else f.name
                kwargs[f.name] = _build(hints[f.name], value[f.name], path=sub, source=source, record_id=record_id)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise fail(f"required field {f.name!r} is missing")
        return tp(**kwargs)
    if origin is list:
        (item,) = get_args(tp)
        if not isinstance(value, list):
            raise fail(f"expected a list, got {type(value).__name__}")
        return [
            _build(item, v, path=f"{path}[{i}]", source=source, record_id=record_id) for i, v in enumerate(value)
        ]
    if origin is Literal:
        if value not in get_args(tp):
            raise fail(f"{value!r} is not one of {', '.join(map(str, get_args(tp)))}")
        return value
    args = get_args(tp)
    if args and type(None) in args:  # Optional[X]
        if value is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _build(inner[0], value, path=path, source=source, record_id=record_id)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(f"expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise fail(f"expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise fail(f"expected a string, got {type(value).__name__}")
        return value
    raise fail(f"unsupported type {tp!r}")  # pragma: no cover - model bug
