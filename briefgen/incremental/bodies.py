"""Rendered bodies, kept by a key of everything their HTML depends on: only what changed is rendered again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable, NamedTuple

from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing, Page, Profile
from briefgen.errors import Diagnostic
from briefgen.incremental.cache import BuildCache
from briefgen.incremental.model import ModelStep
from briefgen.model.mentions import NO_MENTIONS, BodyMentions, changed_subjects
from briefgen.parallel import parallel_map
from briefgen.render.links import (
    BodyLinkKeys,
    LinkKeys,
    LinkResolver,
    changed_autolink_words,
    may_autolink,
    words_as_written,
)
from briefgen.render.markdown import Rendered, create_markdown, render_body
from briefgen.render.words import quotes_for
from briefgen.fingerprint import fingerprint
from briefgen.images.assets import AssetTable
from briefgen.render.page_links import FileTargets


class BodyKey(NamedTuple):
    """Everything a body's HTML depends on: equal keys, equal HTML."""

    source_digest: str
    link_targets: BodyLinkKeys
    autolink: bool
    exclude: tuple[str, str] | None  # a profile's own entity (taxonomy, slug), never linked in its own body
    escape_html: bool
    typographer: bool
    files: str = ""  # of the files (images, attachments) it points at, as they are (see files_key)


class BodyHead(NamedTuple):
    """The small part of a rendered body's cache entry (its large part is the Rendered body)."""

    key: BodyKey
    links_used: tuple[bool, bool]  # whether the text may have @/ links, [[ links (see LinkKeys.used_by)
    diagnostics: tuple[Diagnostic, ...]
    words_as_written: bool  # the source's words are the body's own (see markdown.words_as_written)
    summary: str  # the first paragraph as plain text, for cards without a summary
    mentions: BodyMentions = NO_MENTIONS  # what the text mentions and links to (kept here: every build reads it)
    assets_used: tuple[str, ...] = ()  # the files it looked up (see images.assets.AssetTable.entry_key)


@dataclass(frozen=True, slots=True)
class _Task:
    rel: PurePosixPath
    key: BodyKey
    autolink: bool
    exclude: tuple[str, str] | None
    links_used: tuple[bool, bool]


def render_bodies(step: ModelStep, config: SiteConfig, cache: BuildCache, workers: int | None,
                  progress: Callable[[int, int], None] | None, table: AssetTable,
                  words: Mapping[str, str] | None = None) -> set[PurePosixPath]:
    """Markdown -> HTML for the step's documents' bodies into cache.bodies, reusing those whose key is
    unchanged; the paths of those rendered again.

    A body's key is its file's digest and the digests of the kinds of link
    target its text may use: one without @/ or [[ links does not wait on titles
    and files. When only the names autolinks find changed (a new leader), a
    body in which none of the changed names' first words occurs is kept, with
    its new key, instead of being rendered again. Briefings may be given as
    the model holds them, without their bodies: a body is read from its
    document only when it must be rendered or checked.
    """
    todo, rekeyed = _tasks(step, config, cache, table)
    alike = _linked_alike(rekeyed, step.memo.resolver, cache)
    for task in rekeyed:
        if str(task.rel) in alike:  # the body as rendered, under its new key
            cache.bodies.replace_head(task.rel, cache.bodies.head(task.rel)._replace(key=task.key))
        else:
            todo.append(task)
    md = create_markdown(allow_html=not config.escape_html, typographer=config.typographer,
                         quotes=quotes_for(config.language), words=words)
    resolver = step.memo.resolver
    named: dict = {}
    files = FileTargets(table, config.images)

    def render_one(task: _Task) -> tuple[Rendered, bool]:
        document = cache.documents.tail(task.rel)
        rendered = render_body(md, document.body, task.rel, document.body_line, resolver, autolink=task.autolink,
                               exclude_entity=task.exclude, files=files,
                               featured=getattr(document, "image", None) is not None)
        return rendered, words_as_written(document.body)

    for task, (rendered, as_written) in zip(todo, parallel_map(render_one, todo, workers, progress)):
        key = task.key._replace(files=files_key(table, rendered.assets_used))
        head = BodyHead(key, task.links_used, tuple(rendered.diagnostics), as_written, rendered.summary,
                        rendered.mentions, rendered.assets_used)
        kept = cache.bodies.head(task.rel)
        if kept is None or kept.mentions != head.mentions:  # lines too: the notes give them
            cache.mention_version += 1
        changed = changed_subjects(kept.mentions if kept else NO_MENTIONS, head.mentions)
        if changed and kept is not None:
            named = named or _named_in_front_matter(step)
            changed -= named.get(task.rel, frozenset())
        cache.mentions_since_good_build |= changed
        cache.bodies.put(task.rel, head, rendered)
    cache.assets_key = table.key
    return {task.rel for task in todo}


