"""The disease-name table: free-text condition names -> the lexicon's normalized disease names.

Kept apart from the criterion parser so that a condition lookup (``kg query -p condition``,
:func:`kg.compare.facts.condition_key`) reaches :func:`disease_name` without importing the
parser and its units library (pint costs seconds at start-up). The parser matches
:data:`DISEASE_RE` inside criterion text; :data:`DISEASE_GATE` is its cheap pre-check.

>>> disease_name("Lupus"), disease_name("lupus nephritis")
('systemic lupus erythematosus', 'lupus nephritis')
"""

from __future__ import annotations

from kg.criteria import lexicon as lx

#: (regex, normalized name), tried in order: a more specific name comes before a broader one
DISEASES: tuple[tuple[str, str], ...] = (
    (r"igg4[\s-]*(?:related\s+disease|rd)|immunoglobulin\s+g4[\s-]related\s+disease", "igg4-related disease"),
    (r"lupus\s+nephritis", "lupus nephritis"),
    (r"systemic\s+lupus\s+erythematosus|\bsle\b|\blupus\b", "systemic lupus erythematosus"),
    (r"(?:diffuse\s+cutaneous\s+|limited\s+cutaneous\s+)?systemic\s+sclerosis|scleroderma|\bd?c?ssc\b", "systemic sclerosis"),
    (r"rheumatoid\s+arthritis|\bra\b", "rheumatoid arthritis"),
    (r"sj[öo]gren'?s?(?:\s+syndrome)?", "sjogren syndrome"),
    (r"(?:anca[\s-]associated\s+)?vasculitis", "vasculitis"),
    (r"autoimmune\s+pancreatitis|\baip\b", "autoimmune pancreatitis"),
    (r"(?:sclerosing\s+)?cholangitis", "cholangitis"),
    (r"malignan\w+|cancer|neoplasms?|\w*carcinomas?|tumou?rs?|lymphoma|leuka?emia|myeloma", "malignancy"),
    (r"retroperitoneal\s+fibrosis", "retroperitoneal fibrosis"),
    (r"(?:igg4[\s-]related\s+)?castleman(?:'?s)?\s+disease", "castleman disease"),
    (r"rosai[\s-]dorfman(?:\s+disease)?", "rosai-dorfman disease"),
    (r"sarcoidosis", "sarcoidosis"),
    (r"(?:(?:severe(?:ly)?\s+)?(?:impaired|insufficient)\s+(?:function\s+of\s+)?(?:any\s+|an?\s+)?(?:major\s+)?organs?(?:\s+function)?|organ\s+(?:dysfunction|failure|impairment|insufficiency))", "organ dysfunction"),
    (r"co-?morbidit(?:y|ies)", "comorbidity"),
    (r"primary\s+immunodeficiency|immunodeficiency", "immunodeficiency"),
    (r"diabetes(?:\s+mellitus)?", "diabetes mellitus"),
    (r"(?:congestive\s+)?heart\s+failure", "heart failure"),
    (r"myocardial\s+infarction", "myocardial infarction"),
    (r"stroke|cerebrovascular\s+accident", "stroke"),
    (r"interstitial\s+lung\s+disease|\bild\b", "interstitial lung disease"),
    (r"pulmonary\s+(?:arterial\s+)?hypertension", "pulmonary hypertension"),
    (r"(?:chronic\s+)?(?:kidney|renal)\s+(?:disease|failure|insufficiency|impairment)", "kidney disease"),
    (r"(?:chronic\s+)?liver\s+(?:disease|cirrhosis|failure)|cirrhosis", "liver disease"),
    (r"(?:psychiatric|mental)\s+(?:illness|disorders?|disease)", "psychiatric disorder"),
    (r"suicid\w+(?:\s+(?:ideation|behaviou?r|risk|attempt))?", "suicidality"),
    (r"(?:anaphylactic|allergic|hypersensitivity)\s+reactions?|hypersensitivity|allerg\w+|anaphyla\w+", "hypersensitivity"),
    (r"organ\s+transplant\w*|transplantation", "organ transplantation"),
    (r"infections?", "infection"),
)
DISEASE_RE = lx.compile_alternation(DISEASES, "x")
# Every name the table matches contains one of these stems or tokens.
DISEASE_GATE = lx.Gate(
    stems=("igg4", "immunoglobulin g4", "lupus", "sle", "sclerosis", "scleroderma", "ssc", "rheumatoid", "sj",
           "vasculitis", "pancreatitis", "cholangitis", "malignan", "cancer", "neoplasm", "carcinoma", "tumo",
           "lymphoma", "leuk", "myeloma", "immunodeficiency", "diabetes", "heart failure", "myocardial", "stroke",
           "cerebrovascular", "interstitial", "pulmonary", "kidney", "renal", "liver", "cirrhosis", "psychiatric",
           "mental", "suicid", "anaphyla", "allerg", "hypersensitivity", "transplant", "infection", "fibrosis",
           "castleman", "rosai", "sarcoid", "organ", "morbidit"),
    tokens=frozenset({"ra", "aip", "ild"}),
)


def disease_name(text: str) -> str | None:
    """The lexicon's normalized name when ``text`` is, as a whole, one of its disease names.

    >>> disease_name("SLE"), disease_name("Systemic Lupus Erythematosus"), disease_name("Breast Cancer")
    ('systemic lupus erythematosus', 'systemic lupus erythematosus', None)
    """
    m = DISEASE_RE.fullmatch(text.strip())
    if m is None or m.lastgroup is None:
        return None
    return DISEASES[int(m.lastgroup[1:])][1]
