"""The site model, kept while front matter is unchanged and updated, not remade, when only briefings change.

Three ways to the model of this build, tried in order (see site_model):
the last one as it is (no front matter changed: only bodies may have), the
last one with some briefings showing something else (a title, a summary:
with_new_cards), the last one with briefings added, removed, re-dated or
renamed (reshaped_model); else it is made from every document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import NamedTuple

from briefgen import urls
from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing, Page, Profile
from briefgen.content.fields import NameRef
from briefgen.content.scan import Source
from briefgen.errors import Diagnostic, Diagnostics, Severity
from briefgen.fingerprint import fingerprint
from briefgen.incremental.cache import BuildCache
from briefgen.incremental.documents import DocumentDigests, names_given
from briefgen.model.entities import Naming, build_registry, check_names
from briefgen.model.site import Site, build_site
from briefgen.output.outputs import Output
from briefgen.render.links import LinkKeys, LinkResolver, make_resolver


@dataclass(frozen=True, slots=True)
class ModelStep:
    """The model of this build, how it was come by, and which documents' bodies are to be checked."""

    memo: ModelMemo
    # The last build's model, when this one is of another shape: its pages are checked dependency by dependency.
    earlier: ModelMemo | None
    same_front_matter: bool  # every document's front matter is the kept model's: only bodies may differ
    briefings: list[Briefing]  # whose bodies are to be rendered or checked by their keys
    profiles: list[Profile]
    pages: list[Page]

    @property
    def site(self) -> Site:
        return self.memo.site

    def documents(self) -> tuple[Briefing | Profile | Page, ...]:
        return (*self.briefings, *self.profiles, *self.pages)


def site_model(digests: list[DocumentDigests], sources: list[Source], drafts: bool, config: SiteConfig,
               cache: BuildCache) -> ModelStep:
    """The site model of these documents, from the cache's where it can be."""
    rels, fronts = [d.rel for d in digests], [d.front for d in digests]
    front_digests = dict(zip(rels, fronts))
    # Lists of strs: the fingerprint encodes them in C (they hold an item per document).
    key = fingerprint(drafts, rels, fronts)
    shape = fingerprint(drafts, rels, [d.shape for d in digests])
    memo = cache.model_memo(shape)
    if memo is not None and memo.key == key:  # only briefings whose body is not the last build's need rendering
        briefings = [cache.documents.tail(b.source_rel) for b in memo.site.briefings
                     if not body_is_current(cache, b.source_rel)]
        return ModelStep(memo, None, True, briefings, [], [])
    earlier = None
    if memo is not None and not any(m.severity is Severity.ERROR for m in memo.messages):
        # Only what briefings show of themselves changed (a title, a summary, …). Not after errors (serve
        # keeps a failed build's model): one may name another briefing's line (two names of one slug).
        memo = with_new_cards(memo, key, front_digests, cache, config)
    else:  # a new shape: a date, a name, a briefing more or less, …
        earlier = cache.earlier_model()
        memo = None if earlier is None else reshaped_model(earlier, key, shape, front_digests, sources, drafts, cache, config)
        if memo is None:  # not only briefings changed: from every document
            documents = [cache.documents.tail(source.rel) for source in sources]
            briefings = [d for d in documents if isinstance(d, Briefing) and (drafts or not d.draft)]
            pages = [d for d in documents if isinstance(d, Page) and (drafts or not d.draft)]
            profiles = [d for d in documents if isinstance(d, Profile) and (drafts or not d.draft)]
            memo = model_from_documents(key, shape, front_digests, briefings, pages, profiles, sources, documents, config,
                                        drafts)
            return ModelStep(memo, earlier, False, briefings, profiles, pages)
    # Any body may link to a new title: each is checked by its key.
    site = memo.site
    return ModelStep(memo, earlier, False, list(site.briefings), site.registry.profiles(), list(site.pages))


def body_is_current(cache: BuildCache, rel: PurePosixPath) -> bool:
    """The kept body was rendered from the file as it is.

    Called with the same model as the last build's only: every kept body was
    rendered with that model's link targets (cache.model is set only once the
    bodies are), so only the file's digest can differ.
    """
    head = cache.bodies.head(rel)
    return head is not None and head.key.source_digest == cache.sources[str(rel)].digest


class UnparsedTarget(NamedTuple):
    """A briefing or page that failed to parse still answers @/ links (by its file) and [[slug]] links, so
    that its own error is the only one."""

    rel: PurePosixPath
    title: str  # its slug: the title is not known
    path: str  # its site path


