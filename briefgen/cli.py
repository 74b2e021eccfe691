"""The command line: parse flags, call one function, print diagnostics, set the exit status."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import sqlite3
import sys
import gc
import signal
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, Iterator

import click

from briefgen import __version__
from briefgen.search import pagefind
from briefgen.pipeline import BuildResult, begin_search, build, finish_search, inputs_key
from briefgen.incremental.cache import (CACHE_DIR, BuildCache, forget_cache, load_cache, load_state, outputs_intact, save_build,
                            save_state)
from briefgen.incremental.database import CacheDamaged
from briefgen.output.folder_stat import DiskSurvey
from briefgen.config import SiteConfig, load_config
from briefgen.errors import BuildError, Diagnostic, Diagnostics, Severity
from briefgen.output.writer import write_site
from briefgen.output.workspace import (LOCK_FILE, Workspace, check_output_folder, exclusive_lock, finish_interrupted,
                                open_workspace)

BUG_URL = "https://github.com/briefgen/briefgen/issues"


class Reporter:
    """How much to say: -q says only errors, -v adds timings."""

    def __init__(self, verbosity: int):
        self.verbosity = verbosity

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            click.echo(message, err=True)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            click.echo(message, err=True)

    def progress(self, what: str, done: int, total: int) -> None:
        """A bar on a terminal for long phases; nothing under -q or when stderr is not a terminal."""
        if self.verbosity < 1 or total < 500 or not sys.stderr.isatty():
            return
        filled = 30 * done // total
        end = "\n" if done >= total else ""
        click.echo(f"\r{what:<17} [{'#' * filled}{'.' * (30 - filled)}] {done:>6}/{total}", err=True, nl=False)
        if end:
            click.echo("", err=True)

    def diagnostics(self, diagnostics) -> None:
        for diagnostic in diagnostics:
            if diagnostic.severity is Severity.ERROR or self.verbosity >= 1:
                colour = "red" if diagnostic.severity is Severity.ERROR else "yellow"
                click.secho(str(diagnostic), fg=colour, err=True)


def command(func):
    """Common handling: BuildError -> its diagnostics and exit 1; a bug -> a short note, exit 70."""

    @functools.wraps(func)
    def wrapper(ctx: click.Context, *args, quiet: bool, verbose: bool, debug: bool, **kwargs):
        # -q/-v/--debug work after the command name too: `briefgen build -q`.
        if quiet or verbose:
            ctx.obj["reporter"] = Reporter(0 if quiet else 2)
        ctx.obj["debug"] = ctx.obj["debug"] or debug
        reporter: Reporter = ctx.obj["reporter"]
        try:
            return func(ctx, reporter, *args, **kwargs)
        except BuildError as exc:
            reporter.diagnostics(exc.diagnostics)
            errors = sum(1 for d in exc.diagnostics if d.severity is Severity.ERROR)
            written = "" if ctx.command.name == "check" else "; nothing was written"
            click.secho(f"{errors} error{'s' if errors != 1 else ''}{written}.", fg="red", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:  # the machine said no: a folder that cannot be written, a full disk
            if ctx.obj["debug"]:
                traceback.print_exc()
            where = f"{exc.filename}: " if exc.filename else ""
            click.secho(f"{where}error: {exc.strerror or exc}.", fg="red", err=True)
            click.echo("Check the path, its permissions and the free disk space; "
                       "a site that was already built is left as it was.", err=True)
            ctx.exit(1)
        except Exception as exc:  # a bug in briefgen, not in the user's files
            if ctx.obj["debug"]:
                traceback.print_exc()
            else:
                click.secho(f"internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
                click.echo(f"This is a bug in briefgen {__version__}. Run again with --debug for the traceback "
                           f"and report it at {BUG_URL}.", err=True)
            ctx.exit(70)

    return verbosity_options(click.pass_context(wrapper))


def verbosity_options(func):
    """-q/-v/--debug, declared here once: the group has them (`briefgen -q build`) and so has each command."""
    func = click.option("--debug", is_flag=True, help="Show a Python traceback for internal errors.")(func)
    func = click.option("-v", "--verbose", is_flag=True, help="Print more: warnings' details and timings.")(func)
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(func)


def jobs_option(func):
    """--jobs N for the commands that build a site."""
    return click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
                        help="Build with N processes (default: one per CPU). 1 starts no worker process, "
                             "as on a system without fork (Windows).")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@verbosity_options
@click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="The site folder (default: the current folder).")
@click.version_option(__version__, prog_name="briefgen")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool, debug: bool, site_dir: Path) -> None:
    """briefgen builds a briefing site from Markdown, cross-linked by leader, treaty and issue."""
    ctx.ensure_object(dict)
    ctx.obj.update(reporter=Reporter(0 if quiet else 2 if verbose else 1), debug=debug, site_dir=site_dir.resolve())


def site_config(ctx: click.Context, base_url: str | None = None, out: Path | None = None) -> SiteConfig:
    config = load_config(ctx.obj["site_dir"])
    if base_url:
        from urllib.parse import urlsplit
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(f"'{base_url}' is not an absolute http(s) URL, e.g. https://user.github.io/repo/",
                                     param_hint="--base-url")
        config = config.with_base_url(base_url)
    if out is not None:
        config = config.with_output_dir(str(out.resolve()))
    return config


def report_warnings(diagnostics, reporter: Reporter, strict: bool) -> None:
    """Print a build's warnings; with --strict they are errors and the build fails."""
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    if strict and warnings:
        raise BuildError([Diagnostic(d.path, d.line, d.message, d.hint, Severity.ERROR, d.col) for d in warnings])
    reporter.diagnostics(diagnostics)


