"""An in-memory rdflib Dataset with the same interface as the Oxigraph store.

For small work, notebooks and tests that want the rdflib API end to end. Queries run on
rdflib's own SPARQL engine (slow at scale: use :class:`~kg.store.oxigraph.OxigraphStore`
for anything beyond a few hundred trials).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from decimal import Decimal

from rdflib import XSD, Dataset, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from kg import vocab as V
from kg.errors import QueryError
from kg.store.oxigraph import GraphChange


class MemoryStore:
    """A kg graph store held in an rdflib Dataset (default graph = union of named graphs)."""

    path = None

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)
        for prefix, ns in V.PREFIXES.items():
            self.dataset.bind(prefix, ns)

    def replace_graph(self, graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> GraphChange:
        ctx = self.dataset.graph(graph)
        new = set(triples)
        old = set(ctx)
        for t in old - new:
            ctx.remove(t)
        for t in new - old:
            ctx.add(t)
        return GraphChange(len(new - old), len(old - new))

    def graph_value(self, graph: URIRef, predicate: URIRef) -> str | None:
        value = self.dataset.graph(graph).value(graph, predicate)
        return None if value is None else str(value)

    def drop_graph(self, graph: URIRef) -> int:
        ctx = self.dataset.graph(graph)
        n = len(ctx)
        self.dataset.remove_graph(ctx)
        return n

    def graphs(self) -> list[URIRef]:
        return sorted(g.identifier for g in self.dataset.graphs() if isinstance(g.identifier, URIRef)
                      and len(g) and g.identifier != URIRef("urn:x-rdflib:default"))

    def triples(self, graph: URIRef | None = None) -> Iterator[tuple[Node, Node, Node]]:
        source = self.dataset.graph(graph) if graph is not None else self.dataset
        yield from source.triples((None, None, None))

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))

    def graph(self, graph: URIRef | None = None) -> Graph:
        out = Graph()
        for t in self.triples(graph):
            out.add(t)
        return out

    def query(self, sparql: str, bindings: dict[str, Node] | None = None) -> Result:
        try:
            return self.dataset.query(sparql, initNs=dict(V.PREFIXES), initBindings=bindings or {})
        except Exception as exc:  # rdflib raises pyparsing and assorted errors
            raise QueryError(f"query failed: {exc}") from exc

    def rows(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """Rows of an internal SELECT as plain strings (see OxigraphStore.rows)."""
        for row in self.query(sparql):
            yield tuple(None if t is None else str(t) for t in row)  # type: ignore[union-attr]

    def replace_graph_quads(self, graph: URIRef, triples: Iterable[tuple[str, str, object]]) -> GraphChange:
        """Plain-string triples (see OxigraphStore.replace_graph_quads)."""
        def obj(o: object) -> Node:
            if isinstance(o, (URIRef, Literal)):
                return o
            if isinstance(o, float):
                return Literal(Decimal(str(o)).normalize(), datatype=XSD.decimal)
            return Literal(o)

        change = self.replace_graph(graph, ((URIRef(s_), URIRef(p_), obj(o_)) for s_, p_, o_ in triples))
        # Named queries read a derived graph through its pointer (decision 0013); this store
        # replaces a graph in place, so the pointer names the graph itself.
        self.dataset.graph(V.POINTER_GRAPH).set((graph, V.currentGraph, graph))
        return change

    def drop_fingerprint(self, graph: URIRef) -> None:
        self.dataset.graph(graph).remove((graph, V.buildFingerprint, None))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
