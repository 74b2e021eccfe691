"""Making the resized copies of images, once: each is kept in the cache folder under a name made of its
source's digest and its settings (variants.py), so a later build, or a build after `git checkout`, finds it
there and resizes nothing. Many copies are made on every core (parallel.parallel_map)."""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from briefgen.images.variants import Variant
from briefgen.parallel import parallel_map
from briefgen.site_files import open_regular

# PNG copies at zlib's default level: "optimize" tries every filter and tripled the cost of a copy for a file
# about 1 % smaller. A change here must change variants.ENCODER, which names the cached copies.
_SAVE_OPTIONS = {"JPEG": {"optimize": True, "progressive": True}, "PNG": {}, "WEBP": {"method": 4}}


@dataclass(frozen=True, slots=True)
class ResizeJob:
    source: str  # the original image
    shown: str  # as named in messages
    variant: Variant
    quality: int


def missing(jobs: list[ResizeJob], folder: Path) -> list[ResizeJob]:
    """The jobs whose copy the folder has not got. One listing, not a stat per copy: a warm build asks this of
    every resized copy of the site (5,000 at N = 1,000 with an image per briefing). Only regular files count
    (the listing says, no stat): anything else there (a pipe, a link, a folder) is damage, made again."""
    if not jobs:
        return []
    try:
        present = {entry.name for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False)}
    except OSError:  # no folder yet, or not one
        return list(jobs)
    return [job for job in jobs if job.variant.key not in present]


def make_copies(jobs: list[ResizeJob], folder: Path, workers: int | None) -> list[tuple[ResizeJob, str]]:
    """Make each job's copy in `folder`; (job, problem) for each that could not be made."""
    if not jobs:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    problems = parallel_map(lambda job: _make(job, folder), jobs, workers, min_items=2)
    return [(job, problem) for job, problem in zip(jobs, problems) if problem]


def _make(job: ResizeJob, folder: Path) -> str:
    from PIL import Image

    target = folder / job.variant.key
    temporary = folder / f".{job.variant.key}.{os.getpid()}.tmp"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open_regular(job.source) as file, Image.open(file) as image:
                image.load()
                copy = _for_format(image, job.variant.format).resize(
                    (job.variant.width, job.variant.height), Image.Resampling.LANCZOS)
        options = dict(_SAVE_OPTIONS.get(job.variant.format, {}))
        if job.variant.format in ("JPEG", "WEBP"):
            options["quality"] = job.quality
        copy.save(temporary, job.variant.format, **options)
        if os.path.isdir(target) and not os.path.islink(target):  # a folder in its place: damage of the cache
            shutil.rmtree(target)
        os.replace(temporary, target)
    except Exception as exc:  # a file changed or damaged since it was probed: said, never a traceback
        temporary.unlink(missing_ok=True)
        return str(exc) or type(exc).__name__
    return ""


def _for_format(image, fmt: str):
    if fmt == "JPEG":
        return image.convert("RGB")
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        return image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    return image
