"""Every mistake a writer can make gets one exact, located message (SPEC §6, issue 6 item 2).

Each test writes a small site into a temporary folder, builds it with the real
`build()` or the real command line, and compares the whole message, path and
line included, as the writer sees it.
"""

from __future__ import annotations

import sys
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from briefgen.pipeline import build
from briefgen.config import load_config
from briefgen.errors import BuildError, Severity
from conftest import parse_html, run_cli

GOOD = "---\ntitle: Good\ndate: 2021-01-01\n---\nBody.\n"
BRIEFING = "content/briefings/a.md"


def errors_of(root: Path) -> list[str]:
    """The build's error lines, as the command line prints them."""
    with pytest.raises(BuildError) as info:
        build(load_config(root))
    return [str(d) for d in info.value.diagnostics if d.severity is Severity.ERROR]


def cli_errors(root: Path, *args: str) -> list[str]:
    """`briefgen build` on the site: exit status 1, no traceback, the error lines it printed."""
    result = run_cli("build", *args, cwd=root)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    count = sum(1 for line in lines if ": error: " in line or line.startswith("error: "))
    assert lines[-1] == f"{count} error{'s' if count != 1 else ''}; nothing was written.", lines
    return lines[:-1]


class TimeTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.time_tags: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "time":
            self.time_tags.append(dict(attrs))


def time_tags(path: Path) -> list[dict]:
    parser = TimeTags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.time_tags


def one_file(make_site, text: str | bytes, rel: str = BRIEFING) -> Path:
    return make_site({rel: text})


# -- front matter ------------------------------------------------------------------------------


def test_no_front_matter(make_site):
    root = one_file(make_site, "Just a body, no keys.\n")
    assert cli_errors(root) == [
        "content/briefings/a.md:1: error: there is no front matter. Start the file with a line '---', "
        "the YAML keys (title, date, …), and another '---'."
    ]


def test_unterminated_front_matter(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nThe body starts here.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:1: error: the front matter is not terminated. "
        "Add a line '---' after the last YAML key, before the body."
    ]


