"""briefgen serve: build into memory, serve it like GitHub Pages would, rebuild on change, reload the browser.

The pieces, each small and owned by one PreviewSession (no module state):

    SiteWatcher --paths--> Debouncer --one burst--> Rebuilder --build()--> PreviewState
                                                       |                       ^
                                                       +--> SearchRefresher ---+ (the search index, after the reload)
                                                                               |
    browser <--HTML (+ reload script, + error overlay)-- PreviewRequestHandler-+
    browser <--"reload" events (SSE)-------------------- PreviewRequestHandler-+

The built site is never written to disk by serve: the outputs of the last good
build are held as {site path: Output} and swapped in under a lock. The search
index, the slowest part of a rebuild, is brought up to date after the reload
event, in a thread of its own; until then the search page uses the last one.
"""

from __future__ import annotations

import errno
import gc
import html
import json
import mimetypes
import os
import secrets
import socket
import socketserver
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from briefgen.pipeline import BuildResult, build
from briefgen.search.step import index_site
from briefgen.incremental.cache import BuildCache
from briefgen.config import SiteConfig, load_config
from briefgen.errors import BuildError, Diagnostic, Diagnostics, Severity
from briefgen.output.writer import Output
from briefgen.incremental.database import paused_collector
from briefgen.render.theme import resolve_theme
from briefgen.serve.watch import SITE_FOLDERS, Change, Debouncer, Log, SiteWatcher, watched_folders

EVENTS_PATH = "/__briefgen/events"  # outside any site path a theme could produce
HEARTBEAT_SECONDS = 15.0  # lets an event stream notice a closed tab


@dataclass(frozen=True, slots=True)
class PreviewSettings:
    root: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False
    base_url: str | None = None  # --base-url, else site.yaml's
    debug: bool = False  # print the traceback of an internal error
    workers: int | None = None  # --jobs: processes a rebuild may use (None: one per CPU; 1: no fork)

    def load_config(self) -> SiteConfig:
        config = load_config(self.root)
        return config.with_base_url(self.base_url) if self.base_url else config


# --- what is being served ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    """The outputs of one good build, keyed by their path inside the site ("briefings/x/index.html")."""

    base_path: str  # "/" or "/repo/"
    files: Mapping[str, Output]
    folders: frozenset[str]  # "briefings", "briefings/x", … for the trailing-slash redirect
    static_roots: tuple[Path, ...]  # resolved; a copied file must live inside one of them
    refused: tuple[Path, ...] = ()  # static files that are symlinks to somewhere outside them

    @classmethod
    def from_build(cls, config: SiteConfig, result: BuildResult, previous: SiteSnapshot | None = None) -> SiteSnapshot:
        """The snapshot of `result`; the folder list is `previous`'s when the same files are there."""
        roots = tuple(root.resolve() for root in resolve_theme(config, Diagnostics()).static_dirs)
        files: dict[str, Output] = {}
        refused: list[Path] = []
        for output in result.outputs:
            if output.copy_from is not None and not _inside(output.copy_from, roots):
                refused.append(Path(output.copy_from))
            else:
                files[output.rel_path] = output
        if previous is not None and previous.files.keys() == files.keys():
            folders = previous.folders
        else:
            folders = frozenset({str(parent) for path in files for parent in PurePosixPath(path).parents} - {"."})
        return cls(config.base_path, MappingProxyType(files), folders, roots, tuple(refused))

    def read(self, site_path: str) -> bytes | None:
        """The bytes of a file of the site, or None when there is none (or it would leave the site)."""
        output = self.files.get(site_path)
        if output is None:
            return None
        if output.copy_from is not None and not _inside(output.copy_from, self.static_roots):
            return None  # made a symlink to the outside since the build
        try:
            return output.read()
        except OSError:  # deleted since the build; the rebuild is on its way
            return None


def _inside(path: str | Path, roots: tuple[Path, ...]) -> bool:
    """Whether `path`, with every symlink followed, is inside one of the (resolved) roots."""
    real = Path(path).resolve()
    return any(real.is_relative_to(root) for root in roots)


