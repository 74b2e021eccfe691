"""Which pages of the last good build are as they were, and the jobs of those that may not be.

A page is made again only when something it was made from changed: the
what it read of the model (its dependencies, dependencies.py), the cards of the briefings it
was given, or the bodies it read while rendering. page_reuse says what
changed since the last good build; plan_jobs gives every output its job,
reused or to render; remember_pages keeps this build's records for the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING

from briefgen.incremental.cache import BuildCache
from briefgen.incremental.dependencies import ChangedDependencies, Dependency, ModelDependencies
from briefgen.incremental.model import ModelStep, views_changed
from briefgen.errors import Diagnostic
from briefgen.model.alias_checks import over_eager_aliases
from briefgen.model.mentions import NO_MENTIONS, BodyMentions, MentionIndex
from briefgen.render.jobs import JobResults, PageJob, ReusedJob, output_key

if TYPE_CHECKING:  # the renderer reads the model through incremental/dependencies.py
    from briefgen.render.pages import JobKey, PageRenderer



_NO_BODIES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class JobRecord:
    """What one page of a good build was made from: enough to tell, in the next, whether it is as it was."""

    shown: tuple[str, ...]  # the briefings whose views the page was given
    read: tuple[Dependency, ...]  # what it read of the model (see incremental/dependencies.py)
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
    # fold_mentions: the value of each dependency of FOLDED_KINDS the pages read, to compare the next build's to.
    folded: Mapping[Dependency, object]

    def delta_from(self, base: JobMemo) -> JobsDelta | None:
        """What these jobs changed of `base`, the full memo saved before, when they are its jobs (the same
        key and pages) with few records new, as after a body edit: else None (saved whole)."""
        if self.key != base.key or self.records.keys() != base.records.keys():
            return None
        old = base.records
        changed = {key: record for key, record in self.records.items() if record is not old[key]}
        if len(changed) > len(self.records) // 4:
            return None
        return JobsDelta(":".join(base.key), changed, self.digests, self.cards, self.folded)


@dataclass(frozen=True, slots=True)
class JobsDelta:
    """Jobs told by how they differ from the full memo saved before (see JobMemo.delta_from).

    A body edit at 50,000 briefings changes the records of a page or two of
    80,000: the cache saves those and the briefings' digests and cards, not
    every record again (25 MB); the next build reads both.
    """

    base_key: str
    records: dict[JobKey, JobRecord]  # the records that are not the base's
    digests: Mapping[str, str]
    cards: Mapping[str, str]
    folded: Mapping[Dependency, object]

    def applied_to(self, base: JobMemo) -> JobMemo:
        # Updating a copy keeps the base's order, which is the order of the site's outputs.
        return replace(base, records={**base.records, **self.records}, digests=self.digests, cards=self.cards,
                       folded=self.folded)


@dataclass(frozen=True, slots=True)
class JobPlan:
    """Every output's job, reused or to render, and the records of this build's jobs but what rendering tells."""

    jobs: list[PageJob | ReusedJob]
    records: dict[JobKey, JobRecord]
    to_render: dict[str, JobKey]  # output path -> the key of the job made for it (it may yet be reused)

    def take_jobs(self) -> list[PageJob | ReusedJob]:
        """The jobs, handed over to run_jobs, which drops them as it goes: the plan keeps none."""
        taken = list(self.jobs)
        self.jobs.clear()
        return taken

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


def plan_jobs(renderer: PageRenderer, cache: BuildCache, previous: JobMemo | None, changed: set[str],
               stale: ChangedDependencies, same_jobs: bool) -> JobPlan:
    """Every output's job, made and fingerprinted only where it may have changed.

    A page of the last good build (`previous`) can only differ through the
    dependencies on the model, the cards of the briefings it was given and
    the bodies it read: a page none of whose dependencies is `stale`, none of whose
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
            # Made again for another reason (a dependency, a card): given the same, it reads the same bodies.
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


@dataclass(frozen=True, slots=True)
class PageReuse:
    """What this build may reuse of the last good build's pages, and what changed since."""

    key: tuple[str, str]  # (model shape, render digest): the same key has the same list of jobs
    previous: JobMemo | None  # the last good build's jobs, if they can be checked
    earlier_dependencies: ModelDependencies | None  # of the last model, when it was of another shape
    digests: Mapping[str, str]  # briefing slug -> its source's digest now
    changed: set[str]  # the briefings whose view (card or body) may differ from the last good build's
    bodies_rendered: set[PurePosixPath]  # bodies rendered again since the last good build
    views: dict  # the last build's views of briefings that did not change, reusable as they are
    mention_subjects: set  # entities and documents whose mention or backlink lists may have changed since


