"""FHIR export: a trial as a Bundle with a ResearchStudy and its eligibility (R5 EvidenceVariable, R4B Group).

Each typed constraint is one characteristic; ``exclude`` is its effective polarity, an
extension keeps the constraint's kg IRI and kind, and its definition carries codes:

- age, sex: LOINC 30525-0 / 46098-0 with a UCUM ``a`` quantity or an AdministrativeGender code;
- lab, score: the analyte's or instrument's codes (LOINC where kg has the mapping, kg's own IRI
  always) with a Quantity (comparator) or a Range in the UCUM unit as written, ``offset`` for
  multiples of ULN/LLN, or a coded qualitative value;
- therapy: the therapy role (kg code) as type, the drug's or class's codes (RxNorm, ATC,
  DrugBank, ChEBI, MeSH, kg IRI) as value;
- condition and the other kinds: the condition's codes (MONDO, DOID, MeSH, ICD-10-CM, NCIt, …)
  or kg's own code for the topic;
- windows (R5 only): ``timeFromEvent`` with a Range in days around the reference point; R4B
  writes only "ever" (no timing), a constraint with a window of days is left out;
- groups (R5): ``definitionByCombination`` any-of / all-of with the members nested; R4B's
  Group characteristics are all ANDed, so an all-of group is flattened and an any-of group
  cannot be written.

:func:`read_bundle` reads a Bundle back to :class:`kg.interop.facts.Item` keys: the
round-trip tests compare them with what the store holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kg.errors import ExportError
from kg.interop.facts import SYSTEMS, Code, Item, TrialFacts, Window, code_of

#: kg's extension URLs (the constraint's IRI and kind, the criterion it comes from).
EXT_CONSTRAINT = "https://w3id.org/kg/fhir/StructureDefinition/constraint"
EXT_KIND = "https://w3id.org/kg/fhir/StructureDefinition/constraint-kind"
EXT_CRITERION = "https://w3id.org/kg/fhir/StructureDefinition/criterion"
#: Code systems kg mints for what has no outside code.
KG_ROLE = "https://w3id.org/kg/ontology#therapyRole"
KG_VALUE = "https://w3id.org/kg/ontology#value"
KG_REFERENCE = "https://w3id.org/kg/ontology#windowReference"
KG_RELATIVE = "https://w3id.org/kg/ontology#relativeTo"
KG_TOPIC = "https://w3id.org/kg/id/topic/"  # + kind/subject, e.g. reproductive/pregnancy
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
AGE = {"system": LOINC, "code": "30525-0", "display": "Age"}
SEX = {"system": LOINC, "code": "46098-0", "display": "Sex"}
GENDER = "http://hl7.org/fhir/administrative-gender"

_FHIR_TO_NS = {v.fhir: v.namespace for v in SYSTEMS if v.fhir}
_NS_TO_FHIR = {v.namespace: v.fhir for v in SYSTEMS if v.fhir}

VERSIONS = ("R5", "R4B")
#: Base of the Bundle's fullUrls, so that relative references ("EvidenceVariable/…") resolve inside it.
FHIR_BASE = "https://w3id.org/kg/fhir/"

_PHASE = {"early_phase1": "early-phase-1", "phase1": "phase-1", "phase2": "phase-2", "phase3": "phase-3",
          "phase4": "phase-4", "na": "n-a"}
#: kg:Status -> R4B ResearchStudy.status (its required code list).
_R4B_STATUS = {"recruiting": "active", "enrolling_by_invitation": "active", "not_yet_recruiting": "approved",
               "active_not_recruiting": "closed-to-accrual", "suspended": "temporarily-closed-to-accrual",
               "terminated": "administratively-completed", "completed": "completed", "withdrawn": "withdrawn"}


@dataclass
class FhirExport:
    """A written Bundle and what each constraint became in it."""

    bundle: dict[str, Any]
    version: str
    expressed: list[str] = field(default_factory=list)  # constraint IRIs written computably
    not_expressed: dict[str, str] = field(default_factory=dict)  # IRI -> why not

    def json(self) -> str:
        return json.dumps(self.bundle, indent=2, ensure_ascii=False) + "\n"


def _coding(c: Code, display: str | None = None) -> dict[str, Any]:
    system = _NS_TO_FHIR.get(c.namespace, c.namespace)
    out: dict[str, Any] = {"system": system, "code": c.code}
    if display:
        out["display"] = display
    return out


def _cc(codes: tuple[Code, ...] | list[Code], text: str | None = None, labels: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [_coding(c, (labels or {}).get(c.iri)) for c in codes]}
    if text:
        out["text"] = text
    return out


def _topic(item: Item) -> Code:
    """kg's own code for what a constraint is about when no entity IRI names it."""
    from kg.vocab import slug

    return Code(KG_TOPIC + item.kind + "/", slug(item.subject or item.kind))


