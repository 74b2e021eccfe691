"""briefgen serve: a real server on a free port, real files, real watchdog events; no mocks.

Waits are bounded: each helper gives up after a few seconds with a message.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from briefgen.pipeline import build, build_and_index
from briefgen.config import load_config
from briefgen.serve.http import EVENTS_PATH
from briefgen.serve.session import PreviewSession, PreviewSettings

BRIEFING = """\
---
title: First call
date: 2021-01-26
leaders: [Joe Biden, Vladimir Putin]
treaties: [New START]
---
The two presidents agreed to extend the treaty.
"""
SECOND = """\
---
title: Treaty extended
date: 2021-02-03
leaders: [Joe Biden]
treaties: [New START]
---
The extension took effect.
"""
BROKEN = BRIEFING.replace("title: First call", "title: [unclosed")
QUIET = 0.6  # well past the 0.15 s debounce: a second rebuild would have started by now


class RecordingLog:
    """What serve would print to the terminal."""

    def __init__(self):
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def diagnostics(self, diagnostics) -> None:
        self.lines.extend(str(d) for d in diagnostics)


@pytest.fixture
def serve_site(make_site):
    """start(files, **settings) -> (site folder, running PreviewSession); all are closed afterwards."""
    sessions: list[PreviewSession] = []

    def start(files: dict | None = None, **settings) -> tuple[Path, PreviewSession]:
        site = make_site({"content/briefings/first-call.md": BRIEFING, **(files or {})})
        session = PreviewSession(PreviewSettings(site, port=0, **settings), RecordingLog())
        sessions.append(session.serve_in_background())
        return site, session

    yield start
    for session in sessions:
        session.close()


def address(session: PreviewSession) -> tuple[str, int]:
    return session.server.server_address[:2]


def fetch(session: PreviewSession, path: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection(*address(session), timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def page(session: PreviewSession, path: str) -> str:
    status, _, body = fetch(session, path)
    assert status == 200, (path, status)
    return body.decode()


def raw_get(session: PreviewSession, target: bytes) -> tuple[int, bytes]:
    """Send the request line byte for byte: no client-side normalisation of '..' or '%2e'."""
    with socket.create_connection(address(session), timeout=5) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.0\r\nHost: localhost\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return int(received.split(b" ", 2)[1]), received


def wait_until(predicate, what: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_build(session: PreviewSession, after: int) -> int:
    return wait_until(lambda: session.state.generation > after and session.state.generation, "a rebuild")


class EventStream:
    """A Server-Sent Events reader on http.client, reading the stream as EventSource would."""

    def __init__(self, session: PreviewSession):
        self.connection = http.client.HTTPConnection(*address(session), timeout=5)
        self.connection.request("GET", EVENTS_PATH)
        self.response = self.connection.getresponse()
        assert self.response.headers["Content-Type"].startswith("text/event-stream")

    def next_event(self) -> tuple[str, dict]:
        name, data = "message", []
        while True:
            line = self.response.readline().decode("utf-8")
            if not line:
                raise EOFError("the event stream closed")
            line = line.rstrip("\r\n")
            if not line:
                if data:
                    return name, json.loads("\n".join(data))
                name = "message"
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                if key == "event":
                    name = value.strip()
                elif key == "data":
                    data.append(value.lstrip(" "))

    def close(self) -> None:
        self.connection.close()


def atomic_save(path: Path, text: str) -> None:
    """What many editors do: write a hidden temporary file beside the target, then rename it over."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def test_an_edit_changes_the_served_page_and_sends_a_reload_event(serve_site):
    site, session = serve_site()
    assert "agreed to extend the treaty" in page(session, "/briefings/first-call/")
    events = EventStream(session)
    try:
        name, hello = events.next_event()  # the generation now, so a page can tell it is stale
        assert name == "reload" and hello["generation"] == session.state.generation
        (site / "content/briefings/first-call.md").write_text(BRIEFING.replace("extend the treaty", "meet in Geneva"))
        name, event = events.next_event()
        assert name == "reload" and event["generation"] == hello["generation"] + 1
        assert event["session"] == hello["session"]
    finally:
        events.close()
    served = page(session, "/briefings/first-call/")
    assert "agreed to meet in Geneva" in served and "extend the treaty" not in served
    assert any("content/briefings/first-call.md changed; rebuilt" in line for line in session.log.lines)


