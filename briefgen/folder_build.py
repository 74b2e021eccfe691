"""`briefgen build`: the pipeline, the search step and the write, warm from the cache and safe to interrupt.

The CLI parses flags, calls build_into_folder() and prints what it hears.
Here, in order: the locks (one build of a site at a time; one writer of an
output folder), "nothing changed" from one digest of every input, the cache
(loaded, and saved while Pagefind indexes), the build, the search step
overlapped with staging the pages, and the swap. Ctrl-C before the swap
abandons the build with the previous site in place; after it, the build
finishes (CommitPoint).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from briefgen.config import SiteConfig
from briefgen.errors import BuildError, Diagnostic, Diagnostics, Severity, raise_if_strict
from briefgen.incremental import inputs_key
from briefgen.incremental.cache import (
    BuildCache,
    forget_cache,
    load_cache,
    load_state,
    outputs_intact,
    save_build,
    save_state,
)
from briefgen.incremental.database import CacheDamaged
from briefgen.incremental.kept_site import (KEPT_DIR, being_restored, forget_kept, keep_pages, kept_folder,
                                           restamped, restore_output, verified_pages)
from briefgen.incremental.memory import collector_held_for_a_build
from briefgen.output.folder_stat import KeptRestore, OutputFolderStat
from briefgen.output.workspace import (
    CACHE_DIR,
    LOCK_FILE,
    Workspace,
    check_output_folder,
    exclusive_lock,
    finish_interrupted,
    open_workspace,
)
from briefgen.output.writer import Spare, write_site
from briefgen.pipeline import BuildResult, build
from briefgen.search import pagefind
from briefgen.search.step import PendingSearch, start_search


class Listener(Protocol):
    """Who hears how a build goes: the CLI's Reporter."""

    def info(self, message: str) -> None: ...

    def detail(self, message: str) -> None: ...

    def progress(self, what: str, done: int, total: int) -> None: ...

    def diagnostics(self, diagnostics: tuple[Diagnostic, ...]) -> None: ...


@dataclass(frozen=True, slots=True)
class FolderBuildOptions:
    drafts: bool = False
    strict: bool = False  # warnings are errors
    strict_tags: bool = False  # notes of names the front matter misses are warnings (see model/mentions.py)
    force: bool = False  # replace a non-empty output folder briefgen did not make
    use_cache: bool = True  # read and write .briefgen-cache/ (--no-cache: neither)
    cache_pages: bool = False  # keep the written files in the cache too, for checkouts without the output (CI)
    workers: int | None = None  # processes (None: one per CPU; 1: no worker process)


@dataclass(slots=True)
class FolderBuild:
    """What a build into the output folder did."""

    result: BuildResult | None  # None when nothing changed since the last build
    diagnostics: tuple[Diagnostic, ...] = ()  # its warnings (when nothing changed: the last build's)
    phases: dict[str, float] = field(default_factory=dict)  # where the time went besides the build's phases
    cache: BuildCache | None = None  # for the caller to hold until the process ends (see cli.main)
    interrupted_late: bool = False  # Ctrl-C came after the new site was in place; the build finished

    @property
    def timings(self) -> Mapping[str, float]:
        return {**(self.result.timings if self.result else {}), **self.phases}


def build_into_folder(config: SiteConfig, options: FolderBuildOptions, listener: Listener) -> FolderBuild:
    """Build the site into config.output_path. Raises BuildError with every problem found."""
    diags = Diagnostics()
    check_output_folder(config, config.output_path, diags, force=options.force)
    diags.raise_if_errors()
    with CommitPoint() as commit, _output_session(config, listener, options.use_cache) as workspace:
        built = _build(config, options, listener, workspace, commit)
    built.interrupted_late = commit.interrupted_late
    return built


