"""Short-query slots and the long lane: a long query gives its slot back and its child yields the CPU."""

from __future__ import annotations

import os
import threading
import time

from kg.serve.lanes import Lanes


def _query_like(seconds: float, seen: dict[str, int]) -> str:
    """What a query does: fork a child and wait for it."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only waits
        time.sleep(seconds)
        os._exit(0)
    seen["child"] = pid
    time.sleep(0.3)
    seen["nice"] = os.getpriority(os.PRIO_PROCESS, pid)  # read while it runs
    os.waitpid(pid, 0)
    return "long"


def _race(lanes: Lanes, long_seconds: float) -> tuple[list[str], dict[str, int]]:
    order: list[str] = []
    seen: dict[str, int] = {}
    first = threading.Thread(target=lambda: order.append(lanes.run(lambda: _query_like(long_seconds, seen))))
    first.start()
    time.sleep(0.1)  # the long one holds the only slot
    second = threading.Thread(target=lambda: order.append(lanes.run(lambda: "short")))
    second.start()
    first.join(10)
    second.join(10)
    return order, seen


def test_a_long_query_gives_its_slot_to_a_short_one_and_is_reniced():
    lanes = Lanes(short=1, long=1, after=0.2, nice=10)
    order, seen = _race(lanes, long_seconds=1.5)
    assert order == ["short", "long"]
    assert lanes.promoted == 1 and lanes.reniced == [seen["child"]]
    assert seen["nice"] == 10
    assert lanes.free() == (1, 1)  # every slot back


def test_with_the_long_lane_full_a_long_query_keeps_its_slot():
    lanes = Lanes(short=1, long=0, after=0.2, nice=10)
    order, seen = _race(lanes, long_seconds=1.0)
    assert order == ["long", "short"]
    assert lanes.promoted == 0 and lanes.reniced == []
    assert seen["nice"] == os.getpriority(os.PRIO_PROCESS, 0)
    assert lanes.free() == (1, 0)


def test_a_failing_query_gives_its_slot_back():
    lanes = Lanes(short=1, long=1, after=60)

    def boom() -> None:
        raise ValueError("no")

    for _ in range(3):
        try:
            lanes.run(boom)
        except ValueError:
            pass
    assert lanes.free() == (1, 1)


def test_a_program_the_process_started_is_never_reniced():
    import subprocess
    import sys

    lanes = Lanes(short=1, long=1, after=0.1, nice=10)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lanes.run(lambda: time.sleep(0.5))
        assert lanes.promoted == 1 and lanes.reniced == []
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        proc.kill()
        proc.wait()


def test_by_default_a_long_query_moves_lanes_without_being_reniced():
    lanes = Lanes(short=1, long=1, after=0.2)
    order, seen = _race(lanes, long_seconds=1.0)
    assert order == ["short", "long"] and lanes.promoted == 1
    assert lanes.reniced == [] and seen["nice"] == os.getpriority(os.PRIO_PROCESS, 0)
