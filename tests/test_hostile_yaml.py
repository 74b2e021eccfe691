"""Hostile YAML in front matter and site.yaml (issue 18, items 10, 11, 19 and 20).

Alias bombs, deep nesting, keys given twice and broken YAML are refused by
`check` and by `build` with the same one-line message at file:line:col, exit
status 1 and no traceback. The commands run as a user runs them, in a
subprocess with a timeout and a memory ceiling, so a regression fails the test
instead of eating the machine (the 517-byte bomb of the issue took 3 GB).
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG

BRIEFING = "content/briefings/a.md"
PAGE = "content/pages/about.md"
PROFILE = "content/leaders/jane-example.md"
MEMORY_CEILING = 1536 * 1024 * 1024  # bytes of address space; a cold small build needs far less
TIMEOUT = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))


def run_limited(command: str, root: Path) -> subprocess.CompletedProcess:
    """`briefgen <command>` in `root`, killed after TIMEOUT seconds and refused memory past MEMORY_CEILING."""
    return subprocess.run([sys.executable, "-m", "briefgen", command], cwd=root, capture_output=True, text=True,
                          timeout=TIMEOUT, preexec_fn=_limit_memory)


def refused(root: Path) -> list[str]:
    """The error lines of `check` and of `build`: the same lines, exit status 1, no traceback, nothing built."""
    seen = {}
    for command in ("check", "build"):
        result = run_limited(command, root)
        assert result.returncode == 1, (command, result.returncode, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        assert "MemoryError" not in result.stderr and "RecursionError" not in result.stderr
        seen[command] = [line for line in result.stderr.splitlines() if ": error: " in line]
        assert seen[command], result.stderr
    assert seen["check"] == seen["build"]
    assert not (root / "_site").exists()
    for line in seen["build"]:
        assert "<unicode string>" not in line and "position" not in line, line
    return seen["build"]


def built(root: Path) -> None:
    for command in ("check", "build"):
        result = run_limited(command, root)
        assert result.returncode == 0, (command, result.stderr[-2000:])
    assert (root / "_site" / "index.html").is_file()


def briefing(*front_lines: str) -> str:
    return "---\ntitle: A\ndate: 2021-01-01\n" + "".join(line + "\n" for line in front_lines) + "---\nBody.\n"


def write(root: Path, files: dict[str, str]) -> Path:
    """Files written byte for byte (make_site dedents, which would change the YAML under test)."""
    for rel, text in {"site.yaml": MINIMAL_CONFIG, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return root


@pytest.fixture
def site(tmp_path):
    def make(files: dict[str, str], name: str = "site") -> Path:
        return write(tmp_path / name, files)
    return make


# -- item 10: alias bombs -------------------------------------------------------------------------------

LETTERS = "abcdefghi"


def flow_bomb(width: int = 9, indent: str = "") -> list[str]:
    """The issue's shape: nine levels of nine aliases, `a: &a [x,x,…]`, `b: &b [*a,*a,…]`, …"""
    lines = [f"{indent}a: &a [{', '.join(['lol'] * width)}]"]
    for previous, letter in zip(LETTERS, LETTERS[1:]):
        lines.append(f"{indent}{letter}: &{letter} [{', '.join([f'*{previous}'] * width)}]")
    return lines


def block_bomb() -> list[str]:
    lines = ["a: &a"] + ["  - lol"] * 9
    for previous, letter in zip(LETTERS, LETTERS[1:]):
        lines += [f"{letter}: &{letter}"] + [f"  - *{previous}"] * 9
    return lines


def mapping_bomb() -> list[str]:
    keys = [f"k{i}" for i in range(9)]
    lines = ["a: &a {" + ", ".join(f"{k}: lol" for k in keys) + "}"]
    for previous, letter in zip(LETTERS, LETTERS[1:]):
        lines.append(f"{letter}: &{letter} {{" + ", ".join(f"{k}: *{previous}" for k in keys) + "}")
    return lines


