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
    own, other = _split_variants(asset)
    if own:
        attributes += [f'srcset="{escape(_srcset(own, url_prefix) + f", {url} {probe.width}w")}"',
                       f'sizes="{markup.sizes}"']
    img = _picture(f"<img {' '.join(attributes)}>", other, url_prefix, markup.sizes)
    if markup.inline or (not markup.title and not markup.credit):
        return img
    caption = escape(markup.title)
    if markup.credit:
        caption += (" " if caption else "") + f'<span class="credit">{escape(markup.credit)}</span>'
    return f'<figure class="body-figure">{img}<figcaption>{caption}</figcaption></figure>'


def raw_image_html(asset: Asset, url_prefix: str, given: list[tuple[str, str | None]], eager: bool) -> str:
    """A raw <img> of a body, with the attributes its author gave (`given`, values decoded, each name once),
    as image_html makes a Markdown image's: its resolved src, its size, its resized copies, lazy loading
    past the first image (unless the author chose `loading` or `decoding`), <picture> for WebP."""
    url = url_prefix + asset.url_path()
    names = {name for name, _ in given}
    attributes = [("src", url), *((name, value) for name, value in given if name != "src")]
    probe = asset.probe
    if probe is not None and probe.width > 0 and probe.height > 0:
        attributes += [("width", str(probe.width)), ("height", str(probe.height))]
    if not eager:
        attributes += [(name, value) for name, value in (("loading", "lazy"), ("decoding", "async")) if name not in names]
    own, other = _split_variants(asset)
    if own:
        attributes += [("srcset", _srcset(own, url_prefix) + f", {url} {probe.width}w"), ("sizes", BODY_SIZES)]
    return _picture(f"<img{tag_attributes(attributes)}>", other, url_prefix, BODY_SIZES)


def tag_attributes(attributes: list[tuple[str, str | None]]) -> str:
    """ name="value" … (a value escaped; a name without a value written alone)."""
    return "".join(f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"'
                   for name, value in attributes)


def _split_variants(asset: Asset) -> tuple[list, list]:
    """The copies in the image's own format (its srcset), and the others (a <picture>'s <source>s)."""
    own_format = asset.probe.format if asset.probe else ""
    own = [v for v in asset.variants if v.format == own_format]
    return own, [v for v in asset.variants if v.format != own_format]


def _picture(img: str, other: list, url_prefix: str, sizes: str) -> str:
    if not other:
        return img
    sources = "".join(f'<source type="{_MIME[fmt]}" srcset="{escape(_srcset(group, url_prefix))}" sizes="{sizes}">'
                      for fmt, group in _by_format(other).items())
    return f"<picture>{sources}{img}</picture>"


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
