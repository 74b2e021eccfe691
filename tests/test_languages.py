"""Multilingual sites (issue 22, item 2): `languages:`, translations beside their originals, a tree per
language, hreflang alternates and the switcher, per-language names, and every mistake with its file and line.

Each test builds a small site in a temporary folder through the command line and reads what a reader
(or the writer, for errors) sees.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import parse_html, resolve_link, run_cli

CONFIG = """\
title: Test desk
base_url: https://example.org/sub/
timezone: UTC
languages: [en, ru]
"""

PUTIN = """\
---
name: Vladimir Putin
aliases: [Putin]
role: President of Russia
country: Russia
parties: [United Russia]
---
The English profile.
"""

PUTIN_RU = """\
---
name: Владимир Путин
aliases: [Путин, Путина, Путину]
role: Президент России
---
Русский профиль.
"""

CALL = """\
---
title: First call
date: 2021-01-26
leaders: [Putin]
issues: [arms control]
summary: The English summary.
---
Putin spoke with the president. See [[Helsinki summit]].
"""

CALL_RU = """\
---
title: Первый разговор
summary: Русское резюме.
---
Путин говорил с президентом. См. [[Helsinki summit]] и [о сайте](@/pages/about.md).
"""

HELSINKI = """\
---
title: Helsinki summit
date: 2018-07-16
leaders: [Putin, Donald Trump]
---
Trump met Putin.
"""

ABOUT = "---\ntitle: About\n---\nAbout the desk.\n"
ABOUT_RU = "---\ntitle: О сайте\n---\nО сайте и о [[Putin]].\n"


def bilingual(make_site, name: str = "site", **extra) -> Path:
    files = {"site.yaml": CONFIG,
             "content/leaders/vladimir-putin.md": PUTIN, "content/leaders/vladimir-putin.ru.md": PUTIN_RU,
             "content/briefings/first-call.md": CALL, "content/briefings/first-call.ru.md": CALL_RU,
             "content/briefings/helsinki.md": HELSINKI,
             "content/pages/about.md": ABOUT, "content/pages/about.ru.md": ABOUT_RU}
    files.update(extra)
    return make_site({k: v for k, v in files.items() if v is not None}, name)


def html(site: Path, rel: str) -> str:
    return (site / "_site" / rel).read_text(encoding="utf-8")


def alternates(page: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))


@pytest.fixture
def built(make_site):
    site = bilingual(make_site)
    result = run_cli("build", cwd=site, check=True)
    assert "Traceback" not in result.stderr
    return site


def test_each_language_has_its_tree_and_an_untranslated_briefing_only_the_default_one(built):
    out = built / "_site"
    for rel in ("index.html", "briefings/index.html", "briefings/first-call/index.html", "leaders/index.html",
                "leaders/vladimir-putin/index.html", "leaders/vladimir-putin/atom.xml", "about/index.html",
                "search/index.html", "atom.xml"):
        assert (out / rel).is_file(), rel
        assert (out / "ru" / rel).is_file(), "ru/" + rel
    assert (out / "briefings/helsinki/index.html").is_file()
    assert not (out / "ru/briefings/helsinki").exists()  # no translation: not in the Russian tree
    assert not (out / "ru/assets").exists() and not (out / "ru/sitemap.xml").exists()  # shared at the root
    assert '<html lang="ru"' in html(built, "ru/index.html") and '<html lang="en"' in html(built, "index.html")
    ru = html(built, "ru/briefings/first-call/index.html")
    assert "Первый разговор" in ru and "Русское резюме." in ru and 'href="/sub/assets/style.css"' in ru
    # What the translation does not give comes from the original: the date, the leaders named.
    assert 'datetime="2021-01-26' in ru and 'href="/sub/ru/leaders/vladimir-putin/"' in ru
    assert "Helsinki summit" not in html(built, "ru/index.html")  # the Russian home lists Russian briefings


def test_pages_link_their_translations_both_ways_with_x_default_and_a_switcher(built):
    en, ru = html(built, "briefings/first-call/index.html"), html(built, "ru/briefings/first-call/index.html")
    want = {"en": "https://example.org/sub/briefings/first-call/",
            "ru": "https://example.org/sub/ru/briefings/first-call/",
            "x-default": "https://example.org/sub/briefings/first-call/"}
    assert alternates(en) == want and alternates(ru) == want
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', ru, re.S).group(0)
    def label(code: str, name: str) -> str:  # a code shown on phones, the name elsewhere and to screen readers
        return f'<span class="language-code" aria-hidden="true">{code}</span><span class="language-name">{name}</span>'

    assert f'<a href="/sub/briefings/first-call/" hreflang="en" lang="en">{label("EN", "English")}</a>' in switcher
    assert f'<span aria-current="true" lang="ru">{label("RU", "Русский")}</span>' in switcher
    assert f'<a href="/sub/ru/briefings/first-call/" hreflang="ru" lang="ru">{label("RU", "Русский")}</a>' in en
    # A page without a translation has neither alternates nor a switcher.
    helsinki = html(built, "briefings/helsinki/index.html")
    assert alternates(helsinki) == {} and "language-switcher" not in helsinki
    # Entity pages, lists and the home exist in both trees: they link each other.
    assert alternates(html(built, "ru/leaders/vladimir-putin/index.html"))["en"] == \
        "https://example.org/sub/leaders/vladimir-putin/"
    assert alternates(html(built, "index.html"))["ru"] == "https://example.org/sub/ru/"


def test_every_link_of_both_trees_leads_to_a_file_under_the_sub_path(built):
    out = built / "_site"
    for page in out.rglob("*.html"):
        for tag, url, attributes in parse_html(page).links:
            if url.startswith("/sub/pagefind/") or url.startswith("https://"):
                continue
            target = resolve_link(out, "/sub/", url)
            assert target is None or target.exists(), f"{page.relative_to(out)}: {url}"


def test_profiles_translate_their_fields_names_and_aliases_falling_back_to_the_default(built):
    ru = html(built, "ru/leaders/vladimir-putin/index.html")
    assert "Владимир Путин" in ru and "Президент России" in ru and "Русский профиль." in ru
    assert "United Russia" in ru and "Russia" in ru  # not translated: the English fields
    assert "Vladimir Putin" in html(built, "leaders/vladimir-putin/index.html")
    assert "Владимир Путин" not in html(built, "leaders/vladimir-putin/index.html")
    body = html(built, "ru/briefings/first-call/index.html")
    # The Russian alias is autolinked in Russian text, to the entity's page of the Russian tree (same slug).
    assert '<a href="/sub/ru/leaders/vladimir-putin/" class="entity-link">Путин</a> говорил' in body


def test_links_resolve_in_the_pages_language_first_then_in_the_default_language(built):
    body = html(built, "ru/briefings/first-call/index.html")
    assert '<a href="/sub/briefings/helsinki/">Helsinki summit</a>' in body  # untranslated: the English page
    assert '<a href="/sub/ru/about/">о сайте</a>' in body  # translated: the Russian page
    assert '<a href="/sub/ru/leaders/vladimir-putin/">Putin</a>' in html(built, "ru/about/index.html")
    assert '<a href="/sub/briefings/helsinki/">Helsinki summit</a>' in html(built, "briefings/first-call/index.html")


def test_feeds_and_the_sitemap_of_a_bilingual_site(built):
    feed = ET.parse(built / "_site/ru/atom.xml").getroot()
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    links = [e.get("href") for e in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert "https://example.org/sub/ru/briefings/first-call/" in links
    assert all(link.startswith("https://example.org/sub/ru/") for link in links)
    sitemap = (built / "_site/sitemap.xml").read_text()
    assert "<loc>https://example.org/sub/ru/briefings/first-call/</loc>" in sitemap
    assert "<loc>https://example.org/sub/briefings/helsinki/</loc>" in sitemap
    assert "ru/briefings/helsinki" not in sitemap
    # Each page with a translation lists its versions, both ways, as Google reads hreflang in sitemaps.
    xhtml = "{http://www.w3.org/1999/xhtml}link"
    urls = {u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"): u
            for u in ET.fromstring(sitemap.encode()).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}url")}
    want = {("en", "https://example.org/sub/briefings/first-call/"),
            ("ru", "https://example.org/sub/ru/briefings/first-call/"),
            ("x-default", "https://example.org/sub/briefings/first-call/")}
    for loc in ("https://example.org/sub/briefings/first-call/", "https://example.org/sub/ru/briefings/first-call/"):
        assert {(l.get("hreflang"), l.get("href")) for l in urls[loc].iter(xhtml)} == want
    assert list(urls["https://example.org/sub/briefings/helsinki/"].iter(xhtml)) == []


def test_a_site_of_one_language_is_built_as_before(make_site, tmp_path):
    """`language: en`, `languages: [en]` and nothing at all build the same site, without alternates."""
    files = {"content/briefings/first-call.md": CALL, "content/briefings/helsinki.md": HELSINKI,
             "content/leaders/vladimir-putin.md": PUTIN}
    trees = []
    for name, setting in (("plain", ""), ("language", "language: en\n"), ("languages", "languages: [en]\n")):
        site = make_site({**files, "site.yaml": "title: T\nbase_url: https://example.org/\n" + setting}, name)
        run_cli("build", "--no-cache", cwd=site, check=True)
        out = site / "_site"
        trees.append({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert trees[0] == trees[1] == trees[2]
    pages = [data for name, data in trees[0].items() if name.endswith(".html")]
    assert not any(b"hreflang" in data or b"language-switcher" in data for data in pages)
    assert not any(name.startswith("en/") for name in trees[0])


# --- bad input: each a clear error with its file and line, no traceback ------------------------------------


def build_errors(site: Path, command: str = "build") -> list[str]:
    result = run_cli(command, cwd=site)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


@pytest.mark.parametrize("command", ["build", "check"])
def test_an_unknown_language_code(make_site, command):
    site = bilingual(make_site, **{"site.yaml": CONFIG.replace("[en, ru]", "[en, ru, xx]")})
    errors = build_errors(site, command)
    assert len(errors) == 1 and errors[0].startswith("site.yaml:4: error: 'languages' must be a language "), errors


def test_the_default_language_must_come_first(make_site):
    site = bilingual(make_site, **{"site.yaml": CONFIG + "language: ru\n"})
    assert build_errors(site) == [
        "site.yaml:5: error: 'language: ru' is the default language, so it must be the first of 'languages' "
        "(en, ru). Write 'languages: [ru, en]', or remove 'language:'."]


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_translation_without_an_original(make_site, command):
    site = bilingual(make_site, **{"content/briefings/lonely.ru.md": CALL_RU})
    errors = build_errors(site, command)
    assert errors == [
        "content/briefings/lonely.ru.md: error: this is a translation into 'ru' of content/briefings/lonely.md, "
        "which does not exist (nor content/briefings/lonely/index.md). Add the original in the site's default "
        "language, or rename the file if it is not a translation."]


def test_two_translations_of_one_file_into_one_language(make_site):
    site = bilingual(make_site, **{"content/briefings/first-call/index.ru.md": CALL_RU})
    errors = build_errors(site)
    assert errors == [
        "content/briefings/first-call.ru.md: error: content/briefings/first-call/index.ru.md is already the 'ru' "
        "translation of content/briefings/first-call.md: a file has one translation per language. Merge the two "
        "into one file and remove the other."]


def test_a_translation_into_a_language_the_site_does_not_declare(make_site):
    site = bilingual(make_site, **{"content/briefings/first-call.de.md": CALL_RU})
    errors = build_errors(site)
    assert errors == [
        "content/briefings/first-call.de.md: error: the file's name says it is a translation into 'de', which "
        "site.yaml does not declare (the site's languages: en, ru). Add it: 'languages: [en, ru, de]'; or, if "
        "the file is no translation, rename it without '.de' before '.md'."]


def test_a_file_named_in_the_default_language(make_site):
    site = bilingual(make_site, **{"content/briefings/helsinki.en.md": HELSINKI})
    errors = build_errors(site)
    assert len(errors) == 1 and errors[0].startswith("content/briefings/helsinki.en.md: error: the file's name "
                                                     "says it is in 'en', the site's default language"), errors


def test_a_profile_field_translated_into_another_type(make_site):
    site = bilingual(make_site, **{"content/leaders/vladimir-putin.ru.md":
                                   PUTIN_RU.replace("role:", "parties: Единая Россия\nrole:")})
    errors = build_errors(site)
    assert errors == [
        "content/leaders/vladimir-putin.ru.md:4: error: 'parties' is a text here but a list in the original "
        "(content/leaders/vladimir-putin.md:6). Translate it as a list, as the original writes it."]


def test_a_translation_cannot_move_its_page(make_site):
    site = bilingual(make_site, **{"content/briefings/first-call.ru.md": CALL_RU.replace("---\ntitle", "---\nslug: x\ntitle")})
    errors = build_errors(site)
    assert len(errors) == 1 and errors[0].startswith(
        "content/briefings/first-call.ru.md:2: error: a translation has its original's address"), errors


def test_a_broken_link_in_a_translation_is_reported_at_the_translation(make_site):
    site = bilingual(make_site, **{"content/briefings/first-call.ru.md": CALL_RU + "\n[[Нет такого]]\n"})
    errors = build_errors(site)
    assert len(errors) == 1 and errors[0].startswith(
        "content/briefings/first-call.ru.md:7: error: [[Нет такого]] matches no entity or page."), errors


def test_a_language_that_is_a_taxonomy_folder(make_site):
    site = bilingual(make_site, **{"site.yaml": CONFIG + "taxonomies: [leaders, ru]\n"})
    errors = build_errors(site)
    assert len(errors) == 1 and errors[0].startswith("site.yaml:4: error: the language 'ru' has its pages"), errors


def test_a_translated_bundle_uses_its_bundles_files_and_an_untranslated_one_stays_out_of_the_tree(make_site):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    site = bilingual(make_site, **{
        "content/briefings/summit/index.md": HELSINKI.replace("Helsinki summit", "Summit").replace(
            "Trump met Putin.", "![A map](map.svg)"),
        "content/briefings/summit/index.ru.md": "---\ntitle: Саммит\n---\n![Карта](map.svg)\n",
        "content/briefings/summit/map.svg": svg,
        "content/briefings/other/index.md": HELSINKI.replace("Helsinki summit", "Other").replace(
            "Trump met Putin.", "![A map](map.svg)"),
        "content/briefings/other/map.svg": svg})
    run_cli("build", cwd=site, check=True)
    page = html(site, "ru/briefings/summit/index.html")
    assert 'src="/sub/ru/briefings/summit/map.svg"' in page and 'alt="Карта"' in page
    assert (site / "_site/ru/briefings/summit/map.svg").is_file()
    assert (site / "_site/briefings/other/map.svg").is_file() and not (site / "_site/ru/briefings/other").exists()


def test_a_languages_tree_has_the_profiles_its_briefings_name_and_the_translated_ones(make_site):
    lavrov = "---\nname: Sergei Lavrov\naliases: [Lavrov]\nrole: Foreign Minister\n---\nThe minister.\n"
    trump = "---\nname: Donald Trump\naliases: [Trump]\n---\nThe 45th president.\n"
    site = bilingual(make_site, **{
        "content/leaders/sergei-lavrov.md": lavrov, "content/leaders/donald-trump.md": trump,
        # The translation names Lavrov, as its original does not: his (English) profile is in the tree.
        "content/briefings/first-call.ru.md": CALL_RU.replace("summary:", "leaders: [Putin, Lavrov]\nsummary:")})
    run_cli("build", cwd=site, check=True)
    out = site / "_site"
    assert "Sergei Lavrov" in html(site, "ru/leaders/sergei-lavrov/index.html")
    assert 'href="/sub/ru/leaders/sergei-lavrov/"' in html(site, "ru/briefings/first-call/index.html")
    assert (out / "leaders/donald-trump/index.html").is_file()
    assert not (out / "ru/leaders/donald-trump").exists()  # named by no Russian briefing, not translated


def test_a_translation_that_is_not_utf8_is_an_error_at_its_file(make_site):
    site = bilingual(make_site, **{"content/briefings/first-call.ru.md": "---\ntitle: Б\n---\nТекст.\n".encode("cp1251")})
    errors = build_errors(site)
    assert len(errors) == 1 and errors[0].startswith("content/briefings/first-call.ru.md:2:8: error: the file is not "
                                                     "UTF-8"), errors


def test_check_reports_a_translations_warnings_too(make_site):
    site = bilingual(make_site, **{"content/briefings/first-call.ru.md":
                                   CALL_RU.replace("summary:", "leaders: [Putin, Vladimir Puttin]\nsummary:")})
    for command in ("check", "build"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        assert "content/briefings/first-call.ru.md:3: warning: 'Vladimir Puttin' is not a known leader" \
            in result.stderr, (command, result.stderr)


# A draft leaves no trace in a site it is not published in: each site with a draft is built beside a copy with
# the draft's files deleted, and the two output folders must be the same, byte for byte and folder for folder
# (pages, lists and their counts, the sitemap, feeds, search shards, hreflang links and switchers, bundle files).

LAVROV = "---\nname: Sergei Lavrov\naliases: [Lavrov]\nrole: Foreign Minister\n---\nThe minister.\n"
ARMS_CONTROL = "---\nname: Arms control\n---\nTreaties that limit weapons.\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
SUMMIT = HELSINKI.replace("Helsinki summit", "Summit").replace("Trump met Putin.", "![A map](map.svg)")
SECRET = ("---\ntitle: Zebraquux secret\ndate: 2021-03-01\ndraft: true\nleaders: [Putin, Zebra Quuxov]\n"
          "summary: The secret zebraquux summary.\n---\nThe secret zebraquux body.\n")
SECRET_RU = "---\ntitle: Зебракукс\ndraft: false\n---\n"


def drafts_site(make_site, name: str, **files) -> Path:
    """The bilingual site with a profile named only by a translation, an issue's profile, and a translated bundle."""
    extra = {"content/leaders/sergei-lavrov.md": LAVROV, "content/issues/arms-control.md": ARMS_CONTROL,
             "content/briefings/summit/index.md": SUMMIT, "content/briefings/summit/map.svg": SVG,
             "content/briefings/summit/index.ru.md": "---\ntitle: Саммит\n---\n![Карта](map.svg)\n",
             "content/briefings/first-call.ru.md": CALL_RU.replace("summary:", "leaders: [Putin, Lavrov]\nsummary:")}
    extra.update(files)
    return bilingual(make_site, name, **extra)


