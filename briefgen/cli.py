"""The command line: parse flags, call one function, print diagnostics, set the exit status."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Iterator

import click

from briefgen import __version__
from briefgen.config import SiteConfig, load_config
from briefgen.config_checks import base_url_problem, shown
from briefgen.errors import BuildError, Severity, notes_as_warnings, raise_if_strict
from briefgen.folder_build import FolderBuildOptions, build_into_folder
from briefgen.pipeline import build
from briefgen.wording import counted

BUG_URL = "https://github.com/briefgen/briefgen/issues"


class Reporter:
    """How much to say: -q says only errors, -v adds timings."""

    def __init__(self, verbosity: int):
        self.verbosity = verbosity
        self.notes = False  # notes for the editor (see model/mentions.py): check and serve show them, build with -v

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
            if diagnostic.severity is Severity.NOTE:
                if self.verbosity >= 2 or (self.notes and self.verbosity >= 1):
                    click.secho(str(diagnostic), fg="cyan", err=True)
            elif diagnostic.severity is Severity.ERROR or self.verbosity >= 1:
                colour = "red" if diagnostic.severity is Severity.ERROR else "yellow"
                click.secho(str(diagnostic), fg=colour, err=True)


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (`kill`, a CI job cancelled, a service manager) stops a command as Ctrl-C does: what it was
    making is cleaned up (temporary folders, a half-written site), the user's files are left as they were,
    and it exits 130. Without this, Python would end at once and leave them behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


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
            with _sigterm_as_ctrl_c():
                return func(ctx, reporter, *args, **kwargs)
        except BuildError as exc:
            reporter.diagnostics(exc.diagnostics)
            errors = sum(1 for d in exc.diagnostics if d.severity is Severity.ERROR)
            written = {"check": "", "publish": "; nothing was published"}.get(ctx.command.name, "; nothing was written")
            click.secho(f"{counted(errors, 'error')}{written}.", fg="red", err=True)
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
        problem = base_url_problem(base_url)  # the rule site.yaml's base_url is held to
        if problem is not None:
            raise click.BadParameter(f"'{shown(base_url)}' cannot be the base URL: {problem}. "
                                     "Write e.g. https://user.github.io/repo/", param_hint="--base-url")
        config = config.with_base_url(base_url)
    if out is not None:
        config = config.with_output_dir(str(out.resolve()))
    return config


@cli.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: _site).")
@click.option("--base-url", help="The URL the site is served at, e.g. https://user.github.io/repo/.")
@click.option("--drafts", is_flag=True, help="Include briefings marked draft: true.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--force", is_flag=True, help="Replace a non-empty output folder that briefgen did not make.")
@click.option("--no-cache", is_flag=True, help="Build from scratch, without reading or writing .briefgen-cache/.")
@click.option("--strict-tags", is_flag=True,
              help="Report a name the text mentions but the front matter misses as a warning, not a note.")
@click.option("--cache-pages", is_flag=True,
              help="Keep the built files in .briefgen-cache/ too, so that a checkout with the cache restored and "
                   "no output folder (CI) reuses them instead of rendering every page again.")
@jobs_option
@command
def build_command(ctx, reporter: Reporter, out, base_url, drafts, strict, force, no_cache, strict_tags, cache_pages,
                  jobs):
    """Build the site into _site/."""
    started = time.perf_counter()
    if no_cache and cache_pages:
        raise click.UsageError("--cache-pages keeps pages in the build cache, which --no-cache turns off: "
                               "pass one of them.")
    config = site_config(ctx, base_url, out)
    options = FolderBuildOptions(drafts=drafts, strict=strict, force=force, use_cache=not no_cache,
                                 cache_pages=cache_pages, workers=jobs, strict_tags=strict_tags)
    built = build_into_folder(config, options, reporter)
    ctx.obj["kept"].append(built)  # let go with the process (see main)
    reporter.diagnostics(notes_as_warnings(built.diagnostics) if strict_tags else built.diagnostics)
    seconds = time.perf_counter() - started
    if built.result is None:
        reporter.info(f"Nothing changed since the last build; {_shown(config.output_path)} is up to date "
                      f"({seconds:.2f} s).")
        return
    result = built.result
    pages = sum(1 for o in result.outputs if o.rel_path.endswith(".html"))
    reporter.info(f"Built {counted(pages, 'page')} ({counted(len(result.outputs), 'file')}; {result.rendered} rendered, "
                  f"{result.reused} unchanged) into {_shown(config.output_path)} in {seconds:.2f} s.")
    for phase, phase_seconds in built.timings.items():
        reporter.detail(f"  {phase:<10} {phase_seconds:.3f} s")
    if built.interrupted_late:
        reporter.info("Ctrl-C came after the new site was in place, so the build was finished.")


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
    reporter.notes = True
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
@click.option("--strict-tags", is_flag=True,
              help="Report a name the text mentions but the front matter misses as a warning, not a note.")
@command
def check_command(ctx, reporter: Reporter, drafts, strict, strict_tags):
    """Check content, entities and links without writing a site."""
    config = site_config(ctx)
    result = build(config, drafts=drafts, render_pages=False)
    diagnostics = notes_as_warnings(result.diagnostics) if strict_tags else result.diagnostics
    raise_if_strict(diagnostics, strict)
    reporter.notes = True
    reporter.diagnostics(diagnostics)
    for source, site_path in result.unlinked:  # published all the same: another site may link to it
        reporter.detail(f"{source}: nothing in the site links to it; it is published at {config.base_path}{site_path}.")
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    notes = sum(1 for d in diagnostics if d.severity is Severity.NOTE)
    found = "".join(f", {counted(number, noun)}" for number, noun in ((warnings, "warning"), (notes, "note")) if number)
    reporter.info(f"Checked {counted(len(result.site.briefings), 'briefing')} and "
                  f"{counted(len(result.site.registry.entities), 'entity')}: no errors{found}.")


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
    from briefgen.publish.branch import PublishOptions, publish
    config = site_config(ctx, base_url)
    options = PublishOptions(remote=remote, branch=branch, message=message, push=not no_push, force=force,
                             workers=jobs)
    publication = publish(config, options, reporter)
    reporter.diagnostics(publication.build.diagnostics)
    reporter.info(publication.summary())


@cli.command("tag")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "all_files", is_flag=True, help="Every briefing whose text mentions a name it misses.")
@click.option("--yes", is_flag=True, help="Write the changes; without it they are only shown.")
@command
def tag_command(ctx, reporter: Reporter, files, all_files, yes):
    """Add to briefings' front matter the entities their text mentions but does not name."""
    from briefgen.tagging import plan_tags
    if not files and not all_files:
        raise click.UsageError("name the briefings to tag (content/briefings/x.md …), or give --all.")
    config = site_config(ctx)
    plan = plan_tags(config, None if all_files else list(files))
    said = plan.report(write=yes, everything=all_files, site=_shown(config.root))
    for line in said.diffs:
        click.echo(line, nl=False)
    for line in said.errors:
        click.secho(line, fg="red", err=True)
    for line in said.info:
        reporter.info(line)
    if said.errors:
        ctx.exit(1)


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
    made = create_site(directory, title)
    for path in made.created:
        reporter.detail(f"  created {path}")
    for note in made.notes:
        reporter.info(f"note: {note}")
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
    """The command line. What a command puts in ctx.obj["kept"] (a build: its cache and result, the
    largest objects of the process on a large site) is not freed object by object before the process
    ends, which costs a visible part of a build after one edit (the benchmark's warm builds show it):
    once the output is flushed and the exit handlers have run, the process ends with it held."""
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
