"""Pushing a built graph into a SPARQL server engine: every named graph, quad for quad.

``kg push URL`` copies the store's quads (all named graphs, the pointer graph of the derived
graphs included, so the named queries follow it there as here -- decision 0013) to

- an **Oxigraph server**: the Graph Store Protocol's dataset form, N-Quads POSTed to
  ``/store`` in chunks of whole lines, each loaded with the server's bulk loader
  (``?no_transaction``);
- **Virtuoso**: its bulk loader (``ld_dir`` + ``rdf_loader_run`` through ``isql``) when the
  server can read a folder kg writes to (``load_dir``, in its ``DirsAllowed``), else the
  Graph Store Protocol (``/sparql-graph-crud-auth``, one POST of N-Triples per named graph,
  digest-authenticated).

The target should be empty of kg's graphs: a push adds quads, it does not diff (decision 0017).
"""

from __future__ import annotations

import io
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.errors import StoreError
from kg.store.endpoint import engine_of

#: Bytes of N-Quads per POST to an Oxigraph server (whole lines).
CHUNK_BYTES = 32 * 2**20
#: Virtuoso's loader takes a default graph IRI for files without one; kg's quads all name theirs.
_VIRTUOSO_FALLBACK_GRAPH = "urn:x-kg:push"


@dataclass(frozen=True)
class PushReport:
    """What a push did."""

    engine: str
    method: str
    quads: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.quads / self.seconds if self.seconds > 0 else float("inf")


def export_nquads(store: object, out: BinaryIO) -> int:
    """Write every quad of an :class:`~kg.store.oxigraph.OxigraphStore` to ``out`` as N-Quads;
    returns how many."""
    inner: ox.Store = store._store  # type: ignore[attr-defined]
    counted = _CountingWriter(out)
    inner.dump(counted, format=ox.RdfFormat.N_QUADS)
    return counted.lines


class _CountingWriter(io.RawIOBase):
    def __init__(self, out: BinaryIO) -> None:
        self.out, self.lines = out, 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.lines += bytes(b).count(b"\n")
        return self.out.write(b)


def _chunks(path: Path, size: int) -> Iterator[bytes]:
    """``path``'s bytes in pieces of about ``size``, each ending at a line end."""
    with open(path, "rb") as fh:
        rest = b""
        while True:
            block = fh.read(size)
            if not block:
                if rest:
                    yield rest
                return
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            yield block[:cut]
            rest = block[cut:]


