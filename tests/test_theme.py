"""What the default theme shows, read from the built HTML (layout in a browser: test_reader_site.py)."""

from __future__ import annotations

import re

from conftest import run_cli


def card_tags(html: str) -> list[list[str]]:
    cards = html.split('<article class="card">')[1:]
    return [re.findall(r'<a class="tag[^"]*" href="[^"]*">([^<]*)', card) for card in cards]


def briefing(title: str, date: str, leaders: list[str], issues: list[str]) -> str:
    return (f"---\ntitle: {title}\ndate: {date}\nleaders: [{', '.join(leaders)}]\n"
            f"issues: [{', '.join(issues)}]\n---\nText.\n")


def test_a_card_shows_a_few_names_two_of_a_kind_and_links_the_rest(make_site):
    root = make_site({
        "content/briefings/many.md": briefing("Many", "2021-01-02", ["Ann", "Bob", "Cid", "Dan", "Eve"], ["trade", "oil"]),
        "content/briefings/few.md": briefing("Few", "2021-01-01", ["Ann"], ["trade"]),
    })
    run_cli("build", cwd=root, check=True)
    home = (root / "_site" / "index.html").read_text(encoding="utf-8")
    many, few = card_tags(home)
    assert many == ["Ann", "Bob", "trade", "oil", "+3 more"]
    assert few == ["Ann", "trade"]
    assert ('<a class="tag tag-more" href="/briefings/many/#named-heading">+3 more<span class="visually-hidden">'
            ' named in this briefing</span></a>') in home
    # The briefing's own page names them all.
    page = (root / "_site" / "briefings" / "many" / "index.html").read_text(encoding="utf-8")
    assert all(f">{name}</a>" in page for name in ("Ann", "Bob", "Cid", "Dan", "Eve", "trade", "oil"))


def test_right_to_left_languages_set_the_direction_and_others_do_not(make_site):
    for language, attribute in [("ar", ' dir="rtl"'), ("he", ' dir="rtl"'), ("fa", ' dir="rtl"'), ("ru", "")]:
        root = make_site({"site.yaml": f"title: D\nbase_url: https://example.org/\nlanguage: {language}\n",
                          "content/briefings/a.md": briefing("A", "2021-01-01", ["Ann"], [])}, name=language)
        run_cli("build", cwd=root, check=True)
        for page in ("index.html", "briefings/a/index.html", "leaders/ann/index.html"):
            html = (root / "_site" / page).read_text(encoding="utf-8")
            assert f'<html lang="{language}"{attribute}>' in html, (language, page)
