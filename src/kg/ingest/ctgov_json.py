"""Reader of ClinicalTrials.gov API v2 JSON: one study, an array of studies, or ``{"studies": [...]}``.

One :class:`~kg.model.TrialRecord` per study; a study that cannot be read becomes a
:class:`~kg.errors.RecordError` naming its JSON path, and the next study is read.

>>> data = b'{"protocolSection": {"identificationModule": {"nctId": "NCT00000001", "briefTitle": "T"}}}'
>>> FORMAT.detect(data, "x.json")
True
>>> [rec.nct_id for rec in FORMAT.parse(data, "x.json")]
['NCT00000001']
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kg.errors import RecordError
from kg.ingest import ctgov_common as common
from kg.ingest.base import NESTED_TOO_DEEPLY, Format, ParseResult, decode_utf8, sha256, stated_id
from kg.model import (
    Arm,
    ConditionAncestor,
    Design,
    Eligibility,
    Intervention,
    Outcome,
    Publication,
    Site,
    SourceRef,
    TrialRecord,
)

NAME = "ctgov-json"
_NCT = re.compile(r"^NCT\d{8}$")
# A key named protocolSection (a string value cannot match: quotes inside JSON strings are escaped).
_PROTOCOL_KEY = re.compile(rb'"protocolSection"\s*:\s*\{')


def detect(data: bytes, name: str) -> bool:
    """JSON (an object or an array) holding a ``protocolSection`` object.

    Looks at bytes only, so that a file that is not UTF-8 is still recognised and then
    reported by :func:`parse` rather than left as an unknown format.

    >>> detect(b'[{"protocolSection": {}}]', ""), detect(b'{"studies": []}', ""), detect(b"<x/>", "")
    (True, False, False)
    """
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] not in (b"{", b"["):
        return False
    return _PROTOCOL_KEY.search(data) is not None


def parse(data: bytes, source_path: str) -> ParseResult:
    """Yield one record (or one error) per study in ``data``."""
    try:
        text = decode_utf8(data, source_path)
    except RecordError as err:
        yield err
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield RecordError(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            source=source_path,
            record_id=stated_id(data),
            field="<json>",
        )
        return
    except RecursionError:
        yield RecordError(NESTED_TOO_DEEPLY, source=source_path, record_id=stated_id(data), field="<json>")
        return
    digest = sha256(data)
    for locator, study in _studies(doc, source_path):
        if isinstance(study, RecordError):
            yield study
            continue
        ctx = _Context(source=source_path, record_id=locator or None)
        try:
            yield _record(_Node(study, "", ctx), locator, digest)
        except RecordError as err:
            yield err


def _studies(doc: Any, source: str) -> Iterator[tuple[str, dict[str, Any] | RecordError]]:
    """(locator, study) for each study of the document; locator "" for a single study."""
    if isinstance(doc, dict) and "protocolSection" in doc:
        yield "", doc
        return
    if isinstance(doc, dict) and isinstance(doc.get("studies"), list):
        items, prefix = doc["studies"], "studies"
    elif isinstance(doc, list):
        items, prefix = doc, ""
    else:
        reason = 'no study found: expected a study object, an array of studies or {"studies": [...]}'
        yield "", RecordError(reason, source=source, field="<json>")
        return
    for i, item in enumerate(items):
        loc = f"{prefix}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("protocolSection"), dict):
            yield loc, RecordError("not a study: no protocolSection object", source=source, record_id=loc, field=loc)
        else:
            yield loc, item


@dataclass
class _Context:
    source: str
    record_id: str | None


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "an object"}


class _Node:
    """A JSON value with its path in the study, so every type error names its field."""

    __slots__ = ("value", "path", "ctx")

    def __init__(self, value: Any, path: str, ctx: _Context) -> None:
        self.value = value
        self.path = path
        self.ctx = ctx

    def fail(self, reason: str) -> RecordError:
        return RecordError(reason, source=self.ctx.source, record_id=self.ctx.record_id, field=self.path)

    def at(self, dotted: str) -> _Node:
        """The node at a dotted key path below this one (value None when absent)."""
        node = self
        for key in dotted.split("."):
            if node.value is not None and not isinstance(node.value, dict):
                raise node.fail(f"expected an object, got {_show(node.value)}")
            value = node.value.get(key) if node.value is not None else None
            node = _Node(value, f"{node.path}.{key}" if node.path else key, self.ctx)
        return node

    def typed(self, dotted: str, tp: type) -> Any:
        """The value at ``dotted`` if it is a ``tp`` (None when absent)."""
        return self.at(dotted).typed_self(tp)

    def text(self, dotted: str) -> str | None:
        """A string field, None when absent or blank."""
        value = self.typed(dotted, str)
        return value.strip() if value and value.strip() else None

    def items(self, dotted: str) -> list[_Node]:
        """The elements of a list field (empty when absent)."""
        node = self.at(dotted)
        values = node.typed_self(list) or []
        return [_Node(v, f"{node.path}[{i}]", self.ctx) for i, v in enumerate(values)]

    def objects(self, dotted: str) -> list[_Node]:
        out = self.items(dotted)
        for node in out:
            node.typed_self(dict)
        return out

    def strings(self, dotted: str) -> list[str]:
        out = []
        for node in self.items(dotted):
            value = node.typed_self(str)
            if value and value.strip():
                out.append(value.strip())
        return out

    def typed_self(self, tp: type) -> Any:
        v = self.value
        if v is not None and (not isinstance(v, tp) or (tp is int and isinstance(v, bool))):
            raise self.fail(f"expected {_TYPE_NAMES[tp]}, got {_show(v)}")
        return v

    def choice(self, kind: str, dotted: str) -> str | None:
        """A controlled value (``kind`` as in :func:`kg.ingest.ctgov_common.choice`)."""
        return self.checked(dotted, lambda label: common.choice(kind, label))

    def date(self, dotted: str) -> str | None:
        return self.checked(dotted, common.iso_date)

    def age(self, dotted: str) -> str | None:
        return self.checked(dotted, common.age)

    def checked(self, dotted: str, check: Callable[[str], str]) -> str | None:
        """A string field passed through ``check`` (which raises ValueError on a bad value)."""
        value = self.text(dotted)
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as exc:
            raise self.at(dotted).fail(str(exc)) from None


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _record(study: _Node, locator: str, digest: str) -> TrialRecord:
    ctx = study.ctx
    p = study.at("protocolSection")
    ident = p.at("identificationModule")
    nct = ident.text("nctId")
    if nct is None:
        raise ident.at("nctId").fail("study has no NCT ID")
    if not _NCT.match(nct):
        raise ident.at("nctId").fail(f"{nct!r} is not an NCT ID")
    ctx.record_id = nct

    status = p.at("statusModule")
    sponsors = p.at("sponsorCollaboratorsModule")
    desc = p.at("descriptionModule")
    cond = p.at("conditionsModule")

    other_ids = [ident.text("orgStudyIdInfo.id")]
    other_ids += [s.text("id") for s in ident.objects("secondaryIdInfos")]
    other_ids += ident.strings("nctIdAliases")
    meshes = [
        (mid, term)
        for m in study.objects("derivedSection.conditionBrowseModule.meshes")
        if (mid := m.text("id")) and (term := m.text("term"))
    ]
    # Broader descriptors the registry derived for the trial's conditions (per trial, not per
    # condition); like the meshes, an entry without both id and term says nothing usable.
    ancestors = [
        ConditionAncestor(mesh_id=mid, term=term)
        for a in study.objects("derivedSection.conditionBrowseModule.ancestors")
        if (mid := a.text("id")) and (term := a.text("term"))
    ]
    arms, interventions = _arms(p), _interventions(p)
    return TrialRecord(
        source=SourceRef(path=ctx.source, record_id=nct, format=NAME, sha256=digest, locator=locator),
        nct_id=nct,
        other_ids=common.dedupe(other_ids, exclude=[nct]),
        title=ident.text("briefTitle"),
        official_title=ident.text("officialTitle"),
        acronym=ident.text("acronym"),
        summary=desc.text("briefSummary"),
        description=desc.text("detailedDescription"),
        status=status.choice("status", "overallStatus"),
        start_date=status.date("startDateStruct.date"),
        completion_date=status.date("completionDateStruct.date"),
        last_update=status.date("lastUpdatePostDateStruct.date"),
        sponsor=sponsors.text("leadSponsor.name"),
        collaborators=common.dedupe(c.text("name") for c in sponsors.objects("collaborators")),
        conditions=common.conditions(cond.strings("conditions"), meshes),
        condition_ancestors=ancestors,
        keywords=common.dedupe(cond.strings("keywords")),
        design=_design(p, arms, interventions),
        arms=arms,
        interventions=interventions,
        eligibility=_eligibility(p),
        outcomes=_outcomes(p),
        sites=_sites(p),
        publications=_publications(p),
    )


def _design(p: _Node, arms: list[Arm], interventions: list[Intervention]) -> Design:
    dm = p.at("designModule")
    info = dm.at("designInfo")
    phases = []
    for node in dm.items("phases"):
        label = node.typed_self(str)
        try:
            phases.append(common.choice("phase", label))
        except ValueError as exc:
            raise node.fail(str(exc)) from None
    count = dm.typed("enrollmentInfo.count", int)
    if count is not None and count < 0:
        raise dm.at("enrollmentInfo.count").fail(f"enrollment {count} is negative")
    return Design(
        study_type=dm.choice("study_type", "studyType"),
        phases=common.dedupe(phases),
        allocation=info.choice("allocation", "allocation"),
        masking=info.choice("masking", "maskingInfo.masking"),
        intervention_model=info.choice("intervention_model", "interventionModel"),
        primary_purpose=info.choice("primary_purpose", "primaryPurpose"),
        enrollment=count,
        enrollment_type=dm.choice("enrollment_type", "enrollmentInfo.type"),
        placebo_controlled=common.placebo_controlled(arms, interventions),
    )


def _arms(p: _Node) -> list[Arm]:
    out = []
    for a in p.objects("armsInterventionsModule.armGroups"):
        label = a.text("label")
        if label is None:
            raise a.at("label").fail("arm group has no label")
        out.append(
            Arm(
                label=label,
                type=a.choice("arm_type", "type"),  # type: ignore[arg-type]  # checked against ArmType
                description=a.text("description"),
                intervention_names=common.dedupe(common.strip_type_prefix(n) for n in a.strings("interventionNames")),
            )
        )
    return out


def _interventions(p: _Node) -> list[Intervention]:
    out = []
    for i in p.objects("armsInterventionsModule.interventions"):
        name = i.text("name")
        if name is None:
            raise i.at("name").fail("intervention has no name")
        description = i.text("description")
        out.append(
            Intervention(
                name=name,
                type=i.choice("intervention_type", "type"),
                description=description,
                arm_labels=common.dedupe(i.strings("armGroupLabels")),
                other_names=common.dedupe(i.strings("otherNames")),
                regimen=common.regimen(description, name),
            )
        )
    return out


def _eligibility(p: _Node) -> Eligibility:
    em = p.at("eligibilityModule")
    node = em.at("eligibilityCriteria")
    text = node.typed_self(str)
    text = text if text and text.strip() else None  # verbatim: criterion spans index into it
    return Eligibility(
        text=text,
        min_age=em.age("minimumAge"),
        max_age=em.age("maximumAge"),
        sex=em.choice("sex", "sex"),
        healthy_volunteers=em.typed("healthyVolunteers", bool),
        criteria=common.criteria(text, node.path, node.ctx.source, node.ctx.record_id),
    )


def _outcomes(p: _Node) -> list[Outcome]:
    out = []
    for kind in ("primary", "secondary", "other"):
        for o in p.objects(f"outcomesModule.{kind}Outcomes"):
            measure = o.text("measure")
            if measure is None:
                raise o.at("measure").fail("outcome has no measure")
            out.append(
                Outcome(
                    kind=kind,  # type: ignore[arg-type]  # one of OutcomeKind
                    measure=measure,
                    time_frame=o.text("timeFrame"),
                    description=o.text("description"),
                )
            )
    return out


def _sites(p: _Node) -> list[Site]:
    out = []
    for loc in p.objects("contactsLocationsModule.locations"):
        facility = loc.text("facility")
        if facility:  # a location without a facility name is a place, not a site
            out.append(
                Site(facility=facility, city=loc.text("city"), state=loc.text("state"), country=loc.text("country"))
            )
    return out


def _publications(p: _Node) -> list[Publication]:
    out = []
    for ref in p.objects("referencesModule.references"):
        try:
            out.append(common.publication(ref.text("pmid"), ref.text("citation"), ref.choice("reference_type", "type")))
        except ValueError as exc:
            raise ref.at("pmid").fail(str(exc)) from None
    return out


FORMAT = Format(name=NAME, priority=100, detect=detect, parse=parse)
