"""Output: one file of the built site (bytes, or a file to copy or link), and the check that no two share a path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from briefgen.errors import Diagnostics
from briefgen.site_files import open_regular


@dataclass(frozen=True, slots=True)
class Output:
    # Inside the output folder, in POSIX form without "." or empty parts ("briefings/x/index.html", see
    # urls.output_file): a string, not a PurePosixPath, since a large site's builds make, hash and print
    # some 100,000 of them.
    rel_path: str
    data: bytes | None = None
    copy_from: str | Path | None = None
    origin: str = ""  # what made it, for collision messages
    spilled: bool = False  # copy_from is a page this build wrote aside (render/jobs.run_jobs): link it, do not copy

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.copy_from is not None
        with open_regular(self.copy_from) as file:  # replaced by a pipe since the build: an OSError, not a hang
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
