"""build(): the one pipeline under build, check, serve and publish."""

from __future__ import annotations

import hashlib
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from collections.abc import Callable, Iterable, Mapping

from briefgen import urls
from briefgen.render import sitefiles
from briefgen.search import pagefind
from briefgen.incremental.cache import BuildCache, code_digest, settings_key
from briefgen.output.claims import Claim, check_claims
from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing, NameRef, Page, Profile, parse_document
from briefgen.model.entities import Naming, build_registry, check_names
from briefgen.errors import Diagnostic, Diagnostics, Severity
from briefgen.incremental.dependencies import ChangedDependencies, ModelDependencies
from briefgen.render.jobs import JobResults, PageJob, ReusedJob, fingerprint, output_key, run_jobs
from briefgen.render.links import (LinkKeys, LinkResolver, changed_autolink_words, make_resolver, may_autolink,
                                   words_as_written)
from briefgen.render.markdown import Rendered, create_markdown, render_body
from briefgen.model.site import Site, build_site
from briefgen.output.writer import Output, check_collisions
from briefgen.parallel import parallel_map
from briefgen.render.pages import JobKey, PageRenderer
from briefgen.content.scan import ContentListing, content_files, file_stamp, read_source, scan_sources
from briefgen.render.theme import create_environment, resolve_theme, static_files


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site
    outputs: tuple[Output, ...]
    diagnostics: tuple[Diagnostic, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)  # output -> fingerprint of its inputs
    rendered: int = 0  # pages and feeds rendered by this build
    reused: int = 0  # … and reused unchanged from the last one
    search_notes: pagefind.PageNotes | None = None  # for begin_search: what the workers noted of spilled pages

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


