"""What readers and their tools get from the built sample site: feeds, sitemap,
metadata, search and page weight."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from briefgen.pipeline import build, build_and_index
from briefgen.config import load_config
from conftest import REPO, run_cli
from reader_support import chromium, serve, served_sample

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def base_url() -> str:
    return load_config(REPO).base_url


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reader") / "_site"
    run_cli("build", "--out", str(out), cwd=REPO, check=True)
    return out


@pytest.fixture(scope="module")
def sample_again(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reader-again") / "_site"
    run_cli("build", "--out", str(out), cwd=REPO, check=True)
    return out


def file_for(out: Path, base_url: str, url: str) -> Path:
    """The built file an absolute URL of the site is served from."""
    assert url.startswith(base_url), f"{url} is not a URL of the site ({base_url})"
    rel = url[len(base_url):].split("#")[0]
    return out / rel / "index.html" if rel == "" or rel.endswith("/") else out / rel


def feeds_of(out: Path) -> list[Path]:
    return sorted(out.rglob("atom.xml"))


class HeadReader(HTMLParser):
    """The <html lang>, <title>, <meta>, <link> and JSON-LD of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.title = ""
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []
        self.json_ld: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "meta":
            key = attributes.get("name") or attributes.get("property")
            if key:
                self.meta[key] = attributes.get("content", "")
        elif tag == "link":
            self.links.append(attributes)
        elif tag == "title" or (tag == "script" and attributes.get("type") == "application/ld+json"):
            self._in = tag
            if tag == "script":
                self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.json_ld[-1] += data

    def link(self, rel: str, type_: str | None = None) -> list[dict]:
        return [l for l in self.links if rel in l.get("rel", "").split() and (type_ is None or l.get("type") == type_)]


def head_of(page: Path) -> HeadReader:
    reader = HeadReader()
    reader.feed(page.read_text(encoding="utf-8"))
    return reader


def json_ld_of(page: Path) -> dict:
    scripts = head_of(page).json_ld
    assert len(scripts) == 1, f"{page}: {len(scripts)} JSON-LD scripts"
    return json.loads(scripts[0])


# -- feeds ----------------------------------------------------------------------


def test_every_feed_is_atom_with_absolute_links_to_built_pages(sample, base_url):
    feeds = feeds_of(sample)
    assert len(feeds) > 20, "the site feed and one per entity"
    for feed_file in feeds:
        feed = ET.parse(feed_file).getroot()
        assert feed.tag == f"{ATOM}feed", feed_file
        assert feed.findtext(f"{ATOM}title") and feed.findtext(f"{ATOM}id").startswith(base_url)
        assert RFC3339.match(feed.findtext(f"{ATOM}updated")), feed_file
        self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
        assert file_for(sample, base_url, self_link) == feed_file
        assert file_for(sample, base_url, feed.find(f"{ATOM}link[@rel='alternate']").get("href")).is_file()
        entries = feed.findall(f"{ATOM}entry")
        assert entries, f"{feed_file} has no entry"
        for entry in entries:
            check_entry(entry, sample, base_url)


def check_entry(entry: ET.Element, out: Path, base_url: str) -> None:
    link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert file_for(out, base_url, link).is_file(), link
    assert entry.findtext(f"{ATOM}id") == link
    for tag in ("published", "updated"):
        assert RFC3339.match(entry.findtext(f"{ATOM}{tag}")), (link, tag)
    assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}summary")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "<p>" in content.text
    for target in re.findall(r'(?:href|src)="([^"]*)"', content.text):
        assert target.startswith(("https://", "http://", "mailto:")), f"{link}: relative link {target} in content"
        if target.startswith(base_url):
            assert file_for(out, base_url, target).is_file(), f"{link}: content links to missing {target}"


def test_feed_ids_are_stable_across_builds(sample, sample_again):
    def ids(out: Path) -> dict[str, list[str]]:
        return {str(f.relative_to(out)): [e.findtext(f"{ATOM}id") for e in ET.parse(f).getroot().iter(f"{ATOM}entry")]
                for f in feeds_of(out)}

    first, second = ids(sample), ids(sample_again)
    assert first == second
    for feed, entry_ids in first.items():
        assert len(entry_ids) == len(set(entry_ids)), f"{feed} repeats an id"


