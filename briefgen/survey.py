"""A look at the output files on disk, taken by a second process while this one loads the cache and plans.

A build after a body edit at 10,000 briefings would otherwise spend about a
second on stat calls and folder listings, on one core while the other idles:
the live site's 28,000 files (which of them are still as last written, to be
reused) and the spare site's 17,000 folders (what is in it, to recycle it as
the staging folder). Where fork is missing, the same look is taken in this
process when its answer is first needed.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from briefgen.output import Listing, Manifest, is_as_written, list_files


class DiskSurvey:
    """Which outputs of the last write are intact, and what the spare folder holds."""

    def __init__(self, output_dir: Path, written: Manifest, spare: Path | None):
        self._output_dir, self._written, self._spare = output_dir, written, spare
        self._answer: tuple[set[str], Listing | None] | None = None
        self._process = self._receiver = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=self._send, args=(sender,), daemon=True)
            self._process.start()
            sender.close()

    def intact(self) -> set[str]:
        """The outputs (by path) whose files are still as they were written (see output.Stamp)."""
        return self._result()[0]

    def spare_listing(self) -> tuple[Path, Listing] | None:
        """(the spare folder, list_files of it), if there is one."""
        listing = self._result()[1]
        return None if listing is None or self._spare is None else (self._spare, listing)

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._receiver.close()
            self._process = None

    def _result(self) -> tuple[set[str], Listing | None]:
        if self._answer is None:
            if self._process is not None:
                try:
                    self._answer = self._receiver.recv()
                except (EOFError, OSError):  # the process died: look from here
                    pass
                self.close()
            if self._answer is None:
                self._answer = self._look()
        return self._answer

    def _send(self, sender) -> None:
        try:
            sender.send(self._look())
        finally:
            sender.close()

    def _look(self) -> tuple[set[str], Listing | None]:
        intact = {name for name, entry in self._written.items()
                  if is_as_written(f"{self._output_dir}/{name}", entry)}
        listing = None
        if self._spare is not None:
            try:
                listing = list_files(self._spare)
            except OSError:  # gone or unreadable: the spare is not recycled (write_site looks again)
                listing = None
        return intact, listing