def build(config: SiteConfig, *, drafts: bool = False, write_pages: bool = True,
          cache: BuildCache | None = None, workers: int | None = None,
          progress: Callable[[str, int, int], None] | None = None, index_search: bool = True,
          changed_files: Iterable[Path] | None = None, listing: ContentListing | None = None,
          spill: Path | None = None) -> BuildResult:
    """Everything but the write. Raises BuildError with every problem found.

    With write_pages=False (briefgen check) it stops after content, entities
    and links have been checked, before any template is rendered. With a
    cache, whatever is unchanged since the cache's last build is reused; the
    result is the same as a cold build's, byte for byte. `progress` hears
    (what, done, total) while bodies and pages are rendered. With
    index_search=False the search index is the cache's last one, as it was
    (serve shows the page first and calls refresh_search after). `changed_files`
    (serve: what the watcher saw) are the only files that changed since the
    cache's build, when known. `listing`: content/ as inputs_key found it.
    `spill`: a folder for the pages of a large render, which are then not
    held in memory (see jobs.run_jobs).
    """
    diags = Diagnostics()
    clock = _Clock()
    cache = cache if cache is not None else BuildCache()
    theme = resolve_theme(config, diags)
    template_digest = theme_digest(theme)
    cache.reset_for(settings_key(config, drafts, template_digest))

    def parsed(rel: str, digest: str) -> bool:  # a file whose parse is kept need not be read
        head = cache.documents.head(rel)
        return head is not None and head[0] == digest

    sources = scan_sources(config.root, diags, cache.sources, cache.stamps, parsed,
                           _content_changes(config, changed_files), listing)
    cache.sources = {str(source.rel): source for source in sources}
    fronts = _parse_documents(sources, config, diags, cache)
    clock.lap("parse")

    front_digests = {rel: front for rel, front, _ in fronts}
    model_key = fingerprint(drafts, list(front_digests.items()))
    shape_key = fingerprint(drafts, [(rel, shape) for rel, _, shape in fronts])
    model = cache.model_memo(shape_key)
    same_model = model is not None and model.key == model_key
    earlier = None  # the last build's model, when of another shape: its jobs may be checked fact by fact
    to_render = None  # the documents whose bodies are to be checked; None: all the model holds
    if same_model:  # front matter as it was: only briefings whose body is not the last build's need rendering
        to_render = [cache.documents[briefing.source_rel][1] for briefing in model.site.briefings
                     if not _body_is_current(cache, briefing.source_rel)]
        profiles, pages = [], []
    elif model is not None and not any(m.severity is Severity.ERROR for m in model.messages):
        # Only what briefings show of themselves changed (a title, a summary, …). Not after errors (serve
        # keeps a failed build's model): one may name another briefing's line (two names of one slug).
        model = _with_new_cards(model, model_key, front_digests, cache, config)
    else:  # a new shape: a date, a name, a briefing more or less, …
        earlier = cache.earlier_model()
        model = None if earlier is None else \
            _reshaped_model(earlier, model_key, shape_key, front_digests, sources, drafts, cache, config)
        if model is None:  # not only briefings changed: from every document
            documents = [cache.documents[source.rel][1] for source in sources]
            to_render = [d for d in documents if isinstance(d, Briefing) and (drafts or not d.draft)]
            pages = [d for d in documents if isinstance(d, Page) and (drafts or not d.draft)]
            profiles = [d for d in documents if isinstance(d, Profile)]
            model = _site_model(model_key, shape_key, front_digests, to_render, pages, profiles, sources, documents,
                                config)
    if to_render is None:  # any body may link to a new title: each is checked by its key
        to_render, pages, profiles = list(model.site.briefings), list(model.site.pages), model.site.registry.profiles()
    diags.extend(model.messages)
    site = model.site
    clock.lap("model")

    rendered_again = _render_bodies(to_render, profiles, pages, model.resolver, model.link_keys, config, cache,
                                    workers, _reporter(progress, "Rendering bodies"))
    cache.model = model  # only now: every kept body is rendered with its link targets (see _body_is_current)
    if not same_model:
        cache.bodies.keep_only(d.source_rel for d in (*to_render, *profiles, *pages))
    for rel in cache.bodies:
        diags.extend(cache.bodies.head(rel)[2])
    bodies = StoredBodies(cache.bodies)
    clock.lap("markdown")
    diags.raise_if_errors()
    env = _environment(theme, template_digest, cache)
    statics = static_files(theme)
    claims_key = fingerprint(cache.settings_key, model.shape, list(statics.items()))
    if claims_key != cache.checked_claims:  # the paths are those the last good build checked: nothing to do
        check_claims(_claims(PageRenderer(site, bodies, env, ""), statics, config), config.root, diags)
        diags.raise_if_errors()
        cache.checked_claims = claims_key
    if not write_pages:
        return BuildResult(site, (), diags.sorted(), MappingProxyType(clock.timings))

    nav = [(p.title, p.slug) for p in site.pages]
    render_digest = fingerprint(code_digest(), template_digest, config, nav)
    digests = {b.slug: cache.sources[str(b.source_rel)].digest for b in site.briefings}
    jobs_key = (model.shape, render_digest)  # the same shape has the same jobs, whatever the briefings show
    previous, earlier_facts = cache.jobs_memo(jobs_key), None
    if previous is None and earlier is not None:  # of another shape: its jobs are checked by the facts they read
        previous = cache.earlier_jobs()
        if previous is not None and previous.key == (earlier.shape, render_digest):
            earlier_facts = ModelDependencies(earlier.site)
        else:
            previous = None
    changed = {slug for slug, digest in digests.items() if previous is None or previous.digests.get(slug) != digest}
    # A body is also made again when a title or file it links to changes: its pages change with it.
    changed.update(b.slug for b in site.briefings if b.source_rel in rendered_again)
    if earlier_facts is not None:
        changed.update(_views_changed(earlier.site, site))
    # Views of unchanged briefings are as they were when nothing but bodies changed.
    views = {slug: view for slug, view in cache.views.items() if slug not in changed} if previous else {}
    renderer = PageRenderer(site, bodies, env, render_digest, views)
    # A briefing's body is in its view, never a fact: only pages' and profiles' bodies can make one stale.
    fact_bodies = {d.source_rel for d in (*site.pages, *site.registry.profiles())}
    stale = ChangedDependencies(earlier_facts, renderer.dependencies,
                                {rel for rel in rendered_again if rel in fact_bodies})
    plan = _plan_jobs(renderer, cache, previous, changed, stale, same_jobs=earlier_facts is None)
    notes = pagefind.PageNotes() if spill is not None else None  # only spilled pages are noted
    results = run_jobs(plan.jobs, lambda job: cache.reusable_output(job.rel_path, job.fingerprint, job.origin), workers,
                       _reporter(progress, "Rendering pages"), spill, notes)
    if notes is not None:
        notes.pages = results.notes
    for problem in results.problems:
        diags.error(_display_path(problem.template, config.root), problem.line,
                    f"template error: {problem.message}.",
                    problem.hint or "Fix the template; the page it renders is not written until then.")
    diags.raise_if_errors()
    cards = {**(previous.cards if previous is not None else {}),
             **{slug: view.card for slug, view in renderer.views.items()}}
    cache.jobs, cache.views = JobMemo(jobs_key, plan.recorded(results), digests, cards), renderer.views
    outputs = results.outputs
    clock.lap("render")
    cache.restore_search()
    if index_search:
        cache.search = _start_index(outputs, results.fingerprints, site, diags, cache.search, notes).finish(diags)
    outputs += pagefind.state_outputs(cache.search) if cache.search else []
    outputs += [Output(rel, copy_from=path, origin=_static_origin(path, config)) for rel, path in statics.items()]
    outputs += [o for o in sitefiles.github_pages_files(config) if o.rel_path not in statics]
    if model.sitemap is None:
        model = cache.model = replace(model, sitemap=sitefiles.sitemap(site, renderer.links))
    outputs.append(model.sitemap)
    outputs.append(sitefiles.robots(renderer.links))
    clock.lap("search" if index_search else "other files")
    # The search index's file names change with its content; every other path is usually the last build's.
    others = [o for o in outputs if o.origin != pagefind.ORIGIN]
    paths = [o.rel_path for o in others]
    if paths == cache.checked_paths:  # checked by the last good build: only the search files are new
        unique = others + check_collisions([o for o in outputs if o.origin == pagefind.ORIGIN], diags, others)
    else:
        unique = check_collisions(outputs, diags)
    diags.raise_if_errors()
    cache.checked_paths = paths
    return BuildResult(site, tuple(unique), diags.sorted(), MappingProxyType(clock.timings),
                       MappingProxyType({**results.fingerprints, **pagefind.state_keys(cache.search)}),
                       results.rendered, results.reused, None if index_search else notes)


