"""site.yaml's `languages:`: every language of the site, the first (or `language:`) the default."""

from __future__ import annotations

from typing import Any

from briefgen.config_checks import check_language, describe_value
from briefgen.errors import Diagnostics

CONFIG_NAME = "site.yaml"
_EXAMPLE = "Write e.g. 'languages: [en, ru]': the first is the default language, served at the site's root."


def tree_folder(language: str) -> str:
    """The folder of a language's tree in the site: 'ru/', 'pt-br/'."""
    return language.lower() + "/"


def parse_languages(value: Any, parsed, diags: Diagnostics) -> tuple[str, ...]:
    """The checked list of `languages:`; the problems of each item with its line."""
    line = parsed.line_of("languages")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        diags.error(CONFIG_NAME, line, f"'languages' must be a list of language codes; got {describe_value(value)}.",
                    _EXAMPLE)
        return ()
    languages: list[str] = []
    for index, item in enumerate(value):
        item_line = parsed.line_of("languages", index)
        if not isinstance(item, str):
            diags.error(CONFIG_NAME, item_line, f"a language must be a code such as 'ru'; got {describe_value(item)}.",
                        _EXAMPLE)
            continue
        checked = check_language("languages", item)
        if checked.problem is not None:
            diags.error(CONFIG_NAME, item_line, checked.problem, checked.hint)
            continue
        if any(tree_folder(known) == tree_folder(item) for known in languages):
            diags.error(CONFIG_NAME, item_line, f"the language '{item}' is listed twice.", "Remove one of them.")
            continue
        languages.append(item)
    return tuple(languages)


def settle_languages(values: dict[str, Any], parsed, diags: Diagnostics) -> None:
    """`language` and `languages` made one: the default language is `languages`' first. A list of one
    language is a site of one language, as `language:` alone."""
    languages = values.get("languages")
    if not languages:
        values.pop("languages", None)
        return
    line = parsed.line_of("languages")
    given = values.get("language")
    if given is not None and "language" in parsed.data and given != languages[0]:
        diags.error(CONFIG_NAME, parsed.line_of("language"),
                    f"'language: {given}' is the default language, so it must be the first of 'languages' "
                    f"({', '.join(languages)}).",
                    f"Write 'languages: [{', '.join([given, *(x for x in languages if x != given)])}]', "
                    "or remove 'language:'.")
        return
    values["language"] = languages[0]
    values["languages"] = languages if len(languages) > 1 else ()
    taxonomies = {spec.name for spec in values.get("taxonomies", ())} or {"leaders", "treaties", "issues"}
    for language in languages[1:]:
        if tree_folder(language).rstrip("/") in taxonomies:
            diags.error(CONFIG_NAME, line, f"the language '{language}' has its pages under /{tree_folder(language)}, "
                                           "which is a taxonomy's folder too.",
                        "Rename the taxonomy in 'taxonomies:'.")


def search_shard_prefix(config) -> str:
    """What the names of a language's search shards start with in a multilingual site ('ru.'); '' in a site of
    one language, whose shards are named as they always were (see search/step.py)."""
    return tree_folder(config.language).rstrip("/") + "." if config.multilingual else ""
