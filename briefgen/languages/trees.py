"""Each language's tree: the config it is built with, the paths of its pages, and each page's alternates."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, NamedTuple

from briefgen import urls
from briefgen.config import SiteConfig
from briefgen.config_checks import known_locale
from briefgen.fingerprint import fingerprint
from briefgen.languages.settings import tree_folder
from briefgen.model.site import Site


def language_config(config: SiteConfig, language: str) -> SiteConfig:
    """The config of `language`'s tree: its pages' links, feeds and canonical URLs under /<language>/."""
    if language == config.default_language:
        return config
    folder = tree_folder(language)
    return replace(config, language=language, base_url=config.base_url + folder, language_tree=folder)


def tree_paths(site: Site) -> frozenset[str]:
    """The site paths of the pages a language's tree has that a reader may switch between languages on."""
    paths = {"", "briefings/", "search/"}
    paths.update(urls.briefing_path(b.slug) for b in site.briefings)
    paths.update(urls.year_path(year) for year in {b.date.year for b in site.briefings})
    paths.update(urls.taxonomy_path(spec.name) for spec in site.config.taxonomies)
    paths.update(urls.entity_path(*key) for key in site.registry.entities)
    paths.update(urls.page_path(p.slug) for p in site.pages)
    return frozenset(paths)


class Alternate(NamedTuple):
    """One language's version of a page, for the switcher and the hreflang links."""

    language: str  # as site.yaml writes it: 'ru', 'pt-BR'
    name: str  # in its own language: 'English', 'Русский'
    url: str  # root-relative, with the base path
    absolute: str
    current: bool  # the page being rendered is this one


@dataclass(frozen=True, slots=True)
class LanguageTrees:
    """Which pages each language has: a page's alternates are its versions in every language that has it."""

    config: SiteConfig  # the default language's
    paths: Mapping[str, frozenset[str]]  # language -> its tree's paths

    @property
    def key(self) -> str:
        """Changes when any page's alternates do (pages present in one language only have none)."""
        shared = {}
        for language in self.config.all_languages:
            for path in self.paths.get(language, ()):
                shared.setdefault(path, []).append(language)
        return fingerprint(sorted((path, tuple(langs)) for path, langs in shared.items() if len(langs) > 1))

    def of(self, language: str, site_path: str) -> tuple[Alternate, ...]:
        """The versions of the page at `site_path` (relative to its tree) of `language`'s tree; () when it has
        none in another language."""
        present = [lang for lang in self.config.all_languages if site_path in self.paths.get(lang, ())]
        if len(present) < 2 or language not in present:
            return ()
        base_url, base_path = self.config.base_url, self.config.base_path
        alternates = []
        for lang in present:
            folder = "" if lang == self.config.default_language else tree_folder(lang)
            alternates.append(Alternate(lang, language_name(lang), base_path + folder + site_path,
                                        base_url + folder + site_path, lang == language))
        return tuple(alternates)


def language_name(language: str) -> str:
    """A language's name in that language, capitalised as a menu item: 'English', 'Русский', 'Deutsch'."""
    locale = known_locale(language)
    name = locale.get_display_name(locale) if locale is not None else None
    return (name[:1].upper() + name[1:]) if name else language
