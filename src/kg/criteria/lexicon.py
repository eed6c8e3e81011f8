"""Hand-written vocabularies the criterion parser matches: analytes, scores, infections, drugs.

Each analyte names its LOINC code together with the LOINC COMPONENT that code carries, so
a test can check every code against the LOINC table in ../shared (codes were looked up
there). ``canonical`` is the UCUM unit every value of that analyte is normalised to;
``molar_mass`` (g/mol) allows mass <-> molar conversion where labs report both.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=64)
def _tokens(low: str) -> tuple[str, ...]:
    """Tokens of a lower-cased text; several gates ask for the same text in a row."""
    return tuple(_TOKEN.findall(low))


@dataclass(frozen=True)
class Gate:
    """Cheap pre-check before a large regex alternation: any stem as a substring of the
    lower-cased text, or any short abbreviation as a whole token. A gate must let through
    every text its lexicon could match (it only saves time; tests check it on examples).
    """

    stems: tuple[str, ...]
    tokens: frozenset[str] = frozenset()
    #: word starts (first six letters of a word): checked per word, not per stem, so a
    #: gate over hundreds of drug names costs one pass over the words of the text
    prefixes: frozenset[str] = frozenset()

    def open(self, low: str) -> bool:
        if any(map(low.__contains__, self.stems)):
            return True
        if not (self.tokens or self.prefixes):
            return False
        words = _tokens(low)
        if self.tokens and not self.tokens.isdisjoint(words):
            return True
        return bool(self.prefixes) and not self.prefixes.isdisjoint([w[:6] for w in words])


@dataclass(frozen=True)
class Analyte:
    """A laboratory analyte: key, regex of its spellings, LOINC code and canonical unit."""

    key: str
    pattern: str
    loinc: str | None
    loinc_component: str | None
    canonical: str | None
    molar_mass: float | None = None
    #: units whose reading for this analyte is only plausible for counts ("G/L").
    count: bool = False


ANALYTES: tuple[Analyte, ...] = (
    Analyte("igg4", r"(?:serum\s+)?igg[\s-]?4|immunoglobulin\s+g[\s-]?4|igg\s+subclass\s+4", "2469-5", "IgG subclass 4", "mg/dL"),
    Analyte("igg", r"(?:serum\s+)?igg(?![\s-]?\d)|immunoglobulin\s+g(?![\s-]?\d)", "2465-3", "IgG", "mg/dL"),
    Analyte("iga", r"iga\b|immunoglobulin\s+a\b", "2458-8", "IgA", "mg/dL"),
    Analyte("igm", r"igm\b|immunoglobulin\s+m\b", "2472-9", "IgM", "mg/dL"),
    Analyte("ige", r"ige\b|immunoglobulin\s+e\b", "19113-0", "IgE", "[IU]/mL"),
    Analyte(
        "neutrophils",
        r"absolute\s+neutrophil\s+counts?|neutrophil\s+counts?|neutrophils|neutropenia|anc\b",
        "751-8", "Neutrophils", "10*9/L", count=True,
    ),
    Analyte("lymphocytes", r"(?:absolute\s+)?lymphocyte\s+counts?|lymphocytes|alc\b", "731-0", "Lymphocytes", "10*9/L", count=True),
    Analyte(
        "leukocytes",
        r"white\s+blood\s+cells?(?:\s+counts?)?|wbc(?:\s+counts?)?|leukocytes?(?:\s+counts?)?|leucocytes?(?:\s+counts?)?",
        "6690-2", "Leukocytes", "10*9/L", count=True,
    ),
    Analyte("platelets", r"platelets?(?:\s+counts?)?|plt\b|thrombocytes?", "777-3", "Platelets", "10*9/L", count=True),
    Analyte("eosinophils", r"eosinophils?(?:\s+counts?)?", "711-2", "Eosinophils", "10*9/L", count=True),
    Analyte("cd19_b_cells", r"cd19\+?\s*(?:b[\s-]cells?|cells?|counts?)|b[\s-]cell\s+counts?", "8116-6", "Cells.CD19", "10*9/L", count=True),
    Analyte("hemoglobin", r"ha?emoglobin|hgb\b|hb\b", "718-7", "Hemoglobin", "g/dL"),
    Analyte("hba1c", r"hba1c|glycated\s+ha?emoglobin|ha?emoglobin\s+a1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total", "%"),
    Analyte("hematocrit", r"ha?ematocrit|hct\b", "4544-3", "Hematocrit", "%"),
    Analyte("alt", r"alanine\s+(?:amino)?transaminase|alanine\s+aminotransferase|alt\b|sgpt\b", "1742-6", "Alanine aminotransferase", "U/L"),
    Analyte("ast", r"aspartate\s+(?:amino)?transaminase|aspartate\s+aminotransferase|ast\b|sgot\b", "1920-8", "Aspartate aminotransferase", "U/L"),
    Analyte("alp", r"alkaline\s+phosphatase|alp\b", "6768-6", "Alkaline phosphatase", "U/L"),
    Analyte("ggt", r"gamma[\s-]?glutamyl\s*transferase|ggt\b|γ-?gt\b", "2324-2", "Gamma glutamyl transferase", "U/L"),
    Analyte("bilirubin", r"(?:total\s+)?bilirubin", "1975-2", "Bilirubin", "mg/dL", molar_mass=584.66),
    Analyte("creatinine", r"(?:serum\s+)?creatinine(?!\s+clearance)|scr\b", "2160-0", "Creatinine", "mg/dL", molar_mass=113.12),
    Analyte("creatinine_clearance", r"creatinine\s+clearance|crcl\b", "2164-2", "Creatinine renal clearance", "mL/min"),
    Analyte(
        "egfr",
        r"e?gfr\b|(?:estimated\s+)?glomerular\s+filtration\s+rate",
        "33914-3", "Glomerular filtration rate/1.73 sq M.predicted", "mL/min/{1.73_m2}",
    ),
    Analyte("albumin", r"(?:serum\s+)?albumin(?!\s*/|\s+to\s+creatinine)", "1751-7", "Albumin", "g/dL"),
    Analyte("uacr", r"(?:urine\s+)?albumin\s*(?:/|to)\s*creatinine\s+ratio|uacr\b", "9318-7", "Albumin/Creatinine", "mg/g"),
    Analyte("upcr", r"(?:urine\s+)?protein\s*(?:/|to)\s*creatinine\s+ratio|upcr\b|uprot\s*/\s*cr", "2890-2", "Protein/Creatinine", "mg/g"),
    Analyte("proteinuria", r"(?:24[\s-]?h(?:ou)?r?s?\s+(?:urine\s+|urinary\s+)?)?proteinuria|urin(?:e|ary)\s+protein", "2889-4", "Protein", "g/(24.h)"),
    Analyte("crp", r"c[\s-]reactive\s+protein|hs-?crp\b|crp\b", "1988-5", "C reactive protein", "mg/L"),
    Analyte("esr", r"erythrocyte\s+sedimentation\s+rate|esr\b", "4537-7", "Erythrocyte sedimentation rate", "mm/h"),
    Analyte("c3", r"complement\s+c3|\bc3\b", "4485-9", "Complement C3", "mg/dL"),
    Analyte("c4", r"complement\s+c4|\bc4\b", "4498-2", "Complement C4", "mg/dL"),
    Analyte("anti_dsdna", r"anti-?\s*ds-?dna(?:\s+antibod(?:y|ies))?", "5130-0", "DNA double strand Ab", None),
    Analyte("ana", r"antinuclear\s+antibod(?:y|ies)|\bana\b", "8061-4", "Nuclear Ab", None),
    Analyte("potassium", r"potassium|\bk\+", "2823-3", "Potassium", "mmol/L"),
    Analyte("sodium", r"sodium|\bna\+", "2951-2", "Sodium", "mmol/L"),
    Analyte("glucose", r"(?:fasting\s+)?(?:plasma\s+|blood\s+)?glucose", "2345-7", "Glucose", "mmol/L", molar_mass=180.16),
    Analyte("inr", r"\binr\b|international\s+normali[sz]ed\s+ratio", "6301-6", "Coagulation tissue factor induced.INR", None),
    Analyte("ldh", r"lactate\s+dehydrogenase|\bldh\b", "2532-0", "Lactate dehydrogenase", "U/L"),
    Analyte("creatine_kinase", r"creatine\s+(?:phospho)?kinase|\bcpk\b|\bck\b", "2157-6", "Creatine kinase", "U/L"),
    Analyte("uric_acid", r"uric\s+acid|urate", "3084-1", "Urate", "mg/dL", molar_mass=168.11),
    Analyte("tsh", r"thyroid[\s-]stimulating\s+hormone|\btsh\b", "3016-3", "Thyrotropin", "m[IU]/L"),
    Analyte("ferritin", r"ferritin", "2276-4", "Ferritin", "ng/mL"),
    Analyte("triglycerides", r"triglycerides?", "2571-8", "Triglyceride", "mg/dL"),
    Analyte("cholesterol", r"(?:total\s+)?cholesterol", "2093-3", "Cholesterol", "mg/dL"),
    Analyte("lipase", r"lipase", "3040-3", "Triacylglycerol lipase", "U/L"),
    Analyte("amylase", r"amylase", "1798-8", "Amylase", "U/L"),
    Analyte("troponin", r"troponin(?:\s+[it])?", None, None, "ng/mL"),
    Analyte("nt_probnp", r"nt-?pro-?bnp", "33762-6", "Natriuretic peptide.B prohormone N-Terminal", "pg/mL"),
    Analyte("hbv_dna", r"hbv[\s-]dna|hepatitis\s+b\s+(?:virus\s+)?dna", "29615-2", "Hepatitis B virus DNA", "[IU]/mL"),
    Analyte("qtc", r"qtc[fb]?\b|qt\s+interval", None, None, "ms"),
)

_ANALYTE_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(f"(?P<a{i}>{a.pattern})" for i, a in enumerate(ANALYTES)) + r")(?![\w-])",
    re.I,
)


ANALYTE_GATE = Gate(
    stems=("igg", "iga", "igm", "ige", "immunoglobulin", "neutro", "lymphocyt", "white blood", "leukocyt", "leucocyt",
           "platelet", "thrombocyt", "eosinophil", "cd19", "b-cell", "b cell", "hemoglobin", "haemoglobin", "a1c",
           "hematocrit", "haematocrit", "alanine", "aspartate", "alkaline", "glutamyl", "γ", "bilirubin", "creatinin",
           "gfr", "glomerular", "albumin", "protein", "reactive", "sedimentation", "complement", "dsdna", "ds-dna",
           "ds dna", "antinuclear", "potassium", "sodium", "glucose", "normali", "lactate", "creatine", "uric", "urate",
           "thyroid", "ferritin", "triglycerid", "cholesterol", "lipase", "amylase", "troponin", "bnp", "hbv",
           "hepatitis b", "sgpt", "sgot", "crcl", "uacr", "upcr", "uprot", "cpk", "k+", "na+"),
    tokens=frozenset({"anc", "alc", "wbc", "plt", "hb", "hgb", "hct", "alt", "ast", "alp", "ggt", "scr", "crp", "esr",
                      "c3", "c4", "ana", "inr", "ldh", "ck", "tsh", "qtc", "qtcf", "qtcb", "qt", "hscrp"}),
)


def find_analytes(text: str) -> list[tuple[Analyte, int, int]]:
    """Every analyte mention in ``text`` with its span (left to right)."""
    out: list[tuple[Analyte, int, int]] = []
    if not ANALYTE_GATE.open(text.lower()):
        return out
    for m in _ANALYTE_RE.finditer(text):
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        out.append((ANALYTES[idx], m.start(), m.end()))
    return out


@dataclass(frozen=True)
class Instrument:
    """A clinical score or instrument."""

    key: str
    pattern: str


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("igg4-rd-ri", r"igg4[\s-]*(?:rd|related\s+disease)\s+(?:responder\s+index|ri)\b|igg4[\s-]?rd\s*ri\b|\bri\s+score"),
    Instrument("sledai-2k", r"(?:safelee?-?)?sledai[\s-]*2\s*k|sledai\s*2000"),
    Instrument("sledai", r"(?:safelee?-?)?sledai(?![\s-]*2)"),
    Instrument("sri-4", r"sri[\s-]?4"),
    Instrument("bilag", r"bilag(?:[\s-]2004)?"),
    Instrument("mrss", r"(?:modified\s+)?rodnan\s+(?:total\s+)?skin\s+(?:thickness\s+)?score|m?rss\b"),
    Instrument("ecog", r"ecog(?:\s+performance\s+status)?(?:\s+\(?ps\)?)?|eastern\s+cooperative\s+oncology\s+group(?:\s+\(ecog\))?(?:\s+performance\s+status)?"),
    Instrument("performance-status", r"(?:who\s+|zubrod\s+)?performance\s+status|\bps\b|zubrod(?:\s+score)?|who(?=\s+\d\s*(?:-|–|to)\s*\d)"),
    Instrument("karnofsky", r"karnofsky(?:\s+performance\s+(?:status|score))?|\bkps\b"),
    Instrument("bmi", r"body\s+mass\s+index(?:\s+\(bmi\))?|\bbmi\b"),
    Instrument("das28", r"das[\s-]?28(?:[\s-](?:crp|esr))?|disease\s+activity\s+score"),
    Instrument("cdai", r"\bcdai\b|clinical\s+disease\s+activity\s+index"),
    Instrument("haq-di", r"haq[\s-]?di|health\s+assessment\s+questionnaire"),
    Instrument("essdai", r"essdai"),
    Instrument("bvas", r"bvas(?:/wg)?|birmingham\s+vasculitis\s+activity\s+score"),
    Instrument("pga", r"physician'?s?\s+global\s+assessment|\bpga\b"),
    Instrument("edss", r"\bedss\b|expanded\s+disability\s+status\s+scale"),
    Instrument("mmse", r"\bmmse\b|mini[\s-]mental\s+state"),
    Instrument("nyha", r"\bnyha\b(?:\s+class(?:ification)?)?|new\s+york\s+heart\s+association(?:\s+class)?"),
    Instrument("child-pugh", r"child[\s-]pugh(?:\s+(?:score|class))?"),
    Instrument("fvc", r"forced\s+vital\s+capacity|\bfvc\b(?:\s*%\s*predicted)?"),
    Instrument("dlco", r"\bdlco\b|diffusing\s+capacity"),
    Instrument("lvef", r"left\s+ventricular\s+ejection\s+fraction|\blvef\b"),
    Instrument("gleason", r"gleason(?:\s+(?:score|grade|sum))?"),
    Instrument("iief", r"(?:international\s+index\s+of\s+erectile\s+function|\bi[ie]ef)(?:[\s-]*(?:5|ef|erectile\s+function))?"
                       r"(?:\s+(?:domain\s+)?score)?"),
    Instrument("isi", r"insomnia\s+severity\s+index|\bisi\b"),
    Instrument("sdmt", r"symbol\s+digit\s+modalities\s+test|\bsdmt\b(?:\s+z-?score)?"),
    Instrument("moca", r"montreal\s+cognitive\s+assessment|\bmoca\b"),
    Instrument("phq-9", r"patient\s+health\s+questionnaire(?:[\s-]*9)?|\bphq[\s-]*9\b"),
)

_INSTRUMENT_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(f"(?P<s{i}>{s.pattern})" for i, s in enumerate(INSTRUMENTS)) + r")(?![\w])",
    re.I,
)


INSTRUMENT_GATE = Gate(
    stems=("igg4", "responder", "ri score", "zubrod", "who ", "sledai", "sri", "bilag", "rodnan", "rss", "ecog", "eastern cooperative",
           "karnofsky", "kps", "performance status", "ps", "body mass", "bmi", "das", "cdai", "clinical disease activity", "haq",
           "health assessment", "essdai", "bvas", "birmingham", "global assessment", "pga", "edss",
           "expanded disability", "mmse", "mini", "nyha", "new york heart", "child", "vital capacity", "fvc", "dlco",
           "diffusing", "ejection", "lvef", "gleason", "iief", "ieef", "erectile function", "insomnia", "isi",
           "symbol digit", "sdmt", "montreal", "moca", "health questionnaire", "phq"),
)


def find_instruments(text: str) -> list[tuple[Instrument, int, int]]:
    """Every instrument mention in ``text`` with its span."""
    out: list[tuple[Instrument, int, int]] = []
    if not INSTRUMENT_GATE.open(text.lower()):
        return out
    for m in _INSTRUMENT_RE.finditer(text):
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        out.append((INSTRUMENTS[idx], m.start(), m.end()))
    return out


#: Infection markers: (pattern, pathogen, marker or None).
INFECTIONS: tuple[tuple[str, str, str | None], ...] = (
    (r"hbsag|hepatitis\s+b\s+surface\s+antigen", "hbv", "hbsag"),
    (r"hbcab|anti-?hbc|hbc\s*ab|hepatitis\s+b\s+core\s+antibod(?:y|ies)", "hbv", "hbcab"),
    (r"hbv[\s-]dna|hepatitis\s+b\s+(?:virus\s+)?dna", "hbv", "hbv-dna"),
    (r"hcv[\s-]rna|hepatitis\s+c\s+(?:virus\s+)?rna", "hcv", "hcv-rna"),
    (r"(?:hepatitis\s+c|hcv)\s+(?:virus\s+)?antibod(?:y|ies)|anti-?hcv|hcv[\s-]?ab", "hcv", "hcv-ab"),
    (r"hepatitis\s+b|\bhbv\b", "hbv", None),
    (r"hepatitis\s+c|\bhcv\b|(?<=hepatitis\sb\sor\s)c|(?<=hepatitis\sb\sand\s)c|(?<=hepatitis\sb,\s)c", "hcv", None),
    (r"hepatitis\s+a|\bhav\b", "hav", None),
    (r"\bhiv\b(?:[\s-]?[12])?|human\s+immunodeficiency\s+virus|aids\b", "hiv", None),
    (r"quantiferon(?:[\s-]tb(?:\s+gold)?)?|interferon[\s-]gamma\s+release\s+assay|\bigra\b|t-?spot(?:\.tb)?|(?:tb[\s-]?)?elispot", "tuberculosis", "igra"),
    (r"\bppd\b|tuberculin\s+skin\s+test|purified\s+protein\s+derivative|mantoux", "tuberculosis", "ppd"),
    (r"(?:latent\s+|active\s+)?tuberculosis|\btb\b|mycobacterium\s+tuberculosis", "tuberculosis", None),
    (r"herpes\s+zoster|shingles|varicella[\s-]zoster(?:\s+virus)?|\bvzv\b", "herpes-zoster", None),
    (r"herpes\s+simplex(?:\s+virus)?|\bhsv(?:[\s-]?[12])?", "hsv", None),
    (r"(?:atypical|non-?tuberculous)\s+mycobacteri(?:a|um|al\s+infections?)|\bntm\b", "ntm", None),
    (r"cytomegalovirus|\bcmv\b", "cmv", None),
    (r"covid-?19|sars-?cov-?2", "sars-cov-2", None),
    (r"syphilis", "syphilis", None),
    (r"pneumocystis", "pneumocystis", None),
    (r"mycobacterium\s+avium(?:[\s-]intracellulare)?(?:\s+complex)?|\bmac\b|\bmai\b", "mycobacterium-avium", None),
    (r"histoplasm\w*", "histoplasmosis", None),
    (r"candid(?:iasis|emia|a)\b|candidosis|thrush", "candidiasis", None),
    (r"(?:lyme\s+disease|borreli\w+)", "lyme-disease", None),
    (r"neisseria(?:\s+(?:meningitidis|gonorrhoeae))?", "neisseria", None),
)
_INFECTION_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(f"(?P<i{i}>{p})" for i, (p, _, _) in enumerate(INFECTIONS)) + r")(?![\w])",
    re.I,
)


INFECTION_GATE = Gate(
    stems=("hbs", "hbc", "hbv", "hcv", "hepatitis", "hiv", "immunodeficiency virus", "quantiferon", "interferon",
           "igra", "t-spot", "tspot", "ppd", "tuberculin", "purified protein", "mantoux", "tubercul", "herpes", "zoster",
           "shingles", "varicella", "vzv", "simplex", "hsv", "mycobacteri", "ntm", "elispot", "cytomegalo", "cmv", "covid", "sars", "syphilis", "pneumocystis",
           "avium", "histoplasm", "candid", "thrush", "lyme", "borreli", "neisseria"),
    tokens=frozenset({"tb", "aids", "hav", "mac", "mai", "c"}),
)


def find_infections(text: str) -> list[tuple[str, str | None, int, int]]:
    """(pathogen, marker, start, end) of every infection or serology mention."""
    out: list[tuple[str, str | None, int, int]] = []
    if not INFECTION_GATE.open(text.lower()):
        return out
    for m in _INFECTION_RE.finditer(text):
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        _, pathogen, marker = INFECTIONS[idx]
        out.append((pathogen, marker, m.start(), m.end()))
    return out


#: Drug classes (lower-case regex -> normalised class name).
DRUG_CLASSES: tuple[tuple[str, str], ...] = (
    (r"b[\s-]cell[\s-](?:depleting|targeted|targeting)\s+(?:therapy|therapies|agents?|drugs?)", "b cell-depleting therapy"),
    (r"(?:non-?biologic(?:al)?\s+|conventional\s+(?:synthetic\s+)?|cs)?dmards?|disease[\s-]modifying\s+anti-?rheumatic\s+drugs?", "dmard"),
    (r"biologics?(?:\s+(?:therapy|therapies|agents?|drugs?|treatments?))?|biological\s+(?:therapy|therapies|agents?|drugs?|treatments?)", "biologic"),
    (r"immunosuppress(?:ive|ant)s?(?:\s+(?:agents?|drugs?|therapy|therapies|medications?))?", "immunosuppressant"),
    (r"glucocorticoids?|corticosteroids?|steroids?|\bgcs?\b", "glucocorticoid"),
    (r"anti-?malarials?", "antimalarial"),
    (r"(?:anti-?)?tnf(?:[\s-]?(?:alpha|α))?\s+(?:inhibitors?|blockers?|antagonists?|agents?)|anti-?tnf", "tnf inhibitor"),
    (r"jak\s+inhibitors?|janus\s+kinase\s+inhibitors?", "jak inhibitor"),
    (r"investigational\s+(?:drugs?|agents?|products?|medicinal\s+products?|therapy|treatments?)", "investigational product"),
    (r"live(?:\s+attenuated)?(?:\s+virus)?\s+vaccines?|live\s+vaccination", "live vaccine"),
    (r"(?:parenteral\s+|intravenous\s+|iv\s+)?antibiotics?", "antibiotic"),
    (r"monoclonal\s+antibod(?:y|ies)", "monoclonal antibody"),
    (r"intravenous\s+immunoglobulins?|\bivig\b", "ivig"),
    (r"anticoagulants?|anticoagulation|blood\s+thinners?", "anticoagulant"),
    (r"(?:anti-?)?cancer\s+(?:drugs?|medications?|agents?|therap(?:y|ies)|treatments?)|anti-?neoplastic(?:\s+(?:drugs?|agents?|therap(?:y|ies)))?s?|"
     r"oncologic(?:al)?\s+(?:treatments?|therap(?:y|ies)|drugs?)", "antineoplastic"),
    (r"(?:hiv|anti-?retroviral|anti-?hiv)\s+(?:drugs?|medications?|therap(?:y|ies)|treatments?|agents?)|anti-?retrovirals?|\bhaart\b|\bcart\b",
     "antiretroviral"),
    (r"androgen[\s-]deprivation(?:\s+therap(?:y|ies))?|\badt\b", "androgen deprivation therapy"),
    (r"insulin(?![\s-]*(?:-?like|resistance|receptor|sensitivity|secretion|levels?|antibod\w*|autoantibod\w*|-))"
     r"(?:\s+(?:therapy|treatment|injections?|pump))?", "insulin"),
    (r"nsaids?|non-?steroidal\s+anti-?inflammatory\s+drugs?", "nsaid"),
    (r"chemotherapy|cytotoxic\s+(?:agents?|drugs?|therapy)", "chemotherapy"),
    (r"immunotherapy", "immunotherapy"),
    (r"plasma(?:pheresis|\s+exchange)", "plasmapheresis"),
    (r"radiotherapy|radiation(?:\s+therapy)?|irradiation", "radiotherapy"),
    (r"(?:major\s+)?(?:surgery|surgeries|surgical\s+(?:procedures?|interventions?|resections?|treatment))", "surgery"),
    (r"(?:hormonal|endocrine)\s+therap(?:y|ies)|hormone\s+therapy", "endocrine therapy"),
    (r"interferons?(?:[\s-](?:alpha|alfa|beta|gamma|α|β)(?:[\s-]?\d\w*)?)?|\bifn(?:[\s-]?(?:alpha|alfa|beta|gamma|α|β))?", "interferon"),
    (r"anthracyclines?", "anthracycline"),
    (r"estrogens?|oestrogens?|hormone\s+replacement\s+therap(?:y|ies)|\bhrt\b", "estrogen"),
    (r"(?:antitumou?r\s+|anti-?cancer\s+|cancer\s+|therapeutic\s+)?vaccines?|vaccinations?", "vaccine"),
    (r"hepatotoxic\s+(?:drugs?|agents?|medications?)", "hepatotoxic drug"),
    (r"nephrotoxic\s+(?:drugs?|agents?|medications?)", "nephrotoxic drug"),
    (r"myelosuppressive\s+(?:drugs?|agents?|medications?|therap(?:y|ies))", "myelosuppressive therapy"),
    (r"(?:hematopoietic\s+)?(?<!like\s)(?<!like-)growth\s+factors?(?!\s*(?:receptor|-?\d))|colony[\s-]stimulating\s+factors?|\bg-?csf\b|\bgm-?csf\b", "growth factor"),
)

#: Single drugs (regex -> normalised name).
DRUGS: tuple[tuple[str, str], ...] = (
    (r"rituximab", "rituximab"), (r"ocrelizumab", "ocrelizumab"), (r"ofatumumab", "ofatumumab"),
    (r"obinutuzumab", "obinutuzumab"), (r"inebilizumab", "inebilizumab"), (r"obexelimab", "obexelimab"),
    (r"belimumab", "belimumab"), (r"abatacept", "abatacept"), (r"tocilizumab", "tocilizumab"),
    (r"anifrolumab", "anifrolumab"), (r"atacicept", "atacicept"), (r"telitacicept", "telitacicept"),
    (r"infliximab", "infliximab"), (r"adalimumab", "adalimumab"), (r"etanercept", "etanercept"),
    (r"certolizumab(?:\s+pegol)?", "certolizumab"), (r"golimumab", "golimumab"),
    (r"anakinra", "anakinra"), (r"secukinumab", "secukinumab"), (r"ustekinumab", "ustekinumab"),
    (r"tofacitinib", "tofacitinib"), (r"baricitinib", "baricitinib"), (r"upadacitinib", "upadacitinib"),
    (r"eculizumab", "eculizumab"), (r"daratumumab", "daratumumab"), (r"bortezomib", "bortezomib"),
    (r"cyclophosphamide|\bcyc\b", "cyclophosphamide"),
    (r"mycophenolate\s+mofetil|mycophenol(?:ate|ic\s+acid)|\bmmf\b", "mycophenolate mofetil"),
    (r"azathioprine|\baza\b", "azathioprine"), (r"methotrexate|\bmtx\b", "methotrexate"),
    (r"leflunomide", "leflunomide"), (r"tacrolimus", "tacrolimus"),
    (r"cyclosporine?|ciclosporin", "cyclosporine"), (r"sirolimus", "sirolimus"),
    (r"hydroxychloroquine|\bhcq\b", "hydroxychloroquine"), (r"chloroquine", "chloroquine"),
    (r"sulfasalazine", "sulfasalazine"), (r"iguratimod", "iguratimod"), (r"thalidomide", "thalidomide"),
    (r"prednisone", "prednisone"), (r"prednisolone", "prednisolone"),
    (r"methylprednisolone", "methylprednisolone"), (r"dexamethasone", "dexamethasone"),
    (r"hydrocortisone", "hydrocortisone"), (r"warfarin", "warfarin"),
    (r"trimethoprim", "trimethoprim"), (r"sulfamethoxazole", "sulfamethoxazole"),
)


def compile_alternation(pairs: tuple[tuple[str, str], ...], prefix: str) -> re.Pattern[str]:
    """One case-insensitive regex of named alternatives (group ``<prefix><i>``), whole words only."""
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(f"(?P<{prefix}{i}>{p})" for i, (p, _) in enumerate(pairs)) + r")(?![\w])",
        re.I,
    )


_CLASS_RE = compile_alternation(DRUG_CLASSES, "c")
_DRUG_RE = compile_alternation(DRUGS, "d")


DRUG_GATE = Gate(
    stems=("b-cell", "b cell", "dmard", "disease-modifying", "disease modifying", "biologic", "immunosuppress",
           "glucocorticoid", "corticosteroid", "steroid", "malarial", "tnf", "jak", "janus", "investigational",
           "vaccin", "antibiotic", "monoclonal", "immunoglobulin", "ivig", "anticoagula", "nsaid", "anti-inflammatory",
           "chemotherapy", "cytotoxic", "immunotherapy", "plasma", "mycophenol", "ciclosporin", "cyclosporin",
           "radiotherapy", "radiation", "irradiation", "hormon", "endocrine therap", "surg", "interferon", "ifn",
           "anthracycl", "estrogen", "oestrogen", "hrt", "hepatotox", "nephrotox", "myelosuppress", "growth factor",
           "colony", "csf", "thinner", "cancer", "neoplastic", "oncolog", "retroviral", "haart", "cart", "androgen", "adt",
           "insulin"),
    prefixes=frozenset(name.split()[0][:6] for _, name in DRUGS),
    tokens=frozenset({"gc", "gcs", "cyc", "mmf", "aza", "mtx", "hcq"}),
)


_DRUG_TABLE = Path(__file__).resolve().parents[1] / "data" / "drugs" / "drugs.tsv"
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
#: Table names that are also everyday or clinical words and would match as drugs in prose.
_NOT_DRUG_NAMES = frozenset({"iron", "oxygen", "insulin", "water", "saline", "contrast", "alcohol", "placebo",
                             "calcium", "vitamin", "zinc", "magnesium", "potassium", "sodium", "gold", "lithium"})


@lru_cache(maxsize=1)
def _drug_gazetteer() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First word -> [(all words, drug label)] over kg's drug table (labels, synonyms, brands).

    Abbreviations shorter than 4 characters are left out: in criteria prose they are
    too often something else ("CTX" is also "chemotherapy"). Read once, lazily.
    """
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    if not _DRUG_TABLE.exists():
        return index
    with _DRUG_TABLE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            label = (row.get("label") or "").strip().lower()
            names = [label] + [n for col in ("synonyms", "brands") for n in (row.get(col) or "").split(";")]
            for n in names:
                words = tuple(w.lower() for w in _WORD.findall(n))
                if not words or len("".join(words)) < 4 or " ".join(words) in _NOT_DRUG_NAMES:
                    continue
                entries = index.setdefault(words[0], [])
                if (words, label) not in entries:
                    entries.append((words, label))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