def _quantity(value: float, unit: str | None, comparator: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": _num(value)}
    if comparator in ("<", "<=", ">", ">="):
        q["comparator"] = comparator
    if unit:
        q.update(unit=unit, system=UCUM, code=unit)
    return q


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _value(item: Item) -> dict[str, Any]:
    """The value[x] of a characteristic: a Quantity with comparator, a Range, or a coded value."""
    if item.value_code is not None:
        if item.kind == "sex" and item.value_code in ("female", "male"):
            return {"valueCodeableConcept": {"coding": [{"system": GENDER, "code": item.value_code}]}}
        return {"valueCodeableConcept": {"coding": [{"system": KG_VALUE, "code": item.value_code}]}}
    if item.comparator == "between" and (item.low is not None or item.high is not None):
        rng: dict[str, Any] = {}
        if item.low is not None:
            rng["low"] = _quantity(item.low, item.unit)
        if item.high is not None:
            rng["high"] = _quantity(item.high, item.unit)
        return {"valueRange": rng}
    if item.value is not None:
        q = _quantity(item.value, item.unit, item.comparator)
        return {"valueQuantity": q}
    return {}


def exclusive_bounds(item: Item) -> bool:
    """A Range's bounds are inclusive in FHIR: an exclusive bound is not written exactly."""
    return item.comparator == "between" and (not item.low_inclusive or not item.high_inclusive)


def _time_from_event(w: Window) -> dict[str, Any]:
    event = {"coding": [{"system": KG_REFERENCE, "code": w.reference or "unspecified"}]}
    if w.ever:
        return {"description": "ever", "eventCodeableConcept": event, "range": {"high": _quantity(0, "d")}}
    if w.days is None:  # a window of unstated length: only its side of the reference point
        return {"description": w.direction or "unspecified", "eventCodeableConcept": event}
    days = w.days
    if w.direction == "after":
        rng = {"low": _quantity(0, "d"), "high": _quantity(days, "d")}
    elif w.direction == "during":
        return {"description": "during", "eventCodeableConcept": event, "quantity": _quantity(days, "d")}
    else:
        rng = {"low": _quantity(-days, "d"), "high": _quantity(0, "d")}
    out = {"eventCodeableConcept": event, "range": rng}
    if w.iso:
        out["description"] = w.iso
    return out


def _definition(item: Item, labels: dict[str, str]) -> dict[str, Any] | None:
    """The characteristic's definition[x] for one non-group item (None: the kind gives nothing to write)."""
    codes = item.codes or (_topic(item),)
    if item.kind == "age":
        value = _value(item)
        return {"definitionByTypeAndValue": {"type": {"coding": [AGE]}, **value}} if value else None
    if item.kind == "sex":
        if item.value_code not in ("female", "male"):
            return None  # "all" restricts nothing
        return {"definitionByTypeAndValue": {"type": {"coding": [SEX]}, **_value(item)}}
    if item.kind in ("therapy", "background_therapy"):
        role = {"coding": [{"system": KG_ROLE, "code": item.role or "unspecified"}]}
        return {"definitionByTypeAndValue": {"type": role, "valueCodeableConcept": _cc(codes, item.subject, labels)}}
    value = _value(item)
    if value:
        d: dict[str, Any] = {"type": _cc(codes, item.subject, labels), **value}
        if item.relative_to:
            d["offset"] = {"coding": [{"system": KG_RELATIVE, "code": item.relative_to}]}
        return {"definitionByTypeAndValue": d}
    return {"definitionCodeableConcept": _cc(codes, item.subject, labels)}


def _extensions(item: Item) -> list[dict[str, Any]]:
    return [{"url": EXT_CONSTRAINT, "valueUri": item.iri}, {"url": EXT_KIND, "valueCode": item.kind},
            {"url": EXT_CRITERION, "valueUri": item.criterion}]


def _characteristic_r5(item: Item, by_iri: dict[str, Item], labels: dict[str, str], out: FhirExport) -> dict[str, Any] | None:
    ch: dict[str, Any] = {"extension": _extensions(item), "description": item.text or item.kind,
                          "exclude": item.effective == "exclusion"}
    if item.kind == "group":
        members = [m for m in (by_iri.get(i) for i in item.members) if m is not None]
        nested = [c for c in (_characteristic_r5(m, by_iri, labels, out) for m in members) if c is not None]
        if not nested:
            out.not_expressed[item.iri] = "group of constraints none of which can be written"
            return None
        ch["definitionByCombination"] = {"code": "any-of" if item.operator == "any" else "all-of",
                                         "characteristic": nested}
    else:
        d = _definition(item, labels)
        if d is None:
            out.not_expressed[item.iri] = f"{item.kind} constraint with nothing to restrict"
            return None
        ch.update(d)
    if item.window is not None:
        ch["timeFromEvent"] = [_time_from_event(item.window)]
    out.expressed.append(item.iri)
    return ch


def _characteristic_r4b(item: Item, labels: dict[str, str], out: FhirExport) -> list[dict[str, Any]]:
    d = _definition(item, labels) if item.kind != "group" else None
    if d is None:
        out.not_expressed[item.iri] = f"{item.kind} constraint with nothing to restrict"
        return []
    ch: dict[str, Any] = {"extension": _extensions(item), "exclude": item.effective == "exclusion"}
    if "definitionByTypeAndValue" in d:
        tv = d["definitionByTypeAndValue"]
        if "offset" in tv:
            out.not_expressed[item.iri] = "a multiple of ULN/LLN has no R4B Group form"
            return []
        ch["code"] = tv["type"]
        ch.update({k: v for k, v in tv.items() if k.startswith("value")})
    else:
        ch["code"] = d["definitionCodeableConcept"]
        ch["valueBoolean"] = True
    out.expressed.append(item.iri)
    return [ch]


def _study_common(f: TrialFacts) -> dict[str, Any]:
    rs: dict[str, Any] = {"resourceType": "ResearchStudy", "id": _fhir_id(f.nct or f.iri)}
    ids = [{"system": "https://w3id.org/kg/id", "value": f.iri}]
    if f.nct:
        ids.insert(0, {"system": "https://clinicaltrials.gov", "value": f.nct})
    rs["identifier"] = ids
    if f.title:
        rs["title"] = f.title
    if f.summary:
        rs["description"] = f.summary
    if f.phase in _PHASE:
        rs["phase"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                                   "code": _PHASE[f.phase]}]}
    conditions = []
    for c in f.of("condition"):
        codes = (code_of(c.iri),) + f.codes.get(c.iri, ())
        conditions.append(_cc(codes, c.label, f.labels))
    if conditions:
        rs["condition"] = conditions
    if f.start or f.completion:
        rs["period"] = {k: v[:10] for k, v in (("start", f.start), ("end", f.completion)) if v}
    return rs


