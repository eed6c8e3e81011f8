"""Long query children lose CPU priority; short ones keep it."""

from __future__ import annotations

import os
import signal
import time

from kg.serve.watch import NICEST, Reprioritizer


def _child(seconds: float) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only waits
        time.sleep(seconds)
        os._exit(0)
    return pid


def test_a_child_running_past_the_threshold_is_reniced_and_a_young_one_is_not():
    old = _child(30)
    try:
        time.sleep(0.3)
        young_watch = Reprioritizer(after=60)
        assert young_watch.sweep() == []
        assert os.getpriority(os.PRIO_PROCESS, old) == os.getpriority(os.PRIO_PROCESS, 0)
        watch = Reprioritizer(after=0.2)
        assert old in watch.sweep()
        assert os.getpriority(os.PRIO_PROCESS, old) == NICEST
        assert old not in watch.sweep()  # once is enough
    finally:
        os.kill(old, signal.SIGKILL)
        os.waitpid(old, 0)
    watch.sweep()
    assert old not in watch.reniced  # an ended child's id is forgotten (ids are reused)


def test_a_program_the_process_started_is_left_alone():
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.5)
        assert proc.pid not in Reprioritizer(after=0.1).sweep()
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        proc.kill()
        proc.wait()
