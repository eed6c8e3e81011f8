"""The kg ontology as data: load its Turtle modules, render kg.owl, validate graphs with SHACL.

The ontology lives in ``src/kg/ontology/`` (``ontology/`` at the repository root is a
symlink to it): ``kg.ttl`` is the core, other ``*.ttl`` modules (constraints, drugs, ...)
extend it, and ``shapes.ttl`` holds the SHACL shapes every built graph must satisfy.
``kg.owl`` is the RDF/XML rendering of the merged modules, for OWL tools (Protégé,
owlready2) that prefer it; regenerate it with ``python -m kg.graph.ontology``.

>>> g = load_ontology()
>>> from kg import vocab
>>> (vocab.Trial, vocab.RDF.type, vocab.OWL.Class) in g
True
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg import vocab

SHAPES_FILE = "shapes.ttl"
OWL_FILE = "kg.owl"

_SH = vocab.SH


def ontology_dir() -> Path:
    """Folder holding the ontology modules (inside the installed package)."""
    return Path(str(resources.files("kg") / "ontology"))


def module_paths(directory: Path | None = None) -> list[Path]:
    """The ontology's Turtle modules in a stable order: kg.ttl first, then by name.

    ``shapes.ttl`` is not an ontology module and is left out.
    """
    d = directory or ontology_dir()
    paths = [p for p in d.glob("*.ttl") if p.name != SHAPES_FILE]
    return sorted(paths, key=lambda p: (p.name != "kg.ttl", p.name))


def _bind(g: Graph) -> Graph:
    for prefix, ns in vocab.PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


@functools.lru_cache(maxsize=4)
def _parsed(paths: tuple[Path, ...]) -> Graph:
    g = _bind(Graph())
    for p in paths:
        g.parse(p, format="turtle")
    return g


def _copy(src: Graph) -> Graph:
    g = _bind(Graph())
    for t in src:
        g.add(t)
    return g


def load_ontology(directory: Path | None = None) -> Graph:
    """All ontology modules merged into one new graph (the caller may change it freely).

    A module's ``owl:imports`` of another module (e.g. constraints.ttl importing the core)
    is dropped from the merge: the imported triples are already there, and OWL tools
    would otherwise try to fetch the w3id.org IRI over the network.
    """
    g = _copy(_parsed(tuple(module_paths(directory))))
    merged = set(g.subjects(RDF.type, OWL.Ontology)) | set(g.objects(None, OWL.versionIRI))
    for s, o in list(g.subject_objects(OWL.imports)):
        if o in merged:
            g.remove((s, OWL.imports, o))
    return g


def load_shapes(directory: Path | None = None) -> Graph:
    """The SHACL shapes graph (a new graph)."""
    d = directory or ontology_dir()
    return _copy(_parsed((d / SHAPES_FILE,)))


# --- RDF/XML rendering ---------------------------------------------------------------------
def _sort_key(triple: tuple[Node, Node, Node]) -> tuple[str, ...]:
    return tuple(f"{type(n).__name__}:{n}" for n in triple)


def _shallow(g: Graph, b: BNode) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(p), "" if isinstance(o, BNode) else str(o)) for p, o in g.predicate_objects(b)))


def _relabel_bnodes(g: Graph) -> Graph:
    """Copy of ``g`` whose blank nodes are numbered in a depth-first walk from named nodes.

    Much cheaper than full canonicalization (rdflib.compare), and stable for ontology
    graphs, where blank nodes are restrictions, lists and axioms hanging off named terms.
    """
    names: dict[BNode, BNode] = {}

    def key(po: tuple[Node, Node]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        p, o = po
        if isinstance(o, BNode):
            return (str(p), "", _shallow(g, o))
        return (str(p), f"{type(o).__name__}:{o}", ())

    def visit(b: BNode) -> None:
        stack = [b]
        while stack:
            node = stack.pop()
            if node in names:
                continue
            names[node] = BNode(f"b{len(names) + 1}")
            children = [o for _, o in sorted(g.predicate_objects(node), key=key) if isinstance(o, BNode)]
            stack.extend(reversed(children))

    for s in sorted({s for s in g.subjects() if not isinstance(s, BNode)}, key=str):
        for _, o in sorted(g.predicate_objects(s), key=key):
            if isinstance(o, BNode):
                visit(o)
    for b in sorted({s for s in g.subjects() if isinstance(s, BNode)}, key=lambda b: _shallow(g, b)):
        visit(b)  # blank-node roots, e.g. owl:AllDisjointClasses axioms
    out = Graph()
    for t in g:
        out.add(tuple(names.get(n, n) if isinstance(n, BNode) else n for n in t))  # type: ignore[arg-type]
    return out


class _SortedGraph(Graph):
    """A graph that yields triples in a stable order, so serializers write stable files."""

    def triples(self, triple, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        yield from sorted(super().triples(triple, *args, **kwargs), key=_sort_key)


def _sort_namespace_lines(xml: str) -> str:
    # The RDF/XML writer declares namespaces in set order; sort them to keep the file stable.
    head, sep, rest = xml.partition("<rdf:RDF\n")
    decls, close, body = rest.partition("\n>\n")
    if not sep or not close:
        return xml
    return head + sep + "\n".join(sorted(decls.split("\n"))) + close + body


def render_owl(directory: Path | None = None) -> str:
    """RDF/XML rendering of the merged ontology modules (what ``ontology/kg.owl`` holds).

    The output is stable: rendering an unchanged ontology again gives the same text, so
    diffs of kg.owl show only real changes.
    """
    out = _bind(_SortedGraph())
    # Stable blank-node labels: the writer prints them, and parse-time labels are random.
    out += _relabel_bnodes(load_ontology(directory))
    with warnings.catch_warnings():
        # pretty-xml warns that it writes rdf:List nodes as parseType="Collection"; that
        # is what we want (it round-trips, a test checks it).
        warnings.simplefilter("ignore", UserWarning)
        xml = out.serialize(format="pretty-xml")
    return _sort_namespace_lines(xml)


def write_owl(path: Path | None = None, directory: Path | None = None) -> Path:
    """Write :func:`render_owl` to ``path`` (default: ``ontology/kg.owl``) and return it."""
    target = path or (directory or ontology_dir()) / OWL_FILE
    target.write_text(render_owl(directory), encoding="utf-8")
    return target


# --- SHACL validation ----------------------------------------------------------------------
class ValidationResult(NamedTuple):
    """One SHACL result: the offending node, the property path (None for node-level), why."""

    focus: Node
    path: Node | None
    message: str


@dataclass
class ValidationReport:
    """Outcome of :func:`validate`.

    ``conforms`` is False exactly when there is a violation; ``results`` lists the
    violations, ``warnings`` the results of lesser severity (which do not break
    conformance), ``text`` is pySHACL's human-readable report.
    """

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    text: str = ""
    warnings: list[ValidationResult] = field(default_factory=list)


def _flatten(data: Graph) -> Graph:
    # pySHACL validates each named graph of a dataset on its own, but a trial's facts and
    # its provenance may sit in different graphs: validate their union instead.
    if isinstance(data, (Dataset, ConjunctiveGraph)):
        flat = Graph()
        flat.addN((s, p, o, flat) for s, p, o, _ in data.quads((None, None, None, None)))
        return flat
    return data


@contextmanager
def _with_hierarchy(data: Graph, hierarchy: Graph) -> Iterator[Graph]:
    """``data`` plus the class hierarchy, for the duration of the block.

    Copying a large graph costs more than validating it (rdflib adds ~50 us a triple),
    so the few hundred hierarchy triples are added to ``data`` itself and removed again
    afterwards; a graph that cannot be changed is copied instead.
    """
    added = [t for t in hierarchy if t not in data]
    try:
        for t in added:
            data.add(t)
    except Exception:  # noqa: BLE001 - read-only store: fall back to a copy
        copy = Graph()
        copy.addN((s, p, o, copy) for s, p, o in data)
        copy.addN((s, p, o, copy) for s, p, o in hierarchy)
        yield copy
        return
    try:
        yield data
    finally:
        for t in added:
            data.remove(t)


def _results(report: Graph) -> Iterable[tuple[Node, ValidationResult]]:
    for r in report.subjects(RDF.type, _SH.ValidationResult):
        focus = report.value(r, _SH.focusNode)
        path = report.value(r, _SH.resultPath)
        messages = [str(m) for m in report.objects(r, _SH.resultMessage)]
        severity = report.value(r, _SH.resultSeverity)
        value = report.value(r, _SH.value)
        msg = "; ".join(sorted(messages)) or str(report.value(r, _SH.sourceConstraintComponent))
        if isinstance(value, Literal) and len(str(value)) < 80:
            msg += f" (value: {str(value)!r})"
        yield severity, ValidationResult(focus, path, msg)


@functools.lru_cache(maxsize=4)
def _class_hierarchy(paths: tuple[Path, ...]) -> Graph:
    # Only the named-class hierarchy matters to sh:targetClass and sh:class; mixing the
    # whole ontology into every data graph made validation several times slower.
    g = Graph()
    for s, o in _parsed(paths).subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            g.add((s, RDFS.subClassOf, o))
    return g


def validate(data_graph: Graph, *, shapes: Graph | None = None) -> ValidationReport:
    """Check ``data_graph`` against the kg shapes; report, never raise.

    The ontology's class hierarchy (``rdfs:subClassOf`` between named classes) is in view
    during validation so that ``sh:targetClass`` and ``sh:class`` see subclasses (a
    ``kg:InclusionCriterion`` is a ``kg:EligibilityCriterion``); no RDFS/OWL inference
    runs, which keeps it fast. ``data_graph`` is left as it was found. A
    :class:`~rdflib.Dataset` is validated as the union of its graphs.
    """
    import pyshacl  # imported here: it is slow to import and most callers never validate

    shapes_graph = shapes if shapes is not None else _parsed((ontology_dir() / SHAPES_FILE,))
    try:
        with _with_hierarchy(_flatten(data_graph), _class_hierarchy(tuple(module_paths()))) as data:
            _conforms, report, text = pyshacl.validate(
                data,
                shacl_graph=shapes_graph,
                inference="none",
                inplace=True,  # no copy: with inference off pySHACL only reads the data
                allow_warnings=True,
                abort_on_first=False,
            )
    except Exception as exc:  # noqa: BLE001 - the caller decides what a failure means
        msg = f"SHACL validation could not run: {type(exc).__name__}: {exc}"
        return ValidationReport(False, [ValidationResult(URIRef(vocab.BASE), None, msg)], msg)
    violations: list[ValidationResult] = []
    lesser: list[ValidationResult] = []
    for severity, res in _results(report):
        (violations if severity == _SH.Violation else lesser).append(res)
    key = lambda r: (str(r.focus), str(r.path), r.message)  # noqa: E731
    return ValidationReport(not violations, sorted(violations, key=key), str(text), sorted(lesser, key=key))


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.graph.ontology [PATH]``: write kg.owl (default ontology/kg.owl)."""
    args = sys.argv[1:] if argv is None else argv
    target = write_owl(Path(args[0]) if args else None)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
