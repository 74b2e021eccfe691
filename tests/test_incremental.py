"""Cached and incremental builds give exactly what a clean build gives."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from conftest import run_cli

PUTIN = "---\nname: Vladimir Putin\naliases: [Putin]\nrole: President of Russia\n---\nProfile.\n"


def briefing(title, date, body, leaders="[Putin]"):
    return f"---\ntitle: {title}\ndate: {date}\nleaders: {leaders}\nissues: [arms control]\n---\n{body}\n"


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_clean_build(site: Path, tmp_path: Path, label: str) -> None:
    incremental = run_cli("build", cwd=site, check=True)
    clean_out = tmp_path / f"clean-{label}"
    run_cli("build", "--no-cache", "--out", str(clean_out), cwd=site, check=True)
    got, want = tree(site / "_site"), tree(clean_out)
    assert sorted(got) == sorted(want), f"after {label}: different files"
    different = [name for name in want if got[name] != want[name]]
    assert not different, f"after {label}: {different[:5]} differ"
    return incremental


def test_incremental_builds_equal_clean_builds_after_each_edit(make_site, tmp_path):
    files = {"content/leaders/vladimir-putin.md": PUTIN}
    for day in range(1, 9):
        files[f"content/briefings/b{day}.md"] = briefing(f"Briefing {day}", f"2021-01-0{day}",
                                                        f"Putin spoke on day {day}.")
    site = make_site(files)
    first = assert_same_as_clean_build(site, tmp_path, "a first build")
    assert "0 unchanged" in first.stderr

    again = assert_same_as_clean_build(site, tmp_path, "nothing changed")
    assert "Nothing changed since the last build" in again.stderr
    (site / "content/briefings/b1.md").touch()  # a new mtime, the same bytes: still nothing to do
    assert "Nothing changed" in run_cli("build", cwd=site, check=True).stderr

    briefings = site / "content" / "briefings"
    (briefings / "b3.md").write_text(briefing("Briefing 3", "2021-01-03", "A new body for day three."))
    edited = assert_same_as_clean_build(site, tmp_path, "a body edit")
    assert " 0 rendered" not in edited.stderr and " 0 unchanged" not in edited.stderr

    (briefings / "b4.md").write_text(briefing("Renamed four", "2021-01-04", "Day four.", "[Joe Biden]"))
    assert_same_as_clean_build(site, tmp_path, "a front matter edit")

    (site / "content/leaders/vladimir-putin.md").write_text(PUTIN.replace("[Putin]", "[Putin, President Putin]"))
    assert_same_as_clean_build(site, tmp_path, "new aliases")

    (briefings / "b9.md").write_text(briefing("Briefing 9", "2021-01-09", "President Putin again."))
    assert_same_as_clean_build(site, tmp_path, "a new briefing")

    (briefings / "b2.md").unlink()
    assert_same_as_clean_build(site, tmp_path, "a deleted briefing")

    (site / "templates").mkdir()
    (site / "templates" / "briefing.html").write_text(
        '{% extends "default/briefing.html" %}{% block content %}<p>edited template</p>{{ super() }}{% endblock %}')
    assert_same_as_clean_build(site, tmp_path, "a template change")
    assert "<p>edited template</p>" in (site / "_site/briefings/b1/index.html").read_text()

    (site / "site.yaml").write_text("title: Renamed desk\nbase_url: https://example.org/sub/\nper_page: 3\n")
    assert_same_as_clean_build(site, tmp_path, "a site.yaml change")
    assert "Renamed desk" in (site / "_site/index.html").read_text()

    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "language: ru\n")
    assert_same_as_clean_build(site, tmp_path, "a change of language")
    assert "Последние сводки" in (site / "_site/index.html").read_text()
    (site / "translations").mkdir()
    (site / "translations" / "ru.po").write_text('msgid "Latest briefings"\nmsgstr "Свежие сводки"\n')
    assert_same_as_clean_build(site, tmp_path, "a site's own catalog")
    assert "Свежие сводки" in (site / "_site/index.html").read_text()


EXTRAS_BODY = """He said "no" -- twice... (c) 2021. See www.example.org/a--b and [[1]](https://example.org/r).

> [!NOTE]
> Figures are provisional.

- [x] signed
- [ ] ratified

## Main

| a | b |
|--:|:--|
| 1 | 2 |

A claim[^n].

[^n]: A note."""


def test_markdown_extras_and_the_typographer_switch_give_clean_builds(make_site, tmp_path):
    site = make_site({"content/leaders/vladimir-putin.md": PUTIN,
                      "content/briefings/b1.md": briefing("One", "2021-01-01", EXTRAS_BODY),
                      "content/briefings/b2.md": briefing("Two", "2021-01-02", "Plain -- text.")})
    assert_same_as_clean_build(site, tmp_path, "a first build")
    html = (site / "_site/briefings/b1/index.html").read_text()
    assert "“no” – twice…" in html and 'id="main-1"' in html and "fn-b1-1" in html
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "typographer: false\n")
    assert_same_as_clean_build(site, tmp_path, "the typographer off")
    assert "Plain -- text." in (site / "_site/briefings/b2/index.html").read_text()
    (site / "content/briefings/b2.md").write_text(briefing("Two", "2021-01-02", EXTRAS_BODY.replace("[^n]", "[^m]")))
    assert_same_as_clean_build(site, tmp_path, "a body with the extras, the typographer off")
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("typographer: false", "typographer: true"))
    assert_same_as_clean_build(site, tmp_path, "the typographer on again")
    assert "“no” – twice…" in (site / "_site/briefings/b2/index.html").read_text()

def test_typeset_titles_index_facts_and_the_table_of_contents_give_clean_builds(make_site, tmp_path):
    """Theme (issue 22): typeset titles and [[title]] text, the taxonomy index's roles, key dates and latest
    dates, and the table of contents, each edited, and the typographer switched."""
    treaty = "---\nname: New START\nexpires: 2026-02-05\n---\nText.\n"
    long_body = "Intro.\n\n## One\n\nA.\n\n## Two\n\nB.\n\n### Two and a half\n\nC.\n"
    site = make_site({"content/leaders/vladimir-putin.md": PUTIN, "content/treaties/new-start.md": treaty,
                      "content/briefings/b1.md": briefing("Putin's \"reset\"", "2021-01-01", long_body),
                      "content/briefings/b2.md": briefing("Two", "2021-01-02", "See [[Putin's \"reset\"]].")})
    assert_same_as_clean_build(site, tmp_path, "a first build")
    briefings = site / "content/briefings"
    (briefings / "b1.md").write_text(briefing("Putin's \"reset\" -- again", "2021-01-01", long_body))
    (briefings / "b2.md").write_text(briefing("Two", "2021-01-02", "See [[Putin's \"reset\" -- again]]."))
    assert_same_as_clean_build(site, tmp_path, "a typeset title, linked")
    (site / "content/leaders/vladimir-putin.md").write_text(PUTIN.replace("President of Russia", "Russia's president"))
    (site / "content/treaties/new-start.md").write_text(treaty.replace("2026-02-05", "2031-02-05"))
    assert_same_as_clean_build(site, tmp_path, "a new role and key date")
    (briefings / "b2.md").write_text(briefing("Two", "2022-03-04", "See [[Putin's \"reset\" -- again]]."))
    assert_same_as_clean_build(site, tmp_path, "a newer latest briefing")
    (briefings / "b1.md").write_text(briefing("Putin's \"reset\" -- again", "2021-01-01",
                                              long_body.replace("## Two", "Two")))
    assert_same_as_clean_build(site, tmp_path, "a heading fewer: no table of contents")
    (briefings / "b1.md").write_text(briefing("Putin's \"reset\" -- again", "2021-01-01", long_body)
                                     .replace("title:", "toc: false\ntitle:", 1))
    assert_same_as_clean_build(site, tmp_path, "the headings back, toc: false")
    assert "toc-inline" not in (site / "_site/briefings/b1/index.html").read_text()
    (briefings / "b3.md").write_text(briefing("Three", "2021-01-03", "Text.", "[Someone Else]"))
    assert_same_as_clean_build(site, tmp_path, "a leader only one briefing names")
    (briefings / "b3.md").unlink()  # the leader goes, and with it the facts the index read of them
    assert_same_as_clean_build(site, tmp_path, "that briefing deleted")
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "typographer: false\n")
    assert_same_as_clean_build(site, tmp_path, "the typographer off")
    assert "Putin&#39;s" in (site / "_site/leaders/index.html").read_text() + (site / "_site/index.html").read_text()


def test_unchanged_files_keep_their_modification_time(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text."),
                      "content/briefings/b.md": briefing("B", "2021-02-01", "Text.", "[Someone Else]")})
    run_cli("build", cwd=site, check=True)
    out = site / "_site"
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    os.utime(site / "content/briefings/b.md")  # touched, not changed
    (site / "content/briefings/b.md").write_text(briefing("B", "2021-02-01", "Changed text.", "[Someone Else]"))
    run_cli("build", cwd=site, check=True)
    assert (out / "briefings/a/index.html").stat().st_mtime_ns == stamps[out / "briefings/a/index.html"]
    assert "Changed text." in (out / "briefings/b/index.html").read_text()


def test_corrupted_cache_is_detected_and_rebuilt(make_site, tmp_path):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    run_cli("build", cwd=site, check=True)
    for name in ("cache.sqlite", "state.pickle"):
        cache_file = site / ".briefgen-cache" / name
        blob = bytearray(cache_file.read_bytes())
        blob[len(blob) // 2] ^= 0xFF  # one flipped byte
        cache_file.write_bytes(bytes(blob))
    (site / "content/briefings/a.md").write_text(briefing("A", "2021-01-01", "New text."))
    result = run_cli("build", cwd=site, check=True)
    assert " 0 unchanged" in result.stderr  # nothing trusted from the damaged cache
    assert "New text." in (site / "_site/briefings/a/index.html").read_text()
    (site / ".briefgen-cache" / "cache.sqlite").write_bytes(b"not a cache at all")
    (site / "content/briefings/a.md").write_text(briefing("A", "2021-01-01", "Newer text."))
    assert_same_as_clean_build(site, tmp_path, "a garbage cache")


def test_a_damaged_row_of_the_cache_database_means_a_build_from_scratch(make_site, tmp_path):
    import sqlite3

    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text about A."),
                      "content/briefings/b.md": briefing("B", "2021-01-02", "Text about B.")})
    run_cli("build", cwd=site, check=True)
    database = sqlite3.connect(site / ".briefgen-cache" / "cache.sqlite")
    with database:  # B's rendered body, which A's page shows as the next briefing, is garbled
        changed = database.execute("UPDATE rows SET tail = X'00ff00' WHERE kind = 'bodies' AND rel LIKE '%b.md'")
        assert changed.rowcount == 1
    database.close()
    (site / "content/briefings/a.md").write_text(briefing("A", "2021-01-01", "New text about A."))
    result = assert_same_as_clean_build(site, tmp_path, "a damaged row")
    assert "the build cache in .briefgen-cache/ is damaged" in result.stderr
    assert "bodies row content/briefings/b.md fails its checksum" in result.stderr
    assert " 0 unchanged" in result.stderr
    # The next build trusts the cache written afresh.
    (site / "content/briefings/a.md").write_text(briefing("A", "2021-01-01", "Newest text about A."))
    result = assert_same_as_clean_build(site, tmp_path, "after the damage")
    assert "damaged" not in result.stderr and " 0 unchanged" not in result.stderr


def test_edited_output_file_is_not_reused(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    run_cli("build", cwd=site, check=True)
    page = site / "_site/briefings/a/index.html"
    original = page.read_bytes()
    page.write_text("tampered")
    result = run_cli("build", cwd=site, check=True)
    assert "Nothing changed" not in result.stderr
    assert page.read_bytes() == original


def test_no_cache_neither_reads_nor_writes_the_cache(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    result = run_cli("build", "--no-cache", cwd=site, check=True)
    assert not (site / ".briefgen-cache").exists()
    assert " 0 unchanged" in result.stderr
    run_cli("build", cwd=site, check=True)
    assert (site / ".briefgen-cache" / "cache.sqlite").is_file()
    assert " 0 unchanged" in run_cli("build", "--no-cache", cwd=site, check=True).stderr


def test_an_edit_reindexes_only_the_search_shards_it_touches(make_site):
    from briefgen.pipeline import build_and_index
    from briefgen.incremental.cache import BuildCache
    from briefgen.config import load_config
    from briefgen.search.runs import pagefind_binary

    if pagefind_binary() is None:
        import pytest
        pytest.skip("the Pagefind binary is not installed (pip install 'pagefind[bin]')")
    site = make_site({
        "content/briefings/old.md": briefing("Old", "2020-05-01", "Written in 2020.", "[Someone Else]"),
        "content/briefings/new.md": briefing("New", "2021-05-01", "Written in 2021.", "[Another One]"),
    })
    config = load_config(site)
    cache = BuildCache()
    build_and_index(config, cache=cache)
    before = {name: shard.files for name, shard in cache.search.shards.items()}
    assert set(before) == {"briefings-2020", "briefings-2021", "leaders", "issues"}
    (site / "content/briefings/old.md").write_text(briefing("Old", "2020-05-01", "Rewritten.", "[Someone Else]"))
    result = build_and_index(config, cache=cache)
    assert cache.search.shards["briefings-2021"].files is before["briefings-2021"]  # reused as it was
    assert cache.search.shards["briefings-2020"].files is not before["briefings-2020"]  # indexed again
    fragments = [o for o in result.outputs if o.rel_path.startswith("pagefind/briefings-2020/fragment/")]
    assert any(b"Rewritten" in gzip.decompress(o.read()) for o in fragments)


def test_one_more_briefing_naming_a_leader_does_not_rerender_every_page_naming_them(make_site):
    from briefgen.pipeline import build
    from briefgen.incremental.cache import BuildCache
    from briefgen.config import load_config

    files = {f"content/briefings/b{i}.md": briefing(f"B{i}", f"2021-01-0{i}", f"Day {i}.") for i in range(1, 7)}
    site = make_site(files)
    config = load_config(site)
    cache = BuildCache()
    first = build(config, cache=cache)
    cache.remember_outputs(first.outputs, first.keys)
    (site / "content/briefings/new.md").write_text(briefing("New", "2025-01-01", "Much later."))
    second = build(config, cache=cache)
    by_path = {o.rel_path: o for o in first.outputs}
    reused = {o.rel_path for o in second.outputs if by_path.get(o.rel_path) is o}
    # Putin's count went from 6 to 7, but b1's page does not show counts: it is reused as it was.
    assert "briefings/b1/index.html" in reused
    # The entity page and b6 (whose "next" link now points at the new briefing) are rendered again.
    assert "leaders/putin/index.html" not in reused and "briefings/b6/index.html" not in reused


def test_an_edit_of_the_same_length_is_seen(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text one.")})
    run_cli("build", cwd=site, check=True)
    path = site / "content/briefings/a.md"
    path.write_text(path.read_text().replace("Text one.", "Text two."))  # same size, new mtime
    result = run_cli("build", cwd=site, check=True)
    assert "Nothing changed" not in result.stderr
    assert "Text two." in (site / "_site/briefings/a/index.html").read_text()


def test_a_dot_folder_briefgen_wrote_goes_when_its_source_goes(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text."),
                      "static/.well-known/security.txt": "Contact: mailto:desk@example.org\n"})
    run_cli("build", cwd=site, check=True)
    (site / "_site" / ".git").mkdir()  # the user's own, e.g. a checkout of gh-pages
    assert (site / "_site/.well-known/security.txt").is_file()
    (site / "static/.well-known/security.txt").unlink()
    (site / "static/.well-known").rmdir()
    run_cli("build", cwd=site, check=True)
    assert not (site / "_site/.well-known").exists()
    assert (site / "_site/.git").is_dir()


def test_an_edit_with_its_old_modification_time_restored_is_seen(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text one."),
                      "static/note.txt": "aa\n"})
    run_cli("build", cwd=site, check=True)
    for rel, old, new in (("content/briefings/a.md", "Text one.", "Text two."), ("static/note.txt", "aa", "bb")):
        path = site / rel
        stamp = path.stat()
        path.write_text(path.read_text().replace(old, new))  # same size
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as `touch -d` or `cp -p` would
    result = run_cli("build", cwd=site, check=True)
    assert "Nothing changed" not in result.stderr
    assert "Text two." in (site / "_site/briefings/a/index.html").read_text()
    assert (site / "_site/note.txt").read_text() == "bb\n"


def test_a_stray_file_in_content_fails_strict_builds_with_or_without_cache(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    run_cli("build", "--strict", cwd=site, check=True)
    (site / "content" / "stray.md").write_text("---\n")
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 1
    assert "content/stray.md: error: files directly in content/ are not built." in result.stderr


def test_a_cache_that_cannot_be_saved_does_not_fail_the_build(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    (site / ".briefgen-cache").write_text("a file where the cache folder would go")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "warning: could not save the build cache" in result.stderr
    assert (site / "_site/briefings/a/index.html").is_file()


def _body_edit_site(make_site):
    """Twelve briefings over two years naming overlapping leaders: related lists, pagination, feeds, years."""
    files = {"content/leaders/vladimir-putin.md": PUTIN,
             "site.yaml": "title: Desk\nbase_url: https://example.org/\nper_page: 3\nhome_count: 4\n"}
    for i in range(1, 13):
        leaders = "[Putin, Joe Biden]" if i % 2 else "[Putin, Angela Merkel]"
        files[f"content/briefings/b{i:02}.md"] = briefing(f"Briefing {i}", f"{2020 + i % 2}-03-{i:02}",
                                                         f"Putin spoke, day {i}.\n\nMore on day {i}.", leaders)
    return make_site(files)


def test_body_edits_re_render_only_the_pages_showing_that_briefing(make_site, tmp_path):
    site = _body_edit_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    target = site / "content/briefings/b05.md"
    for step, body in enumerate(["A new first paragraph, which is the summary.", "Putin again, in a new body.",
                                 "[[Briefing 7]] is linked from here.", "Putin spoke, day 5.\n\nMore on day 5."]):
        target.write_text(briefing("Briefing 5", "2021-03-05", body, "[Putin, Joe Biden]"))
        edited = assert_same_as_clean_build(site, tmp_path, f"body edit {step}")
        rendered = int(edited.stderr.split(" rendered")[0].rsplit("; ", 1)[1])
        # b05's page, its neighbours and the pages listing or relating it; never the whole site.
        assert 0 < rendered < 40, edited.stderr


def test_jobs_saved_as_what_the_edits_changed_give_clean_builds(make_site, tmp_path):
    """After a body edit the cache keeps the jobs as the full set saved before and the records that changed
    since: edit after edit (the changes add up), then saved whole after a new briefing, and again as changes
    after the next body edit. Each build equals a clean one and renders only the pages showing the edit."""
    import sqlite3

    files = {"content/leaders/vladimir-putin.md": PUTIN,
             "site.yaml": "title: Desk\nbase_url: https://example.org/\nper_page: 3\n"}
    for i in range(1, 81):  # enough pages that an edit's records are a few of them
        leaders = "[Putin, Joe Biden]" if i % 2 else "[Putin, Angela Merkel]"
        files[f"content/briefings/b{i:02}.md"] = briefing(f"Briefing {i}", f"{2012 + i % 9}-03-{i % 28 + 1:02}",
                                                         f"Putin spoke, day {i}.", leaders)
    site = make_site(files)

    def saved_jobs() -> set[str]:
        with sqlite3.connect(site / ".briefgen-cache/cache.sqlite") as database:
            return {name for (name,) in database.execute("SELECT name FROM memos WHERE name LIKE 'jobs%'")}

    def edit_body(name: str, body: str, label: str) -> int:
        path = site / f"content/briefings/{name}.md"
        path.write_text(path.read_text().rsplit("---\n", 1)[0] + f"---\n{body}\n")
        edited = assert_same_as_clean_build(site, tmp_path, label)
        rendered = int(edited.stderr.split(" rendered")[0].rsplit("; ", 1)[1])
        assert 0 < rendered < 30, edited.stderr
        return rendered

    assert_same_as_clean_build(site, tmp_path, "a first build")
    assert saved_jobs() == {"jobs"}
    rendered = []
    for step, (name, body) in enumerate([("b05", "A new body for five."), ("b18", "Putin, and a new body."),
                                         ("b05", "Five, edited again.")]):
        rendered.append(edit_body(name, body, f"body edit {step}"))
        assert saved_jobs() == {"jobs", "jobs-delta"}
    # The same pages show b05 both times: none of those b18's edit made again is made a second time.
    assert rendered[2] == rendered[0], rendered
    (site / "content/briefings/b81.md").write_text(briefing("Briefing 81", "2021-04-01", "Putin, once more."))
    assert_same_as_clean_build(site, tmp_path, "a new briefing")
    assert saved_jobs() == {"jobs"}
    edit_body("b81", "Putin, edited.", "a body edit after it")
    assert saved_jobs() == {"jobs", "jobs-delta"}
    assert "Putin, edited." in (site / "_site/briefings/b81/index.html").read_text()


class InMemoryBuilds:
    """Builds of one site sharing an in-memory cache, as in `serve`; each is checked against a clean build."""

    def __init__(self, site: Path):
        from briefgen.incremental.cache import BuildCache
        from briefgen.config import load_config

        self.config, self.cache = load_config(site), BuildCache()
        self.rebuild()

    def rebuild(self):
        """(the result, the keys of the jobs made again rather than kept from the last build)."""
        from briefgen.pipeline import build
        from briefgen.incremental.cache import BuildCache

        before = self.cache.jobs.records if self.cache.jobs else {}
        result = build(self.config, cache=self.cache)
        self.cache.remember_outputs(result.outputs, result.keys)
        clean = build(self.config, cache=BuildCache())
        got = {o.rel_path: o.read() for o in result.outputs}
        want = {o.rel_path: o.read() for o in clean.outputs}
        assert sorted(got) == sorted(want)
        assert [name for name in want if got[name] != want[name]] == []
        assert result.diagnostics == clean.diagnostics  # warnings too, at the lines they are on now
        return result, {key for key, record in self.cache.jobs.records.items() if record is not before.get(key)}


CARD_EDITS = [  # what briefings show of themselves, edit after edit; their places in the site stay
    ("two titles swapped: b07's [[Briefing 5]] now links to b03", {
        "b05": ("---\ntitle: Briefing 5\n", "---\ntitle: Briefing 3\n"),
        "b03": ("---\ntitle: Briefing 3\n", "---\ntitle: Briefing 5\n")}),
    ("a summary of its own", {"b05": ("\nleaders:", "\nsummary: A summary of its own.\nleaders:")}),
    ("an updated date, which the sitemap shows", {"b05": ("\nleaders:", "\nupdated: 2021-04-01\nleaders:")}),
    ("a field of its own", {"b05": ("\nleaders:", "\nmood: calm\nleaders:")}),
]


def _card_edit_site(make_site):
    site = _body_edit_site(make_site)
    b07 = site / "content/briefings/b07.md"
    b07.write_text(b07.read_text().replace("More on day 7.", "More on day 7. See [[Briefing 5]]."))
    b05 = site / "content/briefings/b05.md"  # a near miss, warned about on the line it is on
    b05.write_text(b05.read_text().replace("leaders: [Putin, Joe Biden]", "leaders: [Putin, Joe Biden, Vladimir Putn]"))
    return site


def _edit_cards(site, edits):
    for name, (old, new) in edits.items():
        path = site / f"content/briefings/{name}.md"
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new, 1))


def _link_in_b07(page: str) -> str:
    return page.split("More on day 7. See", 1)[1].split("</p>", 1)[0]


def test_what_a_briefing_shows_of_itself_is_updated_in_place_in_memory(make_site):
    """A new title, summary or date of update keeps the model's relations and the jobs not showing it (serve)."""
    site = _card_edit_site(make_site)
    builds = InMemoryBuilds(site)
    for label, edits in CARD_EDITS:
        _edit_cards(site, edits)
        result, remade = builds.rebuild()
        records = builds.cache.jobs.records
        assert ("briefing", "b05") in remade and len(remade) < len(records) // 2, label
        # Pages showing an edited briefing, and those showing b07, whose body links to a new title.
        assert all({*edits, "b07"}.intersection(records[key].shown) for key in remade), label
        page = next(o for o in result.outputs if o.rel_path == "briefings/b07/index.html").read().decode()
        assert 'href="/briefings/b03/"' in _link_in_b07(page), label


def test_what_a_briefing_shows_of_itself_is_updated_in_place_from_the_command_line(make_site, tmp_path):
    site = _card_edit_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    assert 'href="/briefings/b05/"' in _link_in_b07((site / "_site/briefings/b07/index.html").read_text())
    for step, (label, edits) in enumerate(CARD_EDITS):
        _edit_cards(site, edits)
        edited = assert_same_as_clean_build(site, tmp_path, f"card edit {step}")
        leaders_line = 4 + min(step, 3)  # each edit after the first adds a line above it
        assert f"b05.md:{leaders_line}: warning: 'Vladimir Putn' is not a known leader" in edited.stderr, label
        assert 'href="/briefings/b03/"' in _link_in_b07((site / "_site/briefings/b07/index.html").read_text())
    assert "<lastmod>2021-04-01" in (site / "_site/sitemap.xml").read_text()
    assert "A summary of its own." in (site / "_site/briefings/2021/index.html").read_text()


def test_pages_listing_cards_are_not_made_again_when_the_edited_briefings_card_is_unchanged(make_site):
    """A year archive shows titles and summaries: a body edit past the summary leaves it alone, one of it not."""
    site = _body_edit_site(make_site)
    builds = InMemoryBuilds(site)
    target = site / "content/briefings/b05.md"

    def remade_after(body: str) -> set:
        target.write_text(briefing("Briefing 5", "2021-03-05", body, "[Putin, Joe Biden]"))
        return builds.rebuild()[1]

    later_paragraph = remade_after("Putin spoke, day 5.\n\nA new second paragraph.")  # the summary is the first
    assert ("briefing", "b05") in later_paragraph and ("feed",) in later_paragraph  # they show the body
    assert ("year", 2021) not in later_paragraph and not any(key[0] == "entity" for key in later_paragraph)
    new_summary = remade_after("A new first paragraph, day 5.\n\nA new second paragraph.")
    assert ("year", 2021) in new_summary and ("briefing", "b05") in new_summary
    assert ("year", 2020) not in new_summary  # it does not list b05


def test_a_failed_build_does_not_hide_an_edit_from_the_next_one(make_site, tmp_path):
    site = _body_edit_site(make_site)
    run_cli("build", cwd=site, check=True)
    briefings = site / "content/briefings"
    (briefings / "b03.md").write_text(briefing("Briefing 3", "2021-03-03", "Edited while b04 is broken."))
    (briefings / "b04.md").write_text(briefing("Briefing 4", "2020-03-04", "See [[No Such Briefing]]."))
    failed = run_cli("build", cwd=site)
    assert failed.returncode == 1 and "No Such Briefing" in failed.stderr
    (briefings / "b04.md").write_text(briefing("Briefing 4", "2020-03-04", "Fixed."))
    assert_same_as_clean_build(site, tmp_path, "the fix after a failure")
    assert "Edited while b04 is broken." in (site / "_site/briefings/b03/index.html").read_text()


def test_serve_session_body_edits_equal_clean_builds(make_site):
    """The in-memory cache of `serve` takes the same path: each build equals a cold one."""
    site = _body_edit_site(make_site)
    builds = InMemoryBuilds(site)
    for step in range(3):
        number = step + 2
        leaders = "[Putin, Joe Biden]" if number % 2 else "[Putin, Angela Merkel]"
        (site / f"content/briefings/b0{number}.md").write_text(
            briefing(f"Briefing {number}", f"{2020 + number % 2}-03-0{number}", f"Step {step}: a new body.", leaders))
        result, remade = builds.rebuild()
        records = builds.cache.jobs.records
        # Only jobs showing the edited briefing were made again; the others kept their records as they were.
        assert ("briefing", f"b0{number}") in remade and len(remade) < len(records) // 2
        assert all(f"b0{number}" in records[key].shown for key in remade), remade
        assert result.rendered < len(result.outputs) // 2


def test_the_kept_spare_site_never_brings_back_stray_or_stale_files(make_site, tmp_path):
    """Each build brings the site before last (kept in the work folder) up to date instead of starting empty."""
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text."),
                      "content/briefings/b.md": briefing("B", "2021-02-01", "Text.", "[Someone Else]")})
    run_cli("build", cwd=site, check=True)
    (site / "_site/stray.html").write_text("<p>put here by hand")
    (site / "_site/briefings/a/index.html").write_text("<p>edited by hand")  # shared, by a hard link, with the spare
    for step in range(3):  # the spare of each build is the site of the build before
        (site / "content/briefings/b.md").write_text(briefing("B", "2021-02-01", f"Step {step}.", "[Someone Else]"))
        assert_same_as_clean_build(site, tmp_path, f"step {step}")
        assert [p.name for p in site.iterdir() if p.name.startswith("_site")] == ["_site"]
        assert len([p for p in (site / "._site.briefgen").iterdir() if p.name.startswith("spare-")]) == 1
    (site / "content/briefings/b.md").unlink()
    assert_same_as_clean_build(site, tmp_path, "a deleted briefing")
    assert not (site / "_site/briefings/b").exists()


