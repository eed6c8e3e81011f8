"""Docstring examples are run by pytest itself (--doctest-modules over src/kg), and none silently vanish."""

from __future__ import annotations

import doctest
import importlib
import tomllib

import pytest

from tests.conftest import REPO

# Modules whose examples the hand-written doctest runners used to count (they asserted "attempted > 0");
# the examples still document these modules, so losing all of a module's examples is a failure.
DOCUMENTED = [
    "kg.compare.conflicts", "kg.compare.facts", "kg.criteria.constraints", "kg.criteria.lexicon",
    "kg.criteria.mentions", "kg.criteria.parse", "kg.criteria.units", "kg.export.formats",
    "kg.export.graphview", "kg.export.html", "kg.export.style", "kg.ingest.ctgov_common",
    "kg.ingest.ctgov_json", "kg.ingest.ctgov_xml", "kg.ingest.rdf_files", "kg.link.linker",
    "kg.link.prefixes", "kg.link.sssom", "kg.query.binding", "kg.query.limits", "kg.query.named",
    "kg.query.params", "kg.store.tsv",
]


def test_pytest_collects_the_package_docstrings() -> None:
    options = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in options["addopts"].split()
    assert "--strict-markers" in options["addopts"].split()
    assert "src/kg" in options["testpaths"]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_module_keeps_its_examples(name: str) -> None:
    tests = doctest.DocTestFinder().find(importlib.import_module(name))
    assert sum(len(t.examples) for t in tests) > 0
