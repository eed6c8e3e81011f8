"""Record graphs made by a pool of worker processes and written to the store in bulk.

The serial build turns each record into an rdflib graph, diffs it against the stored graph
and writes the difference in one transaction. At registry scale most of that time is the
rdflib graph (criteria included) and the transactional write (~50 µs a quad). Here:

* records travel to the workers packed (:func:`pack`: a zlib'd pickle, ~4 KB instead of
  ~25 KB of live objects), so the build holds every record of a large source set cheaply
  while trial identities are decided over all of them (:mod:`kg.graph.identity` needs them
  all before any graph is written);
* each worker (forked: the parsers and the drug catalogue are loaded once) builds the record
  graph exactly as :func:`kg.graph.build.record_graph` does and returns it as canonical
  N-Quads text (:func:`kg.store.oxigraph.canonical_quads`, so equal graphs are equal text);
* the build writes a graph the store does not hold yet by the bulk loader
  (:meth:`kg.store.oxigraph.OxigraphStore.bulk_add_nquads`, no transaction, one load per
  200k quads: below the loader's own 1M-quad batch, which it ingests whole, so a record is in
  with its ``kg:buildFingerprint`` or not at all), and a graph it holds by the usual
  diff-and-replace (docs/decisions/0022-build-at-registry-scale.md).

The store ends with exactly the quads the serial build writes (tests/graph/test_parallel.py).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pickle
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Literal, URIRef

from kg import vocab as V
from kg.children import pool_initializer
from kg.errors import KgError, StoreError
from kg.model import Design, Eligibility, Publication, TrialRecord

#: Environment variable naming how many worker processes a build uses (``1``: the serial build).
WORKERS_ENV = "KG_BUILD_WORKERS"
#: Records per task sent to a worker: large enough to amortize the pickling round trip.
TASK_RECORDS = 16
#: Fewer records than this are built serially: workers cost more to start than they save.
MIN_RECORDS = 200
#: Quads per bulk load: one load of the bulk loader's own batch size or less is ingested
#: whole (its sorted files of every index go in together), and it bounds what the build holds.
BULK_QUADS = 200_000


def workers_from_env(env: dict[str, str] | None = None) -> int:
    """Worker processes for a build: ``KG_BUILD_WORKERS`` when set, else one per CPU.

    >>> workers_from_env({"KG_BUILD_WORKERS": "3"}), workers_from_env({"KG_BUILD_WORKERS": "0"})
    (3, 1)
    """
    env = os.environ if env is None else env  # type: ignore[assignment]
    value = env.get(WORKERS_ENV)  # type: ignore[union-attr]
    if value and value.strip().isdigit():
        return max(1, int(value))
    return os.cpu_count() or 1


# -- records, packed -------------------------------------------------------------------
def pack(record: TrialRecord) -> bytes:
    """A record as compact bytes (pickle, zlib level 1: ~5x smaller than the live objects)."""
    return zlib.compress(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(data: bytes) -> TrialRecord:
    """The record :func:`pack` packed.

    >>> from kg.model import SourceRef
    >>> r = TrialRecord(source=SourceRef(path="a.json", format="ctgov-json", record_id="NCT1"), title="T")
    >>> unpack(pack(r)) == r
    True
    """
    return pickle.loads(zlib.decompress(data))  # kg's own bytes, made by pack() in this build


def stub(record: TrialRecord) -> TrialRecord:
    """What identity resolution and precedence read of a record, and nothing more: ids,
    titles, sponsor, source, the publications' ids and titles, and -- for a record without
    a title only, the one that may be a fragment of another -- its texts.

    >>> from kg.model import SourceRef, Criterion
    >>> r = TrialRecord(source=SourceRef(path="a", format="ctgov-json", record_id="NCT1"), title="T",
    ...                 summary="long text", eligibility=Eligibility(criteria=[Criterion(text="x", polarity="inclusion", order=1)]))
    >>> s = stub(r); s.title, s.summary, s.eligibility.criteria
    ('T', None, [])
    """
    keep_text = not record.title
    e = record.eligibility
    return replace(
        record,
        summary=record.summary if keep_text else None,
        description=record.description if keep_text else None,
        collaborators=[], conditions=[], condition_ancestors=[], keywords=[], arms=[], interventions=[],
        outcomes=[], visits=[], sites=[], other_ids=[], acronym=None, status=None, start_date=None,
        completion_date=None, last_update=None, design=Design(),
        eligibility=Eligibility(text=e.text if keep_text else None),
        publications=[Publication(pmid=p.pmid, doi=p.doi, title=p.title) for p in record.publications],
    )


# -- the workers -----------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One record to build: its packed bytes and what the build decided about it."""

    index: int  # position in the build's records
    packed: bytes
    key: str  # trial key
    basis: str
    sponsor: str | None  # the sponsor the crosswalk fills in, if the record names none
    fingerprint: str
    secondary: bool


