"""Names and units of patient facts in kg's own keys: analytes, instruments, UCUM units.

The keys are the ones the criteria parser writes (``kg:analyte``, ``kg:instrument``,
``kg:ucumUnit``), so a patient's lab meets a stored lab constraint on the same key. A name
no lexicon knows keeps its lower-cased spelling (it then meets only a constraint with the
same spelling); a unit kg cannot convert gives ``None``, never a guess.

>>> analyte_key("Serum IgG"), analyte_key("ALT"), analyte_key("platelet count"), analyte_key("Zonulin")
('igg', 'alt', 'platelets', 'zonulin')
>>> instrument_key("ECOG performance status"), instrument_key("SLEDAI-2K")
('ecog', 'sledai-2k')
>>> unit_code("mg/dL"), unit_code("x10^9/L"), unit_code("furlongs")
('mg/dL', '10*9/L', None)
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any

from kg.criteria import lexicon as lx
from kg.criteria import units

_ANALYTE_KEYS = {a.key: a for a in lx.ANALYTES}
_INSTRUMENT_KEYS = {i.key for i in lx.INSTRUMENTS}


def _lexicon_key(name: str, keys: Collection[str], find: Callable[[str], list[Any]]) -> str:
    """The key of the lexicon entry ``name`` is (or the longest one it mentions); else its lower case."""
    low = name.strip().lower()
    if low in keys:
        return low
    found = find(name)
    if found:
        # the longest mention names the entry ("IgG4" rather than a shorter "IgG" reading)
        entry, _s, _e = max(found, key=lambda t: t[2] - t[1])
        return entry.key  # type: ignore[no-any-return]
    return low


@lru_cache(maxsize=4096)
def analyte_key(name: str) -> str:
    """kg's analyte key for a lab name ("IgG" -> "igg"); the lower-cased name when none fits."""
    return _lexicon_key(name, _ANALYTE_KEYS, lx.find_analytes)


def analyte(key: str) -> lx.Analyte | None:
    """The lexicon entry of an analyte key (canonical unit, molar mass), if kg has one."""
    return _ANALYTE_KEYS.get(key)


@lru_cache(maxsize=1024)
def instrument_key(name: str) -> str:
    """kg's instrument key for a score name ("ECOG PS" -> "ecog"); the lower-cased name when none fits."""
    return _lexicon_key(name, _INSTRUMENT_KEYS, lx.find_instruments)


@lru_cache(maxsize=1024)
def unit_code(unit: str | None, count: bool = False) -> str | None:
    """The UCUM code kg converts for a unit as written; None when it is not one kg knows."""
    if not unit:
        return None
    text = unit.strip()
    if units.is_known(text):
        return text
    m = units.match_unit(text, 0, count=count)
    if m is not None and not text[m[1]:].strip():
        return m[0] if units.is_known(m[0]) else None
    return None