def language_of(sample: Path, page: Path) -> tuple[str, str]:
    """(language, its tree's folder) of a page of the sample site, which is bilingual: Russian under ru/."""
    config = load_config(REPO)
    top = page.relative_to(sample).parts[0]
    language = next((lang for lang in config.all_languages[1:] if lang.lower() == top), config.default_language)
    return language, "" if language == config.default_language else top + "/"


def test_every_page_links_its_feeds_in_the_head(sample, base_url):
    base_path = load_config(REPO).base_path
    for page in sample.rglob("index.html"):
        if "http-equiv" in page.read_text(encoding="utf-8")[:600]:
            continue  # redirect stubs of aliases
        feeds = [l["href"] for l in head_of(page).link("alternate", "application/atom+xml")]
        assert base_path + language_of(sample, page)[1] + "atom.xml" in feeds, page
    entity_page = sample / "leaders" / "vladimir-putin" / "index.html"
    assert base_path + "leaders/vladimir-putin/atom.xml" in [
        l["href"] for l in head_of(entity_page).link("alternate", "application/atom+xml")]


def test_feed_escapes_markup_in_titles_and_drops_what_xml_cannot_hold(make_site):
    root = make_site({
        "content/briefings/odd.md": """\
            ---
            title: "Tom & Jerry <b>bold</b>"
            date: 2024-03-01
            summary: "A < B \\v& C"
            leaders: [Ann Example]
            ---
            Body with a [link](#sec) and <script>alert(1)</script>.
            """,
    })
    out = root / "_site"
    run_cli("build", "--out", str(out), cwd=root, check=True)
    entry = ET.parse(out / "atom.xml").getroot().find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Tom & Jerry <b>bold</b>"
    assert entry.findtext(f"{ATOM}summary") == "A < B & C", "the vertical tab is dropped"
    assert 'href="https://example.org/briefings/odd/#sec"' in entry.findtext(f"{ATOM}content")


# -- sitemap and robots -------------------------------------------------------


def test_sitemap_lists_built_pages_with_lastmod(sample, base_url):
    urlset = ET.parse(sample / "sitemap.xml").getroot()
    entries = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in urlset.iter(f"{SITEMAP}url")}
    for loc in entries:
        assert file_for(sample, base_url, loc).is_file(), f"sitemap lists {loc}, which was not built"
    model = build(load_config(REPO), render_pages=False).site
    for briefing in model.briefings:
        lastmod = entries[base_url + f"briefings/{briefing.slug}/"]
        assert lastmod == (briefing.updated or briefing.date).isoformat(timespec="seconds")
        assert RFC3339.match(lastmod)
    for must in ("", "briefings/", "leaders/", "leaders/vladimir-putin/", "about/"):
        assert base_url + must in entries, f"sitemap misses {must or 'the home page'}"
    robots = (sample / "robots.txt").read_text()
    assert f"Sitemap: {base_url}sitemap.xml" in robots


def test_drafts_stay_out_of_sitemap_feeds_and_search_even_in_a_preview(make_site, tmp_path):
    root = make_site({
        "content/briefings/public.md": """\
            ---
            title: Public
            date: 2024-03-01
            updated: 2024-03-05
            leaders: [Ann Example]
            ---
            Published words about zebras.
            """,
        "content/briefings/secret.md": """\
            ---
            title: Secret
            date: 2024-04-01
            draft: true
            leaders: [Ann Example]
            ---
            Unpublished words about okapis.
            """,
    })
    result = build_and_index(load_config(root), drafts=True)
    files = {o.rel_path: o for o in result.outputs}
    assert "briefings/secret/index.html" in files, "the preview shows the draft"
    sitemap = files["sitemap.xml"].read().decode()
    assert "briefings/public/" in sitemap and "secret" not in sitemap
    assert "<lastmod>2024-03-05T00:00:00+00:00</lastmod>" in sitemap
    for name in ("atom.xml", "leaders/ann-example/atom.xml"):
        feed = files[name].read().decode()
        assert "Public" in feed and "Secret" not in feed, name
    # The search index holds published pages only: the draft's words are in no fragment.
    indexed = search_records(o.read() for path, o in files.items()
                             if path.startswith("pagefind/") and "/fragment/" in path)
    assert [r["url"] for r in indexed if r["url"].startswith("/briefings/")] == ["/briefings/public/"]
    assert not any("okapis" in r["content"] for r in indexed)


