"""Which files briefgen may read: regular files, reached through no link that leaves the site.

One rule for every command (build, check, serve, publish), applied where a
folder is walked (content/, static/, templates/, a theme) and again where a
file is opened:

- A link, to a file or a folder, must resolve inside its home: the site
  folder (or, for the packaged default theme, that theme's own folder), and
  not into a hidden folder there (.git, .briefgen-cache). Anything else is an
  error naming the link and where it points: `ln -s /etc/passwd static/x`
  must never publish the runner's file.
- A linked folder inside the site is followed; a link back to a folder that
  contains it is an error (following it would never end).
- Only regular files are read. A named pipe would block `open()` forever, a
  device may never end: any such entry is an error naming it, and a file is
  opened with O_NONBLOCK and checked again with fstat, in case it was swapped
  for something else after the walk.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import BinaryIO, Callable

from briefgen.errors import Diagnostics

# Hidden names a site publishes from static/: GitHub Pages' switch and the folder of security.txt & co.
PUBLISHED_HIDDEN = frozenset({".nojekyll", ".well-known"})
# What editors and tools write beside a file while they work on it: backups, swap files, partial downloads.
_DROPPING_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".part", ".crdownload", "___jb_tmp___",
                      "___jb_old___", ".orig", ".rej", ".save")  # the last: patch's and git's leftovers, nano's


def is_ignored(name: str) -> bool:
    """Whether a file or folder of this name is left out of every walk of the site (content/, static/,
    templates/, a theme) and of what serve watches: the one rule for both, so that serve rebuilds on a
    change exactly when a build would see it.

    Hidden names (.git, .DS_Store), but those in PUBLISHED_HIDDEN, and editor
    droppings: .#x (Emacs' lock), #x# (its autosave), x~, .x.swp (Vim's swap),
    4913 (the file Vim writes to probe a folder), x.part, x.crdownload, x.orig and x.rej (left by
    patch and merges), x.save (nano), ….
    """
    if name.startswith((".", "#")):
        return name[0] == "#" or name not in PUBLISHED_HIDDEN
    return name.endswith(_DROPPING_SUFFIXES) or name == "4913"


def is_set_aside(name: str) -> bool:
    """content/ and static/ also leave out names that start with '_' (notes, a folder of drafts). Templates
    may have such names (_macros.html), so serve watches them all: a change there may be one to a template."""
    return name.startswith("_") or is_ignored(name)


class NotRegularFile(OSError):
    """The path is a pipe, socket, device or folder, not a file to read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message  # what the CLI prints for an OSError that reaches it


@dataclass(frozen=True, slots=True)
class SiteFile:
    path: str  # as reached: through the link, if it is one
    rel: str  # shown and used as its name: "content/briefings/x.md", "static/css/a.css"
    stamp: tuple[int, int, int]  # (mtime, ctime, size) of the file read


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words a user knows."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a link"
    return "not a regular file"