@dataclass(frozen=True, slots=True)
class PendingSearch:
    """A result built with index_search=False whose search index Pagefind is making (see begin_search)."""

    result: BuildResult
    pages: tuple[Output, ...]  # its outputs but the search index
    index: pagefind.PendingIndex
    diagnostics: Diagnostics


def begin_search(result: BuildResult, previous: pagefind.SearchState | None) -> PendingSearch:
    """Start indexing `result` (built with index_search=False) for search; Pagefind runs meanwhile."""
    pages = tuple(o for o in result.outputs if o.origin != pagefind.ORIGIN)
    diags = Diagnostics()
    return PendingSearch(result, pages, _start_index(pages, result.keys, result.site, diags, previous,
                                                     result.search_notes), diags)


def finish_search(pending: PendingSearch) -> tuple[BuildResult, pagefind.SearchState]:
    """The result with its search index up to date, and the new search state; errors are in its diagnostics."""
    state = pending.index.finish(pending.diagnostics)
    keys = {rel: key for rel, key in pending.result.keys.items() if not key.startswith("search:")}
    result = replace(pending.result, outputs=(*pending.pages, *pagefind.state_outputs(state)),
                     diagnostics=pending.diagnostics.sorted() + pending.result.diagnostics,
                     keys=MappingProxyType({**keys, **pagefind.state_keys(state)}))
    return result, state


def refresh_search(result: BuildResult, previous: pagefind.SearchState | None
                   ) -> tuple[BuildResult, pagefind.SearchState]:
    """`result` (built with index_search=False) with its search index brought up to date, and the new state."""
    return finish_search(begin_search(result, previous))


def _parse_documents(sources, config: SiteConfig, diags: Diagnostics,
                     cache: BuildCache) -> list[tuple[str, str, str]]:
    """Parse what changed into cache.documents; (path, front digest, shape digest) of each source.

    A source whose bytes are unchanged keeps its parse and its messages (its
    document is not even read from the cache). The front digest of a briefing
    covers all but its body: the site model reads nothing else, so a body
    edit leaves it as it was. Its shape digest covers only what places it in
    the site (see _shape): a new title leaves that as it was.
    """
    fronts = []
    for source in sources:
        head = cache.documents.head(source.rel)  # (digest, messages, front)
        if head is not None and head[0] == source.digest:
            _, messages, front = head
        else:
            local = Diagnostics()
            document = parse_document(source, config, local)
            messages = tuple(local.items)
            if isinstance(document, Briefing):
                front = (fingerprint(replace(document, body="")), _shape(document))
            else:
                front = (source.digest, source.digest)
            cache.documents[source.rel] = (source.digest, document, messages, front)
        diags.extend(messages)
        fronts.append((str(source.rel), *front))
    cache.documents.keep_only(source.rel for source in sources)
    return fronts


def _shape(briefing: Briefing) -> str:
    """What of a briefing's front matter the site's structure depends on: which pages there are, which
    briefings each one lists and in what order, which entities it names, which are related. The rest
    (title, summary, key points, sources, updated, other fields) only shows on the pages that show it."""
    return fingerprint(briefing.source_rel, briefing.slug, briefing.date, briefing.has_time, _names(briefing),
                       briefing.draft, briefing.aliases)


def _names(briefing: Briefing) -> tuple:
    """The names a briefing gives, per taxonomy, as written but without the lines they are on.

    Interned: a few hundred names given 50,000 times are then pickled once each in the model's memo."""
    return tuple((taxonomy, tuple(sys.intern(ref.name) for ref in refs)) for taxonomy, refs in briefing.refs.items())


