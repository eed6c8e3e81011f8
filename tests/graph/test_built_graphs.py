"""Built graphs as a whole: SHACL conformance, and the shared real records end to end."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph

from kg import vocab as V
from kg.graph.ontology import validate
from kg.graph.pipeline import build


def _records_graph(store, limit: int | None = None) -> Graph:
    g = Graph()
    graphs = [x for x in store.graphs() if str(x).startswith(str(V.KGGRAPH) + "record/")]
    for gi in graphs[:limit]:
        for t in store.triples(gi):
            g.add(t)
    return g


@pytest.mark.parametrize("store_name", ["demo_store", "seeds_store"])
def test_source_trial_graphs_conform_to_shapes(store_name, request) -> None:
    store = request.getfixturevalue(store_name)
    report = validate(_records_graph(store))
    assert report.conforms, report.text[:3000]


def test_shapes_catch_a_broken_built_graph(demo_store) -> None:
    g = _records_graph(demo_store)
    crit = next(g.subjects(V.polarity, None))
    g.remove((crit, V.text, None))
    report = validate(g)
    assert not report.conforms
    assert any(str(r[0]) == str(crit) for r in report.results)


@pytest.mark.slow
def test_all_shared_ctgov_records_go_in(ctgov_store) -> None:
    s = ctgov_store.summary
    assert s.records_read == 1855
    assert s.quarantined == [], s.quarantined[:5]
    assert {k.path.rsplit("/", 1)[-1] for k in s.skipped} == {"SOURCE.md", "manifest.tsv"}
    assert s.trials == 1855
    assert s.criteria > 20000


@pytest.mark.slow
def test_second_build_of_shared_records_changes_nothing(ctgov_store) -> None:
    again = build([ctgov_store.source], ctgov_store, compare=False)
    assert (again.graphs_changed, again.triples_added, again.triples_removed) == (0, 0, 0)


@pytest.mark.slow
def test_shared_records_conform_to_shapes(ctgov_store) -> None:
    report = validate(_records_graph(ctgov_store))
    assert report.conforms, report.text[:3000]
