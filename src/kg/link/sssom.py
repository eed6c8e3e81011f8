"""SSSOM TSV: the mapping row type, and reading/writing files with their metadata header.

A file is ``#``-prefixed YAML metadata (``curie_map``, ``mapping_set_id``, ``license``, …)
followed by a TSV table. The subset of YAML SSSOM files use (scalars, one-level maps, lists
of scalars) is read here without a YAML dependency.

>>> m = Mapping("kgid:condition/x", "MONDO:0007915", "skos:exactMatch", "semapv:ManualMappingCuration")
>>> m.key
('kgid:condition/x', 'skos:exactMatch', 'MONDO:0007915')
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Iterable

from kg.errors import RecordError, UnknownPrefixError
from kg.link import prefixes

PREDICATES = ("skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch")
JUSTIFICATIONS = (
    "semapv:ManualMappingCuration",
    "semapv:LexicalMatching",
    "semapv:MappingChaining",
    "semapv:UnspecifiedMatching",
)
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"


@dataclass(frozen=True)
class Mapping:
    """One SSSOM row (the columns kg writes; other columns are dropped on read)."""

    subject_id: str
    object_id: str
    predicate_id: str
    mapping_justification: str
    subject_label: str = ""
    object_label: str = ""
    confidence: float | None = None
    mapping_tool: str = ""
    subject_source: str = ""
    object_source: str = ""
    comment: str = ""  # where the mapping was checked (file and release, or a web page)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject_id, self.predicate_id, self.object_id)


COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
    "mapping_justification", "confidence", "mapping_tool", "subject_source", "object_source", "comment",
)
_FIELDS = {f.name for f in fields(Mapping)}


@dataclass
class MappingSet:
    """Rows plus the metadata header of one SSSOM file."""

    mappings: list[Mapping]
    metadata: dict[str, object]


def _parse_header(lines: list[str]) -> dict[str, object]:
    meta: dict[str, object] = {}
    current: str | None = None
    body = [raw[1:].rstrip() for raw in lines if raw[1:].strip()]
    base = min((len(b) - len(b.lstrip()) for b in body), default=0)
    for line in body:
        indented = len(line) - len(line.lstrip()) > base and current is not None
        key, _, value = line.strip().partition(":")
        if indented:
            if line.strip().startswith("- "):
                lst = meta.setdefault(current, [])
                if isinstance(lst, list):
                    lst.append(line.strip()[2:].strip())
            else:
                sub = meta.setdefault(current, {})
                if isinstance(sub, dict):
                    sub[key.strip()] = value.strip().strip("'\"")
            continue
        value = value.strip()
        if value:
            meta[key.strip()] = value.strip("'\"")
            current = None
        else:
            current = key.strip()
    return meta


def read(path: str | Path, *, strict: bool = True) -> MappingSet:
    """An SSSOM TSV file; CURIEs normalised to kg's canonical prefixes.

    ``strict``: an unknown prefix or a bad predicate raises :class:`RecordError`;
    otherwise such rows are skipped (for third-party files with prefixes kg does not use).
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if not ln.startswith("#")]
    rows: list[Mapping] = []
    for n, row in enumerate(csv.DictReader(body, delimiter="\t"), start=1):
        try:
            rows.append(_row(row))
        except (UnknownPrefixError, ValueError) as exc:
            if strict:
                raise RecordError(str(exc), source=str(path), record_id=f"row {n}", field="subject_id/object_id") from exc
    return MappingSet(rows, _parse_header(header))


def _row(row: dict[str, str]) -> Mapping:
    data = {k: (v or "").strip() for k, v in row.items() if k in _FIELDS}
    for col in ("subject_id", "object_id", "predicate_id", "mapping_justification"):
        if not data.get(col):
            raise ValueError(f"missing {col}")
    if data["predicate_id"] not in PREDICATES and not data["predicate_id"].startswith("owl:"):
        raise ValueError(f"unsupported predicate {data['predicate_id']!r}")
    data["subject_id"] = prefixes.normalize(data["subject_id"])
    data["object_id"] = prefixes.normalize(data["object_id"])
    conf = data.pop("confidence", "")
    return Mapping(**data, confidence=float(conf) if conf else None)  # type: ignore[arg-type]


def curie_map(mappings: Iterable[Mapping]) -> dict[str, str]:
    """The prefixes used by ``mappings`` (plus skos and semapv) with their IRI prefixes."""
    conv = prefixes.converter()
    used = {"skos", "semapv"}
    for m in mappings:
        for c in (m.subject_id, m.object_id, m.predicate_id, m.mapping_justification):
            used.add(c.partition(":")[0])
    return {p: conv.prefix_map[p] for p in sorted(used, key=str.lower)}


def _yaml_str(value: str) -> str:
    """A double-quoted YAML scalar (IRIs ending in ':' would otherwise read as mappings)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dumps(mappings: Iterable[Mapping], *, mapping_set_id: str, description: str = "", license: str = LICENSE) -> str:
    """SSSOM TSV text: metadata header and rows sorted by subject, predicate, object."""
    rows = sorted(set(mappings), key=lambda m: (m.key, m.mapping_justification))
    out = io.StringIO()
    out.write("# curie_map:\n")
    for p, uri in curie_map(rows).items():
        out.write(f"#   {p}: {_yaml_str(uri)}\n")
    out.write(f"# license: {license}\n")
    out.write(f"# mapping_set_id: {mapping_set_id}\n")
    if description:
        out.write(f"# mapping_set_description: {_yaml_str(description)}\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for m in rows:
        d = asdict(m)
        d["confidence"] = "" if m.confidence is None else f"{m.confidence:g}"
        writer.writerow(d)
    return out.getvalue()


def write(path: str | Path, mappings: Iterable[Mapping], **meta: str) -> None:
    """Write ``mappings`` as an SSSOM TSV file (see :func:`dumps`), through a temporary file
    renamed into place, so a failed export never leaves half a file at ``path``."""
    text = dumps(mappings, **meta)  # type: ignore[arg-type]
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
