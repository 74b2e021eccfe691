"""Full-text search: a Pagefind index of the briefing and entity pages.

Pagefind (https://pagefind.app) splits its index into small fragments that the
browser fetches on demand, so a search downloads a few kilobytes whatever the
size of the archive, and it needs no server.

build() writes nothing (serve keeps the site in memory), so the pages to index
are written to a temporary folder, Pagefind's binary indexes it, and the bundle
comes back as outputs. We run the binary rather than the `pagefind` Python
API: that API waits 0.1 s for every page it is given (its reply loop sleeps
between messages), some 17 minutes at 10,000 briefings, and hands the bundle
back as one pipe message capped at 2 MiB. The binary indexes the same folder
on all cores in a second or two.

The index is split into shards, one per year of briefings (a half-year when
a year has more than build.HALF_YEAR_SHARDS_ABOVE) and one per taxonomy, each
a Pagefind bundle of its own under pagefind/<shard>/; the search page loads
the first and merges the others (Pagefind's mergeIndex). A build re-indexes
only the shards in which what Pagefind is given of a page changed (see
indexed_part): editing one briefing costs one year's index (or half-year's),
not the archive's.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple

from briefgen.errors import Diagnostics
from briefgen.fingerprint import digest_bytes, new_digest
from briefgen.output.outputs import Output
from briefgen.output.files import make_folder
from briefgen.search.indexed import INDEX_MARKER, indexed_part
from briefgen.search.runs import PagefindRun, first_ended, last_line, pagefind_binary
from briefgen.search.scratch import (
    mark_scratch,
    remove_orphaned_scratch,
    remove_owned_folder,
    scratch_prefix,
    scratch_root,
)

BUNDLE_DIR = "pagefind"  # where the index and pagefind.js live in the built site

SHARD_LIST = "shards.json"
ORIGIN = "the search index"  # the origin of every output of the search index, and of nothing else


class PageRecord(NamedTuple):
    """What Pagefind is given of a page, in short."""

    indexed: bool  # the page is marked for search (data-pagefind-body)
    digest: str  # of what Pagefind is given of it (see indexed.indexed_part); a page not indexed: its bytes


class SearchedPage(NamedTuple):
    """A page as the last search index saw it."""

    fingerprint: str  # its output key: the same key, the same bytes
    indexed: bool
    digest: str  # see PageRecord


class Shard(NamedTuple):
    """One shard's bundle of search files, and what it was made from."""

    pages_key: str  # a digest of its pages' fingerprints
    given_key: str  # a digest of what Pagefind was given of its pages
    files: tuple[Output, ...]
    file_keys: tuple[str, ...]  # each file's key, a digest of its bytes


@dataclass
class SearchState:
    """What a later build may reuse: each shard's bundle, and which pages were indexed.

    A shard is known unchanged, without reading a page, when its pages'
    fingerprints are; when they are not, its pages are read and it is
    unchanged still if what Pagefind is given of them is (a neighbour's new
    title changes a page's related list, not its indexed part).

    A shard's files each have a key of their own, a digest of their bytes:
    when a shard is indexed again most of its files come out as they were
    (a page's fragment is named by its content), and the writer keeps those
    in place rather than comparing them byte for byte.
    """

    shards: dict[str, Shard] = field(default_factory=dict)  # by name
    pages: dict[str, SearchedPage] = field(default_factory=dict)  # by output path


# Pagefind uses every core itself, but not all the time: two runs side by side keep both busy.
MAX_RUNS = 2


def page_record(page: bytes) -> PageRecord:
    """What Pagefind is given of a page, from its bytes."""
    indexed, given = _given(page)
    return PageRecord(indexed, digest_bytes(given))


def _given(page: bytes) -> tuple[bool, bytes]:
    """(indexed?, what Pagefind is given of the page); a page not indexed stands for itself."""
    return (True, indexed_part(page)) if INDEX_MARKER in page else (False, page)


