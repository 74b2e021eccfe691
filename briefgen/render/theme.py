"""Template search path, the Jinja environment, and the static files of theme and site."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from briefgen.config import SiteConfig
from briefgen.errors import Diagnostics
from briefgen.render.translations import (
    CATALOG_FOLDER,
    TEXTS_TEMPLATE,
    CatalogFile,
    NullTranslations,
    catalog_files,
    load_translations,
)
from briefgen.site_files import (
    NotRegularFile,
    is_ignored,
    is_set_aside,
    outside_problem,
    read_regular,
    real_home,
    walk_files,
)


def packaged_theme_dir() -> Path:
    """The default theme: inside the installed wheel, or at the top of a source checkout.

    The wheel force-includes the repository's top-level themes/default/ as
    briefgen/themes/default/; an editable install runs from the checkout, where
    the one copy lives beside the package.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "themes" / "default"
    if installed.is_dir():
        return installed
    return package.parent / "themes" / "default"


@dataclass(frozen=True, slots=True)
class Theme:
    template_dirs: tuple[Path, ...]  # first hit wins
    static_dirs: tuple[Path, ...]  # later ones win, file by file
    default_templates: Path
    homes: Mapping[Path, str] = field(default_factory=dict)  # folder -> the real folder its links must stay in
    static: Mapping[str, Path] = field(default_factory=dict)  # static_files(): output path -> file to copy
    translation_dirs: tuple[Path, ...] = ()  # gettext catalogs; later ones win, text by text

    def all_dirs(self) -> tuple[Path, ...]:
        return (*self.template_dirs, *self.static_dirs, *self.translation_dirs)

    def home_of(self, directory: Path) -> str:
        return self.homes.get(directory) or real_home(directory)


def resolve_theme(config: SiteConfig, diags: Diagnostics) -> Theme:
    packaged = packaged_theme_dir()
    site_theme = config.root / "themes" / config.theme
    template_dirs: list[Path] = [config.root / "templates"]
    static_dirs: list[Path] = [packaged / "static"]
    translation_dirs: list[Path] = [packaged / CATALOG_FOLDER]
    if config.theme != "default" or site_theme.is_dir():
        if not site_theme.is_dir():
            available = sorted(p.name for p in (config.root / "themes").glob("*") if p.is_dir())
            available = sorted({"default", *available})
            diags.error("site.yaml", None, f"theme '{config.theme}' not found in themes/.",
                        f"Available themes: {', '.join(available)}.")
        elif site_theme.resolve() != packaged.resolve():
            template_dirs.append(site_theme / "templates")
            static_dirs.append(site_theme / "static")
            translation_dirs.append(site_theme / CATALOG_FOLDER)
    template_dirs.append(packaged / "templates")
    static_dirs.append(config.static_dir)
    translation_dirs.append(config.root / CATALOG_FOLDER)
    template_dirs = [d for d in template_dirs if d.is_dir()]
    static_dirs = [d for d in static_dirs if d.is_dir()]
    translation_dirs = [d for d in translation_dirs if d.is_dir()]
    homes = {d: _home(d, config.root, packaged) for d in {*template_dirs, *static_dirs, packaged / "templates"}}
    for directory in template_dirs:  # only to report what may not be read: Jinja reads what a page asks for
        walk_files(str(directory), _shown(directory, config.root), homes[directory], diags, skip=is_ignored)
    return Theme(tuple(template_dirs), tuple(static_dirs), packaged / "templates", MappingProxyType(homes),
                 MappingProxyType(_static_files(static_dirs, homes, config.root, diags)), tuple(translation_dirs))


def theme_translations(theme: Theme, config: SiteConfig, diags: Diagnostics) -> NullTranslations:
    """The theme's texts in the site's language: its catalogs, the site's, then site.yaml's `translations:`."""
    folders = [(d, _shown(d, config.root)) for d in theme.translation_dirs]
    templates = [CatalogFile(d / TEXTS_TEMPLATE, f"{shown}/{TEXTS_TEMPLATE}") for d, shown in folders
                 if (d / TEXTS_TEMPLATE).is_file()]
    return load_translations(catalog_files(folders, config.language), templates, config.language,
                             config.translations, diags)