def _build(config: SiteConfig, options: FolderBuildOptions, listener: Listener, workspace: Workspace,
           commit: CommitPoint) -> FolderBuild:
    built = FolderBuild(None)
    inputs, folder_stat, listing, cache = "", None, None, BuildCache(output_dir=config.output_path)
    if options.use_cache:
        cache = load_state(config.root, config.output_path)
        from_kept = bool(cache.kept) and not os.path.lexists(config.output_path)
        restore = None
        if from_kept:  # a fresh checkout with its cache restored: the kept site, not what is not kept, comes back
            cache.restoring, cache.kept_dir = workspace.new_name("staging"), kept_folder(config.root)
            restore = KeptRestore(functools.partial(verified_pages, config.root, cache.kept),
                                  functools.partial(restore_output, config.root, cache.kept, cache.restoring))
            cache.written = being_restored(cache.kept)  # in the folder stat's process, while this one models
        inputs, stamps, listing = inputs_key(config, options.drafts, cache.stamps)
        if cache.last_inputs == inputs and outputs_intact(config.output_path, cache.written) \
                and not from_kept and (cache.kept or not options.cache_pages):
            raise_if_strict(cache.last_diagnostics, options.strict, options.strict_tags)
            return FolderBuild(None, cache.last_diagnostics)
        # Forked before the cache database is opened: the second core looks at the disk meanwhile.
        folder_stat = OutputFolderStat(config.output_path, cache.written, cache.spare.path if cache.spare else None,
                                       fork=options.workers != 1, restore=restore)
    spill = images_dir = None
    try:
        spill = workspace.new_folder("pages")  # a large render's pages wait there, not in memory
        if not options.use_cache:  # resized images are made for this build alone
            images_dir = cache.images_dir = workspace.new_folder("images")
        if folder_stat is not None:
            lap = time.perf_counter()
            cache = load_cache(config.root, config.output_path, cache)
            cache.stamps, cache.folder_stat = stamps, folder_stat  # just taken: unchanged files need not be read
            built.phases["cache load"] = time.perf_counter() - lap
        # Held once the cache is loaded: what is frozen then (the cache) is never walked again.
        with collector_held_for_a_build(held=folder_stat is not None):
            try:
                result = build(config, drafts=options.drafts, cache=cache, workers=options.workers,
                               progress=listener.progress, listing=listing, spill=spill,
                               early_search=True)
            except CacheDamaged as exc:
                listener.info(f"warning: the build cache in {CACHE_DIR}/ is damaged ({exc}); building from scratch.")
                cache = forget_cache(config.root, cache)
                result = build(config, drafts=options.drafts, cache=cache, workers=options.workers,
                               progress=listener.progress, spill=spill, early_search=True)
            restored = cache.adopt_restored()
            if restored is not None:
                where = "beside" if restored.beside else "in this process"  # beside: not a part of the wall time
                built.phases[f"restore: check ({where})"] = restored.verify_seconds
                built.phases[f"restore: links ({where})"] = restored.link_seconds
            built.result = _index_and_write(config, workspace, commit, result, cache, inputs if folder_stat else None,
                                            folder_stat.spare_listing() if folder_stat else None, spill, listener,
                                            options, built.phases)
    finally:
        if folder_stat is not None:
            folder_stat.close()
        for folder in (spill, images_dir, cache.restoring):  # a restored site is there if the build failed
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        if cache.database is not None:
            cache.database.close()
    built.diagnostics, built.cache = built.result.diagnostics, cache
    return built


def _index_and_write(config: SiteConfig, workspace: Workspace, commit: CommitPoint, result: BuildResult,
                     cache: BuildCache, inputs: str | None, listing, spill: Path, listener: Listener,
                     options: FolderBuildOptions, phases: dict[str, float]) -> BuildResult:
    """Search index, cache and site: Pagefind indexes in processes of its own while the cache is saved
    and the pages are staged. Without `inputs` (--no-cache) the cache is neither saved nor kept."""
    lap = time.perf_counter()
    pending = start_search(result, cache.search)
    phases["search start"] = time.perf_counter() - lap
    indexing = pending.indexing()
    listener.detail(f"  search: {len(indexing)} of {pending.shard_count()} shards "
                    f"indexed again{': ' + ', '.join(indexing) if indexing else ''}")
    searched: list[BuildResult] = []
    try:
        cache_saved = False
        if inputs is not None:
            cache.last_inputs, cache.last_diagnostics = inputs, result.diagnostics
            lap = time.perf_counter()
            cache_saved = _saving(listener, lambda: save_build(config.root, cache))
            phases["cache save"] = time.perf_counter() - lap
        lap = time.perf_counter()
        restored = Spare(cache.restoring, cache.written) if cache.restoring is not None else None
        cache.written, cache.spare = write_site(pending.pages, workspace, result.keys, cache.written, cache.spare,
                                                keep_spare=inputs is not None,
                                                late=_search_files(pending, cache, listener, options, phases, searched),
                                                late_folder=pagefind.BUNDLE_DIR, listing=listing, spill=spill,
                                                on_swap=commit.commit, restored=restored)
        phases["write"] = time.perf_counter() - lap - phases["pagefind"]
    finally:
        pending.abandon()  # nothing left once finished; after a failure, no Pagefind outlives the build
    if cache_saved:
        cache.last_diagnostics = searched[0].diagnostics
        lap = time.perf_counter()
        _keep_pages(config, cache, options.cache_pages, listener)
        phases["keep pages"] = time.perf_counter() - lap
        lap = time.perf_counter()
        _saving(listener, lambda: save_state(config.root, cache))
        phases["cache save"] += time.perf_counter() - lap
    return searched[0]


