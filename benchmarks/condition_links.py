"""Benchmark: the share of condition nodes that carry an external id, on the shared registry records.

Reads the ClinicalTrials.gov records (API v2 JSON and legacy XML) through kg's own readers,
exactly as ``kg build`` does before writing (condition names canonicalized, each condition
given the registry's MeSH descriptor that names it), without building a store: a condition
node is ``kg.vocab.condition_iri`` of the name, and it is *linked* when some record or the
shipped hierarchy gives it a MeSH id, or the curated mappings graph links it. The figure a
build stores is ``linked``; ``with_ontology_linker`` adds what ``kg link`` finds in the shared
DOID/MONDO files for the nodes left (by name, and through their MeSH id as a cross-reference).

The readers use ``$KG_ONTOLOGY_DIR`` (set here to SHARED_DIR/data/ontologies unless given).

Usage: python benchmarks/condition_links.py [--limit N] [--sample-out FILE] [SHARED_DIR]
Writes benchmarks/results/condition_links.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import SKOS

from kg import vocab as V
from kg.graph.conditions import ONTOLOGY_DIR_ENV, conditions_graph
from kg.ingest.sources import read_document
from kg.model import TrialRecord

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/condition_links.json"
DISEASE_FILES = (
    "doid/DO_rare_slim.obo", "doid/DO_NCIthesaurus_subset.obo", "doid/HumanDO.tsv", "doid/MESHinDO.tsv",
    "mondo/mondo_exactmatch_doid.sssom.tsv", "mondo/mondo_exactmatch_mesh.sssom.tsv",
    "mappings/biomappings_positive.sssom.tsv",
)


def records(shared: Path, limit: int | None) -> list[TrialRecord]:
    files = sorted((shared / "data/ctgov/api_v2/studies").glob("*.json"))
    files += sorted((shared / "data/ctgov/legacy_xml/studies").glob("*.xml"))
    if limit:
        # every k-th file, so both formats and all of the alphabet are in a small run
        files = files[:: max(1, len(files) // limit)][:limit]
    out = []
    for f in files:
        out += [r for r in read_document(f.read_bytes(), str(f)) if isinstance(r, TrialRecord)]
    return out


def main(shared: Path, limit: int | None, sample_out: Path | None) -> dict:
    # The readers look MeSH ids of names up in the shared ontologies when told where they are.
    os.environ.setdefault(ONTOLOGY_DIR_ENV, str(shared / "data/ontologies"))
    t0 = time.perf_counter()
    recs = records(shared, limit)
    nodes: dict[str, str] = {}  # iri -> a label
    mesh: dict[str, set[str]] = {}
    by_format: dict[str, set[str]] = {}
    for r in recs:
        for c in r.conditions:
            iri = str(V.condition_iri(c.name))
            nodes.setdefault(iri, c.name)
            by_format.setdefault(r.source.format, set()).add(iri)
            if c.mesh_id:
                mesh.setdefault(iri, set()).add(c.mesh_id)
    hierarchy = conditions_graph()
    curated = importlib_mappings()
    for iri in nodes:
        for m in hierarchy.objects(URIRef(iri), V.meshId):
            mesh.setdefault(iri, set()).add(str(m))
    linked = {i for i in nodes if i in mesh or i in curated}
    t1 = time.perf_counter()
    report: dict[str, object] = {
        "records": len(recs),
        "condition_nodes": len(nodes),
        "linked": len(linked),
        "share_linked": round(len(linked) / len(nodes), 4) if nodes else None,
        "by_format": {f: {"nodes": len(s), "linked": len(s & linked), "share": round(len(s & linked) / len(s), 4)}
                      for f, s in sorted(by_format.items())},
        "with_registry_or_hierarchy_mesh_id": len(mesh),
        "with_several_mesh_ids": sum(1 for ids in mesh.values() if len({x.lstrip("D0") for x in ids}) > 1),
        "ontology_dir": os.environ.get(ONTOLOGY_DIR_ENV),
        "with_curated_mapping": len(set(nodes) & curated),
    }
    ont = shared / "data/ontologies"
    if ont.is_dir():
        from kg.link.linker import Entity, TermIndex, link_entities

        index = TermIndex.from_files([ont / f for f in DISEASE_FILES if (ont / f).exists()])
        entities = [Entity(i, "condition", nodes[i], (), frozenset(f"MESH:{m}" for m in mesh.get(i, ())))
                    for i in nodes]
        res = link_entities(entities, index)
        found: dict[str, set[str]] = {}
        for m in res.mappings:
            if m.predicate_id == "skos:exactMatch":
                found.setdefault(str(V.KGID) + m.subject_id.removeprefix("kgid:"), set()).add(m.object_id)
        md = {i for i, ids in found.items() if any(x.startswith(("MONDO:", "DOID:")) for x in ids)}
        both = linked | set(found)
        report["with_ontology_linker"] = {"linked": len(both), "share_linked": round(len(both) / len(nodes), 4),
                                          "mondo_or_doid": len(md & set(nodes))}
    report["seconds"] = {"read": round(t1 - t0, 1), "total": round(time.perf_counter() - t0, 1)}
    if sample_out is not None:
        rows = sorted((nodes[i], sorted(mesh[i])[0]) for i in linked if i in mesh)
        random.Random(15).shuffle(rows)
        sample_out.write_text("label\tid\n" + "".join(f"{a}\t{b}\n" for a, b in rows[:40]), encoding="utf-8")
    return report


def importlib_mappings() -> set[str]:
    """Condition nodes the curated mappings graph links (kg.link.graph)."""
    from kg.link.graph import mappings_graph

    g = mappings_graph()
    return {str(s) for s, _, _ in g.triples((None, SKOS.exactMatch, None)) if "/condition/" in str(s)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"))
    ap.add_argument("--limit", type=int, default=None, help="read about N records (default: all)")
    ap.add_argument("--sample-out", type=Path, default=None, help="write 40 linked conditions (label, id) to judge")
    a = ap.parse_args()
    rep = main(Path(a.shared), a.limit, a.sample_out)
    if a.limit is None:
        OUT.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    json.dump(rep, sys.stdout, indent=2)
    print()
