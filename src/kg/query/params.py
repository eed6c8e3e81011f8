"""Query parameters: turning what a user types (NCT ID, CURIE, IRI, label, number) into RDF terms.

Values become RDF terms that the store binds to query variables; no value is ever
spliced into query text, so a hostile string can only ever be a (non-matching) literal
or IRI.

>>> str(expand_curie("kgid:trial/NCT04660565"))
'https://w3id.org/kg/id/trial/NCT04660565'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg import vocab as V
from kg.errors import ParameterError

_NCT = re.compile(r"^NCT\d{8}$", re.I)
_CURIE = re.compile(r"^([A-Za-z][\w.-]*):([^\s/][^\s]*)$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.I)
_CTGOV_IRI = re.compile(r"^https?://(?:www\.)?clinicaltrials\.gov/(?:study|ct2/show)/(NCT\d{8})", re.I)


def expand_curie(value: str) -> URIRef:
    """Expand a CURIE with kg's prefix map; an unknown prefix is a ParameterError."""
    m = _CURIE.match(value)
    if not m:
        raise ParameterError(f"{value!r} is not a CURIE (prefix:local)")
    prefix, local = m.groups()
    if prefix not in V.PREFIXES:
        known = ", ".join(sorted(V.PREFIXES))
        raise ParameterError(f"unknown prefix {prefix!r} in {value!r} (known prefixes: {known})")
    return URIRef(str(V.PREFIXES[prefix]) + local)


def _ask(store: object, sparql: str, **bindings: Node) -> bool:
    return bool(store.query(sparql, bindings).askAnswer)  # type: ignore[attr-defined]


def resolve_trial(store: object, raw: str) -> URIRef:
    """A trial IRI from an NCT ID, a CURIE, an IRI, a kg key (x-…) or a unique title match."""
    value = raw.strip()
    iri: URIRef | None = None
    if _NCT.match(value):
        iri = V.trial_iri(value.upper())
    elif (m := _CTGOV_IRI.match(value)) is not None:
        iri = V.trial_iri(m.group(1).upper())
    elif _IRI.match(value):
        iri = URIRef(value)
    elif value.startswith("x-") and re.fullmatch(r"x-[0-9a-f]{6,64}", value):
        iri = V.trial_iri(value)
    elif _CURIE.match(value):
        curie = expand_curie(value)
        ct = _CTGOV_IRI.match(str(curie))
        iri = V.trial_iri(ct.group(1).upper()) if ct else curie
    if iri is not None:
        from kg.query.binding import check_term

        check_term(iri)  # an IRI with '>' or a space is refused before any query runs
        if _ask(store, "ASK { ?trial a kg:Trial }", trial=iri):
            return iri
        raise ParameterError(f"no trial {value!r} in the store" + _candidates_hint(store, value))
    # Otherwise treat it as words of a title.
    matches = _title_matches(store, value)
    if len(matches) == 1:
        return matches[0][0]
    if not matches:
        raise ParameterError(f"no trial matches {value!r}" + _candidates_hint(store, value))
    listing = "; ".join(f"{_short(t)} ({title[:60]})" for t, title in matches[:10])
    raise ParameterError(f"{value!r} is ambiguous: {len(matches)} trials match: {listing}")


