"""The build of a multilingual site: a pipeline build (pipeline.build_tree) per language, one site.

The default language's tree is built as a site of one language would be,
from the originals, at the site's root. Each other language's tree is built
by the same pipeline into /<language>/ (its config's base_url ends in it),
from its own documents: the translations, merged onto their originals
(merge.py), and the profiles of the entities its briefings name, translated
or not. A briefing, page or profile that is neither is not in that
language's tree; links to it lead to the default language's page.

First every tree's model is made and checked (so every tree's errors are
reported before any page is rendered), then the trees are rendered, each
page with its alternates in the other trees (trees.LanguageTrees).

Each tree has a cache of its own (a TreeBuildCache in the default tree's
`languages`, kept in memory: serve rebuilds the trees warm; the CLI builds
a language's tree cold, then writes only the files that changed). The
documents of a tree's cache are seeded before its build reads them: under
each original's path, its translation's merged document, whose digests
cover both files. A tree's pages are looked up in the site's cache, under
the tree's folder: the files the last build wrote, or, in a checkout with
no output folder, the kept files being restored (incremental/kept_site.py).

Nothing here keeps a path of the site's folder: the default tree's model may
come from a cache built in another folder (a CI checkout), so what is read
is found from this build's config, never from that model's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from briefgen import urls
from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing
from briefgen.content.fields import bundle_folder, names_of
from briefgen.content.frontmatter import split_front_matter
from briefgen.content.scan import ContentFile, ContentListing, Source, content_listing, read_source
from briefgen.errors import BuildError, Diagnostic, Diagnostics, Severity
from briefgen.fingerprint import fingerprint
from briefgen.incremental.cache import BuildCache
from briefgen.incremental.documents import DocumentHead, briefing_shape
from briefgen.languages.files import LanguageFiles, Translation, split_by_language
from briefgen.languages.merge import inherited_line, translated_document
from briefgen.languages.settings import tree_folder
from briefgen.languages.trees import LanguageTrees, language_config, tree_paths
from briefgen.model.site import Site
from briefgen.output.outputs import Output, check_collisions
from briefgen.render import sitefiles
from briefgen.urls import SHARED_TOP, UrlBuilder

# Files of a language's tree that the site has once, at its root.
_ROOT_ONLY = frozenset({sitefiles.SITEMAP, sitefiles.ROBOTS, "CNAME", ".nojekyll"})


@dataclass
class TreeBuildCache(BuildCache):
    """A language tree's BuildCache, whose pages are the site's under the tree's folder: a page is reused as
    the site's cache would reuse it there (as written, as kept in memory by serve, or as kept in the cache
    folder while a checkout without its output is restored), under the tree's own path."""

    site_cache: BuildCache | None = None  # set for each build (see _share_written)
    folder: str = ""  # the tree's folder in the site's output: 'ru/'

    def reusable_output(self, name: str, key: str, origin: str) -> Output | None:
        if self.site_cache is None:
            return super().reusable_output(name, key, origin)
        found = self.site_cache.reusable_output(self.folder + name, key, origin)
        return None if found is None else replace(found, rel_path=name)


@dataclass(slots=True)
class TreeCache:
    """What a language's tree keeps between builds: its BuildCache, the stamps each seeded document was merged
    at (original and translation), so an unchanged pair is not merged again, and the names translations give."""

    cache: TreeBuildCache = field(default_factory=TreeBuildCache)
    seeded: dict[str, tuple[int, ...] | None] = field(default_factory=dict)
    names: dict[str, tuple] = field(default_factory=dict)  # translation -> (its stamp, a draft?, the names it gives)


@dataclass(frozen=True, slots=True)
class Tree:
    language: str
    config: SiteConfig
    listing: ContentListing
    translations: dict[str, Translation]  # original rel -> its translation into this language
    state: TreeCache


