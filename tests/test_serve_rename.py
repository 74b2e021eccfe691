"""serve after a watched folder is replaced, renamed, removed or relinked (issue 18, item 13).

Each scenario ends where a clean `briefgen build` of the same folder ends: every
file of the clean build is fetched over HTTP from the running preview and
compared byte for byte (the reload script serve adds at response time aside),
and every page the old site had that the clean build has not answers 404. A
removed content/ shows the clean build's error in the overlay. Waits are
bounded: a preview that never catches up fails the test, it does not hang it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from briefgen.serve.session import PreviewSession, PreviewSettings
from conftest import run_cli
from test_serve import BRIEFING, SECOND, RecordingLog, fetch

MARKER = ".briefgen-output"  # the clean build's own marker file: not a file of the site
SETTLE_QUIET = 1.0  # seconds without a rebuild: the watcher has delivered the burst (its debounce is 0.03 s)
SETTLE_LIMIT = 30.0
RELOAD_SCRIPT = re.compile(rb"<script data-briefgen-live-reload>.*?</script>\n", re.S)


def briefing(title: str, day: int, leader: str = "Joe Biden") -> str:
    return f"---\ntitle: {title}\ndate: 2021-03-{day:02d}\nleaders: [{leader}]\n---\nAbout {title}.\n"


@pytest.fixture
def preview(make_site):
    """start(files) -> (site, running session); closed afterwards."""
    sessions: list[PreviewSession] = []

    def start(files: dict) -> tuple[Path, PreviewSession]:
        site = make_site(files)
        session = PreviewSession(PreviewSettings(site, port=0), RecordingLog()).serve_in_background()
        sessions.append(session)
        return site, session

    yield start
    for session in sessions:
        session.close()


def settle(session: PreviewSession) -> None:
    """Until no rebuild has started for SETTLE_QUIET seconds and the search index has caught up."""
    deadline = time.monotonic() + SETTLE_LIMIT
    seen = session.state.generation
    while time.monotonic() < deadline:
        time.sleep(SETTLE_QUIET)
        now = session.state.generation
        if now == seen and session.rebuilder.search.wait_idle(SETTLE_LIMIT):
            return
        seen = now
    raise AssertionError(f"serve kept rebuilding for {SETTLE_LIMIT} s: {session.log.lines[-5:]}")


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    """site path -> bytes of every file a clean `briefgen build` writes."""
    shutil.rmtree(out, ignore_errors=True)
    run_cli("build", "--out", str(out), cwd=site, check=True)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != MARKER}


def served(session: PreviewSession, site_path: str) -> tuple[int, bytes]:
    status, _, body = fetch(session, "/" + site_path)
    return status, RELOAD_SCRIPT.sub(b"", body)


def assert_serves_the_clean_build(session: PreviewSession, site: Path, out: Path,
                                  gone: set[str] = frozenset()) -> dict[str, bytes]:
    """Every file of a clean build is served as built; every path in `gone` it lacks is a 404."""
    settle(session)
    assert not session.state.view().errors, session.log.lines[-5:]
    clean = clean_build(site, out)
    different = [path for path, data in clean.items() if served(session, path) != (200, data)]
    assert different == [], f"{len(different)} of {len(clean)} files differ from a clean build: {different[:10]}"
    still_there = [path for path in sorted(gone - clean.keys()) if served(session, path)[0] != 404]
    assert still_there == [], f"served, though a clean build has them not: {still_there[:10]}"
    return clean


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


OLD_SITE = {
    "content/briefings/first-call.md": BRIEFING,
    "content/briefings/treaty-extended.md": SECOND,
    **{f"content/briefings/old-{i}.md": briefing(f"Old item {i}", i + 1, "Vladimir Putin") for i in range(6)},
    "content/pages/about.md": "---\ntitle: About the old desk\n---\nOld.\n",
}


def new_content(site: Path, name: str = "new") -> Path:
    """A second content folder beside content/: one file of the same name with another title, others new."""
    folder = site / name
    write(folder / "briefings/first-call.md", BRIEFING.replace("First call", "Renamed call"))
    for i in range(3):
        write(folder / f"briefings/new-{i}.md", briefing(f"New item {i}", i + 10, "Angela Merkel"))
    write(folder / "pages/about.md", "---\ntitle: About the new desk\n---\nNew.\n")
    return folder


def test_content_replaced_by_a_rename_serves_the_new_content_and_follows_later_edits(preview, tmp_path):
    site, session = preview(OLD_SITE)
    out = tmp_path / "clean"
    before = assert_serves_the_clean_build(session, site, out)
    new_content(site)
    os.rename(site / "content", site / "old")
    os.rename(site / "new", site / "content")
    after = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert b"Renamed call" in after["briefings/first-call/index.html"]
    assert not any(path.startswith("briefings/old-") for path in after)

    # A later edit of a file both folders have: the new one's is what counts.
    (site / "content/briefings/first-call.md").write_text(BRIEFING.replace("First call", "Edited call"))
    edited = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert b"Edited call" in edited["briefings/first-call/index.html"]
    # An edit in the folder moved away changes nothing served.
    (site / "old/briefings/first-call.md").write_text(BRIEFING.replace("First call", "Ghost call"))
    (site / "old/briefings/old-0.md").write_text(briefing("Ghost item", 1))
    assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert b"Ghost" not in served(session, "briefings/first-call/index.html")[1]


def test_content_swapped_back_and_forth_several_times(preview, tmp_path):
    site, session = preview(OLD_SITE)
    out = tmp_path / "clean"
    seen = set(assert_serves_the_clean_build(session, site, out))
    new_content(site, "other")
    for _ in range(3):  # content <-> other, with no pause between the two renames
        os.rename(site / "content", site / "swap")
        os.rename(site / "other", site / "content")
        os.rename(site / "swap", site / "other")
        seen |= set(assert_serves_the_clean_build(session, site, out, gone=seen))


def test_a_sub_folder_replaced_by_a_rename(preview, tmp_path):
    site, session = preview(OLD_SITE)
    out = tmp_path / "clean"
    before = assert_serves_the_clean_build(session, site, out)
    new_content(site)
    os.rename(site / "content/briefings", site / "old-briefings")
    os.rename(site / "new/briefings", site / "content/briefings")
    assert_serves_the_clean_build(session, site, out, gone=set(before))


def test_content_moved_out_of_the_site_and_back(preview, tmp_path):
    site, session = preview(OLD_SITE)
    out = tmp_path / "clean"
    before = assert_serves_the_clean_build(session, site, out)
    shutil.move(site / "content", tmp_path / "parked")  # leaves the watched tree entirely
    assert_shows_no_content_error(session)
    shutil.move(tmp_path / "parked", site / "content")
    assert_serves_the_clean_build(session, site, out, gone=set(before))


def assert_shows_no_content_error(session: PreviewSession) -> None:
    settle(session)
    errors = [str(error) for error in session.state.view().errors]
    assert errors == ["content: error: there is no content/ folder. "
                      "Create content/briefings/ and put your briefings there."], session.log.lines[-5:]
    status, page = served(session, "")
    assert status == 200 and b'id="briefgen-errors"' in page
    assert b"there is no content/ folder." in page


def test_content_removed_shows_the_error_and_a_new_one_is_served(preview, tmp_path):
    site, session = preview(OLD_SITE)
    out = tmp_path / "clean"
    before = assert_serves_the_clean_build(session, site, out)
    shutil.rmtree(site / "content")
    assert_shows_no_content_error(session)
    # The same error as a clean build gives.
    result = run_cli("build", "--out", str(out), cwd=site)
    assert result.returncode == 1 and "content: error: there is no content/ folder." in result.stderr
    (site / "content/briefings").mkdir(parents=True)
    (site / "content/briefings/fresh.md").write_text(briefing("Fresh start", 20))
    fresh = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert "briefings/fresh/index.html" in fresh


def test_content_as_a_link_retargeted_to_another_folder_of_the_site(preview, tmp_path):
    site, session = preview({"site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: UTC\n"})
    out = tmp_path / "clean"
    for rel, text in OLD_SITE.items():
        write(site / "sources/a" / rel.removeprefix("content/"), text)
    new_content(site, "sources/b")
    (site / "content").symlink_to("sources/a")
    before = assert_serves_the_clean_build(session, site, out)
    (site / "next").symlink_to("sources/b")
    os.replace(site / "next", site / "content")  # the link is swapped in one step, as `ln -sfn` does
    after = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert b"Renamed call" in after["briefings/first-call/index.html"]
    # Edits through the link are seen.
    (site / "sources/b/briefings/new-0.md").write_text(briefing("Edited through the link", 10))
    edited = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert b"Edited through the link" in edited["briefings/new-0/index.html"]


@pytest.mark.parametrize("folder, old, new, path", [
    ("static", {"static/notes.txt": "old notes\n", "static/old.txt": "old\n"},
     {"notes.txt": "new notes\n", "fresh.txt": "fresh\n"}, "notes.txt"),
    ("templates", {"templates/404.html": '{% extends "default/404.html" %}{% block content %}<p>Old lost.</p>'
                                         '{% endblock %}'},
     {"404.html": '{% extends "default/404.html" %}{% block content %}<p>New lost.</p>{% endblock %}'}, "404.html"),
])
def test_static_and_templates_replaced_by_a_rename(preview, tmp_path, folder, old, new, path):
    site, session = preview({**OLD_SITE, **old})
    out = tmp_path / "clean"
    before = assert_serves_the_clean_build(session, site, out)
    for rel, text in new.items():
        write(site / "incoming" / rel, text)
    os.rename(site / folder, site / "previous")
    os.rename(site / "incoming", site / folder)
    after = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert after[path] != before[path]
    (site / folder / path).write_text((site / folder / path).read_text().replace("New", "Newer").replace("new", "newer"))
    edited = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert edited[path] != after[path]


def test_a_theme_folder_replaced_by_a_rename(preview, tmp_path):
    theme = {"themes/mine/static/theme.css": "body { color: red }\n",
             "themes/mine/templates/404.html": '{% extends "default/404.html" %}{% block content %}<p>Red.</p>'
                                               '{% endblock %}'}
    site, session = preview({**OLD_SITE, **theme,
                             "site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: UTC\ntheme: mine\n"})
    out = tmp_path / "clean"
    before = assert_serves_the_clean_build(session, site, out)
    write(site / "incoming/mine/static/theme.css", "body { color: blue }\n")
    write(site / "incoming/mine/templates/404.html",
          '{% extends "default/404.html" %}{% block content %}<p>Blue.</p>{% endblock %}')
    os.rename(site / "themes", site / "old-themes")
    os.rename(site / "incoming", site / "themes")
    after = assert_serves_the_clean_build(session, site, out, gone=set(before))
    assert b"blue" in after["theme.css"] and b"Blue." in after["404.html"]
