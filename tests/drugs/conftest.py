"""Shared fixtures: the catalogue graph and its HermiT-inferred triples (computed once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.fixture(scope="session")
def catalogue() -> Graph:
    from kg.drugs.rdf import catalogue_graph

    return catalogue_graph()


@pytest.fixture(scope="session")
def inferred(catalogue: Graph) -> Graph:
    from kg.drugs.reasoning import infer

    return infer(catalogue)


@pytest.fixture(scope="session")
def merged(catalogue: Graph, inferred: Graph) -> Graph:
    g = Graph()
    for t in catalogue:
        g.add(t)
    for t in inferred:
        g.add(t)
    return g


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared data folder not available")
    return SHARED.resolve()
