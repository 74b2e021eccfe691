"""Links in bodies: what each may point at (LinkResolver), resolving @/ and [[wikilink]] links, and
linking the first mention of each entity in a body's text (autolinks).

The resolver is made once per build from the site's documents and entities.
LinkKeys digest each kind of link target, so that a body is rendered again
only when a kind it uses changes; changed_autolink_words and may_autolink
tell which bodies a change of names may autolink differently.
"""

from __future__ import annotations

import functools
import re
from types import MappingProxyType
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Iterable, Mapping, NamedTuple, Sequence

from markdown_it.token import Token

from briefgen.errors import Diagnostic, Severity
from briefgen.fingerprint import fingerprint
from briefgen.model.entities import EntityKey, EntityRegistry, normalise_name
from briefgen.model.mentions import MentionLog
from briefgen.render.excerpts import BlockText
from briefgen.names import did_you_mean
from briefgen.render.rawtargets import RawTargets
from briefgen.render.targets import TargetContext, resolve_href, resolve_image, target_line

_WORD = re.compile(r"\w+")


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
    return not words.isdisjoint(_WORD.findall(body))


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
        first_word = _WORD.match(surface)
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


@dataclass(frozen=True, slots=True)
class FileTargets:
    """The files a build's bodies may point at (images/assets.AssetTable) and how images are processed."""

    assets: object  # AssetTable
    settings: object  # ImageSettings

    def context(self, rel: str, resolver: LinkResolver, problems: list, featured: bool) -> TargetContext:
        def page_link(content_path: str, line: int) -> str | None:
            target = _resolve_file_link("@/" + content_path, rel, line, resolver, problems)
            return None if target is None else _target_url(resolver, target)
        return TargetContext(rel, resolver.url_prefix, self.assets, self.settings, page_link, problems, featured)


def resolve_links(tokens: list[Token], rel, body_line: int, resolver: LinkResolver, problems: list,
                  log: MentionLog | None = None, files: TargetContext | None = None) -> None:
    """Give each @/ link and [[wikilink]] in `tokens` its URL (or "#"), and each that points nowhere a
    diagnostic with its file line in `problems`; what each points at is recorded in `log`; with `files`,
    links to files and images too."""
    raw = RawTargets(files) if files is not None else None  # raw <img> and <a>, in document order
    for block_index, block in enumerate(tokens):
        if block.type == "html_block" and raw is not None:
            raw.resolve(block, body_line + (block.map[0] if block.map else 0))
            continue
        if block.type != "inline" or not block.children:
            continue
        line = body_line + (block.map[0] if block.map else 0)
        if files is not None:
            _resolve_files(tokens, block_index, line, files, raw)
        text = None
        for index, token in enumerate(block.children):
            if token.type != "link_open":
                continue
            if "wikilink" in token.meta:
                target_line = line + token.meta["line_offset"]
                target = _resolve_wikilink(token.meta["wikilink"], rel, target_line, resolver, problems)
            else:
                href = str(token.attrs.get("href", ""))
                if not href.startswith("@/") or (files is not None and not href.partition("#")[0].endswith(".md")):
                    continue  # a file or an image: _resolve_files' own
                offset = block.content.find(href)
                target_line = line + (block.content.count("\n", 0, offset) if offset > 0 else 0)
                target = _resolve_file_link(href, rel, target_line, resolver, problems)
            token.attrs["href"] = "#" if target is None else _target_url(resolver, target)
            if target is not None and log is not None:
                text = text or BlockText(block.children, line)
                _record_link(log, resolver, target[0], text, index + 1, target_line)


def _target_url(resolver: LinkResolver, target: tuple[LinkTarget, str]) -> str:
    return resolver.url(target[0]) + (f"#{target[1]}" if target[1] else "")


def _record_link(log: MentionLog, resolver: LinkResolver, target: LinkTarget, text: BlockText, index: int,
                 line: int) -> None:
    """An explicit link's target: an entity mentioned, or a document linked to."""
    key = resolver.entity_at.get(target.site_path)
    if key is None:
        log.link(target.origin)
    elif index < len(text.children):
        child = text.children[index]
        log.entity(key, child.content, text.excerpt(index, 0, len(child.content)), line)


