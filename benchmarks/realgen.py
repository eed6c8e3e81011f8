"""Realistic synthetic trials: ClinicalTrials.gov API v2 records drawn from the real records' distributions.

Three steps, each a sub-command:

``fit``       reads the shared records (``kg.ingest``: as a build reads them) and a store built
              from them (read-only: constraint kinds, drugs kg resolved, triples per trial) and
              writes a profile, ``benchmarks/profiles/ctgov-1855.json``: counts, histograms and
              identifiers only (kg's own condition and drug slugs, registry enumerations,
              country names) -- never a record's text.
``generate``  writes N records as API v2 JSON arrays (``studies-NNNNNN.json``, ``--shard``
              studies per file), streaming: one shard is in memory at a time, so 530k costs
              what 10k does. Criteria are sentences of kg's own templates, one per constraint
              kind, filled with the profile's conditions, drugs, lab tests and numbers, in the
              real mix of kinds per criterion; conditions, drugs, phases, dates, sites,
              countries and sponsors follow the profile's frequencies (sponsors and sites get
              invented names with the real rank-frequency shape; the condition vocabulary
              grows with N as a registry's does).
``compare``   (``--compare-real``) generates a sample, builds it with kg (no comparisons), measures
              it exactly as ``fit`` measured the real records, prints the two side by side and
              writes ``benchmarks/results/realgen.json``.

Usage:
  python benchmarks/realgen.py fit [--sources ../shared/data/ctgov] [--store STORE]
  python benchmarks/realgen.py generate N OUT_DIR [--seed 1] [--shard 100]
  python benchmarks/realgen.py compare [--n 400] [--store STORE]       (alias: --compare-real)
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "benchmarks" / "profiles" / "ctgov-1855.json"
RESULTS = ROOT / "benchmarks" / "results" / "realgen.json"
DEFAULT_SOURCES = ROOT.parent / "shared" / "data" / "ctgov"
DEFAULT_STORE = Path("/root/.cache/kg-real-check/store-89ef449")
KG = "https://w3id.org/kg/ontology#"
DRUG = "https://w3id.org/kg/id/drug/"
CONDITION = "https://w3id.org/kg/id/condition/"
#: Constraint classes a criterion's kind is read from (groups are structure, not a kind).
KINDS = ("Condition", "Therapy", "Lab", "Reproductive", "Infection", "Age", "Score", "Consent",
         "TrialParticipation", "Sex", "SubstanceUse", "BackgroundTherapy", "HealthyVolunteer")


# -- measuring (the same code measures the real records and the generated ones) --------------
def _hist(values: Iterator[int] | list[int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(Counter(values).items())}


def _bucket(x: float, step: float) -> int:
    return int(x // step * step)


def record_stats(sources: list[Path]) -> dict[str, object]:
    """Distributions of what the records state (read as kg reads them)."""
    from kg.ingest.sources import read_sources
    from kg.model import TrialRecord

    h: dict[str, list[int]] = {k: [] for k in (
        "inclusion_criteria", "exclusion_criteria", "conditions", "interventions", "arms",
        "primary_outcomes", "secondary_outcomes", "sites", "collaborators", "keywords",
        "enrollment_log2", "start_year", "duration_months", "min_age_years", "max_age_years",
        "criterion_words", "condition_ancestors", "conditions_with_mesh", "outcome_descriptions", "publications", "other_ids")}
    cat: dict[str, Counter[str]] = {k: Counter() for k in (
        "phases", "study_type", "allocation", "masking", "intervention_model", "primary_purpose",
        "status", "sex", "intervention_type", "arm_type", "format")}
    conditions: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    sponsors: Counter[str] = Counter()
    sites_seen: Counter[str] = Counter()
    n = 0
    from kg import vocab as V
    from kg.graph.build import age_in_years

    for rec in read_sources(sources):
        if not isinstance(rec, TrialRecord):
            continue
        n += 1
        crit = rec.eligibility.criteria
        h["inclusion_criteria"].append(sum(c.polarity == "inclusion" for c in crit))
        h["exclusion_criteria"].append(sum(c.polarity == "exclusion" for c in crit))
        h["criterion_words"].extend(min(_bucket(len(c.text.split()), 5), 100) for c in crit)
        h["conditions"].append(len(rec.conditions))
        h["condition_ancestors"].append(len(rec.condition_ancestors))
        h["conditions_with_mesh"].append(sum(bool(c.mesh_id) for c in rec.conditions))
        h["outcome_descriptions"].append(sum(bool(o.description) for o in rec.outcomes))
        h["publications"].append(len(rec.publications))
        h["other_ids"].append(len(rec.other_ids))
        h["interventions"].append(len(rec.interventions))
        h["arms"].append(len(rec.arms))
        h["primary_outcomes"].append(sum(o.kind == "primary" for o in rec.outcomes))
        h["secondary_outcomes"].append(sum(o.kind == "secondary" for o in rec.outcomes))
        h["sites"].append(len(rec.sites))
        h["collaborators"].append(len(rec.collaborators))
        h["keywords"].append(len(rec.keywords))
        d = rec.design
        if d.enrollment is not None:
            h["enrollment_log2"].append(int(math.log2(d.enrollment + 1)))
        start, end = _date(rec.start_date), _date(rec.completion_date)
        if start:
            h["start_year"].append(start.year)
        if start and end and end >= start:
            h["duration_months"].append(min(_bucket((end - start).days / 30.44, 6), 240))
        for key, age in (("min_age_years", rec.eligibility.min_age), ("max_age_years", rec.eligibility.max_age)):
            years = age_in_years(age)
            h[key].append(-1 if years is None else min(int(years), 120))
        cat["phases"]["|".join(d.phases) or "NA"] += 1
        for k in ("study_type", "allocation", "masking", "intervention_model", "primary_purpose"):
            cat[k][getattr(d, k) or "NA"] += 1
        cat["status"][rec.status or "NA"] += 1
        cat["sex"][rec.eligibility.sex or "NA"] += 1
        cat["format"][rec.source.format] += 1
        for iv in rec.interventions:
            cat["intervention_type"][iv.type or "NA"] += 1
        for arm in rec.arms:
            cat["arm_type"][arm.type or "NA"] += 1
        for c in rec.conditions:
            conditions[str(V.condition_iri(c.name))[len(CONDITION):]] += 1
        for s in rec.sites:
            countries[s.country or "NA"] += 1
            sites_seen[str(V.site_iri(s.facility, s.city, s.country))] += 1
        if rec.sponsor:
            sponsors[rec.sponsor] += 1
    return {
        "records": n,
        "hist": {k: _hist(v) for k, v in h.items()},
        "categories": {k: dict(c.most_common()) for k, c in cat.items()},
        # kg's own condition slugs (identifiers), most frequent first; the rest as counts only
        "conditions": dict(conditions.most_common(600)),
        "conditions_distinct": len(conditions),
        "conditions_tail_counts": _hist(v for _, v in conditions.most_common()[600:]),
        "countries": dict(countries.most_common()),
        # rank-frequency shapes only: how many trials the k-th sponsor / site has
        "sponsor_rank_counts": [v for _, v in sponsors.most_common()],
        "site_rank_counts_top": [v for _, v in sites_seen.most_common(200)],
        "sites_distinct": len(sites_seen),
    }


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    parts = (text + "-01-01").split("-")[:3]
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def store_stats(store_path: Path) -> dict[str, object]:
    """What kg made of the records: constraint kinds per criterion, drugs it resolved,
    triples per record graph (read-only)."""
    import pyoxigraph as ox

    st = ox.Store.read_only(str(store_path))

    def rows(q: str) -> Iterator[list[str | None]]:
        for r in st.query(q, use_default_graph_as_union=True):
            yield [None if x is None else x.value for x in r]

    kinds: dict[str, Counter[str]] = {"inclusion": Counter(), "exclusion": Counter()}
    per_crit: dict[str, set[str]] = {}
    pol: dict[str, str] = {}
    for c, p in rows(f"SELECT ?c ?p WHERE {{ ?c a <{KG}EligibilityCriterion> ; <{KG}polarity> ?p }}"):
        pol[c] = p  # type: ignore[index]
        per_crit[c] = set()  # type: ignore[index]
    n_constraints: Counter[str] = Counter()
    for c, t in rows(f"SELECT ?c ?t WHERE {{ ?c <{KG}hasConstraint> ?k . ?k a ?t }}"):
        n_constraints[c] += 1  # type: ignore[index]
        if c in per_crit and t and t.startswith(KG) and t.endswith("Constraint"):
            per_crit[c].add(t[len(KG):-len("Constraint")])
    for c, ks in per_crit.items():
        sig = "+".join(sorted(k for k in ks if k in KINDS)) or "none"
        kinds.setdefault(pol[c], Counter())[sig] += 1
    drugs = Counter(d[len(DRUG):] for (d,) in rows(
        f"SELECT ?d WHERE {{ ?i a <{KG}Intervention> ; <{KG}administers> ?d }}") if d)
    therapy_drugs = Counter(d[len(DRUG):] for (d,) in rows(
        f"SELECT ?d WHERE {{ ?k a <{KG}TherapyConstraint> ; <{KG}refersToDrug> ?d }}") if d)
    triples = Counter()
    for g, n in rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                     "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/kg/graph/record/')) } GROUP BY ?g"):
        triples[_bucket(int(n), 100)] += 1  # type: ignore[arg-type]
    return {
        "criterion_kinds": {p: dict(c.most_common(60)) for p, c in kinds.items()},
        "intervention_drugs": dict(drugs.most_common()),
        "therapy_drugs": dict(therapy_drugs.most_common()),
        "triples_per_trial_by_100": {str(k): v for k, v in sorted(triples.items())},
        "constraints_per_criterion": _hist(min(n_constraints[c], 20) for c in per_crit),
    }


def fit(sources: list[Path], store: Path) -> dict[str, object]:
    prof = record_stats(sources)
    prof.update(store_stats(store))
    prof["fitted_from"] = {"records": prof["records"], "store": "a kg store built from the same records"}
    return prof


# -- generating ----------------------------------------------------------------------------
class Pick:
    """Weighted choice by cumulative weights (bisect: fast for long tails)."""

    def __init__(self, weights: dict[str, float] | list[tuple[str, float]]) -> None:
        items = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.keys = [k for k, _ in items]
        self.cum: list[float] = []
        total = 0.0
        for _, w in items:
            total += float(w)
            self.cum.append(total)
        self.total = total

    def __call__(self, rnd: random.Random) -> str:
        return self.keys[bisect.bisect_right(self.cum, rnd.random() * self.total)]


def _int_pick(hist: dict[str, int]) -> Pick:
    return Pick({k: v for k, v in hist.items()})


_LABS = [  # (test, comparator choices, value range, unit): kg's lexicon knows these tests
    ("hemoglobin", ("<", ">="), (8, 12), "g/dL"),
    ("platelet count", ("<", ">="), (50, 150), "x 10^9/L"),
    ("absolute neutrophil count", ("<", ">="), (1, 2), "x 10^9/L"),
    ("serum creatinine", (">", "<="), (1, 3), "mg/dL"),
    ("total bilirubin", (">", "<="), (1, 3), "mg/dL"),
    ("HbA1c", (">", "<"), (6, 11), "%"),
    ("eGFR", ("<", ">="), (30, 60), "mL/min/1.73 m2"),
    ("ALT", (">",), (2, 5), "x ULN"),
]
_INFECTIONS = ["hepatitis B", "hepatitis C", "HIV", "tuberculosis", "active infection requiring antibiotics"]
_SCORES = [("ECOG performance status", (0, 2)), ("Karnofsky performance status", (60, 90)),
           ("SLEDAI-2K score", (4, 10)), ("BMI", (18, 40))]
#: Neutral words that lengthen a criterion to the real word count without adding a concept.
_PAD = "as documented at the screening visit and confirmed by the investigator before the first dose".split()
_FILLER = ["Any condition that, in the opinion of the investigator, would interfere with the study",
           "Unable to comply with study visits and procedures",
           "Life expectancy of at least 12 weeks",
           "Willing to use the study diary for the duration of the study",
           "Adequate venous access for blood sampling"]


class Generator:
    """Trials as API v2 study objects, drawn from a profile (seeded: same seed, same trials)."""

    def __init__(self, profile: dict[str, object], seed: int = 1, n: int = 10_000) -> None:
        self.p = profile
        self.rnd = random.Random(seed)
        self.n = n
        h = profile["hist"]  # type: ignore[index]
        self.ints = {k: _int_pick(v) for k, v in h.items() if v}  # type: ignore[union-attr]
        # kg reads the registry's enumerations case-blind and keeps them lower-case: the API writes them upper-case
        self.cats = {k: Pick({("-" if x == "NA" else x if k == "format" else x.upper()): c for x, c in v.items()})
                     for k, v in profile["categories"].items() if v}  # type: ignore[union-attr]
        self.countries = Pick(profile["countries"])  # type: ignore[arg-type]
        self.kinds = {p: Pick(v) for p, v in profile["criterion_kinds"].items()}  # type: ignore[union-attr]
        self.drug_labels = _drug_labels()
        drugs = {d: c for d, c in profile["intervention_drugs"].items() if d in self.drug_labels}  # type: ignore[union-attr]
        self.drugs = Pick(drugs or {d: 1 for d in self.drug_labels})
        tdrugs = {d: c for d, c in profile["therapy_drugs"].items() if d in self.drug_labels}  # type: ignore[union-attr]
        self.therapy_drugs = Pick(tdrugs or drugs)
        # Conditions: the known ones by frequency; a tail of new ones that grows with N (the real
        # records name ~1 new condition per 2 trials among 1,855; Heaps' law, exponent ~0.7).
        known = profile["conditions"]  # type: ignore[assignment]
        real_n = int(profile["records"])  # type: ignore[arg-type]
        tail_real = sum(int(k) * v for k, v in profile["conditions_tail_counts"].items())  # type: ignore[union-attr]
        self.cond_known = Pick(known)  # type: ignore[arg-type]
        self.tail_share = tail_real / max(1, tail_real + sum(known.values()))  # type: ignore[union-attr]
        self.tail_size = max(50, int((profile["conditions_distinct"] - len(known)) * (max(n, real_n) / real_n) ** 0.7))  # type: ignore[operator]
        # Sponsors and sites: invented names, real rank-frequency shape scaled to N.
        self.sponsor_pick = _zipf_like(profile["sponsor_rank_counts"], n, real_n)  # type: ignore[arg-type]
        self.site_pool = max(100, int(profile["sites_distinct"] * (max(n, real_n) / real_n) ** 0.8))  # type: ignore[operator]

    # -- pieces ------------------------------------------------------------------------
    def _int(self, key: str, default: int = 0) -> int:
        pick = self.ints.get(key)
        return int(pick(self.rnd)) if pick else default

    def condition(self) -> str:
        if self.rnd.random() < self.tail_share:
            return f"Rare condition {_word(self.rnd.randrange(self.tail_size))}"
        return self.cond_known(self.rnd).replace("-", " ").capitalize()

    def criterion(self, polarity: str, conditions: list[str], years: tuple[int, int]) -> str:
        sig = self.kinds[polarity](self.rnd)
        parts = [self._sentence(k, polarity, conditions, years) for k in sig.split("+") if k != "none"]
        text = "; ".join(parts) if parts else self.rnd.choice(_FILLER)
        want = self._int("criterion_words", 5) + self.rnd.randrange(5)
        have = len(text.split())
        if want > have:
            text += ", " + " ".join(_PAD[k % len(_PAD)] for k in range(want - have))
        return text

    def _sentence(self, kind: str, polarity: str, conditions: list[str], years: tuple[int, int]) -> str:
        r = self.rnd
        if kind == "Condition":
            cond = conditions[0] if conditions and r.random() < 0.4 else self.condition()
            if polarity == "exclusion" and r.random() < 0.35:  # "History of A, B or C"
                more = sorted({self.condition().lower() for _ in range(r.randint(1, 3))} - {cond.lower()})
                return f"History of {', '.join([cond.lower(), *more[:-1]])}{' or ' + more[-1] if more else ''}"
            return (f"Diagnosis of {cond.lower()}" if polarity == "inclusion"
                    else f"History of {cond.lower()}")
        if kind == "Therapy":
            drug = self.drug_labels[self.therapy_drugs(r)]
            if r.random() < 0.3:
                drug += f" or {self.drug_labels[self.therapy_drugs(r)]}"
            if r.random() < 0.6:
                return f"Treatment with {drug} within {r.choice((4, 8, 12, 24))} weeks before screening"
            return f"Prior therapy with {drug}"
        if kind == "BackgroundTherapy":
            return f"On a stable dose of {self.drug_labels[self.therapy_drugs(r)]} for at least 4 weeks"
        if kind == "Lab":
            test, comps, (lo, hi), unit = r.choice(_LABS)
            return f"{test.capitalize()} {r.choice(comps)} {r.randint(lo, hi)} {unit}"
        if kind == "Reproductive":
            return r.choice(("Pregnant or breastfeeding women", "Women who are pregnant or lactating"))
        if kind == "Infection":
            return f"Known {r.choice(_INFECTIONS)} infection"
        if kind == "Age":
            return f"Age {years[0]} to {years[1]} years"
        if kind == "Score":
            name, (lo, hi) = r.choice(_SCORES)
            return f"{name} of {r.randint(lo, hi)} or less"
        if kind == "Consent":
            return "Able to give written informed consent"
        if kind == "TrialParticipation":
            return f"Participation in another interventional clinical trial within {r.choice((30, 60, 90))} days"
        if kind == "Sex":
            return r.choice(("Male or female", "Female participants only", "Men only"))
        if kind == "SubstanceUse":
            return "Current alcohol or drug abuse"
        if kind == "HealthyVolunteer":
            return "Healthy volunteers"
        return r.choice(_FILLER)

    # -- one study ---------------------------------------------------------------------
    def study(self, i: int) -> dict[str, object]:
        r = self.rnd
        nct = f"NCT9{i:07d}"
        conditions = sorted({self.condition() for _ in range(max(1, self._int("conditions", 1)))})
        phases_s = self.cats["phases"](r)
        study_type = self.cats["study_type"](r)
        min_y = self._int("min_age_years", 18)
        max_y = self._int("max_age_years", -1)
        years = (min_y if min_y >= 0 else 18, max_y if max_y > max(min_y, 0) else 75)
        ages = {}
        if min_y >= 0:
            ages["minimumAge"] = f"{min_y} Years"
        if max_y > max(min_y, 0):
            ages["maximumAge"] = f"{max_y} Years"
        n_iv = self._int("interventions", 1)
        ivs = []
        for k in range(n_iv):
            typ = self.cats["intervention_type"](r)
            if typ == "DRUG" or typ == "BIOLOGICAL":
                name = self.drug_labels[self.drugs(r)]
            else:
                name = f"{typ.title().replace('_', ' ')} intervention {_word(r.randrange(5000))}"
            ivs.append({"type": typ if typ != "-" else "OTHER", "name": name if not any(
                iv["name"] == name for iv in ivs) else f"{name} ({k + 1})"})
        n_arms = self._int("arms", 1)
        arms = []
        for a in range(n_arms):
            names = [iv["name"] for iv in ivs[a::max(1, n_arms)]] or [iv["name"] for iv in ivs[:1]]
            arm: dict[str, object] = {"label": f"Arm {chr(65 + a % 26)}{a // 26 or ''}",
                                      "interventionNames": [f"{iv_type(ivs, n)}: {n}" for n in names]}
            if (arm_type := self.cats["arm_type"](r)) != "-":
                arm["type"] = arm_type
            arms.append(arm)
        for iv in ivs:
            iv["armGroupLabels"] = [a["label"] for a in arms if any(x.endswith(": " + iv["name"]) for x in a["interventionNames"])]
        inc = [self.criterion("inclusion", conditions, years) for _ in range(self._int("inclusion_criteria", 5))]
        exc = [self.criterion("exclusion", conditions, years) for _ in range(self._int("exclusion_criteria", 8))]
        crit = ""
        if inc:
            crit += "Inclusion Criteria:\n\n" + "\n".join(f"* {c}" for c in inc) + "\n\n"
        if exc:
            crit += "Exclusion Criteria:\n\n" + "\n".join(f"* {c}" for c in exc)
        start_year = self._int("start_year", 2015)
        start = dt.date(start_year, r.randint(1, 12), r.randint(1, 28))
        end = start + dt.timedelta(days=int((self._int("duration_months", 24) + r.random() * 6) * 30.44))
        n_sites = self._int("sites", 1)
        sites = []
        for _ in range(n_sites):
            s = int(self.site_pool * r.random() ** 3)  # a few large centres, many small ones
            sites.append({"facility": f"Clinical Centre {_word(s)}", "city": f"City {_word(s // 7)}",
                          "country": self.countries(r)})
        enrol = int(2 ** (self._int("enrollment_log2", 6) + r.random())) - 1
        sponsor = f"Sponsor {_word(int(self.sponsor_pick(r)))}"
        design: dict[str, object] = {"studyType": study_type if study_type != "-" else "INTERVENTIONAL",
                                     "enrollmentInfo": {"count": enrol, "type": "ACTUAL"}}
        if phases_s != "-":
            design["phases"] = phases_s.split("|")
        info = {}
        for key, cat in (("allocation", "allocation"), ("interventionModel", "intervention_model"),
                         ("primaryPurpose", "primary_purpose")):
            v = self.cats[cat](r)
            if v != "-":
                info[key] = v
        mask = self.cats["masking"](r)
        if mask != "-":
            info["maskingInfo"] = {"masking": mask}
        design["designInfo"] = info
        words = lambda k: " ".join(_word(r.randrange(3000)) for _ in range(k))  # noqa: E731
        status = self.cats["status"](r)
        n_out = [self._int("primary_outcomes", 1), self._int("secondary_outcomes", 2)]
        described = self._int("outcome_descriptions", 0) * (1 + r.random())

        def outcomes(kind: int) -> list[dict[str, str]]:
            out = []
            for k in range(n_out[kind]):
                o = {"measure": f"Outcome {words(4)}", "timeFrame": f"Week {r.choice((4, 12, 24, 52))}"}
                if (k if kind == 0 else n_out[0] + k) < described:
                    o["description"] = f"Measured {words(12)}."
                outcomes_made.append(o)
                out.append(o)
            return out

        outcomes_made: list[dict[str, str]] = []
        refs = [{"pmid": str(10_000_000 + r.randrange(30_000_000)), "type": r.choice(("BACKGROUND", "RESULT", "DERIVED")),
                 "citation": f"Author {_word(r.randrange(9000))} et al. {words(8)}. J {_word(r.randrange(500))}. {r.randint(1990, 2024)}."}
                for _ in range(self._int("publications", 0))]
        other_ids = [{"id": f"ORG-{r.randrange(10 ** 6):06d}"} for _ in range(self._int("other_ids", 0))]
        for iv in ivs:
            iv["description"] = f"Given {words(6)}."
        for arm in arms:
            arm["description"] = f"Participants {words(8)}."
        for site in sites:
            site["state"] = f"Region {_word(r.randrange(400))}"
        # MeSH-shaped ids in a range no descriptor uses (D9xxxxx), from the condition's name.
        meshed = conditions[: self._int("conditions_with_mesh", 1)]
        derived = {"conditionBrowseModule": {
            "meshes": [{"id": f"D9{zlib.crc32(c.encode()) % 100000:05d}", "term": c} for c in meshed],
            "ancestors": [{"id": f"D8{a:05d}", "term": f"Disease group {_word(a)}"}
                          for a in sorted({int(3000 * r.random() ** 2)
                                           for _ in range(self._int("condition_ancestors", 0))})]}}
        return {"derivedSection": derived, "protocolSection": {
            "referencesModule": {"references": refs},
            "identificationModule": {"nctId": nct, "secondaryIdInfos": other_ids, "briefTitle": f"Study {words(3)} of {ivs[0]['name'] if ivs else 'care'} in {conditions[0]}",
                                     "officialTitle": f"A study of {words(6)}"},
            "statusModule": {"overallStatus": status if status != "-" else "COMPLETED",
                             "startDateStruct": {"date": start.isoformat()},
                             "completionDateStruct": {"date": end.isoformat()}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor},
                                           "collaborators": [{"name": f"Sponsor {_word(int(self.sponsor_pick(r)))}"}
                                                             for _ in range(self._int("collaborators", 0))]},
            "descriptionModule": {"briefSummary": f"Summary {words(40)}.", "detailedDescription": f"Design {words(80)}."},
            "conditionsModule": {"conditions": conditions, "keywords": [words(1) for _ in range(self._int("keywords", 0))]},
            "designModule": design,
            "armsInterventionsModule": {"armGroups": arms, "interventions": ivs},
            "outcomesModule": {"primaryOutcomes": outcomes(0), "secondaryOutcomes": outcomes(1)},
            "eligibilityModule": {"eligibilityCriteria": crit, "sex": sex if (sex := self.cats["sex"](r)) != "-" else "ALL",
                                  **ages, "healthyVolunteers": False},
            "contactsLocationsModule": {"locations": sites},
        }}


def iv_type(ivs: list[dict[str, object]], name: str) -> str:
    for iv in ivs:
        if iv["name"] == name:
            return str(iv["type"]).title().replace("_", " ")
    return "Other"


_SYL = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fe", "gu", "hi", "ju", "be"]


def _word(k: int) -> str:
    """An invented pronounceable word for number ``k`` (names of sites, sponsors, new conditions).

    >>> _word(0), _word(17), _word(300)
    ('ka', 'lolo', 'lomigu')
    """
    out = [_SYL[k % 16]]
    k //= 16
    while k:
        out.append(_SYL[k % 16])
        k //= 16
    return "".join(reversed(out)) if len(out) > 1 else out[0]


def _zipf_like(rank_counts: list[int], n: int, real_n: int) -> Pick:
    """Sponsor ranks with the real rank-frequency shape, the number of sponsors grown with N."""
    scale = max(n, real_n) / real_n
    ranks = len(rank_counts)
    total_ranks = int(ranks * scale ** 0.8)
    weights = [(str(i), float(rank_counts[min(i, ranks - 1)]) * (scale ** 0.2 if i < ranks else 1.0))
               for i in range(total_ranks)]
    return Pick(weights)


def _drug_labels() -> dict[str, str]:
    path = ROOT / "src" / "kg" / "data" / "drugs" / "drugs.tsv"
    out = {}
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
            if row.get("slug") and row.get("label"):
                out[row["slug"]] = row["label"]
    return out


def generate(profile: dict[str, object], n: int, out: Path, seed: int = 1, shard: int = 100,
             start: int = 0) -> int:
    """Write ``n`` studies as JSON arrays of ``shard`` studies each; returns bytes written."""
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(profile, seed, n)
    written = 0
    for first in range(start, start + n, shard):
        batch = [gen.study(i) for i in range(first, min(first + shard, start + n))]
        data = json.dumps(batch, separators=(",", ":")).encode()
        (out / f"studies-{first // shard:06d}.json").write_bytes(data)
        written += len(data)
    return written


# -- comparing -------------------------------------------------------------------------------
def _summary(dist: dict[str, int]) -> dict[str, float]:
    vals = sorted((float(k), v) for k, v in dist.items())
    total = sum(v for _, v in vals)
    if not total:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0}
    mean = sum(k * v for k, v in vals) / total
    out = {"mean": round(mean, 2)}
    for q in (0.5, 0.9):
        acc = 0
        for k, v in vals:
            acc += v
            if acc >= q * total:
                out[f"p{int(q * 100)}"] = k
                break
    return out


def _shares(c: dict[str, int], top: int = 8) -> dict[str, float]:
    total = sum(c.values()) or 1
    return {k: round(v / total, 3) for k, v in sorted(c.items(), key=lambda kv: -kv[1])[:top]}


def _kind_shares(kinds: dict[str, dict[str, int]]) -> dict[str, float]:
    """Share of criteria carrying each kind (a criterion of several kinds counts for each)."""
    per: Counter[str] = Counter()
    total = 0
    for c in kinds.values():
        for sig, v in c.items():
            total += v
            for k in sig.split("+"):
                per[k] += v
    return {k: round(v / max(1, total), 3) for k, v in per.most_common()}


def comparison(real: dict[str, object], gen: dict[str, object]) -> dict[str, object]:
    rows: dict[str, object] = {}
    for key in real["hist"]:  # type: ignore[union-attr]
        rows[key] = {"real": _summary(real["hist"][key]), "generated": _summary(gen["hist"].get(key, {}))}  # type: ignore[index,union-attr]
    for key in ("phases", "status", "study_type", "intervention_type"):
        rows[key] = {"real": _shares(real["categories"][key]), "generated": _shares(gen["categories"].get(key, {}))}  # type: ignore[index,union-attr]
    rows["criterion_kind_share"] = {"real": _kind_shares(real["criterion_kinds"]),  # type: ignore[arg-type]
                                    "generated": _kind_shares(gen["criterion_kinds"])}  # type: ignore[arg-type]
    rows["triples_per_trial"] = {"real": _summary(real["triples_per_trial_by_100"]),  # type: ignore[arg-type]
                                 "generated": _summary(gen["triples_per_trial_by_100"])}  # type: ignore[arg-type]
    rows["constraints_per_criterion"] = {"real": _summary(real.get("constraints_per_criterion", {})),  # type: ignore[arg-type]
                                         "generated": _summary(gen["constraints_per_criterion"])}  # type: ignore[arg-type]
    for key in ("countries",):
        rows[key] = {"real": _shares(real[key]), "generated": _shares(gen[key])}  # type: ignore[arg-type]
    top_real = list(real["conditions"])[:10]  # type: ignore[arg-type]
    rows["top_conditions_share"] = {
        "real": _top_share(real["conditions"], top_real, real["records"]),  # type: ignore[arg-type]
        "generated": _top_share(gen["conditions"], top_real, gen["records"])}  # type: ignore[arg-type]
    rows["drugs_resolved_per_trial"] = {
        "real": round(sum(real["intervention_drugs"].values()) / real["records"], 2),  # type: ignore[union-attr,operator]
        "generated": round(sum(gen["intervention_drugs"].values()) / gen["records"], 2)}  # type: ignore[union-attr,operator]
    return rows


def _top_share(counts: dict[str, int], keys: list[str], n: int) -> dict[str, float]:
    return {k: round(counts.get(k, 0) / n, 3) for k in keys}


def compare_real(profile: dict[str, object], n: int, workers: int | None = None) -> dict[str, object]:
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore

    tmp = Path(tempfile.mkdtemp(prefix="realgen-"))
    try:
        generate(profile, n, tmp / "src", seed=7)
        store = OxigraphStore(tmp / "store")
        t0 = time.perf_counter()
        build([tmp / "src"], store, compare=False, workers=workers)
        seconds = time.perf_counter() - t0
        store.close()
        gen = record_stats([tmp / "src"])
        gen.update(store_stats(tmp / "store"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"generated_sample": n, "sample_build_seconds": round(seconds, 1),
            "real_records": profile["records"], "rows": comparison(profile, gen)}


def print_table(result: dict[str, object]) -> None:
    print(f"{'measure':34} {'real (' + str(result['real_records']) + ')':>40}   generated ({result['generated_sample']})")
    for key, row in result["rows"].items():  # type: ignore[union-attr]
        real, gen = row["real"], row["generated"]
        if isinstance(real, dict) and set(real) <= {"mean", "p50", "p90"}:
            fmt = lambda d: f"mean {d.get('mean')} p50 {d.get('p50')} p90 {d.get('p90')}"  # noqa: E731
            print(f"{key:34} {fmt(real):>40}   {fmt(gen)}")
        elif isinstance(real, dict):
            keys = list(real)[:6]
            print(f"{key:34} " + ", ".join(f"{k[:14]} {real[k]}" for k in keys))
            print(f"{'':34} " + ", ".join(f"{k[:14]} {gen.get(k, 0)}" for k in keys))
        else:
            print(f"{key:34} {real!s:>40}   {gen}")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--compare-real" in argv:
        argv[argv.index("--compare-real")] = "compare"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--sources", type=Path, nargs="+", default=[DEFAULT_SOURCES])
    f.add_argument("--store", type=Path, default=DEFAULT_STORE)
    f.add_argument("--out", type=Path, default=PROFILE)
    g = sub.add_parser("generate")
    g.add_argument("n", type=int)
    g.add_argument("out", type=Path)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--shard", type=int, default=100)
    g.add_argument("--profile", type=Path, default=PROFILE)
    c = sub.add_parser("compare")
    c.add_argument("--n", type=int, default=400)
    c.add_argument("--profile", type=Path, default=PROFILE)
    c.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.cmd == "fit":
        prof = fit(args.sources, args.store)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(prof, indent=1) + "\n")
        print(f"profile of {prof['records']} records -> {args.out}")
    elif args.cmd == "generate":
        prof = json.loads(args.profile.read_text())
        t0 = time.perf_counter()
        size = generate(prof, args.n, args.out, seed=args.seed, shard=args.shard)
        print(f"{args.n} studies, {size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s -> {args.out}")
    else:
        prof = json.loads(args.profile.read_text())
        result = compare_real(prof, args.n)
        print_table(result)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
