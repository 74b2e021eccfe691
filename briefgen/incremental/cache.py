"""BuildCache: what one build may reuse from the last, checked by digest, never trusted blindly.

- parsed documents, keyed by the source file's digest (and files' stamps, so
  an unchanged file is not even read);
- rendered bodies, keyed by the body's digest plus the digests of the kinds of
  link target the body uses (files, titles, entity names);
- the site model, while every document's front matter is unchanged; while only
  what briefings show of themselves changed (a title, a summary), it is updated;
- the page jobs of the last good build with the briefings each showed, while
  the site's shape (which pages list which briefings) is the same;
- outputs, keyed by each job's fingerprint: in `serve` the last build's bytes
  in memory; from the CLI the files of the last write, checked by size,
  modification and change time before they are reused (hard-linked) in the
  next write;
- the search index's shards, and the site before last (a Spare), to be
  recycled as the next staging folder.

What depends on the settings is dropped when they change (the search state
checks its own reuse page by page), and a cache written by another version of
briefgen is never read. `serve` keeps one in memory; the CLI keeps one in
`.briefgen-cache/` so a new process starts warm: documents, bodies, model and
jobs in a database read row by row (database.py), the search state and what the
last build read and wrote in two pickles (state.pickle, written last, vouches
for search.pickle). A pickle that fails its checksum is ignored, a damaged
database makes the build start again from nothing.

The cache is portable: no key names the site's folder or a file's time
(config_key, inputs.theme_digest), so a cache restored into a checkout
elsewhere (CI) is the same cache. What the state names of one folder (the
content files' stamps, the output's manifest, the spare) is left behind
when the site is built in another: a content file of unknown time is read
and digested, not parsed again. With --cache-pages the written files are
kept in the cache folder too (kept_site.py), for a checkout with no output.
"""

from __future__ import annotations

import copyreg
import functools
import os
import sys
import types
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from briefgen import __version__
from briefgen.content.scan import Source
from briefgen.errors import Diagnostic
from briefgen.fingerprint import fingerprint, new_digest
from briefgen.incremental.database import DATABASE, CacheDamaged, CacheDatabase, RowStore, save_database
from briefgen.incremental.kept_site import KeptPage, KeptPages, kept_file, unverified_removed
from briefgen.incremental.state_files import columns, from_columns, read_blob, write_blob
from briefgen.output.files import write_replacing
from briefgen.output.outputs import Output
from briefgen.output.workspace import CACHE_DIR, MARKER
from briefgen.output.writer import Manifest, Spare, Written, is_as_written
from briefgen.search import pagefind
from briefgen.search.pagefind import SearchedPage, SearchState
from briefgen.search.runs import pagefind_binary

if TYPE_CHECKING:  # the steps that keep these import this module
    from briefgen.incremental.model import ModelMemo
    from briefgen.incremental.page_plan import JobMemo
    from briefgen.output.folder_stat import OutputFolderStat, Restored
    from briefgen.render.views import BriefingView

_STATE_FILE = "state.pickle"  # what the last build read and wrote: small
_SEARCH_FILE = "search.pickle"  # the search index's shards and pages


def _read_only(mapping: dict) -> types.MappingProxyType:
    return types.MappingProxyType(mapping)


# Documents keep their mappings read-only; pickle them as plain dicts.
copyreg.pickle(types.MappingProxyType, lambda proxy: (_read_only, (dict(proxy),)))


class KeptOutput(NamedTuple):
    """An output of the last good build kept in memory (serve), with the key it was made under."""

    key: str
    output: Output


