"""The one place kg spells IRIs: namespaces, ontology terms, and instance/graph IRI minting.

Every class and property here is declared in ``ontology/kg.ttl``; a test keeps the two
in sync. Instance IRIs are minted from stable keys (registry IDs, normalized names,
content hashes) so that building the same input twice yields the same graph.

>>> str(trial_iri("NCT04660565"))
'https://w3id.org/kg/id/trial/NCT04660565'
>>> slug("IgG4-Related Disease (IgG4-RD)")
'igg4-related-disease-igg4-rd'
>>> str(record_graph("ctgov-json", "NCT00000410"))
'https://w3id.org/kg/graph/record/ctgov-json/NCT00000410'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/kg/"
KG = Namespace(BASE + "ontology#")
KGID = Namespace(BASE + "id/")
KGGRAPH = Namespace(BASE + "graph/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
CTGOV = Namespace("https://clinicaltrials.gov/study/")
PUBMED = Namespace("https://pubmed.ncbi.nlm.nih.gov/")
PMC = Namespace("https://www.ncbi.nlm.nih.gov/pmc/articles/")
DOI = Namespace("https://doi.org/")
MESH = Namespace("http://id.nlm.nih.gov/mesh/")

ONTOLOGY_IRI = URIRef(BASE + "ontology")

#: Prefixes bound in every graph kg writes and in every query it runs.
PREFIXES: dict[str, Namespace] = {
    "kg": KG,
    "kgid": KGID,
    "kggraph": KGGRAPH,
    "obo": OBO,
    "schema": SCHEMA,
    "prov": Namespace(str(PROV)),
    "dcterms": Namespace(str(DCTERMS)),
    "skos": Namespace(str(SKOS)),
    "rdfs": Namespace(str(RDFS)),
    "rdf": Namespace(str(RDF)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "ctgov": CTGOV,
    "pubmed": PUBMED,
    "mesh": MESH,
}

# --- classes -----------------------------------------------------------------------------
Trial = KG.Trial
Arm = KG.Arm
Intervention = KG.Intervention
BackgroundTherapy = KG.BackgroundTherapy
Regimen = KG.Regimen
Condition = KG.Condition
Organization = KG.Organization
Site = KG.Site
EligibilityCriterion = KG.EligibilityCriterion
InclusionCriterion = KG.InclusionCriterion
ExclusionCriterion = KG.ExclusionCriterion
Constraint = KG.Constraint
Outcome = KG.Outcome
VisitSchedule = KG.VisitSchedule
Publication = KG.Publication
ReportedResult = KG.ReportedResult
SourceRecord = KG.SourceRecord
SourceDocument = KG.SourceDocument
Drug = KG.Drug
DrugClass = KG.DrugClass
MechanismOfAction = KG.MechanismOfAction
MolecularTarget = KG.MolecularTarget
ConceptValue = KG.ConceptValue  # controlled values: phases, arm types, statuses, …

OBI_CLINICAL_TRIAL = OBO.OBI_0003699

# --- object properties ---------------------------------------------------------------------
hasArm = KG.hasArm
hasIntervention = KG.hasIntervention
receives = KG.receives
hasBackgroundTherapy = KG.hasBackgroundTherapy
hasRegimen = KG.hasRegimen
studiesCondition = KG.studiesCondition
conditionAncestor = KG.conditionAncestor
hasSponsor = KG.hasSponsor
hasCollaborator = KG.hasCollaborator
hasSite = KG.hasSite
hasCriterion = KG.hasCriterion
parentCriterion = KG.parentCriterion
hasConstraint = KG.hasConstraint
hasOutcome = KG.hasOutcome
hasVisitSchedule = KG.hasVisitSchedule
forArm = KG.forArm
describedBy = KG.describedBy
reportsResult = KG.reportsResult
resultGroup = KG.resultGroup
studyType = KG.studyType
phase = KG.phase
allocation = KG.allocation
masking = KG.masking
interventionModel = KG.interventionModel
primaryPurpose = KG.primaryPurpose
overallStatus = KG.overallStatus
armType = KG.armType
interventionType = KG.interventionType
outcomeKind = KG.outcomeKind
sourceRecord = KG.sourceRecord  # any node -> the kg:SourceRecord (named graph) stating it
sourceDocument = KG.sourceDocument  # kg:SourceRecord -> kg:SourceDocument
administers = KG.administers  # intervention -> drug (drug-knowledge layer)

# --- datatype properties -------------------------------------------------------------------
nctId = KG.nctId
secondaryId = KG.secondaryId
title = KG.title
officialTitle = KG.officialTitle
acronym = KG.acronym
summary = KG.summary
description = KG.description
keyword = KG.keyword
startDate = KG.startDate
completionDate = KG.completionDate
lastUpdate = KG.lastUpdate
enrollment = KG.enrollment
enrollmentType = KG.enrollmentType
durationWeeks = KG.durationWeeks
centers = KG.centers
placeboControlled = KG.placeboControlled
minimumAge = KG.minimumAge
maximumAge = KG.maximumAge
minimumAgeYears = KG.minimumAgeYears
maximumAgeYears = KG.maximumAgeYears
sex = KG.sex
healthyVolunteers = KG.healthyVolunteers
eligibilityText = KG.eligibilityText
meshId = KG.meshId
armSize = KG.armSize
otherName = KG.otherName
doseValue = KG.doseValue
doseMax = KG.doseMax
doseUnit = KG.doseUnit
route = KG.route
frequency = KG.frequency
schedule = KG.schedule
scheduleDay = KG.scheduleDay
repeatEveryDays = KG.repeatEveryDays
untilWeek = KG.untilWeek
duration = KG.duration
polarity = KG.polarity
order = KG.order
text = KG.text
measure = KG.measure
timeFrame = KG.timeFrame
visitWeek = KG.visitWeek
city = KG.city
state = KG.state
country = KG.country
pmid = KG.pmid
pmcid = KG.pmcid
doi = KG.doi
publicationDate = KG.publicationDate
journal = KG.journal
volume = KG.volume
issue = KG.issue
abstract = KG.abstract
citation = KG.citation
referenceType = KG.referenceType
statistic = KG.statistic
value = KG.value
iqrLow = KG.iqrLow
iqrHigh = KG.iqrHigh
timepoint = KG.timepoint
pValue = KG.pValue
sourceField = KG.sourceField
spanStart = KG.spanStart
spanEnd = KG.spanEnd
sourceFormat = KG.sourceFormat
recordId = KG.recordId
sha256 = KG.sha256
fileName = KG.fileName
extractorVersion = KG.extractorVersion
locator = KG.locator
buildFingerprint = KG.buildFingerprint  # content + identity + code hash: unchanged records are skipped
identityBasis = KG.identityBasis  # how the record was tied to its trial (nct-id, crosswalk:title, …)

# --- controlled values (individuals of kg:ConceptValue, grouped by a SKOS scheme) ---------
CONCEPT_SCHEMES = {
    "study_type": ("StudyType", ["interventional", "observational", "expanded_access"]),
    "phase": ("Phase", ["early_phase1", "phase1", "phase2", "phase3", "phase4", "na"]),
    "allocation": ("Allocation", ["randomized", "non_randomized", "na"]),
    "masking": ("Masking", ["none", "single", "double", "triple", "quadruple"]),
    "intervention_model": (
        "InterventionModel",
        ["single_group", "parallel", "crossover", "factorial", "sequential"],
    ),
    "primary_purpose": (
        "PrimaryPurpose",
        [
            "treatment",
            "prevention",
            "diagnostic",
            "supportive_care",
            "screening",
            "health_services_research",
            "basic_science",
            "device_feasibility",
            "ect",
            "other",
        ],
    ),
    "status": (
        "Status",
        [
            "not_yet_recruiting",
            "recruiting",
            "enrolling_by_invitation",
            "active_not_recruiting",
            "suspended",
            "terminated",
            "completed",
            "withdrawn",
            "unknown",
            "available",
            "no_longer_available",
            "temporarily_not_available",
            "approved_for_marketing",
            "withheld",
        ],
    ),
    "arm_type": (
        "ArmType",
        ["experimental", "active_comparator", "placebo_comparator", "sham_comparator", "no_intervention", "other"],
    ),
    "intervention_type": (
        "InterventionType",
        [
            "drug",
            "biological",
            "procedure",
            "device",
            "behavioral",
            "radiation",
            "dietary_supplement",
            "genetic",
            "combination_product",
            "diagnostic_test",
            "other",
        ],
    ),
    "outcome_kind": ("OutcomeKind", ["primary", "secondary", "other"]),
}


def concept(scheme: str, value: str) -> URIRef:
    """IRI of a controlled value, e.g. ``concept("phase", "phase2")`` -> kg:Phase_phase2."""
    name, values = CONCEPT_SCHEMES[scheme]
    if value not in values:
        raise KeyError(f"{value!r} is not a {name} value")
    return KG[f"{name}_{value}"]


def concept_scheme(scheme: str) -> URIRef:
    """IRI of the SKOS concept scheme grouping one kind of controlled value."""
    return KG[CONCEPT_SCHEMES[scheme][0]]


# --- instance IRIs ---------------------------------------------------------------------------
def slug(text: str, max_len: int = 80) -> str:
    """Lower-case ASCII slug of ``text`` (stable across runs and platforms)."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-")
    if not s:
        s = "x" + short_hash(text)
    if len(s) > max_len:
        s = s[:max_len].rstrip("-") + "-" + short_hash(text)[:6]
    return s


