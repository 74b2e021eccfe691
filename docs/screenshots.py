#!/usr/bin/env python3
"""Take the README's screenshots of the sample site in headless Chromium.

    .venv/bin/python docs/screenshots.py

Builds the sample site into a temporary folder, serves it on 127.0.0.1 and
saves home, briefing and entity pages at a desktop and a phone width as PNGs
beside this script. Needs Playwright (the test extras) and /usr/bin/chromium.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PAGES = {
    "home": "",
    "briefing": "briefings/geneva-summit-2021/",
    "entity": "leaders/vladimir-putin/",
}
# (name, viewport width, height shown): a laptop and a small phone.
WIDTHS = [("desktop", 1280, 900), ("phone", 360, 780)]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def build_sample(out: Path) -> None:
    subprocess.run([sys.executable, "-m", "briefgen", "build", "--out", str(out), "--base-url",
                    "http://127.0.0.1/"], cwd=REPO, check=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "_site"
        build_sample(out)
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for width_name, width, height in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
                    for name, path in PAGES.items():
                        page.goto(base + path)
                        target = DOCS / f"screenshot-{name}-{width_name}.png"
                        page.screenshot(path=str(target))
                        print(f"{target.relative_to(REPO)}: {target.stat().st_size // 1024} KB")
                    page.close()
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
