"""Patient–trial matching: each criterion met / not met / unknown, the trial's verdict and its score.

A criterion's constraints combine in Kleene's three-valued logic (True, False, None for
unknown). An inclusion criterion is met when all its top-level constraints hold (a negated
one: when it does not hold; a group: any/all of its members); an exclusion criterion is met
(the patient is excluded by it) when any of its non-negated top-level constraints holds and
none of its negated ones does ("IgG4-RD without involvement of a major organ"). Neutral
findings (consent, contraception, allowed therapies) take no part; a criterion with no
constraint, or only neutral ones, is *not assessed*.

A trial also requires, unless it accepts healthy volunteers, that the patient has one of
the conditions it studies (through the condition hierarchy): a criterion of its own,
``trial condition``, so a patient is never called eligible for a trial about something else.

Verdict: *excluded* when an inclusion is not met or an exclusion is met (the criteria that
did it are listed); *eligible* when every assessed criterion is decided in the patient's
favour; otherwise *undetermined*, listing the facts that are missing. Score in [0, 1]:
``0.1 × share of favourable criteria`` for an excluded trial, else ``0.2 + 0.8 × the weighted
share`` where a favourable criterion counts 1 (0.9 when decided by the closed-world reading),
an unknown one 0.4, and the trial-condition criterion weighs 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kg.match.evaluate import NEUTRAL, Finding, PatientView, evaluate
from kg.match.facts import ConstraintFacts, CriterionFacts, MatchFacts, TrialFacts
from kg.patient.model import Patient

MET, NOT_MET, UNKNOWN, NOT_ASSESSED = "met", "not met", "unknown", "not assessed"
ELIGIBLE, EXCLUDED, UNDETERMINED = "eligible", "excluded", "undetermined"
TRIAL_CONDITION = "trial condition"


@dataclass
class CriterionResult:
    """One criterion's status with the findings that decided it."""

    criterion: str
    polarity: str
    order: int
    text: str
    status: str
    findings: list[Finding] = field(default_factory=list)
    decided_by: list[Finding] = field(default_factory=list)

    @property
    def favourable(self) -> bool | None:
        """True when the status lets the patient in, False when it excludes, None otherwise."""
        if self.status == MET:
            return self.polarity == "inclusion"
        if self.status == NOT_MET:
            return self.polarity != "inclusion"
        return None

    @property
    def assumed(self) -> bool:
        return bool(self.decided_by) and all(f.assumed for f in self.decided_by)


