"""Fixtures for the linking tests: the shared ontology slices, loaded once per session."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import shared_path


def ontology_files(tmp: Path) -> list[Path]:
    """The shared ontology files, with the 93,600-row LOINC table cut to the codes and
    component names the criteria lexicon uses (the linker's behaviour on them is the same;
    it only saves the tests some seconds)."""
    from kg.criteria.lexicon import ANALYTES

    root = shared_path("data", "ontologies")
    files = [p for p in sorted(root.glob("*/*")) if p.suffix in (".obo", ".owl", ".tsv", ".csv")]
    files = [p for p in files if "subClassOf-anonymous" not in p.name]
    from kg.link.graph import curated_mappings

    codes = {a.loinc for a in ANALYTES if a.loinc}
    codes |= {m.object_id.removeprefix("LOINC:") for m in curated_mappings() if m.object_id.startswith("LOINC:")}
    components = {a.loinc_component for a in ANALYTES if a.loinc_component}
    out = []
    for p in files:
        if p.name.startswith("LoincTableCore"):
            cut = tmp / p.name
            with p.open(encoding="utf-8", newline="") as src, cut.open("w", encoding="utf-8", newline="") as dst:
                reader = csv.DictReader(src)
                writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
                writer.writeheader()
                for row in reader:
                    if row["LOINC_NUM"] in codes or row["COMPONENT"] in components:
                        writer.writerow(row)
            p = cut
        out.append(p)
    return out


@pytest.fixture(scope="session")
def shared_ontology_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return ontology_files(tmp_path_factory.mktemp("ontologies"))


@pytest.fixture(scope="session")
def shared_terms(shared_ontology_files):  # type: ignore[no-untyped-def]
    from kg.link.terms import load

    return load(shared_ontology_files)


@pytest.fixture(scope="session")
def shared_index(shared_terms):  # type: ignore[no-untyped-def]
    from kg.link.linker import TermIndex

    return TermIndex(shared_terms)


@pytest.fixture(scope="session")
def demo_link_result(demo_store, shared_index):  # type: ignore[no-untyped-def]
    from kg import vocab as V
    from kg.link.linker import entities, link_entities, store_graph

    # the build also stores the curated links; leaving them out measures the linker itself
    return link_entities(entities(store_graph(demo_store, exclude=[V.MAPPINGS_GRAPH])), shared_index)


def copy_store(demo_store, path: Path):  # type: ignore[no-untyped-def]
    """An on-disk copy of ``demo_store``, graph by graph (open; the caller closes it)."""
    from kg.store.oxigraph import OxigraphStore

    store = OxigraphStore(path)
    for g in demo_store.graphs():
        store.replace_graph(g, demo_store.triples(g))
    return store


@pytest.fixture(scope="session")
def linked_store_dir(demo_store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed on-disk copy of the demo build (which stores the mappings graph). The CLI
    opens stores read-only, which is only safe on a store no one writes."""
    path = tmp_path_factory.mktemp("linked") / "store"
    copy_store(demo_store, path).close()
    return path
