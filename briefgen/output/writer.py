"""The only writer: stage everything in the workspace beside the output folder, then swap."""

from __future__ import annotations

import os
import secrets
import shutil
import stat as stat_module
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple

from briefgen.fingerprint import digest_bytes
from briefgen.output.files import copy_regular, link_or_copy, make_folder
from briefgen.output.outputs import Output
from briefgen.output.workspace import MARKER, Workspace, carry_dot_entries, marker_text
from briefgen.site_files import open_regular

# What a file was when written: (size, mtime_ns, ctime_ns). The ctime is there because a file can be
# edited in place with its size and modification time put back (touch -d, cp -p), but its ctime is set
# by the kernel on every change and cannot be put back: an output is trusted only when all three match.
Stamp = tuple[int, int, int]


def stamp_of_stat(stat: os.stat_result) -> Stamp:
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def file_stamp(path: Path | str) -> Stamp | None:
    try:
        return stamp_of_stat(os.stat(path))
    except OSError:
        return None


class Written(NamedTuple):
    """How an output file was last written: what its content is made from (see _identity), and its Stamp."""

    identity: str
    size: int
    mtime_ns: int
    ctime_ns: int


def is_as_written(path: Path | str, entry: Written) -> bool:
    """The file at `path` is the one a manifest entry was written as (and a regular file: never a pipe or a
    link to a device, which may well have a size of 0)."""
    try:
        stat = os.stat(path)
    except OSError:
        return False
    # Field by field, no tuple made: this runs for every file of the site on every build.
    return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns and stat.st_ctime_ns == entry.ctime_ns \
        and stat_module.S_ISREG(stat.st_mode)


# output path (a str: a large site's manifest is loaded on every build, and strings load fast) -> Written
Manifest = dict[str, Written]


@dataclass(frozen=True, slots=True)
class Spare:
    """The site before the last one, kept in the workspace to be brought up to date as the next staging folder.

    Rewriting the few files that changed in a kept folder is much cheaper than
    linking every file of a large site into an empty one, and renaming the
    replaced site aside is cheaper than deleting it.
    """

    path: Path  # <workspace>/spare-<hex>
    manifest: Manifest  # what its files were written as


Late = Callable[[], tuple[Iterable[Output], Mapping[str, str]]]
CHANGED_WHILE_BUILDING = "changed while building"  # an identity no job's fingerprint equals


