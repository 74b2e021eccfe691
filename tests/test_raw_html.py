"""Raw HTML in Markdown bodies (issue 18, items 7 and 18).

Item 7: no javascript:, vbscript:, file: or non-image data: URL reaches a
built page, however the raw HTML writes it: a tag shape html.parser and a
browser read alike only after re-serialisation, entities, whitespace and
control characters in the scheme, upper case, any URL-bearing attribute, a
quote closed lines (or blocks) later. Every built page (and feed) is scanned
with a parser; where Chromium is installed, the pages are also loaded in it
and its DOM is scanned, which is what a reader's browser makes of them.

Item 18: no autolink and no typographic change inside raw HTML elements'
attributes, nor inside raw <a>, <script>, <style>, <code>, <pre>, <textarea>,
inline or block.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.render.rawhtml import sanitise_html
from conftest import run_cli, write_site
from image_support import png

# -- what a banned URL is, written independently of briefgen/rawhtml.py ------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite", "data",
                  "codebase", "classid", "longdesc", "usemap", "manifest", "icon", "profile", "lowsrc", "dynsrc"}
LIST_ATTRIBUTES = {"srcset", "imagesrcset", "ping", "archive"}
ANIMATION_ATTRIBUTES = {"to", "from", "values", "by"}
RASTER_DATA = re.compile(r"data:image/(png|gif|jpe?g|webp|avif)([;,]|$)")


def banned(value: str) -> bool:
    """A browser's reading of a URL's scheme: ASCII whitespace and C0 controls ignored, case ignored."""
    url = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
    if url.startswith(("javascript:", "vbscript:", "livescript:", "file:")):
        return True
    return url.startswith("data:") and not RASTER_DATA.match(url)


class UrlScan(HTMLParser):
    """Every URL of a page a browser may follow or load: (tag, attribute, value) of those banned."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.banned: list[tuple[str, str, str]] = []
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        for name, value in attrs:
            if value is None:
                continue
            parts = [value]
            if name in LIST_ATTRIBUTES or (name in ANIMATION_ATTRIBUTES and tag in ("animate", "set")):
                parts += re.split(r"[\s,;]+", value)
            refresh = tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh"
            if refresh and name == "content" and "url=" in value.lower():
                parts.append(value.lower().split("url=", 1)[1].strip("'\" "))
            if name == "srcdoc":
                inner = scan_html(value)
                self.banned += inner.banned
            if name in URL_ATTRIBUTES | LIST_ATTRIBUTES | ANIMATION_ATTRIBUTES or name.endswith(":href") \
                    or (refresh and name == "content"):
                self.banned += [(tag, name, value) for part in parts if banned(part)]

    handle_startendtag = handle_starttag


def scan_html(text: str) -> UrlScan:
    scan = UrlScan()
    scan.feed(text)
    scan.close()
    return scan


def scan_site(out: Path) -> list[str]:
    """What every page and feed of a built site holds of banned URLs, as 'file: tag attribute=value'."""
    found = []
    pages = sorted(out.rglob("*.html"))
    assert pages, "no page was built"
    for path in pages:
        found += [f"{path.relative_to(out)}: <{t} {a}={v!r}>" for t, a, v in scan_html(path.read_text()).banned]
    for path in sorted(out.rglob("*.xml")):
        for element in ET.parse(path).iter():
            if element.tag.endswith("}content") and element.text:
                found += [f"{path.relative_to(out)}: <{t} {a}={v!r}>" for t, a, v in scan_html(element.text).banned]
    return found


# -- item 7: the shapes ------------------------------------------------------------------------------------

