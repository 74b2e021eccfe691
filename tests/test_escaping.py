"""Safe output: hostile text from front matter and site.yaml lands as text everywhere
(HTML, attributes, JSON-LD, Atom feeds, sitemap, search data), and script URLs are
never emitted as links (SPEC §6, issue 6 item 4).

Every file of the built site is parsed with a real parser (html.parser,
xml.etree, json) and checked: the hostile strings must come back out as the
exact text the writer typed, never as an element, an attribute or a script.
"""

from __future__ import annotations

import gzip
import json
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import run_cli

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
CDATA = "]]> &amp; </title> <!-- x"
QUOTES = "O'Brien \"the 'quoted'\""

SITE_TITLE = f"Desk {SCRIPT} {BREAKOUT}"
TITLE = f"{SCRIPT} {BREAKOUT} {CDATA} {QUOTES}"
SUMMARY = f"Summary {BREAKOUT} {CDATA}"
POINTS = [SCRIPT, BREAKOUT, CDATA, QUOTES]
LEADERS = [f"Leader {SCRIPT}", f"Leader {BREAKOUT}", f"Leader {CDATA}", f"Leader {QUOTES}"]
SOURCE_TITLE = f"Source {SCRIPT} {QUOTES}"
SOURCE_URL = 'https://example.org/report?q="><script>alert(2)</script>&a=1\'b'
HOSTILE = [SCRIPT, BREAKOUT, CDATA, QUOTES]


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def hostile_site(make_site) -> Path:
    leaders = "\n".join(f"  - {_yaml(name)}" for name in LEADERS)
    points = "\n".join(f"  - {_yaml(point)}" for point in POINTS)
    return make_site({
        "site.yaml": (f"title: {_yaml(SITE_TITLE)}\ndescription: {_yaml('About ' + CDATA)}\n"
                      f"author: {_yaml('Author ' + BREAKOUT)}\nbase_url: https://example.org/\ntimezone: UTC\n"
                      # Exact text out: the typographer's curly quotes and dashes (test_title_typography.py) off.
                      "typographer: false\n"),
        "content/briefings/hostile.md": (
            f"---\ntitle: {_yaml(TITLE)}\ndate: 2021-01-02\nsummary: {_yaml(SUMMARY)}\nkey_points:\n{points}\n"
            f"leaders:\n{leaders}\nissues: [{_yaml(QUOTES)}]\n"
            f"sources:\n  - title: {_yaml(SOURCE_TITLE)}\n    url: {_yaml(SOURCE_URL)}\n"
            f"    publisher: {_yaml('<i>pub</i>')}\n---\nAn ordinary body.\n"),
        "content/briefings/plain.md": "---\ntitle: Plain\ndate: 2021-01-01\n---\nNothing odd.\n",
        "content/leaders/profile.md": f"---\nname: {_yaml('Profiled ' + SCRIPT)}\nrole: {_yaml(BREAKOUT)}\n---\nBio.\n",
        "content/pages/about.md": f"---\ntitle: {_yaml('About ' + BREAKOUT)}\n---\nAbout us.\n",
    })


