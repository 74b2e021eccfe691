"""Names as a hostile or careless desk writes them (issue 18, items 17 and 19).

Names are compared by their letters and digits, ignoring case, accents and
punctuation, in every place names meet: front matter, [[wiki links]], in-text
links. Two names that differ in a letter never share a page without being told:
when their slugs are one (李强 and 黎强 are both 'li-qiang'), that is an error
naming both places, file and line, in `check` and `build` alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefgen.pipeline import build
from briefgen.incremental.cache import BuildCache
from briefgen.config import load_config
from briefgen.model.entities import normalise_name, written_forms
from briefgen.errors import BuildError
from conftest import parse_html, run_cli

UNITED_STATES = "---\nname: United States\naliases: [US, USA]\n---\nA country.\n"


def briefing(title: str, date: str, body: str = "Body text.", **lists: str) -> str:
    lines = ["---", f'title: "{title}"', f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in lists.items()]
    return "\n".join(lines + ["---", body, ""])


def entity_pages(out: Path, taxonomy: str) -> list[str]:
    return sorted(p.parent.name for p in (out / taxonomy).glob("*/index.html"))


def titles_on(page: Path) -> str:
    return parse_html(page).text


def build_ok(site: Path, tmp_path: Path, label: str = "out") -> Path:
    out = tmp_path / label
    run_cli("build", "--out", str(out), cwd=site, check=True)
    return out


def errors_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def check_and_build_fail_alike(site: Path) -> list[str]:
    """`check` and `build` exit 1 with the same error lines, and nothing is written."""
    checked, built = run_cli("check", cwd=site), run_cli("build", cwd=site)
    assert checked.returncode == 1, checked.stderr
    assert built.returncode == 1, built.stderr
    assert errors_of(checked) == errors_of(built)
    assert not (site / "_site").exists()
    return errors_of(checked)


# --- the normal form ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("forms", [
    ("U.S.", "U. S.", "US", "us", "u.s", "ＵＳ"),
    ("U.S.A.", "USA", "U. S. A."),
    ("Erdoğan", "Erdogan", "ERDOĞAN", "erdogan"),
    ("Vladimir Putin", "vladimir-putin", "Vladimir  Putin", "VLADIMIR_PUTIN", "Vladimir\u00adPutin"),
    ("O'Brien", "O’Brien", "OBrien", "o brien"),
    ("Wałęsa", "Walesa"),
    ("Kılıçdaroğlu", "Kilicdaroglu"),
    ("Straße", "STRASSE"),
    ("Τσίπρας", "ΤΣΙΠΡΑΣ", "τσιπρας"),
    ("Владимир Путин", "владимир-путин"),
    ("ジョー・バイデン", "ジョーバイデン"),
    ("مُحَمَّد", "محمد"),  # Arabic vowel points are optional, like accents
    ("Kim Jong-un", "Kim Jong Un", "kim-jong-un"),
])
def test_names_that_differ_only_in_case_accents_and_punctuation_are_one(forms):
    assert len({normalise_name(form) for form in forms}) == 1, {form: normalise_name(form) for form in forms}


@pytest.mark.parametrize("one, other", [
    ("US", "USA"),
    ("U.S.", "U.S.S.R."),
    ("李强", "黎强"),
    ("李强", "Li Qiang"),  # transliteration is not comparison
    ("ガ", "カ"),  # the voicing mark is part of the kana, not an accent
    ("バイデン", "ハイデン"),
    ("नमस्ते", "नमसत"),  # Devanagari vowel signs and the virama are parts of letters
    ("Minsk II", "Minsk 2"),
    ("Sudan", "South Sudan"),
])
def test_names_that_differ_in_a_letter_stay_apart(one, other):
    assert normalise_name(one) != normalise_name(other)


def test_written_forms_give_abbreviations_with_and_without_dots_and_both_apostrophes():
    assert set(written_forms("US")) == {"US", "U.S.", "U. S."}
    assert set(written_forms("U.S.")) == {"US", "U.S.", "U. S."}
    assert set(written_forms("the U.S. Senate")) >= {"the US Senate", "the U. S. Senate"}
    assert set(written_forms("O'Brien")) == {"O'Brien", "O’Brien"}
    assert written_forms("Joe Biden") == ("Joe Biden",)
    assert written_forms("arms control") == ("arms control",)
    assert written_forms("I") == ("I",)  # one capital is a word, not an abbreviation


# --- punctuation ignored where names meet ------------------------------------------------------------------

def test_front_matter_names_with_dots_reach_a_profile_without_them(make_site, tmp_path):
    site = make_site({
        "content/issues/united-states.md": UNITED_STATES,
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", issues="[U.S.]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", issues="[U.S.A.]"),
        "content/briefings/c.md": briefing("Charlie", "2021-01-03", issues="['U. S.']"),
        "content/briefings/d.md": briefing("Delta", "2021-01-04", issues="[united-states]"),
        "content/briefings/e.md": briefing("Echo", "2021-01-05", issues="[U.S.S.R.]"),
    })
    out = build_ok(site, tmp_path)
    assert entity_pages(out, "issues") == ["u-s-s-r", "united-states"]
    text = titles_on(out / "issues/united-states/index.html")
    for title in ("Alpha", "Bravo", "Charlie", "Delta"):
        assert title in text
    assert "Echo" not in text
    assert "Echo" in titles_on(out / "issues/u-s-s-r/index.html")


def test_profile_aliases_with_dots_reach_names_without_them(make_site, tmp_path):
    site = make_site({
        "content/issues/united-states.md": "---\nname: United States\naliases: [U.S., U.S.A.]\n---\n",
        "content/leaders/sean-obrien.md": "---\nname: Seán O’Brien\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", issues="[US]", leaders="[Sean O'Brien]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", issues="[usa]", leaders="[SEAN OBRIEN]"),
    })
    result = run_cli("build", "--out", str(tmp_path / "out"), cwd=site, check=True)
    assert "warning" not in result.stderr
    out = tmp_path / "out"
    assert entity_pages(out, "issues") == ["united-states"]
    assert entity_pages(out, "leaders") == ["sean-obrien"]
    for page in ("issues/united-states/index.html", "leaders/sean-obrien/index.html"):
        assert "Alpha" in titles_on(out / page) and "Bravo" in titles_on(out / page)


def test_wiki_links_ignore_punctuation(make_site, tmp_path):
    body = "See [[U.S.]], [[u. s. a.]], [[O’Brien]] and [[issues/U-S]]."
    site = make_site({
        "content/issues/united-states.md": UNITED_STATES,
        "content/leaders/obrien.md": "---\nname: O'Brien\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", body, issues="[US]"),
    })
    out = build_ok(site, tmp_path)
    hrefs = [url for tag, url, _ in parse_html(out / "briefings/a/index.html").links if tag == "a"]
    assert hrefs.count("/issues/united-states/") >= 3
    assert "/leaders/obrien/" in hrefs


def entity_links(page: Path) -> list[tuple[str, str]]:
    html = page.read_text(encoding="utf-8")
    return re.findall(r'<a href="([^"]+)" class="entity-link">([^<]+)</a>', html)


@pytest.mark.parametrize("aliases, text, linked", [
    ("[US]", "Talks with the U.S. went well.", "U.S."),
    ("[US]", "Talks with the U. S. went well.", "U. S."),
    ("[U.S.]", "Talks with the US went well.", "US"),
    ("[U.S.]", "Talks ended in the U.S.", "U.S."),
    ("[U.S.]", "The U.S.-China talks.", "U.S."),
])
def test_in_text_links_find_abbreviations_with_or_without_dots(make_site, tmp_path, aliases, text, linked):
    site = make_site({
        "content/issues/united-states.md": f"---\nname: United States\naliases: {aliases}\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", text),
    })
    out = build_ok(site, tmp_path)
    assert entity_links(out / "briefings/a/index.html") == [("/issues/united-states/", linked)]


@pytest.mark.parametrize("text", ["The U.S.S.R. fell.", "USA Today wrote.", "The USSR fell.", "Kansas, US-ish."])
def test_in_text_links_do_not_find_other_letters(make_site, tmp_path, text):
    site = make_site({
        "content/issues/united-states.md": "---\nname: United States\naliases: [US]\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", text.replace("US-ish", "USish")),
    })
    out = build_ok(site, tmp_path)
    assert entity_links(out / "briefings/a/index.html") == []


@pytest.mark.parametrize("name, text", [
    ("O'Brien", "O'Brien spoke."),  # the typographer makes it O’Brien
    ("O’Brien", "O'Brien spoke."),
    ("O'Brien", "O’Brien spoke."),
])
def test_in_text_links_find_names_whatever_their_apostrophes(make_site, tmp_path, name, text):
    site = make_site({
        "content/leaders/obrien.md": f'---\nname: "{name}"\n---\n',
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", text),
    })
    out = build_ok(site, tmp_path)
    assert entity_links(out / "briefings/a/index.html") == [("/leaders/obrien/", "O’Brien")]


# --- two names, one slug -----------------------------------------------------------------------------------

def test_two_bare_names_of_one_slug_across_briefings_are_an_error_naming_both(make_site):
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="\n  - Joe Biden\n  - 黎强"),
    })
    errors = check_and_build_fail_alike(site)
    assert errors == [
        "content/briefings/b.md:6: error: '黎强' and '李强' (content/briefings/a.md:4) are different names, even "
        "ignoring case, accents and punctuation, but both would be the page /leaders/li-qiang/. If they are one "
        "leader, make a profile, content/leaders/li-qiang.md with 'name: 李强' and 'aliases: [黎强]'; if not, give "
        "one of them a profile with another slug."
    ]


@pytest.mark.parametrize("first, second", [
    ("李强", "Li Qiang"),  # one man, perhaps: the desk is told to say so with a profile
    ("Li Qiang", "李强"),
    ("黎强", "Li Qiang"),
    ("Æro", "Aero"),  # æ is written ae (as python-slugify writes it): one name
    ("Þór", "Thor"),  # but þ is a letter of its own: th only once transliterated
    ("Armenia", "\u0410rmenia"),  # a Cyrillic А that looks Latin: another name, told, not merged
    ("C.I.A.", "CIA!"),  # same letters: must merge, no error (see below)
])
def test_bare_names_of_one_slug_in_one_briefing(make_site, first, second):
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", issues=f"\n  - {first}\n  - {second}"),
    })
    checked = run_cli("check", cwd=site)
    if normalise_name(first) == normalise_name(second):
        assert checked.returncode == 0 and not errors_of(checked), checked.stderr
        return
    assert checked.returncode == 1
    assert errors_of(checked) == errors_of(run_cli("build", cwd=site))
    [error] = errors_of(checked)
    assert error.startswith(f"content/briefings/a.md:6: error: '{second}' and '{first}' (content/briefings/a.md:5) "
                            "are different names")


def test_every_briefing_giving_the_other_name_is_told(make_site):
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="[黎强]"),
        "content/briefings/c.md": briefing("Charlie", "2021-01-03", leaders="[黎强]"),
        "content/briefings/d.md": briefing("Delta", "2021-01-04", leaders="[李强]"),
    })
    errors = check_and_build_fail_alike(site)
    assert [e.split(": error:")[0] for e in errors] == ["content/briefings/b.md:4", "content/briefings/c.md:4"]
    assert all("(content/briefings/a.md:4)" in e for e in errors)


def test_a_bare_name_with_a_profiles_slug_is_an_error_naming_the_profile(make_site):
    site = make_site({
        "content/leaders/li-qiang.md": "---\nrole: Premier\nname: 李强\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[黎强]"),
    })
    assert check_and_build_fail_alike(site) == [
        "content/briefings/a.md:4: error: '黎强' is not a name of the leader profile content/leaders/li-qiang.md:3 "
        "('李强'), but would be its page, /leaders/li-qiang/. If it is the same leader, add '黎强' to that "
        "profile's aliases; if not, give '黎强' a profile of its own with another slug."
    ]


def test_a_profile_settles_it_either_way(make_site, tmp_path):
    one_man = make_site({
        "content/leaders/li-qiang.md": "---\nname: Li Qiang\naliases: [李强, 黎强]\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="[黎强]"),
        "content/briefings/c.md": briefing("Charlie", "2021-01-03", leaders="[li-qiang]"),
    }, name="one")
    out = build_ok(one_man, tmp_path, "one-out")
    assert entity_pages(out, "leaders") == ["li-qiang"]
    assert all(t in titles_on(out / "leaders/li-qiang/index.html") for t in ("Alpha", "Bravo", "Charlie"))

    two_men = make_site({
        "content/leaders/li-qiang.md": "---\nname: 李强\n---\n",
        "content/leaders/li-qiang-2.md": "---\nname: 黎强\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="[黎强]"),
        "content/briefings/c.md": briefing("Charlie", "2021-01-03", leaders="[Li Qiang]"),  # the slug of li-qiang.md
    }, name="two")
    out = build_ok(two_men, tmp_path, "two-out")
    assert entity_pages(out, "leaders") == ["li-qiang", "li-qiang-2"]
    assert "Alpha" in titles_on(out / "leaders/li-qiang/index.html")
    assert "Charlie" in titles_on(out / "leaders/li-qiang/index.html")
    assert "Bravo" in titles_on(out / "leaders/li-qiang-2/index.html")
    assert "Bravo" not in titles_on(out / "leaders/li-qiang/index.html")


def test_names_of_one_normal_form_still_make_one_page(make_site, tmp_path):
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[Li Qiang]", issues="[U.S.]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="[LI QIANG]", issues="[US]"),
        "content/briefings/c.md": briefing("Charlie", "2021-01-03", leaders="[li-qiang]", issues="[u. s.]"),
        "content/briefings/d.md": briefing("Delta", "2021-01-04", leaders="['Li  Qiang']", issues="[Ｕ.Ｓ.]"),
    })
    result = run_cli("build", "--out", str(tmp_path / "out"), cwd=site, check=True)
    assert not errors_of(result) and "warning" not in result.stderr
    out = tmp_path / "out"
    assert entity_pages(out, "leaders") == ["li-qiang"]
    assert entity_pages(out, "issues") == ["u-s"]  # the first name's slug
    for page in ("leaders/li-qiang/index.html", "issues/u-s/index.html"):
        assert all(t in titles_on(out / page) for t in ("Alpha", "Bravo", "Charlie", "Delta"))


def test_one_slug_in_two_taxonomies_is_no_collision(make_site, tmp_path):
    site = make_site({
        "content/leaders/li-qiang.md": "---\nname: 李强\n---\n",
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]", issues="[黎强]"),
    })
    out = build_ok(site, tmp_path)
    assert entity_pages(out, "leaders") == ["li-qiang"] and entity_pages(out, "issues") == ["li-qiang"]


# --- two profiles: every collision names both places with their lines (item 19) ------------------------------

def test_a_name_claimed_by_two_profiles_on_the_name_line_names_both_lines(make_site):
    site = make_site({
        "content/leaders/li-qiang.md": "---\nrole: Premier\nname: Li Qiang\n---\n",
        "content/leaders/li-qiang-general.md": "---\nname: Li Qiang\nrole: General\n---\n",
    })
    assert check_and_build_fail_alike(site) == [
        "content/leaders/li-qiang.md:3: error: the name 'Li Qiang' is claimed by this profile and by "
        "content/leaders/li-qiang-general.md:2. A name or alias may belong to one entity only; remove it from "
        "one of the two."
    ]


def test_a_name_and_an_alias_that_differ_only_in_punctuation_collide_with_both_lines(make_site):
    site = make_site({
        "content/issues/a-united-states.md": "---\nname: United States\naliases:\n  - America\n  - U.S.\n---\n",
        "content/issues/us.md": "---\nname: US\n---\n",
    })
    [error] = check_and_build_fail_alike(site)
    assert error.startswith(
        "content/issues/us.md:2: error: the name 'US' is claimed by this profile and by "
        "content/issues/a-united-states.md:5, as its alias 'U.S.' (names are compared ignoring case, accents and "
        "punctuation).")


def test_a_slug_of_one_profile_and_a_name_of_another_collide_with_both_lines(make_site):
    site = make_site({
        "content/leaders/a-putin.md": "---\nname: Vladimir Putin\nslug: putin\n---\n",
        "content/leaders/b.md": "---\nname: Someone\naliases: [Putin]\n---\n",
    })
    [error] = check_and_build_fail_alike(site)
    assert error.startswith("content/leaders/b.md:3: error: the alias 'Putin' is claimed by this profile and by "
                            "content/leaders/a-putin.md:3, as its slug 'putin'")


@pytest.mark.parametrize("first, second, where", [
    # (file, front matter) of each profile; the error is on the later file, naming the earlier
    (("li-qiang.md", "name: 李强"), ("z.md", "name: 黎强\nslug: li-qiang"),
     "content/leaders/z.md:3: error: this leaders profile has the slug 'li-qiang', as does "
     "content/leaders/li-qiang.md:2 (from its file name)"),
    (("a.md", "slug: li-qiang\nname: 李强"), ("li-qiang.md", "name: 黎强"),
     "content/leaders/li-qiang.md:2: error: this leaders profile has the slug 'li-qiang' (from its file name), "
     "as does content/leaders/a.md:2"),
    (("Li Qiang.md", "name: 李强"), ("li-qiang.md", "name: 黎强"),
     "content/leaders/li-qiang.md:2: error: this leaders profile has the slug 'li-qiang' (from its file name), "
     "as does content/leaders/Li Qiang.md:2 (from its file name)"),
])
def test_two_profiles_of_one_slug_name_both_lines(make_site, first, second, where):
    site = make_site({
        f"content/leaders/{first[0]}": f"---\n{first[1]}\n---\n",
        f"content/leaders/{second[0]}": f"---\n{second[1]}\n---\n",
    })
    [error] = check_and_build_fail_alike(site)
    assert error.startswith(where + ": both would be /leaders/li-qiang/."), error


# --- the cache: an incremental build finds what a clean build finds ----------------------------------------

@pytest.mark.parametrize("kept, added", [
    (("a.md", "李强"), ("b.md", "黎强")),  # the new name sorts after the one kept
    (("b.md", "黎强"), ("a.md", "李强")),  # the new name sorts first: the error is on the file kept
])
def test_an_incremental_build_finds_a_slug_collision_a_clean_build_finds(make_site, kept, added):
    site = make_site({f"content/briefings/{kept[0]}": briefing("Kept", "2021-01-01", leaders=f"[{kept[1]}]")})
    run_cli("build", cwd=site, check=True)
    (site / f"content/briefings/{added[0]}").write_text(briefing("Added", "2021-01-02", leaders=f"[{added[1]}]"),
                                                       encoding="utf-8")
    incremental = run_cli("build", cwd=site)
    clean = run_cli("build", "--no-cache", cwd=site)
    assert incremental.returncode == clean.returncode == 1
    assert errors_of(incremental) == errors_of(clean)
    assert errors_of(incremental) == errors_of(run_cli("check", cwd=site))
    [error] = errors_of(clean)
    assert error.startswith("content/briefings/b.md:4: error: '黎强' and '李强' (content/briefings/a.md:4)")


def test_an_incremental_build_after_a_title_edit_keeps_the_collision(make_site):
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="[Li Qiang]"),
    })
    first = run_cli("build", cwd=site)
    assert first.returncode == 1
    (site / "content/briefings/b.md").write_text(
        "---\ntitle: Bravo again\nsummary: Moved a line down.\ndate: 2021-01-02\nleaders: [Li Qiang]\n---\nBody.\n",
        encoding="utf-8")
    again = run_cli("build", cwd=site)
    assert again.returncode == 1
    assert errors_of(again) == errors_of(run_cli("build", "--no-cache", cwd=site))
    assert errors_of(again)[0].startswith("content/briefings/b.md:5: error: 'Li Qiang' and '李强'")


@pytest.mark.parametrize("edited, text", [
    ("b.md", "---\ntitle: Bravo again\nsummary: A line more.\ndate: 2021-01-02\nleaders: [Li Qiang]\n---\nB.\n"),
    ("a.md", "---\ntitle: Alpha again\nsummary: A line more.\ndate: 2021-01-01\nleaders: [李强]\n---\nA.\n"),
])
def test_a_cache_kept_in_memory_after_a_failed_build_says_what_a_clean_build_says(make_site, edited, text):
    # serve keeps the model of a build that failed; an edit that moves a name to another line (a card
    # edit: the same names, dates and slugs) is then checked against it, and must give today's lines.
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", leaders="[李强]"),
        "content/briefings/b.md": briefing("Bravo", "2021-01-02", leaders="[Li Qiang]"),
    })
    config, cache = load_config(site), BuildCache()
    with pytest.raises(BuildError):
        build(config, cache=cache)
    (site / "content/briefings" / edited).write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as kept:
        build(config, cache=cache)
    with pytest.raises(BuildError) as clean:
        build(config, cache=BuildCache())
    assert [str(d) for d in kept.value.diagnostics] == [str(d) for d in clean.value.diagnostics]
    [error] = [str(d) for d in clean.value.diagnostics]
    assert error.startswith({"a.md": "content/briefings/b.md:4: error: 'Li Qiang' and '李强' (content/briefings/a.md:5)",
                             "b.md": "content/briefings/b.md:5: error: 'Li Qiang' and '李强' (content/briefings/a.md:4)",
                             }[edited])