@dataclass(frozen=True, slots=True)
class ModelMemo:
    """The site model and link resolver made from documents whose front digests give `key`."""

    key: str
    shape: str  # of the documents' shape digests: a model of the same shape differs only in what briefings show
    front_digests: Mapping[str, str]  # path -> front digest, of the documents it was made from
    site: Site
    resolver: LinkResolver
    link_keys: LinkKeys  # digests of the link targets, which bodies' cache keys include
    unparsed_targets: tuple[UnparsedTarget, ...]  # of documents that did not parse
    names: Mapping[str, tuple]  # path -> the names each briefing gives (see names_given), which its refs held
    messages: tuple[Diagnostic, ...]  # what making the model said (unknown names, near misses, …)
    sitemap: Output | None = None  # made from the model alone

    def delta_from(self, base: ModelMemo) -> ModelDelta | None:
        """What this model changed of `base`, when it is `base` with some briefings showing something else
        (made by with_new_cards, from `base` or from a model that was): else None."""
        site, old = self.site, base.site
        if self.shape != base.shape or len(site.briefings) != len(old.briefings) or any(
                getattr(site, name) is not getattr(old, name) for name in _SHARED_BY_CARD_EDITS):
            return None
        changed = tuple((index, briefing) for index, (briefing, was) in enumerate(zip(site.briefings, old.briefings))
                        if briefing is not was)
        return ModelDelta(base.key, self.key, self.front_digests, changed, self.resolver, self.link_keys, self.messages,
                          self.sitemap)


# What a model made by with_new_cards shares with the one it was made from: all but its briefings (a
# field Site gains is shared too, or the model is saved whole).
_SHARED_BY_CARD_EDITS = tuple(f.name for f in fields(Site) if f.name not in ("briefings", "by_slug"))


@dataclass(frozen=True, slots=True)
class ModelDelta:
    """A model told by how it differs from the full one saved before it (see ModelMemo.delta_from).

    After a new title the cache saves this (a few MB: the front digests, the
    link targets and the briefings that changed) instead of the whole model
    again (14 MB at 10,000 briefings); the next build reads both.
    """

    base_key: str
    key: str
    front_digests: Mapping[str, str]
    briefings: tuple[tuple[int, Briefing], ...]  # (place in the site's briefings, the briefing as it is now)
    resolver: LinkResolver
    link_keys: LinkKeys
    messages: tuple[Diagnostic, ...]
    sitemap: Output | None

    def applied_to(self, base: ModelMemo) -> ModelMemo:
        briefings = list(base.site.briefings)
        for index, briefing in self.briefings:
            briefings[index] = briefing
        site = replace(base.site, briefings=tuple(briefings), by_slug=MappingProxyType({b.slug: b for b in briefings}))
        return replace(base, key=self.key, front_digests=self.front_digests, site=site, resolver=self.resolver,
                       link_keys=self.link_keys, messages=self.messages, sitemap=self.sitemap)


def model_from_documents(key: str, shape: str, front_digests: Mapping[str, str], briefings, pages, profiles, sources, documents,
                config: SiteConfig, drafts: bool = False) -> ModelMemo:
    """The registry, relations and link targets.

    The model holds its briefings without their bodies: it is made from front
    matter alone and kept while that is unchanged, through any number of body
    edits (bodies are rendered from the documents). Nor do they keep the names
    as written (refs), which only the registry reads: their entities are in
    site.briefing_entities. The model is loaded on every build after an edit.
    """
    local = Diagnostics()
    registry, resolved = build_registry(profiles, briefings, config, local, drafts)
    site = build_site(config, [lean_briefing(b) for b in briefings], pages, registry, resolved, local)
    unparsed = tuple(unparsed_link_targets(sources, documents))
    resolver = link_resolver(site, unparsed, config)
    names = {str(b.source_rel): names_given(b) for b in briefings}
    return ModelMemo(key, shape, front_digests, site, resolver, resolver.keys(), unparsed, names, tuple(local.items))


