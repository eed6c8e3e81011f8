"""The condition hierarchy: registry MeSH ancestors on trials, the curated parents, their RDF."""

from __future__ import annotations

import json

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, RDFS, SKOS

from kg import vocab as V
from kg.errors import InputError
from kg.graph import conditions
from kg.graph.build import record_graph
from kg.graph.pipeline import _shared_graphs, demo_sources
from kg.ingest import ctgov_json
from kg.model import Condition, ConditionAncestor, SourceRef, TrialRecord

from tests.conftest import FIXTURES

HEADER = "name\tparent\tmesh_id\tsource\n"


def _fixture_graph():
    (rec,) = list(ctgov_json.parse((FIXTURES / "ctgov" / "study_ancestors.json").read_bytes(), "study.json"))
    return record_graph(rec, rec.nct_id, enrich=False)


# -- registry ancestors and MeSH ids in record graphs --------------------------------------
def test_registry_ancestors_hang_off_the_trial_with_their_terms() -> None:
    rg = _fixture_graph()
    ancestors = set(rg.graph.objects(rg.trial, V.conditionAncestor))
    assert ancestors == {V.MESH["D008180"], V.MESH["D005921"], V.MESH["D000086382"]}
    assert rg.graph.value(V.MESH["D005921"], RDFS.label) == Literal("Glomerulonephritis")
    # Per trial: the condition node itself does not claim them.
    assert not list(rg.graph.objects(V.condition_iri("Lupus Nephritis"), V.conditionAncestor))


def test_zero_padded_mesh_ids_are_written_in_their_canonical_form() -> None:
    rg = _fixture_graph()
    node = V.condition_iri("Lupus Nephritis")
    assert rg.graph.value(node, V.meshId) == Literal("D008181")
    assert set(rg.graph.objects(node, SKOS.exactMatch)) == {V.MESH["D008181"]}
    padded = [o for _, _, o in rg.graph if "D000008" in str(o)]
    assert padded == [], padded
    # Ids MeSH itself writes with nine digits stay as they are.
    assert (rg.trial, V.conditionAncestor, V.MESH["D000086382"]) in rg.graph


def test_same_descriptor_from_old_and_new_registry_spelling_is_one_node() -> None:
    def graph(mid: str):
        rec = TrialRecord(source=SourceRef(path="x.json", record_id="NCT09900078", format="kg-json"),
                          nct_id="NCT09900078", conditions=[Condition(name="Diabetes", mesh_id=mid)],
                          condition_ancestors=[ConditionAncestor(mesh_id=mid, term="Diabetes Mellitus")])
        return record_graph(rec, "NCT09900078", enrich=False).graph

    assert set(graph("D000003920")) == set(graph("D003920"))


# -- the curated hierarchy --------------------------------------------------------------------
@pytest.fixture(scope="module")
def hierarchy():
    return conditions.load_hierarchy()


@pytest.fixture(scope="module")
def g():
    return conditions.conditions_graph()


def test_every_parent_named_is_a_labelled_condition_node(hierarchy, g) -> None:
    parents = {row.parent for row in hierarchy if row.parent}
    assert len(parents) > 30
    for name in parents:
        node = V.condition_iri(name)
        assert (node, RDF.type, V.Condition) in g, name
        assert (node, RDFS.label, Literal(name)) in g, name


def test_the_source_trials_conditions_have_parents(hierarchy) -> None:
    named = {V.slug(row.name) for row in hierarchy if row.parent}
    for name in ("IgG4-related disease", "Systemic lupus erythematosus", "Lupus nephritis",
                 "Systemic sclerosis", "Diffuse cutaneous systemic sclerosis"):
        assert V.slug(name) in named, name


def test_mesh_ids_are_canonical_and_one_per_condition(hierarchy, g) -> None:
    ids = {}
    for row in hierarchy:
        if row.mesh_id:
            assert ids.setdefault(V.slug(row.name), row.mesh_id) == row.mesh_id
    assert ids[V.slug("Systemic lupus erythematosus")] == "D008180"
    sle = V.condition_iri("Systemic lupus erythematosus")
    assert (sle, SKOS.exactMatch, V.MESH["D008180"]) in g and (sle, V.meshId, Literal("D008180")) in g


