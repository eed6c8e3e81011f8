"""The drug catalogue: loads the curated drug, mechanism, target and regimen tables.

The tables live in ``kg/data/drugs/*.tsv`` (one row per active substance, mechanism,
target, regimen acronym). Every identifier column has a sibling ``*_source`` column saying
where it was checked; an empty identifier means "not checked", never "does not exist".

>>> cat = load()
>>> cat.drugs["belimumab"].brands
('Benlysta',)
>>> "ms4a1" in cat.mechanisms["cd20-b-cell-depletion"].targets
True
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from kg.errors import RecordError

ID_SCHEMES = ("atc", "mesh", "chebi", "drugbank", "rxnorm", "unii")
SOURCE = "kg/data/drugs"


@dataclass(frozen=True)
class Drug:
    slug: str
    label: str
    synonyms: tuple[str, ...]
    brands: tuple[str, ...]
    modality: str  # local name prefix of a kg:*Modality class, e.g. "Antibody"
    mechanisms: tuple[str, ...]
    classes: tuple[str, ...]  # asserted drug classes (local names in ontology/drugs.ttl)
    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)  # scheme -> identifiers
    id_sources: dict[str, str] = field(default_factory=dict)  # scheme -> where checked
    review: str = ""  # curator's note: how a code-named entry was identified, or what is unverified


@dataclass(frozen=True)
class Mechanism:
    slug: str
    mechanism_class: str
    label: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    slug: str
    symbol: str
    label: str
    hgnc: str
    uniprot: str
    ncbigene: str
    source: str


@dataclass(frozen=True)
class Regimen:
    name: str
    drugs: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Catalogue:
    drugs: dict[str, Drug]
    mechanisms: dict[str, Mechanism]
    targets: dict[str, Target]
    regimens: dict[str, Regimen]


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("kg").joinpath("data", "drugs", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


@lru_cache(maxsize=1)
def load() -> Catalogue:
    """Read and cross-check the catalogue tables (cached: they ship with the package)."""
    targets = {r["slug"]: Target(**r) for r in _rows("targets.tsv")}
    mechanisms: dict[str, Mechanism] = {}
    for r in _rows("mechanisms.tsv"):
        m = Mechanism(r["slug"], r["mechanism_class"], r["label"], _split(r["targets"]))
        for t in m.targets:
            if t not in targets:
                raise RecordError(f"unknown target {t!r}", source=SOURCE, record_id=m.slug, field="targets")
        mechanisms[m.slug] = m
    drugs: dict[str, Drug] = {}
    for r in _rows("drugs.tsv"):
        d = Drug(
            slug=r["slug"],
            label=r["label"],
            synonyms=_split(r["synonyms"]),
            brands=_split(r["brands"]),
            modality=r["modality"],
            mechanisms=_split(r["mechanisms"]),
            classes=_split(r["classes"]),
            ids={s: _split(r[s]) for s in ID_SCHEMES if r[s].strip()},
            id_sources={s: r[f"{s}_source"] for s in ID_SCHEMES if r[s].strip()},
            review=(r.get("review") or "").strip(),
        )
        if d.slug in drugs:
            raise RecordError("duplicate drug", source=SOURCE, record_id=d.slug, field="slug")
        for s in d.ids:
            if not d.id_sources[s]:
                raise RecordError("identifier without source", source=SOURCE, record_id=d.slug, field=s)
        for m in d.mechanisms:
            if m not in mechanisms:
                raise RecordError(f"unknown mechanism {m!r}", source=SOURCE, record_id=d.slug, field="mechanisms")
        drugs[d.slug] = d
    regimens = {}
    for r in _rows("regimens.tsv"):
        reg = Regimen(r["name"], _split(r["drugs"]), r["note"])
        for s in reg.drugs:
            if s not in drugs:
                raise RecordError(f"unknown drug {s!r}", source=SOURCE, record_id=reg.name, field="drugs")
        regimens[reg.name] = reg
    return Catalogue(drugs, mechanisms, targets, regimens)