@dataclass(frozen=True, slots=True)
class PreviewView:
    """One consistent look at the state, taken at the start of a request."""

    snapshot: SiteSnapshot | None
    errors: tuple[Diagnostic, ...]
    generation: int
    session: str


class PreviewState:
    """The last good site, the current errors, and a generation counter bumped by every finished build."""

    def __init__(self):
        self._changed = threading.Condition()
        self._snapshot: SiteSnapshot | None = None
        self._errors: tuple[Diagnostic, ...] = ()
        self._generation = 0
        self._closing = False
        self.session = secrets.token_hex(4)  # a restarted server reloads pages of the old one

    @property
    def generation(self) -> int:
        with self._changed:
            return self._generation

    def view(self) -> PreviewView:
        with self._changed:
            return PreviewView(self._snapshot, self._errors, self._generation, self.session)

    def succeeded(self, snapshot: SiteSnapshot) -> None:
        with self._changed:
            self._snapshot, self._errors = snapshot, ()
            self._finished()

    def search_indexed(self, indexed: SiteSnapshot, snapshot: SiteSnapshot) -> bool:
        """`snapshot` is `indexed` with its search index made; no reload (the pages are the same).

        Ignored if another good build replaced `indexed` since: it asked for its own index. A failed
        build since does not matter: `indexed` is still what is served.
        """
        with self._changed:
            if self._snapshot is not indexed:
                return False
            self._snapshot = snapshot
            return True

    def failed(self, diagnostics: Iterable[Diagnostic]) -> None:
        """The last good snapshot stays; the errors go over every page."""
        with self._changed:
            self._errors = tuple(d for d in diagnostics if d.severity is Severity.ERROR)
            self._finished()

    def _finished(self) -> None:
        self._generation += 1
        self._changed.notify_all()

    def wait_for_change(self, seen: int | None, timeout: float) -> int | None:
        """The generation once it differs from `seen` (or after `timeout`); None when closing."""
        with self._changed:
            self._changed.wait_for(lambda: self._closing or self._generation != seen, timeout)
            return None if self._closing else self._generation

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()


# --- rebuilding ---------------------------------------------------------------------------------

