"""One of each (issue 19 item 6): one near-miss finder behind every "did you mean", one ignore rule for the
build's walks and serve's watcher."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conftest import run_cli
from briefgen.serve.watch import Change, SiteWatcher

PUTIN = "---\nname: Vladimir Putin\naliases: [Putin]\n---\nProfile.\n"


def briefing(title: str, body: str = "Text.", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: 2021-01-01\n{extra}---\n{body}\n"


# --- near misses: each caller still suggests the name meant ---------------------------------------------------

@pytest.mark.parametrize("site_yaml, said", [
    ("titel: Desk\nbase_url: https://example.org/\n", "Did you mean 'title'?"),
    ("title: Desk\nbase_url: https://example.org/\ntimezone: Europe/Londn\n", "Did you mean 'Europe/London'?"),
    ("title: Desk\nbase_url: https://example.org/\ntaxonomies: [leaders, {name: countries, singuler: country}]\n",
     "Did you mean 'singular'?"),
], ids=["site.yaml key", "time zone", "taxonomy key"])
def test_site_yaml_near_misses_are_suggested(make_site, site_yaml, said):
    site = make_site({"site.yaml": site_yaml, "content/briefings/a.md": briefing("A")})
    checked = run_cli("check", cwd=site)
    assert checked.returncode == 1 and said in checked.stderr, checked.stderr


def test_a_misspelt_front_matter_key_is_named(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", extra="sumary: The gist.\n")})
    checked = run_cli("check", cwd=site)
    assert "unknown key 'sumary' looks like a misspelling of 'summary'" in checked.stderr, checked.stderr


def test_links_to_near_misses_are_suggested(make_site):
    site = make_site({
        "content/briefings/first-call.md": briefing("The first call"),
        "content/briefings/b.md": briefing("B", "See [the call](@/briefings/frist-call.md) and [[The frist call]]."),
    })
    checked = run_cli("check", cwd=site)
    assert checked.returncode == 1
    assert "Did you mean 'briefings/first-call.md'?" in checked.stderr, checked.stderr
    assert "Did you mean 'The first call'?" in checked.stderr, checked.stderr


def test_a_near_miss_of_a_profiled_name_is_suggested_and_a_far_name_is_not(make_site):
    site = make_site({
        "content/leaders/vladimir-putin.md": PUTIN,
        "content/briefings/a.md": briefing("A", extra="leaders: [Vladimir Puttin, Joe Biden]\n"),
    })
    checked = run_cli("check", cwd=site)
    assert "'Vladimir Puttin' is not a known leader" in checked.stderr and "Did you mean 'Vladimir Putin'?" \
        in checked.stderr, checked.stderr
    assert "Joe Biden" not in checked.stderr


# --- one ignore rule: what the build reads is what serve watches ----------------------------------------------

# (name, whether a build publishes static/<name>): editor droppings and hidden files are ignored by both.
NAMES = [("notes.txt", True), (".nojekyll", True), (".well-known", True), ("4913.txt", True),
         (".#notes.txt", False), ("#notes.txt#", False), ("notes.txt~", False), (".notes.txt.swp", False),
         (".notes.txt.swo", False), ("4913", False), (".DS_Store", False), (".git", False), ("notes.txt.part", False),
         ("notes.txt.crdownload", False), ("notes.txt.tmp", False), ("notes.txt.bak", False)]


class QuietLog:
    def info(self, message: str) -> None:
        pass

    def diagnostics(self, diagnostics) -> None:
        pass


class Seen:
    """The names under static/ that the watcher reported a change for."""

    def __init__(self, static: Path):
        self.static, self.names, self.lock = static, set(), threading.Lock()

    def __call__(self, change: Change) -> None:
        if change.path.is_relative_to(self.static) and change.path != self.static:
            with self.lock:
                self.names.add(change.path.relative_to(self.static).parts[0])

    def wait_for(self, names: set[str], seconds: float = 10.0) -> set[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not names <= self.names:
            time.sleep(0.05)
        time.sleep(0.5)  # and any that should not come
        with self.lock:
            return set(self.names)


def _put(static: Path, name: str) -> None:
    if name in (".well-known", ".git"):  # folders, with a file inside
        (static / name).mkdir()
        (static / name / "security.txt").write_text("Contact: mailto:desk@example.org\n")
    else:
        (static / name).write_text("x\n")


def test_the_watcher_reacts_to_exactly_the_files_the_build_publishes(make_site):
    site = make_site({"content/briefings/a.md": briefing("A"), "static/keep.txt": "kept\n"})
    static = site / "static"
    seen = Seen(static)
    watcher = SiteWatcher(site, seen, QuietLog())
    watcher.start([static])
    try:
        time.sleep(0.2)
        for name, _ in NAMES:
            _put(static, name)
        published = {name for name, kept in NAMES if kept}
        watched = seen.wait_for(published)
    finally:
        watcher.stop()
    run_cli("build", cwd=site, check=True)
    built = {path.relative_to(site / "_site").parts[0] for path in (site / "_site").rglob("*")}
    assert {name for name, _ in NAMES} & built == published  # what the build reads of static/
    assert watched == published  # is what the watcher reacts to, and nothing else


def test_names_set_aside_with_an_underscore_are_left_out_of_the_site_but_still_watched(make_site):
    """content/ and static/ leave out '_' names; templates may have them (_macros.html), so serve watches all."""
    site = make_site({"content/briefings/a.md": briefing("A"), "static/_notes.txt": "mine\n",
                      "content/briefings/_draft.md": briefing("Draft")})
    run_cli("build", cwd=site, check=True)
    assert not (site / "_site/_notes.txt").exists() and not (site / "_site/briefings/draft").exists()
    static = site / "static"
    seen = Seen(static)
    watcher = SiteWatcher(site, seen, QuietLog())
    watcher.start([static])
    try:
        time.sleep(0.2)
        (static / "_macros.html").write_text("{% macro x() %}{% endmacro %}\n")
        assert "_macros.html" in seen.wait_for({"_macros.html"})
    finally:
        watcher.stop()
