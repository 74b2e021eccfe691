"""BuildCache: what one build may reuse from the last, checked by digest, never trusted blindly.

- parsed documents, keyed by the source file's digest (and files' stamps, so
  an unchanged file is not even read);
- rendered bodies, keyed by the body's digest plus the digests of the kinds of
  link target the body uses (files, titles, entity names);
- the site model, while every document's front matter is unchanged;
- the page jobs of the last good build with the briefings each showed;
- outputs, keyed by each job's fingerprint: in `serve` the last build's bytes
  in memory; from the CLI the files of the last write, checked by size and
  modification time before they are reused (hard-linked) in the next write;
- the search index's shards, and the site before last (a Spare), to be
  recycled as the next staging folder.

What depends on the settings is dropped when they change (the search state
checks its own reuse page by page), and a cache written by another version of
briefgen is never read. `serve` keeps one in memory; the CLI keeps one
in `.briefgen-cache/` (build.pickle, search.pickle, then state.pickle, which
vouches for the others) so a new process starts warm. A file that does not
unpickle or fails its checksum is ignored and the build runs cold.
"""

from __future__ import annotations

import copyreg
import functools
from importlib import metadata
import hashlib
import os
import pickle
import types
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from briefgen import __version__
from briefgen.output import MARKER, Output
from briefgen import search
from briefgen.search import SearchState, pagefind_binary

CACHE_DIR = ".briefgen-cache"
_CACHE_FILE = "build.pickle"  # documents, bodies, search index: large
_STATE_FILE = "state.pickle"  # what the last build read and wrote: small
_SEARCH_FILE = "search.pickle"  # the search index's shards and pages
_MAGIC = b"briefgen-cache-2\n"


def _read_only(mapping: dict) -> types.MappingProxyType:
    return types.MappingProxyType(mapping)


# Documents keep their mappings read-only; pickle them as plain dicts.
copyreg.pickle(types.MappingProxyType, lambda proxy: (_read_only, (dict(proxy),)))


@dataclass
class BuildCache:
    settings_key: str = ""
    documents: dict[PurePosixPath, tuple[str, Any, tuple]] = field(default_factory=dict)
    bodies: dict[PurePosixPath, tuple[str, Any]] = field(default_factory=dict)
    outputs: dict[PurePosixPath, tuple[str, Output]] = field(default_factory=dict)  # serve: in memory
    written: dict[PurePosixPath, tuple[str, int, int]] = field(default_factory=dict)  # CLI: key, size, mtime
    output_dir: Path | None = None
    spare: Any = None  # output.Spare: the site before the last, kept as the next staging folder
    search: SearchState | None = None  # the last build's search shards
    model: Any = None  # build.ModelMemo: the site model, reused while every document's front matter is unchanged
    jobs: Any = None  # build.JobMemo: the last build's page jobs, what each showed, and their fingerprints
    # In memory only (serve): cheap to make once, costly to make on every save.
    environment: tuple | None = None  # (what the templates are, the Jinja environment that compiled them)
    views: dict = field(default_factory=dict)  # the last build's briefing views, by slug
    checked_paths: list | None = None  # the output paths the last good build checked for collisions
    sources: dict = field(default_factory=dict)  # the last build's sources, by path (serve: in memory)
    stamps: dict = field(default_factory=dict)  # path -> ((mtime_ns, size), digest) of the last build's content
    last_inputs: str = ""  # digest of every input of the last successful build
    last_diagnostics: tuple = ()  # its warnings, repeated when nothing has changed

    def reset_for(self, settings_key: str) -> None:
        """Forget what depends on the settings when they differ from those the cache was made with."""
        if settings_key != self.settings_key:
            self.settings_key = settings_key
            # The search state stays: its shards are reused only for pages of the same fingerprint or bytes.
            self.documents, self.bodies, self.outputs = {}, {}, {}
            self.model = self.jobs = self.environment = None
            self.views = {}

    def reusable_output(self, rel: PurePosixPath, key: str, origin: str) -> Output | None:
        entry = self.outputs.get(rel)
        if entry is not None and entry[0] == key:
            return entry[1]
        written = self.written.get(rel)
        if written is not None and written[0] == key and self.output_dir is not None:
            path = f"{self.output_dir}/{rel}"  # strings: this runs for every page of the site
            try:
                stat = os.stat(path)
            except OSError:
                return None
            if (stat.st_size, stat.st_mtime_ns) == written[1:]:
                return Output(rel, copy_from=Path(path), origin=origin)
        return None

    def remember_outputs(self, outputs, keys) -> None:
        """Keep the last good build's outputs in memory (serve)."""
        self.outputs = {o.rel_path: (keys[o.rel_path], o) for o in outputs if o.rel_path in keys}


def settings_key(config, drafts: bool, template_digest: str) -> str:
    """Changes with the settings, the templates, and briefgen's own code."""
    return hashlib.blake2b(repr((code_digest(), config, drafts, template_digest)).encode(),
                           digest_size=16).hexdigest()


