"""In-text entity links and internal links in Markdown bodies."""

from __future__ import annotations

from pathlib import PurePosixPath

from briefgen.config import SiteConfig
from briefgen.content.documents import Profile
from briefgen.model.entities import build_registry
from briefgen.errors import Diagnostics
from briefgen.render.links import make_resolver
from briefgen.render.markdown import create_markdown, render_body
from briefgen import urls
from conftest import parse_html, run_cli

REL = PurePosixPath("content/briefings/x.md")


def profile(taxonomy, slug, name, *aliases):
    from briefgen.content.fields import NameRef
    return Profile(PurePosixPath(f"content/{taxonomy}/{slug}.md"), taxonomy, slug, name,
                   tuple(NameRef(a, None) for a in aliases), {}, "", 1)


def resolver_for(*profiles, documents=()):
    config = SiteConfig(root=PurePosixPath("/nowhere"))
    registry, _ = build_registry(profiles, [], config, Diagnostics())
    paths = {key: urls.entity_path(*key) for key in registry.entities}
    return make_resolver(registry, paths, list(documents), "/repo/")


BIDEN = profile("leaders", "joe-biden", "Joe Biden", "Biden", "President Biden")
PUTIN = profile("leaders", "vladimir-putin", "Vladimir Putin", "Putin")
ARMS = profile("issues", "arms-control", "arms control")
HUMAN = profile("issues", "human-rights", "human rights")
NEW_START = profile("treaties", "new-start", "New START")


def render(body, *profiles, autolink=True, documents=()):
    resolver = resolver_for(*(profiles or (BIDEN, PUTIN, ARMS, HUMAN, NEW_START)), documents=documents)
    return render_body(create_markdown(), body, REL, 10, resolver, autolink=autolink)


def entity_links(html):
    return [u for _, u, attrs in parse_html_string(html).links if attrs.get("class") == "entity-link"]


def parse_html_string(html):
    from conftest import LinkCollector
    collector = LinkCollector()
    collector.feed(html)
    return collector


def test_first_mention_only_is_linked():
    html = render("Putin spoke. Later Putin spoke again.").html
    assert html.count('href="/repo/leaders/vladimir-putin/"') == 1
    assert '<a href="/repo/leaders/vladimir-putin/" class="entity-link">Putin</a> spoke.' in html


def test_longest_alias_wins_overlapping_names():
    html = render("President Biden met Joe Biden's staff.").html
    assert '<a href="/repo/leaders/joe-biden/" class="entity-link">President Biden</a>' in html
    assert html.count("/repo/leaders/joe-biden/") == 1


def test_not_inside_links_code_or_headings():
    body = "## Putin in Geneva\n\nSee [the Putin page](https://example.org/p) and `Putin`.\n\nThen Putin left.\n"
    html = render(body).html
    assert "<h2" in html and "Putin in Geneva</h2>" in html
    assert '<a href="https://example.org/p">the Putin page</a>' in html
    assert "<code>Putin</code>" in html
    assert 'class="entity-link">Putin</a> left.' in html


def test_whole_words_only():
    html = render("Putinism is not a name; Bidenomics neither, nor McPutin.").html
    assert entity_links(html) == []
    html = render("Putinism and McPutin aside, Putin spoke.").html  # the first whole-word mention is linked
    assert 'aside, <a href="/repo/leaders/vladimir-putin/" class="entity-link">Putin</a> spoke.' in html


def test_lower_case_issue_at_sentence_start_but_not_inside_a_proper_name():
    html = render("Arms control talks resumed. The European Court of Human Rights ruled.").html
    assert entity_links(html) == ["/repo/issues/arms-control/"]


def test_autolink_switched_off():
    assert entity_links(render("Putin spoke.", autolink=False).html) == []


def test_internal_file_link_resolves_and_missing_one_is_located():
    documents = [(PurePosixPath("content/briefings/first-call.md"), "First call", "briefings/first-call/")]
    result = render("Intro.\n\nSee [the call](@/briefings/first-call.md#details).\n\n"
                    "And [gone](@/briefings/first-cal.md).\n", documents=documents)
    assert 'href="/repo/briefings/first-call/#details"' in result.html
    assert [str(d) for d in result.diagnostics] == [
        "content/briefings/x.md:14: error: the link '@/briefings/first-cal.md' points at no content file. "
        "Did you mean 'briefings/first-call.md'?"
    ]


def test_wikilinks_to_entities_and_titles_with_text():
    documents = [(PurePosixPath("content/briefings/first-call.md"), "First call", "briefings/first-call/")]
    result = render("Text [[New START]] and [[Putin|the president]] and [[First call]].", documents=documents)
    assert '<a href="/repo/treaties/new-start/">New START</a>' in result.html
    assert '<a href="/repo/leaders/vladimir-putin/">the president</a>' in result.html
    assert '<a href="/repo/briefings/first-call/">First call</a>' in result.html
    assert not result.diagnostics


def test_missing_wikilink_reports_the_line_inside_a_paragraph():
    result = render("First line\nsecond line [[Nobody]]\n")
    assert [str(d) for d in result.diagnostics] == [
        "content/briefings/x.md:11: error: [[Nobody]] matches no entity or page. "
        "Link to an entity by its name or alias, or to a briefing by its title. "
        "To show the brackets as typed, not as a link, write \\[[Nobody]]."
    ]


def test_ambiguous_wikilink_names_the_candidates():
    ukraine_issue = profile("issues", "ukraine", "Ukraine")
    ukraine_country = profile("leaders", "ukraine", "Ukraine")
    result = render("About [[Ukraine]].", ukraine_issue, ukraine_country)
    message = str(result.diagnostics[0])
    assert "[[Ukraine]] is ambiguous" in message
    assert "content/issues/ukraine.md" in message and "content/leaders/ukraine.md" in message
    fixed = render("About [[issues/Ukraine]].", ukraine_issue, ukraine_country)
    assert '<a href="/repo/issues/ukraine/">' in fixed.html and not fixed.diagnostics


def test_briefing_front_matter_switches_autolink_off(make_site, tmp_path):
    site = make_site({
        "content/leaders/vladimir-putin.md": "---\nname: Vladimir Putin\naliases: [Putin]\n---\n",
        "content/briefings/on.md": "---\ntitle: On\ndate: 2021-01-01\n---\nPutin spoke.\n",
        "content/briefings/off.md": "---\ntitle: Off\ndate: 2021-01-02\nautolink: false\n---\nPutin spoke.\n",
    })
    out = tmp_path / "out"
    run_cli("build", "--out", str(out), cwd=site, check=True)
    on = out / "briefings" / "on" / "index.html"
    off = out / "briefings" / "off" / "index.html"
    assert "/leaders/vladimir-putin/" in {u for _, u, a in parse_html(on).links if a.get("class") == "entity-link"}
    assert not [u for _, u, a in parse_html(off).links if a.get("class") == "entity-link"]


def test_site_switches_autolink_off(make_site, tmp_path):
    site = make_site({
        "site.yaml": "title: T\nbase_url: https://example.org/\nautolink: false\n",
        "content/leaders/vladimir-putin.md": "---\nname: Vladimir Putin\naliases: [Putin]\n---\n",
        "content/briefings/on.md": "---\ntitle: On\ndate: 2021-01-01\n---\nPutin spoke.\n",
    })
    out = tmp_path / "out"
    run_cli("build", "--out", str(out), cwd=site, check=True)
    assert 'class="entity-link"' not in (out / "briefings" / "on" / "index.html").read_text()
