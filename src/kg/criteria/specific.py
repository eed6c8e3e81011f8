"""The specific name of a broad disease head: the site and type words that narrow it.

The disease table maps "cancer", "carcinoma", "leukemia", "tumor", "infection" to broad
names ("malignancy", "infection"), which is right for "any malignancy" and wrong for
"prostate cancer", "chronic myelogenous leukemia" or "fungal infection": an exclusion of
prostate cancer does not exclude a patient with breast cancer. :func:`modifiers_start`
walks left from the head over the words that name a site or type, and stops at the words
that qualify a disease state (stage, activity, certainty: "metastatic", "active",
"histologically confirmed", "stage IV"), which stay qualifiers, not part of the name.

>>> t = "Histologically proven unresectable or metastatic urothelial cancer"
>>> t[modifiers_start(t, t.index("cancer")):]
'urothelial cancer'
>>> t = "No active CNS leukemia"
>>> t[modifiers_start(t, t.index("leukemia")):]
'CNS leukemia'
>>> t = "History of cancer"
>>> modifiers_start(t, t.index("cancer")) == t.index("cancer")
True
"""

from __future__ import annotations

import re

#: Words that end the walk: function words, certainty, state, stage and extent; none names
#: a site or a type of disease.
STOP_WORDS = frozenset("""
no not any with without of or and the a an to in on for by from at as is are was were be been has have had having
patients patient subjects subject participants participant who which that must should history prior previous
previously known current currently evidence presence diagnosis diagnosed documented suspected other others
including include such e.g eg i.e ie than if due unless except excluding when clinical clinically significant active inactive untreated treated
metastatic unresectable advanced recurrent relapsed refractory progressive confirmed proven histologically
cytologically pathologically histological cytological pathologic pathological newly new early late stage
locally local regional distant systemic concurrent concomitant invasive malignant serious severe uncontrolled
controlled stable unstable resected curatively definitive primary secondary second third synchronous
any all every one two both either more less than disseminated widespread extensive limited measurable
evaluable inoperable operable high low grade intermediate risk survivor survivors
""".split())
#: Stage and grade tokens ("IIIB", "IV", "T1-T3", "2") that stand between a qualifier and a site.
_STAGE = re.compile(r"^(?:[ivx]+[abc]?|t\d\S*|n\d\S*|m\d\S*|\d+[abc]?|[abc]\d?)$", re.I)
_WORD_LEFT = re.compile(r"([A-Za-z][\w'-]*)\s+$")
#: State words that qualify the head right after them ("chronic infection") but are part of a
#: name further left ("chronic myelogenous leukemia", "acute myeloid leukemia").
_STATE_NEXT_TO_HEAD = frozenset({"chronic", "acute", "recurrent", "persistent"})


def modifiers_start(text: str, head: int, most: int = 4) -> int:
    """Start of the site/type words before the head noun at ``head`` (``head`` itself if none)."""
    start = head
    for _ in range(most):
        m = _WORD_LEFT.search(text, max(0, start - 40), start)
        if not m:
            break
        w = m.group(1).lower().rstrip("'")
        if w in STOP_WORDS or _STAGE.match(w) or (start == head and w in _STATE_NEXT_TO_HEAD):
            break
        start = m.start(1)
    return start


#: Words a condition phrase as written never reaches back over (its trigger, its subject).
_PHRASE_STOP = frozenset("""
no not any with without of for by from at as is are was were be been has have had having to in on the a an
patients patient subjects subject participants participant who which that must should history diagnosis
diagnosed evidence presence known suspected other including such e.g eg i.e ie than if due unless except excluding
when
""".split())


