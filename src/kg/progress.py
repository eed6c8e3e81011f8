"""Progress of long work as periodic log lines, for output that is not a terminal (pipes, CI logs).

A terminal gets a live bar (``kg.cli``); a log gets one line every few seconds from a
background thread, so stages that report nothing for minutes (the comparisons) still show
the work is alive, and which stage it is in. The lines say the stage, how far it is when
known, how many records were read, and the time elapsed:

>>> clock = iter([0.0, 7.0, 75.0]).__next__
>>> log = ProgressLog("kg build", clock=clock)
>>> log("reading", 120, None); log.line()
'kg build: reading, 120 records read, 7 s elapsed'
>>> log("writing", 30, 120); log("comparing trials", 0, None); log.line()
'kg build: comparing trials, 120 records read, 1 min 15 s elapsed'
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO


def elapsed(seconds: float) -> str:
    """Seconds as a person reads them.

    >>> elapsed(4.2), elapsed(75), elapsed(3725)
    ('4 s', '1 min 15 s', '1 h 02 min')
    """
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class ProgressLog:
    """A ``progress(stage, done, total)`` callback that logs a line every ``every`` seconds.

    Used as a context manager: the thread that writes the lines runs inside the ``with``.
    Lines go to ``out``, a file descriptor (one ``os.write`` each: no Python lock is held that
    a process forked meanwhile, such as the build's parsing pool, could inherit locked) or a
    text stream without one (a test's captured stderr).
    """

    def __init__(self, label: str, *, every: float = 5.0, out: int | TextIO = 2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.every, self.out, self.clock = label, every, out, clock
        self.started = clock()
        self.stage, self.done, self.total = "starting", 0, None
        self.records = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        # Plain attribute stores: the writer thread reads them without a lock (a line may mix
        # one tick's stage with the next one's count, which no reader of a log would notice).
        self.stage, self.done, self.total = stage, done, total
        if stage == "reading":
            self.records = done

    def line(self) -> str:
        """The line for now."""
        where = self.stage
        if self.total:
            where += f" {self.done}/{self.total}"
        return f"{self.label}: {where}, {self.records} records read, {elapsed(self.clock() - self.started)} elapsed"

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if isinstance(self.out, int):
                    os.write(self.out, (self.line() + "\n").encode("utf-8", "replace"))
                else:
                    self.out.write(self.line() + "\n")
                    self.out.flush()
            except (OSError, ValueError):
                return  # the reader went away (a closed pipe): the work goes on without its log

    def __enter__(self) -> ProgressLog:
        self._thread = threading.Thread(target=self._run, name="kg-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
