"""Nothing is lost: the last good site survives failed and killed builds, and briefgen
writes and deletes only inside its own output folder and its marked work folder beside it
(SPEC §6; issue 6 item 3; issue 18 items 2-6)."""

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

from briefgen.output.workspace import MARKER
from conftest import build_killed_when, run_cli

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
    """Everything of the site's own: all but the output folder, its work folder and the build cache."""
    return {rel: v for rel, v in tree_state(root).items()
            if not rel.startswith(("_site/", "._site.briefgen", ".briefgen-cache")) and rel != "_site"}


def work_folder(root: Path, out: str = "_site") -> Path:
    return root / f".{out}.briefgen"


def beside_output(root: Path) -> list[str]:
    """What is beside the output folder that a build made: nothing but the output and its work folder."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(("_site", "._site")))


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
    assert beside_output(root) == ["._site.briefgen", "_site"]
    assert [p.name for p in work_folder(root).iterdir() if p.is_dir()] == []  # no staging folder left


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

    def writing() -> Path | None:  # a staging folder with some of the new files in it already
        for staging in work_folder(root).glob("staging-*"):
            if (staging / "bulk").is_dir() and len(os.listdir(staging / "bulk")) > 200:
                return staging
        return None

    process, staging = build_killed_when(["build"], root, writing)
    assert staging is not None, "the build finished before it could be killed mid-write; make the site bigger"
    assert process.returncode == -signal.SIGKILL

    # The previous site is whole, byte for byte; the half-written staging folder is in the work folder.
    assert tree_state(root / "_site") == before
    assert staging.is_dir() and (staging / MARKER).is_file()
    assert sources_state(root) == sources_before

    # The next build cleans up what the killed one left, and succeeds.
    run_cli("build", cwd=root, check=True)
    assert not staging.exists()
    assert beside_output(root) == ["._site.briefgen", "_site"]
    assert len(os.listdir(root / "_site/bulk")) == 4000
    assert sources_state(root) == sources_before


def test_leftovers_of_a_killed_build_go_even_when_nothing_changed(built_site):
    """Killed, then the edit undone: the next build has nothing to write but still cleans up."""
    root = built_site
    leftover = work_folder(root) / "staging-0123abcd"
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
    (root / "_site").rename(work_folder(root) / "old-0123abcd")
    staging = work_folder(root) / "staging-0123abcd"
    staging.mkdir()
    (staging / MARKER).write_text("")
    (staging / "half.html").write_text("<p>half")

    # A check does not touch the output; a build finishes the swap's job first.
    run_cli("build", cwd=root, check=True)
    assert beside_output(root) == ["._site.briefgen", "_site"]
    assert not staging.exists() and not (work_folder(root) / "old-0123abcd").exists()
    assert (root / "_site/.git/HEAD").read_text() == "kept\n"
    assert tree_state(root / "_site").keys() >= before.keys()


def test_a_kill_after_the_swap_keeps_the_dot_entries_of_the_old_site(built_site):
    """Killed after staging became `_site` but before `.git` moved over from the old site."""
    root = built_site
    old = work_folder(root) / "old-89abcdef"
    shutil.copytree(root / "_site", old)
    (old / ".git").mkdir()
    (old / ".git/HEAD").write_text("kept\n")
    (root / "content/briefings/b4.md").write_text(GOOD.format(n=4), encoding="utf-8")
    run_cli("build", cwd=root, check=True)
    assert (root / "_site/.git/HEAD").read_text() == "kept\n"
    assert (root / "_site/briefings/b4/index.html").is_file()
    assert not old.exists()


def test_folders_beside_the_output_are_never_touched_whatever_their_names(built_site):
    """Issue 18 item 2: briefgen removes nothing for its name. Not even a folder that carries the
    output marker and is named as older versions of briefgen named their leftovers."""
    root = built_site
    lookalikes = ["_site.tmp-notes", "_site.old-drafts", "_site.tmp-01234567", "_site.old-89abcdef", "_site.bak",
                  "_site.old-0badf00d", "_site.pages-0123abcd", "spare-01234567"]
    for name in lookalikes:
        (root / name).mkdir()
        (root / name / "precious.txt").write_text(name)
        (root / name / ".hidden").write_text("not to be published")
    (root / "_site.old-0badf00d" / MARKER).write_text("looks like briefgen's")
    (root / "_site.pages-0123abcd" / MARKER).write_text("")
    (root / "_site.tmp-cafebabe").write_text("a file, not a folder")
    before = sources_state(root) | {n: tree_state(root / n) for n in lookalikes}
    run_cli("build", cwd=root, check=True)
    run_cli("build", cwd=root, check=True)
    after = sources_state(root) | {n: tree_state(root / n) for n in lookalikes}
    assert after == before
    assert (root / "_site.tmp-cafebabe").read_text() == "a file, not a folder"
    assert not (root / "_site/.hidden").exists() and not (root / "_site/precious.txt").exists()
    # Even without the output folder (a kill between the two renames of a swap looks like that),
    # nothing outside the work folder is put in its place.
    shutil.rmtree(root / "_site")
    run_cli("build", cwd=root, check=True)
    assert not (root / "_site/precious.txt").exists()
    assert sources_state(root) | {n: tree_state(root / n) for n in lookalikes} == before


def test_unknown_things_inside_the_work_folder_are_left_alone(built_site):
    """Only the folders briefgen made and marked there are removed, not others of the same names."""
    root = built_site
    work = work_folder(root)
    (work / "staging-0123abcd").mkdir()  # no marker: not briefgen's
    (work / "staging-0123abcd/mine.txt").write_text("mine")
    (work / "notes").mkdir()
    (work / "notes/n.txt").write_text("n")
    (root / "content/briefings/b4.md").write_text(GOOD.format(n=4), encoding="utf-8")
    run_cli("build", cwd=root, check=True)
    assert (work / "staging-0123abcd/mine.txt").read_text() == "mine"
    assert (work / "notes/n.txt").read_text() == "n"


@pytest.mark.parametrize("shape", ["folder without marker", "marker of another output", "file", "link"])
def test_a_work_folder_briefgen_did_not_make_is_refused_not_used(built_site, tmp_path, shape):
    root = built_site
    work = work_folder(root)
    shutil.rmtree(work)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    if shape == "file":
        work.write_text("my notes")
    elif shape == "link":
        work.symlink_to(elsewhere)
    else:
        work.mkdir()
        (work / "keep.txt").write_text("keep")
        if shape == "marker of another output":
            (work / ".briefgen-work").write_text("briefgen's work folder for the output folder /somewhere/else\n")
    before_site = tree_state(root / "_site")
    before_work = tree_state(work) if work.is_dir() and not work.is_symlink() else work.read_text() \
        if work.is_file() else None
    (root / "content/briefings/b4.md").write_text(GOOD.format(n=4), encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert result.returncode == 1, result.stderr
    assert f"{work} exists but is not briefgen's work folder for {root / '_site'}" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_state(root / "_site") == before_site
    if shape == "file":
        assert work.read_text() == before_work
    elif shape == "link":
        assert tree_state(elsewhere) == {"keep.txt": tree_state(elsewhere)["keep.txt"]}
    else:
        assert tree_state(work) == before_work


# -- output folders briefgen refuses ---------------------------------------------------------------------


def _refused(root: Path, out: str, *extra: str) -> str:
    before = sources_state(root)
    result = run_cli("build", "--out", out, *extra, cwd=root)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sources_state(root) == before
    parent = Path(out if os.path.isabs(out) else root / out).resolve().parent
    assert not parent.is_dir() or not [p for p in parent.iterdir()
                                       if p.name.endswith(".briefgen") and p.name != "._site.briefgen"]
    lines = result.stderr.splitlines()
    assert lines[-1] == "1 error; nothing was written."
    return lines[0]


def test_refuses_the_site_folder_itself(built_site):
    root = built_site
    assert _refused(root, ".", "--force") == (
        f"error: the output folder {root} is the site folder itself; briefgen never replaces it, even with "
        "--force. Choose a folder of its own, such as _site/ inside the site.")


def test_refuses_a_folder_that_contains_the_site(built_site):
    root = built_site
    assert _refused(root, "..", "--force") == (
        f"error: the output folder {root.parent} contains the site folder {root}; briefgen never replaces it, "
        "even with --force. Choose a folder of its own, such as _site/ inside the site.")


@pytest.mark.parametrize("out, folder", [("content", "content"), ("content/out", "content"), ("static", "static"),
                                         ("static/site", "static"), ("templates/x", "templates"),
                                         ("themes", "themes"), ("themes/mine/out", "themes")])
def test_refuses_a_folder_inside_the_sources(built_site, out, folder):
    root = built_site
    (root / "templates").mkdir(exist_ok=True)
    assert _refused(root, out, "--force") == (
        f"error: the output folder {root / out} is inside the site's sources ({folder}/); briefgen never "
        "replaces it, even with --force. Choose a folder of its own, such as _site/ inside the site.")


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
    # Beside the output: only its work folder, hidden, marked and ignored by git.
    assert sorted(p.name for p in neighbour.iterdir()) == [".site-out.briefgen", "keep.txt", "site-out"]
    work = neighbour / ".site-out.briefgen"
    assert (work / ".gitignore").read_text() == "*\n"
    assert f"work folder for the output folder {out}" in (work / ".briefgen-work").read_text()
    assert sources_state(root) == before


def test_a_live_file_changed_during_the_build_is_not_recorded_under_its_page_fingerprint(tmp_path):
    """A reused page is copied from the live site; if someone changed that file meanwhile, the next build remakes it."""
    import os

    from briefgen.output.outputs import Output
    from briefgen.output.writer import CHANGED_WHILE_BUILDING, write_site
    from briefgen.output.workspace import open_workspace

    out = tmp_path / "_site"
    first = [Output("a/index.html", b"<p>A</p>"), Output("b/index.html", b"<p>B</p>")]
    keys = {o.rel_path: f"fingerprint-{o.rel_path.split('/')[0]}" for o in first}
    written, _ = write_site(first, open_workspace(out), keys)
    # The next build reuses a/ from the live site (checked intact), then a/ is edited before the write.
    reused = Output("a/index.html", copy_from=out / "a/index.html")
    page_b = Output("b/index.html", b"<p>B, new</p>")
    (out / "a/index.html").write_bytes(b"<p>edited by hand</p>")
    os.utime(out / "a/index.html", ns=(1, 1))
    manifest, _ = write_site([reused, page_b], open_workspace(out), {**keys, page_b.rel_path: "fingerprint-b2"}, written)
    assert manifest["a/index.html"].identity == CHANGED_WHILE_BUILDING
    assert manifest["b/index.html"].identity == "fingerprint-b2"


# -- issue 18 item 3: folders refused even with --force -------------------------------------------------


def test_refuses_an_output_folder_that_contains_the_home_folder(make_site, tmp_path):
    root = make_site({"content/briefings/b1.md": GOOD.format(n=1)})
    people = tmp_path / "x"
    for name in ("alice", "bob"):
        (people / name).mkdir(parents=True)
        (people / name / "thesis.tex").write_text(f"{name}'s years of work")
    before = tree_state(people)
    for out in (people, people / "alice", tmp_path):  # above the home folder, the home folder itself, higher
        result = subprocess.run([sys.executable, "-m", "briefgen", "build", "--out", str(out), "--force"],
                                cwd=root, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "HOME": str(people / "alice")})
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        what = "is your home folder" if out == people / "alice" else f"contains your home folder {people / 'alice'}"
        assert f"error: the output folder {out} {what}; briefgen never replaces it, even with --force." \
            in result.stderr
        assert tree_state(people) == before


@pytest.mark.parametrize("out", [".briefgen-cache", ".briefgen-cache/site", "._site.briefgen",
                                 "._site.briefgen/inner"])
def test_refuses_the_cache_and_the_work_folder(built_site, out):
    root = built_site
    run_cli("build", cwd=root, check=True)  # the cache and the work folder exist
    cache_before = tree_state(root / ".briefgen-cache")
    message = _refused(root, out, "--force")
    where = "is the build cache .briefgen-cache/ or inside it" if out.startswith(".briefgen-cache") \
        else f"is inside briefgen's work folder {work_folder(root)}"
    assert message.startswith(f"error: the output folder {root / out} {where}; briefgen never replaces it")
    assert tree_state(root / ".briefgen-cache").keys() == cache_before.keys()


# -- issue 18 item 4: two builds at once ------------------------------------------------------------------


def _site_files(out: Path) -> dict[str, str]:
    return {rel: digest for rel, (digest, _) in tree_state(out).items()}


def test_a_second_build_waits_for_the_lock_and_says_who_holds_it(built_site):
    import fcntl
    root = built_site
    (root / "content/briefings/b4.md").write_text(GOOD.format(n=4), encoding="utf-8")
    with open(work_folder(root) / "lock", "r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.truncate()
        lock.write("briefgen build (process 4242) writing somewhere")
        lock.flush()
        process = subprocess.Popen([sys.executable, "-m", "briefgen", "build"], cwd=root, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(3)
            assert process.poll() is None, process.communicate()
            assert not (root / "_site/briefings/b4").exists()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Waiting for briefgen build (process 4242) writing somewhere to finish" in stderr
    assert (root / "_site/briefings/b4/index.html").is_file()


@pytest.mark.slow
def test_two_builds_racing_leave_a_whole_site_every_round(built_site, tmp_path):
    root = built_site
    for round_ in range(4):
        (root / f"content/briefings/r{round_}.md").write_text(
            GOOD.format(n=round_ + 4).replace("Good", f"Round {round_}"), encoding="utf-8")
        if round_ == 2:
            (root / "content/briefings/b1.md").unlink()
        builds = [subprocess.Popen([sys.executable, "-m", "briefgen", "build", *extra], cwd=root, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                  for extra in ([], ["--no-cache"] if round_ % 2 else [])]
        for build in builds:
            _, stderr = build.communicate(timeout=300)
            assert build.returncode == 0, stderr
            assert "error" not in stderr
        clean = tmp_path / f"clean-{round_}"
        run_cli("build", "--no-cache", "--out", str(clean), cwd=root, check=True)
        assert _site_files(root / "_site") == _site_files(clean), f"round {round_}"
        assert beside_output(root) == ["._site.briefgen", "_site"]
        assert not [p for p in work_folder(root).iterdir() if p.name.startswith(("staging-", "old-", "pages-"))]


# -- issue 18 item 5: Ctrl-C -------------------------------------------------------------------------------


def _start_build_and_wait_for_its_lock(root: Path) -> subprocess.Popen:
    """A build, once it holds the output's lock: from then on Ctrl-C is briefgen's to handle, not the
    interpreter's (a signal while Python itself starts up is outside what briefgen can answer for)."""
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "build"], cwd=root, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while f"(process {process.pid})" not in (work_folder(root) / "lock").read_text():
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.005)
    return process


