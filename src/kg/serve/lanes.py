"""Who runs when: a few short-query slots, and a separate lane a long query moves to so it stops holding one.

Every query the endpoint runs is a forked child (:mod:`kg.query.limits`). At most ``short``
of them run at once; the others wait their turn (the wait does not count against the time
limit). A query still running after ``after`` seconds moves to the long lane when the lane
has room (``long`` places): it gives its slot back, so one runaway query (a cross product
running to its time limit) no longer keeps a slot from the short ones. With ``nice`` > 0 its
child is also reniced, to take only the CPU they leave; that is off by default (decision
0016: on a machine shared with other work a reniced query starves behind every other
process, and an ordinary query that ran long only because the machine was busy then runs
into its time limit). When the long lane is full a long query keeps its slot. The time
limit ends a long query as any other.

>>> lanes = Lanes(short=2, long=1, after=60)
>>> lanes.run(lambda: 6 * 7)
42
>>> lanes.free()
(2, 1)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import psutil

T = TypeVar("T")


_TICK = os.sysconf("SC_CLK_TCK")


def _since_boot() -> float:
    """Now, in the clock /proc gives process start times in (seconds since boot)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def _started(pid: int) -> float:
    """When process ``pid`` started, in seconds since boot (10 ms resolution; psutil's
    create_time adds a boot time rounded to the second)."""
    with open(f"/proc/{pid}/stat", "rb") as fh:
        fields = fh.read().rsplit(b")", 1)[1].split()
    return int(fields[19]) / _TICK


class _Ticket:
    __slots__ = ("done", "lane", "started")

    def __init__(self) -> None:
        self.lane = "short"
        self.done = False
        self.started = _since_boot()


class Lanes:
    """Slots for short queries and a lane for long ones; :meth:`run` is called from worker threads."""

    def __init__(self, short: int = 4, long: int = 1, after: float = 2.0, nice: int = 0) -> None:
        if short < 1 or long < 0:
            raise ValueError("at least one short slot, and no negative long lane")
        self.after, self.nice = after, nice
        self._short, self._long = short, long
        self._cond = threading.Condition()
        self.promoted = 0  # queries moved to the long lane so far
        self.reniced: list[int] = []  # query children reniced so far (process ids)

    def free(self) -> tuple[int, int]:
        """(free short slots, free places in the long lane)."""
        with self._cond:
            return self._short, self._long

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` once a short slot is free (blocking the calling thread until then)."""
        with self._cond:
            while self._short == 0:
                self._cond.wait()
            self._short -= 1
        ticket = _Ticket()
        timer = threading.Timer(self.after, self._promote, args=(ticket,))
        timer.daemon = True
        timer.start()
        try:
            return work()
        finally:
            timer.cancel()
            with self._cond:
                ticket.done = True
                if ticket.lane == "short":
                    self._short += 1
                else:
                    self._long += 1
                self._cond.notify_all()

    def _promote(self, ticket: _Ticket) -> None:
        with self._cond:
            if ticket.done or self._long == 0:
                return
            self._long -= 1
            self._short += 1
            ticket.lane = "long"
            self.promoted += 1
            self._cond.notify_all()
        pid = self._query_child(ticket.started) if self.nice > 0 else None
        if pid is not None:
            try:
                psutil.Process(pid).nice(self.nice)
                self.reniced.append(pid)
            except psutil.Error:  # it ended meanwhile
                pass

    def _query_child(self, started: float) -> int | None:
        """The child of this long query: the first fork of this process made since the query
        began that still runs at normal priority (queries started later forked later; a named
        query's finished parameter lookup is gone). Programs the process started (another
        command line) are never picked."""
        try:
            me = psutil.Process(os.getpid())
            mine, children = me.cmdline(), me.children()
        except psutil.Error:
            return None
        found = []
        for c in children:
            try:
                born = _started(c.pid)
                if born >= started - 0.02 and c.cmdline() == mine and c.nice() < self.nice:
                    found.append((born, c.pid))
            except (psutil.Error, OSError):  # ended meanwhile
                continue
        return min(found)[1] if found else None


__all__ = ["Lanes"]
