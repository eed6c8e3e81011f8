"""The endpoint's HTTP application: SPARQL 1.1 Protocol, named queries, their description and the query page.

An ASGI app (Starlette) over kg's own query path: every query, typed or named, goes through
:func:`kg.query.limits.user_query` (the guard: read-only, SERVICE/FROM allow-list, then a
sandboxed child killed at the time limit), exactly as ``kg sparql`` and ``kg query`` do.
The answer is serialized whole before the response starts, so a query stopped at its limit
is a ``503`` with one line of text, never a ``200`` with a cut-off body (decision 0016).

Routes: ``/sparql`` and ``/query`` (GET ``?query=``, POST form or ``application/sparql-query``),
``/queries`` (the named queries as JSON), ``/queries/NAME?param=value``, ``/openapi.json``,
``/`` (YASGUI, served from the package) and ``/static/…``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.errors import KgError, ParameterError, QueryError, QueryRefusedError, QueryTimeoutError
from kg.serve.formats import NotAcceptable, acceptable_at_all, render

log = logging.getLogger("kg.serve")

#: The page's Content-Security-Policy: nothing but this server (YASGUI sets inline styles; images may be data: URIs).
PAGE_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True)
class ServeSettings:
    """What ``kg serve`` is told: where to listen, the query limits and who may call it from a browser."""

    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float | None = None  # seconds per query; None: KG_QUERY_TIMEOUT or 30 s
    allow: tuple[str, ...] = ()  # SERVICE/FROM prefixes allowed, besides KG_ALLOW
    cors: tuple[str, ...] = ()  # origins a browser page may call from ("*": any); none: no CORS headers
    max_body: int = 1 << 20  # bytes of a POST body (413 beyond)
    max_url: int = 32 << 10  # bytes of a GET query string (414 beyond)
    max_running: int = 4  # queries running at once; more wait their turn
    max_long: int = 1  # queries past long_query_after that give their slot back (kg.serve.lanes)
    long_query_after: float = 2.0  # seconds after which a query is long
    long_query_nice: int = 0  # > 0: renice a long query's child (off: see kg.serve.lanes)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _one_line(text: str, limit: int = 500) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_of(exc: BaseException) -> int:
    """The HTTP status a kg error is answered with.

    >>> status_of(QueryTimeoutError("stopped")), status_of(QueryRefusedError("update")), status_of(ParameterError("x"))
    (503, 403, 400)
    """
    if isinstance(exc, _HTTPError):
        return exc.status
    if isinstance(exc, QueryTimeoutError):
        return 503
    if isinstance(exc, QueryRefusedError):
        return 403
    if isinstance(exc, NotAcceptable):
        return 406
    if isinstance(exc, QueryError):
        # the query child died (killed from outside, out of memory): not the client's fault
        return 500 if str(exc).startswith("query process ended") else 400
    return 500


def _error(status: int, message: str) -> Response:
    return PlainTextResponse(_one_line(message) + "\n", status_code=status,
                             headers={"Cache-Control": "no-store"})


def static_dir() -> Path:
    """The folder of the page's files (YASGUI's dist files, its licence, kg's page script)."""
    return Path(str(resources.files("kg.serve") / "static"))


def _open_store(store: object) -> tuple[object, bool]:
    if isinstance(store, (str, os.PathLike)):
        from kg.store.oxigraph import OxigraphStore

        return OxigraphStore(store, read_only=True), True
    return store, False


#: Modules a query child may import on its way (parameter lookups, binding, reading answers).
#: Imported once here, before any fork: a child importing them would pay for it on every query,
#: and a fork taken while another thread holds the import lock would leave the child waiting
#: for a lock no thread of its own will ever release.
_CHILD_MODULES = ("kg.query.params", "kg.query.binding", "kg.query.lookup", "kg.compare.facts",
                  "kg.criteria.diseases", "kg.store.tsv", "rdflib.plugins.sparql")


def _preload() -> None:
    import importlib

    for name in _CHILD_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a module another version of kg does not have
            continue


