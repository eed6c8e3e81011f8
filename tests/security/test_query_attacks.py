"""The attack corpus (benchmarks/attack_corpus.py), reduced but representative, on every change.

Each family (SERVICE, SERVICE bound by VALUES, FROM, FROM NAMED and nine update keywords)
runs with every token boundary, every target spelling and every wrapper at least once,
through kg sparql's library path against a listener on 127.0.0.1. What the guard lets
through is run again *with* the network kept, so a guard miss shows as a connection even
though the sandbox below it would have stopped it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "attack_corpus.py"


@pytest.fixture(scope="module")
def corpus() -> Any:
    spec = importlib.util.spec_from_file_location("attack_corpus", CORPUS)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["attack_corpus"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def listener(corpus):  # type: ignore[no-untyped-def]
    ln = corpus.Listener()
    yield ln
    ln.close()


@pytest.fixture(scope="module")
def figures(corpus, listener) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    variants = corpus.sample(corpus.generate(listener.port))
    return corpus.run_corpus(variants, listener)


def test_the_corpus_is_large_and_covers_every_family(corpus) -> None:  # type: ignore[no-untyped-def]
    variants = corpus.generate(1)
    assert len(variants) >= 1000
    families = {v.family for v in variants}
    assert families == set(corpus.REMOTE_FAMILIES) | set(corpus.UPDATE_FAMILIES)
    reduced = corpus.sample(variants)
    assert {(v.family, v.boundary) for v in reduced} == {(v.family, v.boundary) for v in variants}
    assert {(v.family, v.target) for v in reduced} == {(v.family, v.target) for v in variants}
    assert any("1SERVICE" in v.text for v in reduced)  # issue 19's bypass is in the CI part


def test_no_variant_connects_or_writes(figures: dict[str, Any]) -> None:
    assert figures["connections"] == 0, figures["connections_by_variant"][:3]
    assert figures["updates_applied"] == 0
    assert figures["quads_before_after"][0] == figures["quads_before_after"][1]


def test_every_refusal_is_one_line_and_every_family_is_refused(figures: dict[str, Any]) -> None:
    assert figures["multi_line_reasons"] == 0
    for family, counts in figures["families"].items():
        # what was not refused is malformed for the engine or a harmless name (ran, and connected nowhere
        # even with the network kept)
        assert counts["refused"] + counts.get("error", 0) + counts.get("ran", 0) == counts["variants"]
        assert counts.get("error", 0) <= counts["engine_rejected"], family
        assert counts["refused"] >= counts["variants"] - counts["engine_rejected"] - counts.get("ran", 0)
    assert figures["refused"] > 0.9 * figures["variants"]
    # real attacks: Oxigraph (in a child without network) tried to connect for some of the refused texts
    assert figures["refused_engine_calls_out"] > 0


def test_the_backstop_alone_connects_nowhere(corpus, listener) -> None:  # type: ignore[no-untyped-def]
    result = corpus.backstop(listener)
    assert result["connections"] == 0
    assert result["control_with_network_connections"] > 0  # the same queries do connect with a network


def test_controls_run_and_an_allowed_service_connects(corpus, listener) -> None:  # type: ignore[no-untyped-def]
    result = corpus.controls(listener)
    assert result["benign_ran"] == result["benign"]
    assert result["allowed_service_connections"] == 1