@lru_cache(maxsize=1)
def table_drug_labels() -> frozenset[str]:
    """Every drug label in kg's drug table (lower case)."""
    return frozenset(label for entries in _drug_gazetteer().values() for _, label in entries)


def find_table_drugs(text: str) -> list[tuple[str, bool, int, int]]:
    """(drug label, False, start, end) of every name from kg's drug table found in ``text``.

    >>> text = "prior Rituxan or belimumab"
    >>> [(n, text[s:e]) for n, _, s, e in find_table_drugs(text)]
    [('rituximab', 'Rituxan'), ('belimumab', 'belimumab')]
    """
    index = _drug_gazetteer()
    if index.keys().isdisjoint(_WORD.findall(text.lower())):
        return []  # no word of the text starts a drug name (the common case)
    toks = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    out: list[tuple[str, bool, int, int]] = []
    i = 0
    while i < len(toks):
        hit = None
        for words, label in index.get(toks[i][0], ()):
            n = len(words)
            if i + n <= len(toks) and all(toks[i + k][0] == words[k] for k in range(1, n)):
                hit = (label, False, toks[i][1], toks[i + n - 1][2])
                i += n
                break
        if hit:
            out.append(hit)
        else:
            i += 1
    return out


def find_drugs(text: str) -> list[tuple[str, bool, int, int]]:
    """(normalised name, is_class, start, end) of drug and drug-class mentions, in order."""
    table = find_table_drugs(text)
    out: list[tuple[str, bool, int, int]] = []
    if not DRUG_GATE.open(text.lower()):
        return table
    for m in _CLASS_RE.finditer(text):
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        name = DRUG_CLASSES[idx][1]
        phrase = m.group(0).lower()
        if name == "dmard" and "non" in phrase and "biolog" in phrase:
            name = "non-biologic dmard"
        out.append((name, True, m.start(), m.end()))
    for m in _DRUG_RE.finditer(text):
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        out.append((DRUGS[idx][1], False, m.start(), m.end()))
    out.extend(table)  # after the hand-written names, so those win a tie on the same span
    out.sort(key=lambda t: t[2])
    # drop mentions nested in a longer one ("methylprednisolone" contains "prednisolone")
    kept: list[tuple[str, bool, int, int]] = []
    for d in out:
        if kept and d[2] < kept[-1][3]:
            if d[3] - d[2] > kept[-1][3] - kept[-1][2]:
                kept[-1] = d
            continue
        kept.append(d)
    return kept