class PageNotes:
    """What Pagefind is to be given of each page, noted by the worker that made it (see render/jobs.run_jobs).

    Called with a page's path and bytes, it returns page_record's answer and,
    for an indexed page, writes its indexed part to <folder>/<page path>, for
    its shard's Pagefind run to link (see runs.PagefindRun). Without notes, a first build
    of 10,000 briefings reads every page back, cuts its indexed part twice
    (for the digest, then for Pagefind) and writes it, all in one process,
    before Pagefind can start, and again while each shard is launched.
    The worker has the page in hand and two cores to share.

    `pages` is filled in by the caller from what the workers returned. The
    folder is removed by remove(), or when the notes are dropped, by the
    process that made them (never by a forked worker's copy); one that a
    killed build left is removed by a later build's notes.
    """

    def __init__(self):
        root = scratch_root()
        remove_orphaned_scratch(root)  # the notes of a killed build would hold memory until a reboot
        # Made by the first page noted: a build that spills nothing (most do not) leaves nothing to remove.
        self.folder = os.path.join(root, scratch_prefix() + secrets.token_hex(4))
        self.pages: dict[str, PageRecord] = {}
        self._marked = False
        self._remover = weakref.finalize(self, remove_owned_folder, self.folder, os.getpid())

    def __call__(self, rel_path: str, page: bytes) -> PageRecord:
        indexed, given = _given(page)
        if indexed:
            if not self._marked:  # in each worker once: which of them is first is not known
                mark_scratch(self.folder)
                self._marked = True
            target = f"{self.folder}/{rel_path}"
            make_folder(os.path.dirname(target))
            with open(target, "wb") as file:
                file.write(given)
        return PageRecord(indexed, digest_bytes(given))

    def remove(self) -> None:
        self._remover()


@dataclass
class PendingIndex:
    """Shards being indexed by Pagefind processes, which run while the caller does something else."""

    state: SearchState  # the pages, and the shards known unchanged
    waiting: list = field(default_factory=list)  # (name, fps key, bytes key, [page])
    running: list = field(default_factory=list)  # (name, fps key, bytes key, PagefindRun)
    binary: Path | None = None
    notes: PageNotes | None = None  # the pages' indexed parts, written already where they were made
    ended: dict = field(default_factory=dict)  # shards indexed already (see reap), by name

    def finish(self, diags: Diagnostics) -> SearchState:
        """Wait for every run; the complete state, or an empty one (and an error) if Pagefind failed."""
        try:
            while self.running:
                name, shard = _collected(self.running.pop(first_ended([entry[3] for entry in self.running])))
                self.state.shards[name] = shard
                self._launch()
        except subprocess.CalledProcessError as exc:
            diags.error(None, None, f"Pagefind failed to index the site: {last_line(exc.stderr or exc.stdout)}",
                        "Run the build with --debug, or report it with the page that fails.")
            return SearchState()
        finally:
            self.abandon()
        return self.state

    def reap(self) -> None:
        """Collect the runs that have ended, into `ended`, and start waiting ones in their place; waits for
        none (a build that renders meanwhile calls this now and then)."""
        for entry in [entry for entry in self.running if entry[3].ended()]:
            self.running.remove(entry)
            try:
                name, shard = _collected(entry)
            except subprocess.CalledProcessError:
                continue  # not taken over: the search step runs it again, and reports a failure then
            self.ended[name] = shard
        self._launch()

    def indexing(self) -> list[str]:
        """The shards being indexed again (or waiting to be); the others are reused."""
        return [entry[0] for entry in (*self.running, *self.waiting)]

    def abandon(self) -> None:
        """Stop what still runs (the build failed or was interrupted): no Pagefind outlives it."""
        self.waiting.clear()
        while self.running:
            self.running.pop()[3].abandon()
        if self.notes is not None:
            self.notes.remove()

    def _take_over(self, early: PendingIndex, keep_all: bool) -> None:
        """The runs of `early` (started or waiting) that index what this one would, or all when `keep_all`;
        the others are stopped."""
        wanted = {(entry[0], entry[2]): index for index, entry in enumerate(self.waiting)}
        if keep_all:
            self.ended.update(early.ended)
        else:
            for name, fps_key, bytes_key, _ in self.waiting:
                shard = early.ended.get(name)
                if shard is not None and shard.given_key == bytes_key:
                    self.state.shards[name] = shard._replace(pages_key=fps_key)
            self.waiting = [entry for entry in self.waiting if entry[0] not in self.state.shards]
        taken = []
        for entry in early.running:
            if keep_all or (entry[0], entry[2]) in wanted:
                self.running.append(entry)
                taken.append(entry)
        for entry in early.waiting:
            if keep_all:
                self.waiting.append(entry)
        early.running = [entry for entry in early.running if not any(entry is t for t in taken)]
        early.waiting = []
        running = {(entry[0], entry[2]) for entry in self.running}
        self.waiting = [entry for entry in self.waiting if (entry[0], entry[2]) not in running]
        _stop_early(early)

    def _launch(self) -> None:
        while self.waiting and len(self.running) < MAX_RUNS:
            name, fps_key, bytes_key, pages = self.waiting.pop(0)
            self.running.append((name, fps_key, bytes_key, PagefindRun(self.binary, pages, self.notes)))


