"""The sentence a clinician would write for one typed constraint (its ``rdfs:label``).

A reader checks what kg understood by reading these sentences next to the criterion text, so
each one says what the constraint *holds*, not what the text said: the normalised analyte,
drug, class or condition (a qualifier the parser dropped is visibly missing), the comparator,
the value with its unit in clinical form (UCUM ``mL/min/{1.73_m2}`` -> "mL/min/1.73 m²"), the
time window, the therapy's role, the examples and the exceptions.

The sentence stands on its own (it is also the node's label, read without its criterion), so it
states the rule a patient must meet: a constraint whose *effective* polarity is exclusion reads
"no …" ("no biologic … within 6 months before screening", "no ALT > 2 × ULN"), one that is
required reads as the fact itself ("age 18–70 years"). An "allowed" therapy is neither.

>>> from kg.criteria.constraints import LabConstraint, Quantity
>>> alt = LabConstraint(analyte="alt", analyte_text="ALT", polarity="exclusion",
...                     quantity=Quantity(">", 2.0, relative_to="ULN"))
>>> label(alt)
'no ALT > 2 × ULN'
>>> unit_text("mL/min/{1.73_m2}"), unit_text("10*9/L"), unit_text("ug/mL")
('mL/min/1.73 m²', '× 10⁹/L', 'µg/mL')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from kg.criteria.constraints import Constraint, Excerpt, Quantity, TimeWindow

#: How many listed examples a therapy sentence names before "…".
MAX_EXAMPLES = 3
#: How many organs a condition sentence names before "…".
MAX_ORGANS = 5

_CMP = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}

# UCUM codes kg writes (kg.criteria.units) -> the form printed on a lab report.
_UNITS = {
    "mL/min/{1.73_m2}": "mL/min/1.73 m²",
    "ug/mL": "µg/mL",
    "ug/L": "µg/L",
    "umol/L": "µmol/L",
    "meq/L": "mEq/L",
    "[IU]/L": "IU/L",
    "[IU]/mL": "IU/mL",
    "m[IU]/L": "mIU/L",
    "u[IU]/mL": "µIU/mL",
    "{copies}/mL": "copies/mL",
    "/mm3": "/mm³",
    "/uL": "/µL",
    "{cells}/uL": "cells/µL",
    "{cells}/mm3": "cells/mm³",
    "g/(24.h)": "g/24 h",
    "mg/(24.h)": "mg/24 h",
    "g/d": "g/day",
    "mg/d": "mg/day",
    "mg/kg/d": "mg/kg/day",
    "kg/m2": "kg/m²",
    "mm[Hg]": "mmHg",
    "mo": "months",
    "wk": "weeks",
    "a": "years",
    "d": "days",
}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_VOLUME = {"uL": "µL", "mm3": "mm³"}

_REFERENCES = {
    "screening": "screening", "day0": "day 0", "day1": "day 1", "baseline": "baseline", "consent": "consent",
    "first_dose": "the first dose", "randomization": "randomization", "enrollment": "enrollment",
    "study_end": "the end of the study", "last_dose": "the last dose",
}

_ANALYTES = {
    "igg4": "IgG4", "igg": "IgG", "iga": "IgA", "igm": "IgM", "ige": "IgE", "neutrophils": "neutrophils",
    "lymphocytes": "lymphocytes", "platelets": "platelets", "eosinophils": "eosinophils",
    "cd19_b_cells": "CD19+ B cells", "hemoglobin": "hemoglobin", "hba1c": "HbA1c", "hematocrit": "hematocrit",
    "alt": "ALT", "ast": "AST", "alp": "ALP", "ggt": "GGT", "bilirubin": "bilirubin", "creatinine": "creatinine",
    "creatinine_clearance": "creatinine clearance", "egfr": "eGFR", "albumin": "albumin", "uacr": "UACR",
    "upcr": "UPCR", "proteinuria": "proteinuria", "crp": "CRP", "esr": "ESR", "c3": "C3", "c4": "C4",
    "anti_dsdna": "anti-dsDNA", "ana": "ANA", "potassium": "potassium", "sodium": "sodium", "glucose": "glucose",
    "inr": "INR", "ldh": "LDH", "creatine_kinase": "CK", "uric_acid": "uric acid", "tsh": "TSH",
    "ferritin": "ferritin", "triglycerides": "triglycerides", "cholesterol": "cholesterol", "lipase": "lipase",
    "amylase": "amylase", "troponin": "troponin", "nt_probnp": "NT-proBNP", "hbv_dna": "HBV DNA", "qtc": "QTc",
}

_INSTRUMENTS = {
    "igg4-rd-ri": "IgG4-RD Responder Index", "sledai-2k": "SLEDAI-2K", "sledai": "SLEDAI", "sri-4": "SRI-4",
    "bilag": "BILAG", "mrss": "mRSS", "ecog": "ECOG", "performance-status": "performance status",
    "karnofsky": "Karnofsky", "bmi": "BMI", "das28": "DAS28", "cdai": "CDAI", "haq-di": "HAQ-DI",
    "essdai": "ESSDAI", "bvas": "BVAS", "pga": "physician's global assessment", "edss": "EDSS", "mmse": "MMSE",
    "nyha": "NYHA class", "asa": "ASA class", "child-pugh": "Child-Pugh", "fvc": "FVC", "dlco": "DLCO",
    "lvef": "LVEF", "life-expectancy": "life expectancy",
}
#: Scales graded in Roman-numeral classes.
_ROMAN_SCALES = frozenset({"nyha", "asa"})
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}

_PATHOGENS = {
    "hiv": "HIV infection", "hbv": "hepatitis B", "hcv": "hepatitis C", "hav": "hepatitis A",
    "tuberculosis": "tuberculosis", "herpes-zoster": "herpes zoster", "hsv": "herpes simplex",
    "ntm": "atypical mycobacterial infection", "cmv": "CMV infection", "sars-cov-2": "COVID-19",
    "syphilis": "syphilis", "pneumocystis": "Pneumocystis infection",
    "mycobacterium-avium": "Mycobacterium avium complex infection", "histoplasmosis": "histoplasmosis",
    "candidiasis": "candidiasis", "lyme-disease": "Lyme disease", "neisseria": "Neisseria infection",
}
#: Serology markers that name their own pathogen ("positive HBsAg").
_MARKERS = {"hbsag": "HBsAg", "hbcab": "anti-HBc", "hbv-dna": "HBV DNA", "hcv-rna": "HCV RNA", "hcv-ab": "anti-HCV"}
#: Tests that show an infection ("active tuberculosis on chest imaging").
_TESTS = {"igra": "IGRA", "ppd": "tuberculin skin test", "chest-imaging": "chest imaging"}

_TOPICS = {
    "pregnancy": "pregnancy", "lactation": "breastfeeding", "planned_pregnancy": "planned pregnancy",
    "contraception": "contraception", "childbearing_potential": "childbearing potential",
    "pregnancy_test": "pregnancy test",
}
_SUBSTANCES = {"alcohol_or_drug": "alcohol or drug abuse", "alcohol": "alcohol abuse", "drug": "drug abuse",
               "substance": "substance abuse", "tobacco": "tobacco use"}

# Condition qualifiers as adjectives, in the order English puts them before the noun.
_ADJECTIVES = (("severe", "severe"), ("uncontrolled", "uncontrolled"), ("chronic", "chronic"),
               ("active", "active"), ("refractory", "refractory"))
_ONSET = (("new_onset", "new-onset"), ("flare", "flaring"), ("relapse", "relapsing"))
#: What a condition name already containing the qualifier says ("relapse", "severe cardiovascular").
_STEMS = {"new_onset": "new", "flare": "flar", "relapse": "relaps", "remission": "remission", "history": "history"}

#: Words whose case the normalised (lower-case) names lost.
_CASED = {
    w.lower(): w for w in (
        "IgG4", "IgG", "IgA", "IgM", "IgE", "DMARD", "DMARDs", "NSAID", "NSAIDs", "TNF", "JAK", "IVIG", "HIV", "AIDS",
        "HBV", "HCV", "COPD", "ADT", "CD20", "CD19", "IL", "GVHD", "SLE", "CKD", "COVID", "MMF", "SSc", "ANCA",
        "Castleman", "Rosai", "Dorfman", "Sjögren", "Sjögren's", "Gilbert", "Gilbert's", "Crohn", "Crohn's",
        "Hodgkin", "Hodgkin's", "Parkinson's", "Alzheimer's", "Cushing's", "Addison's", "Hashimoto's", "Behçet's",
        "Raynaud's", "Guillain", "Barré", "Pneumocystis", "Epstein", "NYHA", "ACR", "EULAR", "UV", "PD-1", "PD-L1",
    )
}
_WORD = re.compile(r"[^\W_]+(?:'s)?")
_LETTER_CELL = re.compile(r"\b([bt])(?=[\s-]cells?\b)")
_HEPATITIS = re.compile(r"\b(hepatitis\s+)([a-e])\b")
_BODIES = re.compile(r"\b(ACR/EULAR|SLICC|ACR|EULAR|RCD|CHCC|ICC|ICHD|DSM-[IV5]+|McDonald)\b")


def label(c: Constraint, constraints: Sequence[Constraint] = ()) -> str:
    """The sentence for ``c``; ``constraints`` is its criterion's parse (a group's members).

    >>> from kg.criteria.constraints import AgeConstraint
    >>> label(AgeConstraint(min_years=18.0, max_years=70.0))
    'age 18–70 years'
    >>> label(AgeConstraint(min_years=18.0, min_inclusive=False))
    'age > 18 years'
    >>> label(AgeConstraint(min_years=1.0))
    'age ≥ 1 year'
    """
    pre, core, tail = _parts(c, constraints, 0)
    # ';' separates a criterion's sentences where they are listed together (kg query criteria)
    sentence = _join(pre, core, tail).replace(";", ",")
    if c.effective_polarity == "exclusion" and not _neutral(c):
        return _negate(c, sentence)
    return sentence


def unit_text(ucum: str | None) -> str:
    """A UCUM code as printed on a lab report; unknown codes lose only UCUM's brackets.

    >>> unit_text("{cells}/uL"), unit_text("mm[Hg]"), unit_text("g/(24.h)"), unit_text("10*3/uL")
    ('cells/µL', 'mmHg', 'g/24 h', '× 10³/µL')
    """
    if not ucum:
        return ""
    if ucum in _UNITS:
        return _UNITS[ucum]
    m = re.fullmatch(r"10\*(\d+)/(\w+)", ucum)
    if m:
        return f"× 10{m.group(1).translate(_SUPERSCRIPT)}/{_VOLUME.get(m.group(2), m.group(2))}"
    return re.sub(r"[{}\[\]]", "", ucum)


def number(x: float) -> str:
    """A value as a clinician writes it: no trailing ``.0``, no exponent.

    >>> number(1400.0), number(7.5), number(0.00015)
    ('1400', '7.5', '0.00015')
    """
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return format(Decimal(repr(float(x))).normalize(), "f")


# -- pieces -------------------------------------------------------------------------------------
def _join(*words: str) -> str:
    return " ".join(w for w in words if w)


def _neutral(c: Constraint) -> bool:
    """Constraints that neither require nor exclude (an allowed therapy)."""
    return getattr(c, "role", None) == "allowed"


def _negate(c: Constraint, sentence: str) -> str:
    if c.kind in ("sex", "healthy_volunteers"):
        return "not " + sentence
    if c.kind == "group" and getattr(c, "operator", "any") == "all" and " and " in sentence:
        return f"no ({sentence})"
    return "no " + sentence


def _parts(c: Constraint, constraints: Sequence[Constraint], depth: int) -> tuple[str, str, str]:
    """(prefix, core, tail) of a sentence: a group shares a prefix or tail its members all have
    ("no cyclophosphamide or rituximab ever").

    >>> from kg.criteria.constraints import (SexConstraint, ReproductiveConstraint, ConsentConstraint,
    ...     TrialParticipationConstraint, SubstanceUseConstraint, HealthyVolunteerConstraint, TimeWindow)
    >>> label(SexConstraint(sex="female")), label(HealthyVolunteerConstraint(healthy=True, polarity="exclusion"))
    ('female', 'not healthy volunteers')
    >>> label(ReproductiveConstraint(topic="lactation", polarity="exclusion"))
    'no breastfeeding'
    >>> label(ConsentConstraint())
    'informed consent'
    >>> label(TrialParticipationConstraint(polarity="exclusion", window=TimeWindow(days=30, iso="P30D",
    ...                                                                           reference="screening")))
    'no participation in another clinical trial within 30 days before screening'
    >>> label(SubstanceUseConstraint(substance="alcohol", polarity="exclusion", window=TimeWindow(days=365, iso="P1Y")))
    'no alcohol abuse within the past year'
    """
    kind = c.kind
    if kind == "age":
        return "", _age(c), ""
    if kind == "sex":
        sex = getattr(c, "sex", "all")
        return "", {"all": "any sex"}.get(sex, sex), ""
    if kind == "healthy_volunteers":
        return "", "healthy volunteers" if getattr(c, "healthy", True) else "patients (not healthy volunteers)", ""
    if kind == "lab":
        return "", _lab(c), ""
    if kind == "score":
        return "", _score(c), ""
    if kind == "condition":
        return _condition(c)
    if kind in ("therapy", "background_therapy"):
        return _therapy(c)
    if kind == "infection":
        return _infection(c)
    if kind == "reproductive":
        topic = getattr(c, "topic", "")
        return "", _TOPICS.get(topic, topic.replace("_", " ")), _window(getattr(c, "window", None), until=topic == "contraception")
    if kind == "consent":
        return "", "informed consent", ""
    if kind == "trial_participation":
        return "", "participation in another clinical trial", _window(getattr(c, "window", None))
    if kind == "substance_use":
        s = getattr(c, "substance", "")
        return "", _SUBSTANCES.get(s, f"{s} abuse".strip()), _window(getattr(c, "window", None))
    if kind == "group":
        return _group(c, constraints, depth)
    return _other(c)


def _other(c: Constraint) -> tuple[str, str, str]:
    """A kind this module does not know yet: its name (or text), window and exceptions."""
    name = getattr(c, "name", "") or getattr(c, "condition", "") or c.text or c.kind.replace("_", " ")
    core = _cased(name, c.text) + _exceptions(getattr(c, "exceptions", ()))
    return "", core, _window(getattr(c, "window", None))


def _age(c: Constraint) -> str:
    return _years(_age_bounds(c))


def _years(text: str) -> str:
    return text[:-1] if text.endswith(" 1 years") else text


def _age_bounds(c: Constraint) -> str:
    lo, hi = getattr(c, "min_years", None), getattr(c, "max_years", None)
    lo_in, hi_in = getattr(c, "min_inclusive", True), getattr(c, "max_inclusive", True)
    if lo is not None and hi is not None:
        if lo_in and hi_in:
            return f"age {number(lo)}–{number(hi)} years"
        return f"age {'≥' if lo_in else '>'} {number(lo)} and {'≤' if hi_in else '<'} {number(hi)} years"
    if lo is not None:
        return f"age {'≥' if lo_in else '>'} {number(lo)} years"
    if hi is not None:
        return f"age {'≤' if hi_in else '<'} {number(hi)} years"
    return "age"


def _amount(value: float, unit: str | None, relative_to: str | None) -> str:
    """'1400 mg/L', '1 × 10⁹/L', '30%', '2 × ULN', '30% of baseline'."""
    v = number(value)
    if relative_to:
        return f"{v}% of {relative_to}" if unit == "%" else f"{v} × {relative_to}"
    if not unit:
        return v
    u = unit_text(unit)
    if unit in ("mo", "wk", "a", "d") and v == "1":
        u = u.removesuffix("s")
    if unit == "%":
        return v + "%"
    return f"{v} {u}"


def _quantity(q: Quantity | None, roman: bool = False) -> str:
    """The comparator and value(s) of ``q``, with the normalised value when its unit differs."""
    if q is None:
        return ""
    fmt = (lambda x: _ROMAN.get(int(x), number(x)) if x == int(x) else number(x)) if roman else number
    if q.comparator == "between" and q.low is not None and q.high is not None:
        if roman:
            text = f"{fmt(q.low)}–{fmt(q.high)}"
        elif q.low_inclusive and q.high_inclusive:
            lo = _amount(q.low, q.unit, q.relative_to)
            text = f"{number(q.low)}–{lo.replace(number(q.low), number(q.high), 1)}"
        else:
            text = (f"{'≥' if q.low_inclusive else '>'} {_amount(q.low, q.unit, q.relative_to)} and "
                    f"{'≤' if q.high_inclusive else '<'} {_amount(q.high, q.unit, q.relative_to)}")
        norm = (f"{number(q.norm_low)}–{number(q.norm_high)} {unit_text(q.norm_unit)}"
                if q.norm_low is not None and q.norm_high is not None else "")
    elif q.value is not None:
        cmp = _CMP.get(q.comparator, q.comparator)
        amount = fmt(q.value) if roman else _amount(q.value, q.unit, q.relative_to)
        text = amount if (roman and cmp == "=") else f"{cmp} {amount}"
        norm = f"{number(q.norm_value)} {unit_text(q.norm_unit)}" if q.norm_value is not None else ""
    else:
        return ""
    if norm and q.norm_unit and q.unit and q.norm_unit != q.unit and q.unit not in ("mo", "wk", "a", "d"):
        text += f" ({norm.replace(' %', '%')})"
    return text


def _lab(c: Constraint) -> str:
    """
    >>> from kg.criteria.constraints import LabConstraint, Quantity, Excerpt
    >>> label(LabConstraint(analyte="egfr", analyte_text="eGFR", formula="MDRD", polarity="exclusion",
    ...                     quantity=Quantity("<", 30.0, unit="mL/min/{1.73_m2}")))
    'no eGFR < 30 mL/min/1.73 m² (MDRD)'
    >>> label(LabConstraint(analyte="igg4", analyte_text="serum IgG4",
    ...       quantity=Quantity(">", 1400.0, unit="mg/L", norm_value=140.0, norm_unit="mg/dL")))
    'IgG4 > 1400 mg/L (140 mg/dL)'
    >>> label(LabConstraint(analyte="igg4", quantity=Quantity(">=", 30.0, unit="%", relative_to="baseline")))
    'IgG4 ≥ 30% of baseline'
    >>> label(LabConstraint(analyte="bilirubin", analyte_text="total bilirubin", polarity="inclusion",
    ...       quantity=Quantity("<=", 1.5, relative_to="ULN"),
    ...       exceptions=(Excerpt("Gilbert's syndrome", "gilbert's syndrome", (0, 0)),)))
    "total bilirubin ≤ 1.5 × ULN (except Gilbert's syndrome)"
    >>> label(LabConstraint(analyte="neutrophils", polarity="exclusion", quantity=Quantity("<", 1.0, unit="10*9/L")))
    'no neutrophils < 1 × 10⁹/L'
    """
    key = getattr(c, "analyte", "")
    written = getattr(c, "analyte_text", "") or ""
    name = _ANALYTES.get(key) or written or key.replace("_", " ")
    if key == "bilirubin":
        low = written.lower()
        name = next((f"{w} bilirubin" for w in ("total", "direct", "indirect", "conjugated") if w in low), name)
    q = getattr(c, "quantity", None)
    qualitative = getattr(c, "qualitative", None)
    if q is not None and _quantity(q):
        text = f"{name} {_quantity(q)}"
    elif qualitative:
        text = f"{qualitative} {name}"
    else:
        text = name
    formula = getattr(c, "formula", None)
    if formula:
        text += f" ({formula})"
    return text + _exceptions(getattr(c, "exceptions", ()))


def _score(c: Constraint) -> str:
    """
    >>> from kg.criteria.constraints import ScoreConstraint, Quantity
    >>> label(ScoreConstraint(instrument="igg4-rd-ri", polarity="exclusion", quantity=Quantity(">=", 2.0),
    ...                       organ="in any organ system"))
    'no IgG4-RD Responder Index ≥ 2 (in any organ system)'
    >>> label(ScoreConstraint(instrument="nyha", polarity="exclusion", quantity=Quantity("between", low=3.0, high=4.0)))
    'no NYHA class III–IV'
    >>> label(ScoreConstraint(instrument="life-expectancy", quantity=Quantity(">=", 3.0, unit="mo")))
    'life expectancy ≥ 3 months'
    """
    key = getattr(c, "instrument", "")
    name = _INSTRUMENTS.get(key) or getattr(c, "instrument_text", "") or key
    text = _join(name, _quantity(getattr(c, "quantity", None), roman=key in _ROMAN_SCALES))
    organ = getattr(c, "organ", None)
    if organ:
        text += f" ({organ})"
    return text + _exceptions(getattr(c, "exceptions", ()))


def _condition(c: Constraint) -> tuple[str, str, str]:
    """
    >>> from kg.criteria.constraints import ConditionConstraint, Excerpt, TimeWindow
    >>> label(ConditionConstraint(condition="malignancy", name="malignancy", polarity="exclusion",
    ...       window=TimeWindow(days=1825, iso="P5Y"),
    ...       exceptions=(Excerpt("basal cell carcinoma", "basal cell carcinoma", (0, 0)),)))
    'no malignancy (except basal cell carcinoma) within the past 5 years'
    >>> label(ConditionConstraint(condition="IgG4-RD", name="igg4-related disease", qualifiers=("new_onset", "flare"),
    ...       classification="2019 ACR/EULAR classification criteria for IgG4-RD", classification_year=2019))
    'new-onset or flaring IgG4-related disease (2019 ACR/EULAR criteria)'
    >>> label(ConditionConstraint(condition="primary immunodeficiency", name="immunodeficiency", polarity="exclusion",
    ...       qualifiers=("history",), window=TimeWindow(ever=True)))
    'no history of immunodeficiency'
    >>> label(ConditionConstraint(condition="SLE", name="systemic lupus erythematosus",
    ...       qualifiers=("refractory", "active"), active_by="sledai-2k"))
    'active refractory systemic lupus erythematosus (activity by SLEDAI-2K)'
    """
    quals = tuple(getattr(c, "qualifiers", ()) or ())
    written = getattr(c, "condition", "") or ""
    name = getattr(c, "name", "") or written
    window = getattr(c, "window", None)
    classification = getattr(c, "classification", None)
    if name:
        core = _cased(name, written, c.text)
    elif classification:
        core = "meets the " + _cased(classification, classification)
        classification = None
    else:
        core = c.text or "condition"
    said = core.lower()
    quals = tuple(q for q in quals if _STEMS.get(q, q) not in said)  # "severe cardiovascular": not twice
    onset = " or ".join(word for key, word in _ONSET if key in quals)
    adjectives = [word for key, word in _ADJECTIVES if key in quals] + ([onset] if onset else [])
    core = _join(*adjectives, core)
    if "remission" in quals:
        core += " in remission"
    extras = []
    active_by = getattr(c, "active_by", None)
    if active_by:
        extras.append("activity by " + _INSTRUMENTS.get(active_by, active_by))
    if classification:
        extras.append(_classification(classification, getattr(c, "classification_year", None)))
    organs = tuple(getattr(c, "organs", ()) or ())
    if organs:
        shown = ", ".join(organs[:MAX_ORGANS]) + (", …" if len(organs) > MAX_ORGANS else "")
        extras.append("organs: " + shown)
    # one parenthesis each, never a ';': kg query criteria separates a criterion's sentences with '; '
    core += "".join(f" ({x})" for x in extras)
    core += _exceptions(getattr(c, "exceptions", ()))
    timed = window is not None and not window.ever and (window.days or window.iso)
    pre = "history of" if "history" in quals and not timed else ("current" if "current" in quals else "")
    return pre, core, _window(window, ever_word="")


def _classification(phrase: str, year: int | None) -> str:
    body = _BODIES.search(phrase)
    return _join(str(year) if year else "", body.group(1) if body else "", "criteria") if (year or body) else "classification criteria"


def _therapy(c: Constraint) -> tuple[str, str, str]:
    """
    >>> from kg.criteria.constraints import TherapyConstraint, BackgroundTherapyConstraint, Excerpt, TimeWindow
    >>> from kg.criteria.constraints import DoseCondition
    >>> ex = lambda *names: tuple(Excerpt(n, n, (0, 0)) for n in names)
    >>> label(TherapyConstraint(therapy="biologic therapy", name="biologic", is_class=True, polarity="exclusion",
    ...       role="prior-within-window", members=ex("rituximab", "ocrelizumab", "obinutuzumab", "abatacept"),
    ...       window=TimeWindow(days=183, iso="P6M", reference="screening")))
    'no biologic (incl. rituximab, ocrelizumab, obinutuzumab, …) within 6 months before screening'
    >>> label(TherapyConstraint(therapy="immunosuppressive agents", name="immunosuppressant", is_class=True,
    ...       polarity="exclusion", role="prior-within-window", exceptions=(Excerpt("GCs", "glucocorticoid", (0, 0)),),
    ...       window=TimeWindow(days=84, iso="P84D", reference="screening")))
    'no immunosuppressants other than glucocorticoids within 12 weeks before screening'
    >>> label(TherapyConstraint(therapy="cyclophosphamide", name="cyclophosphamide", polarity="exclusion",
    ...       role="current", window=TimeWindow(direction="during", reference="screening")))
    'no current cyclophosphamide'
    >>> label(TherapyConstraint(therapy="rituximab", name="rituximab", polarity="exclusion", role="prior-ever",
    ...       window=TimeWindow(ever=True)))
    'no rituximab ever'
    >>> label(TherapyConstraint(therapy="monoclonal antibodies", name="monoclonal antibody", is_class=True,
    ...       polarity="exclusion", role="allergy"))
    'no allergy to monoclonal antibodies'
    >>> label(TherapyConstraint(therapy="prednisone", name="prednisone", role="stable-dose",
    ...       window=TimeWindow(days=28, iso="P28D")))
    'stable prednisone dose ≥ 4 weeks'
    >>> label(TherapyConstraint(therapy="GC", name="glucocorticoid", is_class=True, role="prior-ever",
    ...       polarity="exclusion", window=TimeWindow(ever=True),
    ...       dose=DoseCondition(">", 20.0, "mg/d", drug="prednisone", equivalent=True)))
    'no glucocorticoid > 20 mg/day prednisone or equivalent ever'
    >>> label(TherapyConstraint(therapy="hydroxychloroquine", name="hydroxychloroquine", role="allowed",
    ...       polarity="exclusion"))
    'hydroxychloroquine allowed'
    >>> label(BackgroundTherapyConstraint(therapy="MMF", name="mycophenolate mofetil", role="required-background",
    ...       recently_started=True))
    'on background mycophenolate mofetil (recently started)'
    """
    written = getattr(c, "therapy", "") or ""
    name = getattr(c, "name", "") or written
    head = _cased(_plural_like(name, written), written, c.text)
    dose = getattr(c, "dose", None)
    if dose is not None:
        drug = dose.drug if dose.drug and dose.drug.lower() != name.lower() else ""
        amount = f"{_CMP.get(dose.comparator, dose.comparator)} {number(dose.value)} {unit_text(dose.unit)}".strip()
        head = _join(head, amount, drug, "or equivalent" if dose.equivalent else "")
    exceptions: tuple[Excerpt, ...] = tuple(getattr(c, "exceptions", ()) or ())
    if exceptions:
        head += " other than " + " or ".join(_cased(_plural_like(x.name, x.text), x.text) for x in exceptions)
    members: tuple[Excerpt, ...] = tuple(getattr(c, "members", ()) or ())
    if members:
        names = [_cased(m.name, m.text) for m in members[:MAX_EXAMPLES]]
        head += " (incl. " + ", ".join(names) + (", …" if len(members) > MAX_EXAMPLES else "") + ")"
    role = getattr(c, "role", None)
    window: TimeWindow | None = getattr(c, "window", None)
    if c.kind == "background_therapy" or role == "required-background":
        notes = []
        if getattr(c, "stable", False):
            notes.append("stable dose")
        days = getattr(c, "min_duration_days", None)
        if days:
            notes.append(f"for ≥ {_days(days)}")
        if getattr(c, "recently_started", False):
            notes.append("recently started")
        return "on background", head + (f" ({', '.join(notes)})" if notes else ""), ""
    if role == "allergy":
        return "allergy to", head, ""
    if role == "allowed":
        return "", head, "allowed"
    if role == "stable-dose":
        length = _length(window)
        tail = f"dose ≥ {length}" if length else "dose"
        ref = _REFERENCES.get(window.reference or "", "") if window else ""
        return "stable", head, _join(tail, f"before {ref}" if ref else "")
    if role == "current" or (window is not None and window.direction == "during" and not window.days):
        return "current", head, ""
    if role == "prior-ever" or (window is not None and window.ever):
        return ("prior", head, "") if c.effective_polarity == "inclusion" else ("", head, "ever")
    return "", head, _window(window)


def _infection(c: Constraint) -> tuple[str, str, str]:
    """
    >>> from kg.criteria.constraints import InfectionConstraint
    >>> label(InfectionConstraint(pathogen="hbv", marker="hbsag", result="positive", polarity="exclusion"))
    'no positive HBsAg'
    >>> label(InfectionConstraint(pathogen="tuberculosis", marker="chest-imaging", status="active", polarity="exclusion"))
    'no active tuberculosis on chest imaging'
    >>> label(InfectionConstraint(pathogen="hiv", result="positive", polarity="exclusion"))
    'no positive HIV test'
    """
    pathogen = getattr(c, "pathogen", "")
    marker = getattr(c, "marker", None)
    result = getattr(c, "result", None)
    status = getattr(c, "status", None)
    disease = _PATHOGENS.get(pathogen, pathogen.replace("-", " "))
    state = "history of" if status == "history" else (status or "")
    if marker in _MARKERS:
        core = _join(result or "", _MARKERS[marker])
        if status and status != "history":
            core += f" ({status})"
        pre = "history of" if status == "history" else ""
    elif marker in _TESTS:
        core = _join(result or "", _TESTS[marker]) if result else _join(state if state != "history of" else "",
                                                                         disease, "on", _TESTS[marker])
        pre = "history of" if status == "history" and not result else ""
    elif result:
        core = _join(result, disease.removesuffix(" infection"), "test")
        pre = ""
    else:
        core = _join(state if state != "history of" else "", disease)
        pre = "history of" if status == "history" else ""
    core += _exceptions(getattr(c, "exceptions", ()))
    return pre, core, _window(getattr(c, "window", None), ever_word="")


def _group(c: Constraint, constraints: Sequence[Constraint], depth: int) -> tuple[str, str, str]:
    """
    >>> from kg.criteria.constraints import ConstraintGroup, TherapyConstraint, TimeWindow
    >>> cs = [TherapyConstraint(name=n, therapy=n, polarity="exclusion", role="prior-ever",
    ...                         window=TimeWindow(ever=True)) for n in ("cyclophosphamide", "rituximab")]
    >>> label(ConstraintGroup(operator="any", members=(0, 1), polarity="exclusion"), cs)
    'no cyclophosphamide or rituximab ever'
    >>> label(ConstraintGroup(operator="any", members=(0, 1), polarity="inclusion"),
    ...       [TherapyConstraint(name=n, role="current") for n in ("aspirin", "clopidogrel")])
    'current aspirin or clopidogrel'
    """
    idx = [i for i in getattr(c, "members", ()) if 0 <= i < len(constraints) and constraints[i] is not c]
    if not idx or depth > 3:
        return "", c.text or "group", ""
    word = " and " if getattr(c, "operator", "any") == "all" else " or "
    parts = []
    for i in idx:
        m = constraints[i]
        p = _parts(m, constraints, depth + 1)
        if m.effective_polarity != c.effective_polarity and not _neutral(m):
            p = ("", _negate(m, _join(*p)), "")
        parts.append(p)
    pres, tails = {p[0] for p in parts}, {p[2] for p in parts}
    if len(pres) == 1 and len(tails) == 1:
        return parts[0][0], word.join(p[1] for p in parts), parts[0][2]
    if len(tails) == 1:
        return "", word.join(_join(p[0], p[1]) for p in parts), parts[0][2]
    return "", word.join(_join(*p) for p in parts), ""


# -- windows, names ---------------------------------------------------------------------------
def _days(days: int, years: bool = True) -> str:
    """A length in the unit a protocol would use (84 days -> 12 weeks); ``years``: 365 days -> 1 year."""
    if years and days % 365 == 0:
        n, unit = days // 365, "year"
    elif days >= 14 and days % 7 == 0 and days < 365:
        n, unit = days // 7, "week"
    else:
        n, unit = days, "day"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _length(w: TimeWindow | None) -> str:
    """The length of a window as written (P6M -> 6 months; P84D -> 12 weeks)."""
    if w is None:
        return ""
    m = re.fullmatch(r"P(\d+(?:\.\d+)?)([YMWD])", w.iso or "")
    if m and m.group(2) != "D":
        n = number(float(m.group(1)))
        unit = {"Y": "year", "M": "month", "W": "week"}[m.group(2)]
        return f"{n} {unit}{'' if n == '1' else 's'}"
    if m:  # xsd:duration has no weeks: "12 weeks" is P84D, "365 days" stays days
        return _days(int(float(m.group(1))), years=False)
    return _days(w.days) if w.days else ""


def _window(w: TimeWindow | None, ever_word: str = "ever", until: bool = False) -> str:
    """'within 6 months before screening', 'within the past 5 years', 'until 6 months after the end of the study'.

    >>> _window(TimeWindow(days=60, iso="P60D", reference="day0"))
    'within 60 days before day 0'
    >>> _window(TimeWindow(days=183, iso="P6M", reference="study_end", direction="after"), until=True)
    'until 6 months after the end of the study'
    """
    if w is None:
        return ""
    if w.ever:
        return ever_word
    length = _length(w)
    ref = _REFERENCES.get(w.reference or "", (w.reference or "").replace("_", " "))
    if w.direction == "during":
        return f"during the {length} before {ref}" if length and ref else (f"at {ref}" if ref else "")
    if not length:
        return f"{w.direction} {ref}" if ref else ""
    if w.direction == "after":
        return _join("until" if until else "within", length, "after", ref)
    return f"within {length} before {ref}" if ref else f"within the past {length.removeprefix('1 ')}"


def _exceptions(items: Sequence[Excerpt]) -> str:
    if not items:
        return ""
    names = [_cased(x.name.strip(" ,;.") or x.text, x.text) for x in items]
    return " (except " + ", ".join(n for n in names if n) + ")"


def _plural_like(name: str, written: str) -> str:
    """``name`` in the plural when the text wrote its head in the plural ('GCs' -> 'glucocorticoids')."""
    last = written.strip().split(" ")[-1] if written.strip() else ""
    if not name or not last or not last.endswith("s") or last.endswith("ss") or name.endswith("s"):
        return name
    if last.lower() == name.split(" ")[-1].lower():
        return name
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(?:x|ch|sh)$", name):
        return name + "es"
    return name + "s"


@lru_cache(maxsize=16384)  # the same names recur across criteria ("pregnancy", "HIV infection")
def _cased(name: str, *sources: str) -> str:
    """``name`` (normalised, lower case) with the case its words have in clinical writing:
    acronyms and eponyms from a table, else as ``sources`` write them mid-sentence.

    >>> _cased("igg4-related castleman disease", "IgG4-related Castleman disease")
    'IgG4-related Castleman disease'
    >>> _cased("b cell-depleting therapy", "B-cell-depleting agents"), _cased("hepatitis b")
    ('B cell-depleting therapy', 'hepatitis B')
    >>> _cased("malignancy", "Malignancy in the past 5 years")
    'malignancy'
    """
    written: dict[str, str] = {}
    for src in sources:
        if not src or src.islower():
            continue
        words = list(_WORD.finditer(src))
        title = sum(1 for w in words if w.group(0)[:1].isupper()) > max(2, len(words) // 2)
        caps = [w.group(0)[:1].isupper() for w in words]
        for k, m in enumerate(words):
            w = m.group(0)
            inner = any(ch.isupper() for ch in w[1:])
            before = src[:m.start()].rstrip()
            initial = not before or before[-1] in ".:;!?(-"
            # a capital alone mid-sentence is a proper name ("… Castleman disease"); a run of
            # capitals is a title ("Kidney Diseases"), which says nothing about the word
            alone = not (k and caps[k - 1]) and not (k + 1 < len(words) and caps[k + 1])
            if inner or (caps[k] and not initial and alone and not title):
                written.setdefault(w.lower(), w)

    def case(m: re.Match[str]) -> str:
        w = m.group(0)
        if w.lower() in _CASED:
            return _CASED[w.lower()]
        if w != w.lower():
            return w  # the name already has its case
        return written.get(w, w)

    out = _WORD.sub(case, name)
    out = _LETTER_CELL.sub(lambda m: m.group(1).upper(), out)
    return _HEPATITIS.sub(lambda m: m.group(1) + m.group(2).upper(), out)
