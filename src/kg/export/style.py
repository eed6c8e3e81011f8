"""Colours of node types: one fixed colour per kind of node, shared by pictures and the HTML view.

>>> type_colour("kg:Trial")
'#4e79a7'
>>> type_colour("kg:SomethingNew") == type_colour("kg:SomethingNew")
True
"""

from __future__ import annotations

import hashlib

#: Known kinds; conflicts are red so that they stand out (red edges too).
TYPE_COLOURS: dict[str, str] = {
    "kg:Trial": "#4e79a7",
    "kg:Arm": "#a0cbe8",
    "kg:Intervention": "#f28e2b",
    "kg:BackgroundTherapy": "#ffbe7d",
    "kg:Drug": "#59a14f",
    "kg:DrugClass": "#8cd17d",
    "kg:MechanismOfAction": "#b6992d",
    "kg:MolecularTarget": "#f1ce63",
    "kg:Condition": "#499894",
    "kg:InclusionCriterion": "#86bcb6",
    "kg:ExclusionCriterion": "#ff9d9a",
    "kg:EligibilityCriterion": "#bab0ac",
    "kg:Organization": "#d37295",
    "kg:Conflict": "#d62728",
    "kg:Comparability": "#b07aa1",
}

CONFLICT_EDGE = "#d62728"

_FALLBACK = ("#9d7660", "#d7b5a6", "#79706e", "#d4a6c8", "#fabfd2", "#8f8f8f", "#c9c9c9", "#e8b66e")


def type_colour(type_curie: str) -> str:
    """The fill colour of a node of this type (a stable pick from a palette for other types)."""
    if type_curie in TYPE_COLOURS:
        return TYPE_COLOURS[type_curie]
    if type_curie.endswith("Constraint"):
        return "#fcd2a8"
    digest = int(hashlib.sha256(type_curie.encode()).hexdigest(), 16)
    return _FALLBACK[digest % len(_FALLBACK)]
