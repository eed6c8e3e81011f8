"""KGX export: the trial–condition–drug–mechanism–target graph as Biolink nodes.tsv and edges.tsv.

Nodes take the identifier Biolink prefers where kg has it (CLINICALTRIALS for registry
trials, MONDO > DOID > MESH > NCIT for conditions, DRUGBANK > RXNORM > CHEBI for drugs, HGNC >
UniProtKB for targets) and keep every other code in ``xref``; an entity with none gets a CURIE
under one of kg's own prefixes (:data:`KG_PREFIXES`), which a validator must be told about.

=================  =====================================  =========================================
kg                 Biolink category                       edge (predicate)
=================  =====================================  =========================================
kg:Trial           biolink:ClinicalTrial                  trial → condition, trial → drug: biolink:related_to
kg:Condition       biolink:Disease                        drug → condition: biolink:in_clinical_trials_for
kg:Drug            biolink:Drug                           drug → mechanism: biolink:affects
MechanismOfAction  biolink:MolecularActivity              mechanism → target: biolink:enabled_by
MolecularTarget    biolink:Protein                        drug → target: biolink:directly_physically_interacts_with
=================  =====================================  =========================================

Every edge states ``knowledge_level`` and ``agent_type`` (Biolink 4 requires them) and kg
as its primary knowledge source (``infores:kg``).
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kg.interop.facts import Code, _rows, code_of, read_lookup

#: kg's own CURIE prefixes, for entities no outside vocabulary names (IRI = prefix IRI + local id).
KG_PREFIXES = {
    "KG.TRIAL": "https://w3id.org/kg/id/trial/",
    "KG.CONDITION": "https://w3id.org/kg/id/condition/",
    "KG.DRUG": "https://w3id.org/kg/id/drug/",
    "KG.MECHANISM": "https://w3id.org/kg/id/mechanism/",
    "KG.TARGET": "https://w3id.org/kg/id/target/",
}
CATEGORY = {"trial": "biolink:ClinicalTrial", "condition": "biolink:Disease", "drug": "biolink:Drug",
            "mechanism": "biolink:MolecularActivity", "target": "biolink:Protein"}
PREFERRED = {"trial": ("CLINICALTRIALS",), "condition": ("MONDO", "DOID", "MESH", "NCIT"),
             "drug": ("DRUGBANK", "RXNORM", "CHEBI", "UNII", "MESH"), "mechanism": (),
             "target": ("HGNC", "UniProtKB")}
PREDICATE = {"trial-condition": "biolink:related_to", "trial-drug": "biolink:related_to",
             "drug-condition": "biolink:in_clinical_trials_for", "drug-mechanism": "biolink:affects",
             "mechanism-target": "biolink:enabled_by", "drug-target": "biolink:directly_physically_interacts_with"}
SOURCE = "infores:kg"
NODE_COLUMNS = ("id", "category", "name", "xref", "iri", "provided_by")
EDGE_COLUMNS = ("id", "subject", "predicate", "object", "knowledge_level", "agent_type",
                "primary_knowledge_source", "original_predicate")
_ORIGINAL = {"trial-condition": "kg:studiesCondition", "trial-drug": "kg:hasIntervention/kg:administers",
             "drug-condition": "kg:administers^/kg:hasIntervention^/kg:studiesCondition",
             "drug-mechanism": "kg:hasMechanism", "mechanism-target": "kg:hasTarget",
             "drug-target": "kg:hasMechanism/kg:hasTarget"}
#: Edges kg derives by a rule (a drug given in a trial of a condition; a drug's target through its
#: mechanism) are entailments of an automated agent; the others are stated by a curated source.
_DERIVED = ("drug-condition", "drug-target")


@dataclass
class KgxExport:
    """The node and edge rows of one export."""

    nodes: list[dict[str, str]] = field(default_factory=list)
    edges: list[dict[str, str]] = field(default_factory=list)


def _curie(c: Code) -> str | None:
    p = c.vocabulary.curie
    return f"{p}:{c.code}" if p else None


def _own_curie(kind: str, iri: str) -> str:
    prefix = f"KG.{kind.upper()}"
    return f"{prefix}:{iri.removeprefix(KG_PREFIXES[prefix])}"


def build_kgx(store: object) -> KgxExport:
    """Nodes and edges of the whole store's trial–condition–drug–mechanism–target graph."""
    lookup = read_lookup(store)
    nodes: dict[str, dict[str, str]] = {}
    ids: dict[str, str] = {}
    for kind, iri, label, extra in _rows(store, "export-kgx-nodes"):
        if iri in ids:
            continue
        codes = lookup.codes.get(iri, ())
        if kind == "trial" and extra:
            codes = (code_of("https://clinicaltrials.gov/study/" + extra),) + codes
        curies = [x for x in (_curie(c) for c in codes) if x]
        chosen = next((c for p in PREFERRED[kind] for c in curies if c.startswith(p + ":")), None)
        node_id = chosen or _own_curie(kind, iri)
        if node_id in nodes:  # two kg entities with one outside id: keep them apart
            node_id = _own_curie(kind, iri)
        ids[iri] = node_id
        name = label or (lookup.labels.get(iri, "") if kind != "target" else extra or "")
        nodes[node_id] = {"id": node_id, "category": CATEGORY[kind], "name": " ".join(name.split()),
                          "xref": "|".join(sorted(set(curies) - {node_id})), "iri": iri, "provided_by": SOURCE}
    edges: dict[tuple[str, str, str], dict[str, str]] = {}

    def edge(kind: str, s: str, o: str) -> None:
        if s not in ids or o not in ids:
            return
        key = (ids[s], PREDICATE[kind], ids[o])
        if key not in edges:
            edges[key] = {"id": f"urn:kg:edge:{kind}:{len(edges)}", "subject": key[0], "predicate": key[1],
                          "object": key[2], "knowledge_level": "logical_entailment" if kind in _DERIVED else "knowledge_assertion",
                          "agent_type": "automated_agent" if kind in _DERIVED else "manual_agent",
                          "primary_knowledge_source": SOURCE, "original_predicate": _ORIGINAL[kind]}

    trial_conditions: dict[str, list[str]] = {}
    trial_drugs: dict[str, list[str]] = {}
    for kind, s, o in _rows(store, "export-kgx-edges"):
        edge(kind, s, o)
        if kind == "trial-condition":
            trial_conditions.setdefault(s, []).append(o)
        elif kind == "trial-drug":
            trial_drugs.setdefault(s, []).append(o)
    for trial, drugs in trial_drugs.items():  # a drug given in a trial of a condition
        for d in drugs:
            for c in trial_conditions.get(trial, ()):
                edge("drug-condition", d, c)
    out = KgxExport(nodes=sorted(nodes.values(), key=lambda n: n["id"]), edges=list(edges.values()))
    return out


def write_kgx(export: KgxExport, folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``nodes.tsv`` and ``edges.tsv`` into ``folder`` (each to a temporary file, then renamed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, columns, rows in (("nodes.tsv", NODE_COLUMNS, export.nodes), ("edges.tsv", EDGE_COLUMNS, export.edges)):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=columns, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writeheader()
            w.writerows(rows)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is a file to share, as kg's other exports
        os.replace(tmp, folder / name)
        paths.append(folder / name)
    return paths[0], paths[1]
