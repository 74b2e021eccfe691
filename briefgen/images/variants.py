"""The resized copies of an image: their widths, formats and names, worked out without opening a file.

A copy's name holds a digest of the source's bytes and of the settings that
made it (width, format, quality), so a changed image or setting makes a new
name and a browser never shows a stale copy; the same name is the same file,
which is why a made copy can be kept in the cache folder and never made again.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from briefgen.config import ImageSettings
from briefgen.fingerprint import digest_text
from briefgen.images.probe import Probe

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SOCIAL_WIDTH = 1200  # og:image: the width social sites show a large card at


@dataclass(frozen=True, slots=True)
class Variant:
    site_path: str  # beside the original: "briefings/first-call/map-960.3fa2b1c9d0.webp"
    width: int
    height: int
    format: str  # JPEG, PNG, WEBP
    key: str  # the cache file's name: digest of source and settings


def variants(site_path: str, probe: Probe, settings: ImageSettings) -> tuple[Variant, ...]:
    """Every resized copy of a raster image at `site_path`: each width below the original's, in the
    original's format and in settings.format; none for SVG, GIF, or with processing off."""
    if not settings.process or probe.kind != "raster" or probe.problem or probe.width <= 0:
        return ()
    widths = [w for w in settings.widths if w < probe.width]
    formats = [probe.format if probe.format in _EXTENSIONS else "PNG"]
    if settings.format == "webp" and formats[0] != "WEBP":
        formats.append("WEBP")
    made = [_variant(site_path, probe, width, fmt, settings.quality) for fmt in formats for width in widths]
    if settings.format == "webp" and formats[0] != "WEBP":  # the full width too, so WebP browsers need no other
        made.append(_variant(site_path, probe, probe.width, "WEBP", settings.quality))
    return tuple(made)


# How resize.py encodes copies; part of every cached copy's name, so that copies made otherwise are not reused.
ENCODER = "variant-2"

def social_variant(site_path: str, probe: Probe, settings: ImageSettings) -> Variant | None:
    """A copy at most SOCIAL_WIDTH wide in the original's format, for og:image (None: use the original)."""
    if probe.kind != "raster" or probe.problem or probe.width <= SOCIAL_WIDTH:
        return None
    fmt = probe.format if probe.format in ("JPEG", "PNG") else "JPEG"
    return _variant(site_path, probe, SOCIAL_WIDTH, fmt, settings.quality)


def _variant(site_path: str, probe: Probe, width: int, fmt: str, quality: int) -> Variant:
    # Made for every copy of the site on every build: digested directly, from parts that cannot run into
    # each other (a hex digest, two numbers, a format's name), not through fingerprint()'s general encoding.
    key = digest_text(f"{ENCODER}\0{probe.digest}\0{width}\0{fmt}\0{quality}")[:16]
    folder, name = posixpath.split(site_path)
    stem = posixpath.splitext(name)[0]
    height = max(1, round(probe.height * width / probe.width))
    path = posixpath.join(folder, f"{stem}-{width}.{key[:10]}.{_EXTENSIONS[fmt]}")
    return Variant(path, width, height, fmt, f"{key}.{_EXTENSIONS[fmt]}")
