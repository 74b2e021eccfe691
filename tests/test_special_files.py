"""A named pipe, a socket, a device (a link to /dev/zero) or a folder where briefgen reads a file never hangs a
build: in the user's sources it is an error naming the file; in the cache folder or the output folder it is
damage, left out and made again.

Each place is tried with a build that must end within HANG_LIMIT seconds: a timeout is the hang. The user's
sources (content/, static/, templates/, themes, site.yaml) are also tried in test_hostile_files.py; here are
the other shapes of the same defect: a bundle's files, translation catalogs, theme overrides, links to
devices, and every file briefgen keeps for itself (.briefgen-cache/, the output folder and its work folder).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from briefgen.output.outputs import Output
from briefgen.serve.session import PreviewSession, PreviewSettings
from image_support import png
from conftest import HANG_LIMIT, run_cli_or_fail_on_hang as run
from test_hostile_files import BRIEFING as HOSTILE_BRIEFING
from test_serve import RecordingLog

BRIEFING = HOSTILE_BRIEFING.replace("extend the treaty.", "extend the treaty. ![Map](map.png)")
PIPE_ERROR = ("error: the file is a named pipe (FIFO), not a regular file; briefgen reads only regular files. "
              "Remove it, or move it out of the site folder.")


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if "error: " in line]


def built(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr
    assert error_lines(result) == [], result.stderr


@pytest.fixture
def site(make_site):
    """A site with a bundle (a briefing, its image), a static file, and (unused until a test asks) a theme."""
    root = make_site({"content/briefings/first-call/index.md": BRIEFING,
                      "content/briefings/first-call/map.png": png(800, 400),
                      "static/css/extra.css": "body { margin: 0 }\n"})
    (root / "themes/mine/templates").mkdir(parents=True)
    return root


def put(path: Path, shape: str) -> None:
    """Put `shape` at `path`, in place of whatever is there: a named pipe, a link to /dev/zero, or a folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    if shape == "pipe":
        os.mkfifo(path)
    elif shape == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
        (path / "inside").write_text("x")


def edit_briefing(root: Path, text: str) -> None:
    path = root / "content/briefings/first-call/index.md"
    path.write_text(re.sub(r"extend the \w+", text, path.read_text()))


def page_text(root: Path) -> str:
    return (root / "_site/briefings/first-call/index.html").read_text()


# --- the user's sources: an error naming the file, in build, check and a build after a good one -------------

@pytest.mark.parametrize("rel, setting", [
    ("content/briefings/first-call/map.png", ""),  # the image a body shows (Pillow would open it)
    ("content/briefings/first-call/readout.pdf", ""),  # a bundle's attachment
    ("content/briefings/shared/europe.svg", ""),  # a file of content/ outside any bundle
    ("themes/mine/templates/briefing.html", "theme: mine\n"),  # a theme's template
    ("themes/mine/static/theme.css", "theme: mine\n"),  # a theme's static file
    ("templates/base.html", ""),  # the site's own override of a theme template
])
def test_a_named_pipe_in_the_sources_is_an_error_naming_it(site, rel, setting):
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + setting)
    built(run("build", cwd=site))  # a good build first: the next one has a cache and a site to compare with
    put(site / rel, "pipe")
    for command in ("build", "check"):
        result = run(command, cwd=site)
        assert result.returncode == 1, (command, result.stderr)
        # (the body's image also "points at no file": what it points at is not one briefgen reads)
        assert f"{rel}: {PIPE_ERROR}" in error_lines(result), (command, result.stderr)
    assert (site / "_site/css/extra.css").is_file()  # the last good site stays


def test_a_named_pipe_as_a_translation_catalog_is_an_error_naming_it(site):
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "language: de\n")
    built(run("build", cwd=site))
    put(site / "translations/de.po", "pipe")
    for command in ("build", "check"):
        result = run(command, cwd=site)
        assert result.returncode == 1, (command, result.stderr)
        assert error_lines(result) == [
            "translations/de.po: error: cannot be read: the file is a named pipe (FIFO), not a regular file. "
            "Make it a regular file inside the site."], (command, result.stderr)


@pytest.mark.parametrize("rel", [
    "static/zero.bin",
    "static/css/random.css",
    "content/briefings/zero.md",  # a Markdown file
    "content/briefings/first-call/zero.png",  # a bundle's image
])
def test_a_link_to_a_device_in_the_sources_is_an_error_naming_it_never_read(site, rel):
    built(run("build", cwd=site))
    path = site / rel
    path.symlink_to("/dev/urandom" if "random" in rel else "/dev/zero")
    target = os.path.realpath(path)
    for command in ("build", "check"):
        result = run(command, cwd=site)
        assert result.returncode == 1, (command, result.stderr)
        assert error_lines(result) == [
            f"{rel}: error: the link points to {target}, outside the site folder; briefgen reads nothing through "
            "it. Copy what you need into the site folder and remove the link."], (command, result.stderr)


# --- the cache folder: damage, left out and made again --------------------------------------------------------

def _variant(root: Path) -> str:
    """A resized copy the cache folder keeps for the bundle's image."""
    return next(p.name for p in sorted((root / ".briefgen-cache/images").iterdir()) if p.suffix == ".png")


CACHE_FILES = ["state.pickle", "search.pickle", "cache.sqlite", "cache.sqlite-journal", "lock", ".gitignore",
               "images/probes.json", "images/<variant>"]


