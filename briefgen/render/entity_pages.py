"""The entity pages' jobs: an entity's page (paginated), with its profile, chart and briefings.

A part of PageRenderer (render/pages.py), which it reads the model and renders through.
"""

from __future__ import annotations

from briefgen import urls
from briefgen.model.entities import Entity, EntityKey
from briefgen.model.key_dates import key_dates
from briefgen.render import metadata
from briefgen.render.chart import chart_layout
from briefgen.render.jobs import PageJob
from briefgen.render.views import TextMention, profile_fields


class EntityPages:
    """PageRenderer's jobs for the entities' pages."""

    def render_entity(self, key: EntityKey, number: int) -> PageJob:
        parts = self.made_once(("entity", key), lambda: self._entity_parts(key))
        entity, path, mentioned = parts["entity"], parts["path"], parts["mentioned"]
        start, end = self._page_range(number)
        # Paginated with the front-matter list: the page count is that of the longer of the two.
        text_count = self.read_model("text-mention-count", key)
        also = [TextMention(self.briefing_view(slug), surface, excerpt)
                for slug, surface, excerpt in self.read_model("text-mentions", key, start, end)]
        pager = self._pager(max(len(mentioned), text_count), mentioned[start:end], path, number)
        return self.render(
            "entity.html", urls.paginated_path(path, number), parts["origin"],
            title=entity.name, taxonomy=parts["spec"], entity=entity, profile_html=parts["profile_html"],
            fields=parts["fields"], pager=pager,
            briefings=[self.briefing_view(s) for s in pager.items], mention_count=len(mentioned),
            co_named=parts["co_named"], co_named_groups=parts["co_named_groups"], also_mentioned=also,
            also_count=text_count, timeline=parts["timeline"], chart=parts["chart"], key_dates=parts["key_dates"],
            feed_url=parts["feed_url"], description=parts["description"], json_ld=parts["json_ld"],
            image=self.images.get(f"entity:{key[0]}/{key[1]}"), folded=self.config.fold_mentions,
        )

    def _entity_parts(self, key: EntityKey) -> dict:
        """What each page of an entity's list shows alike: made once for all of them (see made_once), so a
        leader with hundreds of pages holds one chart and one JSON-LD while its jobs wait to be rendered."""
        spec, entity = self._spec(key[0]), self.read_model("entity", key)
        path = urls.entity_path(*key)
        description = self.entity_description(entity)
        json_ld = metadata.json_ld_script(metadata.entity(
            taxonomy=spec.name, name=entity.name, url=self.links.absolute(path), aliases=entity.aliases,
            description=description, fields=entity.profile.fields if entity.profile else {},
        ))
        co_named = [(self.entity_ref(other), count)
                    for other, count in self.read_model(self._fold("co-mentions"), key, 12)]
        co_named_groups = [(self._spec(taxonomy), [(self.entity_ref(other), count) for other, count in group])
                           for taxonomy, group in self.read_model(self._fold("co-mentions-by-taxonomy"), key, 5)]
        timeline = self.read_model(self._fold("timeline"), key)
        dates = self.words.key_dates(key_dates(entity.profile.fields)) if entity.profile else ()
        month_names = self.words.month_names(timeline)
        chart = chart_layout(timeline, dates, {long: names[:2] for long, names in month_names.items()},
                             self.dates.format_date)
        return {
            "spec": spec, "entity": entity, "path": path, "origin": self._origin(key), "description": description,
            "json_ld": json_ld, "mentioned": self.read_model("mentions", key), "co_named": co_named,
            "co_named_groups": co_named_groups, "timeline": self.words.localized_timeline(timeline, month_names),
            "chart": chart, "key_dates": dates, "feed_url": self.links.url(path + "atom.xml"),
            "profile_html": self.body(entity.profile.source_rel).html if entity.profile else "",
            "fields": [(label, self.prose(value) if isinstance(value, str) else value)
                       for label, value in profile_fields(entity, self.dates, self.words.field_label)],
        }

    def entity_description(self, entity: Entity) -> str:
        """The profile's own description, else the first paragraph of its text."""
        if entity.profile is None:
            return ""
        given = entity.profile.fields.get("description")
        return self.prose(str(given)) if given else self.body(entity.profile.source_rel).summary
