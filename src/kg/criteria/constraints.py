"""Typed constraints parsed from one eligibility criterion (the model ``parse`` fills).

Every constraint carries the character span of the criterion text it came from, a
confidence in [0, 1], a ``negated`` flag (the text negates it: "no history of …") and the
criterion's polarity. How negation combines with polarity (see ``effective_polarity``):
a constraint *excludes* a patient who matches it when the criterion is an exclusion and
the constraint is not negated, or when the criterion is an inclusion and the constraint is
negated ("Inclusion: no prior rituximab" excludes rituximab-treated patients, exactly like
"Exclusion: prior rituximab"); otherwise matching it is *required*.

Quantities keep what the text said (``value`` + ``unit`` as a UCUM code) next to the
value normalised to one canonical unit (``norm_value`` + ``norm_unit``); both are None
when the text has no unit or the unit cannot be converted.

>>> c = AgeConstraint(span=(0, 20), text="age 18 to 70 years", min_years=18.0, max_years=70.0)
>>> c.kind, c.min_inclusive
('age', True)
>>> effective_polarity("inclusion", negated=True)
'exclusion'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

#: Comparators as written in RDF (kg:comparator); ``between`` uses low/high bounds.
COMPARATORS = ("<", "<=", ">", ">=", "=", "between")

#: What a therapy constraint says about its drug (``TherapyConstraint.role``, kg:therapyRole).
#: Only the first three are exposures a washout can be built on: ``prior-ever`` (at any time
#: before), ``prior-within-window`` (within the window before; "at least N since X" is this,
#: negated), ``current`` is use at screening or during the trial, ``stable-dose`` an
#: unchanged dose for the window, ``allowed`` permitted (neither required nor excluded),
#: ``required-background`` a therapy to be taken during the trial, ``allergy`` an allergy,
#: intolerance or contraindication to the drug (a condition about it, not an exposure).
THERAPY_ROLES = ("prior-ever", "prior-within-window", "current", "stable-dose", "allowed",
                 "required-background", "allergy")
#: Roles that state a past exposure to the drug (the input of a washout conflict).
EXPOSURE_ROLES = ("prior-ever", "prior-within-window")


def effective_polarity(polarity: str, negated: bool) -> str:
    """``inclusion``/``exclusion`` after applying the constraint's own negation."""
    if polarity not in ("inclusion", "exclusion"):
        return polarity
    if not negated:
        return polarity
    return "exclusion" if polarity == "inclusion" else "inclusion"


@dataclass(frozen=True)
class TimeWindow:
    """A look-back (or look-ahead) window relative to a reference point.

    ``days`` is the normalised length (months and years via pint's calendar means, rounded);
    ``iso`` the xsd:duration as written (P6M, P12W, P60D); ``reference`` a normalised
    reference point (screening, day0, day1, baseline, consent, first_dose, randomization,
    enrollment, study_end, last_dose) or None; ``ever`` marks "at any time"/"ever".
    """

    days: int | None = None
    iso: str | None = None
    reference: str | None = None
    direction: str = "before"  # before | after | during
    ever: bool = False
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Excerpt:
    """A phrase inside a constraint kept as its own node: a listed example or an exception."""

    text: str
    name: str  # lower-case normalised
    span: tuple[int, int]


@dataclass(frozen=True)
class Quantity:
    """A measured value as written and normalised. ``relative_to``: ULN, LLN, baseline."""

    comparator: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    unit: str | None = None  # UCUM code as written, e.g. "mg/L", "10*9/L"
    norm_value: float | None = None
    norm_low: float | None = None
    norm_high: float | None = None
    norm_unit: str | None = None
    relative_to: str | None = None


@dataclass
class Constraint:
    """Base of every typed constraint: span, confidence, polarity and negation."""

    kind: ClassVar[str] = "constraint"
    span: tuple[int, int] = (0, 0)
    text: str = ""
    confidence: float = 0.5
    negated: bool = False
    polarity: str = "inclusion"

    @property
    def effective_polarity(self) -> str:
        return effective_polarity(self.polarity, self.negated)


@dataclass
class AgeConstraint(Constraint):
    """Age bounds in years (months/weeks/days converted)."""

    kind: ClassVar[str] = "age"
    min_years: float | None = None
    max_years: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True


@dataclass
class SexConstraint(Constraint):
    """Sex eligible: ``female``, ``male`` or ``all``."""

    kind: ClassVar[str] = "sex"
    sex: str = "all"


@dataclass
class HealthyVolunteerConstraint(Constraint):
    """The criterion asks for (or rules out) healthy volunteers."""

    kind: ClassVar[str] = "healthy_volunteers"
    healthy: bool = True


@dataclass
class LabConstraint(Constraint):
    """A laboratory threshold on one analyte (LOINC coded when known)."""

    kind: ClassVar[str] = "lab"
    analyte: str = ""  # normalised analyte key, e.g. "igg4"
    analyte_text: str = ""
    loinc: str | None = None
    quantity: Quantity | None = None
    formula: str | None = None  # MDRD, CKD-EPI, Cockcroft-Gault
    qualitative: str | None = None  # "elevated", "abnormal", "positive"
    exceptions: tuple[Excerpt, ...] = ()  # "unless Gilbert's syndrome": patients the threshold does not hold for


