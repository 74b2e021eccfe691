"""site.yaml values that reach a path, a URL, an HTML attribute or a subprocess (issue 18, items 9 and 19).

Each bad value is an error at site.yaml:line that names the key, shows the value and says what to
write; `check` and `build` report the same, and nothing is written. Good values of each kind still
build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen import urls
from briefgen.search import pagefind
from briefgen.config import load_config, reserved_taxonomy_names
from briefgen.errors import BuildError
from briefgen.render.theme import packaged_theme_dir
from conftest import run_cli

BRIEFING = {
    "content/briefings/first-call.md": """\
        ---
        title: First call
        date: 2021-01-26
        leaders: [Joe Biden]
        ---
        The two presidents spoke by phone.
        """,
}


def site_with(make_site, setting: str, name: str = "site") -> Path:
    """A site whose site.yaml has `setting` on line 3 (and every other key at its default)."""
    return make_site({"site.yaml": f"# A test desk.\n# Line 3 is the setting under test.\n{setting}\n", **BRIEFING},
                     name=name)


def config_errors(root: Path) -> list[str]:
    with pytest.raises(BuildError) as info:
        load_config(root)
    return [str(d) for d in info.value.diagnostics]


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} if folder.exists() else set()


def assert_refused_by_check_and_build(root: Path, *expected: str) -> str:
    """Both commands exit 1 with the same errors, name site.yaml:3, and write nothing."""
    outside = root.parent
    before = files_under(outside)
    checked = run_cli("check", cwd=root)
    built = run_cli("build", cwd=root)
    for result in (checked, built):
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        for text in expected:
            assert text in result.stderr, result.stderr
    errors = [line for line in checked.stderr.splitlines() if ": error: " in line]
    assert errors and all(line.startswith("site.yaml:3: error: ") for line in errors), checked.stderr
    assert errors == [line for line in built.stderr.splitlines() if ": error: " in line]
    assert files_under(outside) == before  # no _site, no index files anywhere
    return checked.stderr


# --- language (item 9) --------------------------------------------------------------------------------


@pytest.mark.parametrize("value, hint", [
    ('"../../../../tmp/x"', "ISO 639 code"),
    ("'en\"><script>'", "ISO 639 code"),
    ('"en/../../x"', "ISO 639 code"),
    ('"/tmp/x"', "ISO 639 code"),
    ("en_US", "Write 'language: en-US' (a hyphen, not an underscore)."),
    ("english", "Write the code, not the name: 'language: en'."),
    ('"en "', "Write it without spaces or line breaks: 'language: en'."),
    ('"en\\nx"', "ISO 639 code"),
    ('""', "ISO 639 code"),
    ("e", "ISO 639 code"),
    ("en-", "ISO 639 code"),
    ("en--US", "ISO 639 code"),
    ("en-US-" + "-".join(["abcdefgh"] * 5), "ISO 639 code"),  # well-formed but longer than any real tag
    ("ру", "ISO 639 code"),
])
def test_a_language_that_is_not_a_bcp47_tag_is_refused_at_its_line(make_site, value, hint):
    root = site_with(make_site, f"language: {value}")
    stderr = assert_refused_by_check_and_build(root, "'language' must be a BCP 47 language tag", hint)
    assert "got '" in stderr


def test_the_refused_language_is_shown_short_and_visible(make_site):
    root = site_with(make_site, 'language: "' + "x" * 500 + '\\u0007"')
    (line,) = config_errors(root)
    assert line.startswith("site.yaml:3: error: 'language' must be a BCP 47 language tag")
    assert "x" * 60 + "…'" in line and "x" * 61 not in line


@pytest.mark.parametrize("tag", ["en", "ru", "pt-BR", "zh-Hant-TW", "sr-Latn", "de-CH-1996", "es-419",
                                 "en-US-u-ca-gregory", "EN", "uk", "ar", "fa"])
def test_bcp47_tags_are_accepted(make_site, tag):
    assert load_config(site_with(make_site, f"language: {tag}")).language == tag


@pytest.mark.parametrize("tag", ["x-klingon", "i-klingon", "tlh", "qaa"])
def test_a_well_formed_tag_for_a_language_without_dates_is_refused(make_site, tag):
    """Dates and month names are written in the site's language: one Babel has no data for cannot be built."""
    (line,) = config_errors(site_with(make_site, f"language: {tag}"))
    assert line == (f"site.yaml:3: error: 'language' must be a language whose dates and numbers briefgen can "
                    f"write (Babel's locales); got '{tag}'. Check the code (ISO 639: 'de', 'uk', 'pt-BR'); a "
                    f"language Babel does not know cannot be used yet.")


