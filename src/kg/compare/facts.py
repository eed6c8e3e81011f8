"""Trial facts: what kg.compare needs from the graph, read once into plain Python structures.

A handful of internal SELECTs (``queries/facts/*.rq``) scan the store; everything after
that is dictionaries and sets, so the conflict join and the comparability ranking run in
memory at the speed of a hand-written join (the store's SPARQL engine is the wrong tool
for an all-pairs join). The same :class:`Facts` can be built directly in Python
(benchmarks/queries.py builds it from a generator) and compared with what the store gives.

Facts are a function of the graph alone, not of the order the store returns rows in (a
store's join order is its own affair): every query's rows are read sorted, so where a
value has several candidates (two labels, two allocations, two windows of one
constraint) the smallest row's value is the one kept, and each trial's rules are listed
sorted by criterion and constraint IRI.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from kg import vocab as V

_KG = str(V.KG)


def _query(name: str) -> str:
    return resources.files("kg").joinpath("queries", "facts", f"{name}.rq").read_text("utf-8")


@dataclass
class TherapyRule:
    """A therapy constraint: the drugs and classes it names, minus exceptions, and its window."""

    criterion: str
    constraint: str
    polarity: str  # effective polarity: "inclusion" or "exclusion"
    text: str = ""
    background: bool = False  # a therapy the participant must be on (kg:BackgroundTherapyConstraint)
    drugs: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    except_drugs: set[str] = field(default_factory=set)
    except_classes: set[str] = field(default_factory=set)
    window_days: int | None = None
    window: str | None = None  # the window as written, as an xsd:duration ("P6M", "P12W")
    ever: bool = False
    alternative: bool = False  # one member of an "any of" group: not required on its own


@dataclass
class ConditionRule:
    """A condition constraint, keyed like trial conditions (``V.condition_iri`` of its name)."""

    criterion: str
    constraint: str
    polarity: str
    key: str
    name: str
    qualified: bool = False  # narrowed (active, refractory, organ, window, other constraints ...)
    alternative: bool = False


@dataclass
class RangeRule:
    """A numeric constraint as the interval of values it *admits* (exclusions inverted)."""

    criterion: str
    constraint: str
    polarity: str
    dimension: str  # "age", "lab:igg4", "lab:alt per ULN", "score:sledai-2k"
    unit: str
    low: float = -math.inf
    high: float = math.inf
    low_incl: bool = True
    high_incl: bool = True
    alternative: bool = False


@dataclass
class SexRule:
    """A sex constraint of a criterion: the sex it admits (or, effectively excluded, rules out)."""

    criterion: str
    constraint: str
    polarity: str
    sex: str  # "female", "male" or "all"
    alternative: bool = False


@dataclass
class ReproductiveRule:
    """A reproductive constraint: pregnancy, lactation, planned pregnancy, contraception, ..."""

    criterion: str
    constraint: str
    polarity: str
    topic: str
    alternative: bool = False


@dataclass
class TrialFacts:
    """One trial as kg.compare sees it."""

    iri: str
    nct: str | None = None
    label: str | None = None
    phases: set[str] = field(default_factory=set)
    allocation: str | None = None
    placebo: bool = False
    conditions: set[str] = field(default_factory=set)  # condition IRIs (and their MeSH IRIs)
    condition_ancestors: set[str] = field(default_factory=set)  # broader conditions, registry ancestors
    gives: dict[str, set[str]] = field(default_factory=dict)  # drug IRI -> intervention IRIs giving it
    therapy: list[TherapyRule] = field(default_factory=list)
    condition_rules: list[ConditionRule] = field(default_factory=list)
    ranges: list[RangeRule] = field(default_factory=list)
    # The registry's own eligibility fields and the trial's context (kg.compare.overlap).
    sex: str | None = None  # "all", "female", "male" (the registry's field)
    age_min: float | None = None  # years, the registry's structured bounds
    age_max: float | None = None
    healthy: bool | None = None  # accepts healthy volunteers
    start: str | None = None  # ISO date (or year-month) as the registry gives it
    end: str | None = None  # completion date
    sponsors: set[str] = field(default_factory=set)  # organization IRIs
    sites: set[str] = field(default_factory=set)  # site IRIs
    countries: set[str] = field(default_factory=set)  # country names as written, casefolded
    sex_rules: list[SexRule] = field(default_factory=list)
    reproductive: list[ReproductiveRule] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.nct or self.iri.rsplit("/", 1)[-1]


@dataclass
class Facts:
    """All trials plus the drug knowledge and labels the comparisons explain themselves with."""

    trials: dict[str, TrialFacts] = field(default_factory=dict)
    drug_classes: dict[str, set[str]] = field(default_factory=dict)  # drug -> classes (closure)
    drug_mechanisms: dict[str, set[str]] = field(default_factory=dict)
    mechanism_targets: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    criterion_text: dict[str, str] = field(default_factory=dict)

    def label(self, iri: str) -> str:
        """Human label of an IRI (its local name when the graph gives none)."""
        found = self.labels.get(iri)
        if found:
            return found
        tail = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]
        return tail

    def mechanisms_of(self, drugs: set[str]) -> set[str]:
        return {m for d in drugs for m in self.drug_mechanisms.get(d, ())}

    def targets_of(self, drugs: set[str]) -> set[str]:
        return {t for m in self.mechanisms_of(drugs) for t in self.mechanism_targets.get(m, ())}

    def classes_of(self, drugs: set[str]) -> set[str]:
        return {c for d in drugs for c in self.drug_classes.get(d, ())}


#: Condition qualifiers that do not narrow who is excluded ("history of X" excludes everyone with X).
_BROAD_QUALIFIERS = frozenset({"history", "current", "chronic"})
#: Words around a condition's name, inside its list item, that do not narrow it ("a known
#: history of X", "X disease"); any other word does ("poorly controlled X", "X type I",
#: "lumbar X"), and a narrowed exclusion makes no hard conflict (decision 0011).
_NEUTRAL = frozenset("""
a an the any all known history of current currently presence diagnosis diagnosed with patients patient subjects
subject participants participant people persons have has had having prior previous previously documented
confirmed existing pre-existing preexisting suspected concurrent concomitant coexisting comorbid disease diseases
disorder disorders condition conditions illness illnesses or and and/or nor other others e.g eg i.e ie including
include includes such as for example among etc who are is be been being in from suffering no not without free
evidence clinical diagnoses signs sign
""".split())
_ITEM_SEP = re.compile(r"[,;:()\[\]]|\band/or\b|\bor\b|\band\b|\.(?:\s|$)", re.I)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'/.-]*")


def narrowed(text: str, start: int, end: int, name: str) -> bool:
    """Whether the words around a condition's span, inside its list item, narrow it.

    >>> narrowed("Poorly controlled diabetes", 18, 26, "diabetes")
    True
    >>> narrowed("Diabetes type I", 0, 8, "diabetes")
    True
    >>> narrowed("Known history of diabetes mellitus.", 17, 34, "diabetes mellitus")
    False
    >>> narrowed("History of cancer", 11, 17, "malignancy")
    False
    >>> narrowed("Other disease, e.g. rheumatoid arthritis, lupus or sarcoidosis", 42, 47, "lupus")
    False
    """
    if not (0 <= start <= end <= len(text)):
        return False
    left = max((m.end() for m in _ITEM_SEP.finditer(text, 0, start)), default=0)
    nxt = _ITEM_SEP.search(text, end)
    right = nxt.start() if nxt else len(text)
    # The span itself is what the parser read as the condition (a synonym may stand for the
    # name: "cancer" for malignancy); only the words around it can narrow it.
    named = {w.lower() for w in _WORD.findall(name)}
    words = _WORD.findall(text[left:start]) + _WORD.findall(text[end:right])
    return any(w.lower().rstrip(".") not in _NEUTRAL and w.lower() not in named for w in words)


#: Parent criteria whose children list exceptions, not further exclusions.
_EXCEPTION_HEAD = ("except", "exception", "other than", "unless", "excluding")


@lru_cache(maxsize=65536)
def condition_key(label: str) -> str:
    """The condition IRI a free-text condition name joins on.

    A name that is, as a whole, one of the criteria lexicon's disease names joins on the
    lexicon's normalized name ("SLE", "Lupus" and "Systemic Lupus Erythematosus" become one
    key); any other name keys on itself, so "Breast Cancer" stays breast cancer and does
    not become the lexicon's broad "malignancy".

    >>> condition_key("SLE") == condition_key("Systemic Lupus Erythematosus")
    True
    >>> condition_key("Ménière disease").rsplit("/", 1)[1]
    'meniere-disease'
    >>> condition_key("Breast Cancer").rsplit("/", 1)[1]
    'breast-cancer'
    """
    from kg.criteria.diseases import disease_name  # not parse: its units library costs seconds to import

    return str(V.condition_iri(disease_name(label) or label.strip()))


def _num(x: str | None) -> float | None:
    try:
        return float(x) if x is not None else None
    except ValueError:
        return None


#: kg:therapyRole values that state a past exposure (kg.criteria.constraints.EXPOSURE_ROLES; kept
#: here so the comparisons depend on the graph, not on the parser's code), and None: a graph
#: written without roles (synthetic trials, graphs built before kg:therapyRole; today's parser
#: gives every therapy constraint a role, so allergy, allowed, stable-dose and current never
#: reach a washout).
_EXPOSURE_ROLES = (None, "prior-ever", "prior-within-window")


def _true(x: str | None) -> bool:
    return x in ("true", "1")


def _row_key(row: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((x is not None, x or "") for x in row)


def read_facts(store: object) -> Facts:
    """Read :class:`Facts` from a kg store (Oxigraph or memory) through ``queries/facts``."""

    def rows(query: str) -> list[tuple[str | None, ...]]:
        # Sorted, so that every "first row wins" below is a fixed choice (see the module doc).
        return sorted(store.rows(query), key=_row_key)  # type: ignore[attr-defined]

    # Queries whose rows only fill sets, or pick the smallest value themselves, are read as
    # they come (sorting the largest of them costs more than the rest of the reading).
    unsorted = store.rows  # type: ignore[attr-defined]

    f = Facts()
    trials = f.trials

    for t, nct, label, phase, alloc, placebo, phase_label, alloc_label in rows(_query("trials")):
        tf = trials.get(t)
        if tf is None:
            tf = trials[t] = TrialFacts(iri=t, nct=nct, label=label)
        if phase:
            tf.phases.add(phase)
            if phase_label:
                f.labels.setdefault(phase, phase_label)
        if alloc and (tf.allocation is None or alloc < tf.allocation):  # two records may disagree
            tf.allocation = alloc
            if alloc_label:
                f.labels.setdefault(alloc, alloc_label)
        if _true(placebo):
            tf.placebo = True

    _read_context(f, rows(_query("trial-context")), unsorted(_query("trial-sites")))

    names: dict[str, list[str]] = defaultdict(list)
    mesh_of: dict[str, set[str]] = defaultdict(set)
    for cond, label, mesh in unsorted(_query("condition-names")):
        if label:
            names[cond].append(label)
        if mesh:
            mesh_of[cond].add(mesh)
    broader: dict[str, set[str]] = defaultdict(set)
    for cond, parent, plabel in rows(_query("condition-broader")):
        broader[cond].add(parent)
        for m in mesh_of.get(cond, ()):
            broader[m].add(parent)
        if plabel:
            f.labels.setdefault(parent, plabel)
    for t, cond in rows(_query("trial-conditions")):
        tf = trials.get(t)
        if tf is None:
            continue
        tf.conditions.add(cond)
        tf.conditions |= mesh_of.get(cond, set())
        for label in sorted(names.get(cond, ()))[:1]:
            f.labels.setdefault(cond, label)
            for m in sorted(mesh_of.get(cond, ())):  # a MeSH descriptor is shown by its condition's name
                f.labels.setdefault(m, label)
            key = condition_key(label)
            tf.conditions.add(key)
            if key != cond:  # a lexicon key ("lymphoma" -> malignancy) is shown by the lexicon's name
                f.labels[key] = key.rsplit("/", 1)[-1].replace("-", " ")
    for t, ancestor in unsorted(_query("trial-ancestors")):
        tf = trials.get(t)
        if tf is not None:
            tf.condition_ancestors.add(ancestor)
    closure = transitive_closure(broader)
    for tf in trials.values():
        for c in list(tf.conditions):
            tf.condition_ancestors |= closure.get(c, set())
        tf.condition_ancestors -= tf.conditions

    for t, iv, drug, _bg, iv_label in rows(_query("trial-drugs")):
        tf = trials.get(t)
        if tf is not None:
            tf.gives.setdefault(drug, set()).add(iv)
            if iv_label:
                f.labels.setdefault(iv, iv_label)

    for drug, label, cls, clabel in rows(_query("drugs")):
        f.drug_classes.setdefault(drug, set())
        if label:
            f.labels.setdefault(drug, label)
        if cls:
            f.drug_classes[drug].add(cls)
            if clabel:
                f.labels.setdefault(cls, clabel)
    for drug, mech, mlabel, target, tlabel in rows(_query("drug-mechanisms")):
        f.drug_mechanisms.setdefault(drug, set()).add(mech)
        if mlabel:
            f.labels.setdefault(mech, mlabel)
        if target:
            f.mechanism_targets.setdefault(mech, set()).add(target)
            if tlabel:
                f.labels.setdefault(target, tlabel)

    crit_trial: dict[str, str] = {}
    skip: set[str] = set()  # criteria that list exceptions to their parent
    for t, crit, _pol, text in unsorted(_query("criteria")):
        if crit not in crit_trial or (t, text) < (crit_trial[crit], f.criterion_text[crit]):
            crit_trial[crit], f.criterion_text[crit] = t, text
    for crit, parent_text in unsorted(_query("criterion-parents")):
        if any(h in parent_text.lower() for h in _EXCEPTION_HEAD):
            skip.add(crit)

    kinds: dict[str, tuple[str, str, str, bool, bool]] = {}
    crit_types: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for crit, k, typ, pol, neg, alt in rows(_query("constraints")):
        if not typ.startswith(_KG) or typ == _KG + "Constraint":
            continue
        kinds[k] = (crit, typ[len(_KG):], pol, _true(neg), _true(alt))
        crit_types[crit].append((typ[len(_KG):], _true(neg)))

    therapy: dict[str, TherapyRule] = {}
    for k, text, days, ever, duration, link, target in rows(_query("therapy-rules")):
        info = kinds.get(k)
        if info is None or info[0] in skip:
            continue
        rule = therapy.get(k)
        if rule is None:
            crit, typ, pol, _neg, alt = info
            d = _num(days)
            rule = therapy[k] = TherapyRule(crit, k, pol, text=text, background=typ == "BackgroundTherapyConstraint",
                                            window_days=int(d) if d is not None else None, window=duration,
                                            ever=_true(ever), alternative=alt)
        if link and target:
            attr = {"refersToDrug": "drugs", "refersToDrugClass": "classes", "exceptDrug": "except_drugs",
                    "exceptDrugClass": "except_classes"}[link[len(_KG):]]
            getattr(rule, attr).add(target)
    # Only an exposure (or a background requirement) is a therapy rule: an allergy to X, X
    # allowed, a stable dose of X or current X are no washout of X.
    roles = {k: role for k, role in unsorted(_query("therapy-roles"))}
    for rule in therapy.values():
        if not rule.background and roles.get(rule.constraint) not in _EXPOSURE_ROLES:
            continue
        if rule.drugs or rule.classes:
            tf = trials.get(crit_trial.get(rule.criterion, ""))
            if tf is not None:
                tf.therapy.append(rule)

    cond_rules: dict[str, ConditionRule] = {}
    for k, name, qualifier, organ, active_by, days, start, end in rows(_query("condition-rules")):
        info = kinds.get(k)
        if info is None or info[0] in skip:
            continue
        crit, _typ, pol, neg, alt = info
        rule = cond_rules.get(k)
        if rule is None:
            others = [(ty, n) for ty, n in crit_types[crit] if ty not in ("ConditionConstraint", "ConstraintGroup")]
            negs = [n for ty, n in crit_types[crit] if ty == "ConditionConstraint" and n]
            # A criterion that adds anything besides conditions ("IgG4-RD without involvement
            # of a major organ") narrows whom it excludes: no hard conflict from it.
            qualified = bool(others) or (len(negs) > 0 and not neg)
            if not qualified and start is not None and end is not None:
                qualified = narrowed(f.criterion_text.get(crit, ""), int(start), int(end), name)
            key = str(V.condition_iri(name))
            rule = cond_rules[k] = ConditionRule(crit, k, pol, key, name, qualified, alt)
            f.labels.setdefault(key, name)
        if (qualifier and qualifier not in _BROAD_QUALIFIERS) or organ or active_by or days:
            rule.qualified = True
    for rule in cond_rules.values():
        tf = trials.get(crit_trial.get(rule.criterion, ""))
        if tf is not None:
            tf.condition_rules.append(rule)
    for tf in trials.values():
        # A trial never turns away everyone it studies: when it excludes a condition it also
        # requires, the exclusion is narrower than the parser read ("another condition that
        # mimics IgG4-RD"), so it must not make a hard conflict.
        required = tf.conditions | {r.key for r in tf.condition_rules if r.polarity == "inclusion"}
        for r in tf.condition_rules:
            if r.polarity == "exclusion" and r.key in required:
                r.qualified = True

    for k, dim, unit, comp, value, low, high, low_incl, high_incl, relative in rows(_query("range-rules")):
        info = kinds.get(k)
        if info is None or info[0] in skip or (relative or "").lower() == "baseline":
            continue
        crit, _typ, pol, _neg, alt = info
        rule = _range_rule(crit, k, pol, dim, unit or "1", comp, _num(value), _num(low), _num(high),
                           low_incl, high_incl, alt)
        tf = trials.get(crit_trial.get(crit, ""))
        if rule is not None and tf is not None:
            tf.ranges.append(rule)
    for k, sex, topic in rows(_query("population-rules")):
        info = kinds.get(k)
        if info is None or info[0] in skip:
            continue
        crit, _typ, pol, _neg, alt = info
        tf = trials.get(crit_trial.get(crit, ""))
        if tf is None:
            continue
        if sex:
            tf.sex_rules.append(SexRule(crit, k, pol, sex.lower(), alt))
        elif topic:
            tf.reproductive.append(ReproductiveRule(crit, k, pol, topic, alt))
    for tf in trials.values():
        tf.therapy.sort(key=_rule_order)
        tf.sex_rules.sort(key=_rule_order)
        tf.reproductive.sort(key=_rule_order)
        tf.condition_rules.sort(key=_rule_order)
        tf.ranges.sort(key=_rule_order)
    return f


def _read_context(f: Facts, props: list[tuple[str | None, ...]], sites: object) -> None:
    """Fill each trial's registry eligibility fields, dates, sponsors and sites. Rows come
    sorted: where two records of one trial disagree, the smallest value is kept."""
    prop = {str(getattr(V, n)): n for n in ("minimumAgeYears", "maximumAgeYears", "sex", "healthyVolunteers",
                                              "startDate", "completionDate", "hasSponsor")}
    for t, p, value, label in props:
        tf = f.trials.get(t or "")
        name = prop.get(p or "")
        if tf is None or name is None or value is None:
            continue
        if label:
            f.labels.setdefault(value, label)
        if name == "hasSponsor":
            tf.sponsors.add(value)
        elif name in ("minimumAgeYears", "maximumAgeYears"):
            years = _num(value)
            if years is not None and name == "minimumAgeYears" and tf.age_min is None:
                tf.age_min = years
            elif years is not None and name == "maximumAgeYears" and tf.age_max is None:
                tf.age_max = years
        elif name == "sex" and tf.sex is None:
            tf.sex = value.lower()
        elif name == "healthyVolunteers" and tf.healthy is None:
            tf.healthy = _true(value)
        elif name == "startDate" and tf.start is None:
            tf.start = value
        elif name == "completionDate" and tf.end is None:
            tf.end = value
    for t, site, country in sites:  # type: ignore[attr-defined]
        tf = f.trials.get(t or "")
        if tf is None:
            continue
        if site:
            tf.sites.add(site)
        if country:
            tf.countries.add(country.strip().casefold())


def _rule_order(r: TherapyRule | ConditionRule | RangeRule | SexRule | ReproductiveRule) -> tuple[str, str]:
    return r.criterion, r.constraint


def transitive_closure(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Transitive closure of a child -> parents map (cycles tolerated: a node is never its own
    ancestor). Each node's ancestors are searched afresh, so the answer does not hang on the
    order the map was filled in (a memo shared across a cycle would).

    >>> sorted(transitive_closure({"a": {"b"}, "b": {"c", "a"}, "c": set()})["a"])
    ['b', 'c']
    """
    out: dict[str, set[str]] = {}
    for node in edges:
        acc: set[str] = set()
        stack = [node]
        while stack:
            for p in edges.get(stack.pop(), ()):
                if p not in acc:
                    acc.add(p)
                    stack.append(p)
        acc.discard(node)
        out[node] = acc
    return out