@pytest.mark.slow
def test_ctrl_c_at_any_moment_leaves_the_old_site_or_finishes_the_new_one(make_site, tmp_path):
    """Exit 130 means the previous site is untouched; exit 0 means the new site is whole. Either way
    nothing but briefgen's marked spare is left in the work folder."""
    root = make_site({f"content/briefings/b{n:03}.md": GOOD.replace("0{n}", "01").format(n=n) for n in range(120)})
    run_cli("build", cwd=root, check=True)
    (root / "content/briefings/b000.md").write_text(GOOD.format(n=9), encoding="utf-8")
    process = _start_build_and_wait_for_its_lock(root)
    started = time.monotonic()
    process.communicate(timeout=120)
    took = time.monotonic() - started  # an edit's build from its lock on: the signals fall across it
    outcomes = set()
    for round_, share in enumerate((0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0)):
        before = _site_files(root / "_site")
        (root / f"content/briefings/new{round_}.md").write_text(GOOD.format(n=5), encoding="utf-8")
        process = _start_build_and_wait_for_its_lock(root)
        time.sleep(share * took)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        _, stderr = process.communicate(timeout=120)
        outcomes.add(process.returncode)
        assert "Traceback" not in stderr
        if process.returncode == 130:
            assert stderr.strip().endswith("Interrupted."), stderr
            assert _site_files(root / "_site") == before
        else:
            assert process.returncode == 0, stderr
            clean = tmp_path / f"clean-{round_}"
            run_cli("build", "--no-cache", "--out", str(clean), cwd=root, check=True)
            assert _site_files(root / "_site") == _site_files(clean)
        assert beside_output(root) == ["._site.briefgen", "_site"]
        left = sorted(p.name for p in work_folder(root).iterdir())
        assert all(name in (".briefgen-work", ".gitignore", "lock") or name.startswith("spare-") for name in left), left
        assert all((work_folder(root) / name / MARKER).is_file() for name in left if name.startswith("spare-"))
    assert 130 in outcomes, "no round was interrupted: start the signals earlier"


