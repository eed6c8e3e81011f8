"""Query time limits: running a query in a child process that is killed at its deadline.

Oxigraph evaluates a query in Rust and cannot be interrupted from a Python thread, so a
limited query runs in a forked child (which shares the store's memory and open
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
import multiprocessing
import os
import pickle
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


def _child(conn: Any, work: Callable[[], object]) -> None:
    try:
        message: tuple[str, object] = ("ok", work())
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        message = ("error", exc)
    try:
        conn.send(message)
    except (pickle.PicklingError, TypeError, AttributeError):
        conn.send(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
    conn.close()


def run_with_limit(work: Callable[[], T], timeout: float) -> T:
    """``work()`` run in a forked child; killed after ``timeout`` seconds.

    ``work`` must return something picklable; an exception it raises is raised here.
    """
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, work), daemon=True, name="kg-query")
    proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryTimeoutError(
                f"query stopped after {timeout:g} s (time limit; raise it with --timeout or {ENV_VAR})"
            )
        try:
            status, payload = receiver.recv()
        except EOFError:
            proc.join(1)
            raise QueryError(f"query process ended without an answer (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if status == "error":
        raise payload  # type: ignore[misc]
    return payload  # type: ignore[return-value]


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
