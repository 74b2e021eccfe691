"""A stat of the output folder's files, taken by a second process while this one loads the cache and plans.

A build after one edit of a large site would otherwise spend a long moment
on stat calls and folder listings, on one core while the other idles: every
file of the live site (which of them are still as last written, to be
reused) and every folder of the spare site (what is in it, to recycle it as
the staging folder). Without a fork (--jobs 1, or none on this system) the
same look is taken in this process when its answer is first needed.

On a fresh checkout with the cache restored (CI), the kept site comes back
instead (see incremental/kept_site.py): this look reads and digests its
files (which of them may be reused), while another child links them all
into the staging folder the build then writes its site in. Both are seconds
of work at 10,000 briefings, done beside the modelling; the pages are
planned as soon as the first is done.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Callable, NamedTuple, TypeVar

from briefgen.output.writer import Listing, Manifest, is_as_written, list_files
from briefgen.parallel import Forked

T = TypeVar("T")


class KeptRestore(NamedTuple):
    """How the kept site comes back (incremental/kept_site.py), each half in a process of its own: which of
    its files may be reused (read and digested), and all of them linked into the staging folder."""

    verify: Callable[[], set[str]]
    link: Callable[[], Manifest]


class Restored(NamedTuple):
    """The kept site restored: the manifest of the files linked, those verified, the seconds each took, and
    whether that was beside this process (forked) or in it (--jobs 1, no fork)."""

    linked: Manifest
    verified: set[str]
    verify_seconds: float
    link_seconds: float
    beside: bool


class _Look(NamedTuple):
    intact: set[str]
    spare_listing: Listing | None
    verify_seconds: float


class OutputFolderStat:
    """Which outputs of the last write are intact, and what the spare folder holds."""

    def __init__(self, output_dir: Path, written: Manifest, spare: Path | None, *, fork: bool = True,
                 restore: KeptRestore | None = None):
        """`restore`, when given, brings the kept site back: the outputs intact are then its files verified,
        known before they are all linked (the build reads them from the kept site meanwhile)."""
        self._output_dir, self._written, self._spare, self._restore = output_dir, written, spare, restore
        self._look = Forked(self._take_look, fork=fork)
        self._linking = Forked(functools.partial(_timed, restore.link), fork=fork) if restore is not None else None

    def intact(self) -> set[str]:
        """The outputs (by path) whose files are still as they were written (see output.Stamp)."""
        return self._look.result().intact

    def spare_listing(self) -> tuple[Path, Listing] | None:
        """(the spare folder, list_files of it), if there is one."""
        listing = self._look.result().spare_listing
        return None if listing is None or self._spare is None else (self._spare, listing)

    def restored(self) -> Restored | None:
        """The kept site as restored, once it is; None when there was no restore."""
        if self._linking is None:
            return None
        look = self._look.result()
        linked, seconds = self._linking.result()
        return Restored(linked, look.intact, look.verify_seconds, seconds, self._linking.forked)

    def close(self) -> None:
        self._look.close()
        if self._linking is not None:
            self._linking.close()

    def _take_look(self) -> _Look:
        verify_seconds = 0.0
        if self._restore is not None:
            intact, verify_seconds = _timed(self._restore.verify)
        else:
            intact = {name for name, entry in self._written.items()
                      if is_as_written(f"{self._output_dir}/{name}", entry)}
        listing = None
        if self._spare is not None:
            try:
                listing = list_files(self._spare)
            except OSError:  # gone or unreadable: the spare is not recycled (write_site looks again)
                listing = None
        return _Look(intact, listing, verify_seconds)


def _timed(task: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    return task(), time.perf_counter() - start