# Each shape is the body of a briefing of its own; "LINK" is the text each keeps visible.
SHAPES = {
    "slash-separated": '<div>\n<a/href="javascript:alert(1)">LINK</a>\n</div>',
    "no-space-after-quote": '<div><a title="t"href="javascript:alert(2)">LINK</a></div>',
    "quote-closes-later-line": '<div><a title="x\ny" href="\njavascript:alert(3)\n">LINK</a>\n</div>',
    "quote-closes-next-block": '<div><a title="x\n\n" href="javascript:alert(4)">LINK</a></div>\n\nAfter.',
    "inline-across-lines": 'Text <a title="a\nb"\nhref="javascript:alert(5)">LINK</a> more.',
    "inline": 'Text <a href="javascript:alert(6)">LINK</a> more.',
    "hex-entity": '<p><a href="jav&#x61;script:alert(7)">LINK</a></p>',
    "decimal-no-semicolon": '<p><a href="&#0000106avascript:alert(8)">LINK</a></p>',
    "named-colon": '<p><a href="javascript&colon;alert(9)">LINK</a></p>',
    "named-tab": '<p><a href="java&Tab;script:alert(10)">LINK</a></p>',
    "named-newline": '<p><a href="java&NewLine;script:alert(11)">LINK</a></p>',
    "literal-tab": '<p><a href="java\tscript:alert(12)">LINK</a></p>',
    "control-char": '<p><a href="\x01javascript:alert(13)">LINK</a></p>',
    "leading-space-and-case": '<p><A HREF="  JaVaScRiPt:alert(14)">LINK</A></p>',
    "unquoted": '<p><a href=javascript:alert(15)>LINK</a></p>',
    "single-quoted": "<p><a href='javascript:alert(16)'>LINK</a></p>",
    "vbscript": '<p><a href="vbscript:msgbox(17)">LINK</a></p>',
    "file": '<p><a href="file:///etc/passwd">LINK</a></p>',
    "data-html": '<p><a href="data:text/html,<script>alert(18)</script>">LINK</a></p>',
    "data-svg": '<p><img alt="LINK" src="data:image/svg+xml,<svg onload=alert(19)>"></p>',
    "data-upper": '<p><iframe title="LINK" src="DATA:text/html;base64,PHNjcmlwdD4="></iframe></p>',
    "img-src": '<p><img alt="LINK" src="javascript:alert(20)"></p>',
    "srcset": '<p><img alt="LINK" src="ok.png" srcset="ok.png 1x, javascript:alert(21) 2x"></p>',
    "source-srcset": '<picture><source srcset="javascript:alert(22)"><img alt="LINK" src="ok.png"></picture>',
    "form-action": '<form action="javascript:alert(23)"><button formaction="javascript:alert(24)">LINK</button></form>',
    "svg-xlink": '<svg><a xlink:href="javascript:alert(25)"><text>LINK</text></a></svg>',
    "svg-href": '<svg><a href="javascript:alert(26)"><text>LINK</text></a></svg>',
    "svg-animate": '<svg><a><animate attributeName="href" values="#;javascript:alert(27)"/><text>LINK</text></a></svg>',
    "svg-set": '<svg><a><set attributeName="href" to="javascript:alert(28)"/><text>LINK</text></a></svg>',
    "video-poster": '<video poster="javascript:alert(29)" title="LINK"></video>',
    "table-background": '<table background="javascript:alert(30)"><tr><td>LINK</td></tr></table>',
    "object-data": '<object data="data:text/html,<script>alert(31)</script>">LINK</object>',
    "embed": '<p><embed src="javascript:alert(32)" title="LINK"></p>',
    "iframe-src": '<p><iframe src="javascript:alert(33)" title="LINK"></iframe></p>',
    "iframe-srcdoc": '<p><iframe title="LINK" srcdoc="<a href=&quot;javascript:alert(34)&quot;>x</a>"></iframe></p>',
    "base": '<base href="javascript:alert(35)//"><p>LINK</p>',
    "ping": '<p><a href="/ok" ping="/p javascript:alert(36)">LINK</a></p>',
    "blockquote-cite": '<blockquote cite="javascript:alert(37)">LINK</blockquote>',
    "meta-refresh": '<meta http-equiv="refresh" content="0; url=javascript:alert(38)"><p>LINK</p>',
    "math-href": '<p><math href="javascript:alert(39)"><mi>LINK</mi></math></p>',
    "input-image": '<form><input type="image" alt="LINK" src="javascript:alert(40)"></form>',
    "duplicate-attribute": '<p><a href="javascript:alert(41)" href="/ok">LINK</a></p>',
    # Raw HTML elsewhere in Markdown.
    "inline-footnote": 'Text^[Note <a href="javascript:alert(51)">LINK</a>.] end.',
    "footnote-definition": 'Text[^n].\n\n[^n]: See <a href="javascript:alert(52)">LINK</a>.',
    "table-cell": '| a | b |\n|---|---|\n| <a href="javascript:alert(53)">LINK</a> | x |',
    "link-text": '[before <img src="javascript:alert(54)" alt="LINK"> after](https://example.org/)',
    "heading": '## Title <a href="javascript:alert(55)">LINK</a>',
    "list-item": '- item <a href="javascript:alert(56)">LINK</a>\n- two',
    "blockquote": '> quoted <a href="javascript:alert(57)">LINK</a>',
    # Places where a tokenizer may read differently from a browser.
    "cdata-section": '<div><![CDATA[ > <a href="javascript:alert(42)">LINK</a> ]]></div>',
    "abrupt-comment": '<div><!--> <a href="javascript:alert(43)">LINK</a> --></div>',
    "noscript-attribute": '<noscript><p title="</noscript><a href=\'javascript:alert(44)\'>LINK</a>"></p></noscript>',
    "script-end-with-attributes": '<div>LINK<script>var s = 1;</script x><a href="javascript:alert(45)">y</a></script></div>',
    "svg-style": '<svg><style><a href="javascript:alert(46)">LINK</a></style></svg>',
    "math-style": '<math><mtext><table><mglyph><style><a href="javascript:alert(47)">LINK</a></style></mglyph></table></mtext></math>',
    "foreign-object-exit": '<svg><foreignObject></svg></foreignObject><style><a href="javascript:alert(48)">LINK</a></style></svg>',
    "inline-script-end": 'Text <script>var a = "</scr" + "ipt>";</script><a href="javascript:alert(49)">LINK</a>',
    "textarea": '<textarea><a href="javascript:alert(50)">LINK</a></textarea>',
}
NOT_A_URL_TO_A_BROWSER = {"quote-closes-next-block", "noscript-attribute", "script-end-with-attributes",
                          "svg-style", "math-style", "foreign-object-exit"}
