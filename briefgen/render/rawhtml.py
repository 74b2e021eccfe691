"""Raw HTML in Markdown bodies, read with a real HTML tokenizer (html.parser).

Two jobs:

* sanitise_html(): the rendered HTML of a body that holds raw HTML is parsed
  and written out again, tag by tag, so that no script URL survives: every
  URL-bearing attribute is checked after the browser's own normalisation
  (entities decoded, ASCII whitespace and control characters removed, scheme
  compared case-insensitively). Every tag is re-serialised from what the
  tokenizer read (names checked, values decoded then re-escaped, text
  re-escaped), never copied: what a browser parses is what was checked, so a
  tag the tokenizer reads differently from a browser cannot smuggle a URL
  through, and a removed URL cannot be re-formed from its pieces.
* RawElementTracker: which raw elements (<a>, <code>, <script> …) are open
  after each raw token of a body, so that the autolinker and the typographer
  keep out of them.

What is kept: raw HTML is the author's (README "What readers see is safe"),
<script> elements and on… handlers included; only URLs are checked, because a
link or a source is where a reader meets a URL without seeing it.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Attributes whose value a browser loads, follows or submits to, as one URL.
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "poster", "background", "cite", "data", "codebase", "classid",
    "longdesc", "usemap", "manifest", "icon", "profile", "lowsrc", "dynsrc", "xml:base",
})
# Attributes that hold several URLs (srcset candidates, ping and archive lists): each part is checked.
URL_LIST_ATTRIBUTES = frozenset({"srcset", "imagesrcset", "ping", "archive"})
# SVG animation can set an href to a URL given in these (<animate attributeName="href" values="javascript:…">).
SVG_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})
SVG_ANIMATION_VALUES = frozenset({"to", "from", "values", "by"})

BANNED_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "mocha", "file", "data"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
# Raster images only: an SVG image is a document that can hold script.
_IMAGE_DATA = re.compile(r"data:image/(?:png|gif|jpeg|jpg|pjpeg|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)(?:[;,]|\Z)")
# What a browser ignores inside a URL's scheme (tab, newline) or around it (C0 controls, space); all removed.
_COMMENT_END = re.compile(r"--!?>")
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_LIST_SEPARATORS = re.compile(r"[\x00-\x20\x7f,;]+")
_META_REFRESH_URL = re.compile(r"url\s*=\s*(.*)", re.IGNORECASE | re.DOTALL)

_TAG_NAME = re.compile(r"[a-z][a-z0-9._\-]*(?::[a-z0-9._\-]+)?\Z")
_ATTRIBUTE_NAME = re.compile(r"[^\x00-\x20\x7f\"'<>/=]+\Z")
# Elements whose content a browser reads as text up to their end tag: left open at the end of a body,
# they would swallow the page after it.
_TEXT_ONLY = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"})
_FOREIGN = frozenset({"svg", "math"})
MAX_SRCDOC_DEPTH = 2


def is_script_url(value: str) -> bool:
    """Whether a browser would take `value` (an attribute value, entities decoded) as a banned URL."""
    url = _IGNORED_IN_URL.sub("", value).lower()
    scheme = _SCHEME.match(url)
    if scheme is None or scheme.group(1) not in BANNED_SCHEMES:
        return False
    return not (scheme.group(1) == "data" and _IMAGE_DATA.match(url))


def banned_url_in(tag: str, name: str, value: str, attributes: dict[str, str | None]) -> bool:
    """Whether the attribute `name`="`value`" of a <`tag`> holds a URL that must not be emitted."""
    if name in URL_ATTRIBUTES or name.endswith(":href"):
        return is_script_url(value)
    if name in URL_LIST_ATTRIBUTES or (tag in SVG_ANIMATIONS and name in SVG_ANIMATION_VALUES):
        # Every piece between separators, and the whole: more than a browser would take as a URL, never less.
        return is_script_url(value) or any(is_script_url(part) for part in _LIST_SEPARATORS.split(value))
    if tag == "meta" and name == "content" and (attributes.get("http-equiv") or "").strip().lower() == "refresh":
        target = _META_REFRESH_URL.search(value)
        return bool(target) and is_script_url(target.group(1).strip("'\" \t\n\f\r"))
    if tag == "param" and name == "value":
        return is_script_url(value)
    return False


@dataclass(frozen=True, slots=True)
class RemovedUrl:
    tag: str
    attribute: str
    value: str  # entities decoded

    @property
    def scheme(self) -> str | None:
        """The banned scheme the value holds ("javascript"), for messages; None for a srcdoc nested too deep."""
        for part in (self.value, *_LIST_SEPARATORS.split(self.value), *_META_REFRESH_URL.findall(self.value)):
            if is_script_url(part.strip("'\"")):
                return _SCHEME.match(_IGNORED_IN_URL.sub("", part.strip("'\"")).lower()).group(1)
        return None


@dataclass(frozen=True, slots=True)
class SanitisedHtml:
    html: str
    removed: tuple[RemovedUrl, ...]


def sanitise_html(fragment: str, depth: int = 0) -> SanitisedHtml:
    """`fragment` written out again from its tokens, without script URLs (see the module's docstring)."""
    writer = _Rewriter(depth)
    writer.feed(fragment)
    writer.close()
    return SanitisedHtml("".join(writer.out), tuple(writer.removed))


class _Rewriter(HTMLParser):
    def __init__(self, depth: int):
        super().__init__(convert_charrefs=True)
        self.depth = depth
        self.out: list[str] = []
        self.removed: list[RemovedUrl] = []
        self.text_only_open: list[str] = []
        self.seen_foreign = False

    # -- where html.parser reads differently from a browser -------------------------------------------------

    def parse_html_declaration(self, i):
        # "<![…" is a bogus comment up to the first ">" for a browser, not a marked section up to "]]>"
        # (and html.parser raises on an unknown keyword).
        if self.rawdata.startswith("<![", i):
            return self.parse_bogus_comment(i)
        return super().parse_html_declaration(i)

    def parse_comment(self, i, report=True):
        # A comment ends where a browser ends it (HTML's tokenizer), not where html.parser 3.11 does: "<!-->"
        # and "<!--->" at once, else at the first "-->" or "--!>"; one never closed runs to the end (close).
        # What it holds is dropped, as handle_comment drops it.
        for abrupt in ("<!-->", "<!--->"):
            if self.rawdata.startswith(abrupt, i):
                return i + len(abrupt)
        end = _COMMENT_END.search(self.rawdata, i + 4)
        return -1 if end is None else end.end()

    def close(self):
        if self.rawdata.startswith("<!--") and not self.cdata_elem:  # a comment never closed: the rest is in it
            self.rawdata = ""
        super().close()
        if self.cdata_elem and self.rawdata:  # an unclosed <script>/<style>: html.parser keeps its text back
            self.handle_data(self.rawdata)
            self.rawdata = ""
        for name in reversed(self.text_only_open):
            self.out.append(f"</{name}>")
        self.text_only_open.clear()

    # -- tokens ------------------------------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, self_closing=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> None:
        if not _TAG_NAME.match(tag) or tag == "plaintext":  # <plaintext> would turn the rest of the page into text
            self.out.append(html_lib.escape(self.get_starttag_text() or "", quote=False))
            return
        if tag in _FOREIGN:
            self.seen_foreign = True
        attributes = self._attributes(tag, attrs)
        if self_closing and tag in _TEXT_ONLY:
            # "<script src=x />" opens a script that a browser closes only at </script>: close it here.
            self.out.append(f"<{tag}{attributes}></{tag}>")
            return
        self.out.append(f"<{tag}{attributes}{' /' if self_closing else ''}>")
        if not self_closing and tag in _TEXT_ONLY:
            self.text_only_open.append(tag)

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        given = {}
        for name, value in attrs:
            if name not in given:  # a browser keeps the first of two attributes of one name
                given[name] = value
        parts = []
        for name, value in given.items():
            if not _ATTRIBUTE_NAME.match(name):
                continue
            if value is None:
                parts.append(f" {name}")
                continue
            if name == "srcdoc":
                value = self._srcdoc(tag, value)
                if value is None:
                    continue
            elif banned_url_in(tag, name, value, given):
                self.removed.append(RemovedUrl(tag, name, value))
                continue
            parts.append(f' {name}="{html_lib.escape(value, quote=True)}"')
        return "".join(parts)

    def _srcdoc(self, tag: str, document: str) -> str | None:
        """An <iframe srcdoc> is a page of its own: sanitised the same way, a few levels deep at most."""
        if self.depth >= MAX_SRCDOC_DEPTH:
            self.removed.append(RemovedUrl(tag, "srcdoc", document))
            return None
        inner = sanitise_html(document, self.depth + 1)
        self.removed.extend(inner.removed)
        return inner.html

    def handle_endtag(self, tag):
        if not _TAG_NAME.match(tag):
            return  # "</ x>", "</3>": nothing a browser shows
        if tag in self.text_only_open:
            while self.text_only_open.pop() != tag:
                pass
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self.cdata_elem == "script":
            self.out.append(_script_text(data, markup_possible=self.seen_foreign))
        elif self.cdata_elem == "style":
            # "<" has no place in CSS but inside a string or a comment, where "\3c " is the same character;
            # without it, no markup can start inside the style sheet, however a browser reads it.
            self.out.append(data.replace("<", "\\3c "))
        else:
            self.out.append(html_lib.escape(data, quote=False))

    def handle_comment(self, data):
        pass  # a note of the desk's to itself ("<!-- check with legal -->"): never published, not even in the source

    def handle_decl(self, decl):
        pass  # a <!DOCTYPE> inside a body: a browser ignores it

    def handle_pi(self, data):
        pass  # "<?…>": a comment for a browser, shown as nothing

    def unknown_decl(self, data):
        pass


def _script_text(text: str, markup_possible: bool) -> str:
    """The text of a <script>, changed so that a browser ends the script only at the </script> written after it.

    "</" becomes "<\\/", the same two characters inside a JavaScript string,
    template or regular expression (the only places it can be): a browser
    then finds no end tag inside, whatever follows "</" ("</script x>",
    "</noscript>" of an enclosing element). After "<!--", "<script" is
    broken up the same way, else a browser's "double escaped" state would
    carry the script past its end tag.
    """
    text = text.replace("</", "<\\/")
    if "<!--" in text:
        text = re.sub(r"<(script)", r"<\\\1", text, flags=re.IGNORECASE)
    if markup_possible:
        # After an <svg> or <math>, a browser may read a <script> as markup (whether the <svg> is still
        # open cannot be told without building the tree): no tag may start inside. "\x3C" is "<" in a
        # string; elsewhere in code, "<" directly before a letter is rare.
        text = re.sub(r"<(?=[A-Za-z!?])", r"\\x3C", text)
    return text


class RawElementTracker:
    """Which of the `watched` elements are open, as raw HTML pieces are fed in document order.

    One tokenizer for the whole body: a tag or a quote that a piece leaves
    open carries into the next piece, as it does in the page a browser reads.
    """

    def __init__(self, watched: frozenset[str]):
        self._scanner = _OpenElements(watched)

    def feed(self, html: str) -> None:
        self._scanner.feed(html)

    @property
    def inside(self) -> bool:
        return bool(self._scanner.stack) or self._scanner.cdata_elem is not None


class _OpenElements(HTMLParser):
    def __init__(self, watched: frozenset[str]):
        super().__init__(convert_charrefs=False)
        self.watched = watched
        self.stack: list[str] = []

    def parse_html_declaration(self, i):
        if self.rawdata.startswith("<![", i):
            return self.parse_bogus_comment(i)
        return super().parse_html_declaration(i)

    def handle_starttag(self, tag, attrs):
        if tag in self.watched:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass
