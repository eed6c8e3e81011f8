"""A free-text patient note read into a :class:`Patient` by kg's own mention recognizers.

Age and sex come from the note's opening ("A 58-year-old woman …", pronouns); conditions,
drugs and measurements from :func:`kg.criteria.mentions.find_mentions` (the lexicons, the
disease gazetteer, kg's drug table) and :func:`kg.criteria.lexicon.find_infections`; a
measurement followed closely by a value becomes a lab with the value's unit (kg's unit
layer; an unknown unit is kept not comparable). Every fact keeps its span in the note.

A mention in the scope of a negation ("denies smoking, diabetes", "no history of", "negative
for", "without") becomes an *absent* condition; one after "family history of" is not the
patient's and is dropped. Drugs named in the note are taken as current unless the sentence
says they were stopped or given in the past ("s/p", "previously", "was treated with"), then
as past exposures without dates (a window then stays unknown).

>>> p = read_note("A 58-year-old woman with hypertension. She denies smoking or diabetes. "
...               "She takes metformin. Hemoglobin 9.1 g/dL.")
>>> p.age_years, p.sex, [(c.name, c.status) for c in p.conditions]
(58.0, 'female', [('hypertension', 'active'), ('smoking', 'absent'), ('diabetes', 'absent')])
>>> [m.name for m in p.medications], [(lab.analyte, lab.value, lab.unit) for lab in p.labs]
(['metformin'], [('hemoglobin', 9.1, 'g/dL')])
>>> "tobacco" in p.substance_use
False
>>> sorted(read_note("A 40-year-old man. He takes no medications.").complete)
['medications']
"""

from __future__ import annotations

import re

from kg.patient.model import Condition, Lab, Medication, Patient
from kg.patient.normalize import analyte_key, unit_code

_AGE = re.compile(r"\b(\d{1,3})(?:\s*|-)(?:years?|yrs?|y)(?:\s*|-)(?:old|o\b)|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)(?![a-z])"
                  r"|\b(\d{1,2})(?:\s*|-)(?:months?)(?:\s*|-)old", re.I)
_FEMALE = re.compile(r"\b(?:woman|female|girl|lady|she|her|mrs|ms|mother|pregnant)\b", re.I)
_MALE = re.compile(r"\b(?:man|male|boy|gentleman|he|his|him|mr)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?\n]+|$)")
_NEG_CUE = re.compile(r"(?<![\w-])(?:denie[sd]|deny(?:ing)?|no|not|\w+n't|without|negative\s+for|free\s+of|absence\s+of|"
                      r"rules?\s+out|ruled\s+out|never\s+had|no\s+history\s+of|no\s+known|non)(?:\s+|-)", re.I)
_NEG_STOP = re.compile(r"[;:()]|\b(?:but|however|although|which|who|and\s+(?:has|had|is|was|reports?))\b", re.I)
_FAMILY = re.compile(r"family\s+history\s+of|(?:mother|father|sister|brother|sibling|parents?)\s+(?:has|had|with|died)",
                     re.I)
_PAST = re.compile(r"\b(?:s/p|status\s+post|previously|was\s+(?:treated|started|given)|were\s+given|had\s+been|"
                   r"stopped|discontinued|completed|received|underwent|prior|history\s+of)\b", re.I)
_PREGNANT = re.compile(r"\b(?:pregnant|pregnancy|gravid|\d+\s*weeks?\s+(?:of\s+)?gestation)\b", re.I)
_LACTATING = re.compile(r"\b(?:breast-?feeding|lactating|nursing\s+(?:mother|her))\b", re.I)
_SMOKING = re.compile(r"\b(?:smok(?:er|es|ing|ed)|cigarettes?|tobacco|pack[\s-]?years?)\b", re.I)
_ALCOHOL = re.compile(r"\b(?:alcohol(?:ism|ic)?\s*(?:abuse|use\s+disorder|dependence)?|drinks?\s+(?:heavily|\d+))\b", re.I)
_DRUGS = re.compile(r"\b(?:heroin|cocaine|intravenous\s+drug\s+use|ivdu|illicit\s+drugs?|substance\s+abuse)\b", re.I)
_NO_MEDS = re.compile(r"\b(?:takes|taking|on)\s+no\s+medications?\b", re.I)


