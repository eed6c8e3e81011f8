"""Fixtures of the endpoint tests: the app over the demo store, served by uvicorn on a free local port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from kg.serve.app import ServeSettings, create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(store: object, settings: ServeSettings | None = None) -> Iterator[httpx.Client]:
    """The endpoint over ``store`` served by uvicorn (as `kg serve` does) in a thread; yields a
    client whose base URL is the server's."""
    import uvicorn

    port = free_port()
    settings = settings or ServeSettings(timeout=20)
    config = uvicorn.Config(create_app(store, settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def client(demo_store) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A client of the endpoint over the demo store."""
    with running(demo_store) as c:
        yield c
