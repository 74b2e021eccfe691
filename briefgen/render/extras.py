"""GitHub's extras as writers expect them: bare URLs linked as GitHub links them, and table column
alignment as classes the theme styles (task lists and alerts are markdown-it's own, see markdown.py)."""

from __future__ import annotations

import re

from linkify_it import LinkifyIt
from markdown_it.rules_core import StateCore


class GitHubLinkify(LinkifyIt):
    """linkify-it as GitHub links bare addresses: a URL with its scheme (`https://…`), a `www.` address
    and an e-mail address, but not a bare domain name (`example.org`, `config.py`, `brief.md`): in prose
    those are more often file names or words than addresses."""

    def pretest(self, text: str) -> bool:
        # Every link it keeps has `//`, `www.` or `@`: one C search spares linkify-it's large regular
        # expressions for most blocks (this runs for every paragraph of every body).
        return _may_link(text) and super().pretest(text)

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


def table_alignment_rule(state: StateCore) -> None:
    """`| --: |` gives cells `class="align-right"` rather than markdown-it's inline style: the theme
    styles the classes, and a page with a strict style policy keeps its tables aligned."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs:
            style = token.attrs.pop("style", None)
            if style in _ALIGN_STYLES:
                token.attrSet("class", _ALIGN_STYLES[style])