def stamp_of(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """`path` opened for reading in binary, if it is a regular file (through a link or not); NotRegularFile
    (an OSError) for a pipe, socket, device or folder, never a hang.

    The one way briefgen opens a file it did not just write: the user's (site
    files, images) and those it keeps (the cache folder, the output folder),
    which anyone may have replaced. Opened with O_NONBLOCK, so a named pipe
    does not block the open, then checked with fstat, one call: a pipe would
    block the first read, a device (a link to /dev/zero) would never end.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"the file is {kind_of(mode)}, not a regular file")
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file; NotRegularFile (an OSError) for anything else, never a hang.

    stat first, so a device of the user's is never opened; then open_regular,
    so a file swapped for a pipe in between cannot block the read either.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(f"the file is {kind_of(mode)}, not a regular file")
    with open_regular(path) as file:
        return file.read()


def read_site_file(path: str | os.PathLike, home: str | os.PathLike) -> bytes:
    """read_regular for one named file of the site (site.yaml), refused when it is a link that leaves `home`."""
    real = os.path.realpath(path)
    problem = outside_problem(real, real_home(home))
    if problem is not None:
        raise NotRegularFile(f"the file is a link to {real}, {problem}")
    return read_regular(path)


def real_home(folder: str | os.PathLike) -> str:
    return os.path.realpath(folder)


def outside_problem(real: str, home: str) -> str | None:
    """Why a link's real target may not be read (None: it may): outside `home`, or in a hidden folder of it."""
    if real != home and not real.startswith(home.rstrip(os.sep) + os.sep):
        return "outside the site folder"
    hidden = [part for part in os.path.relpath(real, home).split(os.sep)
              if part.startswith(".") and part not in (".", ".well-known")]
    if hidden:
        return f"inside the hidden folder {hidden[0]}"
    return None


def check_link(path: str, shown: str, home: str, diags: Diagnostics) -> str | None:
    """The real path a link leads to, or None (reported) when it is dangling, loops, or leaves `home`."""
    try:
        written = os.readlink(path)
    except OSError:
        written = "?"
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            diags.error(shown, None, f"the link to {written} loops back on itself.",
                        "Point the link at a real file or folder, or remove it.")
        else:
            diags.error(shown, None, f"the file is a link to {written}, which does not exist.",
                        "Remove the link or point it at an existing file.")
        return None
    problem = outside_problem(real, home)
    if problem is not None:
        diags.error(shown, None, f"the link points to {real}, {problem}; briefgen reads nothing through it.",
                    "Copy what you need into the site folder and remove the link.")
        return None
    return real


def check_top(folder: str, shown: str, home: str, diags: Diagnostics) -> str | None:
    """The real path of a folder to walk (content/, static/, …), or None (reported) when it leaves `home`."""
    real = os.path.realpath(folder)
    problem = outside_problem(real, home)
    if problem is not None:
        diags.error(shown, None, f"the folder is reached through a link to {real}, {problem}; it is not read.",
                    "Move the folder into the site and remove the link.")
        return None
    return real


def walk_files(folder: str, shown: str, home: str, diags: Diagnostics, *, skip: Callable[[str], bool],
               wanted: Callable[[str], bool] = lambda name: True) -> list[SiteFile]:
    """Every regular file under `folder` whose name is `wanted`, in the order of their paths' parts.

    `shown` names the folder in messages and starts each SiteFile.rel.
    Entries whose name `skip` says are never looked at. os.scandir and plain
    strings: content/ is walked on every build, and at 10,000 files pathlib
    costs more than the stat calls.
    """
    top = check_top(folder, shown, home, diags)
    if top is None:
        return []
    found: list[SiteFile] = []

    def walk(path: str, rel: str, ancestors: tuple[str, ...]) -> None:
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)  # name order within a folder = parts order
        except FileNotFoundError:  # removed while we looked (a git checkout under serve)
            return
        except OSError as exc:
            diags.warning(rel, None, f"the folder cannot be read: {exc.strerror or exc}; its files are not built.",
                          "Check its permissions.")
            return
        for entry in entries:
            name = entry.name
            if skip(name):
                continue
            entry_rel = f"{rel}/{name}"
            if entry.is_symlink():
                _linked(entry.path, entry_rel, ancestors)
            elif entry.is_dir(follow_symlinks=False):
                walk(entry.path, entry_rel, (*ancestors, f"{ancestors[-1]}/{name}"))
            elif wanted(name):
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                _file(entry.path, entry_rel, st)

    def _linked(path: str, rel: str, ancestors: tuple[str, ...]) -> None:
        if not os.path.isdir(path) and not wanted(os.path.basename(rel)):
            return  # a file link briefgen would not read anyway
        real = check_link(path, rel, home, diags)
        if real is None:
            return
        try:
            st = os.stat(path)
        except OSError:  # removed since
            return
        if stat.S_ISDIR(st.st_mode):
            if real in ancestors:
                diags.error(rel, None, f"the link points to {real}, a folder that contains it; following it would "
                            "never end.", "Remove the link.")
            else:
                walk(path, rel, (*ancestors, real))
        else:
            _file(path, rel, st)

    def _file(path: str, rel: str, st: os.stat_result) -> None:
        if stat.S_ISREG(st.st_mode):
            found.append(SiteFile(path, rel, stamp_of(st)))
        else:
            diags.error(rel, None, f"the file is {kind_of(st.st_mode)}, not a regular file; briefgen reads only "
                        "regular files.", "Remove it, or move it out of the site folder.")

    walk(folder, shown, (top,))
    return found