def _fhir_id(key: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9\-.]", "-", key)[-64:]


def export_fhir(f: TrialFacts, version: str = "R5", check: bool = True) -> FhirExport:
    """The trial as a FHIR Bundle of ``version`` (R5 or R4B), validated by ``fhir.resources``
    (``check=False``: not validated, for measuring many trials)."""
    if version not in VERSIONS:
        raise ExportError(f"unknown FHIR version {version!r} (choose R5 or R4B)")
    out = FhirExport(bundle={}, version=version)
    by_iri = {i.iri: i for i in f.items}
    in_group = {m for i in f.items if i.kind == "group" for m in i.members}
    study = _study_common(f)
    sid = study["id"]
    entries: list[dict[str, Any]] = []
    sites = f.of("site")
    interventions = {p.iri: p for p in f.of("intervention")}
    if version == "R5":
        study["status"] = "active"
        if f.status:
            study["progressStatus"] = [{"state": {"coding": [{"system": "https://w3id.org/kg/ontology#Status",
                                                              "code": f.status}]}}]
        parties = [{"name": p.label, "role": {"coding": [{"system": "http://hl7.org/fhir/research-study-party-role",
                                                          "code": "sponsor" if p.kind == "sponsor" else "collaborator"}]}}
                   for p in f.of("sponsor") + f.of("collaborator") if p.label]
        if parties:
            study["associatedParty"] = parties
        focus = []
        for p in interventions.values():
            codes = tuple(x for d in p.links for x in (code_of(d),) + f.codes.get(d, ()))
            focus.append({"concept": _cc(codes or (code_of(p.iri),), p.label, f.labels)})
        if focus:
            study["focus"] = focus
        groups = []
        for n, arm in enumerate(f.of("arm")):
            g: dict[str, Any] = {"linkId": f"arm-{n}", "name": arm.label or f"arm {n}"}
            if arm.type:
                g["type"] = {"coding": [{"system": "https://w3id.org/kg/ontology#ArmType", "code": arm.type}]}
            names = [interventions[i].label for i in arm.links if i in interventions and interventions[i].label]
            if names:
                g["description"] = "Receives: " + "; ".join(names)
            groups.append(g)
        if groups:
            study["comparisonGroup"] = groups
        chars = [c for c in (_characteristic_r5(i, by_iri, f.labels, out) for i in f.items if i.iri not in in_group)
                 if c is not None]
        ev: dict[str, Any] = {"resourceType": "EvidenceVariable", "id": f"{sid}-eligibility"[-64:], "status": "active",
                              "title": f"Eligibility of {f.nct or f.title or f.iri}", "actual": False}
        if chars:
            ev["characteristic"] = chars
        study["recruitment"] = {"eligibility": {"reference": f"EvidenceVariable/{ev['id']}"}}
        if f.enrollment is not None:
            study["recruitment"]["targetNumber"] = f.enrollment
        eligibility = ev
    else:
        study["status"] = _R4B_STATUS.get(f.status or "", "active")
        for p in f.of("sponsor")[:1]:
            org = {"resourceType": "Organization", "id": f"{sid}-sponsor"[-64:], "name": p.label}
            entries.append(org)
            study["sponsor"] = {"reference": f"Organization/{org['id']}", "display": p.label}
        arms = [{"name": arm.label or f"arm {n}",
                 **({"type": {"coding": [{"system": "https://w3id.org/kg/ontology#ArmType", "code": arm.type}]}}
                    if arm.type else {})} for n, arm in enumerate(f.of("arm"))]
        if arms:
            study["arm"] = arms
        focus = [_cc(tuple(x for d in p.links for x in (code_of(d),) + f.codes.get(d, ())) or (code_of(p.iri),),
                     p.label, f.labels) for p in interventions.values()]
        if focus:
            study["focus"] = focus
        chars = []
        any_members = {m for i in f.items if i.kind == "group" and i.operator == "any" for m in i.members}
        for i in f.items:
            if i.iri in any_members:
                out.not_expressed[i.iri] = "member of an any-of group"
                continue
            if i.kind == "group":
                if i.operator == "all":
                    out.expressed.append(i.iri)  # its members are written, each ANDed as R4B does
                else:
                    out.not_expressed[i.iri] = "an any-of group has no R4B Group form"
                continue
            if i.iri in out.not_expressed:
                continue
            chars += _characteristic_r4b(i, f.labels, out)
            # "ever" needs no timing (a characteristic holds at any time); a window of days does
            if i.window is not None and not i.window.ever and i.iri in out.expressed:
                out.expressed.remove(i.iri)
                out.not_expressed[i.iri] = "time window has no R4B Group form"
                chars.pop()
        group: dict[str, Any] = {"resourceType": "Group", "id": f"{sid}-eligibility"[-64:], "type": "person",
                                 "actual": False, "name": f"Eligibility of {f.nct or f.title or f.iri}"}
        if chars:
            group["characteristic"] = chars
        study["enrollment"] = [{"reference": f"Group/{group['id']}"}]
        eligibility = group
    site_refs = []
    for n, s in enumerate(sites):
        loc: dict[str, Any] = {"resourceType": "Location", "id": f"{sid}-site-{n}"[-64:], "name": s.label or s.iri}
        if s.city or s.country:
            loc["address"] = {k: v for k, v in (("city", s.city), ("country", s.country)) if v}
        entries.append(loc)
        site_refs.append({"reference": f"Location/{loc['id']}"})
    if site_refs:
        study["site"] = site_refs
    resources = [study, eligibility] + entries
    out.bundle = {"resourceType": "Bundle", "id": f"{sid}-bundle"[-64:], "type": "collection",
                  "entry": [{"fullUrl": f"{FHIR_BASE}{r['resourceType']}/{r['id']}", "resource": r}
                            for r in resources]}
    if check:
        validate(out.bundle, version)
    return out


