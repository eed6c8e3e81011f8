"""Exceptions that qualify the constraint before them: "unless Gilbert's", "if liver metastases".

"Bilirubin ≤ 1.5 × ULN (unless Gilbert's syndrome)" does not require Gilbert's syndrome: it
says the bilirubin threshold does not hold for patients who have it. :func:`attach` finds
such exception regions — an "unless …" phrase, a parenthesis or note that relaxes a
threshold "if"/"in patients with" a condition ("(< 3 × ULN if Gilbert's disease is
present)", "≤ 5 × ULN is acceptable if liver metastases are present") — takes the
constraints found inside them out of the criterion's list, and hangs them, as
:class:`~kg.criteria.constraints.Excerpt` s, on the thresholds, infections and conditions
written just before the region (back to the previous region or the start of the clause;
for a note in a clause of its own, the clause before it).

>>> from kg.criteria.parse import parse_criterion
>>> [(c.kind, [x.name for x in c.exceptions]) for c in parse_criterion(
...     "Total bilirubin <= 1.5 x ULN (unless Gilbert's syndrome)", "inclusion")]
[('lab', ["gilbert's syndrome"])]
"""

from __future__ import annotations

import re

from kg.criteria.constraints import (
    ConditionConstraint,
    Constraint,
    Excerpt,
    InfectionConstraint,
    LabConstraint,
    ScoreConstraint,
)

#: Where an exception region starts. "unless" anywhere; "if"/"when"/"in patients with" only
#: inside a parenthesis or after "acceptable/allowed/permitted", which make it a relaxation.
_UNLESS = re.compile(r"\bunless\b", re.I)
_RELAX = re.compile(
    r"\((?P<p>[^()]*?)\b(?:if|when|in\s+(?:patients?|subjects?|participants?|those|cases?)\s+(?:with|of)|"
    r"in\s+(?:the\s+)?(?:presence|case)\s+of|for\s+(?:patients?|subjects?)\s+with)\b"
    r"|\b(?:acceptable|allowed|permitted|permissible)\s+(?:if|when|in\s+(?:patients?|subjects?|cases?)\s+with|"
    r"in\s+(?:the\s+)?(?:presence|case)\s+of|for\s+(?:patients?|subjects?)\s+with)\b",
    re.I,
)
_REGION_END = re.compile(r"[);]|\.(?=\s|$)|\bwill\s+be\b", re.I)
#: Words around the excepted condition that are not its name.
_FILLER = re.compile(
    r"^\s*(?:(?:related|due|secondary|attributable|attributed)\s+to|caused\s+by|if|when|the|patient\s+has|"
    r"(?:patients?|subjects?|participants?|individuals?|those)\s+(?:have|has|with|(?:who|that)\s+(?:have|has))|there\s+is|known|documented|(?:a|an)\b|:|,)\s*"
    r"|\s*(?:is|are)\s+(?:present|known|documented|suspected)\b.*$|\s*\)\s*$",
    re.I,
)
_HOLDERS = (LabConstraint, ScoreConstraint, InfectionConstraint, ConditionConstraint)


#: A sentence whose predicate exempts its subject from the criterion ("Subjects with vitiligo
#: would be an exception to this rule", "… would not be excluded", "… is not considered …").
_EXEMPT = re.compile(r"\b(?:would|will|shall|are|is)\s+(?:be\s+)?(?:an?\s+)?(?:exceptions?\b|"
                     r"not\s+(?:be\s+)?(?:excluded|considered|exclusionary|an?\s+exclusion))", re.I)
_SENTENCE_START = re.compile(r"(?:[.;:]|\bNOTE\b:?)\s+(?=\S)(?!.*(?:[.;:]|\bNOTE\b:?)\s+\S)", re.I | re.S)
_EXEMPT_SUBJECT = re.compile(r"\s*(?:(?:subjects?|patients?|participants?|those|individuals?)\s+"
                             r"(?:with|who\s+(?:have|has|require)|that\s+(?:have|has|require))\s+)?", re.I)


#: Words of a drug exemption ("subjects that require inhaled bronchodilators"): no condition name.
_DRUG_WORDS = re.compile(r"\b(?:requir\w*|use|using|taking|receiv\w*|treat\w*|therap\w*|medications?|drugs?|"
                         r"injections?|inhaled|[a-z]+(?:ators?|ants?|ics?)\b)", re.I)


def exempt_regions(text: str) -> list[tuple[int, int]]:
    """Ranges of the subjects of sentences that exempt them (:data:`_EXEMPT`): what they name is
    an exception of the criterion, or (a drug) allowed, never what the criterion excludes.

    >>> t = "Active autoimmune disease. Subjects with vitiligo would be an exception to this rule"
    >>> [t[a:b] for a, b in exempt_regions(t)]
    ['Subjects with vitiligo ']
    """
    out: list[tuple[int, int]] = []
    for m in _EXEMPT.finditer(text):
        lo = out[-1][1] if out else 0
        st = _SENTENCE_START.search(text, lo, m.start())
        if st is None:
            continue  # the whole criterion's own sentence: its subject is what it is about
        if _EXEMPT_SUBJECT.match(text, st.end(), m.start()).end() < m.start():  # type: ignore[union-attr]
            out.append((st.end(), m.start()))
    return out


