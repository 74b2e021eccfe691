"""The markup of an image: <img> with its size, its resized copies in srcset, <picture> for WebP, and
<figure> when it has a caption or a credit."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from briefgen.images.assets import Asset

# The default theme's text column (style.css: --measure 37rem inside 1.25rem of padding each side).
BODY_SIZES = "(min-width: 39.5rem) 37rem, calc(100vw - 2.5rem)"
_MIME = {"WEBP": "image/webp"}


@dataclass(frozen=True, slots=True)
class ImageMarkup:
    alt: str
    title: str = ""  # the caption
    credit: str = ""
    eager: bool = False  # the first image of a page: loaded at once
    sizes: str = BODY_SIZES
    css_class: str = ""
    inline: bool = False  # inside running text: a caption is a title attribute, never a <figure>


def image_html(asset: Asset, url_prefix: str, markup: ImageMarkup) -> str:
    """<img> (in a <picture> when it has WebP copies, in a <figure> when captioned or credited)."""
    url = url_prefix + asset.url_path()
    attributes = [f'src="{escape(url)}"', f'alt="{escape(markup.alt)}"']
    probe = asset.probe
    if probe is not None and probe.width > 0 and probe.height > 0:
        attributes += [f'width="{probe.width}"', f'height="{probe.height}"']
    if markup.css_class:
        attributes.append(f'class="{escape(markup.css_class)}"')
    if markup.inline and (markup.title or markup.credit):
        attributes.append(f'title="{escape(" ".join(filter(None, (markup.title, markup.credit))))}"')
    if not markup.eager:
        attributes += ['loading="lazy"', 'decoding="async"']
    own = [v for v in asset.variants if v.format == (probe.format if probe else "")]
    other = [v for v in asset.variants if v not in own]
    if own:
        attributes += [f'srcset="{escape(_srcset(own, url_prefix) + f", {url} {probe.width}w")}"',
                       f'sizes="{markup.sizes}"']
    img = f"<img {' '.join(attributes)}>"
    if other:
        sources = "".join(f'<source type="{_MIME[fmt]}" srcset="{escape(_srcset(group, url_prefix))}" sizes="{markup.sizes}">'
                          for fmt, group in _by_format(other).items())
        img = f"<picture>{sources}{img}</picture>"
    if markup.inline or (not markup.title and not markup.credit):
        return img
    caption = escape(markup.title)
    if markup.credit:
        caption += (" " if caption else "") + f'<span class="credit">{escape(markup.credit)}</span>'
    return f'<figure class="body-figure">{img}<figcaption>{caption}</figcaption></figure>'


def _srcset(variants, url_prefix: str) -> str:
    return ", ".join(f"{url_prefix}{_quoted(v.site_path)} {v.width}w" for v in variants)


def _quoted(site_path: str) -> str:
    from urllib.parse import quote
    return quote(site_path, safe="/-._~")


def _by_format(variants) -> dict:
    groups: dict[str, list] = {}
    for variant in variants:
        groups.setdefault(variant.format, []).append(variant)
    return groups