# Each of these must still be there, as written, after the shapes' URLs are gone.
SAFE_URLS = ["https://example.org/ok", "/relative/path", "mailto:desk@example.org", "#anchor",
             "data:image/png;base64,iVBORw0KGgo=", "/docs/javascript:intro", "?q=javascript:x", "tel:+15550100"]
# A raw <img> with a site path names a file (as a Markdown image does): an image only where it names none.
SAFE_BODY = "\n".join(f'<p><a href="{url}">safe {i}</a>' + ("" if url.startswith("/") else f' <img alt="i{i}" src="{url}">')
                      + "</p>" for i, url in enumerate(SAFE_URLS)) + \
    '\n\n<p><img alt="set" srcset="a.png 1x, data:image/png;base64,AA 2x"></p>\n'


_PNG = png(4, 4)


def shape_slug(name: str) -> str:
    return f"shape-{name}"


def hostile_files() -> dict[str, str]:
    files = {
        f"content/briefings/{shape_slug(name)}.md": f"---\ntitle: Shape {name}\ndate: 2021-01-02\n---\n{body}\n\nEnd of {name}.\n"
        for name, body in SHAPES.items()
    }
    files["content/briefings/safe.md"] = f"---\ntitle: Safe\ndate: 2021-01-03\n---\n{SAFE_BODY}"
    files["content/briefings/ok.png"] = files["content/briefings/a.png"] = _PNG  # what the shapes' <img>s show
    files["content/leaders/hostile-leader.md"] = (
        "---\nname: Hostile Leader\n---\n<div><a/href=\"javascript:alert(90)\">bio link</a></div>\n")
    files["content/pages/about.md"] = "---\ntitle: About\n---\n<p><a title=\"t\"href=\"javascript:alert(91)\">about</a></p>\n"
    return files


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("raw") / "site", hostile_files())
    build = run_cli("build", cwd=root, check=True)
    return root, build


