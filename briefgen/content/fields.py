"""Front-matter fields: the check of each field a document may have (a text, a date, a list of names, a
slug, aliases, sources, a featured image, …), with an error that says the file, the line and what to write,
and the value it gives (NameRef, SourceRef, FeaturedImage). content/documents.py builds the documents."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from slugify import slugify

from briefgen.config_checks import describe_value
from briefgen.content.frontmatter import FrontMatter
from briefgen.content.placeholders import warn_placeholder_source
from briefgen.errors import Diagnostics
from briefgen.names import closest
from briefgen.yamltext.problems import shown_text


@dataclass(frozen=True, slots=True)
class NameRef:
    """A name as written in front matter, with the line it is on."""

    name: str
    line: int | None


@dataclass(frozen=True, slots=True)
class SourceRef:
    title: str
    url: str
    publisher: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class FeaturedImage:
    """A document's `image:` as written (a path resolved like a body's image), with `image_alt:` and
    `image_credit:`; alt None when not given."""

    target: str
    alt: str | None
    credit: str | None
    line: int | None


_SAFE_ALIAS = re.compile(r"^[A-Za-z0-9._~\-/%]+$")


def names_of(fm: FrontMatter, key: str, rel, diags: Diagnostics) -> tuple[NameRef, ...]:
    """A list of names or one name; the text exactly as typed (`NO` stays 'NO')."""
    if key not in fm.data or fm.data[key] is None:
        return ()
    value, raw, line = fm.data[key], fm.raw_text.get(key), fm.line_of(key)
    if isinstance(value, str):
        name = value.strip()
        if not name:
            diags.error(rel, line, f"'{key}' is empty.", f"Write a name, or remove the '{key}' line.")
            return ()
        return (NameRef(name, line),)
    if not isinstance(value, list):
        diags.error(rel, line, f"'{key}' must be a list of names; got {describe_value(value)}.",
                    f"Write e.g. '{key}: [First Name, Second Name]'.")
        return ()
    names: list[NameRef] = []
    for index, item in enumerate(value):
        item_line = fm.line_of(key, index)
        text = raw[index] if isinstance(raw, tuple) and index < len(raw) else None
        if isinstance(item, (dict, list)) or text is None:
            diags.error(rel, item_line, f"item {index + 1} of '{key}' must be a name; got {describe_value(item)}.",
                        "Write each name as plain text.")
            continue
        if not text.strip():
            diags.error(rel, item_line, f"item {index + 1} of '{key}' is an empty name.",
                        "Remove the empty entry or write the name.")
            continue
        names.append(NameRef(text.strip(), item_line))
    return tuple(names)


def parse_date_value(value: Any, tz: ZoneInfo) -> tuple[dt.datetime, bool] | str:
    """(aware datetime, whether a time was given), or a message saying what is wrong."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)), True
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz), False
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                return dt.datetime(day.year, day.month, day.day, tzinfo=tz), False
            parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError as exc:
            reason = str(exc)
            if re.match(r"^\d{4}-\d{2}-\d{2}", text) and ("range" in reason or "must be in" in reason):
                return f"'{shown_text(text)}' is not a real date ({reason})"
            return f"'{shown_text(text)}' is not a date"
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)), True
    return f"{describe_value(value)} is not a date"


def date_field(fm, key, rel, tz, diags, *, required: bool):
    if key not in fm.data or fm.data[key] is None:
        if required:
            diags.error(rel, 1 if key not in fm.data else fm.line_of(key), f"the briefing has no '{key}'.",
                        f"Add '{key}: YYYY-MM-DD' (optionally with a time, 'YYYY-MM-DD HH:MM') to the front matter.")
        return None
    result = parse_date_value(fm.data[key], tz)
    if isinstance(result, str):
        diags.error(rel, fm.line_of(key), f"'{key}': {result}.",
                    "Write it as YYYY-MM-DD or 'YYYY-MM-DD HH:MM', e.g. 2021-01-26.")
        return None
    return result


def required_text(fm, key, rel, diags) -> str | None:
    if key not in fm.data:
        diags.error(rel, 1, f"the front matter has no '{key}'.", f"Add a line '{key}: …' to the front matter.")
        return None
    value = fm.data[key]
    raw = fm.raw_text.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        diags.error(rel, fm.line_of(key), f"'{key}' is empty.", f"Write the {key} after '{key}:'.")
        return None
    if isinstance(value, (list, dict)):
        diags.error(rel, fm.line_of(key), f"'{key}' must be a text; got {describe_value(value)}.")
        return None
    return (raw if isinstance(raw, str) else str(value)).strip()


def optional_text(fm, key, rel, diags) -> str | None:
    value = fm.data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an empty optional field is the same as a missing one
    return required_text(fm, key, rel, diags)


def text_list(fm, key, rel, diags) -> tuple[str, ...]:
    value = fm.data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or any(isinstance(v, (list, dict)) or v is None for v in value):
        diags.error(rel, fm.line_of(key), f"'{key}' must be a list of texts; got {describe_value(value)}.",
                    f"Write each item on its own line after '{key}:', starting with '- '.")
        return ()
    raw = fm.raw_text.get(key)
    return tuple((raw[i] if isinstance(raw, tuple) and raw[i] is not None else str(v)) for i, v in enumerate(value))


def bool_field(fm, key, rel, diags, *, default):
    if key not in fm.data:
        return default
    value = fm.data[key]
    if not isinstance(value, bool):
        diags.error(rel, fm.line_of(key), f"'{key}' must be true or false; got {describe_value(value)}.")
        return default
    return value


