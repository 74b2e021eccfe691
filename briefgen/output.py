"""Outputs, and the only writer: stage everything beside the output folder, then swap."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from briefgen.config import SiteConfig
from briefgen.errors import Diagnostics

MARKER = ".briefgen-output"


@dataclass(frozen=True, slots=True)
class Output:
    rel_path: PurePosixPath  # inside the output folder
    data: bytes | None = None
    copy_from: Path | None = None
    origin: str = ""  # what made it, for collision messages

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.copy_from is not None
        return self.copy_from.read_bytes()


def check_collisions(outputs: Iterable[Output], diags: Diagnostics) -> list[Output]:
    """Two outputs with one path is an error naming both; returns the outputs without duplicates."""
    seen: dict[PurePosixPath, Output] = {}
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
    return list(seen.values())


def _escapes(rel: PurePosixPath) -> bool:
    return rel.is_absolute() or ".." in rel.parts or not rel.parts


def check_output_folder(config: SiteConfig, out: Path, diags: Diagnostics, *, force: bool = False) -> None:
    """Refuse an output folder where writing or replacing it could harm the site's sources."""
    out = out.resolve()
    root = config.root.resolve()
    protected = [root / "content", root / "static", root / "templates", root / "themes"]
    if out == root or out in root.parents:
        diags.error(None, None, f"the output folder {out} is the site folder or contains it.",
                    "Choose a folder inside the site, such as _site/.")
        return
    for folder in protected:
        if out == folder or folder in out.parents:
            diags.error(None, None, f"the output folder {out} is inside the site's sources ({folder.name}/).",
                        "Choose a folder of its own, such as _site/.")
            return
    if out.exists() and not out.is_dir():
        diags.error(None, None, f"the output path {out} is a file, not a folder.")
        return
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()) and not force:
        diags.error(None, None, f"the output folder {out} is not empty and was not made by briefgen.",
                    "Choose another folder, empty it, or pass --force to replace it.")


def write_site(outputs: Iterable[Output], out: Path) -> None:
    """Write every output into a staging folder, then swap it in for `out`.

    A failure (or a kill) before the swap leaves the previous site as it was;
    only the staging folder is left behind, and the next build removes it.
    Dot-entries of the old output (a kept .git, say) carry over.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(out)
    token = secrets.token_hex(4)
    staging = out.with_name(f"{out.name}.tmp-{token}")
    staging.mkdir()
    try:
        for output in outputs:
            target = staging / output.rel_path
            target.parent.mkdir(parents=True, exist_ok=True)
            if output.data is not None:
                target.write_bytes(output.data)
            else:
                shutil.copyfile(output.copy_from, target)
        (staging / MARKER).write_text("This folder is written by briefgen; it replaces it on every build.\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.is_dir():
        for entry in out.iterdir():
            if entry.name.startswith(".") and entry.name != MARKER and not (staging / entry.name).exists():
                os.replace(entry, staging / entry.name)
    old = out.with_name(f"{out.name}.old-{token}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _remove_stale_siblings(out: Path) -> None:
    """Staging folders of builds that were killed before they could clean up."""
    for sibling in out.parent.glob(f"{out.name}.tmp-*"):
        if sibling.is_dir():
            shutil.rmtree(sibling, ignore_errors=True)
    for sibling in sorted(out.parent.glob(f"{out.name}.old-*")):
        if not sibling.is_dir():
            continue
        if out.exists():
            shutil.rmtree(sibling, ignore_errors=True)
        else:
            # Killed between the two renames of a swap: the old site goes back.
            os.replace(sibling, out)
