"""The search step: every command indexes a build's pages the same way, after the pages are rendered.

start_search() starts Pagefind on the shards whose pages changed (it runs in
processes of its own), and PendingSearch.finish() collects the index. The
CLI overlaps the two with staging the pages; serve shows the new pages first
and brings the search index up to date after; publish and tests call one
after the other (index_site).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
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
    unchanged since `previous` (the last search state) are reused."""
    pages = tuple(o for o in result.outputs if o.origin != pagefind.ORIGIN)
    diags = Diagnostics()
    return PendingSearch(result, pages, _start_index(pages, result.keys, result.site, diags, previous,
                                                     result.search_notes), diags)


def index_site(result: BuildResult, previous: pagefind.SearchState | None
               ) -> tuple[BuildResult, pagefind.SearchState]:
    """`result` with its search index brought up to date, and the new search state."""
    return start_search(result, previous).finish()


def _start_index(outputs, fingerprints, site: Site, diags, previous: pagefind.SearchState | None,
                 notes: pagefind.PageNotes | None = None) -> pagefind.PendingIndex:
    """The search index, a shard per year of briefings (or half-year) and per taxonomy; unchanged shards are reused."""
    shards = briefing_shards(site.briefings)
    if site.config.multilingual:  # each language's pages in shards of their own (see languages/settings.py)
        return pagefind.start_index(outputs, diags, _language_shards(site.config, shards), fingerprints,
                                    previous or pagefind.SearchState(), notes)

    def shard_of(rel: str) -> str:
        folder, _, _ = rel.rpartition("/")
        return shards.get(folder + "/") or rel.split("/", 1)[0]

    return pagefind.start_index(outputs, diags, shard_of, fingerprints, previous or pagefind.SearchState(), notes)


def _language_shards(config, shards: dict[str, str]):
    """shard_of for a multilingual site: a page of the tree /ru/ is in a shard 'ru.<its shard>', one of the
    default language's in '<language>.<its shard>'; the search page of each language loads only its own."""
    trees = {tree_folder(language): language for language in config.all_languages[1:]}

    def shard_of(rel: str) -> str:
        top, _, rest = rel.partition("/")
        language = trees.get(top + "/")
        if language is None:
            language, rest = config.default_language, rel
        folder, _, _ = rest.rpartition("/")
        return tree_folder(language).rstrip("/") + "." + (shards.get(folder + "/") or rest.split("/", 1)[0])

    return shard_of


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
