"""Structured data for search engines and link previews: schema.org JSON-LD.

Pure functions from what a page shows to a JSON-LD object; `json_ld_script`
turns one into the text of a <script type="application/ld+json"> element.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Mapping

from markupsafe import Markup

from briefgen.config import SiteConfig

# The schema.org type of each default taxonomy's entities. A treaty is a
# legal instrument, which schema.org models as Legislation; anything else
# (issues, and taxonomies a site adds) is a plain Thing.
ENTITY_TYPES = {"leaders": "Person", "treaties": "Legislation"}
HEADLINE_LIMIT = 110  # search engines ignore longer NewsArticle headlines


def json_ld_script(data: Mapping[str, Any]) -> Markup:
    """JSON that cannot end its <script> element early, whatever the strings in it hold.

    Escaping "<" covers "</script>" and "<!--"; "&" and ">" are escaped too so the
    text means the same if a tool ever treats it as HTML. U+2028/2029 are
    escaped for old JavaScript parsers that end a string at them.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def publisher(config: SiteConfig, home_url: str) -> dict[str, Any]:
    return {"@type": "Organization", "name": config.title, "url": home_url}


def website(config: SiteConfig, home_url: str, search_url: str) -> dict[str, Any]:
    data = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.title,
        "url": home_url,
        "inLanguage": config.language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": search_url + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }
    if config.description:
        data["description"] = config.description
    return data


def news_article(
    *,
    config: SiteConfig,
    title: str,
    url: str,
    home_url: str,
    published: dt.datetime,
    modified: dt.datetime | None,
    summary: str,
    named: Iterable[tuple[str, str, str]],  # (taxonomy, name, absolute url)
) -> dict[str, Any]:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": _shorten(title, HEADLINE_LIMIT),
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": published.isoformat(timespec="seconds"),
        "dateModified": (modified or published).isoformat(timespec="seconds"),
        "inLanguage": config.language,
        "author": {"@type": "Organization", "name": config.author or config.title, "url": home_url},
        "publisher": publisher(config, home_url),
        "isPartOf": {"@type": "WebSite", "name": config.title, "url": home_url},
    }
    if summary:
        data["description"] = summary
    mentions = [{"@type": ENTITY_TYPES.get(taxonomy, "Thing"), "name": name, "url": entity_url}
                for taxonomy, name, entity_url in named]
    if mentions:
        data["mentions"] = mentions
    return data


def entity(
    *,
    taxonomy: str,
    name: str,
    url: str,
    aliases: Iterable[str],
    description: str,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    kind = ENTITY_TYPES.get(taxonomy, "Thing")
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "name": name, "url": url}
    aliases = list(aliases)
    if aliases:
        data["alternateName"] = aliases
    if description:
        data["description"] = description
    data.update(_typed_fields(kind, fields))
    return data


def _typed_fields(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The profile fields schema.org has a property for; the rest stay on the page only."""
    if kind == "Person":
        role = fields.get("role")
        return {"jobTitle": str(role)} if role else {}
    if kind == "Legislation":
        data: dict[str, Any] = {"legislationType": "treaty"}
        signed = fields.get("signed")
        if isinstance(signed, dt.date):
            data["legislationDate"] = signed.isoformat()
        in_force = fields.get("in_force")
        if isinstance(in_force, dt.date):
            data["legislationDateOfApplicability"] = in_force.isoformat()
        return data
    return {}


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
