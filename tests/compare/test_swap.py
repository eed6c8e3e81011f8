"""Readers of a derived graph see the old version or the new one, never a partial one.

A reader process polls, as `kg query` reads (a fresh read-only open per question), how
many comparabilities one trial has, while the writer replaces them: once in place (one
transaction) and once through the second slot and the pointer (decision 0013).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import vocab as V
from kg.store.oxigraph import CURRENT_GRAPH, POINTER_GRAPH, OxigraphStore

G = V.COMPARE_GRAPH
TRIAL = str(V.trial_iri("NCT00000001"))

# What the named queries do to find the graph: follow the pointer (decision 0013).
QUERY = f"""SELECT (COUNT(?c) AS ?n) WHERE {{
  GRAPH <{POINTER_GRAPH}> {{ <{G}> <{CURRENT_GRAPH}> ?cg }}
  GRAPH ?cg {{ ?c <{V.trialA}> <{TRIAL}> ; <{V.score}> ?s }}
}}"""

READER = """
import sys, time, pathlib
import pyoxigraph as ox
path, stop, query = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
while not stop.exists():
    try:
        store = ox.Store.read_only(path)
        n = next(iter(store.query(query)))[0].value
        del store
        print(n, flush=True)
    except Exception as exc:  # opening beside a live writer may fail (a file compacted away): no answer
        print("error", type(exc).__name__, flush=True)
    time.sleep(0.01)
"""


def _pairs(n: int, tag: str) -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    for i in range(n):
        node = f"https://w3id.org/kg/id/comparability/{tag}-{i}"
        other = str(V.trial_iri(f"NCT1{i:07d}"))
        out += [(node, str(V.trialA), V.URIRef(TRIAL)), (node, str(V.trialB), V.URIRef(other)),
                (node, str(V.score), float(i % 17) + 0.5)]
        out += [(node, str(V.KG[f"part{j}"]), f"{tag} explanation {i} part {j}") for j in range(7)]
    return out


@pytest.mark.parametrize("tx_limit", [10**9, 1_000], ids=["one-transaction", "slot-swap"])
def test_a_polling_reader_sees_the_old_or_the_new_answer(tmp_path: Path, tx_limit: int) -> None:
    path, stop = tmp_path / "store", tmp_path / "stop"
    before, after = 3_000, 4_000
    store = OxigraphStore(path)
    store.tx_limit = tx_limit
    store.replace_graph_quads(G, _pairs(before, "old"))
    store.flush()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path), str(stop), QUERY],
                              stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the reader answers a few times before the write starts
        store.replace_graph_quads(G, _pairs(after, "new"))
        store.flush()
        time.sleep(1.0)  # and a few times after it
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
        store.close()
    answers = [int(line) for line in out.split() if line.isdigit()]
    assert answers.count(before) >= 1 and answers.count(after) >= 1, answers
    assert set(answers) <= {before, after}, sorted(set(answers) - {before, after})[:5]
