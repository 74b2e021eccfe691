"""Nothing is lost: the last good site survives failed and killed builds, and briefgen
writes and deletes only inside its own output folder (SPEC §6, issue 6 item 3)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefgen.output import MARKER
from conftest import run_cli

GOOD = "---\ntitle: Good {n}\ndate: 2021-01-0{n}\nleaders: [Joe Biden]\n---\nBody {n}.\n"


def tree_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file and folder under `folder`: its content hash and modification time."""
    state: dict[str, tuple[str, int]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[rel] = ("link:" + os.readlink(path), 0)
        elif path.is_dir():
            state[rel] = ("dir", 0)
        else:
            state[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return state


def sources_state(root: Path) -> dict[str, tuple[str, int]]:
    """Everything of the site's own: all but the output folder, its siblings and the build cache."""
    return {rel: v for rel, v in tree_state(root).items()
            if not rel.startswith(("_site", ".briefgen-cache"))}


@pytest.fixture
def built_site(make_site):
    root = make_site({f"content/briefings/b{n}.md": GOOD.format(n=n) for n in (1, 2, 3)}
                     | {"static/notes.txt": "static file\n"})
    run_cli("build", cwd=root, check=True)
    assert (root / "_site/briefings/b1/index.html").is_file()
    return root


# -- a failing build leaves the previous site exactly as it was ---------------------------------------------


BREAKAGES = {
    "content": {"content/briefings/b2.md": "---\ntitle: Broken\ndate: 2021-02-30\n---\n"},
    "link": {"content/briefings/b4.md": "---\ntitle: Four\ndate: 2021-01-04\n---\nSee [x](@/briefings/none.md).\n"},
    "template": {"templates/briefing.html": "{% extends 'base.html' %}{% block content %}{{ nope }}{% endblock %}"},
    "collision": {"static/briefings/b1/index.html": "<p>clash</p>"},
    "site.yaml": {"site.yaml": "title: T\nper_page: many\n"},
}


@pytest.mark.parametrize("breakage", list(BREAKAGES.values()), ids=list(BREAKAGES))
def test_a_failing_build_leaves_the_previous_site_byte_identical(built_site, breakage):
    root = built_site
    before = tree_state(root / "_site")
    for rel, text in breakage.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    time.sleep(0.01)  # a rewritten file would get a new mtime
    result = run_cli("build", cwd=root)
    assert result.returncode == 1, result.stderr
    assert result.stderr.rstrip().endswith("nothing was written.")
    assert tree_state(root / "_site") == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_dot_entries_of_the_output_folder_are_kept_across_builds(built_site):
    root = built_site
    git = root / "_site/.git"
    git.mkdir()
    (git / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (root / "content/briefings/b4.md").write_text(GOOD.format(n=4), encoding="utf-8")
    run_cli("build", cwd=root, check=True)
    assert (root / "_site/briefings/b4/index.html").is_file()
    assert (git / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"


# -- a killed build --------------------------------------------------------------------------------------


def test_a_build_killed_mid_write_leaves_the_previous_site_whole(built_site):
    root = built_site
    before = tree_state(root / "_site")
    sources_before = sources_state(root)
    # Enough new files that writing them takes a while: the kill lands mid-write.
    bulk = root / "static/bulk"
    bulk.mkdir()
    chunk = os.urandom(16384)
    for i in range(4000):
        (bulk / f"f{i:04}.bin").write_bytes(chunk + i.to_bytes(4, "big"))
    sources_before = sources_state(root)

    process = subprocess.Popen([sys.executable, "-m", "briefgen", "build"], cwd=root, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            found = [p for p in root.iterdir() if p.name.startswith("_site.tmp-")]
            if found and (found[0] / "bulk").is_dir() and len(os.listdir(found[0] / "bulk")) > 200:
                staging = found[0]
                os.killpg(process.pid, signal.SIGKILL)  # the build and any workers it started
                break
            time.sleep(0.002)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert staging is not None, "the build finished before it could be killed mid-write; make the site bigger"
    assert process.returncode == -signal.SIGKILL

    # The previous site is whole, byte for byte; the half-written staging folder is beside it.
    assert tree_state(root / "_site") == before
    assert staging.is_dir() and (staging / MARKER).is_file()
    assert sources_state(root) == sources_before

    # The next build cleans up what the killed one left, and succeeds.
    run_cli("build", cwd=root, check=True)
    assert [p.name for p in root.iterdir() if p.name.startswith("_site")] == ["_site"]
    assert len(os.listdir(root / "_site/bulk")) == 4000
    assert sources_state(root) == sources_before


def test_leftovers_of_a_killed_build_go_even_when_nothing_changed(built_site):
    """Killed, then the edit undone: the next build has nothing to write but still cleans up."""
    root = built_site
    leftover = root / "_site.tmp-0123abcd"
    leftover.mkdir()
    (leftover / MARKER).write_text("")
    (leftover / "half.html").write_text("<p>half")
    before = tree_state(root / "_site")
    run_cli("build", cwd=root, check=True)
    assert not leftover.exists()
    assert tree_state(root / "_site") == before


def test_a_kill_between_the_two_renames_of_a_swap_puts_the_old_site_back(built_site):
    """What a kill after `_site` -> `_site.old-*` and before staging -> `_site` leaves behind."""
    root = built_site
    (root / "_site/.git").mkdir()
    (root / "_site/.git/HEAD").write_text("kept\n")
    before = tree_state(root / "_site")
    (root / "_site").rename(root / "_site.old-0123abcd")
    staging = root / "_site.tmp-0123abcd"
    staging.mkdir()
    (staging / MARKER).write_text("")
    (staging / "half.html").write_text("<p>half")

    # A check does not touch the output; a build finishes the swap's job first.
    run_cli("build", cwd=root, check=True)
    assert [p.name for p in root.iterdir() if p.name.startswith("_site")] == ["_site"]
    assert (root / "_site/.git/HEAD").read_text() == "kept\n"
    assert tree_state(root / "_site").keys() >= before.keys()


def test_a_kill_after_the_swap_keeps_the_dot_entries_of_the_old_site(built_site):
    """Killed after staging became `_site` but before `.git` moved over from the old site."""
    root = built_site
    old = root / "_site.old-89abcdef"
    shutil.copytree(root / "_site", old)
    (old / ".git").mkdir()
    (old / ".git/HEAD").write_text("kept\n")
    (root / "content/briefings/b4.md").write_text(GOOD.format(n=4), encoding="utf-8")
    run_cli("build", cwd=root, check=True)
    assert (root / "_site/.git/HEAD").read_text() == "kept\n"
    assert (root / "_site/briefings/b4/index.html").is_file()
    assert not old.exists()


def test_folders_beside_the_output_that_are_not_briefgens_are_never_touched(built_site):
    root = built_site
    lookalikes = ["_site.tmp-notes", "_site.old-drafts", "_site.tmp-01234567", "_site.old-89abcdef", "_site.bak"]
    for name in lookalikes:  # none carries briefgen's marker
        (root / name).mkdir()
        (root / name / "precious.txt").write_text(name)
    (root / "_site.tmp-cafebabe").write_text("a file, not a folder")
    before = sources_state(root) | {n: tree_state(root / n) for n in lookalikes}
    run_cli("build", cwd=root, check=True)
    run_cli("build", cwd=root, check=True)
    after = sources_state(root) | {n: tree_state(root / n) for n in lookalikes}
    assert after == before
    assert (root / "_site.tmp-cafebabe").read_text() == "a file, not a folder"


# -- output folders briefgen refuses ---------------------------------------------------------------------


def _refused(root: Path, out: str, *extra: str) -> str:
    before = sources_state(root)
    result = run_cli("build", "--out", out, *extra, cwd=root)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sources_state(root) == before
    assert not [p for p in root.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    lines = result.stderr.splitlines()
    assert lines[-1] == "1 error; nothing was written."
    return lines[0]


def test_refuses_the_site_folder_itself(built_site):
    root = built_site
    assert _refused(root, ".", "--force") == (
        f"error: the output folder {root} is the site folder itself; building would replace your sources. "
        "Choose a folder inside the site, such as _site/.")


def test_refuses_a_folder_that_contains_the_site(built_site):
    root = built_site
    assert _refused(root, "..", "--force") == (
        f"error: the output folder {root.parent} contains the site folder {root}; building would replace your "
        "sources. Choose a folder inside the site, such as _site/.")


@pytest.mark.parametrize("out, folder", [("content", "content"), ("content/out", "content"), ("static", "static"),
                                         ("static/site", "static"), ("templates/x", "templates"),
                                         ("themes", "themes"), ("themes/mine/out", "themes")])
def test_refuses_a_folder_inside_the_sources(built_site, out, folder):
    root = built_site
    (root / "templates").mkdir(exist_ok=True)
    assert _refused(root, out, "--force") == (
        f"error: the output folder {root / out} is inside the site's sources ({folder}/). "
        "Choose a folder of its own, such as _site/.")


def test_refuses_a_non_empty_folder_it_did_not_make_unless_forced(built_site):
    root = built_site
    other = root / "public"
    other.mkdir()
    (other / "thesis.tex").write_text("years of work")
    assert _refused(root, "public") == (
        f"error: the output folder {other} is not empty and was not made by briefgen. "
        "Choose another folder, empty it, or pass --force to replace it.")
    assert (other / "thesis.tex").read_text() == "years of work"

    run_cli("build", "--out", "public", "--force", cwd=root, check=True)
    assert (other / "briefings/b1/index.html").is_file() and (other / MARKER).is_file()
    assert not (other / "thesis.tex").exists()
    # From now on it is briefgen's own folder: no --force needed.
    run_cli("build", "--out", "public", cwd=root, check=True)


def test_an_empty_folder_is_accepted_without_force(built_site):
    root = built_site
    (root / "public").mkdir()
    run_cli("build", "--out", "public", cwd=root, check=True)
    assert (root / "public/index.html").is_file()


def test_an_output_path_that_is_a_file_is_refused(built_site):
    root = built_site
    (root / "out.html").write_text("mine")
    result = run_cli("build", "--out", "out.html", "--force", cwd=root)
    assert result.returncode == 2 and "Directory 'out.html' is a file." in result.stderr
    (root / "site.yaml").write_text("title: T\noutput_dir: out.html\n")
    result = run_cli("build", "--force", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"error: the output path {root / 'out.html'} is a file, not a folder. "
        "Remove the file, or choose another folder with --out.")
    assert (root / "out.html").read_text() == "mine"


def test_the_home_folder_is_refused_even_with_force(built_site, tmp_path):
    root = built_site
    home = tmp_path / "home"
    home.mkdir()
    (home / "letters.txt").write_text("dear")
    env = {**os.environ, "HOME": str(home)}
    result = subprocess.run([sys.executable, "-m", "briefgen", "build", "--out", str(home), "--force"], cwd=root,
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: the output folder {home} is your home folder; "
                                    "briefgen never replaces it, even with --force.")
    assert (home / "letters.txt").read_text() == "dear"


def test_an_output_folder_outside_the_site_leaves_everything_else_alone(built_site, tmp_path):
    root = built_site
    neighbour = tmp_path / "elsewhere"
    neighbour.mkdir()
    (neighbour / "keep.txt").write_text("keep")
    out = neighbour / "site-out"
    before = sources_state(root)
    run_cli("build", "--out", str(out), cwd=root, check=True)
    assert (out / "index.html").is_file()
    assert (neighbour / "keep.txt").read_text() == "keep"
    assert sorted(p.name for p in neighbour.iterdir()) == ["keep.txt", "site-out"]
    assert sources_state(root) == before


def test_a_live_file_changed_during_the_build_is_not_recorded_under_its_page_fingerprint(tmp_path):
    """A reused page is copied from the live site; if someone changed that file meanwhile, the next build remakes it."""
    import os

    from briefgen.output import CHANGED_WHILE_BUILDING, Output, write_site

    out = tmp_path / "_site"
    first = [Output("a/index.html", b"<p>A</p>"), Output("b/index.html", b"<p>B</p>")]
    keys = {o.rel_path: f"fingerprint-{o.rel_path.split('/')[0]}" for o in first}
    written, _ = write_site(first, out, keys)
    # The next build reuses a/ from the live site (checked intact), then a/ is edited before the write.
    reused = Output("a/index.html", copy_from=out / "a/index.html")
    page_b = Output("b/index.html", b"<p>B, new</p>")
    (out / "a/index.html").write_bytes(b"<p>edited by hand</p>")
    os.utime(out / "a/index.html", ns=(1, 1))
    manifest, _ = write_site([reused, page_b], out, {**keys, page_b.rel_path: "fingerprint-b2"}, written)
    assert manifest["a/index.html"][0] == CHANGED_WHILE_BUILDING
    assert manifest["b/index.html"][0] == "fingerprint-b2"
