"""The leaders, treaties and issues indexes: each entity with what it is, its latest key date and its newest
briefing's date (layout in a browser: test_reader_site.py)."""

from __future__ import annotations

import html
import re

from conftest import run_cli


def cards(page: str) -> dict[str, str]:
    """Each entity card's HTML by the entity's name."""
    found = re.findall(r'<li class="entity-card">(.*?)</li>', page, re.S)
    return {html.unescape(re.search(r'class="entity-card-name"[^>]*>([^<]*)<', card).group(1)): card for card in found}


def test_each_entity_shows_its_role_or_key_date_and_its_latest_briefing(make_site):
    root = make_site({
        "site.yaml": "title: D\nbase_url: https://example.org/sub/\ntimezone: UTC\n",
        "content/leaders/ann.md": "---\nname: Ann O'Neil\nrole: Minister of \"Trade\"\nin_office: 2021–2025\n---\nBio.\n",
        "content/leaders/bob.md": "---\nname: Bob\nrole: [not, text]\n---\nBio.\n",
        "content/treaties/pact.md": "---\nname: Pact\nsigned: 2010-04-08\nin_force: 2011-02-05\nexpires: 2026-02-05\n---\n",
        "content/issues/trade.md": "---\nname: trade\ndescription: Tariffs -- and quotas.\n---\nText.\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-02\nleaders: [Ann O'Neil, Bob]\ntreaties: [Pact]\n---\nA.\n",
        "content/briefings/b.md": "---\ntitle: B\ndate: 2021-03-04 17:30\nleaders: [Ann O'Neil]\nissues: [trade]\n---\nB.\n",
        "content/briefings/c.md": "---\ntitle: C\ndate: 2020-05-06\nleaders: [Carl]\n---\nC.\n",
    })
    run_cli("build", cwd=root, check=True)
    out = root / "_site"
    leaders = cards((out / "leaders/index.html").read_text(encoding="utf-8"))
    ann = leaders["Ann O'Neil"]
    assert '<p class="entity-card-what">Minister of “Trade”</p>' in ann  # prose: typeset as titles are
    assert "entity-card-date" not in ann  # a range of years is not a day: no "until 1 January 2025"
    assert '2 briefings</span> · latest <time datetime="2021-03-04">4 March 2021</time>' in ann
    assert 'href="/sub/leaders/ann/"' in ann
    assert "entity-card-what" not in leaders["Bob"]  # a role that is not text is not shown
    assert '1 briefing</span> · latest <time datetime="2021-01-02' in leaders["Bob"]
    assert "latest" in leaders["Carl"] and "entity-card-what" not in leaders["Carl"]  # no profile
    pact = cards((out / "treaties/index.html").read_text(encoding="utf-8"))["Pact"]
    assert '<p class="entity-card-date">expires <time datetime="2026-02-05">5 February 2026</time></p>' in pact
    trade = cards((out / "issues/index.html").read_text(encoding="utf-8"))["trade"]
    assert '<p class="entity-card-what">Tariffs – and quotas.</p>' in trade


def test_an_entity_no_briefing_names_shows_no_latest_date(make_site):
    root = make_site({
        "content/treaties/pact.md": "---\nname: Pact\nsigned: 2010-04-08\n---\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-02\n---\nA.\n",
    })
    run_cli("build", cwd=root, check=True)
    pact = cards((root / "_site/treaties/index.html").read_text(encoding="utf-8"))["Pact"]
    assert "0 briefings" in pact and "latest" not in pact
    assert "signed <time" in pact


def test_a_profiles_facts_and_description_are_typeset_on_its_page_and_kept_as_typed_when_off(make_site):
    files = {"content/leaders/ann.md": "---\nname: Ann\nrole: Minister of \"Trade\"\nwebsite: https://example.org/a--b's\n"
                                      "description: Ann's -- brief.\n---\nBio.\n",
             "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-02\nleaders: [Ann]\n---\nA.\n"}
    root = make_site(files)
    run_cli("build", cwd=root, check=True)
    page = (root / "_site/leaders/ann/index.html").read_text(encoding="utf-8")
    assert "Minister of “Trade”" in page and "https://example.org/a--b&#39;s" in page
    assert '<meta name="description" content="Ann’s – brief.">' in page
    off = make_site({**files, "site.yaml": "title: D\nbase_url: https://example.org/\ntypographer: false\n"}, name="off")
    run_cli("build", cwd=off, check=True)
    page = (off / "_site/leaders/ann/index.html").read_text(encoding="utf-8")
    assert "Minister of &#34;Trade&#34;" in page and '<meta name="description" content="Ann&#39;s -- brief.">' in page
