"""Markdown bodies -> HTML: internal links resolved, first mentions of entities linked."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Mapping, Sequence

from markdown_it import MarkdownIt
from markdown_it.common.html_re import open_tag as _HTML_OPEN_TAG
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from briefgen.model.entities import EntityKey, EntityRegistry, normalise_name
from briefgen.errors import Diagnostic, Severity
from briefgen.names import did_you_mean
from briefgen.render.rawhtml import RawElementTracker, RemovedUrl, sanitise_html

_WORD = re.compile(r"\w+")
_WIKILINK = re.compile(r"\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")


@dataclass(frozen=True, slots=True)
class Rendered:
    LARGE_TEXTS = ("html",)  # pickled as UTF-8 bytes (see store.fast_reducers)

    html: str
    summary: str  # the first paragraph as plain text
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkTarget:
    site_path: str
    label: str
    origin: str  # what it is, for "ambiguous" messages: "content/briefings/x.md"


@dataclass(frozen=True, slots=True)
class LinkKeys:
    files: str  # where each content file is: what @/ links need
    titles: str  # titles, names and aliases: what [[wikilinks]] need
    entities: str  # the names autolinks find

    @staticmethod
    def used_by(body: str) -> tuple[bool, bool]:
        """Whether a body may have @/ links and [[wikilinks]]: every such link has its marker in the text."""
        return "@/" in body, "[[" in body

    def select(self, used: tuple[bool, bool], autolink: bool) -> tuple[str, str, str]:
        """The keys a body's rendering depends on, given what used_by() said of it."""
        return (self.files if used[0] else "", self.titles if used[1] else "", self.entities if autolink else "")


