r"""The query guard: which SPARQL text kg agrees to run, decided on the reading of the engine that runs it.

pyoxigraph sends an HTTP request for ``SERVICE <iri>`` and has no switch to turn that
off, so the guard must see every SERVICE that Oxigraph will execute. Two independent
readers look at the text:

* **kg's lexer** follows the token boundaries of Oxigraph's SPARQL grammar, not a
  whitespace split: a number ends where the grammar's INTEGER/DECIMAL/DOUBLE ends
  (``1SERVICE``, ``1.5SERVICE``, ``1e1SERVICE`` are a number *then* SERVICE), a keyword
  needs no space after a string, IRI, bracket or ``;``, comments end at ``\n`` or ``\r``,
  ``\u`` escapes count only inside IRIs and strings (Oxigraph does not expand them
  elsewhere; rdflib does). A keyword-shaped word holding a governed keyword
  (``trueSERVICE``, ``FROMNAMED``, prefix ``SERVICEex:``) is *glued*: Oxigraph reads a
  keyword there, so kg refuses it.
* **rdflib's parse tree**: every ``ServiceGraphPattern`` and ``DatasetClause`` at any depth.

The query runs only when both readers agree on every SERVICE/FROM/FROM NAMED clause and
its target, and every target is allowed. A text rdflib cannot parse that mentions a
governed keyword anywhere is refused. Targets are resolved (BASE, PREFIX, kg's default
prefixes, ``\u`` escapes) by Oxigraph itself on a query made of the lexer's tokens only.
When in doubt the guard refuses, with a one-line reason; below it, the query child has no
network unless an allowed SERVICE needs it (:mod:`kg.query.limits`, decision 0012).

>>> check_query("SELECT * WHERE { ?s ?p ?o }", AllowList())
>>> check_query("SELECT * WHERE { ?s kg:order 1SERVICE <http://example.org/x> { ?s ?p ?o } }", AllowList())
Traceback (most recent call last):
...
kg.errors.QueryRefusedError: SERVICE <http://example.org/x> is not on the allow-list (add it with --allow IRI or KG_ALLOW)
>>> clear_query("SELECT * FROM kggraph:drugs WHERE { ?s ?p ?o }", AllowList()).dataset
True
>>> AllowList.parse("http://example.org/").permits("http://example.org/sparql")
True
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from kg import vocab as V
from kg.errors import QueryError, QueryRefusedError

ENV_VAR = "KG_ALLOW"

#: Keywords that only occur in SPARQL Update: kg's query paths never modify the store.
UPDATE_KEYWORDS = frozenset(
    {"LOAD", "INSERT", "DELETE", "DROP", "CLEAR", "CREATE", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
#: Keywords whose target the allow-list governs.
REMOTE_KEYWORDS = ("SERVICE", "FROM")
#: Every keyword the guard governs: a text mentioning one gets the full check.
GOVERNED = tuple(sorted(set(REMOTE_KEYWORDS) | UPDATE_KEYWORDS))
# Keywords that may stand between SERVICE/FROM and the target: glued to a prefix
# (``SILENTex:s``) Oxigraph reads the keyword, a lexer would read one name.
_BETWEEN = ("SILENT", "NAMED")

# Graph IRIs kg itself mints: FROM/FROM NAMED with these select graphs of the local store.
_LOCAL_GRAPHS = (str(V.KGGRAPH),)
_DEFAULT_PREFIXES = {k: str(v) for k, v in V.PREFIXES.items()}


# -- the allow-list -------------------------------------------------------------------
@dataclass(frozen=True)
class AllowList:
    """IRI prefixes that SERVICE, FROM and FROM NAMED may name; ``"*"`` allows everything.

    A prefix matches at a boundary: ``http://host/`` allows ``http://host/sparql``, and
    ``http://host`` does not allow ``http://host.evil.example/``.
    """

    prefixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, *values: str) -> AllowList:
        """From space-separated IRI prefixes (as in ``KG_ALLOW`` or repeated ``--allow``)."""
        found: list[str] = []
        for value in values:
            found += [p for p in value.split() if p and p not in found]
        return cls(tuple(found))

    @classmethod
    def from_env(cls, *extra: str, environ: dict[str, str] | None = None) -> AllowList:
        """``KG_ALLOW`` (space-separated) plus ``extra`` prefixes (e.g. the CLI's ``--allow``)."""
        from kg import settings

        return cls.parse(settings.allow_text(environ), *extra)

    @property
    def everything(self) -> bool:
        return "*" in self.prefixes

    def permits(self, iri: str) -> bool:
        return self.everything or any(_under(iri, p) for p in self.prefixes)


def _under(iri: str, prefix: str) -> bool:
    if not iri.startswith(prefix):
        return False
    if len(iri) == len(prefix) or prefix[-1] in "/#?:=&":
        return True
    return iri[len(prefix)] in "/#?"


# -- the lexer: SPARQL 1.1 terminals as Oxigraph reads them ------------------------------
_BASE_CHARS = (
    "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"


@dataclass(frozen=True)
class _Names:
    """The grammar's name patterns (PNAME, BLANK_NODE_LABEL, VAR, a keyword-shaped run) over
    one alphabet."""

    pname: re.Pattern[str]
    bnode: re.Pattern[str]
    var: re.Pattern[str]
    bare: re.Pattern[str]


def _names(base: str, extra: str) -> _Names:
    """Patterns whose PN_CHARS_BASE is ``base``, PN_CHARS adding ``extra`` to ``_``, ``-`` and digits."""
    u = base + "_"
    chars = u + r"\-0-9" + extra
    pn_prefix = f"[{base}](?:[{chars}.]*[{chars}])?"
    pn_local = f"(?:[{u}:0-9]|{_PLX})(?:(?:[{chars}.:]|{_PLX})*(?:[{chars}:]|{_PLX}))?"
    return _Names(
        pname=re.compile(f"({pn_prefix})?:({pn_local})?"),
        bnode=re.compile(f"_:[{u}0-9](?:[{chars}.]*[{chars}])?"),
        var=re.compile(f"[?$][{u}0-9][{u}0-9{extra}]*"),
        # A keyword-shaped run: Oxigraph matches keywords with no boundary after them, so a
        # run is read as one keyword only when it is exactly one (anything else is checked for glue).
        bare=re.compile(f"[{u}][{chars}]*"),
    )


#: The same patterns over ASCII only: equal to the full ones on ASCII text, where the full
#: ones' Unicode classes cost ~50 ms to compile at every start-up of ``kg query``.
_ASCII_NAMES = _names("A-Za-z", "")


@lru_cache(maxsize=1)
def _unicode_names() -> _Names:
    return _names(_BASE_CHARS, r"\u00B7\u0300-\u036F\u203F-\u2040")


_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
_NUMBER = re.compile(r"[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+")
_IRIREF = re.compile(r'<((?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>')
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_EOL = re.compile(r"[\r\n]")  # Oxigraph ends a comment at either
_WS = " \t\r\n"


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "pname", "iri", "var", "bnode", "number", "string", "langtag", "punct"
    value: str
    pos: int
    raw: str = ""  # the text as written (IRIs keep their escapes: used to rebuild a prologue)


@dataclass
class Lexed:
    """What the lexer saw: tokens, whether it could read everything, and glued keywords."""

    tokens: list[Token]
    clean: bool = True
    glued: list[str] | None = None  # words where Oxigraph would read a governed keyword glued to more

    @property
    def suspicious(self) -> bool:
        return bool(self.glued)


def _decode_iri(raw: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), raw)


def _string_end(text: str, i: int) -> int:
    """Index after the string literal starting at ``i``, or -1 when it is not closed.

    Long strings end at the first unescaped triple quote (the grammar lets no quote end
    their content, so ``\"\"\"a\"\"\"\"`` is a string and then an unclosed one, as in Oxigraph)."""
    n = len(text)
    q = text[i]
    if text.startswith(q * 3, i):
        j = i + 3
        while j < n:
            if text[j] == "\\":
                j += 2
            elif text.startswith(q * 3, j):
                return j + 3
            else:
                j += 1
        return -1
    j = i + 1
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == q:
            return j + 1
        elif c in "\r\n":
            return -1
        else:
            j += 1
    return -1


def _glued(word: str) -> bool:
    """A keyword-shaped run holding a governed keyword without being exactly one."""
    up = word.upper()
    return up not in GOVERNED and up not in _BETWEEN and any(k in up for k in GOVERNED)


def _glued_prefix(prefix: str) -> bool:
    up = prefix.upper()
    return any(k in up for k in GOVERNED) or up.startswith(_BETWEEN)


def lex(text: str) -> Lexed:
    """Tokens of a SPARQL text as Oxigraph splits it, skipping whitespace and comments
    (strings and IRIs are single tokens, so a keyword inside them is never mistaken for a clause).

    >>> [(t.kind, t.value) for t in lex("?s kg:n 1SERVICE<x>").tokens]
    [('var', 's'), ('pname', 'kg:n'), ('number', '1'), ('word', 'SERVICE'), ('iri', 'x')]
    """
    out = Lexed([], glued=[])
    glued: list[str] = out.glued  # type: ignore[assignment]
    names = _ASCII_NAMES if text.isascii() else _unicode_names()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _WS:
            i += 1
            continue
        if c == "#":
            m = _EOL.search(text, i)
            i = n if m is None else m.end()
            continue
        m = None
        kind = "punct"
        if c == "<":
            m = _IRIREF.match(text, i)
            if m:
                out.tokens.append(Token("iri", _decode_iri(m.group(1)), i, m.group(0)))
                i = m.end()
                continue
        elif c in "\"'":
            j = _string_end(text, i)
            if j < 0:
                out.clean = False
                return out
            out.tokens.append(Token("string", text[i:j], i, text[i:j]))
            i = j
            continue
        elif c in "?$":
            m, kind = names.var.match(text, i), "var"
        elif c == "@":
            m, kind = _LANGTAG.match(text, i), "langtag"
        elif c == "_":
            m, kind = names.bnode.match(text, i), "bnode"
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m, kind = _NUMBER.match(text, i), "number"
        else:
            m, kind = names.pname.match(text, i), "pname"
            if m is None:
                m, kind = names.bare.match(text, i), "word"
        if m is None or not m.group(0):
            out.tokens.append(Token("punct", c, i, c))
            i += 1
            continue
        raw = m.group(0)
        value = raw[1:] if kind == "var" else raw
        out.tokens.append(Token(kind, value, i, raw))
        if (kind == "word" and _glued(raw)) or (kind == "pname" and m.group(1) and _glued_prefix(m.group(1))):
            glued.append(raw)
        i = m.end()
    return out


@dataclass(frozen=True)
class Reference:
    """One place a query names something outside the query: SERVICE, FROM or FROM NAMED."""

    keyword: str  # "SERVICE", "FROM" or "FROM NAMED"
    target: str | None  # the IRI, or None for a variable / something unreadable
    shown: str  # how the query spelled the target


def _unescape_local(local: str) -> str:
    return re.sub(r"\\(.)", r"\1", local)


def _resolve(prefix: str, local: str, prefixes: dict[str, str]) -> str | None:
    ns = prefixes.get(prefix)
    return None if ns is None else ns + _unescape_local(local)


_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


def _prologue(toks: list[Token]) -> str | None:
    """The query's BASE/PREFIX declarations rebuilt from tokens (None: not a plain prologue)."""
    parts: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.value.upper() if tok.kind == "word" else ""
        if word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            parts.append(f"BASE {toks[i + 1].raw}")
            i += 2
        elif (word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname"
              and toks[i + 1].value.endswith(":") and toks[i + 2].kind == "iri"):
            parts.append(f"PREFIX {toks[i + 1].raw} {toks[i + 2].raw}")
            i += 3
        elif word in _FORMS:
            return "\n".join(parts)
        else:
            return None
    return None


_RESOLVER = None


def _engine_iri(prologue: str, target: Token) -> str | None:
    """The IRI Oxigraph makes of ``target`` (an IRI or prefixed-name token) under ``prologue``.

    The probe query is built from lexer tokens only (an IRIREF holds no space or brace, a
    prefixed name no bracket), so it can hold no clause of its own."""
    global _RESOLVER
    import pyoxigraph as ox

    if _RESOLVER is None:
        _RESOLVER = ox.Store()
    try:
        rows = list(_RESOLVER.query(f"{prologue}\nSELECT ({target.raw} AS ?t) {{}}", prefixes=_DEFAULT_PREFIXES))
    except (SyntaxError, ValueError, OSError):
        return None
    term = rows[0][0] if rows else None
    return term.value if isinstance(term, ox.NamedNode) else None


def _lexer_references(lexed: Lexed) -> tuple[list[Reference], list[Token]]:
    """SERVICE/FROM references (targets resolved by Oxigraph) and update keywords the lexer sees."""
    toks = lexed.tokens
    prologue = _prologue(toks)
    refs: list[Reference] = []
    updates: list[Token] = []
    for idx, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        word = tok.value.upper()
        if word in UPDATE_KEYWORDS:
            updates.append(tok)
        elif word in REMOTE_KEYWORDS:
            keyword, j = word, idx + 1
            if j < len(toks) and toks[j].kind == "word" and toks[j].value.upper() == ("SILENT" if word == "SERVICE" else "NAMED"):
                keyword = "FROM NAMED" if word == "FROM" else keyword
                j += 1
            target_tok = toks[j] if j < len(toks) else None
            target: str | None = None
            shown = target_tok.raw if target_tok is not None else "(nothing)"
            if target_tok is not None and target_tok.kind in ("iri", "pname") and prologue is not None:
                target = _engine_iri(prologue, target_tok)
                if target_tok.kind == "iri":
                    shown = f"<{target_tok.value}>"
            refs.append(Reference(keyword, target, shown))
    return refs, updates


# -- the second reader: rdflib's parse tree ---------------------------------------------
def _parser_references(text: str) -> list[Reference] | None:
    """SERVICE/FROM references in rdflib's parse tree; None when rdflib cannot parse it."""
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        from rdflib.plugins.sparql.parser import parseQuery

        tree = parseQuery(text)
    except Exception:  # pyparsing, recursion and assorted errors: rdflib cannot read it
        return None
    prefixes = dict(_DEFAULT_PREFIXES)
    base: str | None = None
    for decl in tree[0]:
        if decl.name == "Base":
            base = urljoin(base, str(decl["iri"])) if base else str(decl["iri"])
        elif decl.name == "PrefixDecl":
            iri = str(decl["iri"])
            prefixes[dict.get(decl, "prefix") or ""] = urljoin(base, iri) if base else iri

    def term(node: object) -> tuple[str | None, str]:
        if isinstance(node, Variable):
            return None, f"?{node}"
        if isinstance(node, URIRef):
            iri = urljoin(base, str(node)) if base else str(node)
            return iri, f"<{node}>"
        if isinstance(node, CompValue) and node.name == "pname":
            prefix, local = dict.get(node, "prefix") or "", dict.get(node, "localname") or ""
            return _resolve(prefix, local, prefixes), f"{prefix}:{local}"
        return None, str(node)

    refs: list[Reference] = []

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                refs.append(Reference("SERVICE", *term(dict.get(node, "term"))))
            elif node.name == "DatasetClause":
                if dict.get(node, "named") is not None:
                    refs.append(Reference("FROM NAMED", *term(dict.get(node, "named"))))
                else:
                    refs.append(Reference("FROM", *term(dict.get(node, "default"))))
            for value in dict.values(node):
                walk(value)
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            for value in node:  # type: ignore[attr-defined]
                walk(value)

    walk(tree[1])
    return refs


def _is_update(text: str) -> bool:
    try:
        from rdflib.plugins.sparql.parser import parseUpdate

        parseUpdate(text)
    except Exception:
        return False
    return True


def mentions(text: str) -> list[str]:
    """Governed keywords written anywhere in ``text`` (any case, inside names, strings and
    comments too, and after rdflib's ``\\u`` expansion): the conservative trigger for a full check.

    >>> mentions("SELECT * WHERE { ?s kg:fromDate ?o }")
    ['FROM']
    """
    up = text.upper()
    if "\\U" in up:
        up += " " + _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text).upper()
    return [k for k in GOVERNED if k in up]