class Page(HTMLParser):
    """Every element with its attributes, the text of each element, and inline scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.texts: dict[str, list[str]] = {}
        self._stack: list[tuple[str, dict, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag not in ("meta", "link", "img", "br", "hr", "input"):
            self._stack.append((tag, attributes, []))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, attributes, parts = self._stack.pop()
            text = "".join(parts)
            if open_tag == "script":
                self.scripts.append((attributes, text))
            self.texts.setdefault(open_tag, []).append(" ".join(text.split()))
            if self._stack:
                self._stack[-1][2].append(text)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._stack:
            self._stack[-1][2].append(data)


def parse_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from conftest import write_site
    root = tmp_path_factory.mktemp("hostile")
    hostile_site(lambda files: write_site(root / "site", files))
    run_cli("build", cwd=root / "site", check=True)
    return root / "site" / "_site"


def _assert_no_injected_markup(page: Page, where: str) -> None:
    for tag, attributes in page.elements:
        assert not any(name.startswith("on") for name in attributes), f"{where}: event handler on <{tag}>"
        assert not (tag == "img" and attributes.get("src") == "x"), f"{where}: injected <img>"
        for name in ("href", "src", "action"):
            value = (attributes.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:text")), f"{where}: {name}={value!r}"
    for attributes, text in page.scripts:
        assert "alert(" not in text or attributes.get("type") == "application/ld+json", f"{where}: injected script"
        if attributes.get("type") == "application/ld+json":
            json.loads(text)  # a </script> inside would have cut it short
        else:
            assert "src" in attributes or "alert" not in text, where


def test_every_html_page_keeps_hostile_text_as_text(built):
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        _assert_no_injected_markup(parse_page(path), str(path.relative_to(built)))


def test_the_briefing_page_shows_the_exact_text_typed(built):
    page = parse_page(built / "briefings/hostile/index.html")
    assert TITLE in page.texts["h1"]
    assert page.texts["title"] == [f"{TITLE} — {SITE_TITLE}"]
    assert f"{SUMMARY}" in page.texts["p"]
    assert all(point in page.texts["li"] for point in POINTS)
    links = {attributes.get("href"): attributes for tag, attributes in page.elements if tag == "a"}
    assert SOURCE_URL in links, "the source URL came out changed (or broke out of its attribute)"
    assert SOURCE_TITLE in page.texts["a"]
    for name in LEADERS:
        assert name in page.texts["a"]
    metas = {(a.get("property") or a.get("name")): a.get("content") for tag, a in page.elements if tag == "meta"}
    assert metas.get("og:title") == TITLE and metas.get("og:site_name") == SITE_TITLE
    assert metas.get("description") == SUMMARY


def test_json_ld_carries_the_exact_text(built):
    page = parse_page(built / "briefings/hostile/index.html")
    data = [json.loads(text) for attributes, text in page.scripts if attributes.get("type") == "application/ld+json"]
    if not data:
        pytest.skip("the theme writes no JSON-LD")
    flat = json.dumps(data, ensure_ascii=False)
    assert json.dumps(TITLE, ensure_ascii=False) in flat
    assert json.dumps(LEADERS[0], ensure_ascii=False) in flat


def test_entity_and_page_titles_show_the_exact_text(built):
    for name in LEADERS:
        found = [p for p in (built / "leaders").glob("*/index.html") if name in parse_page(p).texts.get("h1", [])]
        assert len(found) == 1, name
    profiled = [p for p in (built / "leaders").glob("*/index.html")
                if "Profiled " + SCRIPT in parse_page(p).texts.get("h1", [])]
    assert len(profiled) == 1
    about = parse_page(built / "about/index.html")
    assert "About " + BREAKOUT in about.texts["h1"]
    home = parse_page(built / "index.html")
    assert SITE_TITLE in home.texts["a"]


def test_every_feed_and_the_sitemap_parse_and_carry_the_exact_text(built):
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feeds = sorted(built.rglob("*.xml"))
    assert built / "atom.xml" in feeds and built / "sitemap.xml" in feeds
    for path in feeds:
        tree = ET.parse(path)  # raises on anything that is not well-formed XML
        for element in tree.iter():
            assert not element.tag.endswith(("script", "img")), f"{path}: injected <{element.tag}>"
    site_feed = ET.parse(built / "atom.xml").getroot()
    assert site_feed.find("a:title", ns).text == SITE_TITLE
    titles = [entry.find("a:title", ns).text for entry in site_feed.findall("a:entry", ns)]
    assert TITLE in titles
    entry = next(e for e in site_feed.findall("a:entry", ns) if e.find("a:title", ns).text == TITLE)
    assert entry.find("a:summary", ns).text == SUMMARY
    assert {c.get("term") for c in entry.findall("a:category", ns)} >= set(LEADERS)
    locs = [loc.text for loc in ET.parse(built / "sitemap.xml").getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/briefings/hostile/" in locs
    assert all(loc.startswith("https://example.org/") and "<" not in loc and '"' not in loc for loc in locs)


def test_every_json_file_and_search_fragment_parses(built):
    for path in built.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    fragments = list(built.rglob("*.pf_fragment"))
    if not fragments:
        pytest.skip("no Pagefind search index in this build")
    metas = []
    for path in fragments:
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        metas.append(json.loads(data[len(b"pagefind_dcd"):])["meta"].get("title"))
    assert TITLE in metas


# -- Markdown bodies ---------------------------------------------------------------------------------------

SCRIPT_LINKS = """\
A [plain](javascript:alert(1)) link, [upper](JAVASCRIPT:alert(1)), [encoded](java&#x73;cript:alert(1)),
[spaced](<javascript:alert(1)>), an autolink <javascript:alert(1)>, [vb](vbscript:msgbox(1)),
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) and a [reference][r].