def _resolve_files(tokens: list[Token], index: int, line: int, files: TargetContext, raw: RawTargets) -> None:
    """Links to files and pages by path (not @/x.md, done by resolve_links), images and raw HTML's <img> and
    <a>, in one inline block. An image alone in its paragraph with a caption or credit becomes a <figure>,
    in place of the <p>."""
    block = tokens[index]
    children = [c for c in block.children if not (c.type == "text" and not c.content.strip())]
    alone = len(children) == 1 and children[0].type == "image"
    raw_offset, direct = 0, None
    for token in _all_children(block.children):
        if token.type == "html_inline":
            direct = direct or {id(child) for child in block.children}
            if id(token) in direct:  # not in an image's alt text, which is written as text
                raw_offset = max(block.content.find(token.content, raw_offset), raw_offset)
                raw.resolve(token, line + block.content.count("\n", 0, raw_offset))
        elif token.type == "image":
            resolve_image(token, target_line(block, line, str(token.attrs.get("src", ""))), files, alone)
            if alone and "<figure" in (token.meta or {}).get("html", "") and 0 < index < len(tokens) - 1 \
                    and tokens[index - 1].type == "paragraph_open":
                tokens[index - 1].hidden = tokens[index + 1].hidden = True  # no <p> around the <figure>
        elif token.type == "link_open" and "wikilink" not in (token.meta or {}):
            href = str(token.attrs.get("href", ""))
            if href.startswith("@/") and href.partition("#")[0].endswith(".md"):
                continue  # resolve_links' own
            resolved = resolve_href(href, target_line(block, line, href), files)
            token.attrs["href"] = "#" if resolved is None else resolved


def _all_children(children: list[Token]):
    for token in children:
        yield token
        if token.children:  # an image's alt text may hold another image
            yield from _all_children(token.children)


def _resolve_file_link(href: str, rel, line: int, resolver: LinkResolver, problems: list
                       ) -> tuple[LinkTarget, str] | None:
    """(target, anchor) of an @/ link, or None with a problem."""
    path, _, anchor = href[2:].partition("#")
    target = resolver.by_file.get(path)
    if target is None and path.endswith(".md"):  # x.md made a bundle: x/index.md, linked as before
        target = resolver.by_file.get(path[:-3] + "/index.md")
    if target is None:
        hint = did_you_mean(path, resolver.by_file) or "The path is relative to content/, e.g. @/briefings/first-call.md."
        problems.append(Diagnostic(rel, line, f"the link '{href}' points at no content file.", hint))
        return None
    return target, anchor


def _resolve_wikilink(target_text: str, rel, line: int, resolver: LinkResolver, problems: list
                      ) -> tuple[LinkTarget, str] | None:
    if target_text.startswith("@/"):
        return _resolve_file_link(target_text, rel, line, resolver, problems)
    name, _, anchor = target_text.partition("#")
    section = None
    if "/" in name:
        section, _, name = name.partition("/")
    candidates = list(resolver.by_title.get(normalise_name(name), ()))
    if section is not None:
        candidates = [c for c in candidates if c.site_path.startswith(section + "/")]
    if len(candidates) == 1:
        return candidates[0], anchor
    if not candidates:
        known = {t.label for targets in resolver.by_title.values() for t in targets}
        hint = did_you_mean(name, known) or "Link to an entity by its name or alias, or to a briefing by its title."
        literal = f"To show the brackets as typed, not as a link, write \\[[{target_text}]]."
        problems.append(Diagnostic(rel, line, f"[[{target_text}]] matches no entity or page.", f"{hint} {literal}"))
        return None
    listed = "; ".join(f"{c.label} ({c.origin}, /{c.site_path})" for c in candidates)
    first_section = candidates[0].site_path.split("/")[0]
    problems.append(Diagnostic(
        rel, line, f"[[{target_text}]] is ambiguous: it could be {listed}.",
        f"Name the section, e.g. [[{first_section}/{name}]], or link the file with @/.", Severity.ERROR,
    ))
    return None


