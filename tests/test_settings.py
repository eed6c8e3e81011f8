"""kg.settings is the one reader of kg's environment variables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg import settings
from kg.ingest.sources import ZipLimits
from kg.query.guard import AllowList
from kg.query.limits import resolve_timeout

SRC = Path(__file__).resolve().parents[1] / "src" / "kg"


def test_callers_read_their_variables_through_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_QUERY_TIMEOUT", " 7 ")
    monkeypatch.setenv("KG_ALLOW", "http://a.example/ http://b.example/")
    monkeypatch.setenv("KG_ZIP_MEMBER_LIMIT", "1M")
    monkeypatch.setenv("KG_STORE", "/somewhere/store")
    assert resolve_timeout(None) == 7.0
    assert AllowList.from_env("http://c.example/").prefixes == ("http://a.example/", "http://b.example/",
                                                                "http://c.example/")
    assert ZipLimits.from_env().member == 1 << 20
    assert settings.store_dir() == "/somewhere/store"
    monkeypatch.setenv("KG_STORE", "  ")
    assert settings.store_dir() == settings.DEFAULT_STORE  # blank is unset


def test_unknown_names_are_refused() -> None:
    with pytest.raises(KeyError):
        settings.get("KG_NO_SUCH_THING", {})


def test_every_kg_variable_the_code_names_is_a_setting() -> None:
    named = set()
    for path in SRC.rglob("*.py"):
        named |= set(re.findall(r"[\"'](KG_[A-Z][A-Z_]*[A-Z])[\"']", path.read_text(encoding="utf-8")))
    assert named - set(settings.VARIABLES) == set(), "add it to kg.settings.VARIABLES"
