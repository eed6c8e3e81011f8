"""External ontology terms: loading OBO, OWL/RDF, SSSOM and TSV/CSV files into one term table.

Every loader yields :class:`Term` records (CURIE, label, scoped synonyms, cross-references,
obsolete flag, replacements); :func:`load` merges the records of several files by CURIE.
Identifiers with prefixes outside kg's prefix map are dropped (third-party files mention
many vocabularies kg does not link to).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, SKOS

from kg.errors import InputError, RecordError, UnknownPrefixError
from kg.ingest.rdf_files import parse_rdf_file
from kg.link import prefixes, sssom

SCOPES = ("EXACT", "RELATED", "BROAD", "NARROW")
OIO = "http://www.geneontology.org/formats/oboInOwl#"
_IAO_REPLACED_BY = URIRef("http://purl.obolibrary.org/obo/IAO_0100001")


@dataclass
class Term:
    """One external term as read from one or more files."""

    curie: str
    label: str = ""
    synonyms: set[tuple[str, str]] = field(default_factory=set)  # (text, scope)
    xrefs: set[str] = field(default_factory=set)  # canonical CURIEs
    obsolete: bool = False
    replaced_by: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    def merge(self, other: "Term") -> None:
        if not self.label:
            self.label = other.label
        elif other.label and other.label.casefold() != self.label.casefold():
            # the same id labelled differently by another file (or release): keep both names
            self.synonyms.add((other.label, "EXACT"))
        self.synonyms |= other.synonyms
        self.xrefs |= other.xrefs
        self.obsolete = self.obsolete or other.obsolete
        self.replaced_by |= other.replaced_by
        self.sources |= other.sources


def _curie(raw: str) -> str | None:
    try:
        return prefixes.normalize(raw)
    except UnknownPrefixError:
        return None


def _is_obsolete_label(label: str) -> bool:
    return label.casefold().startswith("obsolete ")


# --- OBO ---------------------------------------------------------------------------------
_SYN = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|BROAD|NARROW)\b')


_OBO10_SYNONYMS = {"exact_synonym": "EXACT", "related_synonym": "RELATED", "broad_synonym": "BROAD", "narrow_synonym": "NARROW"}


def read_obo(path: Path) -> Iterator[Term]:
    """[Term] stanzas of an OBO 1.2/1.4 flat file."""
    source = path.name
    term: Term | None = None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("["):
                if term is not None:
                    yield term
                term = None
                if line.strip() == "[Term]":
                    term = Term(curie="", sources={source})
                continue
            if term is None or ": " not in line:
                if line.startswith("data-version:"):
                    source = f"{path.name} ({line.partition(':')[2].strip()})"
                continue
            tag, _, value = line.partition(": ")
            value = re.sub(r"\s+!.*$", "", value).strip() if tag in ("xref", "replaced_by", "consider", "is_a") else value.strip()
            if tag == "id":
                term.curie = _curie(value) or ""
            elif tag == "name":
                term.label = value
            elif tag == "synonym":
                m = _SYN.match(value)
                if m:
                    term.synonyms.add((m.group(1).replace('\\"', '"'), m.group(2)))
            elif tag in _OBO10_SYNONYMS:  # OBO 1.0 spelling: exact_synonym: "text" []
                m = re.match(r'^"((?:[^"\\]|\\.)*)"', value)
                if m:
                    term.synonyms.add((m.group(1).replace('\\"', '"'), _OBO10_SYNONYMS[tag]))
            elif tag == "xref":
                c = _curie(value.split(" ")[0].strip('"'))
                if c:
                    term.xrefs.add(c)
            elif tag == "is_obsolete" and value == "true":
                term.obsolete = True
            elif tag == "replaced_by":
                c = _curie(value)
                if c:
                    term.replaced_by.add(c)
            elif tag == "property_value" and value.startswith(("IAO:0100001", "term_replaced_by")):
                c = _curie(value.split()[1])
                if c:
                    term.replaced_by.add(c)
    if term is not None:
        yield term


# --- OWL / RDF -----------------------------------------------------------------------------
_OWL_SYNONYMS = {
    URIRef(OIO + "hasExactSynonym"): "EXACT",
    URIRef(OIO + "hasRelatedSynonym"): "RELATED",
    URIRef(OIO + "hasBroadSynonym"): "BROAD",
    URIRef(OIO + "hasNarrowSynonym"): "NARROW",
    SKOS.altLabel: "EXACT",
}


def read_rdf(path: Path) -> Iterator[Term]:
    """Classes of an OWL/RDF file (any syntax rdflib guesses from the file name)."""
    g = Graph()
    try:
        parse_rdf_file(path, g)  # nothing fetched: no remote JSON-LD context, no external entity
    except Exception as exc:  # rdflib raises many parser-specific types
        raise RecordError(f"cannot parse RDF: {exc}", source=str(path), record_id=path.name, field="file") from exc
    subjects = set(g.subjects(RDFS.label, None)) | set(g.subjects(SKOS.prefLabel, None))
    for s in subjects:
        if not isinstance(s, URIRef):
            continue
        try:
            curie = prefixes.compress(str(s))
        except UnknownPrefixError:
            continue
        label = str(g.value(s, RDFS.label) or g.value(s, SKOS.prefLabel) or "")
        t = Term(curie, label, sources={path.name})
        for p, scope in _OWL_SYNONYMS.items():
            t.synonyms |= {(str(o), scope) for o in g.objects(s, p) if isinstance(o, Literal)}
        for o in g.objects(s, URIRef(OIO + "hasDbXref")):
            c = _curie(str(o))
            if c:
                t.xrefs.add(c)
        deprecated = g.value(s, OWL.deprecated)
        t.obsolete = bool(deprecated is not None and deprecated.toPython() is True) or _is_obsolete_label(label)
        for o in g.objects(s, _IAO_REPLACED_BY):
            try:
                t.replaced_by.add(prefixes.compress(str(o)) if isinstance(o, URIRef) else prefixes.normalize(str(o)))
            except UnknownPrefixError:
                pass
        yield t


# --- SSSOM ---------------------------------------------------------------------------------
def read_sssom(path: Path) -> Iterator[Term]:
    """Both sides of every exact-match row, each cross-referencing the other."""
    for m in sssom.read(path, strict=False).mappings:
        exact = m.predicate_id == "skos:exactMatch"
        for cur, label, other in ((m.subject_id, m.subject_label, m.object_id), (m.object_id, m.object_label, m.subject_id)):
            if label.startswith("semapv:"):  # some files shift the justification into the label column
                label = ""
            yield Term(cur, label, xrefs={other} if exact else set(), obsolete=_is_obsolete_label(label), sources={path.name})


# --- TSV / CSV -----------------------------------------------------------------------------
_ID_COLUMNS = {"id": None, "curie": None, "loinc_num": "LOINC", "atc_code": "ATC", "code": None}
_LABEL_COLUMNS = ("label", "name", "atc_name", "component", "preferred_name")


def read_table(path: Path, prefix: str | None = None) -> Iterator[Term]:
    """A table with an id column and a label column (and optionally xrefs, synonyms)."""
    delim = "," if path.suffix.lower() == ".csv" else "\t"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delim)
        cols = {c.lower().strip(): c for c in reader.fieldnames or ()}
        id_col = next((cols[c] for c in _ID_COLUMNS if c in cols), None)
        label_col = next((cols[c] for c in _LABEL_COLUMNS if c in cols), None)
        if id_col is None or label_col is None:
            raise InputError(f"{path}: need an id column ({', '.join(_ID_COLUMNS)}) and a label column ({', '.join(_LABEL_COLUMNS)})")
        prefix = prefix or _ID_COLUMNS.get(id_col.lower())
        xref_col, syn_col = cols.get("xrefs"), cols.get("synonyms")
        for n, row in enumerate(reader, start=2):
            raw = (row.get(id_col) or "").strip()
            if not raw:
                continue
            if ":" in raw:
                curie = _curie(raw)
            elif prefix:
                curie = prefixes.normalize(f"{prefix}:{raw}")
            else:
                raise RecordError("id without prefix and no --prefix given", source=str(path), record_id=f"line {n}", field=id_col)
            if curie is None:
                continue
            label = (row.get(label_col) or "").strip()
            t = Term(curie, label, obsolete=_is_obsolete_label(label), sources={path.name})
            if xref_col:
                t.xrefs = {c for x in re.split(r"[,|;]\s*", row.get(xref_col) or "") if x.strip() and (c := _curie(x.strip()))}
            if syn_col:
                t.synonyms = {(s.strip(), "EXACT") for s in re.split(r"[|;]", row.get(syn_col) or "") if s.strip()}
            if obs := cols.get("obsolete"):
                t.obsolete = t.obsolete or (row.get(obs) or "").strip().lower() in ("true", "1", "yes")
            yield t


def read_file(path: str | Path, prefix: str | None = None) -> Iterator[Term]:
    """Terms of one ontology file, by its name: ``.obo``, ``.sssom.tsv``, ``.tsv``/``.csv``, else RDF."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"ontology file not found: {p}")
    name = p.name.lower()
    if name.endswith(".obo"):
        return read_obo(p)
    if name.endswith(".sssom.tsv"):
        return read_sssom(p)
    if name.endswith((".tsv", ".csv")):
        return read_table(p, prefix)
    return read_rdf(p)


