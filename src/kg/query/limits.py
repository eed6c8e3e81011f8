"""Query time limits and the query sandbox: a child process killed at its deadline, with no network.

Oxigraph evaluates a query in Rust and cannot be interrupted from a Python thread, so a
limited query runs in a forked child (``os.fork``; Linux and macOS) (which shares the store's memory and open
handles, copy-on-write) and sends its result back serialized; at the deadline the child is
killed and :class:`~kg.errors.QueryTimeoutError` says so. The parent's store is never
touched by the child, so it stays usable after a kill.

The child is also the backstop below the query guard (decision 0012): right after the fork,
while it is single-threaded, it asks the kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG``) and moves into a new, empty network namespace
(``unshare(CLONE_NEWNET)``, or ``CLONE_NEWUSER|CLONE_NEWNET`` without root): no interface but
a downed loopback, no route anywhere, so a SERVICE that slipped past the guard connects
nowhere. Only a query whose allowed SERVICE endpoints need it keeps the network.

>>> resolve_timeout(None, environ={})
30.0
>>> resolve_timeout(None, environ={"KG_QUERY_TIMEOUT": "2.5"})
2.5
>>> run_with_limit(lambda: 6 * 7, 5.0)
42
"""

from __future__ import annotations

import ctypes
import math
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from rdflib import Graph, Variable
from rdflib.query import Result

from kg import settings
from kg.children import die_with_parent, libc
from kg.errors import QueryError, QueryRefusedError, QueryTimeoutError

DEFAULT_TIMEOUT = settings.DEFAULT_QUERY_TIMEOUT
ENV_VAR = settings.QUERY_TIMEOUT

T = TypeVar("T")