def phrase_start(text: str, start: int, most: int = 5) -> int:
    """Start of a condition phrase as written: its state and extent words before ``start`` too.

    The name stays the site and type (:func:`modifiers_start`); the phrase as written keeps
    "unresectable or metastatic", "systemic", "significant", which a reader checks.

    >>> t = "Histologically proven unresectable or metastatic urothelial cancer"
    >>> t[phrase_start(t, t.index("urothelial")):]
    'Histologically proven unresectable or metastatic urothelial cancer'
    >>> t = "Any systemic fungal infection"
    >>> t[phrase_start(t, t.index("fungal")):]
    'systemic fungal infection'
    """
    pos = start
    for _ in range(most):
        m = _WORD_LEFT.search(text, max(0, pos - 40), pos)
        if not m or m.group(1).lower() in _PHRASE_STOP:
            break
        pos = m.start(1)
    # a phrase does not begin with a conjunction
    while True:
        m = re.match(r"(?:or|and|and/or)\s+", text[pos:start], re.I)
        if not m:
            break
        pos += m.end()
    return pos


#: Words that narrow a therapy or procedure: route, intent, dose, extent and body site
#: ("systemic chemotherapy", "palliative radiotherapy", "pelvic or abdominal radiation").
THERAPY_QUALIFIERS = frozenset("""
systemic oral intravenous iv topical inhaled intranasal intra-articular intraarticular intramuscular subcutaneous
parenteral local regional palliative adjuvant adjunctive neoadjuvant curative definitive prophylactic maintenance
induction salvage consolidation high-dose low-dose extensive major minor abdominal pelvic thoracic chest cranial
cerebral whole-brain brain spinal lumbar cardiac heart gastrointestinal radical external external-beam
stereotactic hormonal targeted experimental allogeneic autologous hematopoietic haematopoietic solid corneal
kidney renal liver lung joint hip knee coronary vascular penile silicone breast bone-marrow elective emergency
""".split())


def therapy_phrase_start(text: str, start: int, most: int = 4) -> int:
    """Start of a therapy phrase as written: its route, intent, dose and site words before ``start``.

    >>> t = "No prior pelvic or abdominal radiation therapy"
    >>> t[therapy_phrase_start(t, t.index("radiation")):]
    'pelvic or abdominal radiation therapy'
    >>> t = "Receiving corticosteroids"
    >>> therapy_phrase_start(t, t.index("cortico")) == t.index("cortico")
    True
    """
    pos = start
    for _ in range(most):
        m = re.search(r"([A-Za-z][\w-]*)\s+(?:(?:or|and|and/or)\s+)?$", text[max(0, pos - 40):pos])
        if not m or m.group(1).lower() not in THERAPY_QUALIFIERS:
            break
        pos = max(0, pos - 40) + m.start(1)
    return pos


#: Names of procedures among therapy constraints: surgery, radiotherapy, transplantation,
#: dialysis, transfusion and the operations named by their own words ("-ectomy", "-plasty").
_PROCEDURE_NAME = re.compile(
    r"surg|radiat|radiother|irradiat|transplant|operation|resection|dialysis|procedure|plasm(?:apheresis|a\s+exchange)|"
    r"ectom(?:y|ies)\b|otom(?:y|ies)\b|ostom(?:y|ies)\b|plast(?:y|ies)\b|stent|implant|transfus|cardiover|bypass",
    re.I)


def is_procedure(name: str) -> bool:
    """Whether a therapy constraint's name is a procedure rather than a drug or drug class.

    >>> is_procedure("radical prostatectomy"), is_procedure("kidney transplantation"), is_procedure("rituximab")
    (True, True, False)
    """
    return bool(_PROCEDURE_NAME.search(name or ""))


def specific_name(phrase: str) -> str:
    """A phrase as a normalised name: lower case, one space between words, plural head singular.

    >>> specific_name("Liver  Tumors"), specific_name("Gottron's papules")
    ('liver tumor', "gottron's papules")
    """
    words = phrase.lower().split()
    if words and re.search(r"(?:tumou?r|cancer|carcinoma|neoplasm|lymphoma|infection|malignanc(?:y|ie))s$", words[-1]):
        last = words[-1]
        words[-1] = last[:-3] + "y" if last.endswith("ies") else last[:-1]
    return " ".join(words)