@dataclass
class BuildCache:
    """What one build may reuse from the last (see the module's description); one object, owned by the caller."""

    settings_key: str = ""
    documents: RowStore = field(default_factory=RowStore)  # path -> DocumentHead, and the Document (or None)
    bodies: RowStore = field(default_factory=RowStore)  # path -> BodyHead, and the Rendered body
    outputs: dict[str, KeptOutput] = field(default_factory=dict)  # serve: the last good build's, by path
    written: Manifest = field(default_factory=dict)  # CLI: path -> key and Stamp, as written
    output_dir: Path | None = None
    # CLI, a checkout without its output folder: the staging folder the kept site is restored into, and the
    # kept site, where the `written` files are read until then (see kept_site.restore_output).
    restoring: Path | None = None
    kept_dir: Path | None = None
    spare: Spare | None = None  # the site before the last, kept as the next staging folder
    search: SearchState | None = None  # the last build's search shards
    model: ModelMemo | None = None  # the site model, reused while every document's front matter is unchanged
    jobs: JobMemo | None = None  # the last good build's page jobs, what each showed, and their fingerprints
    # In memory only (serve): cheap to make once, costly to make on every save.
    environment: tuple | None = None  # (what the templates are, the Jinja environment that compiled them)
    views: dict[str, BriefingView] = field(default_factory=dict)  # the last build's briefing views, by slug
    languages: dict = field(default_factory=dict)  # a multilingual site: language -> its tree's languages.build.TreeCache
    bodies_since_good_build: set[PurePosixPath] = field(default_factory=set)  # rendered, not yet on a page
    # The entities and documents whose mention or backlink lists bodies rendered since then may have changed.
    mentions_since_good_build: set = field(default_factory=set)
    mention_version: int = 0  # counts the changes of bodies' mentions (see page_plan.site_mentions)
    mention_memo: tuple | None = None  # (key, MentionIndex, notes and warnings) of the last build
    checked_paths: list[str] | None = None  # the output paths the last good build checked for collisions
    checked_claims: str = ""  # the digest of the claims the last good build checked (see output/claims.py)
    assets_key: str = ""  # of the files bodies may point at, as the kept bodies were rendered with (images/assets)
    content_assets: list | None = None  # serve: the last listing of content/'s other files
    probes: object | None = None  # images.probe.ProbeCache, loaded once per process
    images_dir: Path | None = None  # where resized images and probes are kept; None: .briefgen-cache/images/
    sources: dict[str, Source] = field(default_factory=dict)  # the last build's sources (serve: in memory)
    stamps: dict = field(default_factory=dict)  # path -> ((mtime_ns, size), digest) of the last build's content
    last_inputs: str = ""  # digest of every input of the last successful build
    last_diagnostics: tuple[Diagnostic, ...] = ()  # its warnings, repeated when nothing has changed
    kept: KeptPages = field(default_factory=dict)  # CLI, --cache-pages: the files of the kept site (kept_site.py)
    database: CacheDatabase | None = None  # CLI: where documents, bodies and the memos not in memory yet are
    folder_stat: OutputFolderStat | None = None  # CLI: knows which written outputs are still intact
    saved_search: tuple | None = None  # CLI: the search state as saved, until restore_search makes it `search`
    _saved_model: ModelMemo | None = None  # CLI: the last model as the database holds it (see earlier_model)

    def adopt_restored(self) -> Restored | None:
        """Once the kept site is restored into `restoring`, its files verified are `written` (until then, the
        kept files' identities with no stamps: see kept_site.being_restored), and only those stay `kept`; the
        restore, if there was one."""
        restored = self.folder_stat.restored() if self.folder_stat is not None else None
        if restored is not None:
            self.written = unverified_removed(self.restoring, restored.linked, restored.verified)
            # A kept file missing or damaged is kept anew once its page is made again.
            self.kept = {name: page for name, page in self.kept.items() if name in self.written}
        return restored

    def restore_search(self) -> None:
        """The saved search shards whose files are still as written (asked late: it waits for the folder stat)."""
        if self.saved_search is not None:
            self.search, self.saved_search = _search_from_output(self.saved_search, self), None

    def model_memo(self, shape: str):
        """The last site model made from documents whose shape digests give `shape`, if kept."""
        if self.model is not None and self.model.shape == shape:
            return self.model
        earlier = self.earlier_model()
        return earlier if earlier is not None and earlier.shape == shape else None

    def earlier_model(self):
        """The last model, whatever its key: every kept body was rendered with its link targets."""
        if self.model is not None:
            return self.model
        if self.database is None:
            return None
        if self._saved_model is None:  # the full model saved, with what the builds since changed of it
            base = self.database.last_memo("model")
            delta = None if base is None else self.database.memo("model-delta", base.key)
            self._saved_model = base if delta is None else delta.applied_to(base)
        return self._saved_model

    def earlier_jobs(self):
        """The last good build's jobs, whatever model and templates they were made for."""
        if self.jobs is not None:
            return self.jobs
        return self._saved_jobs(self.database.last_memo("jobs")) if self.database is not None else None

    def jobs_memo(self, key: tuple[str, str]):
        """The last good build's jobs for this model and these templates, if kept."""
        if self.jobs is not None and self.jobs.key == key:
            return self.jobs
        return self._saved_jobs(self.database.memo("jobs", ":".join(key))) if self.database is not None else None

    def _saved_jobs(self, base):
        """The jobs saved, with what the builds since changed of them (see JobMemo.delta_from)."""
        if base is None:
            return None
        delta = self.database.memo("jobs-delta", ":".join(base.key))
        return base if delta is None else delta.applied_to(base)

    def reset_for(self, settings_key: str) -> None:
        """Forget what depends on the settings when they differ from those the cache was made with."""
        if settings_key != self.settings_key:
            self.settings_key = settings_key
            # The search state stays: its shards are reused only for pages of the same fingerprint or bytes.
            self.documents.clear()
            self.bodies.clear()
            self.assets_key = ""
            self.outputs = {}
            self.model = self.jobs = self.environment = self._saved_model = self.mention_memo = None
            if self.database is not None:  # its memos were made with other settings: a new one is written
                self.database.close()
                self.database = None
            self.views = {}

    def reusable_output(self, name: str, key: str, origin: str) -> Output | None:
        kept = self.outputs.get(name)
        if kept is not None and kept.key == key:
            return kept.output
        written = self.written.get(name)
        if written is None or written.identity != key or self.output_dir is None:
            return None
        # Strings: this runs for every page of the site.
        path = f"{self.output_dir}/{name}" if self.kept_dir is None else kept_file(self.kept_dir, name)
        if not (name in self.folder_stat.intact() if self.folder_stat is not None else is_as_written(path, written)):
            return None
        return Output(name, copy_from=path, origin=origin)

    def remember_outputs(self, outputs, keys) -> None:
        """Keep the last good build's outputs in memory (serve)."""
        kept = [o for o in outputs if o.rel_path in keys]
        # Made by tuple.__new__, in C: a record per page of the site on every save.
        self.outputs = dict(zip([o.rel_path for o in kept], map(functools.partial(tuple.__new__, KeptOutput),
                                                                 zip([keys[o.rel_path] for o in kept], kept))))


