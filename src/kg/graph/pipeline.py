"""The build: sources in, a store holding one named graph per record out, with a summary.

``build`` reads every source (files, folders, zips), quarantines what it cannot read
(with file, record, field and reason in a report file), decides each record's trial
identity, writes each record's named graph (replacing only that graph), then refreshes
the shared graphs (ontology, and the drug layer when present). Nothing already stored is
touched by a quarantined record.
"""

from __future__ import annotations

import concurrent.futures
import csv
import gc
import hashlib
import importlib
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from kg import vocab as V
from kg.errors import KgError, NoRecordsError, StoreError
from kg.graph.build import record_graph
from kg.graph import parallel, precedence
from kg.graph.identity import resolve_identities
from kg.ingest.sources import Quarantined, Skipped, ZipLimits, read_sources
from kg.model import TrialRecord

Progress = Callable[[str, int, int | None], None]
"""progress(description, completed, total): called as the build advances."""


@dataclass
class BuildSummary:
    """What a build did; ``partial`` when some records were quarantined."""

    records_read: int = 0
    trials: int = 0
    criteria: int = 0
    constraints: int = 0
    triples: int = 0
    graphs_changed: int = 0
    triples_added: int = 0
    triples_removed: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unresolved_interventions: dict[str, list[str]] = field(default_factory=dict)
    report_path: str | None = None
    conflicts: int | None = None  # None: comparisons not recomputed (nothing changed)
    comparabilities: int | None = None
    criteria_parse_failures: int = 0  # criteria whose parse raised (kg.criteria.parse.parse_failures; workers included)

    @property
    def partial(self) -> bool:
        return bool(self.quarantined)

    def as_dict(self) -> dict[str, object]:
        return {
            "records_read": self.records_read,
            "trials": self.trials,
            "criteria": self.criteria,
            "constraints": self.constraints,
            "triples": self.triples,
            "graphs_changed": self.graphs_changed,
            "triples_added": self.triples_added,
            "triples_removed": self.triples_removed,
            "conflicts": "unchanged" if self.conflicts is None else self.conflicts,
            "comparable pairs": "unchanged" if self.comparabilities is None else self.comparabilities,
            "criteria_parse_failures": self.criteria_parse_failures,
            "records_quarantined": len(self.quarantined),
            "files_skipped": len(self.skipped),
            "report": self.report_path,
        }


def demo_sources() -> list[Path]:
    """The embedded demo dataset (the four source trials in kg's own format)."""
    root = resources.files("kg") / "data" / "demo"
    return [Path(str(root))]


def _crosswalk(path: str | os.PathLike[str] | None) -> object | None:
    try:
        module = importlib.import_module("kg.ingest.crosswalk")
    except ModuleNotFoundError:
        return None
    cw = module.Crosswalk.load(None)
    if path is not None:
        cw = cw.merge(module.Crosswalk.load(path))
    return cw


def ontology_graph() -> Graph:
    """All ontology modules (``ontology/*.ttl`` except the SHACL shapes) as one graph."""
    from kg.graph.ontology import load_ontology

    return load_ontology()


def _shared_graphs() -> dict[URIRef, Callable[[], Graph]]:
    """Graphs every build refreshes: the ontology, and the drug layer (catalogue and the
    reasoner's inferences) when it is installed."""
    graphs: dict[URIRef, Callable[[], Graph]] = {V.ONTOLOGY_GRAPH: ontology_graph}
    # Links to external ontologies (curated SSSOM -> SKOS), in their own graph (decision 0009).
    graphs[V.MAPPINGS_GRAPH] = importlib.import_module("kg.link.graph").mappings_graph
    # The curated condition hierarchy (skos:broader between kg:Condition nodes).
    graphs[V.CONDITIONS_GRAPH] = importlib.import_module("kg.graph.conditions").conditions_graph
    try:
        drugs_rdf = importlib.import_module("kg.drugs.rdf")
        reasoning = importlib.import_module("kg.drugs.reasoning")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("kg.drugs"):
            return graphs
        raise
    graphs[V.DRUGS_GRAPH] = drugs_rdf.catalogue_graph
    graphs[V.INFERRED_GRAPH] = reasoning.infer
    return graphs


