"""Mentions and backlinks: which entities a body's text mentions, and which documents link to a briefing.

What one body mentions (BodyMentions) is recorded by the same scan that
makes its autolinks and resolves its [[links]] (render/autolinks.py and
render/page_links.py), and is
kept with the rendered body; the site's MentionIndex is made from those
records and the site model, so that an entity's page can list every
briefing whose text mentions it ("Also mentioned in") and a briefing's page
every document that links to it ("Linked from"). The notes of briefings
whose text mentions an entity their front matter does not name are made
here too.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Callable, Iterable, NamedTuple

from briefgen.errors import Diagnostic, Severity
from briefgen.model.entities import EntityKey
from briefgen.model.folded import FoldedMentions, fold_mentions

# How long an excerpt may be, in characters, before it is cut at a word and ends with "…".
EXCERPT_LENGTH = 160


class Mention(NamedTuple):
    """The first mention of an entity in one body."""

    key: EntityKey
    surface: str  # the name as written in the text ("Putin")
    excerpt: str  # plain text: the sentence or phrase around it
    line: int  # the file's line of the mention


class BodyMentions(NamedTuple):
    """What one body's text mentions and links to, in the order found."""

    entities: tuple[Mention, ...] = ()
    links: tuple[str, ...] = ()  # the source paths ("content/briefings/x.md") of the documents it links to


NO_MENTIONS = BodyMentions()


class MentionLog:
    """Collects a body's mentions while it is rendered: the first of each entity, each linked document once."""

    __slots__ = ("entities", "links")

    def __init__(self) -> None:
        self.entities: dict[EntityKey, Mention] = {}
        self.links: dict[str, None] = {}

    def entity(self, key: EntityKey, surface: str, excerpt: str, line: int) -> None:
        if key not in self.entities:
            self.entities[key] = Mention(key, surface, excerpt, line)

    def link(self, origin: str) -> None:
        self.links[origin] = None

    def recorded(self) -> BodyMentions:
        if not self.entities and not self.links:
            return NO_MENTIONS
        return BodyMentions(tuple(self.entities.values()), tuple(self.links))


# Where a sentence may end: ., ! or ? and a space before a capital, or a blank line. Not after a short
# title or an initial ("Mr.", "Dr.", "J.", "U.S."), which is taken for an abbreviation.
_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t\n]+(?=[\"“‘'(\[]?[^\W\d_])|\n\n")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Lt|Sgt|Gov|Sen|Rep|Pres|Prof|Amb|No|vs)"
                           r"|\b[A-Z]|\b(?:[A-Za-z]\.)+[A-Za-z])\.$")


def _sentence_ends(text: str) -> list[tuple[int, int]]:
    ends = []
    for match in _SENTENCE_END.finditer(text):
        before = text[max(0, match.start() - 6):match.start()]
        if match.group() != "\n\n" and (_ABBREVIATION.search(before) or not text[match.end()].isupper()):
            continue
        ends.append((match.start(), match.end()))
    return ends


