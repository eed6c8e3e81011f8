"""The graph view of RDF: an rdflib Graph as a networkx MultiDiGraph of labelled, typed nodes.

Every IRI or blank node that a triple links becomes a node carrying its ``label``, its
``curie``, its ``iri``, its primary ``type`` and all its ``types``; every literal becomes an
attribute of its subject node (keyed by the predicate's CURIE), never a node. Every triple
between two nodes becomes an edge carrying the predicate as ``label`` (its local name),
``curie`` and ``iri``. An ``rdf:type`` triple is an edge only when the view describes the
class itself (a drug class in the drug map, every class in the whole graph); otherwise the
class is just the node's type.

>>> from rdflib import Graph, Literal, URIRef
>>> from rdflib.namespace import RDF, RDFS
>>> from kg import vocab as V
>>> g = Graph()
>>> t = V.trial_iri("NCT00000001")
>>> _ = g.add((t, RDF.type, V.Trial)).add((t, V.nctId, Literal("NCT00000001")))
>>> _ = g.add((t, V.studiesCondition, V.condition_iri("Lupus")))
>>> nxg = to_networkx(g)
>>> nxg.number_of_nodes(), nxg.number_of_edges()
(2, 1)
>>> nxg.nodes[str(t)]["label"], nxg.nodes[str(t)]["type"], nxg.nodes[str(t)]["kg:nctId"]
('NCT00000001', 'kg:Trial', 'NCT00000001')
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from kg import vocab as V

#: Separator of several values of one property in a node attribute (GraphML/GEXF hold strings).
MULTI_SEP = " | "

#: Node types shown in preference to others, most specific kinds first.
TYPE_PRIORITY: tuple[URIRef, ...] = (
    V.KG.Conflict,
    V.KG.Comparability,
    V.Trial,
    V.Arm,
    V.BackgroundTherapy,
    V.Intervention,
    V.Drug,
    V.DrugClass,
    V.MechanismOfAction,
    V.MolecularTarget,
    V.Condition,
    V.InclusionCriterion,
    V.ExclusionCriterion,
    V.EligibilityCriterion,
    V.Organization,
    V.Site,
    V.Outcome,
    V.Publication,
    V.SourceRecord,
)

#: Properties naming a node, best first (a trial is best known by its NCT ID).
LABEL_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.prefLabel,
    RDFS.label,
    V.title,
    V.geneSymbol,
    V.text,
    V.recordId,
)

_LABEL_MAX = 80


def curie(term: Node) -> str:
    """Short form of an IRI with kg's prefixes (the IRI itself when no prefix fits).

    >>> curie(URIRef("https://w3id.org/kg/ontology#hasArm"))
    'kg:hasArm'
    >>> curie(URIRef("http://example.org/x"))
    'http://example.org/x'
    """
    if isinstance(term, BNode):
        return f"_:{term}"
    s = str(term)
    best, out = "", s
    for prefix, ns in V.PREFIXES.items():
        if s.startswith(str(ns)) and len(str(ns)) > len(best):
            best, out = str(ns), f"{prefix}:{s[len(str(ns)):]}"
    return out


def local_name(term: Node) -> str:
    """The last segment of an IRI (after ``#`` or ``/``): how an edge is labelled.

    >>> local_name(URIRef("https://w3id.org/kg/ontology#hasArm"))
    'hasArm'
    """
    s = str(term)
    for sep in ("#", "/"):
        if sep in s.rstrip(sep):
            s = s.rstrip(sep).rsplit(sep, 1)[1]
            break
    return s or str(term)


def node_id(term: Node) -> str:
    """The id of a node: its full IRI, or ``_:`` and the blank node's id."""
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _primary_type(types: set[URIRef]) -> str:
    for t in TYPE_PRIORITY:
        if t in types:
            return curie(t)
    kg_types = sorted(str(t) for t in types if str(t).startswith(str(V.KG)))
    if kg_types:
        return curie(URIRef(kg_types[0]))
    if types:
        return curie(sorted(types, key=str)[0])
    return "rdfs:Resource"


def _label(term: Node, literals: dict[URIRef, list[Literal]], types: set[URIRef]) -> str:
    if V.Trial in types and literals.get(V.nctId):
        return str(min(literals[V.nctId]))
    for prop in LABEL_PROPERTIES:
        values = literals.get(prop)
        if values:
            english = [v for v in values if v.language in (None, "en")] or values
            text = " ".join(str(min(english, key=str)).split())
            return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1] + "…"
    return local_name(term) if isinstance(term, URIRef) else f"_:{term}"


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """The graph view of ``graph`` (see the module docstring); deterministic node and edge order."""
    subjects = {s for s in graph.subjects() if not isinstance(s, Literal)}
    literals: dict[Node, dict[URIRef, list[Literal]]] = defaultdict(lambda: defaultdict(list))
    types: dict[Node, set[URIRef]] = defaultdict(set)
    nodes: set[Node] = set(subjects)
    edges: list[tuple[Node, URIRef, Node]] = []
    for s, p, o in graph:
        if isinstance(o, Literal):
            literals[s][p].append(o)  # type: ignore[index]
            continue
        if p == RDF.type:
            types[s].add(o)  # type: ignore[arg-type]
            if o not in subjects:
                continue
        nodes.add(o)
        edges.append((s, p, o))  # type: ignore[arg-type]

    out = nx.MultiDiGraph()
    for term in sorted(nodes, key=node_id):
        lits = literals.get(term, {})
        attrs: dict[str, object] = {
            "label": _label(term, lits, types.get(term, set())),
            "curie": curie(term),
            "iri": node_id(term),
            "type": _primary_type(types.get(term, set())),
            "types": MULTI_SEP.join(sorted(curie(t) for t in types.get(term, set()))),
        }
        for prop in sorted(lits, key=str):
            attrs[curie(prop)] = MULTI_SEP.join(sorted({str(v) for v in lits[prop]}))
        out.add_node(node_id(term), **attrs)
    conflict_type = curie(V.KG.Conflict)
    for s, p, o in sorted(edges, key=lambda e: (node_id(e[0]), str(e[1]), node_id(e[2]))):
        sid, oid = node_id(s), node_id(o)
        is_conflict = conflict_type in (out.nodes[sid]["type"], out.nodes[oid]["type"])
        out.add_edge(sid, oid, key=curie(p), label=local_name(p), curie=curie(p), iri=str(p), conflict=is_conflict)
    return out
