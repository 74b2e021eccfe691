"""serve's rebuilds: one build at a time into memory (Rebuilder), then the search index in a thread of its own
(SearchRefresher), so a save reaches the browser without waiting for Pagefind."""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from briefgen.config import SiteConfig
from briefgen.errors import BuildError, Diagnostic, Severity
from briefgen.incremental.cache import BuildCache
from briefgen.incremental.memory import paused_collector, settle_after_good_build, shape_and_templates
from briefgen.pipeline import BuildResult, build
from briefgen.search.step import index_site
from briefgen.serve.state import PreviewState, SiteSnapshot
from briefgen.serve.watch import Log
from briefgen.wording import counted

if TYPE_CHECKING:  # session.py makes the Rebuilder, so it cannot be imported from here at run time
    from briefgen.serve.session import PreviewSettings


@dataclass(frozen=True, slots=True)
class Built:
    """A good build and the snapshot serve makes of it."""

    config: SiteConfig
    result: BuildResult
    snapshot: SiteSnapshot


@dataclass(frozen=True, slots=True)
class Failed:
    """A build that did not finish; its errors go over every page."""

    diagnostics: tuple[Diagnostic, ...]


def rebuild_with_the_collector_held_back(cache: BuildCache, build_site: Callable[[], Built | Failed],
                                         show: Callable[[Built], None]) -> Built | Failed:
    """Build, show, keep for the next build, with the cycle collector held back (incremental/memory.py).

    Paused while the site is built (`build_site`) and while the cache takes its outputs: run then, the
    collector would walk what is being made again and again as it piles up, finding no garbage,
    while the writer waits for the page. The reload is announced (`show`) between the two; then what
    the build holds is frozen for the next one.
    """
    before = shape_and_templates(cache)
    with paused_collector():
        outcome = build_site()
    if isinstance(outcome, Failed):
        return outcome
    show(outcome)
    with paused_collector():
        cache.remember_outputs(outcome.result.outputs, outcome.result.keys)
    settle_after_good_build(cache, before)
    return outcome


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
            outcome = rebuild_with_the_collector_held_back(
                self.cache, lambda: self._build(changed, whole, first), lambda built: self._show(built, first))
            if isinstance(outcome, Failed):
                self._last_good = False
                self._report_failure(outcome.diagnostics)
                return False
            pages = sum(1 for path in outcome.snapshot.files if path.endswith(".html"))
            self.log.info(f"{_describe(changed, self.settings.root)} in {time.perf_counter() - started:.2f} s "
                          f"({counted(pages, 'page')}).")
            return True

    def _build(self, changed: frozenset[Path], whole: bool, first: bool) -> Built | Failed:
        try:
            # site.yaml is re-read every time: it is cheap, and a stale config could hide an error.
            config = self.settings.load_config()
            self.config = config
            # What the watcher saw is all that changed, unless this is the first build or a retry.
            hint = changed if changed and not first and self._last_good and not whole \
                and not any(_through_link(path) for path in changed) else None
            result = build(config, drafts=self.settings.drafts, cache=self.cache, changed_files=hint,
                           workers=self.settings.workers)
            if first:  # the first preview comes with its search index; the SearchRefresher brings the later
                result, self.cache.search = index_site(result, self.cache.search)
            return Built(config, result, SiteSnapshot.from_build(config, result, self.state.view().snapshot))
        except BuildError as exc:
            return Failed(exc.diagnostics)
        except Exception as exc:  # a bug in briefgen: say so, keep serving the last good site
            if self.settings.debug:
                traceback.print_exc()
            return Failed((Diagnostic(None, None, f"internal error: {type(exc).__name__}: {exc}",
                                      "This is a bug in briefgen; please report it."),))

    def _show(self, built: Built, first: bool) -> None:
        """Serve `built`: the browser is told to reload."""
        self.log.diagnostics(built.result.diagnostics)
        for path in built.snapshot.refused:
            self.log.info(f"warning: {_relative(path, self.settings.root)} links to {path.resolve()}, outside "
                          f"the site's static folders; the preview does not serve it.")
        if not first:  # asked before the reload, so whoever sees the reload also sees it pending
            self.search.request(built)
        self.state.succeeded(built.snapshot)
        self._last_good = True

    def refresh_search(self, built: Built) -> None:
        """Index the pages of `built` for search, unless a newer good build came meanwhile.

        The index made is kept as the basis of the next one even when it is too late to be served,
        so a writer who saves faster than Pagefind indexes still gets a current index in the end.
        """
        indexed = built.snapshot
        try:
            with self._lock:  # the build that asked may still be finishing
                if self.state.view().snapshot is not indexed:
                    return
                previous = self.cache.search
            refreshed, search_state = index_site(built.result, previous)
            with self._lock:
                self.cache.search = search_state
                if self.state.view().snapshot is not indexed:
                    return
                snapshot = SiteSnapshot.from_build(built.config, refreshed, indexed)
                self.cache.remember_outputs(refreshed.outputs, refreshed.keys)
                if self.state.search_indexed(indexed, snapshot):
                    self.log.diagnostics([d for d in refreshed.diagnostics if d not in built.result.diagnostics])
        except Exception as exc:  # a bug in briefgen: the pages are served, only search is stale
            if self.settings.debug:
                traceback.print_exc()
            self.log.info(f"internal error while indexing for search: {type(exc).__name__}: {exc}")

    def _report_failure(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.log.diagnostics(diagnostics)
        errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
        kept = "still serving the last good site" if self.state.view().snapshot else "nothing to serve yet"
        self.log.info(f"{counted(errors, 'error')}; {kept}. Fix and save: the browser updates itself.")
        self.state.failed(diagnostics)


class SearchRefresher:
    """Runs the search indexing of the latest build in a thread, off the path from a save to the reload.

    Only the latest request matters: one that arrives while an index is being
    made replaces any still waiting.
    """

    def __init__(self, index: Callable[[Built], None]):
        self._index = index
        self._wanted: Built | None = None
        self._busy = False
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="briefgen-search", daemon=True)
        self._thread.start()

    def request(self, built: Built) -> None:
        with self._changed:
            self._wanted = built
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
                self._index(wanted)
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
