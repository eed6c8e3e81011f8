"""Benchmark: how much of the shared ClinicalTrials.gov records' conditions and drugs kg links.

Conditions (distinct names, with the registry's MeSH id when it names the same term) are
linked by kg.link.linker against the shared ontology slices; the share linked to MONDO or
DOID is reported. Drugs are the drug/biological interventions resolved by kg.drugs.resolve;
the share whose catalogue entry carries an RxNorm or DrugBank id (the only source of those
ids: no RxNorm/DrugBank file is in ../shared) is reported, over distinct names and over
resolved names.

Usage: python benchmarks/link_coverage.py [SHARED_DIR]
Writes benchmarks/results/link_coverage.json.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from kg import vocab as V
from kg.drugs.catalogue import load as load_catalogue
from kg.drugs.resolve import resolve_intervention
from kg.ingest import ctgov_json, ctgov_xml
from kg.link.linker import Entity, TermIndex, link_entities
from kg.model import TrialRecord

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/link_coverage.json"
#: the disease files (LOINC and ATC do not hold conditions; leaving them out saves time)
DISEASE_FILES = (
    "doid/DO_rare_slim.obo", "doid/DO_NCIthesaurus_subset.obo", "doid/DO_IEDB_slim.obo", "doid/HumanDO.tsv",
    "doid/MESHinDO.tsv", "doid/NCIinDO.tsv", "doid/ICD10inDO.tsv", "mondo/mondo_exactmatch_doid.sssom.tsv",
    "mondo/mondo_exactmatch_ncit.sssom.tsv", "mondo/mondo_exactmatch_mesh.sssom.tsv",
    "mondo/mondo_exactmatch_icd10cm.sssom.tsv", "mondo/mondo_exactmatch_efo.sssom.tsv",
    "mappings/biomappings_positive.sssom.tsv",
)


def records(shared: Path) -> list[TrialRecord]:
    out: list[TrialRecord] = []
    for fmt, folder, pattern in ((ctgov_json, "api_v2/studies", "*.json"), (ctgov_xml, "legacy_xml/studies", "*.xml")):
        for f in sorted((shared / "data/ctgov" / folder).glob(pattern)):
            for r in fmt.parse(f.read_bytes(), str(f)):
                if isinstance(r, TrialRecord):
                    out.append(r)
    return out


def main(shared: Path) -> dict:
    t0 = time.perf_counter()
    recs = records(shared)
    # conditions: one entity per condition node (the graph keys them by normalised name)
    conds: dict[str, Entity] = {}
    occurrences: Counter[str] = Counter()
    for r in recs:
        for c in r.conditions:
            iri = str(V.condition_iri(c.name))
            occurrences[iri] += 1
            old = conds.get(iri)
            xrefs = set(old.xrefs) if old else set()
            if c.mesh_id:
                xrefs.add(f"MESH:{c.mesh_id}")
            conds[iri] = Entity(iri, "condition", old.label if old else c.name, (), frozenset(xrefs))
    t1 = time.perf_counter()
    index = TermIndex.from_files([shared / "data/ontologies" / f for f in DISEASE_FILES])
    result = link_entities(conds.values(), index)
    t2 = time.perf_counter()
    linked: dict[str, set[str]] = {}
    for m in result.mappings:
        linked.setdefault(m.subject_id.removeprefix("kgid:"), set()).add(m.object_id.partition(":")[0])
    def key(iri: str) -> str:
        return iri.removeprefix(str(V.KGID))
    md = [i for i in conds if linked.get(key(i), set()) & {"MONDO", "DOID"}]
    with_mesh = [i for i in conds if conds[i].xrefs]
    # drugs
    cat = load_catalogue()
    names: Counter[str] = Counter()
    for r in recs:
        for iv in r.interventions:
            if (iv.type or "").lower() in ("drug", "biological") and iv.name:
                names[iv.name.strip()] += 1
    by_iri = {str(V.drug_iri(slug)): d for slug, d in cat.drugs.items()}
    resolved = linked_drug = 0
    drug_slugs: set[str] = set()
    for name in names:
        res = resolve_intervention(name)
        if res.drugs and not res.unresolved:
            resolved += 1
            drug_slugs |= {str(d) for d in res.drugs}
            if all({"rxnorm", "drugbank"} & set(by_iri[str(d)].ids) for d in res.drugs):
                linked_drug += 1
    catalogue_linked = [s for s in drug_slugs if {"rxnorm", "drugbank"} & set(by_iri[s].ids)]
    report = {
        "records": len(recs),
        "conditions": {
            "distinct": len(conds),
            "linked_mondo_or_doid": len(md),
            "share_mondo_or_doid": round(len(md) / len(conds), 4) if conds else None,
            "share_mondo_or_doid_by_occurrence": round(sum(occurrences[i] for i in md) / sum(occurrences.values()), 4),
            "with_registry_mesh_id": len(with_mesh),
            "linked_any": sum(1 for i in conds if key(i) in linked),
            "ambiguous_reported": len({a.entity.iri for a in result.ambiguous}),
            "mappings_written": len(result.mappings),
            "by_vocabulary": dict(Counter(p for ps in linked.values() for p in ps).most_common()),
        },
        "drugs": {
            "distinct_drug_or_biological_names": len(names),
            "resolved_to_catalogue": resolved,
            "names_linked_rxnorm_or_drugbank": linked_drug,
            "share_of_names_rxnorm_or_drugbank": round(linked_drug / len(names), 4) if names else None,
            "share_of_resolved_names_rxnorm_or_drugbank": round(linked_drug / resolved, 4) if resolved else None,
            "distinct_catalogue_drugs": len(drug_slugs),
            "catalogue_drugs_with_rxnorm_or_drugbank": len(catalogue_linked),
        },
        "seconds": {"parse": round(t1 - t0, 1), "link": round(t2 - t1, 1), "total": round(time.perf_counter() - t0, 1)},
    }
    return report


if __name__ == "__main__":
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".." / "shared"
    rep = main(shared.resolve())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(rep, indent=2))