def _home(directory: Path, root: Path, packaged: Path) -> str:
    """The folder links in `directory` must stay inside: the packaged theme's own, else the site's."""
    if directory.is_relative_to(packaged) and not directory.is_relative_to(root):
        return real_home(packaged)
    return real_home(root)


def _shown(directory: Path, root: Path) -> str:
    """A theme folder as messages name it: relative to the site when inside it."""
    try:
        return directory.relative_to(root).as_posix()
    except ValueError:
        return str(directory)


def _static_files(static_dirs, homes, root: Path, diags: Diagnostics) -> dict[str, Path]:
    """Output path -> file to copy; a site's static/ wins over the theme's, file by file."""
    files: dict[str, Path] = {}
    for directory in static_dirs:
        shown = _shown(directory, root)
        for file in walk_files(str(directory), shown, homes[directory], diags, skip=is_set_aside):
            files[file.rel[len(shown) + 1:]] = Path(file.path)
    return files


def create_environment(theme: Theme, translations: NullTranslations | None = None) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        *(RegularFileLoader(d, theme.home_of(d)) for d in theme.template_dirs),
        # An override may extend the stock template of the same name:
        # {% extends "default/briefing.html" %}
        jinja2.PrefixLoader({"default": RegularFileLoader(theme.default_templates,
                                                          theme.home_of(theme.default_templates))}),
    ])
    environment = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style gettext: _("%(count)s briefings", count=n) fills its placeholders and escapes what it is given.
    translations = translations or NullTranslations()
    environment.install_gettext_translations(translations, newstyle=True)
    gettext = remembered_gettext(translations)
    environment.globals.update(_=gettext, gettext=gettext)
    return environment


def remembered_gettext(translations: NullTranslations):
    """Jinja's new-style gettext, each text looked up and made markup once.

    A list page's cards call it for every card, and Jinja's own (a lookup
    through the context, a catalog search and a new Markup on every call) was
    a fifth of a list page's rendering. The result is the same: the
    translation, as Markup where the template autoescapes, with the given
    values put in (and escaped) by `%`, which is skipped when it has nothing
    to do.
    """
    remembered: dict[tuple[str, bool], tuple[str, bool]] = {}

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, text: str, **values) -> str:
        key = (text, context.eval_ctx.autoescape)
        found = remembered.get(key)
        if found is None:
            translated = translations.gettext(text)
            found = remembered[key] = (Markup(translated) if key[1] else translated, "%" in translated)
        return found[0] % values if values or found[1] else found[0]

    return gettext


def static_files(theme: Theme) -> dict[str, Path]:
    """Output path -> file to copy; a site's static/ wins over the theme's, file by file.

    Found by resolve_theme, which reported every file that may not be copied
    (a link out of the site, a pipe): those are not in it.
    """
    return dict(theme.static)


class RegularFileLoader(jinja2.FileSystemLoader):
    """Jinja's FileSystemLoader, reading only regular files reached through no link that leaves `home`.

    resolve_theme has reported such files already, and the build stops before
    rendering; this keeps a template swapped for a link or a pipe since then
    from being read (a pipe would block the render forever).
    """

    def __init__(self, directory: Path, home: str):
        super().__init__(str(directory))
        self.home = home

    def get_source(self, environment: jinja2.Environment, template: str):
        pieces = split_template_path(template)
        filename = os.path.join(self.searchpath[0], *pieces)
        if not os.path.lexists(filename):
            raise jinja2.TemplateNotFound(template)
        problem = outside_problem(os.path.realpath(filename), self.home)
        if problem is not None:
            raise jinja2.TemplateError(f"{filename} is a link to {os.path.realpath(filename)}, {problem}; "
                                       "it is not read")
        try:
            contents = read_regular(filename).decode(self.encoding)
        except NotRegularFile as exc:
            raise jinja2.TemplateError(f"{filename}: {exc}") from None
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        mtime = os.path.getmtime(filename)
        return contents, os.path.normpath(filename), lambda: os.path.getmtime(filename) == mtime
