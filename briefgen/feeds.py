"""Atom 1.0 feeds: one writer for the site feed and every entity's feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence
from xml.etree import ElementTree as ET

from briefgen.urls import UrlBuilder

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", ATOM_NS)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    title: str
    site_path: str
    published: dt.datetime
    updated: dt.datetime
    summary: str
    content_html: str
    categories: tuple[str, ...] = ()


def rfc3339(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def atom_feed(
    *,
    title: str,
    subtitle: str,
    author: str,
    feed_path: str,
    page_path: str,
    entries: Sequence[FeedEntry],
    urls: UrlBuilder,
    language: str,
) -> bytes:
    """The feed document; ids are the entries' absolute URLs, stable across rebuilds."""
    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {f"{{{XML_NS}}}lang": language, f"{{{XML_NS}}}base": urls.absolute("")})
    sub(feed, "id", urls.absolute(feed_path))
    sub(feed, "title", title)
    if subtitle:
        sub(feed, "subtitle", subtitle)
    newest = max((e.updated for e in entries), default=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    sub(feed, "updated", rfc3339(newest))
    sub(feed, "link", href=urls.absolute(feed_path), rel="self", type="application/atom+xml")
    sub(feed, "link", href=urls.absolute(page_path), rel="alternate", type="text/html")
    sub(sub(feed, "author"), "name", author or title)
    sub(feed, "generator", "briefgen")
    for entry in entries:
        element = sub(feed, "entry")
        sub(element, "id", urls.absolute(entry.site_path))
        sub(element, "title", entry.title)
        sub(element, "link", href=urls.absolute(entry.site_path), rel="alternate", type="text/html")
        sub(element, "published", rfc3339(entry.published))
        sub(element, "updated", rfc3339(entry.updated))
        for category in entry.categories:
            sub(element, "category", term=category)
        if entry.summary:
            sub(element, "summary", entry.summary)
        sub(element, "content", entry.content_html, type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False) + b"\n"