def _named_in_front_matter(step: ModelStep) -> dict[PurePosixPath, frozenset]:
    """The entities each briefing names in front matter, when the model has the last one's shape: no entity
    page lists a briefing's mentions of those, so a change of them changes no page. Else none (a name given
    or taken away is compared by the pages' dependencies, with today's mentions)."""
    if step.earlier is not None:
        return {None: frozenset()}  # not empty: made once
    return {b.source_rel: frozenset(key for keys in step.site.briefing_entities.get(b.slug, {}).values()
                                    for key in keys) for b in step.site.briefings}


def files_key(table: AssetTable, used: tuple[str, ...]) -> str:
    """What a body's HTML depends on of the files it looked up ("" for a body that looked up none)."""
    return fingerprint(used, [table.entry_key(lookup) for lookup in used]) if used else ""


def _tasks(step: ModelStep, config: SiteConfig, cache: BuildCache, table: AssetTable
           ) -> tuple[list[_Task], list[_Task]]:
    """The bodies to render, and those whose keys differ from their kept ones in the targets of autolinks
    and @/ links alone.

    Every body of the step is checked by its key; keys are compared, not hashed: this runs for every
    briefing after a new title, and makes nothing for a body whose key is as it was.
    """
    digests = {source.rel: source.digest for source in cache.sources.values()}
    link_keys, escape_html, typographer = step.memo.link_keys, config.escape_html, config.typographer
    same_files = cache.assets_key == table.key  # no file changed: a kept body's files key is as it was
    wanted: list[tuple[Briefing | Profile | Page, bool, tuple[str, str] | None]] = [
        (b, config.autolink if b.autolink is None else b.autolink, None) for b in step.briefings]
    wanted += [(profile, config.autolink, (profile.taxonomy, profile.slug)) for profile in step.profiles]
    wanted += [(page, False, None) for page in step.pages]
    todo, rekeyed = [], []
    for document, autolink, exclude in wanted:
        rel = document.source_rel
        digest = digests.get(rel)
        head = cache.bodies.head(rel)
        files = ""
        if head is not None and head.key.source_digest == digest:
            used = head.links_used
            files = head.key.files if same_files or not head.assets_used else files_key(table, head.assets_used)
        else:
            used = LinkKeys.used_by(cache.documents.tail(rel).body)
        fields = (digest, link_keys.select(used, autolink), autolink, exclude, escape_html, typographer, files)
        if head is not None and head.key == fields:  # a record equals the tuple of its fields: none is made
            continue
        key = BodyKey(*fields)
        task = _Task(rel, key, autolink, exclude, used)
        if head is not None and _only_link_targets_differ(head.key, key):
            rekeyed.append(task)
        else:
            todo.append(task)
    return todo, rekeyed


def _linked_alike(tasks: list[_Task], resolver: LinkResolver, cache: BuildCache) -> set[str]:
    """Of these bodies, whose keys differ from those they were kept under in the targets of autolinks or
    @/ links alone, those whose HTML is as it was: no target that changed can be linked from them.

    Compared with the model the kept bodies were made with (a body kept under
    other keys than that model's is rendered again).
    """
    earlier = cache.earlier_model()
    if earlier is None or not tasks:
        return set()
    heads = {str(task.rel): cache.bodies.head(task.rel) for task in tasks}  # by str, as the store answers
    now = {str(task.rel): task.key.link_targets for task in tasks}
    autolinked = {rel for rel, head in heads.items() if head.key.link_targets.entities != now[rel].entities}
    file_linked = {rel for rel, head in heads.items() if head.key.link_targets.files != now[rel].files}
    alike = set(heads)
    alike -= autolinked - _autolinked_alike(autolinked, heads, earlier, resolver, cache)
    alike -= file_linked - _file_linked_alike(file_linked, heads, earlier, resolver, cache)
    return alike