def skolemize(g: Graph) -> Graph:
    """Blank nodes replaced by IRIs derived from a canonical labeling (RDF 1.1 skolem IRIs).

    The same input always gives the same IRIs, so a shared graph with OWL restrictions
    or lists can be diffed and rewritten like any other graph.
    """
    from rdflib import BNode
    from rdflib.compare import to_canonical_graph

    if not any(isinstance(t, BNode) for triple in g for t in triple):
        return g
    canon = to_canonical_graph(g)
    out = Graph()
    genid = V.BASE + ".well-known/genid/"

    def sk(t):  # type: ignore[no-untyped-def]
        return URIRef(genid + str(t)) if isinstance(t, BNode) else t

    for s_, p_, o_ in canon:
        out.add((sk(s_), p_, sk(o_)))
    return out


def write_report(path: Path, summary: BuildSummary) -> None:
    """Quarantine report: one TSV row per quarantined record (written atomically)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(["file", "record_id", "field", "reason"])
    for q in summary.quarantined:
        w.writerow([q.path, q.record_id or "", q.field or "", q.reason])
    for s in summary.skipped:
        w.writerow([s.path, "", "", f"skipped: {s.note}"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def build(
    sources: Iterable[str | os.PathLike[str]] | None,
    store: object,
    *,
    crosswalk: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    shared_graphs: bool = True,
    compare: bool = True,
    zip_limits: ZipLimits | None = None,
    require_records: bool = False,
    workers: int | None = None,
) -> BuildSummary:
    """Build (or update) ``store`` from ``sources``; ``None`` builds the embedded demo data.

    ``compare=False`` leaves the conflicts and comparabilities (kg.compare) as they are, for
    loading many batches before comparing once (:func:`kg.compare.materialize`). ``zip_limits``
    caps what a zip may expand to (default: :meth:`kg.ingest.sources.ZipLimits.from_env`).
    ``require_records`` raises :class:`kg.errors.NoRecordsError`, having written nothing, when
    the sources hold no readable record. ``workers`` (default ``KG_BUILD_WORKERS`` or one per
    CPU) processes build the record graphs, which an on-disk or in-memory Oxigraph store then
    bulk-loads (:mod:`kg.graph.parallel`); ``workers=1`` builds and writes them here, one
    transaction per record. Both give the same store."""
    paths = list(sources) if sources else demo_sources()
    summary = BuildSummary()
    parse_mod = importlib.import_module("kg.graph.build")._optional("kg.criteria.parse", "parse_failures")
    failures_before = parse_mod() if parse_mod is not None else 0
    records: list[TrialRecord] = []
    n_workers = parallel.workers_from_env() if workers is None else max(1, workers)
    # The parallel writer needs the bulk loader (Oxigraph); other stores take the serial path.
    bulk = n_workers > 1 and hasattr(store, "bulk_add_nquads")
    packed: list[bytes] = []  # bulk: each record packed; ``records`` holds stubs
    tick = progress or (lambda *_: None)
    items = (parallel.read_in_parallel(paths, zip_limits or ZipLimits.from_env(), n_workers) if bulk
             else read_sources(paths, zip_limits=zip_limits))
    for item in items:
        if isinstance(item, tuple):  # bulk: a record read by a worker, packed, and its stub
            packed.append(item[0])
            item = item[1]
        if isinstance(item, TrialRecord):
            records.append(item)
            summary.records_read += 1
            tick("reading", summary.records_read, None)
        elif isinstance(item, Quarantined):
            summary.quarantined.append(item)
        else:
            summary.skipped.append(item)
    if bulk and len(records) < parallel.MIN_RECORDS:
        # A few records: the serial path is quicker than starting workers (and keeps the
        # criteria parsed in this process for the next build of the same session).
        records, packed, bulk = [parallel.unpack(p) for p in packed], [], False
    if require_records and not records:
        raise NoRecordsError(paths, [(s.path, s.note) for s in summary.skipped]
                             + [(q.path, q.reason) for q in summary.quarantined])
    # A title-less record may be a fragment of another record's text (kg.graph.identity): only
    # then does identity need the texts the stubs leave out (seed pages; registry records all
    # have titles).
    whole = [parallel.unpack(p) for p in packed] if bulk and not all(r.title for r in records) else records
    identities = resolve_identities(whole, _crosswalk(crosswalk))
    del whole
    # One record per trial states its content; the others keep their provenance (decision 0015).
    roles = precedence.plan(store, records, [i.key for i in identities], [i.basis for i in identities])

    seen: dict[URIRef, str] = {}
    code = code_fingerprint()
    # Parsing and writing allocate millions of short-lived objects (rdflib terms, one graph
    # per record) over a large long-lived heap (the records, parsed criteria): at Python's
    # default thresholds the cyclic GC rescans that heap dozens of times, up to a fifth of a
    # build's CPU (benchmarks/ingest.py). Collect less often while writing records.
    gc_thresholds = gc.get_threshold()
    if gc_thresholds[0]:  # 0: automatic collection is off, leave it so
        gc.set_threshold(max(gc_thresholds[0], 20_000), 20, 20)
    beside: dict[str, object] = {}  # the shared graphs made beside the record workers

    def make_shared() -> None:
        # The shared graphs (ontology, drug layer, the reasoner's inferences) depend on kg alone:
        # made in a thread while the workers build the records (the reasoner is a JVM child,
        # the main thread mostly waits on the workers), written after them as before. Started
        # only once the workers are forked (kg.graph.parallel.made_in_parallel).
        if shared_graphs and not beside:
            beside["pool"] = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kg-shared")
            beside["made"] = beside["pool"].submit(_shared_nquads, store, code_fingerprint())  # type: ignore[attr-defined]

    try:
        if bulk:
            _write_parallel(store, records, packed, identities, roles, code, n_workers, summary, tick, make_shared)
            del packed
        prepare = None if bulk else importlib.import_module("kg.graph.build")._optional("kg.criteria.rdf", "prepare")
        if prepare is not None:
            tick("parsing criteria", 0, None)
            # Criteria parsing is most of a build's cost: parse the distinct texts of the records
            # to (re)write in parallel first; record_graph then reuses the results (same triples).
            prepare((c.text, c.polarity) for rec, ident in zip(records, identities, strict=True)
                    if store.graph_value(V.record_graph(rec.source.format, rec.source.record_id),  # type: ignore[attr-defined]
                                         V.buildFingerprint) != record_fingerprint(rec, ident.key, ident.basis, code)
                    for c in rec.eligibility.criteria)
        for i, (rec, ident) in enumerate(zip(records, identities, strict=True) if not bulk else (), start=1):
            tick("writing", i, len(records))
            if ident.sponsor and not rec.sponsor:
                rec.sponsor = ident.sponsor
            graph_iri = V.record_graph(rec.source.format, rec.source.record_id)
            if graph_iri in seen:
                summary.duplicates.append(f"{rec.source.path}: record {rec.source.record_id} also in {seen[graph_iri]}")
            seen[graph_iri] = rec.source.path
            fingerprint = roles.fingerprint(i - 1, record_fingerprint(rec, ident.key, ident.basis, code))
            if store.graph_value(graph_iri, V.buildFingerprint) == fingerprint:  # type: ignore[attr-defined]
                continue  # same content, same identity, same code: the stored graph is already right
            try:
                rg = record_graph(rec, ident.key)
            except (KgError, ValueError, TypeError, RecursionError) as exc:  # one bad record must not lose the others
                summary.quarantined.append(Quarantined(rec.source.path, rec.source.record_id, None,
                                                       f"cannot build graph: {exc}"))
                continue
            if i - 1 in roles.secondary:
                rg.graph = precedence.secondary_view(rg.graph, rg.graph_iri)
            rg.graph.add((rg.graph_iri, V.identityBasis, Literal(ident.basis)))
            rg.graph.add((rg.graph_iri, V.buildFingerprint, Literal(fingerprint)))
            try:
                change = store.replace_graph(rg.graph_iri, rg.graph)  # type: ignore[attr-defined]
            except (ValueError, StoreError) as exc:
                # e.g. an identifier that cannot form an IRI: the record stays out, the store is untouched.
                summary.quarantined.append(Quarantined(rec.source.path, rec.source.record_id, None,
                                                       f"cannot store record: {exc}"))
                continue
            if rg.unresolved_interventions:
                summary.unresolved_interventions[rec.source.record_id] = rg.unresolved_interventions
            if change.changed:
                summary.graphs_changed += 1
                summary.triples_added += change.added
                summary.triples_removed += change.removed
        changed, added, removed = precedence.demote(store, roles.demote)
        summary.graphs_changed += changed
        summary.triples_added += added
        summary.triples_removed += removed
    finally:
        gc.set_threshold(*gc_thresholds)
        if "pool" in beside:
            beside["pool"].shutdown(wait=False)  # type: ignore[attr-defined]  # the result stays readable

    if "made" in beside:
        tick("shared graphs", 0, None)
        made = beside["made"].result()  # type: ignore[attr-defined]
        for graph_iri, text in made.items():
            change = store.replace_graph_nquads(graph_iri, text)  # type: ignore[attr-defined]
            if change.changed:
                summary.graphs_changed += 1
                summary.triples_added += change.added
                summary.triples_removed += change.removed
    elif shared_graphs:
        tick("shared graphs", 0, None)
        code = code_fingerprint()
        for graph_iri, make in _shared_graphs().items():
            if store.graph_value(graph_iri, V.buildFingerprint) == code:  # type: ignore[attr-defined]
                continue  # built by this very code and data already (the reasoner takes seconds)
            shared = skolemize(make())
            shared.add((graph_iri, V.buildFingerprint, Literal(code)))
            change = store.replace_graph(graph_iri, shared)  # type: ignore[attr-defined]
            if change.changed:
                summary.graphs_changed += 1
                summary.triples_added += change.added
                summary.triples_removed += change.removed
    if shared_graphs and compare:
        # Conflicts and comparabilities depend on every record: recomputed (and only the
        # changed triples written) whenever any graph they read changed.
        tick("comparing trials", 0, None)
        cs = importlib.import_module("kg.compare").materialize(store)
        if not cs.skipped:
            summary.conflicts, summary.comparabilities = cs.conflicts, cs.comparabilities
            summary.triples_added += cs.added
            summary.triples_removed += cs.removed
            summary.graphs_changed += bool(cs.added or cs.removed)
    if shared_graphs:
        # Names of drugs, mechanisms and conditions as query parameters match them (kg.query.lookup)
        tick("name index", 0, None)
        from kg.query import lookup

        added, removed = lookup.materialize(store)
        summary.triples_added += added
        summary.triples_removed += removed
        summary.graphs_changed += bool(added or removed)
    store.flush()  # type: ignore[attr-defined]
    summary.trials, summary.criteria, summary.constraints = store_counts(store)
    summary.criteria_parse_failures = (parse_mod() - failures_before) if parse_mod is not None else 0
    summary.triples = len(store)  # type: ignore[arg-type]
    report_path = Path(report) if report else (Path(store.path) / "build-report.tsv"  # type: ignore[attr-defined]
                                               if getattr(store, "path", None) else None)
    if report_path is not None:
        write_report(report_path, summary)
        summary.report_path = str(report_path)
    return summary


def _shared_nquads(store: object, code: str) -> dict[URIRef, str]:
    """The shared graphs this code has not stored yet, as N-Quads with their fingerprint: the
    same quads the serial path writes (skolemized, canonical literals)."""
    out = {}
    for graph_iri, make in _shared_graphs().items():
        if store.graph_value(graph_iri, V.buildFingerprint) == code:  # type: ignore[attr-defined]
            continue  # built by this very code and data already (the reasoner takes seconds)
        shared = skolemize(make())
        shared.add((graph_iri, V.buildFingerprint, Literal(code)))
        out[graph_iri] = parallel.nquads(shared, graph_iri)[0]
    return out


def _write_parallel(store: object, records: list[TrialRecord], packed: list[bytes], identities: list,
                    roles: precedence.Plan, code: str, workers: int, summary: BuildSummary,
                    tick: Progress, forked: Callable[[], None] | None = None) -> None:
    """Record graphs built by ``workers`` processes and written in bulk (kg.graph.parallel):
    the same graphs, fingerprints and summary counts as the serial loop of :func:`build`."""
    seen: dict[URIRef, str] = {}
    jobs: list[parallel.Job] = []
    iris = [V.record_graph(rec.source.format, rec.source.record_id) for rec in records]
    # A record given twice is written twice, in order, as the serial loop does: the stored
    # graph it is checked against is the one its earlier copy writes, not known yet here.
    twice = {iri for iri, n in Counter(iris).items() if n > 1}
    for i, (rec, ident) in enumerate(zip(records, identities, strict=True)):
        if ident.sponsor and not rec.sponsor:
            rec.sponsor = ident.sponsor
        graph_iri = iris[i]
        if graph_iri in seen:
            summary.duplicates.append(f"{rec.source.path}: record {rec.source.record_id} also in {seen[graph_iri]}")
        seen[graph_iri] = rec.source.path
        fingerprint = roles.fingerprint(i, record_fingerprint(rec, ident.key, ident.basis, code))
        if graph_iri not in twice and store.graph_value(graph_iri, V.buildFingerprint) == fingerprint:  # type: ignore[attr-defined]
            continue  # same content, same identity, same code: the stored graph is already right
        jobs.append(parallel.Job(i, packed[i], ident.key, ident.basis, ident.sponsor, fingerprint,
                                 i in roles.secondary))
    fingerprints = {j.index: j.fingerprint for j in jobs}
    del seen
    bulk: list[str] = []  # N-Quads of new graphs (fingerprint included) waiting for one bulk load
    in_bulk: set[str] = set()
    size = 0
    done = len(records) - len(jobs)  # unchanged records count as written

    def flush() -> None:
        nonlocal size, done
        # One load below the bulk loader's batch is ingested whole: a record is in with its
        # fingerprint or not at all, and "writing" counts only records in the store.
        store.bulk_add_nquads("".join(bulk))  # type: ignore[attr-defined]
        done += len(bulk)
        tick("writing", done, len(records))
        bulk.clear()
        in_bulk.clear()
        size = 0

    for made in parallel.made_in_parallel(jobs, workers, forked=forked):
        rec = records[made.index]
        if made.error is not None:
            summary.quarantined.append(Quarantined(rec.source.path, rec.source.record_id, None, made.error))
            done += 1
            continue
        text = made.nquads + parallel.fingerprint_quad(made.graph_iri, fingerprints[made.index])
        if made.graph_iri in in_bulk:
            flush()  # the same record twice in one build: the later copy replaces the earlier
        if not store.holds_graph(made.graph_iri):  # type: ignore[attr-defined]
            bulk.append(text)
            in_bulk.add(made.graph_iri)
            size += made.quads + 1
            change_added, change_removed = made.quads + 1, 0
            if size >= parallel.BULK_QUADS:
                flush()
        else:
            done += 1
            try:
                change = store.replace_graph_nquads(made.graph_iri, text)  # type: ignore[attr-defined]
            except StoreError as exc:
                summary.quarantined.append(Quarantined(rec.source.path, rec.source.record_id, None,
                                                       f"cannot store record: {exc}"))
                continue
            tick("writing", done, len(records))
            change_added, change_removed = change.added, change.removed
        if made.unresolved:
            summary.unresolved_interventions[rec.source.record_id] = list(made.unresolved)
        if change_added or change_removed:
            summary.graphs_changed += 1
            summary.triples_added += change_added
            summary.triples_removed += change_removed
    flush()


def store_counts(store: object) -> tuple[int, int, int]:
    """Trials, criteria and constraints in the whole store."""
    res = store.query(  # type: ignore[attr-defined]
        "SELECT (COUNT(DISTINCT ?t) AS ?trials) (COUNT(DISTINCT ?c) AS ?criteria) (COUNT(DISTINCT ?k) AS ?constraints)"
        " WHERE { { ?t a kg:Trial } UNION { ?c a kg:EligibilityCriterion } UNION { ?c0 kg:hasConstraint ?k } }"
    )
    for row in res:
        return tuple(int(x) if x is not None else 0 for x in row)  # type: ignore[return-value]
    return 0, 0, 0


def count_trials(store: object) -> int:
    return store_counts(store)[0]


_CODE_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """SHA-256 over kg's own code and data files: a new kg version rebuilds every record."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        h = hashlib.sha256()
        root = Path(str(resources.files("kg")))
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".tsv", ".json", ".ttl") and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
        _CODE_FINGERPRINT = h.hexdigest()
    return _CODE_FINGERPRINT


def record_fingerprint(rec: TrialRecord, key: str, basis: str, code: str) -> str:
    """Identity of what a record's graph is built from: the source bytes (by hash) and the
    record's place in them, its trial identity, any sponsor the crosswalk filled in, and
    the code. A record is a pure function of these, so equal fingerprints mean equal graphs."""
    src = rec.source
    parts = (src.sha256, src.format, src.record_id, src.locator, key, basis, rec.sponsor or "", code)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
