"""Which output paths the site will write and what asks for each: checked before anything is rendered.

`check` and `build` run the same check on the same claims, so a collision
(two things writing one path, or a file where another needs a folder) or a
path into a hidden folder of the output is found by both, and reported at
the content file and line that asked for the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from briefgen.content.frontmatter import split_front_matter
from briefgen.errors import Diagnostics
from briefgen.site_files import read_regular

SEARCH_FOLDER = "pagefind"  # search.BUNDLE_DIR: the search index owns everything under it


@dataclass(frozen=True, slots=True)
class Claim:
    """An output path and what asks for it.

    For a content file, `source` is the file (relative to the site folder)
    and `key`/`value` the front-matter entry that gives the path, so that a
    message can point at its line; built-in pages and static files have none.
    """

    rel_path: str  # as Output.rel_path
    origin: str  # for messages: "content/briefings/x.md", "the 2026 archive", "static/favicon.svg"
    source: str | None = None
    key: str | None = None  # "slug" (or the file name, when not given), "aliases"
    value: str | None = None  # the alias, for "aliases"

    @property
    def from_content(self) -> bool:
        return self.source is not None


def check_claims(claims: Iterable[Claim], root: Path, diags: Diagnostics) -> None:
    """Report every path two claims share, every file another claim needs as a folder, every path into a
    hidden folder, and every page in the search index's folder."""
    claims = list(claims)
    by_path: dict[str, Claim] = {}
    for claim in claims:
        hidden = _hidden_part(claim)
        if hidden is not None:
            _report(diags, root, claim, f"{_asker(claim)} would write '{claim.rel_path}', inside the hidden "
                    f"'{hidden}' of the output folder, which briefgen leaves to you (a kept .git, say).",
                    "Use a path none of whose parts starts with '.'; only static/.well-known/ is published.")
            continue
        if claim.rel_path.split("/", 1)[0] == SEARCH_FOLDER:
            _report(diags, root, claim, f"{_asker(claim)} would write '{claim.rel_path}', inside "
                    f"{SEARCH_FOLDER}/, where the search index lives.", "Use another path.")
            continue
        unusable = _WINDOWS_RESERVED.search(claim.rel_path)
        if unusable is not None:
            _report(diags, root, claim, f"{_asker(claim)} would write '{claim.rel_path}', a name with "
                    f"'{unusable.group()}', which Windows does not allow in a file name.",
                    "Rename it: the site could not be checked out or copied on Windows.")
            continue
        first = by_path.get(claim.rel_path)
        if first is not None:
            _report_pair(diags, root, first, claim, f"'{claim.rel_path}'")
            continue
        by_path[claim.rel_path] = claim
    _check_case(by_path, root, diags)
    folders: dict[str, Claim] = {}
    for claim in by_path.values():
        parts = claim.rel_path.split("/")
        for depth in range(1, len(parts)):
            folders.setdefault("/".join(parts[:depth]), claim)
    for folder, inner in folders.items():
        file_claim = by_path.get(folder)
        if file_claim is not None:
            _report_pair(diags, root, file_claim, inner, f"'{folder}' (a file of one, a folder of the other)")


# Characters Windows refuses in a file name (a URL would carry them, but the output folder could not).
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*\\\x00-\x1f]')


def _check_case(by_path: dict[str, Claim], root: Path, diags: Diagnostics) -> None:
    """Paths that differ only in case are one file on macOS's and Windows' usual file systems: one would
    overwrite the other when the site is copied or checked out there."""
    by_folded: dict[str, Claim] = {}
    for path, claim in by_path.items():
        first = by_folded.setdefault(path.casefold(), claim)
        if first is not claim:
            _report_pair(diags, root, first, claim, f"'{first.rel_path}' and '{path}', names that differ only "
                         f"in case (one file on macOS and Windows)", verb="write")


def _hidden_part(claim: Claim) -> str | None:
    """The first part of the path that starts with '.', unless it is one of the few briefgen publishes."""
    parts = claim.rel_path.split("/")
    if claim.rel_path == ".nojekyll":
        return None  # GitHub Pages' switch, written by briefgen or from static/
    if parts[0] == ".well-known" and claim.origin.startswith("static/"):
        return None  # the site's own .well-known/ (security.txt, …), as the README documents
    return next((f"{part}/" if i < len(parts) - 1 else part for i, part in enumerate(parts) if part.startswith(".")),
                None)


def _asker(claim: Claim) -> str:
    """What asks for the path, as the message at the claim's own line names it."""
    if claim.key == "aliases":
        return f"alias '/{claim.value}'"
    if claim.from_content:
        return "this file's page"
    return claim.origin


def _report_pair(diags: Diagnostics, root: Path, first: Claim, second: Claim, what: str, verb: str = "both write"
                 ) -> None:
    """One message for two claims, at the content file's line where there is one (the later one's if both)."""
    at, other = (second, first) if second.from_content or not first.from_content else (first, second)
    where = other.origin
    if other.from_content:
        line = claim_line(root, other)
        where = f"{other.source}:{line}" if line else other.source
        where = f"alias '/{other.value}' in {where}" if other.key == "aliases" else f"the page of {where}"
    _report(diags, root, at, f"{_asker(at)} and {where} {verb} {what}.",
            "Change one of the two paths (a slug, an alias, or a file in static/).")


def _report(diags: Diagnostics, root: Path, claim: Claim, message: str, hint: str) -> None:
    if claim.from_content:
        diags.error(PurePosixPath(claim.source), claim_line(root, claim), message, hint)
    else:
        diags.error(claim.origin if "/" in claim.origin else None, None, message, hint)


def claim_line(root: Path, claim: Claim) -> int | None:
    """The line of the front-matter entry that gives a claim's path; read again from the file, since only a
    message needs it. A path made from the file name is at line 1."""
    if claim.source is None:
        return None
    try:
        text = read_regular(root / claim.source).decode("utf-8")  # a pipe: an OSError, never a hang
    except (OSError, UnicodeDecodeError):
        return None
    front = split_front_matter(text, PurePosixPath(claim.source), Diagnostics())
    if front is None or claim.key not in front.data:
        return 1
    if claim.key == "aliases":
        given = front.data["aliases"]
        if isinstance(given, list):
            for index, item in enumerate(given):
                if str(item).strip().strip("/") + "/" == claim.value:
                    return front.line_of("aliases", index)
    return front.line_of(claim.key)
