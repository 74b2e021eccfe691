"""The file steps every writer of the output shares: a page's folder made, a file linked (or copied), a small
file of briefgen's written in place of whatever is there."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from briefgen.site_files import open_regular


def make_folder(folder: str) -> None:
    """os.makedirs(folder, exist_ok=True), in one system call when the folder above it exists: each page of a
    site is in a folder of its own, and os.makedirs looks at every folder above first."""
    try:
        os.mkdir(folder)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        if not os.path.isdir(folder):
            raise


def link_or_copy(source: Path | str, target: Path | str) -> bool:
    """True when linked: the target is the source's inode, with its size and modification time."""
    try:
        os.link(source, target)
        return True
    except OSError:  # another file system, or links not allowed
        copy_regular(source, target)
        shutil.copystat(source, target)
        return False


def copy_regular(source: Path | str, target: Path | str) -> None:
    """shutil.copyfile for a source that must be a regular file: a pipe (which copyfile refuses only by
    name, racily) or a device (a link to /dev/zero: copied until the disk is full) raises NotRegularFile,
    an OSError."""
    with open_regular(source) as file, open(target, "wb") as copy:
        shutil.copyfileobj(file, copy, 1 << 20)


def write_replacing(path: Path | str, data: bytes) -> None:
    """Write a small file of briefgen's (a .gitignore) beside, then rename it over whatever is there: a named
    pipe in its place would block an open for writing, a link would be written through."""
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    try:
        os.replace(temporary, path)
    except OSError:
        os.unlink(temporary)
        raise