def search_records(fragments) -> list[dict]:
    """Pagefind's fragments are gzipped JSON after a "pagefind_dcd" signature."""
    records = []
    for data in fragments:
        text = gzip.decompress(data)
        assert text.startswith(b"pagefind_dcd")
        records.append(json.loads(text[len(b"pagefind_dcd"):]))
    return records


# -- metadata -----------------------------------------------------------------


def test_pages_have_title_description_canonical_and_social_tags(sample, base_url):
    for page in sample.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:
            continue
        head = head_of(page)
        assert head.lang == language_of(sample, page)[0] and head.title.strip(), page
        assert head.meta.get("description"), f"{page}: no description"
        for key in ("og:title", "og:description", "og:url", "og:type", "twitter:card"):
            assert head.meta.get(key), f"{page}: no {key}"
        assert head.link("icon"), page
        canonical = head.link("canonical")
        if page.name == "404.html":
            assert not canonical and head.meta.get("robots") == "noindex"
        else:
            assert canonical[0]["href"] == head.meta["og:url"]
            assert file_for(sample, base_url, canonical[0]["href"]) == page


def test_briefing_is_a_news_article_in_json_ld(sample, base_url):
    page = sample / "briefings" / "geneva-summit-2021" / "index.html"
    data = json_ld_of(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "Biden–Putin summit in Geneva"
    assert data["url"] == base_url + "briefings/geneva-summit-2021/"
    assert data["datePublished"] == "2021-06-16T00:00:00-04:00" and RFC3339.match(data["dateModified"])
    assert data["author"]["name"] and data["publisher"]["name"] == load_config(REPO).title
    assert {"@type": "Person", "name": "Vladimir Putin", "url": base_url + "leaders/vladimir-putin/"} in data["mentions"]
    assert head_of(page).meta["og:type"] == "article"


@pytest.mark.parametrize("path, kind", [
    ("leaders/vladimir-putin/", "Person"),
    ("treaties/new-start/", "Legislation"),
    ("issues/arms-control/", "Thing"),
])
def test_entities_have_their_schema_org_type(sample, base_url, path, kind):
    data = json_ld_of(sample / path / "index.html")
    assert data["@type"] == kind and data["url"] == base_url + path and data["name"] and data["description"]


def test_home_describes_the_website_and_its_search(sample, base_url):
    data = json_ld_of(sample / "index.html")
    assert data["@type"] == "WebSite" and data["url"] == base_url
    assert data["potentialAction"]["target"]["urlTemplate"].startswith(base_url + "search/?q=")


def test_json_ld_cannot_close_its_script_element(make_site):
    hostile = "</script><script>alert(1)</script><!--"
    root = make_site({
        "content/briefings/x.md": f"""\
            ---
            title: "{hostile}"
            date: 2024-03-01
            summary: "{hostile} & more"
            leaders: ["{hostile}"]
            ---
            Body.
            """,
    })
    out = root / "_site"
    run_cli("build", "--out", str(out), cwd=root, check=True)
    html = (out / "briefings" / "x" / "index.html").read_text(encoding="utf-8")
    script = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script
    data = json.loads(script)
    assert data["headline"] == hostile and data["description"] == hostile + " & more"
    assert data["mentions"][0]["name"] == hostile


# -- search -------------------------------------------------------------------


def test_search_index_is_chunked_and_covers_briefings_and_entities(sample):
    bundle = sample / "pagefind"
    model = build(load_config(REPO), render_pages=False).site
    # One shard per year of briefings and per taxonomy, each a Pagefind bundle.
    shards = json.loads((bundle / "shards.json").read_text())
    years = sorted({f"briefings-{b.date.year}" for b in model.briefings})
    # The site is bilingual: each language's pages are in shards of their own ("en.leaders", "ru.leaders").
    default = model.config.default_language + "."
    assert [s for s in shards if s.startswith(default)] == \
        sorted(default + name for name in years + [spec.name for spec in model.config.taxonomies])
    assert all(s.startswith(default) or s.startswith("ru.") for s in shards) and "ru.leaders" in shards
    shards = [s for s in shards if s.startswith(default)]
    pages = fragments = 0
    for shard in shards:
        entry = json.loads((bundle / shard / "pagefind-entry.json").read_text())
        pages += sum(language["page_count"] for language in entry["languages"].values())
        fragments += len(list((bundle / shard / "fragment").iterdir()))
        assert len(list((bundle / shard / "index").iterdir())) >= 1
    entity_count = sum(len(model.entity_keys(spec.name)) for spec in model.config.taxonomies)
    assert pages == len(model.briefings) + entity_count, "one record per briefing and entity, no list page"
    assert fragments == pages, "one fragment per page, fetched only when shown"
    # Lists, paginated entity pages and plain pages ask not to be indexed.
    assert "data-pagefind-body" not in (sample / "leaders" / "vladimir-putin" / "page" / "2" / "index.html").read_text()
    assert "data-pagefind-body" not in (sample / "briefings" / "index.html").read_text()


def indexed_text(bundle: Path, url_ending: str) -> dict:
    """The record Pagefind keeps for the default language's page whose URL ends so: its text (what excerpts
    are cut from) and meta. (The sample's Russian tree has pages at /ru/… with the same endings.)"""
    for fragment in bundle.rglob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        record = json.loads(data[data.index(b"{"):])
        if record["url"].endswith(url_ending) and not record["url"].removesuffix(url_ending).endswith("/ru"):
            return record
    raise AssertionError(f"no search record for {url_ending}")


def test_search_excerpts_are_the_pages_text_without_labels_and_with_facts_apart(sample):
    briefing = indexed_text(sample / "pagefind", "/briefings/navalny-detained-on-return/")
    assert briefing["content"].startswith("Navalny detained on arrival in Moscow. Alexei Navalny flew home")
    assert "Key points" not in briefing["content"] and "Sources." not in briefing["content"]
    assert briefing["meta"]["date"] == "17 January 2021"  # still shown beside the result
    leader = indexed_text(sample / "pagefind", "/leaders/alexei-navalny/")
    assert leader["content"].startswith("Alexei Navalny. Also: Navalny,")
    assert "Opposition politician and anti-corruption campaigner. Russia. Alexei Navalny was" in leader["content"]
    assert "Role" not in leader["content"].split("Alexei Navalny was")[0]


HALVING_CLI = ("import sys\nimport briefgen.search.step\nsys.modules[\"briefgen.search.step\"].HALF_YEAR_SHARDS_ABOVE = 2\n"
               "from briefgen.cli import main\nmain(sys.argv[1:])\n")


def test_a_year_of_many_briefings_is_indexed_in_two_half_year_shards(make_site):
    """Above a threshold (600; 2 here), a year's shard is split so that an edit re-indexes half as many pages."""
    def dated(day):
        return f"---\ntitle: On {day}\ndate: {day}\nleaders: [Someone]\n---\nWords of {day}.\n"

    days = ["2020-05-01", "2020-11-01", "2021-01-15", "2021-06-30", "2021-07-01"]
    root = make_site({f"content/briefings/b-{day}.md": dated(day) for day in days})
    built = subprocess.run([sys.executable, "-c", HALVING_CLI, "build"], cwd=root, capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    bundle = root / "_site" / "pagefind"
    shards = [name for name in json.loads((bundle / "shards.json").read_text()) if name.startswith("briefings-")]
    assert shards == ["briefings-2020", "briefings-2021-jan-jun", "briefings-2021-jul-dec"]  # 2020 has only two

    def pages(shard):
        entry = json.loads((bundle / shard / "pagefind-entry.json").read_text())
        return sum(language["page_count"] for language in entry["languages"].values())

    assert [pages(shard) for shard in shards] == [2, 2, 1]


def test_pagefind_is_given_a_pages_head_and_marked_elements_only():
    from briefgen.search.indexed import indexed_part

    page = (b'<!DOCTYPE html><html lang="en"><head><title>T</title></head><BODY class="x"><nav>Menu</nav>'
            b'<article class="a" data-pagefind-body><h1>Title</h1><article>nested</article><p>Text</p>'
            b'<section data-pagefind-ignore="all"><h3>Other title</h3><section>in it</section></section>'
            b'<section data-pagefind-ignore>kept: Pagefind still reads it</section></article>'
            b'<aside>Related: other titles</aside><div data-pagefind-body>More</div><footer>F</footer></body></html>')
    given = indexed_part(page)
    assert given.startswith(b'<!DOCTYPE html><html lang="en"><head><title>T</title></head><BODY class="x">')
    assert b"<article>nested</article><p>Text</p>" in given and b"kept: Pagefind" in given
    assert b"<div data-pagefind-body>More</div>" in given
    for left_out in (b"Menu", b"Other title", b"in it", b"Related", b"<footer>"):
        assert left_out not in given, left_out
    # Of the head, what Pagefind reads: <title>, and elements with a data-pagefind-* attribute in their start tag.
    head = (b'<html lang="en"><head><meta charset="utf-8"><title>T</title><meta name="description" content="a > 2">'
            b'<link rel="alternate" href="/atom.xml"><meta data-pagefind-meta="image[content]" content="/i.png">'
            b'<script type="application/ld+json">{"a": "</b>"}</script><STYLE>p{}</style >'
            b'<script title="a>b" data-pagefind-filter="k:v">x</script></head><body><main data-pagefind-body>M</main>')
    given = indexed_part(head + b"</body></html>")
    assert given.startswith(b'<html lang="en"><head><title>T</title><meta data-pagefind-meta="image[content]" '
                            b'content="/i.png"><script title="a>b" data-pagefind-filter="k:v">x</script></head><body>')
    # An element whose end is not found: the page is given whole, never cut short.
    unclosed = page.replace(b"</article><aside>", b"<aside>")
    assert indexed_part(unclosed) == unclosed
    assert indexed_part(b"no body at all") == b"no body at all"
    # Unmarked pages: only the head (Pagefind then indexes nothing of them, as before).
    assert indexed_part(b"<html><head></head><body><p>x</p></body></html>") == \
        b"<html><head></head><body>\n</body>\n</html>\n"


def test_search_page_explains_itself_without_javascript(sample):
    html = (sample / "search" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S))
    assert "Search needs JavaScript" in text and "all briefings" in text
    base_path = load_config(REPO).base_path
    assert f'action="{base_path}search/"' in html and 'name="q"' in html
    assert f'data-bundle="{base_path}pagefind/"' in html


def test_search_finds_a_briefing_by_a_word_of_its_body_in_a_browser(tmp_path):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        # "Villa" appears only in the body of the Geneva summit briefing (Villa La Grange).
        page.goto(site_url + "search/")
        page.fill("#search-input", "Villa")
        page.press("#search-input", "Enter")
        page.wait_for_selector("#search-results li a", timeout=15_000)
        hrefs = [a.get_attribute("href") for a in page.query_selector_all("#search-results li a")]
        assert hrefs == ["/sub/path/briefings/geneva-summit-2021/"]
        assert "Villa" in page.inner_text("#search-results mark")
        page.click("#search-results li a")
        page.wait_for_url(site_url + "briefings/geneva-summit-2021/")
        assert page.title().startswith("Biden–Putin summit in Geneva")
        page.goto(site_url + "search/?q=zzzunfindable")
        page.wait_for_function("document.getElementById('search-status').textContent.includes('Nothing found')")
        assert all(url.startswith(site_url) for url in requests), [u for u in requests if not u.startswith(site_url)]


def test_pages_request_nothing_from_other_hosts(tmp_path):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        for path in ("", "briefings/geneva-summit-2021/", "leaders/vladimir-putin/", "search/?q=treaty"):
            page.goto(site_url + path, wait_until="networkidle")
        assert requests and all(url.startswith(site_url) for url in requests), \
            [u for u in requests if not u.startswith(site_url)]


# -- layout -------------------------------------------------------------------

LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_do_not_shift_or_scroll_sideways(tmp_path, width):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        for path in ("", "briefings/geneva-summit-2021/", "leaders/vladimir-putin/", "treaties/", "search/"):
            page.goto(site_url + path, wait_until="load")
            assert page.evaluate(LAYOUT_SHIFT) == 0, f"{path or 'home'} shifts while loading at {width} px"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path or 'home'} scrolls sideways by {overflow} px at {width} px"


