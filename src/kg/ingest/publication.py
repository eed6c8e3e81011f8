"""Publication records: a paper's page (title, abstract, identifiers) -> the trial it reports.

A publication page saved as text (a research-profile or library page) has the paper title
on its first line, then labelled blocks -- "abstract", "publication date", "keywords",
"PubMed ID", "PubMed Central ID", "Digital Object Identifier (DOI)", "volume", "issue"
-- whose values sit on the bullet lines below each label. "Label: value" lines work too.

The record describes the *trial* the paper reports (``is_publication=True``), read from
the abstract with general rules over usual abstract phrasing:

* design -- "In this 52-week, single-center, double-blind, placebo-controlled … study,
  20 patients with X were randomized 1:1 to (additionally) receive DRUG at DOSE ROUTE or
  placebo": duration, centres, masking, placebo control, allocation, enrollment, arms
  (experimental + placebo comparator, sized by the ratio), interventions with regimens;
* background therapy -- "treated with background mycophenolate mofetil (MMF)" is given
  to every arm;
* condition -- "patients with early X (ABBR)" -> X without stage words such as "early";
* population -- "N patients with P were randomized" -> inclusion criterion "patients with
  P", its span pointing into ``publications[0].abstract``;
* results -- "In the G group, the median M decreased from A (IQR l, h) to B (IQR l, h)
  (P = p)" -> baseline and end values per group (the within-group p on the end value);
  "The median change in M was A (IQR l, h) in the G1 group and B (IQR l, h) in the G2
  group (P = p)" -> change per group plus one between-group result carrying p;
* the first measure with results (or a stated primary outcome) is the primary Outcome.

``record_id`` is "pmid-<PMID>" (else the file stem); ``nct_id`` is an NCT ID the text
states, else None (a crosswalk maps PMID to NCT elsewhere).
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.errors import RecordError
from kg.ingest.base import Format, ParseResult, decode_utf8, sha256
from kg.ingest.regimen import parse_regimen
from kg.ingest.registry_text import iso_date
from kg.model import (
    Arm,
    Condition,
    Criterion,
    Design,
    Eligibility,
    Intervention,
    Outcome,
    Publication,
    ReportedResult,
    SourceRef,
    Span,
    TrialRecord,
)

NAME = "publication"
PRIORITY = 20

_BULLET = "•·▪◦‣●"
_TITLE_CHROME_RE = re.compile(
    r"\s*(?:(?:academic|journal|research|review|conference)\s+)?(?:article|paper|review|publication)?\s*uri\s+icon\s*$",
    re.IGNORECASE,
)
_LABELS = {
    "abstract": "abstract",
    "publication date": "date",
    "date": "date",
    "published": "date",
    "keywords": "keywords",
    "keyword": "keywords",
    "mesh terms": "keywords",
    "pubmed central id": "pmcid",
    "pmcid": "pmcid",
    "pmc id": "pmcid",
    "digital object identifier (doi)": "doi",
    "doi": "doi",
    "pubmed id": "pmid",
    "pmid": "pmid",
    "volume": "volume",
    "issue": "issue",
    "journal": "journal",
    "published in": "journal",
}
_PMID_RE = re.compile(r"(?i)\b(?:pmid|pubmed\s+id)\s*:?\s*(\d{5,9})\b")
_PMCID_RE = re.compile(r"\bPMC\d{5,9}\b")
_DOI_RE = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)]")
_NCT_RE = re.compile(r"\bNCT\d{8}\b")
_ABSTRACT_SECTION_RE = re.compile(r"\b(?:OBJECTIVES?|BACKGROUND|METHODS?|RESULTS?|CONCLUSIONS?)\s*:")

_NUM = r"-?\d+(?:\.\d+)?"
_IQR = r"\((?:interquartile\s+range\s*\[IQR\]|IQR)\s*(?P<{0}l>" + _NUM + r"),\s*(?P<{0}h>" + _NUM + r")\)"
_FROM_TO_RE = re.compile(
    r"In\s+the\s+(?P<group>[\w -]+?)\s+group,?\s+the\s+(?P<stat>median|mean)\s+(?P<measure>[^.]+?)\s+"
    r"(?:decreased|increased|changed|improved|declined|rose|fell|worsened)\s+from\s+(?P<a>" + _NUM + r")\s*"
    + _IQR.format("a") + r"\s+to\s+(?P<b>" + _NUM + r")\s*" + _IQR.format("b")
    + r"(?:\s*\(\s*P\s*(?P<op>[=<>≤])\s*(?P<p>\d*\.?\d+)\s*\))?"
)
_CHANGE_RE = re.compile(
    r"The\s+(?P<stat>median|mean)\s+change\s+in\s+(?P<measure>[^.]+?)\s+was\s+(?P<a>" + _NUM + r")\s*"
    + _IQR.format("a") + r"\s+in\s+the\s+(?P<g1>[\w -]+?)\s+group\s+and\s+(?P<b>" + _NUM + r")\s*"
    + _IQR.format("b") + r"\s+in\s+the\s+(?P<g2>[\w -]+?)\s+group"
    + r"(?:\s*\(\s*P\s*(?P<op>[=<>≤])\s*(?P<p>\d*\.?\d+)\s*\))?"
)
_DESIGN_RE = re.compile(
    r"(?i)\bIn\s+this\s+(?P<adj>[^.]{0,200}?)\s*(?:study|trial)\s*,\s*(?P<n>\d+)\s+"
    r"(?P<who>patients|participants|subjects|adults|children|women|men|volunteers)\s+with\s+(?P<pop>[^.]+?)\s+"
    r"(?:were|was)\s+(?:randomi[sz]ed|assigned|allocated)"
)
_RANDOM_RE = re.compile(
    r"(?i)\b(?:randomi[sz]ed|assigned|allocated)\s*(?:(?:in\s+a\s+)?(?P<r1>\d+)\s*:\s*(?P<r2>\d+)(?:\s+ratio)?\s*)?"
    r"\s*to\s+(?P<add>additionally\s+|also\s+)?(?:receive\s+)?(?:either\s+)?(?P<a>[^.;]+?)\s+or\s+(?P<b>[^.;]+?)\s*(?=[.;]|$)"
)
_WEEKS_RE = re.compile(r"(?i)\b(?P<n>\d+)[- ](?P<u>week|month|year)\b")
_BACKGROUND_RE = re.compile(
    r"(?i)\bbackground\s+(?:therapy\s+(?:with\s+)?)?(?P<bg>[a-z][a-z -]*?[a-z])(?:\s*\((?P<abbr>[A-Za-z0-9-]+)\))?"
    r"(?=\s*[.,;)]|\s+(?:and|or|in|at|for|who|were)\b)"
)
_CONDITION_RE = re.compile(
    r"(?i)\b(?:patients|participants|subjects|adults|children|people|individuals)\s+with\s+"
    r"(?P<cond>[a-z][^().,;]*?)\s*\((?P<abbr>[A-Za-z0-9-]+)\)"
)
_STAGE_WORDS_RE = re.compile(
    r"(?i)^(?:(?:early|active|mild|moderate|severe|refractory|recent[- ]onset|newly\s+diagnosed|untreated|stable|"
    r"established|recently\s+diagnosed)(?:\s*(?:,|and|or|to)\s*|\s+))+"
)
_PRIMARY_RE = re.compile(r"(?i)\bprimary\s+(?:end\s*point|endpoint|outcome(?:\s+measure)?)\s+(?:was|is)\s+(?:the\s+)?(?P<m>[^.;]+)")
_ABBR_DEF_RE = re.compile(r"(?P<full>[A-Za-z][\w -]{2,80}?)\s*\((?P<abbr>[A-Z][A-Za-z0-9-]{1,10})\)")


# -- detection -----------------------------------------------------------------------------------


def detect(data: bytes, name: str) -> bool:
    """Text with a PubMed ID / DOI block and an abstract.

    >>> detect(b"A Paper\\n\\nabstract\\n\\n  \\xe2\\x80\\xa2 METHODS: x.\\n\\nPubMed ID\\n\\n  \\xe2\\x80\\xa2 123456\\n", "p.txt")
    True
    >>> detect(b'{"pmid": "123456", "abstract": "x"}', "p.json")
    False
    """
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head or head[:1] in (b"{", b"[", b"<") or head.startswith(b"%PDF") or b"\x00" in data[:4096]:
        return False
    if Path(name).suffix.lower() in (".md", ".tsv", ".csv", ".json", ".xml", ".ann"):
        return False
    text = data[:300_000].decode("utf-8", errors="replace")
    has_id = bool(
        re.search(r"(?im)^[ \t]*(?:pubmed\s+id|pmid|digital\s+object\s+identifier|doi)\b", text)
        or _PMID_RE.search(text)
    )
    has_abstract = bool(re.search(r"(?im)^[ \t]*abstract\s*:?[ \t]*$", text)) or len(
        set(m.group(0).split()[0].rstrip(":").rstrip("S") for m in _ABSTRACT_SECTION_RE.finditer(text))
    ) >= 2
    return has_id and has_abstract


# -- parsing -------------------------------------------------------------------------------------


def parse(data: bytes, source_path: str) -> ParseResult:
    """Yield the one record a publication page describes (or a RecordError)."""
    stem = Path(source_path).stem or source_path
    try:
        text = decode_utf8(data, source_path, stem)
    except RecordError as err:
        yield err
        return
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields = _fields(text)
    pub = _publication(text, fields)
    record_id = f"pmid-{pub.pmid}" if pub.pmid else stem
    if not pub.abstract:
        yield RecordError("no abstract found", source=source_path, record_id=record_id, field="abstract")
        return
    nct = _NCT_RE.search(text)
    rec = TrialRecord(
        source=SourceRef(path=source_path, record_id=record_id, format=NAME, sha256=sha256(data)),
        nct_id=nct.group(0) if nct else None,
        title=pub.title,
        keywords=list(pub.keywords),
        is_publication=True,
        publications=[pub],
    )
    _trial_facts(rec, pub.abstract)
    yield rec


def _fields(text: str) -> dict[str, list[str]]:
    """Label -> values: bullet lines under a label line, or "Label: value" on one line."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines()[1:]:
        line = raw.strip()
        if not line:
            continue
        bullet = line[0] in _BULLET or line.startswith("- ")
        value = line[1:].strip() if bullet else line
        if bullet:
            if current:
                out.setdefault(current, []).append(value)
            continue
        key = _LABELS.get(line.lower().rstrip(":").strip())
        if key:
            current = key
            continue
        m = re.match(r"([A-Za-z ()]+?)\s*:\s*(\S.*)$", line)
        if m and m.group(1).lower().strip() in _LABELS and not _ABSTRACT_SECTION_RE.match(line):
            out.setdefault(_LABELS[m.group(1).lower().strip()], []).append(m.group(2).strip())
            current = None
            continue
        if current == "abstract" and len(line.split()) >= 6:
            out.setdefault("abstract", []).append(line)  # an abstract printed as plain paragraphs
            continue
        current = None  # a group heading such as "Overview" or "Identity"
    return out