def test_a_broken_briefing_keeps_the_last_good_page_with_an_error_overlay_until_fixed(serve_site):
    site, session = serve_site()
    source = site / "content/briefings/first-call.md"
    generation = session.state.generation
    source.write_text(BROKEN)
    generation = wait_for_build(session, generation)

    served = page(session, "/briefings/first-call/")
    assert "agreed to extend the treaty" in served  # the last good page
    overlay = re.search(r'<div id="briefgen-errors".*?</div>', served, re.S).group(0)
    assert "position:fixed" in overlay
    assert re.search(r"content/briefings/first-call\.md:\d+:\d+: error: invalid YAML in front matter", overlay)
    assert served.index('id="briefgen-errors"') < served.rindex("</body>")
    assert 'id="briefgen-errors"' in page(session, "/")  # on every page
    assert re.search(r"content/briefings/first-call\.md:\d+:", "\n".join(session.log.lines))  # and in the terminal

    source.write_text(BRIEFING.replace("extend the treaty", "keep talking"))
    wait_for_build(session, generation)
    served = page(session, "/briefings/first-call/")
    assert "briefgen-errors" not in served and "agreed to keep talking" in served


def test_the_overlay_escapes_what_it_shows(serve_site):
    site, session = serve_site()
    generation = session.state.generation
    (site / "content/briefings/first-call.md").write_text(BRIEFING + "See [[<i>Nope</i>]] here.\n")
    wait_for_build(session, generation)
    served = page(session, "/")
    assert "[[&lt;i&gt;Nope&lt;/i&gt;]]" in served and "<i>Nope</i>" not in served


def test_a_site_that_never_built_shows_its_errors_then_recovers(serve_site):
    site, session = serve_site({"content/briefings/first-call.md": BROKEN})
    status, headers, body = fetch(session, "/briefings/first-call/")
    assert status == 500 and headers["Content-Type"].startswith("text/html")
    assert b'id="briefgen-errors"' in body and b"data-briefgen-live-reload" in body
    generation = session.state.generation
    (site / "content/briefings/first-call.md").write_text(BRIEFING)
    wait_for_build(session, generation)
    assert "briefgen-errors" not in page(session, "/briefings/first-call/")


TRAVERSALS = [
    b"/../site.yaml",
    b"/%2e%2e/site.yaml",
    b"/%2E%2E/site.yaml",
    b"/..%2fsite.yaml",
    b"/%2e%2e%2f%2e%2e%2fetc/passwd",
    b"/%2e%2e%2f%2e%2e%2fsecret.txt",
    b"/briefings/../../secret.txt",
    b"/..\\site.yaml",
    b"/%5c..%5csite.yaml",
    b"/..%5csite.yaml",
    b"/site.yaml%00.html",
    b"/%252e%252e/site.yaml",
    b"/%c0%ae%c0%ae/site.yaml",
    b"//etc/passwd",
    b"/leak.txt",
    b"/outside/secret.txt",
    b"/site.yaml",
    b"/content/briefings/first-call.md",
]


def test_nothing_outside_the_site_is_served(serve_site):
    site, session = serve_site({"static/real.txt": "a real static file\n"})
    secret = site.parent / "secret.txt"
    secret.write_text("TOP SECRET\n")
    (site.parent / "outside").mkdir()
    (site.parent / "outside" / "secret.txt").write_text("TOP SECRET\n")
    # Symlinks in static/ that point out of the site: an error, as in build; the last good site stays.
    (site / "static" / "leak.txt").symlink_to(secret)
    (site / "static" / "outside").symlink_to(site.parent / "outside")
    generation = session.state.generation
    (site / "static" / "real.txt").write_text("a real static file, again\n")
    wait_for_build(session, generation)
    assert "leak.txt" not in session.state.view().snapshot.files
    assert any(line.startswith(f"static/leak.txt: error: the link points to {secret}, outside the site folder")
               for line in session.log.lines), session.log.lines
    assert "static/outside" in str(session.state.view().errors)

    for target in TRAVERSALS:
        status, response = raw_get(session, target)
        assert status in (400, 404), (target, response[:200])
        for leaked in (b"TOP SECRET", b"base_url", b"root:", b"agreed to extend"):
            assert leaked not in response, (target, leaked)
    assert raw_get(session, b"/real.txt")[0] == 200


def test_a_burst_of_saves_is_one_rebuild(serve_site):
    site, session = serve_site()
    source = site / "content/briefings/first-call.md"
    generation = session.state.generation
    for number in range(20):
        source.write_text(BRIEFING.replace("extend the treaty", f"draft number {number}"))
    wait_for_build(session, generation)
    time.sleep(QUIET)
    assert session.state.generation == generation + 1
    assert "agreed to draft number 19" in page(session, "/briefings/first-call/")