def test_invalid_yaml_is_reported_at_the_files_line_and_column(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nsummary: ok\nleaders: [Joe Biden, Vladimir Putin\n"
                               "issues: [sanctions]\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:5:10: error: invalid YAML in front matter: the list opened here with '[' is not "
        "closed. Add ']' after its last item; quote an item that holds ',', '[', ']' or ': '."
    ]


def test_invalid_yaml_colon_in_a_value(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nsummary: Biden: a call\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:4:15: error: invalid YAML in front matter: a ': ' inside a value, or a key indented "
        "under a value. Put a value that holds ': ' in quotes, e.g. summary: \"Biden: a call\"; otherwise check this "
        "line's indentation."
    ]


@pytest.mark.parametrize("yaml_text, kind", [("- title\n- date\n", "a list"), ("Just a title\n", "a single value")])
def test_front_matter_that_is_not_a_mapping(make_site, yaml_text, kind):
    root = one_file(make_site, f"---\n{yaml_text}---\nBody.\n")
    assert errors_of(root) == [
        f"content/briefings/a.md:2: error: the front matter is {kind}, not a set of keys. "
        "Write it as 'key: value' lines, e.g. 'title: My briefing'."
    ]


def test_missing_title(make_site):
    root = one_file(make_site, "---\ndate: 2021-01-01\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:1: error: the front matter has no 'title'. Add a line 'title: …' to the front matter."
    ]


@pytest.mark.parametrize("title", ["", "''", "'   '"])
def test_empty_title(make_site, title):
    root = one_file(make_site, f"---\ndate: 2021-01-01\ntitle: {title}\n---\nBody.\n")
    assert errors_of(root) == ["content/briefings/a.md:3: error: 'title' is empty. Write the title after 'title:'."]


def test_missing_date(make_site):
    root = one_file(make_site, "---\ntitle: A\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:1: error: the briefing has no 'date'. Add 'date: YYYY-MM-DD' (optionally with a "
        "time, 'YYYY-MM-DD HH:MM') to the front matter."
    ]


@pytest.mark.parametrize("value, problem", [
    ("next Tuesday", "'next Tuesday' is not a date"),
    ("2021-02-30", "'2021-02-30' is not a real date (day is out of range for month)"),
    ("2021-13-01", "'2021-13-01' is not a real date (month must be in 1..12)"),
    ("[2021, 1, 1]", "a list is not a date"),
])
def test_a_date_that_is_not_a_date(make_site, value, problem):
    root = one_file(make_site, f"---\ntitle: A\ndate: {value}\n---\nBody.\n")
    assert errors_of(root) == [
        f"content/briefings/a.md:3: error: 'date': {problem}. "
        "Write it as YYYY-MM-DD or 'YYYY-MM-DD HH:MM', e.g. 2021-01-26."
    ]


@pytest.mark.parametrize("value, got", [("42", "the number 42"), ("{name: Putin}", "a mapping"),
                                        ("true", "the boolean true")])
def test_a_taxonomy_value_that_is_not_names(make_site, value, got):
    root = one_file(make_site, f"---\ntitle: A\ndate: 2021-01-01\nleaders: {value}\n---\nBody.\n")
    assert errors_of(root) == [
        f"content/briefings/a.md:4: error: 'leaders' must be a list of names; got {got}. "
        "Write e.g. 'leaders: [First Name, Second Name]'."
    ]


def test_a_taxonomy_item_that_is_a_mapping_is_reported_on_its_own_line(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nleaders:\n  - Joe Biden\n  - name: Putin\n"
                               "---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:6: error: item 2 of 'leaders' must be a name; got a mapping. "
        "Write each name as plain text."
    ]


@pytest.mark.parametrize("entry", ["''", "", "'  '"])
def test_an_empty_entity_name(make_site, entry):
    root = one_file(make_site, f"---\ntitle: A\ndate: 2021-01-01\nleaders:\n  - Joe Biden\n  - {entry}\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:6: error: item 2 of 'leaders' is an empty name. "
        "Remove the empty entry or write the name."
    ]


def test_an_entity_name_without_letters(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nissues: [sanctions, '---']\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:4: error: '---' is not a usable issue name: it has no letters or digits."
    ]


def test_a_slug_that_is_a_mapping(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nslug: {a: b}\n---\nBody.\n")
    assert errors_of(root) == [
        "content/briefings/a.md:4: error: 'slug' must be a text; got a mapping. "
        "Write one word-like part, e.g. 'slug: first-call'."
    ]


# -- files ---------------------------------------------------------------------------------------


def test_a_file_that_is_not_utf8_names_the_byte(make_site):
    root = one_file(make_site, "---\ntitle: Café\ndate: 2021-01-01\n---\nBody.\n".encode("latin-1"))
    assert cli_errors(root) == [
        "content/briefings/a.md:2:11: error: the file is not UTF-8: byte 0xe9 at offset 14 cannot be decoded. "
        "Save the file as UTF-8 in your editor."
    ]


def test_a_bom_and_crlf_line_endings_are_accepted(make_site):
    text = "\ufeff---\r\ntitle: Windows\r\ndate: 2021-01-01\r\n---\r\nFirst paragraph.\r\n\r\nSecond.\r\n"
    root = one_file(make_site, text.encode("utf-8"))
    run_cli("build", cwd=root, check=True)
    page = parse_html(root / "_site/briefings/a/index.html")
    assert "Windows" in page.text and "First paragraph. " in page.text + " " and "\r" not in page.text
    assert "\ufeff" not in (root / "_site/briefings/a/index.html").read_text(encoding="utf-8")


def test_line_numbers_stay_right_with_a_bom_and_crlf(make_site):
    text = "\ufeff---\r\ntitle: A\r\ndate: 2021-01-01\r\nleaders: 42\r\n---\r\nBody.\r\n"
    root = one_file(make_site, text.encode("utf-8"))
    assert errors_of(root)[0].startswith("content/briefings/a.md:4: error: 'leaders' must be a list of names")


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff"])
def test_an_empty_file(make_site, text):
    root = one_file(make_site, text.encode("utf-8"))
    assert errors_of(root) == [
        "content/briefings/a.md:1: error: the file is empty. "
        "Start it with a front matter block: ---, title: …, date: …, ---."
    ]


def test_a_dangling_link_in_content(make_site):
    root = one_file(make_site, GOOD)
    (root / "content/briefings/gone.md").symlink_to("nowhere.md")
    assert cli_errors(root) == [
        "content/briefings/gone.md: error: the file is a link to nowhere.md, which does not exist. "
        "Remove the link or point it at an existing file."
    ]


def test_a_folder_named_like_a_content_file_is_walked_not_read(make_site):
    root = make_site({BRIEFING: GOOD, "content/briefings/odd.md/b.md": GOOD.replace("Good", "Inside")})
    run_cli("build", cwd=root, check=True)
    assert (root / "_site/briefings/b/index.html").is_file()


# -- YAML 1.1 surprises stay what the writer typed ------------------------------------------------------


def test_no_yes_and_1_0_as_entity_names_stay_text(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nleaders: [NO, Yes, 1.0, 'on', 0x1F]\n---\nBody.\n")
    run_cli("build", cwd=root, check=True)
    out = root / "_site"
    headings = {}
    for slug in ("no", "yes", "1-0", "on", "0x1f"):
        page = (out / "leaders" / slug / "index.html").read_text(encoding="utf-8")
        headings[slug] = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert headings == {"no": "NO", "yes": "Yes", "1-0": "1.0", "on": "on", "0x1f": "0x1F"}
    briefing_links = {url: attrs for _, url, attrs in parse_html(out / "briefings/a/index.html").links}
    assert {"/leaders/no/", "/leaders/yes/", "/leaders/1-0/"} <= set(briefing_links)
    page_text = parse_html(out / "briefings/a/index.html").text
    assert "NO" in page_text and "False" not in page_text and "1.0" in page_text


def test_a_time_stays_the_text_it_was(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\ntime: 12:30\nceasefire: NO\n---\nBody.\n")
    briefing = build(load_config(root), render_pages=False).site.briefings[0]
    assert dict(briefing.extra) == {"time": "12:30", "ceasefire": "NO"}


@pytest.mark.parametrize("date, expected", [
    ("2024-01-05 10:00", "2024-01-05T10:00+01:00"),  # winter in Berlin
    ("2024-07-05 10:00", "2024-07-05T10:00+02:00"),  # summer time
    ("2024-01-05T10:00:00Z", "2024-01-05T11:00+01:00"),  # an explicit zone, shown in the site's
    ("2024-01-05", "2024-01-05"),  # a day: the day alone
])
def test_a_date_time_is_in_the_sites_time_zone(make_site, date, expected):
    root = make_site({
        "site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: Europe/Berlin\n",
        BRIEFING: f"---\ntitle: A\ndate: {date}\n---\nBody.\n",
    })
    run_cli("build", cwd=root, check=True)
    assert expected in [attrs.get("datetime") for attrs in time_tags(root / "_site/briefings/a/index.html")]


# -- site-wide problems ----------------------------------------------------------------------------


def test_two_briefings_with_one_slug_name_both_files(make_site):
    root = make_site({BRIEFING: GOOD, "content/briefings/b.md": "---\ntitle: B\ndate: 2021-01-02\nslug: a\n---\nB.\n"})
    assert errors_of(root) == [
        "content/briefings/b.md: error: this briefing has the slug 'a', as does content/briefings/a.md. "
        "Rename one of the files or set a different 'slug:' in its front matter."
    ]


def test_a_slug_that_would_write_outside_the_output_folder(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-01-01\nslug: ../../x\n---\nBody.\n")
    assert cli_errors(root) == [
        "content/briefings/a.md:4: error: slug '../../x' would write outside its folder. "
        "A slug is one word-like part, e.g. 'slug: first-call'."
    ]
    assert not (root / "x").exists() and not (root.parent / "x").exists() and not (root / "_site").exists()


@pytest.mark.parametrize("alias", ["../../x", "/a/../../x", "/%2e%2e/x/"])
def test_an_alias_that_would_write_outside_the_output_folder(make_site, alias):
    root = one_file(make_site, f"---\ntitle: A\ndate: 2021-01-01\naliases: ['{alias}']\n---\nBody.\n")
    if alias == "/%2e%2e/x/":  # percent signs are a literal folder name on disk: harmless, and kept inside
        run_cli("build", cwd=root, check=True)
        assert (root / "_site/%2e%2e/x/index.html").is_file()
        return
    assert cli_errors(root) == [
        f"content/briefings/a.md:4: error: alias '{alias}' is not a usable URL path inside the site. "
        "Write a path such as '/2021/01/old-address/', without '..'."
    ]
    assert not (root / "x").exists() and not (root.parent / "x").exists()


def test_a_template_syntax_error_names_the_template_and_line(make_site):
    root = make_site({BRIEFING: GOOD, "templates/briefing.html": (
        "{% extends 'base.html' %}\n{% block content %}\n<h1>{{ briefing.title }}</h1>\n{% if %}\n{% endblock %}\n")})
    assert cli_errors(root) == [
        "templates/briefing.html:4: error: template error: Expected an expression, got 'end of statement block'. "
        "Fix the template; the page it renders is not written until then."
    ]


def test_an_undefined_variable_in_a_template_names_the_template_and_line(make_site):
    root = make_site({BRIEFING: GOOD, "content/briefings/b.md": GOOD.replace("Good", "Second"),
                      "templates/briefing.html": (
                          "{% extends 'base.html' %}\n{% block content %}\n<h1>{{ briefing.title }}</h1>\n"
                          "<p>{{ briefing.subtitle }}</p>\n<p>{{ nosuch }}</p>\n{% endblock %}\n")})
    # Two pages fail on the same line: reported once; the first undefined name stops each page.
    assert cli_errors(root) == [
        "templates/briefing.html:4: error: template error: UndefinedError: 'briefgen.render.views.BriefingView object' "
        "has no attribute 'subtitle'. Fix the template; the page it renders is not written until then."
    ]


@pytest.mark.parametrize("statement, line, message", [
    ("{% include 'partials/nope.html' %}", 4, "template 'partials/nope.html' was not found. Check the name in "
                                              "{% extends %} / {% include %}, or add the file to templates/."),
    ("{{ 10.0 ** 400 }}", 4, "OverflowError: "),  # the rest is the C library's wording
    ("{{ briefing.title | int(base=99) }}", 4, None),  # Jinja's own filters: no error at all
])
def test_other_template_mistakes_name_the_template_and_line(make_site, statement, line, message):
    root = make_site({BRIEFING: GOOD, "templates/briefing.html": (
        "{% extends 'base.html' %}\n{% block content %}\n<h1>{{ briefing.title }}</h1>\n" + statement +
        "\n{% endblock %}\n")})
    if message is None:
        run_cli("build", cwd=root, check=True)
        return
    (error,) = cli_errors(root)
    assert error.startswith(f"templates/briefing.html:{line}: error: template error: {message}")


def test_a_template_that_recurses_forever_is_a_template_error(make_site):
    root = make_site({BRIEFING: GOOD, "templates/briefing.html": "{% macro m() %}{{ m() }}{% endmacro %}\n{{ m() }}\n"})
    (line,) = cli_errors(root)
    assert line.startswith("templates/briefing.html:1: error: template error: RecursionError: ")


def test_a_missing_site_yaml(tmp_path):
    (tmp_path / "content/briefings").mkdir(parents=True)
    assert cli_errors(tmp_path) == [
        f"site.yaml: error: there is no site.yaml in {tmp_path}. "
        "Run briefgen in a site folder, or create one with 'briefgen new site DIR'."
    ]


def test_an_unknown_site_yaml_key_suggests_the_right_one(make_site):
    root = make_site({"site.yaml": "title: T\nbase_url: https://example.org/\ntimezon: UTC\n", BRIEFING: GOOD})
    assert cli_errors(root) == ["site.yaml:3: error: unknown setting 'timezon'. Did you mean 'timezone'?"]


def test_an_unknown_site_yaml_key_without_a_near_miss_lists_the_known_ones(make_site):
    root = make_site({"site.yaml": "title: T\ncolour: red\n", BRIEFING: GOOD})
    (line,) = errors_of_config(root)
    assert line.startswith("site.yaml:2: error: unknown setting 'colour'. Known keys: author, autolink, base_url, ")
    assert line.endswith(". Put your own settings under 'extra:'.")


@pytest.mark.parametrize("setting, message", [
    ("per_page: ten", "'per_page' must be a whole number, e.g. 'per_page: 10'; got 'ten'."),
    ("autolink: sometimes", "'autolink' must be true or false; got 'sometimes'."),
    ("title: [a, b]", "'title' must be a text, e.g. 'title: My briefing desk'; got a list."),
    ("timezone: Mars/Olympus", "unknown time zone 'Mars/Olympus'. Use an IANA name such as 'UTC', "
                               "'Europe/London' or 'America/New_York'."),
])
def test_a_site_yaml_value_of_the_wrong_type(make_site, setting, message):
    root = make_site({"site.yaml": f"base_url: https://example.org/\n{setting}\n", BRIEFING: GOOD})
    assert cli_errors(root) == [f"site.yaml:2: error: {message}"]


def errors_of_config(root: Path) -> list[str]:
    with pytest.raises(BuildError) as info:
        load_config(root)
    return [str(d) for d in info.value.diagnostics]


def test_a_static_file_colliding_with_a_generated_page_names_both(make_site):
    root = make_site({"content/briefings/x.md": GOOD, "static/briefings/x/index.html": "<p>mine</p>"})
    assert cli_errors(root) == [
        "content/briefings/x.md:1: error: this file's page and static/briefings/x/index.html both write "
        "'briefings/x/index.html'. Change one of the two paths (a slug, an alias, or a file in static/)."
    ]


# -- all problems at once, in order ------------------------------------------------------------------


def test_three_broken_files_give_three_errors_sorted_by_file_and_line(make_site):
    root = make_site({
        "content/briefings/c.md": "---\ntitle: C\ndate: someday\n---\nBody.\n",
        "content/briefings/a.md": "no front matter\n",
        "content/briefings/b.md": "---\ntitle: B\ndate: 2021-01-01\nleaders: 7\n---\nBody.\n",
        "content/briefings/ok.md": GOOD,
    })
    lines = cli_errors(root)
    assert [line.split(" error: ")[0] for line in lines] == [
        "content/briefings/a.md:1:", "content/briefings/b.md:4:", "content/briefings/c.md:3:"]


def test_several_problems_in_one_file_are_reported_in_line_order(make_site):
    root = one_file(make_site, "---\ntitle: A\nleaders: 7\ndate: someday\ndraft: maybe\n---\n"
                               "Body with a [[Nobody Known]] link.\n")
    assert [line.split(" error: ")[0] for line in errors_of(root)] == [
        "content/briefings/a.md:3:", "content/briefings/a.md:4:", "content/briefings/a.md:5:"]


def test_a_broken_link_and_a_broken_file_are_reported_together(make_site):
    root = make_site({
        "content/briefings/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nSee [b](@/briefings/missing.md).\n",
        "content/briefings/b.md": "---\ntitle: B\n---\nBody.\n",
    })
    assert [line.split(" error: ")[0] for line in errors_of(root)] == [
        "content/briefings/a.md:5:", "content/briefings/b.md:1:"]


# -- exit statuses, tracebacks, bugs --------------------------------------------------------------------


def test_exit_status_0_on_success(make_site):
    root = one_file(make_site, GOOD)
    result = run_cli("build", cwd=root)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Built ")


@pytest.mark.parametrize("args, message", [
    (("build", "--no-such-flag"), "No such option '--no-such-flag'"),
    (("frobnicate",), "No such command 'frobnicate'"),
    (("build", "--base-url", "not a url"), "'not a url' cannot be the base URL: it contains a space"),
    (("build", "--base-url", "ftp://example.org/x/"), "cannot be the base URL: it is not an absolute http(s) URL"),
    (("serve", "--base-url", "https://me@example.org/"), "cannot be the base URL: it has a user name or password"),
    (("publish", "--base-url", "https://example.org/a b/"), "cannot be the base URL: it contains a space"),
])
def test_exit_status_2_on_usage_errors(make_site, args, message):
    root = one_file(make_site, GOOD)
    result = run_cli(*args, cwd=root)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_check_reports_the_same_errors_with_exit_status_1(make_site):
    root = one_file(make_site, "---\ntitle: A\ndate: 2021-02-30\n---\nBody.\n")
    result = run_cli("check", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("content/briefings/a.md:3: error: 'date': '2021-02-30' is not a real date")


def test_an_os_error_is_a_clear_message_not_a_bug(make_site):
    root = one_file(make_site, GOOD)
    (root / "a-file").write_text("not a folder")
    result = run_cli("build", "--out", "a-file/_site", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "bug" not in result.stderr
    assert f"the output folder {root / 'a-file/_site'} cannot be made: {root / 'a-file'} is a file." in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc, where no folder can be made")
def test_an_unwritable_output_folder_is_an_error_not_a_bug(make_site):
    root = one_file(make_site, GOOD)
    result = run_cli("build", "--out", "/proc/briefgen-site", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "bug" not in result.stderr
    assert "error: No such file or directory." in result.stderr
    assert "a site that was already built is left as it was" in result.stderr


# An internal error cannot come from any input (that is the point of this file), so
# one is injected into a real `python -m briefgen` process to see what the user sees.
FAULT = ("import sys, briefgen.config as config\n"
         "def broken(*args, **kwargs):\n"
         "    raise RuntimeError('injected fault')\n"
         "config.parse_config = broken\n"
         "from briefgen.cli import main\n"
         "main(sys.argv[1:])\n")


def run_with_fault(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", FAULT, *args], cwd=root, capture_output=True, text=True,
                          timeout=120)


def test_an_internal_error_says_it_is_a_bug_without_a_traceback(make_site):
    root = one_file(make_site, GOOD)
    result = run_with_fault(root, "build")
    assert result.returncode == 70
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "internal error: RuntimeError: injected fault"
    assert lines[1].startswith("This is a bug in briefgen ") and "--debug" in lines[1] and "report it at" in lines[1]


def test_debug_shows_the_traceback_of_an_internal_error(make_site):
    root = one_file(make_site, GOOD)
    result = run_with_fault(root, "--debug", "build")
    assert result.returncode == 70
    assert "Traceback (most recent call last)" in result.stderr and "RuntimeError: injected fault" in result.stderr


def test_no_traceback_for_any_bad_input_through_the_cli(make_site):
    """A site with many kinds of breakage at once: every problem listed, exit 1, no traceback."""
    root = make_site({
        "content/briefings/a.md": "",
        "content/briefings/b.md": "---\n- x\n---\n",
        "content/briefings/c.md": "---\ntitle: [x\n---\n",
        "content/briefings/d.md": b"---\ntitle: \xff\n---\n",
        "content/briefings/e.md": "---\ntitle: E\ndate: 2021-01-01\nslug: ../e\naliases: [../../x]\n---\n",
        "content/leaders/f.md": "---\ntitle: Not a name\n---\n",
        "content/pages/g.md": "---\ntitle: ''\n---\n",
    })
    lines = cli_errors(root)
    assert [line.split(":")[0] for line in lines] == [
        "content/briefings/a.md", "content/briefings/b.md", "content/briefings/c.md", "content/briefings/d.md",
        "content/briefings/e.md", "content/briefings/e.md", "content/leaders/f.md", "content/leaders/f.md",
        "content/pages/g.md"]
