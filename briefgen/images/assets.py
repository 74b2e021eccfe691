"""Every file a body or front matter may point at, besides pages: a bundle's files and static/.

A file in content/ that is not Markdown is published beside the page of the
bundle it is in (content/briefings/<folder>/index.md and the files beside it,
at any depth), or, outside any bundle, at its path under content/
(content/briefings/shared/x.svg -> /briefings/shared/x.svg). Files of
static/ (the site's, then the theme's) keep their paths. Images are probed
once per content digest (probe.py); the table says where each file is
published and what each image is, and resolves a path as a writer wrote it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from briefgen.config import ImageSettings
from briefgen.content.scan import ContentFile, file_stamp
from briefgen.fingerprint import fingerprint
from briefgen.images.probe import Probe, ProbeCache, is_image, probe_bytes
from briefgen.images.variants import Variant, social_variant, variants
from briefgen.names import closest
from briefgen.parallel import parallel_map
from briefgen.site_files import read_regular


@dataclass(frozen=True, slots=True)
class Asset:
    source: str  # as shown in messages: "content/briefings/x/map.png", "static/images/x.svg"
    path: str  # the file on disk
    site_path: str  # where it is published: "briefings/first-call/map.png"
    probe: Probe | None  # images only
    variants: tuple[Variant, ...] = ()
    social: Variant | None = None  # the copy og:image uses, when the image is wider than that

    def url_path(self, site_path: str | None = None) -> str:
        """The site path as it goes into a URL: spaces, non-ASCII letters and '#' percent-encoded."""
        return quote(site_path or self.site_path, safe="/-._~")


@dataclass(frozen=True, slots=True)
class Found:
    asset: Asset | None
    problem: str = ""  # why the target resolves to no file
    hint: str = ""


@dataclass(frozen=True, slots=True)
class AssetTable:
    by_content: Mapping[str, Asset]  # path relative to content/ -> asset
    by_site: Mapping[str, Asset]  # site path -> asset (static/ and content/)
    key: str  # of every entry: equal keys, equal table

    def entry_key(self, lookup: str) -> str:
        """What a body that looked `lookup` up depends on (see BodyHead.assets_used)."""
        kind, _, path = lookup.partition(":")
        asset = (self.by_content if kind == "c" else self.by_site).get(path)
        return "-" if asset is None else f"{asset.site_path}|{asset.probe.digest if asset.probe else asset.source}"

    def find(self, target: str, document_rel: str, used: list[str] | None = None) -> Found:
        """The file a body or front-matter target names: relative to `document_rel` (content/…/x.md), a
        site path (/images/x.svg), or @/ (relative to content/). The lookup is noted in `used`."""
        path = unquote(target.partition("#")[0].partition("?")[0])
        if target.startswith("@/"):
            return self._in_content(path[2:], target, used, "@/ paths are relative to content/")
        if target.startswith("/"):
            site_path = path.lstrip("/")
            if used is not None:
                used.append(f"s:{site_path}")
            asset = self.by_site.get(site_path)
            if asset is not None:
                return Found(asset)
            return Found(None, f"'{target}' is no file of static/ nor of content/",
                         self._closest(site_path, self.by_site, "/") or
                         "A path starting with / is a published path: static/images/x.svg is /images/x.svg.")
        folder = posixpath.dirname(document_rel.partition("/")[2])
        joined = posixpath.normpath(posixpath.join(folder, path)) if path else ""
        if not path or joined.startswith("../") or joined == "..":
            return Found(None, f"'{target}' points outside content/",
                         "Keep images beside the Markdown file or in static/ (then write /images/x.png).")
        return self._in_content(joined, target, used, "the path is relative to the Markdown file")

    def _in_content(self, path: str, target: str, used: list[str] | None, how: str) -> Found:
        if used is not None:
            used.append(f"c:{path}")
        asset = self.by_content.get(path)
        if asset is not None:
            return Found(asset)
        hint = self._closest(path, self.by_content, "@/") or f"No file content/{path} ({how})."
        return Found(None, f"'{target}' points at no file", hint)

    @staticmethod
    def _closest(path: str, names: Collection[str], prefix: str) -> str:
        # Names in the same folder first: the usual slip is a misspelt file name.
        folder = posixpath.dirname(path)
        near = [name for name in names if posixpath.dirname(name) == folder] or list(names)
        match = closest(path, near, similarity=0.6)
        return f"The closest existing file is '{prefix}{match}'." if match else ""


def make_table(content_assets: list[ContentFile], statics: Mapping[str, Path], markdown: Collection[str],
               page_paths: Mapping[str, str], settings: ImageSettings, probes: ProbeCache,
               workers: int | None = None) -> AssetTable:
    """The table of this build. `markdown`: every content file (content/…/x.md); `page_paths`: the site
    path of each built document, by its path relative to content/."""
    entries: list[tuple[str, str, str, tuple, str | None]] = []  # (source, path, site path, stamp, content rel)
    for file in content_assets:
        content_rel = file.rel.partition("/")[2]
        site_path = _published_at(content_rel, markdown, page_paths)
        if site_path is not None:
            entries.append((file.rel, file.path, site_path, file.stamp, content_rel))
    for rel, path in statics.items():
        entries.append((f"static/{rel}", str(path), rel, file_stamp(path) if is_image(rel) else (), None))
    probed = _probes(entries, probes, workers)
    by_content, by_site = {}, {}
    for (source, path, site_path, _, content_rel), probe in zip(entries, probed):
        asset = Asset(source, path, site_path, probe,
                      variants(site_path, probe, settings) if probe else (),
                      social_variant(site_path, probe, settings) if probe else None)
        if content_rel is not None:
            by_content[content_rel] = asset
        by_site.setdefault(site_path, asset)  # a collision is reported with the outputs
    key = fingerprint("assets", settings, sorted(
        (site_path, asset.source, asset.probe.digest if asset.probe else "") for site_path, asset in by_site.items()))
    return AssetTable(by_content, by_site, key)


def _published_at(content_rel: str, markdown: Collection[str], page_paths: Mapping[str, str]) -> str | None:
    """Where a content file is published: beside its bundle's page, or at its own path; None when its
    bundle is not built (a draft)."""
    parts = content_rel.split("/")
    for depth in range(2, len(parts)):
        index = "/".join(parts[:depth]) + "/index.md"
        if f"content/{index}" in markdown:
            page = page_paths.get(index)
            return None if page is None else page + "/".join(parts[depth:])
    return content_rel


def _probes(entries, probes: ProbeCache, workers: int | None) -> list[Probe | None]:
    """The probe of each image entry (None for other files): kept ones by stamp, the others read now."""
    result: list[Probe | None] = []
    unknown: list[int] = []
    for index, (source, path, _, stamp, _) in enumerate(entries):
        if not is_image(source):
            result.append(None)
            continue
        known = probes.known(source, stamp)
        result.append(known)
        if known is None:
            unknown.append(index)
    if unknown:
        made = parallel_map(lambda i: _probe_file(entries[i][1], entries[i][0]), unknown, workers, min_items=8)
        for index, probe in zip(unknown, made):
            source, _, _, stamp, _ = entries[index]
            result[index] = probe
            if probe.digest:
                probes.remember(source, stamp, probe)
    return result


def _probe_file(path: str, name: str) -> Probe:
    try:
        data = read_regular(path)
    except OSError as exc:
        return Probe("", "raster", problem=f"it cannot be read ({exc.strerror or exc})")
    return probe_bytes(data, name)


def image_size_problem(asset: Asset, settings: ImageSettings) -> str:
    if asset.probe and asset.probe.size > settings.max_bytes:
        return (f"the image {asset.source} is {asset.probe.size / 1_000_000:.1f} MB, more than "
                f"{settings.max_bytes / 1_000_000:g} MB")
    return ""


def displayed(asset: Asset) -> str:
    return os.path.basename(asset.source)