@functools.cache
def code_digest() -> str:
    """briefgen's version and source: a changed briefgen never reuses an older one's pages."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    # The libraries that shape the output, and whether Pagefind is there to index it.
    for package in ("markdown-it-py", "mdit-py-plugins", "Jinja2", "PyYAML", "python-slugify", "pagefind"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none".encode())
    digest.update(str(pagefind_binary()).encode())
    return digest.hexdigest()


def load_cache(root: Path, output_dir: Path, *, state_only: bool = False) -> BuildCache:
    """The cache saved by the last CLI build of this site, or an empty one.

    With state_only, just the small part that says what the last build read
    and wrote: enough to tell that nothing has changed since.
    """
    folder = root / CACHE_DIR
    state = _read_blob(folder / _STATE_FILE)
    if state is None or state.get("output_dir") != output_dir:
        return BuildCache(output_dir=output_dir)
    cache = BuildCache(output_dir=output_dir, written=state["written"], last_inputs=state["last_inputs"],
                       last_diagnostics=state["last_diagnostics"], stamps=state["stamps"], spare=state["spare"])
    if state_only:
        return cache
    heavy = _read_blob(folder / _CACHE_FILE)
    if heavy is None or heavy.get("last_inputs") != cache.last_inputs:
        return BuildCache(output_dir=output_dir, written=cache.written, stamps=cache.stamps, spare=cache.spare)
    cache.settings_key, cache.documents = heavy["settings_key"], heavy["documents"]
    cache.bodies, cache.model, cache.jobs = heavy["bodies"], heavy["model"], heavy["jobs"]
    searched = _read_blob(folder / _SEARCH_FILE)
    if searched is not None and searched.get("last_inputs") == cache.last_inputs:
        cache.search = _search_from_output(searched["search"], cache)
    return cache


def save_build(root: Path, cache: BuildCache) -> None:
    """The large part: documents, bodies, model and jobs (the CLI saves it while Pagefind indexes)."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("*\n")
    _write_blob(folder / _CACHE_FILE, {
        "last_inputs": cache.last_inputs, "settings_key": cache.settings_key, "documents": cache.documents,
        "bodies": cache.bodies, "model": cache.model, "jobs": cache.jobs,
    })


def save_state(root: Path, cache: BuildCache) -> None:
    """The search state, then what the last build read and wrote, which vouches for the others."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    _write_blob(folder / _SEARCH_FILE, {
        "last_inputs": cache.last_inputs,
        # The search bundles' bytes are in the output folder already: keep their paths only.
        "search": None if cache.search is None else (
            {name: (fps, key, tuple(o.rel_path for o in files)) for name, (fps, key, files) in cache.search.shards.items()},
            cache.search.pages),
    })
    # Written last: it vouches for the other files through last_inputs.
    _write_blob(folder / _STATE_FILE, {
        "output_dir": cache.output_dir, "written": cache.written, "last_inputs": cache.last_inputs,
        "last_diagnostics": cache.last_diagnostics, "stamps": cache.stamps, "spare": cache.spare,
    })


def _search_from_output(saved, cache: BuildCache):
    """Search shards whose files are in the output folder as last written; the others get indexed again."""
    if not saved:
        return None
    shards_saved, pages = saved
    state = SearchState(pages=pages)
    for name, (fps, key, paths) in shards_saved.items():
        files = [cache.reusable_output(rel, f"search:{name}:{key}", search.ORIGIN) for rel in paths]
        if all(files):
            state.shards[name] = (fps, key, tuple(files))
    return state


def outputs_intact(output_dir: Path, written: dict) -> bool:
    """Every file of the last write is still there, as it was written."""
    if not written or not (output_dir / MARKER).is_file():
        return False
    for rel, (_, size, mtime_ns) in written.items():
        try:
            stat = (output_dir / rel).stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def _read_blob(path: Path) -> dict | None:
    """A pickled dict written by _write_blob, or None if missing, damaged or from another version.

    Read as a stream, twice (the checksum, then the objects), never as one bytes
    object: the file may be 100+ MB, which would be held beside its objects.
    """
    try:
        with open(path, "rb") as file:
            if file.read(len(_MAGIC)) != _MAGIC:
                return None
            checksum = file.read(32)
            digest = hashlib.blake2b(digest_size=16)
            while chunk := file.read(1 << 20):
                digest.update(chunk)
            if digest.hexdigest().encode() != checksum:
                return None
            file.seek(len(_MAGIC) + 32)
            state = pickle.load(file)
    except Exception:  # noqa: BLE001 - any damage means a cold build, never a crash
        return None
    if not isinstance(state, dict) or state.get("version") != code_digest():
        return None  # written by another briefgen: its layout may differ
    return state


class _Checksummed:
    """A file that pickle writes to while the checksum of what it writes is taken."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.blake2b(digest_size=16)

    def write(self, data) -> int:
        self.digest.update(data)
        return self.file.write(data)


def _write_blob(path: Path, state: dict) -> None:
    """Pickled as a stream (no 100+ MB bytes object beside the objects), its checksum written before it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as file:
        file.write(_MAGIC)
        file.write(b"0" * 32)  # the checksum's place, filled in once the payload is written
        payload = _Checksummed(file)
        pickle.dump({**state, "version": code_digest()}, payload, protocol=pickle.HIGHEST_PROTOCOL)
        file.seek(len(_MAGIC))
        file.write(payload.digest.hexdigest().encode())
    os.replace(tmp, path)