@dataclass(frozen=True)
class Made:
    """A worker's answer for one job: the graph as N-Quads text, or why it failed."""

    index: int
    graph_iri: str
    nquads: str = ""
    quads: int = 0
    unresolved: tuple[str, ...] = ()
    error: str | None = None  # "cannot build graph: ..." / "cannot store record: ..."
    parse_failures: int = 0  # criteria whose parse raised (kg.criteria.parse.parse_failures)


def make_graph(job: Job) -> Made:
    """Build one record's graph (as the serial build does) and serialize its canonical quads.

    The fingerprint quad is left out: the writer adds it (:func:`fingerprint_quad`), in the
    same load or replacement as the rest."""
    from kg.graph import precedence
    from kg.graph.build import record_graph

    rec = unpack(job.packed)
    if job.sponsor and not rec.sponsor:
        rec.sponsor = job.sponsor
    gi = V.record_graph(rec.source.format, rec.source.record_id)
    failures = _parse_failures()
    try:
        rg = record_graph(rec, job.key)
    except (KgError, ValueError, TypeError, RecursionError) as exc:
        return Made(job.index, str(gi), error=f"cannot build graph: {exc}")
    failures = _parse_failures() - failures
    if job.secondary:
        rg.graph = precedence.secondary_view(rg.graph, rg.graph_iri)
    rg.graph.add((rg.graph_iri, V.identityBasis, Literal(job.basis)))
    try:
        text, n = nquads(rg.graph, rg.graph_iri)
    except (ValueError, StoreError) as exc:
        return Made(job.index, str(gi), error=f"cannot store record: {exc}")
    return Made(job.index, str(rg.graph_iri), text, n, tuple(rg.unresolved_interventions),
                parse_failures=failures)


def _parse_failures() -> int:
    try:
        from kg.criteria.parse import parse_failures
    except ModuleNotFoundError:  # a build without the criteria package parses nothing
        return 0
    return parse_failures()


_IRIS: dict[str, str] = {}
_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _iri(term: str) -> str:
    """``<iri>``, checked once per IRI as Oxigraph checks it (an invalid one raises StoreError,
    as :func:`kg.store.oxigraph.to_ox` does in the serial build)."""
    text = _IRIS.get(term)
    if text is None:
        from kg.store.oxigraph import to_ox

        text = str(to_ox(URIRef(term)))
        if len(_IRIS) < 200_000:  # predicates, classes and shared nodes repeat in every record
            _IRIS[term] = text
    return text


def nquads(triples: Iterable[tuple[object, object, object]], graph: URIRef) -> tuple[str, int]:
    """Triples as N-Quads text in ``graph``, literals in the form Oxigraph stores them
    (:func:`kg.store.oxigraph.canonical_quads`: "10.0"^^xsd:decimal is written "10"), and
    their count. Terms are written straight from rdflib's: building Oxigraph terms for each
    quad first costs a fifth of a record's build.

    >>> from rdflib import Literal, URIRef
    >>> from rdflib.namespace import XSD
    >>> t = [(URIRef("http://a/s"), URIRef("http://a/p"), Literal("x\\"y")),
    ...      (URIRef("http://a/s"), URIRef("http://a/p"), Literal("10.0", datatype=XSD.decimal))]
    >>> print(nquads(t, URIRef("http://a/g"))[0], end="")
    <http://a/s> <http://a/p> "x\\"y" <http://a/g> .
    <http://a/s> <http://a/p> "10"^^<http://www.w3.org/2001/XMLSchema#decimal> <http://a/g> .
    """
    from rdflib import BNode
    from rdflib import Literal as Lit

    from kg.store.oxigraph import _PLAIN, _canonical_literal, to_ox

    g = _iri(str(graph))
    lines = []
    for s_, p_, o_ in triples:
        if isinstance(o_, Lit):
            dt_ = o_.datatype
            if o_.language:
                obj = f'"{str(o_).translate(_ESC)}"@{o_.language}'
            elif dt_ is None or str(dt_) in _PLAIN:
                obj = f'"{str(o_).translate(_ESC)}"'
            else:
                obj = str(_canonical_literal(to_ox(o_)))  # type: ignore[arg-type]
        elif isinstance(o_, BNode):
            obj = f"_:{o_}"
        else:
            obj = _iri(str(o_))
        subj = f"_:{s_}" if isinstance(s_, BNode) else _iri(str(s_))
        lines.append(f"{subj} {_iri(str(p_))} {obj} {g} .\n")
    return "".join(lines), len(lines)


def _make_many(jobs: list[Job]) -> list[Made]:
    return [make_graph(j) for j in jobs]


