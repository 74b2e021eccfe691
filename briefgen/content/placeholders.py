"""What `briefgen new briefing` leaves for the writer to replace, and the warnings when it is still there.

A skeleton that builds is easy to publish by mistake: these warnings make `check` (and `build`) say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from briefgen.errors import Diagnostics

PLACEHOLDER_SOURCE_TITLE = "Source title"
PLACEHOLDER_SOURCE_URL = "https://example.org/source"
SKELETON_BODY = "## What happened\n\n\n## Why it matters\n\n"

# RFC 2606 and RFC 6761 reserve these for examples: a source there is never a real source.
_EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


def is_example_url(url: str) -> bool:
    host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in _EXAMPLE_DOMAINS)


def warn_placeholder_source(rel: PurePosixPath, line: int | None, index: int, title: str | None, url: str,
                            diags: Diagnostics) -> None:
    if is_example_url(url):
        diags.warning(rel, line, f"source {index + 1} points at {urlsplit(url.strip()).hostname}, an address "
                                 "reserved for examples.", "Replace it with the real source's URL, or remove it.")
    elif title == PLACEHOLDER_SOURCE_TITLE:
        diags.warning(rel, line, f"source {index + 1} still has the skeleton's title '{PLACEHOLDER_SOURCE_TITLE}'.",
                      "Write the source's own title.")


def warn_skeleton_body(rel: PurePosixPath, body: str, body_line: int, diags: Diagnostics) -> None:
    """The body is nothing but the skeleton's headings, with no text under them."""
    headings = [line.strip() for line in body.splitlines() if line.strip()]
    if headings and headings == _skeleton_headings():
        diags.warning(rel, body_line, "the body is still the skeleton's empty headings.",
                      "Write the briefing under them, or remove the file.")


def _skeleton_headings() -> Sequence[str]:
    return [line for line in SKELETON_BODY.splitlines() if line]