def test_a_region_and_script_tag_builds_and_its_search_index_stays_in_the_output(make_site):
    root = site_with(make_site, "language: zh-Hant-TW")
    result = run_cli("build", cwd=root)
    assert result.returncode == 0, result.stderr
    assert '<html lang="zh-Hant-TW">' in (root / "_site" / "index.html").read_text(encoding="utf-8")
    bundle = root / "_site" / pagefind.BUNDLE_DIR
    assert any(p.name.startswith("pagefind.zh-hant-tw") for p in bundle.rglob("*.pf_meta"))
    stray = [p for p in root.parent.rglob("*pagefind*") if (root / "_site") not in p.parents and p != bundle]
    assert stray == []


# --- every other value that reaches a path, a URL, an attribute or a subprocess ------------------------


@pytest.mark.parametrize("setting, expected", [
    # theme: one folder name under themes/
    ("theme: ../../etc", "'theme' must be the name of a folder in themes/"),
    ("theme: /etc", "'theme' must be the name of a folder in themes/"),
    ("theme: mine/sub", "'theme' must be the name of a folder in themes/"),
    ("theme: .hidden", "'theme' must be the name of a folder in themes/"),
    ("theme: ..", "'theme' must be the name of a folder in themes/"),
    ('theme: "mine\\n"', "'theme' must be the name of a folder in themes/"),
    # output_dir: a folder inside the site
    ("output_dir: /tmp/elsewhere", "'output_dir' must be a folder inside the site"),
    ("output_dir: ../out", "'output_dir' must be a folder inside the site"),
    ("output_dir: _site/../../out", "'output_dir' must be a folder inside the site"),
    ("output_dir: .git", "'output_dir' must be a folder inside the site"),
    ("output_dir: ''", "'output_dir' must be a folder inside the site"),
    ("output_dir: content/out", "'output_dir' must be a folder of its own, not inside the site's sources (content/)"),
    ("output_dir: static", "not inside the site's sources (static/)"),
    # timezone: a name in the tz database, never a path to a file
    ("timezone: ../../../etc/passwd", "unknown time zone '../../../etc/passwd'."),
    ("timezone: /etc/localtime", "unknown time zone '/etc/localtime'."),
    ("timezone: Europe/Berln", "unknown time zone 'Europe/Berln'. Did you mean 'Europe/Berlin'?"),
    # base_url: in front of every link of every page, feed and the sitemap
    ("base_url: javascript:alert(1)//", "'base_url' must be an absolute http(s) URL"),
    ("base_url: 'https://example.org/x\"onload=\"alert(1)/'", "has the segment 'x\"onload=\"alert(1)'"),
    ("base_url: https://example.org/a b/", "it contains a space or a control character"),
    ("base_url: https://user:secret@example.org/", "it has a user name or password in it"),
    ("base_url: https://example.org/?x=1", "it has a query ('?') or a fragment ('#')"),
    ("base_url: https://example.org/#top", "it has a query ('?') or a fragment ('#')"),
    ("base_url: https://example.org/../up/", "has the segment '..'"),
    ("base_url: https://example.org//double/", "has the segment ''"),
    ("base_url: https://exa_mple.org/", "is not a host name"),
    ("base_url: https://example.org:99999/", "it cannot be read as a URL"),
    ("base_url: https://bücher.example/", "in its xn-- form"),
    # cname: the one line of GitHub Pages' CNAME file
    ("cname: https://briefs.example.org/", "Write the domain alone: 'cname: briefs.example.org'."),
    ("cname: briefs.example.org/path", "Write the domain alone: 'cname: briefs.example.org'."),
    ("cname: briefs.example.org:8080", "Write the domain alone: 'cname: briefs.example.org'."),
    ('cname: "briefs.example.org\\nevil.example"', "'cname' must be a domain name"),
    ("cname: localhost", "'cname' must be a domain name"),
    ("cname: -bad-.example.org", "'cname' must be a domain name"),
    ("cname: bücher.de", "xn-- (punycode) form"),
    # counts: positive and within sane bounds
    ("per_page: 0", "'per_page' must be between 1 and 1000; got the number 0. Write e.g. 'per_page: 10'."),
    ("per_page: 1000000000", "'per_page' must be between 1 and 1000; got the number 1000000000."),
    ("per_page: " + "9" * 30, "'per_page' must be between 1 and 1000; got a number of more than 20 digits."),
    ("related_count: -1", "'related_count' must be between 1 and 100"),
    ("related_count: 101", "'related_count' must be between 1 and 100"),
    ("home_count: 0", "'home_count' must be between 1 and 1000"),
    ("home_count: 1001", "'home_count' must be between 1 and 1000"),
    # texts that land in HTML, Atom and JSON-LD: no control characters (XML forbids them)
    ('title: "Desk\\u0007"', "'title' must be plain text; got 'Desk\\u0007'. Remove the control character U+0007"),
    ('author: "A\\x00B"', "'author' must be plain text"),
    ('description: "a\\x1bb"', "'description' must be plain text"),
    ('title: "   "', "'title' is empty."),
])
def test_a_bad_value_is_refused_at_its_line_naming_key_value_and_remedy(make_site, setting, expected):
    root = site_with(make_site, setting)
    stderr = assert_refused_by_check_and_build(root, expected)
    assert "Write" in stderr or "Use" in stderr or "Did you mean" in stderr or "Remove" in stderr


