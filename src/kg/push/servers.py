"""Local server engines started for kg's tests and benchmarks: an Oxigraph server, Virtuoso.

Each is started on free localhost ports in a folder of its own, waited for until it answers,
and stopped by :meth:`Server.stop` (its process only). Virtuoso comes from the Debian package
``virtuoso-opensource`` (``virtuoso-t``, ``isql-vt``); the Oxigraph server from the PyPI
package ``oxigraph`` (the ``oxigraph`` command beside the Python running kg).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import StoreError

#: Virtuoso's default DBA password: the server is bound to localhost and lives in a tmp folder.
VIRTUOSO_PASSWORD = "dba"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command of this Python's environment, else one on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def virtuoso_binaries() -> tuple[str, str] | None:
    """(``virtuoso-t``, ``isql-vt``) when Virtuoso is installed."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    return (server, isql) if server and isql else None


@dataclass
class Server:
    """A running server engine: its query endpoint, its base URL, how to stop it."""

    engine: str
    base: str
    query_url: str
    folder: Path
    process: subprocess.Popen[bytes]
    isql_port: int | None = None
    log: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise StoreError(f"server exited with status {process.returncode} before answering: {tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (an error status for a bare GET is an answer)
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    process.kill()
    raise StoreError(f"server at {url} did not answer within {timeout:g} s")


def start_oxigraph(folder: Path, *, timeout: float = 30.0) -> Server:
    """``oxigraph serve`` on a free port, data in ``folder``, the default graph the union of
    all graphs (as kg's embedded store answers)."""
    binary = oxigraph_binary()
    if binary is None:
        raise StoreError("no `oxigraph` command (pip install oxigraph)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder.parent / f"{folder.name}.log"
    out = open(log, "wb")  # noqa: SIM115 - the server writes it for as long as it runs
    proc = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    _wait(base + "query?query=ASK%7B%7D", proc, timeout, log)
    return Server("oxigraph", base, base + "query", folder, proc, log=log)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
DirsAllowed = ., {d}, {loads}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
EnabledDavVSP = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
DefaultQuery = ASK {{}}
"""


def start_virtuoso(folder: Path, *, loads: Path | None = None, memory_gb: float = 0.5,
                   timeout: float = 90.0) -> Server:
    """``virtuoso-t`` in the foreground on free ports, database in ``folder``; ``loads``: a
    folder its bulk loader may read (``ld_dir``). ``memory_gb`` sizes its page buffers
    (Virtuoso's rule: about two thirds of the memory given to it, 8 KB a page)."""
    bins = virtuoso_binaries()
    if bins is None:
        raise StoreError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    folder.mkdir(parents=True, exist_ok=True)
    loads = loads or folder / "loads"
    loads.mkdir(parents=True, exist_ok=True)
    isql, http = free_port(), free_port()
    buffers = int(memory_gb * 2**30 * 2 / 3 / 8192)
    ini = folder / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=folder.resolve(), loads=loads.resolve(), isql=isql, http=http,
                                        buffers=buffers, dirty=buffers * 3 // 4))
    log = folder / "stdout.log"
    out = open(log, "wb")  # noqa: SIM115
    proc = subprocess.Popen([bins[0], "+foreground", "+configfile", str(ini)], cwd=folder,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{http}/"
    _wait(base + "sparql?query=ASK%7B%7D", proc, timeout, folder / "virtuoso.log")
    return Server("virtuoso", base, base + "sparql", folder, proc, isql_port=isql, log=log,
                  extra={"loads": str(loads.resolve())})


def isql(port: int, script: str, *, password: str = VIRTUOSO_PASSWORD, timeout: float = 3600.0) -> str:
    """Run ``script`` (statements ending in ``;``) through Virtuoso's ``isql`` on ``port``."""
    bins = virtuoso_binaries()
    if bins is None:
        raise StoreError("Virtuoso's isql is not installed (apt-get install virtuoso-opensource)")
    done = subprocess.run([bins[1], f"127.0.0.1:{port}", "dba", password, "VERBOSE=OFF", "BANNER=OFF",
                           "PROMPT=OFF", "ERRORS=STDOUT"], input=script.encode(), capture_output=True,
                          timeout=timeout, env={**os.environ, "LANG": "C"})
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    if done.returncode != 0 or "*** Error" in text:
        raise StoreError(f"isql on port {port}: {' '.join(text.split())[:500]}")
    return text


__all__ = ["Server", "free_port", "isql", "start_oxigraph", "start_virtuoso", "virtuoso_binaries"]
