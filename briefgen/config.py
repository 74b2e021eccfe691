"""site.yaml -> a frozen SiteConfig, with every key checked (the checks are in config_checks.py)."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple
from urllib.parse import urlsplit

from briefgen import urls
from briefgen.config_checks import (
    COUNT_BOUNDS,
    Checked,
    base_url_problem,
    check_base_url,
    check_cname,
    check_count,
    check_language,
    check_output_dir,
    check_text,
    check_theme,
    check_image_settings,
    check_timezone,
    describe_value,
    first_control_character,
    normalise_base_url,
    shown,
)
from briefgen.errors import BuildError, Diagnostic, Diagnostics
from briefgen.languages.settings import parse_languages, settle_languages
from briefgen.names import did_you_mean
from briefgen.site_files import read_site_file
from briefgen.yamltext.loader import normalise_text, parse_yaml_mapping

CONFIG_NAME = "site.yaml"
PLACEHOLDER_BASE_URL = "https://example.org/"


@dataclass(frozen=True, slots=True)
class TaxonomySpec:
    name: str  # plural, also the folder and URL segment: "leaders"
    singular: str  # "leader"
    title: str  # "Leaders"


DEFAULT_TAXONOMIES = (
    TaxonomySpec("leaders", "leader", "Leaders"),
    TaxonomySpec("treaties", "treaty", "Treaties"),
    TaxonomySpec("issues", "issue", "Issues"),
)


class TranslationOverride(NamedTuple):
    """One line of site.yaml's `translations:`: a text of the theme, and what the site writes instead."""

    original: str
    text: str | tuple[str, ...]  # a plural text's forms, in the language's order
    line: int | None


@dataclass(frozen=True, slots=True)
class ImageSettings:
    """site.yaml's `images:`: how images in briefings are processed (see briefgen/images/)."""

    process: bool = True  # false: images are copied as they are, with their sizes only
    widths: tuple[int, ...] = (480, 960, 1600)  # resized copies, never wider than the original
    format: str = "webp"  # the extra format of the copies beside the original's, or "none"
    quality: int = 80  # of the JPEG and WebP copies, 1–100
    max_bytes: int = 5_000_000  # an image larger than this gets a warning


@dataclass(frozen=True, slots=True)
class SiteConfig:
    root: Path
    title: str = "Briefings"
    description: str = ""
    author: str = ""
    base_url: str = PLACEHOLDER_BASE_URL
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    output_dir: str = "_site"
    taxonomies: tuple[TaxonomySpec, ...] = DEFAULT_TAXONOMIES
    autolink: bool = True
    escape_html: bool = False
    typographer: bool = True  # curly quotes, dashes and the ellipsis in body text (render/typography.py)
    toc: bool = True  # a table of contents on briefings with three or more headings; front matter's `toc` wins
    per_page: int = 10
    related_count: int = 5
    home_count: int = 8
    cname: str | None = None
    translations: tuple[TranslationOverride, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    images: ImageSettings = ImageSettings()
    image: str | None = None  # the site's image for og:image, a path under static/ ("/images/card.png")
    # Multilingual sites (briefgen/languages/): every language of the site, the default (`language`) first;
    # () for a site of one language. `language_tree` is set by the build, never by site.yaml: the folder of
    # the language whose tree this config builds ("ru/"; "" for the default language, at the root), whose
    # base_url then ends in it; `default_targets` what its links reach of the default language (see
    # render.links.make_resolver).
    languages: tuple[str, ...] = ()
    language_tree: str = ""
    default_targets: tuple[tuple[str, str, str, str], ...] = ()  # a tree's links to the default language's pages
    # Whether an entity's feed, chart and "most often named with" count the briefings whose text mentions it
    # as well as those naming it in front matter (see model/mentions.py, "folded").
    fold_mentions: bool = False

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: '/' or '/repo/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def output_path(self) -> Path:
        return (self.root / self.output_dir).resolve()

    @property
    def all_languages(self) -> tuple[str, ...]:
        """The site's languages, the default first: (language,) for a site of one language."""
        return self.languages or (self.language,)

    @property
    def default_language(self) -> str:
        return self.all_languages[0]

    @property
    def multilingual(self) -> bool:
        return len(self.all_languages) > 1

    def taxonomy(self, name: str) -> TaxonomySpec | None:
        return next((t for t in self.taxonomies if t.name == name), None)

    def with_base_url(self, base_url: str) -> SiteConfig:
        """The config with --base-url's value, held to site.yaml's rule: it lands in every link."""
        problem = base_url_problem(base_url)
        if problem is not None:
            raise BuildError([Diagnostic(None, None, f"--base-url must be an absolute http(s) URL; got "
                                                     f"{describe_value(base_url)}: {problem}.",
                                      "Pass e.g. --base-url https://user.github.io/repo/.")])
        return replace(self, base_url=normalise_base_url(base_url))

    def with_output_dir(self, output_dir: str) -> SiteConfig:
        return replace(self, output_dir=output_dir)


# key -> (type(s), what to write)
_SCALAR_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "a text, e.g. 'title: My briefing desk'"),
    "description": (str, "a text"),
    "author": (str, "a text"),
    "base_url": (str, "a URL, e.g. 'base_url: https://user.github.io/repo/'"),
    "language": (str, "a language tag, e.g. 'language: en'"),
    "timezone": (str, "an IANA time zone, e.g. 'timezone: Europe/Berlin'"),
    "theme": (str, "a theme name, e.g. 'theme: default'"),
    "output_dir": (str, "a folder name, e.g. 'output_dir: _site'"),
    "autolink": (bool, "true or false"),
    "escape_html": (bool, "true or false"),
    "typographer": (bool, "true or false"),
    "toc": (bool, "true or false"),
    "per_page": (int, "a whole number, e.g. 'per_page: 10'"),
    "related_count": (int, "a whole number, e.g. 'related_count: 5'"),
    "home_count": (int, "a whole number, e.g. 'home_count: 8'"),
    "cname": (str, "a domain name, e.g. 'cname: briefings.example.org'"),
    "image": (str, "a site path under static/, e.g. 'image: /images/card.png'"),
    "fold_mentions": (bool, "true or false, e.g. 'fold_mentions: true'"),
}
KNOWN_KEYS = frozenset(_SCALAR_KEYS) | {"taxonomies", "translations", "extra", "images", "languages"}


