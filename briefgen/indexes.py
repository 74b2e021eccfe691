"""Site-wide files that are not pages: sitemap.xml, robots.txt, .nojekyll, CNAME."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import Iterable
from xml.etree import ElementTree as ET

from briefgen.config import SiteConfig
from briefgen.output import Output
from briefgen.urls import UrlBuilder

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap(entries: Iterable[tuple[str, dt.datetime | None]], links: UrlBuilder) -> Output:
    """`entries` are (site path, last modified) of every HTML page worth indexing."""
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for site_path, lastmod in entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = links.absolute(site_path)
        if lastmod is not None:
            ET.SubElement(url, "lastmod").text = lastmod.isoformat(timespec="seconds")
    data = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, encoding="utf-8") + b"\n"
    return Output(PurePosixPath("sitemap.xml"), data, origin="the sitemap")


def robots(links: UrlBuilder) -> Output:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {links.absolute('sitemap.xml')}\n"
    return Output(PurePosixPath("robots.txt"), text.encode(), origin="robots.txt")


def github_pages_files(config: SiteConfig) -> list[Output]:
    """.nojekyll keeps GitHub Pages from running Jekyll; CNAME names a custom domain."""
    outputs = [Output(PurePosixPath(".nojekyll"), b"", origin=".nojekyll")]
    if config.cname:
        outputs.append(Output(PurePosixPath("CNAME"), (config.cname.strip() + "\n").encode(), origin="site.yaml cname"))
    return outputs
