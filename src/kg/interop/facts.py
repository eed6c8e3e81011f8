"""What the interchange exports read from the store: one trial, its parts, its constraints and their codes.

Each constraint becomes an :class:`Item`, a flat record of what every format can carry:
kind, effective polarity, the codes of what it names (drug, drug class, condition, analyte,
instrument), a comparison with its UCUM unit, a time window, a therapy role, a group's
members. ``Item.key`` is the tuple the round-trip tests compare: what was exported and what
a reader of the exported file recovers must be equal tuple for tuple.

Codes are the entity's own kg IRI plus every ``skos:exactMatch``/``skos:closeMatch`` the build
stored (curated SSSOM mappings, drug-catalogue identifiers). :data:`SYSTEMS` names the
vocabularies the formats know: a code outside them keeps its IRI.

>>> code_of("http://purl.bioontology.org/ontology/RXNORM/121191")
Code(namespace='http://purl.bioontology.org/ontology/RXNORM/', code='121191')
>>> code_of("https://w3id.org/kg/ontology#Glucocorticoid").vocabulary.name
'kg'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from rdflib import URIRef
from rdflib.namespace import RDF

from kg import vocab as V
from kg.errors import ExportError

_KG = str(V.KG)


@dataclass(frozen=True)
class Vocabulary:
    """One code system as each format spells it (None: the format has no name for it)."""

    name: str
    namespace: str  # IRI prefix the graph uses
    fhir: str | None  # FHIR Coding.system
    omop: str | None  # OMOP vocabulary_id
    curie: str | None  # Biolink prefix


#: The code systems kg's graph links to, most specific first within a namespace.
SYSTEMS: tuple[Vocabulary, ...] = (
    Vocabulary("RxNorm", "http://purl.bioontology.org/ontology/RXNORM/", "http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm", "RXNORM"),
    Vocabulary("ATC", "http://purl.bioontology.org/ontology/ATC/", "http://www.whocc.no/atc", "ATC", None),
    Vocabulary("ICD10CM", "http://purl.bioontology.org/ontology/ICD10CM/", "http://hl7.org/fhir/sid/icd-10-cm", "ICD10CM", None),
    Vocabulary("SNOMED", "http://snomed.info/id/", "http://snomed.info/sct", "SNOMED", "SNOMEDCT"),
    Vocabulary("LOINC", "https://loinc.org/", "http://loinc.org", "LOINC", "LOINC"),
    Vocabulary("UCUM", "https://units-of-measurement.org/", "http://unitsofmeasure.org", "UCUM", None),
    Vocabulary("MeSH", "http://id.nlm.nih.gov/mesh/", "http://www.nlm.nih.gov/research/umls/mesh", "MeSH", "MESH"),
    Vocabulary("MONDO", "http://purl.obolibrary.org/obo/MONDO_", "http://purl.obolibrary.org/obo/mondo.owl", None, "MONDO"),
    Vocabulary("DOID", "http://purl.obolibrary.org/obo/DOID_", "http://purl.obolibrary.org/obo/doid.owl", None, "DOID"),
    Vocabulary("NCIt", "http://purl.obolibrary.org/obo/NCIT_", "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl", "NCIt", "NCIT"),
    Vocabulary("ChEBI", "http://purl.obolibrary.org/obo/CHEBI_", "http://purl.obolibrary.org/obo/chebi.owl", None, "CHEBI"),
    Vocabulary("Orphanet", "http://www.orpha.net/ORDO/Orphanet_", "http://www.orpha.net", None, None),
    Vocabulary("EFO", "http://www.ebi.ac.uk/efo/EFO_", "http://www.ebi.ac.uk/efo", None, "EFO"),
    Vocabulary("DrugBank", "https://go.drugbank.com/drugs/", "https://go.drugbank.com/drugs", None, "DRUGBANK"),
    Vocabulary("UNII", "https://precision.fda.gov/uniisearch/srs/unii/", "http://fdasis.nlm.nih.gov", None, "UNII"),
    Vocabulary("HGNC", "https://identifiers.org/hgnc:", "http://www.genenames.org", None, "HGNC"),
    Vocabulary("UniProt", "http://purl.uniprot.org/uniprot/", "http://purl.uniprot.org/uniprot", None, "UniProtKB"),
    Vocabulary("ClinicalTrials.gov", "https://clinicaltrials.gov/study/", "https://clinicaltrials.gov", None, "CLINICALTRIALS"),
)
_KG_VOCAB = Vocabulary("kg", "", None, None, None)


@dataclass(frozen=True)
class Code:
    """A code: the namespace IRI it sits in and its local part (IRI = namespace + code)."""

    namespace: str
    code: str

    @property
    def iri(self) -> str:
        return self.namespace + self.code

    @property
    def vocabulary(self) -> Vocabulary:
        return _vocabulary(self.namespace)


@lru_cache(maxsize=None)
def _vocabulary(namespace: str) -> Vocabulary:
    for v in SYSTEMS:
        if v.namespace == namespace:
            return v
    return _KG_VOCAB


def code_of(iri: str) -> Code:
    """The code an IRI stands for: a known vocabulary's namespace, else split after the last / or #."""
    for v in SYSTEMS:
        if iri.startswith(v.namespace) and len(iri) > len(v.namespace):
            return Code(v.namespace, iri[len(v.namespace):])
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    return Code(iri[:cut], iri[cut:])


