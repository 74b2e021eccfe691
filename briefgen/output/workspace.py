"""The output folder's safety: which folders briefgen refuses, its one work folder, and the lock on both.

Everything briefgen makes while writing a site (the staging folder, spilled
pages, the replaced site, the spare kept for the next build) lives in one
hidden folder beside the output, `.<output name>.briefgen/`, on the output's
file system so that every move is a rename. That folder carries a marker
naming the output it serves; briefgen removes or reuses only what is inside
a folder so marked, and only the folders it marked there itself. It never
removes anything because of its name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import re
import secrets
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds there are not guarded against each other
    fcntl = None

from briefgen.config import SiteConfig
from briefgen.errors import BuildError, Diagnostic, Diagnostics
from briefgen.site_files import kind_of, open_regular

MARKER = ".briefgen-output"  # in every folder briefgen writes a site into
MARKER_TEXT = "This folder is written by briefgen; it replaces it on every build.\n"
WORK_MARKER = ".briefgen-work"  # in the workspace, naming the output folder it serves
CACHE_DIR = ".briefgen-cache"
LOCK_FILE = "lock"
_KINDS = ("staging", "old", "pages", "spare")
_NAME = re.compile(r"(staging|old|pages|spare)-[0-9a-f]{8}")


def marker_text(rel_paths: Iterable[str]) -> str:
    """The marker also lists the top-level dot-entries briefgen wrote (.nojekyll, .well-known)."""
    written = sorted({rel.split("/", 1)[0] for rel in rel_paths if rel.startswith(".")})
    return MARKER_TEXT + "".join(f"{name}\n" for name in written)


def _marker_lines(folder: Path) -> list[str]:
    try:
        return _read_text(folder / MARKER).splitlines()[1:]
    except (OSError, UnicodeDecodeError):
        return []


def _read_text(path: Path) -> str:
    """A small file of briefgen's: a pipe or a link to a device put in its place is an OSError, not a hang."""
    with open_regular(path) as file:
        return file.read().decode("utf-8")


def carry_dot_entries(old: Path, out: Path) -> None:
    """The user's dot-entries (a kept .git) carry over; those briefgen itself wrote last time do not."""
    ours = set(_marker_lines(old))
    for entry in old.iterdir():
        if entry.name.startswith(".") and entry.name != MARKER and entry.name not in ours \
                and not (out / entry.name).exists():
            os.replace(entry, out / entry.name)


def make_marked_folder(folder: Path) -> Path:
    """Make `folder`, marked before anything is put in it: a kill leaves it for the next build to remove."""
    folder.mkdir()
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return folder


@dataclass(frozen=True, slots=True)
class Workspace:
    """The output folder and its work folder (see the module's docstring)."""

    out: Path
    folder: Path

    def new_folder(self, kind: str) -> Path:
        """A new, marked folder of `kind` ("staging", "pages") in the workspace."""
        return make_marked_folder(self.new_name(kind))

    def new_name(self, kind: str) -> Path:
        """The path of a new folder of `kind` in the workspace, not made yet (the maker marks it first)."""
        return self.folder / f"{kind}-{secrets.token_hex(4)}"

    def holds(self, path: Path, kind: str) -> bool:
        """`path` is a folder of `kind` that this workspace's naming gives (whether or not it still exists)."""
        return path.parent == self.folder and path.name.startswith(f"{kind}-") and bool(_NAME.fullmatch(path.name))

    def folders(self, kind: str) -> list[Path]:
        """The marked folders of `kind` in the workspace; anything else in it is left alone."""
        found = []
        for entry in sorted(self.folder.iterdir()):
            if self.holds(entry, kind) and entry.is_dir() and not entry.is_symlink() and (entry / MARKER).is_file():
                found.append(entry)
        return found


def workspace_folder(out: Path) -> Path:
    return out.with_name(f".{out.name}.briefgen")


def _work_text(out: Path) -> str:
    return (f"briefgen's work folder for the output folder {out}\n"
            "(staging, spilled pages, the site before last). Safe to delete when briefgen is not running.\n")


def open_workspace(out: Path) -> Workspace:
    """The output's workspace, made if missing. A folder of that name that briefgen did not make for this
    output is refused, never used or removed."""
    out = out.resolve()
    folder = workspace_folder(out)
    expected = _work_text(out)
    if not folder.exists() and not folder.is_symlink():
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir()
        except FileExistsError:  # another build made it just now: its marker follows at once
            time.sleep(0.2)
        else:
            (folder / ".gitignore").write_text("*\n", encoding="utf-8")  # git then ignores the whole folder
            (folder / WORK_MARKER).write_text(expected, encoding="utf-8")
    try:
        found = _read_text(folder / WORK_MARKER) if folder.is_dir() and not folder.is_symlink() else None
    except (OSError, UnicodeDecodeError):
        found = None
    if found != expected:
        raise BuildError([Diagnostic(
            None, None, f"{folder} exists but is not briefgen's work folder for {out}; briefgen needs that name "
            "for the files it stages beside the output folder.",
            "Move or rename it (briefgen never removes a folder it did not make), or build into another folder "
            "with --out.")])
    return Workspace(out, folder)


