"""No process outlives kg: killing a running ``kg build`` (SIGKILL, SIGTERM, SIGHUP) takes its
criteria-parsing pool workers and the Java reasoner with it (kg.children)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import psutil
import pytest

from kg.children import die_with_parent, pool_initializer

KG = str(Path(sys.executable).with_name("kg"))
SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def _many_records(folder: Path, copies: int) -> Path:
    """The demo records again and again under new NCT ids, each copy's criteria worded apart,
    so that a build has hundreds of distinct texts to hand to the parse pool."""
    demo = resources.files("kg") / "data" / "demo"
    base = [json.loads(p.read_text("utf-8"))["records"][0] for p in sorted(demo.iterdir(), key=lambda p: p.name)
            if p.name.endswith(".json")]
    records = []
    for i in range(copies):
        for j, rec in enumerate(base):
            r = json.loads(json.dumps(rec))
            r["nct_id"] = f"NCT9{i:05d}{j:02d}"
            for c in r["eligibility"]["criteria"]:
                c["text"] = f"{c['text']} (site rule {i})"
            records.append(r)
    path = folder / "records.json"
    path.write_text(json.dumps({"kg_records": 1, "records": records}), encoding="utf-8")
    return path


def _alive(pids: list[int]) -> list[int]:
    """The pids still running (a killed orphan may linger as a zombie until init reaps it)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


#: How long the watched children may take to go once kg has gone. The kernel kills them at
#: once; the reasoner left alone runs on for about 3 s more, so a longer grace would hide it.
GRACE = 1.0


def _kill_when(cmd: list[str], sig: signal.Signals, ready, timeout: float = 120.0) -> tuple[list[int], list[int]]:
    """Start ``cmd``, wait until ``ready(children)`` names the children to watch, send ``sig``
    to kg alone (not its group), and return (watched pids, those still alive GRACE s after kg ended)."""
    # The runner may ignore SIGHUP (nohup, some CI shells) and children inherit that: give kg the
    # default disposition a terminal session gives it, or SIGHUP would test nothing.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    watched: list[int] = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + timeout
        while not watched:
            if proc.poll() is not None:
                pytest.fail(f"kg ended (status {proc.returncode}) before the children to watch appeared")
            if time.monotonic() > deadline:
                pytest.fail("the children to watch never appeared")
            try:
                watched = ready(parent.children(recursive=True))
            except psutil.Error:
                watched = []
            time.sleep(0.05)
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + GRACE
        while _alive(watched) and time.monotonic() < deadline:
            time.sleep(0.1)
        return watched, _alive(watched)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _alive(watched):  # never leave the machine a stray process, even on failure
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _pool_workers(children: list[psutil.Process]) -> list[int]:
    # Forked workers run the same interpreter as kg; wait until the whole pool is up.
    workers = [c.pid for c in children if c.name() != "java"]
    return workers if len(workers) >= 2 else []


def _java(children: list[psutil.Process]) -> list[int]:
    return [c.pid for c in children if c.name() == "java"]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the parse pool starts only with two or more CPUs")
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_parse_pool_dies_with_kg(tmp_path, sig):
    source = _many_records(tmp_path, 60)
    watched, alive = _kill_when([KG, "build", "-q", "--store", str(tmp_path / "store"), str(source)], sig,
                                _pool_workers)
    assert watched and alive == []


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_reasoner_dies_with_kg(tmp_path, sig):
    watched, alive = _kill_when([KG, "build", "-q", "--store", str(tmp_path / "store")], sig, _java)
    assert watched and alive == []


def test_die_with_parent_exits_an_orphan_at_once(tmp_path):
    """The race: a child whose parent is gone before the call exits instead of running on."""
    marker = tmp_path / "ran-on"
    code = ("import os, sys; from kg.children import die_with_parent; die_with_parent(int(sys.argv[1])); "
            f"open({str(marker)!r}, 'w').close()")
    # Our pid is not the child's parent: to die_with_parent it looks as if its parent had died.
    subprocess.run([sys.executable, "-c", code, str(os.getppid() + 1_000_000)], check=False, timeout=60)
    assert not marker.exists()


def test_pool_initializer_names_this_process():
    init, args = pool_initializer()
    assert init is die_with_parent and args == (os.getpid(),)