@dataclass(frozen=True)
class Window:
    """A time window relative to a reference point (kg:TimeWindow)."""

    days: int | None = None
    iso: str | None = None
    reference: str | None = None
    direction: str | None = None  # before | after | during
    ever: bool = False


@dataclass
class Item:
    """One typed constraint as the exports see it."""

    iri: str
    criterion: str
    criterion_polarity: str
    criterion_order: int
    kind: str  # age, sex, lab, score, condition, therapy, background_therapy, infection, …, group
    effective: str  # inclusion | exclusion (after the constraint's own negation)
    text: str = ""
    codes: tuple[Code, ...] = ()  # the named entity's kg IRI first, then its external codes
    subject: str | None = None  # what the constraint is about, as a kg key (analyte, instrument, topic, pathogen)
    value_code: str | None = None  # a coded value: sex, test result, qualitative lab value
    comparator: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    unit: str | None = None  # UCUM as written
    relative_to: str | None = None  # ULN, LLN, baseline
    window: Window | None = None
    role: str | None = None  # therapy role
    operator: str | None = None  # any | all (groups)
    members: tuple[str, ...] = ()  # group members' IRIs
    # what no format carries computably, kept to say what was lost
    lost: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        """What a round trip must preserve (codes as a set: their order is the writer's)."""
        w = self.window
        return (self.iri, self.kind, self.effective, frozenset(self.codes), self.subject, self.value_code,
                self.comparator, self.value, self.low, self.high,
                self.low_inclusive if self.low is not None else None,
                self.high_inclusive if self.high is not None else None,
                self.unit, self.relative_to,
                (w.days, w.reference, w.direction, w.ever) if w else None, self.role, self.operator,
                tuple(sorted(self.members)))


@dataclass
class Part:
    """An arm, intervention, condition, site, sponsor or collaborator of a trial."""

    kind: str
    iri: str
    label: str = ""
    type: str | None = None  # arm type / intervention type local name
    links: list[str] = field(default_factory=list)  # interventions an arm receives; drugs an intervention gives
    city: str | None = None
    country: str | None = None


