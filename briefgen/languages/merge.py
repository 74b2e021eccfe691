"""A translation's document: its original's front matter with the keys the translation gives, and its body.

A translation writes what it translates (a title, a summary, key points, a
profile's name, aliases and facts, the body) and inherits the rest from its
original (the date, the names given, the sources): a key it does not give,
and an empty body, fall back to the original's. It keeps its original's slug,
so a page has one address in every language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import PurePosixPath

from briefgen.config import SiteConfig
from briefgen.content.documents import (
    PROFILE_KEYS,
    Document,
    Profile,
    parse_briefing,
    parse_page,
    parse_profile,
)
from briefgen.content.fields import NameRef
from briefgen.content.frontmatter import FrontMatter, split_front_matter
from briefgen.errors import Diagnostics
from briefgen.model.entities import normalise_name

# The lines of the keys a translation inherits are moved this far down in the merged front matter: what parsing
# says of them is the original's, said by the default language's build, and is dropped here (see inherited_line).
INHERITED = 1_000_000


def inherited_line(line: int | None) -> bool:
    return line is not None and line >= INHERITED


def translated_document(original_text: str, original_rel: PurePosixPath, text: str, rel: PurePosixPath,
                        config: SiteConfig, diags: Diagnostics) -> Document | None:
    """The document of the translation at `rel` of the original at `original_rel`; None (with diagnostics at
    `rel`) when it cannot be read. The original's own problems are its build's to report."""
    original_fm = split_front_matter(original_text, original_rel, Diagnostics())
    original = _parse(original_fm, original_rel, config, Diagnostics()) if original_fm is not None else None
    fm = split_front_matter(text, rel, diags)
    if fm is None or original is None:
        return None
    given = dict(fm.data)
    if "slug" in given:
        diags.error(rel, fm.line_of("slug"), "a translation has its original's address: it cannot set 'slug'.",
                    f"Remove 'slug:' here; the original ({original_rel}) sets it for every language.")
        given.pop("slug")
    if isinstance(original, Profile):
        _check_field_types(original_fm, fm, rel, original_rel, diags)
    local = Diagnostics()
    document = _parse(_merged(original_fm, fm, given), rel, config, local)
    diags.extend(d for d in local.items if not inherited_line(d.line))
    if document is None:
        return None
    document = replace(document, source_rel=original_rel, slug=original.slug)
    if original.draft:
        document = _draft_with_its_original(document, fm, rel, original_fm, original_rel, diags)
    if isinstance(document, Profile):
        document = replace(document, aliases=_aliases(document, original))
    return document


def _draft_with_its_original(document: Document, fm: FrontMatter, rel: PurePosixPath, original_fm: FrontMatter,
                             original_rel: PurePosixPath, diags: Diagnostics) -> Document:
    """A translation of a draft is a draft: it is the original's text in another language, at the original's
    address, with the original's date, names and sources, so publishing it would publish the draft. The
    original's `draft: true` wins over a translation's `draft: false`, which is said with what to do."""
    if fm.data.get("draft") is False:
        diags.warning(rel, fm.line_of("draft"),
                      f"this translation says 'draft: false', but its original ({original_rel}:"
                      f"{original_fm.line_of('draft')}) is a draft: a translation is published with its original, "
                      "so this one is not published either.",
                      f"Remove 'draft: true' from {original_rel} to publish both, or remove 'draft: false' here.")
    return replace(document, draft=True)


def _parse(fm: FrontMatter, rel: PurePosixPath, config: SiteConfig, diags: Diagnostics) -> Document | None:
    section = rel.parts[1]
    if section == "briefings":
        return parse_briefing(fm, rel, config, diags)
    if section == "pages":
        return parse_page(fm, rel, diags)
    return parse_profile(fm, rel, section, diags)


def _merged(original: FrontMatter, translation: FrontMatter, given: dict) -> FrontMatter:
    """The original's front matter with the translation's keys in place of its own; the body is the
    translation's, or the original's when the translation has none."""
    data = {**original.data, **given}
    key_lines = {key: line + INHERITED for key, line in original.key_lines.items()}
    key_lines.update(translation.key_lines)
    item_lines = {key: tuple(line + INHERITED for line in lines) for key, lines in original.item_lines.items()}
    item_lines.update(translation.item_lines)
    raw_text = {**original.raw_text, **{key: raw for key, raw in translation.raw_text.items() if key in given}}
    if translation.body.strip():
        body, body_line = translation.body, translation.body_line
    else:
        body, body_line = original.body, original.body_line + INHERITED
    return FrontMatter(data, key_lines, item_lines, raw_text, body, body_line)


def _aliases(profile: Profile, original: Profile) -> tuple[NameRef, ...]:
    """The translation's aliases, then the original's name and aliases: a name given in the default language
    still reaches the entity in every language."""
    seen = {normalise_name(profile.name)}
    aliases = []
    for ref in (*profile.aliases, NameRef(original.name, INHERITED), *original.aliases):
        key = normalise_name(ref.name)
        if key not in seen:
            seen.add(key)
            aliases.append(ref)
    return tuple(aliases)


def _check_field_types(original: FrontMatter, translation: FrontMatter, rel, original_rel, diags: Diagnostics) -> None:
    """A profile's fact is translated into a value of its original's kind: a list stays a list, a date a date."""
    for key, value in translation.data.items():
        if key in PROFILE_KEYS or key not in original.data:
            continue
        kind, was = _kind(value), _kind(original.data[key])
        if kind is not None and was is not None and kind != was:
            diags.error(rel, translation.line_of(key),
                        f"'{key}' is {kind} here but {was} in the original ({original_rel}:{original.line_of(key)}).",
                        f"Translate it as {was}, as the original writes it.")


def _kind(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of keys"
    return type(value).__name__
