"""Mentions and backlinks: every link from a briefing to an entity or another briefing has a way back.

Sites are built through the CLI; what is checked is what a reader sees in the built HTML.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from conftest import REPO, LinkCollector, run_cli, write_site
from test_serve import serve_site  # noqa: F401 - a fixture

PUTIN = "---\nname: Vladimir Putin\naliases: [Putin, President Putin]\n---\nThe profile.\n"
NEW_START = "---\nname: New START\n---\nA treaty.\n"


def _links(html: str) -> set[str]:
    collector = LinkCollector()
    collector.feed(html)
    return {url.split("#")[0] for _, url, _ in collector.links}


def one_way_links(out: Path, base_path: str, taxonomies=("leaders", "treaties", "issues")) -> list[str]:
    """Each link from a briefing to an entity page (anywhere on its page) or to another briefing (in its text)
    whose target has no link back to the briefing, on any of the target's pages."""
    entity_url = re.compile(rf"^{re.escape(base_path)}(?:{'|'.join(taxonomies)})/[^/]+/$")
    briefing_url = re.compile(rf"^{re.escape(base_path)}briefings/[^/]+/$")
    missing = []
    for page in sorted((out / "briefings").glob("*/index.html")):
        if page.parent.name == "page":
            continue
        html = page.read_text(encoding="utf-8")
        if '<div class="body">' not in html:  # a redirect from an old address
            continue
        own = f"{base_path}briefings/{page.parent.name}/"
        text = html.split('<div class="body">', 1)[1].split('<section class="sources"', 1)[0].split("</article>")[0]
        targets = {u for u in _links(html) if entity_url.match(u)}
        targets |= {u for u in _links(text) if briefing_url.match(u) and u != own}
        for target in sorted(targets):
            folder = out / target[len(base_path):]
            back = set()
            for file in [folder / "index.html", *sorted(folder.glob("page/*/index.html"))]:
                back |= _links(file.read_text(encoding="utf-8"))
            if own not in back:
                missing.append(f"{own} -> {target}")
    return missing


def test_the_sample_site_has_no_one_way_link(tmp_path):
    out = tmp_path / "_site"
    run_cli("build", "--out", str(out), cwd=REPO, check=True)
    base_path = re.search(r"^base_url:\s*\S+?//[^/]+(/\S*)", (REPO / "site.yaml").read_text(), re.M).group(1)
    base_path = base_path if base_path.endswith("/") else base_path + "/"
    assert one_way_links(out, base_path) == []


def _mentions_site(tmp_path, *, per_page: int = 10, extra: dict | None = None) -> Path:
    files = {
        "site.yaml": f"title: Desk\nbase_url: https://x.github.io/repo/\ntimezone: UTC\nper_page: {per_page}\n",
        "content/leaders/vladimir-putin.md": PUTIN,
        "content/treaties/new-start.md": NEW_START,
        "content/briefings/named.md": "---\ntitle: Named\ndate: 2021-01-01\nleaders: [Putin]\n---\nPutin spoke.\n",
        "content/briefings/mentioned.md": (
            "---\ntitle: Mentioned only\ndate: 2021-02-01\nissues: [cyber]\n---\n"
            "An opening line.\n\nThe report said little. Then President Putin \\<script>alert(1)\\</script> "
            "called & left. Nothing more.\n"),
        "content/briefings/linker.md": (
            "---\ntitle: Linker\ndate: 2021-03-01\nissues: [cyber]\n---\n"
            "See [[Mentioned only]] and [the named one](@/briefings/named.md); the [[New START]] treaty.\n"),
        "content/pages/about.md": "---\ntitle: About\n---\nStart with [[Linker]].\n",
    }
    return write_site(tmp_path / "site", {**files, **(extra or {})})


def _build(site: Path, *args: str):
    return run_cli("build", *args, cwd=site, check=True)