@dataclass(frozen=True, slots=True)
class ModelMemo:
    """The site model and link resolver made from documents whose front digests give `key`."""

    key: str
    shape: str  # of the documents' shape digests: a model of the same shape differs only in what briefings show
    fronts: Mapping[str, str]  # path -> front digest, of the documents it was made from
    site: Site
    resolver: LinkResolver
    link_keys: LinkKeys  # digests of the link targets, which bodies' cache keys include
    link_stubs: tuple  # link targets of documents that did not parse (see _unparsed_stubs)
    names: Mapping[str, tuple]  # path -> the names each briefing gives (see _names), which its refs held
    messages: tuple[Diagnostic, ...]  # what making the model said (unknown names, near misses, …)
    sitemap: Output | None = None  # made from the model alone

    def delta_from(self, base: ModelMemo) -> ModelDelta | None:
        """What this model changed of `base`, when it is `base` with some briefings showing something else
        (made by _with_new_cards, from `base` or from a model that was): else None."""
        site, old = self.site, base.site
        if self.shape != base.shape or len(site.briefings) != len(old.briefings) or any(
                getattr(site, name) is not getattr(old, name) for name in _SHARED_BY_CARD_EDITS):
            return None
        changed = tuple((index, briefing) for index, (briefing, was) in enumerate(zip(site.briefings, old.briefings))
                        if briefing is not was)
        return ModelDelta(base.key, self.key, self.fronts, changed, self.resolver, self.link_keys, self.messages,
                          self.sitemap)


# What a model made by _with_new_cards shares with the one it was made from: all but its briefings (a
# field Site gains is shared too, or the model is saved whole).
_SHARED_BY_CARD_EDITS = tuple(f.name for f in fields(Site) if f.name not in ("briefings", "by_slug"))


@dataclass(frozen=True, slots=True)
class ModelDelta:
    """A model told by how it differs from the full one saved before it (see ModelMemo.delta_from).

    After a new title the cache saves this (a few MB: the front digests, the
    link targets and the briefings that changed) instead of the whole model
    again (14 MB at 10,000 briefings); the next build reads both.
    """

    base_key: str
    key: str
    fronts: Mapping[str, str]
    briefings: tuple[tuple[int, Briefing], ...]  # (place in the site's briefings, the briefing as it is now)
    resolver: LinkResolver
    link_keys: LinkKeys
    messages: tuple[Diagnostic, ...]
    sitemap: Output | None

    def applied_to(self, base: ModelMemo) -> ModelMemo:
        briefings = list(base.site.briefings)
        for index, briefing in self.briefings:
            briefings[index] = briefing
        site = replace(base.site, briefings=tuple(briefings), by_slug=MappingProxyType({b.slug: b for b in briefings}))
        return replace(base, key=self.key, fronts=self.fronts, site=site, resolver=self.resolver,
                       link_keys=self.link_keys, messages=self.messages, sitemap=self.sitemap)


def _site_model(key: str, shape: str, fronts: Mapping[str, str], briefings, pages, profiles, sources, documents,
                config: SiteConfig) -> ModelMemo:
    """The registry, relations and link targets.

    The model holds its briefings without their bodies: it is made from front
    matter alone and kept while that is unchanged, through any number of body
    edits (bodies are rendered from the documents). Nor do they keep the names
    as written (refs), which only the registry reads: their entities are in
    site.briefing_entities. The model is loaded on every build after an edit.
    """
    local = Diagnostics()
    registry, resolved = build_registry(profiles, briefings, config, local)
    site = build_site(config, [_lean(b) for b in briefings], pages, registry, resolved, local)
    stubs = tuple(_unparsed_stubs(sources, documents))
    resolver = _resolver(site, stubs, config)
    names = {str(b.source_rel): _names(b) for b in briefings}
    return ModelMemo(key, shape, fronts, site, resolver, resolver.keys(), stubs, names, tuple(local.items))


