"""Markdown as writers write it (issue 24), through the CLI: heading ids, the typographer and its switch,
`[[` that CommonMark reads as a link, GitHub's extras (task lists, bare URLs, alerts, table alignment),
footnote ids. Sites are built in temporary folders; what is asserted is the HTML a reader gets."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from briefgen.render.headings import THEME_IDS, _THEME_ID_PATTERN
from conftest import REPO, run_cli, write_site

SUB_PATH_CONFIG = """\
title: Test desk
base_url: https://desk.github.io/repo/
timezone: UTC
"""

HEADINGS = """\
---
title: Headings
date: 2021-01-02
---
## Main
## ★
## ?
## Key points heading
## Background
## Background
## fn-headings-1

A claim[^n].

[^n]: Its note, whose id is fn-headings-1.
"""

TYPOGRAPHY = """\
---
title: Typography
date: 2021-01-03
---
Options: (a) extend, (b) renegotiate, (c) withdraw. Marks (tm) (r) +- stay. Yes,, no. And what?!!!!

He said "it's over" -- then 1990--1995 --- and... wait.... Two dots.. stay.

Code `a--b "c"` and \\--- and \\-- stay.

<https://example.org/new-start--treaty> and https://example.org/it's--here, unlinked example.org/a--b...

<kbd>Ctrl--C "x"</kbd>
"""

BRACKETS = """\
---
title: Brackets
date: 2021-01-04
---
Citation [[1]](https://example.org/report), reference [[2]][r], label [[Vienna]] and \\[[Nobody]].

[r]: https://example.org/r
[Vienna]: https://example.org/vienna
"""

EXTRAS = """\
---
title: Extras
date: 2021-01-05
---
- [ ] ratify
- [x] sign

See https://example.org/report and www.example.org, write to desk@example.org; config.py is a file.
`https://example.org/code` and <code>https://example.org/raw</code>, <a href="https://example.org/a">www.example.org</a>.

> [!NOTE]
> Figures are provisional.

> [!TIP]
> Tip.

> [!IMPORTANT]
> Important.

> [!WARNING]
> Warning.

> [!CAUTION]
> Caution.

> [!NOTE] not an alert
> text

| Left | Centre | Right | None |
|:-----|:------:|------:|------|
| 1    | 2      | 3     | 4    |
"""

FOOTNOTES = """\
---
title: Notes {n}
date: 2021-01-0{n}
---
A claim[^a] and another[^b], the first again[^a].

[^a]: First note.
[^b]: Second note.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("md"), {
        "site.yaml": SUB_PATH_CONFIG,
        "content/briefings/headings.md": HEADINGS,
        "content/briefings/typography.md": TYPOGRAPHY,
        "content/briefings/brackets.md": BRACKETS,
        "content/briefings/extras.md": EXTRAS,
        "content/briefings/notes-one.md": FOOTNOTES.format(n=6),
        "content/briefings/notes-two.md": FOOTNOTES.format(n=7),
        "content/leaders/vladimir-putin.md": "---\nname: Vladimir Putin\n---\n## Main\n\n## Timeline heading\n",
    })
    run_cli("build", cwd=root, check=True)
    return root


def page(site: Path, path: str) -> str:
    return (site / "_site" / path / "index.html").read_text(encoding="utf-8")


def body(site: Path, slug: str) -> str:
    return page(site, f"briefings/{slug}").split('<div class="body">', 1)[1].split("\n  </div>", 1)[0]


def ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]*)"', html)


# --- heading ids ---------------------------------------------------------------------------------------

def test_heading_ids_are_non_empty_valid_and_unique_on_the_page(site):
    html = page(site, "briefings/headings")
    assert Counter(ids(html)).most_common(1)[0][1] == 1, "an id is given twice"
    assert all(value and not re.search(r"\s", value) for value in ids(html))
    headings = re.findall(r'<h2 id="([^"]*)">([^<]*)</h2>', body(site, "headings"))
    assert headings == [("main-1", "Main"), ("section", "★"), ("section-1", "?"),
                        ("key-points-heading-1", "Key points heading"), ("background", "Background"),
                        ("background-1", "Background"), ("fn-headings-1-1", "fn-headings-1")]
    assert '<main id="main"' in html and 'href="#main"' in html  # the skip link still reaches the content


def test_a_profile_heading_does_not_take_the_entity_pages_ids(site):
    html = page(site, "leaders/vladimir-putin")
    assert Counter(ids(html)).most_common(1)[0][1] == 1
    assert '<h2 id="main-1">Main</h2>' in html and '<h2 id="timeline-heading-1">' in html