[r]: javascript:alert(1)

<a href="javascript:alert(2)">raw</a> <a href=" JaVaScRiPt:alert(3)">raw2</a>
<a href='&#106;avascript:alert(4)'>raw3</a> <a href=java&#x09;script:alert(5)>raw4</a>
<img src="javascript:alert(6)"> <a href="vbscript:x">raw5</a>
<a href="data:text/html,<script>alert(7)</script>">raw6</a>

<div class="raw-box"><a href="javascript:alert(8)" title="t">in a block</a></div>

<a href="https://example.org/fine">fine</a> <img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">
"""


def _body_page(make_site, body: str, config_extra: str = "") -> Page:
    root = make_site({
        "site.yaml": f"title: T\nbase_url: https://example.org/\n{config_extra}",
        "content/briefings/body.md": f"---\ntitle: Body\ndate: 2021-01-01\n---\n{body}",
    })
    run_cli("build", cwd=root, check=True)
    return parse_page(root / "_site/briefings/body/index.html")


def test_script_urls_in_markdown_and_raw_html_are_never_links(make_site):
    page = _body_page(make_site, SCRIPT_LINKS)
    _assert_no_injected_markup(page, "briefings/body/")
    hrefs = [a.get("href") for tag, a in page.elements if tag == "a"]
    srcs = [a.get("src") for tag, a in page.elements if tag == "img"]
    assert not [h for h in hrefs + srcs if h and "alert" in h or h and "script:" in h.lower()], hrefs + srcs
    # Raw HTML is still HTML (the author's choice): the tags are there, only their script URLs are gone.
    assert ("div", {"class": "raw-box"}) in page.elements
    assert "https://example.org/fine" in hrefs
    assert "data:image/png;base64,iVBORw0KGgo=" in srcs
    assert "raw" in page.texts["a"] and "in a block" in page.texts["a"]


def test_raw_html_is_allowed_by_default(make_site):
    page = _body_page(make_site, '<aside class="note">Careful <em>here</em>.</aside>\n')
    assert ("aside", {"class": "note"}) in page.elements


def test_escape_html_true_turns_raw_html_into_text(make_site):
    page = _body_page(make_site, '<aside class="note">Careful</aside>\n\n'
                                 'Inline <span class="x">span</span> and <a href="javascript:alert(1)">a</a>.\n',
                      "escape_html: true\n")
    assert not [e for e in page.elements if e[1].get("class") in ("note", "x")]
    assert not [a for tag, a in page.elements if tag == "a" and "alert" in (a.get("href") or "")]
    text = " ".join(" ".join(parts) for parts in page.texts.values())
    # Shown as typed (the typographer curls the quotes, as in any text).
    assert "<aside class=“note”>Careful</aside>" in text
    assert "<span class=“x”>span</span>" in text
