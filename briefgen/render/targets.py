"""Targets of links and images in bodies that are not @/ pages nor [[wikilinks]] (page_links.py has those):
a file beside the Markdown, a published path (/images/x.svg), an @/ file of content/. Each resolves to a
URL that carries the base path, or to an error with the file, the line and the closest existing name;
external URLs are left as they are. Images are given their markup here (see images/html.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from markdown_it.token import Token

from briefgen.errors import Diagnostic, Severity
from briefgen.images.assets import Asset, AssetTable, image_size_problem
from briefgen.images.html import ImageMarkup, image_html
from briefgen.images.probe import is_image

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_PAGE_LIKE = re.compile(r"(^|/)([^/.]*|[^/]*\.html?|[^/]*\.xml)$")  # a folder, x.html or a feed


def is_external(target: str) -> bool:
    return bool(_SCHEME.match(target)) or target.startswith("//")


@dataclass
class TargetContext:
    """What resolving one body's targets needs and notes."""

    rel: str  # content/briefings/x.md
    url_prefix: str  # "/repo/"
    assets: AssetTable
    settings: object  # ImageSettings
    page_link: Callable[[str, int], str | None]  # @/x.md-style lookup (path relative to content/, line)
    problems: list
    featured: bool = False  # the page shows a featured image above the body: no body image is loaded eagerly
    used: list[str] = field(default_factory=list)  # lookups made, which the body's cache key depends on
    images_seen: int = 0

    def error(self, line: int, message: str, hint: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Diagnostic(self.rel, line, message, hint, severity))


def resolve_href(href: str, line: int, context: TargetContext) -> str | None:
    """The URL of a link's target other than @/x.md (None: an error was noted); the href unchanged when
    it is external or an anchor."""
    if not href or href.startswith(("#", "?")) or is_external(href):
        return href
    path, hash_, anchor = href.partition("#")
    suffix = hash_ + anchor
    if href.startswith("/"):
        found = context.assets.find(href, context.rel, context.used)
        if found.asset is not None:
            return context.url_prefix + found.asset.url_path() + suffix
        if _PAGE_LIKE.search(path):  # a page or a feed: published paths are not all known to a body
            return context.url_prefix + href.lstrip("/")
        context.error(line, f"the link {found.problem}.", found.hint)
        return None
    if path.endswith(".md"):
        content_path = path[2:] if href.startswith("@/") else _relative(path, context.rel)
        if content_path is None:
            context.error(line, f"the link '{href}' points outside content/.", "Link with @/ (relative to content/).")
            return None
        url = context.page_link(content_path, line)
        return None if url is None else url + suffix
    found = context.assets.find(href, context.rel, context.used)
    if found.asset is None:
        context.error(line, f"the link {found.problem}.", found.hint)
        return None
    return context.url_prefix + found.asset.url_path() + suffix


def _relative(path: str, rel: str) -> str | None:
    import posixpath
    from urllib.parse import unquote
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel.partition("/")[2]), unquote(path)))
    return None if joined.startswith("../") or joined == ".." else joined


def resolve_image(token: Token, line: int, context: TargetContext, alone: bool) -> None:
    """Give an image token its markup in meta["html"] (external images keep markdown-it's), or note why
    it has none. `alone`: the image is all of its paragraph, so a caption makes it a <figure>."""
    src = str(token.attrs.get("src", ""))
    token.attrs.pop("alt", None)  # markdown-it's, always there: the text in ![…] is the alt text
    alt_given = (token.meta or {}).get("alt_given", False)  # {alt=""}: decorative on purpose
    credit = str(token.attrs.pop("credit", "") or "")
    alt = token.content
    if not alt.strip() and not alt_given:
        context.error(line, f"the image '{src}' has no alt text.",
                      "Describe it for readers who cannot see it: ![A map of …](…); "
                      "for a purely decorative image write ![](…){alt=\"\"}.", Severity.WARNING)
    if is_external(src) or src.startswith("data:"):
        return
    asset = usable_image(src, line, context)
    if asset is None:
        return
    title = str(token.attrs.get("title", "") or "")
    markup = ImageMarkup(alt, title, credit, eager=context.images_seen == 0 and not context.featured,
                         inline=not alone, css_class=str(token.attrs.get("class", "") or ""))
    context.images_seen += 1
    token.meta = {**(token.meta or {}), "html": image_html(asset, context.url_prefix, markup)}


def usable_image(src: str, line: int, context: TargetContext) -> Asset | None:
    """The image file `src` names, or None with an error noted (no such file, not an image, a broken
    one); a warning for one over the size limit."""
    found = context.assets.find(src, context.rel, context.used)
    asset = found.asset
    if asset is None:
        context.error(line, f"the image {found.problem}.", found.hint)
        return None
    if asset.probe is None or not is_image(asset.source):
        context.error(line, f"'{src}' is not an image ({asset.source}).",
                      "Use an image (.jpg, .png, .webp, .gif, .svg) here, or link the file with [text](…).")
        return None
    if asset.probe.problem:
        context.error(line, f"the image {asset.source} cannot be used: {asset.probe.problem}.",
                      "Replace the file with a JPEG, PNG, WebP, GIF or SVG image a viewer opens.")
        return None
    too_large = image_size_problem(asset, context.settings)
    if too_large:
        context.error(line, f"{too_large}.", "Make it smaller (a photo for the web needs 1–2 MB at most), "
                      "or raise 'images: max_size_mb' in site.yaml.", Severity.WARNING)
    return asset


def target_line(block: Token, line: int, target: str) -> int:
    offset = block.content.find(target)
    return line + (block.content.count("\n", 0, offset) if offset > 0 else 0)
