"""The examples in the export modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["kg.export.graphview", "kg.export.formats", "kg.export.style", "kg.export.html"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
