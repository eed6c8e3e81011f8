"""OHDSI export: a trial's eligibility as a Circe cohort definition (the JSON ATLAS reads).

Entry event: an occurrence of one of the trial's conditions (concept set of its ICD-10-CM,
SNOMED, MeSH and NCIt codes), or any observation period when no condition is coded or
``entry="observation-period"``; the observation window before it is the longest look-back
any constraint needs. One inclusion rule per criterion, holding its constraints:

- age and sex: demographic criteria (age range in years, OMOP gender concepts 8507/8532);
- lab and score with a LOINC code: a measurement with ``ValueAsNumber`` (or the ratio to the
  range's upper/lower limit for multiples of ULN/LLN) in the window;
- therapy: a drug exposure of the drug's concept set (RxNorm, ATC; a class: its ATC code and
  the RxNorm codes of the catalogue's member drugs), occurrence exactly 0 for an exclusion,
  at least 1 for an inclusion, in the window before the index (``ever``: all prior time); a
  current use is an exposure running at the index, a stable dose or required background therapy
  one that started at least the window before it and is still running;
- condition: a condition occurrence of the condition's concept set, likewise;
- any-of / all-of groups: a nested group of type ANY / ALL.

Concept sets are never empty for a coded constraint: a code whose OMOP concept id kg does not
know is written with ``CONCEPT_ID`` 0 and its source vocabulary and code, for a site to resolve
(:func:`resolve_concepts` does it against an OMOP vocabulary table). A constraint with no code
in an OMOP vocabulary is left out and listed in ``not_expressed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kg.errors import ExportError
from kg.interop.facts import Code, Item, TrialFacts, code_of

#: OMOP gender concepts (standard, Gender vocabulary).
GENDER = {"male": (8507, "MALE", "M"), "female": (8532, "FEMALE", "F")}
_DOMAIN = {"RxNorm": "Drug", "ATC": "Drug", "LOINC": "Measurement", "ICD10CM": "Condition", "SNOMED": "Condition",
           "MeSH": "Condition", "NCIt": "Condition"}
ENTRIES = ("condition", "observation-period")


@dataclass
class CohortExport:
    """A Circe cohort expression and what each constraint became in it."""

    expression: dict[str, Any]
    expressed: list[str] = field(default_factory=list)
    not_expressed: dict[str, str] = field(default_factory=dict)

    def json(self) -> str:
        return json.dumps(self.expression, indent=2, ensure_ascii=False) + "\n"


def _concept(c: Code, name: str) -> dict[str, Any]:
    vocab = c.vocabulary.omop or c.vocabulary.name
    return {"CONCEPT_ID": 0, "CONCEPT_NAME": name[:255] or c.code, "CONCEPT_CODE": c.code, "VOCABULARY_ID": vocab,
            "DOMAIN_ID": _DOMAIN.get(vocab, "Observation"), "STANDARD_CONCEPT": None}


class _Sets:
    """The cohort's concept sets, one per distinct list of codes."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.sets: list[dict[str, Any]] = []
        self.index: dict[tuple[Code, ...], int] = {}
        self.labels = labels

    def add(self, name: str, codes: tuple[Code, ...], descendants: bool = True) -> int | None:
        codes = tuple(c for c in codes if c.vocabulary.omop)
        if not codes:
            return None
        if codes in self.index:
            return self.index[codes]
        n = len(self.sets)
        items = [{"concept": _concept(c, self.labels.get(c.iri) or name), "isExcluded": False,
                  "includeDescendants": descendants, "includeMapped": True} for c in codes]
        self.sets.append({"id": n, "name": name[:255] or f"set {n}", "expression": {"items": items}})
        self.index[codes] = n
        return n


def _window(item: Item) -> dict[str, Any]:
    """StartWindow of a correlated criterion: the constraint's window before (or after) the index."""
    w = item.window
    if w is None or w.ever or w.days is None:
        return {"Start": {"Coeff": -1}, "End": {"Days": 0, "Coeff": 1}, "UseEventEnd": False}
    if w.direction == "after":
        return {"Start": {"Days": 0, "Coeff": 1}, "End": {"Days": w.days, "Coeff": 1}, "UseEventEnd": False}
    return {"Start": {"Days": w.days, "Coeff": -1}, "End": {"Days": 0, "Coeff": 1}, "UseEventEnd": False}


def _occurrence(item: Item) -> dict[str, int]:
    # exactly 0 for what excludes, at least 1 for what is required
    return {"Type": 0, "Count": 0} if item.effective == "exclusion" else {"Type": 2, "Count": 1}


