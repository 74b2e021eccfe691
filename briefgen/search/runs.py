"""Pagefind's processes: one run of its binary per shard, in a scratch folder of its own, waited for in the kernel.

The shard plan (which pages go in which shard, which shards are reused) is
pagefind.py's; this module starts a run on a shard's pages, tells which run
ended first, and stops any that outlives its deadline or the build.
"""

from __future__ import annotations

import os
import select
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from briefgen.output.outputs import Output
from briefgen.output.files import link_or_copy, make_folder
from briefgen.search.indexed import indexed_part
from briefgen.search.scratch import scratch_prefix, scratch_root

if TYPE_CHECKING:  # pagefind.py, which imports this module, has it
    from briefgen.search.pagefind import PageNotes


def pagefind_binary() -> Path | None:
    try:
        from pagefind.service import get_executable  # PAGEFIND_BINARY_PATH, pagefind_bin, then PATH
    except ImportError:
        return None
    return get_executable()


class PagefindRun:
    """One Pagefind process indexing one shard's pages, written to a scratch folder for it.

    The pages go in in the order given: Pagefind numbers pages as it finds
    them, and the order of a folder's entries is the order they were made in
    (so the worker-written parts in `notes` are linked, not indexed where
    they are). URLs in the index are relative to the site root; the search
    page gives Pagefind the base path, so results link correctly under
    /repo/ too.
    """

    def __init__(self, binary: Path, pages: Sequence[Output], notes: PageNotes | None):
        self._folder = tempfile.TemporaryDirectory(prefix=scratch_prefix(), dir=scratch_root())
        site, self._bundle = Path(self._folder.name) / "site", Path(self._folder.name) / "bundle"
        noted = notes.pages if notes is not None else {}
        for page in pages:
            target = f"{site}/{page.rel_path}"
            make_folder(os.path.dirname(target))
            if page.rel_path in noted:
                link_or_copy(f"{notes.folder}/{page.rel_path}", target)
            else:
                with open(target, "wb") as file:
                    file.write(indexed_part(page.read()))
        self._log = open(Path(self._folder.name) / "log", "w+", encoding="utf-8")  # a file: a pipe could fill up
        self._command = [str(binary), "--site", str(site), "--output-path", str(self._bundle), "--silent"]
        self._process = subprocess.Popen(self._command, stdout=self._log, stderr=subprocess.STDOUT)
        self.deadline = time.monotonic() + RUN_TIMEOUT
        self.ended_fd = _pidfd(self._process.pid)  # readable once the process has ended (Linux), else None

    def wait(self) -> list[tuple[str, bytes]]:
        """(path inside the bundle, bytes) of every file of the shard's Pagefind bundle."""
        try:
            code = self._process.wait()  # blocks in the kernel: Popen.wait(timeout) would poll and sleep
            if code != 0:
                self._log.seek(0)
                raise subprocess.CalledProcessError(code, self._command, output=self._log.read())
            return [(path.relative_to(self._bundle).as_posix(), path.read_bytes())
                    for path in sorted(self._bundle.rglob("*")) if path.is_file()]
        finally:
            self.abandon()

    def ended(self) -> bool:
        return self._process.poll() is not None

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()

    def abandon(self) -> None:
        self.kill()
        self._process.wait()
        if self.ended_fd is not None:
            os.close(self.ended_fd)
            self.ended_fd = None
        self._log.close()
        self._folder.cleanup()


RUN_TIMEOUT = 600  # seconds: a Pagefind run still going after this is stopped (and the build fails)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        return None


def first_ended(runs: Sequence[PagefindRun]) -> int:
    """The index of a run that has ended, waiting (asleep, in the kernel) until one has: the next shard then
    starts at once, whichever run ends first. A run past its deadline is stopped. Without pidfds, the first."""
    if any(run.ended_fd is None for run in runs):
        return 0
    while True:
        now = time.monotonic()
        ready, _, _ = select.select([run.ended_fd for run in runs], [], [],
                                    max(0.0, min(run.deadline for run in runs) - now))
        if ready:
            return next(index for index, run in enumerate(runs) if run.ended_fd == ready[0])
        for run in runs:
            if run.deadline <= now:
                run.kill()  # it ends now, with a code that says it failed


def last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
