"""Every example of the CommonMark spec (0.31.2, tests/data/commonmark.json) through the renderer
`briefgen build` uses, compared as the spec's own runner compares HTML (tests/spec_normalise.py).

An example passes, or is in DEVIATIONS with the reason briefgen renders it otherwise on purpose. Headings
are compared without their ids: briefgen gives every heading an id (a link target), CommonMark none.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path, PurePosixPath

import pytest

from briefgen.model.entities import EntityRegistry
from briefgen.render.links import make_resolver
from briefgen.render.markdown import create_markdown, render_body
from conftest import run_cli, write_site
from spec_normalise import normalise

EXAMPLES = json.loads((Path(__file__).parent / "data" / "commonmark.json").read_text(encoding="utf-8"))

QUOTES = "typographer: straight quotes are curled (“title”); typographer: false in site.yaml keeps them"
DASHES = "typographer: -- and --- in prose are dashes (– and —); typographer: false in site.yaml keeps them"
RAW_HTML = ("raw HTML is read as a browser reads it and written back safely: a broken tag, a processing "
            "instruction, a declaration or CDATA is escaped, dropped or made a comment (see render/rawhtml.py)")
COMMENTS = ("an HTML comment in a body is the desk's note to itself and is never published, a <!DECLARATION> "
            "that a browser reads as a comment neither (see render/rawhtml.py)")
LINKIFY = "GitHub's autolinks: a bare https:// URL or an e-mail address in prose is a link"
WIKILINK = "[[foo]] that no reference definition names is a wiki link (here to nothing, so an error)"

DEVIATIONS: dict[int, str] = {
    14: QUOTES, 197: QUOTES, 209: QUOTES, 210: QUOTES, 352: QUOTES, 359: QUOTES, 363: QUOTES, 380: QUOTES,
    385: QUOTES, 395: QUOTES, 508: QUOTES, 619: QUOTES, 620: QUOTES, 622: QUOTES, 624: QUOTES, 632: QUOTES,
    46: DASHES, 55: DASHES, 87: DASHES,
    156: RAW_HTML, 157: RAW_HTML, 158: RAW_HTML, 173: RAW_HTML, 180: RAW_HTML, 181: RAW_HTML, 182: RAW_HTML,
    616: RAW_HTML, 625: RAW_HTML, 626: RAW_HTML, 627: RAW_HTML, 629: RAW_HTML,
    177: COMMENTS, 179: COMMENTS, 183: COMMENTS, 308: COMMENTS, 309: COMMENTS, 628: COMMENTS,
    602: LINKIFY, 608: LINKIFY, 611: LINKIFY, 612: LINKIFY,
    590: WIKILINK,  # its `![[foo]]` is CommonMark's; its `[[foo]]: /url` line is not a definition
}
MOST_DEVIATIONS = 42  # the list may shrink; growing it is a decision, made here with a reason per example
TYPOGRAPHER_OFF_DEVIATIONS = {number for number, reason in DEVIATIONS.items() if reason not in (QUOTES, DASHES)}
_HEADING_ID = re.compile(r'(<h[1-6]) id="[^"]*"')


@functools.lru_cache(maxsize=2)
def failures(typographer: bool) -> dict[int, str]:
    """Example number -> what went wrong, for each example that does not pass."""
    md = create_markdown(allow_html=True, typographer=typographer)
    resolver = make_resolver(EntityRegistry({}, {}), {}, [], "/")
    found = {}
    for example in EXAMPLES:
        rendered = render_body(md, example["markdown"], PurePosixPath("content/briefings/spec.md"), 5, resolver,
                               autolink=True)
        got, want = _HEADING_ID.sub(r"\1", normalise(rendered.html)), normalise(example["html"])
        if got != want or rendered.diagnostics:
            found[example["example"]] = f"got {got!r}, want {want!r} {[str(d) for d in rendered.diagnostics]}"
    return found


def test_every_example_passes_or_is_a_documented_deviation():
    unexpected = {number: why for number, why in failures(True).items() if number not in DEVIATIONS}
    assert not unexpected, "\n".join(f"example {number}: {why}" for number, why in unexpected.items())


def test_every_listed_deviation_still_deviates():
    passing = sorted(set(DEVIATIONS) - set(failures(True)))
    assert not passing, f"examples {passing} pass now: take them off DEVIATIONS"


def test_the_list_of_deviations_does_not_grow():
    assert len(DEVIATIONS) <= MOST_DEVIATIONS
    assert len(EXAMPLES) == 652


def test_without_the_typographer_only_raw_html_autolinks_and_one_wiki_link_deviate():
    assert set(failures(False)) == TYPOGRAPHER_OFF_DEVIATIONS


CLI_EXAMPLES = (1, 62, 66, 198, 300, 352, 481, 548, 559, 590, 611)


@pytest.fixture(scope="module")
def built_examples(tmp_path_factory):
    """A few examples built through the CLI, one briefing each: the same HTML as render_body's."""
    files = {f"content/briefings/example-{number}.md":
             f"---\ntitle: Example {number}\ndate: 2021-01-01\n---\n{EXAMPLES[number - 1]['markdown']}"
             for number in CLI_EXAMPLES}
    site = tmp_path_factory.mktemp("spec")
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    write_site(site, {})
    return site, run_cli("build", cwd=site)


def test_examples_built_through_the_cli_match_the_renderer(built_examples):
    site, result = built_examples
    assert "[[foo]] matches no entity or page" in result.stderr  # example 590, as listed
    (site / "content/briefings/example-590.md").unlink()
    result = run_cli("build", cwd=site, check=True)
    for number in CLI_EXAMPLES:
        if number == 590:
            continue
        page = (site / f"_site/briefings/example-{number}/index.html").read_text(encoding="utf-8")
        body = page.split('<div class="body">', 1)[1].split("\n  </div>", 1)[0]  # as briefing.html indents it
        got = _HEADING_ID.sub(r"\1", normalise(body))
        if number in DEVIATIONS:
            assert got != normalise(EXAMPLES[number - 1]["html"])
        else:
            assert got == normalise(EXAMPLES[number - 1]["html"]), number