def test_entity_page_lists_briefings_that_mention_it_with_an_escaped_excerpt(tmp_path):
    site = _mentions_site(tmp_path)
    _build(site)
    page = (site / "_site/leaders/vladimir-putin/index.html").read_text(encoding="utf-8")
    also = page.split('class="also-mentioned"', 1)[1].split("</section>", 1)[0]
    assert "Also mentioned in 1 briefing<" in also
    assert 'href="/repo/briefings/mentioned/"' in also and "/repo/briefings/named/" not in also
    excerpt = re.search(r'<blockquote class="mention-excerpt">(.*?)</blockquote>', also, re.S).group(1)
    # The sentence around the first mention, as plain text, escaped: the quoted <script> is text, not markup.
    assert excerpt == "Then President Putin &lt;script&gt;alert(1)&lt;/script&gt; called &amp; left."
    assert "<script>alert" not in page
    # The taxonomy index shows both counts.
    index = (site / "_site/leaders/index.html").read_text(encoding="utf-8")
    assert re.search(r'title="briefings naming it">1 briefing</span> <span class="count count-mentioned"[^>]*>\+1 mentioned', index)
    # A [[link]] to an entity is a mention too.
    treaty = (site / "_site/treaties/new-start/index.html").read_text(encoding="utf-8")
    assert 'href="/repo/briefings/linker/"' in treaty.split('class="also-mentioned"', 1)[1]


def _feed_links(feed: str) -> list[str]:
    return re.findall(r'<entry><id>([^<]+)</id>', feed)


