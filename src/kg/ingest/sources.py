"""Reading sources: walk files, folders and zips, detect each document's format, parse it.

Format is decided from content (each format's ``detect``), the file name only breaks
ties. Files that are plainly not trial records (a README, a manifest, a SOURCE.md) are
skipped with a note; a document that looks like data but matches no format is
quarantined, as is any record a parser rejects.

Hostile input is read as data and nothing else (docs/decisions/0014-hostile-build-inputs.md):

* zip members are read streaming, with a cap on the bytes actually inflated per member
  (default 64 MiB, ``KG_ZIP_MEMBER_LIMIT``) and per zip (default 2 GiB,
  ``KG_ZIP_TOTAL_LIMIT``); a member over a cap is quarantined, never trusted by its header;
* nothing is ever extracted to disk; a member whose name is absolute or climbs out with
  ``..`` is quarantined unread, a zip inside a zip is quarantined unread (unpack it first);
* XML with a document type declaration is refused ("DTDs are refused"), so no entity,
  external DTD or parameter entity is ever expanded or fetched;
* a document nested too deeply for the parsers is quarantined, not a crash;
* a symlink inside a given folder that leads outside it is skipped, not followed.
"""

from __future__ import annotations

import importlib
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError, RecordError, UnknownFormatError
from kg.graph.conditions import canonical_conditions
from kg.ingest.base import NESTED_TOO_DEEPLY, Format, stated_id
from kg.model import TrialRecord

#: Modules that define a ``FORMAT``; a missing optional module is simply not offered.
FORMAT_MODULES = (
    "kg.ingest.native",
    "kg.ingest.ctgov_json",
    "kg.ingest.ctgov_xml",
    "kg.ingest.publication",
    "kg.ingest.registry_text",
)

#: Names of files that accompany data sets but are never records.
_NOT_RECORD_NAMES = {"readme", "manifest", "source", "license", "licence", "changelog", "notice", "annotation"}
_NOT_RECORD_SUFFIXES = {".md", ".tsv", ".csv", ".conf", ".ann", ".py", ".rq", ".ttl", ".owl", ".yaml", ".yml",
                        ".cfg", ".ini", ".toml", ".jsonl", ".png", ".jpg", ".gif", ".pdf", ".sh", ".gz"}


@dataclass(frozen=True)
class Skipped:
    """A file that is not a trial record, with the reason it was left out."""

    path: str
    note: str


@dataclass(frozen=True)
class Quarantined:
    """A record or document that could not be read: where, which record, which field, why."""

    path: str
    record_id: str | None
    field: str | None
    reason: str

    @classmethod
    def from_error(cls, err: RecordError) -> Quarantined:
        return cls(path=err.source, record_id=err.record_id, field=err.field, reason=err.reason)


Item = TrialRecord | Quarantined | Skipped

MEMBER_LIMIT_ENV = "KG_ZIP_MEMBER_LIMIT"
TOTAL_LIMIT_ENV = "KG_ZIP_TOTAL_LIMIT"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
#: Bytes read from a zip member at a time: the most a capped member holds beyond its cap.
_CHUNK = 1 << 20


def parse_size(text: str, what: str = "size") -> int:
    """Bytes from a size such as ``64M``, ``2GiB``, ``512k`` or ``1048576`` (units are binary).

    >>> parse_size("64M"), parse_size("2GiB"), parse_size("1000")
    (67108864, 2147483648, 1000)
    """
    m = _SIZE.match(text)
    if not m:
        raise InputError(f"{what} {text!r} is not a size (e.g. 64M, 2G, 1048576)")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


@dataclass(frozen=True)
class ZipLimits:
    """Caps on what one zip may expand to, counted on bytes actually inflated."""

    #: Largest member: a ClinicalTrials.gov study is under 1 MB, a registry array download tens of MB.
    member: int = 64 << 20
    #: All members of one zip together (bounds time; memory is bounded by ``member``).
    total: int = 2 << 30

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ZipLimits:
        """Defaults, overridden by ``KG_ZIP_MEMBER_LIMIT`` / ``KG_ZIP_TOTAL_LIMIT`` when set."""
        from kg import settings

        member, total = settings.zip_limit_texts(env)
        return cls(member=parse_size(member, MEMBER_LIMIT_ENV) if member else cls.member,
                   total=parse_size(total, TOTAL_LIMIT_ENV) if total else cls.total)


