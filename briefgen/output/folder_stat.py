"""A stat of the output folder's files, taken by a second process while this one loads the cache and plans.

A build after one edit of a large site would otherwise spend a long moment
on stat calls and folder listings, on one core while the other idles: every
file of the live site (which of them are still as last written, to be
reused) and every folder of the spare site (what is in it, to recycle it as
the staging folder). Without a fork (--jobs 1, or none on this system) the
same look is taken in this process when its answer is first needed.

On a fresh checkout with the cache restored (CI), the kept site is restored
there first, into the staging folder the build then writes its site in (see
incremental/kept_site.py): reading and digesting every kept file is seconds
of work at 10,000 briefings, done on the second core while this one models
and plans the site.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, NamedTuple

from briefgen.output.writer import Listing, Manifest, is_as_written, list_files
from briefgen.parallel import Forked


class Restored(NamedTuple):
    """The kept site restored: the manifest of the files restored, and the seconds it took."""

    manifest: Manifest
    seconds: float


class _Look(NamedTuple):
    intact: set[str]
    spare_listing: Listing | None
    restored: Restored | None


class OutputFolderStat:
    """Which outputs of the last write are intact, and what the spare folder holds."""

    def __init__(self, output_dir: Path, written: Manifest, spare: Path | None, *, fork: bool = True,
                 restore: Callable[[], Manifest] | None = None):
        """`restore`, when given, restores the kept site first and returns the manifest of what it restored:
        the outputs intact are then those."""
        self._output_dir, self._written, self._spare, self._restore = output_dir, written, spare, restore
        self._look = Forked(self._take_look, fork=fork)

    def intact(self) -> set[str]:
        """The outputs (by path) whose files are still as they were written (see output.Stamp)."""
        return self._look.result().intact

    def spare_listing(self) -> tuple[Path, Listing] | None:
        """(the spare folder, list_files of it), if there is one."""
        listing = self._look.result().spare_listing
        return None if listing is None or self._spare is None else (self._spare, listing)

    def restored(self) -> Restored | None:
        """The kept site as restored; None when there was no restore."""
        return self._look.result().restored

    def close(self) -> None:
        self._look.close()

    def _take_look(self) -> _Look:
        restored = None
        if self._restore is not None:  # stamped as it is made: no need to look again
            start = time.perf_counter()
            restored = Restored(self._restore(), time.perf_counter() - start)
            intact = set(restored.manifest)
        else:
            intact = {name for name, entry in self._written.items()
                      if is_as_written(f"{self._output_dir}/{name}", entry)}
        listing = None
        if self._spare is not None:
            try:
                listing = list_files(self._spare)
            except OSError:  # gone or unreadable: the spare is not recycled (write_site looks again)
                listing = None
        return _Look(intact, listing, restored)
