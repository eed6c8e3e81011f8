"""Shared test fixtures: where the shared real data lives, and the stores the tests read.

Each store is built once per run (session scope); the tests that share one leave it as it is. The
1,855-record store is built in a background process from the start of the run, and in-process
builds share the graphs every build makes alike (ontology, drug layer, reasoner's inferences)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
# Run by the kgx environment's own Python, never imported here (its imports exist only there).
collect_ignore = ["export/kgx_validate.py"]

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


#: Builds the 1,855-record store in its own process. Without the comparisons: the tests that
#: read it do not use them, and comparing all 1,855 trials is measured by benchmarks.
_CTGOV_BUILD = r"""
import os, pickle, sys
os.nice(5)  # the tests running meanwhile go first (not starving it on a busy machine either)
from kg.graph import pipeline
from kg.graph.pipeline import build
from kg.store.oxigraph import OxigraphStore
store_dir, src, out, code = sys.argv[1:]
pipeline._CODE_FINGERPRINT = code  # the test run's: a file edited meanwhile must not make every record differ
with OxigraphStore(store_dir) as store:
    summary = build([src], store, compare=False)
with open(out, "wb") as fh:
    pickle.dump(summary, fh)
"""


@pytest.hookimpl(trylast=True)  # after -m/-k have deselected: start only for tests that will run
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start building the shared ClinicalTrials.gov store at once, in a background process, and
    run the tests that read it last: the build (minutes) overlaps the rest of the run instead of
    adding to it."""
    users = [item for item in items if "ctgov_store" in getattr(item, "fixturenames", ())]
    src = SHARED / "data" / "ctgov"
    if not users or config.option.collectonly or not src.exists():
        return
    items[:] = [item for item in items if item not in users] + users
    import subprocess
    import sys
    import tempfile

    from kg.children import preexec
    from kg.graph.pipeline import code_fingerprint

    work = Path(tempfile.mkdtemp(prefix="kg-ctgov-store-"))
    log = open(work / "build.log", "wb")  # noqa: SIM115  (closed with the run)
    proc = subprocess.Popen([sys.executable, "-c", _CTGOV_BUILD, str(work / "store"), str(src),
                             str(work / "summary.pickle"), code_fingerprint()], stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=preexec())  # dies with the test run
    config.stash[_CTGOV] = (proc, work, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_CTGOV, None)
    if started is not None:
        proc, work, log = started
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


_CTGOV = pytest.StashKey[tuple]()  # type: ignore[type-arg]


@pytest.fixture(scope="session")
def ctgov_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A store built from all 1,855 shared ClinicalTrials.gov records (built once per run, in the
    background from the start of the run when collection saw a test using it)."""
    import pickle

    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore

    src = shared_path("data", "ctgov")
    started = request.config.stash.get(_CTGOV, None)
    if started is not None:
        proc, work, _log = started
        if proc.wait() != 0:
            pytest.fail(f"building the shared records failed:\n{(work / 'build.log').read_text()[-3000:]}")
        store = OxigraphStore(work / "store")
        store.summary = pickle.loads((work / "summary.pickle").read_bytes())  # type: ignore[attr-defined]
    else:
        store = OxigraphStore(tmp_path_factory.mktemp("ctgov") / "store")
        # The record-level tests that use this store do not read the comparisons, and comparing
        # all 1,855 trials is measured by benchmarks, not by every test run.
        store.summary = build([src], store, compare=False)  # type: ignore[attr-defined]
    store.source = src  # type: ignore[attr-defined]
    yield store
    store.close()