@cli.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: _site).")
@click.option("--base-url", help="The URL the site is served at, e.g. https://user.github.io/repo/.")
@click.option("--drafts", is_flag=True, help="Include briefings marked draft: true.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--force", is_flag=True, help="Replace a non-empty output folder that briefgen did not make.")
@click.option("--no-cache", is_flag=True, help="Build from scratch, without reading or writing .briefgen-cache/.")
@jobs_option
@command
def build_command(ctx, reporter: Reporter, out, base_url, drafts, strict, force, no_cache, jobs):
    """Build the site into _site/."""
    started = time.perf_counter()
    config = site_config(ctx, base_url, out)
    diags = Diagnostics()
    check_output_folder(config, config.output_path, diags, force=force)
    diags.raise_if_errors()
    with CommitPoint() as commit, _output_session(config, reporter, no_cache) as workspace:
        _build_into(ctx, reporter, config, workspace, commit, drafts, strict, no_cache, jobs, started)
    if commit.interrupted_late:
        reporter.info("Ctrl-C came after the new site was in place, so the build was finished.")


class CommitPoint:
    """Ctrl-C before the new site is swapped in abandons the build (exit 130, the previous site in place).
    After that point the new site is what readers get, so the build finishes and succeeds."""

    def __init__(self):
        self.committed = self.interrupted_late = False
        self._previous = None

    def __enter__(self) -> CommitPoint:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._interrupted)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def commit(self) -> None:
        self.committed = True

    def _interrupted(self, signum, frame) -> None:
        if not self.committed:
            raise KeyboardInterrupt
        self.interrupted_late = True


@contextlib.contextmanager
def _output_session(config: SiteConfig, reporter: Reporter, no_cache: bool) -> Iterator[Workspace]:
    """The locks a writing build holds (the site's cache, then its output folder) and the output's workspace,
    with what a killed build left in it finished."""
    holder = f"briefgen build (process {os.getpid()}) writing {config.output_path}"
    with contextlib.ExitStack() as stack:
        if not no_cache:
            stack.enter_context(_site_lock(config, reporter, holder))
        workspace = open_workspace(config.output_path)
        stack.enter_context(exclusive_lock(workspace.folder / LOCK_FILE, holder, _waiting(reporter)))
        finish_interrupted(workspace)
        yield workspace


@contextlib.contextmanager
def _site_lock(config: SiteConfig, reporter: Reporter, holder: str) -> Iterator[None]:
    """One build of a site at a time, whatever its output folder: they share the site's cache."""
    cache_folder = config.root / CACHE_DIR
    if not _can_hold(cache_folder):  # then the cache cannot be saved either, and the build says so
        yield
        return
    with exclusive_lock(cache_folder / LOCK_FILE, holder, _waiting(reporter)):
        yield


def _waiting(reporter: Reporter) -> Callable[[str], None]:
    return lambda other: reporter.info(f"Waiting for {other} to finish …")


def _can_hold(folder: Path) -> bool:
    """The cache folder can hold its lock file."""
    try:
        folder.mkdir(exist_ok=True)
        (folder / LOCK_FILE).touch(exist_ok=True)
        return True
    except OSError:  # a file of that name, a read-only site folder, …
        return False


