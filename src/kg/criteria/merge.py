"""One constraint per concept in a criterion: repeated mentions of one concept merged.

A criterion often names the same concept twice ("active or suspected malignancy or history
of malignancy", "HBsAg reactive ... hepatitis B"); a reader sees one constraint, and a
patient matcher must not count it twice. Two constraints are the same concept when their
kind, normalised name, effective polarity, therapy role and window agree and the qualifiers
of one include the other's ("active infection, serious infection or chronic viral infection"
stays three); the first (in text order) is kept, its span widened over the others, and qualifiers and exceptions of the
merged ones added to it.

>>> from kg.criteria.constraints import ConditionConstraint
>>> a = ConditionConstraint(span=(0, 10), name="malignancy", qualifiers=("active",))
>>> b = ConditionConstraint(span=(20, 40), name="malignancy", qualifiers=("active", "metastatic"))
>>> [(c.span, c.qualifiers) for c in merge_repeats([a, b])]
[((0, 40), ('active', 'metastatic'))]
>>> a = ConditionConstraint(span=(0, 10), name="malignancy", qualifiers=("active",))
>>> c = ConditionConstraint(span=(50, 60), name="malignancy", qualifiers=("history",))
>>> [(x.span, x.qualifiers) for x in merge_repeats([a, c])]  # neither includes the other: two
[((0, 10), ('active',)), ((50, 60), ('history',))]
"""

from __future__ import annotations

from kg.criteria.constraints import (
    ConditionConstraint,
    Constraint,
    InfectionConstraint,
    LabConstraint,
    ReproductiveConstraint,
    ScoreConstraint,
    TherapyConstraint,
)


def _window_key(c: Constraint) -> tuple[object, ...]:
    w = getattr(c, "window", None)
    return (None,) if w is None or w.ever else (w.iso, w.direction)


def concept_key(c: Constraint) -> tuple[object, ...] | None:
    """What makes two constraints of one criterion the same concept; None: never merged."""
    pol = c.effective_polarity
    if isinstance(c, ConditionConstraint):
        return ("condition", c.name, pol, _window_key(c), c.classification)
    if isinstance(c, TherapyConstraint):
        d = c.dose
        return (c.kind, c.name, pol, c.role, _window_key(c), (d.comparator, d.value, d.unit) if d else None)
    if isinstance(c, InfectionConstraint):
        return ("infection", c.pathogen, pol, c.result, c.marker)
    if isinstance(c, ReproductiveConstraint):
        return ("reproductive", c.topic, pol, _window_key(c))
    if isinstance(c, (LabConstraint, ScoreConstraint)):
        q = c.quantity
        name = c.analyte if isinstance(c, LabConstraint) else c.instrument
        if not name or q is None:
            return None
        return (c.kind, name, pol, q.comparator, q.value, q.low, q.high, q.unit, q.relative_to)
    return None


def merge_repeats(constraints: list[Constraint]) -> list[Constraint]:
    """``constraints`` with later repeats of a concept folded into its first mention."""
    first: dict[tuple[object, ...], Constraint] = {}
    out: list[Constraint] = []
    for c in constraints:
        key = concept_key(c)
        kept = first.get(key) if key is not None else None
        if kept is not None and isinstance(c, ConditionConstraint) and isinstance(kept, ConditionConstraint):
            a, b = set(kept.qualifiers), set(c.qualifiers)
            if not (a <= b or b <= a):
                out.append(c)
                continue
        if kept is None:
            if key is not None:
                first[key] = c
            out.append(c)
            continue
        kept.span = (min(kept.span[0], c.span[0]), max(kept.span[1], c.span[1]))
        if isinstance(kept, ConditionConstraint) and isinstance(c, ConditionConstraint):
            kept.qualifiers = tuple(dict.fromkeys(kept.qualifiers + c.qualifiers))
            kept.exceptions = kept.exceptions + tuple(x for x in c.exceptions if x.name not in
                                                      {e.name for e in kept.exceptions})
        elif isinstance(kept, TherapyConstraint) and isinstance(c, TherapyConstraint):
            kept.members = kept.members + tuple(x for x in c.members if x.name not in {m.name for m in kept.members})
            kept.exceptions = kept.exceptions + tuple(x for x in c.exceptions if x.name not in
                                                      {e.name for e in kept.exceptions})
    return out