@pytest.mark.parametrize("shape", ["pipe", "zero"])
@pytest.mark.parametrize("rel", CACHE_FILES)
def test_a_special_file_in_the_cache_folder_is_damage_the_build_makes_again(site, rel, shape):
    built(run("build", cwd=site))
    rel = rel.replace("<variant>", _variant(site))
    path = site / ".briefgen-cache" / rel
    put(path, shape)
    built(run("build", cwd=site))  # nothing changed, or so the cache says
    edit_briefing(site, "extend the accord")
    built(run("build", cwd=site))  # a build that reads the cache
    assert "extend the accord" in page_text(site)
    built(run("check", cwd=site))
    edit_briefing(site, "extend the pact")
    built(run("build", cwd=site))  # and the cache made again is read by the next one
    assert "extend the pact" in page_text(site)
    mode = os.lstat(path).st_mode if os.path.lexists(path) else None
    assert mode is None or stat.S_ISREG(mode), f"{rel} is still not a regular file"


@pytest.mark.parametrize("rel", ["state.pickle", "cache.sqlite", "cache.sqlite-journal", "images/probes.json",
                                 "images/<variant>", ".gitignore"])
def test_a_folder_in_the_cache_folder_where_a_file_belongs_does_not_stop_the_build(site, rel):
    built(run("build", cwd=site))
    rel = rel.replace("<variant>", _variant(site))
    put(site / ".briefgen-cache" / rel, "folder")
    edit_briefing(site, "extend the accord")
    result = run("build", cwd=site)
    built(result)
    assert "extend the accord" in page_text(site)
    assert (site / "_site/briefings/first-call/map.png").is_file()


def test_a_folder_in_place_of_the_cache_lock_is_an_error_naming_it(site):
    built(run("build", cwd=site))
    put(site / ".briefgen-cache/lock", "folder")
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert error_lines(result) == [
        f"error: {site / '.briefgen-cache/lock'} is a folder, not a regular file; briefgen keeps the lock of its "
        "builds there. Remove it: briefgen makes the file again."], result.stderr


# --- the output folder and its work folder --------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["pipe", "zero"])
@pytest.mark.parametrize("rel", ["_site/.briefgen-output", "_site/css/extra.css", "_site/index.html",
                                 "_site/briefings/first-call/map.png", "._site.briefgen/lock"])
def test_a_special_file_in_the_output_folder_is_written_again(site, rel, shape):
    built(run("build", cwd=site))
    expected = {p.relative_to(site / "_site"): p.read_bytes() for p in (site / "_site").rglob("*") if p.is_file()}
    put(site / rel, shape)
    built(run("build", cwd=site))
    edit_briefing(site, "extend the accord")
    built(run("build", cwd=site))
    for path in (site / "_site").rglob("*"):
        mode = os.lstat(path).st_mode
        assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), path
    for name in ("css/extra.css", "briefings/first-call/map.png", ".briefgen-output"):
        assert (site / "_site" / name).read_bytes() == expected[Path(name)]
    assert "extend the accord" in page_text(site)


@pytest.mark.parametrize("shape", ["pipe", "zero"])
def test_a_special_file_as_the_work_folders_marker_is_an_error_naming_the_folder(site, shape):
    built(run("build", cwd=site))
    put(site / "._site.briefgen/.briefgen-work", shape)
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert error_lines(result) == [
        f"error: {site / '._site.briefgen'} exists but is not briefgen's work folder for {site / '_site'}; "
        "briefgen needs that name for the files it stages beside the output folder. Move or rename it (briefgen "
        "never removes a folder it did not make), or build into another folder with --out."], result.stderr


# --- serve: a file of the last good site made a pipe since --------------------------------------------------

def test_serve_answers_for_a_static_file_made_a_pipe_since_the_build(site):
    with PreviewSession(PreviewSettings(site, port=0), RecordingLog()) as session:
        session.serve_in_background()
        assert _get(session, "/css/extra.css") == 200
        swapped = site / "static/css/.swap"
        os.mkfifo(swapped)
        os.replace(swapped, site / "static/css/extra.css")
        assert _get(session, "/css/extra.css") == 404  # not a hang: the last good site has no such file now
        assert _get(session, "/briefings/first-call/") == 200


def _get(session: PreviewSession, path: str) -> int:
    connection = http.client.HTTPConnection(*session.server.server_address[:2], timeout=HANG_LIMIT / 2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except TimeoutError:
        pytest.fail(f"serve hung on GET {path}")
    finally:
        connection.close()


def test_an_output_read_from_a_pipe_raises_instead_of_blocking(tmp_path):
    pipe = tmp_path / "page.html"
    os.mkfifo(pipe)
    outcome: list[BaseException | bytes] = []
    reader = threading.Thread(target=lambda: outcome.append(_read_or_error(Output("page.html", copy_from=pipe))),
                              daemon=True)
    reader.start()
    reader.join(HANG_LIMIT / 2)
    if reader.is_alive():
        with open(pipe, "wb"):  # let the blocked reader go
            pass
        pytest.fail("reading an output whose file is a pipe blocked")
    assert isinstance(outcome[0], OSError) and "named pipe" in str(outcome[0])


def _read_or_error(output: Output):
    try:
        return output.read()
    except OSError as exc:
        return exc
