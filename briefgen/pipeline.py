"""build(): the one pipeline under build, check, serve and publish.

The stages, in order: read and parse the sources, make the site model,
render the bodies (Markdown), check the paths the site will claim, render
the pages, then add the files that are not pages (static files, sitemap,
robots). Each stage asks the incremental engine (briefgen/incremental/) what
it may reuse from the last build; without a cache the answer is "nothing"
and the code is the same. The search index is a step of its own, after this
one (search/step.py); writing the site to disk is output/'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from briefgen import incremental
from briefgen.config import SiteConfig
from briefgen.content.scan import ContentListing
from briefgen.errors import BuildError, Diagnostic, Diagnostics, Severity
from briefgen.fingerprint import fingerprint
from briefgen.images import step as images
from briefgen.incremental import BuildCache
from briefgen.incremental.cache import code_digest, config_key, settings_key
from briefgen.incremental.memory import rendering_cycles_collected
from briefgen.languages.build import build_languages
from briefgen.model.site import Site
from briefgen.output.claims import Claim, check_claims
from briefgen.output.outputs import Output, check_collisions
from briefgen.render import sitefiles
from briefgen.render import jobs as page_jobs
from briefgen.render.jobs import JobResults, PageJob, run_jobs
from briefgen.render.pages import PageRenderer
from briefgen.render.theme import resolve_theme, static_files, theme_translations
from briefgen.render.words import body_words
from briefgen.search import pagefind
from briefgen.search.step import EarlySearch, index_site
from briefgen.urls import entity_path

Progress = Callable[[str, int, int], None]  # (what, done, total), while bodies and pages are rendered


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site
    outputs: tuple[Output, ...]
    diagnostics: tuple[Diagnostic, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)  # output -> fingerprint of its inputs
    rendered: int = 0  # pages and feeds rendered by this build
    reused: int = 0  # … and reused unchanged from the last one
    search_notes: pagefind.PageNotes | None = None  # for start_search: what the workers noted of spilled pages
    unlinked: tuple[tuple[str, str], ...] = ()  # check: (file, site path) of content files nothing points at
    early_search: EarlySearch | None = None  # shards being indexed already (see build's early_search)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)


class _Clock:
    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = now - self._last
        self._last = now


def build(config: SiteConfig, *, drafts: bool = False, render_pages: bool = True, cache: BuildCache | None = None,
          workers: int | None = None, progress: Progress | None = None, changed_files: Iterable[Path] | None = None,
          listing: ContentListing | None = None, spill: Path | None = None, early_search: bool = False) -> BuildResult:
    """Everything but the search index and the write (see build_tree). A multilingual site is built a tree per
    language (briefgen/languages/build.py), each by build_tree; a site of one language is one tree."""
    options = dict(drafts=drafts, render_pages=render_pages, cache=cache, workers=workers, progress=progress,
                   changed_files=changed_files, listing=listing, spill=spill)
    if config.multilingual:  # its trees' shards are named by language: indexed after rendering, not during
        return build_languages(config, build_tree, **options)
    return build_tree(config, early_search=early_search, **options)


def build_tree(config: SiteConfig, *, drafts: bool = False, render_pages: bool = True, cache: BuildCache | None = None,
               workers: int | None = None, progress: Progress | None = None,
               changed_files: Iterable[Path] | None = None, listing: ContentListing | None = None,
               spill: Path | None = None, alternates=None, prepare: Callable[[BuildCache], None] | None = None,
               early_search: bool = False) -> BuildResult:
    """Everything but the search index and the write. Raises BuildError with every problem found.

    With render_pages=False (briefgen check) it stops after content, entities,
    links and output paths have been checked, before any page is rendered.
    With a cache, whatever is unchanged since the cache's last build is reused;
    the result is the same as a cold build's, byte for byte. The search index
    in the result is the cache's last one, as it was (see search.step).
    `changed_files` (serve: what the watcher saw) are the only files that
    changed since the cache's build, when known; `listing`: content/ as
    incremental.inputs_key found it; `spill`: a folder for the pages of a
    large render, which are then not held in memory (see render.jobs.run_jobs).
    A language's tree of a multilingual site has `alternates` (languages.trees.LanguageTrees), and may
    `prepare` its cache once the settings have had their say (see languages.build).
    `early_search`: a large render starts indexing its pages for search while
    it renders (result.early_search, which start_search takes over or stops).
    """
    diags, clock = Diagnostics(), _Clock()
    cache = cache if cache is not None else BuildCache()
    theme = resolve_theme(config, diags)
    template_digest = incremental.theme_digest(theme)
    translations = theme_translations(theme, config, diags)  # its problems are reported with the content's
    cache.reset_for(settings_key(config, drafts, template_digest))
    if prepare is not None:
        prepare(cache)

    sources = incremental.read_sources(config, diags, cache, changed_files, listing)
    digests, sources = incremental.parse_documents(sources, config, diags, cache)
    clock.lap("parse")

    step = incremental.site_model(digests, sources, drafts, config, cache)
    diags.extend(step.memo.messages)
    site = step.site
    clock.lap("model")

    statics = static_files(theme)
    page_paths = {path: target.site_path for path, target in step.memo.resolver.by_file.items()}
    page_paths.update((str(profile.source_rel).partition("/")[2], entity_path(profile.taxonomy, profile.slug))
                      for profile in site.registry.profiles())
    table = images.asset_table(config, cache, statics, listing, changed_files, page_paths, workers)
    clock.lap("images")
    bodies, rendered_again = incremental.render_bodies(step, config, cache, workers,
                                                       _reporter(progress, "Rendering bodies"), diags, table,
                                                       body_words(translations))
    # Notes for the editor (what the text mentions but the front matter misses) and aliases that catch too much.
    mentions, said = incremental.site_mentions(step, cache)
    diags.extend(said)
    clock.lap("markdown")
    featured = images.featured_images(_featured_documents(site), table, config, diags)
    diags.raise_if_errors()

    env = incremental.jinja_environment(theme, template_digest, cache, translations)
    claims_key = incremental.claims_unchecked(cache, step, statics)
    if claims_key is not None:
        check_claims(_claims(PageRenderer(site, bodies, env, "", mentions=mentions), statics, config), config.root, diags)
        diags.raise_if_errors()
        cache.checked_claims = claims_key
    if not render_pages:
        return BuildResult(site, (), diags.sorted(), MappingProxyType(clock.timings),
                           unlinked=images.unlinked_files(table, _lookups(cache), featured))

    nav = [(p.title, p.slug) for p in site.pages]
    render_digest = fingerprint(code_digest(), template_digest, config_key(config), nav, featured.key)
    if alternates is not None:  # a page's links to its translations change with the other trees
        render_digest = fingerprint(render_digest, alternates.key)
    reuse = incremental.page_reuse(step, render_digest, rendered_again, cache)
    renderer = PageRenderer(site, bodies, env, render_digest, reuse.views, mentions, featured, translations,
                            alternates)
    plan = incremental.plan_pages(renderer, reuse, cache)
    notes = pagefind.PageNotes() if spill is not None else None  # only spilled pages are noted
    early = None
    if early_search and notes is not None and \
            sum(isinstance(job, PageJob) for job in plan.jobs) >= page_jobs.SPILL_MIN_PAGES:  # a large render only
        cache.restore_search()  # the shards it may reuse
        early = EarlySearch(site, [t.name for t in config.taxonomies], [job.rel_path for job in plan.jobs],
                            cache.search, notes)
    try:
        return _pages_and_files(config, cache, step, plan, renderer, reuse, statics, table, featured, early, notes,
                                workers, progress, spill, diags, clock)
    except BaseException:
        if early is not None:
            early.abandon()
        raise


def _pages_and_files(config, cache, step, plan, renderer, reuse, statics, table, featured, early, notes, workers,
                     progress, spill, diags, clock) -> BuildResult:
    """The pages rendered (or reused), then every other file of the site."""
    site = step.site
    with rendering_cycles_collected():
        results = run_jobs(plan.take_jobs(),
                           lambda job: cache.reusable_output(job.rel_path, job.fingerprint, job.origin),
                           workers, _reporter(progress, "Rendering pages"), spill, notes, early)
    if notes is not None:
        notes.pages = results.notes
    _report_template_problems(results, config, diags)
    incremental.remember_pages(cache, reuse, plan, results, renderer)
    clock.lap("render")

    cache.restore_search()
    outputs = results.outputs + (pagefind.state_outputs(cache.search) if cache.search else [])
    outputs += [Output(rel, copy_from=path, origin=_static_origin(path, config)) for rel, path in statics.items()]
    used = images.used_images(table, _lookups(cache))
    outputs += images.asset_outputs(table, [*used, *featured.assets], featured.assets, config, cache, workers, diags)
    diags.raise_if_errors()
    outputs += [o for o in sitefiles.github_pages_files(config) if o.rel_path not in statics]
    if step.memo.sitemap is None:
        cache.model = replace(step.memo, sitemap=sitefiles.sitemap(site, renderer.links))
    outputs += [cache.model.sitemap, sitefiles.robots(renderer.links)]
    clock.lap("other files")
    unique = _check_output_paths(outputs, cache, diags)
    return BuildResult(site, tuple(unique), diags.sorted(), MappingProxyType(clock.timings),
                       MappingProxyType({**results.fingerprints, **pagefind.state_keys(cache.search)}),
                       results.rendered, results.reused, notes, early_search=early)


def build_and_index(config: SiteConfig, *, cache: BuildCache | None = None, **options) -> BuildResult:
    """build() followed by the search step: the whole site in one result (publish, and tests)."""
    cache = cache if cache is not None else BuildCache()
    result, cache.search = index_site(build(config, cache=cache, **options), cache.search)
    if any(d.severity is Severity.ERROR for d in result.diagnostics):  # Pagefind failed
        raise BuildError(result.diagnostics)
    return result


def _report_template_problems(results: JobResults, config: SiteConfig, diags: Diagnostics) -> None:
    for problem in results.problems:
        diags.error(_display_path(problem.template, config.root), problem.line,
                    f"template error: {problem.message}.",
                    problem.hint or "Fix the template; the page it renders is not written until then.")
    diags.raise_if_errors()


def _check_output_paths(outputs: list[Output], cache: BuildCache, diags: Diagnostics) -> list[Output]:
    """The outputs, each path once, or errors for paths asked for twice."""
    # The search index's file names change with its content; every other path is usually the last build's.
    others = [o for o in outputs if o.origin != pagefind.ORIGIN]
    paths = [o.rel_path for o in others]
    if paths == cache.checked_paths:  # checked by the last good build: only the search files are new
        unique = others + check_collisions([o for o in outputs if o.origin == pagefind.ORIGIN], diags, others)
    else:
        unique = check_collisions(outputs, diags)
    diags.raise_if_errors()
    cache.checked_paths = paths
    return unique


def _lookups(cache: BuildCache):
    """Every file lookup of every body (see images.assets.AssetTable.find)."""
    return (lookup for rel in cache.bodies for lookup in cache.bodies.head(rel).assets_used)


def _featured_documents(site: Site):
    """(key, document) of every document that may have a featured image (see images.featured)."""
    for briefing in site.briefings:
        if briefing.image is not None:
            yield f"briefing:{briefing.slug}", briefing
    for profile in site.registry.profiles():
        if profile.image is not None:
            yield f"entity:{profile.taxonomy}/{profile.slug}", profile
    for page in site.pages:
        if page.image is not None:
            yield f"page:{page.slug}", page


def _reporter(progress: Progress | None, what: str) -> Callable[[int, int], None] | None:
    return None if progress is None else (lambda done, total: progress(what, done, total))


def _display_path(template: str, root) -> str:
    try:
        return str(PurePosixPath(template).relative_to(PurePosixPath(str(root))))
    except ValueError:
        return template


def _claims(renderer: PageRenderer, statics: Mapping[str, Path], config: SiteConfig) -> list[Claim]:
    """Every path the build will write but the search index's files, and what asks for each."""
    claims = renderer.claims()
    claims += [Claim(rel, _static_origin(path, config)) for rel, path in statics.items()]
    claims += [Claim(o.rel_path, o.origin) for o in sitefiles.github_pages_files(config) if o.rel_path not in statics]
    claims += [Claim(rel, f"the site's {rel}") for rel in (sitefiles.SITEMAP, sitefiles.ROBOTS)]
    return claims


def _static_origin(path, config: SiteConfig) -> str:
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return f"the theme's static/{path.name}"
