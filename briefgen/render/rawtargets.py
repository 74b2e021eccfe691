"""Raw HTML's <img src> and <a href> in bodies, resolved as Markdown's images and links are (targets.py).

A raw `<img src="map.png">` names a file as `![…](map.png)` does: relative to
the Markdown file, a published path (/images/x.svg) or @/…; it gets the base
path, the same errors (file, line, the closest name) and, when its author gave
it no width, height, srcset or sizes and it is not inside a <picture> of
theirs, the same processing (size, resized copies, lazy loading). A raw
`<a href>` is resolved as a Markdown link. Feeds make the URLs absolute as
they do for Markdown's (render/feeds.py).

The raw pieces of a body (html_block and html_inline tokens) are read in
document order by one HTML tokenizer (html.parser, as rawhtml.py reads them),
so a comment, a <script> or a <textarea> opened in one piece hides the tags of
the next from this, as it does from a browser. Only the start tags of <img>
and <a> are rewritten, from what the tokenizer read; the rest of each piece
keeps its bytes. Sanitising (rawhtml.sanitise_html) runs after this.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

from markdown_it.token import Token

from briefgen.errors import Severity
from briefgen.images.html import raw_image_html, tag_attributes
from briefgen.render.rawhtml import is_script_url
from briefgen.render.targets import TargetContext, is_external, resolve_href, usable_image

# Elements whose content a browser reads as text: tags inside them are not tags (html.parser knows only
# <script> and <style>).
_TEXT_ONLY = frozenset({"textarea", "title", "xmp", "iframe", "noembed", "noframes"})
# Attributes by which an author sizes an image or chooses its copies: then only its src is resolved.
_AUTHOR_SIZED = frozenset({"width", "height", "srcset", "sizes"})
# One image candidate of a srcset: its URL, then its descriptor ("480w", "2x"), up to a comma.
_CANDIDATE = re.compile(r"\s*([^\s,][^\s]*?),?(\s+[^,]*)?(?:,|$)")


class RawTag(NamedTuple):
    name: str  # "img", "source" or "a"
    attributes: tuple[tuple[str, str | None], ...]  # values decoded; each name once, the first (a browser's)
    start: int  # in the piece
    end: int
    in_picture: bool  # inside an author's <picture>: its <source>s choose the copies


class _TagReader(HTMLParser):
    """The <img> and <a> start tags of each raw piece fed, where they are in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]  # of every line fed, counted from the first piece
        self._fed = 0
        self._found: list[RawTag] = []
        self._pictures = 0
        self._text_only: str | None = None

    def tags_in(self, piece: str) -> list[RawTag]:
        base = self._fed
        self._line_starts += [base + index + 1 for index, char in enumerate(piece) if char == "\n"]
        self._fed += len(piece)
        self._found = []
        self.feed(piece)
        # A tag begun in an earlier piece is that piece's: it is left as it is.
        return [tag._replace(start=tag.start - base, end=tag.end - base) for tag in self._found if tag.start >= base]

    def parse_html_declaration(self, i):
        if self.rawdata.startswith("<![", i):  # a bogus comment to a browser (see rawhtml._Rewriter)
            return self.parse_bogus_comment(i)
        return super().parse_html_declaration(i)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs)

    def _start(self, tag: str, attrs: list) -> None:
        if self._text_only is not None:
            return
        if tag in _TEXT_ONLY:
            self._text_only = tag
        elif tag == "picture":
            self._pictures += 1
        elif tag in ("img", "a", "source"):
            line, column = self.getpos()
            start = self._line_starts[line - 1] + column
            text = self.get_starttag_text() or ""
            given = dict.fromkeys(name for name, _ in attrs)
            first = {}
            for name, value in attrs:
                first.setdefault(name, value)
            self._found.append(RawTag(tag, tuple((name, first[name]) for name in given), start, start + len(text),
                                      self._pictures > 0))

    def handle_endtag(self, tag):
        if tag == self._text_only:
            self._text_only = None
        elif tag == "picture" and self._text_only is None and self._pictures:
            self._pictures -= 1