# -- the decision -------------------------------------------------------------------------
@dataclass(frozen=True)
class Clearance:
    """What the guard let through: what the executor needs to know about the query."""

    services: tuple[str, ...] = ()  # allowed SERVICE targets ("*" for a variable under --allow '*')
    dataset: bool = False  # the query names its dataset (FROM / FROM NAMED): no union default graph
    mentions_service: bool = False  # "SERVICE" appears anywhere in the text (any case)

    @property
    def network(self) -> bool:
        """The query calls an allowed endpoint: its process keeps the network."""
        return bool(self.services)


def _refuse_reference(ref: Reference, allow: AllowList) -> None:
    if allow.everything:
        return
    if ref.target is None:
        raise QueryRefusedError(
            f"{ref.keyword} {ref.shown}: kg runs SERVICE/FROM only with a fixed IRI on the allow-list "
            "(a variable or unreadable target needs --allow '*')"
        )
    if ref.keyword != "SERVICE" and any(_under(ref.target, g) for g in _LOCAL_GRAPHS):
        return  # a graph of the local store, not a location
    if not allow.permits(ref.target):
        raise QueryRefusedError(
            f"{ref.keyword} <{ref.target}> is not on the allow-list (add it with --allow IRI or {ENV_VAR})"
        )


def check_query(sparql: str, allow: AllowList) -> None:
    """Raise QueryRefusedError unless ``sparql`` is a query kg may run under ``allow``:
    never an update, and SERVICE/FROM/FROM NAMED only to allowed IRIs."""
    clear_query(sparql, allow)