def load(paths: Iterable[str | Path], prefix: str | None = None) -> dict[str, Term]:
    """All terms of ``paths`` merged by CURIE (labels, synonyms, xrefs united)."""
    terms: dict[str, Term] = {}
    for path in paths:
        for t in read_file(path, prefix):
            if not t.curie:
                continue
            if t.curie in terms:
                terms[t.curie].merge(t)
            else:
                terms[t.curie] = t
    # cross-references are symmetric for linking purposes: DOID xref MESH means MESH xref DOID
    for t in list(terms.values()):
        for x in t.xrefs:
            if x in terms:
                terms[x].xrefs.add(t.curie)
    return terms


_OIO_SCOPE = {"EXACT": "hasExactSynonym", "RELATED": "hasRelatedSynonym", "BROAD": "hasBroadSynonym", "NARROW": "hasNarrowSynonym"}


def to_rdf(terms: Iterable[Term]) -> Graph:
    """Terms as RDF in the OBO-in-OWL style (rdfs:label, oboInOwl synonyms and xrefs,
    owl:deprecated), with each term's canonical IRI; e.g. to serve an OBO slice from a
    SPARQL endpoint that kg queries with ``SERVICE``."""
    g = Graph()
    g.bind("oboInOwl", OIO)
    for t in terms:
        s = URIRef(prefixes.expand(t.curie))
        if t.label:
            g.add((s, RDFS.label, Literal(t.label)))
        for text, scope in sorted(t.synonyms):
            g.add((s, URIRef(OIO + _OIO_SCOPE[scope]), Literal(text)))
        for x in sorted(t.xrefs):
            g.add((s, URIRef(OIO + "hasDbXref"), Literal(x)))
        if t.obsolete:
            g.add((s, OWL.deprecated, Literal(True)))
    return g
