"""BuildCache: what one build may reuse from the last, checked by digest, never trusted blindly.

- parsed documents, keyed by the source file's digest;
- rendered bodies, keyed by the body's digest plus the link resolver's
  fingerprint (a new alias or title re-links every body);
- outputs, keyed by each job's fingerprint: in `serve` the last build's bytes
  in memory; from the CLI the files of the last write, checked by size and
  modification time before they are reused (hard-linked) in the next write.

The whole cache is dropped when the settings or briefgen's version change.
`serve` keeps one in memory; the CLI keeps one in `.briefgen-cache/` so a new
process starts warm. A file that does not unpickle or fails its checksum is
ignored and the build runs cold.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
import types
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from briefgen import __version__
from briefgen.output import Output

CACHE_DIR = ".briefgen-cache"
_CACHE_FILE = "build.pickle"
_MAGIC = b"briefgen-cache-1\n"

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
    search: tuple[str, tuple[Output, ...]] | None = None

    def reset_for(self, settings_key: str) -> None:
        """Forget everything when the settings differ from those the cache was made with."""
        if settings_key != self.settings_key:
            self.__init__(settings_key=settings_key, output_dir=self.output_dir)

    def reusable_output(self, rel: PurePosixPath, key: str, origin: str) -> Output | None:
        entry = self.outputs.get(rel)
        if entry is not None and entry[0] == key:
            return entry[1]
        written = self.written.get(rel)
        if written is not None and written[0] == key and self.output_dir is not None:
            path = self.output_dir / rel
            try:
                stat = path.stat()
            except OSError:
                return None
            if (stat.st_size, stat.st_mtime_ns) == written[1:]:
                return Output(rel, copy_from=path, origin=origin)
        return None

    def remember_outputs(self, outputs, keys) -> None:
        """Keep the last good build's outputs in memory (serve)."""
        self.outputs = {o.rel_path: (keys[o.rel_path], o) for o in outputs if o.rel_path in keys}


def settings_key(config, drafts: bool, template_digest: str) -> str:
    return hashlib.blake2b(repr((__version__, config, drafts, template_digest)).encode(), digest_size=16).hexdigest()


def load_cache(root: Path, output_dir: Path) -> BuildCache:
    """The cache saved by the last CLI build of this site, or an empty one."""
    path = root / CACHE_DIR / _CACHE_FILE
    try:
        blob = path.read_bytes()
    except OSError:
        return BuildCache(output_dir=output_dir)
    try:
        if not blob.startswith(_MAGIC):
            raise ValueError("unknown format")
        checksum, payload = blob[len(_MAGIC):len(_MAGIC) + 32], blob[len(_MAGIC) + 32:]
        if hashlib.blake2b(payload, digest_size=16).hexdigest().encode() != checksum:
            raise ValueError("checksum mismatch")
        state = pickle.loads(payload)
        if state.get("version") != __version__:
            raise ValueError("made by another version")
        cache = BuildCache(**state["cache"])
    except Exception:  # noqa: BLE001 - any damage means a cold build, never a crash
        return BuildCache(output_dir=output_dir)
    if cache.output_dir != output_dir:
        cache.written = {}
        cache.output_dir = output_dir
    return cache


def save_cache(root: Path, cache: BuildCache) -> None:
    state = {
        "version": __version__,
        "cache": {
            "settings_key": cache.settings_key, "documents": cache.documents, "bodies": cache.bodies,
            "written": cache.written, "output_dir": cache.output_dir, "search": cache.search,
        },
    }
    payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("*\n")
    checksum = hashlib.blake2b(payload, digest_size=16).hexdigest().encode()
    tmp = folder / f"{_CACHE_FILE}.{os.getpid()}.tmp"
    tmp.write_bytes(_MAGIC + checksum + payload)
    os.replace(tmp, folder / _CACHE_FILE)
