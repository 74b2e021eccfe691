"""What a page job reads of the site model, recorded as its dependencies, so that a job made with one
model can be checked against another without being made again.

A dependency is a tuple: its kind, then what it is about — ("neighbours",
slug), ("mentions", entity key), ("slice", start, end) of the briefings in
order, … (_VALUE_OF lists every kind and the function that gives its value;
("body", path) is a page's or profile's rendered body, which ChangedDependencies
is told of). A plain tuple of strings, keys and numbers, so that the cache
pickles and compares the many that jobs share quickly. The renderer reads
the model through ModelDependencies only (bar the briefings' own views, which
the pipeline compares by their inputs), and every job records the
dependencies it read. When the site's shape changes (a new date, a new
leader), a job of the last build whose dependencies all have the values
they had is kept as it was: a new date touches a handful of list pages,
neighbours and timelines, not 17,000 pages.

Every dependency is of the site's shape (what of the front matter the model
is made of: slugs, dates, names, drafts, aliases): two models of the same
shape give every dependency the same value, but for the MENTION_KINDS, which
are also of the bodies' mentions and links (model/mentions.py): those are
stale when the entity or document they are about (the tuple's second item) is
one whose list a body rendered since the last good build may have changed.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from briefgen import urls
from briefgen.model.index_facts import IndexFacts, index_facts
from briefgen.model.mentions import NO_MENTIONS, MentionIndex
from briefgen.model.relations import Timeline, timeline
from briefgen.model.site import Site

Dependency = tuple  # (kind, *what it is about); see the module's docstring


class ModelDependencies:
    """The value of each dependency in one site model, each worked out once."""

    def __init__(self, site: Site, mentions: MentionIndex | None = None):
        self.site = site
        self.mentions = mentions if mentions is not None else MentionIndex(site, lambda rel: NO_MENTIONS)
        self._values: dict[Dependency, Any] = {}
        self._shared: dict[Dependency, Dependency] = {}
        self._slugs: tuple[str, ...] | None = None
        self._years: dict[int, tuple[str, ...]] | None = None
        self._aliases: tuple[tuple[str, str, str], ...] | None = None
        self._sources: dict[str, tuple] | None = None

    def shared(self, dependency: Dependency) -> Dependency:
        """The one tuple for this dependency: jobs that read it share it, and it is pickled once in their memo."""
        return self._shared.setdefault(dependency, dependency)

    def folded_values(self) -> dict[Dependency, Any]:
        """The value of every dependency of a FOLDED_KINDS kind worked out so far (see page_plan.FoldedValues)."""
        folded = _FOLDED_NAMES
        return {dependency: value for dependency, value in self._values.items() if dependency[0] in folded}

    def value(self, dependency: Dependency) -> Any:
        try:
            return self._values[dependency]
        except KeyError:
            value = self._values[dependency] = _VALUE_OF[dependency[0]](self, *dependency[1:])
            return value

    def slugs(self) -> tuple[str, ...]:
        """The briefings' slugs, newest first."""
        if self._slugs is None:
            self._slugs = tuple(b.slug for b in self.site.briefings)
        return self._slugs

    def years(self) -> dict[int, tuple[str, ...]]:
        """Slugs by year, newest year first."""
        if self._years is None:
            by_year: dict[int, list[str]] = {}
            for briefing in self.site.briefings:
                by_year.setdefault(briefing.date.year, []).append(briefing.slug)
            self._years = {year: tuple(by_year[year]) for year in sorted(by_year, reverse=True)}
        return self._years

    def alias_targets(self) -> tuple[tuple[str, str, str], ...]:
        """(alias, target page path, origin) of every redirect page."""
        if self._aliases is None:
            targets: list[tuple[str, str, str]] = []
            for briefing in self.site.briefings:
                targets += [(a, urls.briefing_path(briefing.slug), str(briefing.source_rel)) for a in briefing.aliases]
            for page in self.site.pages:
                targets += [(a, urls.page_path(page.slug), str(page.source_rel)) for a in page.aliases]
            self._aliases = tuple(targets)
        return self._aliases

    # -- one method per kind of dependency (see _VALUE_OF) ----------------------------------------------

    def _briefing_count(self) -> int:
        return len(self.site.briefings)

    def _slice(self, start: int, end: int) -> tuple[str, ...]:
        return self.slugs()[start:end]

    def _published(self, count: int) -> tuple[str, ...]:
        return tuple(b.slug for b in self.site.briefings if not b.draft)[:count]

    def _year_counts(self) -> tuple[tuple[int, int], ...]:
        return tuple((year, len(slugs)) for year, slugs in self.years().items())

    def _year(self, year: int) -> tuple[str, ...]:
        return self.years().get(year, ())

    def _entity_keys(self, taxonomy: str) -> tuple:
        return tuple(self.site.entity_keys(taxonomy))

    def _entity(self, key) -> Any:
        return self.site.registry.entities.get(key)

    def _name(self, key) -> str | None:
        entity = self.site.registry.entities.get(key)
        return None if entity is None else entity.name

    def _mentions(self, key) -> tuple[str, ...]:
        return self.site.mentions.get(key, ())

    def _count(self, key) -> int:
        return len(self.site.mentions.get(key, ()))

    def _index_facts(self, key) -> IndexFacts | None:
        entity = self.site.registry.entities.get(key)  # None: gone since a job of the last build read it
        if entity is None:
            return None
        mentioned = self.site.mentions.get(key, ())
        return index_facts(entity, self.site.by_slug[mentioned[0]].date if mentioned else None)

    def _published_mentions(self, key, count: int) -> tuple[str, ...]:
        by_slug = self.site.by_slug
        return tuple(slug for slug in self.site.mentions.get(key, ()) if not by_slug[slug].draft)[:count]

    def _co_mentions(self, key, count: int) -> tuple:
        return self.site.co_mentions.get(key, ())[:count]

    def _co_mentions_by_taxonomy(self, key, count: int, co_mentions=None) -> tuple[tuple[str, tuple], ...]:
        """(taxonomy, up to `count` of its entities most often named with `key`), in the site's taxonomy order."""
        groups: dict[str, list] = {}
        for other, times in (self.site.co_mentions if co_mentions is None else co_mentions).get(key, ()):
            group = groups.setdefault(other[0], [])
            if len(group) < count:
                group.append((other, times))
        return tuple((spec.name, tuple(groups[spec.name])) for spec in self.site.config.taxonomies if spec.name in groups)

    def _timeline(self, key) -> Timeline:
        return self.site.timelines.get(key, Timeline("month", ()))

    # -- the same, with the briefings whose text mentions an entity folded in (fold_mentions: true) --------

    def _folded_published_mentions(self, key, count: int) -> tuple[str, ...]:
        by_slug = self.site.by_slug
        named = self.mentions.folded().briefings.get(key, ())
        return tuple(slug for slug in named if not by_slug[slug].draft)[:count]

    def _folded_co_mentions(self, key, count: int) -> tuple:
        return self.mentions.folded().co_mentions.get(key, ())[:count]

    def _folded_co_mentions_by_taxonomy(self, key, count: int) -> tuple[tuple[str, tuple], ...]:
        return self._co_mentions_by_taxonomy(key, count, self.mentions.folded().co_mentions)

    def _folded_timeline(self, key) -> Timeline:
        by_slug = self.site.by_slug
        return timeline([by_slug[slug].date for slug in self.mentions.folded().briefings.get(key, ())])

    def _neighbours(self, slug: str) -> tuple[str | None, str | None]:
        return self.site.neighbours.get(slug, (None, None))

    def _related(self, slug: str) -> tuple[str, ...]:
        return self.site.related.get(slug, ())

    def _text_mention_count(self, key) -> int:
        return len(self.mentions.entity_mentions(key))

    def _text_mentions(self, key, start: int, end: int) -> tuple[tuple[str, str, str], ...]:
        """(slug, name as written, excerpt) of the briefings whose text (not front matter) mentions `key`."""
        return tuple((slug, mention.surface, mention.excerpt)
                     for slug, mention in self.mentions.entity_mentions(key)[start:end])

    def _linked_from(self, source_rel: str) -> tuple[tuple, ...]:
        """What links to a document: ("briefing", slug), ("page", title, site path), ("entity", key)."""
        found = []
        for source in self.mentions.linked_from(source_rel):
            briefing = self._by_source().get(source)
            if briefing is not None:
                found.append(briefing)
        return tuple(found)

    def _by_source(self) -> dict[str, tuple]:
        """Each document of the site by its source path, as _linked_from gives it."""
        if self._sources is None:
            sources: dict[str, tuple] = {str(b.source_rel): ("briefing", b.slug) for b in self.site.briefings}
            sources.update({str(p.source_rel): ("page", p.title, urls.page_path(p.slug)) for p in self.site.pages})
            sources.update({str(entity.profile.source_rel): ("entity", key)
                            for key, entity in self.site.registry.entities.items() if entity.profile is not None})
            self._sources = sources
        return self._sources

    def _page(self, slug: str) -> Any:
        return next((p for p in self.site.pages if p.slug == slug), None)

    def _alias(self, index: int) -> tuple[str, str, str] | None:
        targets = self.alias_targets()
        return targets[index] if index < len(targets) else None


