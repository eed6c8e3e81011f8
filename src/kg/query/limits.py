"""Query time limits: running a query in a child process that is killed at its deadline.

Oxigraph evaluates a query in Rust and cannot be interrupted from a Python thread, so a
limited query runs in a forked child (``os.fork``; Linux and macOS) (which shares the store's memory and open
handles, copy-on-write) and sends its result back serialized; at the deadline the child is
killed and :class:`~kg.errors.QueryTimeoutError` says so. The parent's store is never
touched by the child, so it stays usable after a kill.

>>> resolve_timeout(None, environ={})
30.0
>>> resolve_timeout(None, environ={"KG_QUERY_TIMEOUT": "2.5"})
2.5
>>> run_with_limit(lambda: 6 * 7, 5.0)
42
"""

from __future__ import annotations

import math
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from rdflib import Graph, Variable
from rdflib.query import Result

from kg.errors import QueryError, QueryTimeoutError

DEFAULT_TIMEOUT = 30.0
ENV_VAR = "KG_QUERY_TIMEOUT"

T = TypeVar("T")


def resolve_timeout(timeout: float | None = None, *, environ: Mapping[str, str] | None = None) -> float:
    """The time limit in seconds: ``timeout`` if given, else ``KG_QUERY_TIMEOUT``, else 30 s."""
    env = os.environ if environ is None else environ
    if timeout is None:
        raw = env.get(ENV_VAR, "").strip()
        if not raw:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(raw)
        except ValueError:
            raise QueryError(f"{ENV_VAR}={raw!r} is not a number of seconds") from None
    if not (math.isfinite(timeout) and timeout > 0):
        raise QueryError(f"the query time limit must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def _child(write_fd: int, work: Callable[[], object]) -> None:
    """The forked child: run ``work``, send back its pickled outcome (length first), never return."""
    try:
        try:
            message: tuple[str, object] = ("ok", work())
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            message = ("error", exc)
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an unpicklable value or exception: send its text
            data = pickle.dumps(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
        view = memoryview(len(data).to_bytes(8, "big") + data)
        while view:
            view = view[os.write(write_fd, view):]
        os.close(write_fd)
    finally:
        os._exit(0)  # no atexit handlers, no store destructors, no flushing of inherited buffers


def _reap_later(pid: int) -> None:
    """Wait for a child that already answered in a daemon thread: the caller does not wait
    for it to tear down its copy of a large process, and no zombie is left behind."""

    def wait() -> None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    threading.Thread(target=wait, name=f"kg-reap-{pid}", daemon=True).start()


def run_with_limit(work: Callable[[], T], timeout: float) -> T:
    """``work()`` run in a forked child; killed after ``timeout`` seconds.

    ``work`` must return something picklable; an exception it raises is raised here.
    A raw ``os.fork`` (not ``multiprocessing``) keeps the start-up cost low and works
    inside daemonic worker processes too. The answer is length-prefixed, so the parent
    returns as soon as it has it, without waiting for the child to exit (a daemon thread reaps it).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, measured by its effects
        os.close(read_fd)
        _child(write_fd, work)
    os.close(write_fd)
    deadline = time.monotonic() + timeout
    body: bytes | None = None
    try:
        head = _read_exact(read_fd, 8, deadline, timeout)
        if head is not None:
            body = _read_exact(read_fd, int.from_bytes(head, "big"), deadline, timeout)
    except BaseException:
        os.close(read_fd)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    os.close(read_fd)
    if body is None:
        _, status = os.waitpid(pid, 0)
        raise QueryError(f"query process ended without an answer (exit status {os.waitstatus_to_exitcode(status)})")
    done, _ = os.waitpid(pid, os.WNOHANG)
    if not done:
        _reap_later(pid)
    outcome, payload = pickle.loads(body)
    if outcome == "error":
        raise payload  # type: ignore[misc]
    return payload  # type: ignore[return-value]


def _read_exact(fd: int, n: int, deadline: float, timeout: float) -> bytes | None:
    """``n`` bytes from ``fd`` before ``deadline`` (QueryTimeoutError after); None at EOF."""
    chunks: list[bytes] = []
    got = 0
    while got < n:
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise QueryTimeoutError(
                f"query stopped after {timeout:g} s (time limit; raise it with --timeout or {ENV_VAR})"
            )
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# -- a portable result for stores without their own serializer (rdflib's MemoryStore) ----------
def _flatten(result: Result) -> tuple[str, object]:
    if result.type == "ASK":
        return "ASK", bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.type, list(result.graph)  # type: ignore[union-attr]
    cols = [str(v) for v in result.vars or []]
    return "SELECT", (cols, [{str(k): v for k, v in row.asdict().items()} for row in result])


def _rebuild(kind: str, data: Any) -> Result:
    res = Result(kind)
    if kind == "ASK":
        res.askAnswer = data
    elif kind in ("CONSTRUCT", "DESCRIBE"):
        g = Graph()
        for t in data:
            g.add(t)
        res.graph = g
    else:
        cols, rows = data
        res.vars = [Variable(c) for c in cols]
        res.bindings = [{Variable(k): v for k, v in row.items()} for row in rows]
    return res


def user_query(
    store: object,
    sparql: str,
    bindings: dict[str, Any] | None = None,
    *,
    timeout: float | None = None,
    allow: Any = None,
) -> Result:
    """A query a person asked for (``kg query``, ``kg sparql``): checked by the guard, then
    run under the time limit. ``allow`` defaults to ``KG_ALLOW``; ``timeout`` to
    ``KG_QUERY_TIMEOUT`` or 30 s."""
    from kg.query.guard import AllowList, check_query
    from kg.store.oxigraph import OxigraphStore

    allow = AllowList.from_env() if allow is None else allow
    limit = resolve_timeout(timeout)
    if isinstance(store, OxigraphStore):
        return store.query(sparql, bindings, timeout=limit, allow=allow)
    check_query(sparql, allow)
    query = store.query  # type: ignore[attr-defined]
    kind, data = run_with_limit(lambda: _flatten(query(sparql, bindings)), limit)
    return _rebuild(kind, data)


__all__ = ["DEFAULT_TIMEOUT", "ENV_VAR", "resolve_timeout", "run_with_limit", "user_query"]