def output_tree(site: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) of the site's output."""
    out = site / "_site"
    return {str(path.relative_to(out)): None if path.is_dir() else path.read_bytes() for path in out.rglob("*")}


def assert_same_output(site: Path, without: Path) -> None:
    got, want = output_tree(site), output_tree(without)
    assert sorted(got.keys() - want.keys()) == [] and sorted(want.keys() - got.keys()) == []
    assert [name for name in want if got[name] != want[name]] == []


def draft(text: str) -> str:
    return text.replace("---\n", "---\ndraft: true\n", 1)


DRAFT_CASES = {  # what the site with the draft has; None: the same file deleted in the copy it is compared with
    "a draft translation of a published briefing, naming more than its original":
        {"content/briefings/first-call.ru.md": draft(CALL_RU.replace("summary:", "leaders: [Putin, Lavrov]\nsummary:"))},
    "a draft translation of a published bundle":
        {"content/briefings/summit/index.ru.md": "---\ntitle: Саммит\ndraft: true\n---\n![Карта](map.svg)\n"},
    "a draft translation of a page": {"content/pages/about.ru.md": draft(ABOUT_RU)},
    "a translation saying draft: false of a draft original": {"content/briefings/secret.ru.md": SECRET_RU},
    "a translation of a draft original, with no draft of its own":
        {"content/briefings/secret.ru.md": SECRET_RU.replace("draft: false\n", "")},
}