def test_the_issues_alias_bomb_is_refused_at_its_line_quickly(site):
    front = flow_bomb()
    root = site({BRIEFING: briefing(*front)})
    assert len("\n".join(front).encode()) < 600
    started = time.monotonic()
    # a: 10 values; b repeats 9 x 10; c 9 x 91 (909 so far); d's first *c crosses 1,000, on line 7.
    assert refused(root) == [
        f"{BRIEFING}:7:4: error: under 'd', YAML aliases (*name) repeat more than 1,000 values. Write the values "
        "out, or use fewer aliases: briefgen refuses bigger expansions so that a small file cannot use up the "
        "memory."
    ]
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("front, line", [
    (block_bomb(), 34),  # b repeats 90 values, c 9 x 91: d's list, anchored on line 34, crosses 1,000
    (mapping_bomb(), 6),  # keys count too: b repeats 9 x 19, c 9 x 181
    (["lol:", *flow_bomb(indent="  ")], 8),  # the whole bomb inside one custom key
    (["a: &a [lol, lol]", f"laughs: [{', '.join(['*a'] * 500)}]"], 5),  # wide, not deep: 3 values x 500
])
def test_other_shapes_of_alias_bombs_are_refused(site, front, line):
    errors = refused(site({BRIEFING: briefing(*front)}))
    assert len(errors) == 1
    assert re.match(rf"{re.escape(BRIEFING)}:{line}:\d+: error: under '\w+', YAML aliases \(\*name\) repeat more "
                    r"than 1,000 values\.", errors[0]), errors


@pytest.mark.parametrize("rel, text", [
    (PAGE, "---\ntitle: About\n" + "\n".join(flow_bomb()) + "\n---\nBody.\n"),
    (PROFILE, "---\nname: Jane Example\n" + "\n".join(flow_bomb()) + "\n---\nBody.\n"),
])
def test_an_alias_bomb_in_a_page_or_a_profile_is_refused(site, rel, text):
    errors = refused(site({rel: text, BRIEFING: briefing()}))
    assert [e.split(" error: ")[0] for e in errors] == [f"{rel}:6:4:"]


def test_an_alias_bomb_in_site_yaml_is_refused_at_its_line(site):
    config = MINIMAL_CONFIG + "extra:\n" + "\n".join(flow_bomb(indent="  ")) + "\n"
    errors = refused(site({"site.yaml": config, BRIEFING: briefing()}))
    assert errors == [
        "site.yaml:8:6: error: under 'extra', YAML aliases (*name) repeat more than 1,000 values. Write the values "
        "out, or use fewer aliases: briefgen refuses bigger expansions so that a small file cannot use up the "
        "memory."
    ]


@pytest.mark.parametrize("front", [["loop: &a [x, *a]"], ["loop: &a {self: *a}"], ["loop: &a [[[*a]]]"]])
def test_an_alias_inside_its_own_anchor_is_refused(site, front):
    errors = refused(site({BRIEFING: briefing(*front)}))
    assert len(errors) == 1 and errors[0].startswith(f"{BRIEFING}:4:")
    assert "under 'loop', a YAML alias (*name) is used inside its own anchor's value" in errors[0]


def test_small_aliases_still_build_and_the_limit_is_exact(site):
    # a stands for 1,000 values (the list and its 999 items); b repeats them once: exactly the limit.
    at_limit = [f"a: &a [{', '.join(['x'] * 999)}]", "b: *a"]
    built(site({BRIEFING: briefing(*at_limit)}))
    built(site({BRIEFING: briefing("defaults: &d {tone: calm, reach: wide}", "tone: *d", "again: [*d, *d]")},
               name="small"))
    over = [f"a: &a [{', '.join(['x'] * 1000)}]", "b: *a"]
    root = site({BRIEFING: briefing(*over)}, name="over")
    assert [e.split(" error: ")[0] for e in refused(root)] == [f"{BRIEFING}:5:1:"]


