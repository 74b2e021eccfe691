"""The incremental engine: what each step of a build may reuse from the last build.

The pipeline (briefgen/pipeline.py) asks this package one question per step,
"what of this step can be reused?", and gets a typed answer. With an empty
BuildCache every answer is "nothing": the cold path runs the same code and
reads the same without it. Every speed-up keeps a build with a cache
byte-identical to a clean one (tests/test_oracle.py checks that on random
edit sequences). What briefgen keeps between builds lives in the BuildCache
(cache.py): in memory for serve, in .briefgen-cache/ for the CLI (the cache
database, database.py), and nowhere else.

The steps, in the pipeline's order:
  documents.py    parsed documents, kept by their source file's digest
  model.py        the site model, kept or updated while only briefings change
  bodies.py       rendered bodies, kept by a key of all their HTML depends on
  dependencies.py what each page read of the model (its dependencies)
  page_plan.py    which pages are as they were, and jobs for the others
  inputs.py       one digest of every input, for "nothing changed" at once
  kept_site.py    the kept pages: with --cache-pages, the written files kept
                  in the cache folder, for a checkout without its output (CI)
  cache.py        the BuildCache; database.py: the CLI's cache on disk (SQLite)
  memory.py       the cycle collector held back (every gc call is there)

Glossary of the words that remain:
  digest       a hash of bytes (a file, a page); fingerprint: a hash of values
  front digest all of a briefing's front matter: what the model is made from
  shape        what places briefings in the site (slugs, dates, names given,
               drafts, aliases): a model of the same shape lists the same
               briefings on the same pages, whatever their titles say
  card         all of a briefing's view but its body: what list pages show
  view         the object a template is given for a briefing (render/views)
  dependency   one thing of the model a page read (an entity's name, a year's
               briefings): after a new shape, pages are checked dependency
               by dependency (dependencies.py)
  memo         the model or the page jobs of the last build, kept under a key
  head, tail   a cache row's small, always-read part (a typed record of
               digests: DocumentHead, BodyHead) and its large part (a
               document, a rendered body), read only when used
  spare        the site before last, kept in the work folder (._site.briefgen/)
               to be recycled as the next staging folder
  spill        pages of a large render written to a work folder by the
               workers instead of being held in memory
  late files   the search index, written into the staged site once Pagefind
               is done, while the pages were being staged
  page notes   what a worker noted of each page it spilled for the search
               index (indexed or not, a digest), so no page is read back
  folder stat  which files of the output folder are still as last written,
               taken by a second process (output/folder_stat.py)
  kept pages   (--cache-pages) the output's files hard-linked into
               .briefgen-cache/site/ with the identity each was written under
               and its bytes' digest; restored when the output folder is
               missing (kept_site.py). Not the spare, which is the site before last
  portable     every key is made of content digests and settings, never of
               the site's folder or of file times alone: a cache restored
               into a checkout elsewhere is the same cache
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import PurePosixPath

from briefgen.config import SiteConfig
from briefgen.errors import Diagnostics
from briefgen.fingerprint import fingerprint
from briefgen.images.assets import AssetTable
from briefgen.incremental import bodies as _bodies
from briefgen.incremental.bodies import StoredBodies
from briefgen.incremental.cache import BuildCache
from briefgen.incremental.documents import parse_documents, read_sources
from briefgen.incremental.inputs import inputs_key, theme_digest
from briefgen.incremental.model import ModelStep, site_model
from briefgen.model.mentions import all_subjects
from briefgen.incremental.page_plan import PageReuse, mention_index, page_reuse, plan_pages, remember_pages, site_mentions
from briefgen.render.theme import Theme, create_environment
from briefgen.render.translations import NullTranslations

__all__ = ["BuildCache", "ModelStep", "PageReuse", "StoredBodies", "claims_unchecked", "inputs_key",
           "jinja_environment", "mention_index", "page_reuse", "parse_documents", "plan_pages", "read_sources", "remember_pages", "site_mentions",
           "render_bodies", "site_model", "theme_digest"]


def render_bodies(step: ModelStep, config: SiteConfig, cache: BuildCache, workers: int | None,
                  progress: Callable[[int, int], None] | None, diags: Diagnostics, table: AssetTable,
                  words: Mapping[str, str] | None = None) -> tuple[StoredBodies, set[PurePosixPath]]:
    """Every body of the step's model, rendered or kept, with what rendering said in `diags`; and the paths
    of the bodies rendered again. `table`: the files bodies may point at; `words`: the theme's words bodies
    use, in the site's language (render.words.body_words; their catalogs are in the cache's settings key)."""
    if step.same_front_matter and table.key != cache.assets_key:  # a file changed: each body is checked by its key
        site = step.site
        step = replace(step, briefings=list(site.briefings), profiles=site.registry.profiles(), pages=list(site.pages))
    rendered_again = _bodies.render_bodies(step, config, cache, workers, progress, table, words)
    # A build that fails after this (serve keeps its cache) shows these bodies on no page: the next good
    # build must still make again the pages that show them.
    cache.bodies_since_good_build |= rendered_again
    cache.model = step.memo  # only now: every kept body is rendered with its link targets (see body_is_current)
    if not step.same_front_matter:
        present = {str(d.source_rel) for d in step.documents()}
        for rel in cache.bodies:  # a body gone takes its mentions and links with it
            if rel not in present:
                cache.mentions_since_good_build |= all_subjects(cache.bodies.head(rel).mentions)
                cache.mention_version += 1
        cache.bodies.keep_only(present)
    for rel in cache.bodies:
        diags.extend(cache.bodies.head(rel).diagnostics)
    return StoredBodies(cache.bodies), rendered_again


def jinja_environment(theme: Theme, template_digest: str, cache: BuildCache, translations: NullTranslations):
    """The Jinja environment, kept while no template or catalog changes (theme_digest covers both, the
    settings key the language and site.yaml's translations): it compiles each template once."""
    key = (template_digest, tuple(theme.template_dirs), theme.default_templates)
    if cache.environment is None or cache.environment[0] != key:
        cache.environment = (key, create_environment(theme, translations))
    return cache.environment[1]


def claims_unchecked(cache: BuildCache, step: ModelStep, statics: dict) -> str | None:
    """The key of the paths this build will claim, when the last good build did not check those same paths."""
    key = fingerprint(cache.settings_key, step.memo.shape, list(statics.items()))
    return None if key == cache.checked_claims else key
