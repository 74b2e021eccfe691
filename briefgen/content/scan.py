"""Walk content/ and read each file: the only reading of content besides the cache."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Collection, Mapping

from briefgen.errors import Diagnostics
from briefgen.fingerprint import digest_bytes
from briefgen.site_files import NotRegularFile, check_link, check_top, is_set_aside, read_regular, real_home, walk_files


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    rel: PurePosixPath  # relative to the site root: content/briefings/x.md
    section: str  # first folder under content/: briefings, pages, leaders, …
    text: str | None  # None: not read, its digest known from the last build and its parse cached
    digest: str
    stamp: tuple[int, ...] = ()  # file_stamp() when read: unchanged stamp, unchanged file


def scan_sources(root: Path, diags: Diagnostics, known: Mapping[str, Source] | None = None,
                 stamps: Mapping[str, tuple[tuple[int, ...], str]] | None = None,
                 parsed: Callable[[str, str], bool] | None = None,
                 changed: Collection[str] | None = None, listing: ContentListing | None = None) -> list[Source]:
    """Every Markdown file under content/, in a stable order.

    A file whose stamp (modification and change times, size) equals that of
    its `known` Source (by path, as in ContentFile.rel) is not read again:
    serve keeps the last build's sources. Nor is one whose stamp is as in
    `stamps` (path -> (stamp, digest)) when `parsed(path, digest)` says its
    parse is cached: its Source comes without text. `changed` (serve, from
    the watcher's events) names the only content files that may have changed;
    when they are all `known`, the others are not even looked at. A
    `listing` of content/ taken just before (the CLI's) is used as it is.
    """
    known, stamps = known or {}, stamps or {}
    if changed is not None and known and all(rel in known for rel in changed):
        return _rescan(root, diags, known, changed)
    sources: list[Source] = []
    if listing is not None:
        diags.extend(listing.diagnostics)
    for entry in listing.files if listing is not None else content_files(root, diags):
        previous = known.get(entry.rel)
        if previous is not None and previous.stamp == entry.stamp:
            sources.append(previous)
            continue
        stamped = stamps.get(entry.rel)
        if stamped is not None and stamped[0] == entry.stamp and parsed is not None and parsed(entry.rel, stamped[1]):
            rel = PurePosixPath(entry.rel)
            sources.append(Source(Path(entry.path), rel, rel.parts[1], None, stamped[1], entry.stamp))
            continue
        source = read_source(root, Path(entry.path), diags)
        if source is not None:
            sources.append(source)
    return sources


def _rescan(root: Path, diags: Diagnostics, known: Mapping[str, Source], changed: Collection[str]) -> list[Source]:
    """The known sources with the changed ones read again; a file gone since falls back to a full scan."""
    sources = []
    for rel, previous in known.items():
        if rel not in changed:
            sources.append(previous)
            continue
        stamp = file_stamp(previous.path)
        if stamp is None:  # deleted or moved away: what else changed is for a full scan to find
            return scan_sources(root, diags, known)
        if not still_readable(root, previous.path, diags):
            continue
        source = previous if stamp == previous.stamp else read_source(root, previous.path, diags)
        if source is not None:
            sources.append(source)
    return sources


@dataclass(frozen=True, slots=True)
class ContentFile:
    path: str
    rel: str  # relative to the site root, with "/": content/briefings/x.md
    stamp: tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class ContentListing:
    """content_files() of a moment, with what it said."""

    files: list[ContentFile]
    diagnostics: tuple
    assets: list[ContentFile] | None = None  # the other files of content/ (a bundle's images, PDFs); None: not listed


def content_files(root: Path, diags: Diagnostics) -> list[ContentFile]:
    """Every content file that is built, in the order of their paths' parts (see content_listing)."""
    return content_listing(root, diags).files


# Markdown by its name that is not a source: another extension (x.markdown, x.MD), or a copy of a source
# under a further suffix (x.md.orig that a merge leaves, nano's x.md.save, "x (conflicted copy).md.txt").
# Published as a file of the site, it would give readers its text as written, a draft's included.
_UNBUILT_MARKDOWN = re.compile(r"\.(?:md|markdown|mdown|mkdn?|mdx)(?:\.[^.]+)*$", re.IGNORECASE)


def content_listing(root: Path, diags: Diagnostics) -> ContentListing:
    """The Markdown files of content/ and, in `assets`, its other files (images, PDFs beside a briefing).

    Walked once by site_files.walk_files: a linked file or folder is followed
    only when it stays inside the site, and a pipe or device is an error,
    never read (see site_files).
    """
    content = root / "content"
    if not content.is_dir():
        diags.error("content", None, "there is no content/ folder.",
                    "Create content/briefings/ and put your briefings there.")
        return ContentListing([], (), [])
    found: list[ContentFile] = []
    assets: list[ContentFile] = []
    for file in walk_files(str(content), "content", real_home(root), diags, skip=is_set_aside):
        if not file.rel.endswith(".md"):
            if _UNBUILT_MARKDOWN.search(file.rel.rpartition("/")[2]):
                diags.warning(file.rel, None, "this looks like Markdown that is not built (another extension, or a "
                                              "copy of a source), so it is not published either: readers never "
                                              "get a source as written.",
                              "Name a briefing or page <name>.md to build it; delete a copy left by an editor, a "
                              "merge or a sync tool.")
            elif file.rel.count("/") > 1:  # a file directly in content/ belongs to no section
                assets.append(ContentFile(file.path, file.rel, file.stamp))
            continue
        if file.rel.count("/") == 1:
            diags.warning(file.rel, None, "files directly in content/ are not built.",
                          "Move it into content/briefings/ or content/pages/.")
            continue
        found.append(ContentFile(file.path, file.rel, file.stamp))
    return ContentListing(found, (), assets)


def still_readable(root: Path, path: Path, diags: Diagnostics) -> bool:
    """Whether a known content file may still be read as it was walked: serve re-reads a saved file without
    walking content/ again, and the save may have made it a link out of the site or a pipe."""
    rel = path.relative_to(root).as_posix()
    home = real_home(root)
    if os.path.islink(path) and check_link(str(path), rel, home, diags) is None:
        return False
    if check_top(str(path.parent), str(PurePosixPath(rel).parent), home, diags) is None:
        return False
    return True


def file_stamp(path: Path | str) -> tuple[int, int, int] | None:
    """(mtime, ctime, size): ctime because tools that restore a modification time cannot restore it."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size


def read_source(root: Path, path: Path, diags: Diagnostics) -> Source | None:
    rel = PurePosixPath(path.relative_to(root).as_posix())
    stamp = file_stamp(path)
    try:
        data = read_regular(path)
    except NotRegularFile as exc:
        diags.error(rel, None, f"{exc}; briefgen reads only regular files.",
                    "Remove it, or move it out of the site folder.")
        return None
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            diags.error(rel, None, f"the file is a link to {os.readlink(path)}, which does not exist.",
                        "Remove the link or point it at an existing file.")
        else:
            diags.error(rel, None, f"the file cannot be read: {exc.strerror or exc}.",
                        "Check that it exists and that you may read it.")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(rel, line, f"the file is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be decoded.",
                    "Save the file as UTF-8 in your editor.", col=col)
        return None
    return Source(path, rel, rel.parts[1], text, digest_bytes(data), stamp or ())
