"""Raw HTML's <img src> and <a href> in bodies: resolved like Markdown's images and links (relative, site
path, @/), with the base path on pages and absolute in feeds, processed when the author did not size them,
and errors at their line for targets that name no file. Built through the CLI."""

from __future__ import annotations

import html
import re

import pytest
from PIL import Image

from conftest import run_cli
from image_support import SVG_MAP, briefing, broken_links, png

BODY = """Intro with an inline <img src="map.png" alt="Inline map" class="wide"> image.

<div class="maps">
<img src="/images/chart.svg" alt="Chart">
<img src="@/briefings/talks/map.png" alt="Sized by its author" width="300" loading="eager">
<a href="notes.pdf" title="The notes">the notes</a> and <a href="../other.md">the other briefing</a>
<!-- <img src="no-such-file.png"> -->
</div>

<picture><source srcset="/images/chart.svg 1x, map.png 2x"><img src="map%20copy.png" alt="In a picture"></picture>

<script>const html = '<img src="not-a-file.png">';</script>
<img src="https://example.com/x.png" alt="External"> <a href="https://example.com/">out</a> <a href="#top">up</a>
"""


def _site(make_site, body: str = BODY, base_url: str = "https://x.github.io/repo/", config: str = ""):
    return make_site({
        "site.yaml": f"title: Desk\nbase_url: {base_url}\n{config}",
        "content/briefings/talks/index.md": briefing("Talks", body),
        "content/briefings/talks/map.png": png(1000, 500),
        "content/briefings/talks/map copy.png": png(400, 200),
        "content/briefings/talks/notes.pdf": b"%PDF-1.4",
        "content/briefings/other.md": briefing("Other", "Plain.", date="2021-01-20"),
        "static/images/chart.svg": SVG_MAP,
    })


def _tags(page: str, name: str) -> list[dict[str, str]]:
    """The attributes of each <name> tag, outside comments and scripts."""
    page = re.sub(r"<!--.*?-->|<script>.*?</script>", "", page, flags=re.S)
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(rf"<{name} [^>]*>", page)]


def _body(page: str) -> str:
    return page.split('<div class="body">', 1)[1].split("</article>", 1)[0]


@pytest.mark.parametrize("base_url, base_path", [("https://x.github.io/repo/", "/repo/"), ("https://x.org/", "/")])
def test_raw_img_and_a_resolve_like_markdown_with_the_base_path(make_site, base_url, base_path):
    site = _site(make_site, base_url=base_url)
    run_cli("build", cwd=site, check=True)
    out = site / "_site"
    body = _body((out / "briefings/talks/index.html").read_text())
    inline, chart, sized, in_picture, external = _tags(body, "img")
    # Processed as a Markdown image: size, copies in its format and in WebP, the author's class kept.
    assert inline["src"] == f"{base_path}briefings/talks/map.png" and inline["class"] == "wide"
    assert (inline["width"], inline["height"], inline["alt"]) == ("1000", "500", "Inline map")
    assert "loading" not in inline  # the first image of the page
    widths = re.findall(r"(\S+) (\d+)w", inline["srcset"])
    assert [int(w) for _, w in widths] == [480, 960, 1000]
    for url, width in widths:
        with Image.open(out / url[len(base_path):]) as copy:
            assert copy.width == int(width) and copy.format == "PNG"
    assert '<source type="image/webp"' in body.split('alt="Inline map"')[0]
    assert chart == {"src": f"{base_path}images/chart.svg", "alt": "Chart", "width": "640", "height": "400",
                     "loading": "lazy", "decoding": "async"}
    # An author's width, loading or <picture> stay theirs: only the file is resolved.
    assert sized == {"src": f"{base_path}briefings/talks/map.png", "alt": "Sized by its author", "width": "300",
                     "loading": "eager"}
    assert in_picture == {"src": f"{base_path}briefings/talks/map%20copy.png", "alt": "In a picture"}
    assert f'<source srcset="{base_path}images/chart.svg 1x, {base_path}briefings/talks/map.png 2x">' in body
    assert external == {"src": "https://example.com/x.png", "alt": "External"}
    links = {a.get("href") for a in _tags(body, "a")}
    assert {f"{base_path}briefings/talks/notes.pdf", f"{base_path}briefings/other/", "https://example.com/",
            "#top"} <= links
    # What a browser does not read as a tag is left as written, but for a comment, which is not published.
    assert "no-such-file" not in body and "'<img src=\"not-a-file.png\">'" in body
    assert broken_links(out, base_path) == []