class Rebuilder:
    """The only place serve calls build(); one build at a time.

    It owns the session's BuildCache, so a rebuild re-renders only what the
    change touched; the cache checks every entry by digest and empties itself
    when site.yaml or the templates change.
    """

    def __init__(self, settings: PreviewSettings, state: PreviewState, log: Log):
        self.settings = settings
        self.state = state
        self.log = log
        self.config: SiteConfig | None = None  # of the last build that got as far as loading it
        self.cache = BuildCache()
        self._lock = threading.Lock()
        self.search = SearchRefresher(self.refresh_search)
        self._last_good = False  # whether the last rebuild succeeded: then the watcher's paths are all that changed

    def rebuild(self, changed: Iterable[Path] = (), whole: bool = False) -> bool:
        """Build; the first build indexes search itself, later ones leave it to the SearchRefresher.

        `changed`: the paths the watcher saw; with `whole` (a folder made, moved or deleted, events lost)
        they are not all that changed, and the build looks at every file.
        """
        changed = frozenset(changed)
        with self._lock:
            started = time.perf_counter()
            first = self.state.view().snapshot is None
            memory_key = self._memory_key()
            try:
                # site.yaml is re-read every time: it is cheap, and a stale config could hide an error.
                config = self.settings.load_config()
                self.config = config
                # What the watcher saw is all that changed, unless this is the first build or a retry.
                hint = changed if changed and not first and self._last_good and not whole \
                    and not any(_through_link(path) for path in changed) else None
                # The collector waits until the page is shown (see _settle_memory): run during the
                # build, it would walk what the build makes again and again while the writer waits.
                with paused_collector():
                    result = build(config, drafts=self.settings.drafts, cache=self.cache, changed_files=hint,
                                   workers=self.settings.workers)
                    if first:  # the first preview comes with its search index; the SearchRefresher brings the later
                        result, self.cache.search = index_site(result, self.cache.search)
                    snapshot = SiteSnapshot.from_build(config, result, self.state.view().snapshot)
            except BuildError as exc:
                self._last_good = False
                self._report_failure(exc.diagnostics)
                return False
            except Exception as exc:  # a bug in briefgen: say so, keep serving the last good site
                self._last_good = False
                if self.settings.debug:
                    traceback.print_exc()
                self._report_failure([Diagnostic(None, None, f"internal error: {type(exc).__name__}: {exc}",
                                                 "This is a bug in briefgen; please report it.")])
                return False
            self.log.diagnostics(result.diagnostics)
            for path in snapshot.refused:
                self.log.info(f"warning: {_relative(path, self.settings.root)} links to {path.resolve()}, outside "
                              f"the site's static folders; the preview does not serve it.")
            if not first:  # asked before the reload, so whoever sees the reload also sees it pending
                self.search.request(config, result, snapshot)
            self.state.succeeded(snapshot)
            self._last_good = True
            with paused_collector():  # for the next build; once the browser has been told to reload
                self.cache.remember_outputs(result.outputs, result.keys)
            self._settle_memory(memory_key)
            pages = sum(1 for path in snapshot.files if path.endswith(".html"))
            self.log.info(f"{_describe(changed, self.settings.root)} in {time.perf_counter() - started:.2f} s "
                          f"({pages} pages).")
            return True

    def _memory_key(self) -> tuple:
        model, environment = self.cache.model, self.cache.environment
        return (model.shape if model else None, environment[0] if environment else None)

    def _settle_memory(self, before: tuple) -> None:
        """Keep the collector from walking the whole site (which grows with the site) in the next build.

        What this build made and still holds is frozen (never walked again); its garbage cycles are
        collected first. When the model's shape or the templates changed, what is frozen is let go
        too, so the old model's cycles are freed rather than kept for good. A model of the same shape
        (a new title) shares the old one's relations and registry; the parts it replaces (briefings,
        link targets) are plain data, freed by their reference counts even when frozen.
        """
        if self._memory_key() != before:
            gc.unfreeze()
        gc.collect()
        gc.freeze()

    def refresh_search(self, config: SiteConfig, result: BuildResult, indexed: SiteSnapshot) -> None:
        """Index the pages of `result` (served as `indexed`) for search, unless a newer good build came meanwhile.

        The index made is kept as the basis of the next one even when it is too late to be served,
        so a writer who saves faster than Pagefind indexes still gets a current index in the end.
        """
        try:
            with self._lock:  # the build that asked may still be finishing
                if self.state.view().snapshot is not indexed:
                    return
                previous = self.cache.search
            refreshed, search_state = index_site(result, previous)
            with self._lock:
                self.cache.search = search_state
                if self.state.view().snapshot is not indexed:
                    return
                snapshot = SiteSnapshot.from_build(config, refreshed, indexed)
                self.cache.remember_outputs(refreshed.outputs, refreshed.keys)
                if self.state.search_indexed(indexed, snapshot):
                    self.log.diagnostics([d for d in refreshed.diagnostics if d not in result.diagnostics])
        except Exception as exc:  # a bug in briefgen: the pages are served, only search is stale
            if self.settings.debug:
                traceback.print_exc()
            self.log.info(f"internal error while indexing for search: {type(exc).__name__}: {exc}")

    def _report_failure(self, diagnostics: Iterable[Diagnostic]) -> None:
        diagnostics = tuple(diagnostics)
        self.log.diagnostics(diagnostics)
        errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
        kept = "still serving the last good site" if self.state.view().snapshot else "nothing to serve yet"
        self.log.info(f"{errors} error{'s' if errors != 1 else ''}; {kept}. Fix and save: the browser updates itself.")
        self.state.failed(diagnostics)


class SearchRefresher:
    """Runs the search indexing of the latest build in a thread, off the path from a save to the reload.

    Only the latest request matters: one that arrives while an index is being
    made replaces any still waiting.
    """

    def __init__(self, index: Callable[[SiteConfig, BuildResult, SiteSnapshot], None]):
        self._index = index
        self._wanted: tuple[SiteConfig, BuildResult, SiteSnapshot] | None = None
        self._busy = False
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="briefgen-search", daemon=True)
        self._thread.start()

    def request(self, config: SiteConfig, result: BuildResult, snapshot: SiteSnapshot) -> None:
        with self._changed:
            self._wanted = (config, result, snapshot)
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once no index is being made or waiting (tests, and the benchmark)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._wanted is None and not self._busy, timeout)

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join(timeout=2)  # a Pagefind run still going is left to finish on its own

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._wanted is not None or self._closing)
                if self._closing:
                    return
                wanted, self._wanted, self._busy = self._wanted, None, True
            try:
                self._index(*wanted)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()