@dataclass
class TrialFacts:
    """One trial as the interchange formats see it."""

    iri: str
    nct: str | None
    title: str | None
    official_title: str | None = None
    acronym: str | None = None
    summary: str | None = None
    phase: str | None = None  # local name of the kg:Phase value, e.g. "phase2"
    status: str | None = None
    start: str | None = None
    completion: str | None = None
    enrollment: int | None = None
    min_age: float | None = None
    max_age: float | None = None
    sex: str | None = None
    healthy: bool | None = None
    parts: list[Part] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    codes: dict[str, tuple[Code, ...]] = field(default_factory=dict)  # entity IRI -> external codes
    labels: dict[str, str] = field(default_factory=dict)  # entity IRI -> label
    class_drugs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # drug class IRI -> catalogue drugs

    def of(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]


def _query(name: str) -> str:
    return resources.files("kg").joinpath("queries", "facts", f"{name}.rq").read_text("utf-8")


def _rows(store: object, name: str, trial: URIRef | None = None) -> list[tuple[str | None, ...]]:
    """An internal query's rows as strings; ``trial`` bound as a VALUES term (decision 0002)."""
    text = _query(name)
    if trial is not None:
        from kg.query.binding import inject_values

        text = inject_values(text, {"trial": trial})
    if hasattr(store, "rows"):
        return sorted(store.rows(text), key=lambda r: tuple("" if x is None else x for x in r))  # type: ignore[attr-defined]
    res = store.query(text)  # type: ignore[attr-defined]
    out = [tuple(None if t is None else str(t) for t in row) for row in res.rows]
    return sorted(out, key=lambda r: tuple("" if x is None else x for x in r))


def _local(iri: str | None) -> str | None:
    if iri is None:
        return None
    name = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return name.split("_", 1)[1] if "_" in name and iri.startswith(_KG) else name


def _float(x: str | None) -> float | None:
    try:
        return None if x is None else float(x)
    except ValueError:
        return None


def _bool(x: str | None) -> bool | None:
    return None if x is None else x in ("true", "1")


_KINDS = {
    "AgeConstraint": "age", "SexConstraint": "sex", "HealthyVolunteerConstraint": "healthy_volunteers",
    "LabConstraint": "lab", "ScoreConstraint": "score", "ConditionConstraint": "condition",
    "TherapyConstraint": "therapy", "BackgroundTherapyConstraint": "background_therapy",
    "InfectionConstraint": "infection", "ReproductiveConstraint": "reproductive", "ConsentConstraint": "consent",
    "TrialParticipationConstraint": "trial_participation", "SubstanceUseConstraint": "substance_use",
    "ConstraintGroup": "group",
}


@dataclass
class Lookup:
    """Store-wide tables every trial's export consults: external codes, labels, drug-class members."""

    codes: dict[str, tuple[Code, ...]]
    labels: dict[str, str]
    class_drugs: dict[str, tuple[str, ...]]


def read_lookup(store: object) -> Lookup:
    """The store's code, label and drug-class tables (read once for many trials)."""
    codes: dict[str, set[Code]] = defaultdict(set)
    labels: dict[str, str] = {}
    for entity, code, label in _rows(store, "export-codes"):
        codes[entity].add(code_of(code))
        if label:
            labels.setdefault(entity, label)
    class_drugs: dict[str, tuple[str, ...]] = {}
    for cls, drug in _rows(store, "export-drug-classes"):
        class_drugs[cls] = class_drugs.get(cls, ()) + (drug,)
    return Lookup({e: tuple(sorted(c, key=lambda x: (x.namespace, x.code))) for e, c in codes.items()},
                  labels, class_drugs)