def validate(bundle: dict[str, Any], version: str = "R5") -> None:
    """Raise :class:`ExportError` unless ``fhir.resources`` accepts the Bundle as ``version``."""
    try:
        if version == "R5":
            from fhir.resources.bundle import Bundle
        else:
            from fhir.resources.R4B.bundle import Bundle
    except ImportError as exc:  # an optional dependency (pip install 'kg[interop]')
        raise ExportError(f"FHIR export needs fhir.resources: {exc}") from None
    try:
        # fhir.resources 8 validates with pydantic 2's model_validate, 7 with parse_obj
        (Bundle.model_validate if hasattr(Bundle, "model_validate") else Bundle.parse_obj)(bundle)
    except ValueError as exc:
        raise ExportError(f"the FHIR {version} Bundle does not validate: {str(exc)[:500]}") from None


# --- reading back -----------------------------------------------------------------------------
def _codes_back(cc: dict[str, Any]) -> tuple[Code, ...]:
    out = []
    for c in cc.get("coding", []):
        ns = _FHIR_TO_NS.get(c["system"], c["system"])
        out.append(Code(ns, c["code"]))
    return tuple(out)


def _ext(node: dict[str, Any], url: str) -> str | None:
    for e in node.get("extension", []):
        if e.get("url") == url:
            return e.get("valueUri") or e.get("valueCode")
    return None


