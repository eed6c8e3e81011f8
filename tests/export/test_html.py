"""The HTML view: self-contained, escaped, and (in a real headless Chromium) drawn offline and inert."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kg.export.api import export_view
from kg.export.graphview import to_networkx
from kg.export.html import render_html
from kg.export.views import run_view

from .conftest import HOSTILE_TITLE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_page_is_self_contained_and_escapes_every_text(small_store):
    page = render_html(to_networkx(run_view(small_store, "whole-graph")), "t <b>&")
    assert "<title>t &lt;b&gt;&amp;</title>" in page
    # no external resource: no src/href attribute pointing anywhere
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:|//)""", page, re.I)
    assert "cytoscape" in page and len(page) > 300_000  # the library is inlined
    # the hostile title appears only as escaped JSON, never as markup
    assert HOSTILE_TITLE not in page
    assert "<img" not in page.lower()
    assert page.count("<script") == 3 and page.count("</script>") == 3
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_node_cap_warns_and_suggests_a_narrower_view(small_store, tmp_path):
    out = tmp_path / "w.html"
    result = export_view(small_store, "whole-graph", out, node_cap=5)
    assert any("narrower" in w for w in result.warnings)
    page = out.read_text(encoding="utf-8")
    assert "more than the 5 this page draws comfortably" in page
    assert '"layout": "grid"' in page


def _browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (PyPI) is not installed")
    return sync_api


def _open(path: Path):
    """Open ``path`` in headless Chromium; yields (page, requests, dialogs, errors)."""
    sync_api = _browser()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            dialogs: list[str] = []
            errors: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_function("window.kgView && window.kgView.ready", timeout=30_000)
            yield page, requests, dialogs, errors
        finally:
            browser.close()


def test_demo_trials_view_renders_offline_in_chromium(demo_store, tmp_path):
    out = tmp_path / "trials.html"
    result = export_view(demo_store, "trials-overview", out)
    for page, requests, dialogs, errors in _open(out):
        assert page.evaluate("window.kgView.cy.nodes().length") == result.nodes > 0
        assert page.evaluate("window.kgView.cy.edges().length") == result.edges
        # something is drawn on cytoscape's canvases
        painted = page.evaluate("""() => Array.from(document.querySelectorAll('#cy canvas')).some(c => {
            const ctx = c.getContext('2d'); if (!ctx || !c.width || !c.height) return false;
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; })""")
        assert painted
        legend = page.inner_text("#legend")
        assert "kg:Trial" in legend and "kg:Drug" in legend
        view = to_networkx(run_view(demo_store, "trials-overview"))
        expected = sum("peking union" in f"{d['label']} {d['curie']} {d['type']}".lower()
                       for _, d in view.nodes(data=True))
        page.fill("#search", "Peking Union")
        assert expected and page.inner_text("#matches").startswith(f"{expected} match")
        assert requests == [out.as_uri()]
        assert dialogs == [] and errors == []


def test_injected_markup_shows_as_text_and_runs_nothing_in_chromium(small_store, tmp_path):
    out = tmp_path / "hostile.html"
    export_view(small_store, "conflicts-network", out)
    for page, requests, dialogs, errors in _open(out):
        node_id = "https://w3id.org/kg/id/trial/NCT90000002"
        page.evaluate("id => window.kgView.showDetails(window.kgView.cy.getElementById(id))", node_id)
        details = page.inner_text("#details")
        assert HOSTILE_TITLE in details
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("document.querySelectorAll('script').length") == 3
        # conflicts are drawn as red edges
        colours = page.evaluate("window.kgView.cy.edges('[?conflict]').map(e => e.style('line-color'))")
        assert colours and all(c in ("rgb(214,39,40)", "#d62728") for c in colours)
        page.wait_for_timeout(200)
        assert dialogs == [] and errors == []
        assert requests == [out.as_uri()]
