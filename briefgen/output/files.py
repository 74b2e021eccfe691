"""The two file steps every writer of the output shares: a page's folder made, a file linked (or copied)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


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
        shutil.copy2(source, target)
        return False
