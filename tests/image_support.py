"""Images and site crawling for the image and bundle tests."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

SVG_MAP = '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400" viewBox="0 0 640 400"><rect width="640" height="400" fill="#cde"/></svg>\n'


def png(width: int, height: int, colour=(180, 40, 40)) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(data, "PNG")
    return data.getvalue()


def jpeg(width: int, height: int, colour=(40, 40, 180)) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(data, "JPEG", quality=85)
    return data.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG's signature, an IHDR claiming this size and a tiny IDAT (right CRCs): a few dozen bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def briefing(title: str, body: str, date: str = "2021-01-26", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}\n"


_URL_ATTRIBUTE = re.compile(r'\b(?:href|src)="([^"]*)"|\bsrcset="([^"]*)"')


def local_urls(html: str) -> list[str]:
    """Every root-relative URL of a page: href, src, and each of a srcset's."""
    urls = []
    for match in _URL_ATTRIBUTE.finditer(html):
        if match.group(1) is not None:
            urls.append(match.group(1))
        else:
            urls += [part.strip().split(" ")[0] for part in match.group(2).split(",")]
    return [url for url in urls if url.startswith("/") and not url.startswith("//")]


def broken_links(out: Path, base_path: str) -> list[tuple[str, str]]:
    """(page, URL) of each root-relative URL of the built site that names no file of it."""
    broken = []
    for page in sorted(out.rglob("*.html")):
        for url in local_urls(page.read_text(encoding="utf-8")):
            path = unquote(url.partition("#")[0].partition("?")[0])
            if not path.startswith(base_path):
                broken.append((str(page.relative_to(out)), url))
                continue
            target = out / path[len(base_path):]
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((str(page.relative_to(out)), url))
    return broken
