"""Eligibility-text splitting: one :class:`~kg.model.Criterion` per criterion, with spans.

``split_criteria`` turns the free text of an eligibility section (registry JSON, legacy
XML textblock, a registry web page) into criteria nodes:

* **polarity** comes from headings ("Inclusion Criteria:", "EXCLUSION CRITERIA",
  "Key inclusion criteria", "Patients must have:", "Excluded:", "Eligibility: ...",
  with or without colon, on their own line or inline).  Text before any heading -- or
  text with no heading at all -- is *inclusion*.  Headings are not criteria.
* **items** are bullets ("*", "-", "•", ...), numbered/lettered lines ("1.", "2)", "a."),
  blank-line separated paragraphs, or bare lines (one criterion per line unless the
  text is hard-wrapped, in which case wrapped lines are joined back).
* **nesting** (``parent``): deeper-indented markers nest under the item above; an item
  ending with ":" takes the lines after it as children; inline lists introduced by a cue
  such as "except:" / "any of the following ...:" are split into sentence children;
  inline "1. ... 2. ..." numbering is split into items.
* **group headers** such as "DISEASE CHARACTERISTICS:", "Hematopoietic:" or
  "--Prior/Concurrent Therapy--" are kept as criterion nodes (their text verbatim)
  that parent the items under them; an ALL-CAPS header outranks a Title-case one, so
  "Hematopoietic:" nests under "PATIENT CHARACTERISTICS:".

``text`` is the criterion verbatim without its bullet/number marker, with hard-wrap
newlines (and the indentation around them) collapsed to one space; ``span`` points at
the raw text in the source field.  Every non-blank character of the input that is not a
heading or a list marker belongs to exactly one criterion.

>>> cs = split_criteria("Inclusion Criteria:\\n* Age >= 18\\n  * signed consent\\n"
...                     "Exclusion Criteria:\\n1. Pregnancy", "eligibility")
>>> [(c.polarity, c.order, c.text, c.parent) for c in cs]
[('inclusion', 1, 'Age >= 18', None), ('inclusion', 2, 'signed consent', 0), ('exclusion', 1, 'Pregnancy', None)]
>>> cs[2].span
Span(field='eligibility', start=74, end=83)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.model import Criterion, Polarity, Span

__all__ = ["split_criteria"]

# -- markers ---------------------------------------------------------------------------
_MARKER_RE = re.compile(
    r"""[ \t]*(?P<m>
        [-*•·▪◦‣●○■□➢►+–—]          # bullets
      | o(?=[ \t])                    # "o item" bullets from word processors
      | \d{1,2}(?:\.\d{1,2})+\.(?=[ \t]) # 1.2. / 1.2.3.
      | \d{1,2}(?:\.\d{1,2})+(?=[ \t]+[A-Z])  # 1.2 Title (not "2.0 mg")
      | \d{1,3}[.)]                   # 1. 1)
      | \(\d{1,3}\)                   # (1)
      | [a-z][.)](?![a-zA-Z])         # a. a)
      | [A-Z]\)                       # B)
      | [A-Z]\.(?=[ \t]+[^a-z \t])     # B. (but "M. tuberculosis" is not a marker)
      | \([a-zA-Z]\)                  # (a)
      | (?:i{1,3}|iv|vi{0,3}|ix|x)[.)]   # roman numerals
      | \((?:i{1,3}|iv|vi{0,3}|ix|x)\)
    )[ \t]+(?=\S)""",
    re.VERBOSE,
)
_EMPTY_MARKER_RE = re.compile(r"[ \t]*(?:[-*•·▪◦‣●○■□➢►+–—]|\d{1,3}[.)])[ \t]*$")


def _marker_kind(m: str) -> str:
    if m[0].isdigit():
        return "num" + ("." if "." in m[1:] and m.count(".") > 1 else "") + m[-1]
    if m.startswith("("):
        return "(num)" if m[1].isdigit() else ("(roman)" if m[1] in "ivx" and len(m) > 3 else "(alpha)")
    if len(m) >= 2 and m[-1] in ".)":
        return ("roman" if m[0] in "ivx" and len(m) > 2 else "alpha") + m[-1]
    return "bullet" + m


# -- polarity headings -------------------------------------------------------------------
_CRITERIA_WORDS = r"(?:non[- ]?inclusion|inclusion|exclusion|exclusionary|eligibility|ineligibility|entry|selection)"
# "Key Inclusion Criteria:", "Exclusion criteria for medical history:", "Inclusion Criteria (Controls):"
_HEAD_COLON_RE = re.compile(
    r"(?i)(?:[\w/-]+\s+){0,4}?" + _CRITERIA_WORDS + r"(?:\s*(?:/|and|&)\s*" + _CRITERIA_WORDS + r")?"
    r"\s+criteri(?:a|on)\b[^:.\n]{0,80}?\s*(?:include|are as follows|apply)?\s*:+\.?"
)
# "Inclusion Criteria", "INCLUSION CRITERIA for trial entry", "Exclusion Criteria (Families)"
_HEAD_BARE_RE = re.compile(
    r"(?i)(?:(?:key|main|major|general|other|additional|specific|principal|study|patients?|subjects?|"
    r"participants?|protocol|individual|family|partner|[\w-]*operative)\s+){0,2}"
    + _CRITERIA_WORDS
    + r"(?:\s*(?:/|and|&)\s*"
    + _CRITERIA_WORDS
    + r")?\s+criteri(?:a|on)\b(?:\s*\([^()\n]{1,40}\)|\s+for\s+[^:\n]{1,40})?\s*[.:]?\s*$"
)
# "Inclusion:", "Excluded:", "Eligibility:", "Key exclusion:"
_HEAD_SHORT_RE = re.compile(
    r"(?i)(?:key\s+|main\s+)?(?:inclusions?|exclusions?|included|excluded|eligibility|ineligibility)\s*:+"
)
# Lead-in sentences that act as headings ("Patients with the following are excluded:"); they
# must end in a generic phrase so that "Patients must not be receiving X:" stays a criterion.
_LEADIN_END = (
    r"(?:excluded(?:\s+from\s+[\w ]+)?|included|eligible(?:\s+[\w ]+)?|if\s+(?:they|you|he/she|she|he)|who|"
    r"following(?:\s+[\w/ ,-]+)?|criteria(?:\s+[\w ]+)?|reasons|apply|are\s+met|must(?:\s+not)?|have|"
    r"include|are|be)\s*:\s*$"
)
_HEAD_EXCL_LEADIN_RE = re.compile(
    r"(?i)^(?=.{0,140}:\s*$)(?:excluded\b|(?=.*" + _LEADIN_END + r").*\b(?:(?:are|is|be|will\s+be)\s+excluded|"
    r"not\s+be\s+eligible|not\s+eligible|ineligible|must\s+not|cannot\s+participate)\b)"
)
_HEAD_INCL_LEADIN_RE = re.compile(
    r"(?i)^(?=.{0,140}:\s*$)(?=.*" + _LEADIN_END + r")(?:patients?|subjects?|participants?|you|children|"
    r"your\s+child|individuals?|volunteers?|candidates?|women|men|donors?)\b[^:]{0,100}?\b(?:must|"
    r"may\s+be\s+eligible|are\s+eligible|will\s+be\s+eligible|will\s+be\s+included|are\s+included)\b"
)
# Mid-line heading: "... last visit. Exclusion Criteria: 1. ..."
_HEAD_INLINE_RE = re.compile(r"(?i)\b(?:key\s+|main\s+)?(?:inclusion|exclusion)\s+criteri(?:a|on)\s*:")
_TITLE_HEAD_RE = re.compile(r"(?:Key\s+|KEY\s+)?(?:Inclusion|Exclusion|INCLUSION|EXCLUSION)\s+(?:Criteri|CRITERI)")
_HEAD_HINT_RE = re.compile(r"(?i)clu|elig|criteri|must|entry|selection")
_EXCLUDED_WHEN_RE = re.compile(r"(?i)excluded\s+(?:within|during|at|for|\d)[^:]*:")
_EXCL_WORD_RE = re.compile(r"(?i)exclu|inelig|non[- ]?inclu|not\s+(?:be\s+)?eligible|must\s+not|cannot")
_INCL_WORD_RE = re.compile(r"(?i)(?<!non-)(?<!non )inclu")


def _heading_polarity(head: str) -> Polarity:
    if _EXCL_WORD_RE.search(head) and not _INCL_WORD_RE.search(head):
        return "exclusion"
    return "inclusion"


def _match_heading(text: str, pos: int, end: int, marked: bool) -> int | None:
    """End offset of a polarity heading at text[pos:end] (one line, stripped), else None."""
    if not _HEAD_HINT_RE.search(text, pos, end):
        return None  # cheap filter: most lines are criteria
    for rx in (_HEAD_BARE_RE, _HEAD_COLON_RE, _HEAD_SHORT_RE):
        m = rx.match(text, pos, end)
        if m:
            t = _TITLE_HEAD_RE.search(text, pos, m.end())
            if t and t.start() > pos and text[pos:t.start()].strip() != text[pos:t.start()].strip().title():
                # "Stable relationship Exclusion Criteria:" -- a criterion, then an inline heading
                return None
            return m.end()
    if not marked:
        rest = text[pos:end]
        if _HEAD_EXCL_LEADIN_RE.match(rest) or _HEAD_INCL_LEADIN_RE.match(rest):
            return end
    return None


# -- group headers ---------------------------------------------------------------------
_DASH_HEADER_RE = re.compile(r"--\s*([A-Za-z][^-\n]{0,60}?)\s*--")
_COLON_HEADER_RE = re.compile(r"[A-Za-z][A-Za-z0-9/&,()' -]{0,58}:")


def _header_rank(text: str) -> int:
    letters = [c for c in text if c.isalpha()]
    return 1 if letters and all(c.isupper() for c in letters) else 2


# -- sentences inside one item -------------------------------------------------------------
_ABBREV = frozenset(
    "e.g eg i.e ie etc vs approx dr no nos st fig ca cf al inc ltd co jr sr mr mrs ms pt pts "
    "resp incl max min vol ref viz".split()
)
_SENT_END_RE = re.compile(r"\.(?=\s+\S)")
_LIST_CUE_RE = re.compile(
    r"(?i)\b(?:except(?:ions?)?|exception|following|as\s+follows|any\s+of|one\s+of|all\s+of|either\s+of|"
    r"including|include[sd]?|such\s+as|defined\s+as|listed\s+below|below)\b[^:.]{0,80}?:(?=\s)"
)
# Inline list markers "(1) ", "1. ", "1) ", "1). "; what may precede them is checked in _sequence
# (a look-behind here makes the scan several times slower).
_ENUM_RE = re.compile(r"\((?P<pn>\d{1,2})\)\s*(?=[^\s\d.,;)])|(?P<n>\d{1,2})(?P<d>[.)])\.?\s+(?=[^\s\d.,;)])")


def _sentence_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split text[start:end] into sentences at ". " not after an abbreviation or initial."""
    bounds: list[tuple[int, int]] = []
    s = start
    for m in _SENT_END_RE.finditer(text, start, end):
        i = m.start()
        j = i
        while j > s and not text[j - 1].isspace() and text[j - 1] not in "(":
            j -= 1
        word = text[j:i].lower()
        if word in _ABBREV or (len(word) == 1 and word.isalpha()) or not word:
            continue
        bounds.append((s, i + 1))
        s = m.end()
        while s < end and text[s].isspace():
            s += 1
    if s < end:
        bounds.append((s, end))
    return [(a, _rstrip(text, a, b)) for a, b in bounds if _rstrip(text, a, b) > a]


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _lstrip(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


# -- the splitter ------------------------------------------------------------------------
@dataclass(slots=True)
class _Item:
    start: int
    end: int
    polarity: Polarity
    indent: int = 0
    kind: str = ""  # marker kind, "" when unmarked
    header: int = 0  # group header rank (1 = ALL CAPS, 2 = other), 0 = not a header
    blank_before: bool = False
    content_col: int = 0
    number: int | None = None
    forced_parent: int | None = None  # index into the item list (sentence children)
    split_done: bool = False
    section: int = 0  # heading count before the item: nesting never crosses a heading
    parent: int | None = None

    @property
    def marked(self) -> bool:
        return bool(self.kind)

    def colon(self, text: str) -> bool:
        return text[_rstrip(text, self.start, self.end) - 1 : self.end].rstrip().endswith(":")


_COLLAPSE_RE = re.compile(r"[ \t\r]*\n[ \t\r\n]*|\r+")
_CONT_END_RE = re.compile(r"(?i)(?:[,(/&+-]|\b(?:and|or|of|the|with|to|for|in|a|an|by|than|at|on|nor))$")


def _clean(raw: str) -> str:
    return _COLLAPSE_RE.sub(" ", raw).strip()


def split_criteria(text: str, field: str) -> list[Criterion]:
    """Split eligibility ``text`` into criteria whose spans point into ``text`` under ``field``."""
    if not text or not text.strip():
        return []
    items = _items(text)
    _split_inline(text, items)
    _nest(text, items)
    return _criteria(text, items, field)


def _wrap_width(text: str) -> int | None:
    """The hard-wrap column of the text when it looks hard-wrapped, else None.

    Wrapped text (legacy registry XML) has lines of 60-132 columns, several of them
    close to the longest; bare one-per-line lists have ragged or very long lines.
    """
    lengths = [n for n in (len(line.rstrip()) for line in text.split("\n")) if n]
    longest = max(lengths, default=0)
    if not 60 <= longest <= 132:
        return None
    near = sum(1 for n in lengths if n >= longest - 15)
    return longest if near >= 2 and near * 5 >= len(lengths) else None


def _items(text: str) -> list[_Item]:
    """Lines and headings -> raw items (continuation lines merged), in document order."""
    width = _wrap_width(text)
    items: list[_Item] = []
    polarity: Polarity = "inclusion"
    section = 0
    cur: _Item | None = None
    prev_len = 0  # length of the previous non-blank physical line, for the wrap test
    prev_blank = False
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        line_start, line_end = pos, nl
        pos = nl + 1
        content = _lstrip(text, line_start, line_end)
        end = _rstrip(text, content, line_end)
        if content >= end:
            prev_blank = True
            if line_end >= n:
                break
            continue
        if cur is not None and not prev_blank and text[content].islower() and not _MARKER_RE.match(text, content, end):
            # a wrapped line: never a heading, even if it reads like one ("... are excluded:")
            segs = [("content", content, end)]
        else:
            segs = _segments(text, line_start, content, end)
        first = True
        for kind, a, b in segs:
            if kind == "heading":
                polarity = _heading_polarity(text[a:b])
                section += 1
                cur = None
                first = False
                continue
            if kind == "header":
                rank = _header_rank(text[a:b])
                items.append(_Item(a, b, polarity, indent=a - line_start, header=rank, blank_before=prev_blank,
                                   section=section))
                cur = None
                first = False
                continue
            # a content segment; its own leading marker?
            line_indent = a - line_start if first else 1
            mm = _MARKER_RE.match(text, a, b)
            if mm:
                mk = mm.group("m")
                c0 = mm.end()
                number = int(mk[:-1]) if mk[:-1].isdigit() else None
                it = _Item(c0, b, polarity, indent=line_indent, kind=_marker_kind(mk), blank_before=prev_blank,
                           content_col=c0 - line_start, number=number, section=section)
                items.append(it)
                cur = it
            elif _EMPTY_MARKER_RE.fullmatch(text, a, b):
                # a lone marker: the item text starts on the next line
                it = _Item(b, b, polarity, indent=line_indent, kind="bullet", blank_before=prev_blank,
                           content_col=b - line_start + 1, section=section)
                items.append(it)
                cur = it
            elif cur is not None and first and _continues(text, cur, a, b, line_indent, prev_blank, prev_len, width):
                if cur.end <= cur.start:  # the text of a lone marker's item starts here
                    cur.start = a
                cur.end = b
            else:
                it = _Item(a, b, polarity, indent=line_indent, blank_before=prev_blank, content_col=a - line_start,
                           section=section)
                items.append(it)
                cur = it
            first = False
        prev_len = end - line_start
        prev_blank = False
        if line_end >= n:
            break
    return [it for it in items if it.end > it.start]


def _segments(text: str, line_start: int, a: int, b: int) -> list[tuple[str, int, int]]:
    """Split one line into heading / header / content segments."""
    out: list[tuple[str, int, int]] = []
    mm = _MARKER_RE.match(text, a, b)
    head_pos = mm.end() if mm else a
    h_end = _match_heading(text, head_pos, b, marked=bool(mm))
    if h_end is not None:
        out.append(("heading", a, h_end))
        if _EXCLUDED_WHEN_RE.match(text, head_pos, h_end):
            # "Excluded within 4 weeks of study entry:" says when: keep it as a group header
            out.append(("header", head_pos, h_end))
        a = _lstrip(text, h_end, b)
        if a >= b:
            return out
    elif not mm:
        dm = _DASH_HEADER_RE.match(text, a, b)
        if dm:
            out.append(("header", a, dm.end()))
            a = _lstrip(text, dm.end(), b)
            if a >= b:
                return out
        else:
            cm = _COLON_HEADER_RE.fullmatch(text, a, b)
            if cm and len(text[a:b].split()) <= 6:
                out.append(("header", a, b))
                return out
    # inline headings later in the line ("... visit. Exclusion Criteria: 1. ...")
    s = a
    for m in _HEAD_INLINE_RE.finditer(text, a + 1, b):
        before = _rstrip(text, s, m.start())
        if before <= s or (text[before - 1] not in ".;!?)]:" and not _TITLE_HEAD_RE.match(text, m.start())):
            continue
        out.append(("content", s, before))
        out.append(("heading", m.start(), m.end()))
        s = _lstrip(text, m.end(), b)
    # inline dash headers ("... on x-ray --Patient Characteristics-- Age: ...")
    if s < b:
        rest: list[tuple[str, int, int]] = []
        t = s
        for m in _DASH_HEADER_RE.finditer(text, s, b):
            if m.start() == s and out and out[-1][0] == "header":
                continue
            before = _rstrip(text, t, m.start())
            if before > t:
                rest.append(("content", t, before))
            rest.append(("header", m.start(), m.end()))
            t = _lstrip(text, m.end(), b)
        if t < b:
            rest.append(("content", t, b))
        out.extend(rest)
    return out


def _continues(text: str, cur: _Item, a: int, b: int, indent: int, blank: bool, prev_len: int,
               width: int | None) -> bool:
    """Is the unmarked line text[a:b] a continuation of item ``cur``?"""
    if cur.header:
        return False
    if cur.end <= cur.start:
        return True  # the line after a lone bullet marker
    tail = text[_rstrip(text, cur.start, cur.end) - 1] if cur.end > cur.start else ""
    if tail == ":":
        return False
    if blank:
        # a paragraph indented under a bullet's text continues that bullet
        return cur.marked and indent >= cur.content_col
    first = text[a]
    if first.islower() or first in ",;)]&%":
        return True
    if _CONT_END_RE.search(text, max(cur.start, cur.end - 5), cur.end):
        return True
    if width is None:
        return False
    word_end = a
    while word_end < b and not text[word_end].isspace():
        word_end += 1
    return prev_len + 1 + (word_end - a) > width - 1


def _split_inline(text: str, items: list[_Item]) -> None:
    """Split inline numbering ("1. … 2. …") and cue-introduced sentence lists in place."""
    i = 0
    while i < len(items):
        it = items[i]
        if it.header or it.split_done:
            i += 1
            continue
        new = _enumerate(text, it)
        if new:
            items[i + 1 : i + 1] = new
            # sentence lists may sit in any of the pieces; revisit this one first
            continue
        kids = _cue_children(text, it, i)
        if kids:
            items[i + 1 : i + 1] = kids
            i += 1 + len(kids)
            continue
        it.split_done = True
        i += 1


def _enumerate(text: str, it: _Item) -> list[_Item]:
    """Cut ``it`` at inline sequential numbers; return the new following items.

    A numbered item "3. … 4. … 5. …" continues its own numbering (siblings); any item
    may also hold a fresh list "(1) … (2) …" / "1) … 2) …" whose entries become children.
    """
    if it.number is not None and it.kind.startswith("num") and it.kind[-1] in ".)":
        cuts = _sequence(text, it.start + 1, it.end, it.number + 1, it.kind[-1], 1)
        if cuts:
            return _cut(text, it, cuts, sibling=True)
    cuts = _sequence(text, it.start + 1, it.end, 1, "", 2)
    return _cut(text, it, cuts, sibling=False) if cuts else []


def _sequence(text: str, start: int, end: int, expect: int, delim: str, need: int) -> list[re.Match[str]]:
    """Markers numbered expect, expect+1, … in one delimiter style inside text[start:end]."""
    if end - start < 6:
        return []
    cuts: list[re.Match[str]] = []
    for m in _ENUM_RE.finditer(text, start, end):
        before = text[m.start() - 1] if m.start() > 0 else " "
        if m.group("pn"):
            number, style = m.group("pn"), "()"
            if not (before.isspace() or before in ":;,."):
                continue
        else:
            number, style = m.group("n"), m.group("d")
            if not (before.isspace() or before in "(:;"):
                continue
        if int(number) == expect and (not delim or style == delim):
            delim = style
            cuts.append(m)
            expect += 1
    return cuts if len(cuts) >= need else []


def _cut(text: str, it: _Item, cuts: list[re.Match[str]], sibling: bool) -> list[_Item]:
    delim = cuts[0].group("d") or "()"
    kind = it.kind if sibling else "num" + delim
    out: list[_Item] = []
    bounds = [c.start() for c in cuts] + [it.end]
    it.end = _rstrip(text, it.start, bounds[0])
    for c, nxt in zip(cuts, bounds[1:], strict=True):
        out.append(_Item(c.end(), _rstrip(text, c.end(), nxt), it.polarity,
                         indent=it.indent if sibling else it.indent + 1, kind=kind,
                         number=int(c.group("pn") or c.group("n")),
                         content_col=it.content_col if sibling else it.content_col + 1, section=it.section))
    return [o for o in out if o.end > o.start]


def _cue_children(text: str, it: _Item, index: int) -> list[_Item]:
    """Sentences after "except:" / "any of the following …:" inside one item become its children."""
    if text.find(":", it.start, it.end) < 0:
        return []
    for m in _LIST_CUE_RE.finditer(text, it.start, it.end):
        tail = _lstrip(text, m.end(), it.end)
        sents = _sentence_bounds(text, tail, it.end)
        if len(sents) < 2:
            continue
        it.end = m.end()
        it.split_done = True
        return [_Item(a, b, it.polarity, indent=it.indent + 1, kind="sentence", forced_parent=index,
                      split_done=True, section=it.section) for a, b in sents]
    return []


def _nest(text: str, items: list[_Item]) -> None:
    """Assign parents with a stack of open items (indentation, marker kind, colons, headers)."""
    stack: list[int] = []
    section = -1
    for idx, it in enumerate(items):
        if it.section != section:
            stack.clear()
            section = it.section
        if it.forced_parent is not None:
            it.parent = it.forced_parent
            continue
        if it.header:
            while stack and not (items[stack[-1]].header and items[stack[-1]].header < it.header):
                stack.pop()
        elif it.marked:
            while stack and _pops_marked(text, items[stack[-1]], it):
                stack.pop()
        else:
            while stack and _pops_unmarked(text, items[stack[-1]], it):
                stack.pop()
        it.parent = stack[-1] if stack else None
        stack.append(idx)


def _pops_marked(text: str, top: _Item, it: _Item) -> bool:
    if top.header:
        return False
    if not top.marked:
        return not (top.colon(text) and top.parent is None)
    if top.indent != it.indent:
        return top.indent > it.indent
    return top.kind == it.kind or not top.colon(text)


def _pops_unmarked(text: str, top: _Item, it: _Item) -> bool:
    if top.header:
        return False
    if not top.colon(text):
        return True
    if not top.marked:
        # an unmarked lead-in ("Patients must have:") opens a group only at top level
        return top.parent is not None or it.colon(text) or it.indent < top.indent
    return it.blank_before and it.indent <= top.indent


def _criteria(text: str, items: list[_Item], field_name: str) -> list[Criterion]:
    counters = {"inclusion": 0, "exclusion": 0}
    out: list[Criterion] = []
    for it in items:
        counters[it.polarity] += 1
        out.append(Criterion(
            polarity=it.polarity,
            order=counters[it.polarity],
            text=_clean(text[it.start : it.end]),
            parent=it.parent,
            span=Span(field_name, it.start, it.end),
        ))
    return out
