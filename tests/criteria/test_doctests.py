"""The examples in the criteria modules' docstrings run and hold."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from kg.criteria import constraints, lexicon, mentions, parse, units


@pytest.mark.parametrize("module", [constraints, lexicon, mentions, parse, units], ids=lambda m: m.__name__)
def test_doctests(module: ModuleType) -> None:
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0
