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