def _negated(text: str, start: int, sentence_start: int) -> bool:
    """Whether a negation cue governs the span starting at ``start`` within its sentence."""
    window = text[max(sentence_start, start - 90):start]
    last = None
    for m in _NEG_CUE.finditer(window):
        last = m
    if last is None:
        return False
    return _NEG_STOP.search(window, last.end()) is None


def _sentence_of(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in spans:
        if s <= pos < e:
            return s, e
    return 0, pos


def read_note(text: str, patient_id: str = "patient") -> Patient:
    """A :class:`Patient` from a free-text note (TrialGPT-style case description)."""
    from kg.criteria import lexicon as lx
    from kg.criteria.mentions import find_mentions

    p = Patient(id=patient_id, text=text)
    m = _AGE.search(text)
    if m:
        if m.group(3):
            p.age_years = round(int(m.group(3)) / 12, 2)
        else:
            p.age_years = float(m.group(1) or m.group(2))
    head = text[:400]
    f, ml = len(_FEMALE.findall(head)), len(_MALE.findall(head))
    if f != ml:
        p.sex = "female" if f > ml else "male"
    sentences = [(s.start(), s.end()) for s in _SENTENCE.finditer(text)]
    mentions = find_mentions(text)
    seen: set[tuple[str, str]] = set()

    def add_condition(name: str, s: int, e: int) -> None:
        ss, _se = _sentence_of(sentences, s)
        if _FAMILY.search(text[ss:s]):
            return
        status = "absent" if _negated(text, s, ss) else "active"
        key = (name.lower(), status)
        if key in seen:
            return
        seen.add(key)
        p.conditions.append(Condition(name=name, status=status, source=f"note[{s}:{e}]", span=(s, e)))

    for men in mentions:
        if men.etype == "Condition":
            add_condition(men.text, *men.span)
    for _pathogen, _marker, s, e in lx.find_infections(text):
        add_condition(text[s:e], s, e)
    no_meds = bool(_NO_MEDS.search(text))
    drug_seen: set[str] = set()
    for name, is_class, s, e in lx.find_drugs(text):
        ss, se = _sentence_of(sentences, s)
        if name in drug_seen or _negated(text, s, ss) or name in ("surgery", "radiotherapy"):
            continue
        drug_seen.add(name)
        past = bool(_PAST.search(text[ss:se]))
        p.medications.append(Medication(name=text[s:e] if not is_class else name, active=None if past else True,
                                        source=f"note[{s}:{e}]", span=(s, e)))
    if no_meds and not p.medications:
        # "she takes no medications": the note states the (empty) list of drugs completely
        p.complete = frozenset({"medications"})
    # a measurement and the value right after it ("Hemoglobin 9.1 g/dL", "WBC of 12,000/mm3")
    for i, men in enumerate(mentions):
        if men.etype != "Measurement":
            continue
        nxt = next((x for x in mentions[i + 1:] if x.etype == "Value" and x.span[0] >= men.span[1]), None)
        if nxt is None or nxt.span[0] - men.span[1] > 25 or nxt.quantity is None:
            continue
        q = nxt.quantity
        value = q.value if q.value is not None else q.low
        if value is None:
            continue
        key = analyte_key(men.text)
        a = lx.find_analytes(men.text)
        code = unit_code(q.unit, count=bool(a and a[0][0].count)) if q.unit else None
        p.labs.append(Lab(analyte=key, value=float(value), unit=code or q.unit, known=q.unit is None or code is not None,
                          source=f"note[{men.span[0]}:{nxt.span[1]}]", span=(men.span[0], nxt.span[1])))
    for regex, attr in ((_PREGNANT, "pregnant"), (_LACTATING, "lactating")):
        for mm in regex.finditer(text):
            ss, _se = _sentence_of(sentences, mm.start())
            setattr(p, attr, not _negated(text, mm.start(), ss))
            break
    for regex, kind in ((_SMOKING, "tobacco"), (_ALCOHOL, "alcohol"), (_DRUGS, "drug")):
        for mm in regex.finditer(text):
            ss, se = _sentence_of(sentences, mm.start())
            if _negated(text, mm.start(), ss) or re.search(r"\b(?:former|quit|ex-?smoker|stopped)\b", text[ss:se], re.I):
                continue
            p.substance_use.append(kind)
            break
    return p
