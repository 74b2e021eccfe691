"""The typographer on titles, summaries and key points, as on bodies: pages, cards, <title>, og: tags,
feeds, search and `[[link]]` text; `typographer: false` switches all of it off."""

from __future__ import annotations

import html
import json
import re

from conftest import run_cli

TITLE = "Biden's \"reset\" call -- what's next..."
TYPESET = "Biden’s “reset” call – what’s next…"
STRAIGHT_HTML = "Biden&#39;s &#34;reset&#34; call -- what&#39;s next..."  # Jinja's escaping of TITLE

FILES = {
    "content/briefings/call.md": f"""\
        ---
        title: '{TITLE.replace("'", "''")}'
        date: 2021-01-26
        summary: "Moscow's answer -- and the \\"new\\" START."
        key_points:
          - "It's a \\"first\\" step"
          - "See `it's` at https://example.org/it's--here"
        leaders: [Joe Biden]
        ---
        Body text with a quote: "yes".
        """,
    "content/briefings/later.md": f"""\
        ---
        title: Later
        date: 2021-01-27
        ---
        As said in [[{TITLE}]], and in [[{TITLE}|the call's note]].
        """,
}


def build(make_site, extra_config: str = "", name: str = "site"):
    files = dict(FILES)
    if extra_config:
        files["site.yaml"] = f"title: Test desk\nbase_url: https://example.org/sub/\ntimezone: UTC\n{extra_config}"
    else:
        files["site.yaml"] = "title: Test desk\nbase_url: https://example.org/sub/\ntimezone: UTC\n"
    root = make_site(files, name=name)
    run_cli("build", cwd=root, check=True)
    return root / "_site"


def read(out, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_titles_summaries_and_key_points_are_typeset_everywhere_they_show(make_site):
    out = build(make_site)
    page = read(out, "briefings/call/index.html")
    assert f"<h1>{TYPESET}</h1>" in page
    assert f"<title>{TYPESET} — Test desk</title>" in page
    assert f'<meta property="og:title" content="{TYPESET}">' in page
    assert f'<meta name="twitter:title" content="{TYPESET}">' in page
    summary = "Moscow’s answer – and the “new” START."
    assert f'<p class="lede">{summary}</p>' in page
    assert f'<meta name="description" content="{summary}">' in page
    assert f'<meta property="og:description" content="{summary}">' in page
    assert "<li>It’s a “first” step</li>" in page
    # A code span and an address in a key point stay as typed; the words around them are typeset.
    assert "<li>See `it&#39;s` at https://example.org/it&#39;s--here</li>" in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["headline"] == TYPESET and ld["description"] == summary
    # The card on the home page and the list, and the previous/next link on the later briefing.
    assert f'<a href="/sub/briefings/call/">{TYPESET}</a>' in read(out, "index.html")
    assert f'<a href="/sub/briefings/call/">{TYPESET}</a>' in read(out, "briefings/index.html")
    assert f"<span>← Previous</span> {TYPESET}</a>" in read(out, "briefings/later/index.html")
    # Feeds: the entry's title and summary, in the site feed and the leader's.
    for feed in ("atom.xml", "leaders/joe-biden/atom.xml"):
        atom = read(out, feed)
        assert f"<title>{TYPESET}</title>" in atom
        assert f"<summary>{summary}</summary>" in atom


def test_link_text_that_shows_a_title_reads_as_the_title_does(make_site):
    out = build(make_site)
    later = read(out, "briefings/later/index.html")
    # [[title]] shows the title typeset on its own (as on its page), whatever the sentence around it.
    assert f'<a href="/sub/briefings/call/">{TYPESET}</a>, and in' in later
    # [[title|text]]: the writer's own words, typeset in their sentence as any body text.
    assert '<a href="/sub/briefings/call/">the call’s note</a>' in later
    # The page linked shows the same title in its backlinks.
    assert f'<a href="/sub/briefings/later/">Later</a>' in read(out, "briefings/call/index.html")


def test_search_indexes_the_typeset_title(make_site):
    out = build(make_site)
    page = read(out, "briefings/call/index.html")
    body = page[page.index("data-pagefind-body"):]
    assert f"<h1>{TYPESET}</h1>" in body  # what Pagefind takes as the result's title
    assert STRAIGHT_HTML not in page


def test_typographer_false_keeps_every_field_as_typed(make_site):
    out = build(make_site, "typographer: false\n", name="off")
    page = read(out, "briefings/call/index.html")
    assert f"<h1>{STRAIGHT_HTML}</h1>" in page
    assert f"<title>{STRAIGHT_HTML} — Test desk</title>" in page
    assert f'<meta property="og:title" content="{STRAIGHT_HTML}">' in page
    assert "<li>It&#39;s a &#34;first&#34; step</li>" in page
    assert "’" not in page and "“" not in page and "–" not in page
    assert f'<a href="/sub/briefings/call/">{STRAIGHT_HTML}</a>' in read(out, "index.html")
    assert f"<title>{TITLE}</title>" in read(out, "atom.xml")  # XML escapes neither quote in text
    body_escaped = TITLE.replace('"', "&quot;")  # markdown-it's escaping
    assert f'<a href="/sub/briefings/call/">{body_escaped}</a>, and in' in read(out, "briefings/later/index.html")


def test_hostile_titles_are_typeset_as_text_and_stay_escaped(make_site):
    title = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> it's -- <!-- x"
    root = make_site({"content/briefings/h.md": f"---\ntitle: {json.dumps(title)}\ndate: 2021-01-02\n---\nText.\n"})
    run_cli("build", cwd=root, check=True)
    page = read(root / "_site", "briefings/h/index.html")
    # As a body typesets the same words: a quote that closes nothing stays straight.
    shown = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt; it’s – &lt;!– x"
    assert f"<h1>{shown}</h1>" in page and f'content="{shown}"' in page
    assert "<img src=x" not in page and "<script>alert" not in page


def test_a_title_reads_as_the_same_words_do_in_a_body(make_site):
    """The same code typesets both: quotes next to paths, addresses and code spans come out alike."""
    titles = ["Biden/Putin's \"call\"", "See https://x.org/a--b's -- ok", "Mail a@b.org's -- now",
              "The `it's` part -- \"done\"...", "'90s \"quote's\" end"]
    files = {f"content/briefings/t{i}.md": f"---\ntitle: {json.dumps(title)}\ndate: 2021-01-0{i + 1}\n---\n"
             f"<p class=\"echo\">x</p>\n\n{title}\n" for i, title in enumerate(titles)}
    root = make_site(files)
    run_cli("build", cwd=root, check=True)
    for i in range(len(titles)):
        page = read(root / "_site", f"briefings/t{i}/index.html")
        shown = re.search(r"<h1>(.*?)</h1>", page).group(1)
        body = page.split('<p class="echo">x</p>', 1)[1].split("<p>", 1)[1].split("</p>", 1)[0]
        body = re.sub(r"</?code>", "`", re.sub(r"<a [^>]*>|</a>", "", body))
        assert html.unescape(shown) == html.unescape(body), titles[i]