def test_lupus_nephritis_reaches_autoimmune_diseases_through_sle(g) -> None:
    res = g.query(
        "SELECT ?up WHERE { ?c skos:broader+ ?up }",
        initBindings={"c": V.condition_iri("Lupus nephritis")},
        initNs={"skos": SKOS},
    )
    ups = {r[0] for r in res}
    assert {V.condition_iri("Systemic lupus erythematosus"), V.condition_iri("Autoimmune diseases"),
            V.condition_iri("Kidney diseases")} <= ups
    assert V.condition_iri("Lupus nephritis") not in ups


def _write(tmp_path, rows: str):
    path = tmp_path / "h.tsv"
    path.write_text("# comment\n" + HEADER + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("A\tB\n", "line 3, column \\*: expected 4 tab-separated columns, got 2"),
        ("A\tB\tD1\tctgov\n", "column mesh_id"),
        ("A\tB\tD008180\tcurated\n", "column source"),
        ("A\tB\t\tmondo\n", "column source"),
        ("A\tB\t\tguess\n", "column source"),
        ("A\tB\tD008180\tctgov\nA\tC\tD008181\tctgov\n", "already has MeSH id"),
        ("A\tB\t\tcurated\nB\tC\t\tcurated\nC\ta\t\tcurated\n", "cycle"),
        ("Lupus\tlupus\t\tcurated\n", "its own parent"),
    ],
)
def test_a_bad_hierarchy_file_is_an_error_naming_the_problem(tmp_path, rows: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        conditions.load_hierarchy(_write(tmp_path, rows))


def test_padded_ids_in_the_file_are_normalized(tmp_path) -> None:
    (row,) = conditions.load_hierarchy(_write(tmp_path, "Lupus nephritis\tSLE\tD000008181\tmondo\n"))
    assert row.mesh_id == "D008181"


def test_a_file_without_the_header_is_refused(tmp_path) -> None:
    path = tmp_path / "h.tsv"
    path.write_text("A\tB\t\tcurated\n", encoding="utf-8")
    with pytest.raises(InputError, match="header"):
        conditions.load_hierarchy(path)


# -- in the build --------------------------------------------------------------------------------
def test_the_hierarchy_is_a_shared_graph() -> None:
    assert _shared_graphs()[V.CONDITIONS_GRAPH] is conditions.conditions_graph


def _demo_conditions() -> set[str]:
    names = set()
    for path in demo_sources()[0].glob("*.json"):
        for rec in json.loads(path.read_text(encoding="utf-8"))["records"]:
            names |= {c["name"] for c in rec.get("conditions", [])}
    return names


def test_demo_build_links_demo_conditions_to_their_parents(demo_store) -> None:
    def broader(child: str, parent: str) -> bool:
        q = "ASK { GRAPH ?g { ?c skos:broader+ ?p } }"
        return demo_store.query(q, {"c": V.condition_iri(child), "p": V.condition_iri(parent),
                                    "g": V.CONDITIONS_GRAPH}).askAnswer

    demo = _demo_conditions()
    assert {"Diffuse cutaneous systemic sclerosis", "Systemic Sclerosis", "IgG4-related disease"} <= demo
    # Both conditions of NCT01670565: the trial-side node (from the record) is the hierarchy's node.
    assert broader("Diffuse cutaneous systemic sclerosis", "Systemic Sclerosis")
    assert broader("IgG4-related disease", "Autoimmune Diseases")
    assert broader("Systemic Lupus Erythematosus", "Connective tissue diseases")
    if "Lupus nephritis" in demo:
        assert broader("Lupus nephritis", "Systemic Lupus Erythematosus")
    res = demo_store.query(
        "SELECT DISTINCT ?t WHERE { ?t kg:studiesCondition ?c . ?c skos:broader+ ?p }",
        {"p": V.condition_iri("Autoimmune diseases")},
    )
    assert len({str(r[0]) for r in res}) >= 3  # the SLE, SSc and IgG4-RD trials
