"""Trial identity: which trial each record describes, so records of one trial share one node.

In order: the record's own NCT ID; the crosswalk (record id, document hash, PMID/DOI,
title → NCT ID); a record whose only content is a fragment of another record's text
(seed 000 is two paragraphs of seed 001) joins that record's trial; otherwise a stable
key ``x-<hash>`` of the normalized title (or, without a title, of the document), never
a random one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from kg import vocab as V
from kg.model import TrialRecord

_WS = re.compile(r"\s+")
#: A fragment shorter than this is too weak to prove identity by containment.
MIN_FRAGMENT_CHARS = 200


@dataclass(frozen=True)
class Identity:
    """The trial key a record maps to and the rule that decided it."""

    key: str
    basis: str  # "nct-id", "crosswalk:<key type>", "fragment-of:<record id>", "title-hash", "document-hash"
    sponsor: str | None = None


def normalize_text(text: str) -> str:
    """Case-, Unicode- and whitespace-insensitive form used for containment and hashing."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _body(record: TrialRecord) -> str:
    return " ".join(x for x in (record.title, record.summary, record.description, record.eligibility.text) if x)


def resolve_identities(records: Sequence[TrialRecord], crosswalk: object | None = None) -> list[Identity]:
    """Decide the trial key of every record of one build (same order as ``records``)."""
    out: list[Identity | None] = []
    for rec in records:
        if rec.nct_id:
            out.append(Identity(rec.nct_id, "nct-id"))
            continue
        match = crosswalk.resolve(rec) if crosswalk is not None else None  # type: ignore[attr-defined]
        if match is not None:
            out.append(Identity(match.nct_id, f"crosswalk:{match.key_type}", getattr(match, "sponsor", None)))
        else:
            out.append(None)
    # Fragments: a title-less record whose text lies inside another record of this build.
    bodies = [normalize_text(_body(r)) for r in records]
    for i, rec in enumerate(records):
        if out[i] is not None or rec.title:
            continue
        frag = bodies[i]
        if len(frag) < MIN_FRAGMENT_CHARS:
            continue
        # Several records may contain the fragment: the one with the smallest (format, record
        # id) takes it, so the answer does not hang on the order the sources were given in.
        hosts = [j for j, other in enumerate(records) if j != i and other.title and frag in bodies[j]]
        if hosts:
            j = min(hosts, key=lambda k: (records[k].source.format, records[k].source.record_id, k))
            target = out[j]
            if target is None:
                target = _fallback(records[j])
                out[j] = target
            out[i] = Identity(target.key, f"fragment-of:{records[j].source.record_id}")
    return [ident if ident is not None else _fallback(rec) for ident, rec in zip(out, records, strict=True)]


def _fallback(rec: TrialRecord) -> Identity:
    if rec.title:
        return Identity("x-" + V.short_hash(normalize_text(rec.title)), "title-hash")
    return Identity("x-" + (rec.source.sha256[:12] or V.short_hash(rec.source.path)), "document-hash")
