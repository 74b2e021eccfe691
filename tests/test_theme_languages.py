"""The default theme in each language it ships: every text translated, dates and plurals in the language's
own forms, the catalogs in step with the templates, and search indexing and stemming in the page's language."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from briefgen.render import theme_texts
from conftest import REPO, run_cli
from reader_support import chromium, serve

TRANSLATIONS = REPO / "themes" / "default" / "translations"
SHIPPED = ("ru", "uk", "de", "fr", "es")
TRANSLATED_LANGUAGES = ("en", *SHIPPED)

# A desk whose own words are made up, so that any English word on its pages is the theme's. 21 briefings:
# Orvak is named by 1, Belmiro by 2, Cassan by 5 and Dravik by all 21 (ru: 1 сводка, 2 сводки, 5 сводок,
# 21 сводка); five names on one card; a text mention; a page and a briefing that link a briefing; an old URL.
LEADERS = {"orvak": 1, "belmiro": 2, "cassan": 5, "dravik": 21}
SITE_YAML = """\
title: Zentak Qorum
description: Varo zentak qorum.
base_url: https://zentak.net/sub/
language: {language}
timezone: Europe/Berlin
per_page: 5
"""


def briefing(number: int) -> str:
    leaders = [name.capitalize() for name, count in LEADERS.items() if number <= count]
    day = f"2021-03-{number:02d}" if number <= 14 else f"2020-11-{number:02d}"
    extra = "updated: 2021-04-02\naliases: [/zorg/olde/]\n" if number == 1 else ""
    body = {2: "Varo zentak Wyrrin qorum.", 3: "Varo zentak qorum [[Zentak 1]].",
            4: "Varo \"zentak 'qorum' zorp\"."}.get(number, "Varo.")
    return (f"---\ntitle: Zentak {number}\ndate: {day}\nsummary: Qorum {number}.\nkey_points: [Zorp.]\n{extra}"
            f"leaders: [{', '.join(leaders)}]\ntreaties: [Pakto]\nissues: [Vesk, Mirra]\n"
            "sources:\n  - title: Quell\n    url: https://zentak.net/q\n    publisher: Vox\n    date: 2021-03-01\n"
            f"---\n{body}\n")


def desk_files(language: str) -> dict[str, str]:
    files = {"site.yaml": SITE_YAML.format(language=language)}
    for number in range(1, 22):
        files[f"content/briefings/zentak-{number}.md"] = briefing(number)
    files["content/leaders/dravik.md"] = ("---\nname: Dravik\nrole: Varo\ncountry: Zentakia\n"
                                          "in_office: \"2020-11-05 – 2021-03-01\"\n---\nVaro zentak.\n")
    files["content/leaders/wyrrin.md"] = "---\nname: Wyrrin\ncountry: Zentakia\n---\nVaro.\n"
    files["content/treaties/pakto.md"] = "---\nname: Pakto\nsigned: 2020-12-01\nparties: [Zentakia, Qorvia]\n---\nVaro.\n"
    files["content/issues/vesk.md"] = "---\nname: Vesk\n---\nVaro.\n"
    files["content/issues/mirra.md"] = "---\nname: Mirra\n---\nVaro.\n"
    files["content/pages/qorum.md"] = "---\ntitle: Qorum\n---\nVaro [[Zentak 5]].\n"
    return files


@pytest.fixture(scope="module")
def desks(tmp_path_factory) -> dict[str, Path]:
    """The made-up desk built in each language: language -> its output folder."""
    built = {}
    for language in TRANSLATED_LANGUAGES:
        root = tmp_path_factory.mktemp(f"desk-{language}")
        for rel, text in desk_files(language).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        result = run_cli("build", cwd=root, check=True)
        assert "warning" not in result.stderr, result.stderr
        built[language] = root / "_site"
    return built


class VisibleText(HTMLParser):
    """What a reader sees or hears of a page: its text, and the attributes that carry words."""

    WORDS = ("aria-label", "title", "alt", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        self.parts += [value for name, value in attrs if value and
                       (name in self.WORDS or name.startswith("data-") and name not in ("data-bundle", "data-base"))]
        if tag == "meta" and (attributes.get("name") or attributes.get("property", "")).endswith(("description", "title")):
            self.parts.append(attributes.get("content") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(path: Path) -> str:
    parser = VisibleText()
    parser.feed(path.read_text(encoding="utf-8"))
    return " | ".join(parser.parts)


def catalog(language: str):
    with (TRANSLATIONS / f"{language}.po").open("rb") as file:
        return read_po(file, locale=language)


def english_words() -> list[str]:
    """The pieces of every text of the theme between its placeholders that are words (three letters or more)."""
    with (TRANSLATIONS / "messages.pot").open("rb") as file:
        template = read_po(file)
    pieces = set()
    for message in template:
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            pieces |= {p.strip(" .,;:") for p in re.split(r"%\(\w+\)s", text) if len(re.findall(r"[A-Za-z]", p)) >= 3}
    return sorted(pieces - {""})


# -- the catalogs ----------------------------------------------------------------------------------------


def test_messages_pot_and_the_shipped_catalogs_are_up_to_date_with_the_templates():
    result = subprocess.run([sys.executable, "-m", "briefgen.render.theme_texts", "--check"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_new_text_in_a_template_is_extracted_and_makes_the_pot_stale(tmp_path):
    theme = tmp_path / "default"
    shutil.copytree(theme_texts.THEME / "templates", theme / "templates")
    page = theme / "templates" / "404.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "{% endblock %}\n", '<p>{{ ngettext("%(num)s lost page", "%(num)s lost pages", 2) }}</p>{% endblock %}\n', 1))
    extracted = theme_texts.extract(theme, theme_texts.PACKAGE / "render", Path("/"))
    assert extracted.get("%(num)s lost page") is not None
    assert theme_texts.pot_text(extracted) != theme_texts.POT.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", SHIPPED)
def test_each_shipped_catalog_translates_every_text_with_all_its_plural_forms(language):
    shipped = catalog(language)
    with (TRANSLATIONS / "messages.pot").open("rb") as file:
        template = {m.id for m in read_po(file) if m.id}
    assert {m.id for m in shipped if m.id} == template
    for message in shipped:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(forms) == (shipped.num_plurals if isinstance(message.id, tuple) else 1)
        assert all(forms), f"{language}: '{message.id}' is not translated"
        originals = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = {name for text in originals for name in re.findall(r"%\((\w+)\)s", text)}
        for form in forms:  # a plural form may leave the number out ("Все сводки"), never add a placeholder
            assert set(re.findall(r"%\((\w+)\)s", form)) <= wanted, (language, message.id, form)
            assert set(re.findall(r"%\((\w+)\)s", form)) >= wanted - {"num"}, (language, message.id, form)
            assert '"' not in form and "'" not in form, f"{language}: straight quotes in '{form}'"


def test_the_catalogs_keep_the_cache_portable():
    # theme_digest names a theme file by its absolute path when it contains these words (see incremental)
    for path in TRANSLATIONS.iterdir():
        assert b"root" not in path.read_bytes() and b"output_dir" not in path.read_bytes(), path


def test_russian_and_ukrainian_plurals_have_three_forms_and_french_quotes_keep_their_spaces():
    assert catalog("ru").num_plurals == catalog("uk").num_plurals == 3
    result = catalog("ru").get(("%(num)s result for “%(query)s”.", "%(num)s results for “%(query)s”."))
    assert result.string == ("%(num)s результат по запросу «%(query)s».", "%(num)s результата по запросу «%(query)s».",
                             "%(num)s результатов по запросу «%(query)s».")
    assert catalog("fr").get("Nothing found for “%(query)s”.").string == "Aucun résultat pour «\u00a0%(query)s\u00a0»."


# -- the built sites -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", SHIPPED)
def test_no_english_text_of_the_theme_is_left_on_a_translated_site(desks, language):
    out = desks[language]
    translated = " ".join(form for message in catalog(language) if message.id
                          for form in (message.string if isinstance(message.string, tuple) else (message.string,)))
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 40
    texts = {page.relative_to(out).as_posix(): visible_text(page) for page in pages}
    feeds = {feed.relative_to(out).as_posix(): feed.read_text(encoding="utf-8") for feed in out.rglob("atom.xml")}
    left = {}
    for word in english_words():
        if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", translated):
            continue  # the language writes it so too (German "Briefing", French "Sources")
        found = [name for name, text in {**texts, **feeds}.items() if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text)]
        if found:
            left[word] = found[:3]
    assert not left, f"English left on the {language} site: {left}"


def test_the_scan_for_english_finds_the_themes_words_on_the_english_site(desks):
    texts = " ".join(visible_text(page) for page in desks["en"].rglob("*.html"))
    found = [word for word in english_words() if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", texts)]
    assert len(found) > 60, found


def test_the_english_site_shows_the_templates_own_texts(desks):
    home = visible_text(desks["en"] / "index.html")
    assert "Latest briefings" in home and "Search 21 briefings" in home and "All 21 briefings →" in home
    entity = visible_text(desks["en"] / "leaders" / "orvak" / "index.html")
    assert "1 briefing naming Orvak" in entity


DATES = {  # 5 March 2021 as each language writes it (CLDR's long date; English in the desk's house style)
    "en": "5 March 2021", "ru": "5 марта 2021\u202fг.", "uk": "5 березня 2021\u202fр.", "de": "5. März 2021",
    "fr": "5 mars 2021", "es": "5 de marzo de 2021",
}


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_dates_are_written_in_the_sites_language(desks, language):
    page = visible_text(desks[language] / "briefings" / "zentak-5" / "index.html")
    assert DATES[language] in page
    assert re.search(r"<time datetime=\"2021-03-05\"[^>]*>" + re.escape(DATES[language]) + "</time>",
                     (desks[language] / "briefings" / "zentak-5" / "index.html").read_text(encoding="utf-8"))


def test_russian_counts_take_the_plural_form_their_number_asks_for(desks):
    out = desks["ru"]
    headings = {name: visible_text(out / "leaders" / name / "index.html") for name in LEADERS}
    assert "Orvak: 1 сводка" in headings["orvak"]
    assert "Belmiro: 2 сводки" in headings["belmiro"]
    assert "Cassan: 5 сводок" in headings["cassan"]
    assert "Dravik: 21 сводка" in headings["dravik"]
    home = visible_text(out / "index.html")
    assert "Поиск по 21 сводке" in home and "Все сводки (21) →" in home
    taxonomy = visible_text(out / "leaders" / "index.html")
    assert "5 лидеров, по убыванию числа упоминаний." in taxonomy
    search = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-results-one="{count} результат по запросу «{query}»."' in search
    assert 'data-results-few="{count} результата по запросу «{query}»."' in search
    assert 'data-results-many="{count} результатов по запросу «{query}»."' in search


def test_profile_labels_key_dates_and_chart_months_are_translated(desks):
    dravik = visible_text(desks["de"] / "leaders" / "dravik" / "index.html")
    assert "Funktion | Varo" in dravik and "Land | Zentakia" in dravik and "Im Amt |" in dravik
    assert "im Amt (Beginn)" in dravik and "im Amt (Ende)" in dravik  # the key dates of a range
    assert "| Nov |" in dravik and "November 2020: " in dravik and "März 2021: " in dravik  # the chart's months
    pakto = visible_text(desks["ru"] / "treaties" / "pakto" / "index.html")
    assert "Дата подписания | 1 декабря 2020\u202fг." in pakto and "Стороны | Zentakia, Qorvia" in pakto
    assert "kind:Договор" in (desks["ru"] / "treaties" / "pakto" / "index.html").read_text(encoding="utf-8")


def test_feeds_and_page_titles_carry_the_languages_words(desks):
    feed = (desks["fr"] / "leaders" / "dravik" / "atom.xml").read_text(encoding="utf-8")
    assert "<subtitle>Notes citant Dravik</subtitle>" in feed
    assert "<title>Toutes les notes — Zentak Qorum</title>" in (desks["fr"] / "briefings" / "index.html").read_text(encoding="utf-8")
    assert "<title>Página no encontrada — Zentak Qorum</title>" in (desks["es"] / "404.html").read_text(encoding="utf-8")
    redirect = (desks["uk"] / "zorg" / "olde" / "index.html").read_text(encoding="utf-8")
    assert "<title>Переспрямування…</title>" in redirect and "Цю сторінку перенесено: <a href=" in redirect


# -- search in the page's language ------------------------------------------------------------------------


def test_pagefind_indexes_a_russian_site_in_russian(desks):
    bundle = desks["ru"] / "pagefind"
    shards = json.loads((bundle / "shards.json").read_text(encoding="utf-8"))
    for shard in shards:
        entry = json.loads((bundle / shard / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert list(entry["languages"]) == ["ru"], (shard, entry["languages"])


def test_a_russian_search_finds_an_inflected_word_and_says_so_in_russian(make_site, tmp_path):
    root = make_site({
        "site.yaml": "title: Бюро\nbase_url: https://example.org/\nlanguage: ru\ntimezone: Europe/Moscow\n",
        "content/briefings/a.md": "---\ntitle: Переговоры\ndate: 2021-03-05\n---\nСтороны обсудили договоры о ракетах.\n",
        "content/briefings/b.md": "---\ntitle: Встреча\ndate: 2021-03-06\n---\nПрезиденты встретились в Женеве.\n",
    })
    with serve(tmp_path / "www") as origin, chromium() as browser:
        run_cli("build", "--out", str(tmp_path / "www" / "desk"), "--base-url", origin + "/desk/", cwd=root, check=True)
        page = browser.new_page()
        page.goto(origin + "/desk/search/?q=договорами")  # "договоры" on the page: the Russian stemmer meets them
        page.wait_for_selector("#search-results li a", timeout=15_000)
        assert [a.get_attribute("href") for a in page.query_selector_all("#search-results li a")] == ["/desk/briefings/a/"]
        assert page.inner_text("#search-status") == "1 результат по запросу «договорами»."
        assert "Сводка" in page.inner_text("#search-results .meta")
        page.goto(origin + "/desk/search/?q=ъъъ")
        page.wait_for_function("document.getElementById('search-status').textContent.includes('ничего не найдено')")


def test_a_catalog_started_from_messages_pot_builds_with_what_it_translates_and_english_for_the_rest(make_site):
    started = (TRANSLATIONS / "messages.pot").read_text(encoding="utf-8").replace(
        'msgid "Latest briefings"\nmsgstr ""', 'msgid "Latest briefings"\nmsgstr "Ultimi briefing"')
    root = make_site({
        "site.yaml": "title: Zentak\nbase_url: https://zentak.net/\nlanguage: it\ntimezone: UTC\n",
        "translations/it.po": started,
        "content/briefings/a.md": "---\ntitle: Zorp\ndate: 2021-03-05\n---\nVaro.\n",
    })
    result = run_cli("build", cwd=root, check=True)
    assert "error" not in result.stderr and "warning" not in result.stderr, result.stderr
    home = visible_text(root / "_site" / "index.html")
    assert "Ultimi briefing" in home and "All 1 briefing →" in home and "5 marzo 2021" in home


def test_a_percent_sign_in_a_profile_fields_name_is_only_a_character(make_site):
    root = make_site({
        "site.yaml": "title: Zentak\nbase_url: https://zentak.net/\nlanguage: ru\ntimezone: UTC\n",
        "content/leaders/orvak.md": '---\nname: Orvak\n"share_%(num)s": 5\n"since_%": 2020-01-02\n---\nVaro.\n',
        "content/briefings/a.md": "---\ntitle: Zorp\ndate: 2021-03-05\nleaders: [Orvak]\n---\nVaro.\n",
    })
    run_cli("build", cwd=root, check=True)
    page = visible_text(root / "_site" / "leaders" / "orvak" / "index.html")
    assert "Share %(num)s | 5" in page
    assert "Since % |" in page and "since %" in page  # the label, and the key date named by it


QUOTED = {  # Varo "zentak 'qorum' zorp". as the typographer sets it in each language
    "en": "“zentak ‘qorum’ zorp”", "ru": "«zentak „qorum“ zorp»", "uk": "«zentak „qorum“ zorp»",
    "de": "„zentak ‚qorum‘ zorp“", "fr": "«\u00a0zentak “qorum” zorp\u00a0»", "es": "«zentak “qorum” zorp»",
}


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_typographer_uses_the_languages_quotation_marks(desks, language):
    assert QUOTED[language] in (desks[language] / "briefings" / "zentak-4" / "index.html").read_text(encoding="utf-8")


def test_a_task_lists_boxes_are_named_in_the_sites_language(make_site):
    root = make_site({
        "site.yaml": "title: Zentak\nbase_url: https://zentak.net/\nlanguage: fr\ntimezone: UTC\n",
        "content/briefings/a.md": "---\ntitle: Zorp\ndate: 2021-03-05\n---\n- [x] varo\n- [ ] zorp\n",
    })
    run_cli("build", cwd=root, check=True)
    html = (root / "_site" / "briefings" / "a" / "index.html").read_text(encoding="utf-8")
    assert 'checked="" aria-label="Fait"' in html and 'aria-label="À faire"' in html
