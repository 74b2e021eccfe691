"""One digest of every input of a build, for "nothing changed" at once, and the digest of the templates."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from briefgen.config import SiteConfig
from briefgen.content.scan import ContentListing, content_listing, file_stamp, read_source
from briefgen.errors import Diagnostics
from briefgen.fingerprint import fingerprint, new_digest
from briefgen.incremental.cache import settings_key
from briefgen.render.theme import resolve_theme, static_files
from briefgen.site_files import open_regular


def inputs_key(config: SiteConfig, drafts: bool, known: Mapping[str, tuple[tuple[int, ...], str]]
               ) -> tuple[str, dict, ContentListing]:
    """A digest of everything a build reads (equal keys mean byte-identical output), the files' stamps,
    and the listing of content/ it was made from (for the build that may follow: build(listing=)).

    A content file whose (mtime, size) stamp is in `known` is not read: its
    digest is the known one. The stamps returned are for the next call.
    """
    # What the theme's walks say is in the key: a pipe or a link out of the site in static/ or a template
    # folder is left out of the files, and must still make the build run and say so, not find "nothing changed".
    walked = Diagnostics()
    theme = resolve_theme(config, walked)
    found = Diagnostics()  # a stray file in content/ is a warning: it changes what a build says
    stamps: dict[str, tuple[tuple[int, ...], str]] = {}  # content file -> (stamp, digest)
    listed = content_listing(config.root, found)
    files = listed.files
    for file in files:
        previous = known.get(file.rel)
        if previous is not None and previous[0] == file.stamp:
            stamps[file.rel] = previous
        else:
            source = read_source(config.root, Path(file.path), Diagnostics())
            stamps[file.rel] = (file.stamp, source.digest if source else "unreadable")
    statics = sorted((str(rel), file_stamp(path)) for rel, path in static_files(theme).items())
    key = fingerprint(settings_key(config, drafts, theme_digest(theme)),
                      list(stamps), [digest for _, digest in stamps.values()], statics,  # lists of strs: fast
                      [str(d) for d in found.items], [(a.rel, a.stamp) for a in listed.assets],
                      [str(d) for d in walked.items])
    return key, stamps, ContentListing(files, tuple(found.items), listed.assets)


def theme_digest(theme) -> str:
    """Changes when any template file or translation catalog does: every page depends on them.

    Files are named by their place in the search path and their path in their folder, not by where the
    folder is on this machine: a cache restored into a checkout elsewhere (CI) keeps its pages. A
    template that names `root` or `output_dir` may print where the site is (`site.root`): its folder is
    digested too. A pipe or device there is not read, only named (the build reports it).
    """
    digest = new_digest()
    for place, directory in enumerate((*theme.template_dirs, *theme.translation_dirs)):
        for path in sorted(directory.rglob("*")):
            data = None
            if path.is_file():  # a device of the user's is never opened
                try:
                    with open_regular(path) as file:  # made a pipe since: not read, never a hang
                        data = file.read()
                except OSError:
                    pass
            if data is not None:
                where = str(path) if b"root" in data or b"output_dir" in data else f"{place}:{path.relative_to(directory).as_posix()}"
                digest.update(where.encode() + b"\0" + data + b"\0")
            elif not path.is_dir():  # a catalog made a pipe is a change all the same: the build says what is wrong
                digest.update(f"{place}:{path.relative_to(directory).as_posix()}\0not a file\0".encode())
    return digest.hexdigest()
