"""Atom 1.0 feeds: one writer for the site feed and every entity's feed."""

from __future__ import annotations

import datetime as dt
import re
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


# Characters XML 1.0 cannot carry even escaped; a stray one would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Root-relative links and anchors in rendered bodies ("/repo/leaders/x/", "#fn1"). The word boundary before
# the attribute is checked by absolute_links: a leading \b is tried at every character of the body, which made
# the search four times slower, and every entity's feed runs it on twenty bodies.
_RELATIVE_LINK = re.compile(r'(href|src)="(/(?!/)[^"]*|#[^"]*)"')
_WORD_CHAR = re.compile(r"\w")
# An image's resized copies: "/repo/x-480.webp 480w, /repo/x-960.webp 960w".
_SRCSET = re.compile(r'\bsrcset="([^"]*)"')
_SRCSET_URL = re.compile(r'(^|,\s*)(/(?!/))')


def rfc3339(moment: dt.datetime) -> str:
    """2021-06-16T00:00:00-04:00; a moment without a zone is taken as UTC, never written bare."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.isoformat(timespec="seconds")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def absolute_links(html: str, origin: str, page_url: str) -> str:
    """Make a body's links absolute: feed readers show entries away from the site and
    many ignore xml:base. `origin` is "https://host"; anchors point into the entry's page."""
    def absolute(match: re.Match) -> str:
        start = match.start()
        if start and _WORD_CHAR.match(html, start - 1):  # "xhref=": not the attribute
            return match.group()
        attribute, target = match.group(1), match.group(2)
        return f'{attribute}="{page_url + target if target.startswith("#") else origin + target}"'
    html = _RELATIVE_LINK.sub(absolute, html)
    if "srcset=" in html:
        html = _SRCSET.sub(lambda m: 'srcset="' + _SRCSET_URL.sub(lambda u: u.group(1) + origin + "/", m.group(1)) + '"', html)
    return html


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
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    origin = _origin(urls.base_url)

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
        sub(element, "content", absolute_links(entry.content_html, origin, urls.absolute(entry.site_path)), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False) + b"\n"


def _origin(base_url: str) -> str:
    """"https://user.github.io/repo/" -> "https://user.github.io"."""
    match = re.match(r"[a-z][a-z0-9+.-]*://[^/]+", base_url, re.IGNORECASE)
    return match.group(0) if match else base_url.rstrip("/")