def _warm_build_equals_clean(config, cache, label: str) -> dict[str, bytes]:
    """Build with `cache` (warm) and without (clean); assert both wrote the same files with the same bytes;
    the warm build's files."""
    from briefgen.incremental.cache import BuildCache
    from briefgen.pipeline import build

    got = {o.rel_path: o.read() for o in build(config, cache=cache).outputs}
    want = {o.rel_path: o.read() for o in build(config, cache=BuildCache()).outputs}
    assert sorted(got) == sorted(want) and [n for n in want if got[n] != want[n]] == [], label
    return got


def test_a_title_or_slug_change_re_renders_only_the_bodies_that_link_by_title_or_file(make_site):
    from briefgen.pipeline import build
    from briefgen.incremental.cache import BuildCache
    from briefgen.config import load_config

    site = make_site({
        "content/briefings/b1.md": briefing("B1", "2021-01-01", "See [[Briefing Two]]."),
        "content/briefings/b2.md": briefing("Briefing Two", "2021-01-02", "Two."),
        "content/briefings/b3.md": briefing("B3", "2021-01-03", "See [the second](@/briefings/b2.md)."),
        "content/briefings/b4.md": briefing("B4", "2021-01-04", "No links at all, only Putin."),
    })
    config = load_config(site)
    cache = BuildCache()
    build(config, cache=cache)

    def same_as_clean(label):
        return _warm_build_equals_clean(config, cache, label)

    unlinked = cache.bodies.tail(PurePosixPath("content/briefings/b4.md"))
    (site / "content/briefings/b2.md").write_text(briefing("Second", "2021-01-02", "Two."))
    (site / "content/briefings/b1.md").write_text(briefing("B1", "2021-01-01", "See [[Second]]."))
    same_as_clean("a new title")
    assert cache.bodies.tail(PurePosixPath("content/briefings/b4.md")) is unlinked  # not rendered again

    (site / "content/briefings/b2.md").write_text(
        briefing("Second", "2021-01-02", "Two.").replace("---\n", "---\nslug: second\n", 1))
    got = same_as_clean("a new slug")
    assert 'href="/briefings/second/"' in got["briefings/b3/index.html"].decode()
    assert cache.bodies.tail(PurePosixPath("content/briefings/b4.md")) is unlinked


