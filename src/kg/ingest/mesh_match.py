"""Which of a registry record's MeSH terms names each of its conditions.

The registry indexes a study with MeSH descriptors (API v2: ``conditionBrowseModule.meshes``
with ids; legacy XML: ``condition_browse/mesh_term`` without ids), per study, not per
condition, and mixes in descriptors derived from keywords. A condition takes the term that
names it: the same name (MeSH word order undone, plural, British spelling); else the most
specific term all of whose words the condition's name holds ("Stage IV Mantle Cell
Lymphoma" -> "Lymphoma, Mantle-Cell"), the descriptor MeSH files the condition under; else,
for a record with one condition and one term sharing a word with it, that term. A term never goes to a condition
whose name is broader than it ("Leukemia" does not take "Leukemia, T-Cell"), and the
registry's catch-all descriptors ("Syndrome", "Recurrence", "Disease Progression") name
only a condition called just that.

>>> best_terms(["Prostate Cancer", "Sexual Dysfunction"], ["Prostatic Neoplasms", "Erectile Dysfunction"])
['Prostatic Neoplasms', None]
>>> best_terms(["Stage IV Mantle Cell Lymphoma", "Leukemia"], ["Lymphoma", "Lymphoma, Mantle-Cell", "Leukemia, T-Cell"])
['Lymphoma, Mantle-Cell', None]
>>> best_terms(["Herniated Disc"], ["Intervertebral Disc Displacement"])
['Intervertebral Disc Displacement']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

#: Descriptors the registry adds for many studies that name no condition of their own.
GENERIC = frozenset({"syndrome", "recurrence", "disease", "disease progression", "chronic disease",
                     "pathologic process", "disease attribute", "emergency", "neoplasm metastasis",
                     "neoplasm", "infection", "inflammation", "fibrosis", "necrosis", "wound and injury"})
#: Words that name one concept in several spellings (a name and a MeSH term meet on these).
_SAME = {"cancer": "neoplasm", "tumor": "neoplasm", "tumour": "neoplasm", "malignancy": "neoplasm",
         "neoplasia": "neoplasm", "carcinoma": "carcinoma", "disk": "disc", "hiv": "hiv", "aids": "acquired immunodeficiency syndrome"}
_STOP = frozenset({"of", "the", "and", "or", "with", "in", "for", "a", "an", "to", "on", "due", "by", "patient",
                   "patients", "stage", "adult", "childhood", "recurrent", "refractory", "relapsed", "advanced",
                   "metastatic", "primary", "newly", "diagnosed", "untreated", "previously", "treated", "iv", "iii",
                   "ii", "i", "grade", "mellitus"})
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    word = _SAME.get(word, word)
    for suffix in ("ies", "es", "s", "ic", "al", "e"):
        if len(word) > 4 and word.endswith(suffix):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word


def words(text: str) -> frozenset[str]:
    """The content words of a name, stemmed (order-free, so MeSH inversion does not matter)."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    t = t.replace("aem", "em").replace("oe", "e")
    t = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", t)  # "Type2" is "type 2"
    out = set()
    for w in _WORD.findall(t):
        expanded = _SAME.get(w, w)
        for part in expanded.split():
            out.add(_stem(part))
    return frozenset(out)


def _key(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if w not in _STOP) or words(text)


def _generic(term: str) -> bool:
    return " ".join(sorted(_stem(w) for w in _WORD.findall(term.casefold()))) in {
        " ".join(sorted(_stem(w) for w in g.split())) for g in GENERIC}


def same_name(a: str, b: str) -> bool:
    """Whether two names are one name up to case, word order, plural and spelling.

    >>> same_name("Scleroderma, Systemic", "systemic sclerodermas"), same_name("Leukemia", "Leukemia, T-Cell")
    (True, False)
    """
    return _key(a) == _key(b)


def best_terms(names: Sequence[str], terms: Sequence[str]) -> list[str | None]:
    """For each condition name, the registry term that names it, or None."""
    keys = [(t, _key(t), _generic(t)) for t in terms if t]
    out: list[str | None] = []
    for name in names:
        nk = _key(name)
        best: tuple[float, str] | None = None
        for term, tk, generic in keys:
            if tk == nk:
                score = 100.0  # a catch-all descriptor still names a condition called just that
            elif tk <= nk and not generic:
                score = 10.0 + len(tk)  # the term's words all in the name: the most specific wins
            else:
                continue
            if best is None or score > best[0]:
                best = (score, term)
        out.append(best[1] if best else None)
    specific = [(t, tk) for t, tk, generic in keys if not generic]
    if len(names) == 1 and out == [None] and len(specific) == 1:
        # One condition, one (non-generic) descriptor: the registry derived that descriptor from it,
        # unless the name is plainly broader than the term.
        term, tk = specific[0]
        nk = _key(names[0])
        if nk & tk and not nk < tk:  # and only if they share a word ("NSCLC" is no "Brain Neoplasm")
            out = [term]
    return out