@dataclass
class ScoreConstraint(Constraint):
    """A threshold on a clinical instrument or score (SLEDAI-2K, ECOG, BMI, …)."""

    kind: ClassVar[str] = "score"
    instrument: str = ""  # normalised key, e.g. "sledai-2k"
    instrument_text: str = ""
    quantity: Quantity | None = None
    organ: str | None = None
    exceptions: tuple[Excerpt, ...] = ()


@dataclass
class ConditionConstraint(Constraint):
    """A condition required or excluded, with qualifiers, window and exceptions."""

    kind: ClassVar[str] = "condition"
    condition: str = ""  # phrase as written
    name: str = ""  # lower-case normalised phrase
    qualifiers: tuple[str, ...] = ()  # new_onset, flare, relapse, refractory, active, remission, history, current
    active_by: str | None = None  # instrument defining activity, e.g. "sledai-2k"
    organs: tuple[str, ...] = ()
    classification: str | None = None  # classification criteria phrase
    classification_year: int | None = None
    window: TimeWindow | None = None
    exceptions: tuple[Excerpt, ...] = ()


@dataclass
class DoseCondition:
    """A dose bound attached to a therapy ("≥ 10 mg/day of prednisone or equivalent")."""

    comparator: str
    value: float
    unit: str | None
    drug: str | None = None
    equivalent: bool = False


@dataclass
class TherapyConstraint(Constraint):
    """Prior or concomitant therapy with a drug or drug-class phrase."""

    kind: ClassVar[str] = "therapy"
    therapy: str = ""  # phrase as written
    name: str = ""  # lower-case normalised name, resolved to drugs elsewhere
    is_class: bool = False
    members: tuple[Excerpt, ...] = ()  # listed examples ("eg, rituximab, ocrelizumab")
    exceptions: tuple[Excerpt, ...] = ()  # "other than GCs"
    window: TimeWindow | None = None
    dose: DoseCondition | None = None
    role: str | None = None  # one of THERAPY_ROLES; None when not read


@dataclass
class BackgroundTherapyConstraint(TherapyConstraint):
    """Background therapy the patient must be on (stable dose for a minimum time)."""

    kind: ClassVar[str] = "background_therapy"
    stable: bool = False
    min_duration_days: int | None = None
    recently_started: bool = False


@dataclass
class InfectionConstraint(Constraint):
    """An infection or serology marker (HIV, HBsAg, HCV antibody, tuberculosis, …)."""

    kind: ClassVar[str] = "infection"
    pathogen: str = ""  # hiv, hbv, hcv, tuberculosis, …
    marker: str | None = None  # hbsag, hbcab, hbv-dna, hcv-ab, igra, ppd, chest-imaging
    result: str | None = None  # positive | negative
    status: str | None = None  # active | latent | chronic | history
    window: TimeWindow | None = None
    exceptions: tuple[Excerpt, ...] = ()  # "unless vaccinated"


@dataclass
class ReproductiveConstraint(Constraint):
    """Pregnancy, lactation, planned pregnancy or contraception requirement."""

    kind: ClassVar[str] = "reproductive"
    topic: str = ""  # pregnancy | lactation | planned_pregnancy | contraception | childbearing_potential
    window: TimeWindow | None = None


@dataclass
class ConsentConstraint(Constraint):
    """Ability or willingness to give informed consent."""

    kind: ClassVar[str] = "consent"


@dataclass
class TrialParticipationConstraint(Constraint):
    """Participation in another clinical trial / investigational product exposure."""

    kind: ClassVar[str] = "trial_participation"
    window: TimeWindow | None = None


@dataclass
class SubstanceUseConstraint(Constraint):
    """Drug or alcohol abuse/dependence, with a window."""

    kind: ClassVar[str] = "substance_use"
    substance: str = ""  # alcohol | drug | substance | tobacco
    window: TimeWindow | None = None


@dataclass
class ConstraintGroup(Constraint):
    """A logical group: ``any`` (A or B) or ``all`` (A and B) of other constraints.

    ``members`` are indexes into the list ``parse_criterion`` returned.
    """

    kind: ClassVar[str] = "group"
    operator: str = "any"
    members: tuple[int, ...] = ()


ALL_TYPES: tuple[type[Constraint], ...] = (
    AgeConstraint,
    SexConstraint,
    HealthyVolunteerConstraint,
    LabConstraint,
    ScoreConstraint,
    ConditionConstraint,
    TherapyConstraint,
    BackgroundTherapyConstraint,
    InfectionConstraint,
    ReproductiveConstraint,
    ConsentConstraint,
    TrialParticipationConstraint,
    SubstanceUseConstraint,
    ConstraintGroup,
)
