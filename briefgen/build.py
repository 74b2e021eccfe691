"""build(): the one pipeline under build, check, serve and publish."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Mapping

from briefgen import indexes, search, urls
from briefgen.config import SiteConfig
from briefgen.documents import Briefing, Page, Profile, parse_document
from briefgen.entities import build_registry
from briefgen.errors import Diagnostic, Diagnostics, Severity
from briefgen.markdown import Rendered, create_markdown, make_resolver, render_body
from briefgen.model import Site, build_site
from briefgen.output import Output, check_collisions
from briefgen.render import PageRenderer
from briefgen.sources import scan_sources
from briefgen.theme import create_environment, resolve_theme, static_files


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site
    outputs: tuple[Output, ...]
    diagnostics: tuple[Diagnostic, ...]
    timings: Mapping[str, float] = field(default_factory=dict)

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


def build(config: SiteConfig, *, drafts: bool = False, write_pages: bool = True) -> BuildResult:
    """Everything but the write. Raises BuildError with every problem found.

    With write_pages=False (briefgen check) it stops after content, entities
    and links have been checked, before any template is rendered.
    """
    diags = Diagnostics()
    clock = _Clock()

    sources = scan_sources(config.root, diags)
    documents = [parse_document(source, config, diags) for source in sources]
    clock.lap("parse")
    briefings = [d for d in documents if isinstance(d, Briefing) and (drafts or not d.draft)]
    pages = [d for d in documents if isinstance(d, Page) and (drafts or not d.draft)]
    profiles = [d for d in documents if isinstance(d, Profile)]

    registry, resolved = build_registry(profiles, briefings, config, diags)
    site = build_site(config, briefings, pages, registry, resolved, diags)
    clock.lap("model")

    link_documents = [(b.source_rel, b.title, urls.briefing_path(b.slug)) for b in site.briefings]
    link_documents += [(p.source_rel, p.title, urls.page_path(p.slug)) for p in site.pages]
    link_documents += _unparsed_stubs(sources, documents)
    resolver = make_resolver(registry, site.entity_paths, link_documents, config.base_path)
    md = create_markdown(allow_html=not config.escape_html)
    bodies: dict[PurePosixPath, Rendered] = {}
    for briefing in site.briefings:
        autolink = config.autolink if briefing.autolink is None else briefing.autolink
        bodies[briefing.source_rel] = render_body(md, briefing.body, briefing.source_rel, briefing.body_line,
                                                  resolver, autolink=autolink)
    for profile in profiles:
        bodies[profile.source_rel] = render_body(md, profile.body, profile.source_rel, profile.body_line, resolver,
                                                 autolink=config.autolink,
                                                 exclude_entity=(profile.taxonomy, profile.slug))
    for page in site.pages:
        bodies[page.source_rel] = render_body(md, page.body, page.source_rel, page.body_line, resolver,
                                              autolink=False)
    for rendered in bodies.values():
        diags.extend(rendered.diagnostics)
    clock.lap("markdown")
    diags.raise_if_errors()
    if not write_pages:
        return BuildResult(site, (), diags.sorted(), MappingProxyType(clock.timings))

    theme = resolve_theme(config, diags)
    diags.raise_if_errors()
    env = create_environment(theme)
    renderer = PageRenderer(site, bodies, env, diags)
    outputs = renderer.all_outputs()
    outputs += search.search_outputs(outputs, config, diags)
    statics = static_files(theme)
    outputs += [Output(rel, copy_from=path, origin=_static_origin(path, config)) for rel, path in statics.items()]
    outputs += [o for o in indexes.github_pages_files(config) if o.rel_path not in statics]
    outputs.append(indexes.sitemap(site, renderer.links))
    outputs.append(indexes.robots(renderer.links))
    clock.lap("render")
    unique = check_collisions(outputs, diags)
    diags.raise_if_errors()
    return BuildResult(site, tuple(unique), diags.sorted(), MappingProxyType(clock.timings))


def _unparsed_stubs(sources, documents) -> list[tuple[PurePosixPath, str, str]]:
    """A briefing that failed to parse still answers @/ links, so its error is the only one."""
    stubs = []
    for source, document in zip(sources, documents):
        if document is None and source.section in ("briefings", "pages"):
            slug = PurePosixPath(source.rel).stem
            path = urls.briefing_path(slug) if source.section == "briefings" else urls.page_path(slug)
            stubs.append((source.rel, slug, path))
    return stubs


def _static_origin(path, config: SiteConfig) -> str:
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return f"the theme's static/{path.name}"