def build_languages(config: SiteConfig, build_tree, *, cache: BuildCache | None, listing: ContentListing | None,
                    render_pages: bool, spill=None, progress=None, changed_files=None, **options):
    """Every language's tree, as one BuildResult (see the module's description)."""
    cache = cache if cache is not None else BuildCache()
    diags = Diagnostics()
    if listing is None:  # serve: content/ as it is now (the translations are found by their names)
        listing = content_listing(config.root, diags)
    split = split_by_language(listing.files, config, diags)
    diags.raise_if_errors()
    default_listing = replace(listing, files=split.default)
    checked = build_tree(config, cache=cache, listing=default_listing, render_pages=False,
                         changed_files=changed_files, progress=progress, **options)
    drafts = bool(options.get("drafts"))
    trees = [_tree(config, language, split, listing, cache, checked.site, drafts)
             for language in config.all_languages[1:]]
    paths = {config.default_language: tree_paths(checked.site)}
    for tree in trees:
        result = _in_tree(tree, lambda t=tree: build_tree(t.config, cache=t.state.cache, listing=t.listing,
                                                         render_pages=False, prepare=_seeder(t), **options))
        paths[tree.language] = tree_paths(result.site)
        diags.extend(result.diagnostics)
    if not render_pages:
        return _checked(checked, diags)
    alternates = LanguageTrees(config, paths)
    main = build_tree(config, cache=cache, listing=default_listing, changed_files=changed_files, spill=spill,
                      progress=progress, alternates=alternates, **options)
    results = [(tree, _in_tree(tree, lambda t=tree: build_tree(t.config, cache=t.state.cache, listing=t.listing,
                                                              alternates=alternates, prepare=_seeder(t), **options)))
               for tree in trees]
    return _combined(config, main, results, diags, alternates)


def _tree(config: SiteConfig, language: str, split: LanguageFiles, listing: ContentListing,
          cache: BuildCache, default_site: Site, drafts: bool) -> Tree:
    """A language's tree: its translated briefings, pages and profiles, and the profiles of the entities its
    briefings name (as their originals do), untranslated.

    A draft translation (or any translation of a draft) is read and checked as a draft of the default language
    is, and leaves no trace in the tree: its names bring in no profile, its bundle's files are not published,
    and a link to its original leads to the default language's page (see _published)."""
    translations = split.translations[language]
    state = cache.languages.setdefault(language, TreeCache())
    published = _published(default_site, translations, state, config, drafts)
    named = _named_profiles(default_site, published, state, config)
    files = [_tree_file(file, translations) for file in split.default if file.rel in translations or file.rel in named]
    assets = _tree_assets(listing.assets, split.default, set(published) | named)
    _share_written(cache, state.cache, tree_folder(language))
    tree_config = replace(language_config(config, language),
                          default_targets=default_targets(default_site, published, config.base_path))
    return Tree(language, tree_config, replace(listing, files=files, assets=assets, diagnostics=()), translations,
                state)


def _tree_assets(assets: list[ContentFile] | None, originals: list[ContentFile], in_tree: set[str]):
    """The other files of content/ a tree publishes: all but those of bundles that are not in the tree."""
    if assets is None:
        return None
    bundles = {str(folder): rel in in_tree for rel in (file.rel for file in originals)
               if (folder := bundle_folder(rel)) is not None}
    return [asset for asset in assets
            if all(bundles.get(str(folder), True) for folder in PurePosixPath(asset.rel).parents)]


def _published(site: Site, translations: dict[str, Translation], state: TreeCache, config: SiteConfig,
               drafts: bool) -> dict[str, Translation]:
    """The translations whose pages the tree publishes: all with --drafts; else those that are no draft (as
    merge.translated_document makes them: `draft: true` in the translation, or in its original, whose draft
    wins), i.e. a briefing's, page's or profile's whose original the default language publishes."""
    if drafts:
        return translations
    originals = {str(document.source_rel)
                 for document in (*site.briefings, *site.pages, *site.registry.profiles())}
    return {rel: translation for rel, translation in translations.items()
            if rel in originals and not _given(translation, config, state)[0]}


def _named_profiles(site: Site, translations: dict[str, Translation], state: TreeCache,
                    config: SiteConfig) -> set[str]:
    """The profiles of the entities published translated briefings name: as their originals do, and by the
    names in the default language that a translation gives in their place. `config` is this build's: the
    site's model may be a cache's, made in another folder."""
    keys = set()
    for briefing in site.briefings:
        translation = translations.get(str(briefing.source_rel))
        if translation is not None:
            keys.update(key for named in site.briefing_entities[briefing.slug].values() for key in named)
            for taxonomy, name in _given(translation, config, state)[1]:
                keys.add(site.registry.resolve(taxonomy, name))
    entities = site.registry.entities
    return {str(entities[key].profile.source_rel) for key in keys if key in entities and entities[key].profile}