def _size(n: int) -> str:
    """A byte count as people write limits.

    >>> _size(64 << 20), _size(1500)
    ('64 MiB', '1500 bytes')
    """
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


def formats() -> list[Format]:
    """The available formats, most specific first."""
    found = []
    for name in FORMAT_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        found.append(module.FORMAT)
    return sorted(found, key=lambda f: -f.priority)


def detect_format(data: bytes, name: str) -> Format:
    """The first format whose ``detect`` accepts ``data``; raise UnknownFormatError if none."""
    for fmt in formats():
        if fmt.detect(data, name):
            return fmt
    raise UnknownFormatError(f"{name}: content matches no supported input format")


def _plainly_not_a_record(name: str) -> str | None:
    base = os.path.basename(name)
    stem, suffix = os.path.splitext(base.lower())
    if base.startswith("."):
        return "hidden file"
    if stem in _NOT_RECORD_NAMES or stem.split(".")[0] in _NOT_RECORD_NAMES:
        return f"{base} accompanies the data and is not a trial record"
    if suffix in _NOT_RECORD_SUFFIXES:
        return f"{suffix} files are not trial records"
    return None


# An XML prolog (declaration, comments, processing instructions) followed by a DOCTYPE.
_XML_DOCTYPE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--(?:[^-]|-(?!->))*-->|<\?(?:[^?]|\?(?!>))*\?>)\s*)*"
    rb"<!DOCTYPE[\s\[>]",
    re.DOTALL | re.IGNORECASE,
)
#: Where a document type declaration may start (it can only follow the prolog).
_PROLOG_SCAN = 64 * 1024


def refused_xml(data: bytes) -> str | None:
    """Why an XML document is refused before any parser sees it, or None.

    >>> refused_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "v">]><x>&e;</x>')
    'DTDs are refused: the document declares a DOCTYPE (entities and external DTDs are never read)'
    >>> refused_xml(b"<clinical_study/>") is None
    True
    """
    if _XML_DOCTYPE.match(data[:_PROLOG_SCAN]):
        return "DTDs are refused: the document declares a DOCTYPE (entities and external DTDs are never read)"
    return None


def read_document(data: bytes, name: str) -> Iterator[Item]:
    """Detect and parse one document's bytes (``name`` is used for messages and ties)."""
    if not data.strip():
        yield Quarantined(path=name, record_id=None, field=None, reason="empty file")
        return
    if data.startswith(b"PK\x03\x04"):
        yield Quarantined(path=name, record_id=None, field="<zip>",
                          reason="a zip inside a zip is not read: unpack the inner zip and give it to kg build")
        return
    refused = refused_xml(data)
    if refused:
        yield Quarantined(path=name, record_id=stated_id(data), field="<xml>", reason=refused)
        return
    try:
        fmt = detect_format(data, name)
    except UnknownFormatError:
        note = _plainly_not_a_record(name)
        if note:
            yield Skipped(path=name, note=note)
        else:
            yield Quarantined(path=name, record_id=None, field="<format>",
                              reason="content matches no supported input format")
        return
    try:
        for item in fmt.parse(data, name):
            if isinstance(item, RecordError):
                yield Quarantined.from_error(item)
            else:
                if isinstance(item, TrialRecord):
                    # One condition, one node, whatever the record's spelling (decision 0015).
                    item.conditions = canonical_conditions(item.conditions)
                yield item
    except RecordError as err:  # a parser may also raise for the whole document
        yield Quarantined.from_error(err)
    except RecursionError:
        # Python's recursive readers (json, the record builders) give up past ~1,000 levels;
        # no trial record nests that deep, so the document is hostile or broken, not the build.
        yield Quarantined(path=name, record_id=stated_id(data), field="<nesting>",
                          reason=NESTED_TOO_DEEPLY)


def _unsafe_member_name(name: str) -> str | None:
    """Why a member name could point outside the archive, or None.

    kg never extracts members, but such a name is what a traversal attack looks like; the
    member is quarantined so that no later tool extracts it either.

    >>> _unsafe_member_name("a/b.json") is None, _unsafe_member_name("../x"), _unsafe_member_name("/etc/x")
    (True, "member name climbs out of the archive ('..')", 'member name is an absolute path')
    """
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "member name is an absolute path"
    if ".." in parts:
        return "member name climbs out of the archive ('..')"
    if "\x00" in name:
        return "member name holds a NUL byte"
    return None


