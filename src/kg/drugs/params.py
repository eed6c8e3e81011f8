"""Query parameters of the drug layer: what a user types for a drug, drug class or mechanism -> its IRI.

Registered in :data:`kg.query.params.PLUGIN_RESOLVERS` for the parameter types ``drug``,
``drug_class`` and ``mechanism``. Every lookup runs against the store (the catalogue graph
it holds is the truth), so a drug the store lacks is unknown even if the package knows it.
A value that matches nothing, or more than one thing, is a
:class:`~kg.errors.ParameterError` that lists candidates; nothing is ever guessed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from rdflib import Literal, URIRef

from kg import vocab as v
from kg.drugs.resolve import normalize, resolve_class_phrase, resolve_intervention
from kg.errors import ParameterError
from kg.query.binding import serialize_term
from kg.query.params import expand_curie

_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.I)
_CURIE = re.compile(r"^([A-Za-z][\w.-]*):(\S+)$")

#: CURIE prefixes of external drug identifiers -> the catalogue property holding them
_ID_PREFIXES: dict[str, URIRef] = {
    "drugbank": v.drugbankId,
    "chebi": v.chebiId,
    "atc": v.atcCode,
    "rxnorm": v.rxnormId,
    "rxcui": v.rxnormId,
    "unii": v.uniiCode,
    "mesh": v.meshId,
}

_DRUG_NAMES = """
SELECT DISTINCT ?x ?name WHERE {
  ?x a kg:Drug .
  { ?x rdfs:label ?name } UNION { ?x skos:altLabel ?name } UNION { ?x kg:brandName ?name }
}"""
_CLASS_NAMES = """
SELECT DISTINCT ?x ?name WHERE {
  ?x a kg:DrugClass .
  { ?x rdfs:label ?name } UNION { ?x skos:altLabel ?name } UNION { ?x skos:prefLabel ?name }
}"""
# A mechanism individual is named by its own labels and by the label of its mechanism class
# when that class is the most specific one ("mechanism of action" names every mechanism).
# Two queries whose patterns Oxigraph looks up class by class; one query joining both kinds
# of name ran for minutes on the 1,855-trial store (the union's branches share no variable).
_MECHANISMS = """
SELECT ?x ?mc ?name WHERE {
  ?mc rdfs:subClassOf* kg:MechanismOfAction .
  ?x a ?mc .
  FILTER(isIRI(?x) && ?mc != owl:NamedIndividual)
  OPTIONAL { { ?x rdfs:label ?name } UNION { ?x skos:altLabel ?name } }
}"""
# "most specific": no subclass of it has an instance (the class is judged, not the individual)
_MECHANISM_CLASS_NAMES = """
SELECT ?mc ?name WHERE {
  ?mc rdfs:subClassOf* kg:MechanismOfAction ; rdfs:label ?name .
  FILTER NOT EXISTS { ?sub rdfs:subClassOf+ ?mc . FILTER EXISTS { ?any a ?sub } }
}"""


def _mechanism_names(store: object) -> dict[URIRef, set[str]]:
    """Mechanism individual -> its names, as :func:`_names` gives them."""
    class_names: dict[object, list[object]] = {}
    for row in store.query(_MECHANISM_CLASS_NAMES):  # type: ignore[attr-defined]
        class_names.setdefault(row[0], []).append(row[1])
    rows = []
    for row in store.query(_MECHANISMS):  # type: ignore[attr-defined]
        x, mc, name = row[0], row[1], row[2]
        if name is not None:
            rows.append((x, name))
        rows += [(x, n) for n in class_names.get(mc, ())]
    return _names_from(rows)


def _local(iri: URIRef) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _names(store: object, sparql: str) -> dict[URIRef, set[str]]:
    """IRI -> its names (labels, synonyms, brands and the IRI's local name), normalised."""
    return _names_from((row[0], row[1]) for row in store.query(sparql))  # type: ignore[attr-defined]


def _names_from(rows: Iterable[tuple[object, object]]) -> dict[URIRef, set[str]]:
    out: dict[URIRef, set[str]] = {}
    for x, name in rows:
        if isinstance(x, URIRef):
            local = normalize(_local(x))
            out.setdefault(x, {local, local.replace("-", " ")}).add(normalize(str(name)))
    return out


def _label(store: object, iri: URIRef) -> str:
    res = store.query("SELECT ?l WHERE { ?x rdfs:label ?l } LIMIT 1", {"x": iri})  # type: ignore[attr-defined]
    for row in res:
        return f"{_short(iri)} ({row[0]})"
    return _short(iri)


def _short(iri: URIRef) -> str:
    for prefix, ns in (("kgid", v.KGID), ("kg", v.KG)):
        if str(iri).startswith(str(ns)):
            return f"{prefix}:{str(iri)[len(str(ns)):]}"
    return str(iri)


def _listing(store: object, iris: Iterable[URIRef], limit: int = 10) -> str:
    items = sorted(set(iris))
    text = "; ".join(_label(store, i) for i in items[:limit])
    return text + (f"; … ({len(items)} in all)" if len(items) > limit else "")


def _one(store: object, kind: str, value: str, found: set[URIRef], names: dict[URIRef, set[str]]) -> URIRef:
    """The single match, or a ParameterError naming the candidates."""
    if len(found) == 1:
        return next(iter(found))
    if found:
        raise ParameterError(f"{kind} {value!r} is ambiguous: {len(found)} match: {_listing(store, found)}")
    by_name: dict[str, URIRef] = {}
    for x in sorted(names):  # a name two terms share hints at the smaller IRI, in every run
        for n in names[x]:
            by_name.setdefault(n, x)
    close = difflib.get_close_matches(normalize(value), list(by_name), n=5, cutoff=0.75)
    hint = f"; did you mean: {_listing(store, {by_name[c] for c in close})}" if close else ""
    raise ParameterError(f"no {kind} {value!r} in the store{hint}")


def _as_iri(value: str) -> URIRef | None:
    """The IRI a full IRI or a CURIE with a kg prefix names; None for anything else.

    An IRI that cannot be one (``<``, ``>``, quotes, braces…) is a ParameterError before any
    query sees it.
    """
    if _IRI.match(value):
        iri = URIRef(value)
    elif (m := _CURIE.match(value)) and m.group(1) in v.PREFIXES:
        iri = expand_curie(value)
    else:
        return None
    serialize_term(iri)  # raises ParameterError for an invalid IRI
    return iri


def _is_a(store: object, iri: URIRef, rdf_type: str) -> bool:
    ask = f"ASK {{ ?x a ?c . ?c rdfs:subClassOf* {rdf_type} }}" if rdf_type == "kg:MechanismOfAction" else f"ASK {{ ?x a {rdf_type} }}"
    return bool(store.query(ask, {"x": iri}).askAnswer)  # type: ignore[attr-defined]


def resolve_drug(store: object, raw: str) -> URIRef:
    """A catalogue drug from a name, synonym, brand, kg CURIE/IRI or external identifier CURIE.

    External identifiers (``drugbank:DB08879``, ``chebi:64357``, ``atc:L04AG04``, ``unii:…``,
    ``rxnorm:…``, ``mesh:D…``) are looked up in the catalogue's identifier columns; an IRI
    may also be one the catalogue declares as ``skos:exactMatch``.
    """
    value = raw.strip()
    if not value:
        raise ParameterError("empty drug name")
    m = _CURIE.match(value)
    if m and m.group(1).lower() in _ID_PREFIXES and not _IRI.match(value):
        prefix, ident = m.group(1).lower(), m.group(2)
        if prefix == "chebi":
            ident = ident.removeprefix("CHEBI_").removeprefix("CHEBI:")
        prop = _ID_PREFIXES[prefix]
        res = store.query(  # type: ignore[attr-defined]
            "SELECT DISTINCT ?d WHERE { ?d a kg:Drug ; ?p ?id . FILTER(UCASE(STR(?id)) = UCASE(STR(?want))) }",
            {"p": prop, "want": Literal(ident)},
        )
        found = {row[0] for row in res}
        if not found:
            raise ParameterError(f"no drug with {prefix} identifier {ident!r} in the store")
        return _one(store, "drug", value, found, {})
    iri = _as_iri(value)
    if iri is not None:
        if _is_a(store, iri, "kg:Drug"):
            return iri
        res = store.query("SELECT DISTINCT ?d WHERE { ?d a kg:Drug ; skos:exactMatch ?x }", {"x": iri})  # type: ignore[attr-defined]
        found = {row[0] for row in res}
        if not found:
            raise ParameterError(f"{value!r} is not a drug in the store")
        return _one(store, "drug", value, found, {})
    names = _names(store, _DRUG_NAMES)
    want = normalize(value)
    found = {x for x, ns in names.items() if want in ns}
    if not found:
        # doses, salts, forms and ® marks: the intervention resolver's normalisation
        r = resolve_intervention(value)
        if r.drugs and not r.unresolved and not r.is_placebo and len(r.drugs) == 1 and r.drugs[0] in names:
            found = {r.drugs[0]}
    return _one(store, "drug", value, found, names)


def _words_match(store: object, value: str, names: dict[URIRef, set[str]]) -> set[URIRef]:
    """Terms with a name equal to ``value``, else with a name containing it as whole words."""
    want = normalize(value)
    found = {x for x, ns in names.items() if want in ns}
    if not found and len(want) >= 3:
        rx = re.compile(rf"(?<![\w]){re.escape(want)}(?![\w])")
        found = {x for x, ns in names.items() if any(rx.search(n) for n in ns)}
    return found


def resolve_drug_class(store: object, raw: str) -> URIRef:
    """A drug class of the ontology from its label, synonym, local name, CURIE or IRI."""
    value = raw.strip()
    if not value:
        raise ParameterError("empty drug class")
    iri = _as_iri(value)
    if iri is not None:
        if not _is_a(store, iri, "kg:DrugClass"):
            raise ParameterError(f"{value!r} is not a drug class in the store")
        return iri
    names = _names(store, _CLASS_NAMES)
    found = {x for x, ns in names.items() if normalize(value) in ns or normalize(value).replace(" ", "") in {normalize(_local(x))}}
    if not found:
        # criterion wording ("anti-CD20 therapy", "biologic DMARDs")
        r = resolve_class_phrase(value)
        if len(r.classes) == 1 and not r.examples and not r.exceptions and r.classes[0] in names:
            found = {r.classes[0]}
    if not found:
        found = _words_match(store, value, names)
    return _one(store, "drug class", value, found, names)


def resolve_mechanism(store: object, raw: str) -> URIRef:
    """A mechanism-of-action individual from its label, its class's label, slug, CURIE or IRI."""
    value = raw.strip()
    if not value:
        raise ParameterError("empty mechanism")
    iri = _as_iri(value)
    if iri is not None:
        if not _is_a(store, iri, "kg:MechanismOfAction"):
            raise ParameterError(f"{value!r} is not a mechanism of action in the store")
        return iri
    names = _mechanism_names(store)
    return _one(store, "mechanism", value, _words_match(store, value, names), names)