# Each kind of dependency -> the method that gives its value, given the rest of the tuple as arguments.
_VALUE_OF: dict[str, Callable[..., Any]] = {
    "briefing-count": ModelDependencies._briefing_count,
    "slice": ModelDependencies._slice,
    "published": ModelDependencies._published,
    "year-counts": ModelDependencies._year_counts,
    "year": ModelDependencies._year,
    "entity-keys": ModelDependencies._entity_keys,
    "entity": ModelDependencies._entity,
    "name": ModelDependencies._name,
    "mentions": ModelDependencies._mentions,
    "count": ModelDependencies._count,
    "index-facts": ModelDependencies._index_facts,
    "published-mentions": ModelDependencies._published_mentions,
    "co-mentions": ModelDependencies._co_mentions,
    "co-mentions-by-taxonomy": ModelDependencies._co_mentions_by_taxonomy,
    "timeline": ModelDependencies._timeline,
    "folded-published-mentions": ModelDependencies._folded_published_mentions,
    "folded-co-mentions": ModelDependencies._folded_co_mentions,
    "folded-co-mentions-by-taxonomy": ModelDependencies._folded_co_mentions_by_taxonomy,
    "folded-timeline": ModelDependencies._folded_timeline,
    "neighbours": ModelDependencies._neighbours,
    "related": ModelDependencies._related,
    "page": ModelDependencies._page,
    "alias": ModelDependencies._alias,
    "text-mention-count": ModelDependencies._text_mention_count,
    "text-mentions": ModelDependencies._text_mentions,
    "linked-from": ModelDependencies._linked_from,
}
# The kinds whose value is also of the bodies' mentions and links, by their subject (an entity, a document).
MENTION_KINDS = frozenset({"text-mention-count", "text-mentions", "linked-from"})
# The kinds of a site that folds mentions into front matter (fold_mentions: true), by what each folds. Their
# values are of every body's mentions at once (an added mention changes the "most often named with" of every
# entity the briefing names): the last good build keeps their values, and they are compared (FoldedValues).
FOLDED_KINDS = {"published-mentions": "folded-published-mentions", "co-mentions": "folded-co-mentions",
                "co-mentions-by-taxonomy": "folded-co-mentions-by-taxonomy", "timeline": "folded-timeline"}
