"""What a change touches: per-trial digests of the comparison inputs, and the trials a changed one may conflict with.

Every conflict is a function of its two trials' facts (plus the drug knowledge and labels
those facts name), so a trial whose digest is unchanged keeps its conflicts with every other
unchanged trial. :func:`trial_digests` hashes exactly that input per trial;
:func:`conflict_scope` narrows the facts to the changed trials and the trials that share a
join key with them (a drug or class one gives and the other names, a condition one has
and the other rules on, a condition group both constrain ranges in), a superset of every
trial that can be paired with them in a conflict.

>>> from kg.compare.facts import TrialFacts
>>> f = Facts(trials={"a": TrialFacts("a", conditions={"x"}), "b": TrialFacts("b")})
>>> d = trial_digests(f)
>>> f.trials["b"].conditions.add("x")
>>> [t for t, h in trial_digests(f).items() if d[t] != h]
['b']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable

from kg.compare.conflicts import Conflict, Judge, find_conflicts, washout_conflicts
from kg.compare.facts import Facts, TrialFacts


def _canon(x: object) -> object:
    """A JSON-able form of ``x`` that does not depend on set or list order."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [type(x).__name__] + [[fld.name, _canon(getattr(x, fld.name))] for fld in dataclasses.fields(x)]
    if isinstance(x, dict):
        return sorted(([str(k), _canon(v)] for k, v in x.items()), key=repr)
    if isinstance(x, (set, frozenset, list, tuple)):
        # Rule lists come in store row order; order carries no meaning in the comparisons.
        return sorted((_canon(i) for i in x), key=repr)
    if isinstance(x, float):
        return repr(x)
    return x


def _drugs(t: TrialFacts) -> set[str]:
    out = set(t.gives)
    for r in t.therapy:
        out |= r.drugs | r.except_drugs
    return out


def trial_digest(f: Facts, t: TrialFacts) -> str:
    """SHA-256 of everything a conflict involving ``t`` reads from ``t``'s side."""
    drugs = _drugs(t)
    mechanisms = f.mechanisms_of(drugs)
    refs = {t.iri, *t.phases, *t.conditions, *t.condition_ancestors, *drugs, *mechanisms,
            *f.classes_of(drugs), *f.targets_of(drugs)}
    if t.allocation:
        refs.add(t.allocation)
    criteria = set()
    for ivs in t.gives.values():
        refs |= ivs
    for r in t.therapy:
        refs |= r.classes | r.except_classes
        criteria.add(r.criterion)
    for c in t.condition_rules:
        refs.add(c.key)
        criteria.add(c.criterion)
    criteria |= {r.criterion for r in t.ranges}
    doc = [
        _canon(t),
        _canon({x: f.labels[x] for x in refs if x in f.labels}),
        _canon({c: f.criterion_text.get(c) for c in criteria}),
        _canon({d: f.drug_classes.get(d) for d in drugs}),
        _canon({d: f.drug_mechanisms.get(d) for d in drugs}),
        _canon({m: f.mechanism_targets.get(m) for m in mechanisms}),
    ]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def trial_digests(f: Facts) -> dict[str, str]:
    """Trial IRI -> :func:`trial_digest`, for every trial of ``f``."""
    return {iri: trial_digest(f, t) for iri, t in f.trials.items()}


def _keys(f: Facts, t: TrialFacts) -> dict[str, set[str]]:
    """Join keys of one trial, generously (a superset only costs work, never answers)."""
    named: set[str] = set()
    for r in t.therapy:
        named |= r.drugs | r.classes
    given = set()
    for d in _drugs(t):
        given.add(d)
        given |= f.drug_classes.get(d, set())
    rule_keys = {r.key for r in t.condition_rules}
    has = t.conditions | t.condition_ancestors
    ranged = bool(t.ranges)
    return {"give": given, "name": named, "has": has | rule_keys, "rule": rule_keys,
            "direct": set(t.conditions) if ranged else set(), "all": has if ranged else set()}


# Which key of one side meets which key of the other: a conflict needs one of these matches.
_MEETS = (("give", "name"), ("name", "give"), ("has", "rule"), ("rule", "has"), ("direct", "all"), ("all", "direct"))


def conflict_scope(f: Facts, changed: Iterable[str]) -> tuple[Facts, set[str]]:
    """(the facts of the changed trials still present and of every trial that may conflict
    with one of them, those other trials)."""
    changed = {c for c in changed if c in f.trials}
    if not changed:
        return dataclasses.replace(f, trials={}), set()
    index: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    mine: dict[str, dict[str, set[str]]] = {}
    for iri, t in f.trials.items():
        keys = _keys(f, t)
        if iri in changed:
            mine[iri] = keys
        for kind, values in keys.items():
            for v in values:
                index[kind][v].add(iri)
    partners: set[str] = set()
    for keys in mine.values():
        for ours, theirs in _MEETS:
            side = index[theirs]
            for v in keys[ours]:
                partners |= side.get(v, set())
    partners -= changed
    keep = changed | partners
    trials = {iri: t for iri, t in f.trials.items() if iri in keep}
    return dataclasses.replace(f, trials=trials), partners


def _excludes(rule: object) -> bool:
    """A therapy rule on the excluding side of a washout (see conflicts.washout_conflicts)."""
    return rule.polarity == "exclusion" and not rule.background  # type: ignore[attr-defined]


def changed_conflicts(f: Facts, changed: Iterable[str]) -> tuple[list[Conflict], set[str]]:
    """(every conflict of ``f`` that involves a changed trial, sorted by key; the partner trials).

    Washouts, most of the work, are found in two passes where each partner keeps only the
    side that can meet a changed trial (its exclusions when a changed trial gives, its
    drugs when a changed trial excludes), so no partner-with-partner pair is joined."""
    changed = set(changed)
    scope, partners = conflict_scope(f, changed)
    as_b = {i: t if i in changed else dataclasses.replace(t, gives={}, therapy=[r for r in t.therapy if _excludes(r)])
            for i, t in scope.trials.items()}
    as_a = {i: t if i in changed else dataclasses.replace(t, therapy=[r for r in t.therapy if not _excludes(r)])
            for i, t in scope.trials.items()}
    found: dict[str, Conflict] = {}
    judge = Judge(scope)  # verdicts read from the whole facts of each trial, not the narrowed copies
    for trials in (as_b, as_a):
        for c in washout_conflicts(dataclasses.replace(scope, trials=trials), judge):
            if c.trial_a in changed or c.trial_b in changed:
                found.setdefault(c.key, c)
    # Washout keys start with their kind, so they never meet the other kinds' keys.
    for c in find_conflicts(scope, kinds=("required-excluded", "numeric-range", "self-contradiction")):
        if c.trial_a in changed or c.trial_b in changed:
            found.setdefault(c.key, c)
    return [found[k] for k in sorted(found)], partners
