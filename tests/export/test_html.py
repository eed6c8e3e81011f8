"""The HTML view: self-contained, escaped, and (in a real headless Chromium) drawn offline and inert."""

from __future__ import annotations

import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.export.api import export_view
from kg.export.graphview import to_networkx
from kg.export.html import render_html
from kg.export.views import run_view

from .conftest import HOSTILE_TITLE

# Debian's chromium (apt-get install chromium, as .ci/run does), driven by the playwright
# package from the test extra; Playwright's own browser download is never used.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# --disable-dev-shm-usage: containers often give /dev/shm only 64 MB, where Chromium crashes.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
#: Set to 1 (as .ci/run does) to make a missing chromium a failure instead of a skip.
REQUIRE_BROWSER = "KG_REQUIRE_BROWSER"


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


def _require_chromium(executable: str | None) -> str:
    """The chromium to drive; skips without one, unless KG_REQUIRE_BROWSER=1 makes that a failure."""
    if executable is None:
        reason = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(f"{reason}, and {REQUIRE_BROWSER}=1 forbids skipping the browser tests")
        pytest.skip(reason)
    return executable


@contextmanager
def _open(path: Path, ready: str | None = "window.kgView && window.kgView.ready"):
    """Open ``path`` in headless Chromium; yields (page, requests, dialogs, errors).

    ``requests`` holds every URL the page asked for (non-file ones are aborted, so nothing
    leaves the machine even when a check fails); ``dialogs`` every alert/confirm/prompt;
    ``errors`` uncaught exceptions and console errors (a Content-Security-Policy refusal, e.g.
    of an injected handler, is reported there; cytoscape's console warnings are not errors).
    """
    executable = _require_chromium(CHROMIUM)
    # playwright is in the test extra: missing, it is an error, not a reason to skip.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            requests: list[str] = []
            dialogs: list[str] = []
            errors: list[str] = []
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                          else route.abort())
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}")
                    if m.type == "error" else None)
            page.goto(path.as_uri())
            if ready:
                # Polled from here: the page's CSP forbids eval, which wait_for_function relies on.
                deadline = time.monotonic() + 30
                while not page.evaluate(f"!!({ready})"):
                    assert time.monotonic() < deadline, f"{path.name} never became ready: {errors}"
                    page.wait_for_timeout(100)
            yield page, requests, dialogs, errors
        finally:
            browser.close()


def test_missing_chromium_skips_unless_the_browser_is_required(monkeypatch):
    monkeypatch.delenv(REQUIRE_BROWSER, raising=False)
    with pytest.raises(pytest.skip.Exception):
        _require_chromium(None)
    monkeypatch.setenv(REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_BROWSER):
        _require_chromium(None)
    assert _require_chromium("/usr/bin/chromium") == "/usr/bin/chromium"


def test_the_browser_checks_catch_a_page_that_misbehaves(tmp_path):
    # The checks below must be able to fail: a page without escaping or CSP that pops a
    # dialog, logs an error and asks the network for something is seen doing all three.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>bad</title><body>" + HOSTILE_TITLE
                   + "<script>console.error('boom'); fetch('https://example.invalid/x').catch(() => {});"
                   "</script></body>", encoding="utf-8")
    with _open(bad, ready=None) as (page, requests, dialogs, errors):
        page.wait_for_timeout(500)
        assert page.evaluate("document.querySelectorAll('img').length") == 1
        assert dialogs  # alert(2) from the injected script element, alert(1) from onerror
        assert any("boom" in e for e in errors)
        assert "https://example.invalid/x" in requests
        assert requests[0] == bad.as_uri() and len(requests) > 1


def test_demo_trials_view_renders_offline_in_chromium(demo_store, tmp_path):
    out = tmp_path / "trials.html"
    result = export_view(demo_store, "trials-overview", out)
    view = to_networkx(run_view(demo_store, "trials-overview"))
    with _open(out) as (page, requests, dialogs, errors):
        assert page.evaluate("window.kgView.cy.nodes().length") == view.number_of_nodes() == result.nodes > 0
        assert page.evaluate("window.kgView.cy.edges().length") == view.number_of_edges() == result.edges
        # every node is drawn: visible, with a size and a finite position
        assert page.evaluate("""() => window.kgView.cy.nodes().filter(n => n.visible()
            && n.renderedWidth() > 0 && Number.isFinite(n.renderedPosition('x'))).length""") == result.nodes
        # something is drawn on cytoscape's canvases
        painted = page.evaluate("""() => Array.from(document.querySelectorAll('#cy canvas')).some(c => {
            const ctx = c.getContext('2d'); if (!ctx || !c.width || !c.height) return false;
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; })""")
        assert painted
        legend = page.inner_text("#legend")
        assert "kg:Trial" in legend and "kg:Drug" in legend
        expected = sum("peking union" in f"{d['label']} {d['curie']} {d['type']}".lower()
                       for _, d in view.nodes(data=True))
        page.fill("#search", "Peking Union")
        assert expected and page.inner_text("#matches").startswith(f"{expected} match")
        assert requests == [out.as_uri()]
        assert dialogs == [] and errors == []


def test_injected_markup_shows_as_text_and_runs_nothing_in_chromium(small_store, tmp_path):
    out = tmp_path / "hostile.html"
    export_view(small_store, "conflicts-network", out)
    with _open(out) as (page, requests, dialogs, errors):
        node_id = "https://w3id.org/kg/id/trial/NCT90000002"
        # the page's graph data carries the title verbatim (it was escaped only in transit)
        props = page.evaluate("id => window.kgView.cy.getElementById(id).data('props')", node_id)
        assert props["kg:title"] == HOSTILE_TITLE
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