def _publication(text: str, fields: dict[str, list[str]]) -> Publication:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = _TITLE_CHROME_RE.sub("", first).strip() or None

    def one(key: str) -> str | None:
        values = fields.get(key)
        return values[0].strip() if values else None

    pmid = one("pmid")
    if pmid and not pmid.isdigit():
        m = re.search(r"\d{5,9}", pmid)
        pmid = m.group(0) if m else None
    if not pmid:
        m = _PMID_RE.search(text)
        pmid = m.group(1) if m else None
    pmcid = one("pmcid")
    if not pmcid or not _PMCID_RE.fullmatch(pmcid):
        m = _PMCID_RE.search(text)
        pmcid = m.group(0) if m else None
    doi = one("doi")
    m = _DOI_RE.search(doi or text)
    doi = m.group(0) if m else None
    abstract = "\n\n".join(fields.get("abstract", [])) or None
    return Publication(
        title=title,
        pmid=pmid,
        pmcid=pmcid,
        doi=doi,
        date=iso_date(one("date")),
        journal=one("journal"),
        volume=one("volume"),
        issue=one("issue"),
        keywords=fields.get("keywords", []),
        abstract=abstract,
        reference_type="result",
    )


def _abbreviations(abstract: str) -> dict[str, str]:
    """"modified Rodnan skin thickness score (MRSS)" -> {"MRSS": "modified Rodnan skin thickness score"}."""
    out: dict[str, str] = {}
    for m in _ABBR_DEF_RE.finditer(abstract):
        abbr = m.group("abbr")
        words = m.group("full").split()
        # keep as many trailing words as the abbreviation has letters (a usual acronym shape)
        letters = sum(1 for c in abbr if c.isupper()) or len(abbr)
        full = " ".join(words[-max(letters, 1) :]) if len(words) > letters else " ".join(words)
        lead = words[: len(words) - letters] if len(words) > letters else []
        # extend to lower-case qualifiers that belong to the name ("modified Rodnan …")
        while lead and lead[-1][:1].isalpha() and lead[-1].lower()[0] == abbr.lower()[0] and lead[-1] not in full:
            full = lead.pop() + " " + full
        full = re.sub(r"(?i)^(?:the|a|an|with|of|in|median|mean)\s+", "", full)
        out.setdefault(abbr, full)
    return out