def _window_back(t: dict[str, Any]) -> Window:
    ref = t.get("eventCodeableConcept", {}).get("coding", [{}])[0].get("code")
    ref = None if ref == "unspecified" else ref
    if t.get("description") == "ever":
        return Window(reference=ref, ever=True)
    if "quantity" not in t and "range" not in t:
        desc = t.get("description")
        return Window(reference=ref, direction=None if desc == "unspecified" else desc)
    if "quantity" in t:
        return Window(days=int(t["quantity"]["value"]), reference=ref, direction="during")
    low = t.get("range", {}).get("low", {}).get("value", 0)
    high = t.get("range", {}).get("high", {}).get("value", 0)
    if low < 0:
        return Window(days=int(-low), reference=ref, direction="before")
    return Window(days=int(high), reference=ref, direction="after")


def _value_back(item: Item, d: dict[str, Any]) -> None:
    if "valueCodeableConcept" in d and item.kind not in ("therapy", "background_therapy"):
        item.value_code = d["valueCodeableConcept"]["coding"][0]["code"]
    elif "valueQuantity" in d:
        q = d["valueQuantity"]
        item.value, item.comparator, item.unit = float(q["value"]), q.get("comparator", "="), q.get("code")
    elif "valueRange" in d:
        r = d["valueRange"]
        item.comparator = "between"
        item.low = float(r["low"]["value"]) if "low" in r else None
        item.high = float(r["high"]["value"]) if "high" in r else None
        item.unit = (r.get("low") or r.get("high") or {}).get("code")


def _item_back(ch: dict[str, Any], items: list[Item], parent: Item | None = None) -> Item:
    kind = _ext(ch, EXT_KIND) or "constraint"
    item = Item(iri=_ext(ch, EXT_CONSTRAINT) or "", criterion=_ext(ch, EXT_CRITERION) or "",
                criterion_polarity="", criterion_order=0, kind=kind,
                effective="exclusion" if ch.get("exclude") else "inclusion", text=ch.get("description", ""))
    comb = ch.get("definitionByCombination")
    if comb:
        item.operator = "any" if comb["code"] == "any-of" else "all"
        item.members = tuple(_item_back(c, items, item).iri for c in comb["characteristic"])
    tv = ch.get("definitionByTypeAndValue")
    if tv is None and "code" in ch:  # an R4B Group characteristic
        tv = {"type": ch["code"], **{k: v for k, v in ch.items() if k.startswith("value") and k != "valueBoolean"}}
    if tv is not None:
        if kind in ("therapy", "background_therapy"):
            role = tv["type"]["coding"][0]["code"]
            item.role = None if role == "unspecified" else role
            item.codes = _codes_back(tv["valueCodeableConcept"])
        elif kind not in ("age", "sex"):
            item.codes = _codes_back(tv["type"])
        _value_back(item, tv)
        if "offset" in tv:
            item.relative_to = tv["offset"]["coding"][0]["code"]
    elif "definitionCodeableConcept" in ch:
        item.codes = _codes_back(ch["definitionCodeableConcept"])
    if any(c.namespace.startswith(KG_TOPIC) for c in item.codes):
        item.codes = ()  # kg's stand-in code for an unnamed topic, not a code of the constraint
    if kind == "age":
        item.unit = "a"
    if ch.get("timeFromEvent"):
        item.window = _window_back(ch["timeFromEvent"][0])
    items.append(item)
    return item


def read_bundle(bundle: dict[str, Any]) -> list[Item]:
    """The constraints a kg Bundle states (either version), as items with the fields ``Item.key`` compares.

    Subject keys, criterion order and what no format carries are not read back."""
    items: list[Item] = []
    for entry in bundle.get("entry", []):
        r = entry["resource"]
        if r["resourceType"] in ("EvidenceVariable", "Group"):
            for ch in r.get("characteristic", []):
                _item_back(ch, items)
    return items


def round_trip_key(item: Item) -> tuple:
    """``Item.key`` without what the FHIR form leaves out by design: the subject key, and
    whether a Range's bounds are inclusive (FHIR Ranges are; see :func:`exclusive_bounds`)."""
    k = list(item.key)
    k[4] = k[10] = k[11] = None
    return tuple(k)