def _post(url: str, body: bytes, content_type: str, opener: urllib.request.OpenerDirector | None = None,
          timeout: float = 3600.0) -> None:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with (opener.open(req, timeout=timeout) if opener else urllib.request.urlopen(req, timeout=timeout)) as resp:
            resp.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read().decode("utf-8", "replace").split())[:300]
        raise StoreError(f"{url}: HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise StoreError(f"{url}: cannot push: {exc}") from None


def push_oxigraph(nquads: Path, graph_store: str, *, chunk_bytes: int = CHUNK_BYTES) -> int:
    """POST the N-Quads file to an Oxigraph server's ``/store`` (bulk-loaded); returns the quads sent."""
    sep = "&" if "?" in graph_store else "?"
    url = f"{graph_store}{sep}no_transaction"
    sent = 0
    for body in _chunks(nquads, chunk_bytes):
        _post(url, body, "application/n-quads")
        sent += body.count(b"\n")
    return sent


def push_virtuoso_bulk(nquads: Path, isql_port: int, load_dir: Path, *, password: str | None = None,
                       loaders: int = 1) -> int:
    """Virtuoso's bulk loader: the N-Quads file in ``load_dir`` (a folder the server may read),
    ``ld_dir`` + ``rdf_loader_run`` (``loaders`` at once) + a checkpoint; returns the quads.

    One loader by default: two in parallel on the 1,855-record export ended in "Transaction
    deadlock" for one file (Virtuoso then marks the file failed and loads none of it)."""
    from kg.push.servers import VIRTUOSO_PASSWORD, isql

    password = password or os.environ.get("KG_VIRTUOSO_PASSWORD", VIRTUOSO_PASSWORD)
    load_dir.mkdir(parents=True, exist_ok=True)
    # Virtuoso's loader runs one file per loader thread: split so both cores take part.
    parts = []
    for i, body in enumerate(_chunks(nquads, max(1, nquads.stat().st_size // (loaders * 4) + 1))):
        part = load_dir / f"kg-push-{i:04d}.nq"
        part.write_bytes(body)
        parts.append((part, body.count(b"\n")))
    try:
        folder = str(load_dir.resolve()).replace("'", "''")
        isql(isql_port, f"ld_dir('{folder}', 'kg-push-*.nq', '{_VIRTUOSO_FALLBACK_GRAPH}');\n", password=password)
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(loaders) as pool:
            for f in [pool.submit(isql, isql_port, "rdf_loader_run();\n", password=password) for _ in range(loaders)]:
                f.result()
        out = isql(isql_port, "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL "
                              f"AND ll_file LIKE '{folder}/kg-push-%';\ncheckpoint;\n", password=password)
        if "kg-push-" in out:
            raise StoreError(f"Virtuoso's loader failed: {' '.join(out.split())[:500]}")
    finally:
        for part, _ in parts:
            part.unlink(missing_ok=True)
    return sum(n for _, n in parts)


def push_virtuoso_gsp(store: object, crud_url: str, *, user: str = "dba", password: str | None = None) -> int:
    """One digest-authenticated POST of N-Triples per named graph to Virtuoso's
    ``/sparql-graph-crud-auth``; returns the quads sent."""
    password = password or os.environ.get("KG_VIRTUOSO_PASSWORD", "dba")
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, crud_url, user, password)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
    inner: ox.Store = store._store  # type: ignore[attr-defined]
    sent = 0
    for g in inner.named_graphs():
        buf = io.BytesIO()
        n = 0
        for q in inner.quads_for_pattern(None, None, None, g):
            buf.write(f"{q.subject} {q.predicate} {q.object} .\n".encode())
            n += 1
        url = f"{crud_url}?{urllib.parse.urlencode({'graph-uri': g.value})}"
        _post(url, buf.getvalue(), "text/turtle", opener)
        sent += n
    return sent


def push(store: object, url: str, *, engine: str = "auto", graph_store: str | None = None,
         isql_port: int | None = None, load_dir: Path | None = None, workdir: Path | None = None) -> PushReport:
    """Copy every quad of ``store`` (an OxigraphStore) into the server at ``url`` (its base
    or its query endpoint). ``engine``: ``oxigraph``, ``virtuoso`` or ``auto`` (asked from
    the server's ``Server`` header)."""
    import tempfile

    base = url.rsplit("/", 1)[0] + "/" if url.rstrip("/").endswith(("/query", "/sparql")) else url.rstrip("/") + "/"
    if engine == "auto":
        engine = engine_of(base)
        if engine == "other":
            raise StoreError(f"{url}: neither Oxigraph nor Virtuoso answers there; say which with --engine")
    if engine not in ("oxigraph", "virtuoso"):
        raise StoreError(f"unknown engine {engine!r} (oxigraph, virtuoso or auto)")
    started = time.monotonic()
    if engine == "virtuoso" and not (isql_port and load_dir):
        n = push_virtuoso_gsp(store, graph_store or base + "sparql-graph-crud-auth")
        return PushReport(engine, "graph store protocol (one POST per named graph)", n, time.monotonic() - started)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        dump = Path(tmp) / "store.nq"
        with open(dump, "wb") as fh:
            export_nquads(store, fh)
        if engine == "oxigraph":
            n = push_oxigraph(dump, graph_store or base + "store")
            method = "N-Quads POSTs to /store (bulk loader)"
        else:
            n = push_virtuoso_bulk(dump, isql_port, load_dir)  # type: ignore[arg-type]
            method = "bulk loader (ld_dir + rdf_loader_run)"
    return PushReport(engine, method, n, time.monotonic() - started)


__all__ = ["PushReport", "export_nquads", "push", "push_oxigraph", "push_virtuoso_bulk", "push_virtuoso_gsp"]