def _trial_facts(rec: TrialRecord, abstract: str) -> None:
    abbr = _abbreviations(abstract)
    field = "publications[0].abstract"
    design = Design()
    dm = _DESIGN_RE.search(abstract)
    adj = dm.group("adj") if dm else abstract
    wm = _WEEKS_RE.search(adj)
    if wm:
        n = float(wm.group("n"))
        design.duration_weeks = {"week": n, "month": round(n * 52 / 12, 1), "year": n * 52}[wm.group("u").lower()]
    if re.search(r"(?i)\bsingle[- ]cent(?:er|re)", adj):
        design.centers = "single"
    elif re.search(r"(?i)\bmulti[- ]?cent(?:er|re)|\bmulti[- ]?site", adj):
        design.centers = "multi"
    for word, level in (("quadruple", "quadruple"), ("triple", "triple"), ("double", "double"), ("single", "single")):
        if re.search(rf"(?i)\b{word}[- ](?:blind|mask)", abstract):
            design.masking = level
            break
    else:
        if re.search(r"(?i)\bopen[- ]label\b", abstract):
            design.masking = "none"
    if re.search(r"(?i)placebo[- ]controlled|\bor\s+placebo\b|\bplacebo\s+group\b", abstract):
        design.placebo_controlled = True
    if re.search(r"(?i)\brandomi[sz]ed\b", abstract):
        design.allocation = "randomized"
    phase = re.search(r"(?i)\bphase\s+(I{1,3}V?|IV|[1-4])\b", abstract)
    if phase:
        roman = {"I": "1", "II": "2", "III": "3", "IV": "4"}
        design.phases = ["phase" + roman.get(phase.group(1).upper(), phase.group(1))]
    if dm:
        design.enrollment = int(dm.group("n"))
        design.enrollment_type = "actual"
    if design.allocation or design.masking or design.placebo_controlled:
        design.study_type = "interventional"
        design.intervention_model = "parallel" if design.allocation == "randomized" else None
    rec.design = design

    # condition: "patients with early diffuse cutaneous systemic sclerosis (dcSSc)"
    cm = _CONDITION_RE.search(abstract)
    if cm:
        name = _STAGE_WORDS_RE.sub("", cm.group("cond")).strip()
        name = re.sub(r"(?i)^.*?\btreated\s+with\b.*$", "", name) or name
        rec.conditions.append(Condition(name=name))

    # population -> inclusion criterion, spanning "patients with … " in the abstract
    if dm:
        start = dm.start("who")
        end = dm.end("pop")
        rec.eligibility = Eligibility(
            criteria=[Criterion(polarity="inclusion", order=1, text=" ".join(abstract[start:end].split()),
                                span=Span(field, start, end))]
        )

    background = _background(abstract, abbr)
    _arms(rec, abstract, background, design.enrollment, field)
    _results(rec, abstract, abbr, design.duration_weeks)