_FOLDED_NAMES = frozenset(FOLDED_KINDS.values())


class ChangedDependencies:
    """Which dependencies read by jobs of the last build may have another value now.

    ("body", path) dependencies are on rendered bodies: changed when that
    body was rendered again. With no `old` model the last build's was of the
    same shape, and no other dependency can have changed: then a job's
    dependencies are checked by one set operation (it is asked of 17,000
    jobs on every save in serve).
    """

    def __init__(self, old: ModelDependencies | None, new: ModelDependencies, bodies_rendered: set,
                 mention_subjects: set = frozenset(), folded: frozenset = frozenset()):
        """`mention_subjects`: the entities and documents whose mention or backlink lists may have changed;
        `folded`: the dependencies of FOLDED_KINDS whose values changed."""
        self.old, self.new = old, new
        self.bodies = {("body", rel) for rel in bodies_rendered}
        self.mention_subjects = mention_subjects
        self.folded = folded
        self._known: dict[Dependency, bool] = {}

    def among(self, dependencies: Iterable[Dependency]) -> bool:
        """Whether any of these may have another value now."""
        if self.bodies and not self.bodies.isdisjoint(dependencies):
            return True
        if self.folded and not self.folded.isdisjoint(dependencies):
            return True
        if self.mention_subjects and any(dependency[0] in MENTION_KINDS and dependency[1] in self.mention_subjects
                                         for dependency in dependencies):
            return True
        return self.old is not None and \
            any(self._changed(dependency) for dependency in dependencies if dependency[0] != "body")

    def _changed(self, dependency: Dependency) -> bool:
        answer = self._known.get(dependency)
        if answer is None:
            answer = self._known[dependency] = self.old.value(dependency) != self.new.value(dependency)
        return answer
