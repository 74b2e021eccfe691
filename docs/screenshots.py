#!/usr/bin/env python3
"""Take the README's screenshots of the sample site in headless Chromium.

    .venv/bin/python docs/screenshots.py

Builds the sample site into a temporary folder (English, with its Russian
tree under /ru/), and again with Arabic as its first language (right to left,
its English text shown in an Arabic layout), serves them on 127.0.0.1
and saves pages at a desktop and a phone width, in the light and the dark
scheme, as PNGs beside this script. Each PNG is reduced to a palette of a few
dozen colours (Pillow), which text and flat colours survive unharmed, so that
the whole set stays a few hundred KB. Needs Playwright (the test extras),
Pillow and /usr/bin/chromium.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

from PIL import Image
from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
SAMPLE_PARTS = ("site.yaml", "content", "static", "templates", "translations")  # what a site folder may hold
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORTS = {"desktop": (1280, 860), "phone": (360, 760)}  # a laptop and a small phone
COLOURS = 32  # the palette each PNG is reduced to


class Shot(NamedTuple):
    page: str  # the file's name part: home, briefing, …
    path: str  # under the site's root
    language: str
    viewport: str  # a key of VIEWPORTS
    scheme: str  # light or dark

    @property
    def file(self) -> Path:
        language = "" if self.language == "en" else f"-{self.language}"
        scheme = "" if self.scheme == "light" else "-dark"
        return DOCS / f"screenshot-{self.page}{language}-{self.viewport}{scheme}.png"


ENGLISH_PAGES = {"home": "", "briefing": "briefings/geneva-summit-2021/", "index": "treaties/",
                 "entity": "leaders/vladimir-putin/"}
SCHEMES = {"home": ("light", "dark"), "briefing": ("light", "dark"), "index": ("light", "dark"), "entity": ("light",)}
SHOTS = [Shot(page, path, "en", viewport, scheme) for page, path in ENGLISH_PAGES.items()
         for viewport in VIEWPORTS for scheme in SCHEMES[page]] + [
    Shot("briefing", ENGLISH_PAGES["briefing"], language, viewport, scheme)
    for language in ("ru", "ar") for viewport, scheme in (("desktop", "light"), ("phone", "dark"))]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# Where each language's pages are served: Russian is the sample's own tree; Arabic a build of its own.
BUILD_OF = {"en": "en", "ru": "en", "ar": "ar"}
TREE_OF = {"en": "", "ru": "ru/", "ar": ""}


def build_sample(language: str, out: Path, base_url: str, scratch: Path) -> None:
    """The sample site built with `language` first (a copy of it with site.yaml's `languages:` changed)."""
    site = scratch / f"site-{language}"
    for part in SAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, site / part)
        elif source.is_file():
            site.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, site / part)
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^languages: \[en,", f"languages: [{language},", text)
    assert changed != text or language == "en", "the sample's site.yaml names its languages"
    config.write_text(changed, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "briefgen", "build", "--quiet", "--no-cache", "--out", str(out),
                    "--base-url", base_url], cwd=site, check=True)


def shrink(path: Path) -> None:
    """The screenshot as a palette PNG: a fraction of the bytes of a true-colour one."""
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        served = Path(tmp) / "served"
        served.mkdir()
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(served)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        origin = f"http://127.0.0.1:{server.server_port}/"
        try:
            for build in sorted({BUILD_OF[shot.language] for shot in SHOTS}):
                build_sample(build, served / build, f"{origin}{build}/", Path(tmp))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for shot in SHOTS:
                    width, height = VIEWPORTS[shot.viewport]
                    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1,
                                            color_scheme=shot.scheme)
                    page.goto(f"{origin}{BUILD_OF[shot.language]}/{TREE_OF[shot.language]}{shot.path}", wait_until="load")
                    page.screenshot(path=str(shot.file))
                    page.close()
                    shrink(shot.file)
                    print(f"{shot.file.relative_to(REPO)}: {shot.file.stat().st_size // 1024} KB")
                browser.close()
        finally:
            server.shutdown()
    total = sum(shot.file.stat().st_size for shot in SHOTS)
    print(f"{len(SHOTS)} screenshots, {total // 1024} KB in all")


if __name__ == "__main__":
    main()
