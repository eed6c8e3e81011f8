"""Progress as log lines (kg.progress): lines keep coming while a stage reports nothing, and stop with the work."""

from __future__ import annotations

import io
import time

from kg.progress import ProgressLog


def test_lines_keep_coming_through_a_silent_stage_and_stop_after() -> None:
    out = io.StringIO()
    with ProgressLog("kg build", every=0.05, out=out) as log:
        log("reading", 7, None)
        log("comparing trials", 0, None)  # then nothing is reported for a while
        time.sleep(0.6)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 2
    assert all(line.startswith("kg build: comparing trials, 7 records read, ") and line.endswith(" elapsed")
               for line in lines)
    time.sleep(0.2)
    assert out.getvalue().splitlines() == lines  # the writer stopped with the `with`


def test_a_stage_with_a_total_shows_how_far_it_is() -> None:
    clock = iter([0.0, 3725.0]).__next__
    log = ProgressLog("kg build", clock=clock)
    log("writing", 30, 120)
    assert log.line() == "kg build: writing 30/120, 0 records read, 1 h 02 min elapsed"


def test_nothing_is_written_by_a_short_piece_of_work() -> None:
    out = io.StringIO()
    with ProgressLog("kg build", every=5.0, out=out) as log:
        log("reading", 1, None)
    assert out.getvalue() == ""
