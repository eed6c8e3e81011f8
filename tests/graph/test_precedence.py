"""One trial, one set of content: the primary record of a trial, the view of the others, build order."""

from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, RDFS

from kg import vocab as V
from kg.graph import precedence
from kg.graph.build import record_graph
from kg.graph.pipeline import build
from kg.model import Condition, Criterion, Eligibility, Publication, SourceRef, TrialRecord
from kg.store.memory import MemoryStore
from kg.store.oxigraph import OxigraphStore
from tests.conftest import shared_path

SEED_TRIALS = ("NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565")


def _record(fmt: str, rid: str, nct: str = "NCT00000001", *, paper: bool = False) -> TrialRecord:
    return TrialRecord(
        source=SourceRef(path=f"/x/{rid}", record_id=rid, format=fmt, sha256=f"{rid:0>64}"[-64:]),
        nct_id=nct, title=f"Title of {rid}", sponsor=f"Sponsor {rid}",
        conditions=[Condition(f"Condition {rid}")],
        eligibility=Eligibility(criteria=[Criterion(polarity="inclusion", order=1, text=f"Adults ({rid})")]),
        publications=[Publication(title=f"Paper {rid}", pmid="123")] if paper else [],
        is_publication=paper,
    )


def test_rank_prefers_registry_json_then_xml_then_kg_then_text_then_papers() -> None:
    formats = ["publication", "registry-text", "kg-json", "ctgov-xml", "ctgov-json", "rdf"]
    assert sorted(formats, key=lambda f: precedence.rank(f, "nct-id", "a")) == [
        "ctgov-json", "ctgov-xml", "kg-json", "registry-text", "publication", "rdf"]
    # a fragment of another page never outranks the page, whatever its record id
    assert precedence.rank("registry-text", "nct-id", "z") < precedence.rank("registry-text", "fragment-of:z", "a")


def test_secondary_view_keeps_identity_and_paper_drops_content() -> None:
    rg = record_graph(_record("publication", "p1", paper=True), "NCT00000001", enrich=False)
    view = precedence.secondary_view(rg.graph, rg.graph_iri)
    t = V.trial_iri("NCT00000001")
    assert (t, V.sourceRecord, rg.graph_iri) in view
    assert (t, V.describedBy, None) in view
    pub = view.value(t, V.describedBy)
    assert (pub, V.pmid, None) in view
    for p in (V.hasCriterion, V.studiesCondition, V.hasSponsor, RDFS.label, V.nctId, RDF.type):
        assert (t, p, None) in rg.graph and (t, p, None) not in view, p
    assert not any(view.subjects(V.text, None))  # no criterion left
    assert (rg.graph_iri, V.sourceFormat, None) in view


def test_plan_is_the_same_for_any_order_and_demotes_a_stored_primary() -> None:
    recs = [_record("registry-text", "page"), _record("kg-json", "NCT00000001"), _record("publication", "p", paper=True)]
    keys, bases = ["NCT00000001"] * 3, ["nct-id"] * 3
    roles = precedence.plan(MemoryStore(), recs, keys, bases)
    assert roles.secondary == {0, 2} and roles.demote == []
    rev = precedence.plan(MemoryStore(), recs[::-1], keys, bases)
    assert rev.secondary == {0, 2}  # the kg-json record, now in the middle, still speaks

    store = MemoryStore()
    # the page stored first as the primary, then a better record arrives in a later build
    page = record_graph(recs[0], "NCT00000001", enrich=False)
    page.graph.add((page.graph_iri, V.identityBasis, Literal("nct-id")))
    page.graph.add((page.graph_iri, V.buildFingerprint, Literal("f0")))
    store.replace_graph(page.graph_iri, page.graph)
    later = precedence.plan(store, recs[1:2], keys[:1], bases[:1])
    assert later.secondary == set() and later.demote == [page.graph_iri]
    precedence.demote(store, later.demote)
    assert store.graph_value(page.graph_iri, V.buildFingerprint) == "secondary:f0"
    assert not store.query("ASK { ?t kg:hasCriterion ?c }").askAnswer
    # demoted once is demoted: the next plan leaves it alone
    assert precedence.plan(store, recs[1:2], keys[:1], bases[:1]).demote == []