def _reshaped_model(earlier: ModelMemo, key: str, shape: str, fronts: Mapping[str, str], sources, drafts: bool,
                    cache: BuildCache, config: SiteConfig) -> ModelMemo | None:
    """The model of the documents whose front digests are `fronts`, from `earlier`'s when only briefings
    changed (their dates, names, slugs; briefings added or deleted); None when something else did.

    Only the changed briefings are read from the cache: the others are the
    earlier model's, with the names they give kept in it. The registry and
    relations are made again from those (the registry checks the names of
    the changed briefings only: what it says of a briefing depends on its
    own names and the profiles alone), related lists only for the briefings
    that may now have others (see relations.briefings_to_relate_again).
    """
    if any(m.severity is Severity.ERROR for m in earlier.messages):
        return None  # e.g. two briefings of one slug: what is said of them does not belong to one file
    changed = {rel for rel, front in fronts.items() if earlier.fronts.get(rel) != front}
    changed |= earlier.fronts.keys() - fronts.keys()
    if any(PurePosixPath(rel).parts[1] != "briefings" for rel in changed):
        return None  # a profile or a page: entities or link targets of their own
    kept = {str(b.source_rel): b for b in earlier.site.briefings}
    kept_stubs = {str(stub[0]): stub for stub in earlier.link_stubs}
    briefings, namings, stubs = [], [], []
    for source in sources:
        rel = str(source.rel)
        if rel not in changed:  # as it was: in the model, a stub, or a draft left out
            if rel in kept:
                briefing = kept[rel]
                briefings.append(briefing)
                namings.append(Naming(briefing.source_rel, MappingProxyType(
                    {taxonomy: tuple(NameRef(name, None) for name in names) for taxonomy, names in earlier.names[rel]})))
            elif rel in kept_stubs:
                stubs.append(kept_stubs[rel])
            continue
        document = cache.documents[source.rel][1]
        if document is None:
            stubs += _unparsed_stubs([source], [None])
        elif drafts or not document.draft:
            briefings.append(_lean(document))
            namings.append(document)
    local = Diagnostics()
    registry, resolved = build_registry(earlier.site.registry.profiles(), namings, config, local)
    if any(m.severity is Severity.ERROR for m in local.items):
        return None  # e.g. two names of one slug: said of a kept briefing, perhaps, whose lines are not known here
    messages = [m for m in earlier.messages if str(m.path) not in changed]
    messages += [m for m in local.items if str(m.path) in changed]
    local = Diagnostics()
    site = build_site(config, briefings, earlier.site.pages, registry, resolved, local, earlier=earlier.site)
    resolver = _resolver(site, stubs, config)
    names = {rel: earlier.names[rel] for rel in kept if rel not in changed}
    names.update((str(n.source_rel), _names(n)) for n in namings if str(n.source_rel) in changed)
    return ModelMemo(key, shape, fronts, site, resolver, resolver.keys(), tuple(stubs), names,
                     (*messages, *local.items))


def _with_new_cards(memo: ModelMemo, key: str, fronts: Mapping[str, str], cache: BuildCache,
                    config: SiteConfig) -> ModelMemo:
    """`memo`'s model, of the same shape, with the briefings whose front matter changed as they now are.

    Relations and registry stand: they are made from what the shape covers.
    The names of an edited briefing are checked again (they may be on other
    lines now), and link targets made again (titles are targets of [[…]] links).
    """
    changed = {rel for rel, front in fronts.items() if memo.fronts.get(rel) != front}
    site = memo.site
    edited = [cache.documents[b.source_rel][1] for b in site.briefings if str(b.source_rel) in changed]
    local = Diagnostics()
    local.extend(m for m in memo.messages if str(m.path) not in changed)
    for briefing in edited:
        check_names(site.registry, briefing, config, local)
    fresh = {b.slug: _lean(b) for b in edited}
    briefings = tuple(fresh.get(b.slug, b) for b in site.briefings)
    site = replace(site, briefings=briefings, by_slug=MappingProxyType({b.slug: b for b in briefings}))
    resolver = _resolver(site, memo.link_stubs, config)
    # The sitemap reads no more of a briefing than its shape, but for when it was last updated.
    sitemap_stands = all(memo.site.by_slug[slug].updated == b.updated for slug, b in fresh.items())
    return replace(memo, key=key, fronts=fronts, site=site, resolver=resolver,
                   link_keys=resolver.keys(memo.link_keys), messages=tuple(local.items),  # paths and names stand
                   sitemap=memo.sitemap if sitemap_stands else None)


def _resolver(site: Site, stubs, config: SiteConfig) -> LinkResolver:
    link_documents = [(b.source_rel, b.title, urls.briefing_path(b.slug)) for b in site.briefings]
    link_documents += [(p.source_rel, p.title, urls.page_path(p.slug)) for p in site.pages]
    return make_resolver(site.registry, site.entity_paths, [*link_documents, *stubs], config.base_path)


_NO_REFS = MappingProxyType({})


def _lean(briefing: Briefing) -> Briefing:
    """A briefing as the model holds it: without its body and the names as written (see _site_model)."""
    return replace(briefing, body="", refs=_NO_REFS)


_NO_BODIES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class JobRecord:
    """What one page of a good build was made from: enough to tell, in the next, whether it is as it was."""

    shown: tuple[str, ...]  # the briefings whose views the page was given
    read: tuple  # the facts of the model it read (see facts.py)
    bodies_read: Mapping[str, str]  # the briefings whose bodies it read while rendering -> their digests then
    rel_path: str
    origin: str
    fingerprint: str  # its output key (see jobs.output_key)


@dataclass(frozen=True, slots=True)
class JobMemo:
    """The last good build's jobs, for the same site model and templates (`key`)."""

    key: tuple[str, str]
    records: dict[JobKey, JobRecord]
    digests: Mapping[str, str]  # briefing slug -> its source's digest in that build
    cards: Mapping[str, str]  # briefing slug -> the digest of its card (all of its view but the body)