def _short(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _title_matches(store: object, words: str) -> list[tuple[URIRef, str]]:
    res = store.query(  # type: ignore[attr-defined]
        "SELECT DISTINCT ?t ?title WHERE { ?t a kg:Trial ; rdfs:label ?title . "
        "FILTER(CONTAINS(LCASE(STR(?title)), LCASE(STR(?needle)))) } ORDER BY ?t",
        {"needle": Literal(words)},
    )
    seen: dict[URIRef, str] = {}
    for row in res:
        seen.setdefault(row[0], str(row[1]))
    return list(seen.items())


def _candidates_hint(store: object, value: str) -> str:
    digits = re.sub(r"\D", "", value)[-4:]
    if not digits:
        return ""
    res = store.query(  # type: ignore[attr-defined]
        "SELECT DISTINCT ?id WHERE { ?t kg:nctId ?id FILTER(CONTAINS(?id, STR(?d))) } ORDER BY ?id LIMIT 5",
        {"d": Literal(digits)},
    )
    ids = [str(r[0]) for r in res]
    return f"; similar: {', '.join(ids)}" if ids else ""


def _integer(store: object, raw: str) -> Literal:
    try:
        return Literal(int(raw), datatype=XSD.integer)
    except ValueError:
        raise ParameterError(f"{raw!r} is not an integer") from None


def _decimal(store: object, raw: str) -> Literal:
    try:
        float(raw)
    except ValueError:
        raise ParameterError(f"{raw!r} is not a number") from None
    return Literal(raw, datatype=XSD.decimal)


def _limit(store: object, raw: str) -> Literal:
    """A row limit: a positive integer. The runner applies it to the result rows (SPARQL
    cannot take LIMIT from a binding, and kg never pastes values into query text)."""
    try:
        n = int(raw)
    except ValueError:
        raise ParameterError(f"{raw!r} is not a positive integer") from None
    if n < 1:
        raise ParameterError(f"{raw!r} is not a positive integer")
    return Literal(n, datatype=XSD.integer)


# DISTINCT: a condition's type and label are repeated in the graph of every record naming it
# (108,016 rows for 1,671 names on the 1,855-record store; converting them cost 0.8 s). The
# conditions are made distinct before their names are read: joining every copy of the type
# with every copy of the label cost 0.4-0.7 s, this 0.1-0.2 s (the build's name index,
# kg.query.lookup, answers most names without it).
_CONDITION_NAMES = (
    "SELECT DISTINCT ?c ?name WHERE { { SELECT DISTINCT ?c WHERE { ?c a kg:Condition } } "
    "?c rdfs:label|skos:altLabel ?name }"
)


def resolve_condition(store: object, raw: str) -> URIRef:
    """A condition node from its name (the lexicon's synonyms too: "SLE"), a CURIE or an IRI.

    A CURIE or IRI of an external term (mesh:D008180, MONDO:0007915) finds the kg:Condition
    that skos:exactMatch links to it. Several conditions matching the words is an error
    listing them.
    """
    value = raw.strip()
    if not value:
        raise ParameterError("empty condition")
    iri: URIRef | None = None
    if _IRI.match(value):
        iri = URIRef(value)
    elif _CURIE.match(value) and not value.lower().startswith(("http:", "https:")):
        try:
            iri = expand_curie(value)
        except ParameterError:
            iri = None
    if iri is not None:
        from kg.query.binding import check_term

        check_term(iri)
        if _ask(store, "ASK { ?c a kg:Condition }", c=iri):
            return iri
        res = store.query("SELECT DISTINCT ?c WHERE { ?c a kg:Condition ; skos:exactMatch ?x }", {"x": iri})  # type: ignore[attr-defined]
        found = sorted({row[0] for row in res})
        if len(found) == 1:
            return found[0]
        if found:
            raise ParameterError(f"{value!r} matches {len(found)} conditions: {', '.join(map(_short, found[:10]))}")
        raise ParameterError(f"no condition {value!r} in the store")
    names: dict[URIRef, set[str]] = {}
    for row in store.query(_CONDITION_NAMES):  # type: ignore[attr-defined]
        names.setdefault(row[0], set()).add(str(row[1]).casefold())
    wanted = value.casefold()
    exact = {c for c, ns in names.items() if wanted in ns}
    if len(exact) == 1:
        return next(iter(exact))
    from kg.compare.facts import condition_key

    keyed = URIRef(condition_key(value))
    if keyed in names:
        return keyed
    words = exact or {c for c, ns in names.items() if any(wanted in n for n in ns)}
    if len(words) == 1:
        return next(iter(words))
    if not words:
        raise ParameterError(f"no condition named {value!r} in the store")
    listing = "; ".join(sorted(f"{sorted(names[c])[0]} ({_short(c)})" for c in words)[:10])
    raise ParameterError(f"{value!r} is ambiguous: {len(words)} conditions match: {listing}")


def _iri(store: object, raw: str) -> URIRef:
    if _IRI.match(raw.strip()):
        return URIRef(raw.strip())
    return expand_curie(raw.strip())


#: Resolvers by parameter type; other layers (drugs, conditions) register theirs here.
def resolve_conflict_kind(store: object, raw: str) -> Node:
    """A conflict kind's name (``washout``, ``required-excluded``, ...), checked: an unknown
    kind is an error listing the four, not an empty answer.

    >>> str(resolve_conflict_kind(None, "Washout"))
    'washout'
    """
    from kg import vocab as V

    name = raw.strip().lower().replace("_", "-").replace(" ", "-")
    if name not in V.CONFLICT_KINDS:
        raise ParameterError(f"no conflict kind {raw!r}; the kinds are: {', '.join(V.CONFLICT_KINDS)}")
    return Literal(name)


RESOLVERS: dict[str, Callable[[object, str], Node]] = {
    "trial": resolve_trial,
    "conflict_kind": resolve_conflict_kind,
    "string": lambda store, raw: Literal(raw),
    "integer": _integer,
    "decimal": _decimal,
    "iri": _iri,
    "limit": _limit,
    "condition": resolve_condition,
}

#: Parameter types resolved by another layer: type -> (module, function(store, raw) -> term).
PLUGIN_RESOLVERS: dict[str, tuple[str, str]] = {
    "drug": ("kg.drugs.params", "resolve_drug"),
    "drug_class": ("kg.drugs.params", "resolve_drug_class"),
    "mechanism": ("kg.drugs.params", "resolve_mechanism"),
}


#: Parameter types a plain name of which the build's name index resolves (kg.query.lookup).
LOOKUP_TYPES = frozenset({"drug", "mechanism", "condition"})


def resolve_param(store: object, ptype: str, name: str, raw: str) -> Node:
    """Resolve parameter ``name`` of type ``ptype`` from the raw string the user gave."""
    resolver = RESOLVERS.get(ptype)
    if resolver is None and ptype in PLUGIN_RESOLVERS:
        import importlib

        module, func = PLUGIN_RESOLVERS[ptype]
        resolver = getattr(importlib.import_module(module), func)
    if resolver is None:
        raise ParameterError(f"parameter {name!r} has unknown type {ptype!r}")
    if ptype in LOOKUP_TYPES:
        from kg.query.lookup import resolve as indexed

        # the build's name index answers a plain name with one read (kg.query.lookup);
        # anything it is not sure of goes to the type's own resolver
        found = indexed(store, ptype, raw)
        if found is not None:
            return found
    try:
        return resolver(store, raw)
    except ParameterError as err:
        raise ParameterError(f"-p {name}: {err}") from None
