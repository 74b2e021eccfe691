"""Featured images: a document's `image:` (a briefing's at the top of its page and on its cards, a
profile's on its entity page and in the taxonomy index, a page's at its top) and the site's `image:`,
which og:image falls back to. Resolved like a body's images (assets.AssetTable.find), with errors at the
front matter's line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from briefgen.config import SiteConfig
from briefgen.errors import Diagnostics
from briefgen.fingerprint import fingerprint
from briefgen.images.assets import Asset, AssetTable, image_size_problem
from briefgen.images.html import BODY_SIZES, ImageMarkup, image_html
from briefgen.images.probe import is_image

CARD_SIZES = "8rem"  # the theme's card thumbnail (style.css: .card-image)
PORTRAIT_SIZES = "12rem"  # a profile's image on its entity page (.entity-image)


@dataclass(frozen=True, slots=True)
class FeaturedView:
    """What templates get of a featured image: markup for the top of a page and for a card, and the URLs."""

    url: str  # root-relative, with the base path
    social_url: str  # absolute, of a copy at most 1200 px wide: for og:image
    alt: str
    credit: str
    width: int
    height: int
    html: str  # for the top of the page: loaded at once
    card_html: str  # small, loaded lazily
    portrait_html: str  # a profile's, on its entity page


@dataclass(frozen=True, slots=True)
class Featured:
    views: dict[str, FeaturedView]  # "briefing:slug", "entity:taxonomy/slug", "page:slug" -> view
    site: FeaturedView | None  # site.yaml's image
    assets: tuple[Asset, ...]  # whose copies the pages use
    key: str  # of all of it: pages are rendered again when it changes


def featured_images(documents: Iterable[tuple[str, object]], table: AssetTable, config: SiteConfig,
                    diags: Diagnostics) -> Featured:
    """The featured image of each (key, document) that has one, and the site's."""
    views, assets, keys = {}, [], []
    for key, document in documents:
        image = document.image
        if image is None:
            continue
        rel = str(document.source_rel)
        asset = _resolve(image.target, rel, image.line, table, config, diags)
        if asset is None:
            continue
        alt = image.alt
        if alt is None:
            diags.warning(rel, image.line, f"the image '{image.target}' has no image_alt.",
                          "Add 'image_alt: …' describing it, or 'image_alt: \"\"' for a decorative image.")
        views[key] = _view(asset, alt or "", image.credit or "", config)
        assets.append(asset)
        keys.append((key, image, table.entry_key(f"s:{asset.site_path}")))
    site = None
    if config.image:
        asset = _resolve("/" + config.image.lstrip("/"), "site.yaml", None, table, config, diags)
        if asset is not None:
            site = _view(asset, config.title, "", config)
            assets.append(asset)
            keys.append(("site", config.image, table.entry_key(f"s:{asset.site_path}")))
    return Featured(views, site, tuple(assets), fingerprint("featured", keys))


def _resolve(target: str, rel: str, line, table: AssetTable, config: SiteConfig, diags: Diagnostics) -> Asset | None:
    found = table.find(target, rel if rel != "site.yaml" else "content/x.md")
    asset = found.asset
    if asset is None:
        diags.error(rel, line, f"the image {found.problem}.", found.hint)
        return None
    if asset.probe is None or not is_image(asset.source):
        diags.error(rel, line, f"'{target}' is not an image ({asset.source}).", "Give a .jpg, .png, .webp, .gif or .svg file.")
        return None
    if asset.probe.problem:
        diags.error(rel, line, f"the image {asset.source} cannot be used: {asset.probe.problem}.",
                    "Replace the file with a JPEG, PNG, WebP, GIF or SVG image a viewer opens.")
        return None
    too_large = image_size_problem(asset, config.images)
    if too_large:
        diags.warning(rel, line, f"{too_large}.", "Make it smaller, or raise 'images: max_size_mb' in site.yaml.")
    return asset


def _view(asset: Asset, alt: str, credit: str, config: SiteConfig) -> FeaturedView:
    prefix = config.base_path
    social = asset.url_path(asset.social.site_path) if asset.social else asset.url_path()
    probe = asset.probe
    return FeaturedView(
        prefix + asset.url_path(), config.base_url + social, alt, credit, probe.width, probe.height,
        image_html(asset, prefix, ImageMarkup(alt, credit=credit, eager=True, sizes=BODY_SIZES, css_class="featured-image")),
        image_html(asset, prefix, ImageMarkup(alt, sizes=CARD_SIZES, css_class="card-image", inline=True)),
        image_html(asset, prefix, ImageMarkup(alt, credit=credit, eager=True, sizes=PORTRAIT_SIZES, css_class="entity-image")),
    )