@pytest.mark.parametrize("case", DRAFT_CASES)
def test_a_draft_translation_leaves_no_trace_in_the_built_site(make_site, case):
    site = drafts_site(make_site, "with-draft", **{"content/briefings/secret.md": SECRET, **DRAFT_CASES[case]})
    without = drafts_site(make_site, "without", **{"content/briefings/secret.md": SECRET,
                                                   **{rel: None for rel in DRAFT_CASES[case]}})
    for root in (site, without):
        result = run_cli("build", cwd=root, check=True)
        assert "Traceback" not in result.stderr
    assert_same_output(site, without)
    assert not list((site / "_site").rglob("*secret*")) and not list((site / "_site").rglob("*zebra*"))
    for path in (site / "_site").rglob("*"):
        assert path.is_dir() or b"zebraquux" not in path.read_bytes().lower(), path


def test_a_translation_of_a_draft_says_it_is_not_published_at_its_line(make_site):
    site = drafts_site(make_site, "site", **{"content/briefings/secret.md": SECRET,
                                             "content/briefings/secret.ru.md": SECRET_RU})
    for command in ("check", "build"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 0, result.stderr
        assert ("content/briefings/secret.ru.md:3: warning: this translation says 'draft: false', but its original "
                "(content/briefings/secret.md:4) is a draft") in result.stderr, (command, result.stderr)
    result = run_cli("build", "--drafts", cwd=site, check=True)  # a preview of drafts shows both
    assert "Зебракукс" in html(site, "ru/briefings/secret/index.html")
    assert "The secret zebraquux body." in html(site, "ru/briefings/secret/index.html")


INCREMENTAL_DRAFTS = {  # (the published site's files, the edit that makes a draft) -> compared with the draft deleted
    "a translation marked draft": (
        {}, {"content/briefings/first-call.ru.md": draft(CALL_RU.replace("summary:", "leaders: [Putin, Lavrov]\nsummary:"))},
        ["content/briefings/first-call.ru.md"]),
    "a translated bundle's translation marked draft": (
        {}, {"content/briefings/summit/index.ru.md": "---\ntitle: Саммит\ndraft: true\n---\n![Карта](map.svg)\n"},
        ["content/briefings/summit/index.ru.md"]),
    "the original of a translation marked draft": (
        {"content/briefings/secret.md": SECRET.replace("draft: true\n", ""), "content/briefings/secret.ru.md": SECRET_RU},
        {"content/briefings/secret.md": SECRET}, ["content/briefings/secret.ru.md"]),
}


@pytest.mark.parametrize("case", INCREMENTAL_DRAFTS)
def test_a_draft_made_after_a_build_leaves_no_trace_in_the_next_one(make_site, case):
    published, edit, deleted = INCREMENTAL_DRAFTS[case]
    site = drafts_site(make_site, "site", **published)
    run_cli("build", cwd=site, check=True)
    for rel, text in edit.items():
        (site / rel).write_text(text, encoding="utf-8")
    run_cli("build", cwd=site, check=True)
    without = drafts_site(make_site, "without", **{**published, **edit, **{rel: None for rel in deleted}})
    run_cli("build", cwd=without, check=True)
    assert_same_output(site, without)


def test_serve_drafts_and_publishes_translations_as_a_clean_build_would(make_site):
    """The in-memory trees of `serve`: each edit's build equals the clean build of a site without the draft."""
    from briefgen.config import load_config
    from briefgen.incremental.cache import BuildCache
    from briefgen.pipeline import build

    def outputs(root: Path, cache=None) -> dict[str, bytes]:
        return {o.rel_path: o.read() for o in build(load_config(root), cache=cache or BuildCache()).outputs}

    site = drafts_site(make_site, "site", **{"content/briefings/secret.md": SECRET.replace("draft: true\n", ""),
                                             "content/briefings/secret.ru.md": SECRET_RU})
    cache, config = BuildCache(), load_config(site)
    steps = [  # (file, its new text), the files deleted in the site it is compared with
        (("content/briefings/first-call.ru.md", draft(CALL_RU)), ["content/briefings/first-call.ru.md"]),
        (("content/briefings/secret.md", SECRET), ["content/briefings/first-call.ru.md", "content/briefings/secret.ru.md"]),
        (("content/briefings/first-call.ru.md", CALL_RU), ["content/briefings/secret.ru.md"]),
        (("content/briefings/secret.md", SECRET.replace("draft: true\n", "")), []),
    ]
    result = build(config, cache=cache)
    cache.remember_outputs(result.outputs, result.keys)
    for step, ((rel, text), deleted) in enumerate(steps):
        (site / rel).write_text(text, encoding="utf-8")
        result = build(config, cache=cache)
        cache.remember_outputs(result.outputs, result.keys)
        got = {o.rel_path: o.read() for o in result.outputs}
        compared = site.parent / f"compared-{step}"
        shutil.copytree(site / "content", compared / "content")
        (compared / "site.yaml").write_text(CONFIG, encoding="utf-8")
        for gone in deleted:
            (compared / gone).unlink()
        want = outputs(compared)
        assert sorted(got) == sorted(want), (rel, sorted(got.keys() ^ want.keys()))
        assert [name for name in want if got[name] != want[name]] == [], rel