def test_every_id_the_default_theme_writes_is_reserved_from_headings():
    written = set()
    for template in (REPO / "themes/default/templates").rglob("*.html"):
        written.update(re.findall(r'\sid="([^"]+)"', template.read_text(encoding="utf-8")))
    for value in written:
        literal = re.sub(r"\{\{.*?\}\}", "2021", value)
        assert literal in THEME_IDS or _THEME_ID_PATTERN.fullmatch(literal), f"theme id {value!r} is not reserved"


# --- typographer ---------------------------------------------------------------------------------------

def test_the_typographer_keeps_the_writers_characters(site):
    html = body(site, "typography")
    assert "(a) extend, (b) renegotiate, (c) withdraw." in html
    assert "Marks (tm) (r) +- stay. Yes,, no. And what?!!!!" in html
    for symbol in "©™®±":
        assert symbol not in html


def test_the_typographer_curls_quotes_and_makes_dashes_and_the_ellipsis_in_prose(site):
    html = body(site, "typography")
    assert "He said “it’s over” – then 1990–1995 — and… wait.... Two dots.. stay." in html


def test_the_typographer_leaves_code_urls_raw_html_and_escaped_hyphens_alone(site):
    html = body(site, "typography")
    assert '<code>a--b "c"</code>' in html
    assert "and --- and -- stay." in html
    assert '>https://example.org/new-start--treaty</a>' in html
    assert ">https://example.org/it's--here</a>, unlinked example.org/a--b...</p>" in html
    assert '<kbd>Ctrl--C "x"</kbd>' in html


def test_typographer_false_in_site_yaml_keeps_quotes_and_hyphens(make_site):
    root = make_site({"site.yaml": SUB_PATH_CONFIG + "typographer: false\n",
                      "content/briefings/typography.md": TYPOGRAPHY})
    run_cli("build", cwd=root, check=True)
    assert "He said \"it's over\" -- then 1990--1995 --- and... wait...." in body(root, "typography")
    run_cli("build", cwd=root, check=True)  # the cached body is as the setting says, after each change
    (root / "site.yaml").write_text(SUB_PATH_CONFIG + "typographer: true\n", encoding="utf-8")
    run_cli("build", cwd=root, check=True)
    assert "He said “it’s over” – then" in body(root, "typography")


def test_a_typographer_value_that_is_not_true_or_false_is_an_error_at_its_line(make_site):
    root = make_site({"site.yaml": SUB_PATH_CONFIG + "typographer: sometimes\n"})
    result = run_cli("build", cwd=root)
    assert result.returncode != 0
    assert "site.yaml:4" in result.stderr and "'typographer' must be true or false" in result.stderr
    assert "Traceback" not in result.stderr


# --- [[ ---------------------------------------------------------------------------------------------------

def test_brackets_commonmark_reads_as_links_stay_links(site):
    html = body(site, "brackets")
    assert 'Citation <a href="https://example.org/report">[1]</a>' in html
    assert 'reference <a href="https://example.org/r">[2]</a>' in html
    assert 'label [<a href="https://example.org/vienna">Vienna</a>]' in html
    assert "and [[Nobody]].</p>" in html


def test_an_unknown_wiki_link_says_how_to_write_brackets_as_typed(make_site):
    root = make_site({"content/briefings/x.md": "---\ntitle: X\ndate: 2021-01-01\n---\nSee [[Nobody]].\n"})
    result = run_cli("build", cwd=root)
    assert result.returncode != 0
    assert "content/briefings/x.md:5: error: [[Nobody]] matches no entity or page." in result.stderr
    assert "write \\[[Nobody]]" in result.stderr
    assert "Traceback" not in result.stderr


# --- GitHub's extras ------------------------------------------------------------------------------------

def test_task_lists_are_disabled_checkboxes(site):
    html = body(site, "extras")
    assert ('<li class="task-list-item"><input class="task-list-item-checkbox" disabled="" type="checkbox" '
            'aria-label="To do"> ratify') in html
    assert 'disabled="" type="checkbox" checked="" aria-label="Done"> sign' in html


def test_bare_urls_www_addresses_and_emails_are_linked_but_not_in_code_or_raw_html(site):
    html = body(site, "extras")
    assert '<a href="https://example.org/report">https://example.org/report</a>' in html
    assert '<a href="http://www.example.org">www.example.org</a>,' in html
    assert '<a href="mailto:desk@example.org">desk@example.org</a>' in html
    assert "config.py is a file" in html
    assert "<code>https://example.org/code</code>" in html and "<code>https://example.org/raw</code>" in html
    assert '<a href="https://example.org/a">www.example.org</a>' in html