# -- item 11: deep nesting ------------------------------------------------------------------------------


def nested(kind: str, levels: int) -> list[str]:
    if kind == "flow lists":
        return ["deep: " + "[" * levels + "x" + "]" * levels]
    if kind == "flow mappings":
        return ["deep: " + "{k: " * levels + "x" + "}" * levels]
    if kind == "block mappings":
        return ["deep:"] + [" " * (2 * i + 2) + "k:" for i in range(levels)] + [" " * (2 * levels + 2) + "x"]
    if kind == "block lists":
        return ["deep:", "  " + "- " * levels + "x"]
    if kind == "mixed":
        pairs, odd = divmod(levels, 2)
        return ["deep: " + "[" * odd + "[{k: " * pairs + "x" + "}]" * pairs + "]" * odd]
    raise ValueError(kind)


KINDS = ["flow lists", "flow mappings", "block mappings", "block lists", "mixed"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("levels", [51, 600, 5000])
def test_nesting_deeper_than_50_levels_is_refused_by_check_and_build(site, kind, levels):
    if kind == "block mappings" and levels > 600:
        levels = 600  # 5,000 levels of indentation are 25 MB of spaces; 600 is deep enough for this shape
    errors = refused(site({BRIEFING: briefing(*nested(kind, levels))}))
    assert len(errors) == 1, errors
    assert re.match(rf"{re.escape(BRIEFING)}:\d+:\d+: error: (under 'deep', )?lists or mappings are nested deeper "
                    r"than 50 levels", errors[0]), errors
    assert errors[0].endswith("Flatten the value: briefgen reads at most 50 levels of lists and mappings inside "
                              "one another.")


@pytest.mark.parametrize("kind", KINDS)
def test_nesting_of_50_levels_builds(site, kind):
    built(site({BRIEFING: briefing(*nested(kind, 50))}))


def test_the_deep_error_is_at_the_first_level_too_deep(site):
    errors = refused(site({BRIEFING: briefing("deep: " + "[" * 51 + "]" * 51)}))
    assert errors[0].startswith(f"{BRIEFING}:4:57: error: under 'deep', ")  # the 51st '[' (after 'deep: ' + 50)


def test_nesting_made_deep_by_an_alias_is_refused(site):
    front = ["a: &a " + "[" * 30 + "x" + "]" * 30, "b: " + "[" * 30 + "*a" + "]" * 30]
    errors = refused(site({BRIEFING: briefing(*front)}))
    assert len(errors) == 1 and "under 'b', lists or mappings are nested deeper than 50 levels" in errors[0]


@pytest.mark.parametrize("rel, text", [
    (PAGE, "---\ntitle: About\n" + nested("flow lists", 600)[0] + "\n---\nBody.\n"),
    (PROFILE, "---\nname: Jane Example\n" + nested("flow lists", 600)[0] + "\n---\nBody.\n"),
    ("site.yaml", MINIMAL_CONFIG + "extra:\n  deep: " + "[" * 600 + "]" * 600 + "\n"),
])
def test_deep_nesting_in_pages_profiles_and_site_yaml(site, rel, text):
    files = {BRIEFING: briefing(), rel: text}
    errors = refused(site(files))
    assert len(errors) == 1 and errors[0].startswith(f"{rel}:")
    assert "nested deeper than 50 levels" in errors[0]


# -- item 20: a key given twice -------------------------------------------------------------------------

TWICE_HINT = "Keep one of them: YAML allows a key once per mapping, and the second would silently replace the first."


def test_a_title_given_twice_is_refused_at_the_second(site):
    errors = refused(site({BRIEFING: "---\ntitle: A\ndate: 2021-01-01\ntitle: B\n---\nBody.\n"}))
    assert errors == [f"{BRIEFING}:4:1: error: 'title' is given twice in the front matter (first on line 2). "
                      + TWICE_HINT]


@pytest.mark.parametrize("front, expected", [
    (["leaders: [X]", "draft: false", '"leaders": [Y]'], ["6:1: error: 'leaders' is given twice in the front matter"
                                                          " (first on line 4)."]),
    (["custom: 1", "custom: 1"], ["5:1: error: 'custom' is given twice in the front matter (first on line 4)."]),
    (["sources:", "  - title: Readout", "    url: https://example.org/a", "    url: https://example.org/b"],
     ["7:5: error: 'url' is given twice in one mapping under 'sources' (first on line 6)."]),
    (["extra_info: {a: 1, b: 2, a: 3}"], ["4:26: error: 'a' is given twice in one mapping under 'extra_info' "
                                          "(first on line 4)."]),
    (["k: x", "k: y", "k: z"], ["5:1: error: 'k' is given twice in the front matter (first on line 4).",
                                 "6:1: error: 'k' is given twice in the front matter (first on line 4)."]),
])
def test_keys_given_twice_in_other_shapes(site, front, expected):
    errors = refused(site({BRIEFING: briefing(*front)}))
    assert errors == [f"{BRIEFING}:{e} {TWICE_HINT}" for e in expected]


def test_a_key_twice_in_a_profile(site):
    files = {BRIEFING: briefing(), PROFILE: "---\nname: Jane Example\nrole: a\nrole: b\n---\nBody.\n"}
    assert refused(site(files)) == [
        f"{PROFILE}:4:1: error: 'role' is given twice in the front matter (first on line 3). {TWICE_HINT}",
    ]


def test_a_key_twice_in_site_yaml_top_level_and_nested(site):
    config = MINIMAL_CONFIG + "title: Again\nextra:\n  x: 1\n  x: 2\n"
    assert refused(site({"site.yaml": config, BRIEFING: briefing()})) == [
        f"site.yaml:4:1: error: 'title' is given twice in the site.yaml (first on line 1). {TWICE_HINT}",
        f"site.yaml:7:3: error: 'x' is given twice in one mapping under 'extra' (first on line 6). {TWICE_HINT}",
    ]


def test_the_same_key_in_different_mappings_is_fine(site):
    front = ["sources:", "  - title: One", "    url: https://example.org/1",
             "  - title: Two", "    url: https://example.org/2"]
    built(site({BRIEFING: briefing(*front)}))


# -- item 19: YAML errors are one clean line with file:line:col -----------------------------------------


@pytest.mark.parametrize("front, where, message", [
    (["summary: ok", "\tleaders: [X]"], "5:1", "invalid YAML in front matter: a tab where YAML allows only spaces."),
    (["key_points:", "\t- one"], "5:1", "invalid YAML in front matter: a tab where YAML allows only spaces."),
    (['summary: "never closed', "leaders: [X]"], "4:10",
     "invalid YAML in front matter: the quoted value that starts here is never closed."),
    (["summary: 'never closed", "leaders: [X]"], "4:10",
     "invalid YAML in front matter: the quoted value that starts here is never closed."),
    (["summary: A\x00B"], "4:11", "the front matter holds U+0000 (a NUL byte), which YAML does not allow."),
    (["summary: bell\x07"], "4:14", "the front matter holds U+0007 (a control character), which YAML does not allow."),
    (["sum\x1bmary: x"], "4:4", "the front matter holds U+001B (an escape character), which YAML does not allow."),
    (["summary: x\x7f"], "4:11", "the front matter holds U+007F (a delete character), which YAML does not allow."),
    (['summary: "a \\q b"'], "4:13",
     "invalid YAML in front matter: '\\q' is not an escape YAML knows in a double-quoted value."),
    (['summary: "\\uZZZZ"'], "4:13", "invalid YAML in front matter: a \\x, \\u or \\U escape in a double-quoted "
                                    "value is not a valid character code."),
    (["summary: Biden: a call"], "4:15",
     "invalid YAML in front matter: a ': ' inside a value, or a key indented under a value."),
    ([": stray"], "4:1", "invalid YAML in front matter: this line does not fit the 'key: value' lines of the "
                         "mapping that starts on line 2."),
    (["summary: *Breaking news"], "4:10",
     "invalid YAML in front matter: '*Breaking' is an alias, but no '&Breaking' anchor comes before it."),
    (["leaders: [X, Y", "issues: [Z]"], "4:10", "invalid YAML in front matter: the list opened here with '[' is "
                                                "not closed."),
    (["summary: @handle"], "4:10", "invalid YAML in front matter: a value cannot start with '@'."),
    (["summary: !secret x"], "4:10", "the YAML tag '!secret' is not supported."),
    (["summary: !!binary aGk="], "4:10", "the YAML tag '!!binary' is not supported."),
    (["count: !!int many"], "4:8", "'many' is not a value of the YAML tag '!!int'."),
    (["flag: !!bool maybe"], "4:7", "'maybe' is not a value of the YAML tag '!!bool'."),
    (["when: !!timestamp soon"], "4:7", "'soon' is not a value of the YAML tag '!!timestamp'."),
    (["big: " + "9" * 5000], "4:6", "a number of more than 4,000 digits."),
    (["? [a, b]", ": c"], "4:3", "in the front matter, a key is a list or a mapping."),
    (["a: 1", "--- x"], "5:1", "invalid YAML in front matter: a line starting with '---' here starts a second "
                               "YAML document."),
])
def test_yaml_errors_are_one_line_with_file_line_column_and_a_remedy(site, front, where, message):
    errors = refused(site({BRIEFING: briefing(*front)}))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{BRIEFING}:{where}: error: {message} "), errors
    assert len(errors[0].split(message, 1)[1].strip()) > 10, "no remedy given"


def test_site_yaml_syntax_errors_are_located_too(site):
    config = MINIMAL_CONFIG + 'description: "open\nauthor: x\x00\n'
    errors = refused(site({"site.yaml": config, BRIEFING: briefing()}))
    assert errors == [
        "site.yaml:5:10: error: the site.yaml holds U+0000 (a NUL byte), which YAML does not allow. Remove it (it "
        "often comes from a copy out of a PDF, a terminal or a binary file); inside double quotes an escape such as "
        "\"\\t\" writes a control character."
    ]
    config = MINIMAL_CONFIG + 'description: "open\nauthor: x\n'
    errors = refused(site({"site.yaml": config, BRIEFING: briefing()}))
    assert errors[0].startswith("site.yaml:4:14: error: invalid YAML in site.yaml: the quoted value that starts "
                                "here is never closed. ")


# -- nothing formats unbounded user data ----------------------------------------------------------------

LONG = "x" * 20000


@pytest.mark.parametrize("front", [
    [f"slug: a/{LONG}"],
    [f"aliases: [../{LONG}]"],
    [f"sources: [ftp://{LONG}]"],
    [f"summary: !{LONG} v"],
    [f"summary: *{LONG}"],
    [f"count: !!int {LONG}"],
    [f"{LONG[:1000]}: 1", f"{LONG[:1000]}: 2"],
    [f"title: [{LONG}]"],
    [f"date: {LONG}"],
    ['slug: "a/\\e[31mred\\u202eevil"'],
])
def test_messages_quote_at_most_a_short_visible_part_of_a_value(site, front):
    text = "---\n" + "".join(line + "\n" for line in front)
    if not any(line.startswith(("title:", "date:")) for line in front):
        text += "title: A\ndate: 2021-01-01\n"
    elif not any(line.startswith("date:") for line in front):
        text += "date: 2021-01-01\n"
    else:
        text += "title: A\n"
    errors = refused(site({BRIEFING: text + "---\nBody.\n"}))
    for line in errors:
        assert len(line) < 600, line[:300]
        assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", line), line
        assert "x" * 61 not in line, line