def test_raw_img_and_a_are_absolute_in_the_feed(make_site):
    site = _site(make_site)
    run_cli("build", cwd=site, check=True)
    feed = (site / "_site/atom.xml").read_text()
    content = html.unescape(re.search(r'<content type="html">(.*?)</content>', feed, re.S).group(1))
    absolute = "https://x.github.io/repo/"
    assert f'src="{absolute}briefings/talks/map.png"' in content
    assert f'src="{absolute}images/chart.svg"' in content
    assert f'href="{absolute}briefings/talks/notes.pdf"' in content
    assert f"{absolute}briefings/talks/map-480." in content  # srcset
    assert f'<source srcset="{absolute}images/chart.svg 1x, {absolute}briefings/talks/map.png 2x">' in content
    assert not re.search(r'(?:src|href|srcset)="/', content)


def test_a_raw_target_that_names_no_file_is_an_error_at_its_line_in_check_and_build(make_site):
    body = ('Text.\n\n<div>\n<img src="mapp.png" alt="A map">\n</div>\n\n'
            'A line with <a href="notess.pdf">a link</a> and <img src="notes.pdf" alt="Not an image">.\n\n'
            '<picture><source srcset="/images/chrat.svg"><img src="map.png" alt="x"></picture>\n')
    site = _site(make_site, body)
    for command in ("check", "build"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        errors = [line for line in result.stderr.splitlines() if ": error: " in line]
        assert sorted(errors) == sorted([
            "content/briefings/talks/index.md:8: error: the image 'mapp.png' points at no file. "
            "The closest existing file is '@/briefings/talks/map.png'.",
            "content/briefings/talks/index.md:11: error: the link 'notess.pdf' points at no file. "
            "The closest existing file is '@/briefings/talks/notes.pdf'.",
            "content/briefings/talks/index.md:11: error: 'notes.pdf' is not an image "
            "(content/briefings/talks/notes.pdf). Use an image (.jpg, .png, .webp, .gif, .svg) here, "
            "or link the file with [text](…).",
            "content/briefings/talks/index.md:13: error: the image '/images/chrat.svg' is no file of static/ nor of "
            "content/. The closest existing file is '/images/chart.svg'.",
        ]), result.stderr
    assert not (site / "_site").exists()


def test_a_raw_img_without_alt_is_warned_about_and_alt_empty_is_accepted(make_site):
    site = _site(make_site, 'Text.\n\n<img src="map.png">\n\n<img src="/images/chart.svg" alt="">\n')
    result = run_cli("build", cwd=site, check=True)
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warnings == ["content/briefings/talks/index.md:7: warning: the image 'map.png' has no alt text. "
                        'Describe it for readers who cannot see it: <img alt="A map of …" …>; for a purely '
                        'decorative image write alt="".']
    assert run_cli("build", "--strict", cwd=site).returncode == 1


def test_hostile_attributes_of_a_raw_img_are_escaped_and_script_urls_still_removed(make_site):
    body = ('<img src="map.png" alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" onerror="x()" '
            'data-note=\'a "quoted" note\'>\n\n<a href="javascript:alert(1)">bad</a> <A HREF="notes.pdf">caps</A>\n')
    site = _site(make_site, body)
    result = run_cli("build", cwd=site, check=True)
    page = _body((site / "_site/briefings/talks/index.html").read_text())
    assert "<script>alert" not in page
    assert 'alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert 'data-note="a &quot;quoted&quot; note"' in page and 'width="1000"' in page
    assert "javascript:" not in page and "raw HTML: the href of <a> is a javascript: URL" in result.stderr
    assert 'href="/repo/briefings/talks/notes.pdf">caps' in page


def test_raw_html_shown_as_text_is_not_resolved(make_site):
    site = _site(make_site, 'Text.\n\n<img src="no-such.png" alt="x">\n', config="escape_html: true\n")
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/briefings/talks/index.html").read_text()
    assert re.search(r'&lt;img src=\W?no-such\.png\W? alt=\W?x\W?&gt;', page)  # as text (quotes curled)
