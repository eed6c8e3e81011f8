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