def test_a_new_briefing_or_a_moved_page_re_renders_only_the_bodies_linking_to_that_file(make_site, tmp_path):
    """@/ links depend on where each file's page is; a body is rendered again only when it may link to a file
    that came, went or moved (its path in the source, or an escape that may spell it), or has a diagnostic."""
    from briefgen.pipeline import build
    from briefgen.incremental.cache import BuildCache
    from briefgen.config import load_config

    from briefgen.errors import BuildError

    site = make_site({
        "content/briefings/b1.md": briefing("B1", "2021-01-01", "See [two](@/briefings/b2.md)."),
        "content/briefings/b2.md": briefing("B2", "2021-01-02", "See [one](@/briefings/b1.md)."),
        "content/briefings/b3.md": briefing("B3", "2021-01-03", "Spelt [two](@/briefings/b&#50;.md)."),
        "content/briefings/b4.md": briefing("B4", "2021-01-04", "Written [one](<@/briefings/b1.md>)."),
    })
    config = load_config(site)
    cache = BuildCache()
    build(config, cache=cache)

    def same_as_clean(label):
        got = _warm_build_equals_clean(config, cache, label)
        return {path: data.decode() for path, data in got.items() if path.endswith(".html")}

    def bodies():
        return {rel: cache.bodies.tail(PurePosixPath(f"content/briefings/{rel}.md")) for rel in ("b1", "b2", "b3", "b4")}

    before = bodies()
    (site / "content/briefings/b5.md").write_text(briefing("B5", "2021-01-05", "See [one](@/briefings/b1.md)."))
    same_as_clean("a new briefing")
    after = bodies()
    assert [rel for rel in before if after[rel] is not before[rel]] == ["b3"]  # only the one with an escape
    before = after

    (site / "content/briefings/b2.md").write_text(
        briefing("B2", "2021-01-02", "See [one](@/briefings/b1.md).").replace("---\n", "---\nslug: two\n", 1))
    got = same_as_clean("b2's page moved")
    assert 'href="/briefings/two/"' in got["briefings/b1/index.html"]  # its path is in the source
    assert 'href="/briefings/two/"' in got["briefings/b3/index.html"]  # an entity may spell it: read, rendered
    after = bodies()
    assert after["b4"] is before["b4"]  # links to b1 only, which stayed
    assert after["b1"] is not before["b1"] and after["b3"] is not before["b3"]

    (site / "content/briefings/b4.md").write_text(briefing("B4", "2021-01-04", "Broken [six](@/briefings/b6.md)."))
    with pytest.raises(BuildError, match="points at no content file"):
        build(config, cache=cache)  # a link to no file is an error; the hint names the files there are
    (site / "content/briefings/b6.md").write_text(briefing("B6", "2021-01-06", "Six."))
    got = same_as_clean("the missing file came")
    assert 'href="/briefings/b6/"' in got["briefings/b4/index.html"]


