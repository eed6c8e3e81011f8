"""Reader of the legacy ClinicalTrials.gov ``<clinical_study>`` XML (the old AllPublicXML records).

Input is parsed with :mod:`defusedxml` only, with DTDs forbidden: no entity expansion,
no external DTD or entity, nothing fetched ("DTDs are refused"). Titles and summaries lose the registry's hard wrapping; the eligibility
text is kept verbatim, because criterion spans index into it.

>>> data = b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><phase>Phase 1/Phase 2</phase></clinical_study>"
>>> FORMAT.detect(data, "x.xml")
True
>>> [(r.nct_id, r.design.phases) for r in FORMAT.parse(data, "x.xml")]
[('NCT00000001', ['phase1', 'phase2'])]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import ParseError, fromstring

from kg.errors import RecordError
from kg.ingest import ctgov_common as common
from kg.ingest.base import Format, ParseResult, decode_utf8, sha256, stated_id
from kg.model import (
    Arm,
    Design,
    Eligibility,
    Intervention,
    Outcome,
    Publication,
    Site,
    SourceRef,
    TrialRecord,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # the type only; input is parsed by defusedxml

NAME = "ctgov-xml"
_NCT = re.compile(r"^NCT\d{8}$")
# Root element clinical_study, after an optional BOM, XML declaration, comments and doctype.
_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?"
    rb"(?:(?:<!--(?:[^-]|-(?!->))*-->|<!DOCTYPE[^>\[]*(?:\[[^\]]*\]\s*)?>)\s*)*<clinical_study[\s/>]",
    re.DOTALL,
)
_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_V = TypeVar("_V")


def _healthy(label: str) -> bool:
    answers = {"no": False, "yes": True, "accepts healthy volunteers": True}
    if label.lower() not in answers:
        raise ValueError(f"{label!r} is not Yes, No or Accepts Healthy Volunteers")
    return answers[label.lower()]


def _count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def detect(data: bytes, name: str) -> bool:
    """XML whose root element is ``clinical_study``.

    >>> detect(b'<?xml version="1.0"?>\\n<!-- x -->\\n<clinical_study rank="1">', ""), detect(b"<study/>", "")
    (True, False)
    """
    return _ROOT.match(data[:8192]) is not None


def parse(data: bytes, source_path: str) -> ParseResult:
    """Yield the one record of a ``<clinical_study>`` document (or an error)."""
    declared = _DECLARED.match(data[:1024])
    # Without a declaration XML is UTF-8; say so precisely rather than as an XML syntax error.
    if declared is None or declared.group(1).decode().lower().replace("_", "-") in ("utf-8", "utf8"):
        try:
            decode_utf8(data, source_path)
        except RecordError as err:
            yield err
            return
    try:
        # No DTD at all: no entity of any kind, no external DTD, nothing to expand or fetch.
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        yield RecordError(f"malformed XML: {exc}", source=source_path, record_id=stated_id(data), field="<xml>")
        return
    except DTDForbidden:
        yield RecordError("DTDs are refused: the document declares a DOCTYPE (entities and external DTDs are "
                          "never read)", source=source_path, record_id=stated_id(data), field="<xml>")
        return
    except DefusedXmlException as exc:
        yield RecordError(f"refused XML: {exc}", source=source_path, record_id=stated_id(data), field="<xml>")
        return
    except (LookupError, ValueError) as exc:  # an encoding Python does not know
        yield RecordError(f"unreadable XML: {exc}", source=source_path, field="<encoding>")
        return
    if root.tag != "clinical_study":
        yield RecordError(f"root element is <{root.tag}>, not <clinical_study>", source=source_path, field=root.tag)
        return
    try:
        yield _Study(root, source_path).record(sha256(data))
    except RecordError as err:
        yield err


class _Study:
    """Reads one ``<clinical_study>``; errors name the element path (``eligibility/gender``)."""

    def __init__(self, root: Element, source: str) -> None:
        self.root = root
        self.source = source
        self.record_id: str | None = None

    def fail(self, reason: str, path: str) -> RecordError:
        return RecordError(reason, source=self.source, record_id=self.record_id, field=path)

    def raw(self, path: str, el: Element | None = None) -> str | None:
        """Text of the first element at ``path`` exactly as written (None when absent or blank)."""
        found = (self.root if el is None else el).find(path)
        if found is None or found.text is None or not found.text.strip():
            return None
        return found.text

    def line(self, path: str, el: Element | None = None) -> str | None:
        """Text of an element with whitespace collapsed (titles, names, codes)."""
        return common.one_line(self.raw(path, el))

    def plain(self, path: str, el: Element | None = None) -> str | None:
        """Text of a free-text element (description), unwrapped like a textblock."""
        return common.unwrap(self.raw(path, el))

    def lines(self, path: str, el: Element | None = None) -> list[str]:
        return common.dedupe(common.one_line(e.text) for e in (self.root if el is None else el).findall(path))

    def numbered(self, path: str) -> list[tuple[str, Element]]:
        """(XPath with 1-based index, element) of every element at ``path``."""
        return [(f"{path}[{i}]", e) for i, e in enumerate(self.root.findall(path), start=1)]

    def checked(
        self, path: str, check: Callable[[str], _V], el: Element | None = None, where: str = ""
    ) -> _V | None:
        """An element's text passed through ``check`` (which raises ValueError on a bad value).

        ``where`` is the XPath of ``el`` so that an error names the full path.
        """
        value = self.line(path, el)
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as exc:
            raise self.fail(str(exc), "/".join(p for p in (where, path) if p and p != ".")) from None

    def choice(self, kind: str, path: str, el: Element | None = None, where: str = "") -> str | None:
        """A controlled value (``kind`` as in :func:`kg.ingest.ctgov_common.choice`)."""
        return self.checked(path, lambda label: common.choice(kind, label), el, where)

    def date(self, path: str) -> str | None:
        return self.checked(path, common.xml_date)

    # -- the record ------------------------------------------------------------------
    def record(self, digest: str) -> TrialRecord:
        nct = self.line("id_info/nct_id")
        if nct is None:
            raise self.fail("study has no NCT ID", "id_info/nct_id")
        if not _NCT.match(nct):
            raise self.fail(f"{nct!r} is not an NCT ID", "id_info/nct_id")
        self.record_id = nct
        other_ids = [self.line("id_info/org_study_id"), *self.lines("id_info/secondary_id")]
        other_ids += self.lines("id_info/nct_alias")
        arms, interventions = self.arms(), self.interventions()
        for arm in arms:
            arm.intervention_names = common.dedupe(i.name for i in interventions if arm.label in i.arm_labels)
        criteria_text = self.raw("eligibility/criteria/textblock")
        return TrialRecord(
            source=SourceRef(path=self.source, record_id=nct, format=NAME, sha256=digest),
            nct_id=nct,
            other_ids=common.dedupe(other_ids, exclude=[nct]),
            title=self.line("brief_title"),
            official_title=self.line("official_title"),
            acronym=self.line("acronym"),
            summary=common.unwrap(self.raw("brief_summary/textblock")),
            description=common.unwrap(self.raw("detailed_description/textblock")),
            status=self.choice("status", "overall_status"),
            start_date=self.date("start_date"),
            completion_date=self.date("completion_date"),
            last_update=self.date("last_update_posted") or self.date("lastchanged_date"),
            sponsor=self.line("sponsors/lead_sponsor/agency"),
            collaborators=self.lines("sponsors/collaborator/agency"),
            # The legacy format gives MeSH terms without identifiers: a condition's id comes from
            # kg's hierarchy for its term; no condition_ancestors (kept only with their ids).
            conditions=common.conditions(self.lines("condition"),
                                         [(None, t) for t in self.lines("condition_browse/mesh_term")]),
            keywords=self.lines("keyword"),
            design=self.design(arms, interventions),
            arms=arms,
            interventions=interventions,
            eligibility=self.eligibility(criteria_text),
            outcomes=self.outcomes(),
            sites=self.sites(),
            publications=self.publications(),
        )

    def design(self, arms: list[Arm], interventions: list[Intervention]) -> Design:
        phases: list[str] = []
        for path, el in self.numbered("phase"):
            phases += self.checked(".", common.phases, el, path) or []
        enrollment = self.checked("enrollment", _count)
        enrollment_el = self.root.find("enrollment")
        enrollment_type = None
        if enrollment_el is not None and enrollment_el.get("type"):
            try:
                enrollment_type = common.choice("enrollment_type", enrollment_el.get("type", ""))
            except ValueError as exc:
                raise self.fail(str(exc), "enrollment/@type") from None
        return Design(
            study_type=self.choice("study_type", "study_type"),
            phases=common.dedupe(phases),
            allocation=self.choice("allocation", "study_design_info/allocation"),
            masking=self.choice("masking", "study_design_info/masking"),
            intervention_model=self.choice("intervention_model", "study_design_info/intervention_model"),
            primary_purpose=self.choice("primary_purpose", "study_design_info/primary_purpose"),
            enrollment=enrollment,
            enrollment_type=enrollment_type,
            placebo_controlled=common.placebo_controlled(arms, interventions),
        )

    def arms(self) -> list[Arm]:
        out = []
        for path, el in self.numbered("arm_group"):
            label = self.line("arm_group_label", el)
            if label is None:
                raise self.fail("arm group has no label", f"{path}/arm_group_label")
            out.append(
                Arm(
                    label=label,
                    type=self.choice("arm_type", "arm_group_type", el, path),  # type: ignore[arg-type]
                    description=self.plain("description", el),
                )
            )
        return out

    def interventions(self) -> list[Intervention]:
        out = []
        for path, el in self.numbered("intervention"):
            name = self.line("intervention_name", el)
            if name is None:
                raise self.fail("intervention has no name", f"{path}/intervention_name")
            description = self.plain("description", el)
            out.append(
                Intervention(
                    name=name,
                    type=self.choice("intervention_type", "intervention_type", el, path),
                    description=description,
                    arm_labels=self.lines("arm_group_label", el),
                    other_names=self.lines("other_name", el),
                    regimen=common.regimen(description, name),
                )
            )
        return out

    def eligibility(self, text: str | None) -> Eligibility:
        return Eligibility(
            text=text,
            min_age=self.age("eligibility/minimum_age"),
            max_age=self.age("eligibility/maximum_age"),
            sex=self.choice("sex", "eligibility/gender"),
            healthy_volunteers=self.checked("eligibility/healthy_volunteers", _healthy),
            criteria=common.criteria(text, "eligibility/criteria/textblock", self.source, self.record_id),
        )

    def age(self, path: str) -> str | None:
        return self.checked(path, lambda v: None if v.upper() == "N/A" else common.age(v))  # N/A: no limit

    def outcomes(self) -> list[Outcome]:
        out = []
        for kind in ("primary", "secondary", "other"):
            for path, el in self.numbered(f"{kind}_outcome"):
                measure = self.line("measure", el)
                if measure is None:
                    raise self.fail("outcome has no measure", f"{path}/measure")
                out.append(
                    Outcome(
                        kind=kind,  # type: ignore[arg-type]  # one of OutcomeKind
                        measure=measure,
                        time_frame=self.line("time_frame", el),
                        description=self.plain("description", el),
                    )
                )
        return out

    def sites(self) -> list[Site]:
        out = []
        for el in self.root.findall("location/facility"):
            name = self.line("name", el)
            if name:  # a location without a facility name is a place, not a site
                out.append(
                    Site(
                        facility=name,
                        city=self.line("address/city", el),
                        state=self.line("address/state", el),
                        country=self.line("address/country", el),
                    )
                )
        return out

    def publications(self) -> list[Publication]:
        out = []
        for tag, kind in (("reference", "background"), ("results_reference", "result")):
            for path, el in self.numbered(tag):
                try:
                    out.append(common.publication(self.line("PMID", el), self.plain("citation", el), kind))
                except ValueError as exc:
                    raise self.fail(str(exc), f"{path}/PMID") from None
        return out


FORMAT = Format(name=NAME, priority=100, detect=detect, parse=parse)
