"""Coverage and speed of the constraint parser over the shared ClinicalTrials.gov records.

Reads every record's eligibility text in ../shared/data/ctgov (API v2 JSON and legacy
XML), splits it with ``kg.criteria.split.split_criteria`` and parses each criterion with
``kg.criteria.parse.parse_criterion``. Writes benchmarks/results/criteria_coverage.json:
share of criteria with at least one typed constraint, share by type, parse time, and the
most frequent leading words of unparsed criteria (a cheap "top unparsed patterns" view).

Denominator. Group headers ("PATIENT CHARACTERISTICS:", "Hepatitis status, any of:",
``kg.criteria.parse.is_header``) introduce the criteria below them and state no constraint
themselves, and registry placeholders ("Not specified", "Renal: Not specified", "See
Disease Characteristics", ``is_placeholder``) say that there is no criterion; so
``share_with_constraint`` leaves both out of the denominator. The share over all split
items, headers and placeholders included, is reported next to it (``share_all_criteria``).

Speed. ``build_ratio`` is (builder + add_constraints) / builder alone, over the same
records: ``kg.graph.build.record_graph(..., enrich=False)`` times the builder, then
``add_constraints`` is timed on every criterion of those graphs from a cold parse cache
(the drug-linking hook, owned elsewhere, is not counted). Each timing is the best of
``--repeat`` runs.

    .venv/bin/python benchmarks/criteria_coverage.py [--limit N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from defusedxml import ElementTree

from rdflib import URIRef

from kg.criteria import rdf as crdf
from kg.criteria.parse import parse_criterion, states_no_criterion
from kg.criteria.rdf import add_constraints
from kg.criteria.split import split_criteria
from kg.graph.build import record_graph
from kg.ingest.sources import read_sources
from kg.model import TrialRecord

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data" / "ctgov"
OUT = ROOT / "benchmarks" / "results" / "criteria_coverage.json"


def eligibility_texts(limit: int | None = None) -> list[tuple[str, str]]:
    """(record name, eligibility text) for every JSON and XML record found."""
    out: list[tuple[str, str]] = []
    for p in sorted((SHARED / "api_v2" / "studies").glob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        text = (doc.get("protocolSection", {}).get("eligibilityModule", {}) or {}).get("eligibilityCriteria")
        if text:
            out.append((p.name, text))
    for p in sorted((SHARED / "legacy_xml" / "studies").glob("*.xml")):
        root = ElementTree.parse(p).getroot()
        node = root.find("./eligibility/criteria/textblock")
        if node is not None and node.text:
            out.append((p.name, node.text))
    return out[:limit] if limit else out


def build_timing(limit: int | None, repeat: int) -> dict[str, float | int]:
    """Seconds for the builder alone and for add_constraints on its criteria (cold cache)."""
    records = [r for r in read_sources([SHARED]) if isinstance(r, TrialRecord)]
    if limit:
        records = records[:limit]
    best_build = best_hook = float("inf")
    n_crit = n_triples = 0
    for _ in range(repeat):
        crdf._template.cache_clear()
        t0 = time.perf_counter()
        built = [record_graph(r, f"bench-{i}", enrich=False) for i, r in enumerate(records)]
        t_build = time.perf_counter() - t0
        graphs = []
        for rg, r in zip(built, records):
            crits = [(URIRef(f"{rg.graph_iri}/criterion/{k}"), c) for k, c in enumerate(r.eligibility.criteria)] \
                if r.eligibility else []
            graphs.append((rg.graph, crits))
        before = sum(len(gr) for gr, _ in graphs)
        t1 = time.perf_counter()
        for gr, crits in graphs:
            for node, c in crits:
                add_constraints(gr, node, c.text, c.polarity)
        t_hook = time.perf_counter() - t1
        best_build, best_hook = min(best_build, t_build), min(best_hook, t_hook)
        n_crit = sum(len(c) for _, c in graphs)
        n_triples = sum(len(gr) for gr, _ in graphs) - before
    return {"records": len(records), "criteria": n_crit, "builder_seconds": round(best_build, 3),
            "add_constraints_seconds": round(best_hook, 3), "constraint_triples": n_triples,
            "build_ratio": round((best_build + best_hook) / best_build, 3) if best_build else 0.0}


def _pattern(text: str) -> str:
    words = re.findall(r"[a-z]+", text.lower())[:3]
    return " ".join(words) or "<no words>"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    if not SHARED.exists():
        print(f"no shared data at {SHARED}", file=sys.stderr)
        return 1
    texts = eligibility_texts(args.limit)
    all_criteria = [c for _, t in texts for c in split_criteria(t, "eligibility")]
    criteria = [c for c in all_criteria if not states_no_criterion(c.text)]
    headers = len(all_criteria) - len(criteria)
    by_type: Counter[str] = Counter()
    crit_by_type: Counter[str] = Counter()
    unparsed: Counter[str] = Counter()
    parsed = 0
    n_constraints = 0
    t0 = time.perf_counter()
    results = [parse_criterion(c.text, c.polarity) for c in criteria]
    elapsed = time.perf_counter() - t0
    distinct = len({(c.text, c.polarity) for c in criteria})
    for c, res in zip(criteria, results):
        if res:
            parsed += 1
            n_constraints += len(res)
            by_type.update(x.kind for x in res)
            crit_by_type.update({x.kind for x in res})
        else:
            unparsed[_pattern(c.text)] += 1
    n = len(criteria) or 1
    # constraint triples are counted in per-record graphs, as the builder makes them (one
    # ever-growing rdflib Graph gets slower per triple and would overstate the cost)
    timing = build_timing(args.limit, args.repeat)
    report = {
        "records": len(texts),
        "criteria_including_headers": len(all_criteria),
        "headers_and_placeholders_excluded": headers,
        "criteria": len(criteria),
        "distinct_criterion_texts": distinct,
        "criteria_with_constraint": parsed,
        "share_with_constraint": round(parsed / n, 4),
        "share_all_criteria": round(parsed / (len(all_criteria) or 1), 4),
        "constraints": n_constraints,
        "parse_seconds": round(elapsed, 3),
        "ms_per_criterion": round(1000 * elapsed / n, 4),
        "build_timing": timing,
        "triples_per_constraint": round(timing["constraint_triples"] / (n_constraints or 1), 2),
        "unparsed_criteria": len(criteria) - parsed,
        "constraints_by_type": dict(by_type.most_common()),
        "share_of_criteria_by_type": {k: round(v / n, 4) for k, v in crit_by_type.most_common()},
        "top_unparsed_leading_words": unparsed.most_common(40),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "top_unparsed_leading_words"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