def test_a_large_render_spills_its_pages_to_disk_and_writes_the_same_site(make_site, tmp_path, monkeypatch):
    """Pages rendered in great numbers wait in a spill folder, not in memory; the site written is the same."""
    from briefgen.render import jobs
    from briefgen.pipeline import build
    from briefgen.config import load_config
    from briefgen.output.writer import write_site
    from briefgen.output.workspace import open_workspace

    site = _body_edit_site(make_site)
    config = load_config(site)
    in_memory = build(config)
    monkeypatch.setattr(jobs, "SPILL_MIN_PAGES", 1)
    spill = open_workspace(tmp_path / "spilled").new_folder("pages")
    spilled = build(config, spill=spill)
    pages = [o for o in spilled.outputs if o.rel_path.endswith(".html")]
    assert pages and all(o.spilled and o.data is None and o.copy_from == spill / o.rel_path for o in pages)
    write_site(in_memory.outputs, open_workspace(tmp_path / "from-memory"), in_memory.keys)
    write_site(spilled.outputs, open_workspace(tmp_path / "spilled"), spilled.keys, spill=spill)
    assert spill.is_dir()  # this build's spill folder is not taken for a leftover
    shutil.rmtree(spill)
    assert tree(tmp_path / "spilled") == tree(tmp_path / "from-memory")


def test_the_search_index_of_spilled_pages_comes_from_what_their_workers_noted(make_site, tmp_path, monkeypatch):
    """A worker notes what Pagefind is to be given of each page it spills: the index is made from those notes,
    not from the spilled files read back (a page garbled on disk after its worker noted it changes nothing),
    and the notes' scratch folder is gone once the index is made."""
    from briefgen.render import jobs
    from briefgen.search import pagefind
    from briefgen.pipeline import build, build_and_index
    from briefgen.search.step import start_search
    from briefgen.config import load_config
    from briefgen.output.workspace import open_workspace

    site = _body_edit_site(make_site)
    config = load_config(site)
    in_memory = build_and_index(config)
    monkeypatch.setattr(jobs, "SPILL_MIN_PAGES", 1)
    spill = open_workspace(tmp_path / "spilled").new_folder("pages")
    spilled = build(config, spill=spill)
    notes = spilled.search_notes
    assert notes is not None and notes.pages["briefings/b01/index.html"].indexed  # indexed: its part was written
    assert notes.pages["index.html"].indexed is False  # the home page is not searched
    (spill / "briefings/b01/index.html").write_text("<p>Garbled, and not marked for search</p>")
    finished, _ = start_search(spilled, None).finish()

    def index(result):
        return {o.rel_path: o.read() for o in result.outputs if o.origin == pagefind.ORIGIN}

    assert index(finished) == index(in_memory) and len(index(finished)) > 10
    assert not Path(notes.folder).exists()
    shutil.rmtree(spill)


def test_a_large_render_starts_the_search_index_while_it_renders_and_makes_the_same_index(make_site, tmp_path,
                                                                                         monkeypatch):
    """A large render goes in batches of search shards, and Pagefind starts on each shard once its pages are
    rendered; the search step takes those runs over. The index is the one made after the render, byte for
    byte, and a page that changed after its shard started (here: garbled on disk, after its worker noted it)
    changes nothing, as the notes are what every run is given."""
    from briefgen.config import load_config
    from briefgen.output.workspace import open_workspace
    from briefgen.pipeline import build, build_and_index
    from briefgen.render import jobs
    from briefgen.search import pagefind
    from briefgen.search.step import EarlySearch, start_search

    site = _body_edit_site(make_site)
    config = load_config(site)
    in_memory = build_and_index(config)
    monkeypatch.setattr(jobs, "SPILL_MIN_PAGES", 1)
    monkeypatch.setattr(EarlySearch, "MIN_BATCH", 1)  # a batch per shard
    spill = open_workspace(tmp_path / "spilled").new_folder("pages")
    spilled = build(config, spill=spill, early_search=True)
    early = spilled.early_search
    assert early is not None and early.pending is not None
    started = {entry[0] for entry in early.pending.running + early.pending.waiting} | set(early.pending.ended)
    assert started and all(name.startswith("briefings-") or name in ("leaders", "treaties", "issues")
                           for name in started)
    (spill / "briefings/b01/index.html").write_text("<p>Garbled, and not marked for search</p>")
    pending = start_search(spilled, None)
    finished, state = pending.finish()

    def index(result):
        return {o.rel_path: o.read() for o in result.outputs if o.origin == pagefind.ORIGIN}

    assert index(finished) == index(in_memory) and len(index(finished)) > 10
    assert not Path(spilled.search_notes.folder).exists()
    shutil.rmtree(spill)


