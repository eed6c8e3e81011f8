"""What matching needs from the graph, read once per run: trials, criteria, constraints, drug and condition knowledge.

A handful of internal SELECTs (``queries/facts/patient-*.rq`` and the condition and drug
queries kg.compare also reads) scan the store; everything after is dictionaries, so one
patient is checked against every trial in memory. Reading the real 1,855-trial store takes
seconds, so :func:`load_facts` keeps the result in a cache file keyed by the store's files
(size and modification time of each): a second ``kg match`` on an unchanged store reads the
cache. Rows are read sorted so the facts do not depend on the store's row order.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kg import vocab as V
from kg.compare.facts import transitive_closure

_KG = str(V.KG)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: From this many trials on, the facts are frozen out of the cyclic GC (small stores gain nothing).
FREEZE_MIN_TRIALS = 200
#: Bumped when the shape of :class:`MatchFacts` changes (old cache files are then ignored).
FACTS_VERSION = 6


def query_text(name: str) -> str:
    """The text of an internal query of ``queries/facts``."""
    return resources.files("kg").joinpath("queries", "facts", f"{name}.rq").read_text("utf-8")


@dataclass
class Window:
    days: int | None = None
    ever: bool = False
    direction: str | None = None
    reference: str | None = None


@dataclass
class Dose:
    comparator: str
    value: float
    unit: str | None = None


@dataclass
class ConstraintFacts:
    """One stored constraint: its kind (local name of its class) and its properties as strings."""

    iri: str
    kind: str = "Constraint"
    polarity: str = "inclusion"  # effective polarity
    negated: bool = False
    text: str = ""
    props: dict[str, list[str]] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)  # group members (IRIs)
    operator: str | None = None  # "any" | "all" for groups
    window: Window | None = None
    dose: Dose | None = None
    #: what the constraint says, without its IRI: equal constraints of different trials
    #: ("Pregnant or breastfeeding") are evaluated once per patient
    sig: int = -1  # an id shared by constraints that say the same (-1: none)
    keys: frozenset[str] = frozenset()  # condition keys (condition constraints)

    def one(self, prop: str) -> str | None:
        values = self.props.get(prop)
        return values[0] if values else None

    def num(self, prop: str) -> float | None:
        value = self.one(prop)
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def all(self, prop: str) -> list[str]:
        return self.props.get(prop, [])


@dataclass
class CriterionFacts:
    iri: str
    polarity: str
    order: int
    text: str
    constraints: dict[str, ConstraintFacts] = field(default_factory=dict)

    tops: list[ConstraintFacts] = field(default_factory=list)

    def top(self) -> list[ConstraintFacts]:
        """Constraints that are no member of a group of this criterion (in IRI order)."""
        if not self.tops and self.constraints:
            inner = {m for c in self.constraints.values() for m in c.members}
            self.tops = [c for k, c in sorted(self.constraints.items()) if k not in inner]
        return self.tops


@dataclass
class TrialFacts:
    iri: str
    nct: str | None = None
    label: str | None = None
    healthy: bool | None = None
    conditions: set[str] = field(default_factory=set)  # condition keys (IRIs) the trial studies
    condition_labels: list[str] = field(default_factory=list)
    criteria: list[CriterionFacts] = field(default_factory=list)
    #: registry conditions plus those its inclusions require (kg.match.core never excludes them)
    studied: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.nct or self.iri.rsplit("/", 1)[-1]


@dataclass
class MatchFacts:
    """All trials with their criteria and constraints, plus drug classes and the condition hierarchy."""

    trials: dict[str, TrialFacts] = field(default_factory=dict)
    drug_classes: dict[str, set[str]] = field(default_factory=dict)  # drug IRI -> classes (closure)
    labels: dict[str, str] = field(default_factory=dict)
    broader: dict[str, set[str]] = field(default_factory=dict)  # condition key -> ancestors (closure)
    mesh_condition: dict[str, set[str]] = field(default_factory=dict)  # MeSH IRI -> condition keys
    known_conditions: set[str] = field(default_factory=set)  # condition keys the graph names

    def by_nct(self, ident: str) -> TrialFacts | None:
        for t in self.trials.values():
            if ident in (t.nct, t.iri):
                return t
        return None


def _true(x: str | None) -> bool:
    return x in ("true", "1")


def _key(row: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((x is not None, x or "") for x in row)


#: The queries that read per trial: bound to one trial's IRI when only some trials are matched.
_PER_TRIAL = ("patient-trials", "patient-criteria", "patient-constraints", "trial-conditions")


def read_match_facts(store: object, trials: list[str] | None = None) -> MatchFacts:
    """Read :class:`MatchFacts` from a kg store (Oxigraph or memory) with the internal queries.

    ``trials``: trial IRIs to read (each query that reads per trial is run once per trial with
    ``?trial`` bound, kg.query.binding); None reads every trial in one scan per query."""
    from rdflib import URIRef

    from kg.compare.facts import condition_key
    from kg.query.binding import inject_values

    def rows(name: str) -> list[tuple[str | None, ...]]:
        text = query_text(name)
        if trials is None or name not in _PER_TRIAL:
            found = list(store.rows(text))  # type: ignore[attr-defined]
        else:
            found = [r for t in trials for r in store.rows(inject_values(text, {"trial": URIRef(t)}))]  # type: ignore[attr-defined]
        return sorted(found, key=_key)

    f = MatchFacts()
    for t, nct, label, healthy in rows("patient-trials"):
        tf = f.trials.get(t)
        if tf is None:
            tf = f.trials[t] = TrialFacts(iri=t, nct=nct, label=label)
        if healthy is not None and tf.healthy is None:
            tf.healthy = _true(healthy)

    names: dict[str, list[str]] = defaultdict(list)
    mesh_of: dict[str, set[str]] = defaultdict(set)
    for cond, label, mesh in rows("condition-names"):
        if label:
            names[cond].append(label)
            f.labels.setdefault(cond, label)
        if mesh:
            mesh_of[cond].add(mesh)
            f.mesh_condition.setdefault(mesh, set()).add(cond)
    edges: dict[str, set[str]] = defaultdict(set)
    for cond, parent, plabel in rows("condition-broader"):
        edges[cond].add(parent)
        if plabel:
            f.labels.setdefault(parent, plabel)
    # a lexicon key ("lupus" -> systemic lupus erythematosus) stands for its condition node too
    for cond, labels in names.items():
        for label in labels:
            key = condition_key(label)
            if key != cond:
                edges[key] |= edges.get(cond, set())
                edges[cond].add(key)
    f.broader = transitive_closure(edges)
    # conditions kg has knowledge of (the curated hierarchy and the lexicon's names), not every
    # name some record gives: a requirement named otherwise is unknown, not "not met"
    f.known_conditions = set(edges) | {p for ps in edges.values() for p in ps}
    for t, cond in rows("trial-conditions"):
        tf = f.trials.get(t)
        if tf is None:
            continue
        tf.conditions.add(cond)
        tf.conditions |= mesh_of.get(cond, set())
        for label in sorted(names.get(cond, ()))[:1]:
            tf.condition_labels.append(label)
            tf.conditions.add(condition_key(label))

    for drug, label, cls, clabel in rows("drugs"):
        f.drug_classes.setdefault(drug, set())
        if label:
            f.labels.setdefault(drug, label)
        if cls:
            f.drug_classes[drug].add(cls)
            if clabel:
                f.labels.setdefault(cls, clabel)

    crits: dict[str, CriterionFacts] = {}
    crit_trial: dict[str, str] = {}
    for t, crit, pol, order, text in rows("patient-criteria"):
        if crit in crits or t not in f.trials:
            continue
        try:
            n = int(float(order)) if order is not None else 0
        except ValueError:
            n = 0
        crits[crit] = CriterionFacts(crit, pol or "inclusion", n, text or "")
        crit_trial[crit] = t
    for crit, parent_text in rows("criterion-parents"):
        # children of "except …" headers list exceptions, not further criteria (as kg.compare reads them)
        if any(h in (parent_text or "").lower() for h in ("except", "exception", "other than", "unless", "excluding")):
            crits.pop(crit, None)

    kinds: dict[str, ConstraintFacts] = {}
    for _t, crit, k, p, o in rows("patient-constraints"):
        cf = crits.get(crit)
        if cf is None or p is None or o is None:
            continue
        c = cf.constraints.get(k)
        if c is None:
            c = cf.constraints[k] = kinds[k] = ConstraintFacts(k)
        local = p[len(_KG):] if p.startswith(_KG) else p
        if p == _RDF_TYPE:
            if o.startswith(_KG) and o != _KG + "Constraint":
                c.kind = o[len(_KG):]
        elif local == "effectivePolarity":
            c.polarity = o
        elif local == "negated":
            c.negated = _true(o)
        elif local == "text":
            c.text = o
        elif local in ("anyOf", "allOf"):
            c.members.append(o)
            c.operator = "any" if local == "anyOf" else "all"
        else:
            c.props.setdefault(local, []).append(o)
    for c in kinds.values():
        c.members.sort()
        for values in c.props.values():
            values.sort()
    for k, days, ever, direction, reference in rows("patient-windows"):
        c = kinds.get(k)
        if c is not None and c.window is None:
            try:
                d = int(float(days)) if days is not None else None
            except ValueError:
                d = None
            c.window = Window(d, _true(ever), direction, reference)
    for k, comp, value, unit in rows("patient-doses"):
        c = kinds.get(k)
        if c is not None and c.dose is None:
            try:
                c.dose = Dose(comp or "<=", float(value or "nan"), unit)
            except ValueError:
                pass
    sigs: dict[tuple, int] = {}
    for c in kinds.values():
        w, d = c.window, c.dose
        c.sig = sigs.setdefault((c.kind, c.polarity, c.negated, tuple(sorted((k, tuple(v)) for k, v in c.props.items())),
                 (w.days, w.ever, w.direction, w.reference) if w else None, (d.comparator, d.value, d.unit) if d else None), len(sigs))
        name = c.one("normalizedName")
        if c.kind == "ConditionConstraint" and name:
            c.keys = frozenset({str(V.condition_iri(name)), condition_key(name)})
    for crit, cf in sorted(crits.items()):
        cf.top()
        f.trials[crit_trial[crit]].criteria.append(cf)
    for tf in f.trials.values():
        tf.criteria.sort(key=lambda c: (c.polarity != "inclusion", c.order, c.iri))
        keys = set(tf.conditions)
        for cf in tf.criteria:
            if cf.polarity == "inclusion":
                for c in cf.constraints.values():
                    if c.kind == "ConditionConstraint" and not c.negated:
                        keys |= c.keys
        tf.studied = frozenset(keys)
    return f


def _store_key(path: Path) -> str:
    """A fingerprint of a store folder's files (name, size, modification time)."""
    h = hashlib.sha256(f"{FACTS_VERSION}|{path.resolve()}".encode())
    for root, _dirs, files in sorted(os.walk(path)):
        for name in sorted(files):
            if name in ("LOCK", "build.lock") or name.startswith("LOG"):
                continue
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            h.update(f"{os.path.relpath(os.path.join(root, name), path)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def cache_dir() -> Path:
    """Where read facts are cached (``KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg`` or ``~/.cache/kg``)."""
    from kg import settings

    base = settings.cache_dir() or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kg")
    return Path(base) / "match"


def load_facts(store: object, use_cache: bool = True, trials: list[str] | None = None) -> MatchFacts:
    """:func:`read_match_facts`, through a cache file when the store lives in a folder.

    ``trials`` (IRIs): when there is no cache yet, read only these trials (queries bound to
    each), which is what ``kg match -p trial ID`` needs; a cache, once written, serves any set.
    The facts are hundreds of thousands of long-lived objects: they are moved out of the
    cyclic garbage collector's reach (``gc.freeze``), which otherwise walks them all on every
    full collection while a patient is matched (a third of the matching time)."""
    cached = _cache_file(store) if use_cache else None
    if trials and (cached is None or not cached.is_file()):
        return read_match_facts(store, trials)
    facts = _load_facts(store, use_cache)
    if len(facts.trials) >= FREEZE_MIN_TRIALS:
        gc.collect()
        gc.freeze()
    return facts


def _cache_file(store: object) -> Path | None:
    path = getattr(store, "path", None)
    if path is None or not Path(path).is_dir():
        return None
    return cache_dir() / f"{_store_key(Path(path))}.pickle"


def _load_facts(store: object, use_cache: bool) -> MatchFacts:
    cache = _cache_file(store) if use_cache else None
    if cache is None:
        return read_match_facts(store)
    if cache.is_file():
        try:
            with cache.open("rb") as fh:
                facts = pickle.load(fh)
            if isinstance(facts, MatchFacts):
                return facts
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            pass  # a damaged or outdated cache is read again from the store
    facts = read_match_facts(store)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(facts, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError:
        pass  # no writable cache: the next run reads the store again
    return facts