def read_trial(store: object, trial: str, lookup: Lookup | None = None) -> TrialFacts:
    """The facts of ``trial`` (an NCT ID, a CURIE or an IRI) for the interchange exports;
    ``lookup``: the store's tables when already read (:func:`read_lookup`)."""
    from kg.query.params import resolve_trial

    iri = resolve_trial(store, trial)
    rows = _rows(store, "export-trial", iri)
    if not rows:
        raise ExportError(f"no trial {trial} in the store")
    first: dict[str, str] = {}
    names = ("nct", "title", "officialTitle", "acronym", "summary", "phase", "status", "start", "completion",
             "enrollment", "minAge", "maxAge", "sex", "healthy")
    for row in rows:  # several sources may state a value: the smallest row's is kept (rows are sorted)
        for n, v in zip(names, row):
            if v is not None:
                first.setdefault(n, v)
    facts = TrialFacts(
        iri=str(iri), nct=first.get("nct"), title=first.get("title"), official_title=first.get("officialTitle"),
        acronym=first.get("acronym"), summary=first.get("summary"), phase=_local(first.get("phase")),
        status=_local(first.get("status")), start=first.get("start"), completion=first.get("completion"),
        enrollment=int(float(first["enrollment"])) if "enrollment" in first else None,
        min_age=_float(first.get("minAge")), max_age=_float(first.get("maxAge")),
        sex=(first.get("sex") or "").lower() or None, healthy=_bool(first.get("healthy")))
    parts: dict[tuple[str, str], Part] = {}
    for kind, node, label, typ, link, city, country in _rows(store, "export-trial-parts", iri):
        p = parts.setdefault((kind, node), Part(kind, node, label or "", _local(typ), [], city, country))
        if link and link not in p.links:
            p.links.append(link)
    facts.parts = list(parts.values())
    facts.items = _items(store, iri)
    _attach_codes(facts, lookup or read_lookup(store))
    return facts


