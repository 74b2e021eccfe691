"""What an image is (kind, width, height), read once per content digest and kept in the cache folder.

A warm build opens no image: a file whose stamp (mtime, ctime, size) is the
one probed last time has the same probe, and a file with a new stamp but the
same bytes (a checkout) is only hashed. Probing is done by Pillow for raster
images (the whole image is decoded, so a truncated file is found here, not
half way through a resize) and by reading the root tag for SVG.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from briefgen.fingerprint import digest_bytes
from briefgen.site_files import open_regular

RASTER_SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
IMAGE_SUFFIXES = frozenset({*RASTER_SUFFIXES, ".svg", ".avif"})
MAX_PIXELS = 60_000_000  # above this an image is refused: 60 megapixels is a large camera's photo
_PROBES_FILE = "probes.json"
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_SVG_ATTRIBUTE = re.compile(rb"""\s([a-zA-Z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


@dataclass(frozen=True, slots=True)
class Probe:
    digest: str  # of the file's bytes
    kind: str  # "raster", "svg", or "other" (animated GIF and AVIF are copied as they are)
    width: int = 0
    height: int = 0
    format: str = ""  # Pillow's name: JPEG, PNG, WEBP, GIF
    size: int = 0  # bytes
    problem: str = ""  # why it is not a usable image (truncated, too large, …): an error where it is used


def is_image(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def probe_bytes(data: bytes, name: str) -> Probe:
    """The probe of an image file's bytes; `problem` says what is wrong with a broken one."""
    digest, suffix = digest_bytes(data), os.path.splitext(name)[1].lower()
    if suffix == ".svg":
        return _probe_svg(data, digest)
    if suffix not in RASTER_SUFFIXES:
        return Probe(digest, "other", size=len(data))
    from io import BytesIO

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                width, height, fmt = image.width, image.height, image.format or ""
                if width * height > MAX_PIXELS:
                    return Probe(digest, "raster", width, height, fmt, len(data),
                                 f"it is {width} × {height} pixels, more than briefgen opens ({MAX_PIXELS // 1_000_000} megapixels)")
                animated = getattr(image, "is_animated", False)
                image.load()  # a truncated or damaged file fails here, not in the resize
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Probe(digest, "raster", size=len(data),
                     problem=f"it claims more pixels than briefgen opens ({MAX_PIXELS // 1_000_000} megapixels): a decompression bomb, or a very large image")
    except Image.UnidentifiedImageError:
        return Probe(digest, "raster", size=len(data), problem="it is not a readable image (no image format Pillow knows)")
    except Exception as exc:  # Pillow raises many kinds for damaged files: each is "not a readable image"
        return Probe(digest, "raster", size=len(data), problem=f"it is not a readable image ({_reason(exc)})")
    if fmt != RASTER_SUFFIXES[suffix] and not (suffix in (".jpg", ".jpeg") and fmt == "MPO"):
        return Probe(digest, "raster", width, height, fmt, len(data),
                     f"it is a {fmt or 'unknown'} image with a {suffix} name")
    kind = "other" if animated or fmt == "GIF" else "raster"
    return Probe(digest, kind, width, height, fmt, len(data))


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:120]


def _probe_svg(data: bytes, digest: str) -> Probe:
    tag = _SVG_TAG.search(data[:65536])
    if tag is None:
        return Probe(digest, "svg", size=len(data), problem="it has no <svg> element in its first 64 KB")
    attributes = {m.group(1).decode("ascii").lower(): (m.group(2) or m.group(3) or b"").decode("utf-8", "replace")
                  for m in _SVG_ATTRIBUTE.finditer(tag.group())}
    width, height = _length(attributes.get("width")), _length(attributes.get("height"))
    box = attributes.get("viewbox", "").replace(",", " ").split()
    if (width is None or height is None) and len(box) == 4:
        try:
            box_width, box_height = float(box[2]), float(box[3])
        except ValueError:
            box_width = box_height = 0
        if box_width > 0 and box_height > 0:
            if width is None and height is None:
                width, height = round(box_width), round(box_height)
            elif width is None:
                width = round(height * box_width / box_height)
            else:
                height = round(width * box_height / box_width)
    return Probe(digest, "svg", width or 0, height or 0, "SVG", len(data))


def _length(text: str | None) -> int | None:
    match = _LENGTH.match(text or "")
    return round(float(match.group(1))) if match and float(match.group(1)) > 0 else None


@dataclass
class ProbeCache:
    """Probes by stamp and by digest, loaded from and saved to the cache folder (None: kept in memory)."""

    folder: Path | None
    by_stamp: dict[str, list]  # "path|stamp" -> [digest]
    by_digest: dict[str, dict]  # digest|suffix -> Probe's fields
    changed: bool = False

    @classmethod
    def load(cls, folder: Path | None) -> ProbeCache:
        if folder is not None:
            try:
                with open_regular(folder / _PROBES_FILE) as file:  # a pipe there: damage, not a hang
                    data = json.loads(file.read().decode("utf-8"))
                return cls(folder, dict(data["by_stamp"]), dict(data["by_digest"]))
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return cls(folder, {}, {})

    def known(self, path: str, stamp) -> Probe | None:
        entry = self.by_stamp.get(f"{path}|{stamp}")
        fields = self.by_digest.get(entry[0]) if entry else None
        return Probe(**fields) if fields else None

    def probe(self, path: str, stamp, data: bytes) -> Probe:
        """The probe of a file read now: by its digest if known, else made."""
        suffix = os.path.splitext(path)[1].lower()
        key = digest_bytes(data) + suffix
        fields = self.by_digest.get(key)
        probe = Probe(**fields) if fields else probe_bytes(data, path)
        self.remember(path, stamp, probe)
        return probe

    def remember(self, path: str, stamp, probe: Probe) -> None:
        key = probe.digest + os.path.splitext(path)[1].lower()
        self.by_digest[key] = asdict(probe)
        self.by_stamp[f"{path}|{stamp}"] = [key]
        self.changed = True

    def save(self) -> None:
        if self.folder is None or not self.changed:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f"{_PROBES_FILE}.{os.getpid()}.tmp"
            temporary.write_text(json.dumps({"by_stamp": self.by_stamp, "by_digest": self.by_digest}), "utf-8")
            os.replace(temporary, self.folder / _PROBES_FILE)
        except OSError:  # a cache that cannot be written is no reason to fail a build: it probes again
            return
        self.changed = False
