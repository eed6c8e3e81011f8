"""The query guard: which SPARQL text kg agrees to run (no updates, no SERVICE/FROM off the allow-list).

pyoxigraph sends an HTTP request for ``SERVICE <iri>`` (and for ``LOAD``), so the guard
must decide *before* the store sees the text. It decides from rdflib's SPARQL parse
tree (every ``ServiceGraphPattern`` and ``DatasetClause``, however deeply nested, with
prefixed names resolved as Oxigraph would), cross-checked by a small SPARQL lexer that
skips strings, IRIs and comments. The lexer also keeps the common case cheap: a query
whose tokens contain no SERVICE, FROM or update keyword cannot hold such a clause, so it
needs no full parse. A query rdflib cannot parse is judged by the lexer alone, and
refused when the lexer cannot tell what a keyword refers to.

>>> check_query("SELECT * WHERE { ?s ?p ?o }", AllowList())
>>> check_query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", AllowList())
Traceback (most recent call last):
...
kg.errors.QueryRefusedError: SERVICE <http://example.org/sparql> is not on the allow-list (add it with --allow IRI or KG_ALLOW)
>>> AllowList.parse("http://example.org/").permits("http://example.org/sparql")
True
"""

from __future__ import annotations

import os
import re
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

# Graph IRIs kg itself mints: FROM/FROM NAMED with these select graphs of the local store.
_LOCAL_GRAPHS = (str(V.KGGRAPH),)


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
        env = os.environ if environ is None else environ
        return cls.parse(env.get(ENV_VAR, ""), *extra)

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


# -- the lexer ----------------------------------------------------------------------------
_IRIREF = re.compile(r'<((?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>')
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_VAR = re.compile(r"[?$][A-Za-z0-9_\u00B7-\U0010FFFF]+")
# A word: keyword, function name, number, prefixed name or blank node label. It may not
# start with '.' or '-' (those end a triple or are an operator); '\X' escapes stay inside.
_WORD = re.compile(r"(?:[A-Za-z0-9_:%\u00B7-\U0010FFFF]|\\.)(?:[A-Za-z0-9_:%.\-\u00B7-\U0010FFFF]|\\.)*")
_SEGMENT = re.compile(r"[.:]")
_EOL = re.compile(r"[\r\n]")  # Oxigraph ends a comment at either


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "pname", "iri", "var", "string", "punct"
    value: str
    pos: int


@dataclass
class Lexed:
    """What the lexer saw: tokens, whether it could read everything, and glued keywords."""

    tokens: list[Token]
    clean: bool = True
    suspicious: bool = False  # a SERVICE/FROM keyword glued to a name (Oxigraph accepts "SERVICEex:s")


def _decode_iri(raw: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), raw)


def _string_end(text: str, i: int) -> int:
    """Index after the string literal starting at ``i``, or -1 when it is not closed."""
    n = len(text)
    q = text[i]
    if text.startswith(q * 3, i):
        j = i + 3
        while j < n:
            if text[j] == "\\":
                j += 2
            elif text.startswith(q * 3, j):
                # """a"""" is legal: the closing run is the last three quotes of the run
                k = j
                while k < n and text[k] == q:
                    k += 1
                return k
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


def lex(text: str) -> Lexed:
    """Tokens of a SPARQL text, skipping whitespace and comments (strings and IRIs are
    single tokens, so a keyword inside them is never mistaken for a clause)."""
    out = Lexed([])
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "#":
            m = _EOL.search(text, i)
            i = n if m is None else m.end()
            continue
        if c == "<":
            m = _IRIREF.match(text, i)
            if m:
                out.tokens.append(Token("iri", _decode_iri(m.group(1)), i))
                i = m.end()
                continue
            out.tokens.append(Token("punct", c, i))
            i += 1
            continue
        if c in "\"'":
            j = _string_end(text, i)
            if j < 0:
                out.clean = False
                return out
            out.tokens.append(Token("string", text[i:j], i))
            i = j
            continue
        if c in "?$":
            m = _VAR.match(text, i)
            if m:
                out.tokens.append(Token("var", m.group(0)[1:], i))
                i = m.end()
                continue
        m = _WORD.match(text, i)
        if m:
            word = m.group(0).rstrip(".")  # a prefixed name never ends with '.'
            kind = "pname" if ":" in word else "word"
            out.tokens.append(Token(kind, word, i))
            upper = word.upper()
            if kind == "pname" or upper not in REMOTE_KEYWORDS:
                if any(seg.upper().startswith(REMOTE_KEYWORDS) for seg in _SEGMENT.split(word)):
                    out.suspicious = True
            i += len(word)
            continue
        out.tokens.append(Token("punct", c, i))
        i += 1
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


