"""Name resolution: intervention names and criterion class phrases -> catalogue IRIs.

Resolution is exact on normalised names (label, synonym, brand, regimen acronym), after
dropping doses, dosage forms, routes, blinding notes and salt words; a name that still does
not match is *unresolved*, never guessed.

>>> [str(d).rsplit("/", 1)[1] for d in resolve_intervention("Prednisone and Belimumab").drugs]
['prednisone', 'belimumab']
>>> resolve_intervention("Placebo matching Spesolimab").is_placebo
True
>>> resolve_intervention("YHD1023").unresolved
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg import vocab as v
from kg.drugs.catalogue import load
from kg.drugs.vocabulary import Substance, vocabulary


@dataclass(frozen=True)
class Resolution:
    drugs: list[URIRef]
    is_placebo: bool
    unresolved: bool
    reason: str = ""


@dataclass(frozen=True)
class ClassResolution:
    classes: list[URIRef]
    examples: list[URIRef]
    exceptions: list[URIRef]  # drug classes or drugs excluded by "other than …", "except …"
    unresolved: list[str] = field(default_factory=list)  # phrase parts that matched nothing

    def drugs_in(self, g: Graph) -> set[URIRef]:
        """Drugs of ``g`` typed with any of the classes (plus examples) minus the exceptions.

        ``g`` must hold the catalogue and the inferred types (kg.drugs.reasoning.infer).
        """
        members = {d for c in self.classes for d in g.subjects(RDF.type, c)} | set(self.examples)
        members = {d for d in members if (d, RDF.type, v.Drug) in g}
        excluded = {d for e in self.exceptions for d in g.subjects(RDF.type, e)} | set(self.exceptions)
        return members - excluded


_PLACEBO = re.compile(r"\b(placebos?|sham|vehicle|dummy)\b")
_SALTS = (
    "hydrochloride|dihydrochloride|hcl|sulfate|sulphate|phosphate|sodium phosphate|mesylate|mesilate|citrate|"
    "sodium|disodium|calcium|potassium|acetate|tartrate|ditartrate|maleate|dimaleate|tosylate|ditosylate|malate|"
    "fumarate|isethionate|trihydrate|monohydrate|succinate|sodium succinate|furoate|bromide|hydrobromide|besylate|"
    "meglumine|dipropionate|acetonide|xinafoate|tromethamine|polacrilex|"
    # misspellings registries use
    "mesylat|fumurate"
)
_SALT_RE = re.compile(rf"\s+(?:{_SALTS})(?:\s+(?:{_SALTS}))*$")
_UNIT = r"(?:milligrams?|millilitres?|milliliters?|mg|g|mcg|µg|μg|ug|ng|ml|l|iu|units?|u|%|mmol|mg/kg|mg/m2|mg/m²|mg/ml|mcg/ml|mg/day|g/day|mg/d)"
_DOSE = re.compile(rf"\b\d+(?:[.,]\d+)?(?:\s*(?:or|to|-|/)\s*\d+(?:[.,]\d+)?)*\s*{_UNIT}(?:\s*/\s*(?:kg|m2|m²|day|d|ml|dose|week))*(?![a-z])")
_NOISE_WORDS = (
    "tablets?|tab|tabs|capsules?|caps|pills?|injections?|injectable|infusion|solution|suspension|powder|"
    "oral|orally|intravenous|iv|i\\.v\\.|subcutaneous|sc|sq|intramuscular|im|intrathecal|sublingual|topical|inhaled|"
    "inhalation|intranasal|nasal|spray|ointment|cream|gel|patch|drops|eye|ophthalmic|film|coated|extended|release|"
    "pen|injector|auto-injector|prefilled|syringe|vial|formulation|blinded|unblinded|open|label|open-label|"
    "dose|doses|dosing|high|low|mid|standard|daily|once|twice|weekly|per|day|days|qd|bid|tid|qid|qhs|od|q\\d+w|"
    "group|arm|for|of|the|a|an|administration|investigational|product|drug|medication|treatment|"
    "adjuvant|neoadjuvant|therapeutic|induction|maintenance|regimen|matching|continuous|combination|"
    "epidural|caudal|transforaminal|cervical|odt|orally|disintegrating|in|questionn?aires?|"
    "therapy|alone|cocktail|escalation|escalating|higher|lower|half|maximal|maximum|various|combined|"
    "co-?administration|transdermal|system|inhaler|cycles?|ppx|prophylaxis|prophylactic|iontophoresis|one|two|"
    # release and implant forms of one substance ("… hydrochloride sustained-release", "carmustine implant")
    "sustained|delayed|modified|controlled|prolonged|immediate|sr|xr|xl|er|implants?|wafers?|depot|film-coated"
)
_NOISE = re.compile(rf"\b(?:{_NOISE_WORDS})\b")
_SPLIT = re.compile(r"\s*(?:;|\+|,|&|\band\b|\bplus\b|\bwith\b|\bor\b|\bfollowed by\b|\bthen\b|\bversus\b|\bvs\.?(?!\w)|/)\s*")


def normalize(text: str) -> str:
    """Lower-case, ASCII-folded, punctuation-light form used for every catalogue match.

    >>> normalize("Rituxan®  (Rituximab)")
    'rituxan (rituximab)'
    """
    t = unicodedata.normalize("NFKC", text).replace("®", " ").replace("™", " ").replace("\u00a0", " ")
    t = t.lower().replace("_", " ").replace("’", "'").replace("–", "-").replace("—", "-")
    t = re.sub(r"[\"“”]", "", t)
    t = re.sub(r"\s+", " ", t).strip(" .:-*")
    return t


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, ...]]:
    """normalised name -> drug slugs (one for a substance, several for a regimen acronym)."""
    cat = load()
    idx: dict[str, set[str]] = {}
    for d in cat.drugs.values():
        for name in (d.label, d.slug, *d.synonyms, *d.brands):
            idx.setdefault(normalize(name), set()).add(d.slug)
    for r in cat.regimens.values():
        idx.setdefault(normalize(r.name), set()).update(r.drugs)
    # a name shared by two substances is ambiguous: drop it rather than pick one
    order = {s: i for i, s in enumerate(cat.drugs)}
    out: dict[str, tuple[str, ...]] = {}
    for k, slugs in idx.items():
        regimen = any(normalize(r.name) == k for r in cat.regimens.values())
        if len(slugs) == 1 or regimen:
            out[k] = tuple(sorted(slugs, key=order.__getitem__))
    return out


def _lookup(name: str) -> tuple[str, ...] | None:
    idx = _index()
    for cand in (name, _SALT_RE.sub("", name)):
        cand = cand.strip(" .,-")
        if cand in idx:
            return idx[cand]
    return _vocabulary_lookup(name)


#: vocabulary substances met so far, by slug (kg.drugs.rdf describes them as drug nodes)
VOCABULARY_DRUGS: dict[str, Substance] = {}


@lru_cache(maxsize=1)
def _catalogue_by_unii() -> dict[str, str]:
    return {u: d.slug for d in load().drugs.values() for u in d.ids.get("unii", ())}


def _vocabulary_lookup(name: str) -> tuple[str, ...] | None:
    """The substance the open vocabulary gives ``name`` (the catalogue entry if it has its UNII).

    The salt-free name is tried first, so "carvedilol phosphate" is carvedilol; a name with a
    combination separator is left to the splitter (a mixture's own UNII would hide its parts).
    """
    if not re.search(r"[a-z]", name) or _SPLIT.search(name) or _NOISE.fullmatch(name.strip()):
        return None
    letters, digits = len(re.findall(r"[a-z]", name)), len(re.findall(r"\d", name))
    if letters < 5 and digits < 3:
        return None  # "DCI", "PRP", "PDE-5": short abbreviations name different things in different trials
    voc = vocabulary()
    for cand in dict.fromkeys((_SALT_RE.sub("", name).strip(" .,-"), name.strip(" .,-"))):
        sub = voc.lookup(cand) if cand else None
        if sub is None:
            continue
        # a brand or code the list gives to a salt ("Coumadin" -> warfarin sodium) is the parent substance
        parent = _SALT_RE.sub("", sub.label).strip()
        if parent != sub.label:
            if parent in _index():
                return _index()[parent]
            sub = voc.lookup(parent) or sub
        if sub.unii and sub.unii in _catalogue_by_unii():
            return (_catalogue_by_unii()[sub.unii],)
        slug = sub.slug if sub.slug not in load().drugs else f"{sub.slug}-{sub.unii.lower()}"
        VOCABULARY_DRUGS.setdefault(slug, sub)
        return (slug,)
    return None


def _squash(t: str) -> str:
    return re.sub(r"\s+", " ", t).strip(" .,-:_")


def _clean(name: str) -> str:
    """Drop doses, bare numbers, forms, routes and blinding notes (stop early on a match)."""
    t = _squash(_DOSE.sub(" ", name))
    if _lookup(t) is not None:
        return t
    t = _squash(re.sub(r"(?<![\w-])\d+(?:[.,]\d+)?(?![\w-])", " ", t))
    if _lookup(t) is not None:
        return t
    return _squash(_NOISE.sub(" ", t))


_BRACKETS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


def _resolve_part(part: str) -> tuple[list[str], bool, list[str]]:
    """(slugs, is_placebo, unknown parts) for one piece of an intervention name.

    Brackets hold synonyms, brands, codes or notes: the name outside them decides, and a
    bracket naming a *different* drug makes the piece contradictory (unresolved). When the
    outside is only a sponsor code or noise, a bracket that names one drug decides.
    """
    if _PLACEBO.search(part):
        return [], True, []
    hit = _lookup(part) or _lookup(_clean(part))
    if hit is None:
        outside = _clean(_BRACKETS.sub(" ", part))
        main = _lookup(outside) if outside else None
        inside = {
            found
            for inner in _BRACKETS.findall(part)
            for piece in re.split(r"[,;+]", inner)
            if (found := _lookup(_clean(normalize(piece))))
        }
        if main is not None:
            if any(set(found) - set(main) for found in inside):
                return [], False, [part]
            hit = main
        elif len(inside) == 1 and _is_code_or_noise(outside):
            hit = next(iter(inside))
    if hit is None:
        return [], False, [part]
    return list(hit), False, []


def _is_code_or_noise(text: str) -> bool:
    """True for sponsor codes such as 'da-8159' or empty remainders (never a drug name)."""
    return not text or bool(re.fullmatch(r"[a-z]{0,6}[-\s]?\d[\w,-]*", text))


def _top_level_split(name: str) -> list[str]:
    """Split on combination separators that are not inside brackets."""
    parts: list[str] = []
    buf, depth, i = "", 0, 0
    while i < len(name):
        ch = name[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (m := _SPLIT.match(name, i)) and m.group(0).strip():
            parts.append(buf)
            buf, i = "", m.end()
            continue
        buf += ch
        i += 1
    parts.append(buf)
    return [p.strip() for p in parts if p.strip()]


def resolve_intervention(name: str) -> Resolution:
    """Catalogue drugs named by an intervention (one, several, a placebo, or unresolved)."""
    norm = normalize(name.replace("，", ",").replace("；", ";"))
    if not norm:
        return Resolution([], False, True, "empty name")
    whole = _lookup(norm) or _lookup(_clean(norm))
    if whole is None and (rep := re.fullmatch(r"(.+?)\s+\1", norm)):
        whole = _lookup(rep.group(1))  # a name typed twice ("amiodarone amiodarone")
    if whole is not None:
        return Resolution([v.drug_iri(s) for s in whole], False, False, "exact name")
    # the whole name with its brackets read as notes, before commas inside it split it up
    # ("Live, attenuated … vaccine (LJEV)")
    if _lookup(_clean(_BRACKETS.sub(" ", norm))) is not None:
        s_whole, p_whole, u_whole = _resolve_part(norm)
        if s_whole and not p_whole and not u_whole:
            return Resolution([v.drug_iri(s) for s in s_whole], False, False, "name")
    slugs: list[str] = []
    placebo = False
    unknown: list[str] = []
    for part in _top_level_split(_squash(_DOSE.sub(" ", norm))) or [norm]:
        if not _PLACEBO.search(part) and not _clean(re.sub(r"\([^()]*\)", " ", part)) and not re.search(r"\(", part):
            continue  # pure dose/form/route words, e.g. "injection"
        s, p, u = _resolve_part(part)
        slugs += [x for x in s if x not in slugs]
        placebo = placebo or p
        unknown += u
    if not slugs and not placebo:
        return Resolution([], False, True, f"no catalogue name matches {norm!r}")
    reason = "placebo" if placebo and not slugs else "combination" if len(slugs) > 1 else "name"
    if unknown:
        reason = f"unknown part(s): {', '.join(unknown)}"
    return Resolution([v.drug_iri(s) for s in slugs], placebo, bool(unknown), reason)


# --- class phrases ---------------------------------------------------------------------------
# (pattern, classes); earlier patterns win and consume their text so "non-biologic" is not
# also read as "biologic".
_CLASS_PATTERNS: list[tuple[str, tuple[str, ...]]] = [
    (r"non-?\s?biologic(?:al)?\s+(?:disease[- ]modifying[\w\s-]*drugs?|dmards?)", ("ConventionalSyntheticDMARD", "TargetedSyntheticDMARD")),
    (r"(?:conventional|traditional)(?: synthetic)? (?:dmards?|disease[- ]modifying[\w\s-]*drugs?)|csdmards?", ("ConventionalSyntheticDMARD",)),
    (r"biologic(?:al)? dmards?|bdmards?", ("BiologicDMARD",)),
    (r"b[\s-]?cell[\s-]?deplet\w*", ("BCellDepletingTherapy",)),
    (r"b[\s-]?(?:cell|lymphocyte)[\s-]?(?:targeted|targeting|directed)\w*", ("BCellTargetedTherapy",)),
    (r"anti-?\s?cd20\w*", ("AntiCD20Therapy",)),
    (r"anti-?\s?cd19\w*", ("AntiCD19Therapy",)),
    (r"(?:anti-?\s?)?(?:blys|baff)(?:[\s/-]*(?:blys|baff))?(?: inhibitors?| antagonists?| blockers?| targeted)?", ("BLySInhibitor",)),
    (r"biologics?(?:al)?(?: (?:therapy|therapies|agents?|drugs?|treatments?|medications?|products?))?|biological (?:therapy|therapies|agents?|drugs?|treatments?)", ("Biologic",)),
    (r"monoclonal antibod\w*", ("MonoclonalAntibody",)),
    (r"immunosuppress\w*(?: (?:agents?|drugs?|therapy|therapies|medications?|treatments?))?", ("Immunosuppressant",)),
    (r"(?:systemic |oral |intravenous )?(?:gluco)?corticoids?|(?:gluco)?corticosteroids?|\bsteroids?\b|\bgcs?\b", ("Glucocorticoid",)),
    (r"dmards?|disease[- ]modifying anti-?rheumatic drugs?", ("DMARD",)),
    (r"anti-?\s?malarials?", ("Antimalarial",)),
    (r"calcineurin inhibitors?|cnis?\b", ("CalcineurinInhibitor",)),
    (r"jak(?:us kinase)? inhibitors?|jakinibs?", ("JAKInhibitor",)),
    (r"anti-?\s?tnf\w*|tnf(?:-?α|-?alpha)?[\s-](?:inhibitors?|blockers?|antagonists?)", ("TNFInhibitor",)),
    (r"(?:anti-?\s?)?il-?6(?:r| receptor)?(?: inhibitors?| antagonists?| blockers?)", ("IL6Inhibitor",)),
    (r"(?:type i )?interferon(?: receptor)? (?:antagonists?|inhibitors?|blockers?)|anti-?\s?ifnar\w*", ("TypeIInterferonReceptorAntagonist",)),
    (r"(?:t[\s-]cell )?co-?stimulation (?:modulators?|blockers?|inhibitors?)", ("TCellCostimulationModulator",)),
    (r"alkylating (?:agents?|drugs?)", ("AlkylatingAgent",)),
    (r"anti-?\s?metabolites?", ("Antimetabolite",)),
    (r"(?:immune )?checkpoint inhibitors?", ("ImmuneCheckpointInhibitor",)),
    (r"(?:anti-?\s?)?pd-?l1(?: inhibitors?| antibod\w*| blockers?)", ("PDL1Inhibitor",)),
    (r"(?:anti-?\s?)?pd-?1(?: inhibitors?| antibod\w*| blockers?)", ("PD1Inhibitor",)),
    (r"egfr[\s-](?:tkis?|tyrosine kinase inhibitors?)", ("EGFRTyrosineKinaseInhibitor",)),
    (r"tyrosine kinase inhibitors?|kinase inhibitors?|\btkis?\b", ("KinaseInhibitor",)),
    (r"cytotoxic (?:agents?|drugs?|chemotherapy)|chemotherap\w*", ("CytotoxicChemotherapy",)),
    (r"phosphodiesterase(?: type)? 5 inhibitors?|pde-?5i?s?(?: inhibitors?)?", ("PDE5Inhibitor",)),
]
_EXCEPT = re.compile(r"\b(?:other than|except(?: for)?|excluding|apart from|with the exception of|but not|not including)\b([^);]*)")
_EXAMPLES = re.compile(r"\(\s*(?:e\.?\s?g\.?|for example|such as|including|i\.?\s?e\.?)[,:]?\s*([^)]*)\)|\b(?:such as|e\.g\.,?|including)\s+([^;()]*)")


def _classes_in(text: str) -> tuple[list[URIRef], str]:
    found: list[URIRef] = []
    for pattern, names in _CLASS_PATTERNS:
        rx = re.compile(rf"(?<![\w-]){pattern}(?![\w])")
        if rx.search(text):
            for n in names:
                if v.drug_class_iri(n) not in found:
                    found.append(v.drug_class_iri(n))
            text = rx.sub(" ", text)
    return found, text


def _drugs_in_list(text: str) -> tuple[list[URIRef], list[str]]:
    drugs: list[URIRef] = []
    unknown: list[str] = []
    for part in re.split(r"\s*(?:,|;|/|\band\b|\bor\b|\betc\.?)\s*", text):
        part = part.strip(" .")
        if not part:
            continue
        r = resolve_intervention(part)
        drugs += [d for d in r.drugs if d not in drugs]
        if r.unresolved:
            unknown.append(part)
    return drugs, unknown


def resolve_class_phrase(phrase: str) -> ClassResolution:
    """Drug classes, named examples and exceptions of a criterion phrase.

    >>> r = resolve_class_phrase("immunosuppressive agent other than GCs")
    >>> [str(c).rsplit("#", 1)[1] for c in r.classes], [str(c).rsplit("#", 1)[1] for c in r.exceptions]
    (['Immunosuppressant'], ['Glucocorticoid'])
    """
    text = normalize(phrase)
    exceptions: list[URIRef] = []
    unresolved: list[str] = []
    examples: list[URIRef] = []
    for m in _EXAMPLES.finditer(text):
        ds, unk = _drugs_in_list(m.group(1) or m.group(2) or "")
        examples += [d for d in ds if d not in examples]
        unresolved += unk
    text = _EXAMPLES.sub(" ", text)
    for m in _EXCEPT.finditer(text):
        span = m.group(1)
        cls, rest = _classes_in(span)
        ds, unk = _drugs_in_list(rest) if rest.strip(" ,.") else ([], [])
        exceptions += [x for x in cls + ds if x not in exceptions]
        unresolved += unk
    text = _EXCEPT.sub(" ", text)
    classes, rest = _classes_in(text)
    if not classes:
        # a phrase may name drugs directly ("rituximab or cyclophosphamide")
        ds, _ = _drugs_in_list(rest)
        examples += [d for d in ds if d not in examples]
    return ClassResolution(classes, examples, exceptions, unresolved)