def test_no_page_or_feed_carries_a_script_url(hostile):
    root, _ = hostile
    found = scan_site(root / "_site")
    assert not found, "\n".join(found)


def test_every_shape_built_and_its_visible_text_kept(hostile):
    root, _ = hostile
    for name in SHAPES:
        page = root / "_site" / "briefings" / shape_slug(name) / "index.html"
        text = page.read_text()
        assert f"End of {name}." in text, name
        assert "LINK" in text, f"{name}: the element's text is gone"


def test_safe_urls_are_kept_as_written(hostile):
    root, _ = hostile
    scan = scan_html((root / "_site/briefings/safe/index.html").read_text())
    hrefs = {a.get("href") for tag, a in scan.elements if tag == "a"}
    srcs = {a.get("src") for tag, a in scan.elements if tag == "img"}
    for url in SAFE_URLS:
        assert url in hrefs and (url.startswith("/") or url in srcs), url  # no <img> of a site path (SAFE_BODY)
    assert ("img", {"alt": "set", "srcset": "a.png 1x, data:image/png;base64,AA 2x"}) in scan.elements


def test_each_removed_url_is_a_warning_with_file_and_line(hostile):
    root, build = hostile
    stderr = build.stderr
    assert "content/briefings/shape-slash-separated.md:6: warning: raw HTML: the href of <a> is a javascript: URL" \
        in stderr, stderr[-3000:]
    assert "content/briefings/shape-quote-closes-later-line.md:6: warning: raw HTML: the href of <a>" in stderr
    assert "content/briefings/shape-inline-across-lines.md:7: warning: raw HTML: the href of <a>" in stderr
    assert "content/briefings/shape-file.md:5: warning: raw HTML: the href of <a> is a file: URL" in stderr
    assert "content/briefings/shape-data-html.md:5: warning: raw HTML: the href of <a> is a data: URL" in stderr
    assert "content/leaders/hostile-leader.md:4: warning: raw HTML: the href of <a>" in stderr
    assert "content/pages/about.md:4: warning: raw HTML: the href of <a>" in stderr
    assert "content/briefings/safe.md" not in stderr


def test_check_reports_the_same_warnings_as_build(hostile):
    root, build = hostile
    check = run_cli("check", cwd=root)
    assert check.returncode == 0, check.stderr

    def warnings(text):
        return sorted(line for line in text.splitlines() if "warning: raw HTML" in line)
    assert warnings(check.stderr) == warnings(build.stderr)
    warned = {name for name in SHAPES if f"/{shape_slug(name)}.md:" in check.stderr}
    # Where the URL is, to a browser, text (an attribute's text, a comment, a script or a style sheet).
    assert set(SHAPES) - warned == NOT_A_URL_TO_A_BROWSER
    strict = run_cli("check", "--strict", cwd=root)
    assert strict.returncode != 0


def test_escape_html_shows_raw_html_as_text(make_site):
    bodies = {name: body for name, body in SHAPES.items() if "\n\n" not in body}
    files = {f"content/briefings/{shape_slug(name)}.md": f"---\ntitle: S {name}\ndate: 2021-01-02\n---\n{body}\n"
             for name, body in bodies.items()}
    root = make_site({"site.yaml": "title: T\nbase_url: https://example.org/\nescape_html: true\n", **files})
    build = run_cli("build", cwd=root, check=True)
    assert "warning: raw HTML" not in build.stderr  # nothing is raw HTML: nothing is left out
    assert not scan_site(root / "_site")
    page = (root / "_site/briefings/shape-inline/index.html").read_text()
    assert "Text &lt;a href=" in page and "javascript:alert(6)" in page  # shown, as text
    scan = scan_html(page)
    assert not [a for tag, a in scan.elements if tag == "a" and "alert" in str(a.get("href"))]


# -- item 7: the browser's own reading ---------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")

