"""What serve is serving: the outputs of the last good build, the errors of the last failed one, and a
generation counter that tells the browser's reload script that something changed."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Iterable, Mapping

from briefgen.images.step import images_folder
from briefgen.config import SiteConfig
from briefgen.errors import Diagnostic, Diagnostics, Severity
from briefgen.output.outputs import Output
from briefgen.pipeline import BuildResult
from briefgen.render.theme import resolve_theme


@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    """The outputs of one good build, keyed by their path inside the site ("briefings/x/index.html")."""

    base_path: str  # "/" or "/repo/"
    files: Mapping[str, Output]
    folders: frozenset[str]  # "briefings", "briefings/x", … for the trailing-slash redirect
    static_roots: tuple[Path, ...]  # resolved; a copied file must live inside one of them
    refused: tuple[Path, ...] = ()  # static files that are symlinks to somewhere outside them

    @classmethod
    def from_build(cls, config: SiteConfig, result: BuildResult, previous: SiteSnapshot | None = None) -> SiteSnapshot:
        """The snapshot of `result`; the folder list is `previous`'s when the same files are there."""
        # static/ folders, content/ (a bundle's images and attachments) and where resized images are kept
        roots = tuple(root.resolve() for root in resolve_theme(config, Diagnostics()).static_dirs) + (
            config.content_dir.resolve(), images_folder(config).resolve())
        files: dict[str, Output] = {}
        refused: list[Path] = []
        for output in result.outputs:
            if output.copy_from is not None and not _inside(output.copy_from, roots):
                refused.append(Path(output.copy_from))
            else:
                files[output.rel_path] = output
        if previous is not None and previous.files.keys() == files.keys():
            folders = previous.folders
        else:
            folders = frozenset({str(parent) for path in files for parent in PurePosixPath(path).parents} - {"."})
        return cls(config.base_path, MappingProxyType(files), folders, roots, tuple(refused))

    def read(self, site_path: str) -> bytes | None:
        """The bytes of a file of the site, or None when there is none (or it would leave the site)."""
        output = self.files.get(site_path)
        if output is None:
            return None
        if output.copy_from is not None and not _inside(output.copy_from, self.static_roots):
            return None  # made a symlink to the outside since the build
        try:
            return output.read()
        except OSError:  # deleted since the build; the rebuild is on its way
            return None


def _inside(path: str | Path, roots: tuple[Path, ...]) -> bool:
    """Whether `path`, with every symlink followed, is inside one of the (resolved) roots."""
    real = Path(path).resolve()
    return any(real.is_relative_to(root) for root in roots)


@dataclass(frozen=True, slots=True)
class PreviewView:
    """One consistent look at the state, taken at the start of a request."""

    snapshot: SiteSnapshot | None
    errors: tuple[Diagnostic, ...]
    generation: int
    session: str


class PreviewState:
    """The last good site, the current errors, and a generation counter bumped by every finished build."""

    def __init__(self):
        self._changed = threading.Condition()
        self._snapshot: SiteSnapshot | None = None
        self._errors: tuple[Diagnostic, ...] = ()
        self._generation = 0
        self._closing = False
        self.session = secrets.token_hex(4)  # a restarted server reloads pages of the old one

    @property
    def generation(self) -> int:
        with self._changed:
            return self._generation

    def view(self) -> PreviewView:
        with self._changed:
            return PreviewView(self._snapshot, self._errors, self._generation, self.session)

    def succeeded(self, snapshot: SiteSnapshot) -> None:
        with self._changed:
            self._snapshot, self._errors = snapshot, ()
            self._finished()

    def search_indexed(self, indexed: SiteSnapshot, snapshot: SiteSnapshot) -> bool:
        """`snapshot` is `indexed` with its search index made; no reload (the pages are the same).

        Ignored if another good build replaced `indexed` since: it asked for its own index. A failed
        build since does not matter: `indexed` is still what is served.
        """
        with self._changed:
            if self._snapshot is not indexed:
                return False
            self._snapshot = snapshot
            return True

    def failed(self, diagnostics: Iterable[Diagnostic]) -> None:
        """The last good snapshot stays; the errors go over every page."""
        with self._changed:
            self._errors = tuple(d for d in diagnostics if d.severity is Severity.ERROR)
            self._finished()

    def _finished(self) -> None:
        self._generation += 1
        self._changed.notify_all()

    def wait_for_change(self, seen: int | None, timeout: float) -> int | None:
        """The generation once it differs from `seen` (or after `timeout`); None when closing."""
        with self._changed:
            self._changed.wait_for(lambda: self._closing or self._generation != seen, timeout)
            return None if self._closing else self._generation

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()