def _describe(changed: Iterable[Path], root: Path) -> str:
    """"Built" for the first build, "content/a.md changed; rebuilt" after."""
    names = sorted(_relative(path, root) for path in changed)
    if not names:
        return "Built"
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{shown} changed; rebuilt"


def _through_link(path: Path) -> bool:
    """Whether `path` is a link or lies in a linked folder: the build would find it elsewhere than named
    (or refuse it), so its change is for a full scan, which applies the rules on links."""
    return os.path.islink(path) or path.parent.resolve() != path.parent


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --- HTTP ---------------------------------------------------------------------------------------

class UnsafePath(ValueError):
    """A request path that tries to leave the site; answered with 400."""


def decode_request_path(raw: str) -> str:
    """Percent-decode a URL path and refuse anything that could step outside the site."""
    if "\\" in raw or "%5c" in raw.lower():
        raise UnsafePath(raw)
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise UnsafePath(raw) from None
    if not decoded.startswith("/") or "\x00" in decoded or "\\" in decoded:
        raise UnsafePath(raw)
    if any(segment in (".", "..") for segment in decoded.split("/")):
        raise UnsafePath(raw)
    return decoded


# Explicit where the system's mime.types differs between machines or lacks the type.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
    ".map": "application/json", ".webmanifest": "application/manifest+json",
    ".xml": "application/xml", ".atom": "application/atom+xml", ".rss": "application/rss+xml",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".wasm": "application/wasm", ".pdf": "application/pdf",
    # Pagefind's index fragments are gzip data its own script unpacks.
    ".pagefind": "application/octet-stream", ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream", ".pf_fragment": "application/octet-stream",
}


