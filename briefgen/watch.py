"""Watching a site for changes: which files count, and one rebuild per burst of saves."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from briefgen.config import CONFIG_NAME, SiteConfig
from briefgen.errors import Diagnostic, Diagnostics
from briefgen.theme import resolve_theme

SITE_FOLDERS = ("content", "static", "templates", "themes")
DEBOUNCE_SECONDS = 0.03  # an editor's write+rename arrive within a few ms; a save should show at once
LONGEST_WAIT_SECONDS = 2.0  # a never-ending stream of saves still rebuilds now and then


class Log(Protocol):
    """What serve says to the terminal; the CLI's Reporter fits."""

    def info(self, message: str) -> None: ...

    def diagnostics(self, diagnostics: Iterable[Diagnostic]) -> None: ...


class Debouncer:
    """Calls `action` once per burst of changes, when no change has come for `quiet` seconds."""

    def __init__(self, action: Callable[[frozenset[Path]], object], quiet: float = DEBOUNCE_SECONDS,
                 longest: float = LONGEST_WAIT_SECONDS):
        self._action = action
        self._quiet = quiet
        self._longest = longest
        self._wake = threading.Condition()
        self._pending: set[Path] = set()
        self._first = self._last = 0.0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="briefgen-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, path: Path) -> None:
        with self._wake:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(path)
            self._last = now
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending or self._closed)
                while not self._closed:
                    due = min(self._last + self._quiet, self._first + self._longest)
                    if time.monotonic() >= due:
                        break
                    self._wake.wait(due - time.monotonic())
                if self._closed:
                    return
                paths = frozenset(self._pending)
                self._pending.clear()
            self._action(paths)


# --- watching -----------------------------------------------------------------------------------

_CHANGE_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed"})  # not "opened": build reads
_NOISE_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".part", ".crdownload", "___jb_tmp___",
                   "___jb_old___")


def is_editor_noise(name: str) -> bool:
    """Files editors and tools write beside the real one: .#x (Emacs lock), x~, .x.swp, 4913 (Vim probe)."""
    return name.startswith((".", "#")) or name.endswith(_NOISE_SUFFIXES) or name == "4913"


def watched_folders(config: SiteConfig) -> list[Path]:
    """content/, static/, templates/, themes/ and the theme in use (which may live outside the site)."""
    folders = [config.root / name for name in SITE_FOLDERS]
    folders += resolve_theme(config, Diagnostics()).all_dirs()
    return folders


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, accept: Callable[[Path, FileSystemEvent], bool], notify: Callable[[Path], None]):
        self._accept = accept
        self._notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGE_EVENTS:
            return
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # a folder's mtime moves with every temp file inside it; the file events say more
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(os.fsdecode(raw))
                if self._accept(path, event):
                    self._notify(path)


class SiteWatcher:
    """watchdog on the site folder (site.yaml only) and, recursively, on each watched folder.

    Watches are added and removed only by the thread that calls watch() (the
    rebuild thread): the observer's own thread just notes a top-level folder
    that appeared or vanished, because scheduling from inside its callback
    while another thread schedules could deadlock on the observer's lock.
    """

    def __init__(self, root: Path, on_change: Callable[[Path], None], log: Log):
        self.root = root
        self._on_change = on_change
        self._log = log
        self._observer = Observer()
        self._watched: dict[Path, object] = {}
        self._stale: set[Path] = set()  # top-level folders made or removed since the last watch()
        self._stale_lock = threading.Lock()

    def start(self, folders: Iterable[Path]) -> None:
        self._observer.schedule(_ChangeHandler(self._accept_top_level, self._on_change), str(self.root),
                                recursive=False)
        self.watch(folders)
        try:
            self._observer.start()
        except OSError as exc:
            self._cannot_watch(self.root, exc)

    def watch(self, folders: Iterable[Path]) -> None:
        """Add folders not yet watched (a new theme, a static/ made while serving); drop dead watches."""
        with self._stale_lock:
            stale, self._stale = self._stale, set()
        for folder in stale:
            watch = self._watched.pop(folder, None)
            if watch is not None:
                try:
                    self._observer.unschedule(watch)
                except (KeyError, OSError):
                    pass  # its emitter already stopped with the folder
        for folder in folders:
            folder = folder.resolve()
            if not folder.is_dir() or any(folder.is_relative_to(w) for w in self._watched):
                continue
            handler = _ChangeHandler(self._accept_inside(folder), self._on_change)
            try:
                self._watched[folder] = self._observer.schedule(handler, str(folder), recursive=True)
            except OSError as exc:
                self._cannot_watch(folder, exc)

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            # Its threads are daemons: a stop must not wait long on an inotify read that is slow to wake.
            self._observer.join(timeout=2)

    def _cannot_watch(self, folder: Path, exc: OSError) -> None:
        hint = (" The system's limit of watched folders is reached; raise fs.inotify.max_user_watches"
                " and max_user_instances." if exc.errno in (errno.ENOSPC, errno.EMFILE) else "")
        self._log.info(f"warning: cannot watch {folder}: {exc.strerror or exc}; changes there need a "
                       f"restart of serve.{hint}")

    def _accept_top_level(self, path: Path, event: FileSystemEvent) -> bool:
        if path.parent != self.root:
            return False
        if path.name in SITE_FOLDERS and event.is_directory:
            with self._stale_lock:
                self._stale.add(path)  # the rebuild this event causes re-watches it
            return True
        return path.name == CONFIG_NAME

    @staticmethod
    def _accept_inside(folder: Path) -> Callable[[Path, FileSystemEvent], bool]:
        def accept(path: Path, event: FileSystemEvent) -> bool:
            try:
                parts = path.relative_to(folder).parts
            except ValueError:
                return False
            return bool(parts) and not any(is_editor_noise(part) for part in parts)
        return accept
