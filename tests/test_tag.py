"""briefgen tag: the names a briefing's text mentions, added to its front matter and nothing else changed."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from conftest import run_cli, write_site

PROFILES = {
    "content/leaders/vladimir-putin.md": "---\nname: Vladimir Putin\naliases: [Putin]\n---\nA leader.\n",
    "content/leaders/joe-biden.md": "---\nname: Joe Biden\naliases: [Biden]\n---\nA leader.\n",
    "content/treaties/new-start.md": "---\nname: New START\n---\nA treaty.\n",
    "content/issues/arms-control.md": "---\nname: arms control\n---\nAn issue.\n",
}
BODY = "Biden called Putin about New START and arms control.\n"


def _site(tmp_path, briefings: dict[str, bytes | str]) -> Path:
    return write_site(tmp_path / "site", {**PROFILES, **{f"content/briefings/{k}": v for k, v in briefings.items()}})


def test_without_yes_the_diff_is_shown_and_nothing_is_written(tmp_path):
    text = "---\ntitle: A call\ndate: 2021-01-26\nleaders: [Biden]  # the caller\n---\n" + BODY
    site = _site(tmp_path, {"call.md": text})
    shown = run_cli("tag", "content/briefings/call.md", cwd=site)
    assert shown.returncode == 0, shown.stderr
    assert "-leaders: [Biden]  # the caller\n+leaders: [Biden, Vladimir Putin]  # the caller\n" in shown.stdout
    assert "+treaties: [New START]\n+issues: [arms control]\n" in shown.stdout
    assert "Run again with --yes" in shown.stderr
    assert (site / "content/briefings/call.md").read_text() == text


def test_yes_writes_the_names_and_keeps_every_other_byte(tmp_path):
    # CRLF line endings, comments, a block list with a comment inside, quoting, key order: all kept.
    original = (b"---\r\n# A comment first\r\ntitle: 'A call'   # quoted\r\ndate: 2021-01-26\r\n"
                b"leaders:\r\n  - Biden\r\n  # the other side\r\n"
                b"issues: arms control\r\nextra: {a: 1}\r\n---\r\n" + BODY.replace("\n", "\r\n").encode())
    site = _site(tmp_path, {"call.md": original})
    done = run_cli("tag", "--yes", "content/briefings/call.md", cwd=site)
    assert done.returncode == 0, done.stderr
    written = (site / "content/briefings/call.md").read_bytes()
    assert written == original.replace(b"  # the other side\r\n", b"  # the other side\r\n", 1).replace(
        b"  - Biden\r\n", b"  - Biden\r\n  - Vladimir Putin\r\n", 1).replace(
        b"extra: {a: 1}\r\n---", b"extra: {a: 1}\r\ntreaties: [New START]\r\n---", 1)
    # Tagged: check has nothing more to note, and tag nothing more to do.
    assert "note:" not in run_cli("check", cwd=site).stderr
    again = run_cli("tag", "--all", cwd=site)
    assert again.returncode == 0 and again.stdout == ""


def test_names_that_need_quotes_are_quoted(tmp_path):
    profiles = {"content/leaders/odd.md": "---\nname: 'Yes: Man #1'\naliases: [Odd]\n---\nA leader.\n"}
    site = write_site(tmp_path / "site", {**profiles, "content/briefings/a.md":
                                          "---\ntitle: A\ndate: 2021-01-01\nleaders: []\n---\nOdd spoke.\n"})
    assert run_cli("tag", "--yes", "--all", cwd=site).returncode == 0
    assert 'leaders: ["Yes: Man #1"]\n' in (site / "content/briefings/a.md").read_text()
    assert "note:" not in run_cli("check", cwd=site).stderr


def test_a_file_with_broken_yaml_is_left_untouched_with_a_clear_message(tmp_path):
    broken = "---\ntitle: [A call\ndate: 2021-01-26\n---\n" + BODY
    good = "---\ntitle: Good\ndate: 2021-01-27\n---\n" + BODY
    site = _site(tmp_path, {"broken.md": broken, "good.md": good})
    refused = run_cli("tag", "--yes", "--all", cwd=site)
    assert refused.returncode == 1
    assert "content/briefings/broken.md:2" in refused.stderr and "error:" in refused.stderr
    assert "nothing was written" in refused.stderr and "Traceback" not in refused.stderr
    assert (site / "content/briefings/broken.md").read_text() == broken
    assert (site / "content/briefings/good.md").read_text() == good


def test_a_form_tag_cannot_extend_is_refused_and_left_as_it_is(tmp_path):
    text = "---\ntitle: A\ndate: 2021-01-01\nleaders: [\n  Biden]\n---\n" + BODY
    site = _site(tmp_path, {"a.md": text})
    refused = run_cli("tag", "--yes", "content/briefings/a.md", cwd=site)
    assert refused.returncode == 1
    assert "content/briefings/a.md: error:" in refused.stderr and "Add by hand: leaders: Vladimir Putin" in refused.stderr
    assert (site / "content/briefings/a.md").read_text() == text


def test_tag_needs_files_or_all_and_only_tags_briefings(tmp_path):
    site = _site(tmp_path, {"a.md": "---\ntitle: A\ndate: 2021-01-01\n---\n" + BODY})
    bare = run_cli("tag", cwd=site)
    assert bare.returncode == 2 and "--all" in bare.stderr
    other = run_cli("tag", "content/leaders/joe-biden.md", cwd=site)
    assert other.returncode == 1 and "is not a briefing of the site" in other.stderr


def test_a_write_that_fails_leaves_the_briefing_whole(tmp_path):
    """A full disk or a quota half-way through: the briefing is as it was, not cut short, and nothing of the
    attempt is left beside it; once there is room, tag writes it."""
    text = "---\ntitle: A call\ndate: 2021-01-26\nleaders: []\n---\n" + BODY + "".join(
        f"Paragraph {i} of the call, long enough to fill a few kilobytes of the file.\n\n" for i in range(80))
    site = _site(tmp_path, {"call.md": text})
    briefing = site / "content/briefings/call.md"
    briefing.chmod(0o640)

    def small_files_only() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))  # what `ulimit -f 2` allows

    failed = subprocess.run([sys.executable, "-m", "briefgen", "tag", "--yes", "content/briefings/call.md"],
                            cwd=site, capture_output=True, text=True, preexec_fn=small_files_only, timeout=120)
    assert failed.returncode == 1, failed.stderr
    assert "File too large" in failed.stderr
    assert briefing.read_text() == text
    assert sorted(p.name for p in briefing.parent.iterdir()) == ["call.md"]

    assert run_cli("tag", "--yes", "content/briefings/call.md", cwd=site).returncode == 0
    assert "leaders: [Joe Biden, Vladimir Putin]\n" in briefing.read_text()
    assert briefing.stat().st_mode & 0o777 == 0o640
