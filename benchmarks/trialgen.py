"""Synthetic trial graphs for the kg.compare benchmark: seeded, deterministic, shaped like kg's own records.

:func:`generate` makes ``n`` trials and returns them twice: as plain Python data (what the
benchmark's hand-written reference computes from) and as quads bulk-loaded into a pyoxigraph
store (N-Quads text: parsing it is faster than building terms in Python), one named graph
per trial exactly like ``kg build`` writes a record (``V.record_graph``), with
criteria and typed constraints in the shapes :mod:`kg.criteria.rdf` and
:func:`kg.drugs.rdf.link_therapy_constraints` produce. Drugs, drug classes, mechanisms and
targets come from kg's real drug catalogue (``kg.drugs.rdf.catalogue_graph`` plus, optionally,
the reasoner's inferred types); conditions are invented (names the criteria parser's
lexicon does not know, so they key on themselves) and form a hierarchy (``skos:broader``)
with Zipf-like frequencies.

Realism knobs, all seeded: trials belong to therapeutic *areas* (more areas as ``n``
grows, as a registry's vocabulary grows with its size); each area has a pool of catalogue
drugs drawn from a few anchor drug classes; trials give drugs of their area and exclude
(with a washout window) drug classes and drugs mostly of their area, so conflicts cluster
within areas instead of joining every pair. ``density`` scales how many criteria name a
drug or condition another trial uses, and (below 1) the share of paediatric trials
(1.0 = the benchmark's default; tests raise it so 50 trials already conflict; the 100k run
lowers it so the materialized conflicts fit in memory).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg import vocab as V

# -- catalogue ---------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """The real drug catalogue as the generator (and the reference) sees it."""

    graphs: list[tuple[URIRef, Graph]]  # what is loaded into the store, by named graph
    drugs: list[str]
    drug_classes: dict[str, frozenset[str]]  # drug -> every class (asserted/inferred + superclasses)
    class_members: dict[str, list[str]]
    drug_mechanisms: dict[str, frozenset[str]]
    mechanism_targets: dict[str, frozenset[str]]
    class_label: dict[str, str]
    drug_label: dict[str, str]
    subclasses: dict[str, set[str]]  # class -> its (transitive) subclasses that have members


def load_catalogue(inferred: bool = True) -> Catalogue:
    """kg's drug catalogue graph (and the HermiT-inferred types when ``inferred``), with each
    drug's classes computed here: its types closed over rdfs:subClassOf, kept when they are
    themselves (sub)classes of kg:Drug."""
    from kg.drugs.rdf import catalogue_graph

    from kg.graph.ontology import load_ontology

    cat = catalogue_graph()
    onto = load_ontology()  # kg's ontology modules, as `kg build` stores them (conflict kinds' notations)
    graphs: list[tuple[URIRef, Graph]] = [(V.ONTOLOGY_GRAPH, onto), (V.DRUGS_GRAPH, cat)]
    union = Graph()
    for t in cat:
        union.add(t)
    for t in onto:
        union.add(t)
    if inferred:
        from kg.drugs.reasoning import infer

        inf = infer()
        graphs.append((V.INFERRED_GRAPH, inf))
        for t in inf:
            union.add(t)
    supers: dict[URIRef, set[URIRef]] = {}
    for s, o in union.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            supers.setdefault(s, set()).add(o)

    def up(c: URIRef) -> set[URIRef]:
        seen = {c}
        stack = [c]
        while stack:
            for x in supers.get(stack.pop(), ()):
                if x not in seen:
                    seen.add(x)
                    stack.append(x)
        return seen

    drug_classes: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    for d in sorted(set(union.subjects(RDF.type, V.Drug))):
        if not str(d).startswith(str(V.KGDRUG)):
            continue  # classes punned as individuals by the reasoner are not catalogue drugs
        cl: set[str] = set()
        for t in union.objects(d, RDF.type):
            if not isinstance(t, URIRef):
                continue
            for c in up(t):
                if c != V.Drug and V.Drug in up(c):
                    cl.add(str(c))
        drug_classes[str(d)] = frozenset(cl)
        lab = union.value(d, RDFS.label)
        labels[str(d)] = str(lab) if lab is not None else str(d).rsplit("/", 1)[-1]
    members: dict[str, list[str]] = {}
    for d, cl in drug_classes.items():
        for c in cl:
            members.setdefault(c, []).append(d)
    class_label = {}
    for c in members:
        lab = union.value(URIRef(c), RDFS.label)
        class_label[c] = str(lab) if lab is not None else c.rsplit("#", 1)[-1]
    subclasses: dict[str, set[str]] = {c: set() for c in members}
    for c in members:
        for s in up(URIRef(c)):
            if str(s) in subclasses and str(s) != c:
                subclasses[str(s)].add(c)
    mechs: dict[str, set[str]] = {}
    for d, m in union.subject_objects(V.hasMechanism):
        mechs.setdefault(str(d), set()).add(str(m))
    targets: dict[str, set[str]] = {}
    for m, t in union.subject_objects(V.hasTarget):
        targets.setdefault(str(m), set()).add(str(t))
    return Catalogue(graphs, sorted(drug_classes), drug_classes, {c: sorted(v) for c, v in members.items()},
                     {d: frozenset(v) for d, v in mechs.items()}, {m: frozenset(v) for m, v in targets.items()},
                     class_label, labels, subclasses)


# -- the generated data, as plain Python ------------------------------------------------------


@dataclass
class Therapy:
    criterion: str
    polarity: str  # effective polarity
    background: bool
    drugs: frozenset[str]
    classes: frozenset[str]
    except_drugs: frozenset[str] = frozenset()
    except_classes: frozenset[str] = frozenset()
    window_days: int | None = None
    ever: bool = False
    alternative: bool = False


@dataclass
class CondRule:
    criterion: str
    polarity: str
    key: str  # condition IRI (V.condition_iri of the name)
    qualified: bool
    alternative: bool = False


@dataclass
class Range:
    """A numeric rule as written: age (min/max years) or lab/score (comparator + value)."""

    criterion: str
    polarity: str
    dimension: str  # "age" or "lab:<analyte>"
    unit: str
    comparator: str | None = None
    value: float | None = None
    low: float | None = None  # age
    high: float | None = None
    alternative: bool = False


@dataclass
class Trial:
    iri: str
    nct: str
    area: int
    conditions: list[str]  # condition IRIs studied
    interventions: dict[str, list[str]]  # intervention IRI -> drugs it administers
    phase: str
    allocation: str
    placebo: bool
    therapy: list[Therapy] = field(default_factory=list)
    conditions_rules: list[CondRule] = field(default_factory=list)
    ranges: list[Range] = field(default_factory=list)
    criteria: int = 0


@dataclass
class Dataset:
    """Everything generated: trials, the condition hierarchy and the catalogue used."""

    trials: list[Trial]
    condition_parent: dict[str, str]  # condition IRI -> its broader condition
    condition_label: dict[str, str]
    catalogue: Catalogue
    areas: int
    quads: int = 0


# -- names -------------------------------------------------------------------------------------

_SYL = ["bra", "dor", "fen", "gal", "hol", "ket", "lim", "mor", "nav", "pel", "quor", "ris", "sav", "tor",
        "vel", "wyn", "zar", "cal", "drev", "esk", "fau", "gri", "jun", "lok", "mab", "nor", "ost", "prin"]
_KIND = ["disease", "syndrome", "neuropathy", "dystrophy", "arthropathy", "nephropathy", "myopathy", "dermatosis",
         "encephalopathy", "vasculitis", "fibrosis", "anaemia"]
_SUB = ["type A", "type B", "type C", "juvenile form", "adult form", "familial form", "acquired form",
        "cutaneous form", "systemic form", "early-onset form"]
_COMORB_KIND = ["hepatopathy", "carditis", "pneumopathy", "myelopathy", "retinopathy", "enteropathy"]


def _eponym(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(rng.choice((2, 3)))).capitalize()


_WINDOWS = [(28, 3), (30, 2), (56, 3), (84, 4), (90, 3), (180, 3), (365, 2), (None, 1), ("ever", 1)]
_LABS = [  # analyte, normalized unit, inclusion comparator/value range, exclusion comparator/value range
    ("alt", "U/L", ("<=", (60, 120)), (">", (80, 200))),
    ("creatinine", "umol/L", ("<=", (120, 180)), (">", (130, 250))),
    ("hemoglobin", "g/dL", (">=", (8, 10)), ("<", (7, 9))),
    ("neutrophils", "10*9/L", (">=", (1.0, 1.5)), ("<", (0.5, 1.5))),
    ("platelets", "10*9/L", (">=", (75, 100)), ("<", (50, 100))),
    ("egfr", "mL/min/{1.73_m2}", (">=", (30, 60)), ("<", (15, 45))),
    ("hba1c", "%", ("<=", (8, 10.5)), (">", (7.5, 11))),
]
_LOINC = {"alt": "1742-6", "creatinine": "2160-0", "hemoglobin": "718-7", "neutrophils": "751-8",
          "platelets": "777-3", "egfr": "33914-3", "hba1c": "4548-4"}


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (k + 1) ** s for k in range(n)]


# -- quads (as N-Quads text: building pyoxigraph terms one by one costs more than parsing) -----------

_XSD = "http://www.w3.org/2001/XMLSchema#"
_LIT: dict[object, str] = {}


def _lit(value: object) -> str:
    """A python value as an N-Quads literal, the way kg.criteria.rdf types it."""
    key = (type(value), value)
    out = _LIT.get(key)
    if out is None:
        if isinstance(value, bool):
            out = f'"{"true" if value else "false"}"^^<{_XSD}boolean>'
        elif isinstance(value, int):
            out = f'"{value}"^^<{_XSD}integer>'
        elif isinstance(value, float):
            out = f'"{value:g}"^^<{_XSD}decimal>'
        else:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            out = f'"{text}"'
        if len(_LIT) < 200_000:
            _LIT[key] = out
    return out


_T = str(RDF.type)
P = {name: str(getattr(V, name)) for name in (
    "hasCriterion", "hasConstraint", "text", "polarity", "order", "parseStatus", "sourceRecord", "spanStart",
    "spanEnd", "confidence", "negated", "effectivePolarity", "therapyText", "normalizedName", "isDrugClass",
    "hasWindow", "windowDays", "windowDuration", "windowReference", "windowDirection", "ever", "refersToDrug",
    "refersToDrugClass", "exceptDrug", "exceptDrugClass", "hasException", "conditionText", "qualifier", "organ",
    "ageMinYears", "ageMaxYears", "lowInclusive", "highInclusive", "eligibleSex", "analyte", "analyteText",
    "loincCode", "comparator", "thresholdValue", "normalizedValue", "normalizedUnit", "ucumUnit", "anyOf",
    "stableDose", "reproductiveTopic", "pathogen", "infectionStatus", "substance", "nctId", "phase", "allocation",
    "placeboControlled", "studiesCondition", "hasIntervention", "administers", "interventionType", "hasArm",
    "receives",
)}
C = {name: str(getattr(V, name)) for name in (
    "Trial", "Intervention", "Arm", "Condition", "EligibilityCriterion", "InclusionCriterion", "ExclusionCriterion",
    "Parsed", "Unparsed", "TherapyConstraint", "BackgroundTherapyConstraint", "ConditionConstraint", "AgeConstraint",
    "SexConstraint", "LabConstraint", "ConsentConstraint", "ReproductiveConstraint", "InfectionConstraint",
    "TrialParticipationConstraint", "SubstanceUseConstraint", "ConstraintGroup", "TimeWindow",
    "ConstraintException", "SourceRecord", "BackgroundTherapy",
)}
_LABEL = str(RDFS.label)


class _Writer:
    """Collects the N-Quads lines of one record graph."""

    def __init__(self, graph: str) -> None:
        self.g = f"<{graph}> .\n"
        self.out: list[str] = []

    def iri(self, s: str, p: str, o: str) -> None:
        self.out.append(f"<{s}> <{p}> <{o}> {self.g}")

    def lit(self, s: str, p: str, o: object) -> None:
        self.out.append(f"<{s}> <{p}> {_lit(o)} {self.g}")


# -- generator -------------------------------------------------------------------------------------


@dataclass
class _Area:
    conditions: list[str]  # condition IRIs, most frequent first
    pool: list[str]  # drugs given in this area, most frequent first
    classes: list[str]  # drug classes its exclusions name, most frequent first


class _Gen:
    def __init__(self, n: int, seed: int, cat: Catalogue, cmin: int, cmax: int, density: float) -> None:
        self.n, self.cat, self.cmin, self.cmax, self.density = n, cat, cmin, cmax, density
        self.rng = random.Random(seed)
        self.condition_parent: dict[str, str] = {}
        self.condition_label: dict[str, str] = {}
        # Drugs trials give ("investigational", in the areas' pools) and drugs exclusions mostly
        # name without trials giving them ("concomitant": anticoagulants, vaccines, ...). Only a
        # small share of exclusions (``density`` x 0.1 % by drug, x 0.025 % by class) names a drug or
        # class trials give: that keeps washout conflicts near 200 at 1k trials and 2 M at 100k
        # (they grow with the square of the number of trials, as in a real registry).
        classes = sorted(c for c, m in cat.class_members.items() if len(m) <= 30)
        self.concomitant_classes = sorted(self.rng.sample(classes, max(1, len(classes) // 3)))
        con = {d for c in self.concomitant_classes for d in cat.class_members[c]}
        con |= {d for d in cat.drugs if self.rng.random() < 0.15}
        self.concomitant = sorted(con)
        self.investigational = sorted(set(cat.drugs) - con)
        self.q_drug, self.q_class, self.q_cond = 0.003 * density, 0.0005 * density, 0.03 * density
        self.n_areas = max(20, n // 20)
        self.areas = [self._area(a) for a in range(self.n_areas)]
        self.area_w = _zipf_weights(self.n_areas, 0.9)
        self.comorbid = [self._condition(f"{_eponym(self.rng)} {self.rng.choice(_COMORB_KIND)}", None)
                         for _ in range(200)]

    def _condition(self, name: str, parent: str | None) -> str:
        iri = str(V.condition_iri(name))
        while iri in self.condition_label:  # a name drawn twice: make it distinct
            name = f"{name} {self.rng.choice(_SUB)}"
            iri = str(V.condition_iri(name))
        self.condition_label[iri] = name
        if parent is not None:
            self.condition_parent[iri] = parent
        return iri

    def _area(self, a: int) -> _Area:
        rng, cat = self.rng, self.cat
        root = self._condition(f"{_eponym(rng)} {rng.choice(_KIND)}", None)
        conds = [root]
        for _ in range(rng.randint(2, 6)):
            child = self._condition(f"{_eponym(rng)} {rng.choice(_KIND)}", root)
            conds.append(child)
            for sub in rng.sample(_SUB, rng.randint(0, 3)):
                conds.append(self._condition(f"{self.condition_label[child]}, {sub}", child))
        rng.shuffle(conds)
        # Anchor classes: narrow classes (2..25 members); the pool is drawn mostly from them.
        inv = set(self.investigational)
        narrow = sorted(c for c, m in cat.class_members.items() if 2 <= len(m) <= 25 and len(set(m) & inv) >= 2)
        anchors = rng.sample(narrow, rng.randint(1, 2))
        pool: list[str] = []
        for c in anchors:
            members = sorted(set(cat.class_members[c]) & inv)
            pool += rng.sample(members, min(len(members), rng.randint(2, 5)))
        pool += rng.sample(self.investigational, 2)
        pool = list(dict.fromkeys(pool))
        rng.shuffle(pool)
        return _Area(conds, pool, anchors)

    # -- one trial ----------------------------------------------------------------------------
    def trial(self, i: int) -> tuple[Trial, list[str]]:
        rng, cat = self.rng, self.cat
        nct = f"NCT9{i:07d}"
        t_iri = str(V.trial_iri(nct))
        graph = str(V.record_graph("kg-json", nct))
        w = _Writer(graph)
        a = rng.choices(range(self.n_areas), self.area_w)[0]
        area = self.areas[a]
        cw = _zipf_weights(len(area.conditions), 1.1)
        conds = list(dict.fromkeys(rng.choices(area.conditions, cw, k=1 if rng.random() < 0.8 else 2)))
        phase = rng.choices(["phase1", "phase2", "phase3", "phase4", "na"], [2, 4, 3, 1, 1])[0]
        alloc = rng.choices(["randomized", "non_randomized", "na"], [6, 3, 1])[0]
        placebo = alloc == "randomized" and rng.random() < 0.45
        ivs: dict[str, list[str]] = {}
        t = Trial(t_iri, nct, a, conds, ivs, phase, alloc, placebo)

        w.iri(t_iri, _T, C["Trial"])
        w.lit(t_iri, P["nctId"], nct)
        w.lit(t_iri, _LABEL, f"A study of {self.condition_label[conds[0]]} ({nct})")
        w.iri(t_iri, P["phase"], str(V.concept("phase", phase)))
        w.iri(t_iri, P["allocation"], str(V.concept("allocation", alloc)))
        if placebo:
            w.lit(t_iri, P["placeboControlled"], True)
        w.iri(t_iri, P["sourceRecord"], graph)
        w.iri(graph, _T, C["SourceRecord"])
        for c in conds:
            w.iri(t_iri, P["studiesCondition"], c)
            w.iri(c, _T, C["Condition"])
            w.lit(c, _LABEL, self.condition_label[c])
        # Interventions: three trials in four give catalogue drugs of their area.
        pw = _zipf_weights(len(area.pool), 0.8)
        n_iv = rng.choices([0, 1, 2, 3], [1, 4, 3, 1])[0]
        for k in range(n_iv):
            drugs = list(dict.fromkeys(rng.choices(area.pool, pw, k=rng.choice((1, 1, 2)))))
            key = "-and-".join(d.rsplit("/", 1)[-1] for d in drugs)
            iv = str(V.trial_part_iri(URIRef(t_iri), "intervention", key))
            if iv in ivs:
                continue
            ivs[iv] = drugs
            arm = str(V.trial_part_iri(URIRef(t_iri), "arm", f"arm-{k}"))
            w.iri(t_iri, P["hasArm"], arm)
            w.iri(arm, _T, C["Arm"])
            w.iri(arm, P["receives"], iv)
            w.iri(t_iri, P["hasIntervention"], iv)
            w.iri(iv, _T, C["Intervention"])
            w.iri(iv, P["interventionType"], str(V.concept("intervention_type", "drug")))
            w.lit(iv, _LABEL, " and ".join(cat.drug_label[d] for d in drugs))
            for d in drugs:
                w.iri(iv, P["administers"], d)
        if n_iv and rng.random() < 0.08:  # a background therapy given to every arm
            d = rng.choice(area.pool)
            iv = str(V.trial_part_iri(URIRef(t_iri), "intervention", "background-" + d.rsplit("/", 1)[-1]))
            if iv not in ivs:
                ivs[iv] = [d]
                w.iri(t_iri, P["hasIntervention"], iv)
                w.iri(iv, _T, C["Intervention"])
                w.iri(iv, _T, C["BackgroundTherapy"])
                w.lit(iv, _LABEL, cat.drug_label[d])
                w.iri(iv, P["administers"], d)

        n_crit = rng.randint(self.cmin, self.cmax)
        crits = self._criteria(t, area, n_crit)
        for k, (pol, text, parts) in enumerate(crits, 1):
            crit = str(V.record_part_iri(URIRef(graph), "criterion", f"{pol}-{k}"))
            w.iri(t_iri, P["hasCriterion"], crit)
            w.iri(crit, _T, C["EligibilityCriterion"])
            w.iri(crit, _T, C["InclusionCriterion" if pol == "inclusion" else "ExclusionCriterion"])
            w.lit(crit, P["text"], text)
            w.lit(crit, P["polarity"], pol)
            w.lit(crit, P["order"], k)
            w.iri(crit, P["sourceRecord"], graph)
            w.iri(crit, P["parseStatus"], C["Parsed"] if parts else C["Unparsed"])
            self._constraints(w, t, crit, pol, parts, text)
        t.criteria = len(crits)
        return t, w.out

    def _window(self) -> tuple[int | None, bool]:
        days = self.rng.choices([x for x, _ in _WINDOWS], [w for _, w in _WINDOWS])[0]
        if days == "ever":
            return None, True
        return days, False  # type: ignore[return-value]

    def _criteria(self, t: Trial, area: _Area, n: int) -> list[tuple[str, str, list[dict]]]:
        """(polarity, text, constraint specs) of each criterion."""
        rng, cat, dens = self.rng, self.cat, self.density
        out: list[tuple[str, str, list[dict]]] = []
        # Paediatric trials (6 % at density 1) make most numeric-range conflicts (with adult
        # trials of the same condition); their share follows ``density`` when it is below 1.
        ped = 6 * min(1.0, self.density)
        lo = rng.choices((18, 40, 50, 65, 12, 6), (70, 8, 8, 6, ped * 2 / 3, ped / 3))[0]
        hi = rng.choice((None, None, 65, 75, 80, 85)) if lo >= 18 else rng.choice((17, 18, 25))
        out.append(("inclusion", f"Aged {lo} years or older" + (f" and at most {hi}" if hi else ""),
                    [{"type": "AgeConstraint", "text": f"aged {lo}+", "min": float(lo),
                      "max": float(hi) if hi else None}, {"type": "SexConstraint", "text": "either sex"}]))
        out.append(("inclusion", "Signed informed consent", [{"type": "ConsentConstraint", "text": "informed consent"}]))
        main = t.conditions[0]
        out.append(("inclusion", f"Diagnosis of {self.condition_label[main]}",
                    [{"type": "ConditionConstraint", "text": self.condition_label[main], "name": main,
                      "qualifiers": ["active"] if rng.random() < 0.4 else []}]))
        kinds = ["washout", "washout-drug", "cond-excl", "lab-excl", "lab-incl", "repro", "infection", "participation",
                 "substance", "background", "no-prior", "any-of", "unparsed", "cond-incl"]
        weights = [3 * dens, 1.5 * dens, 3 * dens, 2, 1, 1, 1, 1, 0.5, 0.5 * dens, 0.5 * dens, 0.3 * dens, 1.5, 0.5]
        while len(out) < n:
            kind = rng.choices(kinds, weights)[0]
            if kind in ("washout", "washout-drug", "no-prior"):
                spec = self._therapy_spec(area, kind == "washout-drug")
                pol = "exclusion"
                if kind == "no-prior":
                    spec["negated"] = True
                    pol = "inclusion"
                    text = f"No prior {spec['text']}" + (f" within {spec['days']} days" if spec.get("days") else "")
                else:
                    text = f"Use of {spec['text']}" + (f" within {spec['days']} days before screening"
                                                       if spec.get("days") else " at any time")
                out.append((pol, text, [spec]))
            elif kind == "any-of":
                a, b = self._therapy_spec(area, False), self._therapy_spec(area, True)
                b["days"], b["ever"] = a.get("days"), a.get("ever")
                out.append(("exclusion", f"Use of {a['text']} or {b['text']}",
                            [a, b, {"type": "ConstraintGroup", "text": f"{a['text']} or {b['text']}", "anyOf": [0, 1]}]))
            elif kind == "background":
                d = rng.choice(area.pool)
                spec = {"type": "BackgroundTherapyConstraint", "text": cat.drug_label[d], "drugs": [d], "classes": [],
                        "days": rng.choice((28, 56, 84)), "stable": True}
                out.append(("inclusion", f"On a stable dose of {cat.drug_label[d]} for at least 4 weeks", [spec]))
            elif kind in ("cond-excl", "cond-incl"):
                # Exclusions name comorbidities mostly, sometimes another area's disease (a conflict),
                # a broad family (conflicts through the hierarchy) or a qualified form (no conflict).
                if kind == "cond-excl" and rng.random() >= self.q_cond:
                    c = rng.choice(self.comorbid)
                else:
                    c = rng.choice(rng.choice(self.areas).conditions)
                qual = rng.random()
                spec: dict = {"type": "ConditionConstraint", "text": self.condition_label[c], "name": c,
                              "qualifiers": []}
                if qual < 0.3:
                    spec["qualifiers"] = [rng.choice(("active", "severe", "uncontrolled"))]
                elif qual < 0.4:
                    spec["organ"] = rng.choice(("kidney", "liver", "heart"))
                elif qual < 0.55:
                    spec["qualifiers"] = ["history"]
                parts = [spec]
                if qual > 0.9:  # "X with ALT > 3 x ULN": narrowed by another constraint
                    parts.append(self._lab_spec("exclusion"))
                pol = "exclusion" if kind == "cond-excl" else "inclusion"
                out.append((pol, ("History of " if pol == "exclusion" else "Confirmed ") + self.condition_label[c], parts))
            elif kind in ("lab-excl", "lab-incl"):
                pol = "exclusion" if kind == "lab-excl" else "inclusion"
                spec = self._lab_spec(pol)
                out.append((pol, spec["text"], [spec]))
            elif kind == "repro":
                out.append(("exclusion", "Pregnant or breastfeeding",
                            [{"type": "ReproductiveConstraint", "text": "pregnant", "topic": "pregnancy"}]))
            elif kind == "infection":
                out.append(("exclusion", "Active hepatitis B or C infection",
                            [{"type": "InfectionConstraint", "text": "hepatitis B", "pathogen": "hepatitis b",
                              "status": "active"}]))
            elif kind == "participation":
                out.append(("exclusion", "Participation in another interventional study within 30 days",
                            [{"type": "TrialParticipationConstraint", "text": "another study", "days": 30}]))
            elif kind == "substance":
                out.append(("exclusion", "Alcohol or drug abuse",
                            [{"type": "SubstanceUseConstraint", "text": "alcohol abuse", "substance": "alcohol"}]))
            else:
                out.append((rng.choice(("inclusion", "exclusion")),
                            rng.choice(("Able to comply with the protocol", "Any condition that in the opinion of the "
                                        "investigator makes the participant unsuitable",
                                        "Life expectancy of at least 12 months")), []))
        return out

    def _therapy_spec(self, area: _Area, by_drug: bool) -> dict:
        rng, cat = self.rng, self.cat
        days, ever = self._window()
        if by_drug or not self.concomitant_classes:
            d = rng.choice(area.pool) if rng.random() < self.q_drug else rng.choice(self.concomitant)
            return {"type": "TherapyConstraint", "text": cat.drug_label[d], "drugs": [d], "classes": [],
                    "days": days, "ever": ever}
        hit = rng.random() < self.q_class
        c = rng.choice(area.classes) if hit else rng.choice(self.concomitant_classes)
        spec = {"type": "TherapyConstraint", "text": cat.class_label[c].lower(), "drugs": [], "classes": [c],
                "days": days, "ever": ever, "isClass": True}
        subs = sorted(cat.subclasses.get(c, ()))
        if subs and rng.random() < 0.3:  # "any X other than Y"
            x = rng.choice(subs)
            spec["except_classes"] = [x]
            spec["text"] += f" other than {cat.class_label[x].lower()}"
        elif rng.random() < 0.15:
            members = cat.class_members[c]
            if len(members) > 1:
                spec["except_drugs"] = [rng.choice(members)]
                spec["text"] += f" other than {cat.drug_label[spec['except_drugs'][0]]}"
        if rng.random() < 0.3:  # listed examples, linked as drugs
            members = cat.class_members[c] if hit else sorted(set(cat.class_members[c]) & set(self.concomitant))
            ex = [m for m in rng.sample(members, min(2, len(members))) if m not in spec.get("except_drugs", [])]
            spec["drugs"] = ex
        return spec

    def _lab_spec(self, pol: str) -> dict:
        rng = self.rng
        analyte, unit, inc, exc = rng.choice(_LABS)
        comp, (lo, hi) = inc if pol == "inclusion" else exc
        value = round(rng.uniform(lo, hi), 1 if hi < 20 else 0)
        return {"type": "LabConstraint", "text": f"{analyte} {comp} {value:g} {unit}", "analyte": analyte,
                "unit": unit, "comparator": comp, "value": float(value)}

    # -- constraints as RDF and as Python -----------------------------------------------------
    def _constraints(self, w: _Writer, t: Trial, crit: str, pol: str, parts: list[dict], text: str = "") -> None:
        nodes = [f"{crit}/constraint/{i}" for i in range(len(parts))]
        in_group = {m for s in parts for m in s.get("anyOf", ())}
        types = {s["type"] for s in parts}
        for i, (node, s) in enumerate(zip(nodes, parts)):
            eff = "exclusion" if (pol == "exclusion") != bool(s.get("negated")) else "inclusion"
            typ = s["type"]
            w.iri(crit, P["hasConstraint"], node)
            w.iri(node, _T, C[typ])
            w.lit(node, P["text"], s["text"])
            # The span within the criterion's text, as kg.criteria writes it.
            at = text.find(s["text"]) if text else -1
            start = at if at >= 0 else 0
            w.lit(node, P["spanStart"], start)
            w.lit(node, P["spanEnd"], start + len(s["text"]) if at >= 0 else len(text or s["text"]))
            w.lit(node, P["confidence"], 0.8)
            if s.get("negated"):
                w.lit(node, P["negated"], True)
            w.lit(node, P["effectivePolarity"], eff)
            alt = i in in_group
            days, ever = s.get("days"), s.get("ever", False)
            if days is not None or ever:
                wn = node + "/window"
                w.iri(node, P["hasWindow"], wn)
                w.iri(wn, _T, C["TimeWindow"])
                if ever:
                    w.lit(wn, P["ever"], True)
                else:
                    w.lit(wn, P["windowDays"], int(days))
                    w.lit(wn, P["windowReference"], "screening")
                    w.lit(wn, P["windowDirection"], "before")
            if typ in ("TherapyConstraint", "BackgroundTherapyConstraint"):
                w.lit(node, P["therapyText"], s["text"].split(" other than ")[0])
                w.lit(node, P["normalizedName"], s["text"].split(" other than ")[0].lower())
                if s.get("isClass"):
                    w.lit(node, P["isDrugClass"], True)
                if s.get("stable"):
                    w.lit(node, P["stableDose"], True)
                for d in s.get("drugs", ()):
                    w.iri(node, P["refersToDrug"], d)
                for c in s.get("classes", ()):
                    w.iri(node, P["refersToDrugClass"], c)
                for k, x in enumerate(s.get("except_classes", []) + s.get("except_drugs", [])):
                    w.iri(node, P["exceptDrugClass" if "#" in x else "exceptDrug"], x)
                    xn = f"{node}/exception/{k}"
                    w.iri(node, P["hasException"], xn)
                    w.iri(xn, _T, C["ConstraintException"])
                    label = self.cat.class_label.get(x) or self.cat.drug_label.get(x, x)
                    w.lit(xn, P["text"], label)
                    w.lit(xn, P["normalizedName"], label.lower())
                t.therapy.append(Therapy(crit, eff, typ == "BackgroundTherapyConstraint", frozenset(s.get("drugs", ())),
                                         frozenset(s.get("classes", ())), frozenset(s.get("except_drugs", ())),
                                         frozenset(s.get("except_classes", ())), days, ever, alt))
            elif typ == "ConditionConstraint":
                name = self.condition_label[s["name"]]
                w.lit(node, P["conditionText"], name)
                w.lit(node, P["normalizedName"], name.lower())
                for q in s.get("qualifiers", ()):
                    w.lit(node, P["qualifier"], q)
                if s.get("organ"):
                    w.lit(node, P["organ"], s["organ"])
                narrowing = any(q not in ("history", "current", "chronic") for q in s.get("qualifiers", ())) \
                    or bool(s.get("organ")) or (types - {"ConditionConstraint", "ConstraintGroup"}) != set()
                t.conditions_rules.append(CondRule(crit, eff, s["name"], narrowing, alt))
            elif typ == "AgeConstraint":
                if s.get("min") is not None:
                    w.lit(node, P["ageMinYears"], float(s["min"]))
                    w.lit(node, P["lowInclusive"], True)
                if s.get("max") is not None:
                    w.lit(node, P["ageMaxYears"], float(s["max"]))
                    w.lit(node, P["highInclusive"], True)
                t.ranges.append(Range(crit, eff, "age", "a", low=s.get("min"), high=s.get("max"), alternative=alt))
            elif typ == "LabConstraint":
                w.lit(node, P["analyte"], s["analyte"])
                w.lit(node, P["analyteText"], s["analyte"].upper())
                w.lit(node, P["loincCode"], _LOINC[s["analyte"]])
                w.lit(node, P["comparator"], s["comparator"])
                w.lit(node, P["thresholdValue"], s["value"])
                w.lit(node, P["ucumUnit"], s["unit"])
                w.lit(node, P["normalizedValue"], s["value"])
                w.lit(node, P["normalizedUnit"], s["unit"])
                t.ranges.append(Range(crit, eff, "lab:" + s["analyte"], s["unit"], s["comparator"], s["value"],
                                      alternative=alt))
            elif typ == "SexConstraint":
                w.lit(node, P["eligibleSex"], "all")
            elif typ == "ReproductiveConstraint":
                w.lit(node, P["reproductiveTopic"], s["topic"])
            elif typ == "InfectionConstraint":
                w.lit(node, P["pathogen"], s["pathogen"])
                w.lit(node, P["infectionStatus"], s["status"])
            elif typ == "SubstanceUseConstraint":
                w.lit(node, P["substance"], s["substance"])
            elif typ == "ConstraintGroup":
                for m in s["anyOf"]:
                    w.iri(node, P["anyOf"], nodes[m])

    def shared_quads(self) -> Iterator[ox.Quad]:
        """The condition hierarchy (V.CONDITIONS_GRAPH) and the catalogue graphs."""
        from kg.store.oxigraph import to_ox

        g = ox.NamedNode(str(V.CONDITIONS_GRAPH))
        broader, typ, label, cond = (ox.NamedNode(str(x)) for x in (SKOS.broader, RDF.type, RDFS.label, V.Condition))
        for c, name in self.condition_label.items():
            node = ox.NamedNode(c)
            yield ox.Quad(node, typ, cond, g)
            yield ox.Quad(node, label, ox.Literal(name), g)
            if c in self.condition_parent:
                yield ox.Quad(node, broader, ox.NamedNode(self.condition_parent[c]), g)
        for gname, graph in self.cat.graphs:
            gn = ox.NamedNode(str(gname))
            for s, p, o in graph:
                yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), gn)  # type: ignore[arg-type]


def generate(n: int, *, seed: int = 5, catalogue: Catalogue | None = None, criteria: tuple[int, int] = (10, 30),
             density: float = 1.0, store: ox.Store | None = None) -> Dataset:
    """Generate ``n`` trials; with ``store`` (a pyoxigraph Store), bulk-load their record graphs
    and the shared graphs (conditions, catalogue) into it, in batches (never all in memory)."""
    cat = catalogue or load_catalogue()
    gen = _Gen(n, seed, cat, criteria[0], criteria[1], density)
    trials: list[Trial] = []
    quads = 0
    batch: list[str] = []

    def flush() -> None:
        nonlocal quads, batch
        quads += len(batch)
        if store is not None and batch:
            store.bulk_load("".join(batch).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        batch = []

    for i in range(n):
        t, lines = gen.trial(i)
        trials.append(t)
        batch += lines
        if len(batch) > 500_000:
            flush()
    flush()
    shared = list(gen.shared_quads())
    quads += len(shared)
    if store is not None:
        store.extend(shared)
    return Dataset(trials, gen.condition_parent, gen.condition_label, cat, gen.n_areas, quads)
