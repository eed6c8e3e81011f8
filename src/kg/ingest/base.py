"""The contract every input format module fulfils: detect content, parse it into records.

A format module defines one :class:`Format` instance named ``FORMAT``. ``detect`` looks
at the bytes (and, only as a tie-breaker, the name) and says whether it is that format;
``parse`` yields one :class:`~kg.model.TrialRecord` per record, or a
:class:`~kg.errors.RecordError` for a record it could not read, so that one bad study
in an array does not stop the others.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kg.errors import RecordError
from kg.model import TrialRecord

ParseResult = Iterator[TrialRecord | RecordError]

#: Reason for a document Python's recursive readers cannot descend (about 1,000 levels).
NESTED_TOO_DEEPLY = "nested too deeply to read (more than ~1,000 levels of brackets or elements)"


@dataclass(frozen=True)
class Format:
    """One supported input format."""

    name: str
    #: Higher runs first; a specific format (JSON with protocolSection) before a fallback (text).
    priority: int
    detect: Callable[[bytes, str], bool]
    parse: Callable[[bytes, str], ParseResult]


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the content identity of a source document."""
    return hashlib.sha256(data).hexdigest()


def decode_utf8(data: bytes, source: str, record_id: str | None = None) -> str:
    """Decode UTF-8 (with or without BOM) or raise a RecordError naming the byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"not valid UTF-8 at byte {exc.start}", source=source, record_id=record_id, field="<encoding>"
        ) from None


_STATED_IDS = (
    re.compile(rb'"nctId"\s*:\s*"(NCT\d{8})"'),
    re.compile(rb'"nct_id"\s*:\s*"(NCT\d{8})"'),
    re.compile(rb"<nct_id>\s*(NCT\d{8})\s*</nct_id>"),
)


def stated_id(data: bytes) -> str | None:
    """The one NCT ID that ``nctId`` / ``nct_id`` fields of raw ``data`` state, else None.

    Names the record in the quarantine report when a document cannot be parsed at all
    (malformed past its ID, nested too deeply, refused); several different IDs name none.

    >>> stated_id(b'{"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "x": [')
    'NCT01234567'
    >>> stated_id(b'[{"nctId": "NCT00000001"}, {"nctId": "NCT00000002"}]') is None
    True
    """
    found = {m.group(1).decode() for rx in _STATED_IDS for m in rx.finditer(data)}
    return found.pop() if len(found) == 1 else None
