"""A match result as rows, JSON or an RDF graph of the assessment (kg vocabulary, see ontology/kg.ttl).

The RDF graph is kg match's output, not written to the store: one ``kg:PatientAssessment``
per trial (verdict, score, date, missing facts) with one ``kg:CriterionAssessment`` per
criterion pointing at the criterion and the constraints that decided it, so it can be
loaded next to the trial graph and queried or exported.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg import vocab as V
from kg.match.core import TRIAL_CONDITION, CriterionResult, MatchResult, TrialResult


def _finding_json(f: Any) -> dict[str, Any]:
    return {"constraint": f.constraint, "kind": f.kind, "holds": f.value, "reason": f.reason, "fact": f.fact,
            "assumed": f.assumed}


def criterion_json(c: CriterionResult) -> dict[str, Any]:
    return {
        "criterion": c.criterion, "polarity": c.polarity, "order": c.order, "text": c.text, "status": c.status,
        "assumed": c.assumed, "decidedBy": [_finding_json(f) for f in c.decided_by],
        "findings": [_finding_json(f) for f in c.findings],
    }


def trial_json(t: TrialResult) -> dict[str, Any]:
    return {
        "trial": t.name, "iri": t.trial, "title": t.label, "verdict": t.verdict, "score": t.score,
        "excludedBy": [{"polarity": c.polarity, "order": c.order, "text": c.text,
                        "because": "; ".join(f.reason for f in c.decided_by)} for c in t.excluded_by],
        "missing": t.missing,
        "criteria": [criterion_json(c) for c in t.criteria],
    }


def to_json(result: MatchResult) -> dict[str, Any]:
    """The result as a JSON-ready object."""
    return {"patient": result.patient.id, "asOf": result.as_of.isoformat(),
            "trials": [trial_json(t) for t in result.trials]}


def summary_rows(result: MatchResult) -> list[dict[str, str]]:
    """One row per trial: rank, trial, verdict, score, what excluded it, what is missing."""
    rows = []
    for i, t in enumerate(result.trials, 1):
        why = "; ".join(f"{c.polarity[:3]} {c.order}: " + "; ".join(dict.fromkeys(f.reason for f in c.decided_by))
                        for c in t.excluded_by)
        rows.append({"rank": str(i), "trial": t.name, "verdict": t.verdict, "score": f"{t.score:.3f}",
                     "excluded by": why, "missing": "; ".join(t.missing[:4]) + (" …" if len(t.missing) > 4 else ""),
                     "title": t.label or ""})
    return rows


def criterion_rows(t: TrialResult) -> list[dict[str, str]]:
    """One row per criterion of one trial: polarity, order, status, why, the fact, the text."""
    rows = []
    for c in t.criteria:
        rows.append({
            "polarity": c.polarity, "order": "-" if c.criterion == TRIAL_CONDITION else str(c.order),
            "status": c.status + (" (assumed)" if c.status != "unknown" and c.assumed else ""),
            "because": "; ".join(dict.fromkeys(f.reason for f in c.decided_by)),
            "fact": ", ".join(dict.fromkeys(f.fact for f in c.decided_by if f.fact)),
            "text": c.text,
        })
    return rows


def to_graph(result: MatchResult) -> Graph:
    """The assessment as RDF (kg vocabulary)."""
    g = Graph()
    for prefix, ns in V.PREFIXES.items():
        g.bind(prefix, ns)
    pid = result.patient.id
    for t in result.trials:
        a = V.assessment_iri(pid, t.trial)
        g.add((a, RDF.type, V.PatientAssessment))
        g.add((a, V.assessedPatient, Literal(pid)))
        g.add((a, V.assessedTrial, URIRef(t.trial)))
        g.add((a, V.verdict, Literal(t.verdict)))
        g.add((a, V.score, Literal(t.score, datatype=XSD.decimal)))
        g.add((a, V.assessedOn, Literal(result.as_of.isoformat(), datatype=XSD.date)))
        for m in t.missing:
            g.add((a, V.missingFact, Literal(m)))
        for k, c in enumerate(t.criteria):
            ca = URIRef(f"{a}/criterion/{k}")
            g.add((a, V.hasCriterionAssessment, ca))
            g.add((ca, RDF.type, V.CriterionAssessment))
            if c.criterion != TRIAL_CONDITION:
                g.add((ca, V.assessedCriterion, URIRef(c.criterion)))
            g.add((ca, V.matchStatus, Literal(c.status)))
            if c.decided_by:
                g.add((ca, RDFS.comment, Literal("; ".join(dict.fromkeys(f.reason for f in c.decided_by)))))
                if c.assumed:
                    g.add((ca, V.assumedAbsent, Literal(True)))
            for f in c.decided_by:
                if f.constraint.startswith("http"):
                    g.add((ca, V.decidedBy, URIRef(f.constraint)))
                if f.fact:
                    g.add((ca, V.patientFact, Literal(f.fact)))
    return g