def content_type(site_path: str) -> str:
    suffix = PurePosixPath(site_path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, encoding = mimetypes.guess_type(site_path, strict=True)
    if guessed is None or encoding is not None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def live_reload_script(view: PreviewView) -> str:
    """Reloads the page when a build finishes after this page was served (or the server restarted).

    A hidden tab closes its event stream and reopens it when shown again (the
    first event then says whether the page is stale): browsers allow only six
    connections per host, and a dozen open preview tabs must not use them all.
    """
    shown = json.dumps({"session": view.session, "generation": view.generation})
    return f"""<script data-briefgen-live-reload>
(function () {{
  var shown = {shown};
  var events = null;
  if (!window.EventSource) return;
  function listen() {{
    events = new EventSource("{EVENTS_PATH}");
    events.addEventListener("reload", function (event) {{
      var now = JSON.parse(event.data);
      if (now.session !== shown.session || now.generation !== shown.generation) {{
        events.close();
        location.reload();
      }}
    }});
  }}
  document.addEventListener("visibilitychange", function () {{
    if (document.hidden && events) {{ events.close(); events = null; }}
    else if (!document.hidden && !events) {{ listen(); }}
  }});
  if (!document.hidden) listen();
}})();
</script>
"""


def error_overlay(errors: Iterable[Diagnostic], has_site: bool) -> str:
    items = "".join(f'<li style="margin:0 0 .4em">{html.escape(str(d))}</li>' for d in errors)
    shown = "This is the last good version of the page." if has_site else "There is no good build to show yet."
    return f"""<div id="briefgen-errors" role="alert" style="position:fixed;top:1rem;left:1rem;right:1rem;\
z-index:2147483647;max-height:70vh;overflow:auto;box-sizing:border-box;margin:0;padding:1rem 5rem 1rem 1.25rem;\
background:#2d0a0c;color:#fff;border:3px solid #e5484d;border-radius:8px;box-shadow:0 8px 30px rgba(0,0,0,.45);\
font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left;white-space:pre-wrap">\
<strong style="display:block;font-size:16px;margin:0 0 .5em">briefgen: the site did not build. {shown}</strong>\
<ul style="margin:0;padding:0 0 0 1.25rem;list-style:disc">{items}</ul>\
<p style="margin:.5em 0 0">Fix the file and save it: this page updates itself.</p>\
<button type="button" onclick="this.parentNode.hidden = true" style="position:absolute;top:.5rem;right:.75rem;\
font:inherit;color:inherit;background:transparent;border:1px solid currentColor;border-radius:4px;cursor:pointer">\
Hide</button></div>
"""


def inject(page: bytes, addition: str) -> bytes:
    """Put `addition` before the last </body>, or at the end of a page without one."""
    lowered = page.lower()
    at = lowered.rfind(b"</body>")
    extra = addition.encode("utf-8")
    return page + extra if at < 0 else page[:at] + extra + page[at:]


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep the process alive

    def __init__(self, address: tuple[str, int], state: PreviewState):
        self.state = state
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, PreviewRequestHandler)

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the browser went away mid-answer (a click, a reload): nothing to report
        sys.stderr.write(f"internal error while answering a request: {type(error).__name__}: {error}\n")

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can hang on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class PreviewRequestHandler(BaseHTTPRequestHandler):
    server: PreviewHTTPServer
    server_version = "briefgen-preview"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal is for build results, not for every request

    def _respond(self, send_body: bool) -> None:
        target = urlsplit(self.path)
        if target.path == EVENTS_PATH:
            self._stream_events()
            return
        try:
            path = decode_request_path(target.path)
        except UnsafePath:
            self._send_text(HTTPStatus.BAD_REQUEST, "Bad request: that path leaves the site.\n", send_body)
            return
        view = self.server.state.view()
        snapshot = view.snapshot
        if snapshot is None:
            page = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Build failed</title></head>' \
                   "<body></body></html>".encode()
            self._send_page(HTTPStatus.INTERNAL_SERVER_ERROR, page, "index.html", send_body, view)
            return
        base = snapshot.base_path
        if not path.startswith(base):
            if path + "/" == base:
                self._redirect(HTTPStatus.MOVED_PERMANENTLY, base, target.query)
            elif path == "/":  # temporary: the base path may change with site.yaml while serving
                self._redirect(HTTPStatus.FOUND, base, target.query)
            else:
                self._not_found(view, send_body)
            return
        site_path = path[len(base):]
        if site_path == "" or site_path.endswith("/"):
            site_path += "index.html"
        elif site_path in snapshot.folders:
            self._redirect(HTTPStatus.MOVED_PERMANENTLY, target.path + "/", target.query)
            return
        body = snapshot.read(site_path)
        if body is None:
            self._not_found(view, send_body)
            return
        self._send_page(HTTPStatus.OK, body, site_path, send_body, view)

    def _not_found(self, view: PreviewView, send_body: bool) -> None:
        page = view.snapshot.read("404.html") if view.snapshot else None
        if page is None:
            self._send_text(HTTPStatus.NOT_FOUND, "Not found\n", send_body)
        else:
            self._send_page(HTTPStatus.NOT_FOUND, page, "404.html", send_body, view)

    def _redirect(self, status: HTTPStatus, location: str, query: str) -> None:
        self.send_response(status)
        self.send_header("Location", location + (f"?{query}" if query else ""))
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_page(self, status: HTTPStatus, body: bytes, site_path: str, send_body: bool,
                   view: PreviewView) -> None:
        """A file of the site; an HTML one gets the reload script, and the errors if there are any."""
        kind = content_type(site_path)
        if kind.startswith("text/html"):
            # Added here, at response time, so no built file ever contains it.
            if view.errors or view.snapshot is None:
                body = inject(body, error_overlay(view.errors, view.snapshot is not None))
            body = inject(body, live_reload_script(view))
        self._send(status, body, kind, send_body)

    def _send_text(self, status: HTTPStatus, text: str, send_body: bool) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8", send_body)

    def _send(self, status: HTTPStatus, body: bytes, kind: str, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a preview is never stale
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _stream_events(self) -> None:
        """Server-Sent Events: a "reload" event with the generation now, then after every build."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = self.server.state
        seen: int | None = None
        try:
            self.wfile.write(b"retry: 500\n\n")
            while True:
                generation = state.wait_for_change(seen, HEARTBEAT_SECONDS)
                if generation is None:
                    return
                if generation == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    data = json.dumps({"session": state.session, "generation": generation})
                    self.wfile.write(f"event: reload\ndata: {data}\n\n".encode())
                    seen = generation
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return  # the tab was closed


# --- the session --------------------------------------------------------------------------------

class ListenError(Exception):
    """The server cannot listen where asked; the message says what to do."""


def listen(settings: PreviewSettings, state: PreviewState) -> PreviewHTTPServer:
    try:
        return PreviewHTTPServer((settings.host, settings.port), state)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on '{settings.host}': {exc.strerror}. Try --host 127.0.0.1.") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            suggestion = settings.port + 1 if settings.port < 65535 else 8001
            raise ListenError(f"port {settings.port} is in use; try --port {suggestion}") from None
        if exc.errno == errno.EACCES:
            raise ListenError(f"not allowed to listen on port {settings.port} (ports below 1024 need "
                              f"administrator rights); try --port 8000") from None
        raise ListenError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}. "
                          f"Try --host 127.0.0.1.") from None


@dataclass
class PreviewSession:
    """One `briefgen serve`: a listening server, a watcher, and the state between them.

    Use it as a context manager; close() stops the watcher and the server.
    """

    settings: PreviewSettings
    log: Log
    state: PreviewState = field(default_factory=PreviewState)

    def __post_init__(self):
        self.server = listen(self.settings, self.state)  # first, so a busy port fails before a build
        self.rebuilder = Rebuilder(self.settings, self.state, self.log)
        self.debouncer = Debouncer(self._rebuild)
        self.watcher = SiteWatcher(self.settings.root.resolve(), self.debouncer.add, self.log)
        self._serving: threading.Thread | None = None
        try:
            self.rebuilder.rebuild()
            self.watcher.start(self._folders())
            self.debouncer.start()
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        snapshot = self.state.view().snapshot
        base = snapshot.base_path if snapshot else "/"
        return f"http://{host}:{port}{base}"

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def serve_in_background(self) -> PreviewSession:
        self._serving = threading.Thread(target=self.serve_forever, name="briefgen-http", daemon=True)
        self._serving.start()
        return self

    def close(self) -> None:
        self.state.close()  # event streams end, so no handler thread waits on the state
        if self._serving is not None and self._serving.is_alive():
            self.server.shutdown()
        self.server.server_close()
        self.debouncer.close()
        self.watcher.stop()
        self.rebuilder.search.close()

    def __enter__(self) -> PreviewSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rebuild(self, changes: frozenset[Change]) -> None:
        self.watcher.watch(self._folders())  # first: a folder made just now is watched from now on
        self.rebuilder.rebuild({change.path for change in changes}, whole=any(change.whole for change in changes))
        self.watcher.watch(self._folders())  # site.yaml may have named another theme

    def _folders(self) -> list[Path]:
        config = self.rebuilder.config
        if config is None:
            return [self.settings.root / name for name in SITE_FOLDERS]
        return watched_folders(config)


def run_preview(settings: PreviewSettings, log: Log, *, open_browser: bool = False) -> None:
    """`briefgen serve`: serve until Ctrl-C (or SIGTERM), then stop everything cleanly."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with PreviewSession(settings, log) as session:
            try:  # from the first line saying it serves: a Ctrl-C right after it is a clean stop too
                log.info(f"Serving {session.url} — watching for changes. Press Ctrl-C to stop.")
                if settings.host not in ("127.0.0.1", "localhost", "::1"):
                    log.info(f"Note: listening on {settings.host}, so other machines may see this preview.")
                if open_browser:
                    threading.Timer(0.3, webbrowser.open, [session.url]).start()
                session.serve_forever()
            except KeyboardInterrupt:
                log.info("Stopping.")
    finally:
        signal.signal(signal.SIGTERM, previous)
