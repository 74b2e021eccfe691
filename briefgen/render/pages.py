"""Site + rendered bodies + templates -> HTML outputs (one per page): PageRenderer, the jobs' keys and claims,
what every job reads the model through, and the briefing, page, redirect, 404 and search pages.

The list pages, the entity pages and the feeds are made by its parts in list_pages.py, entity_pages.py and
feed_pages.py.
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import jinja2

from briefgen import urls
from briefgen.config import TaxonomySpec
from briefgen.content.documents import Briefing
from briefgen.fingerprint import fingerprint
from briefgen.incremental.dependencies import FOLDED_KINDS, Dependency, ModelDependencies
from briefgen.languages.settings import search_shard_prefix
from briefgen.model.entities import EntityKey
from briefgen.model.mentions import MentionIndex
from briefgen.model.site import Site
from briefgen.output.claims import Claim
from briefgen.render import metadata
from briefgen.render.dates import DateStyle
from briefgen.render.translations import NullTranslations, text_direction
from briefgen.render.typography import plain_typesetter
from briefgen.render.built_in_pages import BUILT_IN_PAGES
from briefgen.render.entity_pages import EntityPages
from briefgen.render.feed_pages import FeedPages
from briefgen.render.list_pages import ListPages
from briefgen.render.jobs import PageJob, ProducedPage
from briefgen.render.markdown import Rendered
from briefgen.render.views import (
    Backlink,
    BodyReadLog,
    BriefingView,
    EntityLink,
    EntityRef,
    Pager,
    RenderedBodies,
    new_briefing_view,
    reporting_to,
    reports_to,
    unrecorded_body_digest,
)
from briefgen.render.words import ThemeWords
from briefgen.search import pagefind

# What names one output: ("briefing", slug), ("entity", entity key, page number), ("feed",), …
JobKey = tuple


class MadeJob(NamedTuple):
    """A page's job as PageRenderer.make_job made it, with what it read of the model while it was made.

    Tuples, not sets: the cache stores and reads them back much faster.
    """

    job: PageJob
    shown: tuple[str, ...]  # the briefings whose views the page is given
    read: tuple[Dependency, ...]  # what it read of the model (see incremental/dependencies.py), each once


class PageRenderer(ListPages, EntityPages, FeedPages):
    """Turns the site model into outputs; all template calls go through `render`."""

    def __init__(self, site: Site, bodies: RenderedBodies, env: jinja2.Environment,
                 render_digest: str, views: Mapping[str, BriefingView] | None = None,
                 mentions: MentionIndex | None = None, featured=None, translations: NullTranslations | None = None,
                 alternates=None):
        """`views` are known-current views of some briefings, from the last build; `mentions`: the bodies'
        mentions and links (none without); `featured`: the featured images (images.featured.Featured),
        whose key is in `render_digest`; `translations`: the theme's texts in the site's language, as `env`
        has them (their digest is in `render_digest`)."""
        self.site = site
        self.config = site.config
        self.bodies = bodies
        self.env = env
        self.render_digest = render_digest  # templates, settings and briefgen's version
        self.body_log = BodyReadLog()  # what each page rendered by this renderer read of bodies
        self.links = urls.UrlBuilder(self.config.base_url, self.config.base_path, self.config.language_tree)
        self.alternates = alternates  # languages.trees.LanguageTrees of a multilingual site, whose key is in render_digest
        self.dates = DateStyle(self.config.language, self.config.timezone)
        self.words = ThemeWords(translations or NullTranslations(), self.config.language)
        self.taxonomies = tuple(self.words.taxonomy(spec) for spec in self.config.taxonomies)  # titles translated
        self.prose = plain_typesetter(self.config.typographer)  # titles, summaries, key points: as bodies
        self.views: dict[str, BriefingView] = dict(views or {})
        self.dependencies = ModelDependencies(site, mentions)
        self._shown: set[str] | None = None  # while a job is made: the briefings it shows
        self._model_reads: set[Dependency] | None = None  # … and what it read of the model
        self._page_urls: dict[str, tuple[str, ...]] = {}
        self._made_once: dict[tuple, tuple[object, frozenset[str], frozenset[Dependency]]] = {}
        self.images = featured.views if featured is not None else {}
        self.common = {
            "site_image": featured.site if featured is not None else None,
            "site": self.config,
            "url": self.links.url,
            "abs_url": self.links.absolute,
            "taxonomies": self.taxonomies,
            "kind_label": self.words.kind,
            "search_plurals": self.words.plural_samples(),
            "nav_pages": [(self.prose(p.title), self.links.url(urls.page_path(p.slug))) for p in site.pages],
            "format_date": self.dates.format_date,
            "iso_date": self.dates.iso_date,
            "text_direction": text_direction(self.config.language),
        }

    # -- what jobs read of the model ---------------------------------------------------------------

    def read_model(self, *dependency):
        """The value of a dependency on the model (see incremental/dependencies.py), recorded as read by the
        job being made.

        Every job reads the model through here, but for the briefings' own
        views: those are shared by jobs, and the pipeline tells which changed.
        """
        if self._model_reads is not None:
            self._model_reads.add(self.dependencies.shared(dependency))
        return self.dependencies.value(dependency)

    def made_once(self, name: tuple, make: Callable[[], object]):
        """What `make()` returns, made once by this renderer and shared by every job that asks for it by
        `name` (an entity's chart, on each page of its list); each such job is recorded as showing and
        reading what making it did, as if it had made it itself."""
        found = self._made_once.get(name)
        if found is None:
            outer = self._shown, self._model_reads
            self._shown, self._model_reads = set(), set()
            try:
                found = self._made_once[name] = (make(), frozenset(self._shown), frozenset(self._model_reads))
            finally:
                self._shown, self._model_reads = outer
        value, shown, reads = found
        if self._shown is not None:
            self._shown.update(shown)
        if self._model_reads is not None:
            self._model_reads.update(reads)
        return value

    def body(self, rel: PurePosixPath) -> Rendered:
        """A profile's or page's rendered body (briefings' are in their views), recorded as read."""
        if self._model_reads is not None:
            self._model_reads.add(("body", rel))
        return self.bodies[rel]

    # -- views -------------------------------------------------------------

    def entity_ref(self, key: EntityKey) -> EntityRef:
        return self._ref(key, self.read_model("name", key))

    def _ref(self, key: EntityKey, name: str) -> EntityRef:
        return EntityRef(key, name, self.links.url(urls.entity_path(*key)))

    def entity_link(self, key: EntityKey) -> EntityLink:
        return EntityLink(key, self.read_model("name", key), self.links.url(urls.entity_path(*key)),
                          self.read_model("count", key))

    def briefing_view(self, slug: str) -> BriefingView:
        if self._shown is not None:
            self._shown.add(slug)
        view = self.views.get(slug)
        if view is None:
            view = self.views[slug] = self._new_view(slug)
        elif not reports_to(view, self.body_log):  # kept from the last build (serve)
            view = self.views[slug] = reporting_to(view, self.body_log)
        return view

    def _new_view(self, slug: str) -> BriefingView:
        """Read from the model directly: a view depends on its briefing's file, its body and the names of the
        entities it names (the pipeline compares those), not on the job that happens to make it first."""
        briefing = self.site.briefing(slug)
        registry = self.site.registry.entities
        groups = tuple(
            (spec, tuple(self._ref(k, registry[k].name) for k in self.site.briefing_entities[slug].get(spec.name, ())))
            for spec in self.taxonomies
        )
        fields = dict(
            slug=slug, title=self.prose(briefing.title), url=self.links.url(urls.briefing_path(slug)),
            date=briefing.date, has_time=briefing.has_time, updated=briefing.updated,
            # A body's own summary is typeset already (its code spans lost their backticks: not again).
            summary=self.prose(briefing.summary) if briefing.summary else self.bodies.summary(briefing.source_rel),
            key_points=tuple(map(self.prose, briefing.key_points)),
            entities=tuple((spec, links) for spec, links in groups if links), sources=briefing.sources,
            draft=briefing.draft, extra=briefing.extra, source_path=str(briefing.source_rel),
            image=self.images.get(f"briefing:{slug}"),
            toc=self.config.toc if briefing.toc is None else briefing.toc,
        )
        return new_briefing_view(fields, self.bodies, briefing.source_rel, self.body_log)

    def body_digest(self, slug: str) -> str:
        """The digest of a briefing's body as it is now (a BodyReadLog's), for checking what pages read before;
        not a read by any page."""
        return unrecorded_body_digest(self.briefing_view(slug))

    # -- rendering -----------------------------------------------------------

    def render(self, template: str, site_path: str, origin: str, **context) -> PageJob:
        """The job that renders `template` for `site_path`; its fingerprint is the page's own context, each
        briefing in it as its card: the bodies it reads are recorded as it renders (see BodyReadLog)."""
        context.setdefault("page_path", site_path)
        context["canonical_url"] = self.links.absolute(site_path)
        if self.alternates is not None:  # the page in the site's other languages (hreflang links, the switcher)
            context["alternates"] = self.alternates.of(self.config.language, site_path)
        key = fingerprint(self.render_digest, template, site_path, context)
        context.update(self.common)
        env, log = self.env, self.body_log

        def produce() -> ProducedPage:
            return log.recorded(lambda: env.get_template(template).render(context).encode("utf-8"))

        return PageJob(urls.output_file(site_path), origin, key, produce)

    def _pager(self, item_count: int, page_items: Sequence, first_page_path: str, number: int) -> Pager:
        """Page `number` of a list of `item_count` items, `page_items` being those on it."""
        page_urls = self._page_urls.get(first_page_path)
        if page_urls is None:  # shared by the list's pages: made once, not once per page
            total = self._page_count(item_count)
            page_urls = tuple(self.links.url(urls.paginated_path(first_page_path, n)) for n in range(1, total + 1))
            self._page_urls[first_page_path] = page_urls
        total = len(page_urls)
        return Pager(
            number, total, tuple(page_items), page_urls[number - 1],
            page_urls[number - 2] if number > 1 else None, page_urls[number] if number < total else None, page_urls,
        )

    def _page_range(self, number: int) -> tuple[int, int]:
        return (number - 1) * self.config.per_page, number * self.config.per_page

    # -- jobs, one per output file, each named by a key ------------------------------------------

    def job_keys(self) -> list[JobKey]:
        """Every output's key, in output order; cheap: no view is made and nothing is fingerprinted."""
        keys: list[JobKey] = [("home",)]
        keys += [("briefing", b.slug) for b in self.site.briefings]
        keys += [("list", n) for n in range(1, self._page_count(len(self.site.briefings)) + 1)]
        keys += [("year", year) for year in self.dependencies.years()]
        for spec in self.config.taxonomies:
            keys.append(("taxonomy", spec.name))
            for key in self.site.entity_keys(spec.name):
                pages = self._page_count(max(len(self.site.mentions.get(key, ())),
                                             self.dependencies.value(("text-mention-count", key))))
                keys += [("entity", key, n) for n in range(1, pages + 1)]
                keys.append(("entity-feed", key))
        keys += [("page", p.slug) for p in self.site.pages]
        keys += [("404",), ("search",), ("feed",)]
        keys += [("alias", index) for index in range(len(self.dependencies.alias_targets()))]
        return keys

    def claims(self) -> list[Claim]:
        """Every page's output path and what asks for it, in job_keys' order, without making a job: what
        `check` checks for collisions. tests/test_collisions.py keeps it equal to what the jobs write."""
        claims = []
        for key in self.job_keys():
            kind = key[0]
            if kind == "briefing":
                source = str(self.site.briefing(key[1]).source_rel)
                claims.append(Claim(urls.output_file(urls.briefing_path(key[1])), source, source, "slug"))
            elif kind == "entity" or kind == "entity-feed":
                entity, path = self.dependencies.value(("entity", key[1])), urls.entity_path(*key[1])
                path = urls.paginated_path(path, key[2]) if kind == "entity" else path + "atom.xml"
                source = str(entity.profile.source_rel) if entity.profile else None
                claims.append(Claim(urls.output_file(path), self._origin(key[1]), source, "slug" if source else None))
            elif kind == "page":
                source = str(self.dependencies.value(("page", key[1])).source_rel)
                claims.append(Claim(urls.output_file(urls.page_path(key[1])), source, source, "slug"))
            elif kind == "alias":
                alias, _, source = self.dependencies.value(("alias", key[1]))
                claims.append(Claim(urls.output_file(alias), f"{source} (alias '/{alias}')", source, "aliases", alias))
            else:
                site_path, origin = BUILT_IN_PAGES[kind](*key[1:])
                claims.append(Claim(urls.output_file(site_path), origin))
        return claims

    def make_job(self, key: JobKey) -> MadeJob:
        """The job for `key`, with the briefings whose views it is given and what it read of the model."""
        self._shown, self._model_reads = set(), set()
        try:
            job = _MAKERS[key[0]](self, *key[1:])
            return MadeJob(job, tuple(self._shown), tuple(self._model_reads))
        finally:
            self._shown = self._model_reads = None

    def _page_count(self, items: int) -> int:
        return max(1, math.ceil(items / self.config.per_page))

    def render_briefing(self, slug: str) -> PageJob:
        view = self.briefing_view(slug)
        briefing = self.site.briefing(slug)  # shown in its view: what it holds changes with the view
        older, newer = self.read_model("neighbours", slug)
        return self.render(
            "briefing.html", urls.briefing_path(slug), str(briefing.source_rel),
            title=view.title, briefing=view,
            older=self.briefing_view(older) if older else None,
            newer=self.briefing_view(newer) if newer else None,
            related=[self.briefing_view(s) for s in self.read_model("related", slug)],
            linked_from=self.backlinks(str(briefing.source_rel)),
            json_ld=metadata.json_ld_script(self.briefing_metadata(briefing, view)),
        )

    def backlinks(self, source_rel: str) -> list[Backlink]:
        """The briefings, pages and profiles whose text links to a document."""
        found = []
        for kind, *what in self.read_model("linked-from", source_rel):
            if kind == "briefing":
                view = self.briefing_view(what[0])
                found.append(Backlink("briefing", view.title, view.url, view))
            elif kind == "page":
                found.append(Backlink("page", self.prose(what[0]), self.links.url(what[1]),
                                      label=self.words.gettext("page")))
            else:
                ref = self.entity_ref(what[0])
                spec = self._spec(what[0][0])
                found.append(Backlink(spec.singular, ref.name, ref.url, label=self.words.kind(spec, lower=True)))
        return found

    def briefing_metadata(self, briefing: Briefing, view: BriefingView) -> dict[str, Any]:
        named = [(spec.name, link.name, self.links.absolute(urls.entity_path(*link.key)))
                 for spec, links in view.entities for link in links]
        return metadata.news_article(
            config=self.config, title=view.title, url=self.links.absolute(urls.briefing_path(briefing.slug)),
            home_url=self.links.absolute(""), published=briefing.date, modified=briefing.updated,
            summary=view.summary, named=named,
        )

    def _fold(self, kind: str) -> str:
        """The kind of dependency an entity's feed, chart and "most often named with" read: with
        fold_mentions, that which counts the briefings mentioning the entity as well as those naming it."""
        return FOLDED_KINDS[kind] if self.config.fold_mentions else kind

    def _spec(self, name: str) -> TaxonomySpec:
        return next(spec for spec in self.taxonomies if spec.name == name)

    def _origin(self, key: EntityKey) -> str:
        entity = self.read_model("entity", key)
        return str(entity.profile.source_rel) if entity.profile else f"the {self._spec(key[0]).singular} '{entity.name}'"

    def render_page(self, slug: str) -> PageJob:
        page = self.read_model("page", slug)
        return self.render("page.html", urls.page_path(page.slug), str(page.source_rel), title=self.prose(page.title),
                           page=page, html=self.body(page.source_rel).html, image=self.images.get(f"page:{slug}"))

    def render_alias(self, index: int) -> PageJob:
        alias, target, origin = self.read_model("alias", index)
        return self.render("redirect.html", alias, f"{origin} (alias '{alias}')", title=self.words.gettext("Redirecting…"),
                           target_url=self.links.url(target), target_abs=self.links.absolute(target))

    def render_404(self) -> PageJob:
        return self.render("404.html", *BUILT_IN_PAGES["404"](), title=self.words.gettext("Page not found"))

    def render_search(self) -> PageJob:
        return self.render("search.html", *BUILT_IN_PAGES["search"](), title=self.words.gettext("Search"),
                           search_bundle=self.links.url(pagefind.BUNDLE_DIR + "/"), search_base=self.links.root(""),
                           search_shards=search_shard_prefix(self.config))


# The method that makes each kind of job, given the rest of its key as arguments. Functions of the class,
# not bound methods kept on the renderer: those would make it a reference cycle, which only the cycle
# collector frees.
_MAKERS: dict[str, Callable[..., PageJob]] = {
    "home": PageRenderer.render_home, "briefing": PageRenderer.render_briefing,
    "list": PageRenderer.render_briefing_list, "year": PageRenderer.render_year,
    "taxonomy": PageRenderer.render_taxonomy, "entity": PageRenderer.render_entity,
    "entity-feed": PageRenderer.render_entity_feed, "page": PageRenderer.render_page, "404": PageRenderer.render_404,
    "search": PageRenderer.render_search, "feed": PageRenderer.render_site_feed, "alias": PageRenderer.render_alias,
}