def fingerprint_quad(graph_iri: str, fingerprint: str) -> str:
    """The N-Quads line of a record graph's build fingerprint.

    >>> fingerprint_quad("https://w3id.org/kg/graph/record/x/1", "ab").split()[1] == f"<{V.buildFingerprint}>"
    True
    """
    from kg.store.oxigraph import canonical_quads

    (q,) = canonical_quads([(URIRef(graph_iri), V.buildFingerprint, Literal(fingerprint))], URIRef(graph_iri))
    return f"{q} .\n"


def made_in_parallel(jobs: Iterable[Job], workers: int, window: int | None = None,
                     forked: Callable[[], None] | None = None) -> Iterator[Made]:
    """Every job's :class:`Made`, in job order, built by ``workers`` forked processes.

    At most ``window`` tasks (default four per worker) are out at once, so the answers
    waiting to be written stay a few chunks. Without fork (or with one worker) the jobs
    are built here, one after the other: the same answers. ``forked`` is called once the
    workers exist: threads started before a fork can hold a lock (an import's) that the
    child inherits held, and the child then waits for it forever."""
    tasks = _chunks(jobs, TASK_RECORDS)
    if forked is not None and workers < 2:
        forked()
    if workers < 2:
        for chunk in tasks:
            yield from _make_many(chunk)
        return
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        if forked is not None:
            forked()
        for chunk in tasks:
            yield from _make_many(chunk)
        return
    init, initargs = pool_initializer()
    window = window or workers * 4
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx, initializer=init,
                                                initargs=initargs) as pool:
        pending: list[concurrent.futures.Future[list[Made]]] = []
        for chunk in tasks:
            pending.append(pool.submit(_make_many, chunk))
            if forked is not None:  # the first submit forks every worker (fork context)
                forked()
                forked = None
            if len(pending) >= window:
                yield from _counted(_result(pending.pop(0)))
        while pending:
            yield from _counted(_result(pending.pop(0)))


def _result(future: concurrent.futures.Future[list[Made]]) -> list[Made]:
    try:
        return future.result()
    except BrokenProcessPool as exc:  # a worker killed (out of memory, a signal): say so plainly
        raise StoreError(f"a build worker process died: {exc}") from exc


def _counted(made: list[Made]) -> list[Made]:
    """A worker's answers; the criteria parse failures it counted join this process's count
    (the worker's own counter dies with it), so the build reports the serial build's figure."""
    failed = sum(m.parse_failures for m in made)
    if failed:
        from kg.criteria.parse import count_parse_failures

        count_parse_failures(failed)
    return made


def _chunks(items: Iterable[Job], n: int) -> Iterator[list[Job]]:
    chunk: list[Job] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- reading ---------------------------------------------------------------------------
#: What a worker hands back for a record it read: the record packed, and its stub.
Read = tuple[bytes, TrialRecord]


def _read_files(paths: list[str], limits: object) -> list[list[object]]:
    from kg.ingest.sources import read_file

    out = []
    for path in paths:
        items: list[object] = []
        for item in read_file(Path(path), limits):  # type: ignore[arg-type]
            items.append((pack(item), stub(item)) if isinstance(item, TrialRecord) else item)
        out.append(items)
    return out


def read_in_parallel(paths: Iterable[str | os.PathLike[str]], limits: object, workers: int) -> Iterator[object]:
    """:func:`kg.ingest.sources.read_sources`, files parsed by ``workers`` forked processes:
    the same items in the same order, each record as ``(packed, stub)`` (:data:`Read`)."""
    from kg.ingest.sources import Skipped, iter_files

    listed = list(iter_files(paths))
    if len(listed) < 2 * TASK_RECORDS:  # a few files (one may still hold many records): read here
        workers = 1

    def files() -> Iterator[Path | Skipped]:
        yield from listed

    if workers < 2:
        for f in files():
            if isinstance(f, Skipped):
                yield f
            else:
                for items in _read_files([str(f)], limits):
                    yield from items
        return
    ctx = multiprocessing.get_context("fork")
    init, initargs = pool_initializer()
    window = workers * 4
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx, initializer=init,
                                                initargs=initargs) as pool:
        # Order is kept: a skipped file waits in line behind the files read before it.
        pending: list[object] = []

        def drain_one() -> Iterator[object]:
            head = pending.pop(0)
            if isinstance(head, Skipped):
                yield head
                return
            for items in _result(head):  # type: ignore[arg-type]
                yield from items

        batch: list[str] = []
        for f in files():
            if isinstance(f, Skipped):
                if batch:
                    pending.append(pool.submit(_read_files, batch, limits))
                    batch = []
                pending.append(f)
            else:
                batch.append(str(f))
                if len(batch) >= TASK_RECORDS:
                    pending.append(pool.submit(_read_files, batch, limits))
                    batch = []
            while len(pending) >= window:
                yield from drain_one()
        if batch:
            pending.append(pool.submit(_read_files, batch, limits))
        while pending:
            yield from drain_one()
