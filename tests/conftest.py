"""Shared fixtures: sites made in temporary folders, and an HTML link reader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent

MINIMAL_CONFIG = """\
title: Test desk
base_url: https://example.org/
timezone: UTC
"""


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write dedented files under `root`; site.yaml gets a minimal default."""
    files = {"site.yaml": MINIMAL_CONFIG, **files}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path):
    def make(files: dict[str, str], name: str = "site") -> Path:
        return write_site(tmp_path / name, files)
    return make


def build_killed_when(args: list[str], cwd: Path, ready: Callable[[], Path | None]
                      ) -> tuple[subprocess.Popen, Path | None]:
    """Run `briefgen *args` in a process group of its own and kill the whole group (the build and any
    process it started) with SIGKILL as soon as `ready()` gives a path: the process, ended, and that path
    (None if the command ended before)."""
    process = subprocess.Popen([sys.executable, "-m", "briefgen", *args], cwd=cwd, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            found = ready()
            if found is not None:
                os.killpg(process.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    return process, found


HANG_LIMIT = 60  # seconds: a build of a test's tiny site takes well under 5


def run_cli_or_fail_on_hang(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, with a timeout that fails the test instead of hanging it."""
    try:
        return subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=HANG_LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"briefgen {' '.join(args)} hung for {HANG_LIMIT} s")


def run_cli(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess:
    """Run `python -m briefgen` as a user would, capturing what they see."""
    result = subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"briefgen {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


class LinkCollector(HTMLParser):
    """Every href/src of a page, its ids, and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, dict]] = []  # (tag, url, attrs)
        self.ids: set[str] = set()
        self.text_parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name) is not None:
                self.links.append((tag, attributes[name], attributes))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


def parse_html(path: Path) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def resolve_link(out: Path, base_path: str, url: str) -> Path | None:
    """The file in `out` a root-relative internal link points at, or None if external."""
    if url.startswith(("http://", "https://", "mailto:", "#")):
        return None
    assert url.startswith(base_path), f"link {url!r} escapes the base path {base_path!r}"
    rel = url[len(base_path):].split("#")[0].split("?")[0]
    target = out / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    return target
