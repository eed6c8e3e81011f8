"""Reading sources: walk files, folders and zips, detect each document's format, parse it.

Format is decided from content (each format's ``detect``), the file name only breaks
ties. Files that are plainly not trial records (a README, a manifest, a SOURCE.md) are
skipped with a note; a document that looks like data but matches no format is
quarantined, as is any record a parser rejects.
"""

from __future__ import annotations

import importlib
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError, RecordError, UnknownFormatError
from kg.ingest.base import Format
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


def read_document(data: bytes, name: str) -> Iterator[Item]:
    """Detect and parse one document's bytes (``name`` is used for messages and ties)."""
    if not data.strip():
        yield Quarantined(path=name, record_id=None, field=None, reason="empty file")
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
                yield item
    except RecordError as err:  # a parser may also raise for the whole document
        yield Quarantined.from_error(err)


def _read_zip(path: Path) -> Iterator[Item]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        yield Quarantined(path=str(path), record_id=None, field="<zip>", reason=f"not a readable zip: {exc}")
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            member = f"{path}!/{info.filename}"
            if "__MACOSX" in info.filename:
                yield Skipped(path=member, note="macOS resource fork")
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield Quarantined(path=member, record_id=None, field="<zip>", reason=f"unreadable member: {exc}")
                continue
            yield from read_document(data, member)


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every file under the given files and folders, in a stable (sorted) order."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    yield Path(root) / f
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or folder")


def read_sources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Item]:
    """Yield records, quarantined records and skipped files from files, folders and zips."""
    for path in iter_files(paths):
        try:
            with open(path, "rb") as fh:
                head = fh.read(4)
                if head.startswith(b"PK\x03\x04"):
                    fh.close()
                    yield from _read_zip(path)
                    continue
                data = head + fh.read()
        except OSError as exc:
            yield Quarantined(path=str(path), record_id=None, field=None, reason=f"cannot read file: {exc}")
            continue
        yield from read_document(data, str(path))
