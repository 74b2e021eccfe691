"""Parsed documents, kept by their source's digest: a file whose bytes are unchanged is not parsed again."""

from __future__ import annotations

import functools
import sys
from collections.abc import Collection, Iterable
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing, parse_document
from briefgen.content.scan import ContentListing, Source, read_source, scan_sources
from briefgen.errors import Diagnostic, Diagnostics
from briefgen.fingerprint import fingerprint
from briefgen.incremental.cache import BuildCache


class DocumentHead(NamedTuple):
    """The small part of a parsed document's cache entry (its large part is the Document, or None)."""

    digest: str  # of the source file's bytes it was parsed from
    messages: tuple[Diagnostic, ...]  # what parsing said
    front: str  # the front digest: all of a briefing but its body (of another document: its digest)
    shape: str  # the shape digest: what places a briefing in the site (see briefing_shape)


class DocumentDigests(NamedTuple):
    """What the site model is made from, of one source: its path and its front and shape digests."""

    rel: str
    front: str
    shape: str


# A DocumentDigests per document on every build: made by tuple.__new__, in C, not by the NamedTuple's __new__.
_new_digests = functools.partial(tuple.__new__, DocumentDigests)


def read_sources(config: SiteConfig, diags: Diagnostics, cache: BuildCache, changed_files: Iterable[Path] | None,
                 listing: ContentListing | None) -> list[Source]:
    """The content files, read only where their stamps or `changed_files` say they may have changed."""

    def parsed(rel: str, digest: str) -> bool:  # a file whose parse is kept need not be read
        head = cache.documents.head(rel)
        return head is not None and head.digest == digest

    sources = scan_sources(config.root, diags, cache.sources, cache.stamps, parsed,
                           _content_changes(config, changed_files), listing)
    cache.sources = {str(source.rel): source for source in sources}
    return sources


def parse_documents(sources: list[Source], config: SiteConfig, diags: Diagnostics,
                    cache: BuildCache) -> tuple[list[DocumentDigests], list[Source]]:
    """Parse what changed into cache.documents; the digests of each source's document, and the sources as kept.

    The sources kept (in cache.sources, and returned for the rest of the
    build) are without their text: their parse stands for it from now on, and
    the texts of a large site would otherwise be held to the end of the build
    beside the bodies parsed from them.

    A source whose bytes are unchanged keeps its parse and its messages (its
    document is not even read from the cache). The front digest of a briefing
    covers all but its body: the site model reads nothing else, so a body
    edit leaves it as it was. Its shape digest covers only what places it in
    the site (see briefing_shape): a new title leaves that as it was.
    """
    digests, kept = [], []
    for source in sources:
        head = cache.documents.head(source.rel)
        if head is None or head.digest != source.digest:
            if source.text is None:  # a source kept from a build whose parse has since gone (a new config)
                source = read_source(config.root, source.path, diags)
                if source is None:
                    continue
            local = Diagnostics()
            document = parse_document(source, config, local)
            if isinstance(document, Briefing):
                front, shape = fingerprint(replace(document, body="")), briefing_shape(document)
            else:
                front = shape = source.digest
            head = DocumentHead(source.digest, tuple(local.items), front, shape)
            cache.documents.put(source.rel, head, document)
        diags.extend(head.messages)
        digests.append(_new_digests((str(source.rel), head.front, head.shape)))
        kept.append(source if source.text is None else replace(source, text=None))
    cache.documents.keep_only(source.rel for source in kept)
    cache.sources = {str(source.rel): source for source in kept}
    return digests, kept


def briefing_shape(briefing: Briefing) -> str:
    """What of a briefing's front matter the site's structure depends on: which pages there are, which
    briefings each one lists and in what order, which entities it names, which are related. The rest
    (title, summary, key points, sources, updated, other fields) only shows on the pages that show it."""
    return fingerprint(briefing.source_rel, briefing.slug, briefing.date, briefing.has_time, names_given(briefing),
                       briefing.draft, briefing.aliases)


def names_given(briefing: Briefing) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The names a briefing gives, per taxonomy, as written but without the lines they are on.

    Interned: a few hundred names given 50,000 times are then pickled once each in the model's memo."""
    return tuple((taxonomy, tuple(sys.intern(ref.name) for ref in refs)) for taxonomy, refs in briefing.refs.items())


def _content_changes(config: SiteConfig, changed_files: Iterable[Path] | None) -> Collection[str] | None:
    """The content files among `changed_files`, as paths like Source.rel; None when unknown."""
    if changed_files is None:
        return None
    root, changed = config.root.resolve(), set()
    for path in changed_files:
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            continue  # a theme outside the site
        if rel.startswith("content/"):
            changed.add(rel)
    return changed
