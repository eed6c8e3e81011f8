"""Typed entity mentions of a criterion: the Value, Temporal, Drug, Measurement and Condition spans kg recognises.

``parse_criterion`` builds constraints only where it can fill one (an analyte *with* a
threshold, a drug *in* a therapy phrase, …). Many criteria name a measurement, a drug, a
number or a time expression that is not (yet) part of a constraint: "negative pregnancy
test", "Grade 3-4 infusion reaction", "allergy to clopidogrel", "current smokers". This
module finds those mentions with the same lexicons and rules, so that what kg recognises
in a text can be measured span by span (``benchmarks/criteria_chia.py``) and later linked.
Mentions are not written to the graph; constraints are.

Names come from kg's lexicons, general rules (an INN stem, a name compared with a number,
an abbreviation defined in parentheses after a typed name) and, for conditions, a
gazetteer of disease names read at first use from the shared ontology slices
(``ONTOLOGIES``; none when absent). ``negated_mentions`` gives the entities in the scope
of a negation or exception cue ("no …", "without …", "except …").

Spans follow the convention of entity annotation: a Value is the comparator, number(s)
and unit ("≥ 18 years", "3-4", "> 2 x ULN"); a Temporal mention is the window phrase
("within 6 months prior to screening", "for at least 3 months") or a time cue word
("history of", "current", "prior", "at screening"); a length of time that is an age ("< 32
weeks of gestation", "2 months old") or, with no anchoring preposition, how long an episode
lasted in minutes or hours ("(> 10 minutes)") is not a window; a Drug or Measurement mention
is the name as written.

>>> [(m.etype, m.text) for m in find_mentions("Hb < 10 g/dL within 4 weeks")]
[('Measurement', 'Hb'), ('Value', '< 10 g/dL'), ('Temporal', 'within 4 weeks')]
>>> q = next(m for m in find_mentions("Grade 3-4 neuropathy") if m.etype == "Value").quantity
>>> (q.comparator, q.low, q.high)
('between', 3.0, 4.0)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg import settings
from kg.criteria import lexicon as lx
from kg.criteria import units
from kg.criteria.constraints import Quantity, TimeWindow
from kg.criteria.parse import _DISEASE_GATE, _DISEASE_RE, MAX_CHARS, NUM, _comparator, _iso, _morph_heads, _num

ETYPES = ("Value", "Temporal", "Drug", "Measurement", "Condition")


@dataclass(frozen=True)
class Mention:
    """One typed span of a criterion text; ``quantity`` is set for numeric Values and
    ``window`` (its normalised length) for a Temporal window that states one."""

    etype: str
    span: tuple[int, int]
    text: str
    quantity: Quantity | None = None
    window: TimeWindow | None = None


# --- values --------------------------------------------------------------------------------
_CMP_SYM = r"≥|≤|>\s*or\s*=|<\s*or\s*=|>\s*/\s*=|<\s*/\s*=|>=|<=|=>|=<|⩾|⩽|>|<|="
_CMP_WORD = (r"(?:greater|more|higher|larger|less|lower|fewer)\s+than(?:\s+or\s+equal\s+to)?|"
             r"equal\s+to\s+or\s+(?:greater|more|higher|less|lower)\s+than|"
             r"(?:not|no)\s+(?:more|greater|higher|less|lower)\s+than|at\s+least|at\s+most|up\s+to|"
             r"above|below|under|over|exceed(?:s|ing)?|in\s+excess\s+of|minimum\s+of|maximum\s+of|between|from")
_CMP = r"(?:" + _CMP_SYM + r"|(?<![A-Za-z])(?:" + _CMP_WORD + r"))"
_POST_CMP = r"(?:\s*(?:or\s+(?:more|greater|higher|above|less|lower|below|older|younger)|and\s+(?:above|below|over|older)))"
_VALUE_RE = re.compile(
    r"(?:(?P<cmp>" + _CMP + r")\s*)?"
    r"(?<![\w.,/+-])(?P<v>" + NUM + r")(?![\d])"
    r"(?:\s*(?:-|–|to|and)\s*(?P<hi>" + NUM + r")(?![\d]))?",
    re.I,
)
_TIMES_ULN = re.compile(r"\s*(?:x|×|times|-?fold)?\s*(?:the\s+)?(?:uln|upper\s+limit(?:s)?\s+of\s+(?:the\s+)?normal|lln|lower\s+limit\s+of\s+normal|unl|the\s+normal\s+upper\s+limit)", re.I)
_DURATION = re.compile(r"\s*(?:years?|yrs?|months?|mos?\b|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?)\b", re.I)
_EXTRA_UNIT = re.compile(r"\s*(?:%|points?|pack[\s-]?years?|beats?\s+per\s+minute|bpm|kg/m2|kg/m²|cm|mm|kg|lbs?|g\b|times\b|cigarettes?|drinks?|units?)", re.I)
#: A number right after these words is an identifier or a list index, not a value.
_NOT_VALUE_BEFORE = re.compile(r"(?:\b(?:type|phase|day|visit|cycle|version|dsm|icd|step|part|cohort|arm|group|chapter|section|item|question|figure|table|criterion|criteria)\s*-?\s*|[A-Za-z]-?|#\s*)$", re.I)
_LIST_INDEX = re.compile(r"^\s*\(?\d{1,2}[.)]\s")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_DATE_AROUND = re.compile(r"^[/.]\d|^\s*(?:january|february|march|april|may|june|july|august|september|october|november|december)\b", re.I)


_DOSE_UNITS = frozenset({"mg", "g", "ug", "mcg", "mg/d", "g/d", "ug/d", "mg/kg", "mg/kg/d", "mg/m2", "[IU]", "[IU]/d", "mL"})
_SHORT_DURATION = re.compile(r"months?|mos?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?", re.I)


def _values(text: str) -> list[Mention]:
    out: list[Mention] = []
    idx = _LIST_INDEX.match(text)
    for m in _VALUE_RE.finditer(text):
        if idx and m.start("v") < idx.end() and not m.group("cmp"):
            continue
        before = text[max(0, m.start() - 12):m.start()]
        if not m.group("cmp") and _NOT_VALUE_BEFORE.search(before):
            continue
        v, hi = _num(m.group("v")), _num(m.group("hi")) if m.group("hi") else None
        if v is None:
            continue
        end = m.end()
        tail = text[end:end + 40]
        if _DATE_AROUND.match(tail) or (_YEAR.fullmatch(m.group("v")) and not m.group("cmp")):
            continue
        unit: str | None = None
        rel: str | None = None
        r = _TIMES_ULN.match(text, end)
        if r:
            rel = "LLN" if re.search(r"lln|lower", r.group(0), re.I) else "ULN"
            end = r.end()
        else:
            u = units.match_unit(text, end)
            if u is not None:
                unit, end = u[0], u[1]
            else:
                d = _DURATION.match(text, end) or _EXTRA_UNIT.match(text, end)
                if d:
                    end = d.end()
                    unit = d.group(0).strip().lower()
        post = re.match(_POST_CMP, text[end:], re.I)
        if post:
            end += post.end()
        if hi is not None and (m.group(0)[m.end("v") - m.start():].strip().lower().startswith("and")
                               and (m.group("cmp") or "").lower() != "between"):
            hi = None  # "3 and 4" outside "between" is a list, not a range
            end = m.end("v")
        if unit in _DOSE_UNITS or (unit and _SHORT_DURATION.fullmatch(unit)):
            continue  # a dose or a duration (a therapy's or a window's), not a threshold
        if hi is None and unit is None and rel is None and (
                not (m.group("cmp") or post) or re.match(r"at\s+least", m.group("cmp") or "", re.I)):
            continue  # a bare number or "at least 2": a count, an index, a name part
        if hi is not None:
            if hi < v:
                continue
            q = Quantity(comparator="between", low=v, high=hi, unit=unit, relative_to=rel)
            end = max(end, m.end("hi"))
        else:
            cmp = re.sub(r"\s*/\s*", "", m.group("cmp") or "")  # ">/=" is ">="
            comp = _comparator(cmp) if cmp else "="
            if post:  # "18 or older", "30 and above": the bound is included
                comp = ">=" if re.search(r"more|greater|higher|above|older|over", post.group(0), re.I) else "<="
            q = Quantity(comparator=comp, value=v, unit=unit, relative_to=rel)
        s = m.start()
        out.append(Mention("Value", (s, end), text[s:end], q))
    return out


#: Qualitative results and levels that annotators mark as the value of a test or measure.
_RESULT = re.compile(
    r"(?:(?<![\w-])|(?<=[A-Za-z0-9]-))(?:positive|negative|sero-?positiv\w*|sero-?negativ\w*|positivity|abnormal|"
    r"normal|elevated|decreased|reduced|detectable|undetectable)(?![\w-])|(?<![\w-])\+(?![\w-])",
    re.I,
)
#: Roman-numeral stages, classes and grades ("stage III or IV", "NYHA class II-IV", "ASA I-III").
_ROMAN = re.compile(
    r"(?<=\b)(?:stage|class|grade|asa|nyha|gold|tanner|figo|child[\s-]pugh(?:\s+class)?)\s+"
    r"(?P<v>(?:IV|V?I{1,3}|V)[abcABC]?(?:\s*(?:-|–|to|or|and|/|,)\s*(?:IV|V?I{1,3}|V)[abcABC]?)*)(?![\w])",
    re.I,
)


def _qualitative(text: str) -> list[Mention]:
    out = [Mention("Value", (m.start(), m.end()), m.group(0)) for m in _RESULT.finditer(text)]
    out += [Mention("Value", (m.start("v"), m.end("v")), m.group("v")) for m in _ROMAN.finditer(text)]
    return out


# --- temporal ------------------------------------------------------------------------------
#: "d" only in lower case: an upper-case "D" after a number is a diopter ("> 6D"), not days.
_UNIT_T = r"(?:days?|(?-i:d)\b|weeks?|wks?|months?|mos?\b|years?|yrs?|hours?|hrs?|minutes?)"
_NUMW = NUM + r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|a|an"
_REF = r"(?:the\s+)?(?:(?:study|trial)\s+)?(?:screening|baseline|randomi[sz]ation|enrol(?:l)?ment|entry|inclusion|consent|informed\s+consent|day\s*[01]|visit\s*\d*|surgery|admission|first\s+dose|dosing|the\s+(?:first|start)\b[^,;.]{0,40}|start\b[^,;.]{0,30}|study\s+(?:drug|start|treatment|medication)[^,;.]{0,20}|signing[^,;.]{0,30}|this\s+study|the\s+study)"
_WINDOW = re.compile(
    r"(?<![\w-])(?P<lead>(?:within|in|during|for|since|after|before|prior\s+to|up\s+to)\s+)?"
    r"(?P<last>(?:the\s+)?(?:last|past|previous|prior|preceding|recent|first|next|following)\s+)?"
    r"(?P<cmp>(?:at\s+least|a\s+minimum\s+of|at\s+most|a\s+maximum\s+of|more\s+than|less\s+than|greater\s+than|under|≥|≤|>=|<=|>|<|=)\s*)?"
    r"(?:" + _NUMW + r")(?:\s*(?:-|–|to|or)\s*(?:" + NUM + r"))?\s*-?(?P<unit>" + _UNIT_T + r")" +
    r"(?:\s+(?:or\s+(?:more|longer|less)|and\s+(?:more|longer)))?"
    r"(?P<trail>\s+(?:prior\s+to|before|after|following|of|from|since|preceding|post)\s+" + _REF + r"|\s+(?:ago|prior|previously|before|earlier|since))?",
    re.I,
)
_WIN_ONE = re.compile(r"(?<![\w-])(?:in|within|during|over)\s+the\s+(?:past|last|previous|prior|preceding)\s+(?:year|month|week|day)\b", re.I)
_CUE = re.compile(
    r"(?<![\w-])(?:(?:a\s+)?(?:past\s+|prior\s+|previous\s+)?history\s+of|medical\s+history|hx|current|previous|prior(?!\s+to)|"
    r"past|ongoing|recently|recent|concomitant(?:ly)?|pre-?existing|"
    r"at\s+(?:the\s+time\s+of\s+)?(?:screening|baseline|enrol(?:l)?ment|entry|randomi[sz]ation|inclusion)(?:\s+visit)?|"
    r"(?:throughout|for\s+the\s+(?:entire\s+|whole\s+)?duration\s+of)\s+(?:the\s+|this\s+)?(?:study|trial)(?:\s+(?:period|participation|treatment))?|"
    r"during\s+(?:the\s+)?(?:course\s+of\s+(?:the\s+)?|duration\s+of\s+(?:the\s+)?)?(?:study|trial|screening|treatment)(?:\s+(?:period|participation))?|"
    r"at\s+(?:the\s+)?(?:screening|baseline)\s+visit|at\s+(?:the\s+)?time\s+of\s+(?:study\s+)?(?:entry|enrol(?:l)?ment|inclusion|screening)|"
    r"baseline|newly\s+diagnosed|surgical\s+history|"
    r"pre-?operative(?:ly)?|post-?operative(?:ly)?|peri-?operative(?:ly)?|"
    r"on\s+day\s*\d+|at\s+the\s+time\s+of\s+(?:surgery|enrol(?:l)?ment|screening|randomi[sz]ation|inclusion)|"
    r"at\s+any\s+time|ever|lifetime|"
    r"at\s+(?:study|trial)\s+(?:entry|screening|enrol(?:l)?ment|start|inclusion)|(?:on|at)\s+(?:the\s+)?(?:screening|visit\s*\d+)|"
    r"at\s+birth|(?:pre|post)[\s-]?bronchodilator|"
    r"(?:prior\s+to|before)\s+" + _REF + r")(?![\w-])",
    re.I,
)


#: A length of time right after these words is the value of a measure (survival, gestation,
#: a duration), not a window in the patient's history.
_DURATION_OF = re.compile(r"(?:life\s+expectancy|survival|surviv\w*|gestation(?:al\s+age)?|duration|lasting|lasted|"
                          r"interval|age)\b[^.;,]*$", re.I)


#: A time relative to an event: a temporal preposition and the event's noun phrase
#: ("after surgery", "prior to the injury", "during pregnancy", "at the time of delivery",
#: "throughout the washout", "on the day of surgery", "at the start of dosing").
_EVENT = re.compile(
    r"(?<![\w-])(?:during|after|before|prior\s+to|throughout|since(?!\s+(?:this|these|that|it|they|he|she|there)\b)|at\s+(?:the\s+)?time\s+of|on\s+the\s+day\s+of|"
    r"at\s+the\s+(?:beginning|start|end)\s+of)\s+"
    r"(?:the\s+|their\s+|his\s+|her\s+|a\s+|an\s+|this\s+|each\s+)?(?!(?:and|or|the|a|an)\b)[A-Za-z][\w/-]*"
    r"(?:\s+(?!(?:and|or|with|for|of|to|in|who|that|which|is|are|was|were|be|been|has|have|had|at|on|by|from|as|if|than)\b)"
    r"[A-Za-z][\w/-]*){0,2}", re.I)


#: A length of time right before these words is an age (of a pregnancy, a newborn, a
#: person), a value of the patient, not a window: "< 37 weeks of gestation", "3 months old".
_AGE_AFTER = re.compile(r"(?:\s*(?:and|or)\s+[<>≤≥=]?\s*\d+\s*(?:days?|weeks?|wks?|months?))?"
                        r"\s*(?:of\s+)?(?:gestation\w*|postnatal|postmenstrual|corrected\s+age|age\b|old\b)", re.I)
#: A family history is an observation about relatives, not a time in the patient's past.
_FAMILY_BEFORE = re.compile(r"(?<![\w-])family\s+$", re.I)


def _temporal(text: str) -> list[Mention]:
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for rx in (_WINDOW, _WIN_ONE, _CUE, _EVENT):
        for m in rx.finditer(text):
            s, e = m.start(), m.end()
            if rx is _WINDOW and not (m.group("lead") or m.group("last") or m.group("trail")
                                      or (m.group("cmp") and not m.group("unit").lower().startswith("y")
                                          and not _DURATION_OF.search(text[max(0, s - 45):s]))):
                continue  # "18 years" alone, or "life expectancy > 3 months", is a value, not a window
            if rx is _WINDOW and not (m.group("lead") or m.group("last") or m.group("trail")) and re.match(
                    r"h|min", m.group("unit"), re.I):
                continue  # "(> 10 minutes)", "more than 5 minutes of unconsciousness": how long an episode lasted
            if rx in (_WINDOW, _WIN_ONE) and not m.group(0).lower().startswith(("within", "in ", "during", "since")) \
                    and _AGE_AFTER.match(text, e):
                continue  # "< 37 weeks of gestation", "under 3 months of age": an age, not a window
            if rx is _CUE and re.search(r"history\s+of$", m.group(0), re.I) and _FAMILY_BEFORE.search(text[:s]):
                continue  # "family history of": about relatives
            if any(a < e and s < b for a, b in taken):
                continue
            taken.append((s, e))
            window = _length(m, rx is _WIN_ONE) if rx in (_WINDOW, _WIN_ONE) else None
            out.append(Mention("Temporal", (s, e), text[s:e], window=window))
    return out


_LAST_NUMBER = re.compile(r"(?<![\w.])(?:" + _NUMW + r")(?![\w.])", re.I)
_AFTER_WORDS = re.compile(r"\s*(?:after|following|post|since)\b", re.I)


def _length(m: re.Match[str], one: bool) -> TimeWindow | None:
    """The normalised length of a window phrase: the number right before its unit ("6 to
    60 months" is 60 months, as the parser reads it), one unit for "the past year"; none
    for minutes (how long an episode lasted, not a window)."""
    if one:
        n, unit = 1.0, m.group(0).split()[-1]
    else:
        unit = m.group("unit")
        nums = _LAST_NUMBER.findall(m.string, m.start(), m.start("unit"))
        if not nums:
            return None
        raw = nums[-1].lower()
        n = 1.0 if raw in ("a", "an") else _num(raw)  # type: ignore[assignment]
    if n is None or unit.lower().startswith("min"):
        return None
    # "for 120 days after the last dose": the event may lie outside the phrase
    after = not one and bool(_AFTER_WORDS.match(m.group("lead") or "") or _AFTER_WORDS.match(m.group("trail") or "")
                             or _AFTER_WORDS.match(m.string, m.end()))
    return TimeWindow(days=units.duration_days(n, unit), iso=_iso(n, unit.lower()),
                      direction="after" if after else "before", span=(m.start(), m.end()))


# --- measurements and drugs ---------------------------------------------------------------
#: Measurement heads without a lexicon entry (tests, vital signs, stagings, functions).
_MEASURE = re.compile(
    r"(?<![\w-])(?:(?:serum|urine|urinary|blood|plasma)\s+)?(?:(?:\w+\s+)?pregnancy\s+test|"
    r"(?:systolic|diastolic|mean\s+arterial|supine|sitting|resting)?\s*(?:blood\s+pressure|bp)|sbp|dbp|heart\s+rate|pulse(?:\s+rate)?|"
    r"respiratory\s+rate|temperature|height|waist\s+circumference|"
    r"gestational\s+age|gestation|new\s+york\s+heart\s+association(?:\s+\(nyha\))?(?:\s+(?:functional\s+)?class(?:ification)?)?|"
    r"nyha(?:\s+(?:functional\s+)?class(?:ification)?)?|asa(?:\s+(?:physical\s+status|class|score|grade))?|"
    r"gleason(?:\s+score)?|psa|prostate[\s-]specific\s+antigen|"
    r"liver\s+enzymes|transaminases?|hbeag|hbsag|anti-?hbc|hbv\s*dna|hcv\s*rna|viral\s+load|cd4(?:\+)?(?:\s+(?:t[\s-]?cell|cell|lymphocyte))?\s*(?:count)?|"
    r"hiv\s+(?:test|antibod(?:y|ies)|serology)|qtc?f?(?:\s+interval)?|"
    r"(?:left\s+ventricular\s+)?ejection\s+fraction|lvef|fev1|fvc|spo2|oxygen\s+saturation|"
    r"fasting\s+(?:blood\s+|plasma\s+)?glucose|hba1c|a1c|body\s+mass\s+index|bmi|intraocular\s+pressure|iop|"
    r"intracranial\s+pressure|karnofsky(?:\s+performance\s+(?:status|score))?|(?:ecog\s+)?performance\s+status|ecog|"
    r"vital\s+signs|"
    r"(?:(?!(?:the|of|a|an|any|laboratory|lab|initial|screening|in|for|on|to|with|by|at|from|and|or|no|not)\s)[A-Za-z][\w-]*\s+)?(?:tests?|testing|levels?|counts?|concentrations?|acuity|thickness|serolog(?:y|ies)|"
    r"diameter|volume|length|circumference|size|gradient|velocity|clearance)|"
    r"(?-i:[A-Z][A-Za-z-]*)(?:\s+(?-i:[a-z][a-z-]{3,})){0,2}\s+(?:score|scale|index|questionnaire|inventory|rating\s+scale))(?![\w-])",
    re.I,
)
#: An analyte name followed by these words names a therapy or a process, not a measured
#: value ("glucose-lowering therapy", "lipid metabolism").
_NOT_MEASURED_AFTER = re.compile(r"[\s-]+(?:lowering|reducing|metabolism|monitors?|supplement\w*)(?![\w-])", re.I)
#: Something compared with a number is a measurement: an acronym or mixed-case name
#: ("MADRS ≥ 20", "PHQ-9 score > 10", "eGFR < 30") or a body weight ("weighing > 50 kg").
_CMP_AHEAD = (r"(?=\s*(?:total\s+)?(?:score|level|value|result)?\s*(?:of\s+|is\s+|was\s+)?(?:≥|≤|>=|<=|>|<|=|⩾|⩽|of\s+\d|"
              r"(?:greater|less|more|lower|higher|fewer)\s+than|at\s+least|at\s+most|above|below|between)\s*\d)")
_COMPARED = re.compile(
    r"(?<![\w-])(?:(?-i:[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9-]*)|(?:body\s+)?weigh(?:t|ing|s))(?![\w-])" + _CMP_AHEAD, re.I)
#: An organ's function stated as adequate or not is measured by tests ("adequate bone
#: marrow function (ANC ≥ …)"): the organ-function phrase is a measurement.
_ORGAN_FUNCTION = re.compile(
    r"(?<![\w-])(?:adequate|normal|sufficient|good|satisfactory|acceptable|preserved|abnormal|poor)\s+"
    r"(?:[\w-]+,?\s+(?:and\s+|or\s+)?){0,3}?(?P<m>(?:liver|renal|kidney|bone\s+marrow|hepatic|cardiac|thyroid|lung|"
    r"pulmonary|organ|marrow|hematologic(?:al)?|haematologic(?:al)?|respiratory)\s+functions?)(?![\w-])", re.I)
#: A named set of diagnostic or response criteria ("DSM-IV criteria", "WHO criteria", "RECIST").
_NAMED_CRITERIA = re.compile(r"(?<![\w-])(?-i:[A-Z][A-Z0-9-]{1,9}(?:\s+(?:IV|V|\d(?:\.\d)?))?)\s+criteria(?![\w-])", re.I)
#: A virus named with a test result is the serology measured ("HIV positive", "negative for HCV").
_VIRUS = r"(?:HIV|HBV|HCV|human\s+immunodeficiency\s+virus|hepatitis\s+[BC](?:\s+virus)?)"
_SEROLOGY = re.compile(
    r"(?<![\w-])" + _VIRUS + r"(?:[\s-]*[12])?(?=\s*(?:\+|[\s-]*(?:positive|negative|sero-?positive|"
    r"sero-?negative|status|serolog\w*|test)))|(?<=positive\sfor\s)" + _VIRUS + r"|(?<=negative\sfor\s)" + _VIRUS, re.I)
#: Hormones measured in blood or urine that the analyte table does not list.
_HORMONES = re.compile(r"(?<![\w-])(?:(?:beta[\s-]?|β[\s-]?)?hcg|fsh|lh|tsh|follicle[\s-]stimulating\s+hormone|"
                       r"luteini[sz]ing\s+hormone|thyroid[\s-]stimulating\s+hormone|human\s+chorionic\s+gonadotropin)(?![\w-])", re.I)
#: Generic drug words that annotators mark as a drug mention.
_DRUG_WORDS = re.compile(
    r"(?<![\w-])(?:(?:the\s+)?(?:study|investigational|trial|experimental|concomitant)\s+(?:drugs|medications|medicines|products?|agents)|"
    r"medications?|drugs|medicines|excipients?|vaccines|oral\s+contraceptives?)(?![\w-])",
    re.I,
)


#: Widely used substances and drug classes kg's drug table does not list (a general
#: vocabulary written for kg, not taken from any corpus), matched as whole words.
_COMMON_DRUGS = (
    r"aspirin", r"acetylsalicylic acid", r"heparin", r"low[\s-]molecular[\s-]weight\s+heparins?", r"lmwh", r"warfarin", r"coumadin",
    r"insulins?", r"metformin", r"sulfonylureas?", r"morphine", r"codeine", r"tramadol", r"fentanyl", r"oxycodone", r"hydrocodone",
    r"methadone", r"buprenorphine", r"naloxone", r"naltrexone", r"ketamine", r"propofol", r"midazolam", r"dexmedetomidine",
    r"lidocaine", r"lignocaine", r"bupivacaine", r"ropivacaine", r"acetaminophen", r"paracetamol", r"ibuprofen", r"naproxen",
    r"diclofenac", r"ketorolac", r"celecoxib", r"indomethacin", r"digoxin", r"amiodarone", r"furosemide", r"spironolactone",
    r"hydrochlorothiazide", r"nitroglycerin", r"levothyroxine", r"estrogens?", r"oestrogens?", r"progesterone", r"progestins?",
    r"testosterone", r"androgens?", r"tamoxifen", r"letrozole", r"anastrozole", r"cyclophosphamide", r"cisplatin", r"carboplatin",
    r"oxaliplatin", r"fluorouracil", r"5-fu", r"capecitabine", r"gemcitabine", r"doxorubicin", r"epirubicin", r"paclitaxel",
    r"docetaxel", r"etoposide", r"vincristine", r"irinotecan", r"trastuzumab", r"bevacizumab", r"interferons?", r"erythropoietin",
    r"epoetin", r"filgrastim", r"penicillins?", r"amoxicillin", r"vancomycin", r"colistin", r"isoniazid", r"rifampicin", r"rifampin",
    r"fluconazole", r"acyclovir", r"tenofovir", r"lamivudine", r"entecavir", r"ribavirin", r"zidovudine", r"efavirenz",
    r"fluoxetine", r"sertraline", r"paroxetine", r"citalopram", r"escitalopram", r"venlafaxine", r"duloxetine", r"bupropion",
    r"mirtazapine", r"trazodone", r"lithium", r"valproate", r"valproic\s+acid", r"carbamazepine", r"lamotrigine", r"levetiracetam",
    r"topiramate", r"gabapentin", r"pregabalin", r"phenytoin", r"haloperidol", r"olanzapine", r"quetiapine", r"risperidone",
    r"aripiprazole", r"clozapine", r"chlorpromazine", r"diazepam", r"lorazepam", r"alprazolam", r"clonazepam", r"zolpidem",
    r"melatonin", r"caffeine", r"nicotine", r"methylphenidate", r"amphetamines?", r"donepezil", r"memantine", r"rivastigmine",
    r"levodopa", r"apomorphine", r"botulinum\s+toxin", r"botox", r"clopidogrel", r"prasugrel", r"ticagrelor", r"ticlopidine",
    r"cilostazol", r"dipyridamole", r"alteplase", r"streptokinase", r"albuterol", r"salbutamol", r"tiotropium", r"montelukast",
    r"theophylline", r"omeprazole", r"pantoprazole", r"ranitidine", r"ondansetron", r"metoclopramide", r"domperidone",
    r"dexamethasone", r"hydrocortisone", r"cortisone", r"budesonide", r"fluticasone", r"vitamin\s+[abcdek]\d*", r"folic\s+acid",
    r"iron\s+supplements?", r"ascorbic\s+acid", r"magnesium\s+sulfate", r"potassium\s+chloride", r"gadolinium",
    r"contrast\s+(?:agents?|media|medium)", r"oxytocin", r"misoprostol", r"mifepristone", r"clomiphene",
    r"cannabis", r"cannabinoids?", r"marijuana", r"cocaine", r"heroin", r"opiates?",
    r"statins?", r"fibrates?", r"nitrates?", r"triptans?", r"sulfonamides?", r"sulpha\s+drugs?", r"arbs?", r"ace\s+inhibitors?",
    r"beta[\s-]?blockers?", r"calcium\s+channel\s+blockers?", r"diuretics?", r"anticoagulants?", r"anticoagulation",
    r"antiplatelets?(?:\s+(?:agents?|drugs?|therapy))?", r"antithrombotics?", r"nsaids?", r"opioids?", r"analgesics?",
    r"antibiotics?", r"antibiotherapy", r"antivirals?", r"antifungals?", r"antiretrovirals?", r"antidepressants?",
    r"antipsychotics?", r"neuroleptics?", r"benzodiazepines?", r"anxiolytics?", r"hypnotics?", r"sedatives?", r"anticonvulsants?",
    r"antiepileptics?", r"antihistamines?", r"antihypertensives?", r"antiarrhythmics?", r"antiemetics?", r"laxatives?",
    r"bronchodilators?", r"(?:inhaled\s+|systemic\s+|oral\s+|topical\s+)?(?:cortico)?steroids?", r"glucocorticoids?",
    r"immunosuppressants?", r"immunosuppressive\s+(?:drugs?|agents?|medications?)", r"chemotherapeutic\s+(?:agents?|drugs?)",
    r"cytotoxic\s+(?:drugs?|agents?)", r"vasopressors?", r"inotropes?", r"thrombolytics?", r"(?:local\s+|general\s+)?anaesthetics?",
    r"(?:local\s+|general\s+)?anesthetics?", r"muscle\s+relaxants?", r"psychotropics?(?:\s+(?:drugs?|medications?))?",
    r"hormonal\s+contraceptives?",
    r"(?:oral\s+)?hypoglyc(?:a)?emic\s+(?:agents?|drugs?)", r"antidiabetic\s+(?:agents?|drugs?|medications?)",
    r"proton\s+pump\s+inhibitors?", r"ppis?", r"ssris?", r"snris?", r"maois?", r"tricyclic\s+antidepressants?", r"tcas?",
    r"noacs?", r"doacs?", r"vitamin\s+k\s+antagonists?", r"biologics?", r"vaccines?", r"immunoglobulins?", r"ivig",
    r"anti-(?:coagulants?|platelets?|hypertensives?|depressants?|psychotics?|biotics?|convulsants?|epileptics?|histamines?|"
    r"inflammatory\s+(?:drugs?|agents?|medications?)|emetics?|virals?|fungals?|arrhythmics?|diabetics?|retrovirals?)",
    r"narcotics?", r"macrolides?", r"thyroid\s+hormones?", r"(?:eye|ear|nasal)\s+drops", r"nitrates",
    r"mood\s+stabili[sz]ers?", r"aminoglycosides?", r"bisphosphonates?", r"sul(?:ph|f)onamides?", r"psychostimulants?",
    r"mucolytics?", r"nitrosoureas?", r"fluoropyrimidines?", r"(?:major\s+|minor\s+)?tranquili[sz]ers?",
    r"glucocorticosteroids?", r"retinoids?", r"peginterferons?", r"(?:levo)?thyroxine?", r"st\.?\s+john'?s\s+wort",
    r"valerian", r"kava(?:\s+kava)?", r"ginkgo(?:\s+biloba)?", r"ginseng",
    # a mechanism named by its target: "PARP inhibitors", "alpha-1 blockers", "GnRH agonist"
    r"[\w-]+\s+(?:receptor\s+)?(?:inhibitors?|blockers?|antagonists?|agonists?)",
)
#: Common INN stems (WHO naming scheme), matched at the end of a word of 7+ letters.
_STEMS = ("mab", "tinib", "ciclib", "parib", "limus", "pril", "sartan", "olol", "statin", "azole", "cillin", "mycin",
          "floxacin", "cycline", "gliptin", "gliflozin", "glutide", "dipine", "prazole", "setron", "triptan", "azepam",
          "azolam", "barbital", "caine", "profen", "oxetine", "tidine", "dronate", "lukast", "terol", "platin", "taxel",
          "rubicin", "grel", "xaban", "gatran", "semide", "thiazide", "azosin", "afil", "curium", "curonium", "fentanil",
          "codone", "morphone", "tropium", "parin", "vudine", "navir", "previr", "asvir", "buvir", "tegravir", "virine",
          "cept", "kinra", "leukin", "poetin", "grastim", "relin", "relix", "lutamide", "trozole", "plase", "tide",
          # more WHO INN stems (antidepressants, antipsychotics, steroids, antivirals, kinase inhibitors, …)
          "pramine", "triptyline", "apine", "peridone", "peridol", "osin", "zolamide", "coxib", "glinide", "sonide",
          "methasone", "nisolone", "cortisone", "tecan", "trexate", "citabine", "rafenib", "zomib", "lisib", "degib",
          "gabalin", "apentin", "racetam", "pamil", "tiazem", "conazole", "cyclovir", "ciclovir", "amivir",
          "fovir", "cavir", "desivir", "micin", "oxacin", "zodone", "famide", "mustine", "tretin", "tinoin", "coumon",
          "farin", "parinux", "vaptan", "lamine", "ozide", "formin")
_COMMON_RE = re.compile(r"(?<![\w-])(?:" + "|".join(_COMMON_DRUGS) + r")(?![\w-])", re.I)
_STEM_RE = re.compile(r"(?<![\w-])[A-Za-z][a-z]+(?:" + "|".join(_STEMS) + r")s?(?![\w-])")
#: Words that end like an INN stem but are not drugs.
_NOT_STEM = frozenset({"peptide", "peptides", "nucleotide", "nucleotides", "polypeptide", "polypeptides", "pesticide",
                       "pesticides", "insecticide", "herbicide", "suicide", "suicides", "homicide", "excipient",
                       "oligonucleotide", "concept", "concepts", "accept", "except", "intercept", "receptor"})

#: Conditions named without a disease-shaped head noun (general vocabulary).
_CONDITION_WORDS = re.compile(
    r"(?<![\w-])(?:contra-?indications?|contra-?indicated|(?:child|reproductive)[\s-]?bearing\s+potential|"
    r"reproductive\s+potential|healthy|copd|atrial\s+(?:fibrillation|flutter)|myocardial\s+infarction|mi|heart\s+attack|"
    r"sepsis|septic\s+shock|(?:cardiogenic\s+)?shock|trauma|sleep\s+apn(?:o)?ea|obstructive\s+sleep\s+apn(?:o)?ea|osa|"
    r"transient\s+ischa?emic\s+attacks?|tia|overweight|vomiting|nausea|ascites|delirium|anxiety|coma|"
    r"claustrophobia|porphyria|pneumonia|aneurysms?|constipation|wheezing|menopause|(?:post-?)?menopausal|"
    r"infertility|pre-?eclampsia|eclampsia|pregnan(?:t|cy|cies)(?![\w-]|\s+test)|exacerbations?|relapse|smokers?|smoking|fever|diabetic|"
    r"(?:medical\s+)?(?:conditions?|illness(?:es)?)|symptoms?|complications?|"
    # signs and symptoms, and states of a person, that name no disease
    r"dyspn(?:o)?ea|dizziness|rash(?:es)?|bradycardia|tachycardia|inflammation|syncope|fatigue|headaches?|cough|"
    r"diarrh(?:o)?ea|palpitations?|pruritus|itching|insomnia|jaundice|tremors?|hypoxia|vertigo|lightheadedness|"
    r"dysphagia|tinnitus|alopecia|angioedema|urticaria|hallucinations?|paralysis|convulsions?|bruising|fainting|"
    r"numbness|weakness|malaise|chills|sweating|cyanosis|ha?ematuria|hemoptysis|wheez\w+|obese|hypertensive|"
    r"immunocompromised|immunosuppressed|disabilit(?:y|ies)|good\s+(?:general\s+)?(?:physical\s+)?health|"
    r"high\s+(?:blood\s+pressure|cholesterol)|sexually\s+active|surgically\s+steril\w+|pre-?menopausal|(?:in)?fertile)(?![\w-])",
    re.I,
)

#: Disease vocabularies read at first use from the shared ontology slices (see SOURCE.md
#: there): Human Disease Ontology labels and exact synonyms (CC0), and the labels on both
#: sides of Mondo's exact mappings (Mondo, NCIt, MeSH, EFO, ICD-10-CM names; Mondo, CC BY
#: 4.0). Nothing of them is copied into kg. Absent directory: no gazetteer, fewer mentions.
#: ``KG_ONTOLOGIES`` names the directory; by default the ``../shared/data/ontologies`` beside a
#: source checkout (where the benchmark and the tests find it).
ONTOLOGIES = Path(settings.ontologies()
                  or Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "ontologies")
_GAZ_WORD = re.compile(r"[A-Za-z0-9]+")
#: Vocabulary names that in criteria prose are ordinary words, not a condition.
_GAZ_SKIP = frozenset(
    "disease disorder syndrome condition finding injury cancer tumor tumour neoplasm infection lesion pain "
    "abnormality symptom sign death deficiency carrier obesity allergy pregnancy lactation fever "
    "stable recovered dependent sensitivity normal positive negative history state status age male female "
    "healthy other unknown none all function weakness mass diagnosis failure".split())


@lru_cache(maxsize=1)
def _condition_gazetteer() -> tuple[dict[str, tuple[tuple[str, ...], ...]], frozenset[str]]:
    """(first word -> names as word tuples, longest first; case-sensitive acronyms)."""
    names: set[tuple[str, ...]] = set()
    acronyms: set[str] = set()

    def add(name: str) -> None:
        name = name.strip().strip('"')
        if not name or "," in name or len(name) > 60:
            return  # inverted labels ("cancer, breast") are never written that way in prose
        if re.fullmatch(r"[A-Z][A-Z0-9]{2,6}", name):
            acronyms.add(name)
            return
        words = tuple(w.lower() for w in _GAZ_WORD.findall(name))
        if (not words or len("".join(words)) < 5 or " ".join(words) in _GAZ_SKIP or words[0].isdigit()
                or (len(words) <= 2 and words[-1].isdigit())):
            return  # too short, too generic, or a grade/type number ("grade 2")
        names.add(words)

    doid = ONTOLOGIES / "doid"
    try:
        with (doid / "HumanDO.tsv").open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t"):
                if len(row) > 1 and row[0].strip('"').startswith("DOID:"):
                    add(row[1])
        for obo in sorted(doid.glob("*.obo")):
            for line in obo.read_text(encoding="utf-8").splitlines():
                if line.startswith("name: "):
                    add(line[6:])
                elif line.startswith("synonym: ") and " EXACT" in line:
                    add(line.split('"')[1] if line.count('"') >= 2 else "")
        for tsv in sorted((ONTOLOGIES / "mondo").glob("mondo_exactmatch_*.sssom.tsv")):
            with tsv.open(encoding="utf-8") as fh:
                rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
                for row in rows:
                    add(row.get("subject_label") or "")
                    add(row.get("object_label") or "")
    except OSError:
        return {}, frozenset()
    index: dict[str, list[tuple[str, ...]]] = {}
    for words in names:
        index.setdefault(words[0], []).append(words)
    return ({k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}, frozenset(acronyms))


def _gazetteer_conditions(text: str) -> list[tuple[int, int]]:
    """Spans of disease names from the ontology vocabularies (longest name at each word)."""
    index, acronyms = _condition_gazetteer()
    if not index and not acronyms:
        return []
    toks = [(m.group(0), m.start(), m.end()) for m in _GAZ_WORD.finditer(text)]
    low = [t[0].lower() for t in toks]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        hit = 0
        if toks[i][0] in acronyms:
            hit = 1
        else:
            for words in index.get(low[i], ()):
                n = len(words)
                if tuple(low[i:i + n]) == words:
                    hit = n
                    break
        if hit:
            out.append((toks[i][1], toks[i + hit - 1][2]))
            i += hit
        else:
            i += 1
    return out


#: A therapy phrase naming a treatment modality, not a substance ("chemotherapy",
#: "immunosuppressive therapy", "antiviral treatment"): a procedure, not a drug mention.
_MODALITY = re.compile(r"(?:therap(?:y|ies)|treatments?|radiation)\s*$", re.I)
#: A drug-class adjective followed by "therapy"/"treatment" names the modality, not a substance.
_CLASS_ADJECTIVE = re.compile(r"anti-?\w+|immunosuppressive|hormonal|biologic|cytotoxic", re.I)
_MODALITY_AFTER = re.compile(r"\s+(?:therap(?:y|ies)|treatments?)(?![\w-])", re.I)
#: Therapy names of the lexicon that are procedures, not drugs.
_PROCEDURES = frozenset({"radiotherapy", "surgery", "plasmapheresis", "plasma exchange", "transplantation",
                         "stem cell transplantation", "dialysis"})


def _lexicon(text: str) -> list[Mention]:
    out: list[Mention] = []
    for a, s, e in lx.find_analytes(text):
        if not _NOT_MEASURED_AFTER.match(text, e):
            out.append(Mention("Measurement", (s, e), text[s:e]))
    for i, s, e in lx.find_instruments(text):
        out.append(Mention("Measurement", (s, e), text[s:e]))
    for m in _MEASURE.finditer(text):
        s = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        out.append(Mention("Measurement", (s, m.end()), text[s:m.end()]))
    for rx in (_COMPARED, _HORMONES, _NAMED_CRITERIA, _SEROLOGY):
        for m in rx.finditer(text):
            out.append(Mention("Measurement", (m.start(), m.end()), m.group(0)))
    for m in _ORGAN_FUNCTION.finditer(text):
        out.append(Mention("Measurement", (m.start("m"), m.end("m")), m.group("m")))
    for s, e in _morph_heads(text):
        out.append(Mention("Condition", (s, e), text[s:e]))
    for s, e in _gazetteer_conditions(text):
        out.append(Mention("Condition", (s, e), text[s:e]))
    if _DISEASE_GATE.open(text.lower()):
        for m in _DISEASE_RE.finditer(text):
            if not re.search(r"transplant", m.group(0), re.I):  # a transplant is a procedure
                out.append(Mention("Condition", (m.start(), m.end()), m.group(0)))
    for m in _CONDITION_WORDS.finditer(text):
        out.append(Mention("Condition", (m.start(), m.end()), m.group(0)))
    for name, is_class, s, e in lx.find_drugs(text):
        if name not in _PROCEDURES and not _MODALITY.search(text[s:e]):
            out.append(Mention("Drug", (s, e), text[s:e]))
    for rx in (_DRUG_WORDS, _COMMON_RE, _STEM_RE):
        for m in rx.finditer(text):
            if rx is _STEM_RE and (m.group(0).lower() in _NOT_STEM or len(m.group(0)) < 7):
                continue
            if _CLASS_ADJECTIVE.fullmatch(m.group(0)) and _MODALITY_AFTER.match(text, m.end()):
                continue  # "antiviral treatment", "anti-platelet therapy": a treatment modality
            out.append(Mention("Drug", (m.start(), m.end()), m.group(0)))
    return out


#: An abbreviation defined in parentheses right after a name: "ventricular tachycardia (VT)".
_ABBREV_DEF = re.compile(r"\s*\(\s*(?P<a>(?-i:[A-Z][A-Za-z0-9-]{0,8}[A-Z0-9]))\s*\)")


def _abbreviations(text: str, found: list[Mention]) -> list[Mention]:
    """Mentions of abbreviations the text defines for a Condition, Drug or Measurement name:
    the definition itself and every later use of the abbreviation, typed like the name."""
    out: list[Mention] = []
    for m in found:
        if m.etype not in ("Condition", "Drug", "Measurement"):
            continue
        d = _ABBREV_DEF.match(text, m.span[1])
        if d is None or d.group("a").lower() == m.text.lower():
            continue
        for u in re.finditer(r"(?<![\w-])" + re.escape(d.group("a")) + r"(?![\w-])", text[d.start("a"):]):
            a, b = d.start("a") + u.start(), d.start("a") + u.end()
            out.append(Mention(m.etype, (a, b), text[a:b]))
    return out


def _find(text: str) -> list[Mention]:
    """``find_mentions`` without its guard (the property tests call this one)."""
    found = _lexicon(text) + _temporal(text)
    found += _abbreviations(text, found)
    temporal = [m.span for m in found if m.etype == "Temporal"]
    found += [v for v in _values(text) + _qualitative(text)
              if not any(a <= v.span[0] and v.span[1] <= b for a, b in temporal)]
    found.sort(key=lambda m: (m.span[0], -(m.span[1] - m.span[0])))
    kept: list[Mention] = []
    last_end: dict[str, int] = {}
    for m in found:
        if m.span[0] < last_end.get(m.etype, -1):
            continue
        kept.append(m)
        last_end[m.etype] = m.span[1]
    return kept


#: Cues whose scope (to the next stop) holds negated entities: "no", "without", "non-",
#: and exceptions ("except", "other than", "excluding"), which Chia also annotates as negation.
_NEG_SCOPE_CUE = re.compile(
    r"(?<![\w-])(?:no|not|without|never|neither|nor|absence\s+of|free\s+of|lack\s+of|negative\s+for|"
    r"except(?:\s+for)?|with\s+the\s+exception\s+of|other\s+than|excluding|apart\s+from|non)(?:\s+|-)", re.I)
_NEG_SCOPE_STOP = re.compile(r"[;:.()\[\]]|\b(?:but|unless|however|who|which|that|if|with(?!out)|and\s+(?:has|have|is|are|must))\b", re.I)


def negated_mentions(text: str) -> list[Mention]:
    """Condition, Drug and Measurement mentions in the scope of a negation or exception cue,
    typed ``Negation`` (the negated entity, not the cue word), left to right.

    >>> [m.text for m in negated_mentions("No history of asthma; aspirin allowed")]
    ['asthma']
    """
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        text = text[:MAX_CHARS]
        ents = [m for m in _find(text) if m.etype in ("Condition", "Drug", "Measurement")]
        out: list[Mention] = []
        for cue in _NEG_SCOPE_CUE.finditer(text):
            stop = _NEG_SCOPE_STOP.search(text, cue.end(), min(len(text), cue.end() + 80))
            end = stop.start() if stop else min(len(text), cue.end() + 80)
            for m in ents:
                if cue.end() <= m.span[0] < end and not any(o.span == m.span for o in out):
                    out.append(Mention("Negation", m.span, m.text))
        return sorted(out, key=lambda m: m.span)
    except Exception:  # never raises, like find_mentions
        return []


def find_mentions(text: str) -> list[Mention]:
    """Every Value, Temporal, Drug, Measurement and Condition mention of ``text``, left to right.

    Within one type, a mention that overlaps an earlier (or, at the same start, longer)
    one is dropped. Never raises: unusable input yields no mentions."""
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        return _find(text[:MAX_CHARS])
    except Exception:  # the contract is "never raises", like parse_criterion
        return []