def test_a_build_that_fails_after_starting_its_search_index_leaves_no_pagefind_running(make_site, tmp_path,
                                                                                       monkeypatch):
    """A template error in the last batch fails the build: the runs started for the first batches are stopped
    and their scratch folders removed, and the error is the template's."""
    from briefgen.config import load_config
    from briefgen.errors import BuildError
    from briefgen.output.workspace import open_workspace
    from briefgen.pipeline import build
    from briefgen.render import jobs
    from briefgen.search import scratch
    from briefgen.search.step import EarlySearch

    site = _body_edit_site(make_site)
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "404.html").write_text("{% extends 'base.html' %}{% block content %}{{ 1 / 0 }}{% endblock %}")
    config = load_config(site)
    monkeypatch.setattr(jobs, "SPILL_MIN_PAGES", 1)
    monkeypatch.setattr(EarlySearch, "MIN_BATCH", 1)
    def runs():  # a Pagefind run's scratch folder holds its log (the notes' folder does not)
        return set(Path(scratch.scratch_root()).glob(f"{scratch.scratch_prefix()}*/log"))

    before = runs()
    spill = open_workspace(tmp_path / "spilled").new_folder("pages")
    with pytest.raises(BuildError) as failed:
        build(config, spill=spill, early_search=True)
    assert "ZeroDivisionError" in str(failed.value.diagnostics)
    assert runs() == before
    shutil.rmtree(spill)


def test_scratch_folders_of_killed_builds_are_removed_by_the_next_large_build():
    """What Pagefind is given waits in memory (/dev/shm): a killed build's folder would hold it until a reboot."""
    import time

    from briefgen.search import pagefind, scratch

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    root = Path(scratch.scratch_root())
    orphan = root / f"{scratch.SCRATCH_PREFIX}{dead_pid}-orphan"
    recent = root / f"{scratch.SCRATCH_PREFIX}{dead_pid}-recent"  # perhaps a build of another PID namespace
    alive = root / f"{scratch.SCRATCH_PREFIX}{os.getppid()}-alive"
    unmarked = root / f"{scratch.SCRATCH_PREFIX}{dead_pid}-unmarked"  # named like one, but not briefgen's
    try:
        for folder in (orphan, recent, alive, unmarked):
            (folder / "briefings/x").mkdir(parents=True)
            (folder / "briefings/x/index.html").write_text("<p>x")
            if folder != unmarked:
                (folder / scratch.SCRATCH_MARKER).write_text("")
        an_hour_ago = time.time() - 3600
        for folder in (orphan, alive, unmarked):
            os.utime(folder, (an_hour_ago, an_hour_ago))
        notes = pagefind.PageNotes()
        assert not orphan.exists() and recent.is_dir() and alive.is_dir() and unmarked.is_dir()
        assert notes("briefings/y/index.html", b"<body><main data-pagefind-body>Y</main></body>")[0]
        assert (Path(notes.folder) / "briefings/y/index.html").is_file()  # its own folder, named by its pid
        assert (Path(notes.folder) / scratch.SCRATCH_MARKER).is_file()
        assert Path(notes.folder).name.startswith(f"{scratch.SCRATCH_PREFIX}{os.getpid()}-")
        notes.remove()
        assert not Path(notes.folder).exists()
    finally:
        for folder in (orphan, recent, alive, unmarked):
            shutil.rmtree(folder, ignore_errors=True)


SPILLING_CLI = ("import sys\nfrom briefgen.render import jobs\njobs.SPILL_MIN_PAGES = 1\n"
                "from briefgen.cli import main\nmain(sys.argv[1:])\n")


def test_a_first_build_keeps_its_spilled_pages_as_the_spare_of_the_next(make_site, tmp_path):
    """A first build has no old site to keep: the pages it spilled, laid out as in the site, are kept instead."""
    site = _body_edit_site(make_site)
    spilling = subprocess.run([sys.executable, "-c", SPILLING_CLI, "build"], cwd=site, capture_output=True,
                              text=True, timeout=120)
    assert spilling.returncode == 0, spilling.stderr
    spares = [p for p in (site / "._site.briefgen").iterdir() if p.name.startswith("spare-")]
    assert len(spares) == 1 and not [p for p in (site / "._site.briefgen").iterdir() if p.name.startswith("pages-")]
    kept = tree(spares[0])
    assert "briefings/b01/index.html" in kept and "leaders/joe-biden/atom.xml" in kept  # what was rendered,
    assert "assets/style.css" in kept  # and what was copied (see the images' test below), not the search index
    assert not [n for n in kept if n.startswith("pagefind/")]
    assert all(kept[n] == (site / "_site" / n).read_bytes() for n in kept if n != ".briefgen-output")
    (site / "_site/briefings/b01/index.html").write_text("<p>edited by hand")  # shared, by a hard link, with the spare
    (site / "content/briefings/b02.md").write_text((site / "content/briefings/b02.md").read_text() + "\nMore.\n")
    assert_same_as_clean_build(site, tmp_path, "the spilled pages as a spare")


def test_a_first_edit_after_a_first_build_writes_no_image_again(make_site, tmp_path):
    """The images a first build copied (originals and resized copies) are linked into its spare: the next
    build, a body edit, finds them in its staging folder as they were and writes none of them again."""
    site = _image_site(make_site)
    spilling = subprocess.run([sys.executable, "-c", SPILLING_CLI, "build"], cwd=site, capture_output=True,
                              text=True, timeout=120)
    assert spilling.returncode == 0, spilling.stderr
    out = site / "_site"

    def image_files() -> dict[str, tuple[int, int]]:
        # A file written, copied or linked again has another inode or another ctime (a link changes it).
        return {str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_ctime_ns)
                for p in sorted(out.rglob("*")) if p.suffix in (".png", ".webp", ".svg", ".pdf")}

    before = image_files()
    assert len([name for name in before if ".webp" in name]) >= 2  # resized copies among them
    (site / "content/briefings/plain.md").write_text(briefing("Plain", "2021-01-03", "A new body, no image."))
    assert_same_as_clean_build(site, tmp_path, "a body edit after a first build")
    assert image_files() == before
    (site / "content/briefings/other.md").write_text(briefing("Other", "2021-01-02", "Another new body."))
    assert_same_as_clean_build(site, tmp_path, "a second body edit")
    assert image_files() == before


def test_a_build_without_its_cache_over_an_old_site_keeps_its_spilled_pages_not_the_old_site(make_site, tmp_path):
    """With the cache gone (deleted, or made by another briefgen), nothing is known of the old site's files:
    it is deleted, and the spilled pages, whose files are known, are the next build's spare."""
    site = _body_edit_site(make_site)
    run_cli("build", cwd=site, check=True)
    old_inode = (site / "_site/briefings/b01/index.html").stat().st_ino
    shutil.rmtree(site / ".briefgen-cache")
    spilling = subprocess.run([sys.executable, "-c", SPILLING_CLI, "build"], cwd=site, capture_output=True,
                              text=True, timeout=120)
    assert spilling.returncode == 0, spilling.stderr
    spares = [p for p in (site / "._site.briefgen").iterdir() if p.name.startswith("spare-")]
    assert len(spares) == 1
    kept = tree(spares[0])
    assert "briefings/b01/index.html" in kept and not [n for n in kept if n.startswith("pagefind/")]
    assert (spares[0] / "briefings/b01/index.html").stat().st_ino != old_inode  # not the old site's file
    assert not [p for p in (site / "._site.briefgen").iterdir() if p.name.startswith("old-")]  # the old site is gone
    (site / "content/briefings/b02.md").write_text((site / "content/briefings/b02.md").read_text() + "\nMore.\n")
    assert_same_as_clean_build(site, tmp_path, "the spilled pages as a spare")


