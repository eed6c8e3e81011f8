"""Criteria parse failures in the build workers reach the build's count, as in the serial build."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.criteria import parse, rdf
from kg.graph import parallel
from kg.graph.pipeline import build
from kg.store.oxigraph import OxigraphStore
from tests.conftest import FIXTURES


def _boom(text: str, polarity: str, scope: str | None = None) -> list:
    raise ValueError("broken rule")


@pytest.fixture()
def failing_parser(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parse, "_parse", _boom)  # forked workers inherit the patch
    monkeypatch.setattr(parallel, "MIN_RECORDS", 0)
    monkeypatch.setattr(parallel, "TASK_RECORDS", 2)
    rdf._template.cache_clear()  # a cached template would skip the parse
    yield
    rdf._template.cache_clear()


def _failures(tmp: Path, workers: int) -> int:
    rdf._template.cache_clear()
    store = OxigraphStore(tmp / f"store-{workers}")
    try:
        return build([FIXTURES / "ctgov"], store, shared_graphs=False, compare=False,
                     workers=workers).criteria_parse_failures
    finally:
        store.close()


def test_worker_parse_failures_are_counted_as_in_the_serial_build(tmp_path: Path, failing_parser: None) -> None:
    serial = _failures(tmp_path, workers=1)
    assert serial > 0
    assert _failures(tmp_path, workers=2) == serial
