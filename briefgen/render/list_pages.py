"""The list pages' jobs: the home page, the briefing list, the year archives and the taxonomy indexes.

A part of PageRenderer (render/pages.py), which it reads the model and renders through.
"""

from __future__ import annotations

from dataclasses import replace

from briefgen import urls
from briefgen.render import metadata
from briefgen.render.built_in_pages import BUILT_IN_PAGES
from briefgen.render.jobs import PageJob


class ListPages:
    """PageRenderer's jobs for the pages that list briefings or entities."""

    def _years_linked(self) -> list[tuple[int, str, int]]:
        return [(y, self.links.url(urls.year_path(y)), count) for y, count in self.read_model("year-counts")]

    def render_home(self) -> PageJob:
        latest = [self.briefing_view(s) for s in self.read_model("slice", 0, self.config.home_count)]
        in_the_news = [
            (spec, [self.entity_link(k) for k in self.read_model("entity-keys", spec.name)[:8]
                    if self.read_model("count", k)])
            for spec in self.taxonomies
        ]
        website = metadata.website(self.config, self.links.absolute(""), self.links.absolute("search/"))
        return self.render("home.html", *BUILT_IN_PAGES["home"](), title=self.config.title,
                           latest=latest, in_the_news=in_the_news, years=self._years_linked(),
                           briefing_count=self.read_model("briefing-count"), json_ld=metadata.json_ld_script(website))

    def render_briefing_list(self, number: int) -> PageJob:
        pager = self._pager(self.read_model("briefing-count"), self.read_model("slice", *self._page_range(number)),
                            "briefings/", number)
        return self.render("briefings.html", *BUILT_IN_PAGES["list"](number),
                           title=self.words.gettext("All briefings"), pager=pager, briefings=[self.briefing_view(s) for s in pager.items])

    def render_year(self, year: int) -> PageJob:
        return self.render("year.html", *BUILT_IN_PAGES["year"](year), title=self.words.gettext("Briefings of %(year)s", year=year),
                           year=year, years=self._years_linked(),
                           briefings=[self.briefing_view(s) for s in self.read_model("year", year)])

    def render_taxonomy(self, name: str) -> PageJob:
        spec = self._spec(name)
        entities = [replace(self.entity_link(k), mentioned=self.read_model("text-mention-count", k))
                    for k in self.read_model("entity-keys", spec.name)]
        pictured = {link.key[1]: self.images[f"entity:{link.key[0]}/{link.key[1]}"] for link in entities
                    if f"entity:{link.key[0]}/{link.key[1]}" in self.images}
        facts = {link.key[1]: self.read_model("index-facts", link.key) for link in entities}
        facts = {slug: fact._replace(what=self.prose(fact.what),
                                     key_date=fact.key_date and self.words.key_dates((fact.key_date,))[0])
                 for slug, fact in facts.items()}
        return self.render("taxonomy.html", *BUILT_IN_PAGES["taxonomy"](spec.name),
                           title=spec.title, taxonomy=spec, entities=entities, entity_images=pictured, facts=facts)
