"""briefgen serve in a real browser: headless Chromium (Debian's package) driven by Playwright.

The test never reloads the page itself: what it sees after an edit comes from
the live-reload script the server injects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.serve.session import PreviewSession, PreviewSettings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
WAIT_MS = 8000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); "
                                       ".ci/run installs it")

BRIEFING = """\
---
title: First call
date: 2021-01-26
leaders: [Joe Biden, Vladimir Putin]
---
The two presidents agreed to extend the treaty.
"""


class QuietLog:
    def info(self, message: str) -> None:
        pass

    def diagnostics(self, diagnostics) -> None:
        pass


@pytest.fixture
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras (playwright) are not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30000)
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def test_the_open_page_follows_edits_errors_and_fixes(make_site, browser_page):
    site = make_site({"site.yaml": "title: Desk\nbase_url: https://user.github.io/repo/\n",
                      "content/briefings/first-call.md": BRIEFING})
    source = site / "content/briefings/first-call.md"
    with PreviewSession(PreviewSettings(site, port=0), QuietLog()).serve_in_background() as session:
        page = browser_page
        page.goto(session.url + "briefings/first-call/")
        page.get_by_text("agreed to extend the treaty").first.wait_for()
        page.evaluate("window.briefgenTestMarker = 1")  # gone after a reload: proves the page reloaded itself
        # No need to wait for the event stream: on connecting it is told the current build, and a
        # page older than that reloads at once.

        source.write_text(BRIEFING.replace("extend the treaty", "meet in Geneva"), encoding="utf-8")
        page.get_by_text("agreed to meet in Geneva").first.wait_for()
        assert page.evaluate("window.briefgenTestMarker") is None

        source.write_text(BRIEFING.replace("title: First call", "title: [unclosed"), encoding="utf-8")
        overlay = page.locator("#briefgen-errors")
        overlay.wait_for(state="visible")
        assert "content/briefings/first-call.md:" in overlay.inner_text()
        assert "agreed to meet in Geneva" in page.content()  # the last good page, under the overlay

        source.write_text(BRIEFING.replace("extend the treaty", "keep talking"), encoding="utf-8")
        page.get_by_text("agreed to keep talking").first.wait_for()
        assert page.locator("#briefgen-errors").count() == 0