def _background(abstract: str, abbr: dict[str, str]) -> list[str]:
    out: list[str] = []
    for m in _BACKGROUND_RE.finditer(abstract):
        name = m.group("bg").strip()
        name = abbr.get(name, name)
        if name.lower() not in (o.lower() for o in out):
            out.append(name)
    return out


def _drug_name(phrase: str) -> str:
    """The drug named at the start of "belimumab at 10 mg/kg intravenously"."""
    m = re.match(r"(?i)\s*(?:the\s+)?(?P<n>.+?)(?=\s+(?:at|in|by|via|given|administered|\d)\b|\s*\(|\s*,|$)", phrase)
    return (m.group("n") if m else phrase).strip()


def _arms(rec: TrialRecord, abstract: str, background: list[str], enrollment: int | None, field: str) -> None:
    rm = _RANDOM_RE.search(abstract)
    if not rm:
        return
    phrases = [(rm.group("a"), rm.start("a")), (rm.group("b"), rm.start("b"))]
    ratio = (int(rm.group("r1")), int(rm.group("r2"))) if rm.group("r1") else None
    for i, (phrase, at) in enumerate(phrases):
        name = _drug_name(phrase)
        if not name:
            continue
        is_placebo = name.lower().startswith(("placebo", "matching placebo", "sham"))
        arm_type = "placebo_comparator" if is_placebo else "experimental"
        if name.lower().startswith("sham"):
            arm_type = "sham_comparator"
        size = None
        if ratio and enrollment and (enrollment * ratio[i]) % sum(ratio) == 0:
            size = enrollment * ratio[i] // sum(ratio)
        arm = Arm(label=name, type=arm_type, description=phrase.strip(), intervention_names=[name],
                  background_therapies=list(background), size=size)
        rec.arms.append(arm)
        regimen = None if is_placebo else parse_regimen(phrase, drug=name)
        rec.interventions.append(Intervention(
            name=name,
            type="drug",
            description=phrase.strip(),
            arm_labels=[name],
            regimen=regimen,
            span=Span(field, at, at + len(name)),
        ))
    for bg in background:
        at = abstract.lower().find(bg.lower())
        rec.interventions.append(Intervention(
            name=bg,
            type="drug",
            description="background therapy",
            arm_labels=[a.label for a in rec.arms],
            span=Span(field, at, at + len(bg)) if at >= 0 else None,
        ))


