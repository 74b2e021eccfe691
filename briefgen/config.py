"""site.yaml -> a frozen SiteConfig, with every key checked."""

from __future__ import annotations

import ipaddress
import locale
import re
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import urlsplit

from briefgen import urls
from briefgen.errors import BuildError, Diagnostic, Diagnostics
from briefgen.names import did_you_mean
from briefgen.yamltext.loader import normalise_text, parse_yaml_mapping
from briefgen.site_files import read_site_file

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
    "per_page": (int, "a whole number, e.g. 'per_page: 10'"),
    "related_count": (int, "a whole number, e.g. 'related_count: 5'"),
    "home_count": (int, "a whole number, e.g. 'home_count: 8'"),
    "cname": (str, "a domain name, e.g. 'cname: briefings.example.org'"),
}
KNOWN_KEYS = frozenset(_SCALAR_KEYS) | {"taxonomies", "extra"}

# Sane bounds for the counts: a list page of more than a thousand briefings helps no reader, and a
# count like 10**9 is a typo, not a wish.
COUNT_BOUNDS: dict[str, tuple[int, int]] = {"per_page": (1, 1000), "related_count": (1, 100), "home_count": (1, 1000)}


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
        checked = _VALUE_CHECKS[key](key, value) if key in _VALUE_CHECKS else Checked(value)
        if checked.problem is not None:
            diags.error(rel, line, checked.problem, checked.hint)
        elif checked.value is not None:
            values[key] = checked.value
    return SiteConfig(root=root.resolve(), **values)


def normalise_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


# --- each value that reaches a path, a URL, an HTML attribute or a subprocess is checked --------------


@dataclass(frozen=True, slots=True)
class Checked:
    """A site.yaml value as the site will use it, or what is wrong with it and what to write."""

    value: Any
    problem: str | None = None
    hint: str | None = None


def _refused(key: str, value: Any, must: str, hint: str) -> Checked:
    return Checked(None, f"'{key}' must be {must}; got {describe_value(value)}.", hint)


def _check_text(key: str, value: str) -> Checked:
    """Titles and descriptions land in HTML, Atom and JSON-LD: no control characters, which XML forbids."""
    bad = first_control_character(value, allow="\t\n" if key == "description" else "")
    if bad is not None:
        return _refused(key, value, "plain text", f"Remove the control character U+{ord(bad):04X} from it.")
    if key == "title" and not value.strip():
        return Checked(None, "'title' is empty.", "Write e.g. 'title: My briefing desk'.")
    return Checked(value)


def first_control_character(text: str, allow: str = "") -> str | None:
    """The first character no page or feed may carry: C0/C1 controls, surrogates, noncharacters."""
    for char in text:
        if char in allow:
            continue
        code = ord(char)
        if (code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF
                or code & 0xFFFE == 0xFFFE or char in "\u2028\u2029"):
            return char
    return None


# RFC 3986: what a URL's path may hold without escaping (the quote marks and '<>' need escaping).
_URL_PATH_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~!$&()*+,;=:@-]|%[0-9A-Fa-f]{2})+")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
_BASE_URL_EXAMPLE = "Write e.g. 'base_url: https://user.github.io/repo/' (or https://your.domain/ at a domain's root)."


def base_url_problem(url: str) -> str | None:
    """What is wrong with a base URL (site.yaml's base_url, or --base-url), or None.

    It is put in front of every link, in every page, feed and the sitemap: an absolute http(s)
    URL with a host name, no user name, query or fragment, and a path of plain segments.
    """
    if first_control_character(url) is not None or any(c.isspace() for c in url):
        return "it contains a space or a control character"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"it cannot be read as a URL ({exc})"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "it is not an absolute http(s) URL"
    if "@" in parts.netloc:
        return "it has a user name or password in it"
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return "it has a query ('?') or a fragment ('#')"
    if port is not None and not 0 < port < 65536:
        return f"its port {port} is out of range"
    if not is_host_name(parts.hostname or "", allow_ip=True, allow_single_label=True):
        return f"'{shown(parts.hostname or '')}' is not a host name (letters, digits, '-' and dots; an IDN in its xn-- form)"
    segments = parts.path.split("/")[1:-1] if parts.path.endswith("/") else parts.path.split("/")[1:]
    for segment in segments:
        if segment in ("", ".", "..") or not _URL_PATH_SEGMENT.fullmatch(segment):
            return (f"its path '{shown(parts.path)}' has the segment '{shown(segment)}'; write plain segments "
                    "(letters, digits, '-', '_', '.', '~', or %XX escapes)")
    return None


