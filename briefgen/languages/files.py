"""Which content files are translations, and of which original: `x.ru.md` and a bundle's `index.ru.md`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import NamedTuple

from briefgen.config import SiteConfig
from briefgen.config_checks import known_locale
from briefgen.content.scan import ContentFile
from briefgen.errors import Diagnostics
from briefgen.languages.settings import tree_folder

# A language code before ".md": two or three letters, then subtags ('ru', 'pt-BR', 'zh-Hant'). Babel must know
# it too, so that 'v1.2.md' or 'report.final.md' stay plain file names.
_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")


def translation_language(rel: str | PurePosixPath) -> str | None:
    """The language a file's name says it is in ('first-call.ru.md' -> 'ru'), or None for an original."""
    match = _SUFFIX.match(PurePosixPath(rel).name)
    if match is None or known_locale(match["language"]) is None:
        return None
    return match["language"]


def original_candidates(rel: str) -> tuple[str, str]:
    """The paths the original of a translation may have: 'x.ru.md' is of 'x.md' or of the bundle 'x/index.md',
    and so is 'x/index.ru.md'."""
    path = PurePosixPath(rel)
    stem = _SUFFIX.match(path.name)["stem"]
    if stem == "index" and len(path.parts) > 3:  # content/<section>/<bundle>/index.ru.md
        bundle = path.parent
        return str(bundle / "index.md"), str(bundle.parent / f"{bundle.name}.md")
    return str(path.parent / f"{stem}.md"), str(path.parent / stem / "index.md")


class Translation(NamedTuple):
    file: ContentFile  # content/briefings/first-call.ru.md
    original: ContentFile  # content/briefings/first-call.md


@dataclass(slots=True)
class LanguageFiles:
    """content/ split by language: the default language's files, and each other language's translations."""

    default: list[ContentFile] = field(default_factory=list)
    translations: dict[str, dict[str, Translation]] = field(default_factory=dict)  # language -> original rel -> …


def split_by_language(files: list[ContentFile], config: SiteConfig, diags: Diagnostics) -> LanguageFiles:
    """The files of each language, with an error for a translation without an original and for two
    translations of one file into one language. A file in a language site.yaml does not declare stays
    with the default language's, where parsing refuses it (see content.documents.parse_document)."""
    declared = {tree_folder(language): language for language in config.all_languages[1:]}
    split = LanguageFiles(translations={language: {} for language in config.all_languages[1:]})
    by_rel = {file.rel: file for file in files}
    for file in files:
        named = translation_language(file.rel)
        language = declared.get(tree_folder(named)) if named is not None else None
        if language is None:
            split.default.append(file)
            continue
        candidates = original_candidates(file.rel)
        original = next((by_rel[rel] for rel in candidates if rel in by_rel), None)
        if original is None:
            diags.error(file.rel, None, f"this is a translation into '{language}' of {candidates[0]}, "
                                        f"which does not exist (nor {candidates[1]}).",
                        "Add the original in the site's default language, or rename the file if it is not "
                        "a translation.")
            continue
        earlier = split.translations[language].get(original.rel)
        if earlier is not None:
            diags.error(file.rel, None, f"{earlier.file.rel} is already the '{language}' translation of "
                                        f"{original.rel}: a file has one translation per language.",
                        "Merge the two into one file and remove the other.")
            continue
        split.translations[language][original.rel] = Translation(file, original)
    return split


def refuse_translation(rel: PurePosixPath, config: SiteConfig, diags: Diagnostics) -> bool:
    """An error for a file named as a translation that the site does not build as one; whether there was."""
    language = translation_language(rel)
    if language is None:
        return False
    if tree_folder(language) == tree_folder(config.default_language):
        diags.error(rel, None, f"the file's name says it is in '{language}', the site's default language, whose "
                               "files have no language in their names.",
                    f"Rename it to {original_candidates(str(rel))[0].rpartition('/')[2]}.")
        return True
    listed = ", ".join(config.all_languages)
    diags.error(rel, None, f"the file's name says it is a translation into '{language}', which site.yaml does not "
                           f"declare (the site's languages: {listed}).",
                f"Add it: 'languages: [{listed}, {language}]'; or, if the file is no translation, rename it "
                f"without '.{language}' before '.md'.")
    return True