def start_index(outputs: Iterable[Output], diags: Diagnostics, shard_of: Callable[[str], str],
                fingerprints: Mapping[str, str], previous: SearchState, notes: PageNotes | None = None,
                early: PendingIndex | None = None, keep_early: bool = False) -> PendingIndex:
    """Decide which shards must be indexed again and start Pagefind on them; finish() collects them.

    A page of unchanged fingerprint is not read: whether it is indexed and
    the digest of its bytes are known from the last build; nor is one that
    `notes` has a record of. The notes are the returned PendingIndex's to remove.
    `early`: runs started before, while pages were still rendering (see
    search.step.EarlySearch); a shard of theirs given the very pages this one
    is given is taken over, not indexed again. The others are stopped, unless
    `keep_early` (more shards are being added to them).
    """
    state = SearchState()
    shards: dict[str, list[Output]] = {}
    noted = notes.pages if notes is not None else {}
    for output in outputs:
        if not output.rel_path.endswith(".html"):
            continue
        fingerprint = fingerprints.get(output.rel_path, "")
        known = previous.pages.get(output.rel_path)
        if fingerprint and known is not None and known.fingerprint == fingerprint:
            indexed, digest = known.indexed, known.digest  # the same fingerprint, the same bytes as last time
        else:
            indexed, digest = noted.get(output.rel_path) or page_record(output.read())
        state.pages[output.rel_path] = SearchedPage(fingerprint, indexed, digest)
        if indexed:
            shards.setdefault(shard_of(output.rel_path), []).append(output)
    if not shards and not keep_early:
        _stop_early(early)
        return PendingIndex(state, notes=notes)
    binary = pagefind_binary()
    if binary is None:
        diags.warning(None, None, "the search index was not built: the Pagefind binary was not found.",
                      "Install it with: pip install 'pagefind[bin]' (or set PAGEFIND_BINARY_PATH).")
        _stop_early(early)
        return PendingIndex(SearchState(pages=state.pages), notes=notes)
    pending = PendingIndex(state, binary=binary, notes=notes)
    for name in sorted(shards):
        pages = shards[name]
        fps_key = _digest((o.rel_path, state.pages[o.rel_path].fingerprint) for o in pages)
        before = previous.shards.get(name)
        if before is not None and fps_key and before.pages_key == fps_key and \
                all(state.pages[o.rel_path].fingerprint for o in pages):
            state.shards[name] = before
            continue
        bytes_key = _digest((o.rel_path, state.pages[o.rel_path].digest) for o in pages)
        if before is not None and before.given_key == bytes_key:
            state.shards[name] = before._replace(pages_key=fps_key)
            continue
        pending.waiting.append((name, fps_key, bytes_key, pages))
    if early is not None:
        pending._take_over(early, keep_early)
    pending._launch()
    return pending


def _collected(entry) -> tuple[str, Shard]:
    """The shard a run made, once it has ended (raises CalledProcessError if Pagefind failed)."""
    name, fps_key, bytes_key, run = entry
    files = run.wait()
    return name, Shard(fps_key, bytes_key, tuple(Output(f"{BUNDLE_DIR}/{name}/{rel}", data, origin=ORIGIN)
                                                 for rel, data in files),
                       tuple("search:" + digest_bytes(data) for _, data in files))


def _stop_early(early: PendingIndex | None) -> None:
    if early is not None:
        early.notes = None  # the notes are the build's, not the early runs' to remove
        early.abandon()


def state_outputs(state: SearchState) -> list[Output]:
    """The files of the index `state` describes: the shard list, then each shard's bundle."""
    if not state.shards:
        return []
    listing = Output(f"{BUNDLE_DIR}/{SHARD_LIST}", json.dumps(sorted(state.shards)).encode() + b"\n",
                     origin=ORIGIN)
    return [listing, *(o for name in sorted(state.shards) for o in state.shards[name].files)]


def state_keys(state: SearchState | None) -> dict[str, str]:
    """Each search file's key (see SearchState): a file as it was is linked or kept, not rewritten."""
    shards = state.shards if state else {}
    return {o.rel_path: key for shard in shards.values() for o, key in zip(shard.files, shard.file_keys)}


def _digest(parts) -> str:
    digest = new_digest()
    for name, value in parts:
        digest.update(name.encode() + b"\0" + (value if isinstance(value, bytes) else value.encode()) + b"\0")
    return digest.hexdigest()
