"""What the reader's-site tests share: the sample site built under a sub-path,
served on 127.0.0.1, and headless Chromium (skipped, with the reason, when absent)."""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, run_cli

SUB_PATH = "/sub/path/"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium calls home at start, which
# this machine's closed network refuses; the tests must stay on localhost.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
NODE_MODULES = REPO / ".cache" / "node" / "node_modules"  # .ci/run installs vnu-jar and axe-core here


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        # linkchecker waits 0.1-0.6 s between requests to a host unless the
        # server answers with this header, its site owner's opt-out: 172 URLs
        # take 50 s throttled and a few seconds without.
        self.send_header("LinkChecker", "unthrottled")
        super().end_headers()


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve `root` over HTTP on a free port of 127.0.0.1; yields the origin URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def build_under_sub_path(root: Path, origin: str) -> Path:
    """Build the sample site for `origin` + SUB_PATH into root/sub/path/."""
    out = root / SUB_PATH.strip("/")
    run_cli("build", "--out", str(out), "--base-url", origin + SUB_PATH, cwd=REPO, check=True)
    return out


@contextlib.contextmanager
def served_sample(tmp_root: Path) -> Iterator[tuple[str, Path]]:
    """The sample site served at http://127.0.0.1:PORT/sub/path/; yields (site URL, its folder)."""
    with serve(tmp_root) as origin:
        out = build_under_sub_path(tmp_root, origin)
        yield origin + SUB_PATH, out


def require_tool(path: Path | None, what: str, how: str) -> Path:
    if path is None or not path.exists():
        pytest.skip(f"{what} is not installed ({how})")
    return path


def require_program(name: str, how: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed ({how})")
    return found


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Chromium browser via Playwright, or a skip saying what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
    require_tool(CHROMIUM, "Chromium", "apt-get install chromium; .ci/run does it")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def nu_errors(java: str, jar: Path, pages: list[Path]) -> list[str]:
    """The Nu HTML Checker's errors on `pages`, as "path:line: message" (the path from _site/ or the sub-path on)."""
    # One run over every page: the checker's start-up costs more than checking.
    result = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stderr or result.stdout)
    errors = [f"{m.get('url', '').rsplit('/_site/', 1)[-1].rsplit(SUB_PATH, 1)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in report["messages"] if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors or result.returncode == 0, result.stderr[-2000:]
    return errors


def axe_problems(page, axe: Path, label: str) -> list[str]:
    """axe-core's serious and critical findings on the page open in `page` (Playwright), each named by `label`."""
    page.add_script_tag(path=str(axe))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    assert isinstance(violations, list)
    return [f"{label}: {v['id']} [{v['impact']}] {[' '.join(node['target']) for node in v['nodes']][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]