def reshaped_model(earlier: ModelMemo, key: str, shape: str, front_digests: Mapping[str, str], sources, drafts: bool,
                    cache: BuildCache, config: SiteConfig) -> ModelMemo | None:
    """The model of the documents whose front digests are `front_digests`, from `earlier`'s when only briefings
    changed (their dates, names, slugs; briefings added or deleted); None when something else did.

    Only the changed briefings are read from the cache: the others are the
    earlier model's, with the names they give kept in it. The registry and
    relations are made again from those (the registry checks the names of
    the changed briefings only: what it says of a briefing depends on its
    own names and the profiles alone), related lists only for the briefings
    that may now have others (see relations.briefings_to_relate_again).
    """
    if any(m.severity is Severity.ERROR for m in earlier.messages):
        return None  # e.g. two briefings of one slug: what is said of them does not belong to one file
    changed = {rel for rel, front in front_digests.items() if earlier.front_digests.get(rel) != front}
    changed |= earlier.front_digests.keys() - front_digests.keys()
    if any(PurePosixPath(rel).parts[1] != "briefings" for rel in changed):
        return None  # a profile or a page: entities or link targets of their own
    kept = {str(b.source_rel): b for b in earlier.site.briefings}
    kept_unparsed = {str(target.rel): target for target in earlier.unparsed_targets}
    briefings, namings, unparsed = [], [], []
    for source in sources:
        rel = str(source.rel)
        if rel not in changed:  # as it was: in the model, a target, or a draft left out
            if rel in kept:
                briefing = kept[rel]
                briefings.append(briefing)
                namings.append(Naming(briefing.source_rel, MappingProxyType(
                    {taxonomy: tuple(NameRef(name, None) for name in names) for taxonomy, names in earlier.names[rel]})))
            elif rel in kept_unparsed:
                unparsed.append(kept_unparsed[rel])
            continue
        document = cache.documents.tail(source.rel)
        if document is None:
            unparsed += unparsed_link_targets([source], [None])
        elif drafts or not document.draft:
            briefings.append(lean_briefing(document))
            namings.append(document)
    local = Diagnostics()
    registry, resolved = build_registry(earlier.site.registry.profiles(), namings, config, local, drafts)
    if any(m.severity is Severity.ERROR for m in local.items):
        return None  # e.g. two names of one slug: said of a kept briefing, perhaps, whose lines are not known here
    messages = [m for m in earlier.messages if str(m.path) not in changed]
    messages += [m for m in local.items if str(m.path) in changed]
    local = Diagnostics()
    site = build_site(config, briefings, earlier.site.pages, registry, resolved, local, earlier=earlier.site)
    resolver = link_resolver(site, unparsed, config)
    names = {rel: earlier.names[rel] for rel in kept if rel not in changed}
    names.update((str(n.source_rel), names_given(n)) for n in namings if str(n.source_rel) in changed)
    return ModelMemo(key, shape, front_digests, site, resolver, resolver.keys(), tuple(unparsed), names,
                     (*messages, *local.items))


def with_new_cards(memo: ModelMemo, key: str, front_digests: Mapping[str, str], cache: BuildCache,
                    config: SiteConfig) -> ModelMemo:
    """`memo`'s model, of the same shape, with the briefings whose front matter changed as they now are.

    Relations and registry stand: they are made from what the shape covers.
    The names of an edited briefing are checked again (they may be on other
    lines now), and link targets made again (titles are targets of [[…]] links).
    """
    changed = {rel for rel, front in front_digests.items() if memo.front_digests.get(rel) != front}
    site = memo.site
    edited = [cache.documents.tail(b.source_rel) for b in site.briefings if str(b.source_rel) in changed]
    local = Diagnostics()
    local.extend(m for m in memo.messages if str(m.path) not in changed)
    for briefing in edited:
        check_names(site.registry, briefing, config, local)
    fresh = {b.slug: lean_briefing(b) for b in edited}
    briefings = tuple(fresh.get(b.slug, b) for b in site.briefings)
    site = replace(site, briefings=briefings, by_slug=MappingProxyType({b.slug: b for b in briefings}))
    resolver = link_resolver(site, memo.unparsed_targets, config)
    # The sitemap reads no more of a briefing than its shape, but for when it was last updated.
    sitemap_stands = all(memo.site.by_slug[slug].updated == b.updated for slug, b in fresh.items())
    return replace(memo, key=key, front_digests=front_digests, site=site, resolver=resolver,
                   link_keys=resolver.keys(memo.link_keys), messages=tuple(local.items),  # paths and names stand
                   sitemap=memo.sitemap if sitemap_stands else None)


def link_resolver(site: Site, unparsed, config: SiteConfig) -> LinkResolver:
    link_documents = [(b.source_rel, b.title, urls.briefing_path(b.slug)) for b in site.briefings]
    link_documents += [(p.source_rel, p.title, urls.page_path(p.slug)) for p in site.pages]
    return make_resolver(site.registry, site.entity_paths, [*link_documents, *unparsed], config.base_path,
                         config.default_targets)


_NO_REFS = MappingProxyType({})


def lean_briefing(briefing: Briefing) -> Briefing:
    """A briefing as the model holds it: without its body and the names as written (see model_from_documents)."""
    return replace(briefing, body="", refs=_NO_REFS)


def unparsed_link_targets(sources, documents) -> list[UnparsedTarget]:
    """The link targets of the briefings and pages that failed to parse."""
    unparsed = []
    for source, document in zip(sources, documents):
        if document is None and source.section in ("briefings", "pages"):
            slug = PurePosixPath(source.rel).stem
            path = urls.briefing_path(slug) if source.section == "briefings" else urls.page_path(slug)
            unparsed.append(UnparsedTarget(source.rel, slug, path))
    return unparsed


def views_changed(earlier: Site, site: Site) -> set[str]:
    """Briefings whose views may differ between two models from files of the same bytes: their path,
    the entities they name or those entities' names are not as they were."""
    renamed = {key for key, entity in site.registry.entities.items()
               if (was := earlier.registry.entities.get(key)) is None or was.name != entity.name}
    changed = set()
    for briefing in site.briefings:
        slug = briefing.slug
        was = earlier.by_slug.get(slug)
        named = site.briefing_entities[slug]
        if was is None or was.source_rel != briefing.source_rel or earlier.briefing_entities[slug] != named or \
                any(key in renamed for keys in named.values() for key in keys):
            changed.add(slug)
    return changed