def autolink_first_mentions(tokens: list[Token], resolver: LinkResolver, exclude: EntityKey | None,
                            log: MentionLog | None = None, body_line: int = 0) -> None:
    """Link the first mention of each entity (but `exclude`) in running text, outside headings, links and raw
    elements, unless the body already links to its page; each mention linked is recorded in `log` with the
    sentence around it (the mentions of an entity's page come from this same scan)."""
    # The first words of names that the body's text holds, found in one pass: most text tokens hold none.
    words = _WORD.findall("\n".join(
        child.content for block in tokens if block.type == "inline" and block.children
        for child in block.children if child.type == "text" and "raw_html" not in child.meta))
    candidates = resolver.autolink_index.keys() & set(words)
    if not candidates:
        return
    linked: set[EntityKey] = {exclude} if exclude else set()
    already_linked_urls = set()
    in_heading = False
    for block in tokens:
        if block.type == "heading_open":
            in_heading = True
        elif block.type == "heading_close":
            in_heading = False
        elif block.type == "inline" and block.children and not in_heading:
            for token in block.children:
                if token.type == "link_open":
                    already_linked_urls.add(token.attrs.get("href"))
            text = BlockText(block.children, body_line + (block.map[0] if block.map else 0))
            block.children = _link_in_children(text, resolver, candidates, linked, already_linked_urls, log)


def _link_in_children(text: BlockText, resolver, candidates: set[str], linked: set,
                      already_linked_urls: set, log: MentionLog | None) -> list[Token]:
    result: list[Token] = []
    link_depth = 0
    for index, token in enumerate(text.children):
        if token.type == "link_open":
            link_depth += 1
        elif token.type == "link_close":
            link_depth -= 1
        if token.type != "text" or link_depth > 0 or "raw_html" in token.meta:
            result.append(token)
            continue
        found = _split_text(token, resolver, candidates, linked, already_linked_urls)
        if log is not None and found is not None:
            for key, start, end in found[1]:
                log.entity(key, token.content[start:end], text.excerpt(index, start, end), text.line_of(index))
        result.extend([token] if found is None else found[0])
    return result


def _split_text(token: Token, resolver: LinkResolver, candidates: set[str], linked: set,
                already_linked_urls: set) -> tuple[list[Token], list[tuple[EntityKey, int, int]]] | None:
    """The token split into text and links, and (entity, start, end) of each link made; None: no link made."""
    text = token.content
    made: list[tuple[EntityKey, int, int]] = []
    pieces: list[Token] = []
    cursor = 0
    for start, end in _mentions(text, candidates, resolver.autolink_index):
        surface = text[start:end]
        key, target = resolver.autolink_targets[surface]
        url = resolver.url(target)
        if key in linked or url in already_linked_urls:
            continue
        linked.add(key)
        made.append((key, start, end))
        if start > cursor:
            pieces.append(_text_token(text[cursor:start]))
        link_open = Token("link_open", "a", 1)
        link_open.attrs = {"href": url, "class": "entity-link"}
        pieces.extend([link_open, _text_token(surface), Token("link_close", "a", -1)])
        cursor = end
    if not pieces:
        return None
    if cursor < len(text):
        pieces.append(_text_token(text[cursor:]))
    return pieces, made


def _mentions(text: str, candidates: set[str], index: Mapping[str, tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) of each known name in `text`: whole words, longest name first, no overlaps.

    `candidates`: first words of names (keys of `index`), among which are all
    those `text` holds as words. Each of their names is looked for with
    str.find, at C speed; a loop over the text's words in Python, or one
    regular expression with hundreds of alternatives, is far slower.
    """
    found = []
    for first in candidates:
        if first not in text:
            continue
        for surface in index[first]:
            start = text.find(surface)
            while start != -1:
                end = start + len(surface)
                if not (start and _is_word_char(text[start - 1])) and not (end < len(text) and _is_word_char(text[end])):
                    found.append((start, -len(surface)))  # at one place, the longest name first
                start = text.find(surface, start + 1)
    found.sort()
    mentions, resume = [], 0
    for start, negative_length in found:
        if start >= resume:
            resume = start - negative_length
            mentions.append((start, resume))
    return mentions


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token
