r"""Named queries: the ``queries/*.rq`` files, their headers, and running them with bound parameters.

A query file starts with a header of comment lines::

    # @summary One line saying what the query answers.
    # @param trial trial required The trial: an NCT ID, a CURIE or an IRI.
    # @param limit limit optional=10 How many rows (type ``limit``: applied to the result rows).

``@param NAME TYPE required|optional[=DEFAULT] DESCRIPTION``. The parameter's value is
resolved by its type (see :mod:`kg.query.params`) and bound to the variable ``?NAME``
through the store's substitution mechanism: it is never pasted into the query text.

A pattern line ending in the comment ``# @if NAME`` is kept only when the optional
parameter ``NAME`` is given. It lets one file answer both "all pairs" and "the pairs of
one trial" without a DISTINCT over doubled rows (decision 0011): the line's *presence*
depends on whether a value was given, the value itself is still only ever bound. A line
ending in ``# @unless NAME`` is kept only when ``NAME`` is not given (a different join
plan for "all pairs", say).

>>> only_given("SELECT * WHERE {\n ?c kg:trialA ?trial  # @if trial\n ?c ?p ?o }", set())
'SELECT * WHERE {\n ?c ?p ?o }'
>>> only_given("SELECT * WHERE {\n ?c kg:trialA ?trial  # @if trial\n ?c ?p ?o  # @unless trial\n}", {"trial"})
'SELECT * WHERE {\n ?c kg:trialA ?trial  # @if trial\n}'
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib.query import Result

from kg.errors import ParameterError, QueryError, QueryTimeoutError
from kg.query.guard import AllowList
from kg.query.limits import ENV_VAR, forkable, resolve_timeout, run_with_limit, user_query
from kg.query.params import resolve_param

_PARAM_RE = re.compile(r"^#\s*@param\s+(\S+)\s+(\S+)\s+(required|optional(?:=(\S+))?)\s*(.*)$")
_IF_RE = re.compile(r"#\s*@(if|unless)\s+([A-Za-z_][A-Za-z0-9_]*)\s*$")


def only_given(text: str, given: set[str]) -> str:
    """``text`` without the ``# @if NAME`` lines whose parameter is not in ``given`` and
    the ``# @unless NAME`` lines whose parameter is."""
    kept = []
    for line in text.splitlines(keepends=True):
        m = _IF_RE.search(line)
        if m is None or (m.group(2) in given) == (m.group(1) == "if"):
            kept.append(line)
    return "".join(kept)


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool
    default: str | None
    description: str
    #: The default applies only when this other parameter is given (``optional=5@trial``).
    default_when: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    """A query file: name, summary, parameters and SPARQL text."""

    name: str
    summary: str
    params: tuple[Param, ...]
    text: str
    path: str
    view: bool = False
    #: A parameter given twice fills another: ``{"trial": "other"}`` reads ``-p trial A -p trial B``
    #: as ``-p trial A -p other B`` (a ``# @repeat trial other`` header line).
    repeats: dict[str, str] = field(default_factory=dict)

    def bind_pairs(self, pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> dict[str, str]:
        """Parameters as given on a command line (``-p KEY VALUE``, in order) as one value per name;
        a name given twice is an error unless the query says which parameter the second fills.

        >>> q = NamedQuery("q", "s", (), "", "", repeats={"trial": "other"})
        >>> q.bind_pairs([("trial", "A"), ("trial", "B")])
        {'trial': 'A', 'other': 'B'}
        >>> q.bind_pairs([("limit", "1"), ("limit", "2")])
        Traceback (most recent call last):
        ...
        kg.errors.ParameterError: query 'q': -p limit given twice
        """
        out: dict[str, str] = {}
        for key, value in pairs:
            if key in out:
                second = self.repeats.get(key)
                if second is None or second in out:
                    raise ParameterError(f"query {self.name!r}: -p {key} given {'twice' if second is None else 'too often'}")
                out[second] = value
            else:
                out[key] = value
        return out


@dataclass
class QueryRun:
    """A named query's result with the parameter values it ran with."""

    query: NamedQuery
    result: Result
    bindings: dict[str, object] = field(default_factory=dict)


def parse_header(text: str, name: str, path: str = "", view: bool = False) -> NamedQuery:
    """Read a query file's header; a file without ``@summary`` is an error."""
    summary = ""
    params: list[Param] = []
    repeats: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("#"):
            if s:
                break
            continue
        if s.startswith("# @summary") or s.startswith("#@summary"):
            summary = s.split("@summary", 1)[1].strip()
        elif "@repeat" in s:
            words = s.split("@repeat", 1)[1].split()
            if len(words) != 2:
                raise QueryError(f"{path or name}: malformed @repeat line (want '# @repeat NAME SECOND'): {s}")
            repeats[words[0]] = words[1]
        elif "@param" in s:
            if "(none)" in s:
                continue
            m = _PARAM_RE.match(s)
            if not m:
                raise QueryError(f"{path or name}: malformed @param line: {s}")
            pname, ptype, req, default, desc = m.groups()
            when = None
            if default and "@" in default:
                default, when = default.split("@", 1)
            params.append(Param(pname, ptype, req == "required", default, desc.strip(), when))
    if not summary:
        raise QueryError(f"{path or name}: query file has no '# @summary' header line")
    optional = {p.name for p in params if not p.required and p.default is None}
    for line in text.splitlines():
        m = _IF_RE.search(line)
        if m and m.group(2) not in optional:
            raise QueryError(f"{path or name}: '# @{m.group(1)} {m.group(2)}' names no optional parameter without a default")
    declared = {p.name for p in params}
    for first, second in repeats.items():
        if first not in declared or second not in declared:
            raise QueryError(f"{path or name}: '# @repeat {first} {second}' names an undeclared parameter")
    return NamedQuery(name=name, summary=summary, params=tuple(params), text=text, path=path, view=view,
                      repeats=repeats)


def load_queries(extra_dir: str | Path | None = None) -> dict[str, NamedQuery]:
    """All named queries shipped in the package (``queries/*.rq``, views in ``queries/views``)."""
    root = resources.files("kg") / "queries"
    found: dict[str, NamedQuery] = {}
    entries = [(e, False) for e in root.iterdir()]
    views = root / "views"
    if views.is_dir():
        entries += [(e, True) for e in views.iterdir()]
    if extra_dir is not None:
        entries += [(e, False) for e in Path(extra_dir).iterdir()]
    for entry, is_view in sorted(entries, key=lambda x: x[0].name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            found[name] = parse_header(entry.read_text(encoding="utf-8"), name, str(entry), is_view)
    return found


@lru_cache(maxsize=1)
def _shipped_queries() -> dict[str, NamedQuery]:
    # The package's query files do not change while kg runs: read them once.
    return load_queries()


def get_query(name: str) -> NamedQuery:
    queries = _shipped_queries()
    if name not in queries:
        close = [q for q in queries if name.lower() in q or q in name.lower()]
        hint = f" (did you mean: {', '.join(close)})" if close else ""
        raise QueryError(f"no query named {name!r}{hint}; `kg queries` lists them")
    return queries[name]


#: Parameter types whose value becomes a term without reading the store.
_PURE_TYPES = frozenset({"string", "integer", "decimal", "limit", "conflict_kind", "iri"})


def _resolve_all(store: object, todo: list[tuple[str, str, str]]) -> dict[str, object]:
    """Each ``(name, type, raw)`` resolved to its term (kept picklable: it may cross a fork)."""
    return {name: resolve_param(store, ptype, name, raw) for name, ptype, raw in todo}


def run_named(
    store: object,
    name: str,
    params: dict[str, str] | None = None,
    *,
    timeout: float | None = None,
    allow: AllowList | None = None,
) -> QueryRun:
    """Run named query ``name`` on ``store`` with raw parameter values (strings).

    The query is checked by the guard, and one time limit (``timeout`` seconds, else
    ``KG_QUERY_TIMEOUT``, else 30 s; see :func:`kg.query.limits.user_query`) covers all of
    its work: the lookups that turn names into terms run in a time-limited child first (a
    name lookup can scan the store), the query gets what is left of the limit."""
    query = get_query(name)
    given = dict(params or {})
    declared = {p.name: p for p in query.params}
    unknown = set(given) - set(declared)
    if unknown:
        allowed = ", ".join(declared) or "none"
        raise ParameterError(f"query {name!r} has no parameter {', '.join(sorted(unknown))} (parameters: {allowed})")
    limit = resolve_timeout(timeout)
    started = time.monotonic()
    pure: list[tuple[str, str, str]] = []
    lookups: list[tuple[str, str, str]] = []
    for p in query.params:
        raw = given.get(p.name, p.default if p.default_when is None or p.default_when in given else None)
        if raw is None:
            if p.required:
                raise ParameterError(f"query {name!r} needs -p {p.name} VALUE ({p.description})")
            continue
        (pure if p.type in _PURE_TYPES else lookups).append((p.name, p.type, raw))
    values = _resolve_all(store, pure)
    if lookups and getattr(store, "remote", False):
        # an endpoint's lookups are requests, each under the client's limit; a sandboxed
        # child would have no network to make them
        values.update(_resolve_all(store, lookups))
    elif lookups:
        with forkable(store) as reader:  # never a child forked to read through a writer
            values.update(run_with_limit(lambda: _resolve_all(reader, lookups), limit))
    bindings: dict[str, object] = {}
    row_limit: int | None = None
    for p in query.params:
        if p.name not in values:
            continue
        if p.type == "limit":
            row_limit = int(values[p.name])  # type: ignore[call-overload]  # applied to the rows below
        else:
            bindings[p.name] = values[p.name]
    text = only_given(query.text, set(bindings))
    left = limit - (time.monotonic() - started)
    try:
        if left <= 0:
            raise QueryTimeoutError("no time left after the parameter lookups")
        result = user_query(store, text, bindings, timeout=left, allow=allow)  # type: ignore[arg-type]
    except QueryTimeoutError:
        # one limit for the whole query: say it as the user set it, not what was left of it
        raise QueryTimeoutError(
            f"query stopped after {limit:g} s (time limit; raise it with --timeout or {ENV_VAR})"
        ) from None
    if row_limit is not None and result.type == "SELECT":
        result.bindings = list(result.bindings)[:row_limit]
    return QueryRun(query=query, result=result, bindings=bindings)