def regions(text: str) -> list[tuple[int, int]]:
    """Character ranges of the exception regions in ``text`` (from the cue to where it ends)."""
    out: list[tuple[int, int]] = []
    starts = [m.start() for m in _UNLESS.finditer(text)]
    for m in _RELAX.finditer(text):
        starts.append(m.end("p") if m.group("p") is not None else m.start())
    for s in sorted(set(starts)):
        if out and s < out[-1][1]:
            continue
        e = _REGION_END.search(text, s)
        out.append((s, e.start() if e else len(text)))
    exempt = [r for r in exempt_regions(text) if not any(x < r[1] and r[0] < y for x, y in out)]
    return sorted(out + exempt)


_OR = re.compile(r"\s*(?:,\s*)?\b(?:or|and/or)\b\s*|\s*,\s*", re.I)


def _parts(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The alternatives of one exception region, split at "or" and commas."""
    out, pos = [], a
    for m in _OR.finditer(text, a, b):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, b))
    return [(x, y) for x, y in out if y > x]


def _bare_name(text: str, a: int, b: int) -> Excerpt | None:
    """The excepted thing when no constraint was found in the region ("unless related to AML")."""
    cue = re.match(r"\s*(?:unless|if|when)\b", text[a:b], re.I)
    s = a + (cue.end() if cue else 0)
    phrase = text[s:b]
    prev = None
    while prev != phrase:
        prev = phrase
        phrase = _FILLER.sub("", phrase)
    phrase = phrase.strip(" ,.;:()")
    if not phrase or len(phrase.split()) > 6 or not re.search(r"[A-Za-z]{2}", phrase):
        return None
    k = text.find(phrase, s, b)
    return Excerpt(text=phrase, name=phrase.lower(), span=(k, k + len(phrase)))


def attach(text: str, clauses: list[tuple[int, int]], kept: list[Constraint]) -> list[Constraint]:
    """``kept`` without the constraints inside exception regions, which become exceptions."""
    regs = regions(text)
    if not regs:
        return kept
    inside = {id(c) for c in kept for a, b in regs if a <= c.span[0] and c.span[1] <= b + 1}
    exempt = set(exempt_regions(text))
    prev_end = 0
    moved: set[int] = set()
    for a, b in regs:
        if (a, b) in exempt:
            if any(a <= c.span[0] < b and not isinstance(c, _HOLDERS) for c in kept):
                continue  # "Replacement therapy (e.g. insulin) is not considered …": a drug allowed (parse)
            prev_end = 0  # the rule it exempts from may be several sentences back
        ca = max((x for x, y in clauses if x <= a), default=0)
        lo = max(prev_end, ca)
        holders = [c for c in kept if isinstance(c, _HOLDERS) and id(c) not in inside and lo <= c.span[0]
                   and c.span[1] <= a + 1]
        if not holders:  # a note in a clause of its own ("NOTE: ≤ 5 × ULN if …") relaxes the clause before
            for x, y in reversed([(x, y) for x, y in clauses if y <= ca and x >= prev_end]):
                holders = [c for c in kept if isinstance(c, _HOLDERS) and id(c) not in inside
                           and x <= c.span[0] < y and c.span[1] <= a + 1]
                if holders:
                    break
        prev_end = b
        if not holders:
            continue
        found = [c for c in kept if id(c) in inside and a <= c.span[0] and c.span[1] <= b + 1 and _name(c)]
        names: list[Excerpt] = []
        for pa, pb in _parts(text, a, b):  # "Gilbert's disease or due to leukemic infiltration": two
            here = [c for c in found if pa <= c.span[0] < pb]
            if here:
                names += [Excerpt(text=c.text or text[c.span[0]:c.span[1]], name=_name(c), span=c.span) for c in here]
            elif (a, b) not in exempt or not _DRUG_WORDS.search(text, pa, pb):
                bare = _bare_name(text, pa, pb)
                if bare:
                    names.append(bare)
        if not names:
            continue
        for h in holders:
            have = {x.name for x in h.exceptions}
            h.exceptions = h.exceptions + tuple(x for x in names if x.name not in have)
        moved.update(id(c) for c in found)
    return [c for c in kept if id(c) not in moved]


def _name(c: Constraint) -> str:
    if isinstance(c, ConditionConstraint):
        return c.name
    if isinstance(c, InfectionConstraint):
        return c.pathogen
    return ""
