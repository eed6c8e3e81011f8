"""Server engines for the compliance suite: an Oxigraph server and Virtuoso, started once per
run, each loaded with the demo store by ``kg.push`` (the same quads the embedded store holds).

Virtuoso comes from Debian (``virtuoso-opensource``): without it these tests skip, unless
``KG_REQUIRE_VIRTUOSO=1`` (CI sets it) makes them fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.push import push
from kg.push.servers import Server, oxigraph_binary, start_oxigraph, start_virtuoso, virtuoso_binaries
from kg.store.endpoint import EndpointStore


def _missing(what: str, env: str) -> None:
    if os.environ.get(env) == "1":
        pytest.fail(f"{what} is required ({env}=1) but not installed")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="session")
def oxigraph_server(demo_store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if oxigraph_binary() is None:
        _missing("the oxigraph server (pip install oxigraph)", "KG_REQUIRE_OXIGRAPH_SERVER")
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server") / "data")
    try:
        report = push(demo_store, server.base, engine="auto")
        assert report.quads == len(demo_store)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(demo_store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if virtuoso_binaries() is None:
        _missing("Virtuoso (apt-get install virtuoso-opensource)", "KG_REQUIRE_VIRTUOSO")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso") / "db")
    try:
        report = push(demo_store, server.base, engine="auto", isql_port=server.isql_port,
                      load_dir=Path(server.extra["loads"]))
        assert report.quads == len(demo_store)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=["oxigraph-server", "virtuoso"])
def endpoint(request: pytest.FixtureRequest) -> EndpointStore:
    """Each server engine in turn, as a kg store."""
    server: Server = request.getfixturevalue("oxigraph_server" if request.param == "oxigraph-server"
                                             else "virtuoso_server")
    return EndpointStore(server.query_url, timeout=60)
