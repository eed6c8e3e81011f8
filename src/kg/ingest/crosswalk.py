"""The crosswalk: curated keys (title, PMID, DOI, file hash, record id) that give a source record its NCT ID.

Some sources never name their trial: a registry web page without its identifier, a
publication page, a text fragment. The crosswalk is a small tab-separated file a curator
writes; each row says "a record with this key is trial NCT…", optionally with the
trial's sponsor when the curator verified it (the source of that fact goes in ``note``)::

    key_type<TAB>key<TAB>nct_id<TAB>sponsor<TAB>note

``key_type`` is one of ``title``, ``pmid``, ``doi``, ``sha256`` (of a source file's
bytes) or ``record_id``. Keys are compared in normal form (see :func:`normalize_key`),
so a title matches whatever its case, Unicode form, punctuation, spacing or trailing
acronym in parentheses. Blank lines and lines starting with ``#`` are ignored.

>>> cw = Crosswalk.parse("key_type\\tkey\\tnct_id\\tsponsor\\tnote\\n"
...                      "title\\tA Model of X in SLE (MRBS)\\tNCT00000001\\t\\t\\n", "cw.tsv")
>>> cw.lookup("title", "a model of x in sle").nct_id
'NCT00000001'
"""

from __future__ import annotations

import hashlib

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from kg.errors import CrosswalkError
from kg.model import TrialRecord

KeyType = Literal["record_id", "sha256", "pmid", "doi", "title"]
KEY_TYPES: tuple[str, ...] = get_args(KeyType)
HEADER = ("key_type", "key", "nct_id", "sponsor", "note")

