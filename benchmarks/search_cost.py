#!/usr/bin/env python3
"""What a search costs a reader: bytes and requests fetched, and time to the first result.

    python benchmarks/search_cost.py benchmarks/corpus-10000/_site word other third

Serves the built site on 127.0.0.1 and, in headless Chromium (Playwright,
/usr/bin/chromium), opens /search/ and searches each word in turn on the same
page, as a reader typing queries would. For each query it prints the bytes
and requests under /pagefind/ and the seconds until a result is shown. The
first query pays for Pagefind's runtime and each bundle's entry files; later
ones only for the index chunks and fragments of their words. Localhost hides
the network: on a real connection the request count matters most.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a built site folder (served at /)")
    parser.add_argument("words", nargs="+", help="the queries, one after the other")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(args.site.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    bundles = len(json.loads((args.site / "pagefind" / "shards.json").read_text()))
    print(f"{args.site}: {bundles} search bundles")
    fetched: list[tuple[str, int]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.on("requestfinished", lambda request: fetched.append(
                (request.url, request.sizes()["responseBodySize"])) if "/pagefind/" in request.url else None)
            page.goto(origin + "/search/", wait_until="networkidle")
            for word in args.words:
                fetched.clear()
                page.evaluate("document.getElementById('search-results').replaceChildren()")  # the last answer
                started = time.perf_counter()
                page.fill("#search-input", word)
                page.press("#search-input", "Enter")
                page.wait_for_selector("#search-results li a", timeout=60_000)
                seconds = time.perf_counter() - started
                page.wait_for_load_state("networkidle")
                kib = sum(size for _, size in fetched) / 1024
                print(f"  {word!r:<16} {kib:7.0f} KiB in {len(fetched):3} requests; first result after {seconds:.2f} s")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