#: Reference points of time windows (regex -> normalised key).
REFERENCES: tuple[tuple[str, str], ...] = (
    (r"screening(?:\s+visit)?", "screening"),
    (r"day\s*0", "day0"),
    (r"day\s*1", "day1"),
    (r"baseline(?:\s+visit)?", "baseline"),
    (r"(?:signing\s+(?:the\s+)?|signature\s+of\s+(?:the\s+)?)?(?:informed\s+)?consent", "consent"),
    (r"(?:the\s+)?first\s+(?:dose|administration|infusion)(?:\s+of\s+(?:the\s+)?(?:study|investigational)\s+(?:drug|treatment|medication|product|intervention))?", "first_dose"),
    (r"randomi[sz]ation", "randomization"),
    (r"(?:the\s+)?(?:last|final)\s+(?:study\s+|trial\s+)?visit|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:study|trial)|(?:study|trial)\s+(?:end|completion)", "study_end"),
    (r"enrol(?:l)?ment|inclusion|study\s+entry|entering\s+the\s+study", "enrollment"),
    (r"(?:the\s+)?last\s+dose(?:\s+of\s+(?:the\s+)?study\s+(?:drug|treatment|medication))?", "last_dose"),
    (r"(?:the\s+)?(?:start|initiation)\s+of\s+(?:the\s+)?(?:study|trial)(?:\s+(?:drug|treatment|medication))?|study\s+(?:drug|treatment|medication)\s+(?:start|initiation)", "first_dose"),
)
REFERENCE_RE = compile_alternation(REFERENCES, "r")