_NCT = re.compile(r"NCT\d{8}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PMID = re.compile(r"[1-9]\d{0,9}")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_PMID_PREFIX = re.compile(r"^pmid:?\s*", re.IGNORECASE)
# A trailing "(MRBS)" or "(SSc-ILD)": one token with a letter, in parentheses, ending the title
# (a trailing "(2019)" is part of the title, not an acronym).
_TRAILING_ACRONYM = re.compile(r"\s*\(\s*(?=[^\s()]*[^\W\d_])[^\s()]{1,20}\s*\)\s*$")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class CrosswalkEntry:
    """One curated row: the trial it names, the verified sponsor if any, and where it was read."""

    key_type: str
    key: str
    nct_id: str
    sponsor: str | None = None
    note: str | None = None
    origin: str = ""  # "file:line", for error messages


@dataclass(frozen=True)
class CrosswalkMatch:
    """The result of resolving a record: its NCT ID, the key that matched, the curated sponsor."""

    nct_id: str
    key_type: str
    key: str
    sponsor: str | None = None
    note: str | None = None


def normalize_title(title: str) -> str:
    """Compare form of a title: NFKC, case-folded, punctuation to spaces, no trailing acronym.

    >>> normalize_title("A Model About the Response of Belimumab in SLE (MRBS)")
    'a model about the response of belimumab in sle'
    >>> normalize_title("  Treatment   Strategies in IgG4-RD\u2014Patients ")
    'treatment strategies in igg4 rd patients'
    """
    text = unicodedata.normalize("NFKC", title)
    text = _TRAILING_ACRONYM.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def normalize_key(key_type: str, key: str) -> str:
    """Compare form of a key of the given type (raises ValueError for a malformed key).

    >>> normalize_key("doi", "https://doi.org/10.1002/ART.40358")
    '10.1002/art.40358'
    >>> normalize_key("pmid", "PMID: 29073351")
    '29073351'
    """
    text = unicodedata.normalize("NFKC", key).strip()
    if key_type == "title":
        # Titles are compared as SHA-256 of their normalized form, so a crosswalk can name a
        # title as "sha256:<hex>" without carrying the (third-party) title text itself.
        m = re.fullmatch(r"sha256:([0-9a-fA-F]{64})", text)
        if m:
            return m.group(1).lower()
        norm = normalize_title(text)
        if not norm:
            raise ValueError("title key has no letters or digits")
        return hashlib.sha256(norm.encode("utf-8")).hexdigest()
    if key_type == "doi":
        norm = _DOI_PREFIX.sub("", text).casefold()
        if not _DOI.fullmatch(norm):
            raise ValueError(f"{key!r} is not a DOI")
        return norm
    if key_type == "pmid":
        norm = _PMID_PREFIX.sub("", text)
        if not _PMID.fullmatch(norm):
            raise ValueError(f"{key!r} is not a PMID")
        return norm
    if key_type == "sha256":
        norm = text.casefold()
        if not _SHA256.fullmatch(norm):
            raise ValueError(f"{key!r} is not a SHA-256 hex digest")
        return norm
    if key_type == "record_id":
        if not text:
            raise ValueError("record_id key is empty")
        return text
    raise ValueError(f"unknown key_type {key_type!r} (expected one of {', '.join(KEY_TYPES)})")


@dataclass
class Crosswalk:
    """Curated key → NCT ID rows, indexed by (key_type, normalised key)."""

    entries: dict[tuple[str, str], CrosswalkEntry] = field(default_factory=dict)

    # -- reading ----------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> Crosswalk:
        """Read a crosswalk file; ``None`` reads the one shipped with kg (kg/data/crosswalk.tsv)."""
        if path is None:
            res = resources.files("kg").joinpath("data/crosswalk.tsv")
            return cls.parse(res.read_text(encoding="utf-8"), "kg/data/crosswalk.tsv")
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CrosswalkError(f"{p}: cannot read crosswalk: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise CrosswalkError(f"{p}: not valid UTF-8 at byte {exc.start}") from None
        return cls.parse(text, str(p))

    @classmethod
    def parse(cls, text: str, name: str = "<crosswalk>") -> Crosswalk:
        """Parse crosswalk text; errors name ``name``, the line and the column (1-based field)."""
        cw = cls()
        header_seen = False
        for lineno, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
            line = raw.rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = line.split("\t")

            def fail(col: int, reason: str) -> CrosswalkError:
                label = HEADER[col - 1] if col <= len(HEADER) else "extra"
                return CrosswalkError(f"{name}: line {lineno}, column {col} ({label}): {reason}")

            if not header_seen:
                got = tuple(c.strip().lower() for c in cells)
                for col, (want, have) in enumerate(zip(HEADER, got + ("",) * len(HEADER)), start=1):
                    if want != have:
                        raise fail(col, f"header must be {' TAB '.join(HEADER)}; found {have!r}")
                if len(got) > len(HEADER):
                    raise fail(len(HEADER) + 1, "header has more than 5 columns")
                header_seen = True
                continue
            if len(cells) > len(HEADER):
                raise fail(len(HEADER) + 1, f"expected at most 5 tab-separated columns, found {len(cells)}")
            if len(cells) < 3:
                raise fail(len(cells) + 1, "a row needs at least key_type, key and nct_id")
            key_type, key, nct_id = (c.strip() for c in cells[:3])
            sponsor = cells[3].strip() if len(cells) > 3 and cells[3].strip() else None
            note = cells[4].strip() if len(cells) > 4 and cells[4].strip() else None
            if key_type not in KEY_TYPES:
                raise fail(1, f"unknown key_type {key_type!r} (expected one of {', '.join(KEY_TYPES)})")
            try:
                norm = normalize_key(key_type, key)
            except ValueError as exc:
                raise fail(2, str(exc)) from None
            if not _NCT.fullmatch(nct_id):
                raise fail(3, f"{nct_id!r} is not an NCT ID (NCT and 8 digits)")
            entry = CrosswalkEntry(key_type, key, nct_id, sponsor, note, origin=f"{name}:{lineno}")
            try:
                cw._add(norm, entry)
            except CrosswalkError as exc:
                raise fail(2, str(exc)) from None
        if not header_seen:
            raise CrosswalkError(f"{name}: line 1, column 1 (key_type): missing header {' TAB '.join(HEADER)}")
        return cw

    def _add(self, norm: str, entry: CrosswalkEntry) -> None:
        slot = (entry.key_type, norm)
        old = self.entries.get(slot)
        if old is not None and old.nct_id != entry.nct_id:
            raise CrosswalkError(
                f"{entry.key_type} {entry.key!r} maps to {entry.nct_id} but {old.origin} maps it to {old.nct_id}"
            )
        if old is not None and old.sponsor and entry.sponsor and old.sponsor != entry.sponsor:
            raise CrosswalkError(
                f"{entry.key_type} {entry.key!r} gives sponsor {entry.sponsor!r} "
                f"but {old.origin} gives {old.sponsor!r}"
            )
        if old is None or (entry.sponsor and not old.sponsor):
            self.entries[slot] = entry

    # -- combining ----------------------------------------------------------------------
    def merge(self, other: Crosswalk) -> Crosswalk:
        """A new crosswalk with the rows of both; a key naming two NCT IDs raises CrosswalkError."""
        out = Crosswalk(dict(self.entries))
        for (_, norm), entry in other.entries.items():
            try:
                out._add(norm, entry)
            except CrosswalkError as exc:
                raise CrosswalkError(f"{entry.origin}: {exc}") from None
        return out

    def __len__(self) -> int:
        return len(self.entries)

    # -- looking up ---------------------------------------------------------------------
    def lookup(self, key_type: str, key: str | None) -> CrosswalkEntry | None:
        """The row for one key, or None (also for a malformed or empty key)."""
        if not key:
            return None
        try:
            norm = normalize_key(key_type, key)
        except ValueError:
            return None
        return self.entries.get((key_type, norm))

    def resolve(self, record: TrialRecord) -> CrosswalkMatch | None:
        """The NCT ID the crosswalk gives ``record``, trying the most specific keys first.

        Order: the source record id, the SHA-256 of the source file, the PMID then DOI of
        each publication, then the title and official title, then publication titles.
        """
        for key_type, key in _keys(record):
            entry = self.lookup(key_type, key)
            if entry is not None:
                return CrosswalkMatch(entry.nct_id, key_type, key, entry.sponsor, entry.note)
        return None


def _keys(record: TrialRecord) -> Iterable[tuple[str, str]]:
    """Candidate (key_type, key) pairs of a record in resolution order."""
    yield "record_id", record.source.record_id
    yield "sha256", record.source.sha256
    for pub in record.publications:
        if pub.pmid:
            yield "pmid", pub.pmid
    for pub in record.publications:
        if pub.doi:
            yield "doi", pub.doi
    for title in (record.title, record.official_title):
        if title:
            yield "title", title
    # A publication's own title names the trial it reports (a paper page has no other).
    for pub in record.publications:
        if pub.title:
            yield "title", pub.title


#: ``kg.ingest.crosswalk.load(path | None)``: same as :meth:`Crosswalk.load`.
load = Crosswalk.load
