"""Dates and times on the built site: in the site's language (Babel) and time zone, with the zone named."""

from __future__ import annotations

import re

import pytest

from conftest import run_cli

TIMED = """\
---
title: Evening call
date: 2021-01-26 22:30:00+00:00
leaders: [Ada Example]
---
The call.
"""
ALL_DAY = """\
---
title: Morning statement
date: 2021-03-15
updated: 2021-03-16
leaders: [Ada Example]
---
The statement.
"""
PROFILE = """\
---
name: Ada Example
in_office: 2019-05-20
---
A leader.
"""


def built(make_site, language: str, timezone: str) -> dict[str, str]:
    root = make_site({
        "site.yaml": f"title: Desk\nbase_url: https://example.org/desk/\nlanguage: {language}\ntimezone: {timezone}\n",
        "content/briefings/evening-call.md": TIMED,
        "content/briefings/morning-statement.md": ALL_DAY,
        "content/leaders/ada-example.md": PROFILE,
    })
    run_cli("build", cwd=root, check=True)
    out = root / "_site"
    return {name: (out / rel).read_text(encoding="utf-8") for name, rel in [
        ("timed", "briefings/evening-call/index.html"), ("all_day", "briefings/morning-statement/index.html"),
        ("home", "index.html"), ("leader", "leaders/ada-example/index.html")]}


def times(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<time[^>]*datetime="([^"]+)"[^>]*>([^<]*)</time>', html)


@pytest.mark.parametrize("language, timezone, moment, iso", [
    ("en", "America/New_York", "26 January 2021, 17:30 EST", "2021-01-26T17:30-05:00"),
    ("en-US", "UTC", "January 26, 2021, 10:30\u202fPM UTC", "2021-01-26T22:30+00:00"),
    ("ru", "Europe/Moscow", "27 января 2021\u202fг., 01:30 MSK", "2021-01-27T01:30+03:00"),
    ("de", "Asia/Dubai", "27. Januar 2021, 02:30 UTC+4", "2021-01-27T02:30+04:00"),
    ("fr", "America/St_Johns", "26 janvier 2021, 19:00 NST", "2021-01-26T19:00-03:30"),
])
def test_a_briefings_time_is_shown_in_the_sites_zone_and_language(make_site, language, timezone, moment, iso):
    pages = built(make_site, language, timezone)
    assert (iso, moment) in times(pages["timed"])


@pytest.mark.parametrize("language, day, updated", [
    ("en", "15 March 2021", "16 March 2021"),
    ("ru", "15 марта 2021\u202fг.", "16 марта 2021\u202fг."),
    ("uk", "15 березня 2021\u202fр.", "16 березня 2021\u202fр."),
    ("es", "15 de marzo de 2021", "16 de marzo de 2021"),
])
def test_a_day_is_written_in_the_sites_language_and_its_datetime_is_the_day_alone(make_site, language, day, updated):
    pages = built(make_site, language, "Europe/Berlin")
    assert ("2021-03-15", day) in times(pages["all_day"])
    assert ("2021-03-16", updated) in times(pages["all_day"])
    assert ("2021-03-15", day) in times(pages["home"])  # the cards too
    assert "March" not in pages["all_day"] or language == "en"


def test_profile_dates_are_written_in_the_sites_language(make_site):
    pages = built(make_site, "de", "Europe/Berlin")
    assert "20. Mai 2019" in pages["leader"]
    assert "May 2019" not in pages["leader"]