def test_several_bad_values_are_all_reported_each_at_its_own_line(make_site):
    root = make_site({"site.yaml": "title: T\nlanguage: ../x\ntheme: ../t\noutput_dir: /o\ncname: a/b\n"
                                   "per_page: 0\nbase_url: ftp://x/\n", **BRIEFING})
    result = run_cli("check", cwd=root)
    assert result.returncode == 1
    assert [line.split(" error: ")[0] for line in result.stderr.splitlines() if " error: " in line] == [
        f"site.yaml:{n}:" for n in range(2, 8)]


@pytest.mark.parametrize("command", ["build", "serve", "publish"])
@pytest.mark.parametrize("url", ['https://example.org/x"onmouseover="alert(1)/', "https://example.org/a b/",
                                 "https://u:p@example.org/", "https://example.org/../up/"])
def test_a_base_url_on_the_command_line_is_held_to_the_same_rule(make_site, command, url):
    root = site_with(make_site, "language: en")
    before = files_under(root.parent)
    result = run_cli(command, "--base-url", url, cwd=root)
    assert result.returncode == 2, result.stderr  # the command line itself is refused, by site.yaml's rule
    assert f"'{url}' cannot be the base URL: " in result.stderr and "Traceback" not in result.stderr
    assert files_under(root.parent) == before


@pytest.mark.parametrize("setting, attribute, value", [
    ("base_url: https://localhost:8000/repo", "base_url", "https://localhost:8000/repo/"),
    ("base_url: https://example.org/a%20b/", "base_url", "https://example.org/a%20b/"),
    ("base_url: http://[::1]:8000/", "base_url", "http://[::1]:8000/"),
    ("base_url: https://xn--bcher-kva.example/", "base_url", "https://xn--bcher-kva.example/"),
    ("cname: Briefs.Example.org", "cname", "briefs.example.org"),
    ("cname: ''", "cname", None),
    ("cname:", "cname", None),
    ("output_dir: public/site/", "output_dir", "public/site"),
    ("theme: my-theme_2", "theme", "my-theme_2"),
    ("timezone: Etc/GMT+5", "timezone", "Etc/GMT+5"),
    ("timezone: America/Argentina/Buenos_Aires", "timezone", "America/Argentina/Buenos_Aires"),
    ("per_page: 1000", "per_page", 1000),
    ('description: "Two lines\\nof text"', "description", "Two lines\nof text"),
    ("title: 李强的简报", "title", "李强的简报"),
])
def test_good_values_are_kept(make_site, setting, attribute, value):
    assert getattr(load_config(site_with(make_site, setting)), attribute) == value


def test_an_output_dir_inside_the_site_builds_there(make_site):
    root = site_with(make_site, "output_dir: public/site")
    assert run_cli("build", cwd=root).returncode == 0
    assert (root / "public" / "site" / "index.html").is_file()


def test_the_sample_site_and_a_new_site_pass(tmp_path):
    load_config(Path(__file__).resolve().parent.parent)  # the sample site's own site.yaml
    site = tmp_path / "new"
    assert run_cli("new", "site", str(site), cwd=tmp_path).returncode == 0
    assert run_cli("check", cwd=site).returncode == 0


# --- taxonomy names (item 9: slugs; item 19: reserved names) -------------------------------------------


@pytest.mark.parametrize("item", ['"../x"', '"a/b"', "Leaders", "лидеры", '"²"', '"-x"', '"x-"', '".hidden"',
                                  '"a b"', '""', '"' + "a" * 65 + '"', "{name: 'x\"y'}"])
