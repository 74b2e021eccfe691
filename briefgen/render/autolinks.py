"""Autolinks: the first mention of each entity in a body's running text linked to its page (render_body asks
for it after the links are resolved), each mention recorded with the sentence around it."""

from __future__ import annotations

from typing import Mapping

from markdown_it.token import Token

from briefgen.model.entities import EntityKey
from briefgen.model.mentions import MentionLog
from briefgen.render.excerpts import BlockText
from briefgen.render.links import WORD, LinkResolver


def autolink_first_mentions(tokens: list[Token], resolver: LinkResolver, exclude: EntityKey | None,
                            log: MentionLog | None = None, body_line: int = 0) -> None:
    """Link the first mention of each entity (but `exclude`) in running text, outside headings, links and raw
    elements, unless the body already links to its page; each mention linked is recorded in `log` with the
    sentence around it (the mentions of an entity's page come from this same scan)."""
    # The first words of names that the body's text holds, found in one pass: most text tokens hold none.
    words = WORD.findall("\n".join(
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