def _contents(store: OxigraphStore) -> set[tuple[str, ...]]:
    return {(str(g), str(s), str(p), str(o)) for g in store.graphs() for s, p, o in store.triples(g)}


@pytest.fixture(scope="module")
def demo_then_seeds(tmp_path_factory: pytest.TempPathFactory):
    """The README Quickstart order: `kg build`, then `kg build ../shared/seeds`."""
    seeds = shared_path("seeds")
    path = tmp_path_factory.mktemp("demo-seeds") / "store"
    store = OxigraphStore(path)
    build(None, store)
    store.summary = build([seeds], store)  # type: ignore[attr-defined]
    yield store
    store.close()


def test_demo_then_seeds_keeps_one_set_of_criteria(demo_then_seeds) -> None:
    assert demo_then_seeds.summary.trials == 4
    assert demo_then_seeds.summary.criteria == 64  # the demo's, not 64 + the pages' 61
    assert demo_then_seeds.summary.conflicts == 6
    for nct in SEED_TRIALS:
        n = list(demo_then_seeds.query("SELECT (COUNT(*) AS ?n) WHERE { ?t kg:hasCriterion ?c . ?c kg:text ?x }",
                                       {"t": V.trial_iri(nct)}))[0][0]
        texts = list(demo_then_seeds.query("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?t kg:hasCriterion ?c . ?c kg:text ?x }",
                                           {"t": V.trial_iri(nct)}))[0][0]
        assert int(n) == int(texts) > 0, nct


def test_either_order_and_a_rebuild_give_the_same_store(demo_then_seeds, tmp_path) -> None:
    seeds = shared_path("seeds")
    other = OxigraphStore(tmp_path / "store")
    build([seeds], other)
    build(None, other)
    assert _contents(other) == _contents(demo_then_seeds)
    build(None, other)
    build([seeds], other)
    assert _contents(other) == _contents(demo_then_seeds)
    other.close()


def _queries_with_params() -> list[tuple[str, dict[str, str]]]:
    from kg.query.named import load_queries

    values = {"trial": list(SEED_TRIALS), "drug": ["belimumab", "prednisone", "mycophenolate mofetil"],
              "condition": ["IgG4-related disease", "systemic lupus erythematosus"],
              "mechanism": ["BLyS (BAFF) neutralisation"]}
    runs: list[tuple[str, dict[str, str]]] = []
    for name, q in sorted(load_queries().items()):
        required = [p for p in q.params if p.required]
        optional = [p for p in q.params if not p.required and p.name in values]
        base: list[dict[str, str]] = [{}]
        for p in required:
            base = [dict(b, **{p.name: v}) for b in base for v in values[p.name]]
        runs += [(name, b) for b in base]
        for p in optional:
            runs += [(name, dict(base[0], **{p.name: v})) for v in values[p.name]]
    return runs


def test_no_named_query_repeats_a_row_on_demo_plus_seeds(demo_then_seeds) -> None:
    from kg.query.named import run_named

    checked = 0
    for name, params in _queries_with_params():
        rows = [tuple(str(x) for x in row) for row in run_named(demo_then_seeds, name, params, timeout=60).result]
        repeated = {r for r in rows if rows.count(r) > 1}
        assert not repeated, f"{name} {params}: {sorted(repeated)[:3]}"
        checked += 1
    assert checked >= 20


def test_comparable_trials_lists_each_trial_once(demo_then_seeds) -> None:
    from kg.query.named import run_named

    for nct in SEED_TRIALS:
        rows = list(run_named(demo_then_seeds, "comparable-trials", {"trial": nct}, timeout=60).result)
        others = [str(r[0]) for r in rows]
        assert len(others) == len(set(others)) > 0, (nct, others)

