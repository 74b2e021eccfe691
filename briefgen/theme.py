"""Template search path, the Jinja environment, and the static files of theme and site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from briefgen.config import SiteConfig
from briefgen.errors import Diagnostics
from briefgen.sources import is_ignored


def packaged_theme_dir() -> Path:
    """The default theme: inside the installed wheel, or at the top of a source checkout.

    The wheel force-includes the repository's top-level themes/default/ as
    briefgen/themes/default/; an editable install runs from the checkout, where
    the one copy lives beside the package.
    """
    package = Path(__file__).resolve().parent
    installed = package / "themes" / "default"
    if installed.is_dir():
        return installed
    return package.parent / "themes" / "default"


@dataclass(frozen=True, slots=True)
class Theme:
    template_dirs: tuple[Path, ...]  # first hit wins
    static_dirs: tuple[Path, ...]  # later ones win, file by file
    default_templates: Path

    def all_dirs(self) -> tuple[Path, ...]:
        return (*self.template_dirs, *self.static_dirs)


def resolve_theme(config: SiteConfig, diags: Diagnostics) -> Theme:
    packaged = packaged_theme_dir()
    site_theme = config.root / "themes" / config.theme
    template_dirs: list[Path] = [config.root / "templates"]
    static_dirs: list[Path] = [packaged / "static"]
    if config.theme != "default" or site_theme.is_dir():
        if not site_theme.is_dir():
            available = sorted(p.name for p in (config.root / "themes").glob("*") if p.is_dir())
            available = sorted({"default", *available})
            diags.error("site.yaml", None, f"theme '{config.theme}' not found in themes/.",
                        f"Available themes: {', '.join(available)}.")
        elif site_theme.resolve() != packaged.resolve():
            template_dirs.append(site_theme / "templates")
            static_dirs.append(site_theme / "static")
    template_dirs.append(packaged / "templates")
    static_dirs.append(config.static_dir)
    return Theme(
        tuple(d for d in template_dirs if d.is_dir()),
        tuple(d for d in static_dirs if d.is_dir()),
        packaged / "templates",
    )


def create_environment(theme: Theme) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
        # An override may extend the stock template of the same name:
        # {% extends "default/briefing.html" %}
        jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(theme.default_templates))}),
    ])
    return jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def static_files(theme: Theme) -> dict[str, Path]:
    """Output path -> file to copy; a site's static/ wins over the theme's, file by file."""
    files: dict[str, Path] = {}
    for directory in theme.static_dirs:
        for path in sorted(directory.rglob("*")):
            rel = path.relative_to(directory)
            if path.is_file() and not any(is_ignored(p) and p != ".well-known" and p != ".nojekyll"
                                          for p in rel.parts):
                files[rel.as_posix()] = path
    return files