def resolve_timeout(timeout: float | None = None, *, environ: Mapping[str, str] | None = None) -> float:
    """The time limit in seconds: ``timeout`` if given, else ``KG_QUERY_TIMEOUT``, else 30 s."""
    if timeout is None:
        raw = settings.query_timeout_text(environ)
        if raw is None:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(raw)
        except ValueError:
            raise QueryError(f"{ENV_VAR}={raw!r} is not a number of seconds") from None
    if not (math.isfinite(timeout) and timeout > 0):
        raise QueryError(f"the query time limit must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def _cut_network() -> str | None:
    """Move this (single-threaded, just forked) process into an empty network namespace;
    None on success, else why not."""
    try:
        c_lib = libc()
        if c_lib.unshare(_CLONE_NEWNET) == 0:
            return None
        first = os.strerror(ctypes.get_errno())
        # Without CAP_SYS_ADMIN a new user namespace grants it inside; file access is unchanged
        # (the kernel still checks the real uid).
        if c_lib.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
            return None
        return f"unshare(CLONE_NEWNET): {first}; with CLONE_NEWUSER: {os.strerror(ctypes.get_errno())}"
    except (OSError, AttributeError) as exc:
        return f"unshare unavailable: {exc}"


def offline_available() -> bool:
    """Whether this system can run a query child without network (cached per process)."""
    global _OFFLINE
    if _OFFLINE is None:
        try:
            _OFFLINE = run_with_limit(lambda: True, 10.0, require_offline=True)
        except QueryRefusedError:
            _OFFLINE = False
    return _OFFLINE


_OFFLINE: bool | None = None


def _child(write_fd: int, work: Callable[[], object], parent: int, network: bool, require_offline: bool) -> None:
    """The forked child: sandbox itself, run ``work``, send back its pickled outcome (length first), never return."""
    try:
        try:
            die_with_parent(parent)  # SIGTERM/SIGHUP/SIGKILL of kg takes the query with it
            why = None if network else _cut_network()
            if why is not None and require_offline:
                raise QueryRefusedError(
                    f"this system cannot run a query without network ({why}); kg refuses queries that "
                    "mention SERVICE here (decision 0012)"
                )
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


def run_with_limit(work: Callable[[], T], timeout: float, *, network: bool = False,
                   require_offline: bool = False) -> T:
    """``work()`` run in a forked child; killed after ``timeout`` seconds or when the caller dies.

    The child has no network unless ``network``; where the system cannot take it away, the
    child runs anyway, or refuses (QueryRefusedError) when ``require_offline``.

    ``work`` must return something picklable; an exception it raises is raised here.
    A raw ``os.fork`` (not ``multiprocessing``) keeps the start-up cost low and works
    inside daemonic worker processes too. The answer is length-prefixed, so the parent
    returns as soon as it has it, without waiting for the child to exit (a daemon thread reaps it).
    """
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, measured by its effects
        os.close(read_fd)
        _child(write_fd, work, parent, network, require_offline)
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


@contextmanager
def forkable(store: object) -> Iterator[object]:
    """``store`` as a forked query child may read it: itself, unless it is an on-disk store
    opened for writing; then a read-only store on a snapshot of it.

    A child forked beside a writer inherits the writer's storage mid-flight (its background
    threads' locks, half-written buffers) and would read through it. A read-only handle on
    the writer's own folder is not enough either: it reads the file list once, and the
    writer's compactions delete files from under it ("Corruption: … .sst: No such file").
    The snapshot is Oxigraph's backup (a RocksDB checkpoint: hard links to the immutable
    files, beside the store, removed afterwards), so nothing the writer does reaches the
    child. ``kg query``, ``kg sparql`` and ``kg serve`` open their stores read-only already:
    this covers library callers that query the store they are building."""
    if getattr(store, "read_only", True) or getattr(store, "path", None) is None:
        yield store
        return
    import shutil
    import tempfile
    from pathlib import Path

    from kg.store.oxigraph import OxigraphStore

    path = Path(store.path)  # type: ignore[attr-defined]
    # beside the store: hard links need the same file system
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.snapshot-", dir=path.parent))
    try:
        store.flush()  # type: ignore[attr-defined]
        store._store.backup(str(work / "store"))  # type: ignore[attr-defined]
        reader = OxigraphStore(work / "store", read_only=True)
        try:
            yield reader
        finally:
            reader.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def user_query(
    store: object,
    sparql: str,
    bindings: dict[str, Any] | None = None,
    *,
    timeout: float | None = None,
    allow: Any = None,
) -> Result:
    """A query a person asked for (``kg query``, ``kg sparql``, ``kg serve``): checked by the
    guard, then run by :func:`limited_query`. ``allow`` defaults to ``KG_ALLOW``; ``timeout``
    to ``KG_QUERY_TIMEOUT`` or 30 s."""
    from kg.query.guard import AllowList, clear_query

    allow = AllowList.from_env() if allow is None else allow
    clearance = clear_query(sparql, allow)
    return limited_query(store, sparql, bindings, timeout=timeout, clearance=clearance)


def limited_query(
    store: object,
    sparql: str,
    bindings: dict[str, Any] | None = None,
    *,
    timeout: float | None = None,
    clearance: Any = None,
) -> Result:
    """``sparql`` with ``bindings`` bound, run on ``store`` under the time limit: on a
    local store in the sandboxed child (no network unless ``clearance`` -- the guard's
    verdict on a person's query -- says an allowed SERVICE needs it); on a remote endpoint
    (:class:`kg.store.endpoint.EndpointStore`) as one request the client gives up on at the
    limit. Without ``clearance`` the guard is not asked (kg's own queries, tests)."""
    from kg.query import binding  # looked up per call: the injection tests replace it
    from kg.query.guard import check_bound
    from kg.store.oxigraph import OxigraphStore, from_serialized

    limit = resolve_timeout(timeout)
    network = clearance is not None and clearance.network
    require_offline = clearance is not None and clearance.mentions_service
    if isinstance(store, OxigraphStore) or getattr(store, "remote", False):
        text = binding.inject_values(sparql, bindings) if bindings else sparql
        if clearance is not None and bindings:
            # binding may add one VALUES block of serialized terms and nothing else
            check_bound(sparql, text)
        if getattr(store, "remote", False):
            return store.query(text, timeout=limit)  # type: ignore[attr-defined]
        # A query naming its dataset (FROM / FROM NAMED) gets exactly those graphs.
        union = clearance is None or not clearance.dataset
        with forkable(store) as reader:
            reader.flush()  # type: ignore[attr-defined]  # settle pending writes before the fork
            kind, data = run_with_limit(lambda: reader.serialized_query(text, union), limit,  # type: ignore[attr-defined]
                                        network=network, require_offline=require_offline)
        return from_serialized(kind, data)
    query = store.query  # type: ignore[attr-defined]

    def work() -> tuple[str, object]:
        # rdflib would fetch FROM graphs over HTTP; kg's FROM names graphs of the store
        from rdflib.plugins import sparql as rdflib_sparql

        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
        return _flatten(query(sparql, bindings))

    kind, data = run_with_limit(work, limit, network=network, require_offline=require_offline)
    return _rebuild(kind, data)


def engine_syntax_error(sparql: str, timeout: float = 10.0) -> str | None:
    """Oxigraph's syntax error for ``sparql`` as one line, or None when Oxigraph parses it.

    The text is handed to Oxigraph (an empty in-memory store) inside a child without
    network, so asking can never connect anywhere; where the system cannot take the
    network away, Oxigraph is not asked (None)."""
    import pyoxigraph as ox

    from kg.store.oxigraph import _PREFIXES

    def parse() -> str | None:
        try:
            ox.Store().query(sparql, prefixes=_PREFIXES)
        except SyntaxError as exc:
            return " ".join(str(exc).split())[:300]
        except Exception:  # noqa: BLE001 - parsed; evaluation failed (no network, no data)
            return None
        return None

    try:
        return run_with_limit(parse, timeout, require_offline=True)
    except (QueryRefusedError, QueryTimeoutError):
        return None


__all__ = ["DEFAULT_TIMEOUT", "ENV_VAR", "engine_syntax_error", "forkable", "limited_query", "offline_available",
           "resolve_timeout", "run_with_limit", "user_query"]
