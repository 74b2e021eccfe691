"""The repository's own sample site, built as a user would build it."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.config import load_config
from briefgen.content.documents import Briefing, parse_document
from briefgen.errors import Diagnostics
from briefgen.content.scan import scan_sources
from briefgen.pipeline import build
from briefgen import urls
from conftest import REPO, parse_html, resolve_link, run_cli


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "_site"
    run_cli("build", "--out", str(out), cwd=REPO, check=True)
    return out


@pytest.fixture(scope="module")
def sample_model():
    return build(load_config(REPO), render_pages=False).site


def test_sample_site_has_enough_real_content(sample_model):
    assert len(sample_model.briefings) >= 12
    for briefing in sample_model.briefings:
        assert briefing.key_points and briefing.sources and briefing.summary, briefing.source_rel
        assert any(sample_model.briefing_entities[briefing.slug].values()), briefing.source_rel
    profiled = [e for e in sample_model.registry.entities.values() if e.profile]
    assert {e.taxonomy for e in profiled} == {"leaders", "treaties", "issues"}


def test_every_briefing_and_entity_link_each_other(sample, sample_model):
    base = sample_model.config.base_path
    for briefing in sample_model.briefings:
        page = sample / urls.output_file(urls.briefing_path(briefing.slug))
        links = {url for _, url, _ in parse_html(page).links}
        for keys in sample_model.briefing_entities[briefing.slug].values():
            for key in keys:
                entity_url = base + urls.entity_path(*key)
                assert entity_url in links, f"{briefing.slug} does not link to {entity_url}"
                entity_page = resolve_link(sample, base, entity_url)
                assert entity_page.is_file()
                # The entity's pages (all of them, it may be paginated) link back.
                back = set()
                for file in entity_page.parent.rglob("index.html"):
                    back |= {url for _, url, _ in parse_html(file).links}
                assert base + urls.briefing_path(briefing.slug) in back, f"{key} does not link back to {briefing.slug}"


def test_every_internal_link_and_asset_exists(sample, sample_model):
    base = sample_model.config.base_path
    for page in sample.rglob("*.html"):
        for tag, url, _ in parse_html(page).links:
            target = resolve_link(sample, base, url)
            if target is not None:
                assert target.exists(), f"{page.relative_to(sample)}: broken {tag} link {url}"


def test_sample_site_pages_exist(sample):
    for rel in ["index.html", "briefings/index.html", "leaders/index.html", "treaties/index.html",
                "issues/index.html", "404.html", "atom.xml", "sitemap.xml", "robots.txt", ".nojekyll",
                "about/index.html", "assets/style.css"]:
        assert (sample / rel).is_file(), rel


def test_drafts_are_not_built_by_default(sample, sample_model):
    drafts = [p for p in (REPO / "content" / "briefings").glob("*.md") if "draft: true" in p.read_text()]
    assert drafts, "the sample site should show a draft"
    for path in drafts:
        assert not (sample / "briefings" / path.stem).exists()


def test_sample_site_shows_entities_at_work(sample, sample_model):
    """Issue 3's showcase: in-text links everywhere, aliases in use, charts over several periods."""
    for briefing in sample_model.briefings:
        page = sample / urls.output_file(urls.briefing_path(briefing.slug))
        assert 'class="entity-link"' in page.read_text(), f"{briefing.slug} has no in-text entity link"
    # The names as written are in the documents (the model keeps only the entities they resolve to).
    config = load_config(REPO)
    documents = [parse_document(source, config, Diagnostics()) for source in scan_sources(REPO, Diagnostics())]
    written_names = {ref.name for d in documents if isinstance(d, Briefing) for refs in d.refs.values() for ref in refs}
    entity_names = {e.name for e in sample_model.registry.entities.values()}
    assert len(written_names - entity_names) >= 5, "briefings should name entities by their aliases too"
    assert any(len(t.periods) > 1 for t in sample_model.timelines.values())
    treaty = sample_model.entity(("treaties", "new-start"))
    assert {"signed", "parties"} <= set(treaty.profile.fields)
