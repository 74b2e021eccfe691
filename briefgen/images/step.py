"""The build's image step: the table of files bodies may point at (before bodies are rendered), and
after them the outputs: every content file copied, and the resized copies of every image in use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import tempfile
from pathlib import Path

from briefgen.config import SiteConfig
from briefgen.content.scan import ContentListing, content_listing
from briefgen.errors import Diagnostics
from briefgen.images.assets import Asset, AssetTable, make_table
from briefgen.images.featured import featured_images  # noqa: F401  (the pipeline's door to this package)
from briefgen.images.probe import ProbeCache
from briefgen.images.resize import ResizeJob, make_copies, missing
from briefgen.output.outputs import Output
from briefgen.output.workspace import CACHE_DIR

IMAGES_FOLDER = "images"  # in the cache folder: probes.json and the resized copies


def images_folder(config: SiteConfig, images_dir: Path | None = None) -> Path:
    """Where the resized copies and the probes are kept: the cache folder's images/, or the build's own
    folder (--no-cache, which neither reads nor writes the cache)."""
    return images_dir if images_dir is not None else config.root / CACHE_DIR / IMAGES_FOLDER


def asset_table(config: SiteConfig, cache, statics: Mapping[str, Path], listing: ContentListing | None,
                changed_files: Iterable[Path] | None, page_paths: Mapping[str, str], workers: int | None) -> AssetTable:
    """The files of this build. content/'s are listed by `listing` (the CLI's), or are the last build's when
    the watcher saw only Markdown change (serve), or are listed now."""
    if listing is not None and listing.assets is not None:
        assets = listing.assets
    elif changed_files is not None and cache.content_assets is not None and \
            all(str(path).endswith(".md") for path in changed_files):
        assets = cache.content_assets
    else:
        assets = content_listing(config.root, Diagnostics()).assets  # its problems are the sources' scan's
    cache.content_assets = assets
    probes = cache.probes
    if probes is None:
        probes = cache.probes = ProbeCache.load(images_folder(config, cache.images_dir))
    table = make_table(assets, statics, cache.sources.keys(), page_paths, config.images, probes, workers)
    probes.save()
    return table


def used_images(table: AssetTable, lookups: Iterable[str]) -> list[Asset]:
    found: dict[str, Asset] = {}
    for lookup in lookups:
        kind, _, path = lookup.partition(":")
        asset = (table.by_content if kind == "c" else table.by_site).get(path)
        if asset is not None and (asset.variants or asset.social):
            found[asset.site_path] = asset
    return list(found.values())


def asset_outputs(table: AssetTable, used: list[Asset], social: Iterable[Asset], config: SiteConfig, cache,
                  workers: int | None, diags: Diagnostics) -> list[Output]:
    """Every content file where it is published, and the resized copies of `used` images (made now when
    the cache folder has not got them); a copy that cannot be made is an error naming the image."""
    outputs = [Output(asset.site_path, copy_from=asset.path, origin=asset.source)
               for asset in table.by_content.values()]
    folder = images_folder(config, cache.images_dir)
    jobs = [ResizeJob(asset.path, asset.source, variant, config.images.quality)
            for asset in used for variant in asset.variants]
    jobs += [ResizeJob(asset.path, asset.source, asset.social, config.images.quality)
             for asset in social if asset.social is not None]
    jobs = list({job.variant.site_path: job for job in jobs}.values())
    to_make = missing(jobs, folder)
    if to_make:
        folder = _writable(folder)
        to_make = missing(jobs, folder)
    for job, problem in make_copies(to_make, folder, workers):
        diags.error(job.shown, None, f"a resized copy of the image cannot be made: {problem}.",
                    "Check that the file is a complete JPEG, PNG or WebP image; save it again from an editor.")
    folder_name = str(folder)  # strings, not paths: this is made for every copy of the site on every build
    outputs += [Output(job.variant.site_path, copy_from=f"{folder_name}/{job.variant.key}",
                       origin=f"a resized copy of {job.shown}") for job in jobs]
    return outputs


def _writable(folder: Path) -> Path:
    """`folder`, or when it cannot be made (the cache folder is a file, a read-only site) a temporary one:
    a cache that cannot be written is no reason to fail a build."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path(tempfile.mkdtemp(prefix="briefgen-images-"))


def unlinked_files(table: AssetTable, lookups: Iterable[str], featured) -> tuple[tuple[str, str], ...]:
    """(file, site path) of each content file that no body and no front matter points at (check -v)."""
    used = {asset.site_path for asset in featured.assets}
    for lookup in lookups:
        kind, _, path = lookup.partition(":")
        asset = (table.by_content if kind == "c" else table.by_site).get(path)
        if asset is not None:
            used.add(asset.site_path)
    return tuple((asset.source, asset.site_path) for asset in table.by_content.values() if asset.site_path not in used)
