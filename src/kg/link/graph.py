"""Mappings as RDF: SSSOM rows -> SKOS mapping triples, and the graph's links -> SSSOM rows.

The curated files ``kg/ontology/mappings/*.sssom.tsv`` and the analyte -> LOINC rows of
the criteria lexicon make up :func:`mappings_graph` (stored in ``vocab.MAPPINGS_GRAPH``).
Drug and target identifiers keep one source of truth, the drug catalogue: its graph
(``vocab.DRUGS_GRAPH``) already states them as skos:exactMatch, and
:func:`catalogue_mappings` gives the same links as SSSOM rows with their sources.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Iterable
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from kg import vocab as V
from kg.errors import UnknownPrefixError
from kg.link import prefixes, sssom
from kg.link.sssom import Mapping

SKOS_PREDICATES = {
    "skos:exactMatch": SKOS.exactMatch,
    "skos:closeMatch": SKOS.closeMatch,
    "skos:broadMatch": SKOS.broadMatch,
    "skos:narrowMatch": SKOS.narrowMatch,
    "skos:relatedMatch": SKOS.relatedMatch,
}
_BY_IRI = {str(v): k for k, v in SKOS_PREDICATES.items()}


def analyte_iri(key: str) -> URIRef:
    """Node standing for a lab analyte of the criteria lexicon (``kg:analyte`` holds its key)."""
    return V.KGID[f"analyte/{V.slug(key)}"]


def instrument_iri(key: str) -> URIRef:
    """Node standing for a score or instrument of the criteria lexicon (``kg:instrument`` holds its key)."""
    return V.KGID[f"instrument/{V.slug(key)}"]


def unit_iri(code: str) -> URIRef:
    """Node standing for a UCUM unit code (``kg:ucumUnit`` holds the code)."""
    return V.KGID[f"unit/{quote(code, safe='')}"]


def curated_mappings() -> list[Mapping]:
    """Rows of every ``kg/ontology/mappings/*.sssom.tsv`` (strict: unknown prefixes raise)."""
    folder = resources.files("kg").joinpath("ontology", "mappings")
    rows: list[Mapping] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sssom.tsv"):
            with resources.as_file(entry) as path:
                rows += sssom.read(path).mappings
    return rows


def lexicon_mappings() -> list[Mapping]:
    """Analyte -> LOINC rows from the criteria lexicon (its codes were looked up in LOINC)."""
    from kg.criteria.lexicon import ANALYTES

    return [
        Mapping(
            subject_id=prefixes.compress(str(analyte_iri(a.key))), subject_label=a.key,
            predicate_id="skos:exactMatch", object_id=f"LOINC:{a.loinc}", object_label=a.loinc_component or "",
            mapping_justification="semapv:ManualMappingCuration", confidence=1.0,
            comment="kg.criteria.lexicon (LOINC Table Core, COMPONENT checked by tests/criteria)",
        )
        for a in ANALYTES
        if a.loinc
    ]


_SCHEMES = {"atc": "ATC", "mesh": "MESH", "chebi": "CHEBI", "drugbank": "DRUGBANK", "rxnorm": "RXNORM", "unii": "UNII"}


def catalogue_mappings() -> list[Mapping]:
    """Drug and target identifiers of the drug catalogue as SSSOM rows (with their sources)."""
    from kg.drugs.catalogue import load

    cat = load()
    rows: list[Mapping] = []
    for d in cat.drugs.values():
        subject = prefixes.compress(str(V.drug_iri(d.slug)))
        for scheme, idents in d.ids.items():
            for ident in idents:
                rows.append(Mapping(
                    subject_id=subject, subject_label=d.label, predicate_id="skos:exactMatch",
                    object_id=prefixes.normalize(f"{_SCHEMES[scheme]}:{ident}"),
                    mapping_justification="semapv:ManualMappingCuration", confidence=1.0,
                    comment=f"kg/data/drugs/drugs.tsv: {d.id_sources[scheme]}",
                ))
    for t in cat.targets.values():
        subject = prefixes.compress(str(V.target_iri(t.slug)))
        for prefix, ident in (("HGNC", t.hgnc), ("UniProtKB", t.uniprot), ("NCBIGene", t.ncbigene)):
            if ident:
                rows.append(Mapping(
                    subject_id=subject, subject_label=t.symbol, predicate_id="skos:exactMatch",
                    object_id=prefixes.normalize(f"{prefix}:{ident.removeprefix('HGNC:')}"),
                    mapping_justification="semapv:ManualMappingCuration", confidence=1.0,
                    comment=f"kg/data/drugs/targets.tsv: {t.source}",
                ))
    return rows


def to_graph(mappings: Iterable[Mapping]) -> Graph:
    """SKOS mapping triples for ``mappings``; nodes minted here for literals (analytes,
    units) also get their label, so they read well on their own."""
    g = Graph()
    g.bind("skos", SKOS)
    for p, ns in V.PREFIXES.items():
        g.bind(p, ns)
    minted = (str(V.KGID["analyte/"]), str(V.KGID["unit/"]), str(V.KGID["instrument/"]))
    for m in mappings:
        s, o = URIRef(prefixes.expand(m.subject_id)), URIRef(prefixes.expand(m.object_id))
        g.add((s, SKOS_PREDICATES[m.predicate_id], o))
        if str(s).startswith(minted) and m.subject_label:
            g.add((s, RDFS.label, Literal(m.subject_label)))
    return g


@lru_cache(maxsize=1)
def _mappings_graph() -> Graph:
    return to_graph(curated_mappings() + lexicon_mappings())


def mappings_graph() -> Graph:
    """The graph to store in ``vocab.MAPPINGS_GRAPH``: curated files plus analyte -> LOINC
    (a fresh copy each call; drug/target links live in the drug catalogue's graph)."""
    g = Graph()
    for prefix, ns in _mappings_graph().namespaces():
        g.bind(prefix, ns)
    for t in _mappings_graph():
        g.add(t)
    return g


# --- the built graph's links as SSSOM -------------------------------------------------------
_LINKS = """
SELECT ?s ?p ?o ?label WHERE {
  ?s ?p ?o .
  FILTER(?p IN (skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch, skos:relatedMatch))
  FILTER(isIRI(?o))
  OPTIONAL { ?s rdfs:label ?label }
}"""
_IDENTIFIERS = """
SELECT ?s ?kind ?id ?label WHERE {
  { ?s kg:nctId ?id . BIND("NCT" AS ?kind) }
  UNION { ?s kg:pmid ?id . BIND("PMID" AS ?kind) }
  UNION { ?s kg:pmcid ?id . BIND("PMCID" AS ?kind) }
  UNION { ?s kg:doi ?id . BIND("DOI" AS ?kind) }
  UNION { ?s kg:meshId ?id . BIND("MESH" AS ?kind) }
  OPTIONAL { ?s rdfs:label ?label }
}"""


def _query(store: object, q: str):  # type: ignore[no-untyped-def]
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in V.PREFIXES.items())
    return store.query(head + q)  # type: ignore[attr-defined]


def store_mappings(store: object) -> list[Mapping]:
    """Every link of a built store as SSSOM rows.

    Links are the SKOS mapping triples of all graphs plus the registry identifiers nodes
    carry (trial -> ClinicalTrials.gov, publication -> PubMed/PMC/DOI, condition -> MeSH).
    Rows known from a curated source keep its justification, confidence and comment; the
    others are marked as stated by the source records. An IRI outside the prefix map is
    an :class:`~kg.errors.UnknownPrefixError`.
    """
    known = {m.key: m for m in curated_mappings() + lexicon_mappings() + catalogue_mappings()}
    rows: dict[tuple[str, str, str], Mapping] = {}
    for s, p, o, label in _query(store, _LINKS):
        key = (prefixes.compress(str(s)), _BY_IRI[str(p)], prefixes.compress(str(o)))
        if key in rows:
            continue
        base = known.get(key)
        if base is not None:
            rows[key] = base
        else:
            rows[key] = Mapping(
                subject_id=key[0], subject_label=str(label or ""), predicate_id=key[1], object_id=key[2],
                mapping_justification="semapv:UnspecifiedMatching",
                comment="stated in the built graph (source record or ontology module)",
            )
    for s, kind, ident, label in _query(store, _IDENTIFIERS):
        value = str(ident).strip()
        if kind.toPython() == "DOI":
            value = value.lower().removeprefix("https://doi.org/")
        try:
            obj = prefixes.normalize(f"{kind}:{value}")
        except UnknownPrefixError:
            continue
        key = (prefixes.compress(str(s)), "skos:exactMatch", obj)
        rows.setdefault(key, Mapping(
            subject_id=key[0], subject_label=str(label or ""), predicate_id="skos:exactMatch", object_id=obj,
            mapping_justification="semapv:UnspecifiedMatching",
            comment=f"identifier kg:{ {'NCT': 'nctId', 'PMID': 'pmid', 'PMCID': 'pmcid', 'DOI': 'doi', 'MESH': 'meshId'}[str(kind)] } stated by the source record",
        ))
    return sorted(rows.values(), key=lambda m: m.key)


def export_mappings(store: object, path: str) -> int:
    """Write every link of ``store`` as an SSSOM TSV file; returns the number of rows."""
    rows = store_mappings(store)
    sssom.write(path, rows, mapping_set_id="https://w3id.org/kg/mappings/export.sssom.tsv",
                description="Every link of a kg build to external vocabularies (kg export mappings).")
    return len(rows)