def test_a_taxonomy_name_that_is_not_a_safe_slug_is_refused(make_site, item):
    root = site_with(make_site, f"taxonomies:\n  - leaders\n  - {item}")
    (line,) = config_errors(root)
    assert line.startswith("site.yaml:5: error: taxonomy name ")
    assert "must be lower-case letters, digits, '-' or '_'" in line and "Write e.g." in line


@pytest.mark.parametrize("name", sorted(reserved_taxonomy_names()))
def test_every_reserved_name_is_refused_as_a_taxonomy(make_site, name):
    root = site_with(make_site, f"taxonomies: [leaders, {name!r}]", name="site")
    (line,) = config_errors(root)
    assert line.startswith(("site.yaml:3: error: taxonomy name ", f"site.yaml:3: error: '{name}' cannot be a taxonomy"))


@pytest.mark.parametrize("name, why", [
    ("pagefind", "the site's /pagefind/ is briefgen's own"),
    ("assets", "the site's /assets/ is briefgen's own"),
    ("search", "the site's /search/ is briefgen's own"),
    ("briefings", "the site's /briefings/ is briefgen's own"),
    ("pages", "content/pages/ is a section of its own"),
    ("title", "'title:' is a key of a briefing's front matter"),
    ("sources", "'sources:' is a key of a briefing's front matter"),
])
def test_a_reserved_taxonomy_is_refused_by_check_and_build_and_writes_nothing(make_site, name, why):
    root = site_with(make_site, f"taxonomies: [leaders, {{name: {name}, singular: thing}}]")
    assert_refused_by_check_and_build(root, f"'{name}' cannot be a taxonomy: briefgen uses that name itself ({why}).")


def test_the_reserved_set_covers_everything_a_build_writes_at_the_top(make_site):
    """One place: a site with a page, a static file and a custom taxonomy writes nothing else at its top."""
    root = make_site({
        "site.yaml": "title: T\nbase_url: https://example.org/\ncname: briefs.example.org\n"
                     "taxonomies: [leaders, countries]\n",
        **BRIEFING,
        "content/pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
        "content/countries/france.md": "---\nname: France\n---\nA country.\n",
        "static/mine.txt": "mine\n",
    })
    result = run_cli("build", cwd=root)
    assert result.returncode == 0, result.stderr
    top = {p.name for p in (root / "_site").iterdir()} - {".briefgen-output"}
    assert top - {"leaders", "countries", "about", "mine.txt"} <= urls.RESERVED_TOP_LEVEL
    assert pagefind.BUNDLE_DIR in urls.RESERVED_TOP_LEVEL
    assert {p.name for p in (packaged_theme_dir() / "static").iterdir()} <= urls.RESERVED_TOP_LEVEL


@pytest.mark.parametrize("item, expected", [
    ("{name: countries, singluar: country}", "unknown key 'singluar' in the taxonomy 'countries'. Did you mean 'singular'?"),
    ("{name: countries, singular: 'Coun,try'}", "the singular of 'countries' must be lower-case letters"),
    ("{name: countries, singular: '../x'}", "the singular of 'countries' must be lower-case letters"),
    ("{name: countries, singular: [a]}", "the singular of 'countries' must be lower-case letters, digits, '-' or '_'; got a list."),
    ("{name: countries, title: \"x\\u0000\"}", "the title of 'countries' must be a plain text; got 'x\\u0000'."),
    ("{name: countries, title: 7}", "the title of 'countries' must be a plain text; got the number 7."),
])
def test_a_taxonomy_mapping_is_checked_key_by_key(make_site, item, expected):
    root = site_with(make_site, f"taxonomies:\n  - leaders\n  - {item}")
    (line,) = config_errors(root)
    assert line.startswith("site.yaml:5: error: ") and expected in line, line


def test_a_taxonomy_listed_twice_is_reported_at_the_second(make_site):
    root = site_with(make_site, "taxonomies:\n  - leaders\n  - treaties\n  - leaders")
    assert config_errors(root) == ["site.yaml:6: error: taxonomy 'leaders' is listed twice. Remove one of them."]


def test_a_custom_taxonomy_with_singular_and_title_builds(make_site):
    root = make_site({
        "site.yaml": "title: T\nbase_url: https://example.org/\n"
                     "taxonomies: [leaders, {name: head_of-states, singular: head_of-state, title: Heads of state}]\n",
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-01\nhead_of-states: [Jane Doe]\n---\nText.\n",
    })
    result = run_cli("build", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "_site" / "head_of-states" / "jane-doe" / "index.html").is_file()