def excerpt_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` that holds text[start:end], on one line and at most EXCERPT_LENGTH long."""
    left, right = 0, len(text)
    for stop, resume in _sentence_ends(text):
        if resume <= start:
            left = resume
        elif stop >= end:
            right = stop
            break
    sentence = " ".join(text[left:right].split())
    if len(sentence) <= EXCERPT_LENGTH:
        return sentence
    # Too long: a window around the mention, cut at spaces.
    at = len(" ".join(text[left:start].split()))
    begin = max(0, at - EXCERPT_LENGTH // 2)
    window = sentence[begin:begin + EXCERPT_LENGTH]
    if begin > 0:
        window = "…" + window.partition(" ")[2]
    if begin + EXCERPT_LENGTH < len(sentence):
        window = window.rpartition(" ")[0] + "…"
    return window


class MentionIndex:
    """The site's mentions by entity and its backlinks by briefing, made from the bodies' records when first
    asked for.

    `mentions_of(source_rel)` gives a document's BodyMentions (NO_MENTIONS for
    one not rendered). An entity's "Also mentioned in" list leaves out the
    briefings that name it in front matter: those are on its page already.
    """

    def __init__(self, site, mentions_of: Callable[[PurePosixPath], BodyMentions]):
        self.site = site
        self.mentions_of = mentions_of
        self._by_entity: dict[EntityKey, tuple[tuple[str, Mention], ...]] | None = None
        self._linked_from: dict[str, tuple[str, ...]] | None = None
        self._folded: FoldedMentions | None = None

    def entity_mentions(self, key: EntityKey) -> tuple[tuple[str, Mention], ...]:
        """(briefing slug, its first mention) of each briefing whose text mentions `key` but whose front matter
        does not name it, newest first."""
        if self._by_entity is None:
            self._index()
        return self._by_entity.get(key, ())

    def linked_from(self, source_rel: str) -> tuple[str, ...]:
        """The source paths of the documents linking to the document at `source_rel`: briefings newest first,
        then pages and profiles."""
        if self._linked_from is None:
            self._index()
        return self._linked_from.get(source_rel, ())

    def folded(self) -> FoldedMentions:
        """The briefings naming or mentioning each entity, and who is named or mentioned with whom
        (fold_mentions: true)."""
        if self._folded is None:
            self._folded = fold_mentions(
                self.site, lambda briefing: (mention.key for mention in self.mentions_of(briefing.source_rel).entities))
        return self._folded

    def notes(self) -> list[Diagnostic]:
        """A note for each entity a briefing's text mentions but its front matter does not name."""
        return untagged_notes(self.site, self.mentions_of)

    def _index(self) -> None:
        site = self.site
        by_entity: dict[EntityKey, list[tuple[str, Mention]]] = {}
        linked_from: dict[str, list[str]] = {}
        for briefing in site.briefings:
            found = self.mentions_of(briefing.source_rel)
            if found is NO_MENTIONS:
                continue
            named = site.briefing_entities.get(briefing.slug, {})
            for mention in found.entities:
                if mention.key not in named.get(mention.key[0], ()):
                    by_entity.setdefault(mention.key, []).append((briefing.slug, mention))
            _add_links(linked_from, str(briefing.source_rel), found.links)
        for document in (*site.pages, *site.registry.profiles()):
            _add_links(linked_from, str(document.source_rel), self.mentions_of(document.source_rel).links)
        self._by_entity = {key: tuple(found) for key, found in by_entity.items()}
        self._linked_from = {target: tuple(sources) for target, sources in linked_from.items()}


def _add_links(linked_from: dict[str, list[str]], source: str, targets: Iterable[str]) -> None:
    for target in targets:
        if target != source:
            linked_from.setdefault(target, []).append(source)


def untagged_notes(site, mentions_of: Callable[[PurePosixPath], BodyMentions]) -> list[Diagnostic]:
    """A note for each entity a briefing's text mentions but its front matter does not name."""
    notes = []
    taxonomies = {spec.name: spec for spec in site.config.taxonomies}
    for briefing in site.briefings:
        found = mentions_of(briefing.source_rel)
        if found is NO_MENTIONS or not found.entities:
            continue
        named = site.briefing_entities.get(briefing.slug, {})
        for mention in found.entities:
            taxonomy = mention.key[0]
            if mention.key in named.get(taxonomy, ()) or taxonomy not in taxonomies:
                continue
            name = site.registry.entities[mention.key].name if mention.key in site.registry.entities else mention.key[1]
            as_written = f' (as "{mention.surface}")' if mention.surface != name else ""
            notes.append(Diagnostic(
                briefing.source_rel, mention.line,
                f"the text mentions {name}{as_written}, {'who' if taxonomy == 'leaders' else 'which'} is not in "
                f"{taxonomy}:",
                f"`briefgen tag {briefing.source_rel}` adds it to the front matter.", Severity.NOTE))
    return notes


def changed_subjects(old: BodyMentions, new: BodyMentions) -> set:
    """The entities (keys) and linked documents (source paths) whose lists differ between a body's two
    records: the pages that list them are the only ones its edit can change."""
    if old == new:
        return set()
    # By what pages show of a mention: a line moved by an edit above it changes no list.
    was = {mention.key: (mention.surface, mention.excerpt) for mention in old.entities}
    now = {mention.key: (mention.surface, mention.excerpt) for mention in new.entities}
    changed = {key for key in was.keys() | now.keys() if was.get(key) != now.get(key)}
    return changed | set(old.links).symmetric_difference(new.links)


def all_subjects(found: BodyMentions) -> set:
    """Every entity and document a body's record names (a body gone, or come)."""
    return {mention.key for mention in found.entities} | set(found.links)
