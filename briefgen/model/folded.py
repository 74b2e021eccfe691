"""Mentions folded into front matter: for a site with `fold_mentions: true`, the briefings that name or
mention each entity, and the entities most often named or mentioned together.

An entity's feed, its chart of mentions over time and its "Most often named
with" count the briefings naming it in front matter; with the setting on,
they count those whose text mentions it too (model/mentions.py finds the
mentions). Made from the whole site at once, when first asked for, as the
front-matter ones are (model/site.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from briefgen.model import relations
from briefgen.model.entities import EntityKey


@dataclass(frozen=True, slots=True)
class FoldedMentions:
    briefings: Mapping[EntityKey, tuple[str, ...]]  # entity -> slugs naming or mentioning it, newest first
    co_mentions: Mapping[EntityKey, tuple[tuple[EntityKey, int], ...]]  # as Site.co_mentions, of both


def fold_mentions(site, entity_mentions_of) -> FoldedMentions:
    """`entity_mentions_of(briefing)`: the entity keys its text mentions (in any order)."""
    known = site.registry.entities
    by_entity: dict[EntityKey, list[str]] = {}
    entity_lists = []
    for briefing in site.briefings:  # newest first: so is each entity's list
        named = [key for keys in site.briefing_entities.get(briefing.slug, {}).values() for key in keys]
        keys = list(dict.fromkeys([*named, *(key for key in entity_mentions_of(briefing) if key in known)]))
        for key in keys:
            by_entity.setdefault(key, []).append(briefing.slug)
        entity_lists.append(keys)
    return FoldedMentions({key: tuple(slugs) for key, slugs in by_entity.items()},
                          relations.co_mentions(entity_lists))
