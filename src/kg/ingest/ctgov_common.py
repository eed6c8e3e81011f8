"""Normalisation shared by the two ClinicalTrials.gov readers: registry labels to kg values.

The API v2 JSON spells controlled values as ``ACTIVE_NOT_RECRUITING``, the legacy XML
as ``Active, not recruiting``; both become the lower-snake values listed in
:data:`kg.vocab.CONCEPT_SCHEMES` (or :data:`kg.model.ArmType`). The value helpers raise
:class:`ValueError` with a short reason; the readers turn it into a
:class:`~kg.errors.RecordError` that names the record and the field.

>>> choice("status", "ACTIVE_NOT_RECRUITING")
'active_not_recruiting'
>>> choice("status", "Unknown status")
'unknown'
>>> choice("masking", "Double (Participant, Investigator)")
'double'
>>> choice("intervention_model", "Single Group Assignment")
'single_group'
>>> choice("study_type", "Observational [Patient Registry]"), choice("primary_purpose", "ECT")
('observational', 'ect')
>>> phases("Phase 1/Phase 2")
['phase1', 'phase2']
>>> strip_type_prefix("Drug: Rituximab (genetical recombination)")
'Rituximab (genetical recombination)'
>>> xml_date("March 15, 2005"), xml_date("August 1999")
('2005-03-15', '1999-08')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import get_args

from kg.errors import RecordError
from kg.model import Arm, ArmType, Condition, Criterion, Intervention, Publication, Regimen
from kg.vocab import CONCEPT_SCHEMES

#: Values kg accepts per kind of registry field (vocab schemes plus the model-only ones).
ALLOWED: dict[str, tuple[str, ...]] = {k: tuple(v[1]) for k, v in CONCEPT_SCHEMES.items()}
ALLOWED["arm_type"] = tuple(get_args(ArmType))
ALLOWED["enrollment_type"] = ("actual", "estimated")
ALLOWED["sex"] = ("all", "female", "male")
ALLOWED["reference_type"] = ("background", "result", "derived")

# Registry spellings whose plain lower-snake form is not the kg value.
_ALIASES: dict[str, dict[str, str]] = {
    "status": {"unknown_status": "unknown"},
    "allocation": {"n_a": "na"},
    "primary_purpose": {"educational_counseling_training": "ect"},
    # The legacy XML said "Anticipated" for what API v2 calls "ESTIMATED".
    "enrollment_type": {"anticipated": "estimated"},
    # Legacy records from before 2017 used "Both" for "All".
    "sex": {"both": "all"},
    "reference_type": {"results": "result"},
}

# "Double (Participant, Investigator)", "Parallel Assignment", "Observational [Patient Registry]":
# the qualifier after the kind is not part of the value.
_QUALIFIER = re.compile(r"\s*(\(.*\)|\[.*\])\s*$")
_ASSIGNMENT = re.compile(r"\s+assignment$", re.IGNORECASE)


def snake(label: str) -> str:
    """Lower-snake form of a registry label.

    >>> snake("Non-Randomized"), snake("N/A"), snake("Placebo Comparator")
    ('non_randomized', 'n_a', 'placebo_comparator')
    """
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


def choice(kind: str, label: str) -> str:
    """The kg value of a registry label of one kind (``status``, ``masking``, …).

    >>> choice("allocation", "NA"), choice("enrollment_type", "Anticipated"), choice("phase", "EARLY_PHASE1")
    ('na', 'estimated', 'early_phase1')
    >>> choice("phase", "Phase 7")
    Traceback (most recent call last):
    ...
    ValueError: 'Phase 7' is not a known phase value
    """
    text = _QUALIFIER.sub("", label)
    if kind == "intervention_model":
        text = _ASSIGNMENT.sub("", text)
    value = snake(text)
    if kind == "phase":  # "Phase 2" -> phase2, "Early Phase 1" -> early_phase1
        value = re.sub(r"_(\d)$", r"\1", value)
    value = _ALIASES.get(kind, {}).get(value, value)
    if value not in ALLOWED[kind]:
        raise ValueError(f"{label!r} is not a known {kind.replace('_', ' ')} value")
    return value


def phases(label: str) -> list[str]:
    """Phases of a legacy ``<phase>`` label: ``Phase 1/Phase 2`` is two phases.

    >>> phases("N/A"), phases("Early Phase 1"), phases("Phase 2/Phase 3")
    (['na'], ['early_phase1'], ['phase2', 'phase3'])
    """
    if label.strip().upper() == "N/A":
        return ["na"]
    return [choice("phase", part) for part in label.split("/")]


#: The prefixes API v2 puts before intervention names in ``armGroups[].interventionNames``.
_TYPE_PREFIX = re.compile(
    r"^(?:Drug|Biological|Procedure|Device|Behavioral|Radiation|Dietary Supplement|Genetic"
    r"|Combination Product|Diagnostic Test|Other|Procedure/Surgery)\s*:\s*",
    re.IGNORECASE,
)


def strip_type_prefix(name: str) -> str:
    """An intervention name without the ``Drug: `` style type prefix the registry adds.

    >>> strip_type_prefix("Dietary Supplement: Vitamin D"), strip_type_prefix("IL-2: low dose")
    ('Vitamin D', 'IL-2: low dose')
    """
    return _TYPE_PREFIX.sub("", name.strip(), count=1)


_ISO_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def iso_date(value: str) -> str:
    """Check that an API v2 date is ISO 8601 (year, year-month or full date) and return it.

    >>> iso_date("2000-03")
    '2000-03'
    >>> iso_date("March 2000")
    Traceback (most recent call last):
    ...
    ValueError: 'March 2000' is not an ISO 8601 date
    """
    if not _ISO_DATE.match(value):
        raise ValueError(f"{value!r} is not an ISO 8601 date")
    return value


def xml_date(value: str) -> str:
    """ISO form of a legacy XML date (``March 15, 2005`` or ``August 1999``)."""
    text = " ".join(value.split())
    for fmt, iso in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m"), ("%b %d, %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m")):
        try:
            return datetime.strptime(text, fmt).strftime(iso)
        except ValueError:
            continue
    # Some exports already carry ISO dates.
    try:
        return iso_date(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 'March 15, 2005' or 'August 1999'") from None


_AGE = re.compile(r"^\d+(\.\d+)? (year|month|week|day|hour|minute)s?$", re.IGNORECASE)


def age(value: str) -> str:
    """Check that an age limit reads like the registry's ``18 Years`` and return it as given.

    >>> age("6 Months"), age("1 Year")
    ('6 Months', '1 Year')
    >>> age("eighteen")
    Traceback (most recent call last):
    ...
    ValueError: 'eighteen' is not an age like '18 Years'
    """
    if not _AGE.match(value):
        raise ValueError(f"{value!r} is not an age like '18 Years'")
    return value


_DOI = re.compile(r"\bdoi:\s*(10\.\d{4,9}/\S+)", re.IGNORECASE)


def doi_from_citation(citation: str | None) -> str | None:
    """The DOI a registry citation ends with (``… doi: 10.1056/NEJMoa055120.``), if any.

    >>> doi_from_citation("N Engl J Med. 2006;354(25):2655-66. doi: 10.1056/NEJMoa055120.")
    '10.1056/NEJMoa055120'
    >>> doi_from_citation("Smith J. A paper. 1999.") is None
    True
    """
    if not citation:
        return None
    m = _DOI.search(citation)
    return m.group(1).rstrip(".,;") if m else None


def publication(pmid: str | None, citation: str | None, reference_type: str | None) -> Publication:
    """A publication from a registry reference (PMID, citation, kind)."""
    pmid = pmid.strip() if pmid else None
    if pmid and not pmid.isdigit():
        raise ValueError(f"PMID {pmid!r} is not a number")
    return Publication(
        pmid=pmid or None,
        citation=citation or None,
        doi=doi_from_citation(citation),
        reference_type=reference_type,
    )


def conditions(names: Iterable[str], meshes: Iterable[tuple[str | None, str]]) -> list[Condition]:
    """Conditions with a MeSH id: the one kg's condition hierarchy checked for the condition;
    else the id of the registry's MeSH term that names it (:func:`kg.ingest.mesh_match.best_terms`);
    else the descriptor the shared ontologies give the name (``$KG_ONTOLOGY_DIR``).

    The legacy XML gives its terms without ids (``None``): a term's id is then looked up in
    the hierarchy and the shared ontologies (:func:`known_mesh_id`).

    >>> conditions(["Lupus Nephritis Class IV", "Flu"], [("D008181", "Lupus Nephritis"), ("D0001", "Syndrome")])
    [Condition(name='Lupus Nephritis Class IV', mesh_id='D008181'), Condition(name='Flu', mesh_id=None)]
    >>> conditions(["SSc"], [("D012595", "Scleroderma, Systemic"), ("D0001", "Raynaud Disease")])
    [Condition(name='SSc', mesh_id='D012595')]
    """
    from kg.graph.conditions import canonical_name, mesh_ids_by_name
    from kg.ingest.mesh_match import best_terms, same_name

    names = list(names)
    by_term: dict[str, str | None] = {}
    for mesh_id, term in meshes:
        by_term.setdefault(term.strip(), mesh_id or known_mesh_id(term))
    chosen = best_terms(names, list(by_term))
    # A name kg knows under another spelling ("SSc") is matched as that spelling too.
    again = best_terms([canonical_name(n) for n in names], list(by_term))
    out = []
    for n, c, a in zip(names, chosen, again, strict=True):
        # The registry's term of the very same name first; then kg's hierarchy: a condition it
        # knows has one checked descriptor, so one node does not collect a different id from
        # each record's broader terms; then the term the name is filed under.
        term = c or a
        mid = by_term[term] if term and same_name(term, n) else None
        if mid is None:
            mid = mesh_ids_by_name().get(canonical_name(n).casefold())
        if mid is None and term:
            mid = by_term[term]
        if mid is None:
            # No registry term with an id names it: the descriptor the shared ontologies give
            # this very name (label or EXACT synonym), if any.
            mid = known_mesh_id(canonical_name(n)) or known_mesh_id(core_name(n))
        out.append(Condition(name=n, mesh_id=mid))
    return out


_DISEASE_QUALIFIER = re.compile(r"^(?:(?:stage\s+[0-4ivx]+[a-c]?|grade\s+[0-4ivx]+|recurrent|refractory|relapsed|relapsing|"
                        r"adult|childhood|pediatric|metastatic|advanced|newly\s+diagnosed|previously\s+treated|"
                        r"untreated|locally\s+advanced|unresectable)\s+)+", re.I)


def core_name(name: str) -> str:
    """A condition name without its stage, grade, course or age-group qualifiers and without
    a trailing parenthesis: the disease MeSH files it under.

    >>> core_name("Stage III Adult Burkitt Lymphoma"), core_name("Overactive Bladder (OAB)")
    ('Burkitt Lymphoma', 'Overactive Bladder')
    """
    core = re.sub(r"\s*\([^()]*\)\s*$", "", name.strip())
    return _DISEASE_QUALIFIER.sub("", core).strip() or name


def known_mesh_id(term: str) -> str | None:
    """The MeSH id kg's condition hierarchy gives a MeSH term (or None)."""
    from kg.graph.conditions import mesh_ids_by_name

    from kg.link.linker import norm

    from kg.graph.conditions import ontology_mesh_id

    known = mesh_ids_by_name()
    return known.get(term.strip().casefold()) or known.get(norm(term)) or ontology_mesh_id(term)