def _digest(prefix: str, mapping: Mapping) -> str:
    digest = hashlib.blake2b(prefix.encode(), digest_size=16)
    for key in sorted(mapping):
        digest.update(f"{key}\0{mapping[key]!r}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class LinkResolver:
    """Everything a body's links and autolinks may point at; one per build."""

    by_file: Mapping[str, LinkTarget]  # "briefings/x.md" (relative to content/) -> target
    by_title: Mapping[str, tuple[LinkTarget, ...]]  # normalised title or entity name -> targets
    url_prefix: str  # base path, e.g. "/repo/"
    autolink_targets: Mapping[str, tuple[EntityKey, LinkTarget]]  # surface as it may appear in text -> target
    autolink_index: Mapping[str, tuple[str, ...]]  # first word of a surface -> surfaces, longest first

    def keys(self, earlier: LinkKeys | None = None) -> LinkKeys:
        """Digests of each kind of link target, so a body is re-rendered only when a kind it uses changes.

        `earlier`: the keys of a resolver whose files and names were the same
        as this one's (a new title, a new summary): only titles are digested.
        """
        titles = _digest(self.url_prefix, self.by_title)
        if earlier is not None:
            return replace(earlier, titles=titles)
        return LinkKeys(
            files=_digest(self.url_prefix, {path: target.site_path for path, target in self.by_file.items()}),
            titles=titles,
            entities=_digest(self.url_prefix, self.autolink_targets),
        )

    def url(self, target: LinkTarget) -> str:
        return self.url_prefix + target.site_path


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
) -> LinkResolver:
    by_file: dict[str, LinkTarget] = {}
    by_title: dict[str, list[LinkTarget]] = {}
    for rel, title, site_path in documents:
        target = LinkTarget(site_path, title, str(rel))
        by_file[str(rel).partition("/")[2]] = target  # relative to content/, as links name it
        by_title.setdefault(normalise_name(title), []).append(target)
    autolink_targets: dict[str, tuple[EntityKey, LinkTarget]] = {}
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
    index: dict[str, list[str]] = {}
    for surface in autolink_targets:
        first_word = _WORD.match(surface)
        if first_word:  # a name must start with a letter or digit to be found in running text
            index.setdefault(first_word.group(), []).append(surface)
    return LinkResolver(
        by_file, {k: tuple(v) for k, v in by_title.items()}, url_prefix, autolink_targets,
        {word: tuple(sorted(surfaces, key=lambda x: (-len(x), x))) for word, surfaces in index.items()},
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


def create_markdown(allow_html: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=2, max_level=4)
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.inline.ruler.before("html_inline", "raw_text_element", _raw_text_element_rule)
    # Text inside raw <a>, <code>, <script> … is hidden from every core rule between these two: the
    # typographer's (replacements, smartquotes, or any other that works on "text" tokens), linkify.
    # Before linkify, so after the footnote plugin has moved footnotes' text into the token stream.
    md.core.ruler.before("linkify", "raw_html_hide", _hide_text_in_raw_elements)
    md.core.ruler.before("text_join", "raw_html_show", _show_text_in_raw_elements)
    return md


# Raw elements whose text is the author's as typed: never autolinked nor typeset.
RAW_TEXT_ELEMENTS = frozenset({"script", "style", "textarea"})  # text only, to a browser
UNTOUCHED_ELEMENTS = RAW_TEXT_ELEMENTS | {"a", "code", "pre", "kbd", "samp", "svg", "math"}
_RAW_OPEN_TAG = re.compile(_HTML_OPEN_TAG)
_RAW_HIDDEN = "raw_html_text"


def _raw_text_element_rule(state: StateInline, silent: bool) -> bool:
    """An inline <script>, <style> or <textarea> with its end tag, as one raw piece.

    Otherwise markdown-it reads the text between the tags as Markdown:
    emphasis, escaped quotes, curly quotes. It runs before html_inline, and
    only where raw HTML is allowed.
    """
    if not state.md.options.get("html") or not state.src.startswith("<", state.pos):
        return False
    open_tag = _RAW_OPEN_TAG.match(state.src, state.pos)
    if open_tag is None or open_tag.group().endswith("/>"):
        return False
    name = _WORD.match(state.src, state.pos + 1).group().lower()
    if name not in RAW_TEXT_ELEMENTS:
        return False
    # A browser ends the element at "</name" followed by a space, "/" or ">".
    close = re.compile(rf"</{name}(?=[\t\n\f\r />])[^>]*>", re.IGNORECASE).search(state.src, open_tag.end())
    if close is None:
        return False
    if not silent:
        state.push("html_inline", "", 0).content = state.src[state.pos:close.end()]
    state.pos = close.end()
    return True


def _hide_text_in_raw_elements(state: StateCore) -> None:
    """Text tokens inside raw UNTOUCHED_ELEMENTS get a type of their own until _show_text_in_raw_elements."""
    if not state.md.options.get("html") or "<" not in state.src:
        return  # the common case, at the cost of one search
    tracker: RawElementTracker | None = None
    for block in state.tokens:
        if block.type == "html_block":
            tracker = tracker or RawElementTracker(UNTOUCHED_ELEMENTS)
            tracker.feed(block.content)
        elif block.type == "inline" and block.children:
            for token in block.children:
                if token.type == "html_inline":
                    tracker = tracker or RawElementTracker(UNTOUCHED_ELEMENTS)
                    tracker.feed(token.content)
                elif tracker is not None and token.type in ("text", "text_special") and tracker.inside:
                    token.meta = {**(token.meta or {}), "raw_html": token.type}
                    token.type = _RAW_HIDDEN
    if tracker is not None:
        state.env["raw_html"] = True  # something for _show_text_in_raw_elements to do


def _show_text_in_raw_elements(state: StateCore) -> None:
    if not state.env.get("raw_html"):
        return
    for block in state.tokens:
        if block.type == "inline" and block.children:
            for token in block.children:
                if token.type == _RAW_HIDDEN:
                    token.type = token.meta["raw_html"]  # the meta stays: the autolinker skips the token too


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = _WIKILINK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        target, text = match.group(1).strip(), (match.group(2) or match.group(1)).strip()
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": ""}
        token.meta = {"wikilink": target, "line_offset": state.src.count("\n", 0, state.pos)}
        text_token = state.push("text", "", 0)
        text_token.content = text
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def render_body(
    md: MarkdownIt,
    body: str,
    rel: PurePosixPath,
    body_line: int,
    resolver: LinkResolver,
    *,
    autolink: bool,
    exclude_entity: EntityKey | None = None,
) -> Rendered:
    """HTML for one body; link problems come back as diagnostics with file lines."""
    env: dict = {}
    tokens = md.parse(body, env)
    problems: list[Diagnostic] = []
    _resolve_links(tokens, rel, body_line, resolver, problems)
    if autolink and resolver.autolink_index:
        _autolink_first_mentions(tokens, resolver, exclude_entity)
    html = md.renderer.render(tokens, md.options, env)
    if _holds_raw_html(tokens):
        # Raw HTML can span tokens (a tag opened in one block, a quote closed in the next): the whole
        # body as rendered is what a browser reads, so that is what is checked.
        sanitised = sanitise_html(html)
        html = sanitised.html
        problems.extend(_removed_url_warning(removed, rel, _raw_url_line(tokens, body_line, removed))
                        for removed in sanitised.removed)
    return Rendered(html, first_paragraph_text(tokens), tuple(problems))


def _holds_raw_html(tokens: list[Token]) -> bool:
    """Whether any token, at any depth (footnotes, an image's alt text), is raw HTML."""
    return any(token.type in ("html_block", "html_inline") or (token.children and _holds_raw_html(token.children))
               for token in tokens)


def _raw_url_line(tokens: list[Token], body_line: int, removed: RemovedUrl) -> int:
    """The line of the raw HTML that wrote `removed` (called only for a warning, so cost is no matter).

    The first raw piece that, read alone, has it, and in that piece the
    first line by which it is read; else (a tag that spans pieces) the first
    piece that names the attribute; else the first raw piece.
    """
    pieces = list(_raw_pieces(tokens, body_line))
    for line, content in pieces:
        if removed in sanitise_html(content).removed:
            end = 0
            while removed not in sanitise_html(content[:end]).removed:
                end = content.find("\n", end + 1) + 1 or len(content)
            return line + content.count("\n", 0, max(content.lower().rfind(removed.attribute, 0, end), 0))
    for line, content in pieces:
        position = content.lower().find(removed.attribute)
        if position >= 0:
            return line + content.count("\n", 0, position)
    return pieces[0][0] if pieces else body_line


def _raw_pieces(tokens: list[Token], body_line: int):
    for block in tokens:
        line = body_line + (block.map[0] if block.map else 0)
        if block.type == "html_block":
            yield line, block.content
        elif block.type == "inline" and block.children:
            offset = 0
            for token in block.children:
                if token.type == "html_inline":
                    found = block.content.find(token.content, offset)
                    offset = max(found, offset)
                    yield line + block.content.count("\n", 0, offset), token.content


def _removed_url_warning(removed: RemovedUrl, rel, line: int) -> Diagnostic:
    what = f"{removed.scheme}: URL" if removed.scheme else "document nested too deep"
    return Diagnostic(
        rel, line, f"raw HTML: the {removed.attribute} of <{removed.tag}> is a {what}; it is left out of the page.",
        "A javascript:, vbscript:, file: or non-image data: URL is never published: link to an http(s) "
        "address or a page of the site, and run a script from a <script> element.", Severity.WARNING)


def _resolve_links(tokens: list[Token], rel, body_line: int, resolver: LinkResolver, problems: list) -> None:
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        line = body_line + (block.map[0] if block.map else 0)
        for token in block.children:
            if token.type != "link_open":
                continue
            if "wikilink" in token.meta:
                target_line = line + token.meta["line_offset"]
                href = _resolve_wikilink(token.meta["wikilink"], rel, target_line, resolver, problems)
                token.attrs["href"] = href or "#"
                continue
            href = str(token.attrs.get("href", ""))
            if href.startswith("@/"):
                offset = block.content.find(href)
                target_line = line + (block.content.count("\n", 0, offset) if offset > 0 else 0)
                token.attrs["href"] = _resolve_file_link(href, rel, target_line, resolver, problems) or "#"


def _resolve_file_link(href: str, rel, line: int, resolver: LinkResolver, problems: list) -> str | None:
    path, _, anchor = href[2:].partition("#")
    target = resolver.by_file.get(path)
    if target is None:
        hint = did_you_mean(path, resolver.by_file) or "The path is relative to content/, e.g. @/briefings/first-call.md."
        problems.append(Diagnostic(rel, line, f"the link '{href}' points at no content file.", hint))
        return None
    return resolver.url(target) + (f"#{anchor}" if anchor else "")


def _resolve_wikilink(target_text: str, rel, line: int, resolver: LinkResolver, problems: list) -> str | None:
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
        return resolver.url(candidates[0]) + (f"#{anchor}" if anchor else "")
    if not candidates:
        known = {t.label for targets in resolver.by_title.values() for t in targets}
        hint = did_you_mean(name, known) or "Link to an entity by its name or alias, or to a briefing by its title."
        problems.append(Diagnostic(rel, line, f"[[{target_text}]] matches no entity or page.", hint))
        return None
    listed = "; ".join(f"{c.label} ({c.origin}, /{c.site_path})" for c in candidates)
    first_section = candidates[0].site_path.split("/")[0]
    problems.append(Diagnostic(
        rel, line, f"[[{target_text}]] is ambiguous: it could be {listed}.",
        f"Name the section, e.g. [[{first_section}/{name}]], or link the file with @/.", Severity.ERROR,
    ))
    return None


def _autolink_first_mentions(tokens: list[Token], resolver: LinkResolver, exclude: EntityKey | None) -> None:
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
            block.children = _link_in_children(block.children, resolver, candidates, linked, already_linked_urls)


def _link_in_children(children: list[Token], resolver, candidates: set[str], linked: set,
                      already_linked_urls: set) -> list[Token]:
    result: list[Token] = []
    link_depth = 0
    for token in children:
        if token.type == "link_open":
            link_depth += 1
        elif token.type == "link_close":
            link_depth -= 1
        if token.type != "text" or link_depth > 0 or "raw_html" in token.meta:
            result.append(token)
            continue
        result.extend(_split_text(token, resolver, candidates, linked, already_linked_urls))
    return result


def _split_text(token: Token, resolver: LinkResolver, candidates: set[str], linked: set,
                already_linked_urls: set) -> list[Token]:
    text = token.content
    pieces: list[Token] = []
    cursor = 0
    for start, end in _mentions(text, candidates, resolver.autolink_index):
        surface = text[start:end]
        key, target = resolver.autolink_targets[surface]
        url = resolver.url(target)
        if key in linked or url in already_linked_urls:
            continue
        linked.add(key)
        if start > cursor:
            pieces.append(_text_token(text[cursor:start]))
        link_open = Token("link_open", "a", 1)
        link_open.attrs = {"href": url, "class": "entity-link"}
        pieces.extend([link_open, _text_token(surface), Token("link_close", "a", -1)])
        cursor = end
    if not pieces:
        return [token]
    if cursor < len(text):
        pieces.append(_text_token(text[cursor:]))
    return pieces


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


def first_paragraph_text(tokens: list[Token]) -> str:
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            parts: list[str] = []
            for child in inline.children or ():
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = " ".join("".join(parts).split())
            if text:
                return text
    return ""
