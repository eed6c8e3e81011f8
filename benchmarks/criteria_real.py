"""Meaning-level precision/recall of kg's criteria parser against the hand-judged real-record gold.

Gold: ``benchmarks/gold/criteria_real/<NCTID>.json`` (rules in ``GUIDE.md`` next to it; sample
and dev/test split in ``split.json``, fixed before annotation). Each record's eligibility text
is read verbatim, as kg's JSON and XML readers take it, split by ``kg.criteria.split.split_criteria``
and each criterion parsed with ``kg.criteria.parse.parse_criterion`` (text, heading polarity and the
scope a legacy sub-heading sets, ``heading_scope``), exactly the calls ``kg build`` makes for
criteria (``add_constraints`` → ``parse_criterion``), and
every typed constraint mapped to the guide's fields (:func:`predicted`). Predicted constraints
are pooled per gold criterion by character overlap of the criterion spans (so a changed
splitter still aligns), then matched one-to-one to the gold constraints of that criterion
(:func:`match`): a true positive needs every field the guide lists for its type to agree; there
is no partial credit. A lenient figure (type, polarity and concept only) is printed next to it.

    .venv/bin/python benchmarks/criteria_real.py [--half dev|test] [--worst 10]

``--half test`` is for reporting only: never tune the parser on it.
Results go to ``benchmarks/results/criteria_real.json`` (one entry per half).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks" / "gold" / "criteria_real"
SHARED = ROOT / ".." / "shared" / "data" / "ctgov"
OUT = ROOT / "benchmarks" / "results" / "criteria_real.json"
LONG = 300

ROLES = ("prior-ever", "prior-within-window", "at-least-since", "current", "stable-dose", "allowed",
         "required-background", "allergy")

# Synonyms a careful reader accepts for the same concept (normalised labels, both directions).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("alt", "alanine aminotransferase", "sgpt", "alanine transaminase"),
    ("ast", "aspartate aminotransferase", "sgot", "aspartate transaminase"),
    ("alp", "alkaline phosphatase"),
    ("egfr", "glomerular filtration rate", "gfr", "estimated glomerular filtration rate"),
    ("creatinine clearance", "crcl", "creatinine_clearance"),
    ("neutrophils", "anc", "absolute neutrophil count", "neutrophil count", "granulocytes", "agc"),
    ("platelets", "platelet count", "plt", "platelet"),
    ("hemoglobin", "hgb", "hb", "haemoglobin"),
    ("wbc", "white blood cell count", "leukocytes", "white blood cells", "leukocyte count"),
    ("bilirubin", "total bilirubin"),
    ("hiv", "human immunodeficiency virus"),
    ("hepatitis b", "hbv", "hbsag"),
    ("hepatitis c", "hcv"),
    ("tuberculosis", "tb"),
    ("pregnancy", "pregnant"),
    ("lactation", "breastfeeding", "breast feeding", "nursing", "lactating"),
    ("contraception", "birth control"),
    ("malignancy", "cancer", "malignant", "neoplasm", "malignancies"),
    ("substance abuse", "drug abuse", "substance", "drug"),
    ("alcohol abuse", "alcohol", "alcoholism"),
    ("investigational trial", "trial participation", "investigational drug", "investigational agent"),
    ("ecog", "performance status", "performance-status", "zubrod"),
    ("karnofsky", "kps"),
    ("bmi", "body mass index"),
    ("radiotherapy", "radiation therapy", "radiation"),
    ("chemotherapy", "cytotoxic"),
    ("corticosteroids", "glucocorticoids", "steroids", "corticosteroid", "glucocorticoid", "steroid"),
    ("immunosuppressants", "immunosuppressive", "immunosuppressant", "immunosuppressive therapy"),
    ("surgery", "surgical", "operation"),
    ("heart failure", "chf", "congestive heart failure", "cardiac failure"),
    ("myocardial infarction", "mi", "heart attack"),
    ("life expectancy", "life-expectancy"),
    ("qtc", "qt interval", "qtcf"),
)
_SYN: dict[str, set[str]] = {}
for _group in SYNONYMS:
    for _name in _group:
        _SYN.setdefault(_name, set()).update(_group)


def tokens(s: str) -> frozenset[str]:
    """Lower-case word tokens, a plural 's' dropped (``tokens("Platelets")`` → {'platelet'})."""
    out = set()
    for t in re.findall(r"[a-z0-9]+", s.lower().replace("_", " ")):
        out.add(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t)
    return frozenset(out)


def _norm(s: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", s.lower().replace("_", " ")))


def concept_matches(gold_label: str, pred_phrases: list[str]) -> bool:
    """True when one of the gold label's names (alternates split on '|', synonyms) is in a predicted phrase.

    A name matches when all its tokens occur among one phrase's tokens: "lupus nephritis"
    matches "active lupus nephritis", but "cancer" does not match "prostate cancer" as gold.
    """
    names: set[str] = set()
    for alt in gold_label.split("|"):
        n = _norm(alt)
        names.add(n)
        names.update(_SYN.get(n, ()))
    pred_tok = [tokens(p) for p in pred_phrases if p]
    return any(tokens(n) and any(tokens(n) <= pt for pt in pred_tok) for n in names)


# ---- the guide's fields -----------------------------------------------------------------------
@dataclass
class Item:
    """One constraint in the guide's fields (gold, or predicted and mapped)."""

    type: str
    label: str
    polarity: str  # required | excluded | none (role "allowed")
    role: str | None = None
    comparator: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    relative_to: str | None = None
    window: str | None = None  # ISO-8601 duration
    anchor: str | None = None
    drug_class: bool = False
    qualifiers: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)  # predicted side: every name kg gave

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Item":
        keys = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in keys})