def _build_into(ctx, reporter: Reporter, config: SiteConfig, workspace: Workspace, commit: CommitPoint,
                drafts: bool, strict: bool, no_cache: bool, jobs: int | None, started: float) -> None:
    cache = BuildCache(output_dir=config.output_path)
    phases: dict[str, float] = {}  # for -v: where the time went, besides the build's own phases
    inputs, survey, listing = "", None, None
    if not no_cache:
        cache = load_state(config.root, config.output_path)
        inputs, stamps, listing = inputs_key(config, drafts, cache.stamps)
        if cache.last_inputs == inputs and outputs_intact(config.output_path, cache.written):
            report_warnings(cache.last_diagnostics, reporter, strict)
            reporter.info(f"Nothing changed since the last build; {_shown(config.output_path)} is up to date "
                          f"({time.perf_counter() - started:.2f} s).")
            return
        # Forked before the cache database is opened: the second core looks at the disk meanwhile.
        survey = DiskSurvey(config.output_path, cache.written, cache.spare.path if cache.spare else None,
                            fork=jobs != 1)
    spill = None
    collecting = gc.isenabled()
    try:
        spill = workspace.new_folder("pages")  # a large render's pages wait there, not in memory
        if survey is not None:
            lap = time.perf_counter()
            cache = load_cache(config.root, config.output_path, cache)
            cache.stamps, cache.survey = stamps, survey  # stamps just taken: unchanged files need not be read
            phases["cache load"] = time.perf_counter() - lap
            # The cache lives until the end: the collector need not walk it again and again. Nor does it
            # walk what the build makes: this process ends with it, and the cycles it makes are few
            # (pages render in forked workers); at 10,000 briefings collecting costs more than a third
            # of a build after one edit, and skipping it adds ~20 MB to a cold build's peak.
            gc.freeze()
            gc.disable()
        try:
            result = build(config, drafts=drafts, cache=cache, workers=jobs, progress=reporter.progress,
                           index_search=False, listing=listing, spill=spill)
        except CacheDamaged as exc:
            reporter.info(f"warning: the build cache in {CACHE_DIR}/ is damaged ({exc}); building from scratch.")
            cache = forget_cache(config.root, cache)
            result = build(config, drafts=drafts, cache=cache, workers=jobs, progress=reporter.progress,
                           index_search=False, spill=spill)
        result = _index_and_write(config, workspace, commit, result, cache, inputs if survey else None,
                                  survey.spare_listing() if survey else None, spill, reporter, strict, phases)
    finally:
        if survey is not None:
            survey.close()
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)
        if cache.database is not None:
            cache.database.close()
        if collecting:  # for callers in the same process (tests); what was frozen stays frozen (its cycles, if
            gc.enable()  # any, are let go): walking it again would cost more than the build's last second
    pages = sum(1 for o in result.outputs if o.rel_path.endswith(".html"))
    reporter.info(f"Built {pages} pages ({len(result.outputs)} files; {result.rendered} rendered, "
                  f"{result.reused} unchanged) into {_shown(config.output_path)} "
                  f"in {time.perf_counter() - started:.2f} s.")
    for phase, seconds in {**result.timings, **phases}.items():
        reporter.detail(f"  {phase:<10} {seconds:.3f} s")
    ctx.obj.get("kept", []).append((cache, result))  # let go with the process (see main)


def _index_and_write(config: SiteConfig, workspace: Workspace, commit: CommitPoint, result: BuildResult,
                     cache: BuildCache, inputs: str | None, listing, spill: Path, reporter: Reporter, strict: bool,
                     phases: dict[str, float]) -> BuildResult:
    """Search index, cache and site: Pagefind indexes in processes of its own while the cache is saved
    and the pages are staged. Without `inputs` (--no-cache) the cache is neither saved nor kept."""
    lap = time.perf_counter()
    pending = begin_search(result, cache.search)
    phases["search start"] = time.perf_counter() - lap
    indexing = pending.index.indexing()
    reporter.detail(f"  search: {len(indexing)} of {len(indexing) + len(pending.index.state.shards)} shards "
                    f"indexed again{': ' + ', '.join(indexing) if indexing else ''}")
    searched: list[BuildResult] = []

    def search_index():  # called by write_site once the pages are staged
        lap = time.perf_counter()
        finished, cache.search = finish_search(pending)
        phases["pagefind"] = time.perf_counter() - lap  # what was left of it by then
        if any(d.severity is Severity.ERROR for d in finished.diagnostics):
            raise BuildError(finished.diagnostics)
        report_warnings(finished.diagnostics, reporter, strict)
        searched.append(finished)
        return [o for o in finished.outputs if o.origin == pagefind.ORIGIN], finished.keys

    try:
        cache_saved = False
        if inputs is not None:
            cache.last_inputs, cache.last_diagnostics = inputs, result.diagnostics
            lap = time.perf_counter()
            cache_saved = _saving(reporter, lambda: save_build(config.root, cache))
            phases["cache save"] = time.perf_counter() - lap
        lap = time.perf_counter()
        cache.written, cache.spare = write_site(pending.pages, workspace, result.keys, cache.written, cache.spare,
                                                keep_spare=inputs is not None, late=search_index,
                                                late_folder=pagefind.BUNDLE_DIR, listing=listing, spill=spill,
                                                on_swap=commit.commit)
        phases["write"] = time.perf_counter() - lap - phases["pagefind"]
    finally:
        pending.index.abandon()  # nothing left once finished; after a failure, no Pagefind outlives the build
    if cache_saved:
        cache.last_diagnostics = searched[0].diagnostics
        lap = time.perf_counter()
        _saving(reporter, lambda: save_state(config.root, cache))
        phases["cache save"] += time.perf_counter() - lap
    return searched[0]


