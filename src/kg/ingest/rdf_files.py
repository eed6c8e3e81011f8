"""Reading an RDF file a user gives kg (an ontology for ``kg link``): its own bytes, nothing fetched.

rdflib, left to itself, fetches a JSON-LD ``@context`` or ``@import`` given as a URL (and
reads one given as ``file://``) and opens whatever the input source names. Here the file
is read by kg and handed to rdflib as data, and what could reach further is refused first:

* JSON-LD: a ``@context`` that is (or lists) a URL or path, and any ``@import``, are refused —
  only contexts written inline are used;
* RDF/XML and TriX: a DOCTYPE with an external identifier (external DTD), an external or
  parameter entity, a notation or unparsed entity are refused; plain internal entities (the
  ``<!ENTITY owl "http://www.w3.org/2002/07/owl#">`` abbreviations OWL tools write) stay,
  their expansion bounded by expat's amplification limit (billion laughs);
* Turtle, N-Triples, N3, TriG, N-Quads fetch nothing (``@base`` only resolves names, and
  rdflib never follows ``owl:imports``).

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> p = Path(d, "x.jsonld"); _ = p.write_text('{"@context": "http://127.0.0.1:9/c", "@id": "http://x/a"}')
>>> parse_rdf_file(p)
Traceback (most recent call last):
...
kg.errors.InputError: ...x.jsonld: remote JSON-LD contexts are refused (@context "http://127.0.0.1:9/c"); write the context inline
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.parsers import expat

from rdflib import Graph
from rdflib.util import guess_format

from kg.errors import InputError

_XML_FORMATS = {"xml", "application/rdf+xml", "trix"}


class _Refused(Exception):
    """Raised from an expat handler to stop at the first refused declaration."""


def parse_rdf_file(path: str | Path, graph: Graph | None = None) -> Graph:
    """The triples of a local RDF file (syntax from its name, as rdflib guesses it; Turtle otherwise).

    Raises :class:`~kg.errors.InputError` for what would fetch or read anything else.
    """
    p = Path(path)
    g = graph if graph is not None else Graph()
    fmt = guess_format(p.name) or "turtle"
    data = p.read_bytes()
    if fmt == "json-ld":
        _check_jsonld(data, p)
    elif fmt in _XML_FORMATS:
        _check_xml(data, p)
    # data=, never the path: rdflib then has no location to open or to resolve contexts against.
    g.parse(data=data, format=fmt, publicID=p.resolve().as_uri())
    return g


def _check_jsonld(data: bytes, p: Path) -> None:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise InputError(f"{p}: nested too deeply to read") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not JSON-LD: {exc}") from None
    for key, value in _keyed(doc):
        if key == "@import":
            raise InputError(f"{p}: JSON-LD @import is refused ({json.dumps(value)[:80]}); write the context inline")
        if key == "@context":
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    raise InputError(f"{p}: remote JSON-LD contexts are refused (@context {json.dumps(item)[:80]}); "
                                     "write the context inline")


def _keyed(doc: Any) -> Any:
    """(key, value) of every object member at any depth, without recursion."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                yield k, v
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)


def _check_xml(data: bytes, p: Path) -> None:
    """One expat pass with nothing loadable: refuse external declarations, bound expansion."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if system_id or public_id:
            raise _Refused(f"an external DTD ({system_id or public_id})")

    def entity(name: str, is_parameter: int, value: str | None, base: str | None, system_id: str | None,
               public_id: str | None, notation: str | None) -> None:
        if is_parameter:
            raise _Refused(f"a parameter entity (%{name};)")
        if system_id or public_id or notation:
            raise _Refused(f"an external entity (&{name}; -> {system_id or public_id})")

    def notation(*_: object) -> None:
        raise _Refused("a notation declaration")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.NotationDeclHandler = notation
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise InputError(f"{p}: XML with {exc} is refused: external DTDs and entities are never read") from None
    except expat.ExpatError as exc:
        # Includes expat's own refusal of billion-laughs style amplification.
        raise InputError(f"{p}: unreadable or refused XML: {exc}") from None
