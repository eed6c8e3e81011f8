"""The embedded graph store: Oxigraph (pyoxigraph) on disk, or in memory for small work.

One named graph per source record. Replacing a record's graph is one SPARQL Update
(``DELETE DATA`` of the triples that went away, ``INSERT DATA`` of the new ones), which
Oxigraph runs as one transaction: a build killed at any point leaves every record either
wholly in or wholly out, and the store openable. Unchanged records write nothing, so a
second build of the same input changes zero triples.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from kg import vocab as V
from kg.errors import QueryError, StoreBusyError, StoreError
from kg.store.tsv import plain_literal, tsv_result
from kg.store.values import inject_values

try:
    import fcntl
except ImportError:  # pragma: no cover  (not POSIX: RocksDB's own lock error is mapped instead)
    fcntl = None  # type: ignore[assignment]

_PREFIXES = {k: str(v) for k, v in V.PREFIXES.items()}


@dataclass(frozen=True)
class GraphChange:
    """What replacing one named graph did."""

    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


_IRI_CACHE: dict[URIRef, ox.NamedNode] = {}


# -- term conversion --------------------------------------------------------------------
def to_ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """rdflib term -> pyoxigraph term."""
    if isinstance(term, URIRef):
        node = _IRI_CACHE.get(term)
        if node is None:
            try:
                node = ox.NamedNode(str(term))
            except ValueError as exc:
                raise StoreError(f"invalid IRI <{term}>: {exc}") from None
            if len(_IRI_CACHE) < 100_000:  # predicates and classes repeat in every record
                _IRI_CACHE[term] = node
        return node
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise StoreError(f"cannot store RDF term {term!r}")


def to_rdflib(term: object) -> Node | None:
    """pyoxigraph term -> rdflib term (None stays None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return plain_literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise StoreError(f"unsupported term from store: {term!r}")


_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Stale quads of a derived graph are deleted this many per DELETE DATA update (replace_graph_quads).
_DELETE_CHUNK = 20_000
#: Where each derived graph's pointer lives: ``<name> kg:currentGraph <slot>`` (decision 0013).
POINTER_GRAPH = V.POINTER_GRAPH
CURRENT_GRAPH = V.currentGraph
_POINTER_GRAPH, _CURRENT = ox.NamedNode(str(POINTER_GRAPH)), ox.NamedNode(str(CURRENT_GRAPH))
#: A derived graph's second slot is its name plus this; the first is the name itself.
_SECOND_SLOT = "/b"
#: Seconds between bulk-loading a new slot and moving the pointer to it (see _swap).
_SWAP_SETTLE_S = 2.0


def _digest(q: ox.Quad) -> bytes:
    """96 bits of a quad's N-Quads text: equal quads, equal digests (collisions ~1e-16 at 10M)."""
    return hashlib.blake2b(str(q).encode(), digest_size=12).digest()


class _Counter:
    """An iterator that counts what passes through it."""

    def __init__(self, it: Iterable[ox.Quad]) -> None:
        self._it = iter(it)
        self.n = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> ox.Quad:
        q = next(self._it)
        self.n += 1
        return q
_PLAIN = {_XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
_CANON_CACHE: dict[tuple[str, str], ox.Literal] = {}


def _ox_object(o: object) -> ox.NamedNode | ox.Literal:
    """A plain python value as the Oxigraph term kg stores it (see replace_graph_quads)."""
    if isinstance(o, URIRef):
        return ox.NamedNode(str(o))
    if isinstance(o, bool):
        return ox.Literal("true" if o else "false", datatype=ox.NamedNode(_XSD + "boolean"))
    if isinstance(o, int):
        return ox.Literal(str(o), datatype=ox.NamedNode(_XSD + "integer"))
    if isinstance(o, (float, Decimal)):
        # normalize() + "f" is Oxigraph's canonical decimal ("10", "0.5"), so a rewrite of an
        # unchanged graph compares equal without a round trip through a scratch store.
        return ox.Literal(format(Decimal(str(o)).normalize(), "f"), datatype=ox.NamedNode(_XSD + "decimal"))
    if isinstance(o, Literal):
        return to_ox(o)  # type: ignore[return-value]
    return ox.Literal(str(o))


def _canonical_literal(lit: ox.Literal) -> ox.Literal:
    """The literal as Oxigraph stores it ("10.0"^^xsd:decimal comes back as "10")."""
    key = (lit.value, lit.datatype.value)
    found = _CANON_CACHE.get(key)
    if found is None:
        scratch = ox.Store()
        node = ox.NamedNode("urn:x-kg:canon")
        scratch.add(ox.Quad(node, node, lit, node))
        found = next(iter(scratch)).object
        if len(_CANON_CACHE) < 200_000:
            _CANON_CACHE[key] = found
    return found


def canonical_quads(triples: Iterable[tuple[Node, Node, Node]], graph: URIRef) -> set[ox.Quad]:
    """Quads as Oxigraph will store them, so they compare equal to what it reads back."""
    g = ox.NamedNode(str(graph))
    out = set()
    for s, p, o in triples:
        obj = to_ox(o)
        if isinstance(obj, ox.Literal) and obj.language is None and obj.datatype.value not in _PLAIN:
            obj = _canonical_literal(obj)
        out.add(ox.Quad(to_ox(s), to_ox(p), obj, g))
    return out


def _data_block(quads: Iterable[ox.Quad], graph: ox.NamedNode) -> str:
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"GRAPH {graph} {{\n{body}\n}}"


# -- creating a store -------------------------------------------------------------------
# RocksDB writes CURRENT last when it creates a database: a folder without it was left by a
# creation that did not finish. A new store is therefore made in a hidden sibling folder and
# renamed into place (one atomic rename), so its path holds either nothing or a whole store.
_CREATING = ".creating-"
#: What a store folder may hold: RocksDB's own files and kg's build report.
_STORE_FILE = re.compile(
    r"^(?:CURRENT|IDENTITY|LOCK|LOG(?:\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+|\d+\.(?:log|sst|blob)"
    r"|.*\.dbtmp|build-report\.tsv(?:\.tmp)?)$"
)


def _half_made(path: Path) -> bool | None:
    """True: a store folder whose creation was interrupted; False: a whole store; None: not a store.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _half_made(d)
    True
    >>> _ = (d / "LOCK").write_text(""); _half_made(d)
    True
    >>> _ = (d / "notes.txt").write_text("mine"); _half_made(d) is None
    True
    """
    names = [p.name for p in path.iterdir()]
    if "CURRENT" in names:
        return False
    if all(_STORE_FILE.match(n) for n in names):
        return True
    return None


def _check_made(path: Path) -> None:
    """Refuse, with the reason, a folder that is not a whole store (before RocksDB's own error)."""
    if not path.is_dir():
        raise StoreError(f"{path}: not a store folder")
    state = _half_made(path)
    if state is True:
        raise StoreError(f"{path}: no usable store here: its creation was interrupted or never ran "
                         "(no CURRENT file); run `kg build` to create it again")
    if state is None:
        raise StoreError(f"{path}: not a kg store (no CURRENT file, and files RocksDB does not write)")


def _create_if_needed(path: Path) -> None:
    """Make sure ``path`` holds a whole store, creating it atomically when it holds none.

    A folder left half-made by an interrupted creation (RocksDB files but no CURRENT, see
    :func:`_half_made`) is replaced; a folder holding anything else is refused, never deleted.
    """
    if path.exists():
        state = _half_made(path) if path.is_dir() else None
        if state is False:
            return
        if state is None:
            raise StoreError(f"{path}: not a kg store and not empty; give --store an empty or new folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_creations(path)
    tmp = path.with_name(f".{path.name}{_CREATING}{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    made = ox.Store(str(tmp))
    made.flush()
    del made  # closes RocksDB: the folder is complete (CURRENT written) before it is moved
    try:
        if path.exists() and any(path.iterdir()):
            shutil.rmtree(path)  # the half-made leftover checked above; an empty folder is renamed over
        os.rename(tmp, path)
    except OSError:
        if path.is_dir() and _half_made(path) is False:  # another kg created it meanwhile: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
            return
        raise


def _remove_stale_creations(path: Path) -> None:
    """Hidden creation folders of ``path`` whose process is gone (killed mid-creation)."""
    prefix = f".{path.name}{_CREATING}"
    for other in path.parent.glob(prefix + "*"):
        pid = other.name[len(prefix):]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(other, ignore_errors=True)


# -- who holds a store ------------------------------------------------------------------
# RocksDB takes a POSIX lock on the store's LOCK file for as long as a writer has it open; a
# read-only open takes none, so a reader would read files a build is rewriting. Closing any
# descriptor of a file drops every POSIX lock the process holds on it, RocksDB's included:
# the LOCK file of a store this process holds is never opened to look.
_HELD: set[Path] = set()
_FLOCK = "hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid


def _lock_holder(path: Path) -> int | None:
    """The id of another process holding ``path``'s store for writing, or None.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _lock_holder(d) is None
    True
    """
    if fcntl is None or path.resolve() in _HELD:
        return None
    try:
        fd = os.open(path / "LOCK", os.O_RDONLY)
    except OSError:
        return None
    try:
        ask = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, ask))
    except (OSError, struct.error):
        return None
    finally:
        os.close(fd)
    return None if kind == fcntl.F_UNLCK else pid


def _busy(path: Path, pid: int | None) -> StoreBusyError:
    who = f", process {pid}" if pid else ""
    return StoreBusyError(f"another kg build holds this store ({path}{who}); try again when it has finished")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OxigraphStore:
    """A kg graph store backed by pyoxigraph; ``path=None`` keeps it in memory."""

    #: A derived graph change of more quads than this is written as a swap of slots, not as
    #: one transaction. One update holds ~2 KB per changed quad (500k: ~1 GB); a swap costs
    #: time in proportion to the whole graph (deleting the old slot: ~100 µs a quad), so
    #: it is kept for changes too large to hold (decision 0013).
    tx_limit = 500_000

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise StoreError(f"{self.path}: no store here (run `kg build` first)")
                _check_made(self.path)
                if (pid := _lock_holder(self.path)) is not None:
                    raise _busy(self.path, pid)
                self._store = ox.Store.read_only(str(self.path))
            else:
                if (pid := _lock_holder(self.path)) is not None:
                    raise _busy(self.path, pid)
                _create_if_needed(self.path)
                self._store = ox.Store(str(self.path))
                _HELD.add(self.path.resolve())
        except OSError as exc:
            if "/LOCK" in str(exc):  # taken between the look above and the open
                raise _busy(self.path, None) from exc
            raise StoreError(f"{self.path}: cannot open store: {exc}") from exc

    # -- writing ------------------------------------------------------------------------
    def replace_graph(self, graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> GraphChange:
        """Make named graph ``graph`` hold exactly ``triples``, in one transaction."""
        return self._replace_quads(graph, canonical_quads(triples, graph))

    def _replace_quads(self, graph: URIRef | str, new: set[ox.Quad]) -> GraphChange:
        g = ox.NamedNode(str(graph))
        old = set(self._store.quads_for_pattern(None, None, None, g))
        gone, added = old - new, new - old
        if not gone and not added:
            return GraphChange(0, 0)
        if not old:
            # A new graph: one transactional bulk insert, no SPARQL text to parse.
            self._store.extend(added)
            return GraphChange(len(added), 0)
        ops = []
        if gone:
            ops.append("DELETE DATA {\n" + _data_block(gone, g) + "\n}")
        if added:
            ops.append("INSERT DATA {\n" + _data_block(added, g) + "\n}")
        try:
            self._store.update(" ;\n".join(ops))
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot write graph {graph}: {exc}") from exc
        return GraphChange(len(added), len(gone))

    def holds_graph(self, graph: URIRef | str) -> bool:
        """Whether named graph ``graph`` holds any quad."""
        return not self._empty(ox.NamedNode(str(graph)))

    def bulk_add_nquads(self, text: str) -> None:
        """Add the quads of N-Quads ``text`` (graphs the store does not hold yet, in kg's
        canonical form) with the bulk loader: sorted files straight to disk, no transaction
        holding the quads in memory -- several times the speed of :meth:`replace_graph`.
        One call of up to the loader's batch (a million quads) is ingested as one set of
        files; a crash before that leaves none of it."""
        if not text:
            return
        try:
            # lenient: every IRI in the text was checked by Oxigraph when it was written (kg.graph.parallel.nquads)
            self._store.bulk_load(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS, lenient=True)
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot bulk-load record graphs: {exc}") from exc

    def replace_graph_nquads(self, graph: URIRef | str, text: str) -> GraphChange:
        """:meth:`replace_graph` for a graph given as canonical N-Quads ``text`` (every quad
        in ``graph``): the same diff, one transaction."""
        try:
            new = set(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot write graph {graph}: {exc}") from exc
        return self._replace_quads(graph, new)

    def graph_value(self, graph: URIRef, predicate: URIRef) -> str | None:
        """The value of ``<graph> predicate ?v`` stated inside that graph (e.g. its fingerprint)."""
        g = ox.NamedNode(str(graph))
        for q in self._store.quads_for_pattern(g, ox.NamedNode(str(predicate)), None, g):
            return q.object.value
        return None

    def drop_graph(self, graph: URIRef) -> int:
        """Remove a named graph; returns how many triples it held."""
        g = ox.NamedNode(str(graph))
        n = sum(1 for _ in self._store.quads_for_pattern(None, None, None, g))
        if n:
            self._store.update(f"DROP SILENT GRAPH {g}")
        return n

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    # -- reading ------------------------------------------------------------------------
    def graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def triples(self, graph: URIRef | None = None) -> Iterator[tuple[Node, Node, Node]]:
        g = ox.NamedNode(str(graph)) if graph is not None else None
        for q in self._store.quads_for_pattern(None, None, None, g):
            yield to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)  # type: ignore[misc]

    def __len__(self) -> int:
        return len(self._store)

    def graph(self, graph: URIRef | None = None) -> Graph:
        """An rdflib copy of one named graph (or of the union of all graphs)."""
        out = Graph()
        for prefix, ns in V.PREFIXES.items():
            out.bind(prefix, ns)
        for t in self.triples(graph):
            out.add(t)
        return out

    def query(self, sparql: str, bindings: dict[str, Node] | None = None, *, union: bool = True) -> Result:
        """Run a SPARQL query in this process over the union of all graphs (``union=False``:
        over the graphs its FROM / FROM NAMED clauses select); ``bindings`` bind variables
        to RDF terms through a VALUES block (:func:`kg.store.values.inject_values`), never
        as raw text.

        This is the path of kg's own queries. A person's query goes through the query layer
        instead (:func:`kg.query.limits.user_query`: the guard, then
        :meth:`serialized_query` in a sandboxed child under a time limit)."""
        text = inject_values(sparql, bindings) if bindings else sparql
        try:
            return _to_result(self._store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=union))
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {_one_line(exc)}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from exc

    def serialized_query(self, sparql: str, union: bool = True) -> tuple[str, object]:
        """Run ``sparql`` (parameters already bound) and return its answer serialized: a
        picklable ``(kind, data)`` that :func:`from_serialized` turns back into a Result.
        What the time-limited child of :mod:`kg.query.limits` runs."""
        try:
            return _serialized_query(self._store, sparql, union)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {_one_line(exc)}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from exc

    def rows(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """Rows of an internal SELECT as plain strings (IRIs and literal lexical forms; None
        when unbound): the fast path kg's own bulk reads (kg.compare) take, skipping the
        conversion to rdflib terms that dominates large results."""
        try:
            res = self._store.query(sparql, prefixes=_PREFIXES, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {_one_line(exc)}") from exc
        n = len(res.variables)  # type: ignore[union-attr]
        for sol in res:  # type: ignore[union-attr]
            yield tuple(None if (t := sol[i]) is None else t.value for i in range(n))

    # -- derived graphs (kg.compare): swapped whole (decision 0013) ----------------------
    def derived_graph(self, name: URIRef) -> URIRef:
        """The named graph that holds derived graph ``name`` now: the slot its pointer names
        (``GRAPH kggraph:current { <name> kg:currentGraph ?g }``), ``name`` itself when none."""
        return URIRef(self._slot(name).value)

    def _slot(self, name: URIRef) -> ox.NamedNode:
        for q in self._store.quads_for_pattern(ox.NamedNode(str(name)), _CURRENT, None, _POINTER_GRAPH):
            return q.object  # type: ignore[return-value]
        return ox.NamedNode(str(name))

    def derived_subjects(self, name: URIRef, predicate: str, objects: Iterable[object]) -> set[str]:
        """Subjects of ``?s predicate o`` in derived graph ``name`` for each ``o`` given."""
        g, p = self._slot(name), ox.NamedNode(predicate)
        return {q.subject.value for o in objects for q in self._store.quads_for_pattern(None, p, _ox_object(o), g)}

    def derived_values(self, name: URIRef, subject: str | None, predicate: str) -> list[str]:
        """Lexical values of ``<subject> predicate ?v`` in derived graph ``name`` (any subject: None)."""
        g, s_ = self._slot(name), None if subject is None else ox.NamedNode(subject)
        return [q.object.value for q in self._store.quads_for_pattern(s_, ox.NamedNode(predicate), None, g)]

    def replace_subjects(self, name: URIRef, subjects: Iterable[str], triples: Iterable[tuple[str, str, object]]) -> GraphChange:
        """Make the descriptions of ``subjects`` in derived graph ``name`` exactly the
        ``triples`` given (plain-string triples, as :meth:`replace_graph_quads`); the rest of
        the graph stays. Readers see the whole change or none of it."""
        g = self._slot(name)
        try:
            old = {q for s in subjects for q in self._store.quads_for_pattern(ox.NamedNode(s), None, None, g)}
            new = {ox.Quad(ox.NamedNode(s_), ox.NamedNode(p_), _ox_object(o_), g) for s_, p_, o_ in triples}
        except ValueError as exc:
            raise StoreError(f"cannot write graph {name}: {exc}") from exc
        gone = old - new
        added = [q for q in new if q not in old]
        del old, new
        return self._apply_derived(name, g, gone, lambda q: q not in gone, added, len(gone))

    def replace_graph_quads(self, graph: URIRef, triples: Iterable[tuple[str, str, object]]) -> GraphChange:
        """Make derived graph ``graph`` hold exactly ``triples``: subject and predicate are
        IRI strings; the object is an :class:`rdflib.URIRef` or a python
        str/int/float/bool/Decimal literal. Large derived graphs (kg.compare) are written
        this way, without building an rdflib graph or SPARQL text first.

        Readers see the old graph or the new one, never a mix (decision 0013): a change of
        up to ``tx_limit`` quads is one transaction on the graph in place; a larger one is
        bulk-loaded into the graph's other slot, then the pointer moves in one small
        transaction and the old slot is deleted chunk by chunk.
        """
        g = self._slot(graph)
        quads = (ox.Quad(ox.NamedNode(s_), ox.NamedNode(p_), _ox_object(o_), g) for s_, p_, o_ in triples)
        try:
            self.tidy_derived(graph)
            if self._empty(g):
                # Nothing to diff against: keep up to tx_limit quads, stream the rest.
                added = list(itertools.islice(quads, self.tx_limit + 1))
                if len(added) <= self.tx_limit:
                    return self._apply_derived(graph, g, set(), lambda q: True, added, 0)
                written, _ = self._swap(graph, g, lambda q: True, itertools.chain(added, quads))
                return GraphChange(written, 0)
            # Diff by hashes of the quads' N-Quads text: the old graph may hold millions of
            # quads, too many to keep twice as objects; only the changed ones are kept.
            old = {_digest(q) for q in self._store.quads_for_pattern(None, None, None, g)}
            seen: set[bytes] = set()
            added = []
            for q in quads:
                h = _digest(q)
                if h not in seen:
                    seen.add(h)
                    if h not in old:
                        added.append(q)
            removed = len(old - seen)
            del old
            return self._apply_derived(graph, g, None, lambda q: _digest(q) in seen, added, removed)
        except (OSError, ValueError, SyntaxError) as exc:
            raise StoreError(f"cannot write graph {graph}: {exc}") from exc

    def _apply_derived(self, name: URIRef, g: ox.NamedNode, gone: set[ox.Quad] | None,
                       keep: Callable[[ox.Quad], bool], added: list[ox.Quad], removed: int) -> GraphChange:
        """Write one change of a derived graph: ``gone`` (None: the quads ``keep`` rejects)
        out, ``added`` in, as one transaction or, above ``tx_limit``, as a swap of slots."""
        self.tidy_derived(name)
        if removed + len(added) > self.tx_limit:
            self._swap(name, g, keep, iter(added))
            return GraphChange(len(added), removed)
        if gone is None:
            gone = {q for q in self._store.quads_for_pattern(None, None, None, g) if not keep(q)}
        pointer = ox.Quad(ox.NamedNode(str(name)), _CURRENT, g, _POINTER_GRAPH)
        if not gone and not added:
            if pointer not in self._store:
                self._store.add(pointer)
            return GraphChange(0, 0)
        if any(isinstance(t, ox.BlankNode) for q in itertools.chain(gone, added) for t in (q.subject, q.object)):
            raise StoreError(f"derived graph {name}: blank nodes cannot be written by DATA updates")
        # One SPARQL Update is one Oxigraph transaction: deletions, insertions and the
        # pointer (written on first use) become visible together.
        ops = []
        if gone:
            ops.append("DELETE DATA {\n" + _data_block(gone, g) + "\n}")
        inserts = (_data_block(added, g) + "\n") if added else ""
        ops.append(f"INSERT DATA {{\n{inserts}GRAPH {_POINTER_GRAPH} {{ {pointer.subject} {pointer.predicate} {pointer.object} }}\n}}")
        try:
            self._store.update(" ;\n".join(ops))
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot write graph {name}: {exc}") from exc
        return GraphChange(len(added), len(gone))

    def _swap(self, name: URIRef, g: ox.NamedNode, keep: Callable[[ox.Quad], bool],
              added: Iterator[ox.Quad]) -> tuple[int, int]:
        """Bulk-load the new content into the other slot, move the pointer, delete the old
        slot; returns (quads written, quads deleted)."""
        a, b = self._slots(name)
        other = b if g == a else a
        if g == a and not self._pointed(name) and self._empty(a):
            # Never built: readers that follow the pointer find none until it is written, so
            # the first answer goes into the first slot, where pointer-less readers look too.
            other = a
        # Leftovers of a swap cut short are cleared first: no reader follows the pointer there.
        self._clear(other)
        counter = _Counter(itertools.chain(
            (ox.Quad(q.subject, q.predicate, q.object, other)
             for q in self._store.quads_for_pattern(None, None, None, g) if keep(q)),
            (ox.Quad(q.subject, q.predicate, q.object, other) for q in added)))
        # The bulk loader writes sorted files straight to disk: one transaction of millions of
        # quads would hold them all in memory (decision 0013: ~1 GB per million).
        self._store.bulk_extend(counter)
        self.flush()
        if self.path is not None:
            # A read-only open (`kg query`) reads the store's file list, then replays its log:
            # a flip logged right after the load could reach a reader whose file list predates
            # the load (the new slot looks empty). Letting the load settle makes that reader's
            # open have to take longer than this; the swap itself takes minutes.
            time.sleep(_SWAP_SETTLE_S)
        n = ox.NamedNode(str(name))
        self._store.update(
            f"DELETE {{ GRAPH {_POINTER_GRAPH} {{ {n} {_CURRENT} ?g }} }} "
            f"INSERT {{ GRAPH {_POINTER_GRAPH} {{ {n} {_CURRENT} {other} }} }} "
            f"WHERE {{ OPTIONAL {{ GRAPH {_POINTER_GRAPH} {{ {n} {_CURRENT} ?g }} }} }}")
        return counter.n, (self._clear(g) if other != g else 0)

    @staticmethod
    def _slots(name: URIRef) -> tuple[ox.NamedNode, ox.NamedNode]:
        return ox.NamedNode(str(name)), ox.NamedNode(str(name) + _SECOND_SLOT)

    def _pointed(self, name: URIRef) -> bool:
        return next(iter(self._store.quads_for_pattern(ox.NamedNode(str(name)), _CURRENT, None, _POINTER_GRAPH)),
                    None) is not None

    def _empty(self, g: ox.NamedNode) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, g)), None) is None

    def tidy_derived(self, name: URIRef) -> int:
        """Delete what a swap cut short left in the slot the pointer does not name (it is
        invisible to readers that follow the pointer, but not to the union of all graphs)."""
        a, b = self._slots(name)
        other = b if self._slot(name) == a else a
        return 0 if self._empty(other) else self._clear(other)

    def _clear(self, g: ox.NamedNode) -> int:
        """Delete every quad of ``g`` chunk by chunk (one DROP of millions is one transaction
        holding them all); Oxigraph iterates a snapshot, so memory stays at one chunk."""
        removed = 0
        gone: list[ox.Quad] = []
        for q in self._store.quads_for_pattern(None, None, None, g):
            gone.append(q)
            if len(gone) >= _DELETE_CHUNK:
                self._remove_many(gone)
                removed += len(gone)
                gone = []
        self._remove_many(gone)
        return removed + len(gone)

    def _remove_many(self, quads: list[ox.Quad]) -> None:
        # Removing quads one by one is one transaction each: a chunk goes as one DELETE DATA
        # of serialized terms (the store's own terms, never user text), about twice as fast.
        blank = any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads)
        if len(quads) < 1000 or blank:  # DELETE DATA takes no blank nodes
            for q in quads:
                self._store.remove(q)
            return
        body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
        self._store.update(f"DELETE DATA {{ {body} }}")

    def close(self) -> None:
        self.flush()
        del self._store
        if self.path is not None and not self.read_only:
            _HELD.discard(self.path.resolve())

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """Oxigraph's message on one line (its syntax errors list every expected token)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _serialized_query(store: ox.Store, text: str, union: bool = True) -> tuple[str, object]:
    """Run a query and serialize its answer (in the child process of a time-limited query)."""
    raw = store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=union)
    if isinstance(raw, ox.QuerySolutions):
        if not raw.variables:  # TSV cannot tell one empty solution from none
            return "SELECT-JSON", raw.serialize(format=ox.QueryResultsFormat.JSON)
        # TSV: far cheaper to read back than JSON for large answers (kg.store.tsv)
        return "SELECT", raw.serialize(format=ox.QueryResultsFormat.TSV)
    if isinstance(raw, ox.QueryTriples):
        return "CONSTRUCT", raw.serialize(format=ox.RdfFormat.N_TRIPLES)
    return "ASK", bool(raw)


def from_serialized(kind: str, data: object) -> Result:
    """The Result of a :meth:`OxigraphStore.serialized_query` answer."""
    if kind == "SELECT":
        return tsv_result(data)  # type: ignore[arg-type]
    if kind == "SELECT-JSON":
        return _to_result(ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON))
    if kind == "CONSTRUCT":
        return _triples_result(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return _to_result(bool(data))


def _triples_result(triples: Iterable[object]) -> Result:
    g = Graph()
    for prefix, ns in V.PREFIXES.items():
        g.bind(prefix, ns)
    for t in triples:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[attr-defined,arg-type]
    res = Result("CONSTRUCT")
    res.graph = g
    return res


def _to_result(raw: object) -> Result:
    if isinstance(raw, bool | ox.QueryBoolean):
        res = Result("ASK")
        res.askAnswer = bool(raw)
        return res
    if isinstance(raw, ox.QuerySolutions):
        from rdflib import Variable

        variables = [Variable(v.value) for v in raw.variables]
        res = Result("SELECT")
        res.vars = variables
        rows = []
        # Large answers repeat their values (a trial, a kind, a criterion's text on every
        # conflict row): convert each distinct term once.
        seen: dict[object, object] = {}
        indexed = list(enumerate(variables))
        for sol in raw:
            row = {}
            for i, v in indexed:
                term = sol[i]
                if term is None:
                    continue
                val = seen.get(term)
                if val is None:
                    val = seen[term] = to_rdflib(term)
                row[v] = val
            rows.append(row)
        res.bindings = rows
        return res
    if isinstance(raw, ox.QueryTriples):
        return _triples_result(raw)
    raise QueryError(f"unexpected query result {type(raw).__name__}")