def test_without_fold_mentions_the_feed_chart_and_named_with_count_front_matter_and_say_so(tmp_path):
    site = _mentions_site(tmp_path)
    _build(site)
    folder = site / "_site/leaders/vladimir-putin"
    assert _feed_links((folder / "atom.xml").read_text()) == ["https://x.github.io/repo/briefings/named/"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Briefings naming Vladimir Putin in front matter." in page
    assert 'chart-desc">January 2021: 1. <' in page  # one month: February's mention is not counted
    # The briefings naming cyber name nothing else: no "Most often named with" list.
    assert 'id="co-named-heading"' not in (site / "_site/issues/cyber/index.html").read_text(encoding="utf-8")


def test_fold_mentions_counts_the_briefings_mentioning_an_entity_in_its_feed_chart_and_named_with(tmp_path):
    site = _mentions_site(tmp_path, extra={"site.yaml": "title: Desk\nbase_url: https://x.github.io/repo/\n"
                                                        "timezone: UTC\nfold_mentions: true\n"})
    _build(site)
    folder = site / "_site/leaders/vladimir-putin"
    feed = (folder / "atom.xml").read_text()
    assert _feed_links(feed) == ["https://x.github.io/repo/briefings/mentioned/", "https://x.github.io/repo/briefings/named/"]
    assert "<subtitle>Briefings naming or mentioning Vladimir Putin</subtitle>" in feed
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Briefings naming or mentioning Vladimir Putin, in front matter or in the text." in page
    assert "January 2021: 1. February 2021: 1." in page  # the chart counts both
    # "mentioned" names cyber and mentions Putin: each is named with the other now.
    cyber = (site / "_site/issues/cyber/index.html").read_text(encoding="utf-8")
    aside = cyber.split('id="co-named-heading"', 1)[1].split("</section>", 1)[0]
    assert "Named in front matter or mentioned in the text." in aside
    assert re.search(r'href="/repo/leaders/vladimir-putin/">Vladimir Putin</a> <span class="count"[^>]*>1<', aside)
    assert re.search(r'href="/repo/treaties/new-start/">New START</a>', aside)  # [[New START]] in "linker"
    # The lists stay apart: "Also mentioned in" still lists what the front matter does not name.
    assert 'href="/repo/briefings/mentioned/"' in page.split('class="also-mentioned"', 1)[1]


@pytest.mark.parametrize("value, got", [("yes", "got 'yes'"), ("1", "got the number 1"), ("[true]", "got a list")])
def test_fold_mentions_of_another_type_is_an_error_at_its_line(tmp_path, value, got):
    site = _mentions_site(tmp_path, extra={"site.yaml": f"title: Desk\nfold_mentions: {value}\n"})
    for command in ("check", "build"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"site.yaml:2: error: 'fold_mentions' must be true or false, e.g. 'fold_mentions: true'; {got}." \
            in result.stderr, result.stderr


def test_briefings_show_what_links_to_them(tmp_path):
    site = _mentions_site(tmp_path)
    _build(site)
    mentioned = (site / "_site/briefings/mentioned/index.html").read_text(encoding="utf-8")
    linked = mentioned.split('class="linked-from"', 1)[1].split("</section>", 1)[0]
    assert 'href="/repo/briefings/linker/">Linker</a>' in linked
    linker = (site / "_site/briefings/linker/index.html").read_text(encoding="utf-8")
    from_page = linker.split('class="linked-from"', 1)[1].split("</section>", 1)[0]
    assert 'href="/repo/about/">About</a> <span class="meta">page</span>' in from_page
    named = (site / "_site/briefings/named/index.html").read_text(encoding="utf-8")
    assert 'href="/repo/briefings/linker/"' in named.split('class="linked-from"', 1)[1]
    assert one_way_links(site / "_site", "/repo/") == []


def test_mentions_are_paginated_with_the_entity_page(tmp_path):
    extra = {f"content/briefings/m{i}.md": f"---\ntitle: Mention {i}\ndate: 2021-03-{i + 1:02}\n---\nPutin, day {i}.\n"
             for i in range(5)}
    site = _mentions_site(tmp_path, per_page=2, extra=extra)
    _build(site)
    folder = site / "_site/leaders/vladimir-putin"
    pages = [folder / "index.html", folder / "page/2/index.html", folder / "page/3/index.html"]
    assert all(p.is_file() for p in pages) and not (folder / "page/4").exists()
    listed = [re.findall(r'<li><a href="/repo/briefings/([^/]+)/"', p.read_text().split('class="also-mentioned"')[1])
              for p in pages]
    assert listed == [["m4", "m3"], ["m2", "m1"], ["m0", "mentioned"]]  # newest first
    assert one_way_links(site / "_site", "/repo/") == []


def test_check_notes_names_the_text_mentions_but_the_front_matter_misses(tmp_path):
    site = _mentions_site(tmp_path)
    checked = run_cli("check", cwd=site)
    assert checked.returncode == 0
    note = 'content/briefings/mentioned.md:8: note: the text mentions Vladimir Putin (as "President Putin"), ' \
           "who is not in leaders:"
    assert note in checked.stderr
    assert "content/briefings/linker.md:6: note: the text mentions New START, which is not in treaties:" \
        in checked.stderr
    assert "named.md" not in checked.stderr  # it names Putin in front matter
    assert "no errors, 2 notes." in checked.stderr and "warning" not in checked.stderr
    # Not in a plain build's output; in build -v's.
    assert "note:" not in _build(site).stderr
    (site / "content/briefings/named.md").write_text("---\ntitle: Named\ndate: 2021-01-01\nleaders: [Putin]\n---\nPutin.\n")
    assert note in _build(site, "-v").stderr
    # --strict-tags: they are warnings, and --strict makes them errors.
    strict = run_cli("check", "--strict-tags", cwd=site)
    assert strict.returncode == 0 and note.replace("note:", "warning:") in strict.stderr
    assert run_cli("check", "--strict-tags", "--strict", cwd=site).returncode == 1
    built = run_cli("build", "--strict-tags", cwd=site)
    assert built.returncode == 0 and note.replace("note:", "warning:") in built.stderr
    failed = run_cli("build", "--strict-tags", "--strict", "--out", "other", cwd=site)
    assert failed.returncode == 1 and note.replace("note:", "error:") in failed.stderr
    assert not (site / "other").exists()


def test_an_alias_in_lower_case_is_not_found_inside_a_longer_proper_name(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/issues/human-rights.md": "---\nname: human rights\n---\nAn issue.\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nThe European Court of Human Rights ruled.\n",
    })
    checked = run_cli("check", cwd=site)
    assert "note:" not in checked.stderr


def test_an_alias_of_common_words_is_warned_about_at_its_line(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/treaties/new-start.md": "---\nname: New START\naliases:\n  - START\n  - The Treaty\n---\nA treaty.\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nThe Treaty was signed.\n",
    })
    checked = run_cli("check", cwd=site)
    assert checked.returncode == 0
    assert "content/treaties/new-start.md:5: warning: the alias 'The Treaty' is made only of common words: every " \
           "briefing whose text says it is linked to New START. It links content/briefings/a.md to this page." \
        in checked.stderr
    assert "'START'" not in checked.stderr
    assert run_cli("check", "--strict", cwd=site).returncode == 1


