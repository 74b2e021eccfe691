"""The search step: every command indexes a build's pages the same way, after the pages are rendered.

start_search() starts Pagefind on the shards whose pages changed (it runs in
processes of its own), and PendingSearch.finish() collects the index. The
CLI overlaps the two with staging the pages; serve shows the new pages first
and brings the search index up to date after; publish and tests call one
after the other (index_site).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from briefgen import urls
from briefgen.content.documents import Briefing
from briefgen.errors import Diagnostics
from briefgen.languages.settings import tree_folder
from briefgen.model.site import Site
from briefgen.output.outputs import Output
from briefgen.search import pagefind

if TYPE_CHECKING:  # the pipeline imports this module
    from briefgen.pipeline import BuildResult


@dataclass(frozen=True, slots=True)
class PendingSearch:
    """A build's result whose search index Pagefind is making."""

    result: BuildResult
    pages: tuple[Output, ...]  # its outputs but the search index
    index: pagefind.PendingIndex
    diagnostics: Diagnostics

    def indexing(self) -> list[str]:
        """The shards being indexed again (the others are the last build's)."""
        return self.index.indexing()

    def shard_count(self) -> int:
        return len(self.index.indexing()) + len(self.index.state.shards)

    def finish(self) -> tuple[BuildResult, pagefind.SearchState]:
        """The result with its search index up to date, and the new search state; errors are in its
        diagnostics."""
        state = self.index.finish(self.diagnostics)
        keys = {rel: key for rel, key in self.result.keys.items() if not key.startswith("search:")}
        result = replace(self.result, outputs=(*self.pages, *pagefind.state_outputs(state)),
                         diagnostics=self.diagnostics.sorted() + self.result.diagnostics,
                         keys=MappingProxyType({**keys, **pagefind.state_keys(state)}))
        return result, state

    def abandon(self) -> None:
        """Stop Pagefind if it still runs (after a failure, none outlives the build)."""
        self.index.abandon()


def start_search(result: BuildResult, previous: pagefind.SearchState | None) -> PendingSearch:
    """Start indexing `result`'s pages for search; Pagefind runs meanwhile. Shards whose pages are
    unchanged since `previous` (the last search state) are reused; those the build started indexing
    while it rendered (result.early_search) are taken over when their pages are the ones found now."""
    pages = tuple(o for o in result.outputs if o.origin != pagefind.ORIGIN)
    diags = Diagnostics()
    early = result.early_search.pending if result.early_search is not None else None
    return PendingSearch(result, pages, _start_index(pages, result.keys, result.site, diags, previous,
                                                     result.search_notes, early), diags)


