"""Outputs, and the only writer: stage everything beside the output folder, then swap."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from briefgen.config import SiteConfig
from briefgen.errors import Diagnostics

MARKER = ".briefgen-output"


@dataclass(frozen=True, slots=True)
class Output:
    # Inside the output folder, in POSIX form without "." or empty parts ("briefings/x/index.html", see
    # urls.output_file): a string, not a PurePosixPath, since a large site's builds make, hash and print
    # some 100,000 of them.
    rel_path: str
    data: bytes | None = None
    copy_from: str | Path | None = None
    origin: str = ""  # what made it, for collision messages
    spilled: bool = False  # copy_from is a page this build wrote aside (jobs.run_jobs): link it, do not copy

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.copy_from is not None
        with open(self.copy_from, "rb") as file:
            return file.read()


def check_collisions(outputs: Iterable[Output], diags: Diagnostics,
                     checked: Iterable[Output] = ()) -> list[Output]:
    """Two outputs with one path is an error naming both; returns `outputs` without duplicates.

    `checked`: outputs checked already (by the last build), which these must not collide with.
    """
    seen: dict[str, Output] = {o.rel_path: o for o in checked}
    start = len(seen)
    for output in outputs:
        if _escapes(output.rel_path):
            diags.error(output.origin or None, None, f"the output path '{output.rel_path}' is outside the output folder.")
            continue
        first = seen.get(output.rel_path)
        if first is not None:
            diags.error(
                output.origin or None, None,
                f"'{output.rel_path}' is written by both {first.origin} and {output.origin}.",
                "Rename or move one of them.",
            )
            continue
        seen[output.rel_path] = output
    return list(seen.values())[start:]


def _escapes(rel: str) -> bool:
    return rel in ("", ".") or rel.startswith("/") or ".." in rel.split("/")


def check_output_folder(config: SiteConfig, out: Path, diags: Diagnostics, *, force: bool = False) -> None:
    """Refuse an output folder where writing or replacing it could harm the site's sources."""
    out = out.resolve()
    root = config.root.resolve()
    protected = [root / "content", root / "static", root / "templates", root / "themes"]
    if out == Path(out.anchor) or out == Path.home().resolve():
        what = "the root of the file system" if out == Path(out.anchor) else "your home folder"
        diags.error(None, None, f"the output folder {out} is {what}; briefgen never replaces it, even with --force.",
                    "Choose a folder of its own, such as _site/ inside the site.")
        return
    if out == root:
        diags.error(None, None, f"the output folder {out} is the site folder itself; building would replace "
                    "your sources.", "Choose a folder inside the site, such as _site/.")
        return
    if out in root.parents:
        diags.error(None, None, f"the output folder {out} contains the site folder {root}; building would "
                    "replace your sources.", "Choose a folder inside the site, such as _site/.")
        return
    for folder in protected:
        if out == folder or folder in out.parents:
            diags.error(None, None, f"the output folder {out} is inside the site's sources ({folder.name}/).",
                        "Choose a folder of its own, such as _site/.")
            return
    if out.exists() and not out.is_dir():
        diags.error(None, None, f"the output path {out} is a file, not a folder.",
                    "Remove the file, or choose another folder with --out.")
        return
    blocking = next((parent for parent in out.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        diags.error(None, None, f"the output folder {out} cannot be made: {blocking} is a file.",
                    "Choose another folder with --out.")
        return
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()) and not force:
        diags.error(None, None, f"the output folder {out} is not empty and was not made by briefgen.",
                    "Choose another folder, empty it, or pass --force to replace it.")


# output path (a str: a large site's manifest is loaded on every build, and strings load fast)
# -> (what its content is made from, size, mtime_ns) as last written
Manifest = dict[str, tuple[str, int, int]]


@dataclass(frozen=True, slots=True)
class Spare:
    """The site before the last one, kept (in the cache folder) to be brought up to date as the next staging folder.

    Rewriting the few files that changed in a kept folder is much cheaper than
    linking every file of a large site into an empty one, and renaming the
    replaced site aside is cheaper than deleting it.
    """

    path: Path  # <spare folder>/spare-<hex>
    manifest: Manifest  # what its files were written as


SPARE_PATTERN = re.compile(r"spare-[0-9a-f]{8}")


Late = Callable[[], tuple[Iterable[Output], Mapping[str, str]]]
CHANGED_WHILE_BUILDING = "changed while building"  # an identity no job's fingerprint equals


def write_site(outputs: Iterable[Output], out: Path, keys: Mapping[str, str] | None = None,
               previous: Manifest | None = None, spare: Spare | None = None, spare_dir: Path | None = None,
               late: Late | None = None, late_folder: str = "", listing: tuple[Path, Listing] | None = None,
               spill: Path | None = None) -> tuple[Manifest, Spare | None]:
    """Write every output into a staging folder, then swap it in for `out`.

    A failure (or a kill) before the swap leaves the previous site as it was;
    only the staging folder is left behind, and the next build removes it.
    Dot-entries of the old output (a kept .git) carry over. A file whose
    content is unchanged since the last write (`previous`) is hard-linked from
    the old folder, so it keeps its modification time; when nothing changed
    at all, the folder is left as it is. With a `spare_dir` (on the output's
    file system), the replaced site is kept there as the next build's staging
    folder (returned as a Spare), and `spare`, if still there, is this build's.

    `late`, if given, is called once the other outputs are staged and returns
    the outputs (all under `late_folder`) and keys of what is still being made
    meanwhile (the search index): the writing overlaps the making. Whatever it
    raises leaves the previous site in place. `listing` is (spare's path,
    list_files of it) when taken already: the spare is not walked again.
    `spill` is the spill_folder that spilled outputs are in: when no site was
    replaced it becomes the spare, else it is left alone (the caller removes it).
    """
    out = out.resolve()
    if spare_dir is not None and (spare_dir.resolve() == out or out in spare_dir.resolve().parents
                                  or spare_dir.resolve() in out.parents):
        spare_dir = None  # never keep a site inside itself
    spare_path = spare.path if spare is not None and spare_dir is not None and spare.path.parent == spare_dir \
        and SPARE_PATTERN.fullmatch(spare.path.name) else None
    if out.parent.is_dir():
        _remove_stale_siblings(out, spill.resolve() if spill is not None else None)
    outputs = list(outputs)
    keys = keys or {}
    previous = previous or {}
    identity = {o.rel_path: _identity(o, keys) for o in outputs}
    if late is None and len(identity) == len(previous) and (out / MARKER).is_file() and all(
            name in previous and previous[name][0] == key and _same_on_disk(f"{out}/{name}", previous[name])
            for name, key in identity.items()):
        return previous, spare if spare_path is not None and spare_path.is_dir() else None
    out.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    staging = out.with_name(f"{out.name}.tmp-{token}")
    recycled: Manifest | None = None
    if spare_path is not None and spare_path.is_dir() and not spare_path.is_symlink() and (spare_path / MARKER).is_file():
        try:
            os.replace(spare_path, staging)  # from now on a staging folder: a kill leaves it to be removed
            recycled = spare.manifest
        except OSError:  # moved to another disk since, say: start empty
            pass
    if recycled is None:
        staging.mkdir()
    manifest: Manifest = {}
    try:
        expected = set(identity) | {MARKER}
        if recycled is not None and (listing is None or listing[0] != spare_path):
            listing = (spare_path, list_files(staging))
        late_prefix = f"{late_folder}/" if late is not None else None
        kept = {} if recycled is None else _remove_unexpected(
            staging, expected, listing[1], lambda rel: late_prefix is None or not rel.startswith(late_prefix))
        (staging / MARKER).write_text(_marker_text(outputs), encoding="utf-8")
        stager = _Stager(staging, out, previous, recycled, kept, manifest)
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
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # An old site of unknown files (no manifest: the cache was lost) is no spare: recycling it would
    # mean deleting each of its files while the next build waits. It is deleted now, with this build.
    replaced = _swap(staging, out, token, spare_dir if previous else None)
    if spare_dir is not None and spare_dir.is_dir():
        for stale in spare_dir.iterdir():  # spares of builds whose cache was lost, or of --no-cache builds
            if stale != replaced and SPARE_PATTERN.fullmatch(stale.name) and stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
    if replaced is None and spill is not None and spare_dir is not None and stager.spilled:
        # No site was replaced (a first build): its spilled pages, laid out as in the site and linked
        # into it, are kept instead. The next build then links the few thousand other files, not all.
        kept_spill = _keep_as_spare(spill, spare_dir, token)
        if kept_spill is not None:
            return manifest, Spare(kept_spill, stager.spilled)
    return manifest, (Spare(replaced, previous) if replaced is not None else None)


class _Stager:
    """Puts one output at a time into the staging folder, reusing what is already there or in the live site."""

    def __init__(self, staging: Path, out: Path, previous: Manifest, recycled: Manifest | None,
                 kept: dict[str, tuple[int, int]], manifest: Manifest):
        self.staging, self.out, self.previous, self.recycled = staging, out, previous, recycled
        self.kept = kept  # (size, mtime_ns) of the recycled folder's files, as listed
        self.manifest = manifest
        self.made_folders: set[str] = set()
        self.spilled: Manifest = {}  # the outputs staged as links to their spilled page

    def stage(self, output: Output, identity: str) -> None:
        name = output.rel_path
        recycled = self.recycled.get(name) if self.recycled else None
        if recycled is not None and recycled[0] == identity and self.kept.get(name) == recycled[1:]:
            self.manifest[name] = recycled
            return
        # Strings and as few system calls as can be: on a first write this runs for every file of the site.
        target = f"{self.staging}/{name}"
        folder = os.path.dirname(target)
        if folder not in self.made_folders:
            os.makedirs(folder, exist_ok=True)
            self.made_folders.add(folder)
        if self.recycled is not None:  # a new staging folder holds nothing to clear
            _clear(target)
        before = self.previous.get(name)
        live = f"{self.out}/{name}"
        if before is not None and before[0] == identity and _same_on_disk(live, before) \
                or _same_bytes(output, live, self.previous):
            if link_or_copy(live, target):  # the same inode as the live file, just checked against the manifest
                self.manifest[name] = (identity, *self.previous[name][1:])
                return
        elif output.data is not None:
            with open(target, "wb") as file:
                file.write(output.data)
        elif output.spilled:
            if link_or_copy(output.copy_from, target):
                stat = os.stat(target)
                self.manifest[name] = self.spilled[name] = (identity, stat.st_size, stat.st_mtime_ns)
                return
        else:
            shutil.copyfile(output.copy_from, target)
            if str(output.copy_from) == live:  # reused from the live site, whose file changed since it was checked:
                identity = CHANGED_WHILE_BUILDING  # written as found, and made again by the next build
        stat = os.stat(target)
        self.manifest[name] = (identity, stat.st_size, stat.st_mtime_ns)


# (regular files: path -> (size, mtime_ns), other entries that are not folders: links, sockets, …)
Listing = tuple[dict[str, tuple[int, int]], list[str]]


def list_files(folder: Path | str) -> Listing:
    """Everything under `folder` but folders, by path relative to it; links are listed, never followed."""
    files: dict[str, tuple[int, int]] = {}
    others: list[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    files[prefix + entry.name] = (stat.st_size, stat.st_mtime_ns)
                else:
                    others.append(prefix + entry.name)

    walk(str(folder), "")
    return files, others


def _remove_unexpected(folder: Path, expected: set[str], listing: Listing,
                       handles: Callable[[str], bool]) -> dict[str, tuple[int, int]]:
    """Empty a recycled staging folder of what the new site does not have: files, then folders left empty.

    Only paths that `handles` accepts are looked at. Returns (size, mtime_ns)
    of the files left, by path, as listed. Links are removed: the site has none.
    """
    files, others = listing
    kept: dict[str, tuple[int, int]] = {}
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
        return "bytes:" + hashlib.blake2b(output.data, digest_size=16).hexdigest()
    stat = os.stat(output.copy_from)
    # ctime too: tools that restore a modification time (touch -d, cp -p) cannot restore it.
    return f"file:{output.copy_from}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def _same_on_disk(path: Path | str, entry: tuple[str, int, int]) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == entry[1:]


def _same_bytes(output: Output, old: str, previous: Manifest) -> bool:
    """A re-rendered page whose bytes came out the same as last time (a neighbour's body changed, say)."""
    entry = previous.get(output.rel_path)
    if entry is None or not (output.data is not None or output.spilled):
        return False
    size = len(output.data) if output.data is not None else os.stat(output.copy_from).st_size
    if entry[1] != size or not _same_on_disk(old, entry):
        return False
    with open(old, "rb") as file:
        return file.read() == output.read()


def link_or_copy(source: Path | str, target: Path | str) -> bool:
    """True when linked: the target is the source's inode, with its size and modification time."""
    try:
        os.link(source, target)
        return True
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)
        return False


def _keep_as_spare(folder: Path, spare_dir: Path, token: str) -> Path | None:
    spare = spare_dir / f"spare-{token}"
    try:
        spare_dir.mkdir(parents=True, exist_ok=True)
        os.replace(folder, spare)
    except OSError:  # another file system: the caller removes the folder
        return None
    return spare


def _swap(staging: Path, out: Path, token: str, spare_dir: Path | None = None) -> Path | None:
    """old -> <out>.old-<token>, staging -> out, dot-entries of the old (a kept .git) -> out, old removed.

    At every moment a kill leaves either the old or the new site in place, and
    the user's dot-entries in `out` or in the old folder, never only in a
    staging folder: `_remove_stale_siblings` finishes the job on the next build.
    With a `spare_dir`, the old site moves there instead (spare-<token>), and its path is returned.
    """
    old = out.with_name(f"{out.name}.old-{token}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    if not old.is_dir():
        return None
    _carry_dot_entries(old, out)
    if spare_dir is not None and (old / MARKER).is_file():
        spare = _keep_as_spare(old, spare_dir, token)
        if spare is not None:
            return spare
    shutil.rmtree(old, ignore_errors=True)  # not kept (another file system): deleted as usual
    return None


def _carry_dot_entries(old: Path, out: Path) -> None:
    """The user's dot-entries (a kept .git) carry over; those briefgen itself wrote last time do not."""
    ours = set(_marker_lines(old))
    for entry in old.iterdir():
        if entry.name.startswith(".") and entry.name != MARKER and entry.name not in ours \
                and not (out / entry.name).exists():
            os.replace(entry, out / entry.name)


_MARKER_TEXT = "This folder is written by briefgen; it replaces it on every build.\n"


def _marker_text(outputs: Iterable[Output]) -> str:
    """The marker also lists the top-level dot-entries briefgen wrote (.nojekyll, .well-known, …)."""
    written = sorted({o.rel_path.split("/", 1)[0] for o in outputs if o.rel_path.startswith(".")})
    return _MARKER_TEXT + "".join(f"{name}\n" for name in written)


def _marker_lines(folder: Path) -> list[str]:
    try:
        return (folder / MARKER).read_text(encoding="utf-8").splitlines()[1:]
    except (OSError, UnicodeDecodeError):
        return []


def _sibling_pattern(out: Path, kind: str) -> re.Pattern:
    return re.compile(re.escape(out.name) + r"\." + kind + r"-[0-9a-f]{8}")


def remove_leftovers(out: Path) -> None:
    """What killed builds left beside `out` (see _remove_stale_siblings); for builds that write nothing."""
    out = out.resolve()
    if out.parent.is_dir():
        _remove_stale_siblings(out)


def spill_folder(out: Path) -> Path:
    """A new folder beside `out` for the pages of a large render (jobs.run_jobs), on its file system.

    Marked as briefgen's: one left by a killed build is removed by the next.
    The caller removes it once the site is written.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.with_name(f"{out.name}.pages-{secrets.token_hex(4)}")
    folder.mkdir()
    (folder / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    return folder


def _remove_stale_siblings(out: Path, keep: Path | None = None) -> None:
    """Finish what builds that were killed left: only folders that are briefgen's own are touched.

    A staging folder (<out>.tmp-<hex>, marked) holds nothing but generated
    files and is removed, as is a folder of spilled pages (<out>.pages-<hex>,
    marked) but `keep`, this build's. An old site (<out>.old-<hex>) goes back
    in place if the kill came between the two renames of a swap; otherwise
    its dot-entries join the new site and it is removed.
    """
    for sibling in out.parent.iterdir():
        if (_sibling_pattern(out, "tmp").fullmatch(sibling.name) or _sibling_pattern(out, "pages").fullmatch(
                sibling.name)) and sibling != keep and sibling.is_dir() and not sibling.is_symlink() \
                and (sibling / MARKER).is_file():
            shutil.rmtree(sibling, ignore_errors=True)
    olds = sorted(s for s in out.parent.iterdir()
                  if _sibling_pattern(out, "old").fullmatch(s.name) and s.is_dir() and not s.is_symlink())
    for sibling in olds:
        if not out.exists():
            # Killed between the two renames of a swap: the old site goes back.
            os.replace(sibling, out)
            continue
        _carry_dot_entries(sibling, out)
        if (sibling / MARKER).is_file():
            shutil.rmtree(sibling, ignore_errors=True)
