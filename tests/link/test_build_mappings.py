"""The build stores the mappings graph, and `kg export mappings` writes the build's links."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from kg import vocab as V
from kg.link import graph, sssom
from tests.link.conftest import copy_store
from tests.link.test_sssom import sssom_py_errors

SLE = V.condition_iri("Systemic Lupus Erythematosus")
SLE_MONDO = URIRef("http://purl.obolibrary.org/obo/MONDO_0007915")
IGG4_DOID = URIRef("http://purl.obolibrary.org/obo/DOID_0080356")
SKOS_MAPPING = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


def _graphs_holding(store, s, p, o) -> list[str]:  # type: ignore[no-untyped-def]
    rows = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{s}> <{p}> <{o}> }} }}")
    return sorted(str(r[0]) for r in rows)


def _mapping_triples(store) -> set[tuple]:  # type: ignore[no-untyped-def]
    return {t for t in store.triples(V.MAPPINGS_GRAPH) if t[1] != V.buildFingerprint}


def test_build_stores_curated_mappings_in_their_own_graph(demo_store) -> None:  # type: ignore[no-untyped-def]
    assert V.MAPPINGS_GRAPH in demo_store.graphs()
    stored = _mapping_triples(demo_store)
    assert stored == set(graph.mappings_graph())
    assert _graphs_holding(demo_store, SLE, SKOS.exactMatch, SLE_MONDO) == [str(V.MAPPINGS_GRAPH)]
    # the curated condition links are in the mappings graph, and no record or ontology graph
    # holds a copy (the condition hierarchy states its own checked MeSH ids, a separate source)
    curated = {t for t in stored if t[1] in SKOS_MAPPING and str(t[0]).startswith(str(V.KGID["condition/"]))}
    assert len(curated) >= 20
    elsewhere = (str(V.KGGRAPH["record/"]), str(V.ONTOLOGY_GRAPH))
    for s, p, o in curated:
        holders = _graphs_holding(demo_store, s, p, o)
        assert str(V.MAPPINGS_GRAPH) in holders and not [g for g in holders if g.startswith(elsewhere)], (s, o, holders)


def test_rebuild_replaces_the_mappings_graph(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A mappings graph left by an older kg (other fingerprint, a link since removed, one
    missing) is replaced by the rebuild, not added to; a second rebuild changes nothing."""
    from kg.graph.pipeline import build

    store = copy_store(demo_store, tmp_path / "store")
    try:
        fresh = set(graph.mappings_graph())
        stale_link = (SLE, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/DOID_0000000"))
        old = (fresh - {(SLE, SKOS.exactMatch, SLE_MONDO)}) | {stale_link}
        old.add((V.MAPPINGS_GRAPH, V.buildFingerprint, Literal("an older kg")))
        store.replace_graph(V.MAPPINGS_GRAPH, old)

        first = build(None, store)
        assert _mapping_triples(store) == fresh
        assert _graphs_holding(store, *stale_link) == []
        assert _graphs_holding(store, SLE, SKOS.exactMatch, SLE_MONDO) == [str(V.MAPPINGS_GRAPH)]
        assert first.graphs_changed >= 1 and first.triples_removed >= 2 and first.triples_added >= 2
        assert len(store) == len(demo_store)  # the same build from scratch: nothing left twice

        total = len(store)
        again = build(None, store)
        assert again.graphs_changed == 0 and len(store) == total
        assert _mapping_triples(store) == fresh
    finally:
        store.close()


def test_kg_export_mappings_as_a_user_types_it(linked_store_dir: Path, tmp_path: Path) -> None:
    """`kg export mappings -o FILE.sssom.tsv` through the kg command group: every link of
    the build (curated graph, drug catalogue, registry ids), valid for sssom-py."""
    from kg.cli import cli
    from kg.store.oxigraph import OxigraphStore

    out = tmp_path / "links.sssom.tsv"
    res = CliRunner().invoke(cli, ["export", "mappings", "--store", str(linked_store_dir), "-o", str(out)], obj={})
    assert res.exit_code == 0, res.output
    rows = {m.key: m for m in sssom.read(out).mappings}
    assert f"{out}: sssom-tsv, {len(rows)} mappings" in res.output
    with OxigraphStore(linked_store_dir, read_only=True) as store:
        expected = {m.key for m in graph.store_mappings(store)}
    assert set(rows) == expected
    assert ("kgid:condition/systemic-lupus-erythematosus", "skos:exactMatch", "MONDO:0007915") in rows
    assert ("kgid:condition/igg4-related-disease", "skos:exactMatch", "DOID:0080356") in rows
    assert ("kgid:drug/rituximab", "skos:exactMatch", "DRUGBANK:DB00073") in rows
    assert ("kgid:trial/NCT04660565", "skos:exactMatch", "NCT:NCT04660565") in rows
    assert not (tmp_path / "links.sssom.tsv.tmp").exists()
    assert sssom_py_errors(out) == []


def test_kg_export_mappings_refuses_view_options_and_missing_store(linked_store_dir: Path, tmp_path: Path) -> None:
    from kg.cli import cli

    out = tmp_path / "x.sssom.tsv"
    runner = CliRunner()
    fmt = runner.invoke(cli, ["export", "mappings", "--store", str(linked_store_dir), "--format", "ttl", "-o", str(out)], obj={})
    assert fmt.exit_code == 2 and "only -o" in fmt.output and not out.exists()
    missing = runner.invoke(cli, ["export", "mappings", "--store", str(tmp_path / "nope"), "-o", str(out)], obj={})
    assert missing.exit_code != 0 and not out.exists()


def test_views_lists_the_mappings_export() -> None:
    from kg.export.commands import views_cmd

    res = CliRunner().invoke(views_cmd, [])
    assert res.exit_code == 0 and "\nmappings\n" in res.output and "SSSOM" in res.output
