"""The examples in the kg.link modules' docstrings run and hold."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from kg.link import linker, prefixes, sssom


@pytest.mark.parametrize("module", [linker, prefixes, sssom], ids=lambda m: m.__name__)
def test_doctests(module: ModuleType) -> None:
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0 and attempted > 0