def _lexer_references(lexed: Lexed) -> tuple[list[Reference], list[Token]]:
    """SERVICE/FROM references and update keywords the lexer can see."""
    toks = lexed.tokens
    prefixes = {k: str(v) for k, v in V.PREFIXES.items()}
    base: str | None = None
    refs: list[Reference] = []
    updates: list[Token] = []
    for idx, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        word = tok.value.upper()
        nxt = toks[idx + 1] if idx + 1 < len(toks) else None
        if word == "PREFIX" and nxt is not None and nxt.kind == "pname" and nxt.value.endswith(":"):
            after = toks[idx + 2] if idx + 2 < len(toks) else None
            if after is not None and after.kind == "iri":
                prefixes[nxt.value[:-1]] = urljoin(base, after.value) if base else after.value
        elif word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = urljoin(base, nxt.value) if base else nxt.value
        elif word in UPDATE_KEYWORDS:
            updates.append(tok)
        elif word in REMOTE_KEYWORDS:
            keyword, j = word, idx + 1
            if j < len(toks) and toks[j].kind == "word" and toks[j].value.upper() == ("SILENT" if word == "SERVICE" else "NAMED"):
                keyword = "FROM NAMED" if word == "FROM" else keyword
                j += 1
            target_tok = toks[j] if j < len(toks) else None
            target: str | None = None
            shown = target_tok.value if target_tok is not None else "(nothing)"
            if target_tok is not None and target_tok.kind == "iri":
                target = urljoin(base, target_tok.value) if base else target_tok.value
                shown = f"<{target_tok.value}>"
            elif target_tok is not None and target_tok.kind == "pname":
                prefix, _, local = target_tok.value.partition(":")
                target = _resolve(prefix, local, prefixes)
            elif target_tok is not None and target_tok.kind == "var":
                shown = f"?{target_tok.value}"
            refs.append(Reference(keyword, target, shown))
    return refs, updates


# -- the parser -------------------------------------------------------------------------
def _parser_references(text: str) -> list[Reference] | None:
    """SERVICE/FROM references in rdflib's parse tree; None when rdflib cannot parse it."""
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        from rdflib.plugins.sparql.parser import parseQuery

        tree = parseQuery(text)
    except Exception:  # pyparsing, recursion and assorted errors: rdflib cannot read it
        return None
    prefixes = {k: str(v) for k, v in V.PREFIXES.items()}
    base: str | None = None
    for decl in tree[0]:
        if decl.name == "Base":
            base = str(decl["iri"])
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


# -- the decision -------------------------------------------------------------------------
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
    _check_cached(sparql, allow)


@lru_cache(maxsize=256)
def _check_cached(sparql: str, allow: AllowList) -> None:
    lexed = lex(sparql)
    lex_refs, updates = _lexer_references(lexed)
    if updates:
        word = updates[0].value.upper()
        raise QueryRefusedError(
            f"{word} is SPARQL Update: kg query/sparql only read the store (rebuild it with `kg build`)"
        )
    if lexed.clean and not lexed.suspicious and not lex_refs:
        return  # no SERVICE/FROM token anywhere: nothing to check
    tree_refs = _parser_references(sparql)
    if tree_refs is None:
        if _is_update(sparql):
            raise QueryRefusedError("SPARQL Update: kg query/sparql only read the store (rebuild it with `kg build`)")
        if not lexed.clean:
            raise QueryError("malformed query: unterminated string literal")
        if lexed.suspicious and not allow.everything:
            raise QueryRefusedError(
                "cannot verify this query's SERVICE/FROM clauses (a keyword is glued to a name); "
                "write them as SERVICE <iri> / FROM <iri>"
            )
        for ref in lex_refs:
            _refuse_reference(ref, allow)
        return
    for ref in tree_refs + lex_refs:
        _refuse_reference(ref, allow)
    if lexed.clean and not allow.everything:
        for keyword in ("SERVICE", "FROM"):
            seen_by_lexer = sum(1 for r in lex_refs if r.keyword.startswith(keyword))
            seen_by_parser = sum(1 for r in tree_refs if r.keyword.startswith(keyword))
            if seen_by_lexer > seen_by_parser:
                raise QueryRefusedError(
                    f"cannot verify this query's {keyword} clauses (parsers disagree); simplify the query"
                )


__all__ = ["AllowList", "Reference", "check_query", "lex", "ENV_VAR", "UPDATE_KEYWORDS"]