def test_an_alias_found_mostly_in_briefings_that_do_not_name_the_entity_is_warned_about(tmp_path):
    files = {"content/leaders/mark-rutte.md": "---\nname: Mark Rutte\naliases: [Rutte, Mark]\n---\nA leader.\n",
             "content/briefings/named.md": "---\ntitle: Named\ndate: 2021-01-01\nleaders: [Rutte]\n---\nRutte.\n"}
    for i in range(4):
        files[f"content/briefings/m{i}.md"] = f"---\ntitle: M{i}\ndate: 2021-02-0{i + 1}\n---\nMark my words, {i}.\n"
    checked = run_cli("check", cwd=write_site(tmp_path / "site", files))
    warning = [line for line in checked.stderr.splitlines() if "warning:" in line]
    assert len(warning) == 1 and warning[0].startswith("content/leaders/mark-rutte.md:3: warning: the alias 'Mark' ")
    assert "in 4 briefings that do not name Mark Rutte in front matter, more than the 1 that do" in warning[0]
    assert "It links content/briefings/m3.md, content/briefings/m2.md, content/briefings/m1.md and 1 more" in warning[0]


def test_most_often_named_with_is_grouped_by_taxonomy(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-01\nleaders: [Joe Biden, Vladimir Putin]\n"
                                  "treaties: [New START]\nissues: [arms control, verification]\n---\nText.\n",
    })
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/treaties/new-start/index.html").read_text(encoding="utf-8")
    aside = page.split('id="co-named-heading"', 1)[1].split("</section>", 1)[0]
    groups = re.findall(r'<h3 class="co-named-group">(\w+)</h3>\s*<ul class="entity-list">(.*?)</ul>', aside, re.S)
    assert [(title, re.findall(r">([^<>]+)</a>", items)) for title, items in groups] == [
        ("Leaders", ["Joe Biden", "Vladimir Putin"]), ("Issues", ["arms control", "verification"])]


def _svg_text_boxes(page: str) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """The chart's size, and a box (text, left, top, right, bottom) for each of its texts, at 11px with a
    character at most 0.62em wide on average."""
    svg = page.split('<figure class="timeline">', 1)[1].split("</svg>", 1)[0]
    width, height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    boxes = []
    for x, y, anchor, text in re.findall(r'<text[^>]* x="([\d.-]+)" y="([\d.-]+)" text-anchor="(\w+)">([^<]*)</text>',
                                         svg):
        wide = len(unescape(text)) * 0.62 * 11
        left = float(x) - {"start": 0, "middle": wide / 2, "end": wide}[anchor]
        boxes.append((text, left, float(y) - 11, left + wide, float(y)))
    return (width, height), boxes


