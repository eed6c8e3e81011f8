"""The automatic linker: graph entities -> external terms, precision first.

Evidence, strongest first: the entity already carries the term's id (a catalogue or
registry identifier); the entity and the term share a cross-reference; the entity's name
equals the term's label or an EXACT synonym; it equals a RELATED/BROAD/NARROW synonym.
For each entity and target vocabulary only the strongest evidence counts; if it points
at more than one live term, nothing is linked and the candidates go to review. Obsolete
terms are never linked (their ``replaced_by`` is followed when that term is live).

>>> norm("Lupus Erythematosus, Systemic") == norm("systemic lupus erythematosus")
True
>>> norm("Autoimmune Diseases") == norm("autoimmune disease")
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from kg import vocab as V
from kg.errors import UnknownPrefixError
from kg.link import prefixes
from kg.link.graph import analyte_iri
from kg.link.sssom import Mapping
from kg.link.terms import Term, load

TOOL = "kg.link"

#: entity kind -> vocabularies it may link to (a term's prefix decides what it can describe)
KIND_PREFIXES: dict[str, tuple[str, ...]] = {
    "condition": ("MONDO", "DOID", "MESH", "NCIT", "Orphanet", "ICD10CM", "ICD10", "ICD11", "EFO"),
    "drug": ("CHEBI", "ATC", "DRUGBANK", "RXNORM", "UNII", "MESH", "NCIT"),
    "drug_class": ("ATC", "MESH", "NCIT", "CHEBI"),
    "target": ("HGNC", "UniProtKB", "NCBIGene"),
    "analyte": ("LOINC",),
}
#: kinds matched by name; a target is matched only by identifier, because gene symbols
#: name the orthologues of every species and some symbols are also common words
LEXICAL_KINDS = {"condition", "drug", "drug_class", "analyte"}
#: (kind, vocabulary) pairs where one entity legitimately has several terms: a substance has
#: one ATC code per anatomical group it is used in, so equally good matches are all kept.
#: (ATC *groups* are not: "Corticosteroids" under C05AA is a narrower, route-specific group.)
MULTI_VALUED = {("drug", "ATC")}


@dataclass(frozen=True)
class Entity:
    """A graph node to link: its IRI, kind, names and identifiers it already carries."""

    iri: str
    kind: str
    label: str
    synonyms: tuple[str, ...] = ()
    xrefs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    term: str
    label: str
    predicate: str
    justification: str
    confidence: float
    evidence: str


@dataclass(frozen=True)
class Ambiguous:
    """An entity whose strongest evidence points at several terms of one vocabulary."""

    entity: Entity
    prefix: str
    candidates: tuple[Candidate, ...]


@dataclass
class LinkResult:
    mappings: list[Mapping] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)


# --- normalisation ---------------------------------------------------------------------------
_WORD = re.compile(r"[a-z0-9]+")


def _singular(w: str) -> str:
    if len(w) > 3 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


#: British spellings of medical words -> American (applied to every name alike, so a term and
#: an entity spelled either way meet; each pair names one concept in both spellings)
_BRITISH = re.compile(r"(?<=[a-z])aem(?=[a-z])|\b(?:haem|oedem|oesophag|oestr|diarrhoe|dyspnoe|tumour|paediatr|gynaec|coeliac|foet)")
_AMERICAN = {"haem": "hem", "oedem": "edem", "oesophag": "esophag", "oestr": "estr", "diarrhoe": "diarrhe",
             "dyspnoe": "dyspne", "tumour": "tumor", "paediatr": "pediatr", "gynaec": "gynec", "coeliac": "celiac",
             "foet": "fet", "aem": "em"}
_PAREN = re.compile(r"^(.*?\S)\s*\(([^()]+)\)$")


def _initials(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[a-z0-9]+", text))


def _drop_acronym(t: str) -> str:
    """"chronic lymphocytic leukemia (cll)" -> "chronic lymphocytic leukemia", and "cll (chronic
    lymphocytic leukemia)" likewise: only when the short form spells exactly the initials of
    every word of the long one, so the two halves surely name the same thing."""
    m = _PAREN.match(t)
    if not m:
        return t
    head, inner = m.group(1), m.group(2)
    for long, short in ((head, inner), (inner, head)):
        letters = re.sub(r"[^a-z0-9]", "", short)
        if " " not in short.strip() and 2 <= len(letters) <= 8 and letters == _initials(long):
            return long
    return t


@lru_cache(maxsize=200_000)
def norm(text: str) -> str:
    """Comparison key: ASCII-folded, lower case, punctuation-free, last word singular,
    MeSH-style inversion undone ("Lupus Erythematosus, Systemic"), British spelling made
    American ("Leukaemia"), a trailing acronym of the name's initials dropped ("(CLL)").

    >>> norm("Chronic Lymphocytic Leukaemia (CLL)") == norm("chronic lymphocytic leukemia")
    True
    >>> norm("Lung Cancer (NSCLC)") == norm("lung cancer")
    False
    """
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    t = _BRITISH.sub(lambda m: _AMERICAN[m.group(0)], t)
    t = _drop_acronym(t.strip())
    t = re.sub(r"'s\b", "", t)
    head, sep, tail = t.partition(", ")
    if sep and "," not in tail and len(tail.split()) <= 2:
        t = f"{tail} {head}"
    words = _WORD.findall(t)
    if words:
        words[-1] = _singular(words[-1])
    return " ".join(words)


def _atc_kind(curie: str) -> str:
    return "drug" if len(curie.partition(":")[2]) == 7 else "drug_class"


def _fits(term: Term, kind: str) -> bool:
    prefix = term.curie.partition(":")[0]
    if prefix not in KIND_PREFIXES[kind]:
        return False
    return prefix != "ATC" or _atc_kind(term.curie) == kind


# --- the index ---------------------------------------------------------------------------------
_SCOPE_RANK = {"LABEL": 0, "EXACT": 1, "RELATED": 2, "BROAD": 2, "NARROW": 2}
#: scope of the term's name -> SKOS predicate from the entity to the term
_SCOPE_PREDICATE = {
    "LABEL": "skos:exactMatch",
    "EXACT": "skos:exactMatch",
    "RELATED": "skos:closeMatch",
    "BROAD": "skos:narrowMatch",  # the name is broader than the term: the term is narrower
    "NARROW": "skos:broadMatch",
}
_SCOPE_CONFIDENCE = {"LABEL": 0.95, "EXACT": 0.9, "RELATED": 0.7, "BROAD": 0.6, "NARROW": 0.6}


class TermIndex:
    """Terms indexed by normalised name and by cross-reference."""

    def __init__(self, terms: dict[str, Term]):
        self.terms = terms
        self.by_name: dict[str, list[tuple[str, str, str]]] = {}  # key -> [(curie, scope, text)]
        self.by_xref: dict[str, set[str]] = {}
        for t in terms.values():
            names = [(t.label, "LABEL")] if t.label else []
            names += [(s, scope) for s, scope in t.synonyms]
            for text, scope in names:
                key = norm(text)
                if key:
                    self.by_name.setdefault(key, []).append((t.curie, scope, text))
            for x in t.xrefs:
                self.by_xref.setdefault(x, set()).add(t.curie)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], prefix: str | None = None) -> "TermIndex":
        return cls(load(paths, prefix))

    def live(self, curie: str) -> str | None:
        """``curie`` itself, or its live replacement, or None for an obsolete dead end."""
        t = self.terms.get(curie)
        if t is None or not t.obsolete:
            return curie
        live = [r for r in t.replaced_by if r in self.terms and not self.terms[r].obsolete]
        return live[0] if len(live) == 1 else None


def _candidates(entity: Entity, index: TermIndex, xrefs: frozenset[str]) -> dict[str, list[Candidate]]:
    """Best candidates per target prefix (only the strongest evidence level is kept)."""
    found: dict[str, dict[int, dict[str, Candidate]]] = {}

    def offer(curie: str, rank: int, cand: Candidate) -> None:
        term = index.terms.get(curie)
        if term is None or not _fits(term, entity.kind):
            return
        live = index.live(curie)
        if live is None:
            return
        if live != curie:
            term = index.terms[live]
            cand = Candidate(live, term.label, cand.predicate, "semapv:MappingChaining", cand.confidence - 0.05,
                             f"{cand.evidence}; {curie} is obsolete, replaced by {live}")
        levels = found.setdefault(live.partition(":")[0], {})
        levels.setdefault(rank, {}).setdefault(live, cand)

    for x in xrefs:  # the entity already carries this id
        if x in index.terms:
            offer(x, 0, Candidate(x, index.terms[x].label, "skos:exactMatch", "semapv:MappingChaining", 0.99, f"entity identifier {x}"))
    for x in sorted(xrefs):  # a term cross-references an id the entity carries
        for curie in sorted(index.by_xref.get(x, ())):
            offer(curie, 1, Candidate(curie, index.terms[curie].label, "skos:exactMatch", "semapv:MappingChaining", 0.9, f"term cross-references {x}"))
    names = (entity.label, *entity.synonyms) if entity.kind in LEXICAL_KINDS else ()
    for name in names:
        for curie, scope, text in index.by_name.get(norm(name), ()):
            rank = 2 + _SCOPE_RANK[scope]
            offer(curie, rank, Candidate(curie, index.terms[curie].label, _SCOPE_PREDICATE[scope], "semapv:LexicalMatching",
                                         _SCOPE_CONFIDENCE[scope], f"{name!r} = {scope.lower()} name {text!r}"))
    out: dict[str, list[Candidate]] = {}
    for p, levels in found.items():
        top = min(levels)
        best = levels[top]
        if len(best) > 1 and top < 2 and (entity.kind, p) not in MULTI_VALUED:
            # several terms share the identifier evidence; if the entity's name is the label or
            # an EXACT synonym of exactly one of them, two independent kinds of evidence agree
            named = {t for rank in (2, 3) for t in levels.get(rank, {})}
            agreed = [c for t, c in best.items() if t in named]
            if len(agreed) == 1:
                c = agreed[0]
                best = {c.term: Candidate(c.term, c.label, c.predicate, c.justification, c.confidence,
                                          f"{c.evidence}; the only one of {len(levels[top])} whose name is the entity's")}
        out[p] = list(best.values())
    return out


def link_entities(entities: Iterable[Entity], index: TermIndex) -> LinkResult:
    """Link every entity in up to three rounds, each using the exact matches chosen so far
    as cross-references (an IgG4-RD node matched to DOID:0080356 by label then reaches
    MONDO:0017287, which cross-references that DOID term)."""
    result = LinkResult()
    for e in entities:
        chosen: dict[str, list[Candidate]] = {}
        review: dict[str, list[Candidate]] = {}
        xrefs = frozenset(_safe_normalize(e.xrefs))
        for round_ in range(1, 4):
            for prefix, cands in _candidates(e, index, xrefs).items():
                if prefix in chosen:
                    continue
                if round_ > 1:
                    # reached through a term chosen in an earlier round: one more hop, less sure
                    cands = [
                        Candidate(c.term, c.label, c.predicate, c.justification, min(c.confidence, 0.85), c.evidence)
                        if c.evidence.startswith("term cross-references") else c
                        for c in cands
                    ]
                if len(cands) == 1 or (e.kind, prefix) in MULTI_VALUED:
                    chosen[prefix] = cands
                    review.pop(prefix, None)
                else:
                    review[prefix] = cands
            xrefs = xrefs | {c.term for cs in chosen.values() for c in cs if c.predicate == "skos:exactMatch"}
        subject = _subject_curie(e.iri)
        for cands in chosen.values():
            for c in cands:
                result.mappings.append(Mapping(
                    subject_id=subject, subject_label=e.label, predicate_id=c.predicate, object_id=c.term,
                    object_label=c.label, mapping_justification=c.justification, confidence=round(c.confidence, 2),
                    mapping_tool=TOOL, comment=c.evidence,
                ))
        for prefix, cands in sorted(review.items()):
            result.ambiguous.append(Ambiguous(e, prefix, tuple(sorted(cands, key=lambda c: c.term))))
    return result


def _safe_normalize(curies: Iterable[str]) -> set[str]:
    out = set()
    for c in curies:
        try:
            out.add(prefixes.normalize(c))
        except UnknownPrefixError:
            continue
    return out


def _subject_curie(iri: str) -> str:
    try:
        return prefixes.compress(iri)
    except UnknownPrefixError:
        return iri


# --- entities of a graph ---------------------------------------------------------------------

def _xref_curies(g: Graph, node: URIRef) -> set[str]:
    out = set()
    for o in g.objects(node, SKOS.exactMatch):
        try:
            out.add(prefixes.compress(str(o)))
        except UnknownPrefixError:
            continue
    mesh = g.value(node, V.meshId)
    if mesh is not None:
        out.add(f"MESH:{prefixes.mesh_id(str(mesh))}")
    return out


def entities(graph: Graph) -> list[Entity]:
    """The conditions, drugs, targets and analytes of ``graph`` as entities to link."""
    from rdflib.namespace import OWL, RDF

    out: list[Entity] = []
    classes = set(graph.subjects(RDF.type, V.DrugClass)) | set(graph.subjects(RDF.type, OWL.Class))
    kinds = (("condition", V.Condition), ("drug", V.Drug), ("drug_class", V.DrugClass), ("target", V.MolecularTarget))
    for kind, cls in kinds:
        for node in sorted(set(graph.subjects(RDF.type, cls))):
            if not isinstance(node, URIRef) or (kind == "drug" and node in classes):
                continue
            label = graph.value(node, RDFS.label) or graph.value(node, SKOS.prefLabel)
            if label is None:
                continue
            syns = {str(o) for o in graph.objects(node, SKOS.altLabel)}
            if kind == "target":
                syns |= {str(o) for o in graph.objects(node, V.geneSymbol)}
            out.append(Entity(str(node), kind, str(label), tuple(sorted(syns)), frozenset(_xref_curies(graph, node))))
    analytes: dict[str, set[str]] = {}
    for s, key in graph.subject_objects(V.analyte):
        codes = analytes.setdefault(str(key), set())
        code = graph.value(s, V.loincCode)
        if code is not None:
            codes.add(f"LOINC:{code}")
    from kg.criteria.lexicon import ANALYTES

    lex = {a.key: a for a in ANALYTES}
    for key, codes in sorted(analytes.items()):
        a = lex.get(key)
        label = (a.loinc_component if a and a.loinc_component else key)
        out.append(Entity(str(analyte_iri(key)), "analyte", label, (), frozenset(codes)))
    return out


def store_graph(store: object, exclude: Iterable[URIRef] = ()) -> Graph:
    """The union graph of a store (or the graph itself) with only the triples linking needs;
    ``exclude`` leaves named graphs out (e.g. ``vocab.MAPPINGS_GRAPH``, to link from the
    source records alone rather than also from the curated links)."""
    if isinstance(store, Graph):
        return store
    pattern = """
      { ?s a ?o . FILTER(?o IN (kg:Condition, kg:Drug, kg:DrugClass, kg:MolecularTarget, owl:Class)) BIND(rdf:type AS ?p) }
      UNION { ?s ?p ?o . FILTER(?p IN (rdfs:label, skos:prefLabel, skos:altLabel, skos:exactMatch, kg:meshId,
                                        kg:geneSymbol, kg:analyte, kg:loincCode)) }"""
    left_out = [f"<{g}>" for g in exclude]
    if left_out:
        pattern = f"GRAPH ?g {{ {pattern} }} FILTER(?g NOT IN ({', '.join(left_out)}))"
    q = f"SELECT DISTINCT ?s ?p ?o WHERE {{ {pattern} }}"
    g = Graph()
    prefix_lines = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in V.PREFIXES.items())
    for s, p, o in store.query(prefix_lines + q):  # type: ignore[attr-defined]
        g.add((s, p, o))
    return g


def link(store_or_graph: object, ontology_files: Iterable[str | Path], prefix: str | None = None) -> LinkResult:
    """Link the conditions, drugs, targets and analytes of a store or graph to the terms of
    ``ontology_files`` (OBO, OWL/RDF, SSSOM, TSV/CSV)."""
    index = TermIndex.from_files(ontology_files, prefix)
    return link_entities(entities(store_graph(store_or_graph)), index)