def _measure(raw: str, abbr: dict[str, str]) -> str:
    """"MRSS" or "modified Rodnan … (MRSS)" -> "modified Rodnan skin thickness score (MRSS)"."""
    raw = " ".join(raw.split())
    m = re.fullmatch(r"(?P<full>.+?)\s*\((?P<abbr>[^()]+)\)", raw)
    if m and m.group("abbr") in abbr:
        return f"{abbr[m.group('abbr')]} ({m.group('abbr')})"
    if raw in abbr:
        return f"{abbr[raw]} ({raw})"
    return raw


def _p(m: re.Match[str]) -> float | None:
    return float(m.group("p")) if m.group("p") else None


def _results(rec: TrialRecord, abstract: str, abbr: dict[str, str], weeks: float | None) -> None:
    results: list[ReportedResult] = []
    measures: list[str] = []
    for m in _FROM_TO_RE.finditer(abstract):
        measure = _measure(m.group("measure"), abbr)
        group = m.group("group").strip()
        stat = m.group("stat").lower()
        sentence = _sentence(abstract, m.start(), m.end())
        results.append(ReportedResult(measure=measure, group=group, statistic=stat, value=float(m.group("a")),
                                      iqr_low=float(m.group("al")), iqr_high=float(m.group("ah")),
                                      timepoint="baseline", text=sentence))
        results.append(ReportedResult(measure=measure, group=group, statistic=stat, value=float(m.group("b")),
                                      iqr_low=float(m.group("bl")), iqr_high=float(m.group("bh")),
                                      timepoint="end", p_value=_p(m), text=sentence))
        measures.append(measure)
    for m in _CHANGE_RE.finditer(abstract):
        measure = _measure(m.group("measure"), abbr)
        stat = m.group("stat").lower()
        sentence = _sentence(abstract, m.start(), m.end())
        for g, v in (("g1", "a"), ("g2", "b")):
            results.append(ReportedResult(measure=measure, group=m.group(g).strip(), statistic=f"{stat} change",
                                          value=float(m.group(v)), iqr_low=float(m.group(v + "l")),
                                          iqr_high=float(m.group(v + "h")), timepoint="change", text=sentence))
        if m.group("p"):
            results.append(ReportedResult(measure=measure, group=None, statistic="between-group comparison",
                                          timepoint="change", p_value=_p(m), text=sentence))
        measures.append(measure)
    rec.publications[0].results = results
    pm = _PRIMARY_RE.search(abstract)
    primary = _measure(pm.group("m"), abbr) if pm else (measures[0] if measures else None)
    if primary:
        rec.outcomes.append(Outcome(kind="primary", measure=primary,
                                    time_frame=f"{weeks:g} weeks" if weeks else None))


def _sentence(text: str, start: int, end: int) -> str:
    a = max(text.rfind(". ", 0, start) + 2, 0) if text.rfind(". ", 0, start) >= 0 else 0
    b = text.find(". ", end)
    b = len(text) if b < 0 else b + 1
    return " ".join(text[a:b].split())


FORMAT = Format(name=NAME, priority=PRIORITY, detect=detect, parse=parse)