def _items(store: object, trial: URIRef) -> list[Item]:
    props: dict[str, dict[str, dict[str, list[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    crit: dict[str, tuple[str, str, int]] = {}
    for criterion, polarity, order, _text, constraint, sub, p, o in _rows(store, "export-constraints", trial):
        crit[constraint] = (criterion, polarity or "inclusion", int(float(order)) if order else 0)
        props[constraint][sub][p].append(o)
    items = [_item(iri, crit[iri], props[iri]) for iri in props]
    return sorted(items, key=lambda i: (i.criterion_polarity != "inclusion", i.criterion_order, i.criterion,
                                        _constraint_number(i.iri)))


def _constraint_number(iri: str) -> int:
    tail = iri.rsplit("/constraint/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _item(iri: str, crit: tuple[str, str, int], subs: dict[str, dict[str, list[str]]]) -> Item:
    own = subs[iri]

    def one(p: URIRef, where: dict[str, list[str]] = own) -> str | None:
        vals = sorted(where.get(str(p), []))
        return vals[0] if vals else None

    types = [_KINDS.get(t.removeprefix(_KG), "") for t in own.get(str(RDF.type), [])]
    kind = "background_therapy" if "background_therapy" in types else next((t for t in types if t), "constraint")
    item = Item(iri=iri, criterion=crit[0], criterion_polarity=crit[1], criterion_order=crit[2], kind=kind,
                effective=one(V.effectivePolarity) or crit[1], text=one(V.text) or "")
    item.comparator = one(V.comparator)
    item.value, item.low, item.high = _float(one(V.thresholdValue)), _float(one(V.thresholdLow)), _float(one(V.thresholdHigh))
    item.unit, item.relative_to = one(V.ucumUnit), one(V.relativeTo)
    if item.comparator == "between":
        item.low_inclusive = _bool(one(V.lowInclusive)) is not False
        item.high_inclusive = _bool(one(V.highInclusive)) is not False
    lost: list[str] = []
    if kind == "age":
        item.low, item.high = _float(one(V.ageMinYears)), _float(one(V.ageMaxYears))
        item.low_inclusive = _bool(one(V.lowInclusive)) is not False
        item.high_inclusive = _bool(one(V.highInclusive)) is not False
        item.unit = "a"
        item.comparator = "between" if item.low is not None and item.high is not None else (
            (">=" if item.low_inclusive else ">") if item.low is not None else ("<=" if item.high_inclusive else "<"))
        if item.comparator != "between":  # one bound: written as a comparator and a value
            item.value = item.low if item.low is not None else item.high
            item.low = item.high = None
            item.low_inclusive = item.high_inclusive = True
    elif kind == "sex":
        item.value_code = one(V.eligibleSex)
    elif kind == "healthy_volunteers":
        item.value_code = "true" if _bool(one(V.healthyVolunteer)) is not False else "false"
    elif kind == "lab":
        item.subject = one(V.analyte)
        item.value_code = one(V.qualitativeValue)
        if one(V.formula):
            lost.append("formula")
    elif kind == "score":
        item.subject = one(V.instrument)
        if one(V.organScope):
            lost.append("organ scope")
    elif kind == "condition":
        item.subject = one(V.normalizedName)
        if own.get(str(V.qualifier)):
            lost.append("qualifiers")
        if own.get(str(V.organ)) or one(V.activeBy) or one(V.classificationCriteria):
            lost.append("organ/activity/classification")
    elif kind in ("therapy", "background_therapy"):
        item.subject = one(V.normalizedName)
        item.role = one(V.therapyRole)
        if own.get(str(V.hasDoseCondition)):
            lost.append("dose")
        if own.get(str(V.hasException)):
            lost.append("exceptions")
    elif kind == "infection":
        item.subject = one(V.serologyMarker) or one(V.pathogen)
        item.value_code = one(V.testResult)
        if one(V.infectionStatus):
            item.value_code = (item.value_code + " " if item.value_code else "") + (one(V.infectionStatus) or "")
    elif kind == "reproductive":
        item.subject = one(V.reproductiveTopic)
    elif kind == "substance_use":
        item.subject = one(V.substance)
    elif kind == "group":
        any_of, all_of = sorted(own.get(str(V.anyOf), [])), sorted(own.get(str(V.allOf), []))
        item.operator = "any" if any_of or not all_of else "all"
        item.members = tuple(any_of or all_of)
    if kind == "condition" and own.get(str(V.hasException)):
        lost.append("exceptions")
    for w in own.get(str(V.hasWindow), []):
        ws = subs.get(w, {})
        days = one(V.windowDays, ws)
        item.window = Window(days=int(float(days)) if days is not None else None, iso=one(V.windowDuration, ws),
                             reference=one(V.windowReference, ws), direction=one(V.windowDirection, ws),
                             ever=_bool(one(V.ever, ws)) is True)
        break
    item.codes = tuple(code_of(x) for x in sorted(own.get(str(V.refersToDrug), []) + own.get(str(V.refersToDrugClass), [])))
    item.lost = tuple(lost)
    return item


def _attach_codes(facts: TrialFacts, lookup: Lookup) -> None:
    """Codes of every entity the trial and its constraints name; subjects keyed like the graph's mappings."""
    from kg.compare.facts import condition_key
    from kg.link.graph import analyte_iri, instrument_iri

    facts.codes, facts.labels, facts.class_drugs = lookup.codes, lookup.labels, lookup.class_drugs
    for item in facts.items:
        entity: str | None = None
        if item.kind == "condition" and item.subject:
            entity = condition_key(item.subject)
        elif item.kind == "lab" and item.subject:
            entity = str(analyte_iri(item.subject))
        elif item.kind == "score" and item.subject:
            entity = str(instrument_iri(item.subject))
        if entity is not None:
            item.codes = (code_of(entity),) + item.codes
        named = [c.iri for c in item.codes]
        external = {x for e in named for x in facts.codes.get(e, ())}
        item.codes = tuple(dict.fromkeys(item.codes)) + tuple(sorted(external - set(item.codes),
                                                                     key=lambda x: (x.namespace, x.code)))


def external_codes(item: Item) -> tuple[Code, ...]:
    """The item's codes in a vocabulary other than kg's own."""
    return tuple(c for c in item.codes if c.vocabulary is not _KG_VOCAB)