def test_main_keeps_its_space_above_the_footer_on_every_kind_of_page(tmp_path):
    """main is also a .wrap: the wrap's padding must not cancel main's own space above the footer's rule."""
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for path in ("", "briefings/geneva-summit-2021/", "leaders/vladimir-putin/", "treaties/", "briefings/"):
            page.goto(site_url + path, wait_until="load")
            gap = page.evaluate("""() => {
                const main = document.querySelector('main'), footer = document.querySelector('.site-footer');
                const last = [...main.querySelectorAll('*')].reduce((low, e) =>
                    Math.max(low, e.getBoundingClientRect().bottom), 0);
                return {gap: footer.getBoundingClientRect().top - last,
                        padding: getComputedStyle(main).paddingBottom};
            }""")
            assert gap["padding"] == "48px" and gap["gap"] >= 40, f"{path or 'home'}: {gap}"


NAV_BOXES = """() => ({header: document.querySelector('.site-header').getBoundingClientRect().height,
    tops: [...document.querySelectorAll('.site-header nav:not(.language-switcher) li')].map(li => li.getBoundingClientRect().top),
    languages: [...document.querySelectorAll('.language-switcher li')].map(li => li.getBoundingClientRect())})"""


def test_on_a_phone_the_navigation_is_one_row_under_the_sites_name(tmp_path):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(site_url + "briefings/geneva-summit-2021/", wait_until="load")
        boxes = page.evaluate(NAV_BOXES)
        assert len(boxes["tops"]) >= 5 and len(set(boxes["tops"])) == 1, boxes  # one row, whatever its length
        assert boxes["header"] <= 80, boxes
        # The sample is bilingual: the language switcher shares the site name's row, at its end, on the screen.
        assert boxes["languages"] and all(box["top"] < boxes["tops"][0] and box["right"] <= 360
                                          for box in boxes["languages"]), boxes
        # The links that do not fit are reached by scrolling the row (or tabbing to them), not lost.
        page.focus(".site-header nav li:last-child a")
        right = page.evaluate("document.querySelector('.site-header nav li:last-child').getBoundingClientRect().right")
        assert right <= 360


