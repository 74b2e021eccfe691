"""The kept site: a copy of the last build's pages in the cache folder, for a checkout without its output folder.

A CI runner starts from a fresh checkout: the cache folder comes back
(restored by actions/cache), the output folder does not. Everything the
cache holds is keyed by content (digests of sources, the jobs'
fingerprints), but the pages themselves live in the output folder: without
it, every page would be rendered and indexed for search again. With
`briefgen build --cache-pages` the cache folder also keeps the written
files in `.briefgen-cache/site/`, hard links of the output's (no second
copy on disk), each listed with the identity it was written under and the
digest of its bytes. They are laid out flat, by a digest of their path (see
kept_file), not as the site's tree: making the 16,000 folders of a large
site again costs seconds on some file systems, and the cache is only ever
read through its list. When the output folder is missing, the kept files
whose bytes still have their digest are linked, with their identities,
into the folder the new site is then staged in, and the build goes on as if
the site had been there: only what changed is made again, and what did not
stays where it was linked. Two processes restore it beside the modelling
(output/folder_stat.py): one digests the kept files, the other links them
all; those whose digest differs are unlinked again before the write.
A file whose digest differs (a damaged cache, a page edited in place
through its other link) is left out and made again; one whose identity is
another's (a cache from another site) is never reused, as ever.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from briefgen.fingerprint import digest_bytes, digest_text
from briefgen.output.workspace import CACHE_DIR, make_marked_folder
from briefgen.output.files import link_or_copy, make_folder
from briefgen.output.writer import CHANGED_WHILE_BUILDING, Manifest, Written, file_stamp
from briefgen.site_files import open_regular

KEPT_DIR = "site"  # in the cache folder


class KeptPage(NamedTuple):
    """A file of the kept site: the identity it was written under (see writer._identity) and its bytes' digest."""

    identity: str
    digest: str


KeptPages = dict[str, KeptPage]  # output path -> KeptPage


def kept_folder(root: Path) -> Path:
    return root / CACHE_DIR / KEPT_DIR


def kept_file(folder: Path | str, name: str) -> str:
    """Where the kept copy of the output file `name` is in the kept folder: one of 256 folders."""
    key = digest_text(name)
    return f"{folder}/{key[:2]}/{key}"


def verified_pages(root: Path, kept: KeptPages) -> set[str]:
    """The kept files whose bytes still have the digest they were kept with: those a build may reuse."""
    folder = str(kept_folder(root))
    names = [name for name in kept if _inside(name)]
    return {name for name, digest in zip(names, _digests(kept_file(folder, name) for name in names))
            if digest == kept[name].digest}


def restore_output(root: Path, kept: KeptPages, staging: Path) -> Manifest:
    """The kept files linked into `staging` (a staging folder of the workspace, made here); the manifest they
    are written as.

    The build then stages its site in that folder, keeping the files it
    reuses where they are (see output/writer.write_site's `restored`), and
    renames it into place, as every write is: a kill leaves no half site, and
    a large site's files are linked once, not twice. Whether a file's bytes
    are as kept is asked beside this, by verified_pages: the build reuses
    only those, and `unverified_removed` takes the others out again.
    """
    folder = str(kept_folder(root))
    shutil.rmtree(staging, ignore_errors=True)  # what a restore in a process that died left
    make_marked_folder(staging)
    try:
        manifest: Manifest = {}
        made_folders: set[str] = set()
        for name in sorted(name for name in kept if _inside(name)):  # a folder's parent is made before it
            target = f"{staging}/{name}"
            parent = os.path.dirname(target)
            try:
                if parent not in made_folders:
                    make_folder(parent)
                    made_folders.add(parent)
                link_or_copy(kept_file(folder, name), target)
            except OSError:  # missing, or not a file, in a damaged copy of the cache folder: made again
                continue
            manifest[name] = Written(kept[name].identity, *file_stamp(target))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def unverified_removed(staging: Path, restored: Manifest, verified: set[str]) -> Manifest:
    """`restored` without the files whose kept bytes were not as kept, which are unlinked from `staging`: the
    build makes them again."""
    for name in restored.keys() - verified:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staging / name)
        _remove_empty_parents(staging, name)  # an empty folder would still publish its name (a draft's slug)
    return {name: entry for name, entry in restored.items() if name in verified}