def test_an_atomic_save_is_one_rebuild_and_temp_files_none(serve_site):
    site, session = serve_site()
    source = site / "content/briefings/first-call.md"
    generation = session.state.generation
    atomic_save(source, BRIEFING.replace("extend the treaty", "meet in Geneva"))
    wait_for_build(session, generation)
    time.sleep(QUIET)
    assert session.state.generation == generation + 1
    assert "agreed to meet in Geneva" in page(session, "/briefings/first-call/")

    # Editor lock, backup, swap and probe files (Emacs, Vim) change nothing.
    for name in (".#first-call.md", "first-call.md~", ".first-call.md.swp", "4913", "#first-call.md#"):
        (source.parent / name).write_text("noise")
    time.sleep(QUIET)
    assert session.state.generation == generation + 1


def test_a_site_yaml_change_reloads_the_config(serve_site):
    site, session = serve_site()
    generation = session.state.generation
    atomic_save(site / "site.yaml", "title: Renamed desk\nbase_url: https://user.github.io/moved/\n")
    wait_for_build(session, generation)
    assert "Renamed desk" in page(session, "/moved/")
    assert fetch(session, "/")[1]["Location"] == "/moved/"


def test_a_new_static_folder_is_watched(serve_site):
    site, session = serve_site()
    generation = session.state.generation
    (site / "static").mkdir()
    wait_for_build(session, generation)  # the new folder is watched before that rebuild starts
    (site / "static" / "note.txt").write_text("hello\n")
    wait_until(lambda: fetch(session, "/note.txt")[0] == 200, "the new static file to be served")


def test_the_site_is_served_under_its_base_path(serve_site):
    _, session = serve_site({"site.yaml": "title: T\nbase_url: https://user.github.io/repo/\n"})
    for path, expected in (("/", 302), ("/repo", 301), ("/repo?x=1", 301)):
        status, headers, _ = fetch(session, path)
        assert status == expected and headers["Location"].startswith("/repo/"), path
    assert fetch(session, "/repo?x=1")[1]["Location"] == "/repo/?x=1"
    home = page(session, "/repo/")
    assert 'href="/repo/briefings/first-call/"' in home and 'href="/repo/assets/style.css"' in home
    assert "agreed to extend" in page(session, "/repo/briefings/first-call/")
    status, _, body = fetch(session, "/briefings/first-call/")  # outside the base path
    assert status == 404 and b"Page not found" in body
    assert session.url.endswith("/repo/")


def test_base_url_flag_overrides_the_preview_path(serve_site):
    _, session = serve_site(base_url="https://example.org/preview/")
    assert "agreed to extend" in page(session, "/preview/briefings/first-call/")
    assert fetch(session, "/briefings/first-call/")[0] == 404


