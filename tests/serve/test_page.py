"""The query page in a real headless Chromium: YASGUI loads from this server, a typed query runs and
its rows are shown, the named queries open as tabs, and the page asks no other host for anything."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ..export.test_html import CHROMIUM, CHROMIUM_ARGS, _require_chromium

TYPED = ("SELECT ?t ?title WHERE { ?t a <https://w3id.org/kg/ontology#Trial> ; "
         "<https://w3id.org/kg/ontology#title> ?title } ORDER BY ?t")


def _wait(page, condition: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"!!({condition})"):
        assert time.monotonic() < deadline, f"never true: {condition}"
        page.wait_for_timeout(100)


def test_a_typed_query_runs_and_shows_its_rows_offline(client):
    executable = _require_chromium(CHROMIUM)
    from playwright.sync_api import sync_playwright

    base = str(client.base_url).rstrip("/") + "/"
    here = urlsplit(base).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            requests: list[str] = []
            errors: list[str] = []
            # Anything not for this server is recorded and aborted: nothing leaves the machine
            # even when the check below fails.
            context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == here
                          else route.abort())
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.goto(base)
            _wait(page, "window.kgPage && window.kgPage.ready")
            # the endpoint is preset to this server
            assert page.evaluate("window.kgYasgui.getTab().getEndpoint()") == base + "sparql"
            # type the query into the editor as a person would, and run it
            page.click(".CodeMirror")
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type(TYPED)
            assert page.evaluate("window.kgYasgui.getTab().getYasqe().getValue()") == TYPED
            page.click(".yasqe_queryButton")
            _wait(page, "document.querySelectorAll('.yasr table tbody tr').length >= 4")
            shown = page.evaluate("document.querySelector('.yasr table tbody').innerText")
            for trial in ("NCT01670565", "NCT04660565", "NCT04893161", "NCT05974683"):
                assert trial in shown
            assert "Belimumab Treatment for IgG4-related Disease" in shown
            # the named queries are offered: one opens as a tab with its SPARQL
            assert page.evaluate("document.querySelectorAll('#kg-examples button').length") == \
                len(client.get("/queries").json()["queries"])
            page.click("#kg-examples button[data-query='comparable-trials']")
            _wait(page, "window.kgYasgui.getTab().getName() === 'comparable-trials'")
            assert "kg:Comparability" in page.evaluate("window.kgYasgui.getTab().getYasqe().getValue()") or \
                "kg:trialA" in page.evaluate("window.kgYasgui.getTab().getYasqe().getValue()")
            page.wait_for_timeout(300)
            assert errors == []
            outside = [u for u in requests if urlsplit(u).netloc != here]
            # The check must be able to fail: a script asking another host is recorded (on a
            # JSON answer, which has no Content-Security-Policy to stop it).
            page.goto(base + "openapi.json")
            page.evaluate("fetch('https://prefix.cc/popular/all.file.json').catch(() => null)")
            page.wait_for_timeout(300)
            assert "https://prefix.cc/popular/all.file.json" in requests
        finally:
            browser.close()
    assert outside == [], outside
    assert base + "sparql" in requests and base + "static/yasgui.min.js" in requests
