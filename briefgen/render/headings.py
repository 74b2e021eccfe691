"""Heading ids and footnote ids: every id a body gives is non-empty, valid and unique on its page.

A page shows one body (a briefing's, a profile's or a plain page's) inside the theme's own markup, so a
heading's id must differ from the theme's ids (THEME_IDS, e.g. `main`, the skip link's target), from the
body's footnote ids and from the body's other headings. Footnote ids carry the body's name
(`fn-first-call-1`), so that two bodies' footnotes never share an id where they meet (a feed).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import NamedTuple

from markdown_it.token import Token

from markdown_it.rules_core import StateCore

# Every id the default theme's templates write on a page that shows a body (tests/test_markdown.py checks
# the templates against this list), and the patterns of those it writes with a number in them.
THEME_IDS = frozenset({
    "main", "latest-heading", "desk-search-input", "search-input", "search-status", "search-results",
    "key-points-heading", "sources-heading", "named-heading", "related-heading", "briefings-heading",
    "timeline-heading", "co-named-heading", "chart-title", "chart-desc",
    "also-heading", "key-dates-heading", "linked-from-heading",
})
_THEME_ID_PATTERN = re.compile(r"year-(?:heading-)?\d+")
FALLBACK_ID = "section"  # for a heading with no letter or digit in it: `## ★`, `## ?`

_NOT_IN_SLUG = re.compile(r"[^\w\u4e00-\u9fff\- ]")  # as GitHub (and mdit-py-plugins' anchors) make them
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_NOT_IN_NAME = re.compile(r"[^\w-]+")


def slugify(title: str) -> str:
    """GitHub's heading slug (`## What was said` -> what-was-said), or FALLBACK_ID when that has no letter
    or digit (an empty id is invalid, and `-` or `--` says nothing)."""
    slug = _NOT_IN_SLUG.sub("", title.lower().replace(" ", "-"))
    return slug if _LETTER_OR_DIGIT.search(slug) else FALLBACK_ID


def footnote_prefix(rel: PurePosixPath) -> str:
    """The body's name as footnote ids carry it: the file's stem, lower case, letters, digits and hyphens
    only (it is written into an attribute as it is)."""
    return _NOT_IN_NAME.sub("-", rel.stem.lower()).strip("-") or "body"


def _footnote_ids(env: dict) -> set[str]:
    """The ids of the body's footnotes (mdit-py-plugins writes `fn-<docId>-<n>` and `fnref-<docId>-<n>`;
    a second reference's `fnref-…-<n>:<k>` cannot be a slug, which has no colon)."""
    count = len((env.get("footnotes") or {}).get("list") or ())
    prefix = f"-{env.get('docId')}-"
    return {f"{kind}{prefix}{number}" for kind in ("fn", "fnref") for number in range(1, count + 1)}


def _taken(slug: str, used: set[str]) -> bool:
    return slug in used or slug in THEME_IDS or _THEME_ID_PATTERN.fullmatch(slug) is not None


def heading_ids_rule(state: StateCore) -> None:
    """An id for each heading from its text, unique on the page: `background`, `background-1`, …"""
    used: set[str] | None = None
    last_number: dict[str, int] = {}  # base -> the number it was last given: n equal headings cost n tries
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        if used is None:
            used = _footnote_ids(state.env)
        inline = tokens[index + 1]
        title = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
        base = slugify(title)
        number = last_number.get(base, 0)
        slug = f"{base}-{number}" if number else base
        while _taken(slug, used):
            number += 1
            slug = f"{base}-{number}"
        last_number[base] = number
        used.add(slug)
        token.attrSet("id", slug)


class Heading(NamedTuple):
    """A section heading of a body, as a table of contents lists it."""

    level: int  # 2 or 3
    id: str
    text: str  # plain text, typeset as shown

    def fingerprint_parts(self) -> tuple:
        return self.level, self.id, self.text


CONTENTS_LEVELS = ("h2", "h3")  # a body's sections and their parts; h1 is the page's, h4 and below too fine


def contents_headings(tokens: list[Token]) -> tuple[Heading, ...]:
    """The body's h2 and h3 headings with the ids heading_ids_rule gave them, in order."""
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in CONTENTS_LEVELS and token.attrGet("id"):
            text = "".join(child.content for child in tokens[index + 1].children or ()
                           if child.type in ("text", "code_inline", "text_special"))
            found.append(Heading(int(token.tag[1]), str(token.attrGet("id")), " ".join(text.split())))
    return tuple(found)
