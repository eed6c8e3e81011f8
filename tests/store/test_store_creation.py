"""Creating a store leaves no store or a whole one; a half-made folder is named, then repaired."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kg.errors import StoreError
from kg.store.oxigraph import OxigraphStore


def _half_made(tmp_path: Path) -> Path:
    """A store folder as a kill during RocksDB's creation leaves it: its files but no CURRENT."""
    whole = tmp_path / "whole"
    OxigraphStore(whole).close()
    half = tmp_path / "half"
    shutil.copytree(whole, half)
    (half / "CURRENT").unlink()
    return half


def test_half_made_store_is_named_for_readers_and_repaired_by_the_next_writer(tmp_path: Path) -> None:
    half = _half_made(tmp_path)
    with pytest.raises(StoreError, match="creation was interrupted.*kg build"):
        OxigraphStore(half, read_only=True)
    OxigraphStore(half).close()  # what `kg build` does: the leftover is replaced by a new store
    with OxigraphStore(half, read_only=True) as store:
        assert len(store) == 0


def test_empty_folder_becomes_a_store_and_a_foreign_folder_is_left_alone(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StoreError, match="no usable store"):
        OxigraphStore(empty, read_only=True)
    OxigraphStore(empty).close()
    assert (empty / "CURRENT").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a kg store"):
        OxigraphStore(mine)
    with pytest.raises(StoreError, match="not a kg store"):
        OxigraphStore(mine, read_only=True)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_failed_creation_leaves_no_store_and_its_leftover_is_cleared(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.store.oxigraph as mod

    real = mod.ox.Store

    def dies(path: str | None = None):  # type: ignore[no-untyped-def]
        real(path)  # RocksDB files written in the hidden sibling ...
        raise OSError("killed")  # ... then the process dies before the rename

    monkeypatch.setattr(mod.ox, "Store", dies)
    with pytest.raises(StoreError):
        OxigraphStore(tmp_path / "s")
    monkeypatch.undo()
    assert not (tmp_path / "s").exists()  # readers see "no store", never a half-made one
    (leftover,) = tmp_path.glob(".s.creating-*")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover.rename(tmp_path / f".s.creating-{dead.stdout.strip()}")  # as if its process was killed
    OxigraphStore(tmp_path / "s").close()
    assert not list(tmp_path.glob(".s.creating-*"))


_CREATE = textwrap.dedent(
    """
    import sys
    from kg.store.oxigraph import OxigraphStore
    print("ready", flush=True)
    sys.stdin.readline()
    OxigraphStore(sys.argv[1]).close()
    """
)


def test_kill_during_creation_leaves_no_store_or_a_usable_one(tmp_path: Path) -> None:
    rng = random.Random(7)
    for i in range(6):
        path = tmp_path / f"s{i}"
        proc = subprocess.Popen([sys.executable, "-c", _CREATE, str(path)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.stdin.write("\n")
        proc.stdin.flush()
        time.sleep(rng.uniform(0, 0.03))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if path.exists():
            with OxigraphStore(path, read_only=True) as store:
                assert len(store) == 0
        else:
            with pytest.raises(StoreError, match="no store here"):
                OxigraphStore(path, read_only=True)
