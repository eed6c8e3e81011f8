"""The contract every input format module fulfils: detect content, parse it into records.

A format module defines one :class:`Format` instance named ``FORMAT``. ``detect`` looks
at the bytes (and, only as a tie-breaker, the name) and says whether it is that format;
``parse`` yields one :class:`~kg.model.TrialRecord` per record, or a
:class:`~kg.errors.RecordError` for a record it could not read, so that one bad study
in an array does not stop the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kg.errors import RecordError
from kg.model import TrialRecord

ParseResult = Iterator[TrialRecord | RecordError]


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
