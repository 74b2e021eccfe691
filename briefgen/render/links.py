"""What a body's links may point at: the LinkResolver, made once per build from the site's documents and
entities, and the keys that say which bodies a change of it renders differently.

LinkKeys digest each kind of link target, so that a body is rendered again
only when a kind it uses changes; changed_autolink_words and may_autolink
tell which bodies a change of names may autolink differently. The links are
resolved by page_links.py, the autolinks made by autolinks.py.
"""

from __future__ import annotations

import functools
import re
from types import MappingProxyType
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Iterable, Mapping, NamedTuple, Sequence

from briefgen.fingerprint import fingerprint
from briefgen.model.entities import EntityKey, EntityRegistry, normalise_name

WORD = re.compile(r"\w+")  # a word, as autolinks look for names: by their first one


@dataclass(frozen=True, slots=True)
class LinkTarget:
    site_path: str
    label: str
    origin: str  # what it is, for "ambiguous" messages: "content/briefings/x.md"
    root: str = ""  # a multilingual site's default language: its base path, where site_path is (see languages/)


@dataclass(frozen=True, slots=True)
class LinkKeys:
    files: str  # where each content file is: what @/ links need
    titles: str  # titles, names and aliases: what [[wikilinks]] need
    entities: str  # the names autolinks find

    @staticmethod
    def used_by(body: str) -> tuple[bool, bool]:
        """Whether a body may have @/ or x.md links and [[wikilinks]]: every such link has its marker in the text."""
        return "@/" in body or ".md" in body, "[[" in body

    def select(self, used: tuple[bool, bool], autolink: bool) -> BodyLinkKeys:
        """The keys a body's rendering depends on, given what used_by() said of it: one of eight records,
        made once per LinkKeys (this is asked for every body of the site)."""
        return _selected(self, used[0], used[1], autolink)


@functools.lru_cache(maxsize=64)
def _selected(keys: LinkKeys, files: bool, titles: bool, entities: bool) -> BodyLinkKeys:
    return BodyLinkKeys(keys.files if files else "", keys.titles if titles else "", keys.entities if entities else "")


class BodyLinkKeys(NamedTuple):
    """The keys of the link targets one body may use ("" for a kind its text cannot use)."""

    files: str  # @/ links
    titles: str  # [[title]] links
    entities: str  # autolinks and [[name]] links


def _digest(prefix: str, entries: Iterable[tuple[str, ...]]) -> str:
    """One kind of link target, each entry a tuple of strs (what is linked, then where to), in an order
    that does not depend on how the mapping was made. Tuples of strs are what the fingerprint encodes
    fastest: this is worked out again for every title on every title edit."""
    return fingerprint(prefix, sorted(entries))


def _target_fields(targets: Iterable[LinkTarget]) -> tuple[str, ...]:
    """Every field of each target, in order: three strs each, so the flat tuple is unambiguous."""
    return tuple(field for target in targets for field in (target.site_path, target.label, target.origin))


@dataclass(frozen=True, slots=True)
class LinkResolver:
    """Everything a body's links and autolinks may point at; one per build."""

    by_file: Mapping[str, LinkTarget]  # "briefings/x.md" (relative to content/) -> target
    by_title: Mapping[str, tuple[LinkTarget, ...]]  # normalised title or entity name -> targets
    url_prefix: str  # base path, e.g. "/repo/"
    autolink_targets: Mapping[str, tuple[EntityKey, LinkTarget]]  # surface as it may appear in text -> target
    autolink_index: Mapping[str, tuple[str, ...]]  # first word of a surface -> surfaces, longest first
    entity_at: Mapping[str, EntityKey] = field(default_factory=dict)  # an entity page's site path -> its entity

    def keys(self, earlier: LinkKeys | None = None) -> LinkKeys:
        """Digests of each kind of link target, so a body is re-rendered only when a kind it uses changes.

        `earlier`: the keys of a resolver whose files and names were the same
        as this one's (a new title, a new summary): only titles are digested.
        """
        titles = _digest(self.url_prefix,
                         ((title, *_target_fields(targets)) for title, targets in self.by_title.items()))
        if earlier is not None:
            return replace(earlier, titles=titles)
        return LinkKeys(
            files=_digest(self.url_prefix, ((path, target.site_path) for path, target in self.by_file.items())),
            titles=titles,
            entities=_digest(self.url_prefix, ((surface, *key, *_target_fields((target,)))
                                               for surface, (key, target) in self.autolink_targets.items())),
        )

    def url(self, target: LinkTarget) -> str:
        return (target.root or self.url_prefix) + target.site_path


