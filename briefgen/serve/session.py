"""briefgen serve: build into memory, serve it like GitHub Pages would, rebuild on change, reload the browser.

The pieces, each small and owned by one PreviewSession (no module state):

    SiteWatcher --paths--> Debouncer --one burst--> Rebuilder --build()--> PreviewState
    (watch.py)             (watch.py)               (rebuild.py)           (state.py)
                                                       |                       ^
                                                       +--> SearchRefresher ---+ (the search index, after the reload)
                                                            (rebuild.py)       |
    browser <--HTML (+ reload script, + error overlay)-- PreviewRequestHandler-+
    browser <--"reload" events (SSE)-------------------- PreviewRequestHandler-+
                   (overlay.py, assets/)                 (http.py)

The built site is never written to disk by serve: the outputs of the last good
build are held as {site path: Output} and swapped in under a lock. The search
index, the slowest part of a rebuild, is brought up to date after the reload
event, in a thread of its own; until then the search page uses the last one.
"""

from __future__ import annotations

import threading
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.config import SiteConfig, load_config
from briefgen.serve.http import listen
from briefgen.serve.rebuild import Rebuilder
from briefgen.serve.state import PreviewState
from briefgen.serve.watch import SITE_FOLDERS, Change, Debouncer, Log, SiteWatcher, watched_folders


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


@dataclass
class PreviewSession:
    """One `briefgen serve`: a listening server, a watcher, and the state between them.

    Use it as a context manager; close() stops the watcher and the server.
    """

    settings: PreviewSettings
    log: Log
    state: PreviewState = field(default_factory=PreviewState)

    def __post_init__(self):
        # The server first, so a busy port fails before a build.
        self.server = listen(self.settings.host, self.settings.port, self.state)
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