def load_config(root: Path, diags: Diagnostics | None = None) -> SiteConfig:
    """Read `root/site.yaml`; raises BuildError listing every problem in it."""
    diags = diags if diags is not None else Diagnostics()
    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():  # a pipe or a link is read below, and refused there
        diags.error(
            CONFIG_NAME, None, f"there is no {CONFIG_NAME} in {root}.",
            "Run briefgen in a site folder, or create one with 'briefgen new site DIR'.",
        )
        diags.raise_if_errors()
    try:
        text = normalise_text(read_site_file(path, root).decode("utf-8"))
    except OSError as exc:
        diags.error(CONFIG_NAME, None, f"{CONFIG_NAME} cannot be read: {exc.strerror or exc}.",
                    "Check that you may read it.")
        diags.raise_if_errors()
    except UnicodeDecodeError as exc:
        diags.error(CONFIG_NAME, None, f"{CONFIG_NAME} is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}).",
                    "Save it as UTF-8.")
        diags.raise_if_errors()
    config = parse_config(text, root, diags)
    diags.raise_if_errors()
    return config


def parse_config(text: str, root: Path, diags: Diagnostics) -> SiteConfig:
    rel = CONFIG_NAME
    parsed = parse_yaml_mapping(text, rel, diags, 1, what=CONFIG_NAME)
    if parsed is None:
        return SiteConfig(root=root.resolve())
    values: dict[str, Any] = {}
    for key, value in parsed.data.items():
        line = parsed.line_of(key)
        if key not in KNOWN_KEYS:
            hint = did_you_mean(key, KNOWN_KEYS) or (
                "Known keys: " + ", ".join(sorted(KNOWN_KEYS)) + ". Put your own settings under 'extra:'."
            )
            diags.error(rel, line, f"unknown setting '{shown(key)}'.", hint)
            continue
        if key == "taxonomies":
            values["taxonomies"] = _parse_taxonomies(value, parsed, diags)
            continue
        if key == "translations":
            values["translations"] = _parse_translations(value, parsed, diags)
            continue
        if key == "languages":
            values["languages"] = parse_languages(value, parsed, diags)
            continue
        if key == "images":
            settings = check_image_settings(value, parsed, diags)
            if settings is not None:
                values["images"] = settings
            continue
        if key == "extra":
            if not isinstance(value, dict):
                diags.error(rel, line, "'extra' must be a set of keys.", "Write 'extra:' then indented 'key: value' lines.")
            else:
                values["extra"] = MappingProxyType(value)
            continue
        expected, what = _SCALAR_KEYS[key]
        if value is None and key in ("cname", "image"):
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            diags.error(rel, line, f"'{key}' must be {what}; got {describe_value(value)}.")
            continue
        checked = _VALUE_CHECKS[key](key, value) if key in _VALUE_CHECKS else Checked(value)
        if checked.problem is not None:
            diags.error(rel, line, checked.problem, checked.hint)
        elif checked.value is not None:
            values[key] = checked.value
    settle_languages(values, parsed, diags)
    return SiteConfig(root=root.resolve(), **values)



_DEFAULTS = {f.name: f.default for f in fields(SiteConfig)}
# The check each value passes before the site uses it; a key not listed here is used as typed.
_VALUE_CHECKS: dict[str, Callable[[str, Any], Checked]] = {
    "title": check_text, "description": check_text, "author": check_text,
    "base_url": check_base_url, "language": check_language, "timezone": check_timezone,
    "theme": check_theme, "output_dir": check_output_dir, "cname": check_cname,
    **{key: partial(check_count, default=_DEFAULTS[key]) for key in COUNT_BOUNDS},
}