def _keep_pages(config: SiteConfig, cache: BuildCache, wanted: bool, listener: Listener) -> None:
    """The kept site brought up to date (--cache-pages), or removed; a kept site that cannot be written costs
    a fresh checkout its pages, no more."""
    try:
        if wanted:
            cache.kept = keep_pages(config.root, config.output_path, cache.written, cache.kept)
            return
    except OSError as exc:
        listener.info(f"warning: could not keep the pages in {CACHE_DIR}/{KEPT_DIR}/: "
                      f"{exc.strerror or exc}; a checkout without {config.output_dir}/ renders them again.")
    if cache.kept or os.path.lexists(kept_folder(config.root)):  # listed, or left when the list was lost
        forget_kept(config.root)
        # The kept files were other names of the output's: removing them changed those files' ctimes.
        cache.written = restamped(config.output_path, cache.written, cache.kept or cache.written)
        cache.kept = {}


def _search_files(pending: PendingSearch, cache: BuildCache, listener: Listener, options: FolderBuildOptions,
                  phases: dict[str, float], searched: list[BuildResult]):
    """What write_site calls once the pages are staged: the search index's files and their keys."""

    def search_files():
        lap = time.perf_counter()
        finished, cache.search = pending.finish()
        phases["pagefind"] = time.perf_counter() - lap  # what was left of it by then
        if any(d.severity is Severity.ERROR for d in finished.diagnostics):
            raise BuildError(finished.diagnostics)
        raise_if_strict(finished.diagnostics, options.strict, options.strict_tags)
        searched.append(finished)
        return [o for o in finished.outputs if o.origin == pagefind.ORIGIN], finished.keys

    return search_files


def _saving(listener: Listener, save: Callable[[], None]) -> bool:
    """Save (part of) the cache; a cache that cannot be saved costs the next build its head start, no more."""
    try:
        save()
        return True
    except (OSError, sqlite3.Error) as exc:  # a full disk, a database another build holds locked, …
        listener.info(f"warning: could not save the build cache in {CACHE_DIR}/: "
                      f"{getattr(exc, 'strerror', None) or exc}; the next build starts from scratch.")
        return False


class CommitPoint:
    """Ctrl-C (or SIGTERM: `kill`, a CI job cancelled) before the new site is swapped in abandons the build
    (exit 130, the previous site in place, the work folder cleaned). After that point the new site is what
    readers get, so the build finishes and succeeds."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.committed = self.interrupted_late = False
        self._previous: dict = {}

    def __enter__(self) -> CommitPoint:
        if threading.current_thread() is threading.main_thread():
            self._previous = {number: signal.signal(number, self._interrupted) for number in self.SIGNALS}
        return self

    def __exit__(self, *exc_info) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def commit(self) -> None:
        self.committed = True

    def _interrupted(self, signum, frame) -> None:
        if not self.committed:
            raise KeyboardInterrupt
        self.interrupted_late = True


@contextlib.contextmanager
def _output_session(config: SiteConfig, listener: Listener, use_cache: bool) -> Iterator[Workspace]:
    """The locks a writing build holds (the site's cache, then its output folder) and the output's workspace,
    with what a killed build left in it finished."""
    holder = f"briefgen build (process {os.getpid()}) writing {config.output_path}"
    with contextlib.ExitStack() as stack:
        if use_cache:
            stack.enter_context(_site_lock(config, listener, holder))
        workspace = open_workspace(config.output_path)
        stack.enter_context(exclusive_lock(workspace.folder / LOCK_FILE, holder, _waiting(listener)))
        finish_interrupted(workspace)
        yield workspace


@contextlib.contextmanager
def _site_lock(config: SiteConfig, listener: Listener, holder: str) -> Iterator[None]:
    """One build of a site at a time, whatever its output folder: they share the site's cache."""
    cache_folder = config.root / CACHE_DIR
    if not _can_hold(cache_folder):  # then the cache cannot be saved either, and the build says so
        yield
        return
    with exclusive_lock(cache_folder / LOCK_FILE, holder, _waiting(listener)):
        yield


def _waiting(listener: Listener) -> Callable[[str], None]:
    return lambda other: listener.info(f"Waiting for {other} to finish …")


def _can_hold(folder: Path) -> bool:
    """The cache folder can hold its lock file."""
    try:
        folder.mkdir(exist_ok=True)
        (folder / LOCK_FILE).touch(exist_ok=True)
        return True
    except OSError:  # a file of that name, a read-only site folder, …
        return False