_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "=": "eq"}


def _range(item: Item) -> dict[str, Any] | None:
    if item.comparator == "between" and item.low is not None and item.high is not None:
        return {"Value": item.low, "Extent": item.high, "Op": "bt"}
    if item.comparator in _OPS and item.value is not None:
        return {"Value": item.value, "Op": _OPS[item.comparator]}
    return None


def _criterion(item: Item, f: TrialFacts, sets: _Sets, out: CohortExport) -> dict[str, Any] | None:
    """A correlated criterion (or demographic criterion, or group) for one item; None: not expressible."""
    name = item.subject or item.text
    if item.kind in ("therapy", "background_therapy"):
        if item.role in ("allowed",):
            out.not_expressed[item.iri] = "allowed therapy: restricts nobody"
            return None
        if item.role == "allergy":
            out.not_expressed[item.iri] = "an allergy to a drug is no drug exposure"
            return None
        codes = list(item.codes)
        for c in item.codes:  # a class: the RxNorm codes of the catalogue's member drugs too
            for d in f.class_drugs.get(c.iri, ()):
                codes += [x for x in f.codes.get(d, ()) if x.vocabulary.omop == "RxNorm"]
        cs = sets.add(name, tuple(dict.fromkeys(codes)))
        if cs is None:
            out.not_expressed[item.iri] = "no RxNorm or ATC code for the drug or class"
            return None
        crit = {"Criteria": {"DrugExposure": {"CodesetId": cs}}, "StartWindow": _window(item),
                "Occurrence": _occurrence(item)}
        still_on = {"Start": {"Days": 0, "Coeff": 1}, "End": {"Coeff": 1}, "UseEventEnd": True}
        if item.role == "current":  # an exposure still running at the index
            crit["StartWindow"] = {"Start": {"Coeff": -1}, "End": {"Days": 0, "Coeff": 1}, "UseEventEnd": False}
            crit["EndWindow"] = still_on
        elif item.role in ("stable-dose", "required-background"):
            # on it for the whole window: started at least that long before the index, still running
            days = item.window.days if item.window and item.window.days and item.window.direction != "after" else 0
            crit["StartWindow"] = {"Start": {"Coeff": -1}, "End": {"Days": days, "Coeff": -1}, "UseEventEnd": False}
            crit["EndWindow"] = still_on
        return crit
    if item.kind == "condition":
        cs = sets.add(name, item.codes)
        if cs is None:
            out.not_expressed[item.iri] = "no ICD-10-CM, SNOMED, MeSH or NCIt code for the condition"
            return None
        return {"Criteria": {"ConditionOccurrence": {"CodesetId": cs}}, "StartWindow": _window(item),
                "Occurrence": _occurrence(item)}
    if item.kind in ("lab", "score"):
        cs = sets.add(name, item.codes)
        rng = _range(item)
        if cs is None:
            out.not_expressed[item.iri] = f"no LOINC code for the {'analyte' if item.kind == 'lab' else 'instrument'}"
            return None
        if rng is None:
            out.not_expressed[item.iri] = "no numeric threshold (qualitative value)"
            return None
        m: dict[str, Any] = {"CodesetId": cs}
        if item.relative_to in ("ULN", "LLN"):
            m["RangeHighRatio" if item.relative_to == "ULN" else "RangeLowRatio"] = rng
        elif item.relative_to:
            out.not_expressed[item.iri] = f"a value relative to {item.relative_to}"
            return None
        else:
            m["ValueAsNumber"] = rng
        # an exclusion "X > t" turns away whoever has such a measurement; an inclusion needs one
        return {"Criteria": {"Measurement": m}, "StartWindow": _window(item), "Occurrence": _occurrence(item)}
    out.not_expressed[item.iri] = f"{item.kind} constraints have no OMOP code in kg"
    return None


def _demographic(item: Item, out: CohortExport) -> dict[str, Any] | None:
    if item.kind == "age":
        rng = _range(item)
        if rng is None:
            out.not_expressed[item.iri] = "age without a bound"
            return None
        if item.effective == "exclusion":
            out.not_expressed[item.iri] = "an excluding age range (a negated demographic)"
            return None
        return {"Age": rng}
    if item.kind == "sex":
        if item.value_code not in GENDER:
            out.not_expressed[item.iri] = "sex 'all' restricts nobody"
            return None
        cid, name, code = GENDER[item.value_code if item.effective == "inclusion" else
                                 ("male" if item.value_code == "female" else "female")]
        return {"Gender": [{"CONCEPT_ID": cid, "CONCEPT_NAME": name, "CONCEPT_CODE": code, "VOCABULARY_ID": "Gender",
                            "DOMAIN_ID": "Gender", "STANDARD_CONCEPT": "S"}]}
    return None