_ISO = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                  r"(?:T(?:(\d+(?:\.\d+)?)H)?)?$")


def iso_days(iso: str | None) -> float | None:
    """Days of an ISO-8601 duration (months 30.44 d, years 365.25 d); None if unreadable.

    >>> iso_days("P6M"), iso_days("P4W"), iso_days("P28D")
    (182.64, 28.0, 28.0)
    """
    m = _ISO.match(iso or "")
    if not iso or not m or not any(m.groups()):
        return None
    y, mo, w, d, h = (float(x) if x else 0.0 for x in m.groups())
    return round(y * 365.25 + mo * 30.44 + w * 7 + d + h / 24, 2)


_UNIT_EQ = (
    {"/ul", "/mm3", "cells/mm3", "{cells}/mm3", "/mm^3", "cells/ul", "{cells}/ul", "/μl", "/µl", "1/ul"},
    {"10*9/l", "10^9/l", "x10*9/l", "giga/l", "10*3/ul", "10^3/ul", "x10*3/ul", "k/ul", "10*3/mm3"},
    {"g/dl", "gm/dl"}, {"mg/dl"}, {"umol/l", "µmol/l", "μmol/l"},
    {"ml/min/1.73m2", "ml/min/{1.73_m2}", "ml/min/1.73 m2", "ml/min/1.73_m2"},
    {"a", "y", "yr", "years", "year"}, {"mo", "month", "months"}, {"wk", "week", "weeks"}, {"d", "day", "days"},
    {"u/l", "iu/l", "[iu]/l"},
    {"%"}, {"g/(24.h)", "g/24h", "g/d", "g/24.h"}, {"mg/(24.h)", "mg/24h", "mg/d", "mg/24.h"},
)


def unit_key(u: str | None) -> str | None:
    """A unit spelled in one canonical way (equivalent spellings share a key)."""
    if u is None:
        return None
    s = u.strip().lower().replace(" ", "")
    for i, group in enumerate(_UNIT_EQ):
        if s in {g.replace(" ", "") for g in group}:
            return f"#{i}"
    return s