@pytest.mark.parametrize("bars", [1, 3, 14, 60])
def test_the_charts_labels_never_overlap_nor_leave_the_chart(tmp_path, bars):
    if bars <= 24:  # by month
        dates = [f"{2020 + (m // 12)}-{m % 12 + 1:02}-15" for m in range(bars)]
    else:  # by year
        dates = [f"{1960 + y}-06-15" for y in range(bars)]
    files = {"content/leaders/vladimir-putin.md": "---\nname: Vladimir Putin\nin_office: 2020-01-02 – 2020-01-20\n"
                                                  "signed: 2020-01-03\nmet: 2020-01-04\n---\nA leader.\n"}
    for i, date in enumerate(dates):
        files[f"content/briefings/b{i}.md"] = f"---\ntitle: B{i}\ndate: {date}\nleaders: [Vladimir Putin]\n---\nText.\n"
    site = write_site(tmp_path / "site", files)
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/leaders/vladimir-putin/index.html").read_text(encoding="utf-8")
    (width, height), boxes = _svg_text_boxes(page)
    assert len(re.findall(r'<rect class="bar"', page)) == bars
    for text, left, top, right, bottom in boxes:
        assert 0 <= left and right <= width and 0 <= top and bottom <= height, (text, left, right, width)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (a, b)
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', page)
    if bars <= 24:  # a month reads as a month: its name, and its year once in a row below
        assert labels[:bars] == [dt_month(d) for d in dates]
        assert labels[bars:] == sorted({d[:4] for d in dates})
    else:
        assert labels == [d[:4] for d in dates]
    # The key dates: in a list beside, and those within the chart's span as numbered markers on it.
    chronology = re.findall(r'<li><time datetime="([\d-]+)">[^<]*</time> ([^<]*)</li>', page)
    assert chronology == [("2020-01-02", "in office from"), ("2020-01-03", "signed"), ("2020-01-04", "met"),
                          ("2020-01-20", "in office until")]
    markers = re.findall(r'<text class="marker-number"[^>]*>(\d+)</text>', page)
    assert markers == ([] if bars > 24 else ["1", "2", "3", "4"])


def dt_month(date: str) -> str:
    import datetime as dt
    return f"{dt.date.fromisoformat(date):%b}"


def test_an_excerpt_is_the_sentence_around_the_mention_cut_when_long(tmp_path):
    long = " ".join(f"word{i}" for i in range(60))
    site = write_site(tmp_path / "site", {
        "content/leaders/vladimir-putin.md": PUTIN,
        "content/leaders/joe-biden.md": "---\nname: Joe Biden\naliases: [Biden]\n---\nA leader.\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\n"
                                  "Before that. Dr. Putin met Mr. *Biden* in the U.S. capital. After that.\n",
        "content/briefings/b.md": f"---\ntitle: B\ndate: 2021-01-02\n---\nFirst. {long} Putin {long}.\n",
    })
    run_cli("build", cwd=site, check=True)
    excerpts = lambda slug: re.findall(r'<blockquote class="mention-excerpt">(.*?)</blockquote>',
                                       (site / f"_site/leaders/{slug}/index.html").read_text(encoding="utf-8"))
    assert excerpts("joe-biden") == ["Dr. Putin met Mr. Biden in the U.S. capital."]
    cut, whole = excerpts("vladimir-putin")  # newest first: b, then a
    assert whole == "Dr. Putin met Mr. Biden in the U.S. capital."
    assert cut.startswith("…word") and cut.endswith("…") and " Putin word0 " in cut and len(cut) <= 162


def test_serve_tells_the_editor_of_names_the_front_matter_misses(serve_site):
    from test_serve import wait_until

    site, session = serve_site({"content/leaders/vladimir-putin.md": PUTIN})
    wait_until(lambda: session.state.generation >= 1, "the first build")
    assert not [line for line in session.log.lines if "note:" in line]
    (site / "content/briefings/m.md").write_text("---\ntitle: M\ndate: 2021-03-01\n---\nLater Putin called.\n")
    note = 'content/briefings/m.md:5: note: the text mentions Vladimir Putin (as "Putin"), who is not in leaders:'
    wait_until(lambda: any(line.startswith(note) for line in session.log.lines), "the note in the terminal")