def _group(items: list[Item], by_iri: dict[str, Item], f: TrialFacts, sets: _Sets, out: CohortExport,
           kind: str = "ALL") -> dict[str, Any]:
    crits, demos, groups = [], [], []
    for item in items:
        if item.kind == "group":
            members = [by_iri[m] for m in item.members if m in by_iri]
            g = _group(members, by_iri, f, sets, out, "ANY" if item.operator == "any" else "ALL")
            if item.operator == "any" and any(m.iri in out.not_expressed for m in members):
                # an alternative left out would make the ANY stricter than the text
                out.not_expressed[item.iri] = "an alternative of the group cannot be written"
                for m in members:
                    if m.iri in out.expressed:
                        out.expressed.remove(m.iri)
                        out.not_expressed[m.iri] = "member of an any-of group that cannot be written"
                continue
            if g["CriteriaList"] or g["DemographicCriteriaList"] or g["Groups"]:
                groups.append(g)
                out.expressed.append(item.iri)
            else:
                out.not_expressed[item.iri] = "no member can be written"
            continue
        if item.kind in ("age", "sex"):
            d = _demographic(item, out)
            if d is not None:
                demos.append(d)
                out.expressed.append(item.iri)
            elif item.iri not in out.not_expressed:
                out.not_expressed[item.iri] = f"{item.kind} with nothing to restrict"
            continue
        c = _criterion(item, f, sets, out)
        if c is not None:
            crits.append(c)
            out.expressed.append(item.iri)
    return {"Type": kind, "CriteriaList": crits, "DemographicCriteriaList": demos, "Groups": groups}


def export_cohort(f: TrialFacts, entry: str = "condition", index_date: str | None = None,
                  check: bool = True) -> CohortExport:
    """The trial's eligibility as a Circe cohort expression, validated by ``ohdsi-cohort-schemas``.

    ``entry="observation-period"`` screens everyone observed; with ``index_date`` (YYYY-MM-DD)
    the index is that day (a screening date) for everyone observed on it."""
    if entry not in ENTRIES:
        raise ExportError(f"unknown entry event {entry!r} (choose {', '.join(ENTRIES)})")
    if index_date is not None:
        import datetime

        try:
            datetime.date.fromisoformat(index_date)
        except ValueError:
            raise ExportError(f"index date {index_date!r} is not YYYY-MM-DD") from None
        entry = "observation-period"
    out = CohortExport(expression={})
    sets = _Sets(f.labels)
    by_iri = {i.iri: i for i in f.items}
    in_group = {m for i in f.items if i.kind == "group" for m in i.members}
    entry_set = None
    if entry == "condition":
        codes = tuple(dict.fromkeys(x for c in f.of("condition") for x in (code_of(c.iri),) + f.codes.get(c.iri, ())))
        entry_set = sets.add("trial conditions", codes)
    if entry_set is not None:
        primary: dict[str, Any] = {"ConditionOccurrence": {"CodesetId": entry_set}}
    elif index_date is not None:
        primary = {"ObservationPeriod": {"UserDefinedPeriod": {"StartDate": index_date, "EndDate": index_date}}}
    else:
        primary = {"ObservationPeriod": {}}
    rules = []
    by_criterion: dict[str, list[Item]] = {}
    for item in f.items:
        if item.iri not in in_group:
            by_criterion.setdefault(item.criterion, []).append(item)
    for criterion, items in by_criterion.items():
        expr = _group(items, by_iri, f, sets, out)
        if expr["CriteriaList"] or expr["DemographicCriteriaList"] or expr["Groups"]:
            first = items[0]
            rules.append({"name": f"{first.criterion_polarity} {first.criterion_order}: {first.text}"[:255],
                          "description": criterion, "expression": expr})
    if f.min_age is not None or f.max_age is not None:  # the registry's structured age limits
        lo, hi = f.min_age, f.max_age
        age = ({"Value": lo, "Extent": hi, "Op": "bt"} if lo is not None and hi is not None else
               {"Value": lo, "Op": "gte"} if lo is not None else {"Value": hi, "Op": "lte"})
        rules.insert(0, {"name": "registry age limits", "description": f.iri,
                         "expression": {"Type": "ALL", "CriteriaList": [], "Groups": [],
                                        "DemographicCriteriaList": [{"Age": age}]}})
    lookback = max((i.window.days or 0 for i in f.items if i.window and not i.window.ever
                    and i.window.direction != "after" and i.iri in out.expressed), default=0)
    out.expression = {
        "ConceptSets": sets.sets,
        "PrimaryCriteria": {"CriteriaList": [primary], "ObservationWindow": {"PriorDays": lookback, "PostDays": 0},
                            "PrimaryCriteriaLimit": {"Type": "First"}},
        "QualifiedLimit": {"Type": "First"},
        "ExpressionLimit": {"Type": "First"},
        "InclusionRules": rules,
        "CensoringCriteria": [],
        "CollapseSettings": {"CollapseType": "ERA", "EraPad": 0},
        "CensorWindow": {},
    }
    if check:
        validate(out.expression)
    return out