def test_the_cli_leaves_no_spill_folder_and_removes_those_of_killed_builds(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    run_cli("build", cwd=site, check=True)
    work = site / "._site.briefgen"
    stale = work / "pages-0123abcd"  # as a killed build leaves it: marked as briefgen's, in its work folder
    stale.mkdir()
    (stale / ".briefgen-output").write_text("This folder is written by briefgen; it replaces it on every build.\n")
    (stale / "7.html").write_text("<p>a page of a killed build</p>")
    unmarked = work / "pages-89abcdef"  # not marked: not briefgen's
    unmarked.mkdir()
    beside = site / "_site.pages-01234567"  # beside the output, marked or not, is never briefgen's to remove
    beside.mkdir()
    (beside / ".briefgen-output").write_text("This folder is written by briefgen; it replaces it on every build.\n")
    (site / "content/briefings/a.md").write_text(briefing("A", "2021-01-01", "Text, again."))
    run_cli("build", cwd=site, check=True)
    assert not stale.exists() and unmarked.is_dir() and beside.is_dir()
    assert not [p for p in work.iterdir() if p.name.startswith("pages-") and p != unmarked]


def test_a_cache_database_that_refuses_writes_costs_a_warning_not_the_build(make_site):
    import sqlite3

    site = make_site({"content/briefings/a.md": briefing("A", "2021-01-01", "Text.")})
    run_cli("build", cwd=site, check=True)
    database = sqlite3.connect(site / ".briefgen-cache" / "cache.sqlite")
    with database:  # reads still work, writes fail as they would on a full disk or a locked file
        database.execute("ALTER TABLE rows RENAME TO rows_data")
        database.execute("CREATE VIEW rows AS SELECT * FROM rows_data")
    database.close()
    (site / "content/briefings/a.md").write_text(briefing("A", "2021-01-01", "New text."))
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "warning: could not save the build cache in .briefgen-cache/" in result.stderr
    assert "New text." in (site / "_site/briefings/a/index.html").read_text()
    assert not list((site / ".briefgen-cache").glob("cache.sqlite.*"))


def test_a_new_title_re_indexes_for_search_only_the_shard_of_its_briefing(make_site, tmp_path):
    """Other pages show the title (a related list, an entity's list) outside what Pagefind is given:
    their shards are reused, and the index is still the one a clean build makes."""
    site = make_site({"content/leaders/vladimir-putin.md": PUTIN,
                      "content/briefings/old.md": briefing("The old one", "2020-05-01", "Putin, then."),
                      "content/briefings/new.md": briefing("The new one", "2021-05-01", "Putin, now.")})
    assert_same_as_clean_build(site, tmp_path, "a first build")
    assert "The old one" in (site / "_site/briefings/new/index.html").read_text()  # related to it
    (site / "content/briefings/old.md").write_text(briefing("A better title", "2020-05-01", "Putin, then."))
    edited = run_cli("build", "-v", cwd=site, check=True)
    assert "search: 1 of 4 shards indexed again: briefings-2020" in edited.stderr
    assert "A better title" in (site / "_site/briefings/new/index.html").read_text()
    assert_same_as_clean_build(site, tmp_path, "a new title")  # the index included


def test_a_new_briefing_re_indexes_for_search_only_its_own_shard(make_site, tmp_path):
    """Its leader's and issue's pages count one briefing more in their heads' descriptions, which Pagefind
    does not read: the taxonomies' shards are reused, and the index is still the one a clean build makes."""
    site = make_site({"content/leaders/vladimir-putin.md": PUTIN,
                      "content/briefings/old.md": briefing("The old one", "2020-05-01", "Putin, then."),
                      "content/briefings/new.md": briefing("The new one", "2021-05-01", "Putin, now.")})
    assert_same_as_clean_build(site, tmp_path, "a first build")
    issue = site / "_site/issues/arms-control/index.html"  # no profile: its description is its count
    assert '<meta name="description" content="Issue: arms control. 2 briefings.">' in issue.read_text()
    (site / "content/briefings/newest.md").write_text(briefing("The newest one", "2021-06-01", "Putin, again."))
    edited = run_cli("build", "-v", cwd=site, check=True)
    assert "search: 1 of 4 shards indexed again: briefings-2021" in edited.stderr
    assert '<meta name="description" content="Issue: arms control. 3 briefings.">' in issue.read_text()
    assert_same_as_clean_build(site, tmp_path, "a new briefing")  # the index included


def test_a_new_name_renders_again_only_the_bodies_in_which_it_may_be_autolinked(make_site, tmp_path):
    """A leader named for the first time is a new autolink target: bodies that have its first word are
    rendered again (and link it), the others are kept; a body whose words the source does not tell
    (an entity, an escape, an underscore) is rendered again to be safe."""
    site = make_site({
        "content/leaders/vladimir-putin.md": PUTIN,
        "content/briefings/b1.md": briefing("B1", "2021-01-01", "Putin spoke."),
        "content/briefings/b2.md": briefing("B2", "2021-01-02", "Angela Merkel met Putin."),
        "content/briefings/b3.md": briefing("B3", "2021-01-03", "Only Putin, no one else."),
        "content/briefings/b4.md": briefing("B4", "2021-01-04", "Putin &amp; no one else."),
    })
    builds = InMemoryBuilds(site)
    bodies = builds.cache.bodies
    before = {name: bodies.tail(PurePosixPath(f"content/briefings/{name}.md")) for name in ("b1", "b2", "b3", "b4")}
    assert 'href="/leaders/angela-merkel/"' not in before["b2"].html
    (site / "content/briefings/b1.md").write_text(briefing("B1", "2021-01-01", "Putin spoke.", "[Putin, Angela Merkel]"))
    builds.rebuild()  # equal to a clean build, checked by the helper
    after = {name: bodies.tail(PurePosixPath(f"content/briefings/{name}.md")) for name in ("b1", "b2", "b3", "b4")}
    assert 'href="/leaders/angela-merkel/"' in after["b2"].html and after["b2"] is not before["b2"]
    assert after["b3"] is before["b3"]  # no "Angela" in it: kept
    assert after["b4"] is not before["b4"]  # an entity in its source: rendered again
    (site / "content/briefings/b1.md").write_text(briefing("B1", "2021-01-01", "Putin spoke."))
    builds.rebuild()  # the name gone again
    assert 'href="/leaders/angela-merkel/"' not in bodies.tail(PurePosixPath("content/briefings/b2.md")).html
    assert bodies.tail(PurePosixPath("content/briefings/b3.md")) is before["b3"]

    # From the command line, where the kept bodies' model is read from the cache database.
    import sqlite3

    def b3_row():  # (head's checksum, large part's checksum) of b3's body in the cache database
        with sqlite3.connect(site / ".briefgen-cache/cache.sqlite") as database:
            return database.execute("SELECT head_sum, tail_sum FROM rows WHERE kind = 'bodies' AND rel = ?",
                                    ("content/briefings/b3.md",)).fetchone()

    assert_same_as_clean_build(site, tmp_path, "a first build")
    kept = b3_row()
    (site / "content/briefings/b1.md").write_text(briefing("B1", "2021-01-01", "Putin spoke.", "[Putin, Angela Merkel]"))
    assert_same_as_clean_build(site, tmp_path, "a new name")
    assert 'href="/leaders/angela-merkel/"' in (site / "_site/briefings/b2/index.html").read_text()
    rekeyed = b3_row()
    assert rekeyed[0] != kept[0] and rekeyed[1] == kept[1]  # a new key written, the body as it was
    (site / "content/briefings/b1.md").write_text(briefing("B1", "2021-01-01", "Putin spoke again.",
                                                          "[Putin, Angela Merkel]"))
    assert_same_as_clean_build(site, tmp_path, "a body edit after the new name")
    assert b3_row() == rekeyed  # the new key holds: b3 is current


NEW_START = "---\nname: New START\n---\nSigned in Prague; Olaf Scholz was not there.\n"
SHAPE_EDITS = [  # edits that change which pages there are or what they list; (label, file, old, new)
    ("a new date, later in its year", "b05", "date: 2021-06-05", "date: 2021-07-05 12:00"),
    ("a new leader, whom a treaty's profile names", "b05", "[Leader F]", "[Leader F, Olaf Scholz]"),
    ("a leader dropped", "b07", "[Leader B]", "[]"),
    ("an alias", "b09", "\nleaders:", "\naliases: [/old/nine/]\nleaders:"),
    ("a draft", "b11", "\nleaders:", "\ndraft: true\nleaders:"),
    ("a leader's name spelled anew where first written, which other briefings show",
     "b06", "[Leader A]", "[LEADER A]"),
    ("a briefing deleted", "b03", None, None),
]


def _shape_edit_site(make_site):
    """24 briefings over three years, each naming one of six leaders; a treaty profile no briefing names."""
    files = {"site.yaml": "title: Desk\nbase_url: https://example.org/\nper_page: 3\nhome_count: 2\n",
             "content/treaties/new-start.md": NEW_START}  # only its text may change what its page shows
    for i in range(1, 25):
        files[f"content/briefings/b{i:02}.md"] = (
            f"---\ntitle: Briefing {i}\ndate: {2019 + i % 3}-{i % 12 + 1:02}-{i:02}\n"
            f"leaders: [Leader {'ABCDEF'[i % 6]}]\n---\nDay {i}.\n")
    return make_site(files)


def _edit_shape(site, name, old, new):
    path = site / f"content/briefings/{name}.md"
    if old is None:
        path.unlink()
    else:
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new, 1))


def test_a_change_of_the_sites_shape_makes_again_only_the_pages_whose_dependencies_changed(make_site):
    """A new date, a new leader, a draft, a deleted briefing: a new site model, whose pages are made again
    where a dependency they read of it (neighbours, a list's slice, an entity's mentions, a profile's body, …)
    or a briefing they show changed, and kept elsewhere; each build equals a clean one."""
    site = _shape_edit_site(make_site)
    builds = InMemoryBuilds(site)
    total = len(builds.cache.jobs.records)
    remade = {}
    for label, name, old, new in SHAPE_EDITS:
        _edit_shape(site, name, old, new)
        remade[label] = builds.rebuild()[1]  # equal to a clean build, checked by the helper
        assert 0 < len(remade[label]) < total / 3, (label, len(remade[label]), total)

    moved = remade["a new date, later in its year"]
    assert {("briefing", "b05"), ("year", 2021), ("entity", ("leaders", "leader-f"), 1)} <= moved
    assert ("year", 2020) not in moved and ("entity", ("leaders", "leader-a"), 1) not in moved
    new_leader = remade["a new leader, whom a treaty's profile names"]
    assert ("entity", ("leaders", "olaf-scholz"), 1) in new_leader
    assert ("entity", ("treaties", "new-start"), 1) in new_leader  # its text now links him
    assert ("entity", ("leaders", "leader-a"), 1) not in new_leader
    treaty_page = builds.cache.outputs["treaties/new-start/index.html"][1].read().decode()
    assert 'href="/leaders/olaf-scholz/"' in treaty_page
    assert ("alias", 0) in remade["an alias"]


def test_a_change_of_the_sites_shape_from_the_command_line_equals_a_clean_build(make_site, tmp_path):
    site = _shape_edit_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    for label, name, old, new in SHAPE_EDITS:
        _edit_shape(site, name, old, new)
        edited = assert_same_as_clean_build(site, tmp_path, label)
        unchanged = int(edited.stderr.split(" unchanged")[0].rsplit(", ", 1)[1])
        assert unchanged > 0, (label, edited.stderr)
    assert 'href="/leaders/olaf-scholz/"' in (site / "_site/treaties/new-start/index.html").read_text()


def test_a_new_name_that_is_not_ascii_is_found_in_the_bodies_the_cache_holds(make_site, tmp_path):
    """The cache database holds a body as its UTF-8 bytes, where SQLite looks for a new name's first word:
    a body that has it beyond ASCII is rendered again and links it, as a clean build does."""
    site = make_site({
        "content/leaders/vladimir-putin.md": PUTIN,
        "content/briefings/b1.md": briefing("B1", "2021-01-01", "Putin spoke."),
        "content/briefings/b2.md": briefing("B2", "2021-01-02", "In Zürich, Zoë Quispe met Putin — briefly."),
        "content/briefings/b3.md": briefing("Zürich", "2021-01-03", "Only Putin, in Zürich."),
    })
    assert_same_as_clean_build(site, tmp_path, "a first build")
    (site / "content/briefings/b1.md").write_text(briefing("B1", "2021-01-01", "Putin spoke.", "[Putin, Zoë Quispe]"))
    assert_same_as_clean_build(site, tmp_path, "a new name")
    page = (site / "_site/briefings/b2/index.html").read_text()
    assert '<a href="/leaders/zoe-quispe/"' in page and "In Zürich," in page


