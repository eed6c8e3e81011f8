"""Child processes tied to kg: every worker or helper process kg starts dies when kg dies.

A ``kill -9`` of ``kg`` runs none of its cleanup (no ``finally``, no pool shutdown), so a
child cannot rely on its parent to stop it. On Linux the kernel can: ``prctl(PR_SET_PDEATHSIG,
SIGKILL)`` asks it to kill the child the moment its parent exits, however that happened
(SIGKILL, SIGTERM, SIGHUP, a crash). :func:`die_with_parent` sets that up from inside the
child -- as a ``ProcessPoolExecutor`` initializer (:func:`pool_initializer`) or as a
``subprocess`` ``preexec_fn`` (:func:`preexec`) -- and closes the race where the parent
died before the call took effect.

The signal follows the *thread* that started the child: a child started from a worker
thread dies when that thread ends. kg starts its children from the thread that waits for
them, so that thread outlives them.

Elsewhere (no ``prctl``) these functions do nothing: the parent's own handlers are all
there is.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1
_LIBC: Any = None


def libc() -> Any:
    """The C library, loaded once (prctl, unshare: calls Python's os module lacks on 3.11)."""
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


def die_with_parent(parent: int) -> None:
    """In a child of process ``parent``: have the kernel SIGKILL this process when the parent
    exits; exit at once if it has exited already."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died between fork and prctl: nobody would signal us
        os._exit(1)


def pool_initializer() -> tuple[Callable[[int], None], tuple[int]]:
    """``(initializer, initargs)`` for a process pool whose workers die with this process."""
    return die_with_parent, (os.getpid(),)


def preexec() -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess`` whose child dies with this process.

    It runs between fork and exec, so it only makes a system call (no imports, no locks)."""
    parent = os.getpid()
    c_lib = libc() if sys.platform.startswith("linux") else None

    def _tie() -> None:
        if c_lib is None:
            return
        c_lib.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return _tie