# -- issue 18 item 6: output files are trusted only when untouched ------------------------------------------


@pytest.mark.parametrize("then", ["nothing changed", "another briefing edited", "--no-cache"])
def test_an_output_edited_in_place_with_its_size_and_time_restored_is_rewritten(built_site, then):
    root = built_site
    page = root / "_site/briefings/b2/index.html"
    good = page.read_bytes()
    stat = page.stat()
    forged = good.replace(b"Good 2", b"Evil 2")
    assert len(forged) == len(good) and forged != good
    with open(page, "r+b") as file:  # in place, as an editor that keeps the inode would
        file.write(forged)
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert page.stat().st_size == stat.st_size and page.stat().st_mtime_ns == stat.st_mtime_ns
    if then == "another briefing edited":
        (root / "content/briefings/b3.md").write_text(GOOD.format(n=3) + "More.\n", encoding="utf-8")
    run_cli("build", *(["--no-cache"] if then == "--no-cache" else []), cwd=root, check=True)
    assert page.read_bytes() == good
    run_cli("build", cwd=root, check=True)  # and the build after it keeps it right
    assert page.read_bytes() == good


# -- issue 18 item 19: a write that the system refuses names the file -----------------------------------------


def test_a_full_disk_names_the_file_and_leaves_the_old_site(built_site):
    """A file-size limit stands in for a full disk: the write fails half-way with no file name from the
    system (EFBIG as ENOSPC); the message must still say which file, and the old site stays."""
    import resource

    root = built_site
    before = tree_state(root / "_site")
    (root / "static/big.bin").write_bytes(os.urandom(400_000))

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    result = subprocess.run([sys.executable, "-m", "briefgen", "build", "--no-cache"], cwd=root,
                            capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{root / '_site/big.bin'}: error: File too large." in result.stderr
    assert "free disk space" in result.stderr
    assert tree_state(root / "_site") == before
    assert not [p for p in work_folder(root).iterdir() if p.name.startswith("staging-")]
