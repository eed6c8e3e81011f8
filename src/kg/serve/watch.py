"""Priority of long queries: a query child that has run longer than a few seconds gets the lowest CPU priority.

Every query the endpoint runs is a forked child of the server (:mod:`kg.query.limits`). On a
small machine one runaway query (a cross product running to its time limit) would take a
whole core from the short ones; once a child has run ``after`` seconds it is reniced to 19,
so the kernel gives short queries the CPU first and the long one what is left. The time
limit still ends it. Only forks are touched (children with the server's own command line),
never a program the server's process started.
"""

from __future__ import annotations

import os
import threading
import time

import psutil

#: A child older than this (seconds) is a long query.
LONG_AFTER = 2.0
NICEST = 19


class Reprioritizer:
    """A daemon thread that renices this process's children once they run longer than ``after`` seconds."""

    def __init__(self, after: float = LONG_AFTER, every: float = 0.5) -> None:
        self.after, self.every = after, every
        self.reniced: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kg-serve-renice", daemon=True)

    def start(self) -> Reprioritizer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def sweep(self) -> list[int]:
        """Renice the children that have run long enough; returns their ids (this sweep's)."""
        now = time.time()
        done = []
        try:
            me = psutil.Process(os.getpid())
            children, mine = me.children(), me.cmdline()
        except psutil.Error:
            return done
        alive = set()
        for child in children:
            alive.add(child.pid)
            if child.pid in self.reniced:
                continue
            try:
                # a query child is a fork (our command line); a program this process started is not one
                if now - child.create_time() >= self.after and child.cmdline() == mine:
                    child.nice(NICEST)
                    self.reniced.add(child.pid)
                    done.append(child.pid)
            except psutil.Error:  # ended meanwhile
                continue
        self.reniced &= alive  # ids are reused: forget the ended ones
        return done

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sweep()


__all__ = ["LONG_AFTER", "Reprioritizer"]
