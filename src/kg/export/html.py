"""The interactive HTML view: one self-contained, offline page drawing a graph view with cytoscape.js.

cytoscape.js (MIT, from the npm registry, ``assets/cytoscape.min.js``) is inlined, so the
page makes no network request; its Content-Security-Policy allows only its own two
scripts (by hash) and no fetches at all. The graph travels as a JSON data block whose
``<``, ``>`` and ``&`` are escaped, and the page's script writes every text with
``textContent`` or as a canvas label: a title such as ``<img src=x onerror=alert(1)>`` is
shown as that text and runs nothing.

>>> _json_for_script({"t": "</script><b>"})
'{"t": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kg.export.formats import cytoscape_elements
from kg.export.style import type_colour

#: Above this many nodes the page warns and lays the graph out on a grid (force layouts crawl).
DEFAULT_NODE_CAP = 1500
#: Up to this many nodes the force-directed layout (cose) is used.
FORCE_LAYOUT_MAX = 600
_SHORT_LABEL = 40


def _asset(name: str) -> str:
    return (resources.files("kg.export") / "assets" / name).read_text(encoding="utf-8")


def _json_for_script(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or JS line separators."""
    text = json.dumps(value, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _script_hash(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _payload(view: nx.MultiDiGraph, title: str, node_cap: int, hint: str) -> dict[str, Any]:
    elements = cytoscape_elements(view)
    base = {"id", "label", "curie", "iri", "type", "types"}
    nodes = []
    for el in elements["nodes"]:
        d = el["data"]
        label = str(d.get("label", d["id"]))
        nodes.append({"data": {
            **{k: d[k] for k in base if k in d},
            "short": label if len(label) <= _SHORT_LABEL else label[: _SHORT_LABEL - 1] + "…",
            "props": {k: v for k, v in d.items() if k not in base},
        }})
    counts = Counter(str(a["type"]) for _, a in view.nodes(data=True))
    n = view.number_of_nodes()
    warning = ""
    if n > node_cap:
        warning = (f"This view has {n} nodes, more than the {node_cap} this page draws comfortably; "
                   f"it is laid out on a grid and may be slow. {hint}")
    return {
        "title": title,
        "nodes": nodes,
        "edges": elements["edges"],
        "types": [{"type": t, "count": c, "colour": type_colour(t)} for t, c in sorted(counts.items())],
        "layout": "cose" if n <= min(FORCE_LAYOUT_MAX, node_cap) else "grid",
        "warning": warning,
    }


def render_html(view: nx.MultiDiGraph, title: str, *, node_cap: int = DEFAULT_NODE_CAP,
                hint: str = "Export a narrower view (e.g. trial-neighbourhood -p trial NCT…).") -> str:
    """The whole page as one string."""
    library = _asset("cytoscape.min.js")
    app = _asset("view.js")
    # A "</script" inside the inlined code would end its element early.
    library = library.replace("</script", "<\\/script")
    app = app.replace("</script", "<\\/script")
    # Split the template at its three content slots first, so that no text from the graph
    # or the code is ever scanned for placeholders.
    head, _, rest = _asset("view.html").partition("__KG_DATA__")
    between, _, rest = rest.partition("__KG_CYTOSCAPE__")
    before_app, _, tail = rest.partition("__KG_APP__")
    head = head.replace("__KG_SCRIPT_HASHES__", f"{_script_hash(library)} {_script_hash(app)}")
    head = head.replace("__KG_TITLE__", html.escape(title))
    data = _json_for_script(_payload(view, title, node_cap, hint))
    return head + data + between + library + before_app + app + tail


def write_html(view: nx.MultiDiGraph, path: Path, title: str, node_cap: int = DEFAULT_NODE_CAP) -> None:
    path.write_text(render_html(view, title, node_cap=node_cap), encoding="utf-8")
