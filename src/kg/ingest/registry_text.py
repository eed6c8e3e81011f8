"""Plain-text registry pages: a trial page saved as text (or a fragment of one) -> one record.

The pages this reads are what a browser's "save as text" gives for a trial on a registry
or trial-finder site: a title line, the conditions, "About this trial", labelled facts
("Condition …", "Treatment …", "Clinical Study Identifier NCT…", "Sponsor…", "End date"),
the eligibility criteria, "Sites / Locations" and "Arms of the Study", mixed with page
chrome ("Yes No Not Sure", "Clear my responses", "How to participate?") that is dropped.
A bare description fragment (no title, no identifiers) is still one record whose
description is the text.

Choices:

* ``record_id`` is the NCT ID the page states as its own identifier ("Clinical Study
  Identifier", "NCT Number", "ClinicalTrials.gov ID", or a line holding just the ID);
  an NCT ID mentioned in prose is another trial and is ignored. Otherwise the file stem.
* Prose paragraphs: when the page has a title and two or more prose blocks, the first is
  the ``summary`` and the rest the ``description``; otherwise all of it is the
  ``description``. Hard-wrapped lines inside a paragraph are joined with single spaces,
  paragraphs are separated by a blank line.
* "Arms of the Study" is a flattened table: N "Arm k" labels, then N arm types, then
  per-arm titles and/or intervention names, then N descriptions. A title becomes the arm
  label (as registries label arms by title); an all-lowercase or one-word line is the
  arm's intervention name, and then the label stays "Arm k".
* Interventions per arm come from the arm description: the drug named before a dose
  ("mycophenolate mofetil (0.5g per day)", "belimumab 10mg/kg"), the intervention line,
  and "placebo"; each gets the regimen :func:`kg.ingest.regimen.parse_regimen` reads
  from the description. "Follow-up intervals: week 4, week 12" becomes a VisitSchedule.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from kg.errors import RecordError
from kg.ingest.base import Format, ParseResult, decode_utf8, sha256
from kg.ingest.regimen import parse_regimen
from kg.model import (
    Arm,
    ArmType,
    Condition,
    Eligibility,
    Intervention,
    Site,
    SourceRef,
    Span,
    TrialRecord,
    VisitSchedule,
)

NAME = "registry-text"
PRIORITY = 10

_NOT_TEXT_SUFFIXES = {".md", ".markdown", ".tsv", ".csv", ".json", ".jsonl", ".xml", ".html", ".htm", ".pdf",
                      ".ann", ".conf", ".py", ".rq", ".ttl", ".owl", ".yaml", ".yml", ".zip", ".gz"}
_BULLET = "•·▪◦‣●"
_OWN_ID_RE = re.compile(
    r"(?im)^[ \t]*(?:[" + _BULLET + r"-][ \t]*)?(?:clinical\s*study\s*identifier|nct\s*(?:number|id)|"
    r"clinicaltrials\.gov\s*(?:identifier|id)|study\s*identifier|trial\s*(?:identifier|id)|identifier)"
    r"\s*[:#]?\s*(NCT\d{8})\b"
)
_ID_LINE_RE = re.compile(r"(?m)^[ \t]*(NCT\d{8})[ \t]*$")

# Lines that start a section of the page; eligibility ends at any of them.
_SECTION_RE = re.compile(
    r"(?im)^[ \t]*(?:sites\s*/\s*locations|arms\s+of\s+the\s+study|clear\s+my\s+responses|how\s+to\s+participate\??"
    r"|about\s+this\s+trial|similar\s+trials|study\s+design|outcome\s+measures|contacts?\s+and\s+locations"
    r"|interventions?|locations|arms|references|more\s+information|participation\s+requirements)[ \t]*$"
)
_CHROME_RE = re.compile(
    r"(?im)^[ \t]*(?:yes\s+no\s+not\s+sure|clear\s+my\s+responses|how\s+to\s+participate\??|step\s+\d+\b.*"
    r"|what\s+happens\s+next\??|learn\s+more|you\s+are\s+contacting|investigator\s+avatar|primary\s+contact"
    r"|sign\s+up\s+as\s+volunteer.*|similar\s+trials\s+to\s+consider|not\s+finding\s+what.*|add\s+a\s+private\s+note"
    r"|no\s+annotations\s+made\s+yet|user\s+name|added\s+by.*|reply\s+by.*|lorem\s+ipsum.*)[ \t]*$"
)
_ELIG_START_RE = re.compile(
    r"(?im)^[ \t]*(?:eligibility(?:\s+criteria)?[ \t]*(?::|$)|(?:key\s+)?inclusion\s+criteria\b)"
)
_CUE_RE = re.compile(
    r"(?im)^[ \t]*(?:about\s+this\s+trial|eligibility\s+criteria|arms\s+of\s+the\s+study|sites\s*/\s*locations"
    r"|clinical\s+study\s+identifier|this\s+is\s+an?\s+(?:interventional|observational)\s+\w+"
    r"|[" + _BULLET + r"][ \t]*(?:sponsor|end\s+date|start\s+date|participants\s+needed)[ \t]*$)"
)
_ARM_TYPES: dict[str, ArmType] = {
    "experimental": "experimental",
    "active comparator": "active_comparator",
    "placebo comparator": "placebo_comparator",
    "sham comparator": "sham_comparator",
    "no intervention": "no_intervention",
    "other": "other",
}
_ARM_LABEL_RE = re.compile(r"^(?:arm|group|cohort)\s+(?:\d+|[A-Z])$", re.IGNORECASE)
_INTERVENTIONAL_RE = re.compile(
    r"(?i)this\s+is\s+an?\s+(?P<type>interventional|observational)\s+(?:(?P<purpose>[\w ]+?)\s+)?"
    r"(?:trial|study)\s+for\s+(?P<cond>.+?)(?:\s+focused\s+on\s+measuring\s+(?P<kw>.+?))?\s*\.?\s*$"
)
_FOLLOW_UP_RE = re.compile(r"(?i)(?:follow[- ]up\s+(?:intervals?|visits?)|visits?)\s*(?:at|:)?\s*(?P<list>(?:weeks?\s*\d+(?:\.\d+)?(?:\s*(?:,|and|&)\s*)?)+)")
_WEEK_RE = re.compile(r"(?i)weeks?\s*(\d+(?:\.\d+)?)")
# Labels are matched case-sensitively as pages print them, so prose lines ("treatment of …")
# and titles ("Treatment Strategies in …", skipped as already read) are not facts.
_LABEL_VALUE_RE = re.compile(
    r"(?m)^[ \t]*(?P<label>Conditions?|Treatments?|Sponsor|Last\s+Modified\s+on|Updated\s+on"
    r"|Start\s+[Dd]ate|End\s+[Dd]ate|Status|Recruitment\s+[Ss]tatus|Phase)\s*:?\s*(?P<value>\S[^\n]{0,200}?)[ \t]*$"
)
_BULLET_LABEL_RE = re.compile(r"(?m)^[ \t]*[" + _BULLET + r"][ \t]*(?P<label>[^\n]+?)[ \t]*\n(?P<value>(?:[ \t]{2,}[^\s" + _BULLET + r"][^\n]*\n?)*)")

_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %Y", "%b %Y", "%d/%m/%Y")

# Words that never belong to a drug name written before its dose.
_STOP = frozenset(
    "use uses used using low high dose doses dosage of with receive receives received plus and or the a an at "
    "given daily standard current as add-on on to by in for then all patients participants subjects arm group "
    "take takes taking receiving administer administered matching "
    "therapy treatment maintenance continue continued oral intravenous iv sc im".split()
)
_DOSE_AFTER_NAME_RE = re.compile(
    r"(?P<name>(?:[A-Za-z][\w-]*\s+){0,3}?[A-Za-z][\w-]*)\s*(?:\(\s*|\bat\s+|:\s*)?"
    r"(?P<dose>\d+(?:\.\d+)?\s*(?:mg/kg|mg/m2|mg|g|mcg|µg|ug|IU|units?|mL|ml)\b)"
)
_BACKGROUND_RE = re.compile(
    r"(?i)(?:add-on\s+(?:therapy\s+)?(?:of|to)|on\s+top\s+of|in\s+addition\s+to|continue(?:\s+use\s+of)?)"
    r"\s+(?P<bg>(?:current\s+)?[a-z][\w -]*?(?:\s+of\s+[\w-]+)?)(?=\s*(?:,|\.|;|$|\s+plus\b|\s+and\s+add))"
)


def iso_date(text: str | None) -> str | None:
    """An ISO date from "Dec 27, 2023", "27 January 2021", "December 29, 2017" (month only: "2021-01").

    >>> iso_date("Dec 27, 2023"), iso_date("on27 January 2021"), iso_date("March 2020"), iso_date("soon")
    ('2023-12-27', '2021-01-27', '2020-03', None)
    """
    if not text:
        return None
    cleaned = re.sub(r"^(?:on|in)(?=\d)", "", text.strip().rstrip("."), flags=re.IGNORECASE)
    cleaned = re.sub(r"\s+", " ", cleaned.replace("Sept ", "Sep "))
    for fmt in _DATE_FORMATS:
        try:
            value = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return value.strftime("%Y-%m" if "%d" not in fmt else "%Y-%m-%d")
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", cleaned)
    return m.group(0) if m else None


# -- detection ----------------------------------------------------------------------------------


def detect(data: bytes, name: str) -> bool:
    """UTF-8 (or at least text) prose or registry lines; not JSON, XML, PDF, markdown or tables.

    >>> detect(b"A Trial of Drug X\\nAbout this trial\\nThis is an interventional treatment trial for Y", "p.txt")
    True
    >>> detect(b"# Title\\n\\n| a | b |\\n|---|---|\\n", "README.txt"), detect(b'{"a": 1}', "x.txt")
    (False, False)
    """
    if Path(name).suffix.lower() in _NOT_TEXT_SUFFIXES:
        return False
    head = data[:4096]
    if not head.strip() or b"\x00" in head or head.startswith(b"%PDF"):
        return False
    try:
        text = data[:200_000].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < 199_990:  # a cut multi-byte character at the end is fine
            # not UTF-8: still claim it when it reads as prose, so parse can report the encoding
            text = data[:200_000].decode("latin-1")
        else:
            text = data[: exc.start].decode("utf-8-sig")
    stripped = text.lstrip()
    if stripped[:1] in "{[<":
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t")
    if controls > len(text) / 200:
        return False
    # markdown headings, tables and fences; tab-separated data; brat standoff lines
    md = sum(1 for line in lines if re.match(r"\s*(?:#{1,6}\s|\|.*\||```|---\s*$)", line))
    tabs = sum(1 for line in lines if line.count("\t") >= 2 or re.match(r"[TRAE#]\d+\t", line))
    if md >= 2 or md * 10 >= len(lines) or tabs * 5 >= len(lines):
        return False
    # registry page cues, or prose paragraphs (hard-wrapped or long); a bare list of
    # criteria lines (an annotation corpus text) is not a page
    if _CUE_RE.search(text):
        return True
    # a hard-wrapped paragraph: a filled line that stops mid-sentence, continued in lower case
    width = max(len(line.rstrip()) for line in lines)
    joins = sum(
        1 for a, b in zip(lines, lines[1:])
        if len(a.rstrip()) >= max(50, width - 25)
        and not a.rstrip().endswith((".", ":", ";", "!", "?", ","))
        and b.lstrip()[:1].islower()
    )
    long_prose = any(len(line) >= 400 and len(re.findall(r"[a-z]\.\s+[A-Z]", line)) >= 3 for line in lines)
    letters = sum(1 for c in text if c.isalpha())
    if letters < 0.5 * len("".join(text.split())):
        return False
    return (joins >= 3 and joins * 2 >= len(lines) - 1) or long_prose


# -- parsing -------------------------------------------------------------------------------------


def parse(data: bytes, source_path: str) -> ParseResult:
    """Yield the one record of a registry text page (or a RecordError)."""
    stem = Path(source_path).stem or source_path
    try:
        text = decode_utf8(data, source_path, stem)
    except RecordError as err:
        yield err
        return
    try:
        yield _record(text, source_path, stem, sha256(data))
    except RecordError as err:
        yield err


def _record(text: str, source_path: str, stem: str, digest: str) -> TrialRecord:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nct = _own_nct(text)
    record_id = nct or stem
    rec = TrialRecord(source=SourceRef(path=source_path, record_id=record_id, format=NAME, sha256=digest), nct_id=nct)
    used: list[tuple[int, int]] = []  # character ranges already read as facts (not prose)

    title_end = _title(text, rec)
    if title_end:
        used.append((0, title_end))
    treatments = _labelled_facts(text, rec, used)
    _about(text, rec, used, title_end)
    elig_range = _eligibility(text, rec, source_path, record_id)
    if elig_range:
        used.append(elig_range)
    _sites(text, rec, used)
    _arms(text, rec, used)
    if not rec.arms:
        _arms_from_treatments(rec, treatments)
    _prose(text, rec, used)
    if rec.interventions and rec.design.study_type is None:
        # pages list "Treatment …" / arms with drugs only for interventional trials
        rec.design.study_type = "interventional"
    return rec


def _own_nct(text: str) -> str | None:
    m = _OWN_ID_RE.search(text) or _ID_LINE_RE.search(text)
    return m.group(1) if m else None


def _title(text: str, rec: TrialRecord) -> int:
    """Set the title when the first non-empty line reads as one; return where it ends."""
    m = re.match(r"\s*", text)
    start = m.end() if m else 0
    if start > 0 and text[start - 1] not in "\n":
        return 0  # an indented first line is prose, not a title
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = text[start:end].strip()
    words = line.split()
    if not line or len(line) > 250 or len(words) > 35 or line.endswith((".", ",", ";", ":")):
        return 0
    if sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha()) < len(words) / 2:
        return 0  # titles are mostly capitalised words
    rec.title = line
    return end


def _labelled_facts(text: str, rec: TrialRecord, used: list[tuple[int, int]]) -> list[str]:
    """Read "Label value" lines; returns the entries of the "Treatment" line as written."""
    treatments: list[str] = []
    for m in _LABEL_VALUE_RE.finditer(text):
        if any(a <= m.start() < b for a, b in used):
            continue
        label = " ".join(m.group("label").lower().split())
        value = m.group("value").strip()
        if label in ("condition", "conditions"):
            rec.conditions.extend(Condition(c) for c in _split_names(value) if c)
        elif label in ("treatment", "treatments"):
            treatments.extend(e.strip() for e in re.split(r"[;,]", value) if e.strip())
            for name in _split_names(value):
                _add_intervention(rec, Intervention(name=name), None)
        elif label == "sponsor":
            rec.sponsor = rec.sponsor or value
        elif label in ("last modified on", "updated on"):
            rec.last_update = rec.last_update or iso_date(value)
        elif label == "start date":
            rec.start_date = iso_date(value)
        elif label == "end date":
            rec.completion_date = iso_date(value)
        elif label in ("status", "recruitment status"):
            rec.status = value.lower().replace(",", "").replace(" ", "_")
        elif label == "phase":
            rec.design.phases = ["phase" + d for d in re.findall(r"\d", value)] or ["na"]
        else:
            continue
        used.append(m.span())
    # "• End date\n    Dec 27, 2023" -- a bulleted label with its value indented below
    for m in _BULLET_LABEL_RE.finditer(text):
        label = m.group("label").strip().lower()
        value = " ".join(m.group("value").split())
        if label == "end date" and value:
            rec.completion_date = rec.completion_date or iso_date(value)
        elif label == "start date" and value:
            rec.start_date = rec.start_date or iso_date(value)
        elif label == "sponsor" and value:
            rec.sponsor = rec.sponsor or value
        elif label == "participants needed" and value.replace(",", "").isdigit():
            rec.design.enrollment = int(value.replace(",", ""))
            rec.design.enrollment_type = "estimated"
        elif label in ("status", "recruitment status") and value:
            rec.status = rec.status or value.lower().replace(",", "").replace(" ", "_")
        else:
            if value or label not in ("participants needed",):
                continue
        used.append(m.span())
    for m in re.finditer(r"(?im)^[ \t]*[" + _BULLET + r"][ \t]*participants\s+needed[ \t]*$", text):
        used.append(m.span())
    return treatments


def _split_names(value: str) -> list[str]:
    """"prednisone, Prednisone and Belimumab" -> ["prednisone", "Belimumab"] (case-insensitive dedupe)."""
    parts = re.split(r"\s*(?:,|;|\band\b)\s*", value)
    seen: dict[str, str] = {}
    for part in parts:
        part = part.strip(" .")
        if part and part.lower() not in seen:
            seen[part.lower()] = part
    return list(seen.values())


def _about(text: str, rec: TrialRecord, used: list[tuple[int, int]], title_end: int) -> None:
    """Conditions under the title, and the "This is an interventional … trial for X" sentence."""
    about = re.search(r"(?im)^[ \t]*about\s+this\s+trial[ \t]*$", text)
    if about:
        used.append(about.span())
        if title_end and not rec.conditions:
            between = text[title_end:about.start()]
            lines = [line.strip() for line in between.splitlines() if line.strip()]
            if len(lines) == 1 and len(lines[0]) < 200:
                rec.conditions.extend(Condition(c) for c in _split_names(lines[0]))
                used.append((title_end, about.start()))
    for m in re.finditer(r"(?im)^[ \t]*(this\s+is\s+an?\s+(?:interventional|observational)\b.*)$", text):
        s = _INTERVENTIONAL_RE.search(m.group(1))
        used.append(m.span())
        if not s:
            continue
        rec.design.study_type = s.group("type").lower()
        if s.group("purpose"):
            rec.design.primary_purpose = "_".join(s.group("purpose").lower().split())
        if not rec.conditions:
            rec.conditions.extend(Condition(c) for c in _split_names(s.group("cond")))
        if s.group("kw"):
            rec.keywords.extend(k.strip() for k in s.group("kw").split(",") if k.strip())


def _eligibility(text: str, rec: TrialRecord, source: str, record_id: str) -> tuple[int, int] | None:
    m = _ELIG_START_RE.search(text)
    if not m:
        return None
    line_end = text.find("\n", m.start())
    line_end = len(text) if line_end < 0 else line_end
    header = text[m.start():line_end].strip().lower().rstrip(":")
    # "Eligibility Criteria" on its own line is a section title: the text starts below it
    start = line_end + 1 if header in ("eligibility criteria", "eligibility") else m.start()
    start = min(start, len(text))
    end_m = _SECTION_RE.search(text, start)
    chrome = _CHROME_RE.search(text, start)
    end = min(x.start() for x in (end_m, chrome) if x) if (end_m or chrome) else len(text)
    body = text[start:end].strip("\n")
    offset = text.index(body, start) if body else start
    body = body.rstrip()
    if not body.strip():
        return (m.start(), end)
    from kg.criteria.split import split_criteria

    try:
        criteria = split_criteria(body, "eligibility")
    except RecordError as err:  # pragma: no cover - the splitter does not raise on text
        raise RecordError(err.reason, source=source, record_id=record_id, field="eligibility") from None
    rec.eligibility = Eligibility(text=body, criteria=criteria)
    return (m.start(), offset + len(body))


def _section_lines(text: str, title: str) -> tuple[list[str], tuple[int, int]] | None:
    m = re.search(r"(?im)^[ \t]*" + title + r"[ \t]*$", text)
    if not m:
        return None
    nxt = _SECTION_RE.search(text, m.end())
    chrome = _CHROME_RE.search(text, m.end())
    end = min(x.start() for x in (nxt, chrome) if x) if (nxt or chrome) else len(text)
    lines = [line.strip() for line in text[m.end():end].splitlines() if line.strip()]
    return lines, (m.start(), end)


def _sites(text: str, rec: TrialRecord, used: list[tuple[int, int]]) -> None:
    found = _section_lines(text, r"sites\s*/\s*locations")
    if not found:
        return
    lines, span = found
    used.append(span)
    for line in lines:
        name = re.sub(r"^[-*" + _BULLET + r"]\s*", "", line).strip()
        if name:
            parts = [p.strip() for p in name.split(",")]
            if not parts[0]:
                continue  # a line of bare punctuation names no facility
            rec.sites.append(Site(facility=parts[0], city=parts[1] if len(parts) > 2 else None,
                                  country=parts[-1] if len(parts) > 1 else None))


def _arms(text: str, rec: TrialRecord, used: list[tuple[int, int]]) -> None:
    found = _section_lines(text, r"arms\s+of\s+the\s+study")
    if not found:
        return
    lines, span = found
    used.append(span)
    labels: list[str] = []
    while lines and _ARM_LABEL_RE.match(lines[0]):
        labels.append(lines.pop(0))
    n = len(labels)
    if not n:
        return
    types: list[ArmType | None] = [None] * n
    if len(lines) >= n and all(line.lower() in _ARM_TYPES for line in lines[:n]):
        types = [_ARM_TYPES[line.lower()] for line in lines[:n]]
        lines = lines[n:]
    # the last n lines are the descriptions; what is left between are titles and/or interventions
    descriptions = lines[-n:] if len(lines) >= n else lines + [""] * (n - len(lines))
    middle = lines[:-n] if len(lines) > n else []
    groups = [middle[i : i + n] for i in range(0, len(middle) - len(middle) % n, n)]
    titles: list[str | None] = [None] * n
    named: list[list[str]] = [[] for _ in range(n)]
    for group in groups:
        if all(_is_intervention_name(g) for g in group):
            for i, g in enumerate(group):
                named[i].append(g)
        else:
            titles = list(group)
    for i in range(n):
        label = titles[i] or labels[i]
        desc = descriptions[i] or None
        arm = Arm(label=label, type=types[i], description=desc)
        rec.arms.append(arm)
        if desc:
            _arm_details(rec, arm, i, desc, named[i])
        else:
            for name in named[i]:
                arm.intervention_names.append(name)
                _add_intervention(rec, Intervention(name=name, arm_labels=[label]), label)


def _arms_from_treatments(rec: TrialRecord, entries: list[str]) -> None:
    """Pages without an arms block list each arm's treatment on the "Treatment" line
    ("prednisone, Prednisone and Belimumab"): when an entry combines others, each entry is
    one arm's treatment. The arm says it was derived, so nobody takes it for registry text.
    """
    combined = [e for e in entries if len(_split_names(e)) > 1]
    if len(entries) < 2 or not combined:
        return
    by_name = {iv.name.casefold(): iv for iv in rec.interventions}
    for entry in entries:
        arm = Arm(label=entry, description="arm derived from the page's treatment list")
        for name in _split_names(entry):
            arm.intervention_names.append(name)
            iv = by_name.get(name.casefold())
            if iv is not None and entry not in iv.arm_labels:
                iv.arm_labels.append(entry)
        rec.arms.append(arm)


def _is_intervention_name(line: str) -> bool:
    return line == line.lower() or len(line.split()) == 1


def _arm_details(rec: TrialRecord, arm: Arm, index: int, desc: str, named: list[str]) -> None:
    field = f"arms[{index}].description"
    names: list[tuple[str, int, int]] = []
    for name in named:
        at = desc.lower().find(name.lower())
        names.append((name, at, at + len(name)) if at >= 0 else (name, -1, -1))
    for m in _DOSE_AFTER_NAME_RE.finditer(desc):
        words = m.group("name").split()
        while words and (words[0].lower() in _STOP or not words[0].isalpha()):
            words.pop(0)
        if words and all(w.lower() not in _STOP for w in words):
            name = " ".join(words)
            if not any(name.lower() == n.lower() for n, _, _ in names):
                at = m.start("name") + m.group("name").rfind(words[0])
                names.append((name, at, at + len(name)))
    pm = re.search(r"(?i)\bplacebo\b", desc)
    if pm and not any(n.lower() == "placebo" for n, _, _ in names):
        names.append(("placebo", pm.start(), pm.end()))
    for name, a, b in sorted(names, key=lambda x: x[1]):
        regimen = None if name.lower() == "placebo" else parse_regimen(desc, drug=name)
        span = Span(field, a, b) if a >= 0 else Span(field)
        arm.intervention_names.append(name)
        _add_intervention(
            rec,
            Intervention(name=name, type="drug" if regimen and regimen.dose_value is not None else None,
                         description=desc, arm_labels=[arm.label], regimen=regimen, span=span),
            arm.label,
        )
    for m in _BACKGROUND_RE.finditer(desc):
        bg = " ".join(m.group("bg").split())
        if bg.lower() not in (n.lower() for n, _, _ in names) and bg not in arm.background_therapies:
            arm.background_therapies.append(bg)
    fm = _FOLLOW_UP_RE.search(desc)
    if fm:
        weeks = [float(w) for w in _WEEK_RE.findall(fm.group("list"))]
        rec.visits.append(VisitSchedule(weeks=weeks, arm_label=arm.label, text=fm.group(0).strip(" ,.")))


def _add_intervention(rec: TrialRecord, new: Intervention, arm_label: str | None) -> None:
    for old in rec.interventions:
        if old.name.lower() == new.name.lower():
            if arm_label and arm_label not in old.arm_labels:
                old.arm_labels.append(arm_label)
            old.regimen = old.regimen or new.regimen
            old.type = old.type or new.type
            return
    rec.interventions.append(new)


def _prose(text: str, rec: TrialRecord, used: list[tuple[int, int]]) -> None:
    """Prose paragraphs not read as facts: summary and description."""
    mask = bytearray(len(text))
    for a, b in used:
        mask[a:b] = b"\x01" * (max(0, min(b, len(text)) - a))
    for m in _CHROME_RE.finditer(text):
        mask[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    # everything after the page's trailing chrome ("Clear my responses", "How to participate?") is chrome
    tail = re.search(r"(?im)^[ \t]*(?:clear\s+my\s+responses|how\s+to\s+participate\??)[ \t]*$", text)
    if tail:
        mask[tail.start():] = b"\x01" * (len(text) - tail.start())
    kept = "".join("\n" if mask[i] else ch for i, ch in enumerate(text))
    # blocks separated by two or more blank lines, paragraphs by one
    blocks: list[list[str]] = []
    for block in re.split(r"\n[ \t]*\n(?:[ \t]*\n)+", kept):
        paras = []
        for para in re.split(r"\n[ \t]*\n", block):
            lines = [line.strip() for line in para.splitlines() if line.strip()]
            if lines and _is_prose(lines):
                paras.append(" ".join(lines))
        if paras:
            blocks.append(paras)
    if not blocks:
        return
    if rec.title and len(blocks) >= 2:
        rec.summary = "\n\n".join(blocks[0])
        rec.description = "\n\n".join(p for b in blocks[1:] for p in b)
    else:
        rec.description = "\n\n".join(p for b in blocks for p in b)


def _is_prose(lines: list[str]) -> bool:
    words = sum(len(line.split()) for line in lines)
    return words >= 12 and any(re.search(r"[.!?]$", line) or len(line) > 60 for line in lines)


FORMAT = Format(name=NAME, priority=PRIORITY, detect=detect, parse=parse)
