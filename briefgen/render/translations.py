"""The theme's words in the site's language: gettext catalogs read with Babel, for Jinja2's i18n extension.

Catalogs are looked up, later ones winning message by message, in the
default theme's translations/, the site theme's, and the site's own
translations/ folder (`<language>.po`, e.g. `de.po`, `pt_BR.po`), then in
site.yaml's `translations:` mapping. English is the templates' own text.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from briefgen.config import CONFIG_NAME, TranslationOverride
from briefgen.config_checks import known_locale, shown
from briefgen.errors import Diagnostics
from briefgen.names import did_you_mean
from briefgen.site_files import NotRegularFile, read_regular

CATALOG_FOLDER = "translations"
TEXTS_TEMPLATE = "messages.pot"  # every text of a theme, extracted from its templates (see the README)


@dataclass(frozen=True)
class CatalogFile:
    path: Path
    shown: str  # as messages name it: relative to the site when inside it


def text_direction(language: str) -> str:
    """'rtl' for Arabic, Hebrew, Persian, Urdu…, else 'ltr' (CLDR's character order for the language)."""
    locale = known_locale(language)
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"


def catalog_names(language: str) -> tuple[str, ...]:
    """The file names a language's catalog may have, most specific first: pt_BR.po, then pt.po."""
    locale = known_locale(language)
    if locale is None:
        return ()
    names = [str(locale), "_".join(filter(None, (locale.language, locale.script))), locale.language]
    return tuple(dict.fromkeys(f"{name}.po" for name in names))


def catalog_files(folders: Iterable[tuple[Path, str]], language: str) -> list[CatalogFile]:
    """The catalogs for `language` in `folders` ((folder, shown name) pairs), in the order they apply."""
    found = []
    for folder, folder_shown in folders:
        for name in reversed(catalog_names(language)):  # the general one first: the specific one wins
            path = folder / name
            if os.path.lexists(path):
                found.append(CatalogFile(path, f"{folder_shown}/{name}"))
    return found


def load_translations(files: list[CatalogFile], templates: list[CatalogFile], language: str,
                      overrides: Iterable[TranslationOverride], diags: Diagnostics) -> NullTranslations:
    """One set of translations from `files` and site.yaml's `overrides`; every problem in them is reported.

    `templates` (.pot files) name every text the theme has, so that an override can be checked against them
    and a plural text overridden by its singular alone. Plural rules are the language's own (CLDR's).
    """
    locale = known_locale(language) or Locale("en")
    merged = Catalog(locale=locale)
    for file in files:
        catalog = _read_catalog(file, locale, diags)
        for message in catalog or ():
            if message.id and _translated(message) and not message.fuzzy and _fits(message, merged, file.shown, diags):
                _put(merged, message)
    known = Catalog(locale=locale)
    for file in templates:  # read for their ids only: a .pot's empty plurals have English's two forms
        for message in _read_catalog(file, None, diags) or ():
            if message.id:
                known[message.id] = message
    _apply_overrides(merged, known, overrides, diags)
    if not len(merged):
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer)


def _translated(message: Message) -> bool:
    """Whether a catalog gives a translation: an untranslated plural reads as ('', ''), which is not none."""
    return any(message.string) if isinstance(message.string, tuple) else bool(message.string)


def _read_catalog(file: CatalogFile, locale: Locale | None, diags: Diagnostics) -> Catalog | None:
    try:
        data = read_regular(str(file.path))
    except (NotRegularFile, OSError) as exc:
        diags.error(file.shown, None, f"cannot be read: {exc}.", "Make it a regular file inside the site.")
        return None
    try:
        return read_po(io.BytesIO(data), locale=locale, abort_invalid=True)
    except PoFileError as exc:
        diags.error(file.shown, getattr(exc, "lineno", None), f"is not a valid gettext catalog: {exc}.",
                    "Write each entry as msgid \"…\" then msgstr \"…\", as the packaged catalogs do.")
    except UnicodeDecodeError:
        diags.error(file.shown, None, "is not UTF-8 text.", "Save the catalog as UTF-8.")
    return None


def _fits(message: Message, catalog: Catalog, shown: str, diags: Diagnostics, line: int | None = None) -> bool:
    """Whether a translation keeps its original's placeholders and the language's number of plural forms."""
    problems = [str(problem) for problem in message.check(catalog)] + _placeholder_problems(message)
    if isinstance(message.string, tuple) and not all(message.string):  # Babel pads missing forms with ''
        problems.append(f"it gives {sum(map(bool, message.string))} of the language's {catalog.num_plurals} "
                        "plural forms")
    for problem in problems:
        diags.error(shown, line or message.lineno,
                    f"the translation of '{_first(message.id)}' does not fit: {problem}.",
                    "Keep the original's %(name)s placeholders, and give one form per plural form of the language.")
    return not problems


# Jinja2's new-style gettext fills every text with `text % values`: a percent sign is either a named
# placeholder or written twice.
_PERCENT = re.compile(r"%(?:%|\((\w+)\)[sdif]|)")


def _placeholder_problems(message: Message) -> list[str]:
    """Placeholders the original does not have, and lone percent signs (Babel checks these only for
    texts flagged python-format, and a lone % breaks the page at render time)."""
    originals = message.id if isinstance(message.id, tuple) else (message.id,)
    translations = message.string if isinstance(message.string, tuple) else (message.string,)
    known = {name for text in originals for name in _PERCENT.findall(text) if name}
    problems = []
    for text in translations:
        for match in _PERCENT.finditer(text or ""):
            if match.group(0) == "%":
                problems.append("a lone '%' (write '%%' for a percent sign)")
            elif match.group(1) and match.group(1) not in known:
                problems.append(f"the placeholder %({match.group(1)})s is not in the original")
    return sorted(set(problems))


def _apply_overrides(merged: Catalog, known: Catalog, overrides: Iterable[TranslationOverride],
                     diags: Diagnostics) -> None:
    for original, text, line in overrides:
        message = known.get(original)
        if message is None:
            match = did_you_mean(original, [_first(m.id) for m in known if m.id])
            diags.warning(CONFIG_NAME, line, f"translations: the theme has no text '{shown(original)}'; "
                                             "the line is not used.",
                          match or "Copy the text exactly as the theme's translations/messages.pot has it.")
            continue
        if isinstance(message.id, tuple):
            forms = text if isinstance(text, tuple) else (text,) * merged.num_plurals
            candidate = Message(message.id, forms, flags=message.flags)
        elif isinstance(text, tuple):
            diags.error(CONFIG_NAME, line, f"translations: '{shown(original)}' has no number in it; give one text, "
                                           "not a list.")
            continue
        else:
            candidate = Message(original, text, flags=message.flags)
        if _fits(candidate, merged, CONFIG_NAME, diags, line):
            _put(merged, candidate)


def _put(catalog: Catalog, message: Message) -> None:
    """Add `message`, replacing one of the same text (Catalog's own [] = keeps the older translation)."""
    if message.id in catalog:
        del catalog[message.id]
    catalog[message.id] = message


def _first(message_id) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id