DOM_URLS = """() => {
  const banned = (v) => { const u = v.replace(/[\\x00-\\x20\\x7f]/g, '').toLowerCase();
    return /^(javascript|vbscript|livescript|file):/.test(u) ||
           (u.startsWith('data:') && !/^data:image\\/(png|gif|jpe?g|webp|avif)([;,]|$)/.test(u)); };
  const found = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const parts = [attr.value, ...attr.value.split(/[\\s,;]+/)];
      if (el.tagName === 'META') parts.push(...attr.value.split(/url=/i));
      if (attr.name !== 'srcdoc' && parts.some(banned)) found.push(el.tagName + ' ' + attr.name + '=' + attr.value);
    }
    if (el.tagName === 'IFRAME' && el.contentDocument) walk(el.contentDocument);
  } };
  walk(document);
  return found;
}"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium; .ci/run installs it")
def test_chromium_finds_no_script_url_in_any_shape(hostile):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras (playwright) are not installed")
    root, _ = hostile
    dialogs = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), timeout=30000,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(java_script_enabled=True)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            for name in SHAPES:
                path = root / "_site" / "briefings" / shape_slug(name) / "index.html"
                page.goto(path.as_uri(), wait_until="load")
                found = page.evaluate(DOM_URLS)
                assert not found, f"{name}: {found}"
                for link in page.locator("main a, article a").all()[:20]:
                    href = link.get_attribute("href") or ""
                    assert not banned(href), f"{name}: {href}"
        finally:
            browser.close()
    assert not dialogs, dialogs


# -- item 7: the re-serialisation, on random raw HTML ------------------------------------------------------

PIECES = ["<a", "<A", " ", "/", "href", "HREF", "src", "srcset", "xlink:href", "formaction", "=", '"', "'", ">",
          "javascript", "java", "script", ":", "&#x61;", "&#106", "&colon;", "&Tab;", "\t", "\n", "\x01", "alert(1)",
          "data:text/html,", "<svg>", "<style>", "</style>", "<script>", "</script", "<!--", "-->", "<![CDATA[",
          "]]>", "<noscript>", "</noscript>", "<textarea>", "title", "<math>", "<iframe srcdoc=", "&quot;", "&lt;"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30))
def test_rewritten_html_holds_no_script_url_and_is_stable(pieces):
    fragment = "".join(pieces)
    once = sanitise_html(fragment).html
    assert not scan_html(once).banned, (fragment, once)
    twice = sanitise_html(once)
    assert not twice.removed, (fragment, once)  # nothing was left for a second pass to find
    assert twice.html == once  # canonical: written out, read back and written out again, unchanged


# -- item 18: raw HTML keeps its text as typed -------------------------------------------------------------

JANE = "---\nname: Jane Example\n---\nA leader.\n"


def body_html(make_site, body: str) -> str:
    root = make_site({
        "content/leaders/jane-example.md": JANE,
        "content/briefings/body.md": f"---\ntitle: Body\ndate: 2021-01-01\n---\n{body}\n",
    })
    run_cli("build", cwd=root, check=True)
    page = (root / "_site/briefings/body/index.html").read_text()
    return page[page.index("<article"):page.index("</article>")] if "<article" in page else page


def entity_links(html: str) -> int:
    return html.count('class="entity-link"')


@pytest.mark.parametrize("body, kept", [
    ('See <a href="https://example.org/jane">the profile of Jane Example</a> "today" -- now.',
     '<a href="https://example.org/jane">the profile of Jane Example</a>'),
    ('Run <code>"Jane Example" -- (c) ...</code> here.', '<code>"Jane Example" -- (c) ...</code>'),
    ('Press <kbd>"Jane Example"</kbd> here.', '<kbd>"Jane Example"</kbd>'),
    ('A <pre>"Jane Example" -- x</pre> here.', '<pre>"Jane Example" -- x</pre>'),
    ('A <script>var who = "Jane Example", a = 1 < 2 && 3 > 2; // -- (c) ...\n</script> here.',
     '<script>var who = "Jane Example", a = 1 < 2 && 3 > 2; // -- (c) ...\n</script>'),
    ('A <style>p::before { content: "Jane Example -- (c)"; }</style> here.',
     '<style>p::before { content: "Jane Example -- (c)"; }</style>'),
    ('A <textarea>"Jane Example" -- (c)</textarea> here.', '<textarea>"Jane Example" -- (c)</textarea>'),
    ('A <script>x = "a *b* c" + "Jane Example";</script> here.', '<script>x = "a *b* c" + "Jane Example";</script>'),
])
def test_inline_raw_elements_keep_their_text(make_site, body, kept):
    html = body_html(make_site, body)
    assert kept in html, html
    assert entity_links(html) == 0


@pytest.mark.parametrize("body, kept", [
    ('<a href="https://example.org/jane">\n\nThe profile of Jane Example, "quoted" -- here.\n\n</a>',
     'The profile of Jane Example, "quoted" -- here.'),
    ('<pre>\n"Jane Example" -- (c)\n</pre>', '"Jane Example" -- (c)'),
    ('<script>\nvar who = "Jane Example";\n</script>', 'var who = "Jane Example";'),
    ('<style>\np::before { content: "Jane Example"; }\n</style>', 'p::before { content: "Jane Example"; }'),
    ('<textarea>\n"Jane Example" -- (c)\n</textarea>', '"Jane Example" -- (c)'),
    ('<div title="Jane Example &quot;x&quot; -- y" data-x=\'"Jane Example"\'>\ntext\n</div>',
     'title="Jane Example &quot;x&quot; -- y"'),
])
def test_block_raw_elements_keep_their_text(make_site, body, kept):
    html = body_html(make_site, body)
    assert kept in html, html
    assert entity_links(html) == 0


def test_attributes_of_inline_raw_html_are_untouched(make_site):
    html = body_html(make_site, 'A <span title="Jane Example -- &quot;x&quot;">span</span> and Jane Example.')
    assert 'title="Jane Example -- &quot;x&quot;"' in html
    assert entity_links(html) == 1  # the running text's mention, outside the attribute


def test_text_outside_raw_elements_is_still_linked_and_typeset(make_site):
    html = body_html(make_site, 'See <a href="https://example.org/x">Jane Example</a>. Then "Jane Example" -- again.\n\n'
                                '<code>"x"</code> and "y".')
    assert '<a href="https://example.org/x">Jane Example</a>' in html
    assert "“<a href=" in html and 'class="entity-link">Jane Example</a>”' in html  # linked, quotes curled
    assert "–" in html and "<code>\"x\"</code> and “y”." in html
    assert entity_links(html) == 1
    assert "<a href=\"https://example.org/x\"><a" not in html  # no nested link


COMMENTED_BODY = """Putin spoke. <!-- NOTE-INLINE check the quote with legal --> Then he left.

