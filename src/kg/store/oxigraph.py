"""The embedded graph store: Oxigraph (pyoxigraph) on disk, or in memory for small work.

One named graph per source record. Replacing a record's graph is one SPARQL Update
(``DELETE DATA`` of the triples that went away, ``INSERT DATA`` of the new ones), which
Oxigraph runs as one transaction: a build killed at any point leaves every record either
wholly in or wholly out, and the store openable. Unchanged records write nothing, so a
second build of the same input changes zero triples.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from kg import vocab as V
from kg.errors import QueryError, StoreError
from kg.store.tsv import plain_literal, tsv_result

if TYPE_CHECKING:
    from kg.query.guard import AllowList

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


class OxigraphStore:
    """A kg graph store backed by pyoxigraph; ``path=None`` keeps it in memory."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise StoreError(f"{self.path}: no store here (run `kg build` first)")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open store: {exc}") from exc

    # -- writing ------------------------------------------------------------------------
    def replace_graph(self, graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> GraphChange:
        """Make named graph ``graph`` hold exactly ``triples``, in one transaction."""
        g = ox.NamedNode(str(graph))
        new = canonical_quads(triples, graph)
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

    def query(
        self,
        sparql: str,
        bindings: dict[str, Node] | None = None,
        *,
        timeout: float | None = None,
        allow: AllowList | None = None,
    ) -> Result:
        """Run a SPARQL query over the union of all graphs; ``bindings`` bind variables to
        RDF terms through a VALUES block (see :mod:`kg.query.binding`), never as raw text.

        ``allow``: check the query with :func:`kg.query.guard.check_query` first (user
        queries); ``timeout``: run it in a child process killed after that many seconds
        (:mod:`kg.query.limits`). Without them the query runs in-process, as kg's own
        internal queries do."""
        from kg.query.binding import inject_values

        if allow is not None:
            from kg.query.guard import check_query

            # The template is checked: inject_values only adds a VALUES block of
            # serialized terms, which cannot add a clause (tests/query/test_injection.py).
            check_query(sparql, allow)
        text = inject_values(sparql, bindings) if bindings else sparql
        try:
            if timeout is None:
                return _to_result(self._store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=True))
            from kg.query.limits import run_with_limit

            self.flush()  # settle pending writes: no storage thread mid-write when the child forks
            store = self._store
            kind, data = run_with_limit(lambda: _serialized_query(store, text), timeout)
            return _from_serialized(kind, data)
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

    def replace_graph_quads(self, graph: URIRef, triples: Iterable[tuple[str, str, object]]) -> GraphChange:
        """Like :meth:`replace_graph` for plain-string triples: subject and predicate are IRI
        strings; the object is an :class:`rdflib.URIRef` or a python str/int/float/bool/Decimal
        literal. Large derived graphs (kg.compare) are written this way, without building
        an rdflib graph or SPARQL text first.

        Not one transaction: stale triples are removed, then the new ones added in one
        bulk insert. Callers keep a fingerprint triple in the graph and drop it first
        (``drop_fingerprint``) so an interrupted write is recomputed by the next build.
        """
        g = ox.NamedNode(str(graph))
        quads = (ox.Quad(ox.NamedNode(s_), ox.NamedNode(p_), _ox_object(o_), g) for s_, p_, o_ in triples)
        try:
            if next(iter(self._store.quads_for_pattern(None, None, None, g)), None) is None:
                # Nothing to diff against: stream the new quads into the bulk loader.
                counter = _Counter(quads)
                self._store.bulk_extend(counter)
                return GraphChange(counter.n, 0)
            # Diff by hashes of the quads' N-Quads text: the old graph may hold millions of
            # quads, too many to keep twice as objects; only the changed ones are kept.
            old = {_digest(q) for q in self._store.quads_for_pattern(None, None, None, g)}
            seen: set[bytes] = set()
            added: list[ox.Quad] = []
            for q in quads:
                h = _digest(q)
                if h not in seen:
                    seen.add(h)
                    if h not in old:
                        added.append(q)
            del old
            # Oxigraph iterates a snapshot, so stale quads are deleted chunk by chunk as they
            # are found: memory stays at one chunk, not millions of quads.
            removed = 0
            gone: list[ox.Quad] = []
            for q in self._store.quads_for_pattern(None, None, None, g):
                if _digest(q) not in seen:
                    gone.append(q)
                    if len(gone) >= _DELETE_CHUNK:
                        self._remove_many(gone)
                        removed += len(gone)
                        gone = []
            self._remove_many(gone)
            removed += len(gone)
            del seen
            if added:
                self._bulk(added)
        except (OSError, ValueError, SyntaxError) as exc:
            raise StoreError(f"cannot write graph {graph}: {exc}") from exc
        return GraphChange(len(added), removed)

    def _remove_many(self, quads: list[ox.Quad]) -> None:
        # Removing quads one by one is one transaction each, and one DROP of millions is one
        # transaction holding them all: a chunk goes as one DELETE DATA of serialized terms
        # (the store's own terms, never user text), about twice as fast as single removes.
        blank = any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads)
        if len(quads) < 1000 or blank:  # DELETE DATA takes no blank nodes
            for q in quads:
                self._store.remove(q)
            return
        body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
        self._store.update(f"DELETE DATA {{ {body} }}")

    def _bulk(self, quads: set[ox.Quad] | list[ox.Quad]) -> None:
        # The bulk loader writes sorted files straight to disk: one large transaction of
        # millions of quads would sit in the write-ahead log (gigabytes) and take minutes.
        if len(quads) > 50_000:
            self._store.bulk_extend(quads)
        else:
            self._store.extend(quads)

    def drop_fingerprint(self, graph: URIRef) -> None:
        """Remove ``<graph> kg:buildFingerprint ?v`` from that graph (see replace_graph_quads)."""
        g = ox.NamedNode(str(graph))
        for q in list(self._store.quads_for_pattern(g, ox.NamedNode(str(V.buildFingerprint)), None, g)):
            self._store.remove(q)

    def close(self) -> None:
        self.flush()
        del self._store

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """Oxigraph's message on one line (its syntax errors list every expected token)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _serialized_query(store: ox.Store, text: str) -> tuple[str, object]:
    """Run a query and serialize its answer (in the child process of a time-limited query)."""
    raw = store.query(text, prefixes=_PREFIXES, use_default_graph_as_union=True)
    if isinstance(raw, ox.QuerySolutions):
        if not raw.variables:  # TSV cannot tell one empty solution from none
            return "SELECT-JSON", raw.serialize(format=ox.QueryResultsFormat.JSON)
        # TSV: far cheaper to read back than JSON for large answers (kg.store.tsv)
        return "SELECT", raw.serialize(format=ox.QueryResultsFormat.TSV)
    if isinstance(raw, ox.QueryTriples):
        return "CONSTRUCT", raw.serialize(format=ox.RdfFormat.N_TRIPLES)
    return "ASK", bool(raw)


def _from_serialized(kind: str, data: object) -> Result:
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