def page_reuse(step: ModelStep, render_digest: str, rendered_again: set[PurePosixPath],
               cache: BuildCache) -> PageReuse:
    """What changed since the last good build, for `plan_pages`; `rendered_again`: this build's bodies."""
    site = step.site
    rendered = rendered_again | cache.bodies_since_good_build  # see bodies_rendered
    digests = {b.slug: cache.sources[str(b.source_rel)].digest for b in site.briefings}
    key = (step.memo.shape, render_digest)  # the same shape has the same jobs, whatever the briefings show
    previous, earlier_dependencies = cache.jobs_memo(key), None
    if previous is None and step.earlier is not None:  # of another shape: its jobs are checked dependency by dependency
        previous = cache.earlier_jobs()
        if previous is not None and previous.key == (step.earlier.shape, render_digest):
            earlier_dependencies = ModelDependencies(step.earlier.site, mention_index(step.earlier.site, cache))
        else:
            previous = None
    changed = {slug for slug, digest in digests.items() if previous is None or previous.digests.get(slug) != digest}
    # A body is also made again when a title or file it links to changes: its pages change with it.
    changed.update(b.slug for b in site.briefings if b.source_rel in rendered)
    if earlier_dependencies is not None:
        changed.update(views_changed(step.earlier.site, site))
    # Views of unchanged briefings are as they were when nothing but bodies changed.
    views = {slug: view for slug, view in cache.views.items() if slug not in changed} if previous else {}
    return PageReuse(key, previous, earlier_dependencies, digests, changed, set(rendered), views,
                     set(cache.mentions_since_good_build))


def site_mentions(step: ModelStep, cache: BuildCache) -> tuple[MentionIndex, tuple[Diagnostic, ...]]:
    """The site's mentions and backlinks, and what they say to the editor (notes, aliases that catch too
    much): kept while the model's shape, the profiles and every body's mentions are as they were (serve
    saves a body without working them out again for 10,000 briefings)."""
    site = step.site
    profiles = tuple(step.memo.front_digests.get(str(profile.source_rel)) for profile in site.registry.profiles())
    key = (step.memo.shape, profiles, cache.mention_version)
    if cache.mention_memo is not None and cache.mention_memo[0] == key:
        return cache.mention_memo[1], cache.mention_memo[2]
    index = mention_index(site, cache)
    said = (*index.notes(), *over_eager_aliases(site, index))
    cache.mention_memo = (key, index, said)
    return index, said


def mention_index(site, cache: BuildCache) -> MentionIndex:
    """The site's mentions and backlinks, from the records of the bodies as they are now.

    Also for the last model when it was of another shape: its lists, worked
    out with today's bodies, differ from today's by what the front matter
    changed; what bodies changed is in cache.mentions_since_good_build.
    """
    heads = cache.bodies

    def mentions_of(rel) -> BodyMentions:
        head = heads.head(rel)
        return NO_MENTIONS if head is None else head.mentions

    return MentionIndex(site, mentions_of)


def plan_pages(renderer: PageRenderer, reuse: PageReuse, cache: BuildCache) -> JobPlan:
    """Every output's job: reused where nothing it was made from changed, else made to render."""
    site = renderer.site
    # A briefing's body is in its view, never a dependency: only pages' and profiles' bodies can make one stale.
    fact_bodies = {d.source_rel for d in (*site.pages, *site.registry.profiles())}
    stale = ChangedDependencies(reuse.earlier_dependencies, renderer.dependencies,
                                {rel for rel in reuse.bodies_rendered if rel in fact_bodies}, reuse.mention_subjects,
                                _folded_changed(reuse, renderer.dependencies))
    # An entity's pages are as many as its longest list: one mentioned more or less may have another number.
    same_jobs = reuse.earlier_dependencies is None and not any(isinstance(s, tuple) for s in reuse.mention_subjects)
    return plan_jobs(renderer, cache, reuse.previous, reuse.changed, stale, same_jobs=same_jobs)


def _folded_changed(reuse: PageReuse, new: ModelDependencies) -> frozenset:
    """The dependencies of FOLDED_KINDS (fold_mentions: true) whose values differ from the last good build's.

    Compared value by value: a mention added to one briefing changes the
    "most often named with" of every entity it names, which no subject of
    the mention tells. Nothing to compare when neither the shape nor any
    body's mentions changed: the values are made of nothing else.
    """
    previous = reuse.previous
    if previous is None or not previous.folded or (not reuse.mention_subjects and reuse.earlier_dependencies is None):
        return frozenset()
    return frozenset(dependency for dependency, value in previous.folded.items() if new.value(dependency) != value)


def remember_pages(cache: BuildCache, reuse: PageReuse, plan: JobPlan, results: JobResults,
                   renderer: PageRenderer) -> None:
    """This good build's jobs and views, for the next build to check its pages against."""
    cards = {**(reuse.previous.cards if reuse.previous is not None else {}),
             **{slug: view.card for slug, view in renderer.views.items()}}
    folded = _NO_BODIES
    if renderer.config.fold_mentions:  # the last values, and those this build worked out (read or compared)
        folded = {**(reuse.previous.folded if reuse.previous is not None else {}),
                  **renderer.dependencies.folded_values()}
    cache.jobs = JobMemo(reuse.key, plan.recorded(results), reuse.digests, cards, folded)
    cache.views = renderer.views
    cache.bodies_since_good_build = set()
    cache.mentions_since_good_build = set()
