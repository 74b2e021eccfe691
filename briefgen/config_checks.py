"""The checks each site.yaml value passes before the site uses it, and values shown in messages.

Every value that reaches a path, a URL, an HTML attribute or a subprocess is
checked here: base_url, language, timezone, theme, output_dir, cname, the
counts and the texts. config.py decides which key gets which check; the
same base_url rule holds site.yaml's value and --base-url's.
"""

from __future__ import annotations

import ipaddress
import locale
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from briefgen.names import did_you_mean


@dataclass(frozen=True, slots=True)
class Checked:
    """A site.yaml value as the site will use it, or what is wrong with it and what to write."""

    value: Any
    problem: str | None = None
    hint: str | None = None


def refused(key: str, value: Any, must: str, hint: str) -> Checked:
    return Checked(None, f"'{key}' must be {must}; got {describe_value(value)}.", hint)


def check_text(key: str, value: str) -> Checked:
    """Titles and descriptions land in HTML, Atom and JSON-LD: no control characters, which XML forbids."""
    bad = first_control_character(value, allow="\t\n" if key == "description" else "")
    if bad is not None:
        return refused(key, value, "plain text", f"Remove the control character U+{ord(bad):04X} from it.")
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


def check_base_url(key: str, value: str) -> Checked:
    problem = base_url_problem(value)
    if problem is not None:
        return Checked(None, f"'base_url' must be an absolute http(s) URL; got {describe_value(value)}: {problem}.",
                       _BASE_URL_EXAMPLE)
    return Checked(normalise_base_url(value))


def normalise_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


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


def check_language(key: str, value: str) -> Checked:
    if is_language_tag(value) and known_locale(value) is not None:
        return Checked(value)
    if is_language_tag(value):
        return refused(key, value, "a language whose dates and numbers briefgen can write (Babel's locales)",
                       "Check the code (ISO 639: 'de', 'uk', 'pt-BR'); a language Babel does not know cannot "
                       "be used yet.")
    return refused(key, value, "a BCP 47 language tag such as 'en', 'ru', 'pt-BR' or 'zh-Hant-TW'",
                   _language_hint(value))


def known_locale(language: str) -> Locale | None:
    """Babel's locale for a BCP 47 tag ('pt-BR', 'zh-Hant-TW'), or for its language alone; None if unknown."""
    for tag in (language, language.split("-")[0]):
        try:
            return Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return None


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


def check_timezone(key: str, value: str) -> Checked:
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


def check_theme(key: str, value: str) -> Checked:
    """A folder under themes/: one plain name, never a path that leaves it."""
    if _FOLDER_NAME.fullmatch(value) and ".." not in value:
        return Checked(value)
    return refused(key, value, "the name of a folder in themes/ (letters, digits, '-', '_', '.'; no '/' or '..')",
                   "Write e.g. 'theme: default', or 'theme: mine' for themes/mine/.")


SOURCE_FOLDERS = ("content", "static", "templates", "themes")


def check_output_dir(key: str, value: str) -> Checked:
    """A folder inside the site (build --out takes any other place, with its own checks)."""
    parts = value.rstrip("/").split("/")
    if not all(_FOLDER_NAME.fullmatch(part) and ".." not in part for part in parts) or len(parts) > 8:
        return refused(key, value, "a folder inside the site, such as '_site' or 'public/site' "
                                   "(plain names; no '..', no absolute path, no leading '.')",
                       "Write e.g. 'output_dir: _site'; to build elsewhere, pass --out DIR to build.")
    if parts[0] in SOURCE_FOLDERS:
        return refused(key, value, f"a folder of its own, not inside the site's sources ({parts[0]}/)",
                       "Write e.g. 'output_dir: _site'.")
    return Checked("/".join(parts))


def check_cname(key: str, value: str) -> Checked:
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
    return refused(key, value, "a domain name", hint)


# Sane bounds for the counts: a list page of more than a thousand briefings helps no reader, and a
# count like 10**9 is a typo, not a wish.
COUNT_BOUNDS: dict[str, tuple[int, int]] = {"per_page": (1, 1000), "related_count": (1, 100), "home_count": (1, 1000)}


def check_count(key: str, value: int, default: int) -> Checked:
    low, high = COUNT_BOUNDS[key]
    if low <= value <= high:
        return Checked(value)
    return Checked(None, f"'{key}' must be between {low} and {high}; got {describe_value(value)}.",
                   f"Write e.g. '{key}: {default}'.")


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


# --- images: -------------------------------------------------------------------------------------------

_IMAGE_KEYS = ("process", "widths", "format", "quality", "max_size_mb")
IMAGE_FORMATS = ("webp", "none")


def check_image_settings(value, parsed, diags):
    """site.yaml's `images:` as an ImageSettings, or None with an error at the line of what is wrong."""
    from briefgen.config import ImageSettings  # config imports this module

    rel, line = "site.yaml", parsed.line_of("images")
    if not isinstance(value, dict):
        diags.error(rel, line, f"'images' must be a set of keys; got {describe_value(value)}.",
                    "Write e.g. 'images: {widths: [480, 960, 1600], format: webp, quality: 80}', or 'images: {process: false}'.")
        return None
    settings, errors = {}, len(diags.errors)
    for key, item in value.items():
        if key not in _IMAGE_KEYS:
            diags.error(rel, line, f"unknown key '{shown(str(key))}' under 'images'.", "Known keys: " + ", ".join(_IMAGE_KEYS) + ".")
        elif key == "process" and isinstance(item, bool):
            settings["process"] = item
        elif key == "widths" and isinstance(item, list) and item and all(
                isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8000 for w in item) and len(item) <= 12:
            settings["widths"] = tuple(sorted(set(item)))
        elif key == "format" and item in IMAGE_FORMATS:
            settings["format"] = item
        elif key == "quality" and isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 100:
            settings["quality"] = item
        elif key == "max_size_mb" and isinstance(item, (int, float)) and not isinstance(item, bool) and 0 < item <= 10_000:
            settings["max_bytes"] = int(item * 1_000_000)
        else:
            wanted = {"process": "true or false", "widths": "a list of 1 to 12 widths in pixels, 16–8000",
                      "format": "webp or none", "quality": "a whole number 1–100",
                      "max_size_mb": "a number of megabytes, e.g. 5"}[key]
            diags.error(rel, line, f"'images: {key}' must be {wanted}; got {describe_value(item)}.")
    return ImageSettings(**settings) if len(diags.errors) == errors else None