def _parse_translations(value, parsed, diags) -> tuple[TranslationOverride, ...]:
    example = "Write e.g. 'translations:' then indented lines such as '  Latest briefings: Neueste Briefings'."
    if not isinstance(value, dict):
        diags.error(CONFIG_NAME, parsed.line_of("translations"), "'translations' must be a set of texts.", example)
        return ()
    overrides = []
    for index, (original, text) in enumerate(value.items()):
        line = parsed.line_of("translations", index)
        if isinstance(text, list) and text and all(isinstance(form, str) for form in text):
            overrides.append(TranslationOverride(str(original), tuple(text), line))
        elif isinstance(text, str) and isinstance(original, str):
            overrides.append(TranslationOverride(original, text, line))
        else:
            diags.error(CONFIG_NAME, line, f"the translation of {describe_value(original)} must be a text (or, for a "
                                           f"text with a number, a list of its forms); got {describe_value(text)}.",
                        example)
    return tuple(overrides)


# --- taxonomies ---------------------------------------------------------------------------------------

# A taxonomy's name is a folder in content/, a folder and a URL segment of the site, and a key of a
# briefing's front matter; its singular is a word of messages and of the search index's filters.
_TAXONOMY_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
TAXONOMY_KEYS = ("name", "singular", "title")


def reserved_taxonomy_names() -> frozenset[str]:
    """What briefgen writes at the top of the site, its content sections, and a briefing's own keys."""
    from briefgen.content.documents import BRIEFING_KEYS  # documents imports this module
    return urls.RESERVED_TOP_LEVEL | urls.CONTENT_SECTIONS | BRIEFING_KEYS


def _parse_taxonomies(value, parsed, diags) -> tuple[TaxonomySpec, ...]:
    rel, line = CONFIG_NAME, parsed.line_of("taxonomies")
    if not isinstance(value, list) or not value:
        diags.error(rel, line, "'taxonomies' must be a list of names.", "Write e.g. 'taxonomies: [leaders, treaties, issues]'.")
        return DEFAULT_TAXONOMIES
    reserved = reserved_taxonomy_names()
    specs: list[TaxonomySpec] = []
    for index, item in enumerate(value):
        item_line = parsed.line_of("taxonomies", index)
        spec = _taxonomy_spec(item, rel, item_line, reserved, diags)
        if spec is None:
            continue
        if any(s.name == spec.name for s in specs):
            diags.error(rel, item_line, f"taxonomy '{spec.name}' is listed twice.", "Remove one of them.")
            continue
        specs.append(spec)
    return tuple(specs) or DEFAULT_TAXONOMIES


def _taxonomy_spec(item, rel, line, reserved, diags) -> TaxonomySpec | None:
    example = "Write e.g. '- countries' or '- {name: countries, singular: country, title: Countries}'."
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        diags.error(rel, line, f"a taxonomy must be a name or a mapping with 'name'; got {describe_value(item)}.",
                    example)
        return None
    ok = True
    for key in item:
        if key not in TAXONOMY_KEYS:
            diags.error(rel, line, f"unknown key '{shown(str(key))}' in the taxonomy '{shown(item['name'])}'.",
                        did_you_mean(str(key), TAXONOMY_KEYS) or f"Its keys are: {', '.join(TAXONOMY_KEYS)}.")
            ok = False
    name = item["name"]
    if not _TAXONOMY_SLUG.fullmatch(name):
        diags.error(rel, line, f"taxonomy name {describe_value(name)} must be lower-case letters, digits, '-' or '_' "
                               "(at most 64; it becomes a folder and a URL segment).", example)
        return None
    if name in reserved:
        diags.error(rel, line, f"'{name}' cannot be a taxonomy: briefgen uses that name itself "
                               f"({_reserved_use(name)}).", "Choose another name, e.g. 'countries'.")
        return None
    default = next((t for t in DEFAULT_TAXONOMIES if t.name == name), None)
    singular = item.get("singular") or (default.singular if default else _singular(name))
    title = item.get("title") or (default.title if default else name.replace("-", " ").replace("_", " ").title())
    if not isinstance(singular, str) or not _TAXONOMY_SLUG.fullmatch(singular):
        diags.error(rel, line, f"the singular of '{name}' must be lower-case letters, digits, '-' or '_'; "
                               f"got {describe_value(singular)}.", "Write e.g. 'singular: country'.")
        ok = False
    if not isinstance(title, str) or not title.strip() or first_control_character(title) is not None:
        diags.error(rel, line, f"the title of '{name}' must be a plain text; got {describe_value(title)}.",
                    "Write e.g. 'title: Countries'.")
        ok = False
    return TaxonomySpec(name, singular, title) if ok else None


def _reserved_use(name: str) -> str:
    if name in urls.RESERVED_TOP_LEVEL:
        return f"the site's /{name}{'' if '.' in name else '/'} is briefgen's own"
    if name in urls.CONTENT_SECTIONS:
        return f"content/{name}/ is a section of its own"
    return f"'{name}:' is a key of a briefing's front matter"


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith("s"):
        return plural[:-1]
    return plural


__all__ = ["SiteConfig", "TaxonomySpec", "load_config", "parse_config", "reserved_taxonomy_names"]