def _given(translation: Translation, config: SiteConfig, state: TreeCache) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """Whether a translation says it is a draft (`draft: true`; a file that cannot be read is taken for one:
    the seeder reports it), and the (taxonomy, name) of the names it gives itself; kept while its file is
    unchanged."""
    kept = state.names.get(translation.file.rel)
    if kept is not None and kept[0] == translation.file.stamp and translation.file.stamp is not None:
        return kept[1], kept[2]
    names = []
    source = read_source(config.root, Path(translation.file.path), Diagnostics())  # its problems: the seeder's
    fm = split_front_matter(source.text, source.rel, Diagnostics()) if source is not None else None
    for spec in config.taxonomies if fm is not None else ():
        names += [(spec.name, ref.name) for ref in names_of(fm, spec.name, source.rel, Diagnostics())]
    draft = fm is None or fm.data.get("draft", False) is not False
    state.names[translation.file.rel] = (translation.file.stamp, draft, tuple(names))
    return draft, tuple(names)


def _share_written(cache: BuildCache, tree_cache: TreeBuildCache, folder: str) -> None:
    """The tree's pages are the site's under its folder: as the last build wrote them (the CLI, from the output
    folder or the kept site being restored) or kept them (serve). A page whose key is unchanged is not
    rendered again (see TreeBuildCache.reusable_output). What the tree's build resizes goes where the site's
    does (--no-cache: the build's own folder)."""
    tree_cache.site_cache, tree_cache.folder = cache, folder
    tree_cache.images_dir = cache.images_dir


def default_targets(site: Site, translations: dict[str, Translation],
                    root: str) -> tuple[tuple[str, str, str, str], ...]:
    """What a link in a language's tree reaches when nothing of its own language answers it: the default
    language's briefings and pages by title (a translated one's page in the tree, any other at the root), and
    its entities by name, alias and slug. (origin, title, site path, root: the default language's base
    path; see render.links.make_resolver.)"""
    targets = []
    documents = [(b.source_rel, b.title, urls.briefing_path(b.slug)) for b in site.briefings]
    documents += [(p.source_rel, p.title, urls.page_path(p.slug)) for p in site.pages]
    for rel, title, path in documents:
        targets.append((str(rel), title, path, "" if str(rel) in translations else root))
    for key, entity in site.registry.entities.items():
        origin = str(entity.profile.source_rel) if entity.profile else f"{key[0]} '{entity.name}'"
        path = urls.entity_path(*key)
        targets += [(origin, name, path, root) for name in dict.fromkeys((*entity.surface_names, entity.slug))]
    return tuple(targets)


def _seeder(tree: Tree):
    """What puts the tree's merged documents into its cache, once its build has settled the cache's settings.

    A translated document is, to the tree's build, its original's path with a Source already known: its
    stamp and digest those of both files (see _tree_file), so the build neither reads nor parses it, and
    keys its body by both files' bytes."""

    def seed(cache: BuildCache) -> None:
        root = tree.config.root
        for rel in [rel for rel in tree.state.seeded if rel not in tree.translations]:
            del tree.state.seeded[rel]  # no longer translated: the original is read and parsed as it is
            cache.sources.pop(rel, None)
        for rel, translation in tree.translations.items():
            stamp = _pair_stamp(translation)
            if stamp is not None and tree.state.seeded.get(rel) == stamp and rel in cache.sources \
                    and cache.documents.head(rel) is not None:
                continue
            local = Diagnostics()
            original = read_source(root, root / rel, local)
            text = read_source(root, root / translation.file.rel, local)
            if original is None or text is None:  # unreadable (not UTF-8, a pipe, gone): say so, as for any file
                raise BuildError(local.items)
            digest = fingerprint(original.digest, text.digest)
            document = translated_document(original.text, original.rel, text.text, text.rel, tree.config, local)
            if isinstance(document, Briefing):
                front, shape = fingerprint(replace(document, body=""), digest), briefing_shape(document)
            else:
                front = shape = digest
            cache.documents.put(rel, DocumentHead(digest, tuple(local.items), front, shape), document)
            cache.sources[rel] = Source(original.path, original.rel, original.section, None, digest, stamp or ())
            tree.state.seeded[rel] = stamp

    return seed


