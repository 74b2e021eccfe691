"""Scratch folders for the search index: the pages each Pagefind run reads, and the workers' notes.

They live in memory where the system has it (/dev/shm), and are removed by
the process that made them. A build that was killed leaves its folders
behind; a later build removes them, but only those that carry briefgen's
marker and whose process is gone, never a folder for its name alone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

SCRATCH_MARKER = ".briefgen-scratch"  # a scratch folder is removed as an orphan only when it carries this


def mark_scratch(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    try:
        with open(os.path.join(folder, SCRATCH_MARKER), "x", encoding="utf-8") as marker:
            marker.write("briefgen's search scratch folder; removed when its build ends\n")
    except FileExistsError:
        pass


def remove_owned_folder(folder: str, owner: int) -> None:
    """Only in the process `owner`: a forked worker's copy of the notes must not remove the build's folder."""
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def scratch_root() -> str:
    # Memory-backed when the system has one: thousands of small files are written and removed
    # (on a disk, even with the pages hard-linked there, indexing a shard is slower).
    return "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


SCRATCH_PREFIX = "briefgen-search-"  # then the process id, a dash and random letters
_ORPHAN = re.compile(re.escape(SCRATCH_PREFIX) + r"(\d+)-")


def scratch_prefix() -> str:
    return f"{SCRATCH_PREFIX}{os.getpid()}-"


ORPHANED_AFTER = 600  # seconds: a process of another PID namespace sharing /dev/shm is not seen as running


def remove_orphaned_scratch(root: str) -> None:
    """Remove the scratch folders of builds whose process is gone (killed while indexing): only those that
    carry briefgen's marker, never a folder for its name alone."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        match = _ORPHAN.match(entry.name)
        if match and not _running(int(match.group(1))) and entry.is_dir(follow_symlinks=False) \
                and os.path.isfile(os.path.join(entry.path, SCRATCH_MARKER)) \
                and entry.stat(follow_symlinks=False).st_mtime < time.time() - ORPHANED_AFTER:
            shutil.rmtree(entry.path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: not ours to judge
        return True
    return True
