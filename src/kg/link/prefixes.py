"""The pinned prefix map: CURIE <-> IRI for every external vocabulary kg links to.

The map ships as ``kg/data/prefixes.json`` (no network at run time). Prefix spellings met
in ontology files (``mesh:``, ``NCI:``, ``ORDO:``) are synonyms that normalise to the
canonical prefix; an unknown prefix is an error, never a guess.

>>> expand("MONDO:0017287")
'http://purl.obolibrary.org/obo/MONDO_0017287'
>>> normalize("mesh:D008180"), normalize("NCI:C3201"), normalize("ORDO:536")
('MESH:D008180', 'NCIT:C3201', 'Orphanet:536')
>>> compress("http://id.nlm.nih.gov/mesh/D008180")
'MESH:D008180'
>>> mesh_id("D000015433"), mesh_id("D000077733"), mesh_id("C536166")
('D015433', 'D000077733', 'C536166')
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

import curies

from kg.errors import UnknownPrefixError


@lru_cache(maxsize=1)
def converter() -> curies.Converter:
    """The curies Converter over the shipped prefix map (built once)."""
    data = json.loads(resources.files("kg").joinpath("data", "prefixes.json").read_text("utf-8"))
    return curies.Converter([curies.Record(**r) for r in data["records"]])


def normalize(curie: str) -> str:
    """``curie`` with its canonical prefix; :class:`UnknownPrefixError` if the prefix is unknown."""
    prefix, sep, local = curie.strip().partition(":")
    if not sep or not local:
        raise UnknownPrefixError(f"not a CURIE: {curie!r}")
    canonical = canonical_prefix(prefix)
    if canonical is None:
        raise UnknownPrefixError(f"unknown prefix {prefix!r} in {curie!r} (not in kg/data/prefixes.json)")
    if canonical == "MESH":
        local = mesh_id(local)
    elif canonical == "CHEBI":
        local = local.removeprefix("CHEBI:")
    elif canonical == "HGNC":
        local = local.removeprefix("HGNC:")
    return f"{canonical}:{local}"


@lru_cache(maxsize=4096)
def canonical_prefix(prefix: str) -> str | None:
    """The canonical spelling of ``prefix``, or None when the map does not know it."""
    return converter().standardize_prefix(prefix, strict=False)


def expand(curie: str) -> str:
    """The canonical IRI of ``curie`` (any known prefix spelling)."""
    norm = normalize(curie)
    return converter().expand(norm, strict=True)


def compress(iri: str) -> str:
    """The canonical CURIE of ``iri``; :class:`UnknownPrefixError` if no prefix covers it."""
    try:
        curie = converter().compress(str(iri), strict=True)
    except Exception as exc:
        raise UnknownPrefixError(f"no prefix in kg/data/prefixes.json covers IRI {iri!r}") from exc
    return normalize(curie)


def prefix_of(curie: str) -> str:
    """Canonical prefix of ``curie``."""
    return normalize(curie).partition(":")[0]


_PADDED_MESH = re.compile(r"^([A-Z])000(\d{6})$")
#: MeSH switched from 6-digit to 9-digit ids with the 2015-2016 descriptors (D000067xxx on);
#: ClinicalTrials.gov pads older ids with zeros, so D000015433 is D015433.
_FIRST_NEW_STYLE = 67000


def mesh_id(ident: str) -> str:
    """A MeSH id in the form id.nlm.nih.gov uses (ClinicalTrials.gov zero-padding removed)."""
    ident = ident.strip().removeprefix("MESH:").removeprefix("mesh:")
    m = _PADDED_MESH.match(ident)
    if m and m.group(1) == "D" and int(m.group(2)) < _FIRST_NEW_STYLE:
        return m.group(1) + m.group(2)
    return ident
