"""The parallel build (worker processes, bulk loading) writes the very quads the serial build writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.graph import parallel
from kg.graph.pipeline import build, demo_sources
from kg.model import TrialRecord
from kg.ingest.sources import read_sources
from kg.store.oxigraph import OxigraphStore
from tests.conftest import FIXTURES, shared_path


@pytest.fixture(autouse=True)
def _workers_even_for_few_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests build a few records: the workers must run even so."""
    monkeypatch.setattr(parallel, "MIN_RECORDS", 0)
    monkeypatch.setattr(parallel, "TASK_RECORDS", 4)


def _quads(store: OxigraphStore) -> set[str]:
    return {str(q) for q in store._store}


def _sources(tmp: Path) -> Path:
    """Fixtures of every format (a text fragment of a page included, so identity needs whole
    records), the demo records (secondary to nothing, primary to the seed pages), a few real
    records of both registry formats, and one record given twice."""
    src = tmp / "src"
    shutil.copytree(FIXTURES / "ctgov", src / "ctgov")
    shutil.copytree(FIXTURES / "text", src / "text")
    shutil.copytree(demo_sources()[0], src / "demo")
    for sub, pattern in (("api_v2", "*.json"), ("legacy_xml", "*.xml")):
        files = sorted(shared_path("data", "ctgov", sub, "studies").glob(pattern))[:6]
        (src / sub).mkdir()
        for f in files:
            shutil.copy(f, src / sub / f.name)
    first = sorted((src / "api_v2").glob("*.json"))[0]
    (src / "again").mkdir()
    shutil.copy(first, src / "again" / first.name)
    return src


def _change_one(src: Path) -> None:
    """Edit one real record (title and one criterion): its stored graph must be diffed."""
    path = sorted((src / "api_v2").glob("*.json"))[1]
    data = json.loads(path.read_text())
    study = data[0] if isinstance(data, list) else data
    ident = study["protocolSection"]["identificationModule"]
    ident["briefTitle"] = ident.get("briefTitle", "") + " (edited)"
    elig = study["protocolSection"].setdefault("eligibilityModule", {})
    elig["eligibilityCriteria"] = (elig.get("eligibilityCriteria") or "") + "\n* Prior rituximab within 6 months"
    path.write_text(json.dumps(data))


def _two_builds(tmp: Path, src: Path, workers: int) -> tuple[set[str], list[dict[str, object]]]:
    store = OxigraphStore(tmp / f"store-{workers}")
    summaries = []
    # First a part, then everything with one record changed: new graphs and replaced ones.
    summaries.append(build([src / "api_v2", src / "text"], store, shared_graphs=False, workers=workers).as_dict())
    edited = tmp / f"edited-{workers}"
    shutil.copytree(src, edited)
    _change_one(edited)
    summaries.append(build([edited], store, shared_graphs=False, workers=workers).as_dict())
    quads = _quads(store)
    store.close()
    for s in summaries:
        s.pop("report")
    return quads, summaries


def test_parallel_build_writes_the_same_quads_as_the_serial_build(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    serial, serial_summaries = _two_builds(tmp_path, src, workers=1)
    par, par_summaries = _two_builds(tmp_path, src, workers=2)
    assert len(serial) > 1000
    assert serial_summaries[1]["triples_removed"], "the edited record was not diffed"
    assert par == serial
    assert par_summaries == serial_summaries


def test_a_few_records_take_the_serial_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_RECORDS", 200)

    def no_workers(*_a: object, **_k: object) -> object:
        raise AssertionError("workers started for a few records")

    monkeypatch.setattr(parallel, "made_in_parallel", no_workers)
    store = OxigraphStore(tmp_path / "s")
    s = build([FIXTURES / "ctgov"], store, shared_graphs=False, workers=2)
    assert s.trials == 5


def test_stub_keeps_what_identity_reads_and_pack_round_trips() -> None:
    records = [r for r in read_sources([FIXTURES / "ctgov"]) if isinstance(r, TrialRecord)]
    assert records
    for rec in records:
        assert parallel.unpack(parallel.pack(rec)) == rec
        s = parallel.stub(rec)
        assert (s.nct_id, s.title, s.official_title, s.source) == (rec.nct_id, rec.title, rec.official_title, rec.source)
        assert not s.eligibility.criteria and not s.arms
        assert len(parallel.pack(s)) < len(parallel.pack(rec))


def test_made_in_parallel_keeps_job_order() -> None:
    records = [r for r in read_sources([FIXTURES / "ctgov"]) if isinstance(r, TrialRecord)]
    jobs = [parallel.Job(i, parallel.pack(r), r.nct_id or f"x-{i}", "nct-id", None, "fp", False)
            for i, r in enumerate(records * 3)]
    calls: list[int] = []
    made = list(parallel.made_in_parallel(jobs, workers=2, window=2, forked=lambda: calls.append(1)))
    assert calls == [1]  # once the workers exist, so a thread it starts is never forked mid-import
    assert [m.index for m in made] == list(range(len(jobs)))
    assert all(m.error is None and m.quads > 20 for m in made)
    # The text is a function of the graph: the same record gives the same text in any worker.
    assert made[0].nquads == made[len(records)].nquads


@pytest.mark.parametrize("value,expected", [("4", 4), ("1", 1), ("0", 1), ("x", None)])
def test_workers_from_env(value: str, expected: int | None) -> None:
    got = parallel.workers_from_env({parallel.WORKERS_ENV: value})
    assert got == (expected if expected is not None else parallel.workers_from_env({}))


def test_shared_graphs_made_beside_the_records_are_the_serial_ones(tmp_path: Path) -> None:
    quads = []
    for workers in (1, 2):
        store = OxigraphStore(tmp_path / f"s{workers}")
        build(None, store, compare=False, workers=workers)
        quads.append(_quads(store))
        store.close()
    assert len(quads[0]) > 5000
    assert quads[1] == quads[0]