def _pair_stamp(translation: Translation) -> tuple[int, ...] | None:
    """The stamp of an original and its translation together: either file changed, it changed."""
    if translation.original.stamp is None or translation.file.stamp is None:
        return None
    return (*translation.original.stamp, *translation.file.stamp)


def _tree_file(file: ContentFile, translations: dict[str, Translation]) -> ContentFile:
    """A content file as the tree's build lists it: a translated original with the stamp of both files."""
    translation = translations.get(file.rel)
    return file if translation is None else ContentFile(file.path, file.rel, _pair_stamp(translation))


def _in_tree(tree: Tree, build):
    """A tree's build, with what it says of a translated document said of the translation's file."""
    try:
        result = build()
    except BuildError as error:
        raise BuildError(_located(error.diagnostics, tree)) from None
    return replace(result, diagnostics=_located(result.diagnostics, tree))


def _located(diagnostics, tree: Tree) -> tuple[Diagnostic, ...]:
    """The tree's diagnostics, each at the file it is about: a translated document's own lines are its
    translation's; what it inherits from its original is the original's, said by the default tree's build."""
    located = []
    for diagnostic in diagnostics:
        # Notes name what a text mentions that the front matter misses: a translation's front matter is its
        # original's (the default tree notes it there), and `briefgen tag` is for originals.
        if inherited_line(diagnostic.line) or diagnostic.severity is Severity.NOTE:
            continue
        translation = tree.translations.get(str(diagnostic.path)) if diagnostic.path is not None else None
        if translation is not None:
            diagnostic = replace(diagnostic, path=PurePosixPath(translation.file.rel))
        located.append(diagnostic)
    return tuple(located)


def _checked(checked, diags: Diagnostics):
    return replace(checked, diagnostics=_unique([*diags.items, *checked.diagnostics]))


def _combined(config: SiteConfig, main, results, diags: Diagnostics, trees: LanguageTrees):
    """The trees' results as one site: each tree's files under its folder, one sitemap of every tree."""
    outputs = [o for o in main.outputs if o.rel_path != sitefiles.SITEMAP]
    keys = dict(main.keys)
    entries = list(sitefiles.sitemap_entries(main.site))
    versions = {path: trees.of(config.default_language, path) for path, _ in entries}
    rendered, reused, said = main.rendered, main.reused, [*diags.items, *main.diagnostics]
    tree_outputs = []
    for tree, result in results:
        folder = tree_folder(tree.language)
        for output in result.outputs:
            if output.rel_path in _ROOT_ONLY or output.rel_path.partition("/")[0] in SHARED_TOP:
                continue
            tree_outputs.append(replace(output, rel_path=folder + output.rel_path))
            if output.rel_path in result.keys:
                keys[folder + output.rel_path] = result.keys[output.rel_path]
        tree_entries = list(sitefiles.sitemap_entries(result.site))
        entries += [(folder + path, modified) for path, modified in tree_entries]
        versions.update((folder + path, trees.of(tree.language, path)) for path, _ in tree_entries)
        rendered, reused, said = rendered + result.rendered, reused + result.reused, [*said, *result.diagnostics]
    collisions = Diagnostics()
    tree_outputs = check_collisions(tree_outputs, collisions, outputs)
    collisions.raise_if_errors()
    links = UrlBuilder(config.base_url, config.base_path)
    alternates = {path: [*((v.language, v.absolute) for v in found), ("x-default", found[0].absolute)]
                  for path, found in versions.items() if found}
    outputs += [*tree_outputs, sitefiles.sitemap_of(entries, links, alternates)]
    return replace(main, outputs=tuple(outputs), keys=keys, rendered=rendered, reused=reused,
                   diagnostics=_unique(said))


def _unique(diagnostics) -> tuple[Diagnostic, ...]:
    """Each problem once (every tree reads the profiles), in the order Diagnostics.sorted gives."""
    return tuple(sorted(dict.fromkeys(diagnostics), key=Diagnostic.sort_key))