def _autolinked_alike(rels: set[str], heads: dict, earlier, resolver: LinkResolver, cache: BuildCache) -> set[str]:
    """Those bodies in which the autolink targets that changed cannot be autolinked.

    A body's source is read only when its stored document has one of the
    changed words, or when its words cannot be told from the source (see
    may_autolink): with a new leader, a handful of the 10,000 documents rather than all.
    """
    if not rels:
        return set()
    words = changed_autolink_words(earlier.resolver, resolver)
    comparable = {rel for rel in rels if heads[rel].key.link_targets.entities == earlier.link_keys.entities}
    plain = [rel for rel in comparable if heads[rel].words_as_written]
    unsure = comparable.difference(plain) | cache.documents.may_contain(plain, words)
    return (comparable - unsure) | {rel for rel in unsure if not may_autolink(cache.documents.tail(rel).body, words)}


# What may stand for a character of an @/ link's path in a source: markdown-it decodes entities and
# backslash escapes in a link's destination and keeps %-escapes as written.
_ESCAPES = ("&", "\\", "%")


def _file_linked_alike(rels: set[str], heads: dict, earlier, resolver: LinkResolver, cache: BuildCache) -> set[str]:
    """Those bodies that cannot link with @/ to a content file whose page moved, came or went.

    Every @/ link names its file's path (relative to content/) in the source
    as written, but for the escapes above: a body whose stored document holds
    none of those paths and none of the escapes is rendered as it was; one
    that holds some is read and looked at. A body with a diagnostic is
    rendered again: a broken link's hint names the files there are (a new
    briefing: its one path is looked for, and the other 10,000 bodies kept).
    """
    if not rels or earlier.resolver.url_prefix != resolver.url_prefix:
        return set()
    old, new = earlier.resolver.by_file, resolver.by_file
    paths = {path for path in old.keys() | new.keys()
             if path not in old or path not in new or old[path].site_path != new[path].site_path}
    comparable = {rel for rel in rels if heads[rel].key.link_targets.files == earlier.link_keys.files
                  and not heads[rel].diagnostics}
    # A link may also be relative to the body's own file (../other.md, ../x/index.md): its path ends as
    # the content path does, or, for a bundle, names its folder.
    spellings = sorted({spelling for path in paths for spelling in _path_spellings(path)})
    unsure = cache.documents.may_contain(comparable, [*spellings, *_ESCAPES])

    def as_it_was(rel: str) -> bool:
        body = cache.documents.tail(rel).body
        return not any(escape in body for escape in _ESCAPES) and not any(term in body for term in spellings)

    return (comparable - unsure) | {rel for rel in unsure if as_it_was(rel)}


def _path_spellings(path: str) -> tuple[str, ...]:
    """What a link to the content file `path` has in its text, however it is written: its file name, and a
    bundle's folder name ('briefings/x/index.md' may be linked as @/briefings/x.md or ../x/)."""
    parts = path.split("/")
    if parts[-1] == "index.md" and len(parts) > 1:
        return (parts[-2],)
    return (parts[-1],)


def _only_link_targets_differ(kept: BodyKey, key: BodyKey) -> bool:
    """The keys differ in the targets of autolinks or @/ links alone (the same text, titles, settings)."""
    was, now = kept.link_targets, key.link_targets
    return (was.entities != now.entities or was.files != now.files) and \
        kept == key._replace(link_targets=now._replace(entities=was.entities, files=was.files))


class StoredBodies(Mapping):
    """Rendered bodies by path, read from the cache as pages ask for them (a render.RenderedBodies)."""

    def __init__(self, store):
        self._store = store

    def __getitem__(self, rel) -> Rendered:
        return self._store.tail(rel)

    def summary(self, rel) -> str:
        """The body's first paragraph as plain text, kept in the entry's head: its body need not be read."""
        return self._store.head(rel).summary

    def __iter__(self):
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)
