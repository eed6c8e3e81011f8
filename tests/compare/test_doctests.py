"""The examples in the comparison and query modules' docstrings run and hold."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from kg.compare import conflicts, facts
from kg.query import binding, limits, named, params


@pytest.mark.parametrize("module", [conflicts, facts, binding, limits, named, params], ids=lambda m: m.__name__)
def test_doctests(module: ModuleType) -> None:
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
