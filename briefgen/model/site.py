"""The immutable Site: briefings in order, entities, mentions and relations, by key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Mapping, Sequence

from briefgen import urls
from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing, Page, Profile
from briefgen.errors import Diagnostics
from briefgen.model import relations
from briefgen.model.entities import Entity, EntityKey, EntityRegistry
from briefgen.model.relations import Timeline


@dataclass(frozen=True, slots=True)
class Site:
    """Made from front matter alone: its briefings' bodies and refs are empty (bodies are rendered from the
    documents, names as written are resolved into briefing_entities)."""

    config: SiteConfig
    briefings: tuple[Briefing, ...]  # newest first
    pages: tuple[Page, ...]
    registry: EntityRegistry
    briefing_entities: Mapping[str, Mapping[str, tuple[EntityKey, ...]]]  # slug -> taxonomy -> keys
    mentions: Mapping[EntityKey, tuple[str, ...]]  # entity -> briefing slugs, newest first
    neighbours: Mapping[str, tuple[str | None, str | None]]  # slug -> (older, newer)
    related: Mapping[str, tuple[str, ...]]
    co_mentions: Mapping[EntityKey, tuple[tuple[EntityKey, int], ...]]
    timelines: Mapping[EntityKey, Timeline]
    by_slug: Mapping[str, Briefing]

    def briefing(self, slug: str) -> Briefing:
        return self.by_slug[slug]

    def entity(self, key: EntityKey) -> Entity:
        return self.registry.entities[key]

    def entity_keys(self, taxonomy: str) -> list[EntityKey]:
        """Entities of a taxonomy that have a page: most named first, then by name."""
        keys = [k for k in self.registry.entities if k[0] == taxonomy]
        return sorted(keys, key=lambda k: (-len(self.mentions.get(k, ())), self.entity(k).name.casefold()))

    @property
    def entity_paths(self) -> dict[EntityKey, str]:
        return {key: urls.entity_path(*key) for key in self.registry.entities}


def build_site(
    config: SiteConfig,
    briefings: Sequence[Briefing],
    pages: Sequence[Page],
    registry: EntityRegistry,
    resolved: Mapping[PurePosixPath, Mapping[str, tuple[EntityKey, ...]]],
    diags: Diagnostics,
    earlier: Site | None = None,
) -> Site:
    """The site model. `earlier`: the last model, from which related lists that cannot have changed are
    taken (see relations.briefings_to_relate_again), not worked out again."""
    _check_unique_slugs(briefings, "briefing", diags)
    _check_unique_slugs(pages, "page", diags)
    ordered = tuple(sorted(briefings, key=lambda b: (b.date, b.slug), reverse=True))
    slugs = [b.slug for b in ordered]

    briefing_entities: dict[str, Mapping[str, tuple[EntityKey, ...]]] = {}
    mentions: dict[EntityKey, list[str]] = {key: [] for key in registry.entities}
    for briefing in ordered:
        per_taxonomy = resolved.get(briefing.source_rel, {})
        briefing_entities[briefing.slug] = MappingProxyType(dict(per_taxonomy))
        for keys in per_taxonomy.values():
            for key in keys:
                mentions[key].append(briefing.slug)

    flat = [tuple(k for keys in briefing_entities[s].values() for k in keys) for s in slugs]
    entity_sets, timestamps = [frozenset(keys) for keys in flat], [b.date.timestamp() for b in ordered]
    again = None
    if earlier is not None and len(set(slugs)) == len(slugs):
        again = relations.briefings_to_relate_again(
            {b.slug: (b.date.timestamp(), _entity_set(earlier.briefing_entities[b.slug])) for b in earlier.briefings},
            dict(zip(slugs, zip(timestamps, entity_sets))))
    if again is None:
        related_indexes = relations.related_briefings(entity_sets, timestamps, config.related_count)
        related = {slugs[i]: tuple(slugs[j] for j in rel) for i, rel in related_indexes.items()}
    else:
        related_indexes = relations.related_briefings(entity_sets, timestamps, config.related_count,
                                                      only=[i for i, slug in enumerate(slugs) if slug in again])
        related = {slug: earlier.related[slug] for slug in slugs}
        related.update({slugs[i]: tuple(slugs[j] for j in rel) for i, rel in related_indexes.items()})
    by_slug = {b.slug: b for b in ordered}
    timelines = {
        key: relations.timeline([by_slug[s].date for s in mentioned]) for key, mentioned in mentions.items()
    }
    return Site(
        config=config,
        briefings=ordered,
        pages=tuple(sorted(pages, key=lambda p: p.slug)),
        registry=registry,
        briefing_entities=MappingProxyType(briefing_entities),
        mentions=MappingProxyType({k: tuple(v) for k, v in mentions.items()}),
        neighbours=MappingProxyType({
            slugs[i]: (slugs[older] if older is not None else None, slugs[newer] if newer is not None else None)
            for i, (older, newer) in enumerate(relations.neighbours(len(slugs)))
        }),
        related=MappingProxyType(related),
        co_mentions=MappingProxyType(relations.co_mentions(flat)),
        timelines=MappingProxyType(timelines),
        by_slug=MappingProxyType(by_slug),
    )


def _entity_set(per_taxonomy: Mapping[str, tuple[EntityKey, ...]]) -> frozenset[EntityKey]:
    return frozenset(key for keys in per_taxonomy.values() for key in keys)


def _check_unique_slugs(documents: Sequence[Briefing | Page | Profile], kind: str, diags: Diagnostics) -> None:
    seen: dict[str, PurePosixPath] = {}
    for doc in sorted(documents, key=lambda d: str(d.source_rel)):
        if doc.slug in seen:
            diags.error(doc.source_rel, None, f"this {kind} has the slug '{doc.slug}', as does {seen[doc.slug]}.",
                        "Rename one of the files or set a different 'slug:' in its front matter.")
        else:
            seen[doc.slug] = doc.source_rel