def clear_query(sparql: str, allow: AllowList) -> Clearance:
    """:func:`check_query` that also says what the executor must allow (see :class:`Clearance`).
    Every way into the store (``kg sparql``, ``kg query``, a server) goes through this."""
    return _check_cached(sparql, allow)


@lru_cache(maxsize=256)
def _check_cached(sparql: str, allow: AllowList) -> Clearance:
    lexed = lex(sparql)
    lex_refs, updates = _lexer_references(lexed)
    if updates:
        word = updates[0].value.upper()
        raise QueryRefusedError(
            f"{word} is SPARQL Update: kg query/sparql only read the store (rebuild it with `kg build`)"
        )
    said = mentions(sparql)
    service_said = "SERVICE" in said
    if lexed.clean and not service_said and not lex_refs and not lexed.glued:
        # No SERVICE in any spelling, and no FROM or update keyword as a token: the engine
        # has nothing to call out with (its query parser runs no update, and FROM only
        # selects local graphs), so rdflib's slower reading is not needed (decision 0012).
        return Clearance()
    if not lexed.clean:
        raise QueryError("malformed query: unterminated string literal")
    tree_refs = _parser_references(sparql)
    if tree_refs is None:
        if _is_update(sparql):
            raise QueryRefusedError("SPARQL Update: kg query/sparql only read the store (rebuild it with `kg build`)")
        for ref in lex_refs:
            _refuse_reference(ref, allow)
        if not allow.everything:
            reason = _engine_syntax_error(sparql)
            if reason is not None:
                raise QueryError(f"malformed query: {reason}")
            raise QueryRefusedError(
                f"cannot verify this query: rdflib cannot parse it and it mentions {'/'.join(said)}; "
                "write it in plain SPARQL 1.1"
            )
        tree_refs = lex_refs
    for ref in tree_refs + lex_refs:
        _refuse_reference(ref, allow)
    if not allow.everything:
        if lexed.glued:
            raise QueryRefusedError(
                f"cannot verify this query: {lexed.glued[0]!r} glues a keyword to a name "
                "(write SERVICE <iri> / FROM <iri> with a space around them)"
            )
        seen_lexer = Counter((r.keyword, r.target) for r in lex_refs)
        seen_tree = Counter((r.keyword, r.target) for r in tree_refs)
        if seen_lexer != seen_tree:
            differ = sorted({k for k, _ in (seen_lexer - seen_tree) + (seen_tree - seen_lexer)})
            raise QueryRefusedError(
                f"cannot verify this query's {'/'.join(differ)} clauses (kg's two readers of it disagree); "
                "simplify the query"
            )
    services = tuple(r.target or "*" for r in lex_refs if r.keyword == "SERVICE")
    return Clearance(services=services, dataset=any(r.keyword.startswith("FROM") for r in lex_refs),
                     mentions_service=service_said)