def bundle_folder(rel: PurePosixPath | str) -> PurePosixPath | None:
    """The folder of a bundle, when `rel` is one's index.md (content/briefings/<slug>/index.md): its other
    files are the document's own."""
    rel = PurePosixPath(rel)
    return rel.parent if rel.name == "index.md" and len(rel.parts) > 3 else None


def _file_stem(rel: PurePosixPath) -> str:
    """What names a document: its file's stem, or its bundle folder's name."""
    folder = bundle_folder(rel)
    return folder.name if folder is not None else PurePosixPath(rel).stem


def slug_field(fm: FrontMatter, rel: PurePosixPath, diags: Diagnostics) -> str:
    given = fm.data.get("slug")
    if given is None:
        slug = slugify(_file_stem(rel))
        if not slug:
            diags.error(rel, None, f"the file name '{_file_stem(rel)}' gives an empty slug.",
                        "Rename the file, or set 'slug:' in the front matter.")
        return slug
    if isinstance(given, (dict, list)):
        diags.error(rel, fm.line_of("slug"), f"'slug' must be a text; got {describe_value(given)}.",
                    "Write one word-like part, e.g. 'slug: first-call'.")
        return slugify(_file_stem(rel)) or "invalid"
    raw = fm.raw_text.get("slug")
    text = raw if isinstance(raw, str) else str(given)
    if "/" in text or "\\" in text or ".." in text:
        diags.error(rel, fm.line_of("slug"), f"slug '{shown_text(text)}' would write outside its folder.",
                    "A slug is one word-like part, e.g. 'slug: first-call'.")
        return slugify(text) or "invalid"
    slug = slugify(text)
    if not slug:
        diags.error(rel, fm.line_of("slug"), f"slug '{shown_text(text)}' has no letters or digits.")
    return slug or "invalid"


def url_aliases(fm: FrontMatter, rel, diags) -> tuple[str, ...]:
    value = fm.data.get("aliases")
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        diags.error(rel, fm.line_of("aliases"), "'aliases' must be a list of old URL paths.",
                    "Write e.g. 'aliases: [/2021/01/old-address/]'.")
        return ()
    paths: list[str] = []
    for index, item in enumerate(values):
        line = fm.line_of("aliases", index)
        text = str(item).strip().strip("/")
        parts = text.split("/")
        if not text or not _SAFE_ALIAS.match(text) or any(p in ("", ".", "..") for p in parts):
            diags.error(rel, line, f"alias '{shown_text(str(item))}' is not a usable URL path inside the site.",
                        "Write a path such as '/2021/01/old-address/', without '..'.")
            continue
        paths.append(text + "/")
    return tuple(paths)


def source_refs(fm: FrontMatter, rel, diags) -> tuple[SourceRef, ...]:
    value = fm.data.get("sources")
    if value is None:
        return ()
    if not isinstance(value, list):
        diags.error(rel, fm.line_of("sources"), "'sources' must be a list.",
                    "Write each source as '- title: …' with 'url: …' under it, or as a plain URL.")
        return ()
    result: list[SourceRef] = []
    for index, item in enumerate(value):
        line = fm.line_of("sources", index)
        if isinstance(item, str):
            if not _is_web_url(item):
                diags.error(rel, line, f"source '{shown_text(item)}' is not an http(s) URL.")
                continue
            warn_placeholder_source(rel, line, index, None, item, diags)
            result.append(SourceRef(item, item))
            continue
        if not isinstance(item, dict):
            diags.error(rel, line, f"source {index + 1} must be a URL or a mapping with title and url.")
            continue
        url, title = item.get("url"), item.get("title")
        if not isinstance(url, str) or not _is_web_url(url):
            diags.error(rel, line, f"source {index + 1} needs a 'url' starting with http:// or https://.")
            continue
        date = item.get("date")
        if date is not None and not isinstance(date, dt.date):
            diags.error(rel, line, f"the date of source {index + 1} is not a date; write YYYY-MM-DD.")
            date = None
        if isinstance(date, dt.datetime):
            date = date.date()
        publisher = item.get("publisher")
        warn_placeholder_source(rel, line, index, title if isinstance(title, str) else None, url, diags)
        result.append(SourceRef(str(title) if title else url, url, str(publisher) if publisher else None, date))
    return tuple(result)


def featured_image(fm: FrontMatter, rel, diags) -> FeaturedImage | None:
    values = {}
    for key in ("image", "image_alt", "image_credit"):
        value = fm.data.get(key)
        if value is not None and not isinstance(value, str):
            diags.error(rel, fm.line_of(key), f"'{key}' must be a text; got {describe_value(value)}.",
                        "Write e.g. 'image: map.png' (a path beside this file, /images/x.jpg or @/…).")
            return None
        values[key] = value
    if values["image"] is None or not values["image"].strip():
        if values["image_alt"] is not None or values["image_credit"] is not None:
            key = "image_alt" if values["image_alt"] is not None else "image_credit"
            diags.warning(rel, fm.line_of(key), f"'{key}' is given but there is no 'image'.",
                          "Add 'image: …' or remove the line.")
        return None
    return FeaturedImage(values["image"].strip(), values["image_alt"], values["image_credit"], fm.line_of("image"))


def _is_web_url(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://"))


def warn_misspelt(fm: FrontMatter, extra: Mapping[str, Any], known: frozenset[str] | set[str], rel, diags) -> None:
    for key in extra:
        match = closest(key, known, similarity=0.8)
        if match:
            diags.warning(rel, fm.line_of(key),
                          f"unknown key '{shown_text(key)}' looks like a misspelling of '{match}'.",
                          f"Rename it to '{match}' (it is kept as a custom field otherwise).")