def _remove_empty_parents(top: Path, name: str) -> None:
    """The folders of `name` in `top` that hold nothing, from the deepest up; `top` stays."""
    parent = os.path.dirname(name)
    while parent:
        try:
            os.rmdir(top / parent)
        except OSError:  # not empty (or gone): nor are the folders above it
            return
        parent = os.path.dirname(parent)


def being_restored(kept: KeptPages) -> Manifest:
    """The manifest of an output folder still being restored from `kept`: identities, but stamps no file has
    (a page is reused only once its kept file is verified: see BuildCache.reusable_output, adopt_restored)."""
    return {name: Written(page.identity, -1, -1, -1) for name, page in kept.items()}


def keep_pages(root: Path, out: Path, written: Manifest, kept: KeptPages) -> KeptPages:
    """Bring the kept site up to date with the output folder just written; the new list of kept files.

    Only files written under a new identity are linked and digested (a warm
    build's few). A link changes its file's ctime, which `written` records
    (see writer.Stamp): their entries are stamped again. Files copied from
    the site's own static folders are not kept: their identity names the
    source file's place and time, which a checkout elsewhere does not share,
    and copying them again costs little.
    """
    folder = kept_folder(root)
    if not kept:  # none known (a first build with --cache-pages, a new briefgen): none is left from before
        forget_kept(root)
    new: KeptPages = {}
    changed = []
    for name, entry in written.items():
        page = kept.get(name)
        if page is not None and page.identity == entry.identity:
            new[name] = page
        elif entry.identity != CHANGED_WHILE_BUILDING and not entry.identity.startswith("file:"):
            changed.append(name)
    for name in kept.keys() - new.keys():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(kept_file(folder, name))
    made_folders: set[str] = set()
    if changed:
        _own_folder(str(folder))
    for name, digest in zip(changed, _digests(f"{out}/{name}" for name in changed)):
        if digest is None:
            continue
        target = kept_file(folder, name)
        parent = os.path.dirname(target)
        if parent not in made_folders:
            _own_folder(parent)
            made_folders.add(parent)
        if name in kept:  # replaced in one step: a kill leaves the old file or the new one
            spare_name = f"{target}.{os.getpid()}.tmp"
            link_or_copy(f"{out}/{name}", spare_name)
            os.replace(spare_name, target)
        else:
            _clear(target)  # left by a build killed before it saved the list, or damaged (see adopt_restored)
            link_or_copy(f"{out}/{name}", target)
        written[name] = Written(written[name].identity, *file_stamp(f"{out}/{name}"))
        new[name] = KeptPage(written[name].identity, digest)
    return new


def forget_kept(root: Path) -> None:
    """No kept site (a build without --cache-pages): its files are not kept up to date, so they go."""
    _clear(str(kept_folder(root)))


def _own_folder(path: str) -> None:
    """A folder of the kept site, made if missing. A symbolic link in its place (a tampered or hand-made
    cache) is removed, never followed: the kept site is written and unlinked only inside the cache folder."""
    if os.path.islink(path):
        os.unlink(path)
    make_folder(path)


def _clear(path: str) -> None:
    """Nothing at `path`: a file or link unlinked, a folder removed with what is in it."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError):  # Linux says the one, macOS the other, for a folder
        shutil.rmtree(path, ignore_errors=True)


def _digests(paths) -> list[str | None]:
    """The digest of each file's bytes (None if unreadable, or not a regular file: a FIFO would block
    the build for ever, a device never end), read and digested on two threads: both release the
    interpreter's lock, and a large site's pages are a gigabyte."""

    def digest(path: str) -> str | None:
        try:
            with open_regular(path) as file:
                return digest_bytes(file.read())
        except OSError:  # NotRegularFile among them
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(digest, paths, chunksize=64))


def _inside(name: str) -> bool:
    """A kept path that stays inside the output folder (the list comes from the cache folder, a copy of which
    may come from anywhere)."""
    return not (name in ("", ".") or name.startswith("/") or ".." in name.split("/") or "\0" in name)


def restamped(out: Path, written: Manifest, names) -> Manifest:
    """`written` with the files among `names` stamped as they are now (other names of them were removed:
    their ctime changed, nothing else)."""
    restamped = dict(written)
    for name in written.keys() & set(names):
        stamp = file_stamp(f"{out}/{name}")
        if stamp is not None:
            restamped[name] = Written(written[name].identity, *stamp)
    return restamped
