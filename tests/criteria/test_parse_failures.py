"""A criterion whose parse raises is counted and logged, and a parse worker hands it back."""

from __future__ import annotations

import logging

import pytest

from kg.criteria import parse, rdf


def _boom(text: str, polarity: str, scope: str | None = None) -> list:
    raise ValueError("broken rule")


def test_a_failing_parse_is_counted_and_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    parse.reset_parse_failures()
    monkeypatch.setattr(parse, "_parse", _boom)
    with caplog.at_level(logging.WARNING, logger="kg.criteria.parse"):
        assert parse.parse_criterion("Age 18 to 70 years", "inclusion") == []
    assert parse.parse_failures() == 1
    assert "ValueError" in caplog.text


def test_a_parse_worker_leaves_a_failing_text_to_the_in_place_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "_parse", _boom)
    rdf._template.cache_clear()
    try:
        assert rdf._templates([("A text no other test parses 1234", "inclusion", None)]) == [None]
    finally:
        rdf._template.cache_clear()