def changed_autolink_words(old: LinkResolver, new: LinkResolver) -> frozenset[str]:
    """The first words of the names whose autolinks differ between two resolvers (a name added or gone,
    another page or entity): a body in which none of them is a word is autolinked the same by both."""
    def entry(resolver: LinkResolver, word: str) -> tuple:
        return tuple((surface, resolver.autolink_targets[surface][0], resolver.url(resolver.autolink_targets[surface][1]))
                     for surface in resolver.autolink_index.get(word, ()))

    return frozenset(word for word in old.autolink_index.keys() | new.autolink_index.keys()
                     if entry(old, word) != entry(new, word))


def words_as_written(body: str) -> bool:
    """Whether each word of markdown-it's text of `body` is a word of `body` (see may_autolink)."""
    return "&" not in body and "\\" not in body and "_" not in body


def may_autolink(body: str, words: frozenset[str]) -> bool:
    """Whether the autolinker may see one of `words` in `body`'s text; True when the source cannot tell.

    markdown-it's text is a slice of the source but where an entity (&…;) or
    a backslash escape is decoded, or an underscore is taken for emphasis:
    with none of these, each word of the text is a word of the source.
    """
    if not words_as_written(body):
        return True
    if len(words) <= 16:  # the usual case, a name or two: a substring test first, at C speed
        words = frozenset(word for word in words if word in body)
        if not words:
            return False
    return not words.isdisjoint(WORD.findall(body))


def make_resolver(
    registry: EntityRegistry,
    entity_paths: Mapping[EntityKey, str],
    documents: Sequence[tuple[PurePosixPath, str, str]],  # (source rel, title, site path)
    url_prefix: str,
    fallback: Sequence[tuple[str, str, str, str]] = (),
) -> LinkResolver:
    """`fallback`: in a language's tree of a multilingual site, the default language's documents and
    entities as (origin, title or name, site path, root), which a link reaches when nothing of the tree's
    own language has that file, title or name (see languages.build.default_targets)."""
    by_file: dict[str, LinkTarget] = {}
    by_title: dict[str, list[LinkTarget]] = {}
    for rel, title, site_path in documents:
        target = LinkTarget(site_path, title, str(rel))
        by_file[str(rel).partition("/")[2]] = target  # relative to content/, as links name it
        by_title.setdefault(normalise_name(title), []).append(target)
    autolink_targets: dict[str, tuple[EntityKey, LinkTarget]] = {}
    entity_at = {entity_paths[key]: key for key in registry.entities}
    for key, entity in registry.entities.items():
        origin = str(entity.profile.source_rel) if entity.profile else f"{key[0]} '{entity.name}'"
        target = LinkTarget(entity_paths[key], entity.name, origin)
        for name in (*entity.surface_names, entity.slug):
            targets = by_title.setdefault(normalise_name(name), [])
            if target not in targets:
                targets.append(target)
        for surface in entity.surface_names:
            for form in _text_forms(surface):
                autolink_targets.setdefault(form, (key, target))
    own_titles = set(by_title)
    for origin, title, site_path, root in fallback:
        target = LinkTarget(site_path, title, origin, root)
        if origin.startswith("content/"):
            by_file.setdefault(origin.partition("/")[2], target)
        if normalise_name(title) not in own_titles:
            targets = by_title.setdefault(normalise_name(title), [])
            if target not in targets:
                targets.append(target)
    index: dict[str, list[str]] = {}
    for surface in autolink_targets:
        first_word = WORD.match(surface)
        if first_word:  # a name must start with a letter or digit to be found in running text
            index.setdefault(first_word.group(), []).append(surface)
    return LinkResolver(
        by_file, {k: tuple(v) for k, v in by_title.items()}, url_prefix, autolink_targets,
        {word: tuple(sorted(surfaces, key=lambda x: (-len(x), x))) for word, surfaces in index.items()},
        MappingProxyType(entity_at),
    )


def _text_forms(surface: str) -> tuple[str, ...]:
    """How a name may appear in running text.

    Proper names match as written ("New START"); an all-lower-case name
    ("arms control") also matches capitalised at the start of a sentence, but
    not in Title Case inside another name ("European Court of Human Rights").
    """
    if surface != surface.lower() or not surface[:1].isalpha():
        return (surface,)
    return (surface, surface[0].upper() + surface[1:])
