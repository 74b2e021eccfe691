"""HTML normalised as the CommonMark spec's own runner does (its test/normalize.py), for comparing a
renderer's output with the spec's expected HTML: attributes sorted, runs of white space made one space
outside <pre>, white space around block tags dropped, character references decoded."""

from __future__ import annotations

import html
import re
from html.entities import name2codepoint
from html.parser import HTMLParser

_WHITESPACE = re.compile(r"\s+")
_CHUNK = re.compile(r"(<!\[CDATA\[.*?\]\]>|<[^>]*>|[^<]+)", re.DOTALL)
_BLOCK_TAGS = frozenset(
    "article header aside hgroup blockquote hr iframe body li map button object canvas ol caption output col p "
    "colgroup pre dd progress dl section dt table td div tbody tfoot fieldset tr figcaption figure form footer "
    "th thead h1 h2 h3 h4 h5 h6 ul address audio video script style".split())
_ESCAPED = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}


class _Normaliser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.last = "starttag"
        self.last_tag = ""
        self.in_pre = False
        self.output = ""

    def handle_data(self, data):
        after_tag = self.last in ("endtag", "starttag")
        after_block_tag = after_tag and self.last_tag in _BLOCK_TAGS
        if after_tag and self.last_tag == "br":
            data = data.lstrip("\n")
        if not self.in_pre:
            data = _WHITESPACE.sub(" ", data)
        if after_block_tag and not self.in_pre:
            data = data.lstrip() if self.last == "starttag" else data.strip()
        self.output += data
        self.last = "data"

    def handle_endtag(self, tag):
        if tag == "pre":
            self.in_pre = False
        elif tag in _BLOCK_TAGS:
            self.output = self.output.rstrip()
        self.output += f"</{tag}>"
        self.last_tag, self.last = tag, "endtag"

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self.in_pre = True
        if tag in _BLOCK_TAGS:
            self.output = self.output.rstrip()
        self.output += "<" + tag
        for name, value in sorted(attrs, key=lambda pair: (pair[0], pair[1] or "")):
            self.output += f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"'
        self.output += ">"
        self.last_tag, self.last = tag, "starttag"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.last = "endtag"

    def handle_comment(self, data):
        self.output += f"<!--{data}-->"
        self.last = "comment"

    def handle_decl(self, data):
        self.output += f"<!{data}>"
        self.last = "decl"

    def unknown_decl(self, data):
        self.handle_decl(data)

    def handle_pi(self, data):
        self.output += f"<?{data}>"
        self.last = "pi"

    def handle_entityref(self, name):
        code = name2codepoint.get(name)
        self._char(chr(code) if code is not None else None, f"&{name};")

    def handle_charref(self, name):
        try:
            char = chr(int(name[1:], 16)) if name[:1] in "xX" else chr(int(name))
        except (ValueError, OverflowError):
            char = None
        self._char(char, f"&{name};")

    def _char(self, char, fallback):
        self.output += fallback if char is None else _ESCAPED.get(char, char)
        self.last = "ref"


def normalise(markup: str) -> str:
    parser = _Normaliser()
    for chunk in _CHUNK.finditer(markup):
        if chunk.group().startswith("<![CDATA"):
            parser.output += chunk.group()
        else:
            parser.feed(chunk.group())
    parser.close()
    return parser.output