def _values_equal(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-6 + 0.01 * max(abs(a), abs(b))


_AGE_YEARS = {"mo": 1 / 12, "wk": 7 / 365.25, "d": 1 / 365.25, "h": 1 / 8766}


def canonical_role(item: Item) -> tuple[str | None, str]:
    """(role, polarity) with "at least N since X" (required) read as "no X within N" (excluded)."""
    if item.role == "at-least-since":
        return "prior-within-window", ("excluded" if item.polarity == "required" else "required")
    return item.role, item.polarity


# Kinds a careful reader does not tell apart by meaning: a measured threshold (LVEF, QTc,
# a score) is one thing whether filed as lab or score; an infection is a condition.
_SAME_FAMILY = ({"lab", "score"}, {"condition", "infection"})


def disagreement(g: Item, p: Item, strict: bool = True) -> str | None:
    """The first guide field on which ``p`` fails to match ``g``; None when it is a true positive.

    Lenient matching (``strict=False``) checks type, polarity and concept only.
    """
    if g.type != p.type and {g.type, p.type} not in _SAME_FAMILY:
        return "type"
    g_role, g_pol = canonical_role(g)
    p_role, p_pol = canonical_role(p)
    if g_pol != p_pol:
        return "polarity"
    if not concept_matches(g.label, p.phrases or [p.label]):
        return "concept"
    if not strict:
        return None
    if g.type == "age" and g.unit in _AGE_YEARS:
        f = _AGE_YEARS[g.unit]
        g = Item(g.type, g.label, g.polarity, comparator=g.comparator, unit="a",
                 value=None if g.value is None else g.value * f, low=None if g.low is None else g.low * f,
                 high=None if g.high is None else g.high * f)
    if g.comparator is not None:
        if p.comparator != g.comparator:
            return "comparator"
        if g.comparator == "between":
            if not (_values_equal(g.low, p.low) and _values_equal(g.high, p.high)):
                return "value"
        elif not _values_equal(g.value, p.value):
            return "value"
        if g.unit is not None and unit_key(g.unit) != unit_key(p.unit):
            return "unit"
        if (g.relative_to or None) != (p.relative_to or None):
            return "relative_to"
    if g.type in ("therapy", "procedure") and g.role is not None:
        if g_role != p_role:
            return "role"
    if g.window is not None and g.role not in ("prior-ever", "current", "allergy", "allowed"):
        gd, pd = iso_days(g.window), iso_days(p.window)
        if gd is None or pd is None or abs(gd - pd) > 0.1 * gd + 1:
            return "window"
    for q in g.qualifiers:
        value = q.split(":", 1)[-1]
        if not concept_matches(value, p.phrases + p.qualifiers):
            return "qualifier"
    for x in g.exceptions:
        if not any(concept_matches(x, [e]) for e in p.exceptions):
            return "exception"
    return None


def match(gold: list[Item], pred: list[Item], strict: bool = True) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """One-to-one matching of one criterion's constraints: (pairs, unmatched gold, unmatched pred).

    Gold constraints with fewer candidate partners are matched first, so a greedy pass finds the
    maximum matching in the small sets one criterion has.
    """
    cands = {gi: [pi for pi, p in enumerate(pred) if disagreement(g, p, strict) is None] for gi, g in enumerate(gold)}
    used: set[int] = set()
    pairs = []
    for gi in sorted(cands, key=lambda i: (len(cands[i]), i)):
        for pi in cands[gi]:
            if pi not in used:
                used.add(pi)
                pairs.append((gi, pi))
                break
    matched_g = {gi for gi, _ in pairs}
    return pairs, [i for i in range(len(gold)) if i not in matched_g], [i for i in range(len(pred)) if i not in used]


# ---- kg's constraints in the guide's fields -------------------------------------------------
_SUBSTANCE = {"alcohol": "alcohol abuse", "drug": "drug abuse", "substance": "substance abuse", "tobacco": "smoking"}


def _quantity_fields(q: Any) -> dict[str, Any]:
    if q is None:
        return {}
    return {"comparator": q.comparator, "value": q.value, "low": q.low, "high": q.high, "unit": q.unit,
            "relative_to": q.relative_to}


def _therapy_role(c: Any) -> tuple[str, str | None]:
    """kg's reading of a therapy's time role: background kinds, else from its window."""
    if getattr(c, "role", None):  # kg's own role (kg:therapyRole); windows only where the role has one
        return c.role, (c.window.iso if c.window and not c.window.ever else None) if c.kind == "therapy" else (
            f"P{c.min_duration_days}D" if c.min_duration_days else None)
    if c.kind == "background_therapy":
        return ("stable-dose" if c.stable else "required-background"), (
            f"P{c.min_duration_days}D" if c.min_duration_days else None)
    w = c.window
    if w is None or w.ever:
        return "prior-ever", None
    if w.direction in ("during", "after"):
        return "current", w.iso
    return "prior-within-window", w.iso


def predicted(c: Any) -> Item | list[Item] | None:
    """One kg constraint in the guide's fields; None for logical groups and "sex: all" (not constraints),
    a list where one kg constraint names two of the guide's ("alcohol or drug abuse")."""
    from kg.criteria.specific import is_procedure
    pol = "required" if c.effective_polarity == "inclusion" else "excluded"
    k = c.kind
    if k == "group":
        return None
    if k == "age":
        if c.min_years is not None and c.max_years is not None:
            q = {"comparator": "between", "low": c.min_years, "high": c.max_years}
        elif c.min_years is not None:
            q = {"comparator": ">=" if c.min_inclusive else ">", "value": c.min_years}
        elif c.max_years is not None:
            q = {"comparator": "<=" if c.max_inclusive else "<", "value": c.max_years}
        else:
            q = {}
        return Item("age", "age", pol, unit="a", phrases=["age"], **q)
    if k == "sex":
        if c.sex == "all":
            return None  # "male or female" admits every patient: no constraint in the guide's sense
        return Item("sex", c.sex, pol, phrases=[c.sex])
    if k == "healthy_volunteers":
        return Item("other", "healthy volunteer", pol, phrases=["healthy volunteer"])
    if k == "lab":
        return Item("lab", c.analyte or c.analyte_text, pol, phrases=[c.analyte, c.analyte_text],
                    exceptions=[e.name for e in getattr(c, "exceptions", ())], **_quantity_fields(c.quantity))
    if k == "score":
        return Item("score", c.instrument or c.instrument_text, pol, phrases=[c.instrument, c.instrument_text],
                    exceptions=[e.name for e in getattr(c, "exceptions", ())], **_quantity_fields(c.quantity))
    if k == "condition":
        w = c.window
        if "allowed" in c.qualifiers:
            pol = "none"  # "recurrent disease allowed"
        return Item("condition", c.name, pol, phrases=[c.name, c.condition, c.classification or ""],
                    qualifiers=list(c.qualifiers) + list(c.organs), exceptions=[e.name for e in c.exceptions],
                    window=w.iso if w and not w.ever else None)
    if k in ("therapy", "background_therapy"):
        role, win = _therapy_role(c)
        typ = "procedure" if is_procedure(c.name or c.therapy) and all(is_procedure(m.name) for m in c.members) \
            or is_procedure(c.name) and c.name in ("radiotherapy", "surgery") else "therapy"
        d = c.dose
        return Item(typ, c.name, "none" if role == "allowed" else pol, role=role, window=win, drug_class=c.is_class,
                    phrases=[c.name, c.therapy] + [m.name for m in c.members],
                    exceptions=[e.name for e in c.exceptions],
                    **({"comparator": d.comparator, "value": d.value, "unit": d.unit} if d else {}))
    if k == "infection":
        if c.result == "negative":  # "HIV negative" required: the infection is what the criterion excludes
            pol = {"required": "excluded", "excluded": "required"}[pol]
        return Item("infection", c.pathogen.replace("-", " "), pol, phrases=[c.pathogen, c.marker or "", c.text],
                    qualifiers=[x for x in (c.status, c.result) if x],
                    exceptions=[e.name for e in getattr(c, "exceptions", ())])
    if k == "reproductive":
        w = c.window
        win = w.iso if w and not w.ever else None
        if c.topic == "pregnancy_test":  # a required negative test is "not pregnant" (the guide's reading)
            flip = {"required": "excluded", "excluded": "required"}[pol]
            return Item("reproductive", "pregnancy", flip, phrases=["pregnancy"], window=win)
        return Item("reproductive", c.topic, pol, phrases=[c.topic.replace("_", " ")], window=win)
    if k == "consent":
        return Item("other", "consent", pol, phrases=["consent"])
    if k == "trial_participation":
        w = c.window
        return Item("other", "investigational trial", pol, phrases=["investigational trial"],
                    window=w.iso if w and not w.ever else None)
    if k == "substance_use":
        w = c.window
        win = w.iso if w and not w.ever else None
        if c.substance == "alcohol_or_drug":  # one kg constraint that names both: two in the guide
            return [Item("condition", label, pol, phrases=[label], window=win) for label in ("alcohol abuse", "drug abuse")]
        label = _SUBSTANCE.get(c.substance, c.substance + " abuse")
        return Item("condition", label, pol, phrases=[label], window=win)
    return Item("other", k, pol, phrases=[k])


def drop_scopes(items: list[Item]) -> list[Item]:
    """A criterion's items without "childbearing potential" where it only scopes another reproductive
    requirement ("women of childbearing potential must use contraception"): the guide counts the
    requirement, not the scope."""
    if any(x.type == "reproductive" and x.label != "childbearing_potential" for x in items):
        return [x for x in items if not (x.type == "reproductive" and x.label == "childbearing_potential")]
    return items


# ---- records ---------------------------------------------------------------------------------
def record_path(nct: str, fmt: str) -> Path:
    sub = SHARED / fmt / "studies"
    hits = sorted(sub.glob(f"*{nct}*"))
    if not hits:
        raise FileNotFoundError(f"{nct} not found under {sub}")
    return hits[0]


@dataclass
class Record:
    """A record's eligibility text, verbatim, and kg's criteria split of it."""

    nct_id: str
    text: str
    criteria: list[Any]


def load_record(nct: str, fmt: str) -> Record:
    """The eligibility text as kg's readers take it (verbatim) and ``split_criteria``'s criteria.

    The text is read as ``ctgov_json``/``ctgov_xml`` read it (the JSON string, the XML
    textblock exactly as written) and split by the same ``kg.criteria.split.split_criteria``
    call, without building the rest of the record, so the score does not depend on the
    ingest of other fields.
    """
    from defusedxml import ElementTree

    from kg.criteria.split import split_criteria

    p = record_path(nct, fmt)
    if fmt == "api_v2":
        doc = json.loads(p.read_text(encoding="utf-8"))
        text = (doc.get("protocolSection", {}).get("eligibilityModule", {}) or {}).get("eligibilityCriteria") or ""
        field_name = "protocolSection.eligibilityModule.eligibilityCriteria"
    else:
        node = ElementTree.parse(p).getroot().find("./eligibility/criteria/textblock")
        text = node.text if node is not None and node.text else ""
        field_name = "eligibility/criteria/textblock"
    return Record(nct, text, split_criteria(text, field_name) if text.strip() else [])


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- scoring ---------------------------------------------------------------------------------
@dataclass
class Tally:
    """Counts for one slice. ``tp_p`` (true positives counted on the predicted side) and ``tp_r``
    (on the gold side) differ only in per-type slices, where a lab matched by a score counts
    for the score's precision and the lab's recall."""

    tp_p: int = 0
    tp_r: int = 0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, tp: int, n_pred: int, n_gold: int, tp_r: int | None = None) -> None:
        self.tp_p += tp
        self.tp_r += tp if tp_r is None else tp_r
        self.n_pred += n_pred
        self.n_gold += n_gold

    def as_dict(self) -> dict[str, Any]:
        p = self.tp_p / self.n_pred if self.n_pred else None
        r = self.tp_r / self.n_gold if self.n_gold else None
        f = 2 * p * r / (p + r) if p and r else None
        return {"precision": _r(p), "recall": _r(r), "f1": _r(f), "tp_predicted": self.tp_p,
                "tp_gold": self.tp_r, "predicted": self.n_pred, "gold": self.n_gold}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def gold_files(half: str) -> list[dict[str, Any]]:
    split = json.loads((GOLD / "split.json").read_text(encoding="utf-8"))
    halves = {t["nct_id"]: t["half"] for t in split["trials"]}
    out = []
    for p in sorted(GOLD.glob("NCT*.json")):
        g = json.loads(p.read_text(encoding="utf-8"))
        if halves.get(g["nct_id"]) == half:
            out.append(g)
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(half: str, worst: int = 10) -> dict[str, Any]:
    from kg.criteria.parse import heading_scope, parse_criterion

    tallies: dict[str, Tally] = defaultdict(Tally)
    errors: Counter[tuple[str, str, str]] = Counter()
    examples: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    trials = gold_files(half)
    for g in trials:
        rec = load_record(g["nct_id"], g["format"])
        text = rec.text
        if text_sha(text) != g["text_sha256"]:
            print(f"warning: {g['nct_id']}: eligibility text changed since annotation", file=sys.stderr)
        gcrit = g["criteria"]
        pooled: dict[int, list[Item]] = defaultdict(list)
        scopes = heading_scope(rec.criteria)
        for c, scope in zip(rec.criteria, scopes, strict=True):
            span = (c.span.start, c.span.end) if c.span else (0, 0)
            best = max(range(len(gcrit)), key=lambda i: _overlap(span, (gcrit[i]["start"], gcrit[i]["end"])),
                       default=None)
            if best is None or _overlap(span, (gcrit[best]["start"], gcrit[best]["end"])) == 0:
                continue
            for k in parse_criterion(c.text, c.polarity, scope):
                item = predicted(k)
                if isinstance(item, list):
                    pooled[best].extend(item)
                elif item is not None:
                    pooled[best].append(item)
        for i, gc in enumerate(gcrit):
            gold = [Item.from_json(x) for x in gc["constraints"]]
            pred = drop_scopes(pooled.get(i, []))
            length = "long" if gc["end"] - gc["start"] > LONG else "short"
            for strict in (True, False):
                pairs, fn, fp = match(gold, pred, strict)
                pre = "" if strict else "lenient/"
                tallies[pre + "overall"].add(len(pairs), len(pred), len(gold))
                if not strict:
                    continue
                tallies[f"format/{g['format']}"].add(len(pairs), len(pred), len(gold))
                tallies[f"length/{length}"].add(len(pairs), len(pred), len(gold))
                for t in {x.type for x in gold} | {x.type for x in pred}:
                    tallies[f"type/{t}"].add(sum(1 for _, pi in pairs if pred[pi].type == t),
                                             sum(1 for x in pred if x.type == t), sum(1 for x in gold if x.type == t),
                                             tp_r=sum(1 for gi, _ in pairs if gold[gi].type == t))
                for gi in fn:
                    gx = gold[gi]
                    same = [p for j, p in enumerate(pred) if j in fp and p.type == gx.type]
                    reasons = [disagreement(gx, p) for p in same]
                    order = ("concept", "polarity", "role", "window", "comparator", "value", "unit",
                             "relative_to", "qualifier", "exception")
                    why = min(reasons, key=lambda r: -order.index(r) if r in order else 99) if reasons else "missed"
                    key = ("missed" if why == "missed" else "wrong", gx.type, why)
                    errors[key] += 1
                    examples[key].append(f"{g['nct_id']}#{gc['index']} {gx.label}")
                for pi in fp:
                    px = pred[pi]
                    key = ("spurious", px.type, "no gold constraint of this meaning")
                    errors[key] += 1
                    examples[key].append(f"{g['nct_id']}#{gc['index']} {px.label}")
    therapy = Tally()
    for t in ("therapy",):
        x = tallies.get(f"type/{t}")
        if x:
            therapy.add(x.tp_p, x.n_pred, x.n_gold, tp_r=x.tp_r)
    worst_list = [{"kind": k[0], "type": k[1], "field": k[2], "count": n, "examples": examples[k][:4]}
                  for k, n in errors.most_common(worst)]
    return {
        "half": half,
        "trials": len(trials),
        "criteria": sum(len(g["criteria"]) for g in trials),
        "overall": tallies["overall"].as_dict(),
        "lenient_overall": tallies["lenient/overall"].as_dict(),
        "therapy": therapy.as_dict(),
        "criteria_over_300_chars": tallies["length/long"].as_dict(),
        "criteria_up_to_300_chars": tallies["length/short"].as_dict(),
        "by_format": {k.split("/", 1)[1]: v.as_dict() for k, v in sorted(tallies.items()) if k.startswith("format/")},
        "by_type": {k.split("/", 1)[1]: v.as_dict() for k, v in sorted(tallies.items()) if k.startswith("type/")},
        "worst_errors": worst_list,
    }


def _line(name: str, d: dict[str, Any]) -> str:
    return (f"{name:<28} P {d['precision']!s:>5} ({d['tp_predicted']}/{d['predicted']})   "
            f"R {d['recall']!s:>5} ({d['tp_gold']}/{d['gold']})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half", choices=("dev", "test"), default="dev")
    ap.add_argument("--worst", type=int, default=10)
    args = ap.parse_args(argv)
    res = score(args.half, args.worst)
    print(f"half {res['half']}: {res['trials']} trials, {res['criteria']} criteria")
    for name in ("overall", "lenient_overall", "therapy", "criteria_over_300_chars", "criteria_up_to_300_chars"):
        print(_line(name, res[name]))
    for k, v in res["by_format"].items():
        print(_line("format " + k, v))
    for k, v in res["by_type"].items():
        print(_line("type " + k, v))
    print("worst errors:")
    for w in res["worst_errors"]:
        print(f"  {w['count']:>4}  {w['kind']:<8} {w['type']:<12} {w['field']:<12} e.g. {'; '.join(w['examples'])}")
    old = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    old[args.half] = res
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(old, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