@dataclass(frozen=True, slots=True)
class JobPlan:
    """Every output's job, reused or to render, and the records of this build's jobs but what rendering tells."""

    jobs: list[PageJob | ReusedJob]
    records: dict[JobKey, JobRecord]
    to_render: dict[str, JobKey]  # output path -> the key of the job made for it (it may yet be reused)

    def recorded(self, results: JobResults) -> dict[JobKey, JobRecord]:
        """The records, with the bodies each rendered page read and its output key."""
        records = self.records
        digests: dict[str, str] = {}  # one string per digest: the memo pickles each once
        for rel_path, bodies_read in results.bodies_read.items():
            if bodies_read:
                key = self.to_render[rel_path]
                read = {slug: digests.setdefault(digest, digest) for slug, digest in bodies_read.items()}
                records[key] = replace(records[key], bodies_read=read, fingerprint=results.fingerprints[rel_path])
        return records


def _plan_jobs(renderer: PageRenderer, cache: BuildCache, previous: JobMemo | None, changed: set[str],
               stale: ChangedDependencies, same_jobs: bool) -> JobPlan:
    """Every output's job, made and fingerprinted only where it may have changed.

    A page of the last good build (`previous`) can only differ through the
    facts of the model it read, the cards of the briefings it was given and
    the bodies it read: a page none of whose facts is `stale`, none of whose
    briefings has a new card and none of the bodies it read has a new digest
    keeps its last output without being made again. A page made again whose
    fingerprint is as it was keeps its output if the bodies it read are as
    they were. Without a last build every job is made. `changed`: the
    briefings whose view (card or body) may differ from the last build's;
    `same_jobs`: `previous` was made for a model of the same shape, whose list
    of jobs is this one's.
    """
    jobs, records, to_render = [], {}, {}
    reusable = cache.reusable_output
    if previous is None:
        planned = ((key, None) for key in renderer.job_keys())
    elif same_jobs:  # the last build's list, in its order
        planned = previous.records.items()
    else:  # another shape: its own list of jobs, some of them the last build's
        planned = ((key, previous.records.get(key)) for key in renderer.job_keys())
    new_cards = set() if previous is None else \
        {slug for slug in changed if previous.cards.get(slug) != renderer.briefing_view(slug).card}

    def same_bodies(bodies_read: Mapping[str, str]) -> bool:
        # Emptiness first: a set's isdisjoint walks its argument even when the set is empty.
        return not bodies_read or not changed or changed.isdisjoint(bodies_read) or all(
            renderer.body_digest(slug) == digest for slug, digest in bodies_read.items() if slug in changed)

    for job_key, record in planned:
        if record is not None and (not new_cards or new_cards.isdisjoint(record.shown)) and \
                not stale.among(record.read) and same_bodies(record.bodies_read):
            output = reusable(record.rel_path, record.fingerprint, record.origin)
            if output is not None:
                jobs.append(ReusedJob(record.rel_path, record.fingerprint, output))
                records[job_key] = record
                continue
        made = renderer.make_job(job_key)
        job = made.job
        if record is not None and record.bodies_read and same_bodies(record.bodies_read):
            # Made again for another reason (a fact, a card): given the same, it reads the same bodies.
            key = output_key(job.fingerprint, record.bodies_read)
            output = reusable(job.rel_path, key, job.origin)
            if output is not None:
                jobs.append(ReusedJob(job.rel_path, key, output))
                records[job_key] = JobRecord(made.shown, made.read, record.bodies_read, job.rel_path, job.origin, key)
                continue
        jobs.append(job)
        to_render[job.rel_path] = job_key
        records[job_key] = JobRecord(made.shown, made.read, _NO_BODIES, job.rel_path, job.origin, job.fingerprint)
    return JobPlan(jobs, records, to_render)


def _views_changed(earlier: Site, site: Site) -> set[str]:
    """Briefings whose views may differ between two models from files of the same bytes: their path,
    the entities they name or those entities' names are not as they were."""
    renamed = {key for key, entity in site.registry.entities.items()
               if (was := earlier.registry.entities.get(key)) is None or was.name != entity.name}
    changed = set()
    for briefing in site.briefings:
        slug = briefing.slug
        was = earlier.by_slug.get(slug)
        named = site.briefing_entities[slug]
        if was is None or was.source_rel != briefing.source_rel or earlier.briefing_entities[slug] != named or \
                any(key in renamed for keys in named.values() for key in keys):
            changed.add(slug)
    return changed


def _environment(theme, template_digest: str, cache: BuildCache):
    """The Jinja environment, kept while no template changes: it compiles each template once."""
    key = (template_digest, tuple(theme.template_dirs), theme.default_templates)
    if cache.environment is None or cache.environment[0] != key:
        cache.environment = (key, create_environment(theme))
    return cache.environment[1]


