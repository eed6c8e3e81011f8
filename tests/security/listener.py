"""A local TCP listener that counts connections: the witness that an input made kg call out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.listener import Listener

__all__ = ["Listener", "listener"]


@pytest.fixture
def listener() -> Iterator[Listener]:
    ln = Listener()
    yield ln
    ln.close()

