"""site.yaml -> a frozen SiteConfig, with every key checked."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import urlsplit

from briefgen.errors import BuildError, Diagnostics, did_you_mean
from briefgen.frontmatter import normalise_text, parse_yaml_mapping

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
    per_page: int = 10
    related_count: int = 5
    home_count: int = 8
    cname: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

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

    def taxonomy(self, name: str) -> TaxonomySpec | None:
        return next((t for t in self.taxonomies if t.name == name), None)

    def with_base_url(self, base_url: str) -> SiteConfig:
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
    "per_page": (int, "a whole number, e.g. 'per_page: 10'"),
    "related_count": (int, "a whole number, e.g. 'related_count: 5'"),
    "home_count": (int, "a whole number, e.g. 'home_count: 8'"),
    "cname": (str, "a domain name, e.g. 'cname: briefings.example.org'"),
}
KNOWN_KEYS = frozenset(_SCALAR_KEYS) | {"taxonomies", "extra"}


def load_config(root: Path, diags: Diagnostics | None = None) -> SiteConfig:
    """Read `root/site.yaml`; raises BuildError listing every problem in it."""
    diags = diags if diags is not None else Diagnostics()
    path = root / CONFIG_NAME
    if not path.is_file():
        diags.error(
            CONFIG_NAME, None, f"there is no {CONFIG_NAME} in {root}.",
            "Run briefgen in a site folder, or create one with 'briefgen new site DIR'.",
        )
        diags.raise_if_errors()
    try:
        text = normalise_text(path.read_bytes().decode("utf-8"))
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
            diags.error(rel, line, f"unknown setting '{key}'.", hint)
            continue
        if key == "taxonomies":
            values["taxonomies"] = _parse_taxonomies(value, rel, line, diags)
            continue
        if key == "extra":
            if not isinstance(value, dict):
                diags.error(rel, line, "'extra' must be a set of keys.", "Write 'extra:' then indented 'key: value' lines.")
            else:
                values["extra"] = MappingProxyType(value)
            continue
        expected, what = _SCALAR_KEYS[key]
        if value is None and key == "cname":
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            diags.error(rel, line, f"'{key}' must be {what}; got {describe_value(value)}.")
            continue
        values[key] = value

    if "base_url" in values:
        url = urlsplit(values["base_url"])
        if url.scheme not in ("http", "https") or not url.netloc:
            diags.error(rel, parsed.line_of("base_url"),
                        f"'base_url' must be an absolute http(s) URL; got '{values['base_url']}'.",
                        "Write e.g. 'base_url: https://user.github.io/repo/'.")
            del values["base_url"]
        else:
            values["base_url"] = normalise_base_url(values["base_url"])
    if "timezone" in values:
        try:
            zoneinfo.ZoneInfo(values["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            diags.error(rel, parsed.line_of("timezone"), f"unknown time zone '{values['timezone']}'.",
                        "Use an IANA name such as 'UTC', 'Europe/London' or 'America/New_York'.")
            del values["timezone"]
    for key in ("per_page", "related_count", "home_count"):
        if key in values and values[key] < 1:
            diags.error(rel, parsed.line_of(key), f"'{key}' must be at least 1; got {values[key]}.")
            del values[key]
    return SiteConfig(root=root.resolve(), **values)


def normalise_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _parse_taxonomies(value, rel, line, diags) -> tuple[TaxonomySpec, ...]:
    if not isinstance(value, list) or not value:
        diags.error(rel, line, "'taxonomies' must be a list of names.", "Write e.g. 'taxonomies: [leaders, treaties, issues]'.")
        return DEFAULT_TAXONOMIES
    specs: list[TaxonomySpec] = []
    for item in value:
        if isinstance(item, str):
            name, singular, title = item, None, None
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            name, singular, title = item["name"], item.get("singular"), item.get("title")
        else:
            diags.error(rel, line, f"a taxonomy must be a name or a mapping with 'name'; got {describe_value(item)}.")
            continue
        if not name or not name.replace("_", "").replace("-", "").isalnum() or name != name.lower():
            diags.error(rel, line, f"taxonomy name '{name}' must be lower-case letters, digits, '-' or '_'.")
            continue
        if name in ("briefings", "pages", "search", "page"):
            diags.error(rel, line, f"'{name}' cannot be a taxonomy: briefgen uses that URL itself.")
            continue
        if any(s.name == name for s in specs):
            diags.error(rel, line, f"taxonomy '{name}' is listed twice.")
            continue
        default = next((t for t in DEFAULT_TAXONOMIES if t.name == name), None)
        singular = singular or (default.singular if default else _singular(name))
        title = title or (default.title if default else name.replace("-", " ").replace("_", " ").title())
        specs.append(TaxonomySpec(name, str(singular), str(title)))
    return tuple(specs) or DEFAULT_TAXONOMIES


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith("s"):
        return plural[:-1]
    return plural


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{value}'"


__all__ = ["SiteConfig", "TaxonomySpec", "load_config", "parse_config", "BuildError", "describe_value"]