<!-- NOTE-BLOCK
the desk's own notes,
over lines -->

<div>Kept<!--> visible after an abrupt comment --> and <!-- NOTE-BANG --!> this too.</div>

Last paragraph.

<!-- NOTE-UNCLOSED never closed: a browser hides the rest, and so does briefgen
"""


def _published_text(out: Path) -> str:
    """Every file of a built site as text, the search index's compressed fragments unpacked."""
    texts = []
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def test_html_comments_in_a_body_are_never_published(make_site):
    """The desk's notes to itself in <!-- … --> reach no page, feed, summary or search fragment; what a
    browser shows after an abruptly closed comment stays."""
    site = make_site({"content/briefings/noted.md": f"---\ntitle: Noted\ndate: 2021-01-02\nleaders: [Putin]\n---\n{COMMENTED_BODY}",
                      "content/leaders/putin.md": "---\nname: Putin\n---\nA profile. <!-- NOTE-PROFILE -->\n"})
    run_cli("build", cwd=site, check=True)
    published = _published_text(site / "_site")
    assert "NOTE-" not in published
    page = (site / "_site/briefings/noted/index.html").read_text()
    assert "visible after an abrupt comment --&gt;" in page and "this too." in page and "Last paragraph." in page
    assert "Putin spoke." in (site / "_site/atom.xml").read_text()