def test_bare_urls_are_in_the_feed(site):
    feed = (site / "_site/atom.xml").read_text(encoding="utf-8")
    assert 'href="https://example.org/report"' in feed and 'href="http://www.example.org"' in feed


@pytest.mark.parametrize("kind,label", [("note", "Note"), ("tip", "Tip"), ("important", "Important"),
                                        ("warning", "Warning"), ("caution", "Caution")])
def test_alerts_have_a_label_and_the_themes_style(site, kind, label):
    html = body(site, "extras")
    assert (f'<div class="markdown-alert markdown-alert-{kind}" role="note">\n'
            f'<p class="markdown-alert-title">{label}</p>') in html
    css = (site / "_site/assets/style.css").read_text(encoding="utf-8")
    assert f".markdown-alert-{kind}" in css


def test_a_marker_with_text_after_it_is_a_quote(site):
    assert "<blockquote>\n<p>[!NOTE] not an alert" in body(site, "extras")


def test_table_alignment_is_classes_not_inline_styles(site):
    html = body(site, "extras")
    assert '<th class="align-left">Left</th>' in html and '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html and "<td>4</td>" in html
    assert "style=" not in html
    assert ".align-right" in (site / "_site/assets/style.css").read_text(encoding="utf-8")


# --- footnotes ------------------------------------------------------------------------------------------

def test_footnote_ids_carry_the_briefings_name_and_link_back(site):
    html = body(site, "notes-one")
    assert '<a href="#fn-notes-one-1" id="fnref-notes-one-1">[1]</a>' in html
    assert '<a href="#fn-notes-one-1" id="fnref-notes-one-1:1">[1:1]</a>' in html
    assert '<li id="fn-notes-one-2" class="footnote-item">' in html
    assert '<a href="#fnref-notes-one-1" class="footnote-backref">' in html
    assert '<a href="#fnref-notes-one-1:1" class="footnote-backref">' in html
    assert "fn-notes-two" in body(site, "notes-two")
    for slug in ("notes-one", "notes-two"):
        assert Counter(ids(page(site, f"briefings/{slug}"))).most_common(1)[0][1] == 1


def test_footnote_links_in_the_feed_point_into_the_briefings_page(site):
    feed = (site / "_site/atom.xml").read_text(encoding="utf-8")
    assert 'href="https://desk.github.io/repo/briefings/notes-one/#fn-notes-one-1"' in feed
    assert "fn-notes-two-1" in feed


def test_check_reports_what_build_reports(make_site):
    root = make_site({"content/briefings/x.md": "---\ntitle: X\ndate: 2021-01-01\n---\n[[1]](https://a.org) [[Nobody]]\n"})
    result = run_cli("check", cwd=root)
    assert result.returncode != 0 and "[[Nobody]] matches no entity or page" in result.stderr
    assert "[[1]]" not in result.stderr


# --- hostile input --------------------------------------------------------------------------------------

def test_thousands_of_equal_headings_get_unique_ids_quickly(make_site):
    root = make_site({"content/briefings/many.md": "---\ntitle: Many\ndate: 2021-01-01\n---\n"
                                                   + "## Main\n" * 3000 + "## main-1\n## ★\n"})
    result = run_cli("build", cwd=root, check=True)
    html = page(root, "briefings/many")
    assert Counter(ids(html)).most_common(1)[0][1] == 1
    assert 'id="main-3000">Main</h2>\n<h2 id="main-1-1">main-1</h2>\n<h2 id="section">★</h2>' in html
    assert "Traceback" not in result.stderr


def test_footnote_ids_of_a_file_with_quotes_and_brackets_in_its_name_are_plain(make_site):
    root = make_site({'content/briefings/O\'Brien "&" <co>.md':
                      "---\ntitle: Odd\ndate: 2021-01-01\n---\n## \\\"><b>x</b>\n\nA claim[^1].\n\n[^1]: Note.\n"})
    run_cli("build", cwd=root, check=True)
    html = page(root, "briefings/o-brien-co")
    assert 'id="fn-o-brien-co-1"' in html and 'href="#fnref-o-brien-co-1"' in html
    assert '<h2 id="x">"&gt;<b>x</b></h2>' in html  # the id from the heading's text, tags and marks left out
