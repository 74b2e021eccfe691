"""The theme's texts in the site's language: gettext catalogs (Babel) and site.yaml's `translations:`."""

from __future__ import annotations

import os

from conftest import run_cli

TEMPLATE = """\
{% extends "default/home.html" %}
{% block content %}<p id="t">{{ _("Latest briefings") }}|{{ ngettext("%(num)s briefing", "%(num)s briefings", 3) }}|{{ _("Search") }}</p>{% endblock %}
"""
TEXTS = """\
msgid "Latest briefings"
msgstr ""

msgid "%(num)s briefing"
msgid_plural "%(num)s briefings"
msgstr[0] ""
msgstr[1] ""

msgid "Search"
msgstr ""
"""
GERMAN = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Latest briefings"
msgstr "Neueste Briefings"

msgid "%(num)s briefing"
msgid_plural "%(num)s briefings"
msgstr[0] "%(num)s Briefing"
msgstr[1] "%(num)s Briefings"

msgid "Search"
msgstr "Suche"
"""
BRIEFING = "---\ntitle: A\ndate: 2021-01-01\n---\nText.\n"


def site(make_site, config: str = "", catalog: str = GERMAN, language: str = "de"):
    return make_site({
        "site.yaml": f"title: Desk\nbase_url: https://example.org/\nlanguage: {language}\n{config}",
        "templates/home.html": TEMPLATE, "translations/messages.pot": TEXTS,
        f"translations/{language.replace('-', '_')}.po": catalog, "content/briefings/a.md": BRIEFING,
    })


def texts_on_home(root) -> str:
    html = (root / "_site" / "index.html").read_text(encoding="utf-8")
    return html.split('<p id="t">')[1].split("</p>")[0]


def test_a_sites_catalog_translates_the_templates_texts_with_plurals(make_site):
    root = site(make_site)
    run_cli("build", cwd=root, check=True)
    assert texts_on_home(root) == "Neueste Briefings|3 Briefings|Suche"


def test_the_most_specific_catalog_wins_text_by_text(make_site):
    root = site(make_site, language="de-CH")
    (root / "translations" / "de.po").write_text(GERMAN, encoding="utf-8")
    (root / "translations" / "de_CH.po").write_text('msgid "Search"\nmsgstr "Suchen"\n', encoding="utf-8")
    run_cli("build", cwd=root, check=True)
    assert texts_on_home(root) == "Neueste Briefings|3 Briefings|Suchen"


def test_site_yaml_overrides_win_and_a_plural_takes_a_list_of_forms(make_site):
    config = ("translations:\n  Latest briefings: Neueste Lagen\n"
              "  '%(num)s briefing': ['%(num)s Lage', '%(num)s Lagen']\n")
    root = site(make_site, config)
    result = run_cli("build", cwd=root, check=True)
    assert "warning" not in result.stderr
    assert texts_on_home(root) == "Neueste Lagen|3 Lagen|Suche"


def test_an_override_of_a_text_the_theme_does_not_have_is_a_warning_at_its_line(make_site):
    root = site(make_site, "translations:\n  Lates briefing: Neueste\n")
    result = run_cli("build", cwd=root, check=True)
    assert ("site.yaml:5: warning: translations: the theme has no text 'Lates briefing'; the line is not used. "
            "Did you mean 'Latest briefings'?") in result.stderr


def test_a_translation_with_a_placeholder_the_original_lacks_is_an_error_at_its_line(make_site):
    root = site(make_site, catalog=GERMAN.replace('msgstr "Suche"', 'msgstr "Suche %(was)s"'))
    for command in ("check", "build"):
        result = run_cli(command, cwd=root)
        assert result.returncode == 1
        assert ("translations/de.po:13: error: the translation of 'Search' does not fit: the placeholder %(was)s "
                "is not in the original.") in result.stderr
        assert "Traceback" not in result.stderr
    assert not (root / "_site").exists()


def test_broken_placeholders_and_lone_percent_signs_are_errors(make_site):
    broken = GERMAN.replace('"%(num)s Briefings"', '"%(nun)s Briefings"').replace('"Suche"', '"100% Suche"')
    result = run_cli("check", cwd=site(make_site, catalog=broken))
    assert result.returncode == 1
    assert "translations/de.po:8: error: the translation of '%(num)s briefing' does not fit" in result.stderr
    assert "%(nun)s" in result.stderr
    assert ("translations/de.po:13: error: the translation of 'Search' does not fit: a lone '%' (write '%%' "
            "for a percent sign).") in result.stderr


def test_a_plural_with_the_wrong_number_of_forms_is_an_error(make_site):
    russian = ('msgid "%(num)s briefing"\nmsgid_plural "%(num)s briefings"\n'
               'msgstr[0] "%(num)s брифинг"\nmsgstr[1] "%(num)s брифинга"\n')
    result = run_cli("check", cwd=site(make_site, catalog=russian, language="ru"))
    assert result.returncode == 1
    assert "translations/ru.po:1: error: the translation of '%(num)s briefing' does not fit: " in result.stderr
    assert "it gives 2 of the language's 3 plural forms" in result.stderr


def test_an_edited_catalog_is_seen_by_the_next_build(make_site):
    root = site(make_site)
    run_cli("build", cwd=root, check=True)
    catalog = root / "translations" / "de.po"
    catalog.write_text(GERMAN.replace('"Suche"', '"Finden"'), encoding="utf-8")
    os.utime(catalog, (1, 1))  # a new time that says nothing: the catalog's bytes are what count
    run_cli("build", cwd=root, check=True)
    assert texts_on_home(root) == "Neueste Briefings|3 Briefings|Finden"
    catalog.unlink()
    run_cli("build", cwd=root, check=True)
    # the theme's own German catalog is left: its "Suche" again
    assert texts_on_home(root) == "Neueste Briefings|3 Briefings|Suche"
