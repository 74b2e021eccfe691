"""Links out of the site and files that are not files (issue 18, items 8 and 12), in every command.

A link in content/, static/, templates/ or a theme that resolves outside the
site folder (or into a hidden folder of it, such as .git) is an error naming
the link and where it points, and nothing behind it reaches the output. A
linked folder inside the site is followed; a link loop is an error. A pipe,
socket or device is an error naming it, never a hang: every command that
could block runs under a timeout here.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from briefgen.pipeline import build
from briefgen.config import load_config
from briefgen.serve.session import PreviewSession, PreviewSettings
from test_serve import RecordingLog
from conftest import run_cli_or_fail_on_hang as run, run_cli, write_site

BRIEFING = """\
---
title: First call
date: 2021-01-26
leaders: [Joe Biden]
---
The two presidents agreed to extend the treaty.
"""
SECRET = "TOP-SECRET-RUNNER-FILE"
# A secret that would even parse: front matter, so a leak would be a page, not only an error message.
SECRET_BRIEFING = f"---\ntitle: {SECRET}\ndate: 2021-02-01\n---\n{SECRET} in the body.\n"


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def everything_written(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()) if folder.exists() else b""


@pytest.fixture
def site(make_site, tmp_path):
    """A site with one briefing, and beside it (outside it) a secret file and a secret folder."""
    root = make_site({"content/briefings/first-call.md": BRIEFING})
    (tmp_path / "secret.txt").write_text(SECRET_BRIEFING)
    (tmp_path / "secret-folder" / "briefings").mkdir(parents=True)
    (tmp_path / "secret-folder" / "secret.md").write_text(SECRET_BRIEFING)
    (tmp_path / "secret-folder" / "briefings" / "secret.md").write_text(SECRET_BRIEFING)
    return root


def link(root: Path, rel: str, target: str | Path) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


# (link inside the site, what it points at: relative to tmp_path when it starts with "@")
OUTSIDE_LINKS = [
    ("static/passwd.txt", "/etc/passwd"),
    ("static/secret.txt", "@secret.txt"),
    ("static/docs", "@secret-folder"),  # a linked folder
    ("static/css/deep/secret.css", "@secret.txt"),  # deep inside
    ("content/briefings/secret.md", "@secret.txt"),
    ("content/briefings/elsewhere", "@secret-folder"),
    ("content/pages", "@secret-folder"),  # a whole section
    ("content/briefings/relative.md", "../../../secret.txt"),  # written relative, leaves the site all the same
    ("templates/briefing.html", "@secret.txt"),
    ("templates/partials", "@secret-folder"),
    ("static/zero.bin", "/dev/zero"),  # a device, out of the site
]


@pytest.mark.parametrize("rel, target", OUTSIDE_LINKS)
def test_a_link_out_of_the_site_is_an_error_in_build_and_check_and_nothing_of_it_is_written(site, tmp_path, rel,
                                                                                            target):
    target = tmp_path / target[1:] if target.startswith("@") else Path(target)
    real = os.path.realpath(link(site, rel, target))
    for command in ("build", "check"):
        result = run(command, cwd=site)
        assert result.returncode == 1, (command, result.stderr)
        assert error_lines(result) == [
            f"{rel}: error: the link points to {real}, outside the site folder; briefgen reads nothing "
            "through it. Copy what you need into the site folder and remove the link."], (command, result.stderr)
        assert SECRET not in result.stderr and "root:" not in result.stderr
    assert not (site / "_site").exists()


def test_a_link_into_a_hidden_folder_of_the_site_is_refused(site):
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text('[remote "origin"]\n\turl = https://user:token@example.org/x.git\n')
    link(site, "static/config.txt", "../.git/config")
    link(site, "content/briefings/cache", "../../.git")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert error_lines(result) == [
        f"content/briefings/cache: error: the link points to {(site / '.git').resolve()}, inside the hidden folder "
        ".git; briefgen reads nothing through it. Copy what you need into the site folder and remove the link.",
        f"static/config.txt: error: the link points to {(site / '.git/config').resolve()}, inside the hidden folder "
        ".git; briefgen reads nothing through it. Copy what you need into the site folder and remove the link."]
    assert "token" not in result.stderr


def test_a_site_folder_that_is_itself_a_link_out_of_the_site_is_an_error(site, tmp_path):
    (tmp_path / "shared-static").mkdir()
    (tmp_path / "shared-static" / "logo.svg").write_text("<svg/>")
    link(site, "static", tmp_path / "shared-static")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert error_lines(result) == [
        f"static: error: the folder is reached through a link to {(tmp_path / 'shared-static').resolve()}, outside "
        "the site folder; it is not read. Move the folder into the site and remove the link."]


def test_a_theme_linked_from_outside_the_site_is_an_error(site, tmp_path):
    theme = tmp_path / "shared-theme"
    (theme / "static").mkdir(parents=True)
    (theme / "static" / "theme.css").write_text("body { color: red }")
    (theme / "templates").mkdir()
    link(site, "themes/shared", theme)
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "theme: shared\n")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert sorted(error_lines(result)) == [
        f"themes/shared/static: error: the folder is reached through a link to {(theme / 'static').resolve()}, "
        "outside the site folder; it is not read. Move the folder into the site and remove the link.",
        f"themes/shared/templates: error: the folder is reached through a link to {(theme / 'templates').resolve()}, "
        "outside the site folder; it is not read. Move the folder into the site and remove the link."]


def test_a_link_in_a_theme_inside_the_site_that_leaves_it_is_an_error(site, tmp_path):
    (site / "themes/mine/templates").mkdir(parents=True)
    link(site, "themes/mine/static/secret.txt", tmp_path / "secret.txt")
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "theme: mine\n")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert [line.split(": error: ")[0] for line in error_lines(result)] == ["themes/mine/static/secret.txt"]


def test_dangling_links_are_errors_wherever_they_are(site):
    link(site, "static/gone.css", "nowhere.css")
    link(site, "templates/base.html", "missing.html")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert error_lines(result) == [
        "static/gone.css: error: the file is a link to nowhere.css, which does not exist. "
        "Remove the link or point it at an existing file.",
        "templates/base.html: error: the file is a link to missing.html, which does not exist. "
        "Remove the link or point it at an existing file."]


@pytest.mark.parametrize("rel, target", [
    ("content/briefings/up", ".."),  # to a folder that contains it
    ("content/briefings/2021/again", "../../briefings"),
    ("static/css/root", "../../static"),
    ("content/briefings/self.md", "self.md"),  # a link to itself
])
def test_a_link_loop_is_an_error_not_a_hang(site, rel, target):
    (site / "static/css").mkdir(parents=True)
    (site / "content/briefings/2021").mkdir(parents=True, exist_ok=True)
    link(site, rel, target)
    result = run("build", cwd=site)
    assert result.returncode == 1, result.stderr
    [line] = error_lines(result)
    assert line.startswith(f"{rel}: error: ") and ("never end" in line or "loops back on itself" in line), line


def test_two_links_pointing_at_each_other_are_an_error(site):
    link(site, "content/briefings/a.md", "b.md")
    link(site, "content/briefings/b.md", "a.md")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert [line.split(": error: ")[1] for line in error_lines(result)] == [
        "the link to b.md loops back on itself. Point the link at a real file or folder, or remove it.",
        "the link to a.md loops back on itself. Point the link at a real file or folder, or remove it."]


def test_linked_folders_and_files_inside_the_site_are_followed(site):
    archive = site / "archive" / "2020"
    archive.mkdir(parents=True)
    (archive / "old-call.md").write_text(BRIEFING.replace("First call", "Old call").replace("2021-01-26", "2020-05-01"))
    (site / "assets" / "img").mkdir(parents=True)
    (site / "assets" / "img" / "logo.svg").write_text("<svg>logo</svg>")
    (site / "shared.css").write_text("body { margin: 0 }")
    link(site, "content/briefings/2020", "../../archive/2020")
    link(site, "static/img", "../assets/img")
    link(site, "static/css/shared.css", "../../shared.css")
    link(site, "content/briefings/same-call.md", "first-call.md")
    result = run("build", cwd=site)
    assert error_lines(result) == []
    out = site / "_site"
    assert "Old call" in (out / "briefings/old-call/index.html").read_text()
    assert (out / "img/logo.svg").read_text() == "<svg>logo</svg>"
    assert (out / "css/shared.css").read_text() == "body { margin: 0 }"
    assert (out / "briefings/same-call/index.html").is_file()


def make_fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


@pytest.mark.parametrize("rel", [
    "content/briefings/pipe.md",
    "content/pages/deep/pipe.md",
    "content/pipe.md",  # directly in content/: not built, but never opened either
    "static/pipe.css",
    "static/.well-known/pipe",
    "templates/briefing.html",
    "templates/partials/pipe.html",
    "themes/mine/static/pipe.js",
])
def test_a_named_pipe_is_an_error_naming_it_in_build_and_check_never_a_hang(site, rel):
    (site / "themes/mine/templates").mkdir(parents=True)
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "theme: mine\n")
    make_fifo(site / rel)
    for command in ("build", "check"):
        result = run(command, cwd=site)
        assert result.returncode == 1, (command, result.stderr)
        assert error_lines(result) == [
            f"{rel}: error: the file is a named pipe (FIFO), not a regular file; briefgen reads only regular files. "
            "Remove it, or move it out of the site folder."], (command, result.stderr)


def test_a_link_to_a_pipe_inside_the_site_is_an_error_too(site):
    make_fifo(site / "pipes" / "pipe")
    link(site, "content/briefings/piped.md", "../../pipes/pipe")
    link(site, "static/piped.txt", "../pipes/pipe")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert [line.split(": error: ")[0] for line in error_lines(result)] == ["content/briefings/piped.md",
                                                                            "static/piped.txt"]
    assert all("named pipe (FIFO)" in line for line in error_lines(result))


def test_a_socket_is_an_error_naming_it(site, tmp_path):
    # A socket's path is limited to about 100 bytes: bind it from inside the folder, by its short name.
    (site / "static").mkdir()
    here = os.getcwd()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.chdir(site / "static")
        server.bind("editor.sock")
    finally:
        os.chdir(here)
    try:
        result = run("build", cwd=site)
    finally:
        server.close()
    assert result.returncode == 1
    assert error_lines(result) == [
        "static/editor.sock: error: the file is a socket, not a regular file; briefgen reads only regular files. "
        "Remove it, or move it out of the site folder."]


def test_other_files_are_untouched_by_what_is_refused(site):
    """A refused build leaves the last good site as it was."""
    assert run("build", cwd=site).returncode == 0
    before = everything_written(site / "_site")
    make_fifo(site / "content/briefings/pipe.md")
    link(site, "static/passwd.txt", "/etc/passwd")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert everything_written(site / "_site") == before


# --- publish: the same build(), so the same refusal ------------------------------------------------

def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_publish_refuses_a_link_out_of_the_site_and_commits_nothing(site, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "T")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "t@example.org")
    link(site, "static/secret.txt", tmp_path / "secret.txt")
    git("init", "-q", "-b", "main", cwd=site)
    git("add", "-A", cwd=site)
    git("commit", "-q", "-m", "Sources", cwd=site)
    result = run("publish", "--no-push", "--base-url", "https://writer.github.io/briefs/", cwd=site)
    assert result.returncode == 1, result.stderr
    assert (f"static/secret.txt: error: the link points to {(tmp_path / 'secret.txt').resolve()}, outside the site "
            "folder") in result.stderr
    assert "gh-pages" not in git("branch", "--list", cwd=site)
    assert git("log", "--all", "--format=%s", cwd=site).split("\n")[0] == "Sources"


# --- serve: a file saved as a link or a pipe after the first build -----------------------------------


def wait_for_errors(session: PreviewSession, timeout: float = 10.0) -> tuple:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        errors = session.state.view().errors
        if errors:
            return errors
        time.sleep(0.02)
    raise AssertionError(f"no error after {timeout} s: {session.log.lines}")


@pytest.mark.parametrize("replace", ["outside link", "pipe"])
def test_serve_refuses_a_known_file_replaced_by_a_link_out_or_a_pipe(site, tmp_path, replace):
    with PreviewSession(PreviewSettings(site, port=0), RecordingLog()) as session:
        briefing = site / "content/briefings/first-call.md"
        swapped = briefing.with_name(".swap")  # made beside it, then renamed over it: one event
        if replace == "pipe":
            os.mkfifo(swapped)
        else:
            swapped.symlink_to(tmp_path / "secret.txt")
        os.replace(swapped, briefing)
        [error] = wait_for_errors(session)
        assert str(error).startswith("content/briefings/first-call.md: error: "), error
        served = b"".join(output.read() for output in session.state.view().snapshot.files.values()
                          if output.rel_path.endswith(".html"))
        assert SECRET.encode() not in served
        assert b"agreed to extend" in served  # the last good site stays


# --- site.yaml: read like every other file ------------------------------------------------------------

@pytest.mark.parametrize("shape", ["pipe", "outside link", "hidden link", "dangling link"])
def test_site_yaml_that_is_not_a_regular_file_of_the_site_is_an_error_not_a_hang(site, tmp_path, shape):
    config = site / "site.yaml"
    (tmp_path / "outside.yaml").write_text(config.read_text() + f"title: {SECRET}\n")
    (site / ".hidden").mkdir()
    (site / ".hidden" / "site.yaml").write_text(config.read_text())
    config.unlink()
    if shape == "pipe":
        os.mkfifo(config)
        expected = "the file is a named pipe (FIFO), not a regular file"
    elif shape == "outside link":
        config.symlink_to(tmp_path / "outside.yaml")
        expected = f"the file is a link to {(tmp_path / 'outside.yaml').resolve()}, outside the site folder"
    elif shape == "hidden link":
        config.symlink_to(".hidden/site.yaml")
        expected = f"the file is a link to {(site / '.hidden/site.yaml').resolve()}, inside the hidden folder .hidden"
    else:
        config.symlink_to("nowhere.yaml")
        expected = "No such file or directory"
    for command in ("build", "check"):
        result = run(command, cwd=site)
        assert result.returncode == 1, result.stderr
        assert error_lines(result) == [f"site.yaml: error: site.yaml cannot be read: {expected}. "
                                       "Check that you may read it."], result.stderr
        assert SECRET not in result.stderr


def test_site_yaml_linked_inside_the_site_is_read(site):
    config = site / "site.yaml"
    (site / "config").mkdir()
    config.rename(site / "config" / "site.yaml")
    config.symlink_to("config/site.yaml")
    assert run("build", cwd=site).returncode == 0


def test_copies_of_sources_and_markdown_not_built_are_never_published(tmp_path):
    """What editors, merges and sync tools leave beside a draft (x.md.orig, x.md.save, a conflicted copy) or
    Markdown under another extension would give readers the source as written: left out, and said."""
    secret = "---\ntitle: Secret\ndate: 2021-01-01\ndraft: true\n---\nSECRETWORD in the body.\n"
    copies = ["secret.md.orig", "secret.md.save", "secret (conflicted copy).md.txt", "secret.markdown", "Notes.MD"]
    site = write_site(tmp_path / "site", {
        "content/briefings/public.md": "---\ntitle: Public\ndate: 2021-01-02\n---\nA body.\n",
        "content/briefings/secret.md": secret,
        **{f"content/briefings/{name}": secret for name in copies},
        "content/briefings/readout.pdf": "%PDF-1.4 a readout",
        "static/style.css.orig": "SECRETWORD",
    })
    for command in ("build", "check"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 0, result.stderr
        for name in copies[2:]:  # .orig and .save are left out silently, as x~ and x.bak are
            assert f"content/briefings/{name}: warning: this looks like Markdown that is not built" in result.stderr
    published = [p for p in (site / "_site").rglob("*") if p.is_file() and b"SECRETWORD" in p.read_bytes()]
    assert published == []
    assert (site / "_site/briefings/readout.pdf").is_file()  # a file for readers is still published
