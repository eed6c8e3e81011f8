"""Turning one TrialRecord into the RDF of its own named graph.

Every node gets a deterministic IRI (see :mod:`kg.vocab`), never a blank node, so that
building the same record twice yields identical triples and a store can diff them.
The record graph carries its own provenance: the graph IRI is a ``kg:SourceRecord``
naming the source document (by SHA-256), the format, the record id and the extractor
version; criteria carry the field and text span they came from.

Enrichment hooks run on the finished record graph: the criteria layer
(:func:`kg.criteria.rdf.add_constraints`) and the drug layer
(:func:`kg.drugs.rdf.link_interventions`, :func:`kg.drugs.rdf.link_therapy_constraints`) when those modules are installed.
"""

from __future__ import annotations

import importlib
import re
from urllib.parse import quote
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

from kg import EXTRACTOR_VERSION
from kg import vocab as V
from kg.link.prefixes import mesh_id
from kg.model import Criterion, Intervention, Regimen, TrialRecord

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YM_RE = re.compile(r"^\d{4}-\d{2}$")
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_FACTORS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25,
                "hour": 1 / 8766, "minute": 1 / 525960}


@dataclass
class RecordGraph:
    """The triples of one record's named graph, plus what the hooks reported."""

    graph_iri: URIRef
    trial: URIRef
    graph: Graph
    criteria: int = 0
    constraints: int = 0
    unresolved_interventions: list[str] = field(default_factory=list)


def _lit(value: object) -> Literal:
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, float):
        # xsd:decimal keeps "0.5" as written, where xsd:double would print 5.0E-1.
        return Literal(Decimal(repr(value)), datatype=XSD.decimal)
    return Literal(value)


def _date(value: str) -> Literal:
    """ISO date literal with the most precise XSD type the string supports."""
    if _DATE_RE.match(value):
        return Literal(value, datatype=XSD.date)
    if _YM_RE.match(value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=XSD.gYear)
    return Literal(value)


