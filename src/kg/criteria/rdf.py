"""Typed constraints -> RDF: the nodes ``add_constraints`` hangs off one criterion.

Node IRIs derive from the criterion IRI and the constraint's position in the parse
(``<criterion>/constraint/<n>``, sub-nodes ``…/window``, ``…/exception/<k>``, …), so the same
text always yields the same triples. A criterion nothing could be read from gets
``kg:parseStatus kg:Unparsed`` (it keeps its own text); otherwise ``kg:Parsed``.

Speed. Identical criterion texts recur across records ("Pregnant or breastfeeding"), so
the triples of one (text, polarity) are computed once as a *template* (what the reference
writer :func:`write_constraints` writes against a placeholder IRI, its nodes turned into
IRI suffixes relative to the criterion), cached, and stamped onto each criterion IRI
straight into the graph's store. A build hands every record's criteria to :func:`prepare`
first, which parses the distinct texts in worker processes and keeps their templates for
the build's ``add_constraints`` calls (same templates, so the same triples, as parsing in
place); they travel back with their literals as plain tuples, and literals are memoized
(rdflib re-parses every literal it builds). ``benchmarks/ingest.py`` measures the criteria
stage against the same build without it.

Triples that only restate a default are not written: ``kg:negated`` only when true,
``kg:ever`` only when true, ``kg:isDrugClass`` only when true; the criterion's polarity
stays on the criterion (no per-constraint copy); ``kg:effectivePolarity`` is always
written because it is what matching queries filter on.
Every constraint node has an ``rdfs:label``@en: the sentence :func:`kg.criteria.label.label`
writes for it ("no ALT > 2 × ULN").
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg import vocab as V
from kg.children import pool_initializer
from kg.criteria.constraints import (
    AgeConstraint,
    BackgroundTherapyConstraint,
    ConditionConstraint,
    ConsentConstraint,
    Constraint,
    ConstraintGroup,
    Excerpt,
    HealthyVolunteerConstraint,
    InfectionConstraint,
    LabConstraint,
    Quantity,
    ReproductiveConstraint,
    ScoreConstraint,
    SexConstraint,
    SubstanceUseConstraint,
    TherapyConstraint,
    TimeWindow,
    TrialParticipationConstraint,
)
from kg.criteria.label import label
from kg.criteria.parse import parse_criterion, parse_failures

#: Constraint dataclass -> its OWL class (subclasses before their parents).
CLASS_OF: dict[type[Constraint], URIRef] = {
    AgeConstraint: V.AgeConstraint,
    SexConstraint: V.SexConstraint,
    HealthyVolunteerConstraint: V.HealthyVolunteerConstraint,
    LabConstraint: V.LabConstraint,
    ScoreConstraint: V.ScoreConstraint,
    ConditionConstraint: V.ConditionConstraint,
    BackgroundTherapyConstraint: V.BackgroundTherapyConstraint,
    TherapyConstraint: V.TherapyConstraint,
    InfectionConstraint: V.InfectionConstraint,
    ReproductiveConstraint: V.ReproductiveConstraint,
    ConsentConstraint: V.ConsentConstraint,
    TrialParticipationConstraint: V.TrialParticipationConstraint,
    SubstanceUseConstraint: V.SubstanceUseConstraint,
    ConstraintGroup: V.ConstraintGroup,
}


# Literals are memoized: building one costs rdflib 10-30 us (it parses its own lexical form),
# and the same spans, confidences, polarities, units and names recur in thousands of
# constraints. rdflib terms are immutable, so sharing one object changes no triple.
_LITERALS = 1 << 16


@lru_cache(maxsize=_LITERALS)
def _dec(x: float) -> Literal:
    """xsd:decimal from a float without binary noise (0.1 stays 0.1)."""
    return Literal(Decimal(repr(float(x))), datatype=XSD.decimal)


@lru_cache(maxsize=_LITERALS, typed=True)  # typed: True, 1 and 1.0 are three literals
def _literal(value: object) -> Literal:
    """The literal kg writes for a python value: bool, xsd:decimal float, xsd:integer, string."""
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, float):
        return _dec(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    return Literal(str(value))


@lru_cache(maxsize=_LITERALS)
def _typed(lexical: str, language: str | None, datatype: URIRef | None) -> Literal:
    """A literal from its parts (templates travel from the parse workers in this form)."""
    return Literal(lexical, lang=language, datatype=datatype)


def _add_opt(g: Graph, s: URIRef, p: URIRef, value: object) -> None:
    if value is None:
        return
    g.add((s, p, _literal(value)))


def _quantity(g: Graph, node: URIRef, q: Quantity) -> None:
    _add_opt(g, node, V.comparator, q.comparator)
    _add_opt(g, node, V.thresholdValue, q.value)
    _add_opt(g, node, V.thresholdLow, q.low)
    _add_opt(g, node, V.thresholdHigh, q.high)
    if q.comparator == "between":
        _add_opt(g, node, V.lowInclusive, q.low_inclusive)
        _add_opt(g, node, V.highInclusive, q.high_inclusive)
    _add_opt(g, node, V.ucumUnit, q.unit)
    _add_opt(g, node, V.normalizedValue, q.norm_value)
    _add_opt(g, node, V.normalizedLow, q.norm_low)
    _add_opt(g, node, V.normalizedHigh, q.norm_high)
    _add_opt(g, node, V.normalizedUnit, q.norm_unit)
    _add_opt(g, node, V.relativeTo, q.relative_to)


def _window(g: Graph, node: URIRef, w: TimeWindow | None) -> None:
    if w is None:
        return
    wn = URIRef(f"{node}/window")
    g.add((node, V.hasWindow, wn))
    g.add((wn, RDF.type, V.TimeWindow))
    _add_opt(g, wn, V.windowDays, w.days)
    if w.iso:
        g.add((wn, V.windowDuration, _typed(w.iso, None, XSD.duration)))
    _add_opt(g, wn, V.windowReference, w.reference)
    if not w.ever:
        _add_opt(g, wn, V.windowDirection, w.direction)
    if w.ever:
        g.add((wn, V.ever, _TRUE))


def _excerpts(g: Graph, node: URIRef, kind: str, prop: URIRef, cls: URIRef, items: tuple[Excerpt, ...]) -> None:
    for k, x in enumerate(items):
        xn = URIRef(f"{node}/{kind}/{k}")
        g.add((node, prop, xn))
        g.add((xn, RDF.type, cls))
        g.add((xn, V.text, _literal(x.text)))
        g.add((xn, V.normalizedName, _literal(x.name)))
        g.add((xn, V.spanStart, _literal(int(x.span[0]))))
        g.add((xn, V.spanEnd, _literal(int(x.span[1]))))


def _specific(g: Graph, node: URIRef, c: Constraint, nodes: list[URIRef]) -> None:
    if isinstance(c, AgeConstraint):
        _add_opt(g, node, V.ageMinYears, c.min_years)
        _add_opt(g, node, V.ageMaxYears, c.max_years)
        if c.min_years is not None:
            _add_opt(g, node, V.lowInclusive, c.min_inclusive)
        if c.max_years is not None:
            _add_opt(g, node, V.highInclusive, c.max_inclusive)
    elif isinstance(c, SexConstraint):
        _add_opt(g, node, V.eligibleSex, c.sex)
    elif isinstance(c, HealthyVolunteerConstraint):
        _add_opt(g, node, V.healthyVolunteer, c.healthy)
    elif isinstance(c, LabConstraint):
        _add_opt(g, node, V.analyte, c.analyte)
        _add_opt(g, node, V.analyteText, c.analyte_text)
        _add_opt(g, node, V.loincCode, c.loinc)
        _add_opt(g, node, V.formula, c.formula)
        _add_opt(g, node, V.qualitativeValue, c.qualitative)
        if c.quantity:
            _quantity(g, node, c.quantity)
        _excerpts(g, node, "exception", V.hasException, V.ConstraintException, c.exceptions)
    elif isinstance(c, ScoreConstraint):
        _add_opt(g, node, V.instrument, c.instrument)
        _add_opt(g, node, V.instrumentText, c.instrument_text)
        _add_opt(g, node, V.organScope, c.organ)
        if c.quantity:
            _quantity(g, node, c.quantity)
        _excerpts(g, node, "exception", V.hasException, V.ConstraintException, c.exceptions)
    elif isinstance(c, ConditionConstraint):
        _add_opt(g, node, V.conditionText, c.condition)
        _add_opt(g, node, V.normalizedName, c.name)
        for q in c.qualifiers:
            _add_opt(g, node, V.qualifier, q)
        for o in c.organs:
            _add_opt(g, node, V.organ, o)
        _add_opt(g, node, V.activeBy, c.active_by)
        _add_opt(g, node, V.classificationCriteria, c.classification)
        _add_opt(g, node, V.classificationYear, c.classification_year)
        _window(g, node, c.window)
        _excerpts(g, node, "exception", V.hasException, V.ConstraintException, c.exceptions)
    elif isinstance(c, TherapyConstraint):
        _add_opt(g, node, V.therapyText, c.therapy)
        _add_opt(g, node, V.normalizedName, c.name)
        _add_opt(g, node, V.therapyRole, c.role)
        if c.is_class:
            g.add((node, V.isDrugClass, _TRUE))
        _window(g, node, c.window)
        _excerpts(g, node, "example", V.hasExample, V.TherapyExample, c.members)
        _excerpts(g, node, "exception", V.hasException, V.ConstraintException, c.exceptions)
        if c.dose:
            dn = URIRef(f"{node}/dose")
            g.add((node, V.hasDoseCondition, dn))
            g.add((dn, RDF.type, V.DoseCondition))
            _add_opt(g, dn, V.comparator, c.dose.comparator)
            _add_opt(g, dn, V.doseThreshold, float(c.dose.value))
            _add_opt(g, dn, V.ucumUnit, c.dose.unit)
            _add_opt(g, dn, V.doseDrug, c.dose.drug)
            _add_opt(g, dn, V.doseEquivalent, c.dose.equivalent)
        if isinstance(c, BackgroundTherapyConstraint):
            _add_opt(g, node, V.stableDose, c.stable)
            _add_opt(g, node, V.minDurationDays, c.min_duration_days)
            _add_opt(g, node, V.recentlyStarted, c.recently_started)
    elif isinstance(c, InfectionConstraint):
        _add_opt(g, node, V.pathogen, c.pathogen)
        _add_opt(g, node, V.serologyMarker, c.marker)
        _add_opt(g, node, V.testResult, c.result)
        _add_opt(g, node, V.infectionStatus, c.status)
        _window(g, node, c.window)
        _excerpts(g, node, "exception", V.hasException, V.ConstraintException, c.exceptions)
    elif isinstance(c, ReproductiveConstraint):
        _add_opt(g, node, V.reproductiveTopic, c.topic)
        _window(g, node, c.window)
    elif isinstance(c, (TrialParticipationConstraint, SubstanceUseConstraint)):
        if isinstance(c, SubstanceUseConstraint):
            _add_opt(g, node, V.substance, c.substance)
        _window(g, node, c.window)
    elif isinstance(c, ConstraintGroup):
        prop = V.anyOf if c.operator == "any" else V.allOf
        for i in c.members:
            g.add((node, prop, nodes[i]))


_TRUE = Literal(True)
#: Placeholder criterion IRI the cached templates are written against.
_BASE = URIRef("urn:kg:criterion-template")


class _Collector:
    """Just enough of ``Graph`` (``add``) to record the triples of one template."""

    def __init__(self) -> None:
        self.triples: list[tuple[Any, URIRef, Any]] = []

    def add(self, t: tuple[Any, URIRef, Any]) -> None:
        self.triples.append(t)


def write_constraints(g: Any, criterion: URIRef, constraints: list[Constraint]) -> None:
    """The triples of ``constraints`` parsed from the text of ``criterion``, added to ``g``
    one ``add`` at a time: the reference writer. Templates are its output against a
    placeholder IRI; ``tests/criteria/test_rdf_paths.py`` checks that stamped templates
    give the graphs this writer gives on each real criterion IRI."""
    if not constraints:
        g.add((criterion, V.parseStatus, V.Unparsed))
        return
    g.add((criterion, V.parseStatus, V.Parsed))
    nodes = [V.constraint_iri(criterion, i) for i in range(len(constraints))]
    for node, c in zip(nodes, constraints):
        g.add((criterion, V.hasConstraint, node))
        g.add((node, RDF.type, CLASS_OF.get(type(c), V.Constraint)))
        g.add((node, V.text, _literal(c.text)))
        g.add((node, V.spanStart, _literal(int(c.span[0]))))
        g.add((node, V.spanEnd, _literal(int(c.span[1]))))
        g.add((node, V.confidence, _dec(round(c.confidence, 3))))
        if c.negated:
            g.add((node, V.negated, _TRUE))
        g.add((node, V.effectivePolarity, _literal(c.effective_polarity)))
        _specific(g, node, c, nodes)  # type: ignore[arg-type]
        # the sentence a reader checks against the criterion text (kg query criteria prints it)
        g.add((node, RDFS.label, _typed(label(c, constraints), "en", None)))


#: (number of constraints, IRI suffixes, triples). Suffixes are the nodes' IRIs relative
#: to the criterion ("" is the criterion itself, "/constraint/0", "/constraint/0/window",
#: …); a triple is (subject suffix index, predicate, object, object suffix index), the
#: object being None when it is one of the suffixed nodes (index >= 0) and the term
#: itself otherwise (index -1).
Template = tuple[int, tuple[str, ...], tuple[tuple[int, URIRef, Any, int], ...]]


def _compile(n: int, triples: list[tuple[Any, URIRef, Any]]) -> Template:
    """A template from triples written against :data:`_BASE`."""
    base = str(_BASE)
    index: dict[str, int] = {}

    def rel(term: Any) -> int:
        if isinstance(term, URIRef) and term.startswith(base):
            return index.setdefault(str(term)[len(base):], len(index))
        return -1

    out = []
    for s_, p_, o_ in triples:
        si, oi = rel(s_), rel(o_)
        if si < 0:
            raise ValueError(f"template subject {s_} is not under the criterion")
        out.append((si, p_, None if oi >= 0 else o_, oi))
    return n, tuple(index), tuple(out)


@lru_cache(maxsize=32768)
def _template(text: str, polarity: str, scope: str | None = None) -> Template:
    """The template of one criterion text: what :func:`write_constraints` writes for it."""
    g = _Collector()
    constraints = parse_criterion(text, polarity, scope)
    write_constraints(g, _BASE, constraints)
    return _compile(len(constraints), g.triples)


def _pack(t: Template) -> Template:
    """A template for the trip from a parse worker: literals as (lexical, language, datatype).

    Unpickling an rdflib literal re-parses it (tens of microseconds each); as plain tuples
    they unpickle at once, and :func:`_unpack` turns them back through the memo, so a
    literal repeated across thousands of templates is built once."""
    return t[0], t[1], tuple((si, p_, (str(o_), o_.language, o_.datatype) if isinstance(o_, Literal) else o_, oi)
                             for si, p_, o_, oi in t[2])


def _unpack(t: Template) -> Template:
    return t[0], t[1], tuple((si, p_, _typed(*o_) if type(o_) is tuple else o_, oi) for si, p_, o_, oi in t[2])


#: Templates parsed ahead by :func:`prepare`, for the texts of the latest build.
_PREPARED: dict[tuple[str, ...], Template] = {}

#: Below this many texts to parse, starting worker processes costs more than it saves.
POOL_MIN_TEXTS = 200


def _key(text: object, polarity: str, scope: str | None = None) -> tuple[str, str] | tuple[str, str, str]:
    # a legacy sub-heading's scope is part of what the text means; most criteria have none
    t = text if isinstance(text, str) else ""
    return (t, polarity) if scope is None else (t, polarity, scope)


def _templates(keys: list[tuple[str, ...]]) -> list[Template | None]:
    """Worker side of :func:`prepare`: the templates of one chunk of texts.

    A text whose parse raises gets ``None``: ``add_constraints`` then parses it again in
    the build itself, where the error reaches the record it belongs to."""
    out: list[Template | None] = []
    for key in keys:
        failed = parse_failures()
        try:
            t = _pack(_template(*key))
        except Exception:  # noqa: BLE001 — re-raised in the build by the in-place parse
            t = None
        # a parse that failed in here is parsed again in place, so the build's own count sees it
        out.append(t if parse_failures() == failed else None)
    return out


def prepare(pairs: Iterable[tuple[Any, ...]], workers: int | None = None,
            min_texts: int | None = None) -> int:
    """Parse the distinct (text, polarity[, scope]) ``pairs`` ahead of a build, in parallel.

    Templates already prepared are kept, the others of earlier builds dropped (the cache is
    one build's worth). The pool (fork, ``workers`` processes, default one per CPU) starts
    only for at least ``min_texts`` (default :data:`POOL_MIN_TEXTS`) new texts and more than
    one worker; otherwise nothing is parsed here and ``add_constraints`` parses in place.
    Returns how many texts the pool parsed. The result never changes a triple: it is an
    ahead-of-time fill of the same cache.
    """
    keys = list(dict.fromkeys(_key(*pair) for pair in pairs))
    kept = {k: _PREPARED[k] for k in keys if k in _PREPARED}
    _PREPARED.clear()
    _PREPARED.update(kept)
    todo = [k for k in keys if k not in kept]
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 2 or len(todo) < (POOL_MIN_TEXTS if min_texts is None else min_texts) or not todo:
        return 0
    # Long texts cost most: spread them over the chunks rather than leaving one worker the tail.
    todo.sort(key=lambda k: len(k[0]), reverse=True)
    n_chunks = min(len(todo), workers * 16)
    chunks = [todo[i::n_chunks] for i in range(n_chunks)]
    try:
        ctx = multiprocessing.get_context("fork")
        # Workers die with kg, however kg dies (a kill -9 runs no pool shutdown).
        init, initargs = pool_initializer()
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx, initializer=init,
                                                    initargs=initargs) as pool:
            results = list(pool.map(_templates, chunks))
    except (OSError, ValueError, BrokenProcessPool):
        return 0  # no fork here, or a worker died: the build parses in place instead
    done = 0
    for chunk, templates in zip(chunks, results, strict=True):
        for k, t in zip(chunk, templates, strict=True):
            if t is not None:
                _PREPARED[k] = _unpack(t)
                done += 1
    return done


def add_constraints(g: Graph, criterion: URIRef, text: str, polarity: str, scope: str | None = None) -> int:
    """Parse ``text`` and add its constraint nodes to ``g``; return how many were added.

    Groups count as constraints. With none, the criterion is marked ``kg:Unparsed``.
    ``scope``: what a legacy sub-heading above the criterion sets (``parse.heading_scope``).
    """
    key = _key(text, polarity, scope)
    n, suffixes, triples = _PREPARED.get(key) or _template(*key)
    base = str(criterion)
    iris = [criterion if not suffix else URIRef(base + suffix) for suffix in suffixes]
    if type(g) is Graph:
        # Graph.add is this call after three isinstance asserts (the terms here are rdflib
        # terms by construction); going straight to the store saves a third of the stamping.
        add, ctx = g.store.add, g
        for si, p_, o_, oi in triples:
            add((iris[si], p_, o_ if oi < 0 else iris[oi]), ctx, False)
    else:
        g.addN((iris[si], p_, o_ if oi < 0 else iris[oi], g) for si, p_, o_, oi in triples)
    return n