def short_hash(text: str, n: int = 12) -> str:
    """First ``n`` hex digits of SHA-256 of ``text``: for IRIs of records without an ID."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def trial_iri(key: str) -> URIRef:
    """Trial IRI from an NCT ID, or from a stable key (``x-<hash>``) for unregistered trials."""
    return KGID[f"trial/{quote(key, safe='-_.')}"]


def trial_part_iri(trial: URIRef, kind: str, key: str) -> URIRef:
    """IRI of a part of a trial (arm, intervention, outcome, …) keyed within the trial."""
    return URIRef(f"{trial}/{kind}/{quote(key, safe='-_.')}")


def record_part_iri(record: URIRef, kind: str, key: str) -> URIRef:
    """IRI of a node owned by one source record (criterion, result), keyed within it."""
    rec = str(record).removeprefix(str(KGGRAPH) + "record/")
    return KGID[f"record/{rec}/{kind}/{quote(key, safe='-_.')}"]


def condition_iri(name: str) -> URIRef:
    """Shared condition node, keyed by its normalized name (so trials join on it)."""
    return KGID[f"condition/{slug(name)}"]


def organization_iri(name: str) -> URIRef:
    """Shared organization node (sponsor, collaborator), keyed by normalized name."""
    return KGID[f"organization/{slug(name)}"]


def site_iri(facility: str, city: str | None, country: str | None) -> URIRef:
    """Shared site node keyed by facility, city and country."""
    return KGID[f"site/{slug(' '.join(x for x in (facility, city or '', country or '') if x))}"]


def publication_iri(pmid: str | None, doi: str | None, title: str | None) -> URIRef:
    """Publication node keyed by PMID, else DOI, else a hash of the title."""
    if pmid:
        return KGID[f"publication/pmid-{pmid}"]
    if doi:
        return KGID[f"publication/doi-{short_hash(doi.lower())}"]
    return KGID[f"publication/x-{short_hash((title or '').lower())}"]


def record_graph(fmt: str, record_id: str) -> URIRef:
    """Named graph (and kg:SourceRecord node) holding what one source record states."""
    return KGGRAPH[f"record/{quote(fmt, safe='-_.')}/{quote(record_id, safe='-_.')}"]


def document_iri(sha: str) -> URIRef:
    """A source document, identified by the SHA-256 of its bytes."""
    return KGID[f"document/sha256-{sha}"]


#: Named graphs that are not records.
INFERRED_GRAPH = KGGRAPH["inferred"]
ONTOLOGY_GRAPH = KGGRAPH["ontology"]
MAPPINGS_GRAPH = KGGRAPH["mappings"]
CONDITIONS_GRAPH = KGGRAPH["conditions"]
DERIVED_GRAPH = KGGRAPH["derived"]

# === constraints (eligibility criteria as typed constraints; owned by kg.criteria) ===========
# (terms added here, mirrored in ontology/constraints.ttl)
CONSTRAINTS_ONTOLOGY_IRI = URIRef(BASE + "ontology/constraints")
AgeConstraint = KG.AgeConstraint
SexConstraint = KG.SexConstraint
HealthyVolunteerConstraint = KG.HealthyVolunteerConstraint
LabConstraint = KG.LabConstraint
ScoreConstraint = KG.ScoreConstraint
ConditionConstraint = KG.ConditionConstraint
TherapyConstraint = KG.TherapyConstraint
BackgroundTherapyConstraint = KG.BackgroundTherapyConstraint
InfectionConstraint = KG.InfectionConstraint
ReproductiveConstraint = KG.ReproductiveConstraint
ConsentConstraint = KG.ConsentConstraint
TrialParticipationConstraint = KG.TrialParticipationConstraint
SubstanceUseConstraint = KG.SubstanceUseConstraint
ConstraintGroup = KG.ConstraintGroup
ConstraintException = KG.ConstraintException
TherapyExample = KG.TherapyExample
TimeWindow = KG.TimeWindow
DoseCondition = KG.DoseCondition
ParseStatus = KG.ParseStatus
Unparsed = KG.Unparsed
Parsed = KG.Parsed
parseStatus = KG.parseStatus
anyOf = KG.anyOf
allOf = KG.allOf
hasException = KG.hasException
hasExample = KG.hasExample
hasWindow = KG.hasWindow
hasDoseCondition = KG.hasDoseCondition
confidence = KG.confidence
negated = KG.negated
criterionPolarity = KG.criterionPolarity
effectivePolarity = KG.effectivePolarity
ageMinYears = KG.ageMinYears
ageMaxYears = KG.ageMaxYears
lowInclusive = KG.lowInclusive
highInclusive = KG.highInclusive
eligibleSex = KG.eligibleSex
healthyVolunteer = KG.healthyVolunteer
analyte = KG.analyte
analyteText = KG.analyteText
loincCode = KG.loincCode
comparator = KG.comparator
thresholdValue = KG.thresholdValue
thresholdLow = KG.thresholdLow
thresholdHigh = KG.thresholdHigh
ucumUnit = KG.ucumUnit
normalizedValue = KG.normalizedValue
normalizedLow = KG.normalizedLow
normalizedHigh = KG.normalizedHigh
normalizedUnit = KG.normalizedUnit
relativeTo = KG.relativeTo
formula = KG.formula
qualitativeValue = KG.qualitativeValue
instrument = KG.instrument
instrumentText = KG.instrumentText
organScope = KG.organScope
conditionText = KG.conditionText
normalizedName = KG.normalizedName
qualifier = KG.qualifier
activeBy = KG.activeBy
organ = KG.organ
classificationCriteria = KG.classificationCriteria
classificationYear = KG.classificationYear
therapyText = KG.therapyText
isDrugClass = KG.isDrugClass
stableDose = KG.stableDose
therapyRole = KG.therapyRole
minDurationDays = KG.minDurationDays
recentlyStarted = KG.recentlyStarted
pathogen = KG.pathogen
serologyMarker = KG.serologyMarker
testResult = KG.testResult
infectionStatus = KG.infectionStatus
reproductiveTopic = KG.reproductiveTopic
substance = KG.substance
windowDays = KG.windowDays
windowDuration = KG.windowDuration
windowReference = KG.windowReference
windowDirection = KG.windowDirection
ever = KG.ever
doseThreshold = KG.doseThreshold
doseDrug = KG.doseDrug
doseEquivalent = KG.doseEquivalent


def constraint_iri(criterion: URIRef, n: int) -> URIRef:
    """IRI of the ``n``-th constraint read from ``criterion`` (deterministic per text)."""
    return URIRef(f"{criterion}/constraint/{n}")



# === drug knowledge (drugs, classes, mechanisms, targets; owned by kg.drugs) =================
# (terms added here, mirrored in ontology/drugs.ttl)
KGDRUG = Namespace(BASE + "id/drug/")
DRUGS_GRAPH = KGGRAPH["drugs"]
DRUGS_ONTOLOGY_IRI = URIRef(BASE + "ontology/drugs")
hasMechanism = KG.hasMechanism
hasModality = KG.hasModality
hasTarget = KG.hasTarget
drugbankId = KG.drugbankId
rxnormId = KG.rxnormId
atcCode = KG.atcCode
uniiCode = KG.uniiCode
chebiId = KG.chebiId
hgncId = KG.hgncId
uniprotId = KG.uniprotId
ncbiGeneId = KG.ncbiGeneId
geneSymbol = KG.geneSymbol
identifierSource = KG.identifierSource
brandName = KG.brandName
Modality = KG.Modality
# canonical IRIs of external drug/gene identifiers (targets of skos:exactMatch)
DRUGBANK = Namespace("https://go.drugbank.com/drugs/")
RXNORM = Namespace("http://purl.bioontology.org/ontology/RXNORM/")
ATC = Namespace("http://purl.bioontology.org/ontology/ATC/")
UNII = Namespace("https://precision.fda.gov/uniisearch/srs/unii/")
HGNC = Namespace("https://identifiers.org/hgnc:")
UNIPROT = Namespace("http://purl.uniprot.org/uniprot/")
NCBIGENE = Namespace("https://identifiers.org/ncbigene:")


def drug_iri(key: str) -> URIRef:
    """Catalogue drug (active substance) keyed by its catalogue slug, e.g. ``drug/belimumab``."""
    return KGDRUG[slug(key)]


def drug_class_iri(name: str) -> URIRef:
    """A drug class of ontology/drugs.ttl by local name, e.g. ``kg:BCellDepletingTherapy``."""
    return KG[name]


def mechanism_iri(key: str) -> URIRef:
    """A mechanism-of-action individual (typed by a mechanism class of ontology/drugs.ttl)."""
    return KGID[f"mechanism/{slug(key)}"]


def target_iri(key: str) -> URIRef:
    """A molecular target (gene product), keyed by lower-case HGNC symbol."""
    return KGID[f"target/{slug(key)}"]


# === comparisons (conflicts between trials' eligibility, comparable trials; owned by kg.compare)
# (terms added here, mirrored in ontology/compare.ttl)
COMPARE_GRAPH = KGGRAPH["compare"]
#: Where each derived graph's pointer lives: ``<name> kg:currentGraph <slot>`` (decision 0013).
POINTER_GRAPH = KGGRAPH["current"]
currentGraph = KG.currentGraph
compareInput = KG.compareInput
compareBasis = KG.compareBasis
Conflict = KG.Conflict
Comparability = KG.Comparability
ConflictKind = KG.ConflictKind
trialA = KG.trialA
trialB = KG.trialB
criterionA = KG.criterionA
criterionB = KG.criterionB
interventionA = KG.interventionA
conflictKind = KG.conflictKind
sharedConcept = KG.sharedConcept
sharedConceptLabel = KG.sharedConceptLabel
score = KG.score
washoutDays = KG.washoutDays
washoutEver = KG.washoutEver
#: a conflict's row as people read it, copied onto the node so reading all conflicts is one
#: star pattern (decision 0011): both sides' text and the washout window as written
sideAText = KG.sideAText
sideBText = KG.sideBText
windowText = KG.windowText
#: parts of a comparability score, one datatype property each (so SPARQL can sort or filter on any)
SCORE_PARTS = ("condition", "drug", "mechanism", "target", "drugClass", "design", "population", "sponsor", "sites",
               "period")
conditionScore = KG.conditionScore
drugScore = KG.drugScore
mechanismScore = KG.mechanismScore
targetScore = KG.targetScore
drugClassScore = KG.drugClassScore
designScore = KG.designScore
populationScore = KG.populationScore
sponsorScore = KG.sponsorScore
sitesScore = KG.sitesScore
periodScore = KG.periodScore
#: a conflict's relevance (0-1) and its parts in words; a pair's population overlap verdict (decision 0020)
relevance = KG.relevance
relevanceText = KG.relevanceText
overlapVerdict = KG.overlapVerdict
overlapText = KG.overlapText
#: how many conflicts name a trial, on one small node per trial (the total a per-trial answer shows)
ConflictCount = KG.ConflictCount
countOf = KG.countOf
conflictCount = KG.conflictCount
#: therapy constraint -> what it names, resolved against the drug catalogue (kg.drugs.rdf)
refersToDrug = KG.refersToDrug
refersToDrugClass = KG.refersToDrugClass
exceptDrug = KG.exceptDrug
exceptDrugClass = KG.exceptDrugClass

#: Conflict kinds, in the order of issue #5: (a) washout, (b) required-vs-excluded,
#: (c) incompatible numeric ranges, (d) contradiction inside one trial.
CONFLICT_KINDS = ("washout", "required-excluded", "numeric-range", "self-contradiction")


def conflict_kind(name: str) -> URIRef:
    """IRI of a conflict kind individual, e.g. ``kg:conflict_washout``."""
    if name not in CONFLICT_KINDS:
        raise ValueError(f"unknown conflict kind {name!r}")
    return KG[f"conflict_{name.replace('-', '_')}"]


def conflict_iri(key: str) -> URIRef:
    """A materialized conflict, keyed by a hash of its kind, trials and sources."""
    return KGID[f"conflict/{short_hash(key, 20)}"]


def conflict_count_iri(trial: str) -> URIRef:
    """The node holding how many conflicts name ``trial``."""
    return KGID[f"conflict-count/{short_hash(str(trial), 20)}"]


def comparability_iri(a: URIRef, b: URIRef) -> URIRef:
    """A materialized comparability of an unordered pair of trials."""
    x, y = sorted((str(a), str(b)))
    return KGID[f"comparability/{short_hash(x + ' ' + y, 20)}"]


# === patient matching (a patient checked against trials; owned by kg.match) ==================
# (terms added here, mirrored in ontology/kg.ttl; the assessment graph is kg match's output,
# never written to the store)
PatientAssessment = KG.PatientAssessment
CriterionAssessment = KG.CriterionAssessment
assessedPatient = KG.assessedPatient
assessedTrial = KG.assessedTrial
assessedCriterion = KG.assessedCriterion
hasCriterionAssessment = KG.hasCriterionAssessment
decidedBy = KG.decidedBy
verdict = KG.verdict
matchStatus = KG.matchStatus
patientFact = KG.patientFact
missingFact = KG.missingFact
assumedAbsent = KG.assumedAbsent
assessedOn = KG.assessedOn


def assessment_iri(patient_id: str, trial: str) -> URIRef:
    """One patient's assessment for one trial, keyed by a hash of both."""
    return KGID[f"assessment/{short_hash(patient_id + ' ' + trial, 20)}"]
