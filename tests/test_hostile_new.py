"""`briefgen new briefing` with hostile titles (issue 18, item 19).

A long title gets a file name cut at a word boundary and keeps the whole title in front matter; a
title that makes no file name is a clear error; an existing file (or a link in its place) is never
written through.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from briefgen.scaffold import SLUG_LENGTH
from conftest import run_cli

SITE = {"site.yaml": "title: Test desk\nbase_url: https://example.org/\ntimezone: UTC\n"}


def new_briefing(root: Path, title: str, *more: str):
    return run_cli("new", "briefing", "--date", "2024-03-01", *more, "--", title, cwd=root)


def briefings(root: Path) -> dict[str, bytes]:
    folder = root / "content" / "briefings"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.mark.parametrize("title", [
    "The summit " * 30,                                    # 330 characters of short words
    "Geneva " + "x" * 300,                                  # one word longer than the cut
    "y" * 300,                                              # a single 300-letter word
    "Встреча в Женеве и её последствия для договора " * 6,  # transliterated, then cut
    "李强会见普京" * 50,                                       # 300 CJK characters
    "Title: with \"quotes\", a \\ backslash, #hash and 'apostrophes' " * 5,
])
def test_a_long_title_gets_a_short_file_name_and_keeps_the_whole_title(make_site, title):
    root = make_site(SITE)
    result = new_briefing(root, title)
    assert result.returncode == 0, result.stderr
    (name,) = briefings(root)
    stem = name.removesuffix(".md")
    assert 0 < len(stem) <= SLUG_LENGTH and len(name.encode()) < 255
    assert not stem.endswith("-") and stem == stem.lower()
    assert front_matter(root / "content" / "briefings" / name)["title"] == title
    assert f"Created content/briefings/{name}" in result.stdout + result.stderr
    checked = run_cli("check", cwd=root)
    assert checked.returncode == 0, checked.stderr


def test_words_are_not_cut_in_the_middle(make_site):
    root = make_site(SITE)
    title = " ".join(f"word{n:02d}" for n in range(60))  # 'word00 word01 …', 7 characters a word with the space
    assert new_briefing(root, title).returncode == 0
    (name,) = briefings(root)
    assert name == "-".join(f"word{n:02d}" for n in range(11)) + ".md"  # 11 words: 76 characters; 12 would be 83


@pytest.mark.parametrize("title", ["", "   ", "!!!", "—…“”", "🙂🙂", "- - -", "?"])
def test_a_title_without_letters_or_digits_is_a_clear_error(make_site, title):
    root = make_site(SITE)
    result = new_briefing(root, title)
    assert result.returncode == 1, result.stderr
    assert "has no letters or digits to make a file name" in result.stderr
    assert 'briefgen new briefing "Geneva summit"' in result.stderr and "Traceback" not in result.stderr
    assert briefings(root) == {}


@pytest.mark.parametrize("title", ["Two\nlines", "Bell\x07", "Escape \x1b[31mred", "Tab\tinside"])
def test_a_title_with_a_control_character_is_refused(make_site, title):
    root = make_site(SITE)
    result = new_briefing(root, title)
    assert result.returncode == 1
    assert "has the control character U+" in result.stderr and "Write the title on one line" in result.stderr
    assert briefings(root) == {}


def test_an_existing_briefing_is_never_overwritten(make_site):
    root = make_site({**SITE, "content/briefings/geneva-summit.md": "---\ntitle: Mine\ndate: 2021-01-01\n---\nMine.\n"})
    before = briefings(root)
    result = new_briefing(root, "Geneva summit")
    assert result.returncode == 1
    assert "content/briefings/geneva-summit.md already exists; it was left as it is." in result.stderr
    assert briefings(root) == before


def test_two_long_titles_that_share_their_start_do_not_overwrite_each_other(make_site):
    root = make_site(SITE)
    start = "The long negotiation over the future of strategic arms control in Europe and beyond "
    assert new_briefing(root, start + "part one").returncode == 0
    before = briefings(root)
    second = new_briefing(root, start + "part two")
    assert second.returncode == 1 and "already exists" in second.stderr
    assert briefings(root) == before


def test_a_link_in_the_briefings_place_is_never_written_through(make_site, tmp_path):
    root = make_site(SITE)
    folder = root / "content" / "briefings"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    (folder / "geneva-summit.md").symlink_to(outside)
    (folder / "dangling.md").symlink_to(tmp_path / "created-through-the-link.md")
    (folder / "a-folder.md").mkdir()
    for title in ("Geneva summit", "Dangling", "A folder"):
        result = new_briefing(root, title)
        assert result.returncode == 1 and "already exists" in result.stderr, result.stderr
    assert outside.read_text() == "not yours\n"
    assert not (tmp_path / "created-through-the-link.md").exists()
    assert os.path.islink(folder / "dangling.md") and (folder / "a-folder.md").is_dir()


def test_a_bad_date_is_shown_short(make_site):
    root = make_site(SITE)
    result = run_cli("new", "briefing", "Geneva summit", "--date", "x" * 500, cwd=root)
    assert result.returncode == 1
    assert "'" + "x" * 60 + "…' is not a date. Write it as YYYY-MM-DD." in result.stderr
    assert briefings(root) == {}