def age_in_years(text: str | None) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5; None when absent or not a number + unit.

    >>> age_in_years("18 Years"), age_in_years("6 Months"), age_in_years("N/A")
    (18.0, 0.5, None)
    """
    if not text:
        return None
    m = _AGE_RE.match(text)
    if not m:
        return None
    return round(float(m.group(1)) * _AGE_FACTORS[m.group(2).lower()], 4)


def _concept(scheme: str, value: str | None) -> URIRef | None:
    if not value:
        return None
    try:
        return V.concept(scheme, value)
    except KeyError:
        return None


class _Builder:
    def __init__(self, record: TrialRecord, trial_key: str, graph_iri: URIRef) -> None:
        self.r = record
        # SimpleMemory: no per-triple context bookkeeping, ~3x faster adds than the default store.
        self.g = Graph(store="SimpleMemory")
        for prefix, ns in V.PREFIXES.items():
            self.g.bind(prefix, ns)
        self.trial = V.trial_iri(trial_key)
        # The registry id comes from the record itself or from identity resolution (crosswalk, fragment).
        self.nct_id = record.nct_id or (trial_key if re.fullmatch(r"NCT\d{8}", trial_key) else None)
        self.gi = graph_iri
        self.add = self.g.add

    # -- helpers -------------------------------------------------------------------------
    def lit(self, s: URIRef, p: URIRef, value: object) -> None:
        if value is None or value == "" or value == []:
            return
        self.add((s, p, _lit(value)))

    def label(self, s: URIRef, text: str | None) -> None:
        if text:
            self.add((s, RDFS.label, Literal(text)))

    def source(self, s: URIRef) -> None:
        self.add((s, V.sourceRecord, self.gi))

    # -- parts ---------------------------------------------------------------------------
    def provenance(self) -> None:
        src = self.r.source
        doc = V.document_iri(src.sha256 or V.short_hash(src.path, 64))
        g = self.gi
        self.add((g, RDF.type, V.SourceRecord))
        self.add((g, RDF.type, PROV.Entity))
        self.add((g, V.sourceDocument, doc))
        self.add((g, PROV.wasDerivedFrom, doc))
        self.add((g, V.sourceFormat, Literal(src.format)))
        self.add((g, V.recordId, Literal(src.record_id)))
        self.add((g, V.extractorVersion, Literal(EXTRACTOR_VERSION)))
        self.lit(g, V.locator, src.locator)
        self.add((doc, RDF.type, V.SourceDocument))
        self.add((doc, V.sha256, Literal(src.sha256 or V.short_hash(src.path, 64))))
        # Only the base name: a full path would differ between machines and break idempotence.
        self.add((doc, V.fileName, Literal(PurePath(src.path.split("!/")[-1]).name)))

    def trial_node(self) -> None:
        r, t = self.r, self.trial
        self.add((t, RDF.type, V.Trial))
        self.source(t)
        self.add((t, V.sourceRecord, self.gi))
        if self.nct_id:
            self.add((t, V.nctId, Literal(self.nct_id)))
            self.add((t, OWL.sameAs, V.CTGOV[self.nct_id]))
        for other in r.other_ids:
            self.lit(t, V.secondaryId, other)
        if not r.is_publication:
            self.lit(t, V.title, r.title)
            self.label(t, r.title)
        elif r.title:
            # A paper's title names the report, not the trial: label only, kg:title stays the registry's.
            self.label(t, r.title)
        self.lit(t, V.officialTitle, r.official_title)
        self.lit(t, V.acronym, r.acronym)
        self.lit(t, V.summary, r.summary)
        self.lit(t, V.description, r.description)
        for kw in r.keywords:
            self.lit(t, V.keyword, kw)
        if r.start_date:
            self.add((t, V.startDate, _date(r.start_date)))
        if r.completion_date:
            self.add((t, V.completionDate, _date(r.completion_date)))
        if r.last_update:
            self.add((t, V.lastUpdate, _date(r.last_update)))
        status = _concept("status", r.status)
        if status:
            self.add((t, V.overallStatus, status))
        if r.sponsor:
            org = V.organization_iri(r.sponsor)
            self.add((t, V.hasSponsor, org))
            self.add((org, RDF.type, V.Organization))
            self.label(org, r.sponsor)
        for c in r.collaborators:
            org = V.organization_iri(c)
            self.add((t, V.hasCollaborator, org))
            self.add((org, RDF.type, V.Organization))
            self.label(org, c)
        for cond in r.conditions:
            node = V.condition_iri(cond.name)
            self.add((t, V.studiesCondition, node))
            self.add((node, RDF.type, V.Condition))
            self.label(node, cond.name)
            if cond.mesh_id:
                # One spelling per descriptor (the registry zero-pads old ids: D000008180 is D008180),
                # so the same descriptor from two records, or from a mapping, is one IRI.
                mid = mesh_id(cond.mesh_id)
                self.add((node, V.meshId, Literal(mid)))
                self.add((node, SKOS.exactMatch, V.MESH[mid]))
        # The registry derives the broader descriptors per trial, not per condition: on the trial.
        for anc in r.condition_ancestors:
            node = V.MESH[mesh_id(anc.mesh_id)]
            self.add((t, V.conditionAncestor, node))
            self.label(node, anc.term)

    def design(self) -> None:
        d, t = self.r.design, self.trial
        for scheme, value in (
            ("study_type", d.study_type),
            ("allocation", d.allocation),
            ("masking", d.masking),
            ("intervention_model", d.intervention_model),
            ("primary_purpose", d.primary_purpose),
        ):
            node = _concept(scheme, value)
            if node:
                prop = {"study_type": V.studyType, "allocation": V.allocation, "masking": V.masking,
                        "intervention_model": V.interventionModel, "primary_purpose": V.primaryPurpose}[scheme]
                self.add((t, prop, node))
        for ph in d.phases:
            node = _concept("phase", ph)
            if node:
                self.add((t, V.phase, node))
        if d.enrollment is not None:
            self.add((t, V.enrollment, Literal(d.enrollment, datatype=XSD.integer)))
        self.lit(t, V.enrollmentType, d.enrollment_type)
        self.lit(t, V.durationWeeks, d.duration_weeks)
        self.lit(t, V.centers, d.centers)
        if d.placebo_controlled is not None:
            self.add((t, V.placeboControlled, Literal(d.placebo_controlled)))

    def regimen(self, node: URIRef, key: str, reg: Regimen) -> None:
        rn = V.record_part_iri(self.gi, "regimen", key)
        self.add((node, V.hasRegimen, rn))
        self.add((rn, RDF.type, V.Regimen))
        self.source(rn)
        self.lit(rn, V.doseValue, reg.dose_value)
        self.lit(rn, V.doseMax, reg.dose_max)
        self.lit(rn, V.doseUnit, reg.dose_unit)
        self.lit(rn, V.route, reg.route)
        self.lit(rn, V.frequency, reg.frequency)
        self.lit(rn, V.schedule, reg.schedule)
        for day in reg.schedule_days:
            self.add((rn, V.scheduleDay, Literal(day, datatype=XSD.integer)))
        if reg.repeat_every_days is not None:
            self.add((rn, V.repeatEveryDays, Literal(reg.repeat_every_days, datatype=XSD.integer)))
        if reg.until_week is not None:
            self.add((rn, V.untilWeek, Literal(reg.until_week, datatype=XSD.integer)))
        self.lit(rn, V.duration, reg.duration)
        self.lit(rn, V.text, reg.text)

    def intervention_node(self, iv: Intervention, index: int = 0) -> URIRef:
        node = V.trial_part_iri(self.trial, "intervention", V.slug(iv.name))
        self.add((self.trial, V.hasIntervention, node))
        self.add((node, RDF.type, V.Intervention))
        self.source(node)
        self.label(node, iv.name)
        kind = _concept("intervention_type", iv.type)
        if kind:
            self.add((node, V.interventionType, kind))
        self.lit(node, V.description, iv.description)
        for other in iv.other_names:
            self.add((node, SKOS.altLabel, Literal(other)))
        if iv.regimen:
            # Keyed by position too: a record may list one drug twice with two doses.
            self.regimen(node, f"{V.slug(iv.name)}-{index}", iv.regimen)
        return node

    def arms_and_interventions(self) -> None:
        by_name: dict[str, URIRef] = {}
        for index, iv in enumerate(self.r.interventions, start=1):
            by_name[iv.name.casefold()] = self.intervention_node(iv, index)
        for i, arm in enumerate(self.r.arms, start=1):
            node = V.trial_part_iri(self.trial, "arm", V.slug(arm.label) if arm.label else str(i))
            self.add((self.trial, V.hasArm, node))
            self.add((node, RDF.type, V.Arm))
            self.source(node)
            self.label(node, arm.label)
            kind = _concept("arm_type", arm.type)
            if kind:
                self.add((node, V.armType, kind))
            self.lit(node, V.description, arm.description)
            if arm.size is not None:
                self.add((node, V.armSize, Literal(arm.size, datatype=XSD.integer)))
            for name in arm.intervention_names:
                iv_node = by_name.get(name.casefold())
                if iv_node is None:
                    iv_node = self.intervention_node(Intervention(name=name))
                    by_name[name.casefold()] = iv_node
                self.add((node, V.receives, iv_node))
            for name in arm.background_therapies:
                bg = V.trial_part_iri(self.trial, "background", V.slug(name))
                self.add((node, V.hasBackgroundTherapy, bg))
                self.add((self.trial, V.hasIntervention, bg))
                self.add((bg, RDF.type, V.BackgroundTherapy))
                self.add((bg, RDF.type, V.Intervention))
                self.source(bg)
                self.label(bg, name)
        # Interventions that name their arms but whose arm lists do not name them back.
        arm_nodes = {a.label.casefold(): V.trial_part_iri(self.trial, "arm", V.slug(a.label))
                     for a in self.r.arms if a.label}
        for iv in self.r.interventions:
            for label in iv.arm_labels:
                arm_node = arm_nodes.get(label.casefold())
                if arm_node is not None:
                    self.add((arm_node, V.receives, by_name[iv.name.casefold()]))

    def eligibility(self) -> list[tuple[URIRef, Criterion]]:
        e, t = self.r.eligibility, self.trial
        self.lit(t, V.eligibilityText, e.text)
        self.lit(t, V.minimumAge, e.min_age)
        self.lit(t, V.maximumAge, e.max_age)
        self.lit(t, V.minimumAgeYears, age_in_years(e.min_age))
        self.lit(t, V.maximumAgeYears, age_in_years(e.max_age))
        self.lit(t, V.sex, e.sex)
        if e.healthy_volunteers is not None:
            self.add((t, V.healthyVolunteers, Literal(e.healthy_volunteers)))
        nodes: list[URIRef] = []
        for c in e.criteria:
            nodes.append(V.record_part_iri(self.gi, "criterion", f"{c.polarity}-{c.order}"))
        out = []
        for c, node in zip(e.criteria, nodes, strict=True):
            self.add((t, V.hasCriterion, node))
            self.add((node, RDF.type, V.EligibilityCriterion))
            self.add((node, RDF.type, V.InclusionCriterion if c.polarity == "inclusion" else V.ExclusionCriterion))
            self.add((node, V.polarity, Literal(c.polarity)))
            self.add((node, V.order, Literal(c.order, datatype=XSD.integer)))
            self.add((node, V.text, Literal(c.text)))
            self.source(node)
            if c.parent is not None and 0 <= c.parent < len(nodes):
                self.add((node, V.parentCriterion, nodes[c.parent]))
            if c.span:
                self.lit(node, V.sourceField, c.span.field)
                if c.span.start is not None:
                    self.add((node, V.spanStart, Literal(c.span.start, datatype=XSD.integer)))
                if c.span.end is not None:
                    self.add((node, V.spanEnd, Literal(c.span.end, datatype=XSD.integer)))
            out.append((node, c))
        return out

    def outcomes_visits_sites(self) -> None:
        t = self.trial
        for i, o in enumerate(self.r.outcomes, start=1):
            node = V.record_part_iri(self.gi, "outcome", f"{o.kind}-{i}")
            self.add((t, V.hasOutcome, node))
            self.add((node, RDF.type, V.Outcome))
            kind = _concept("outcome_kind", o.kind)
            if kind:
                self.add((node, V.outcomeKind, kind))
            self.lit(node, V.measure, o.measure)
            self.label(node, o.measure)
            self.lit(node, V.timeFrame, o.time_frame)
            self.lit(node, V.description, o.description)
            self.source(node)
        for i, vs in enumerate(self.r.visits, start=1):
            node = V.record_part_iri(self.gi, "visits", str(i))
            self.add((t, V.hasVisitSchedule, node))
            self.add((node, RDF.type, V.VisitSchedule))
            for w in vs.weeks:
                self.add((node, V.visitWeek, _lit(float(w))))
            if vs.arm_label:
                self.add((node, V.forArm, V.trial_part_iri(t, "arm", V.slug(vs.arm_label))))
            self.lit(node, V.text, vs.text)
            self.source(node)
        for s in self.r.sites:
            node = V.site_iri(s.facility, s.city, s.country)
            self.add((t, V.hasSite, node))
            self.add((node, RDF.type, V.Site))
            self.label(node, s.facility)
            self.lit(node, V.city, s.city)
            self.lit(node, V.state, s.state)
            self.lit(node, V.country, s.country)

    def publications(self) -> None:
        t = self.trial
        arm_by_label = {a.label.casefold(): V.trial_part_iri(t, "arm", V.slug(a.label)) for a in self.r.arms}
        for i, p in enumerate(self.r.publications, start=1):
            node = V.publication_iri(p.pmid, p.doi, p.title or p.citation)
            self.add((t, V.describedBy, node))
            self.add((node, RDF.type, V.Publication))
            self.source(node)
            self.lit(node, V.title, p.title)
            self.label(node, p.title or (f"PMID {p.pmid}" if p.pmid else None))
            self.lit(node, V.pmid, p.pmid)
            self.lit(node, V.pmcid, p.pmcid)
            self.lit(node, V.doi, p.doi)
            if p.pmid:
                self.add((node, OWL.sameAs, V.PUBMED[p.pmid]))
            if p.doi:
                # DOIs may hold characters an IRI cannot (SICI-style "[", "<"): percent-encode them.
                self.add((node, SKOS.exactMatch, V.DOI[quote(p.doi, safe="/:;()._-")]))
            if p.date:
                self.add((node, V.publicationDate, _date(p.date)))
            self.lit(node, V.journal, p.journal)
            self.lit(node, V.volume, p.volume)
            self.lit(node, V.issue, p.issue)
            self.lit(node, V.abstract, p.abstract)
            self.lit(node, V.citation, p.citation)
            self.lit(node, V.referenceType, p.reference_type)
            for kw in p.keywords:
                self.lit(node, V.keyword, kw)
            for j, res in enumerate(p.results, start=1):
                rn = V.record_part_iri(self.gi, "result", f"{i}-{j}")
                self.add((node, V.reportsResult, rn))
                self.add((rn, RDF.type, V.ReportedResult))
                self.source(rn)
                self.lit(rn, V.measure, res.measure)
                if res.group:
                    arm = arm_by_label.get(res.group.casefold())
                    if arm is not None:
                        self.add((rn, V.resultGroup, arm))
                    else:
                        self.add((rn, RDFS.comment, Literal(f"group: {res.group}")))
                self.lit(rn, V.statistic, res.statistic)
                self.lit(rn, V.value, res.value)
                self.lit(rn, V.iqrLow, res.iqr_low)
                self.lit(rn, V.iqrHigh, res.iqr_high)
                self.lit(rn, V.timepoint, res.timepoint)
                self.lit(rn, V.pValue, res.p_value)
                self.lit(rn, V.text, res.text)


def _optional(module: str, attr: str) -> Callable[..., object] | None:
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def record_graph(record: TrialRecord, trial_key: str, *, enrich: bool = True) -> RecordGraph:
    """Build the named graph of one record, describing the trial identified by ``trial_key``."""
    gi = V.record_graph(record.source.format, record.source.record_id)
    b = _Builder(record, trial_key, gi)
    b.provenance()
    b.trial_node()
    b.design()
    b.arms_and_interventions()
    criteria = b.eligibility()
    b.outcomes_visits_sites()
    b.publications()
    result = RecordGraph(graph_iri=gi, trial=b.trial, graph=b.g, criteria=len(criteria))
    if enrich:
        add_constraints = _optional("kg.criteria.rdf", "add_constraints")
        if add_constraints is not None:
            # legacy sub-headings ("Allowed:", "Excluded within 14 days:") give the items under them their role
            heading_scope = _optional("kg.criteria.parse", "heading_scope")
            scopes = heading_scope([c for _, c in criteria]) if heading_scope else [None] * len(criteria)
            for (node, crit), scope in zip(criteria, scopes, strict=True):
                result.constraints += int(add_constraints(b.g, node, crit.text, crit.polarity, scope))  # type: ignore[arg-type]
        link = _optional("kg.drugs.rdf", "link_interventions")
        if link is not None:
            result.unresolved_interventions = list(link(b.g))  # type: ignore[arg-type]
        link_therapy = _optional("kg.drugs.rdf", "link_therapy_constraints")
        if link_therapy is not None:
            link_therapy(b.g)
    return result