def create_app(store: object, settings: ServeSettings | None = None) -> Starlette:
    """The endpoint over ``store``: a store folder (opened read-only here and closed on
    shutdown) or an open store (an OxigraphStore or a MemoryStore; left open)."""
    from kg.query.guard import AllowList
    from kg.query.limits import resolve_timeout, user_query
    from kg.query.named import load_queries, only_given, run_named
    from kg.serve.lanes import Lanes
    from kg.serve.openapi import describe

    settings = settings or ServeSettings()
    _preload()
    allow = AllowList.from_env(*settings.allow)
    timeout = resolve_timeout(settings.timeout)
    named = {name: q for name, q in load_queries().items() if not q.view}
    state: dict[str, Any] = {}
    lanes = Lanes(settings.max_running, settings.max_long, settings.long_query_after, settings.long_query_nice)
    # threads only wait for a lane here: enough for every client of a busy server
    limiter_box: list[anyio.CapacityLimiter] = []

    def opened() -> Any:
        if "store" not in state:
            state["store"], state["owned"] = _open_store(store)
        return state["store"]

    async def in_thread(work: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
        if not limiter_box:  # made inside the running loop
            limiter_box.append(anyio.CapacityLimiter(256))
        return await anyio.to_thread.run_sync(lanes.run, work, limiter=limiter_box[0])

    async def answer(work: Callable[[], tuple[bytes, str]]) -> Response:
        try:
            body, ctype = await in_thread(work)
        except (KgError, _HTTPError) as exc:
            return _error(status_of(exc), str(exc))
        except Exception as exc:  # a bug: logged with its traceback, answered in one line
            log.exception("kg serve: query failed")
            return _error(500, f"internal error: {type(exc).__name__}: {exc}")
        return Response(body, media_type=None, headers={"Content-Type": ctype, "Cache-Control": "no-store"})

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > settings.max_body:
            raise _HTTPError(413, f"request body of {declared} bytes is over the limit of {settings.max_body}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_body:
                raise _HTTPError(413, f"request body is over the limit of {settings.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def check_url(request: Request) -> None:
        if len(request.url.query.encode()) > settings.max_url:
            raise _HTTPError(414, f"query string is over the limit of {settings.max_url} bytes; send the query by POST")

    async def query_text(request: Request) -> str:
        """The query of a SPARQL 1.1 Protocol request (403 for an update, 4xx for what is not a query)."""
        check_url(request)
        fields: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            fields.setdefault(key, []).append(value)
        text: str | None = None
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                raise _HTTPError(403, "this endpoint is read-only: SPARQL Update is refused")
            body = await read_body(request)
            try:
                decoded = body.decode("utf-8")
            except UnicodeDecodeError:
                raise _HTTPError(400, "the request body is not UTF-8") from None
            if ctype == "application/sparql-query":
                text = decoded
            elif ctype == "application/x-www-form-urlencoded":
                for key, values in parse_qs(decoded, keep_blank_values=True).items():
                    fields.setdefault(key, []).extend(values)
            else:
                raise _HTTPError(415, f"POST a query as application/sparql-query or application/x-www-form-urlencoded, not {ctype or 'no type'}")
        if "update" in fields or "using-graph-uri" in fields or "using-named-graph-uri" in fields:
            raise _HTTPError(403, "this endpoint is read-only: SPARQL Update is refused")
        if fields.get("default-graph-uri") or fields.get("named-graph-uri"):
            raise _HTTPError(400, "default-graph-uri / named-graph-uri are not supported: name kg's graphs with FROM / FROM NAMED in the query")
        if text is None:
            given = fields.get("query", [])
            if len(given) != 1:
                raise _HTTPError(400, "give exactly one query (the 'query' parameter)" if given else
                                 "no query: send ?query=… or POST one (see /openapi.json)")
            text = given[0]
        if not text.strip():
            raise _HTTPError(400, "the query is empty")
        return text

    async def sparql(request: Request) -> Response:
        try:
            text = await query_text(request)
        except _HTTPError as exc:
            return _error(exc.status, str(exc))
        accept = request.headers.get("accept")
        if not acceptable_at_all(accept):
            return _error(406, f"no answer can be sent as {accept}; see /openapi.json for the media types")

        def work() -> tuple[bytes, str]:
            return render(user_query(opened(), text, timeout=timeout, allow=allow), accept)

        return await answer(work)

    async def named_query(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in named:
            return _error(404, f"no named query {name!r}; GET /queries lists them")
        try:
            check_url(request)
        except _HTTPError as exc:
            return _error(exc.status, str(exc))
        params: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            if key in params:
                return _error(400, f"parameter {key!r} given more than once")
            params[key] = value
        accept = request.headers.get("accept")

        def work() -> tuple[bytes, str]:
            return render(run_named(opened(), name, params, timeout=timeout, allow=allow).result, accept)

        return await answer(work)

    def listing() -> dict[str, Any]:
        from kg import vocab as V

        return {"prefixes": {k: str(v) for k, v in V.PREFIXES.items()}, "queries": [{"name": q.name, "summary": q.summary, "path": f"/queries/{q.name}",
                 "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                             "description": p.description} for p in q.params],
                 "sparql": only_given(q.text, set())} for q in named.values()]}

    async def queries(request: Request) -> Response:
        return JSONResponse(listing())

    async def openapi(request: Request) -> Response:
        from importlib.metadata import PackageNotFoundError, version

        try:
            kg_version = version("kg")
        except PackageNotFoundError:
            kg_version = ""
        return JSONResponse(describe(named.values(), version=kg_version))

    async def page(request: Request) -> Response:
        return FileResponse(static_dir() / "index.html", media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
                                     "Referrer-Policy": "no-referrer"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened()
        try:
            yield
        finally:
            if state.pop("owned", False):
                state.pop("store").close()

    middleware = []
    if settings.cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.cors),
                                     allow_methods=["GET", "POST"], allow_headers=["Accept", "Content-Type"]))
    routes = [
        Route("/", page, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query", sparql, methods=["GET", "POST"]),
        Route("/queries", queries, methods=["GET"]),
        Route("/queries/{name}", named_query, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        # YASGUI's 1 MB script goes out as ~0.3 MB to browsers that accept gzip
        Mount("/static", GZipMiddleware(StaticFiles(directory=static_dir()), minimum_size=4096), name="static"),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.lanes = lanes
    app.state.listing = listing
    return app


def serve(store: object, settings: ServeSettings | None = None, *, log_level: str = "info") -> None:
    """Run the endpoint until interrupted (uvicorn, one process: each query runs in its own child)."""
    import uvicorn

    settings = settings or ServeSettings()
    app = create_app(store, settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level,
                h11_max_incomplete_event_size=settings.max_url + (16 << 10), server_header=False)


def openapi_json(indent: int = 2) -> str:
    """The OpenAPI description as text (what ``/openapi.json`` answers)."""
    from kg.query.named import load_queries
    from kg.serve.openapi import describe

    return json.dumps(describe(load_queries().values()), indent=indent)


__all__ = ["PAGE_CSP", "ServeSettings", "create_app", "openapi_json", "serve", "static_dir", "status_of"]
