"""GitHub's extras as writers expect them: bare URLs linked as GitHub links them, table column alignment
as classes the theme styles, alerts marked as notes and task boxes with names (markdown-it parses task
lists and alerts itself, see markdown.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from linkify_it import LinkifyIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


class GitHubLinkify(LinkifyIt):
    """linkify-it as GitHub links bare addresses: a URL with its scheme (`https://…`), a `www.` address
    and an e-mail address, but not a bare domain name (`example.org`, `config.py`, `brief.md`): in prose
    those are more often file names or words than addresses."""

    def pretest(self, text: str) -> bool:
        # Every link it keeps has `//`, `www.` or `@`: one C search spares linkify-it's large regular
        # expressions for most blocks (this runs for every paragraph of every body). linkify-it's own
        # pretest is not asked after it: a paragraph with a Markdown link ([…](https://…)) passes both,
        # and its pattern costs more there than test() on the paragraph's few text pieces that hold a
        # `//`, `www.` or `@` (a third of the Markdown stage of a briefing with links). It only ever
        # spares work: markdown-it calls test() on each text piece before linking anything.
        return _may_link(text)

    def test(self, text: str) -> bool:
        return _may_link(text) and super().test(text)

    def match(self, text: str):
        found = [link for link in super().match(text) or ()
                 if link.schema or link.text[:4].lower() == "www."]
        return found or None


_WWW = re.compile(r"[wW]{3}\.")


def _may_link(text: str) -> bool:
    return "//" in text or "@" in text or _WWW.search(text) is not None


_ALIGN_STYLES = {f"text-align:{side}": f"align-{side}" for side in ("left", "center", "right")}


def block_attributes_rule(state: StateCore) -> None:
    """`| --: |` gives cells `class="align-right"` rather than markdown-it's inline style: the theme
    styles the classes, and a page with a strict style policy keeps its tables aligned. An alert is
    a note to assistive technology too (role="note"), as its label is to the eye."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs:
            style = token.attrs.pop("style", None)
            if style in _ALIGN_STYLES:
                token.attrSet("class", _ALIGN_STYLES[style])
        elif token.type == "alert_open":
            token.attrSet("role", "note")


def render_list_item_open(renderer, tokens: Sequence[Token], index: int, options, env) -> str:
    """A task list item's box, which a reader cannot tick, with a name ("Done", "To do") for screen
    readers, as a form control needs one."""
    token = tokens[index]
    html = renderer.renderToken(tokens, index, options, env)
    if token.meta and "checked" in token.meta:
        words = options.get("words") or {}
        done, to_do = escape(words.get("Done", "Done")), escape(words.get("To do", "To do"))
        state = f' checked="" aria-label="{done}"' if token.meta["checked"] else f' aria-label="{to_do}"'
        html += f'<input class="task-list-item-checkbox" disabled="" type="checkbox"{state}> '
    return html