def settings_key(config, drafts: bool, template_digest: str) -> str:
    """Changes with the settings, the templates, and briefgen's own code."""
    return fingerprint(code_digest(), config_key(config), drafts, template_digest)


def config_key(config):
    """The settings as keys see them: without the folder the site is in, and with the output folder as a
    path from it (--out makes it absolute), neither of which a page shows (a template that names `root`
    or `output_dir` keeps its folder in the template digest, see inputs.theme_digest). So a cache
    restored into a fresh checkout elsewhere (CI) is the same cache."""
    return replace(config, root=Path(), output_dir=os.path.relpath(config.output_path, config.root.resolve()))


@functools.cache
def code_digest() -> str:
    """briefgen's version and source: a changed briefgen never reuses an older one's pages."""
    digest = new_digest()
    digest.update(__version__.encode() + sys.version.encode())  # a str's or a float's repr is the interpreter's
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    # The libraries that shape the output, and whether Pagefind is there to index it.
    for package in ("markdown-it-py", "mdit-py-plugins", "Jinja2", "PyYAML", "python-slugify", "pagefind"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none".encode())
    digest.update(str(pagefind_binary()).encode())
    return digest.hexdigest()


def load_state(root: Path, output_dir: Path) -> BuildCache:
    """The small part of the cache saved by the last CLI build: enough to tell that nothing has changed since."""
    state = read_blob(root / CACHE_DIR / _STATE_FILE, code_digest())
    if state is None:
        return BuildCache(output_dir=output_dir)
    kept = from_columns(state["kept"], KeptPage)
    if state.get("output_dir") != output_dir:
        # Saved in another folder (a checkout elsewhere: CI): what the cache holds is keyed by content and
        # stays; what names that folder's files or their times (stamps, manifest, spare) does not.
        return BuildCache(output_dir=output_dir, last_inputs=state["last_inputs"], kept=kept,
                          last_diagnostics=state["last_diagnostics"], checked_claims=state["checked_claims"])
    spare = None if state["spare"] is None else Spare(state["spare"][0], from_columns(state["spare"][1], Written))
    return BuildCache(output_dir=output_dir, written=from_columns(state["written"], Written),
                      last_inputs=state["last_inputs"], last_diagnostics=state["last_diagnostics"],
                      stamps=state["stamps"], spare=spare, kept=kept,
                      checked_claims=state["checked_claims"])


def load_cache(root: Path, output_dir: Path, state: BuildCache | None = None) -> BuildCache:
    """The cache saved by the last CLI build of this site, or an empty one; `state` is load_state's, if read already.

    Documents and bodies are left in the database but for their keys; the
    model and jobs are read when the build finds them usable (model_memo, jobs_memo).
    """
    folder = root / CACHE_DIR
    cache = state if state is not None else load_state(root, output_dir)
    database = CacheDatabase.open(folder / DATABASE, code_digest())
    if database is not None:
        try:
            cache.documents, cache.bodies = database.rows("documents"), database.rows("bodies")
            cache.database, cache.settings_key = database, database.meta.get("settings_key", "")
            cache.assets_key = database.meta.get("assets_key", "")
        except CacheDamaged:
            database.close()
            cache.documents, cache.bodies = RowStore(), RowStore()
    if cache.last_inputs:
        searched = read_blob(folder / _SEARCH_FILE, code_digest())
        if searched is not None and searched.get("last_inputs") == cache.last_inputs:
            cache.saved_search = searched["search"]
    return cache


def forget_cache(root: Path, cache: BuildCache) -> BuildCache:
    """A damaged cache is left for an empty one; only the spare site, checked file by file when used, is kept,
    and the folder stat, whose process may be restoring the kept site (see adopt_restored)."""
    if cache.database is not None:
        cache.database.close()
    (root / CACHE_DIR / DATABASE).unlink(missing_ok=True)
    return BuildCache(output_dir=cache.output_dir, restoring=cache.restoring, kept_dir=cache.kept_dir,
                      spare=cache.spare, folder_stat=cache.folder_stat)


def save_build(root: Path, cache: BuildCache) -> None:
    """The large part: documents, bodies, model and jobs (the CLI saves it while Pagefind indexes)."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    try:  # replaced, not written through: a pipe put there would block the open
        write_replacing(folder / ".gitignore", b"*\n")
    except OSError:  # a folder of that name: git may see the cache, the cache still works
        pass
    model, base = cache.model, cache.database.loaded("model") if cache.database is not None else None
    if model is not None and model is cache._saved_model:  # as the database holds it: nothing to write
        delta = cache.database.loaded("model-delta")
    else:  # a model of the last one's shape with only some briefings showing something else (a new title)
        # is saved as how it differs from the full model saved before; any other model is saved whole
        delta = model.delta_from(base) if model is not None and base is not None and model is not base else None
    jobs, jobs_base = cache.jobs, cache.database.loaded("jobs") if cache.database is not None else None
    jobs_delta = jobs.delta_from(jobs_base) if jobs is not None and jobs_base is not None else None
    if jobs_delta is not None:  # the base stays as saved, and is not written again
        jobs = jobs_base
    memos = {"model": (base.shape, base) if delta else (model.shape if model else "", model),
             "model-delta": (delta.base_key, delta) if delta else ("", None),
             "jobs": (":".join(jobs.key) if jobs else "", jobs),
             "jobs-delta": (jobs_delta.base_key, jobs_delta) if jobs_delta else ("", None)}
    cache.database = save_database(folder, cache.database, code_digest(),
                                   {"settings_key": cache.settings_key, "assets_key": cache.assets_key},
                                   {"documents": cache.documents, "bodies": cache.bodies}, memos)


def save_state(root: Path, cache: BuildCache) -> None:
    """The search state, then what the last build read and wrote, which vouches for the others."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    write_blob(folder / _SEARCH_FILE, code_digest(), {
        "last_inputs": cache.last_inputs,
        # The search bundles' bytes are in the output folder already: keep their paths only.
        "search": None if cache.search is None else (
            {name: shard._replace(files=tuple(o.rel_path for o in shard.files))
             for name, shard in cache.search.shards.items()},
            columns(cache.search.pages)),
    })
    # Written last: it vouches for the other files through last_inputs.
    write_blob(folder / _STATE_FILE, code_digest(), {
        "output_dir": cache.output_dir, "written": columns(cache.written), "last_inputs": cache.last_inputs,
        "last_diagnostics": cache.last_diagnostics, "stamps": cache.stamps,
        "spare": None if cache.spare is None else (cache.spare.path, columns(cache.spare.manifest)),
        "checked_claims": cache.checked_claims, "kept": columns(cache.kept),
    })


def _search_from_output(saved, cache: BuildCache):
    """Search shards whose files are in the output folder as last written; the others get indexed again."""
    if not saved:
        return None
    shards_saved, pages = saved
    state = SearchState(pages=from_columns(pages, SearchedPage))
    for name, shard in shards_saved.items():  # each Shard's files saved as their paths
        files = [cache.reusable_output(rel, key, pagefind.ORIGIN) for rel, key in zip(shard.files, shard.file_keys)]
        if all(files):
            state.shards[name] = shard._replace(files=tuple(files))
    return state


def outputs_intact(output_dir: Path, written: dict) -> bool:
    """Every file of the last write is still there, as it was written."""
    if not written or not (output_dir / MARKER).is_file():
        return False
    for rel, entry in written.items():
        if not is_as_written(f"{output_dir}/{rel}", entry):
            return False
    return True