_BLOCK_TOKENS = frozenset({"var", "iri", "string", "number", "langtag", "pname", "bnode"})


def check_bound(template: str, bound: str) -> None:
    """Refuse ``bound`` unless it is ``template`` plus one run of VALUES-block tokens: what
    binding parameters may add (kg.query.binding). Lexing only, so it is cheap per run.

    >>> check_bound("ASK { ?s ?p ?o }", 'ASK { VALUES (?o) { ("x") } ?s ?p ?o }')
    >>> check_bound("ASK { ?s ?p ?o }", 'ASK { VALUES (?o) { ("x") } } SERVICE <http://e/> { ?s ?p ?o }')
    Traceback (most recent call last):
    ...
    kg.errors.QueryRefusedError: a bound parameter changed the query's structure (SERVICE): refused
    """
    a, b = lex(template), lex(bound)
    ta = [(t.kind, t.value) for t in a.tokens]
    tb = [(t.kind, t.value) for t in b.tokens]
    start = 0
    while start < len(ta) and start < len(tb) and ta[start] == tb[start]:
        start += 1
    extra = len(tb) - len(ta)
    added = tb[start:start + extra] if extra >= 0 else []
    ok = (a.clean and b.clean and not b.glued and extra >= 0 and tb[start + extra:] == ta[start:]
          and all(kind in _BLOCK_TOKENS or (kind == "punct" and value in "(){}^")
                  or (kind == "word" and value.upper() in ("VALUES", "UNDEF", "TRUE", "FALSE"))
                  for kind, value in added))
    if not ok:
        words = [v for k, v in added if k == "word" and v.upper() not in ("VALUES", "UNDEF")]
        raise QueryRefusedError(
            f"a bound parameter changed the query's structure ({', '.join(words) or 'tokens'}): refused"
        )


def _engine_syntax_error(sparql: str) -> str | None:
    """Oxigraph's own syntax error for ``sparql`` (None if it parses), found in a child
    process without network, so that asking can never connect anywhere."""
    from kg.query.limits import engine_syntax_error

    return engine_syntax_error(sparql)


__all__ = ["AllowList", "Clearance", "Reference", "check_bound", "check_query", "clear_query", "lex", "mentions",
           "ENV_VAR", "GOVERNED", "UPDATE_KEYWORDS"]
