"""Shared test fixtures: where the shared real data lives, and a store built from the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the shared folder is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture(scope="session", autouse=True)
def _shared_graphs_made_once():  # type: ignore[no-untyped-def]
    """In-process builds reuse the shared graphs the first one made (ontology, mappings,
    conditions, the drug catalogue and the reasoner's inferences, skolemized).

    They are a function of kg's code and data alone (the build stores them under the code's
    fingerprint), and making them is most of a small build: the reasoner alone takes 5-12 s.
    Each build still gets its own copy and writes it; builds in other processes (the console
    script, the determinism tests) make their own."""
    from rdflib import Graph

    from kg.graph import pipeline

    original = getattr(pipeline, "_shared_graphs", None)
    if original is None:  # the pipeline changed shape: every build makes its own
        yield
        return
    made: dict[object, Graph] = {}

    def once(iri, make):  # type: ignore[no-untyped-def]
        def copy() -> Graph:
            if iri not in made:
                made[iri] = pipeline.skolemize(make())
            graph = Graph()
            graph += made[iri]  # the build adds its fingerprint to the graph it is given
            return graph
        return copy

    pipeline._shared_graphs = lambda: {iri: once(iri, make) for iri, make in original().items()}
    yield
    pipeline._shared_graphs = original


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    """An on-disk Oxigraph store built once from the embedded demo dataset."""
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore

    path = tmp_path_factory.mktemp("demo") / "store"
    store = OxigraphStore(path)
    summary = build(None, store)
    assert not summary.quarantined, summary.quarantined
    store.close()
    # Queried read-only, as `kg query` does: no storage threads are busy when a query forks.
    store = OxigraphStore(path, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def seeds_store(tmp_path_factory: pytest.TempPathFactory):
    """A store built from the five source documents in ../shared/seeds."""
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore

    seeds = shared_path("seeds")
    path = tmp_path_factory.mktemp("seeds") / "store"
    store = OxigraphStore(path)
    summary = build([seeds], store)
    store.close()
    store = OxigraphStore(path, read_only=True)  # as `kg query` opens it
    store.summary = summary  # type: ignore[attr-defined]
    yield store
    store.close()


@pytest.fixture(scope="session")
def ctgov_store(tmp_path_factory: pytest.TempPathFactory):
    """A store built from all 1,855 shared ClinicalTrials.gov records (built once per run)."""
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore

    src = shared_path("data", "ctgov")
    store = OxigraphStore(tmp_path_factory.mktemp("ctgov") / "store")
    # The record-level tests that use this store do not read the comparisons, and comparing
    # all 1,855 trials is measured by benchmarks, not by every test run.
    store.summary = build([src], store, compare=False)  # type: ignore[attr-defined]
    store.source = src  # type: ignore[attr-defined]
    yield store
    store.close()