def _saving(reporter: Reporter, save: Callable[[], None]) -> bool:
    """Save (part of) the cache; a cache that cannot be saved costs the next build its head start, no more."""
    try:
        save()
        return True
    except (OSError, sqlite3.Error) as exc:  # a full disk, a database another build holds locked, …
        reporter.info(f"warning: could not save the build cache in {CACHE_DIR}/: "
                      f"{getattr(exc, 'strerror', None) or exc}; the next build starts from scratch.")
        return False


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on (0: any free port).")
@click.option("--drafts", is_flag=True, help="Include briefings marked draft: true.")
@click.option("--base-url", help="Preview under this URL's path instead of site.yaml's base_url.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a web browser.")
@jobs_option
@command
def serve_command(ctx, reporter: Reporter, host, port, drafts, base_url, open_browser, jobs):
    """Preview the site, rebuilding and reloading the browser as you edit."""
    from briefgen.serve.http import ListenError
    from briefgen.serve.session import PreviewSettings, run_preview
    config = site_config(ctx, base_url)  # a site folder and a valid --base-url, before anything listens
    settings = PreviewSettings(root=config.root, host=host, port=port, drafts=drafts, base_url=base_url,
                               debug=ctx.obj["debug"], workers=jobs)
    try:
        run_preview(settings, reporter, open_browser=open_browser)
    except ListenError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        ctx.exit(2)


@cli.command("check")
@click.option("--drafts", is_flag=True, help="Check drafts too.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@command
def check_command(ctx, reporter: Reporter, drafts, strict):
    """Check content, entities and links without writing a site."""
    config = site_config(ctx)
    result = build(config, drafts=drafts, write_pages=False)
    report_warnings(result.diagnostics, reporter, strict)
    warnings = len(result.warnings)
    reporter.info(f"Checked {len(result.site.briefings)} briefings and {len(result.site.registry.entities)} entities: "
                  f"no errors{f', {warnings} warning' + ('s' if warnings != 1 else '') if warnings else ''}.")


@cli.command("publish")
@click.option("--remote", default="origin", show_default=True, help="The git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True, help="The branch that holds the published site.")
@click.option("-m", "--message", help="The commit message (default: names the source commit).")
@click.option("--no-push", is_flag=True, help="Commit to the local branch only; push it later with git push.")
@click.option("--force", is_flag=True, help="Replace the remote branch's history when it has diverged from the local one.")
@click.option("--base-url", help="The URL the site is served at, instead of site.yaml's base_url.")
@jobs_option
@command
def publish_command(ctx, reporter: Reporter, remote, branch, message, no_push, force, base_url, jobs):
    """Build for production and commit the site to the gh-pages branch, then push it."""
    from briefgen.publish import PublishOptions, publish
    config = site_config(ctx, base_url)
    options = PublishOptions(remote=remote, branch=branch, message=message, push=not no_push, force=force,
                             workers=jobs)
    publication = publish(config, options)
    reporter.diagnostics(publication.build.diagnostics)
    reporter.info(publication.summary())


@cli.group("new")
def new_group():
    """Create a new site or briefing."""


@new_group.command("site")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My briefing desk", help="The site's title.")
@command
def new_site_command(ctx, reporter: Reporter, directory: Path, title: str):
    """Create a new site in DIRECTORY that builds at once."""
    from briefgen.scaffold import create_site
    created = create_site(directory, title)
    for path in created:
        reporter.detail(f"  created {path}")
    reporter.info(f"Created a new site in {directory}. Next: cd {directory} && briefgen serve")


@new_group.command("briefing")
@click.argument("title")
@click.option("--date", "date_text", help="The date (YYYY-MM-DD); default: today.")
@command
def new_briefing_command(ctx, reporter: Reporter, title: str, date_text: str | None):
    """Create content/briefings/<slug>.md with a front-matter skeleton."""
    from briefgen.scaffold import create_briefing
    config = site_config(ctx)
    path = create_briefing(config, title, date_text)
    reporter.info(f"Created {_shown(path)}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> None:
    """The command line. What a command puts in ctx.obj["kept"] (a build: its cache and result, 500 MB
    of objects at 10,000 briefings) is not freed object by object before the process ends, which would
    take a tenth of the build after one edit: once the output is flushed and the exit handlers have
    run, the process ends with it held."""
    kept: list = []
    try:
        cli.main(args=argv, prog_name="briefgen", obj={"kept": kept})
        code = 0
    except SystemExit as exc:
        code = exc.code
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is over: what it said is what it did
    if not kept or not isinstance(code, int | None):
        raise SystemExit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