_PLACEBO = re.compile(r"\bplacebos?\b", re.IGNORECASE)


def placebo_controlled(arms: Iterable[Arm], interventions: Iterable[Intervention]) -> bool | None:
    """Whether the trial compares against placebo, as far as its arms and interventions tell.

    A placebo comparator arm says so; so does a placebo intervention or arm (crossover
    and add-on designs often type every arm "experimental"). Typed arms without any
    placebo say no; a record without typed arms and without placebo does not tell.

    >>> placebo_controlled([Arm("A", "experimental"), Arm("B", "placebo_comparator")], [])
    True
    >>> placebo_controlled([Arm("A then B", "experimental")], [Intervention("Matching placebo")])
    True
    >>> placebo_controlled([Arm("A", "experimental")], [Intervention("Drug A")])
    False
    >>> placebo_controlled([Arm("A")], [Intervention("Drug A")]) is None
    True
    """
    arms, interventions = list(arms), list(interventions)
    if any(a.type == "placebo_comparator" or _PLACEBO.search(a.label) for a in arms):
        return True
    if any(_PLACEBO.search(n) for i in interventions for n in (i.name, *i.other_names)):
        return True
    return False if any(a.type for a in arms) else None


def dedupe(values: Iterable[str | None], exclude: Iterable[str] = ()) -> list[str]:
    """Non-empty values in first-seen order, without repeats or excluded values.

    >>> dedupe(["A", "", "B", "A", None, "C"], exclude=["C"])
    ['A', 'B']
    """
    seen = set(exclude)
    out = []
    for v in values:
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out


