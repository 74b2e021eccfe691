"""Random front matter and bodies: briefgen builds the site or names the file, never crashes.

Whatever a writer types, `build()` either succeeds or raises BuildError whose
every diagnostic carries a path; any other exception is a bug in briefgen.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.pipeline import build
from briefgen.config import load_config
from briefgen.errors import BuildError, Severity
from conftest import MINIMAL_CONFIG

EXAMPLES = int(os.environ.get("BRIEFGEN_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=os.environ.get("BRIEFGEN_FUZZ_RANDOM") is None, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KEYS = ["title", "date", "updated", "summary", "key_points", "sources", "draft", "slug", "aliases",
        "autolink", "leaders", "treaties", "issues", "name", "time", "extra", "url", "publisher", ""]

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    text, st.sampled_from(["NO", "Yes", "1.0", "12:30", "2021-02-30", "2024-01-05 10:00", "../../x", "~", "",
                           "<script>alert(1)</script>", "https://example.org/x", "javascript:alert(1)", "@/x.md",
                           "[[Putin]]", "0x1F", "1_000", "---", "#", "%", "/", ".", ".."]),
    st.dates(), st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(KEYS), text), inner, max_size=4)),
    max_leaves=12,
)
# Most examples start from a valid briefing so that the later phases (entities,
# links, templates, feeds) see the random values too, not only the title check.
VALID = {"title": "A title", "date": "2021-01-01", "name": "A name"}
front_matter_maps = st.tuples(
    st.booleans(), st.dictionaries(st.one_of(st.sampled_from(KEYS), text), values, max_size=6),
).map(lambda pair: ({**VALID, **pair[1]} if pair[0] else pair[1]))

yaml_ish_lines = st.lists(
    st.one_of(
        st.sampled_from(["title: x", "date: 2021-01-01", "leaders: [a, b", "- item", "  nested: 1", ": :",
                         "key: 'open", "&a x", "*a", "!!python/object:os.system", "!!binary x", "? complex",
                         "date: 2021-13-45", "title: |", "  block", "\t", "%YAML 1.1", "---", "...", "{", "}",
                         "leaders:", "  - ", "  - NO", "title: <b>x</b>", "slug: ../up", "aliases: [/a/, ../b]"]),
        st.tuples(st.sampled_from(KEYS), st.text(alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")),
                                                  max_size=30)).map(": ".join),
    ),
    max_size=10,
)

markdown_bodies = st.lists(
    st.one_of(
        st.sampled_from(["# Heading", "## Sub", "[x](javascript:alert(1))", "[[Putin]]", "[[nobody|x]]",
                         "[a](@/briefings/a.md)", "[b](@/nowhere.md)", "<script>x</script>", "<div>", "```",
                         "| a | b |", "|---|---|", "[^1]", "[^1]: note", "> quote", "* list", "1. one", "---",
                         "<a href=\"javascript:alert(1)\">x</a>", "![img](x.png)", "[[briefings/a]]", "[[]]",
                         "[[|]]", "[[@/]]", "Vladimir Putin met Putin.", "\x00", "\r", "\u2028"]),
        text,
    ),
    max_size=8,
).map("\n".join)


def _yaml_block(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=False, sort_keys=False)


def _check(files: dict[str, str | bytes]) -> None:
    root = Path(tempfile.mkdtemp(prefix="briefgen-fuzz-"))
    try:
        (root / "site.yaml").write_text(MINIMAL_CONFIG, encoding="utf-8")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass", newline="")
        try:
            result = build(load_config(root))
        except BuildError as exc:
            assert exc.diagnostics, "a BuildError with nothing to say"
            errors = [d for d in exc.diagnostics if d.severity is Severity.ERROR]
            assert errors, exc.diagnostics
            for diagnostic in exc.diagnostics:
                assert diagnostic.path is not None, f"a diagnostic without a file: {diagnostic}"
                assert diagnostic.message, diagnostic
        else:
            assert result.outputs
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _other_briefing() -> str:
    return "---\ntitle: Other\ndate: 2021-01-02\nleaders: [Vladimir Putin]\n---\nPutin spoke.\n"


@FUZZ
@given(front=front_matter_maps, body=markdown_bodies, section=st.sampled_from(["briefings", "pages", "leaders"]))
def test_random_front_matter_values_build_or_give_located_errors(front, body, section):
    text = f"---\n{_yaml_block(front)}---\n{body}\n"
    _check({f"content/{section}/a.md": text, "content/briefings/other.md": _other_briefing()})


@FUZZ
@given(lines=yaml_ish_lines, body=markdown_bodies, crlf=st.booleans(), bom=st.booleans())
def test_random_yaml_ish_text_builds_or_gives_located_errors(lines, body, crlf, bom):
    text = "---\ntitle: T\ndate: 2021-01-01\n" + "\n".join(lines) + "\n---\n" + body + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    if bom:
        text = "\ufeff" + text
    _check({"content/briefings/a.md": text, "content/briefings/other.md": _other_briefing()})


CONFIG_KEYS = ["title", "description", "author", "base_url", "language", "timezone", "theme", "output_dir",
               "taxonomies", "autolink", "escape_html", "per_page", "related_count", "home_count", "cname", "extra",
               "titel", "per-page"]


@FUZZ
@given(config=st.dictionaries(st.sampled_from(CONFIG_KEYS), values, max_size=5))
def test_random_site_yaml_builds_or_gives_located_errors(config):
    root = Path(tempfile.mkdtemp(prefix="briefgen-fuzz-"))
    try:
        (root / "site.yaml").write_text(MINIMAL_CONFIG + _yaml_block(config), encoding="utf-8")
        (root / "content" / "briefings").mkdir(parents=True)
        (root / "content" / "briefings" / "other.md").write_text(_other_briefing(), encoding="utf-8")
        try:
            build(load_config(root))
        except BuildError as exc:
            assert exc.diagnostics
            assert all(d.path is not None and d.message for d in exc.diagnostics), exc.diagnostics
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_build_or_give_located_errors(data):
    _check({"content/briefings/a.md": data, "content/briefings/other.md": _other_briefing()})


# -- incremental builds after random front-matter edits ---------------------------------------------

EDITED_KEYS = ["title", "summary", "updated", "key_points", "sources", "mood", "date", "leaders", "leaders", "leaders",
               "date", "slug", "draft", "aliases", "treaties", "exists"]
edit_values = {
    "title": st.one_of(st.sampled_from(["Alpha", "Beta", "alpha!", "Gamma", "", "Vladimir Putin"]), text),
    "summary": st.one_of(st.none(), text),
    "updated": st.sampled_from(["2021-03-01", "2021-03-01 10:00", "2020-12-31", "yesterday", None]),
    "key_points": st.lists(text, max_size=3),
    "sources": st.lists(st.sampled_from([{"title": "A source", "url": "https://example.org/s"}, "not a source"]),
                        max_size=2),
    "mood": scalars,
    # These change the site's shape: which pages there are and what each lists.
    "date": st.sampled_from(["2021-01-01", "2021-02-01", "2021-02-01 09:00", "2019-06-30", "2022-12-31"]),
    "leaders": st.lists(st.sampled_from(["Vladimir Putin", "Putin", "Vladimir Putn", "Joe Biden", "JOE BIDEN",
                                         "Angela Merkel"]), max_size=3),
    "slug": st.sampled_from(["renamed", "b", None]),
    "draft": st.sampled_from([True, False, None]),
    "aliases": st.sampled_from([["/old/x/"], ["/old/x/", "/old/y/"], None]),
    "treaties": st.lists(st.sampled_from(["Oslo Accord", "oslo accord", "New START"]), max_size=2),
    "exists": st.booleans(),  # False: the file is deleted
}
# The profile too: its name, aliases and text change entities' names and what autolinks find.
profile_texts = st.sampled_from([
    "---\nname: Vladimir Putin\naliases: [Putin]\n---\nProfile.\n",
    "---\nname: Vladimir Vladimirovich Putin\naliases: [Putin, Vladimir Putin]\n---\nProfile.\n",
    "---\nname: Vladimir Putin\n---\nMet Joe Biden on the New START treaty and [[Briefing a]].\n",
])
edits = st.lists(st.one_of(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(EDITED_KEYS)).flatmap(
        lambda pick: st.tuples(st.just(pick[0]), st.just(pick[1]), edit_values[pick[1]])),
    st.tuples(st.just("profile"), st.just("text"), profile_texts),
), min_size=1, max_size=5)


def _outcome(config, cache):
    """What a build gives: its files and diagnostics, or its errors. Its pages are kept in the cache for the
    next build to reuse, as serve keeps them."""
    try:
        result = build(config, cache=cache, )
    except BuildError as exc:
        return "failed", exc.diagnostics
    cache.remember_outputs(result.outputs, result.keys)
    return {o.rel_path: o.read() for o in result.outputs}, result.diagnostics


@settings(max_examples=max(10, EXAMPLES // 4), derandomize=os.environ.get("BRIEFGEN_FUZZ_RANDOM") is None,
          database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=edits)
def test_builds_after_random_front_matter_edits_equal_clean_builds(steps):
    """Edits of what a briefing shows of itself take the in-place model update; others make a new model,
    whose pages are made again only where what they read of it changed. Either way, each build (kept cache,
    as in serve) gives what a clean build gives, failures included."""
    from briefgen.incremental.cache import BuildCache

    # Enough briefings, two to a list page, that most pages do not show the one edited.
    fronts = {name: {"title": f"Briefing {name}", "date": f"2021-01-0{n}", "leaders": ["Vladimir Putin"]}
              for n, name in enumerate("abcdefgh", start=1)}
    for name in "efgh":
        fronts[name]["leaders"] = ["Joe Biden"] if name in "eg" else ["Angela Merkel", "Vladimir Putin"]
    bodies = {"a": "See [[Briefing b]]. Joe Biden too.", "b": "Putin spoke. [c](@/briefings/c.md)",
              "c": "Vladimir Putn, or Joe Bidens?", "d": "Joe &amp; Vladimir Putn.",  # names a leader edit may add
              "e": "E.", "f": "F.", "g": "G.", "h": "H."}
    root = Path(tempfile.mkdtemp(prefix="briefgen-fuzz-"))
    try:
        (root / "site.yaml").write_text(MINIMAL_CONFIG + "per_page: 2\nrelated_count: 1\nhome_count: 2\n",
                                        encoding="utf-8")
        (root / "content/leaders").mkdir(parents=True)
        (root / "content/leaders/vladimir-putin.md").write_text(
            "---\nname: Vladimir Putin\naliases: [Putin]\n---\nProfile.\n", encoding="utf-8")
        (root / "content/briefings").mkdir()

        def write(name):  # names last, so that a longer summary or a new field moves them to other lines
            path = root / f"content/briefings/{name}.md"
            if not fronts[name].get("exists", True):
                path.unlink(missing_ok=True)
                return
            front = {k: v for k, v in fronts[name].items() if k not in ("leaders", "exists")}
            front["leaders"] = fronts[name].get("leaders", [])
            text = f"---\n{_yaml_block(front)}---\n{bodies[name]}\n"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")

        for name in fronts:
            write(name)
        config, cache = load_config(root), BuildCache()
        _outcome(config, cache)
        for step, (name, key, value) in enumerate(steps):
            if name == "profile":
                (root / "content/leaders/vladimir-putin.md").write_text(value, encoding="utf-8")
            elif value is None:
                fronts[name].pop(key, None)
            else:
                fronts[name][key] = value
            if name != "profile":
                write(name)
            assert _outcome(config, cache) == _outcome(config, BuildCache()), f"after edit {step}: {key} of {name}"
    finally:
        shutil.rmtree(root, ignore_errors=True)