def _render_bodies(briefings, profiles, pages, resolver, link_keys: LinkKeys, config: SiteConfig,
                   cache: BuildCache, workers: int | None, progress) -> set[PurePosixPath]:
    """Markdown -> HTML for these documents' bodies into cache.bodies, reusing those whose key is unchanged;
    the paths of those rendered again.

    A body's key is its file's digest and the digests of the kinds of link
    target its text may use: one without @/ or [[ links does not wait on titles
    and files. When only the names autolinks find changed (a new leader), a
    body in which none of the changed names' first words occurs is kept, with
    its new key, instead of being rendered again. Briefings may be given as
    the model holds them, without their bodies: a body is read from its
    document only when it must be rendered or checked.
    """
    digests = {source.rel: source.digest for source in cache.sources.values()}
    tasks = []  # (rel, autolink, exclude)
    for briefing in briefings:
        tasks.append((briefing.source_rel, config.autolink if briefing.autolink is None else briefing.autolink, None))
    tasks += [(profile.source_rel, config.autolink, (profile.taxonomy, profile.slug)) for profile in profiles]
    tasks += [(page.source_rel, False, None) for page in pages]

    todo, rekeyed = [], []  # what to render; (rel, new key, autolink, exclude, used) of bodies that may be kept
    for rel, autolink, exclude in tasks:
        digest = digests.get(rel)
        head = cache.bodies.head(rel)  # (key, which links the text may have, diagnostics, words_as_written, summary)
        document = None
        if head is not None and head[0][0] == digest:
            used = head[1]
        else:
            document = cache.documents[rel][1]
            used = LinkKeys.used_by(document.body)
        # Compared, not hashed: cheap.
        key = (digest, link_keys.select(used, autolink), autolink, exclude, config.escape_html)
        if head is not None and head[0] != key and _only_autolinks_differ(head[0], key):
            rekeyed.append((rel, key, autolink, exclude, used))
        elif head is None or head[0] != key:
            document = document or cache.documents[rel][1]
            todo.append((rel, key, document.body, document.body_line, autolink, exclude, used))
    alike = _autolinked_alike([task[0] for task in rekeyed], resolver, cache)
    for rel, key, autolink, exclude, used in rekeyed:
        if str(rel) in alike:
            cache.bodies.replace_head(rel, (key, *cache.bodies.head(rel)[1:]))  # the body as rendered, new key
        else:
            document = cache.documents[rel][1]
            todo.append((rel, key, document.body, document.body_line, autolink, exclude, used))
    md = create_markdown(allow_html=not config.escape_html)

    def render_one(task):
        rel, _, body, body_line, autolink, exclude, _ = task
        return render_body(md, body, rel, body_line, resolver, autolink=autolink, exclude_entity=exclude)

    for task, rendered in zip(todo, parallel_map(render_one, todo, workers, progress)):
        cache.bodies[task[0]] = (task[1], rendered, task[6], tuple(rendered.diagnostics), words_as_written(task[2]),
                                 rendered.summary)
    return {task[0] for task in todo}


def _autolinked_alike(rels, resolver: LinkResolver, cache: BuildCache) -> set[str]:
    """Of these bodies, whose keys differ from those they were kept under in the autolink targets alone,
    those in which the targets that changed cannot be autolinked: their HTML is as it was.

    Compared with the model the kept bodies were made with. A body's source is
    read only when its stored document has one of the changed words, or when
    its words cannot be told from the source (see may_autolink): with a new
    leader, a handful of the 10,000 documents rather than all.
    """
    earlier = cache.earlier_model()
    if earlier is None or not rels:
        return set()
    words = changed_autolink_words(earlier.resolver, resolver)
    heads = {str(rel): cache.bodies.head(rel) for rel in rels}  # by str, as the store answers
    comparable = {rel for rel, head in heads.items() if head[0][1][2] == earlier.link_keys.entities}
    plain = [rel for rel in comparable if heads[rel][3]]
    unsure = comparable.difference(plain) | cache.documents.may_contain(plain, words)
    return (comparable - unsure) | {rel for rel in unsure if not may_autolink(cache.documents[rel][1].body, words)}


def _only_autolinks_differ(kept: tuple, key: tuple) -> bool:
    return kept[0] == key[0] and kept[1][:2] == key[1][:2] and kept[2:] == key[2:] and kept[1][2] != key[1][2]


def _body_is_current(cache: BuildCache, rel: PurePosixPath) -> bool:
    """The kept body was rendered from the file as it is.

    Called with the same model as the last build's only: every kept body was
    rendered with that model's link targets (cache.model is set only once the
    bodies are), so only the file's digest can differ.
    """
    head = cache.bodies.head(rel)
    return head is not None and head[0][0] == cache.sources[str(rel)].digest