@contextlib.contextmanager
def exclusive_lock(path: Path, holder: str, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` until the block ends.

    A second build waits (after `waiting` is told who holds the lock) rather
    than write beside the first. The system releases the lock when the
    process ends, however it ends, so a killed build never leaves it held.
    """
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = _open_lock_file(path)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(descriptor, 300, 0).decode("utf-8", "replace").strip()
            waiting(other or "another briefgen process")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, holder.encode("utf-8", "replace"), 0)
        yield
    finally:
        os.close(descriptor)


_LOCK_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_lock_file(path: Path) -> int:
    """The lock file, opened; in its place a pipe, socket or link (to a device, say) is damage, replaced by a
    new, empty file: locking it, or writing the holder's name into it, would fail or block. A folder there
    is the user's to move."""
    for attempt in range(3):
        try:
            descriptor = os.open(path, _LOCK_FLAGS, 0o644)
        except OSError as exc:  # ELOOP: a link; ENXIO: a socket; EISDIR: a folder
            mode = _lstat_mode(path)
            if exc.errno not in (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.EWOULDBLOCK) or mode is None:
                raise
        else:
            mode = os.fstat(descriptor).st_mode
            if stat.S_ISREG(mode):
                return descriptor
            os.close(descriptor)
        if stat.S_ISDIR(mode) or attempt == 2:
            raise BuildError([Diagnostic(None, None, f"{path} is {kind_of(mode)}, not a regular file; briefgen "
                                         "keeps the lock of its builds there.",
                                         "Remove it: briefgen makes the file again.")])
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(b"")
        os.replace(temporary, path)
    raise AssertionError("unreachable")


def _lstat_mode(path: Path) -> int | None:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return None


def finish_interrupted(workspace: Workspace) -> None:
    """Complete what a killed build left in the workspace; call it with the output's lock held.

    A staging or spilled-pages folder holds nothing but generated files and is
    removed. An old site goes back in place if the kill came between the two
    renames of a swap; otherwise its dot-entries join the new site and it is
    removed.
    """
    out = workspace.out
    for kind in ("staging", "pages"):
        for folder in workspace.folders(kind):
            shutil.rmtree(folder, ignore_errors=True)
    olds = [entry for entry in sorted(workspace.folder.iterdir())
            if workspace.holds(entry, "old") and entry.is_dir() and not entry.is_symlink()]
    for old in olds:
        if not out.exists() and not out.is_symlink():
            os.replace(old, out)  # killed between the two renames of a swap: the old site goes back
            continue
        carry_dot_entries(old, out)
        shutil.rmtree(old, ignore_errors=True)


def _home_folders() -> set[Path]:
    """The home folder as $HOME says and as the system's user database says."""
    homes = set()
    for home in (os.environ.get("HOME"), _passwd_home()):
        if home:
            homes.add(Path(home).resolve())
    return homes


def _passwd_home() -> str | None:
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except (KeyError, OSError):
        return None


def check_output_folder(config: SiteConfig, out: Path, diags: Diagnostics, *, force: bool = False) -> None:
    """Refuse an output folder where writing or replacing it could harm anything but a site briefgen built."""
    out = out.resolve()
    root = config.root.resolve()
    cache = root / CACHE_DIR

    def refuse(what: str, hint: str = "Choose a folder of its own, such as _site/ inside the site.") -> None:
        diags.error(None, None, f"the output folder {out} {what}; briefgen never replaces it, even with --force.",
                    hint)

    if out == Path(out.anchor):
        return refuse("is the root of the file system")
    for home in sorted(_home_folders()):
        if out == home:
            return refuse("is your home folder")
        if out in home.parents:
            return refuse(f"contains your home folder {home}")
    if out == root:
        return refuse("is the site folder itself")
    if out in root.parents:
        return refuse(f"contains the site folder {root}")
    if out == cache or cache in out.parents:
        return refuse(f"is the build cache {CACHE_DIR}/ or inside it")
    for folder in (root / "content", root / "static", root / "templates", root / "themes"):
        if out == folder or folder in out.parents:
            return refuse(f"is inside the site's sources ({folder.name}/)")
    for folder in (out, *out.parents):
        if (folder / WORK_MARKER).is_file():
            return refuse(f"is inside briefgen's work folder {folder}")
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
