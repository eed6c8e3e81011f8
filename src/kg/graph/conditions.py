"""The condition hierarchy: curated parents and their RDF.

``kg/data/conditions/hierarchy.tsv`` names, for conditions as trial records write them,
their broader conditions (and the condition's MeSH descriptor where it was checked).
:func:`conditions_graph` turns it into ``skos:broader`` links between the shared
``kg:Condition`` nodes (``kg.vocab.condition_iri``), stored in ``vocab.CONDITIONS_GRAPH``,
so a query reaches every subtype of a condition with ``skos:broader+``. The MeSH
ancestors the registry derives per trial are a second, separate source
(``kg:conditionAncestor`` on the trial, see :mod:`kg.graph.build`).

>>> g = conditions_graph()
>>> from rdflib.namespace import SKOS
>>> from kg import vocab as V
>>> (V.condition_iri("Lupus nephritis"), SKOS.broader, V.condition_iri("Systemic lupus erythematosus")) in g
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SKOS

from kg import vocab as V
from kg.errors import InputError
from kg.link.prefixes import mesh_id as normalize_mesh_id

COLUMNS = ("name", "parent", "mesh_id", "source")
SOURCES = ("ctgov", "mondo", "curated")
_MESH_RE = re.compile(r"^[CD]\d{6,9}$")


@dataclass(frozen=True)
class HierarchyRow:
    """One line of the hierarchy: a condition, its broader condition (or none), its MeSH id."""

    name: str
    parent: str | None
    mesh_id: str | None
    source: str


def hierarchy_path() -> Path:
    """The shipped hierarchy file (inside the installed package)."""
    return Path(str(resources.files("kg") / "data" / "conditions" / "hierarchy.tsv"))


def load_hierarchy(path: str | Path | None = None) -> list[HierarchyRow]:
    """The rows of the hierarchy file; :class:`InputError` naming file, line and column on a bad one.

    Checked here so that a curation slip fails the build's tests, not a query later: a
    condition has one MeSH id at most, names no unknown source, and no chain of parents
    leads back to itself.
    """
    p = Path(path) if path is not None else hierarchy_path()
    text = p.read_text(encoding="utf-8")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.startswith("#")]
    if not lines or lines[0][1].split("\t") != list(COLUMNS):
        raise InputError(f"{p}: the first line that is not a comment must be the header {' '.join(COLUMNS)}")
    rows: list[HierarchyRow] = []
    ids: dict[str, str] = {}
    for lineno, line in lines[1:]:
        values = line.split("\t")

        def fail(column: str, reason: str, lineno: int = lineno) -> InputError:
            return InputError(f"{p}: line {lineno}, column {column}: {reason}")

        if len(values) != len(COLUMNS):
            raise fail("*", f"expected {len(COLUMNS)} tab-separated columns, got {len(values)}")
        name, parent, mid, source = (v.strip() for v in values)
        if not name:
            raise fail("name", "empty condition name")
        if source not in SOURCES:
            raise fail("source", f"{source!r} is not one of {', '.join(SOURCES)}")
        if mid:
            if not _MESH_RE.match(mid):
                raise fail("mesh_id", f"{mid!r} is not a MeSH descriptor or concept id")
            mid = normalize_mesh_id(mid)
            key = V.slug(name)
            if ids.setdefault(key, mid) != mid:
                raise fail("mesh_id", f"{name!r} already has MeSH id {ids[key]}, not {mid}")
        if bool(mid) == (source == "curated"):
            raise fail("source", "a row with a MeSH id names where it was checked (ctgov or mondo); "
                                 "a row without one is curated")
        if parent and V.slug(parent) == V.slug(name):
            raise fail("parent", f"{name!r} cannot be its own parent")
        rows.append(HierarchyRow(name=name, parent=parent or None, mesh_id=mid or None, source=source))
    _check_acyclic(rows, p)
    return rows


def _check_acyclic(rows: list[HierarchyRow], path: Path) -> None:
    parents: dict[str, set[str]] = {}
    for r in rows:
        if r.parent:
            parents.setdefault(V.slug(r.name), set()).add(V.slug(r.parent))
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            raise InputError(f"{path}: the parents form a cycle: {' -> '.join(trail[trail.index(node):] + [node])}")
        if node in done:
            return
        for up in sorted(parents.get(node, ())):  # the cycle reported is the same in every run
            visit(up, trail + [node])
        done.add(node)

    for node in list(parents):
        visit(node, [])


def synonyms_path() -> Path:
    """The shipped list of other spellings of hierarchy conditions."""
    return Path(str(resources.files("kg") / "data" / "conditions" / "synonyms.tsv"))


#: Where the shared ontology files are (DOID .obo subsets): their EXACT synonyms of the
#: hierarchy's conditions are read from there at run time when the variable is set.
ONTOLOGY_DIR_ENV = "KG_ONTOLOGY_DIR"
_OBO_FILES = ("doid/DO_rare_slim.obo", "doid/DO_NCIthesaurus_subset.obo")
_OBO_SYNONYM = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" EXACT')


def _ontology_synonyms(names: dict[str, str]) -> dict[str, str]:
    """Key of an EXACT synonym -> hierarchy name, for ontology terms whose label or EXACT
    synonym is a hierarchy condition (read from ``$KG_ONTOLOGY_DIR``, never shipped)."""
    from kg import settings
    from kg.link.linker import norm

    root = settings.ontology_dir()
    out: dict[str, str] = {}
    if not root:
        return out
    for rel in _OBO_FILES:
        p = Path(root) / rel
        if not p.is_file():
            continue
        spellings: list[str] = []
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines() + ["[Term]"]:
            if line.startswith("[Term]") or line.startswith("[Typedef]"):
                hits = {names[k] for k in (norm(x) for x in spellings) if k in names}
                if len(hits) == 1:  # a term naming two hierarchy conditions says nothing
                    target = hits.pop()
                    for x in spellings:
                        out.setdefault(norm(x), target)
                spellings = []
            elif line.startswith("name: "):
                spellings.append(line[6:].strip())
            elif (m := _OBO_SYNONYM.match(line)) is not None:
                spellings.append(m.group(1))
    return out


@lru_cache(maxsize=1)
def _canonical_names() -> dict[str, str]:
    from kg.link.linker import norm

    names: dict[str, str] = {}
    for row in load_hierarchy():
        for n in (row.name, row.parent):
            if n:
                names.setdefault(norm(n), n)
    table = dict(names)
    for lineno, line in enumerate(synonyms_path().read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("spelling\t"):
            continue
        spelling, _, name = line.partition("\t")
        if norm(name) not in names:
            raise InputError(f"{synonyms_path()}: line {lineno}: {name!r} is not a condition of the hierarchy")
        table.setdefault(norm(spelling), names[norm(name)])
    for key, name in _ontology_synonyms(names).items():
        table.setdefault(key, name)
    return table


def canonical_name(name: str) -> str:
    """The hierarchy's spelling of a condition kg knows under several names, else ``name``.

    Names meet after kg.link.linker's normalization (case, punctuation, MeSH word order,
    plural, British spelling), the curated ``synonyms.tsv``, and, when ``$KG_ONTOLOGY_DIR``
    is set, the EXACT synonyms DOID gives the same disease.

    >>> canonical_name("IgG4-RD"), canonical_name("Immunoglobulin G4-related disease")
    ('IgG4-related disease', 'IgG4-related disease')
    >>> canonical_name("Lupus Erythematosus, Systemic"), canonical_name("Hay fever")
    ('Systemic lupus erythematosus', 'Hay fever')
    """
    from kg.link.linker import norm

    return _canonical_names().get(norm(name), name)


def canonical_conditions(conditions: list) -> list:  # list[kg.model.Condition]
    """``conditions`` under their canonical names, one entry per name (the first MeSH id kept)."""
    from kg.model import Condition

    out: dict[str, Condition] = {}
    for c in conditions:
        name = canonical_name(c.name)
        key = V.slug(name)
        if key not in out:
            out[key] = Condition(name=name, mesh_id=c.mesh_id)
        elif out[key].mesh_id is None and c.mesh_id:
            out[key] = Condition(name=out[key].name, mesh_id=c.mesh_id)
    return list(out.values())


#: Ontology files whose names, EXACT synonyms and MeSH cross-references give a condition
#: name its MeSH id (relative to ``$KG_ONTOLOGY_DIR``).
MESH_SOURCES = ("doid/DO_rare_slim.obo", "doid/DO_NCIthesaurus_subset.obo", "doid/MESHinDO.tsv", "doid/HumanDO.tsv",
                "mondo/mondo_exactmatch_mesh.sssom.tsv", "mappings/biomappings_positive.sssom.tsv")


@lru_cache(maxsize=1)
def _ontology_index() -> object | None:
    from kg import settings

    root = settings.ontology_dir()
    if not root:
        return None
    from kg.link.linker import TermIndex

    files = [Path(root) / f for f in MESH_SOURCES if (Path(root) / f).is_file()]
    return TermIndex.from_files(files) if files else None


def ontology_mesh_id(name: str) -> str | None:
    """The MeSH id of the one disease the shared ontologies name ``name`` (label or EXACT
    synonym of a MeSH, DOID or MONDO term with a MeSH cross-reference); None when
    ``$KG_ONTOLOGY_DIR`` is unset, nothing matches, or the matches disagree."""
    index = _ontology_index()
    if index is None:
        return None
    from kg.link.linker import norm

    keys = {norm(name)}
    parts = [p.strip() for p in name.split(",")]
    if len(parts) > 2:  # MeSH order of more than one inversion: "Leukemia, Myeloid, Acute"
        keys.add(norm(" ".join(reversed(parts))))
    direct: set[str] = set()
    votes: dict[str, int] = {}
    for key in sorted(keys):
        for curie, scope, _ in index.by_name.get(key, ()):  # type: ignore[attr-defined]
            term = index.terms[curie]  # type: ignore[attr-defined]
            if scope not in ("LABEL", "EXACT") or term.obsolete:
                continue
            if curie.startswith("MESH:"):
                direct.add(curie)
            for x in {x for x in term.xrefs if x.startswith("MESH:")}:
                votes[x] = votes.get(x, 0) + 1
    # A MeSH descriptor named so itself wins; else the id most of the matching terms cross-reference.
    if len(direct) == 1:
        best = direct.pop()
    elif votes and list(votes.values()).count(max(votes.values())) == 1 and not direct:
        best = max(votes, key=votes.__getitem__)
    else:
        return None
    local = best.partition(":")[2]
    return normalize_mesh_id(local) if _MESH_RE.match(local) else None


@lru_cache(maxsize=1)
def mesh_ids_by_name() -> dict[str, str]:
    """Case-folded condition name (and MeSH-style inverted name) -> the MeSH id the hierarchy checked."""
    from kg.link.linker import norm

    out: dict[str, str] = {}
    for row in load_hierarchy():
        if row.mesh_id:
            out.setdefault(row.name.casefold(), row.mesh_id)
            out.setdefault(norm(row.name), row.mesh_id)
    return out


def conditions_graph(path: str | Path | None = None) -> Graph:
    """The hierarchy as RDF: kg:Condition nodes with labels, skos:broader, and MeSH ids."""
    g = Graph()
    for prefix, ns in V.PREFIXES.items():
        g.bind(prefix, ns)
    for row in load_hierarchy(path):
        node = V.condition_iri(row.name)
        g.add((node, RDF.type, V.Condition))
        g.add((node, RDFS.label, Literal(row.name)))
        if row.mesh_id:
            g.add((node, V.meshId, Literal(row.mesh_id)))
            g.add((node, SKOS.exactMatch, V.MESH[row.mesh_id]))
        if row.parent:
            up = V.condition_iri(row.parent)
            g.add((node, SKOS.broader, up))
            g.add((up, RDF.type, V.Condition))
            g.add((up, RDFS.label, Literal(row.parent)))
    return g