class RawTargets:
    """Resolves the targets of one body's raw pieces, fed in document order."""

    def __init__(self, context: TargetContext):
        self.context = context
        self._reader = _TagReader()

    def resolve(self, token: Token, line: int) -> None:
        """Rewrite the <img> and <a> tags of a raw piece (`line`: the file's line it starts on)."""
        piece = token.content
        lowered = piece.lower()
        tags = self._reader.tags_in(piece) if ("<img" in lowered or "<a" in lowered or "<source" in lowered) else None
        if tags is None:
            self._reader.tags_in(piece)  # its comments and elements still hide what follows
            return
        out, at = [], 0
        for tag in tags:
            tag_line = line + piece.count("\n", 0, tag.start)
            written = (self._image if tag.name == "img" else self._link if tag.name == "a" else self._source)(
                tag, tag_line)
            if written is not None:
                out += [piece[at:tag.start], written]
                at = tag.end
        if out:
            token.content = "".join(out) + piece[at:]

    def _link(self, tag: RawTag, line: int) -> str | None:
        attributes = dict(tag.attributes)
        href = attributes.get("href")
        if not href or _not_a_file(href):
            return None
        resolved = resolve_href(href, line, self.context)
        if resolved == href:
            return None
        return _start_tag("a", tag, {"href": "#" if resolved is None else resolved})

    def _image(self, tag: RawTag, line: int) -> str | None:
        context = self.context
        attributes = dict(tag.attributes)
        src = (attributes.get("src") or "").strip()
        if not src or _not_a_file(src):
            return None
        if attributes.get("alt") is None:
            context.error(line, f"the image '{src}' has no alt text.",
                          'Describe it for readers who cannot see it: <img alt="A map of …" …>; for a purely '
                          'decorative image write alt="".', Severity.WARNING)
        asset = usable_image(src, line, context)
        if asset is None:
            return None
        eager = context.images_seen == 0 and not context.featured
        context.images_seen += 1
        url = context.url_prefix + asset.url_path()
        if tag.in_picture or not _AUTHOR_SIZED.isdisjoint(attributes):  # the author's size and copies stay
            changed = {"src": url}
            if attributes.get("srcset"):
                changed["srcset"] = self._srcset(attributes["srcset"], line)
            return _start_tag("img", tag, changed)
        return raw_image_html(asset, context.url_prefix, list(tag.attributes), eager)

    def _source(self, tag: RawTag, line: int) -> str | None:
        """A <source srcset> of an author's <picture>: each of its images resolved."""
        srcset = dict(tag.attributes).get("srcset")
        if not tag.in_picture or not srcset:
            return None
        resolved = self._srcset(srcset, line)
        return None if resolved == srcset else _start_tag("source", tag, {"srcset": resolved})

    def _srcset(self, srcset: str, line: int) -> str:
        """Each candidate's URL resolved as an image's src (external ones as they are)."""
        candidates = []
        for match in _CANDIDATE.finditer(srcset):
            url, descriptor = match.group(1), match.group(2)
            if not _not_a_file(url):
                asset = usable_image(url, line, self.context)
                url = url if asset is None else self.context.url_prefix + asset.url_path()
            descriptor = (descriptor or "").strip()
            candidates.append(f"{url} {descriptor}" if descriptor else url)
        return ", ".join(candidates)


def _not_a_file(url: str) -> bool:
    """An anchor, a query, an external URL, or one a browser reads as a script URL (the sanitiser removes
    those, with its own warning): nothing to resolve."""
    url = url.strip()
    return url.startswith(("#", "?", "data:")) or is_external(url) or is_script_url(url)


def _start_tag(name: str, tag: RawTag, changed: dict[str, str]) -> str:
    return f"<{name}{tag_attributes([(key, changed.get(key, value)) for key, value in tag.attributes])}>"

