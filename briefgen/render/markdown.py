"""Markdown bodies -> HTML: the markdown-it setup and render_body (links are resolved by page_links.py,
autolinks made by autolinks.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.common.html_re import open_tag as _HTML_OPEN_TAG
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from briefgen.errors import Diagnostic, Severity
from briefgen.model.entities import EntityKey
from briefgen.model.mentions import NO_MENTIONS, BodyMentions, MentionLog
from briefgen.render.extras import GitHubLinkify, block_attributes_rule, render_list_item_open
from briefgen.render.headings import Heading, contents_headings, footnote_prefix, heading_ids_rule
from briefgen.render.autolinks import autolink_first_mentions
from briefgen.render.links import LinkResolver
from briefgen.render.page_links import FileTargets, resolve_links
from briefgen.render.rawhtml import RawElementTracker, RemovedUrl, sanitise_html
from briefgen.render.typography import hide_url_text, show_url_text, typeset_wikilink_names, typography_rule

_WORD = re.compile(r"\w+")
_WIKILINK = re.compile(r"\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")


@dataclass(frozen=True, slots=True)
class Rendered:
    LARGE_TEXTS = ("html",)  # pickled as UTF-8 bytes (see incremental/database.py)

    html: str
    summary: str  # the first paragraph as plain text
    diagnostics: tuple[Diagnostic, ...] = ()
    mentions: BodyMentions = NO_MENTIONS  # what its text mentions and links to (see model/mentions.py)
    assets_used: tuple[str, ...] = ()  # the files the body looked up (see images.assets.AssetTable.entry_key)
    headings: tuple[Heading, ...] = ()  # its h2 and h3, for a table of contents


def create_markdown(allow_html: bool = True, typographer: bool = True, quotes: Sequence[str] | None = None,
                    words: Mapping[str, str] | None = None) -> MarkdownIt:
    """The parser every body is rendered with: CommonMark, GitHub's tables, strikethrough, task lists,
    alerts and linked bare URLs, footnotes, wiki links, heading ids and (when on) the typographer, whose
    curly quotes are `quotes` (the language's: words.quotes_for) when given; `words`: the theme's words
    bodies use (a task's "Done"), in the site's language (words.body_words)."""
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": typographer, "linkify": True,
                                   "tasklists": True, "tasklists_editable": False, "alerts": True})
    if quotes:
        md.options["quotes"] = list(quotes)
    md.options["words"] = dict(words or {})
    md.linkify = GitHubLinkify()
    md.enable(["table", "strikethrough"])
    # linkify as a core rule only, after raw_html_hide: markdown-it's inline linkify rule would link a URL
    # inside a raw <code> or <a>.
    md.core.ruler.enable("linkify")
    md.use(footnote_plugin)
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.inline.ruler.before("html_inline", "raw_text_element", _raw_text_element_rule)
    # Text inside raw <a>, <code>, <script> … is hidden from every core rule between these two: the
    # typographer's (dashes, smartquotes, or any other that works on "text" tokens), linkify.
    # Before linkify, so after the footnote plugin has moved footnotes' text into the token stream.
    md.core.ruler.before("linkify", "raw_html_hide", _hide_text_in_raw_elements)
    md.core.ruler.before("text_join", "raw_html_show", _show_text_in_raw_elements)
    if typographer:  # markdown-it's `replacements` stays off: it changes letters and punctuation
        md.enable("smartquotes")
        md.core.ruler.after("linkify", "url_text_hide", hide_url_text)
        md.core.ruler.after("url_text_hide", "wikilink_names", typeset_wikilink_names)
        md.core.ruler.after("wikilink_names", "typography", typography_rule)
        md.core.ruler.before("raw_html_show", "url_text_show", show_url_text)
    md.core.ruler.push("heading_ids", heading_ids_rule)
    md.core.ruler.push("block_attributes", block_attributes_rule)
    md.add_render_rule("list_item_open", render_list_item_open)
    # {credit="…"} (and {alt=""}, {.class}) after an image, and nothing else: other attributes
    # (onerror=…) would be raw HTML by another door.
    attrs_plugin(md, after=("image",), allowed=["credit", "alt", "class"])
    md.inline.ruler.before("attr", "image_alt_given", _note_alt_given)
    md.add_render_rule("image", _render_image)
    return md


def _note_alt_given(state: StateInline, silent: bool) -> bool:
    """Notes on an image followed by {… alt=…} that its alt text was given (empty on purpose); consumes nothing."""
    if state.src.startswith("{", state.pos) and state.tokens and state.tokens[-1].type == "image":
        end = state.src.find("}", state.pos)
        if end > 0 and re.search(r"(^|\s)alt=", state.src[state.pos + 1:end]):
            state.tokens[-1].meta = {**(state.tokens[-1].meta or {}), "alt_given": True}
    return False


def _render_image(renderer, tokens, index, options, env) -> str:
    token = tokens[index]
    if token.meta and "html" in token.meta:
        return token.meta["html"]
    return type(renderer).image(renderer, tokens, index, options, env)  # markdown-it's own


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
    """`[[Name]]` and `[[Name|text]]`; but what CommonMark reads as a link stays a link: `[[1]](url)`,
    `[[1]][ref]`, `[[label]]` where `[label]: url` is defined, and `[[[x]]]` or `![[x]]`."""
    pos = state.pos
    if not state.src.startswith("[[", pos):
        return False
    match = _WIKILINK.match(state.src, pos)
    if match is None or _standard_markdown(state, match):
        return False
    if not silent:
        target, text = match.group(1).strip(), (match.group(2) or match.group(1)).strip()
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": ""}
        token.meta = {"wikilink": target, "line_offset": state.src.count("\n", 0, pos)}
        text_token = state.push("text", "", 0)
        text_token.content = text
        if match.group(2) is None:  # shows the target's name or title: typeset as the title is (typography.py)
            text_token.meta = {"wikilink_name": True}
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def _standard_markdown(state: StateInline, match: re.Match) -> bool:
    """Whether a `[[…]]` is CommonMark's: a link whose text starts with `[`, or brackets as typed."""
    start, end, src = match.start(), match.end(), state.src
    if start and src[start - 1] in "[!":  # [[[x]]], ![[x]]: an image's or a longer run of brackets
        return True
    if end < len(src) and src[end] in "([]":  # [[1]](url), [[1]][ref], [[x]]]
        return True
    references = state.env.get("references")  # [[x]] with [x]: url defined
    return bool(references) and normalizeReference(src[start + 2:end - 2]) in references


def render_body(
    md: MarkdownIt,
    body: str,
    rel: PurePosixPath,
    body_line: int,
    resolver: LinkResolver,
    *,
    autolink: bool,
    exclude_entity: EntityKey | None = None,
    files: FileTargets | None = None,
    featured: bool = False,
) -> Rendered:
    """HTML for one body; link problems come back as diagnostics with file lines. `files`: the files its
    links and images may point at (none: every such target is left as written); `featured`: the page
    shows an image above the body."""
    env: dict = {"docId": footnote_prefix(rel)}  # footnote ids: fn-<name>-1 (see headings.py)
    tokens = md.parse(body, env)
    problems: list[Diagnostic] = []
    log = MentionLog()
    context = files.context(str(rel), resolver, problems, featured) if files is not None else None
    resolve_links(tokens, rel, body_line, resolver, problems, log, context)
    if autolink and resolver.autolink_index:
        autolink_first_mentions(tokens, resolver, exclude_entity, log, body_line)
    html = md.renderer.render(tokens, md.options, env)
    if _holds_raw_html(tokens):
        # Raw HTML can span tokens (a tag opened in one block, a quote closed in the next): the whole
        # body as rendered is what a browser reads, so that is what is checked.
        sanitised = sanitise_html(html)
        html = sanitised.html
        problems.extend(_removed_url_warning(removed, rel, _raw_url_line(tokens, body_line, removed))
                        for removed in sanitised.removed)
    return Rendered(html, first_paragraph_text(tokens), tuple(problems), log.recorded(),
                    tuple(dict.fromkeys(context.used)) if context is not None else (), contents_headings(tokens))


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