def test_missing_pages_get_404_html_with_status_404(serve_site):
    _, session = serve_site()
    status, headers, body = fetch(session, "/briefings/no-such-briefing/")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Page not found" in body and b"data-briefgen-live-reload" in body
    assert fetch(session, "/no-such-file.css")[0] == 404
    status, headers, body = fetch(session, "/briefings/first-call/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_a_folder_without_its_slash_redirects(serve_site):
    _, session = serve_site()
    status, headers, _ = fetch(session, "/briefings/first-call")
    assert status == 301 and headers["Location"] == "/briefings/first-call/"
    status, headers, _ = fetch(session, "/assets")
    assert status == 301 and headers["Location"] == "/assets/"


def test_content_types(serve_site):
    _, session = serve_site({
        "static/data/figures.json": "{}",
        "static/fonts/body.woff2": b"wOF2",
        "static/idx/en.pagefind": b"\x1f\x8b",
        "static/idx/x.pf_meta": b"\x1f\x8b",
        "static/img/map.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "static/js/app.js": "1;",
        "static/files/blob.unknownext": b"\x00",
        "static/files/noext": b"\x00",
    })
    expected = {
        "/": "text/html; charset=utf-8",
        "/atom.xml": "application/xml",
        "/sitemap.xml": "application/xml",
        "/robots.txt": "text/plain; charset=utf-8",
        "/assets/style.css": "text/css; charset=utf-8",
        "/favicon.svg": "image/svg+xml",
        "/data/figures.json": "application/json",
        "/fonts/body.woff2": "font/woff2",
        "/idx/en.pagefind": "application/octet-stream",
        "/idx/x.pf_meta": "application/octet-stream",
        "/img/map.svg": "image/svg+xml",
        "/js/app.js": "text/javascript; charset=utf-8",
        "/files/blob.unknownext": "application/octet-stream",
        "/files/noext": "application/octet-stream",
    }
    for path, content_type in expected.items():
        status, headers, _ = fetch(session, path)
        assert (status, headers["Content-Type"]) == (200, content_type), path
        assert headers["Cache-Control"] == "no-store"


def test_a_browser_that_hangs_up_mid_answer_is_not_an_error(serve_site, capfd):
    _, session = serve_site()
    for _ in range(10):
        with socket.create_connection(address(session), timeout=5) as connection:
            connection.sendall(b"GET / HTTP/1.0\r\n\r\n")
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
    assert "agreed to extend" in page(session, "/")
    time.sleep(0.2)
    printed = capfd.readouterr().err
    assert "Traceback" not in printed and "internal error" not in printed


def test_the_reload_script_is_added_to_served_html_only(serve_site):
    site, session = serve_site()
    assert page(session, "/").count("data-briefgen-live-reload") == 1
    assert b"live-reload" not in fetch(session, "/assets/style.css")[2]
    assert b"__briefgen" not in fetch(session, "/atom.xml")[2]
    assert not (site / "_site").exists()  # serve writes nothing
    for output in build(load_config(site)).outputs:  # and the built files never carry it
        assert b"__briefgen" not in output.read() and b"briefgen-errors" not in output.read(), output.rel_path


def edit_and_compare_with_a_clean_build(session, site: Path, action) -> None:
    """Do `action` (an edit), wait for serve's rebuild and search index, and compare what it serves with a
    clean build of the same sources, byte for byte."""
    generation = session.state.generation
    action()
    wait_for_build(session, generation)
    assert not session.state.view().errors, session.log.lines[-3:]
    assert session.rebuilder.search.wait_idle(30), "the search index was not brought up to date"
    served = {path: output.read() for path, output in session.state.view().snapshot.files.items()}
    clean = {output.rel_path: output.read() for output in build_and_index(load_config(site)).outputs}
    assert served.keys() == clean.keys()
    assert [path for path in served if served[path] != clean[path]] == []


def test_the_served_site_equals_a_clean_build_after_a_sequence_of_edits(serve_site):
    site, session = serve_site({"content/briefings/treaty-extended.md": SECOND})

    def edit(action) -> None:
        edit_and_compare_with_a_clean_build(session, site, action)

    briefings = site / "content/briefings"
    edit(lambda: (briefings / "geneva.md").write_text(SECOND.replace("Treaty extended", "Geneva summit")
                                                      .replace("2021-02-03", "2021-06-16")))
    edit(lambda: (briefings / "first-call.md").write_text(BRIEFING.replace("Vladimir Putin", "Sergei Lavrov")))
    edit(lambda: (briefings / "treaty-extended.md").unlink())
    edit(lambda: (site / "templates").mkdir() or (site / "templates" / "404.html").write_text(
        '{% extends "default/404.html" %}{% block content %}<p>Lost in the archive.</p>{% endblock %}'))
    assert b"Lost in the archive" in session.state.view().snapshot.read("404.html")
    edit(lambda: (site / "content/leaders").mkdir() or (site / "content/leaders/joe-biden.md").write_text(
        "---\nname: Joe Biden\naliases: [President Biden]\n---\nThe 46th president.\n"))
    edit(lambda: (briefings / "geneva.md").write_text(SECOND.replace("The extension", "President Biden's extension")))
    edit(lambda: atomic_save(site / "site.yaml", "title: Renamed desk\nbase_url: https://example.org/sub/\n"))


def serve_cli(site: Path, *args: str) -> subprocess.Popen:
    # Started as from a terminal, whatever this process was started from: a shell's background job (a CI
    # runner's `cmd &`, nohup) ignores Ctrl-C, and a program inherits that, as it should.
    return subprocess.Popen([sys.executable, "-m", "briefgen", "serve", *args], cwd=site,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def read_line_containing(stream, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.1)
        if ready:
            line = stream.readline()
            seen.append(line)
            if text in line:
                return line
            if not line:
                break
    raise AssertionError(f"no line with {text!r} within {timeout} s; got {seen}")


def test_a_busy_port_is_a_clear_message_and_exit_2(make_site):
    site = make_site({"content/briefings/first-call.md": BRIEFING})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "briefgen", "serve", "--port", str(port)], cwd=site,
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"port {port} is in use; try --port {port + 1}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_cleanly(make_site, stop_signal):
    site = make_site({"content/briefings/first-call.md": BRIEFING})
    process = serve_cli(site, "--port", "0")
    try:
        line = read_line_containing(process.stderr, "Serving http://127.0.0.1:")
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        connection = http.client.HTTPConnection("127.0.0.1", int(url.group(1)), timeout=5)
        connection.request("GET", "/briefings/first-call/")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def rebuilder_site(make_site):
    """(site folder, PreviewState, Rebuilder) of two briefings, first built; no server, no watcher."""
    from briefgen.serve.rebuild import Rebuilder
    from briefgen.serve.state import PreviewState

    site = make_site({"content/briefings/first-call.md": BRIEFING, "content/briefings/treaty-extended.md": SECOND})
    state = PreviewState()
    rebuilder = Rebuilder(PreviewSettings(site, port=0), state, RecordingLog())
    try:
        assert rebuilder.rebuild()
        yield site, state, rebuilder
    finally:
        rebuilder.search.close()


def test_the_search_index_catches_up_after_the_reload_even_when_a_failed_build_comes_between(rebuilder_site):
    """serve indexes search after the reload; a broken save meanwhile does not leave the old index served."""
    site, state, rebuilder = rebuilder_site
    (site / "content/briefings/treaty-extended.md").write_text(SECOND.replace("Treaty extended", "Zanzibar"))
    assert rebuilder.rebuild()
    broken = site / "content/briefings/first-call.md"
    broken.write_text("---\ntitle: [unclosed\n---\nText.\n")
    assert not rebuilder.rebuild()  # fails: the last good site stays served
    assert rebuilder.search.wait_idle(30)
    served = {path: out.read() for path, out in state.view().snapshot.files.items() if path.startswith("pagefind/")}
    broken.write_text(BRIEFING)
    clean = {o.rel_path: o.read() for o in build_and_index(load_config(site)).outputs
             if o.rel_path.startswith("pagefind/")}
    assert served.keys() == clean.keys() and [p for p in clean if served[p] != clean[p]] == []


def test_an_edit_seen_by_a_failed_rebuild_is_not_lost_by_the_next(rebuilder_site):
    """serve rescans only what the watcher reported, but after a failure it scans everything again."""
    site, state, rebuilder = rebuilder_site
    edited, config = site / "content/briefings/treaty-extended.md", site / "site.yaml"
    good_config = config.read_text()
    edited.write_text(SECOND.replace("Treaty extended", "Seen once"))
    config.write_text("title: [unclosed\n")
    assert not rebuilder.rebuild({edited, config})  # fails on site.yaml, before looking at content
    config.write_text(good_config)
    assert rebuilder.rebuild({config})  # the watcher reports only site.yaml now
    assert b"Seen once" in state.view().snapshot.read("briefings/treaty-extended/index.html")

    edited.write_text(SECOND.replace("Treaty extended", "Seen twice"))
    assert rebuilder.rebuild({edited})  # after a good build, what the watcher saw is enough
    assert b"Seen twice" in state.view().snapshot.read("briefings/treaty-extended/index.html")


def test_serve_rebuilds_a_bilingual_site_on_edits_of_its_translations(serve_site):
    site, session = serve_site({"site.yaml": "title: T\nbase_url: https://example.org/\nlanguages: [en, ru]\n",
                                "content/briefings/first-call.ru.md": "---\ntitle: Первый разговор\n---\nТекст.\n"})
    assert "Текст." in page(session, "/ru/briefings/first-call/")
    assert 'hreflang="ru"' in page(session, "/briefings/first-call/")

    def edit(action) -> None:
        edit_and_compare_with_a_clean_build(session, site, action)

    translation = site / "content/briefings/first-call.ru.md"
    edit(lambda: translation.write_text("---\ntitle: Первый разговор\n---\nНовый текст.\n"))
    assert "Новый текст." in page(session, "/ru/briefings/first-call/")
    edit(lambda: (site / "content/briefings/treaty.md").write_text(SECOND))
    edit(lambda: (site / "content/briefings/treaty.ru.md").write_text("---\ntitle: Договор\n---\nДоговор.\n"))
    assert "Договор." in page(session, "/ru/briefings/treaty/")
    edit(lambda: translation.unlink())
    assert fetch(session, "/ru/briefings/first-call/")[0] == 404
    assert 'hreflang' not in page(session, "/briefings/first-call/")