_BULLET = re.compile(r"^(?:[-*•·o]\s|\d{1,3}[.)]\s|\(?[a-zA-Z]\)\s|\(\d{1,3}\)\s|[ivx]{1,5}[.)]\s)")


def unwrap(text: str | None) -> str | None:
    """Undo the hard wrapping of a legacy XML textblock, keeping paragraphs and list items.

    Lines of one paragraph are joined with spaces, except that a line starting with a
    bullet or item number starts a new line; paragraphs are separated by a blank line.

    >>> unwrap("\\n      This study tests\\r\\n      a drug.\\r\\n\\r\\n      Aims:\\r\\n        - one\\r\\n          more\\r\\n        - two\\r\\n    ")
    'This study tests a drug.\\n\\nAims:\\n- one more\\n- two'
    >>> unwrap("   ") is None
    True
    """
    if text is None:
        return None
    paragraphs: list[str] = []
    units: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            if units:
                paragraphs.append("\n".join(units))
                units = []
        elif units and not _BULLET.match(line):
            units[-1] += " " + line
        else:
            units.append(line)
    if units:
        paragraphs.append("\n".join(units))
    return "\n\n".join(paragraphs) or None


def one_line(text: str | None) -> str | None:
    """Whitespace collapsed to single spaces (for titles, names, labels); None when empty.

    >>> one_line("  A  study\\n   of X ")
    'A study of X'
    """
    if text is None:
        return None
    return " ".join(text.split()) or None


def criteria(text: str | None, field: str, source: str, record_id: str | None) -> list[Criterion]:
    """Eligibility ``text`` split into criterion nodes by :mod:`kg.criteria.split`.

    ``field`` names where the text sits in the record, so criterion spans point into it.
    """
    # Imported on use, so that loading the format registry does not load the splitter.
    from kg.criteria.split import split_criteria

    if not text or not text.strip():
        return []
    try:
        return split_criteria(text, field)
    except RecordError as err:
        raise RecordError(err.reason, source=source, record_id=record_id, field=err.field or field) from None


def regimen(description: str | None, drug: str | None = None) -> Regimen | None:
    """The regimen an intervention description states (dose, route, schedule), if any."""
    # Imported on use, like the criteria splitter.
    from kg.ingest.regimen import parse_regimen

    return parse_regimen(description, drug) if description else None