def write_site(outputs: Iterable[Output], workspace: Workspace, keys: Mapping[str, str] | None = None,
               previous: Manifest | None = None, spare: Spare | None = None, keep_spare: bool = False,
               late: Late | None = None, late_folder: str = "", listing: tuple[Path, Listing] | None = None,
               spill: Path | None = None, on_swap: Callable[[], None] | None = None,
               restored: Spare | None = None) -> tuple[Manifest, Spare | None]:
    """Write every output into a staging folder in the workspace, then swap it in for the output folder.

    A failure (or a kill) before the swap leaves the previous site as it was;
    the staging folder is removed, or (after a kill) by the next build.
    Dot-entries of the old output (a kept .git) carry over. A file whose
    content is unchanged since the last write (`previous`) is hard-linked from
    the old folder; when nothing changed at all, the folder is left as it is.
    With `keep_spare`, the replaced site is kept in the workspace as the next
    build's staging folder (returned as a Spare), and `spare`, if still there,
    is this build's. `on_swap` is called just before the swap, the point after
    which the new site is the result.

    `late`, if given, is called once the other outputs are staged and returns
    the outputs (all under `late_folder`) and keys of what is still being made
    meanwhile (the search index): the writing overlaps the making. Whatever it
    raises leaves the previous site in place. `listing` is (spare's path,
    list_files of it) when taken already: the spare is not walked again.
    `spill` is the workspace folder that spilled outputs are in: when no site
    was replaced it becomes the spare, else it is left alone (the caller removes it).
    `restored` is a staging folder of the workspace that this build filled
    already, with its manifest (the kept site of a fresh checkout, see
    incremental/kept_site.py): the site is staged in it as in a recycled
    spare, without listing it again.
    """
    out = workspace.out
    spare_path = spare.path if spare is not None and keep_spare and workspace.holds(spare.path, "spare") else None
    outputs = list(outputs)
    previous = previous or {}
    identity = {o.rel_path: _identity(o, keys or {}) for o in outputs}
    if late is None and _as_last_written(out, identity, previous):
        return previous, spare if spare_path is not None and spare_path.is_dir() else None
    token = secrets.token_hex(4)
    if restored is not None and workspace.holds(restored.path, "staging"):
        staging, recycled = restored.path, restored.manifest
        listing = (staging, ({name: entry[1:] for name, entry in recycled.items()}, []))  # stamped as made
    else:
        staging = workspace.folder / f"staging-{token}"
        recycled = _recycle(spare_path, staging, spare)
        if recycled is None:
            staging.mkdir()
        if recycled is not None and (listing is None or listing[0] != spare_path):
            listing = (spare_path, list_files(staging))
    try:
        stager = _stage_all(staging, out, outputs, identity, previous, recycled, listing, late, late_folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if on_swap is not None:
        on_swap()
    # An old site of unknown files (no manifest: the cache was lost) is no spare: recycling it would
    # mean deleting each of its files while the next build waits. It is deleted now, with this build.
    replaced = _swap(staging, workspace, token, keep_spare and bool(previous))
    if not keep_spare:
        return stager.manifest, None
    for stale in workspace.folders("spare"):  # spares of builds whose cache was lost, or of --no-cache builds
        if stale != replaced:
            shutil.rmtree(stale, ignore_errors=True)
    if replaced is None and spill is not None and stager.spilled:
        # No site was replaced (a first build): its spilled pages, laid out as in the site and linked
        # into it, are kept instead. The next build then links the few thousand other files, not all.
        kept_spill = workspace.folder / f"spare-{token}"
        os.replace(spill, kept_spill)
        copies = _link_copies_into(kept_spill, out, outputs, stager.manifest)
        return stager.manifest, Spare(kept_spill, {**stager.spilled, **copies})
    if replaced is None:
        return stager.manifest, None
    # The old site's files that were linked into the new one are the same inodes, whose ctime the link changed.
    return stager.manifest, Spare(replaced, {**previous, **{name: Written(previous[name].identity, *stamp)
                                                             for name, stamp in stager.relinked.items()}})


def _link_copies_into(spare: Path, out: Path, outputs: list[Output], manifest: Manifest) -> Manifest:
    """Link the files a first build copied into the site (images and their resized copies, bundles' files,
    static files) into its spilled pages' folder, kept as the next build's staging folder: else the next
    build, a first edit, finds them missing there and links every one of them again (thousands of images).

    A link changes the ctime of the inode the site and the spare now share: both entries of `manifest`
    and of the spare's (returned) are stamped as the file is after it. A file that cannot be linked (another
    file system) is left out of the spare: the next build links or copies it, as it would have.
    """
    linked: Manifest = {}
    made_folders: set[str] = set()
    for output in outputs:
        name = output.rel_path
        if output.copy_from is None or output.spilled or name not in manifest:
            continue
        target = f"{spare}/{name}"
        folder = os.path.dirname(target)
        try:
            if folder not in made_folders:
                make_folder(folder)
                made_folders.add(folder)
            os.link(f"{out}/{name}", target)
        except OSError:
            continue
        stamp = file_stamp(target)
        if stamp is not None:
            manifest[name] = linked[name] = Written(manifest[name].identity, *stamp)
    return linked


def _as_last_written(out: Path, identity: Mapping[str, str], previous: Manifest) -> bool:
    """The output folder holds exactly these outputs, each as the last build wrote it: nothing to write."""
    return len(identity) == len(previous) and (out / MARKER).is_file() and all(
        name in previous and previous[name].identity == key and is_as_written(f"{out}/{name}", previous[name])
        for name, key in identity.items())


def _recycle(spare_path: Path | None, staging: Path, spare: Spare | None) -> Manifest | None:
    """Make the spare site this build's staging folder; the manifest of its files, or None if there is none."""
    if spare_path is None or not spare_path.is_dir() or spare_path.is_symlink() or not (spare_path / MARKER).is_file():
        return None
    try:
        os.replace(spare_path, staging)  # from now on a staging folder: a kill leaves it to be removed
    except OSError:
        return None
    return spare.manifest


def _stage_all(staging: Path, out: Path, outputs: list[Output], identity: dict[str, str], previous: Manifest,
               recycled: Manifest | None, listing: tuple[Path, Listing] | None, late: Late | None,
               late_folder: str) -> _Stager:
    """Stage every output, then the late ones (see write_site); in a recycled spare, remove what is not."""
    expected = set(identity) | {MARKER}
    late_prefix = f"{late_folder}/" if late is not None else None
    kept = {} if recycled is None else _remove_unexpected(
        staging, expected, listing[1], lambda rel: late_prefix is None or not rel.startswith(late_prefix))
    (staging / MARKER).write_text(marker_text(o.rel_path for o in outputs), encoding="utf-8")
    stager = _Stager(staging, out, previous, recycled, kept, {})
    for output in outputs:
        stager.stage(output, identity[output.rel_path])
    if late is not None:
        late_outputs, late_keys = late()
        late_outputs = list(late_outputs)
        late_identity = {o.rel_path: _identity(o, late_keys) for o in late_outputs}
        if recycled is not None:
            stager.kept.update(_remove_unexpected(staging, expected | set(late_identity), listing[1],
                                                  lambda rel: rel.startswith(late_prefix)))
        for output in late_outputs:
            stager.stage(output, late_identity[output.rel_path])
    return stager


class _Stager:
    """Puts one output at a time into the staging folder, reusing what is already there or in the live site."""

    def __init__(self, staging: Path, out: Path, previous: Manifest, recycled: Manifest | None,
                 kept: dict[str, Stamp], manifest: Manifest):
        self.staging, self.out, self.previous, self.recycled = staging, out, previous, recycled
        self.kept = kept  # the Stamp of the recycled folder's files, as listed
        self.manifest = manifest
        self.made_folders: set[str] = set()
        self.spilled: Manifest = {}  # the outputs staged as links to their spilled page
        self.relinked: dict[str, Stamp] = {}  # live files linked into the staging folder, as they are now

    def stage(self, output: Output, identity: str) -> None:
        try:
            self._stage(output, identity)
        except OSError as exc:  # a full disk, a quota: named by the output file, which the user knows
            raise OSError(exc.errno, exc.strerror, f"{self.out}/{output.rel_path}") from exc

    def _stage(self, output: Output, identity: str) -> None:
        name = output.rel_path
        recycled = self.recycled.get(name) if self.recycled else None
        if recycled is not None and recycled.identity == identity and self.kept.get(name) == recycled[1:]:
            self.manifest[name] = recycled
            return
        # Strings and as few system calls as can be: on a first write this runs for every file of the site.
        target = f"{self.staging}/{name}"
        folder = os.path.dirname(target)
        if folder not in self.made_folders:
            make_folder(folder)
            self.made_folders.add(folder)
        before = self.previous.get(name)
        live = f"{self.out}/{name}"
        # Asked before the target is cleared: the target may be another name of the live file's inode,
        # and removing it changes that inode's ctime.
        reuse_live = before is not None and before.identity == identity and is_as_written(live, before) \
            or _same_bytes(output, live, self.previous)
        if self.recycled is not None:  # a new staging folder holds nothing to clear
            _clear(target)
        if reuse_live:
            if link_or_copy(live, target):  # the same inode as the live file, just checked against the manifest
                stamp = file_stamp(target)
                self.manifest[name] = Written(identity, *stamp)
                self.relinked[name] = stamp
                return
        elif output.data is not None:
            with open(target, "wb") as file:
                file.write(output.data)
        elif output.spilled:
            if link_or_copy(output.copy_from, target):
                stamp = file_stamp(target)
                self.manifest[name] = self.spilled[name] = Written(identity, *stamp)
                return
        else:
            copy_regular(output.copy_from, target)
            if str(output.copy_from) == live:  # reused from the live site, whose file changed since it was checked:
                identity = CHANGED_WHILE_BUILDING  # written as found, and made again by the next build
        self.manifest[name] = Written(identity, *file_stamp(target))


# (regular files: path -> Stamp, other entries that are not folders: links, sockets, …)
Listing = tuple[dict[str, Stamp], list[str]]


def list_files(folder: Path | str) -> Listing:
    """Everything under `folder` but folders, by path relative to it; links are listed, never followed."""
    files: dict[str, Stamp] = {}
    others: list[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False):
                    files[prefix + entry.name] = stamp_of_stat(entry.stat(follow_symlinks=False))
                else:
                    others.append(prefix + entry.name)

    walk(str(folder), "")
    return files, others


def _remove_unexpected(folder: Path, expected: set[str], listing: Listing,
                       handles: Callable[[str], bool]) -> dict[str, Stamp]:
    """Empty a recycled staging folder of what the new site does not have: files, then folders left empty.

    Only paths that `handles` accepts are looked at. Returns the Stamp of the
    files left, by path, as listed. Links are removed: the site has none.
    """
    files, others = listing
    kept: dict[str, Stamp] = {}
    unexpected = [rel for rel in others if handles(rel)]
    for rel, stamp in files.items():
        if handles(rel):
            if rel in expected:
                kept[rel] = stamp
            else:
                unexpected.append(rel)
    top = str(folder)
    emptied = set()  # folders something was removed from: they may be empty now
    for rel in unexpected:
        try:
            os.unlink(f"{top}/{rel}")
        except FileNotFoundError:
            pass
        emptied.add(os.path.dirname(f"{top}/{rel}"))
    for directory in sorted(emptied, key=lambda d: d.count("/"), reverse=True):  # deepest first
        while directory != top and directory.startswith(top):
            try:
                os.rmdir(directory)  # only succeeds when empty
            except OSError:
                break
            directory = os.path.dirname(directory)
    return kept


def _clear(target: str) -> None:
    """Make room for a new file: a hard link shared with the live site must be replaced, never written through."""
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass
    except OSError:
        if not os.path.isdir(target) or os.path.islink(target):
            raise
        shutil.rmtree(target)


def _identity(output: Output, keys: Mapping[str, str]) -> str:
    """What an output's bytes are made from: its job's fingerprint, its bytes, or its source file's stamp."""
    key = keys.get(output.rel_path)
    if key is not None:
        return key
    if output.data is not None:
        return "bytes:" + digest_bytes(output.data)
    return f"file:{output.copy_from}:{stamp_of_stat(os.stat(output.copy_from))}"


def _same_bytes(output: Output, old: str, previous: Manifest) -> bool:
    """A re-rendered page whose bytes came out the same as last time (a neighbour's body changed, say)."""
    entry = previous.get(output.rel_path)
    if entry is None or not (output.data is not None or output.spilled):
        return False
    size = len(output.data) if output.data is not None else os.stat(output.copy_from).st_size
    if entry.size != size or not is_as_written(old, entry):
        return False
    with open_regular(old) as file:
        return file.read() == output.read()


def _swap(staging: Path, workspace: Workspace, token: str, keep_spare: bool) -> Path | None:
    """out -> <workspace>/old-<token>, staging -> out, dot-entries of the old (a kept .git) -> out, old removed.

    At every moment a kill leaves either the old or the new site in place, and
    the user's dot-entries in `out` or in the old folder, never only in a
    staging folder: `finish_interrupted` completes the job on the next build.
    With `keep_spare`, the old site becomes the workspace's spare-<token>, and its path is returned.
    """
    out = workspace.out
    old = workspace.folder / f"old-{token}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    if not old.is_dir():
        return None
    carry_dot_entries(old, out)
    if keep_spare and (old / MARKER).is_file():
        spare = workspace.folder / f"spare-{token}"
        os.replace(old, spare)
        return spare
    shutil.rmtree(old, ignore_errors=True)
    return None
