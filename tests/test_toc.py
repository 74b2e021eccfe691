"""The table of contents of a briefing (scrolling in a browser: test_reader_site.py)."""

from __future__ import annotations

import re

from conftest import run_cli

BODY = "Intro.\n\n## What was said\n\nA.\n\n### The `it's` part\n\nB.\n\n## What it means -- now\n\nC.\n\n#### Fine print\n\nD.\n"


def briefing(body: str, extra: str = "") -> str:
    return f"---\ntitle: T\ndate: 2021-01-02\n{extra}---\n{body}"


def contents(page: str) -> list[list[tuple[str, str, str]]]:
    """Each table of contents on the page: (level class, href, text) per entry."""
    navs = re.findall(r'<nav class="toc toc-\w+"[^>]*>(.*?)</nav>', page, re.S)
    return [re.findall(r'<li class="toc-level-(\d)"><a href="([^"]*)">([^<]*)</a></li>', nav) for nav in navs]


def build(make_site, files: dict, name: str = "site"):
    root = make_site({"site.yaml": "title: D\nbase_url: https://example.org/sub/\ntimezone: UTC\n", **files}, name=name)
    result = run_cli("build", cwd=root)
    return root, result


def page_of(root, slug: str) -> str:
    return (root / f"_site/briefings/{slug}/index.html").read_text(encoding="utf-8")


def test_a_briefing_with_three_headings_lists_them_linked_to_their_ids(make_site):
    root, result = build(make_site, {"content/briefings/long.md": briefing(BODY),
                                     "content/briefings/short.md": briefing("## One\n\nA.\n\n## Two\n\nB.\n")})
    assert result.returncode == 0, result.stderr
    page = page_of(root, "long")
    # A code span keeps its straight quote, as in the heading; the rest is typeset as the heading is.
    expected = [("2", "#what-was-said", "What was said"), ("3", "#the-its-part", "The it&#39;s part"),
                ("2", "#what-it-means--now", "What it means – now")]
    assert contents(page) == [expected, expected]  # in the text column (narrow screens) and beside it (wide)
    for _, href, _ in expected:  # each entry links a heading of the body
        assert f'id="{href[1:]}"' in page
    assert 'aria-label="Contents"' in page and 'data-pagefind-ignore="all"' in page
    assert '<script src="/sub/assets/toc.js" defer></script>' in page
    assert (root / "_site/assets/toc.js").is_file()
    short = page_of(root, "short")  # two headings: no table of contents, no script
    assert contents(short) == [] and "toc.js" not in short


def test_toc_false_in_front_matter_or_site_yaml_switches_it_off(make_site):
    root, _ = build(make_site, {"content/briefings/off.md": briefing(BODY, "toc: false\n"),
                                "content/briefings/on.md": briefing(BODY)})
    assert contents(page_of(root, "off")) == [] and "toc.js" not in page_of(root, "off")
    assert contents(page_of(root, "on")) != []
    root, _ = build(make_site, {"site.yaml": "title: D\nbase_url: https://example.org/\ntoc: false\n",
                                "content/briefings/default.md": briefing(BODY),
                                "content/briefings/asked.md": briefing(BODY, "toc: true\n")}, name="site-off")
    assert contents(page_of(root, "default")) == []
    assert len(contents(page_of(root, "asked"))) == 2  # the briefing's own setting wins


def test_a_toc_that_is_not_true_or_false_is_an_error_with_its_line(make_site):
    root, result = build(make_site, {"content/briefings/bad.md": briefing(BODY, "summary: S\ntoc: sometimes\n")})
    assert result.returncode != 0
    assert "content/briefings/bad.md:5" in result.stderr and "'toc' must be true or false" in result.stderr
    assert "Traceback" not in result.stderr
    root, result = build(make_site, {"site.yaml": "title: D\nbase_url: https://example.org/\ntoc: [1]\n"},
                         name="bad-config")
    assert result.returncode != 0 and "toc" in result.stderr and "Traceback" not in result.stderr


def test_hostile_heading_text_is_escaped_in_the_contents(make_site):
    body = "## <script>alert(1)</script>\n\nA.\n\n## \"><img src=x onerror=alert(1)>\n\nB.\n\n## Three\n\nC.\n"
    root, result = build(make_site, {"site.yaml": "title: D\nbase_url: https://example.org/\nescape_html: true\n",
                                     "content/briefings/h.md": briefing(body)})
    assert result.returncode == 0, result.stderr
    nav = re.search(r'<nav class="toc toc-inline".*?</nav>', page_of(root, "h"), re.S).group()
    assert "<script>alert" not in nav and "<img" not in nav and "&lt;script&gt;" in nav