def _range_rule(crit: str, k: str, pol: str, dim: str, unit: str, comp: str | None, value: float | None,
                low: float | None, high: float | None, low_incl: str | None, high_incl: str | None,
                alt: bool) -> RangeRule | None:
    """The interval a numeric constraint admits; None when it admits a union of intervals."""
    r = RangeRule(crit, k, pol, dim, unit, alternative=alt)
    if dim == "age":
        if low is None and high is None:
            return None
        # An age constraint states the admitted range; an exclusion of it admits the rest.
        lo, hi = (low if low is not None else -math.inf), (high if high is not None else math.inf)
        li, hi_ = low_incl != "false", high_incl != "false"
        if pol == "inclusion":
            r.low, r.high, r.low_incl, r.high_incl = lo, hi, li, hi_
            return r
        if math.isinf(lo) and not math.isinf(hi):
            r.low, r.low_incl = hi, not hi_
            return r
        if math.isinf(hi) and not math.isinf(lo):
            r.high, r.high_incl = lo, not li
            return r
        return None
    if comp == "between":
        if low is None or high is None:
            return None
        if pol == "inclusion":
            r.low, r.high = low, high
            return r
        return None
    if value is None or comp not in ("<", "<=", ">", ">=", "="):
        return None
    # What the comparison selects; an exclusion admits its complement.
    if comp == "=":
        if pol != "inclusion":
            return None
        r.low = r.high = value
        return r
    upper = comp in ("<", "<=")
    strict = comp in ("<", ">")
    if pol == "exclusion":
        upper, strict = not upper, not strict
    if upper:
        r.high, r.high_incl = value, not strict
    else:
        r.low, r.low_incl = value, not strict
    return r
