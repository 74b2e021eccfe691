"""What a page job reads of the site model, named, so that a job made with one model can be checked
against another without being made again.

A fact is a tuple: its kind, then what it is about — ("neighbours", slug),
("mentions", entity key), ("slice", start, end) of the briefings in order, …
The renderer reads the model through facts only (bar the briefings' own
views, which build.py compares by their inputs), and every job records the
facts it read. When the site's shape changes (a new date, a new leader), a
job of the last build whose facts all have the values they had is kept as
it was: a new date touches a handful of list pages, neighbours and
timelines, not 17,000 pages.

All facts are of the site's shape (see build._shape): two models of the same
shape give every fact the same value.
"""

from __future__ import annotations

from typing import Any, Iterable

from briefgen import urls
from briefgen.model.site import Site
from briefgen.model.relations import Timeline

Fact = tuple


class ModelFacts:
    """The value of each fact in one site model, each worked out once."""

    def __init__(self, site: Site):
        self.site = site
        self._values: dict[Fact, Any] = {}
        self._ones: dict[Fact, Fact] = {}
        self._slugs: tuple[str, ...] | None = None
        self._years: dict[int, tuple[str, ...]] | None = None
        self._aliases: tuple[tuple[str, str, str], ...] | None = None

    def one(self, fact: Fact) -> Fact:
        """The one tuple for this fact: jobs that read it share it, and it is pickled once in their memo."""
        return self._ones.setdefault(fact, fact)

    def value(self, fact: Fact) -> Any:
        try:
            return self._values[fact]
        except KeyError:
            value = self._values[fact] = getattr(self, "_" + fact[0].replace("-", "_"))(*fact[1:])
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

    # -- one method per kind of fact -------------------------------------------------------------

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

    def _published_mentions(self, key, count: int) -> tuple[str, ...]:
        by_slug = self.site.by_slug
        return tuple(slug for slug in self.site.mentions.get(key, ()) if not by_slug[slug].draft)[:count]

    def _co_mentions(self, key, count: int) -> tuple:
        return self.site.co_mentions.get(key, ())[:count]

    def _timeline(self, key) -> Timeline:
        return self.site.timelines.get(key, Timeline("month", ()))

    def _neighbours(self, slug: str) -> tuple[str | None, str | None]:
        return self.site.neighbours.get(slug, (None, None))

    def _related(self, slug: str) -> tuple[str, ...]:
        return self.site.related.get(slug, ())

    def _page(self, slug: str) -> Any:
        return next((p for p in self.site.pages if p.slug == slug), None)

    def _alias(self, index: int) -> tuple[str, str, str] | None:
        targets = self.alias_targets()
        return targets[index] if index < len(targets) else None


class StaleFacts:
    """Which facts read by jobs of the last build may have another value now.

    ("body", path) facts are of rendered bodies: stale when that body was
    rendered again. With no `old` model the last build's was of the same
    shape, and no other fact can have changed: then a job's facts are
    checked by one set operation (it is asked of 17,000 jobs on every save
    in serve).
    """

    def __init__(self, old: ModelFacts | None, new: ModelFacts, bodies_rendered: set):
        self.old, self.new = old, new
        self.bodies = {("body", rel) for rel in bodies_rendered}
        self._known: dict[Fact, bool] = {}

    def among(self, facts: Iterable[Fact]) -> bool:
        if self.bodies and not self.bodies.isdisjoint(facts):
            return True
        return self.old is not None and any(self._changed(fact) for fact in facts if fact[0] != "body")

    def _changed(self, fact: Fact) -> bool:
        answer = self._known.get(fact)
        if answer is None:
            answer = self._known[fact] = self.old.value(fact) != self.new.value(fact)
        return answer
