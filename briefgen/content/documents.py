"""Typed documents (Briefing, Profile, Page) from front matter, with located errors; each field is checked
by content/fields.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any, Mapping

from briefgen.config import SiteConfig
from briefgen.content.fields import (
    FeaturedImage,
    NameRef,
    SourceRef,
    bool_field,
    date_field,
    featured_image,
    names_of,
    optional_text,
    required_text,
    slug_field,
    source_refs,
    text_list,
    url_aliases,
    warn_misspelt,
)
from briefgen.content.frontmatter import FrontMatter, split_front_matter
from briefgen.content.placeholders import warn_skeleton_body
from briefgen.content.scan import Source
from briefgen.errors import Diagnostics
from briefgen.languages.files import refuse_translation


@dataclass(frozen=True, slots=True)
class Briefing:
    LARGE_TEXTS = ("body",)  # pickled as UTF-8 bytes (see incremental/pickling.fast_reducers)

    source_rel: PurePosixPath
    slug: str
    title: str
    date: dt.datetime
    has_time: bool
    updated: dt.datetime | None
    summary: str | None
    key_points: tuple[str, ...]
    refs: Mapping[str, tuple[NameRef, ...]]  # taxonomy -> names as written
    sources: tuple[SourceRef, ...]
    draft: bool
    aliases: tuple[str, ...]
    autolink: bool | None
    body: str
    body_line: int
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    image: FeaturedImage | None = None
    toc: bool | None = None  # a table of contents: None leaves it to site.yaml's `toc`


@dataclass(frozen=True, slots=True)
class Profile:
    LARGE_TEXTS = ("body",)  # pickled as UTF-8 bytes (see incremental/pickling.fast_reducers)

    source_rel: PurePosixPath
    taxonomy: str
    slug: str
    name: str
    aliases: tuple[NameRef, ...]
    fields: Mapping[str, Any]  # role, country, signed, parties, … as given
    body: str
    body_line: int
    name_line: int | None = None  # where 'name:' is, for messages that name this profile
    slug_line: int | None = None  # where 'slug:' is; None when the slug is the file name's
    image: FeaturedImage | None = None
    # Not published: the entity is as if this file did not exist (see model.entities.build_registry).
    draft: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    LARGE_TEXTS = ("body",)  # pickled as UTF-8 bytes (see incremental/pickling.fast_reducers)

    source_rel: PurePosixPath
    slug: str
    title: str
    draft: bool
    aliases: tuple[str, ...]
    body: str
    body_line: int
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    image: FeaturedImage | None = None


Document = Briefing | Profile | Page

IMAGE_KEYS = frozenset({"image", "image_alt", "image_credit"})
BRIEFING_KEYS = frozenset(
    {"title", "date", "updated", "summary", "key_points", "sources", "draft", "slug", "aliases", "autolink", "toc"}
) | IMAGE_KEYS
PAGE_KEYS = frozenset({"title", "slug", "draft", "aliases"}) | IMAGE_KEYS
PROFILE_KEYS = frozenset({"name", "aliases", "slug", "draft"}) | IMAGE_KEYS


def parse_document(source: Source, config: SiteConfig, diags: Diagnostics) -> Document | None:
    """The typed document for `source`, or None (with diagnostics) when it cannot be read."""
    if refuse_translation(source.rel, config, diags):  # a translation reaches here only if it cannot be one
        return None
    fm = split_front_matter(source.text, source.rel, diags)
    if fm is None:
        return None
    if source.section == "briefings":
        return parse_briefing(fm, source.rel, config, diags)
    if source.section == "pages":
        return parse_page(fm, source.rel, diags)
    if config.taxonomy(source.section) is not None:
        return parse_profile(fm, source.rel, source.section, diags)
    known = ["briefings", "pages", *(t.name for t in config.taxonomies)]
    diags.warning(source.rel, None, f"content/{source.section}/ is not a known section; the file is not built.",
                  f"Sections are: {', '.join(known)}. Add a taxonomy in site.yaml to use this folder.")
    return None


def parse_briefing(fm: FrontMatter, rel: PurePosixPath, config: SiteConfig, diags: Diagnostics) -> Briefing | None:
    data = fm.data
    errors_before = len(diags.errors)
    title = required_text(fm, "title", rel, diags)
    date_value = date_field(fm, "date", rel, config.tz, diags, required=True)
    updated = date_field(fm, "updated", rel, config.tz, diags, required=False)
    summary = optional_text(fm, "summary", rel, diags)
    key_points = text_list(fm, "key_points", rel, diags)
    draft = bool_field(fm, "draft", rel, diags, default=False)
    autolink = bool_field(fm, "autolink", rel, diags, default=None)
    toc = bool_field(fm, "toc", rel, diags, default=None)
    slug = slug_field(fm, rel, diags)
    aliases = url_aliases(fm, rel, diags)
    sources = source_refs(fm, rel, diags)
    image = featured_image(fm, rel, diags)
    refs: dict[str, tuple[NameRef, ...]] = {}
    for spec in config.taxonomies:
        refs[spec.name] = names_of(fm, spec.name, rel, diags)
    taxonomy_names = {t.name for t in config.taxonomies}
    extra = {k: v for k, v in data.items() if k not in BRIEFING_KEYS and k not in taxonomy_names}
    warn_misspelt(fm, extra, BRIEFING_KEYS | taxonomy_names, rel, diags)
    if len(diags.errors) > errors_before or title is None or date_value is None:
        return None
    warn_skeleton_body(rel, fm.body, fm.body_line, diags)
    return Briefing(
        source_rel=rel, slug=slug, title=title, date=date_value[0], has_time=date_value[1],
        updated=updated[0] if updated else None, summary=summary, key_points=key_points,
        refs=MappingProxyType(refs), sources=sources, draft=draft, aliases=aliases,
        autolink=autolink, body=fm.body, body_line=fm.body_line, extra=MappingProxyType(extra), image=image,
        toc=toc,
    )


def parse_page(fm: FrontMatter, rel: PurePosixPath, diags: Diagnostics) -> Page | None:
    errors_before = len(diags.errors)
    title = required_text(fm, "title", rel, diags)
    draft = bool_field(fm, "draft", rel, diags, default=False)
    slug = slug_field(fm, rel, diags)
    aliases = url_aliases(fm, rel, diags)
    image = featured_image(fm, rel, diags)
    extra = {k: v for k, v in fm.data.items() if k not in PAGE_KEYS}
    if len(diags.errors) > errors_before or title is None:
        return None
    return Page(rel, slug, title, draft, aliases, fm.body, fm.body_line, MappingProxyType(extra), image)


def parse_profile(fm: FrontMatter, rel: PurePosixPath, taxonomy: str, diags: Diagnostics) -> Profile | None:
    errors_before = len(diags.errors)
    name = required_text(fm, "name", rel, diags)
    aliases = names_of(fm, "aliases", rel, diags)
    slug = slug_field(fm, rel, diags)
    draft = bool_field(fm, "draft", rel, diags, default=False)
    image = featured_image(fm, rel, diags)
    fields = {k: v for k, v in fm.data.items() if k not in PROFILE_KEYS}
    for key in fields:  # not warn_misspelt: a field of one's own may well be 'drafted' or 'names'
        if isinstance(key, str) and key.casefold() in ("draft", "drafts"):
            diags.warning(rel, fm.line_of(key), f"unknown key '{key}' looks like a misspelling of 'draft'.",
                          "Rename it to 'draft' (it is shown on the page as a fact otherwise).")
    if "title" in fields and name is None:
        diags.error(rel, fm.line_of("title"), "a profile is named with 'name', not 'title'.",
                    "Rename the key 'title' to 'name'.")
    if len(diags.errors) > errors_before or name is None:
        return None
    return Profile(rel, taxonomy, slug, name, aliases, MappingProxyType(fields), fm.body, fm.body_line,
                   fm.line_of("name"), fm.line_of("slug") if "slug" in fm.data else None, image, draft)
