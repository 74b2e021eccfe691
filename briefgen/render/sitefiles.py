"""Site-wide files that are not pages: sitemap.xml, robots.txt, .nojekyll, CNAME."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator, Mapping, Sequence
from xml.etree import ElementTree as ET

from briefgen import urls
from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing
from briefgen.model.site import Site
from briefgen.output.outputs import Output
from briefgen.urls import UrlBuilder

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"  # of a multilingual sitemap's <xhtml:link hreflang> (Google's format)


SITEMAP, ROBOTS = "sitemap.xml", "robots.txt"

def sitemap(site: Site, links: UrlBuilder) -> Output:
    return sitemap_of(sitemap_entries(site), links)


def sitemap_of(entries: Iterable[tuple[str, dt.datetime | None]], links: UrlBuilder,
               alternates: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> Output:
    """`entries` are (site path, last modified) of every HTML page worth indexing; `alternates` (a multilingual
    site): a page's versions in every language, (hreflang, absolute URL), written as xhtml:link elements."""
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS, **({"xmlns:xhtml": XHTML_NS} if alternates else {})})
    for site_path, lastmod in entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = links.absolute(site_path)
        if lastmod is not None:
            ET.SubElement(url, "lastmod").text = lastmod.isoformat(timespec="seconds")
        for hreflang, href in (alternates or {}).get(site_path, ()):
            ET.SubElement(url, "xhtml:link", {"rel": "alternate", "hreflang": hreflang, "href": href})
    data = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, encoding="utf-8") + b"\n"
    return Output(SITEMAP, data, origin="the sitemap")


def sitemap_entries(site: Site) -> Iterator[tuple[str, dt.datetime | None]]:
    """First pages of everything a reader may land on; drafts never, even in a --drafts preview.

    Follow-on pages of a list (page/2/) are left out: they shift with every new
    briefing, and each briefing they list is in the sitemap on its own.
    """
    published = [b for b in site.briefings if not b.draft]
    yield "", _newest(published)
    yield "briefings/", _newest(published)
    for year in sorted({b.date.year for b in published}, reverse=True):
        yield urls.year_path(year), _newest([b for b in published if b.date.year == year])
    for briefing in published:
        yield urls.briefing_path(briefing.slug), last_modified(briefing)
    for spec in site.config.taxonomies:
        yield urls.taxonomy_path(spec.name), _newest([b for b in published if site.briefing_entities[b.slug].get(spec.name)])
        for key in site.entity_keys(spec.name):
            mentioned = [site.briefing(slug) for slug in site.mentions.get(key, ())]
            named = [b for b in mentioned if not b.draft]
            profile = site.entity(key).profile
            # A page that only drafts make (named by drafts alone, or a draft profile's) is no published page.
            if named or (profile is not None and not profile.draft):
                yield urls.entity_path(*key), _newest(named)
    for page in site.pages:
        if not page.draft:
            yield urls.page_path(page.slug), None


def last_modified(briefing: Briefing) -> dt.datetime:
    return briefing.updated or briefing.date


def _newest(briefings: list[Briefing]) -> dt.datetime | None:
    return max((last_modified(b) for b in briefings), default=None)


def robots(links: UrlBuilder) -> Output:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {links.absolute(SITEMAP)}\n"
    return Output(ROBOTS, text.encode(), origin="robots.txt")


def github_pages_files(config: SiteConfig) -> list[Output]:
    """.nojekyll keeps GitHub Pages from running Jekyll; CNAME names a custom domain."""
    outputs = [Output(".nojekyll", b"", origin=".nojekyll")]
    if config.cname:
        outputs.append(Output("CNAME", (config.cname.strip() + "\n").encode(), origin="site.yaml cname"))
    return outputs
