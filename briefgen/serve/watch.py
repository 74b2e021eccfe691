"""Watching a site for changes: which files count, and one rebuild per burst of saves."""

from __future__ import annotations

import errno
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from briefgen.config import CONFIG_NAME, SiteConfig
from briefgen.errors import Diagnostic, Diagnostics
from briefgen.render.theme import resolve_theme
from briefgen.site_files import is_ignored

SITE_FOLDERS = ("content", "static", "templates", "themes")
DEBOUNCE_SECONDS = 0.03  # an editor's write+rename arrive within a few ms; a save should show at once
LONGEST_WAIT_SECONDS = 2.0  # a never-ending stream of saves still rebuilds now and then


class Log(Protocol):
    """What serve says to the terminal; the CLI's Reporter fits."""

    def info(self, message: str) -> None: ...

    def diagnostics(self, diagnostics: Iterable[Diagnostic]) -> None: ...


@dataclass(frozen=True, slots=True)
class Change:
    """A path the watcher saw change. `whole`: what changed is a folder (made, moved, deleted, or a watched
    folder itself replaced) or events were lost, so the listed paths are not all that changed: rescan
    everything rather than re-read them."""

    path: Path
    whole: bool = False


class Debouncer:
    """Calls `action` once per burst of changes, when no change has come for `quiet` seconds."""

    def __init__(self, action: Callable[[frozenset[Change]], object], quiet: float = DEBOUNCE_SECONDS,
                 longest: float = LONGEST_WAIT_SECONDS):
        self._action = action
        self._quiet = quiet
        self._longest = longest
        self._wake = threading.Condition()
        self._pending: set[Change] = set()
        self._first = self._last = 0.0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="briefgen-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, change: Change) -> None:
        with self._wake:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(change)
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


def watched_folders(config: SiteConfig) -> list[Path]:
    """content/, static/, templates/, themes/ and the theme in use (which may live outside the site)."""
    folders = [config.root / name for name in SITE_FOLDERS]
    folders += resolve_theme(config, Diagnostics()).all_dirs()
    return folders


_WHOLE = "whole"  # what an accept function answers for an event that needs a full rescan
_FILE = "file"


class _ChangeHandler(FileSystemEventHandler):
    """Turns watchdog's events into Changes; `accept(path, event)` gives (_FILE or _WHOLE, the path as the site
    names it), or None to ignore the event."""

    def __init__(self, accept: Callable[[Path, FileSystemEvent], tuple[str, Path] | None],
                 notify: Callable[[Change], None]):
        self._accept = accept
        self._notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type == "events_lost":  # the kernel's queue overflowed: anything may have changed
            self._notify(Change(Path(os.fsdecode(event.src_path)), whole=True))
            return
        if event.event_type not in _CHANGE_EVENTS:
            return
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # a folder's mtime moves with every temp file inside it; the file events say more
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(os.fsdecode(raw))
                answer = self._accept(path, event)
                if answer is not None:
                    # A folder made, moved or deleted: the files in it are not all reported one by one.
                    self._notify(Change(answer[1], whole=answer[0] == _WHOLE or event.is_directory))


class SiteWatcher:
    """watchdog on the site folder (site.yaml and the top-level folders) and, recursively, on each watched folder.

    Watches are added and removed only by the thread that calls watch() (the
    rebuild thread): the observer's own thread just notes a top-level folder
    that appeared, vanished or was replaced, because scheduling from inside its
    callback while another thread schedules could deadlock on the observer's
    lock. A watch follows the folder it was given, not the name: after
    `mv content old; mv new content` the old watch would report old/'s edits
    as content/'s, so such a folder is watched again, and its changes are a
    full rescan.
    """

    def __init__(self, root: Path, on_change: Callable[[Change], None], log: Log):
        self.root = root
        self._on_change = on_change
        self._log = log
        self._observer = Observer()
        self._watched: dict[Path, tuple[Path, object]] = {}  # folder as named -> (real folder, watch)
        self._stale: set[Path] = set()  # folders made, removed or replaced since the last watch()
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
        """Watch folders not yet watched (a new theme, a static/ made while serving), again those replaced
        or now leading elsewhere (a link retargeted); drop dead watches."""
        with self._stale_lock:
            stale, self._stale = self._stale, set()
        folders = [Path(folder) for folder in folders]
        for folder, (real, _) in list(self._watched.items()):
            if folder in stale or not folder.is_dir() or folder.resolve() != real:
                self._unwatch(folder)
        for folder in folders:
            if folder in self._watched or not folder.is_dir():
                continue
            real = folder.resolve()
            if any(real.is_relative_to(r) for r, _ in self._watched.values()):
                continue
            handler = _ChangeHandler(self._accept_inside(folder, real), self._on_change)
            try:
                self._watched[folder] = (real, self._observer.schedule(handler, str(real), recursive=True))
            except OSError as exc:
                self._cannot_watch(folder, exc)

    def _unwatch(self, folder: Path) -> None:
        _, watch = self._watched.pop(folder)
        try:
            self._observer.unschedule(watch)
        except (KeyError, OSError):
            pass  # its emitter already stopped with the folder

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

    def _mark_stale(self, folder: Path) -> None:
        with self._stale_lock:
            self._stale.add(folder)  # the rebuild this event causes watches it again

    def _accept_top_level(self, path: Path, event: FileSystemEvent) -> tuple[str, Path] | None:
        if path.parent != self.root:
            return None
        if path.name in SITE_FOLDERS:  # made, removed, renamed, replaced; a folder or a link to one
            self._mark_stale(path)
            return _WHOLE, path
        return (_FILE, path) if path.name == CONFIG_NAME else None

    def _accept_inside(self, folder: Path, real: Path) -> Callable[[Path, FileSystemEvent], tuple[str, Path] | None]:
        """Events under the real folder watched, named as under `folder` (content/…, even when content is a link)."""
        def accept(path: Path, event: FileSystemEvent) -> tuple[str, Path] | None:
            try:
                parts = path.relative_to(real).parts
            except ValueError:
                return None
            if not parts:  # the watched folder itself was deleted or moved: its watch is dead or misleading
                self._mark_stale(folder)
                return _WHOLE, folder
            if any(is_ignored(part) for part in parts):  # the rule the build walks by
                return None
            return _FILE, folder.joinpath(*parts)
        return accept