class StoredBodies(Mapping):
    """Rendered bodies by path, read from the cache as pages ask for them (a render.RenderedBodies)."""

    def __init__(self, store):
        self._store = store

    def __getitem__(self, rel) -> Rendered:
        return self._store[rel][1]

    def summary(self, rel) -> str:
        """The body's first paragraph as plain text, kept in the entry's head: its body need not be read."""
        return self._store.head(rel)[4]

    def __iter__(self):
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)


def _start_index(outputs, fingerprints, site: Site, diags, previous: pagefind.SearchState | None,
                 notes: pagefind.PageNotes | None = None) -> pagefind.PendingIndex:
    """The search index, a shard per year of briefings (or half-year) and per taxonomy; unchanged shards are reused."""
    shards = briefing_shards(site.briefings)

    def shard_of(rel: str) -> str:
        folder, _, _ = rel.rpartition("/")
        return shards.get(folder + "/") or rel.split("/", 1)[0]

    return pagefind.start_index(outputs, diags, shard_of, fingerprints, previous or pagefind.SearchState(), notes)


# An edit waits for Pagefind to index its briefing's shard again, ~1.3 ms a page on two cores:
# a year of more briefings than this is two shards, January-June and July-December. Not split
# further: each shard is one more Pagefind runtime (~70 KB) for a reader's first search to fetch.
HALF_YEAR_SHARDS_ABOVE = 600


def briefing_shards(briefings: Iterable[Briefing]) -> dict[str, str]:
    """The search shard of each briefing, by its page's URL path."""
    briefings = list(briefings)
    per_year = Counter(b.date.year for b in briefings)

    def shard(date) -> str:
        if per_year[date.year] <= HALF_YEAR_SHARDS_ABOVE:
            return f"briefings-{date.year}"
        return f"briefings-{date.year}-{'jan-jun' if date.month <= 6 else 'jul-dec'}"

    return {urls.briefing_path(b.slug): shard(b.date) for b in briefings}


def _content_changes(config: SiteConfig, changed_files: Iterable[Path] | None) -> set[str] | None:
    """The content files among `changed_files`, as paths like Source.rel; None when unknown."""
    if changed_files is None:
        return None
    root, changed = config.root.resolve(), set()
    for path in changed_files:
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            continue  # a theme outside the site
        if rel.startswith("content/"):
            changed.add(rel)
    return changed


def _reporter(progress, what: str):
    return None if progress is None else (lambda done, total: progress(what, done, total))


def inputs_key(config: SiteConfig, drafts: bool, known: Mapping[str, tuple[tuple[int, ...], str]]
               ) -> tuple[str, dict, ContentListing]:
    """A digest of everything a build reads (equal keys mean byte-identical output), the files' stamps,
    and the listing of content/ it was made from (for the build that may follow: build(listing=)).

    A content file whose (mtime, size) stamp is in `known` is not read: its
    digest is the known one. The stamps returned are for the next call.
    """
    theme = resolve_theme(config, Diagnostics())
    stamps: dict[str, tuple[tuple[int, ...], str]] = {}  # content file -> (stamp, digest)
    found = Diagnostics()  # a stray file in content/ is a warning: it changes what a build says
    files = content_files(config.root, found)
    for file in files:
        previous = known.get(file.rel)
        if previous is not None and previous[0] == file.stamp:
            stamps[file.rel] = previous
        else:
            source = read_source(config.root, Path(file.path), Diagnostics())
            stamps[file.rel] = (file.stamp, source.digest if source else "unreadable")
    statics = sorted((str(rel), file_stamp(path)) for rel, path in static_files(theme).items())
    key = fingerprint(settings_key(config, drafts, theme_digest(theme)),
                      [(rel, digest) for rel, (_, digest) in stamps.items()], statics,
                      [str(d) for d in found.items])
    return key, stamps, ContentListing(files, tuple(found.items))


def theme_digest(theme) -> str:
    """Changes when any template file does: every page depends on the templates."""
    digest = hashlib.blake2b(digest_size=16)
    for directory in theme.template_dirs:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _display_path(template: str, root) -> str:
    try:
        return str(PurePosixPath(template).relative_to(PurePosixPath(str(root))))
    except ValueError:
        return template


def _unparsed_stubs(sources, documents) -> list[tuple[PurePosixPath, str, str]]:
    """A briefing that failed to parse still answers @/ links, so its error is the only one."""
    stubs = []
    for source, document in zip(sources, documents):
        if document is None and source.section in ("briefings", "pages"):
            slug = PurePosixPath(source.rel).stem
            path = urls.briefing_path(slug) if source.section == "briefings" else urls.page_path(slug)
            stubs.append((source.rel, slug, path))
    return stubs


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
