"""The typographer: curly quotes (markdown-it's smartquotes), en and em dashes and the ellipsis (the rule
here), and nothing else.

markdown-it's own `replacements` rule also turns (c), (tm), (r) and +- into symbols, drops a comma of
`,,` and a mark of `?!!!!`, and turns `..` into an ellipsis: it changes what the writer wrote, so it is
never enabled. This rule makes only the changes a typesetter would:

- `---` between words or spaces: an em dash (—);
- `--` between two non-spaces (`1990--1995`) or between two spaces: an en dash (–);
- exactly three dots: an ellipsis (…); two dots, or four and more, stay as typed.

It never touches code, raw HTML (see markdown.py), the text of a link that shows its own URL (`<https://…>`
or a bare URL linked by linkify; smartquotes is kept off that text too), a word with `/` or `@` in it (an
address or a path, linked or not), nor a hyphen written escaped: `\\---` stays three hyphens.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.smartquotes import process_inlines
from markdown_it.token import Token

_EM_DASH = re.compile(r"(^|[^-])---(?=[^-]|$)", re.MULTILINE)
_EN_DASH_SPACED = re.compile(r"(^|\s)--(?=\s|$)", re.MULTILINE)
_EN_DASH_JOINED = re.compile(r"(^|[^-\s])--(?=[^-\s]|$)", re.MULTILINE)
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
_WORD_TO_TYPESET = re.compile(r"\S*(?:--|\.\.\.)\S*")  # the words the rules may change; spaces end them
_URL_TEXT = "url_text"  # the type a URL's visible text has between hide_url_text and show_url_text


def typeset(text: str) -> str:
    """Dashes and the ellipsis in a piece of prose (one text token's content), word by word."""
    return _WORD_TO_TYPESET.sub(_typeset_word, text)


def _typeset_word(match: re.Match) -> str:
    """One run of non-spaces with `--` or `...` in it; one with a `/` or `@` is an address or a path
    (`example.org/new-start--treaty`, linked or not) and stays as typed."""
    word = match.group()
    if "/" in word or "@" in word:
        return word
    if "--" in word:
        word = _EN_DASH_JOINED.sub("\\1\u2013", _EN_DASH_SPACED.sub("\\1\u2013", _EM_DASH.sub("\\1\u2014", word)))
    return _ELLIPSIS.sub("\u2026", word) if "..." in word else word


def _is_escaped_hyphen(token: Token | None) -> bool:
    return token is not None and token.type == "text_special" and token.content == "-"


def _typeset_token(children: list[Token], index: int) -> None:
    """Typeset one text token, leaving alone a run of hyphens that touches an escaped hyphen (`\\---`)."""
    token = children[index]
    content = token.content
    head = tail = ""
    if index and _is_escaped_hyphen(children[index - 1]):
        kept = len(content) - len(content.lstrip("-"))
        head, content = content[:kept], content[kept:]
    if index + 1 < len(children) and _is_escaped_hyphen(children[index + 1]):
        kept = len(content) - len(content.rstrip("-"))
        content, tail = content[:len(content) - kept], content[len(content) - kept:]
    token.content = head + typeset(content) + tail


def typography_rule(state: StateCore) -> None:
    """Dashes and ellipses in the text tokens of every inline block (headings and table cells included)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        if "--" not in block.content and "..." not in block.content:
            continue  # the common case: one search per block
        children = block.children
        for index, token in enumerate(children):
            if token.type == "text" and ("--" in token.content or "..." in token.content):
                _typeset_token(children, index)


def hide_url_text(state: StateCore) -> None:
    """The visible text of links that show their own URL gets a type of its own until show_url_text, so
    that no typographic rule (dashes, smart quotes) changes an address."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        if ":" not in block.content and "@" not in block.content and "www." not in block.content.lower():
            continue  # every autolink has a scheme, an e-mail address or www.
        in_url = False
        for token in block.children:
            if token.type == "link_open":
                in_url = token.info == "auto"  # markdown-it's mark of autolinks and linkify's links
            elif token.type == "link_close":
                in_url = False
            elif in_url and token.type == "text":
                token.type = _URL_TEXT
                state.env["url_text"] = True


def typeset_wikilink_names(state: StateCore) -> None:
    """The text of a `[[name]]` link, typeset on its own as the title or name it shows is (typeset_plain),
    not in the context of the sentence around it, and then hidden from the body's rules until
    show_url_text: a title reads the same on its page and in every link to it."""
    for block in state.tokens:
        if block.type != "inline" or not block.children or "[[" not in block.content:
            continue
        for token in block.children:
            if token.type == "text" and token.meta.get("wikilink_name"):
                token.content = typeset_plain(token.content)
                token.type = _URL_TEXT
                state.env["url_text"] = True


def show_url_text(state: StateCore) -> None:
    if not state.env.pop("url_text", False):
        return
    for block in state.tokens:
        if block.type == "inline" and block.children:
            for token in block.children:
                if token.type == _URL_TEXT:
                    token.type = "text"


# -- plain text: titles, summaries, key points --------------------------------------------------------------

# What stays as typed in a plain-text field: a code span written with backticks, and a word that is a web
# address (a scheme or `www.`), as a body's linked addresses are (hide_url_text). Kept as context for the
# quotes around them. A path (`a/b`) or an e-mail address gets curly quotes but no dashes, as in a body.
_KEPT_AS_TYPED = re.compile(r"`[^`]*`|\S*(?:://|www\.)\S*")
_MARKS = re.compile(r"['\"]|--|\.\.\.")  # the characters the typographer may change
_QUOTES = MarkdownIt("zero", {"typographer": True})  # only its options are read: the quotes bodies get


@lru_cache(maxsize=8192)
def typeset_plain(text: str) -> str:
    """A plain-text field (a title, a summary, a key point) typeset as a body's text is: markdown-it's
    smartquotes and the dashes and ellipsis above, by the same code, so that a title reads as the same
    words do in a body or in a `[[link]]` to it. Code spans and web addresses are left as typed."""
    if not _MARKS.search(text):
        return text
    pieces, cursor = [], 0
    for kept in _KEPT_AS_TYPED.finditer(text):
        if kept.start() > cursor:
            pieces.append(_piece("text", text[cursor:kept.start()]))
        pieces.append(_piece("code_inline", kept.group()))  # smartquotes reads it as context, never changes it
        cursor = kept.end()
    if cursor < len(text):
        pieces.append(_piece("text", text[cursor:]))
    process_inlines(pieces, StateCore("", _QUOTES, {}))
    return "".join(typeset(p.content) if p.type == "text" else p.content for p in pieces)


def _piece(kind: str, content: str) -> Token:
    token = Token(kind, "", 0)
    token.content = content
    return token


def plain_typesetter(on: bool) -> Callable[[str], str]:
    """What the renderer typesets plain-text fields with: typeset_plain, or the text as typed when the
    site says `typographer: false`."""
    return typeset_plain if on else _as_typed


def _as_typed(text: str) -> str:
    return text