def validate(expression: dict[str, Any]) -> None:
    """Raise :class:`ExportError` unless ``ohdsi-cohort-schemas`` accepts the expression (schema and
    its reference checks: every CodesetId names a concept set, none is empty)."""
    try:
        from ohdsi_cohort_schemas import validate_with_warnings
    except ImportError as exc:
        raise ExportError(f"cohort export needs ohdsi-cohort-schemas: {exc}") from None
    try:
        _, issues = validate_with_warnings(expression)
    except ValueError as exc:
        raise ExportError(f"the cohort definition does not validate: {str(exc)[:500]}") from None
    errors = [i for i in issues if getattr(i, "severity", "error") == "error"]
    if errors:
        raise ExportError("the cohort definition does not validate: " + "; ".join(i.message for i in errors)[:500])


def resolve_concepts(expression: dict[str, Any], lookup: Any) -> tuple[dict[str, Any], int, int]:
    """A copy of ``expression`` whose concepts carry the ids an OMOP vocabulary gives their
    (vocabulary, code); ``lookup(vocabulary_id, code) -> (concept_id, name) | None``. Items no
    vocabulary knows are dropped (a CONCEPT_ID 0 would match unmapped records), so a set may
    end up empty and match nobody. Returns the copy, items resolved and items dropped."""
    out = json.loads(json.dumps(expression))
    found = dropped = 0
    for cs in out["ConceptSets"]:
        kept = []
        for it in cs["expression"]["items"]:
            c = it["concept"]
            hit = lookup(c["VOCABULARY_ID"], c["CONCEPT_CODE"])
            if hit is None:
                dropped += 1
                continue
            c["CONCEPT_ID"], c["CONCEPT_NAME"] = hit
            found += 1
            kept.append(it)
        cs["expression"]["items"] = kept
    return out, found, dropped


def execute(expression: dict[str, Any], con: Any, cdm_schema: str = "main", cohort_id: int = 1,
            table: str = "kg_cohort") -> int:
    """Run ``expression`` on the OMOP CDM of DuckDB connection ``con`` and return how many persons
    enter the cohort. The SQL is Circe's own (``circe`` builds it as the Java Circe does, its
    SqlRender port translates it to DuckDB); the rows land in ``cdm_schema.table``."""
    from circe.api import build_cohort_query, cohort_expression_from_json
    from circe.cohortdefinition import BuildExpressionQueryOptions
    from circe.sqlrender import render, split_sql, translate

    options = BuildExpressionQueryOptions()
    options.cohort_id = cohort_id
    options.cdm_schema = options.vocabulary_schema = options.result_schema = cdm_schema
    options.target_table = f"{cdm_schema}.{table}"
    sql = translate(render(build_cohort_query(cohort_expression_from_json(json.dumps(expression)), options)), "duckdb")
    con.execute(f"CREATE TABLE IF NOT EXISTS {cdm_schema}.{table} (cohort_definition_id INTEGER, subject_id BIGINT, "
                "cohort_start_date DATE, cohort_end_date DATE)")
    con.execute(f"DELETE FROM {cdm_schema}.{table} WHERE cohort_definition_id = ?", [cohort_id])
    for statement in split_sql(sql):
        con.execute(statement)
    row = con.execute(f"SELECT COUNT(DISTINCT subject_id) FROM {cdm_schema}.{table} WHERE cohort_definition_id = ?",
                      [cohort_id]).fetchone()
    return int(row[0])
