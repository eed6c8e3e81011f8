"""The build pipeline: identity merging, idempotence, quarantine, crash safety."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kg import vocab as V
from kg.graph.pipeline import build
from kg.store.memory import MemoryStore
from kg.store.oxigraph import OxigraphStore
from tests.conftest import shared_path

SEED_TRIALS = {"NCT04660565", "NCT05974683", "NCT04893161", "NCT01670565"}


def _ids(store) -> set[str]:
    return {str(r[0]) for r in store.query("SELECT ?id WHERE { ?t a kg:Trial ; kg:nctId ?id }")}


def test_seeds_give_the_four_trials_once_each(seeds_store) -> None:
    assert _ids(seeds_store) == SEED_TRIALS
    assert seeds_store.summary.trials == 4
    assert not seeds_store.summary.quarantined


def test_fragment_and_page_end_in_one_trial_with_both_provenances(seeds_store) -> None:
    res = seeds_store.query(
        "SELECT DISTINCT ?file WHERE { ?t kg:sourceRecord/kg:sourceDocument/kg:fileName ?file }",
        {"t": V.trial_iri("NCT04660565")},
    )
    files = sorted(str(r[0])[:3] for r in res)
    assert files == ["000", "001"]


def test_publication_is_linked_to_its_trial(seeds_store) -> None:
    res = seeds_store.query(
        "SELECT ?pmid ?doi WHERE { ?t kg:describedBy ?p . ?p kg:pmid ?pmid ; kg:doi ?doi }",
        {"t": V.trial_iri("NCT01670565")},
    )
    assert [(str(a), str(b)) for a, b in res] == [("29073351", "10.1002/art.40358")]


@pytest.mark.parametrize("store_name", ["demo_store", "seeds_store"])
def test_each_trial_has_arms_interventions_conditions_sponsor_criteria(store_name, request) -> None:
    store = request.getfixturevalue(store_name)
    for nct in SEED_TRIALS:
        t = V.trial_iri(nct)
        for what, pattern in {
            "arm": "?t kg:hasArm ?x",
            "intervention": "?t kg:hasIntervention ?x",
            "condition": "?t kg:studiesCondition ?x",
            "sponsor": "?t kg:hasSponsor ?x",
            "criterion": "?t kg:hasCriterion ?x",
        }.items():
            assert store.query(f"ASK {{ {pattern} }}", {"t": t}).askAnswer, f"{nct} has no {what}"


@pytest.mark.parametrize("store_name", ["demo_store", "seeds_store"])
def test_belimumab_regimen_in_sle_trial(store_name, request) -> None:
    store = request.getfixturevalue(store_name)
    res = store.query(
        """SELECT ?dose ?unit ?route ?every ?week (GROUP_CONCAT(STR(?day); separator=",") AS ?days) WHERE {
             ?t kg:hasIntervention ?i . ?i rdfs:label ?l ; kg:hasRegimen ?r .
             FILTER(CONTAINS(LCASE(?l), "belimumab"))
             ?r kg:doseValue ?dose ; kg:doseUnit ?unit ; kg:route ?route ;
                kg:repeatEveryDays ?every ; kg:untilWeek ?week ; kg:scheduleDay ?day }
           GROUP BY ?dose ?unit ?route ?every ?week""",
        {"t": V.trial_iri("NCT04893161")},
    )
    rows = list(res)
    assert rows, "no belimumab regimen"
    dose, unit, route, every, week, days = rows[0]
    assert float(dose) == 10 and str(unit) == "mg/kg" and str(route) == "intravenous"
    assert int(every) == 28 and int(week) == 48
    assert sorted(int(d) for d in str(days).split(",")) == [0, 14, 28]


def test_second_build_changes_zero_triples(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "s")
    first = build(None, store)
    assert first.triples_added > 0
    second = build(None, store)
    assert (second.graphs_changed, second.triples_added, second.triples_removed) == (0, 0, 0)
    assert second.triples == first.triples


def test_memory_store_gives_the_same_graph_as_oxigraph(tmp_path: Path) -> None:
    from rdflib.compare import isomorphic

    ox = OxigraphStore(None)
    mem = MemoryStore()
    build(None, ox, shared_graphs=False)
    build(None, mem, shared_graphs=False)
    g = V.record_graph("kg-json", "NCT04893161")
    a, b = ox.graph(g), mem.graph(g)
    assert len(a) == len(b) > 50
    # Oxigraph canonicalizes typed literals ("10.0" -> "10"); compare values, not lexical forms.
    assert isomorphic(_canon(a), _canon(b))


def _canon(g):
    """Typed literals compared by value: decimals as floats, others by their Python value."""
    from decimal import Decimal

    from rdflib import Graph, Literal

    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype is not None:
            v = o.toPython()
            o = Literal(repr(float(v)) if isinstance(v, Decimal) else str(v), datatype=o.datatype)
        out.add((s, p, o))
    return out


def test_replacing_a_record_replaces_exactly_its_graph(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    one = {"kg_record": 1, "nct_id": "NCT00000001", "title": "First title",
           "eligibility": {"text": "Inclusion Criteria:\n* Adults"}}
    (src / "a.json").write_text(json.dumps(one))
    (src / "b.json").write_text(json.dumps({"kg_record": 1, "nct_id": "NCT00000002", "title": "Other trial"}))
    store = OxigraphStore(tmp_path / "s")
    build([src], store, shared_graphs=False)
    other_before = set(store.triples(V.record_graph("kg-json", "NCT00000002")))
    one["title"] = "Second title"
    (src / "a.json").write_text(json.dumps(one))
    s2 = build([src], store, shared_graphs=False)
    assert s2.graphs_changed == 1
    titles = {str(r[0]) for r in store.query("SELECT ?x WHERE { ?t kg:nctId 'NCT00000001' ; kg:title ?x }")}
    assert titles == {"Second title"}
    assert set(store.triples(V.record_graph("kg-json", "NCT00000002"))) == other_before


def test_bad_records_are_quarantined_and_nothing_stored_is_lost(tmp_path: Path) -> None:
    api = shared_path("data", "ctgov", "api_v2", "studies")
    good = sorted(api.glob("*.json"))[:6]
    src = tmp_path / "in"
    src.mkdir()
    for f in good:
        shutil.copy(f, src / f.name)
    store = OxigraphStore(tmp_path / "s")
    first = build([src], store, shared_graphs=False)
    assert first.trials == 6 and not first.quarantined
    before = len(store)
    # Break three of them in three ways; add a non-record README that must be skipped, not quarantined.
    (src / good[0].name).write_bytes(good[0].read_bytes()[:300])  # truncated
    (src / good[1].name).write_bytes(b"\xff\xfe" + good[1].read_bytes()[:50])  # not UTF-8
    doc = json.loads(good[2].read_text())
    doc["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": "many"}
    (src / good[2].name).write_text(json.dumps(doc))
    (src / "README.md").write_text("# About these files\n\nSix studies.\n")
    report = tmp_path / "report.tsv"
    second = build([src], store, shared_graphs=False, report=report)
    assert len(second.quarantined) == 3
    assert [s.path.endswith("README.md") for s in second.skipped] == [True]
    # The previously stored versions of the broken records are still there.
    assert len(store) == before
    assert second.trials == 6
    lines = report.read_text().splitlines()
    assert lines[0].split("\t") == ["file", "record_id", "field", "reason"]
    assert sum(1 for line in lines[1:] if not line.split("\t")[3].startswith("skipped")) == 3
    enroll = [q for q in second.quarantined if q.path.endswith(good[2].name)][0]
    assert enroll.field and "enrollment" in enroll.field


def test_zip_of_studies_is_read(tmp_path: Path) -> None:
    import zipfile

    api = shared_path("data", "ctgov", "api_v2", "studies")
    files = sorted(api.glob("*.json"))[:3]
    z = tmp_path / "studies.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in files:
            zf.write(f, arcname=f"ctg-studies/{f.name}")
    store = OxigraphStore(None)
    s = build([z], store, shared_graphs=False)
    assert s.trials == 3 and s.records_read == 3


def test_unregistered_record_gets_a_stable_iri(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"kg_record": 1, "record_id": "my-page", "title": "An Unregistered Pilot Study"}))
    iris = []
    for _ in range(2):
        store = OxigraphStore(None)
        build([page], store, shared_graphs=False)
        iris.append({str(r[0]) for r in store.query("SELECT ?t WHERE { ?t a kg:Trial }")})
    assert iris[0] == iris[1]
    (iri,) = iris[0]
    assert iri.startswith(str(V.KGID) + "trial/x-")


_KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore
    store = OxigraphStore(sys.argv[1])
    def tick(desc, done, total):
        if desc == "writing":
            print(done, flush=True)
    build([sys.argv[2]], store, progress=tick, shared_graphs=False)
    """
)


@pytest.mark.slow
def test_build_killed_midway_leaves_whole_records(tmp_path: Path) -> None:
    src = shared_path("data", "ctgov", "api_v2", "studies")
    store_dir = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(store_dir), str(src)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if int(line) >= 40:
            break
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = OxigraphStore(store_dir)  # openable
    graphs = [g for g in store.graphs() if str(g).startswith(str(V.KGGRAPH) + "record/")]
    assert len(graphs) >= 40
    # Each stored record is whole: its graph equals a fresh build of that record alone.
    for g in graphs[:: max(1, len(graphs) // 15)]:
        nct = str(g).rsplit("/", 1)[-1]
        fresh = OxigraphStore(None)
        build([src / f"{nct}.json"], fresh, shared_graphs=False)
        assert set(store.triples(g)) == set(fresh.triples(g)), nct
    # And a new build completes what the killed one left out.
    s = build([src], store, shared_graphs=False)
    assert s.trials == 878