def reference_key(text: str) -> str | None:
    """Normalised reference point named at the start of ``text``."""
    m = REFERENCE_RE.match(text)
    if not m or not m.lastgroup:
        return None
    return REFERENCES[int(m.lastgroup[1:])][1]


#: Organs named in "organ involvement" lists.
ORGANS: tuple[str, ...] = (
    "pancreas", "pancreatic", "biliary", "bile duct", "salivary", "submandibular", "parotid",
    "lacrimal", "orbit", "orbital", "kidney", "renal", "lung", "pulmonary", "retroperitoneum",
    "retroperitoneal", "aorta", "aortic", "liver", "hepatic", "skin", "joint", "thyroid",
    "lymph node", "pituitary", "meninges", "prostate", "heart", "cardiac", "central nervous system",
    "cns", "gastrointestinal",
)
ORGAN_RE = re.compile(r"(?<![\w-])(?P<o>" + "|".join(re.escape(o) for o in ORGANS) + r")(?:s)?(?:\s+(?:glands?|tree))?(?![\w])", re.I)


def organ_names(text: str) -> tuple[str, ...]:
    """Organs named in ``text``, singular and without "gland"/"tree", first mention first.

    >>> organ_names("lungs, kidneys, salivary glands, bile ducts/biliary tree")
    ('lung', 'kidney', 'salivary', 'bile duct', 'biliary')
    """
    return tuple(dict.fromkeys(m.group("o").lower() for m in ORGAN_RE.finditer(text)))
