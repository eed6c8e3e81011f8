"""The name index: every name a drug, mechanism or condition parameter is matched by, written once by the build.

Resolving ``-p drug rituximab`` by reading every name of every drug costs a scan of
thousands of rows (0.1-0.6 s on the 1,855-trial store: a condition's label is repeated in
each record graph naming it). The build writes each name in the form the resolver compares
(:func:`kg.drugs.resolve.normalize` for drugs and mechanisms, ``casefold`` for
conditions) into one small graph per kind, ``kggraph:lookup/drug`` and so on, as
``<term> skos:hiddenLabel "key"`` -- SKOS's label "accessible to search but not shown".
A parameter then resolves by one read of the literal index.

The index only ever answers when it is sure: a key that names exactly one term. No match
or several, a name with a ``:`` (a CURIE or IRI: the resolvers read those themselves), a
store built before the index existed: :func:`resolve` says None and the parameter's own
resolver runs as before, with its fuzzy matches, hints and ambiguity errors. Each graph
carries the fingerprint of what it was computed from (every graph's build fingerprint and
kg's code); a build whose inputs are unchanged leaves it as it is (decision 0021).

>>> key("condition", "  Systemic Lupus ")
'systemic lupus'
>>> key("drug", "Rituxan®") == key("drug", "rituxan")
True
>>> key("drug", "drugbank:DB00073") is None
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, SKOS

from kg import vocab as V

#: The parameter types the index serves.
KINDS = ("drug", "mechanism", "condition")
#: The predicate a key is written with, and the one stating the graph's input fingerprint.
KEY = SKOS.hiddenLabel
STAMP = OWL.versionInfo


def graph_iri(kind: str) -> URIRef:
    """The named graph holding the keys of one kind."""
    return V.KGGRAPH[f"lookup/{kind}"]


def key(kind: str, raw: str) -> str | None:
    """The index key of what a user typed, or None when the index cannot answer for it
    (empty, or a CURIE/IRI: its own resolver reads those)."""
    value = raw.strip()
    if not value or ":" in value:
        return None
    if kind == "condition":
        return value.casefold()
    from kg.drugs.resolve import normalize

    return normalize(value)


def _condition_names(store: object) -> dict[URIRef, set[str]]:
    from kg.query.params import _CONDITION_NAMES

    names: dict[URIRef, set[str]] = {}
    for row in store.query(_CONDITION_NAMES):  # type: ignore[attr-defined]
        names.setdefault(row[0], set()).add(str(row[1]).casefold())
    return names


def _drug_names(store: object) -> dict[URIRef, set[str]]:
    from kg.drugs.params import _DRUG_NAMES, _names

    return _names(store, _DRUG_NAMES)


def _mechanism_names(store: object) -> dict[URIRef, set[str]]:
    from kg.drugs.params import _mechanism_names

    return _mechanism_names(store)


#: Each kind's names exactly as its resolver (kg.query.params, kg.drugs.params) reads them.
_NAMES: dict[str, Callable[[object], dict[URIRef, set[str]]]] = {
    "drug": _drug_names,
    "mechanism": _mechanism_names,
    "condition": _condition_names,
}


def input_fingerprint(store: object) -> str:
    """Hash of kg's code and of every graph's build fingerprint: equal means the index is right."""
    from kg.graph.pipeline import code_fingerprint

    h = hashlib.sha256(code_fingerprint().encode())
    res = store.query("SELECT ?g ?fp WHERE { GRAPH ?g { ?g kg:buildFingerprint ?fp } }")  # type: ignore[attr-defined]
    for g, fp in sorted((str(r[0]), str(r[1])) for r in res):
        h.update(f"{g}={fp}\n".encode())
    return h.hexdigest()


def _triples(graph: URIRef, fingerprint: str, names: dict[URIRef, set[str]]) -> Iterable[tuple[URIRef, URIRef, Literal]]:
    yield graph, STAMP, Literal(fingerprint)
    for term, keys in names.items():
        for k in keys:
            yield term, KEY, Literal(k)


def materialize(store: object) -> tuple[int, int]:
    """Write (or leave, when its inputs are unchanged) the index of every kind; returns
    the triples added and removed."""
    fingerprint = input_fingerprint(store)
    added = removed = 0
    for kind in KINDS:
        graph = graph_iri(kind)
        if store.graph_value(graph, STAMP) == fingerprint:  # type: ignore[attr-defined]
            continue
        change = store.replace_graph(graph, _triples(graph, fingerprint, _NAMES[kind](store)))  # type: ignore[attr-defined]
        added += change.added
        removed += change.removed
    return added, removed


def _exact(store: object, kind: str, k: str) -> set[URIRef]:
    res = store.query(  # type: ignore[attr-defined]
        "SELECT DISTINCT ?x WHERE { GRAPH ?g { ?x skos:hiddenLabel ?k } }", {"g": graph_iri(kind), "k": Literal(k)})
    return {row[0] for row in res}


def _all(store: object, kind: str) -> dict[URIRef, set[str]]:
    """Every term of ``kind`` with its keys: one small graph, each name once (the resolvers'
    own scans read each condition label once per record graph naming it)."""
    sparql = f"SELECT ?x ?k WHERE {{ GRAPH <{graph_iri(kind)}> {{ ?x skos:hiddenLabel ?k }} }}"
    out: dict[URIRef, set[str]] = {}
    rows = store.rows(sparql) if hasattr(store, "rows") else store.query(sparql)  # type: ignore[attr-defined]
    for x, k in rows:
        out.setdefault(URIRef(str(x)), set()).add(str(k))
    return out


def indexed(store: object, kind: str) -> bool:
    """Whether the store holds the index of ``kind`` (a store built before it did not)."""
    return store.graph_value(graph_iri(kind), STAMP) is not None  # type: ignore[attr-defined]


def resolve(store: object, kind: str, raw: str) -> URIRef | None:
    """The term of ``kind`` that ``raw`` names, decided as the type's own resolver
    (:func:`kg.query.params.resolve_condition`, :func:`kg.drugs.params.resolve_drug`,
    :func:`kg.drugs.params.resolve_mechanism`) decides a plain name, on the index; None
    whenever that resolver would go further (no match, several, its catalogue fallbacks)
    or the store has no index: the caller then runs the resolver itself."""
    k = key(kind, raw)
    if kind not in KINDS or k is None or not indexed(store, kind):
        return None
    found = _exact(store, kind, k)
    if len(found) == 1:
        return next(iter(found))
    if kind == "drug":  # no match: the intervention resolver's catalogue reading decides
        return None
    if kind == "condition":
        keyed = _condition_key(raw.strip())
        if _exact_term(store, kind, keyed):
            return keyed
        if found:
            return None  # ambiguous: the resolver names the candidates
        words = {c for c, ks in _all(store, kind).items() if any(k in n for n in ks)}
        return next(iter(words)) if len(words) == 1 else None
    # mechanism: a name equal to the value, else one containing it as whole words
    if found or len(k) < 3:
        return None
    rx = re.compile(rf"(?<![\w]){re.escape(k)}(?![\w])")
    words = {x for x, ks in _all(store, kind).items() if any(rx.search(n) for n in ks)}
    return next(iter(words)) if len(words) == 1 else None


def _condition_key(name: str) -> URIRef:
    """:func:`kg.compare.facts.condition_key` without importing kg.compare (0.1 s at start-up);
    tests/query/test_lookup.py holds the two equal."""
    from kg.criteria.diseases import disease_name

    return V.condition_iri(disease_name(name) or name.strip())


def _exact_term(store: object, kind: str, term: URIRef) -> bool:
    """Whether ``term`` has a name in the index of ``kind``."""
    res = store.query("ASK { GRAPH ?g { ?x skos:hiddenLabel ?k } }", {"g": graph_iri(kind), "x": term})  # type: ignore[attr-defined]
    return bool(res.askAnswer)


__all__ = ["KEY", "KINDS", "STAMP", "graph_iri", "indexed", "input_fingerprint", "key", "materialize", "resolve"]