class _OverCap(Exception):
    """A member inflated past a cap (internal to _read_zip)."""


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """A member's bytes, inflated a chunk at a time; raises _OverCap past ``cap`` bytes.

    The count is on bytes actually produced, so a header that understates the size gains
    nothing (zipfile would also fail its CRC check at the stated size).
    """
    chunks, n = [], 0
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(min(_CHUNK, cap + 1 - n))
            if not chunk:
                return b"".join(chunks)
            n += len(chunk)
            if n > cap:
                raise _OverCap
            chunks.append(chunk)


def _read_zip(path: Path, limits: ZipLimits) -> Iterator[Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        yield Quarantined(path=str(path), record_id=None, field="<zip>", reason=f"not a readable zip: {exc}")
        return
    total = 0
    with archive:
        members = [i for i in sorted(archive.infolist(), key=lambda i: i.filename) if not i.is_dir()]
        for n, info in enumerate(members):
            member = f"{path}!/{info.filename}"
            if "__MACOSX" in info.filename:
                yield Skipped(path=member, note="macOS resource fork")
                continue
            unsafe = _unsafe_member_name(info.filename)
            if unsafe:
                yield Quarantined(path=member, record_id=None, field="<zip>", reason=f"{unsafe}; not read")
                continue
            if info.file_size > limits.member:  # the header's word is enough to refuse, never to accept
                yield _over_member_cap(member, limits, "says it expands")
                continue
            cap = min(limits.member, limits.total - total)
            try:
                data = _read_member(archive, info, cap)
            except _OverCap:
                if cap == limits.member:
                    total += cap
                    yield _over_member_cap(member, limits, "expands")
                    continue
                # One row for the rest: a bomb of a million members must not make a million rows.
                yield Quarantined(path=member, record_id=None, field="<zip>", reason=(
                    f"zip expands beyond the {_size(limits.total)} total limit (set {TOTAL_LIMIT_ENV} or "
                    f"--zip-total-limit to raise it); this and the {len(members) - n - 1} member(s) after it not read"))
                return
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
                # RuntimeError: an encrypted member; NotImplementedError: an unknown compression
                yield Quarantined(path=member, record_id=None, field="<zip>", reason=f"unreadable member: {exc}")
                continue
            total += len(data)
            yield from read_document(data, member)
            del data


def _over_member_cap(member: str, limits: ZipLimits, how: str) -> Quarantined:
    return Quarantined(path=member, record_id=None, field="<zip>", reason=(
        f"zip member {how} beyond the {_size(limits.member)} member limit "
        f"(set {MEMBER_LIMIT_ENV} or --zip-member-limit to raise it); not read"))


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Skipped]:
    """Every file under the given files and folders, in a stable (sorted) order.

    A symlink inside a given folder that resolves outside that folder is yielded as
    :class:`Skipped`, so a folder cannot make kg read a file it was not given.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            root_real = os.path.realpath(path)
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    file = Path(root) / f
                    if os.path.islink(file) and not _inside(os.path.realpath(file), root_real):
                        yield Skipped(path=str(file), note="symlink to a file outside the given folder; not followed")
                        continue
                    yield file
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or folder")


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def read_sources(paths: Iterable[str | os.PathLike[str]], *, zip_limits: ZipLimits | None = None) -> Iterator[Item]:
    """Yield records, quarantined records and skipped files from files, folders and zips.

    ``zip_limits`` defaults to :meth:`ZipLimits.from_env`.
    """
    limits = zip_limits or ZipLimits.from_env()
    for path in iter_files(paths):
        if isinstance(path, Skipped):
            yield path
            continue
        yield from read_file(path, limits)


def read_file(path: Path, limits: ZipLimits) -> Iterator[Item]:
    """The items of one file (a document, or a zip of them): one step of :func:`read_sources`,
    which a parallel build runs for many files at once (kg.graph.parallel)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            if head.startswith(b"PK\x03\x04"):
                fh.close()
                yield from _read_zip(path, limits)
                return
            data = head + fh.read()
    except OSError as exc:
        yield Quarantined(path=str(path), record_id=None, field=None, reason=f"cannot read file: {exc}")
        return
    yield from read_document(data, str(path))
