"""serve's HTTP side: answers a request from the snapshot being served, as GitHub Pages would (base path,
trailing-slash redirects, 404.html, content types), and streams "reload" events to the open pages."""

from __future__ import annotations

import errno
import json
import mimetypes
import socket
import socketserver
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from briefgen.serve.overlay import error_overlay, inject, live_reload_script
from briefgen.serve.state import PreviewState, PreviewView

EVENTS_PATH = "/__briefgen/events"  # outside any site path a theme could produce
HEARTBEAT_SECONDS = 15.0  # lets an event stream notice a closed tab


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
            body = inject(body, live_reload_script(view, EVENTS_PATH))
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


class ListenError(Exception):
    """The server cannot listen where asked; the message says what to do."""


def listen(host: str, port: int, state: PreviewState) -> PreviewHTTPServer:
    try:
        return PreviewHTTPServer((host, port), state)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on '{host}': {exc.strerror}. Try --host 127.0.0.1.") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            suggestion = port + 1 if port < 65535 else 8001
            raise ListenError(f"port {port} is in use; try --port {suggestion}") from None
        if exc.errno == errno.EACCES:
            raise ListenError(f"not allowed to listen on port {port} (ports below 1024 need "
                              f"administrator rights); try --port 8000") from None
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. "
                          f"Try --host 127.0.0.1.") from None