def is_host_name(host: str, *, allow_ip: bool = False, allow_single_label: bool = False) -> bool:
    """An ASCII host name (RFC 1123), or an IP address when allowed."""
    if allow_ip and (_IPV4.fullmatch(host) or host.startswith("[") or ":" in host):
        return bool(_IPV4.fullmatch(host)) or _is_ipv6(host.strip("[]"))
    labels = host.split(".")
    if len(host) > 253 or (len(labels) < 2 and not allow_single_label):
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _check_base_url(key: str, value: str) -> Checked:
    problem = base_url_problem(value)
    if problem is not None:
        return Checked(None, f"'base_url' must be an absolute http(s) URL; got {describe_value(value)}: {problem}.",
                       _BASE_URL_EXAMPLE)
    return Checked(normalise_base_url(value))


# RFC 5646 (BCP 47), well-formed tags. The primary language is the 2-3 letter ISO 639 code: no 4- or
# 5-8-letter primary subtag is registered, and 'english' is a name, not a tag. Pagefind names its
# index files after the tag, and every page carries it in <html lang>.
_LANGUAGE_TAG = re.compile(
    r"""
    (?: [a-z]{2,3} (?:-[a-z]{3}){0,3}              # language, extended language subtags
        (?:-[a-z]{4})?                             # script: Latn, Hant
        (?:-(?:[a-z]{2}|[0-9]{3}))?                # region: BR, TW, 419
        (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*   # variants: 1996, valencia
        (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*       # extensions: u-ca-gregory
        (?:-x(?:-[a-z0-9]{1,8})+)?                 # private use
    | x(?:-[a-z0-9]{1,8})+                         # private use only
    | i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)
    | en-gb-oed | sgn-(?:be-fr|be-nl|ch-de)        # the irregular grandfathered tags
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)
_LANGUAGE_TAG_MAX = 35  # RFC 5646 section 4.4.1: the length every implementation must accept


def is_language_tag(text: str) -> bool:
    return len(text) <= _LANGUAGE_TAG_MAX and text.isascii() and _LANGUAGE_TAG.fullmatch(text) is not None


def _check_language(key: str, value: str) -> Checked:
    if is_language_tag(value):
        return Checked(value)
    return _refused(key, value, "a BCP 47 language tag such as 'en', 'ru', 'pt-BR' or 'zh-Hant-TW'",
                    _language_hint(value))


def _language_hint(value: str) -> str:
    if value.strip() != value and is_language_tag(value.strip()):
        return f"Write it without spaces or line breaks: 'language: {value.strip()}'."
    dashed = value.strip().replace("_", "-")
    if "_" in value and is_language_tag(dashed):
        return f"Write 'language: {dashed}' (a hyphen, not an underscore)."
    # The C library's alias table knows 'english', 'russian', 'portuguese'…
    code = locale.locale_alias.get(value.lower(), "").split("_")[0].split(".")[0]
    if value.isalpha() and is_language_tag(code):
        return f"Write the code, not the name: 'language: {code}'."
    return "Write the language's ISO 639 code, with a region or script if you need one: 'language: pt-BR'."


_TIME_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")


def _check_timezone(key: str, value: str) -> Checked:
    hint = "Use an IANA name such as 'UTC', 'Europe/London' or 'America/New_York'."
    # The name is a path into the tz database: nothing but plain name segments reaches it.
    if len(value) <= 64 and _TIME_ZONE_NAME.fullmatch(value):
        try:
            zoneinfo.ZoneInfo(value)
            return Checked(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
        hint = did_you_mean(value, zoneinfo.available_timezones(), similarity=0.6) or hint
    return Checked(None, f"unknown time zone {describe_value(value)}.", hint)


_FOLDER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")


def _check_theme(key: str, value: str) -> Checked:
    """A folder under themes/: one plain name, never a path that leaves it."""
    if _FOLDER_NAME.fullmatch(value) and ".." not in value:
        return Checked(value)
    return _refused(key, value, "the name of a folder in themes/ (letters, digits, '-', '_', '.'; no '/' or '..')",
                    "Write e.g. 'theme: default', or 'theme: mine' for themes/mine/.")


SOURCE_FOLDERS = ("content", "static", "templates", "themes")


def _check_output_dir(key: str, value: str) -> Checked:
    """A folder inside the site (build --out takes any other place, with its own checks)."""
    parts = value.rstrip("/").split("/")
    if not all(_FOLDER_NAME.fullmatch(part) and ".." not in part for part in parts) or len(parts) > 8:
        return _refused(key, value, "a folder inside the site, such as '_site' or 'public/site' "
                                    "(plain names; no '..', no absolute path, no leading '.')",
                        "Write e.g. 'output_dir: _site'; to build elsewhere, pass --out DIR to build.")
    if parts[0] in SOURCE_FOLDERS:
        return _refused(key, value, f"a folder of its own, not inside the site's sources ({parts[0]}/)",
                        "Write e.g. 'output_dir: _site'.")
    return Checked("/".join(parts))


def _check_cname(key: str, value: str) -> Checked:
    """GitHub Pages reads CNAME as one bare host name."""
    host = value.strip()
    if not host:
        return Checked(None)  # 'cname: ""': no custom domain, like leaving it out
    if is_host_name(host):
        return Checked(host.lower())
    hint = "Write the domain alone, e.g. 'cname: briefings.example.org' (no https://, no path or port)."
    if "://" in host or "/" in host or ":" in host:
        bare = urlsplit(host if "://" in host else "//" + host).hostname or ""
        if is_host_name(bare):
            hint = f"Write the domain alone: 'cname: {bare}'."
    elif not host.isascii():
        hint = "Write an international domain in its xn-- (punycode) form."
    return _refused(key, value, "a domain name", hint)


def _check_count(key: str, value: int) -> Checked:
    low, high = COUNT_BOUNDS[key]
    if low <= value <= high:
        return Checked(value)
    return Checked(None, f"'{key}' must be between {low} and {high}; got {describe_value(value)}.",
                   f"Write e.g. '{key}: {_DEFAULTS[key]}'.")


_DEFAULTS = {f.name: f.default for f in fields(SiteConfig)}
_VALUE_CHECKS = {
    "title": _check_text, "description": _check_text, "author": _check_text,
    "base_url": _check_base_url, "language": _check_language, "timezone": _check_timezone,
    "theme": _check_theme, "output_dir": _check_output_dir, "cname": _check_cname,
    **{key: _check_count for key in COUNT_BOUNDS},
}


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


# --- showing values in messages -------------------------------------------------------------------------

SHOWN_LENGTH = 60


def shown(text: str, limit: int = SHOWN_LENGTH) -> str:
    """A user's text as a message quotes it: bounded, with invisible characters made visible."""
    cut = text[:limit]
    visible = "".join(f"\\u{ord(c):04x}" if first_control_character(c) is not None else c for c in cut)
    return visible + ("…" if len(text) > limit else "")


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int) and abs(value) >= 10**20:
        return "a number of more than 20 digits"  # and str() of a huge int is slow, or refused
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{shown(str(value))}'"


__all__ = ["SiteConfig", "TaxonomySpec", "load_config", "parse_config", "BuildError", "describe_value",
           "base_url_problem", "is_language_tag", "shown"]
