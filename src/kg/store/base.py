"""The Store contract: what every kg graph store answers, embedded or behind an HTTP endpoint.

The query layer (:mod:`kg.query`: guard, parameter binding, time limits, named queries)
reads a store only through these methods, so a named query runs the same on the embedded
Oxigraph store, the in-memory rdflib store and a remote SPARQL endpoint
(:class:`kg.store.endpoint.EndpointStore`). Writing (``replace_graph`` and friends) is the
build's business and is not part of the contract: an endpoint is read through SPARQL and
filled by :mod:`kg.push`.

>>> from kg.store.memory import MemoryStore
>>> isinstance(MemoryStore(), Store)
True
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from rdflib import URIRef
from rdflib.query import Result
from rdflib.term import Node


@runtime_checkable
class Store(Protocol):
    """A readable kg graph: SPARQL over the union of its named graphs, and a few counts."""

    #: Where the store lives on disk; None for one held in memory or on another host.
    path: Path | None

    def query(self, sparql: str, bindings: dict[str, Node] | None = None) -> Result:
        """Run a SELECT, ASK or CONSTRUCT over the union of all named graphs (kg's prefixes
        predeclared); ``bindings`` bind variables to terms through a VALUES block
        (:func:`kg.store.values.inject_values`), never as text."""
        ...

    def rows(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """An internal SELECT's rows as plain strings (IRIs, lexical forms; None unbound)."""
        ...

    def graph_value(self, graph: URIRef, predicate: URIRef) -> str | None:
        """The value of ``<graph> predicate ?v`` stated inside that graph (e.g. its fingerprint)."""
        ...

    def graphs(self) -> list[URIRef]:
        """The named graphs that hold kg's data, sorted."""
        ...

    def __len__(self) -> int:
        """How many quads the store holds."""
        ...

    def close(self) -> None:
        ...


__all__ = ["Store"]