def test_a_right_to_left_site_mirrors_its_layout(make_site, tmp_path):
    root = make_site({
        "site.yaml": "title: مكتب\nbase_url: https://example.org/\nlanguage: ar\n",
        "content/briefings/a.md": "---\ntitle: إحاطة\ndate: 2021-01-01\nkey_points: [نقطة]\n---\nنص.\n",
    })
    run_cli("build", cwd=root, check=True)
    with serve(root / "_site") as origin, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(origin + "/briefings/a/", wait_until="load")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        styles = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.key-points'));
            return [s.borderRightWidth, s.borderLeftWidth]; }""")
        assert styles == ["4px", "0px"]
        title, header = page.evaluate("""() => [document.querySelector('.site-title').getBoundingClientRect(),
            document.querySelector('.site-header .wrap').getBoundingClientRect()].map(b => [b.left, b.right])""")
        assert header[1] - title[1] < 40  # the site's name starts at the right


def test_a_briefing_prints_without_navigation_and_with_source_urls(tmp_path):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page()
        page.goto(site_url + "briefings/geneva-summit-2021/")
        page.emulate_media(media="print")
        hidden = page.evaluate("""() => ['.site-header', '.site-footer', '.page-aside', '.prev-next']
            .map(s => document.querySelector(s)).filter(Boolean).map(e => getComputedStyle(e).display)""")
        assert hidden and set(hidden) == {"none"}
        source = page.query_selector(".sources a")
        shown = page.evaluate("a => getComputedStyle(a, '::after').content", source)
        assert source.get_attribute("href") in shown
        assert page.evaluate("getComputedStyle(document.querySelector('.key-points')).display") != "none"


# -- weight -------------------------------------------------------------------


def test_a_briefing_with_its_css_and_js_weighs_under_50_kb(sample):
    base_path = load_config(REPO).base_path
    page = sample / "briefings" / "geneva-summit-2021" / "index.html"
    html = page.read_text(encoding="utf-8")
    assets = re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"', html)
    assert assets, "the stylesheet is counted"
    total = page.stat().st_size + sum((sample / a[len(base_path):]).stat().st_size for a in assets)
    assert total < 50_000, f"a briefing page weighs {total} bytes with its CSS and JS"


# The default theme's budget for a briefing page with its images: the HTML, CSS and JS, and for each image the
# largest file a browser may load for it (its widest copy in any format, or the original), as on a wide
# high-density screen. The text column is 42rem; a 1600-px copy covers it at 2x.
PAGE_WITH_IMAGES_BUDGET = 250_000
_IMAGE_ELEMENT = re.compile(r"<picture>.*?</picture>|<img [^>]*>", re.S)


def largest_image_files(out: Path, base_path: str, html: str) -> list[Path]:
    """For each image of a page (an <img>, or a <picture> with its <source>s), its largest file of the site."""
    largest = []
    for element in _IMAGE_ELEMENT.findall(html):
        urls = re.findall(r'\bsrc="([^"]*)"', element)
        for srcset in re.findall(r'\bsrcset="([^"]*)"', element):
            urls += [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]
        files = [out / url[len(base_path):] for url in urls if url.startswith(base_path)]
        if files:
            largest.append(max(files, key=lambda file: file.stat().st_size))
    return largest


def test_a_briefing_with_its_largest_image_copies_stays_under_the_themes_budget(sample):
    base_path = load_config(REPO).base_path
    pictured = 0
    for page in sorted((sample / "briefings").glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        images = largest_image_files(sample, base_path, html)
        if not images:
            continue
        pictured += 1
        assets = re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"', html)
        total = page.stat().st_size + sum((sample / a[len(base_path):]).stat().st_size for a in assets)
        total += sum(image.stat().st_size for image in images)
        assert total < PAGE_WITH_IMAGES_BUDGET, \
            f"{page.parent.name} weighs {total} bytes with its CSS, JS and the largest copy of each image"
    assert pictured >= 3  # the map, the chart and the photograph, with the cards of pictured briefings


# -- customising --------------------------------------------------------------


def test_the_readme_recipe_adds_a_stylesheet_to_every_kind_of_page(make_site):
    root = make_site({
        "templates/base.html": """\
            {% extends "default/base.html" %}
            {% block styles %}{{ super() }}
            <link rel="stylesheet" href="{{ url('assets/site.css') }}">{% endblock %}
            """,
        "static/assets/site.css": "body { margin: 0 }\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2024-01-01\nleaders: [Ann Example]\n---\nBody.\n",
    })
    out = root / "_site"
    run_cli("build", "--out", str(out), cwd=root, check=True)
    for page in ("index.html", "briefings/a/index.html", "leaders/ann-example/index.html", "search/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert '<link rel="stylesheet" href="/assets/style.css">' in html, page
        assert '<link rel="stylesheet" href="/assets/site.css">' in html, page
    assert (out / "assets" / "site.css").is_file()


INDEX_BOXES = """(selector) => ({main: document.querySelector('main').getBoundingClientRect().toJSON(),
    cards: [...document.querySelectorAll(selector)].map(e => e.getBoundingClientRect().toJSON())})"""


@pytest.mark.parametrize("path, selector", [("leaders/", ".entity-card"), ("treaties/", ".entity-card"),
                                            ("briefings/", ".card-grid .card")])
def test_index_pages_fill_a_wide_screen_in_a_grid_and_are_one_column_on_a_phone(tmp_path, path, selector):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(site_url + path, wait_until="load")
        boxes = page.evaluate(INDEX_BOXES, selector)
        lefts = sorted({round(card["left"]) for card in boxes["cards"]})
        assert len(lefts) >= 2, f"{path}: one column on a wide screen"
        content_right = boxes["main"]["right"] - 20  # main's inline padding (the gutter)
        assert max(card["right"] for card in boxes["cards"]) >= content_right - 2, f"{path}: the right is left empty"
        page.set_viewport_size({"width": 360, "height": 740})
        boxes = page.evaluate(INDEX_BOXES, selector)
        assert len({round(card["left"]) for card in boxes["cards"]}) == 1, f"{path}: more than one column on a phone"
        assert all(card["right"] <= 360 - 15 for card in boxes["cards"])


CURRENT_SECTION = """() => [...document.querySelectorAll('.toc-aside a[aria-current="true"]')].map(a => a.getAttribute('href'))"""


def test_the_table_of_contents_marks_the_section_being_read(tmp_path):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(site_url + "briefings/geneva-summit-2021/", wait_until="load")
        hrefs = page.evaluate("() => [...document.querySelectorAll('.toc-aside a')].map(a => a.getAttribute('href'))")
        assert len(hrefs) >= 3 and page.is_visible(".toc-aside") and not page.is_visible(".toc-inline")
        assert page.evaluate(CURRENT_SECTION) == []  # at the top: no section is being read yet
        for href in (hrefs[1], hrefs[-1]):
            page.evaluate("(id) => document.getElementById(id).scrollIntoView()", href[1:])
            page.wait_for_function(f"() => ({CURRENT_SECTION})().join() === {json.dumps(href)}", timeout=5000)
        # Kept in view beside the text while it scrolls.
        assert 0 <= page.evaluate("document.querySelector('.toc-aside').getBoundingClientRect().top") < 100
        page.set_viewport_size({"width": 360, "height": 740})  # a phone: in the text column, before the body
        assert page.is_visible(".toc-inline") and not page.is_visible(".toc-aside")


def test_the_table_of_contents_works_as_links_without_javascript(tmp_path):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
        page.goto(site_url + "briefings/geneva-summit-2021/", wait_until="load")
        second = page.locator(".toc-aside a").nth(1)  # the last may sit too near the page's end to reach the top
        target = second.get_attribute("href")
        second.click()
        assert page.evaluate("location.hash") == target
        assert page.evaluate(f"document.getElementById({json.dumps(target[1:])}).getBoundingClientRect().top") < 100


READING = """() => {
  const perLine = [];
  for (const p of document.querySelectorAll('.body > p')) {
    const range = document.createRange();
    range.selectNodeContents(p);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    if (lines > 2) perLine.push(p.textContent.length / lines);  // a paragraph's last line is short
  }
  const size = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
  return {perLine: perLine.reduce((a, b) => a + b, 0) / perLine.length,
          text: size('.body > p'), h2: size('.body h2'), h1: size('h1')};
}"""


@pytest.mark.parametrize("width, low, high", [(1280, 60, 76), (768, 60, 76), (360, 30, 50)])
def test_body_text_keeps_a_reading_measure_and_headings_a_scale(tmp_path, width, low, high):
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        for path in ("briefings/geneva-summit-2021/", "briefings/first-biden-putin-call/"):
            page.goto(site_url + path, wait_until="load")
            reading = page.evaluate(READING)
            assert low <= reading["perLine"] <= high, (path, width, reading)
            assert reading["text"] < reading["h2"] < reading["h1"], reading
            assert 1.2 <= reading["h2"] / reading["text"] <= 1.5, reading
