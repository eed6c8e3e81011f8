"""A local TCP listener that counts connections: the witness that a query or an input made kg call out.

Used by the attack benchmarks and by the security tests (``tests/security/listener.py``).

>>> ln = Listener()
>>> ln.url.startswith("http://127.0.0.1:"), ln.connections
(True, 0)
>>> ln.close()
"""

from __future__ import annotations

import socket
import threading
import time


class Listener:
    """A TCP listener on 127.0.0.1, in a thread, that counts the connections it is offered
    and keeps the first bytes of each (what the caller tried to send); it answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.first_bytes: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.2)
            try:
                self.first_bytes.append(conn.recv(64))
            except OSError:
                self.first_bytes.append(b"")
            finally:
                conn.close()

    def settled(self, wait: float = 0.3) -> int:
        """The connection count once a late connection has had ``wait`` seconds to arrive."""
        time.sleep(wait)
        return self.connections

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()
