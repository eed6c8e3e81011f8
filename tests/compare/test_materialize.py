"""Materialized comparisons follow the records: replaced when a record changes, untouched otherwise."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from kg import vocab as V
from kg.compare import materialize
from kg.graph.pipeline import build
from tests.compare.conflict_rows import all_conflict_rows
from kg.store.oxigraph import OxigraphStore


def _demo_copy(tmp: Path) -> Path:
    src = Path(str(resources.files("kg") / "data" / "demo"))
    dst = tmp / "demo"
    shutil.copytree(src, dst)
    return dst


def _washout_b(store: OxigraphStore, path: Path) -> tuple[OxigraphStore, set[tuple[str, str]]]:
    """The washout pairs, read as `kg query` reads them: the writer closed, the store reopened
    read-only (forking the time-limited query from a process whose RocksDB writer threads may
    hold a lock can hang the child). Returns the writer, reopened, and the pairs."""
    store.close()
    with OxigraphStore(path, read_only=True) as ro:
        pairs = {(r["trialA"], r["trialB"]) for r in all_conflict_rows(ro, kind="washout")}
    return OxigraphStore(path), pairs


def test_conflicts_follow_a_replaced_record(tmp_path: Path) -> None:
    data = _demo_copy(tmp_path)
    store = OxigraphStore(tmp_path / "store")
    first = build([data], store)
    assert first.conflicts and first.comparabilities
    store, before = _washout_b(store, tmp_path / "store")
    assert ("NCT04893161", "NCT04660565") in before

    # Rebuild unchanged: the comparisons are not recomputed and nothing is written.
    again = build([data], store)
    assert again.conflicts is None and again.triples_added == again.triples_removed == 0
    assert materialize(store).skipped

    # NCT04660565 drops every therapy exclusion: its washout conflicts go, the others stay.
    path = data / "NCT04660565.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for rec in doc["records"]:
        crits = rec["eligibility"]["criteria"]
        keep = [c for c in crits if not ("biologic" in c["text"].lower() or "immunosuppressant" in c["text"].lower())]
        assert len(keep) < len(crits)
        # parents are positions in the list: drop nesting to keep the record valid
        for c in keep:
            c["parent"] = None
        rec["eligibility"]["criteria"] = keep
    path.write_text(json.dumps(doc), encoding="utf-8")
    third = build([data], store)
    assert third.conflicts is not None and third.triples_removed > 0
    store, after = _washout_b(store, tmp_path / "store")
    assert not {p for p in after if p[1] == "NCT04660565"}
    assert after == {p for p in before if p[1] != "NCT04660565"}
    # forcing a recomputation of unchanged input writes nothing
    forced = materialize(store, force=True)
    assert not forced.skipped and forced.added == forced.removed == 0
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?g kg:buildFingerprint ?f } }", {"g": V.COMPARE_GRAPH})
    assert int(next(iter(n))[0]) == 1
    store.close()