def test_a_list_page_made_again_does_not_read_the_bodies_of_the_briefings_it_lists(make_site, tmp_path):
    """A year's archive shows cards, not bodies: when a new date makes it again, the bodies of the
    briefings it lists stay in the cache unread (one of them is garbled there, and no damage is met)."""
    import sqlite3

    files = {f"content/briefings/b{day}.md": briefing(f"Briefing {day}", f"2021-01-{day:02}", f"Day {day} text.")
             for day in range(1, 31)}
    site = make_site(files)
    run_cli("build", cwd=site, check=True)
    with sqlite3.connect(site / ".briefgen-cache" / "cache.sqlite") as database:
        changed = database.execute("UPDATE rows SET tail = X'00ff00' WHERE kind = 'bodies' AND rel LIKE '%/b5.md'")
        assert changed.rowcount == 1
    database.close()
    # b30 moves back ten days: the 2021 archive, list pages and feeds (of the 20 latest) are made again;
    # b5 is on the archive as a card, too old for a feed, and far from b30's old and new neighbours.
    (site / "content/briefings/b30.md").write_text(briefing("Briefing 30", "2021-01-20 12:00", "Day 30 text."))
    result = assert_same_as_clean_build(site, tmp_path, "a new date")
    assert "damaged" not in result.stderr and " 0 unchanged" not in result.stderr
    assert "Briefing 5" in (site / "_site/briefings/2021/index.html").read_text()


def test_card_edits_save_how_the_model_differs_not_the_whole_model(make_site, tmp_path):
    """After a new title the cache keeps the full model as saved before and adds what differs from it;
    each later build reads both and equals a clean build. A new shape saves the whole model again."""
    import sqlite3

    site = _card_edit_site(make_site)

    def memos():  # name -> checksum of the memo's data
        with sqlite3.connect(site / ".briefgen-cache/cache.sqlite") as database:
            return dict(database.execute("SELECT name, data_sum FROM memos"))

    assert_same_as_clean_build(site, tmp_path, "a first build")
    full = memos()["model"]
    assert "model-delta" not in memos()
    deltas = set()
    for step, (label, edits) in enumerate(CARD_EDITS):
        _edit_cards(site, edits)
        assert_same_as_clean_build(site, tmp_path, f"card edit {step}")
        assert memos()["model"] == full, label  # not written again
        deltas.add(memos()["model-delta"])
    assert len(deltas) == len(CARD_EDITS)  # each edit's own
    b01 = site / "content/briefings/b01.md"
    b01.write_text(b01.read_text() + "\nA body edit reads the model with its delta.\n")
    assert_same_as_clean_build(site, tmp_path, "a body edit after card edits")
    assert memos()["model"] == full
    _edit_cards(site, {"b05": ("title: Briefing 3", "title: Briefing 3, again")})
    assert_same_as_clean_build(site, tmp_path, "a card edit after a body edit")
    b01.write_text(b01.read_text().replace("date: 2021-03-01", "date: 2021-03-01 08:00"))
    assert_same_as_clean_build(site, tmp_path, "a new date: a new shape")
    assert memos()["model"] != full and "model-delta" not in memos()


def test_a_body_rendered_by_a_build_that_failed_later_is_shown_by_the_next_good_build(make_site):
    """serve keeps its cache through a failed build: the bodies that build rendered again (b1's, whose
    [[Briefing 7]] now means b8) have not been shown on any page yet when the error is fixed."""
    from briefgen.config import load_config
    from briefgen.errors import BuildError
    from briefgen.incremental.cache import BuildCache
    from briefgen.pipeline import build

    site = make_site({
        "content/briefings/b1.md": briefing("Briefing 1", "2021-01-01", "See [[Briefing 7]]."),
        "content/briefings/b3.md": briefing("Briefing 3", "2021-01-03", "Plain."),
        "content/briefings/b7.md": briefing("Briefing 7", "2021-01-07", "Seven."),
        "content/briefings/b8.md": briefing("Briefing 8", "2021-01-08", "Eight."),
    })
    config, cache = load_config(site), BuildCache()
    build(config, cache=cache)
    # Two titles swapped (the site's shape stays) while another briefing has a broken link.
    (site / "content/briefings/b7.md").write_text(briefing("Briefing 8", "2021-01-07", "Seven."))
    (site / "content/briefings/b8.md").write_text(briefing("Briefing 7", "2021-01-08", "Eight."))
    (site / "content/briefings/b3.md").write_text(briefing("Briefing 3", "2021-01-03", "See [[No such thing]]."))
    with pytest.raises(BuildError, match=r"\[\[No such thing\]\] matches no entity or page"):
        build(config, cache=cache)
    (site / "content/briefings/b3.md").write_text(briefing("Briefing 3", "2021-01-03", "Plain again."))
    result = build(config, cache=cache)
    clean = build(config, cache=BuildCache())
    got, want = ({o.rel_path: o.read() for o in r.outputs} for r in (result, clean))
    assert b'<a href="/briefings/b8/">Briefing 7</a>' in got["briefings/b1/index.html"]
    assert [name for name in want if got.get(name) != want[name]] == []


BIDEN = "---\nname: Joe Biden\naliases: [Biden]\n---\nProfile.\n"
MENTION_EDITS = [  # (label, b3's body, b3's leaders): each build equals a clean one
    # The first paragraph (the summary of b3's card) stays: pages showing b3 change only by its mentions.
    ("a mention of Putin added to the text", "Quiet.\n\nLater Putin called.\n\nEnd.", "[]"),
    ("another paragraph edited, the mention as it was", "Quiet.\n\nLater Putin called.\n\nThe end.", "[]"),
    ("the mention's sentence edited", "Quiet.\n\nLater that day Putin called.\n\nThe end.", "[]"),
    ("a [[link]] to another briefing added", "Quiet.\n\nLater that day Putin called.\n\nSee [[Briefing 1]].", "[]"),
    ("the mention named in front matter", "Quiet.\n\nLater that day Putin called.\n\nSee [[Briefing 1]].", "[Putin]"),
    ("front matter and mention gone", "Quiet.", "[]"),
]


def _mention_site(make_site):
    files = {"content/leaders/vladimir-putin.md": PUTIN, "content/leaders/joe-biden.md": BIDEN,
             "site.yaml": "title: Desk\nbase_url: https://example.org/sub/\nper_page: 2\n"}
    for i in range(1, 7):
        leaders = "[Putin]" if i % 2 else "[Joe Biden]"
        files[f"content/briefings/b{i}.md"] = briefing(f"Briefing {i}", f"2021-03-0{i}", f"Day {i}; Biden spoke.",
                                                       leaders)
    files["content/briefings/b3.md"] = briefing("Briefing 3", "2021-03-03", "Quiet.", "[]")
    return make_site(files)


def test_mentions_in_text_follow_each_edit_and_remake_only_the_pages_listing_them(make_site):
    site = _mention_site(make_site)
    builds = InMemoryBuilds(site)
    target = site / "content/briefings/b3.md"
    putin_pages = {("entity", ("leaders", "vladimir-putin"), n) for n in (1, 2, 3)}
    for step, (label, body, leaders) in enumerate(MENTION_EDITS):
        target.write_text(briefing("Briefing 3", "2021-03-03", body, leaders))
        said_before = builds.cache.mention_memo
        _, remade = builds.rebuild()  # equal to a clean build, or it raises
        # The mentions as they were: what they say to the editor is not worked out again (serve's saves).
        assert (builds.cache.mention_memo is said_before) == (step == 1), label
        entity_pages = {key for key in remade if key[0] == "entity"}
        if step in (0, 2):  # the list of Putin's mentions changed: his pages, not Biden's
            assert entity_pages and entity_pages <= putin_pages, (label, entity_pages)
            assert ("taxonomy", "leaders") in remade or step == 2, label
        elif step in (1, 3):  # the list as it was: no entity page
            assert not entity_pages, (label, entity_pages)
        if step == 3:
            assert ("briefing", "b1") in remade  # "Linked from" Briefing 3
            assert "Briefing 3" in (builds.cache.outputs["briefings/b1/index.html"].output.read().decode()
                                    .split('class="linked-from"', 1)[1])


def test_mentions_in_text_from_the_command_line_equal_clean_builds(make_site, tmp_path):
    site = _mention_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    target = site / "content/briefings/b3.md"
    for step, (label, body, leaders) in enumerate(MENTION_EDITS):
        target.write_text(briefing("Briefing 3", "2021-03-03", body, leaders))
        assert_same_as_clean_build(site, tmp_path, f"{step}: {label}")
    target.unlink()
    assert_same_as_clean_build(site, tmp_path, "the mentioning briefing deleted")


def _image_site(make_site):
    from image_support import SVG_MAP, png
    return make_site({
        "content/leaders/vladimir-putin.md": PUTIN,
        "content/briefings/talks/index.md": briefing("Talks", "2021-01-01", "![The map](map.png)\n\n![A chart](/images/chart.svg)"),
        "content/briefings/talks/map.png": png(1000, 500),
        "content/briefings/talks/notes.pdf": b"%PDF-1.4",
        "content/briefings/other.md": briefing("Other", "2021-01-02", "See [the notes](@/briefings/talks/notes.pdf)."),
        "content/briefings/plain.md": briefing("Plain", "2021-01-03", 'No image of its own, but raw HTML\'s:\n\n'
                                                '<p><img src="@/briefings/talks/map.png" alt="The map again"></p>'),
        "static/images/chart.svg": SVG_MAP,
    })


