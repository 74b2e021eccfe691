"""The feeds' jobs: the site's Atom feed and each entity's (the XML is written by render/feeds.py).

A part of PageRenderer (render/pages.py), which it reads the model through.
"""

from __future__ import annotations

from typing import Sequence

from briefgen import urls
from briefgen.fingerprint import fingerprint
from briefgen.model.entities import EntityKey
from briefgen.render.built_in_pages import BUILT_IN_PAGES
from briefgen.render.feeds import FeedEntry, atom_feed
from briefgen.render.jobs import PageJob, ProducedPage


class FeedPages:
    """PageRenderer's jobs for the Atom feeds."""

    def render_entity_feed(self, key: EntityKey) -> PageJob:
        name, path = self.read_model("name", key), urls.entity_path(*key)
        subtitle = (self.words.gettext("Briefings naming or mentioning %(name)s", name=name) if self.config.fold_mentions
                    else self.words.gettext("Briefings naming %(name)s", name=name))
        return self.feed(f"{name} — {self.config.title}", subtitle, path + "atom.xml", path,
                         self.read_model(self._fold("published-mentions"), key, 20), self._origin(key))

    def render_site_feed(self) -> PageJob:
        slugs = self.read_model("published", 20)
        feed_path, origin = BUILT_IN_PAGES["feed"]()
        return self.feed(self.config.title, self.config.description, feed_path, "", slugs, origin)

    def feed(self, title: str, subtitle: str, feed_path: str, page_path: str, slugs: Sequence[str],
             origin: str) -> PageJob:
        """Feeds list published briefings only, even in a --drafts preview: a reader may subscribe to it."""
        views = [self.briefing_view(slug) for slug in slugs]
        key = fingerprint(self.render_digest, "atom", title, subtitle, feed_path, page_path, views)
        links, config, log = self.links, self.config, self.body_log

        def render() -> bytes:
            entries = [
                FeedEntry(view.title, urls.briefing_path(view.slug), view.date, view.updated or view.date,
                          view.summary, view.html, tuple(link.name for _, ls in view.entities for link in ls))
                for view in views
            ]
            return atom_feed(title=title, subtitle=subtitle, author=config.author, feed_path=feed_path,
                             page_path=page_path, entries=entries, urls=links, language=config.language)

        def produce() -> ProducedPage:
            return log.recorded(render)

        return PageJob(urls.output_file(feed_path), origin, key, produce)
