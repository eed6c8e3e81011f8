"""Three-valued evaluation of one stored constraint against one patient: holds, does not hold, unknown.

:func:`evaluate` answers whether what a constraint *describes* is true of the patient
("IgG < 400 mg/dL", "mycophenolate within 12 weeks before screening", "pregnancy"),
before the criterion's polarity is applied: the criterion logic in :mod:`kg.match` turns
that into met / not met / unknown. Each answer is a :class:`Finding` that names the patient
fact and says why.

How "unknown" arises (decision 0018): a measurement the record lacks (no IgG value, no
ULN for a "> 2 x ULN" rule), a unit kg cannot convert, a date a window needs and the
record does not give, a qualifier the record does not state ("refractory"), or a required
condition under a name kg does not know. What a record does not list is taken as absent
for conditions, drugs, infections, pregnancy, substance use and trial participation (the
closed-world reading of a clinical record), and such findings are marked ``assumed``.
Constraints that state no fact about the patient (consent, contraception, "allowed"
therapies) are ``neutral``: they neither admit nor exclude.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from kg import vocab as V
from kg.match.facts import ConstraintFacts, MatchFacts
from kg.patient.model import Condition, Lab, Medication, Patient

#: A finding that takes no part in the criterion logic.
NEUTRAL = "neutral"


@dataclass
class Finding:
    """The answer for one constraint: ``value`` True/False/None (unknown) or :data:`NEUTRAL`."""

    constraint: str
    kind: str
    value: bool | None | str
    reason: str
    fact: str | None = None  # the patient fact that decided it (its source path or a short description)
    assumed: bool = False  # decided by the closed-world reading of the record
    text: str = ""


_INFECTION_KEY = str(V.condition_iri("infection"))
_STOP = frozenset("a an the of any known history prior previous current active other".split())
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


@dataclass
class PatientView:
    """A patient prepared once for all trials: keys, ancestors, resolved drugs, infections."""

    patient: Patient
    as_of: date
    age: float | None
    conditions: list[tuple[Condition, set[str], set[str]]] = field(default_factory=list)  # (condition, keys, words)
    absent_keys: set[str] = field(default_factory=set)
    absent_words: list[set[str]] = field(default_factory=list)
    meds: list[tuple[Medication, set[str], set[str], set[str]]] = field(default_factory=list)  # (med, drugs, classes, names)
    infections: dict[str, list[tuple[str | None, str, str]]] = field(default_factory=dict)  # pathogen -> (marker, result, fact)
    memo: dict[int, Finding] = field(default_factory=dict)  # constraint signature -> finding
    #: conditions given only by a code kg cannot read, drugs kg cannot place in its catalogue:
    #: their presence makes "not in the record" unknown rather than absent
    unreadable_conditions: list[str] = field(default_factory=list)
    unknown_drugs: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, patient: Patient, facts: MatchFacts, as_of: date | None = None) -> PatientView:
        from kg.compare.facts import condition_key
        from kg.criteria import lexicon as lx
        from kg.criteria.diseases import DISEASE_RE, DISEASES
        from kg.drugs.resolve import resolve_class_phrase, resolve_intervention

        day = as_of or patient.as_of or date.today()
        view = cls(patient, day, patient.age_on(day))
        for c in patient.conditions:
            keys: set[str] = set()
            if c.name:
                keys.add(str(V.condition_iri(c.name)))
                keys.add(condition_key(c.name))
                for m in DISEASE_RE.finditer(c.name):
                    if m.lastgroup:
                        keys.add(str(V.condition_iri(DISEASES[int(m.lastgroup[1:])][1])))
            if c.code and (c.system or "").lower() == "mesh":
                keys |= facts.mesh_condition.get(str(V.MESH) + c.code, set())
                keys.add(str(V.MESH) + c.code)
            for k in list(keys):
                keys |= facts.broader.get(k, set())
            words = _words(c.name)
            if c.present and not c.name and len(keys) <= 1:
                view.unreadable_conditions.append(f"{c.system or 'code'} {c.code}")
            if c.present:
                view.conditions.append((c, keys, words))
            else:
                view.absent_keys |= {str(V.condition_iri(c.name)), condition_key(c.name)} if c.name else set()
                view.absent_words.append(words)
            for pathogen, marker, _s, _e in lx.find_infections(c.name):
                status = "negative" if not c.present else ("resolved" if c.status == "resolved" else "positive")
                view.infections.setdefault(pathogen, []).append((marker, status, c.source or c.name))
                if c.present and marker is None:
                    keys.add(_INFECTION_KEY)  # tuberculosis, HIV, hepatitis B … are infections
        for lab in patient.labs:
            for pathogen, marker, _s, _e in lx.find_infections(lab.analyte):
                if lab.result:
                    view.infections.setdefault(pathogen, []).append((marker, lab.result, lab.source or lab.analyte))
        for med in patient.medications:
            res = resolve_intervention(med.name)
            drugs = {str(d) for d in res.drugs}
            classes = {c for d in drugs for c in facts.drug_classes.get(d, ())}
            cls_res = resolve_class_phrase(med.name.lower())
            classes |= {str(c) for c in cls_res.classes}
            names = {med.name.lower().strip()} | {n for n, _c, _s, _e in lx.find_drugs(med.name)}
            names |= {facts.labels[d].lower() for d in drugs if d in facts.labels}
            names |= {w for n in list(names) for w in n.split() if len(w) > 4}  # "mycophenolate" of "… mofetil"
            view.meds.append((med, drugs, classes, names))
            if not drugs and not classes and not med.allergy:
                view.unknown_drugs.append(med.name)
        return view


def _f(c: ConstraintFacts, value: bool | None | str, reason: str, fact: str | None = None,
       assumed: bool = False) -> Finding:
    return Finding(c.iri, c.kind, value, reason, fact, assumed, c.text)


def _cmp(x: float, comp: str, v: float) -> bool | None:
    if comp == "<":
        return x < v
    if comp == "<=":
        return x <= v
    if comp == ">":
        return x > v
    if comp == ">=":
        return x >= v
    if comp == "=":
        return abs(x - v) < 1e-9
    return None


def _between(x: float, lo: float | None, hi: float | None, li: bool, hi_: bool) -> bool:
    if lo is not None and (x < lo or (x == lo and not li)):
        return False
    return not (hi is not None and (x > hi or (x == hi and not hi_)))


def _age(c: ConstraintFacts, v: PatientView) -> Finding:
    if v.age is None:
        return _f(c, None, "age not given")
    lo, hi = c.num("ageMinYears"), c.num("ageMaxYears")
    if lo is None and hi is None:
        return _f(c, NEUTRAL, "no age bound read")
    ok = _between(v.age, lo, hi, c.one("lowInclusive") != "false", c.one("highInclusive") != "false")
    return _f(c, ok, f"age {v.age:g}", "age")


def _sex(c: ConstraintFacts, v: PatientView) -> Finding:
    sex = c.one("eligibleSex") or "all"
    if sex == "all":
        return _f(c, True, "either sex", "sex")
    if v.patient.sex is None:
        return _f(c, None, "sex not given")
    return _f(c, v.patient.sex == sex, f"sex {v.patient.sex}", "sex")


def _latest(labs: list[Lab]) -> Lab:
    dated = [lab for lab in labs if lab.date is not None]
    return max(dated, key=lambda lab: lab.date) if dated else labs[-1]  # type: ignore[arg-type,return-value]


def _measure(c: ConstraintFacts, value: float, unit: str | None, known: bool, key: str,
             uln: float | None, fact: str, molar_mass: float | None) -> Finding:
    from kg.criteria import units

    relative = (c.one("relativeTo") or "").upper()
    comp = c.one("comparator")
    if relative in ("ULN", "LLN"):
        if relative != "ULN" or uln is None:
            return _f(c, None, f"{key} {value:g}: the laboratory's {relative} is not given", fact)
        x = value / uln
        tv, lo, hi = c.num("thresholdValue"), c.num("thresholdLow"), c.num("thresholdHigh")
        label = f"{key} {x:.2g} x ULN"
    elif relative:
        return _f(c, None, f"threshold relative to {relative.lower()}", fact)
    else:
        target = c.one("normalizedUnit") or c.one("ucumUnit")
        if c.one("normalizedUnit"):
            tv, lo, hi = c.num("normalizedValue"), c.num("normalizedLow"), c.num("normalizedHigh")
        else:
            tv, lo, hi = c.num("thresholdValue"), c.num("thresholdLow"), c.num("thresholdHigh")
        if target is None or target == "1":
            if unit is not None:
                return _f(c, None, f"{key} {value:g} {unit}: the criterion gives no unit", fact)
            x = value
        elif not known or unit is None:
            return _f(c, None, f"{key} {value:g} {unit or ''}: unit not known".strip(), fact)
        else:
            conv = units.convert(value, unit, target, molar_mass)
            if conv is None:
                return _f(c, None, f"{key} {value:g} {unit} cannot be converted to {target}", fact)
            x = conv
        label = f"{key} {x:g} {target}" if target and target != "1" else f"{key} {x:g}"
    if comp == "between":
        if lo is None and hi is None:
            return _f(c, None, "no bounds read", fact)
        ok = _between(x, lo, hi, c.one("lowInclusive") != "false", c.one("highInclusive") != "false")
        return _f(c, ok, label, fact)
    if comp is None or tv is None:
        return _f(c, None, f"{label}: no threshold read", fact)
    ok = _cmp(x, comp, tv)
    return _f(c, ok, f"{label} ({comp} {tv:g})", fact)


def _lab(c: ConstraintFacts, v: PatientView) -> Finding:
    from kg.patient.normalize import analyte

    key = c.one("analyte") or ""
    loinc = c.one("loincCode")
    labs = [lab for lab in v.patient.labs if (key and lab.analyte == key) or (loinc and lab.loinc == loinc)]
    if not labs:
        return _f(c, None, f"no {key or 'such'} value")
    lab = _latest(labs)
    fact = lab.source or lab.analyte
    qual = c.one("qualitativeValue")
    if c.one("comparator") is None and qual:
        if lab.result is not None:
            return _f(c, lab.result == "positive" if qual in ("positive", "detectable", "elevated", "abnormal")
                      else lab.result == "negative", f"{key} {lab.result}", fact)
        if lab.value is not None and lab.uln is not None and qual in ("elevated", "abnormal"):
            return _f(c, lab.value > lab.uln, f"{key} {lab.value:g} vs ULN {lab.uln:g}", fact)
        return _f(c, None, f"{key}: {qual} cannot be read from the value", fact)
    if lab.value is None:
        return _f(c, None, f"{key}: only a {lab.result} result", fact)
    a = analyte(key)
    return _measure(c, lab.value, lab.unit, lab.known, key, lab.uln, fact, a.molar_mass if a else None)


def _score(c: ConstraintFacts, v: PatientView) -> Finding:
    key = c.one("instrument") or ""
    scores = [s for s in v.patient.scores if s.instrument == key]
    if not scores:
        return _f(c, None, f"no {key or 'such'} score")
    s = max(scores, key=lambda s: (s.date is not None, s.date or date.min))
    if s.value is None:
        return _f(c, None, f"{key}: no value", s.source)
    unit = c.one("ucumUnit")
    return _measure(c, s.value, unit, True, key, None, s.source or key, None)


def _condition_hits(v: PatientView, keys: set[str], words: set[str]) -> list[Condition]:
    hits = []
    for cond, ckeys, cwords in v.conditions:
        if ckeys & keys or (words and words <= cwords):
            hits.append(cond)
    return hits


def _in_window(v: PatientView, w_days: int | None, start: date | None, end: date | None,
               ongoing: bool | None) -> bool | None:
    """Whether an episode (start, end / ongoing) overlaps the ``w_days`` before the as-of date."""
    if w_days is None:
        return True
    if ongoing:
        return True
    since = v.as_of - timedelta(days=w_days)
    if end is not None:
        return end >= since
    if start is not None and start >= since:
        return True
    return None


def _condition(c: ConstraintFacts, v: PatientView, facts: MatchFacts) -> Finding:
    from kg.compare.facts import condition_key

    name = c.one("normalizedName") or ""
    if not name:
        return _f(c, None, "no condition name read")
    keys = {str(V.condition_iri(name)), condition_key(name)}
    if name == "organ involvement":
        # the parser's reading of "involvement of a major organ": the record's organs say it
        organs = [(cond, cond.organs) for cond, _k, _w in v.conditions if cond.organs]
        if organs:
            cond, names = organs[0]
            return _f(c, True, f"{cond.name} involves {', '.join(names)}", cond.source or cond.name)
        return _f(c, None, "no organ involvement stated")
    words = _words(name)
    hits = _condition_hits(v, keys, words)
    quals = set(c.all("qualifier")) - {"history", "chronic", "current"}
    w = c.window
    days = w.days if w is not None and not w.ever and (w.direction or "before") == "before" else None
    if hits:
        unknown: list[str] = []
        for cond in hits:
            active = cond.status == "active"
            if "active" in quals and cond.status in ("resolved", "history"):
                continue
            inside = _in_window(v, days, cond.onset, cond.end, active)
            if inside is False:
                continue
            # the stored qualifiers of one condition are alternatives ("newly diagnosed or
            # flaring"): one stated by the record is enough, a contrary one rules it out
            narrow = quals - {"active"}
            stated = set(cond.qualifiers)
            contrary = {q for q in narrow | (quals & {"active"}) if _CONTRARY.get(q, set()) & stated}
            if contrary and not narrow & stated:
                continue
            if inside is None:
                unknown.append(f"{cond.name}: no date to place it in the {days}-day window")
            elif narrow and not narrow & stated:
                unknown.append(f"{cond.name}: not stated whether {' or '.join(sorted(narrow))}")
            else:
                return _f(c, True, f"has {cond.name}", cond.source or cond.name)
        if unknown:
            return _f(c, None, "; ".join(unknown), hits[0].source)
        return _f(c, False, f"{hits[0].name} outside what the criterion names", hits[0].source)
    if keys & v.absent_keys or any(words and words <= aw for aw in v.absent_words):
        return _f(c, False, f"no {name} (stated)", "conditions")
    kg_knows = bool(keys & facts.known_conditions)
    if not kg_knows:
        from kg.criteria.diseases import disease_name

        kg_knows = disease_name(name) is not None
    if c.polarity == "inclusion" and not kg_knows:
        return _f(c, None, f"kg cannot tell whether the patient's conditions include {name!r}")
    if v.unreadable_conditions:
        return _f(c, None, f"no {name} in the record, but kg cannot read {', '.join(v.unreadable_conditions)}")
    return _f(c, False, f"no {name} in the record", None, assumed=True)


#: Qualifiers a record's own qualifier rules out (a condition in remission is not flaring).
_CONTRARY = {
    "active": {"remission", "inactive"}, "flare": {"remission", "inactive"}, "relapse": {"remission", "inactive"},
    "new_onset": {"remission", "inactive"}, "refractory": {"remission"}, "remission": {"flare", "active", "relapse"},
}


def _med_matches(c: ConstraintFacts, drugs: set[str], classes: set[str], names: set[str]) -> bool:
    refer_d, refer_c = set(c.all("refersToDrug")), set(c.all("refersToDrugClass"))
    if drugs & set(c.all("exceptDrug")) or classes & set(c.all("exceptDrugClass")):
        return False
    if drugs & refer_d or classes & refer_c:
        return True
    name = (c.one("normalizedName") or "").lower()
    return bool(name) and name in names


def _dose_ok(c: ConstraintFacts, med: Medication) -> bool | None:
    from kg.criteria import units

    d = c.dose
    if d is None:
        return True
    if med.dose is None:
        return None
    x = med.dose
    if d.unit and med.dose_unit and d.unit != med.dose_unit:
        conv = units.convert(med.dose, med.dose_unit, d.unit)
        if conv is None:
            # "10 mg/day" and a daily dose of "10 mg" are the same thing for a maintenance dose
            pair = {d.unit, med.dose_unit}
            if pair not in ({"mg", "mg/d"}, {"g", "g/d"}):
                return None
        else:
            x = conv
    return _cmp(x, d.comparator, d.value)


def _therapy(c: ConstraintFacts, v: PatientView) -> Finding:
    role = c.one("therapyRole")
    if role == "allowed":
        return _f(c, NEUTRAL, "an allowed therapy")
    allergy = role == "allergy"
    matched = [(m, d, cl, n) for m, d, cl, n in v.meds if m.allergy == allergy and _med_matches(c, d, cl, n)]
    name = c.one("normalizedName") or "the therapy"
    if not matched:
        if not c.all("refersToDrug") and not c.all("refersToDrugClass") and not name:
            return _f(c, None, "no drug read")
        if v.unknown_drugs and not allergy and (c.all("refersToDrugClass") or c.one("isDrugClass") == "true"):
            return _f(c, None, f"kg cannot tell whether {', '.join(v.unknown_drugs)} is a {name}")
        return _f(c, False, f"no {name} {'allergy ' if allergy else ''}in the record", None, assumed=True)
    if allergy:
        m = matched[0][0]
        return _f(c, True, f"allergy to {m.name}", m.source or m.name)
    w = c.window
    days = w.days if w is not None and not w.ever and (w.direction or "before") == "before" else None
    background = c.kind == "BackgroundTherapyConstraint"
    if background or role in ("current", "required-background", "stable-dose"):
        mode = "current"
    elif role == "prior-ever" or (w is not None and w.ever) or days is None:
        mode = "ever"
    else:
        mode = "window"
    min_days = c.num("minDurationDays")
    if role == "stable-dose" and min_days is None:
        min_days = days
    results: list[Finding] = []
    for m, _d, _cl, _n in matched:
        fact = m.source or m.name
        if m.start is not None and m.start > v.as_of:
            results.append(_f(c, False, f"{m.name} starts after {v.as_of}", fact))
            continue
        ongoing = m.active if m.active is not None else (m.stop is None or m.stop >= v.as_of) if (m.stop or m.start) else None
        if m.stop is not None and m.stop < v.as_of:
            ongoing = False
        if mode == "ever":
            took: bool | None = True
            why = f"took {m.name}"
        elif mode == "current":
            took = ongoing
            why = f"{m.name} {'ongoing' if ongoing else 'stopped' if ongoing is False else 'with no stop date or status'}"
            if took and min_days is not None:
                if m.start is None:
                    took, why = None, f"{m.name}: start date not given (needs {int(min_days)} days)"
                elif (v.as_of - m.start).days < min_days:
                    took, why = False, f"{m.name} started {(v.as_of - m.start).days} days ago (needs {int(min_days)})"
        else:
            took = _in_window(v, days, m.start, m.stop, ongoing)
            if took is None:
                why = f"{m.name}: stop date not given ({days}-day window)"
            elif took:
                why = (f"{m.name} ongoing" if ongoing else
                       f"{m.name} stopped {(v.as_of - m.stop).days} days before {v.as_of}, within {days} days"  # type: ignore[operator]
                       if m.stop else f"{m.name} started within {days} days")
            else:
                gap = (v.as_of - m.stop).days if m.stop else "?"  # type: ignore[operator]
                why = f"{m.name} stopped {gap} days before {v.as_of}, outside {days} days"
        if took:
            dose = _dose_ok(c, m)
            if dose is None:
                took, why = None, f"{why}; dose not comparable with {c.dose.comparator} {c.dose.value:g} {c.dose.unit or ''}".rstrip()  # type: ignore[union-attr]
            elif dose is False:
                took, why = False, f"{why}; dose {m.dose:g} {m.dose_unit or ''} outside {c.dose.comparator} {c.dose.value:g}"  # type: ignore[union-attr]
        results.append(_f(c, took, why, fact))
    for r in results:
        if r.value is True:
            return r
    for r in results:
        if r.value is None:
            return r
    return results[0]


_SUBSTANCE_WORDS = {
    "alcohol": ("alcohol", "alcoholism", "alcoholic"),
    "drug": ("drug abuse", "substance abuse", "opioid use", "cocaine", "heroin", "substance use"),
    "tobacco": ("smoker", "smoking", "tobacco", "cigarette"),
}


def _substance(c: ConstraintFacts, v: PatientView) -> Finding:
    want = c.one("substance") or "substance"
    kinds = {"alcohol_or_drug": ("alcohol", "drug"), "substance": ("alcohol", "drug"), "alcohol": ("alcohol",),
             "drug": ("drug",), "tobacco": ("tobacco",)}.get(want, ("alcohol", "drug"))
    for k in kinds:
        if k in v.patient.substance_use:
            return _f(c, True, f"{k} use", "substanceUse")
        for cond, _keys, _w in v.conditions:
            if any(s in cond.name.lower() for s in _SUBSTANCE_WORDS[k]):
                return _f(c, True, f"has {cond.name}", cond.source or cond.name)
    return _f(c, False, f"no {want.replace('_', ' ')} use in the record", None, assumed=True)


def _infection(c: ConstraintFacts, v: PatientView) -> Finding:
    """Whether the infection (or the test result) the constraint names holds: "HIV negative"
    holds for a patient without HIV, "positive HBsAg" for one with a positive test."""
    pathogen = c.one("pathogen") or ""
    marker = c.one("serologyMarker")
    status = c.one("infectionStatus")
    negative = c.one("testResult") == "negative"
    found = v.infections.get(pathogen, [])

    def said(infected: bool, reason: str, fact: str | None, assumed: bool = False) -> Finding:
        return _f(c, not infected if negative else infected, reason, fact, assumed)

    if marker:
        tests = [(m, r, f) for m, r, f in found if m == marker]
        if tests:
            m, r, fact = tests[-1]
            return said(r == "positive", f"{marker} {r}", fact)
    present = [(m, r, f) for m, r, f in found if r in ("positive", "resolved")]
    if present:
        m, r, fact = present[-1]
        if r == "resolved" and status == "active":
            return said(False, f"{pathogen} resolved", fact)
        return said(True, f"{pathogen} {'(past)' if r == 'resolved' else 'positive'}", fact)
    if any(r == "negative" for _m, r, _f in found):
        return said(False, f"{pathogen} negative", next(f for _m, r, f in found if r == "negative"))
    return said(False, f"no {pathogen or 'such'} infection in the record", None, assumed=True)


def _reproductive(c: ConstraintFacts, v: PatientView) -> Finding:
    topic = c.one("reproductiveTopic") or ""
    p = v.patient
    attr = {"pregnancy": "pregnant", "lactation": "lactating", "planned_pregnancy": "planning_pregnancy"}.get(topic)
    if attr is None:
        return _f(c, NEUTRAL, f"{topic.replace('_', ' ') or 'reproduction'}: not a fact of the record")
    if p.sex == "male":
        if c.polarity == "inclusion":
            # a requirement about pregnancy or breastfeeding ("willing to refrain from
            # breast-feeding") does not apply to a man
            return _f(c, NEUTRAL, "does not apply to a male")
        return _f(c, False, "male", "sex")
    value = getattr(p, attr)
    if value is not None:
        return _f(c, value, f"{attr.replace('_', ' ')}: {'yes' if value else 'no'}", attr)
    return _f(c, False, f"not stated as {attr.replace('_', ' ')}", None, assumed=True)


def _healthy(c: ConstraintFacts, v: PatientView) -> Finding:
    want = c.one("healthyVolunteer") != "false"
    healthy = v.patient.healthy
    if healthy is None:
        healthy = not v.conditions
    return _f(c, healthy == want, "healthy" if healthy else "has conditions", "healthy", assumed=v.patient.healthy is None)


def _participation(c: ConstraintFacts, v: PatientView) -> Finding:
    if v.patient.in_other_trial is not None:
        return _f(c, v.patient.in_other_trial, "in another trial" if v.patient.in_other_trial else "in no other trial",
                  "inOtherTrial")
    return _f(c, False, "no other trial in the record", None, assumed=True)


#: The record section whose completeness lets kg read "not listed" as "absent", per constraint kind.
_SECTION = {"TherapyConstraint": "medications", "BackgroundTherapyConstraint": "medications",
            "InfectionConstraint": "conditions", "SubstanceUseConstraint": "substanceUse",
            "TrialParticipationConstraint": "inOtherTrial", "HealthyVolunteerConstraint": "conditions",
            "ReproductiveConstraint": "pregnancy"}


def evaluate(c: ConstraintFacts, v: PatientView, facts: MatchFacts) -> Finding:
    """Whether what constraint ``c`` describes holds for the patient (before polarity).

    A requirement (effective polarity inclusion) is only *not met* by the absence of a fact
    when the record lists that section completely (a structured record does, a note does
    not); otherwise kg cannot tell, and says so. Exclusions read the record closed-world."""
    f = _evaluate(c, v, facts)
    if (f.value is False and f.assumed and c.polarity == "inclusion"
            and _SECTION.get(c.kind, "") not in v.patient.complete and c.kind in _SECTION):
        f.value, f.reason = None, f"{f.reason}; the record may not list every {_SECTION[c.kind]}"
    return f


def _evaluate(c: ConstraintFacts, v: PatientView, facts: MatchFacts) -> Finding:
    kind = c.kind
    if kind == "AgeConstraint":
        return _age(c, v)
    if kind == "SexConstraint":
        return _sex(c, v)
    if kind == "LabConstraint":
        return _lab(c, v)
    if kind == "ScoreConstraint":
        return _score(c, v)
    if kind == "ConditionConstraint":
        return _condition(c, v, facts)
    if kind in ("TherapyConstraint", "BackgroundTherapyConstraint"):
        return _therapy(c, v)
    if kind == "InfectionConstraint":
        return _infection(c, v)
    if kind == "ReproductiveConstraint":
        return _reproductive(c, v)
    if kind == "SubstanceUseConstraint":
        return _substance(c, v)
    if kind == "TrialParticipationConstraint":
        return _participation(c, v)
    if kind == "HealthyVolunteerConstraint":
        return _healthy(c, v)
    if kind == "ConsentConstraint":
        return _f(c, NEUTRAL, "consent is asked at enrolment")
    return _f(c, NEUTRAL, f"{kind}: not checked")