def _image_edits(site: Path):
    """Edits of images and of what points at them, each followed by a build that must equal a clean one."""
    from image_support import SVG_MAP, png
    talks = site / "content/briefings/talks"
    yield "an image's bytes replaced", lambda: (talks / "map.png").write_bytes(png(600, 900, (0, 90, 0)))
    yield "a static image replaced", lambda: (site / "static/images/chart.svg").write_text(SVG_MAP.replace("640", "320"))
    yield "a new image and a body pointing at it", lambda: (
        (talks / "photo.png").write_bytes(png(700, 300)),
        (talks / "index.md").write_text(briefing("Talks", "2021-01-01", "![The map](map.png)\n\n![A photo](photo.png)")))
    yield "the bundle's slug changed", lambda: (talks / "index.md").write_text(
        briefing("Talks", "2021-01-01", "![The map](map.png)").replace("---\ntitle", "---\nslug: the-talks\ntitle"))
    yield "an attachment removed and the link to it", lambda: (
        (talks / "notes.pdf").unlink(), (site / "content/briefings/other.md").write_text(briefing("Other", "2021-01-02", "Text.")))


def test_incremental_builds_with_images_equal_clean_builds(make_site, tmp_path):
    site = _image_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    for label, edit in _image_edits(site):
        edit()
        assert_same_as_clean_build(site, tmp_path, label)
    page = (site / "_site/briefings/the-talks/index.html").read_text()
    assert 'width="600" height="900"' in page and (site / "_site/briefings/the-talks/map.png").is_file()


def test_a_missing_image_fails_and_its_return_builds_as_clean(make_site, tmp_path):
    site = _image_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    image = site / "content/briefings/talks/map.png"
    kept = image.read_bytes()
    image.unlink()
    failed = run_cli("build", cwd=site)
    assert failed.returncode == 1 and "index.md:7: error: the image 'map.png' points at no file" in failed.stderr
    image.write_bytes(kept)
    assert_same_as_clean_build(site, tmp_path, "the image back")


def test_serve_session_image_edits_equal_clean_builds(make_site):
    site = _image_site(make_site)
    builds = InMemoryBuilds(site)
    for _, edit in _image_edits(site):
        edit()
        builds.rebuild()


def _bilingual_site(make_site):
    files = {"site.yaml": "title: T\nbase_url: https://example.org/sub/\nlanguages: [en, ru]\n",
             "content/leaders/vladimir-putin.md": PUTIN,
             "content/leaders/vladimir-putin.ru.md": "---\nname: Владимир Путин\naliases: [Путин]\n---\nПрофиль.\n"}
    for day in range(1, 5):
        files[f"content/briefings/b{day}.md"] = briefing(f"Briefing {day}", f"2021-01-0{day}", f"Putin on day {day}.")
    files["content/briefings/b1.ru.md"] = "---\ntitle: Брифинг 1\n---\nПутин в первый день. [[Briefing 2]].\n"
    return make_site(files)


MULTILINGUAL_EDITS = [  # (what, file, its new text or None to remove it)
    ("a translation's body", "content/briefings/b1.ru.md", "---\ntitle: Брифинг 1\n---\nДругой текст. [[Briefing 3]].\n"),
    ("a new translation", "content/briefings/b2.ru.md", "---\ntitle: Брифинг 2\nsummary: Кратко.\n---\nПутин.\n"),
    ("the original of a translation", "content/briefings/b2.md", briefing("Briefing two", "2021-01-12", "Moved.")),
    ("a translated profile's name", "content/leaders/vladimir-putin.ru.md", "---\nname: В. В. Путин\n---\n"),
    ("a translated title linked from the other", "content/briefings/b3.ru.md", "---\ntitle: Брифинг 3\n---\nТекст.\n"),
    ("a translation removed", "content/briefings/b1.ru.md", None),
    ("a profile's translation removed", "content/leaders/vladimir-putin.ru.md", None),
]


def _edit(site: Path, rel: str, text: str | None) -> None:
    if text is None:
        (site / rel).unlink()
    else:
        (site / rel).write_text(text)


def test_incremental_builds_of_a_multilingual_site_equal_clean_builds_after_each_edit(make_site, tmp_path):
    site = _bilingual_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    assert "Brifing" not in (site / "_site/ru/briefings/b1/index.html").read_text()
    for label, rel, text in MULTILINGUAL_EDITS:
        _edit(site, rel, text)
        assert_same_as_clean_build(site, tmp_path, label)
    assert not (site / "_site/ru/briefings/b1").exists() and (site / "_site/ru/briefings/b2/index.html").exists()


def test_serve_session_edits_of_translations_equal_clean_builds(make_site):
    """The in-memory caches of `serve` (one per language's tree) take the same path: each build equals a cold one."""
    site = _bilingual_site(make_site)
    builds = InMemoryBuilds(site)
    for label, rel, text in MULTILINGUAL_EDITS:
        _edit(site, rel, text)
        builds.rebuild()
    (site / "content/briefings/b3.ru.md").write_text("---\ntitle: Брифинг 3\n---\nНовый текст.\n")
    result, _ = builds.rebuild()
    assert "Новый текст." in next(o for o in result.outputs if o.rel_path == "ru/briefings/b3/index.html").read().decode()
    assert result.rendered < len(result.outputs) // 2  # the trees' unchanged pages were kept, not made again


FOLD_EDITS = [  # (label, b3's body, b3's leaders) on a site with fold_mentions: each build equals a clean one
    ("a mention of Putin added to the text", "Quiet.\n\nLater Putin called.", "[Joe Biden]"),
    ("another paragraph edited, the mention as it was", "Quiet.\n\nLater Putin called.\n\nThe end.", "[Joe Biden]"),
    ("the mention named in front matter", "Quiet.\n\nLater Putin called.\n\nThe end.", "[Joe Biden, Putin]"),
    ("front matter and mention gone", "Quiet.", "[Joe Biden]"),
    ("the mention back, in a briefing naming no one", "Later Putin called.", "[]"),
]
PUTIN_KEY, BIDEN_KEY = ("leaders", "vladimir-putin"), ("leaders", "joe-biden")


def _fold_site(make_site, fold: bool = True):
    site = _mention_site(make_site)
    (site / "site.yaml").write_text("title: Desk\nbase_url: https://example.org/sub/\nper_page: 2\n"
                                    f"fold_mentions: {'true' if fold else 'false'}\n")
    (site / "content/briefings/b3.md").write_text(briefing("Briefing 3", "2021-03-03", "Quiet.", "[Joe Biden]"))
    return site


def test_folded_mentions_follow_each_edit_in_feeds_charts_and_named_with(make_site):
    site = _fold_site(make_site)
    builds = InMemoryBuilds(site)
    target = site / "content/briefings/b3.md"
    for step, (label, body, leaders) in enumerate(FOLD_EDITS):
        target.write_text(briefing("Briefing 3", "2021-03-03", body, leaders))
        _, remade = builds.rebuild()  # equal to a clean build, or it raises
        output = lambda path: builds.cache.outputs[path].output.read().decode()  # noqa: E731
        feed, page = output("leaders/vladimir-putin/atom.xml"), output("leaders/vladimir-putin/index.html")
        biden = output("leaders/joe-biden/index.html")
        co_named = biden.split('id="co-named-heading"', 1)[1].split("</section>", 1)[0]
        if step == 0:  # Putin's feed and chart count b3 now, and Biden, whom b3 names, is named with him once more
            assert {("entity-feed", PUTIN_KEY), ("entity", PUTIN_KEY, 1), ("entity", BIDEN_KEY, 1)} <= remade, label
            assert "https://example.org/sub/briefings/b3/" in feed
            assert "March 2021: 3." in page  # b1 and b5 name him, b3 mentions him
            # b1 and b5 name Putin and mention Biden ("Biden spoke"); b3 names Biden and mentions Putin
            assert re.search(r'Vladimir Putin</a> <span class="count"[^>]*>3<', co_named), co_named
        if step == 1:  # what is mentioned as it was: no entity page (the feeds listing b3 show its new body)
            assert not {key for key in remade if key[0] == "entity"}, (label, remade)
        if step == 3:
            assert "/sub/briefings/b3/" not in feed
            assert re.search(r'Vladimir Putin</a> <span class="count"[^>]*>2<', co_named), co_named
        if step == 4:
            assert "https://example.org/sub/briefings/b3/" in feed


def test_folded_mentions_from_the_command_line_equal_clean_builds(make_site, tmp_path):
    site = _fold_site(make_site)
    assert_same_as_clean_build(site, tmp_path, "a first build")
    target = site / "content/briefings/b3.md"
    for step, (label, body, leaders) in enumerate(FOLD_EDITS):
        target.write_text(briefing("Briefing 3", "2021-03-03", body, leaders))
        assert_same_as_clean_build(site, tmp_path, f"{step}: {label}")
    feed = (site / "_site/leaders/vladimir-putin/atom.xml").read_text()
    assert "<subtitle>Briefings naming or mentioning Vladimir Putin</subtitle>" in feed
    assert '<link href="https://example.org/sub/briefings/b3/"' in feed
    target.unlink()
    assert_same_as_clean_build(site, tmp_path, "the mentioning briefing deleted")
    (site / "site.yaml").write_text("title: Desk\nbase_url: https://example.org/sub/\nper_page: 2\n")
    assert_same_as_clean_build(site, tmp_path, "folding turned off")


def test_without_folding_a_new_mention_remakes_only_the_entitys_pages(make_site):
    site = _fold_site(make_site, fold=False)
    builds = InMemoryBuilds(site)
    (site / "content/briefings/b3.md").write_text(briefing("Briefing 3", "2021-03-03", *FOLD_EDITS[0][1:]))
    _, remade = builds.rebuild()
    entity_jobs = {key for key in remade if key[0] in ("entity", "entity-feed")}
    # Putin's pages list b3 under "Also mentioned in"; the feeds of what b3 names show its new body.
    showing_b3 = {("entity-feed", BIDEN_KEY), ("entity-feed", ("issues", "arms-control"))}
    assert ("entity", PUTIN_KEY, 1) in entity_jobs, entity_jobs
    assert entity_jobs <= {("entity", PUTIN_KEY, n) for n in (1, 2, 3)} | showing_b3, entity_jobs
    assert "/briefings/b3/" not in builds.cache.outputs["leaders/vladimir-putin/atom.xml"].output.read().decode()