@dataclass
class TrialResult:
    """A trial's verdict for one patient."""

    trial: str
    nct: str | None
    label: str | None
    verdict: str
    score: float
    criteria: list[CriterionResult] = field(default_factory=list)
    excluded_by: list[CriterionResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.nct or self.trial.rsplit("/", 1)[-1]


@dataclass
class MatchResult:
    """One patient against a set of trials, best first."""

    patient: Patient
    as_of: date
    trials: list[TrialResult] = field(default_factory=list)


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


class _Eval:
    """Evaluates one criterion's constraints (each once) and its groups."""

    def __init__(self, crit: CriterionFacts, view: PatientView, facts: MatchFacts,
                 studied: frozenset[str] = frozenset()) -> None:
        self.crit, self.view, self.facts, self.studied = crit, view, facts, studied
        self.findings: dict[str, Finding] = {}

    def finding(self, c: ConstraintFacts) -> Finding:
        f = self.findings.get(c.iri)
        if f is None:
            if (self.crit.polarity == "exclusion" and c.kind == "ConditionConstraint" and not c.negated
                    and c.keys & self.studied):
                # A trial never turns away everyone it studies: such an exclusion is narrower
                # than kg read it ("another condition that mimics IgG4-RD"), as kg.compare reads it.
                f = Finding(c.iri, c.kind, NEUTRAL, f"{c.one('normalizedName')} is what the trial studies", text=c.text)
            else:
                memo = self.view.memo
                known = memo.get(c.sig) if c.sig >= 0 else None
                if known is None:
                    f = evaluate(c, self.view, self.facts)
                    if c.sig >= 0:
                        memo[c.sig] = f
                else:
                    f = Finding(c.iri, known.kind, known.value, known.reason, known.fact, known.assumed, c.text)
            self.findings[c.iri] = f
        return f

    def literal(self, c: ConstraintFacts, depth: int = 0) -> tuple[bool | None | str, list[Finding]]:
        """The constraint's truth with its own negation applied, and the findings behind it."""
        if c.kind == "ConstraintGroup" or c.members:
            parts = [self.literal(self.crit.constraints[m], depth + 1) for m in c.members
                     if m in self.crit.constraints and depth < 8]
            parts = [p for p in parts if p[0] != NEUTRAL]
            if not parts:
                return NEUTRAL, []
            vals = [p[0] for p in parts]  # type: ignore[misc]
            value = _or(vals) if c.operator != "all" else _and(vals)  # type: ignore[arg-type]
            if c.negated and value is not None:
                value = not value
            deciders = [f for p in parts if p[0] == value for f in p[1]] or [f for p in parts for f in p[1]]
            return value, deciders
        f = self.finding(c)
        if f.value == NEUTRAL:
            return NEUTRAL, [f]
        value = f.value
        if c.negated and value is not None:
            value = not value
        return value, [f]


def assess_criterion(crit: CriterionFacts, view: PatientView, facts: MatchFacts,
                     studied: frozenset[str] = frozenset()) -> CriterionResult:
    """The status of one criterion for the patient (see the module doc for the logic)."""
    ev = _Eval(crit, view, facts, studied)
    top = crit.top()
    lits = [(c, *ev.literal(c)) for c in top]
    lits = [(c, v, fs) for c, v, fs in lits if v != NEUTRAL]
    result = CriterionResult(crit.iri, crit.polarity, crit.order, crit.text, NOT_ASSESSED)
    if not lits:
        result.findings = list(ev.findings.values())
        return result
    if crit.polarity == "inclusion":
        # Several diagnoses named in one inclusion are alternatives ("IgG4-RD involving e.g. the
        # pancreas, bile ducts or kidneys"): a subtype requirement ("SLE with nephritis") is
        # still met through the hierarchy by a patient who has the subtype.
        diagnoses = [(c, v, fs) for c, v, fs in lits if c.kind == "ConditionConstraint" and not c.negated]
        if len(diagnoses) > 1:
            merged = _or([v for _c, v, _f in diagnoses])  # type: ignore[misc]
            keep = [d for d in diagnoses if d[1] == merged][:1] or diagnoses[:1]
            lits = [x for x in lits if x not in diagnoses] + [(keep[0][0], merged, [f for d in diagnoses if d[1] == merged for f in d[2]] or keep[0][2])]
        value = _and([v for _c, v, _f in lits])  # type: ignore[misc]
    else:
        positive = [(v, fs) for c, v, fs in lits if not c.negated]
        negative = [(v, fs) for c, v, fs in lits if c.negated]
        # a negated constraint's literal is already "does not have it": all must hold
        value = _and(([_or([v for v, _ in positive])] if positive else []) + [v for v, _ in negative])  # type: ignore[misc]
    result.status = MET if value is True else NOT_MET if value is False else UNKNOWN
    result.findings = list(ev.findings.values())
    if value is None:
        result.decided_by = [f for _c, v, fs in lits if v is None for f in fs]
    else:
        result.decided_by = [f for _c, v, fs in lits if v == value for f in fs] or [f for _c, _v, fs in lits for f in fs]
    return result


def _trial_condition(trial: TrialFacts, view: PatientView) -> CriterionResult | None:
    """The implicit inclusion "the patient has a condition the trial studies"."""
    from kg.match.evaluate import _words

    if trial.healthy or not trial.conditions:
        return None
    text = "Has a condition the trial studies: " + ", ".join(trial.condition_labels or ["?"])
    res = CriterionResult(TRIAL_CONDITION, "inclusion", 0, text, UNKNOWN)
    label_words = [w for w in (_words(lab) for lab in trial.condition_labels) if w]
    for cond, keys, words in view.conditions:
        if keys & trial.conditions or any(lw <= words for lw in label_words):
            f = Finding(TRIAL_CONDITION, "TrialCondition", True, f"has {cond.name}", cond.source or cond.name)
            res.status, res.findings, res.decided_by = MET, [f], [f]
            return res
    f = Finding(TRIAL_CONDITION, "TrialCondition", None,
                "none of the patient's conditions is one the trial studies, as far as kg can tell")
    res.findings, res.decided_by = [f], [f]
    return res


def assess_trial(trial: TrialFacts, view: PatientView, facts: MatchFacts) -> TrialResult:
    """The verdict and score of one trial for the patient."""
    results = [assess_criterion(c, view, facts, trial.studied) for c in trial.criteria]
    tc = _trial_condition(trial, view)
    if tc is not None:
        results.insert(0, tc)
    excluded_by = [r for r in results if r.favourable is False]
    unknown = [r for r in results if r.status == UNKNOWN]
    if excluded_by:
        verdict = EXCLUDED
    elif unknown:
        verdict = UNDETERMINED
    else:
        verdict = ELIGIBLE
    missing: list[str] = []
    for r in unknown:
        for f in r.decided_by:
            if f.value is None and f.reason not in missing:
                missing.append(f.reason)
    assessed = [r for r in results if r.status != NOT_ASSESSED]
    total = weight = 0.0
    for r in assessed:
        w = 3.0 if r.criterion == TRIAL_CONDITION else 1.0
        fav = r.favourable
        weight += w
        total += w * (0.0 if fav is False else 0.4 if fav is None else 0.9 if r.assumed else 1.0)
    share = total / weight if weight else 0.5
    score = round(0.1 * share if verdict == EXCLUDED else 0.2 + 0.8 * share, 4)
    return TrialResult(trial.iri, trial.nct, trial.label, verdict, score, results, excluded_by, missing)


_VERDICT_ORDER = {ELIGIBLE: 0, UNDETERMINED: 1, EXCLUDED: 2}


def match(patient: Patient, facts: MatchFacts, trials: list[str] | None = None, as_of: date | None = None,
          limit: int | None = None) -> MatchResult:
    """Check ``patient`` against the trials of ``facts`` (or only those named by NCT ID or IRI),
    best first: by score, then verdict, then name. ``as_of``: the date windows count back from
    (default: the patient's record date, else today)."""
    view = PatientView.of(patient, facts, as_of)
    if trials:
        chosen = []
        for ident in trials:
            t = facts.by_nct(ident)
            if t is None:
                from kg.errors import ParameterError

                raise ParameterError(f"no trial {ident} in the store")
            chosen.append(t)
    else:
        chosen = list(facts.trials.values())
    out = [assess_trial(t, view, facts) for t in chosen]
    out.sort(key=lambda r: (-r.score, _VERDICT_ORDER[r.verdict], r.name))
    if limit is not None:
        out = out[:limit]
    return MatchResult(patient, view.as_of, out)