class EarlySearch:
    """Pagefind started on the shards whose pages are rendered while the build renders the others.

    A large render goes in batches, a few search shards' pages at a time and
    the pages of no known shard last (see batch_of); after each batch the
    shards it completed start indexing (render.jobs.run_jobs calls
    `rendered`), so Pagefind runs beside the rendering rather than after it.
    What is started is only a head start: start_search decides with every
    page in hand, and takes over a run only if it was given the very pages
    it would give it (so a custom theme that marks other pages for search is
    indexed right, only later).
    """

    BATCHES = 6  # batches of search shards; each is one more fork of the workers
    MIN_BATCH = 400  # jobs: smaller batches are not worth their fork

    def __init__(self, site: Site, taxonomies: Iterable[str], job_paths: Iterable[str],
                 previous: pagefind.SearchState | None, notes: pagefind.PageNotes):
        self.shard_of = _shard_function(site.config, briefing_shards(site.briefings))
        paths = [path for path in job_paths if path.endswith(".html")]
        self._pages = Counter(self.shard_of(path) for path in paths)  # pages to render or reuse, by shard
        known = sorted(name for name in self._pages if name.startswith("briefings-")) + \
            sorted(name for name in set(taxonomies) if name in self._pages)
        self._batch = _group(known, self._pages, max(self.MIN_BATCH, len(paths) // self.BATCHES))
        self._started: set[str] = set()
        self.last_batch = max(self._batch.values(), default=-1) + 1
        self._previous = previous or pagefind.SearchState()
        self._notes = notes
        self.pending: pagefind.PendingIndex | None = None

    def batch_of(self, rel_path: str) -> int:
        """The batch a page renders in: its shard's, or the last one (feeds too: no shard waits for them)."""
        if not rel_path.endswith(".html"):
            return self.last_batch
        return self._batch.get(self.shard_of(rel_path), self.last_batch)

    def rendered(self, outputs: list, fingerprints: dict[str, str], notes: dict) -> None:
        """A batch is done: `outputs` are every page rendered (or reused) so far; start the shards they
        complete."""
        self._notes.pages = notes
        done = [o for o in outputs if o.rel_path.endswith(".html")]
        counted = Counter(self.shard_of(o.rel_path) for o in done)
        complete = {shard for shard, count in counted.items()
                    if shard in self._batch and shard not in self._started and count == self._pages[shard]}
        if self.pending is not None:
            self.pending.reap()
        if not complete:
            return
        self._started |= complete
        mine = [o for o in done if self.shard_of(o.rel_path) in complete]
        self.pending = pagefind.start_index(mine, Diagnostics(), self.shard_of, fingerprints, self._previous,
                                            self._notes, early=self.pending, keep_early=True)

    def abandon(self) -> None:
        """The build failed: nothing started outlives it (the notes are the build's to remove)."""
        if self.pending is not None:
            self.pending.notes = None
            self.pending.abandon()


def _group(shards: list[str], sizes: Mapping[str, int], at_least: int) -> dict[str, int]:
    """Each shard's batch: shards in order, a batch closed once it holds `at_least` pages."""
    batches, batch, size = {}, 0, 0
    for name in shards:
        batches[name] = batch
        size += sizes[name]
        if size >= at_least:
            batch, size = batch + 1, 0
    return batches


def index_site(result: BuildResult, previous: pagefind.SearchState | None
               ) -> tuple[BuildResult, pagefind.SearchState]:
    """`result` with its search index brought up to date, and the new search state."""
    return start_search(result, previous).finish()


def _start_index(outputs, fingerprints, site: Site, diags, previous: pagefind.SearchState | None,
                 notes: pagefind.PageNotes | None = None, early: pagefind.PendingIndex | None = None
                 ) -> pagefind.PendingIndex:
    """The search index, a shard per year of briefings (or half-year) and per taxonomy; unchanged shards are reused."""
    shards = briefing_shards(site.briefings)
    shard_of = _shard_function(site.config, shards)
    return pagefind.start_index(outputs, diags, shard_of, fingerprints, previous or pagefind.SearchState(), notes,
                                early)


def _shard_function(config, shards: Mapping[str, str]):
    """A page's shard by its output path: its briefing's (see briefing_shards), else its first folder. On a
    multilingual site (see languages/settings.py) the shard is the page's language's: a page of the tree /ru/
    is in 'ru.<its shard>', one of the default language's in '<language>.<its shard>'; the search page of each
    language loads only its own."""

    def shard_of(rel: str) -> str:
        folder, _, _ = rel.rpartition("/")
        return shards.get(folder + "/") or rel.split("/", 1)[0]

    if not config.multilingual:
        return shard_of
    trees = {tree_folder(language): language for language in config.all_languages[1:]}

    def language_shard_of(rel: str) -> str:
        top, _, rest = rel.partition("/")
        language = trees.get(top + "/")
        if language is None:
            language, rest = config.default_language, rel
        return tree_folder(language).rstrip("/") + "." + shard_of(rest)

    return language_shard_of


# An edit waits for Pagefind to index its briefing's shard again, ~1.3 ms a page on two cores:
# a year of more briefings than this is two shards, January-June and July-December. Not split
# further: each shard is one more Pagefind runtime (~70 KB) for a reader's first search to fetch.
HALF_YEAR_SHARDS_ABOVE = 600


def briefing_shards(briefings: Iterable[Briefing]) -> dict[str, str]:
    """The search shard of each briefing, by its page's URL path."""
    briefings = list(briefings)
    per_year = Counter(b.date.year for b in briefings)

    def shard(date) -> str:
        if per_year[date.year] <= HALF_YEAR_SHARDS_ABOVE:
            return f"briefings-{date.year}"
        return f"briefings-{date.year}-{'jan-jun' if date.month <= 6 else 'jul-dec'}"

    return {urls.briefing_path(b.slug): shard(b.date) for b in briefings}
