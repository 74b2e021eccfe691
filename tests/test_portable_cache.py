"""The build cache travels: restored into a fresh checkout elsewhere, with no output folder (a CI runner), it
gives the same site as a clean build and renders only what changed (`build --cache-pages`)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from briefgen.incremental.kept_site import kept_file
from briefgen.output.workspace import MARKER
from conftest import build_killed_when, run_cli

CACHE = ".briefgen-cache"
SUB_PATH = "https://desk.github.io/briefings/"  # a project site, as the Pages workflow builds it
PUTIN = "---\nname: Vladimir Putin\naliases: [Putin]\nrole: President of Russia\n---\nProfile.\n"


def briefing(title: str, date: str, body: str, leaders: str = "[Putin]") -> str:
    return f"---\ntitle: {title}\ndate: {date}\nleaders: {leaders}\nissues: [arms control]\n---\n{body}\n"


def desk(count: int = 24, words: str = "spoke") -> dict[str, str]:
    """Briefings over two years naming overlapping leaders: lists, pages of lists, feeds, years, search shards."""
    files = {"content/leaders/vladimir-putin.md": PUTIN,
             "site.yaml": "title: Desk\nbase_url: https://example.org/\nper_page: 3\nhome_count: 4\n"}
    for i in range(1, count + 1):
        leaders = "[Putin, Joe Biden]" if i % 2 else "[Putin, Angela Merkel]"
        files[f"content/briefings/b{i:02}.md"] = briefing(f"Briefing {i}", f"{2020 + i % 2}-{1 + i % 12:02}-{1 + (i - 1) % 28:02}",
                                                         f"Putin {words}, day {i}.\n\nMore on day {i}.", leaders)
    return files


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(site: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("build", "-v", "--base-url", SUB_PATH, *args, cwd=site, check=True)


def counts(result: subprocess.CompletedProcess) -> tuple[int, int]:
    """(pages rendered, pages unchanged) as `build` reports them."""
    found = re.search(r"; (\d+) rendered, (\d+) unchanged\)", result.stderr)
    assert found, result.stderr
    return int(found[1]), int(found[2])


def assert_same_as_clean_build(site: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    run_cli("build", "--no-cache", "--base-url", SUB_PATH, "--out", str(clean), cwd=site, check=True)
    got, want = tree(site / "_site"), tree(clean)
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=Desk", "-c", "user.email=desk@example.org", *args], cwd=cwd,
                   check=True, capture_output=True)


def fresh_clone(site: Path, into: Path) -> Path:
    """A `git clone` of the site (new file times, another folder, no output folder), its cache copied in
    as actions/cache restores it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git("init", "-q", "-b", "main", cwd=site)
    git("add", "content", "site.yaml", cwd=site)
    git("commit", "-q", "-m", "the desk", cwd=site)
    subprocess.run(["git", "clone", "-q", str(site), str(into)], check=True, capture_output=True)
    shutil.copytree(site / CACHE, into / CACHE, symlinks=True, ignore=shutil.ignore_patterns("lock"))
    assert not (into / "_site").exists()
    return into


def test_a_restored_cache_in_a_fresh_clone_builds_the_same_site_rendering_only_what_changed(make_site, tmp_path):
    site = make_site(desk())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    new = briefing("Briefing 25", "2021-06-25", "Putin again.", "[Putin, Joe Biden]")
    (clone / "content/briefings/b25.md").write_text(new)
    published = build(clone, "--cache-pages")
    assert "restore" in published.stderr
    # As many pages as the same edit renders where the site was built: b25's page, its neighbours,
    # the pages listing it; not the whole site.
    (site / "content/briefings/b25.md").write_text(new)
    assert counts(published) == counts(build(site, "--cache-pages")), published.stderr
    assert counts(published)[0] > 0 and counts(published)[1] > 0
    indexed = re.search(r"search: (\d+) of (\d+) shards", published.stderr)
    assert indexed and int(indexed[1]) < int(indexed[2]), published.stderr  # briefings-2020 is as it was
    assert_same_as_clean_build(clone, tmp_path)
    assert "Putin again." in (clone / "_site/briefings/b25/index.html").read_text(encoding="utf-8")

    # The next publish starts from the cache this one saved, in yet another clone.
    git("add", "content", cwd=clone)
    git("commit", "-q", "-m", "b25", cwd=clone)
    again = tmp_path / "again"
    subprocess.run(["git", "clone", "-q", str(clone), str(again)], check=True, capture_output=True)
    shutil.copytree(clone / CACHE, again / CACHE, ignore=shutil.ignore_patterns("lock"))
    assert counts(build(again, "--cache-pages"))[0] == 0
    assert_same_as_clean_build(again, tmp_path)


def test_a_failed_publish_from_a_restored_cache_leaves_no_half_site_and_the_kept_site_whole(make_site, tmp_path):
    """The kept site is restored into the folder the new site is staged in: a build that fails leaves neither
    an output folder nor that folder, and the kept files as they were, for the next try to reuse."""
    site = make_site(desk())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    kept_before = tree(clone / CACHE / "site")
    (clone / "content/briefings/b25.md").write_text("---\ntitle: Broken\ndate: [not a date\n---\nBody.\n")
    failed = run_cli("build", "-v", "--base-url", SUB_PATH, "--cache-pages", cwd=clone)
    assert failed.returncode == 1 and "b25.md" in failed.stderr and "Traceback" not in failed.stderr
    assert not (clone / "_site").exists()
    work = [p.name for p in (clone / "._site.briefgen").iterdir()]
    assert [name for name in work if re.match(r"(staging|pages|old|spare)-", name)] == [], work
    assert tree(clone / CACHE / "site") == kept_before

    fixed = briefing("Briefing 25", "2021-06-25", "Putin again.")
    (clone / "content/briefings/b25.md").write_text(fixed)
    published = build(clone, "--cache-pages")
    (site / "content/briefings/b25.md").write_text(fixed)
    assert counts(published) == counts(build(site, "--cache-pages")), published.stderr  # as where it was built
    assert_same_as_clean_build(clone, tmp_path)
    # The pages reused are the kept files themselves, linked: no second copy on disk.
    page, kept = clone / "_site/briefings/b03/index.html", kept_file(clone / CACHE / "site", "briefings/b03/index.html")
    assert os.stat(page).st_ino == os.stat(kept).st_ino


def test_a_publish_killed_while_the_kept_site_is_restored_leaves_nothing_half_made(make_site, tmp_path):
    """Killed while the kept files are being linked into the staging folder: no output folder appears, the
    kept site is as it was, and the next build removes the half-made folder and publishes the same site."""
    site = make_site(desk(count=400))
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    kept_before = tree(clone / CACHE / "site")

    def restoring() -> Path | None:  # a staging folder with some of the kept pages linked into it already
        work = clone / "._site.briefgen"
        for staging in (work.glob("staging-*") if work.is_dir() else ()):
            if (staging / "briefings").is_dir() and len(os.listdir(staging / "briefings")) > 20:
                return staging
        return None

    _, staging = build_killed_when(["build", "--cache-pages", "--base-url", SUB_PATH], clone, restoring)
    assert staging is not None, "the build finished before it could be killed mid-restore; make the site bigger"
    assert not (clone / "_site").exists()
    assert (staging / MARKER).is_file()  # marked before its first file: the next build knows it as its own
    assert tree(clone / CACHE / "site") == kept_before

    published = build(clone, "--cache-pages")
    assert not staging.exists()
    assert counts(published)[0] == 0, published.stderr
    assert_same_as_clean_build(clone, tmp_path)


def test_a_copy_with_new_file_times_and_no_output_folder_renders_nothing(make_site, tmp_path):
    site = make_site(desk())
    build(site, "--cache-pages")
    copy = tmp_path / "copy"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("_site", "._site.briefgen", "lock"))
    for path in (copy / "content").rglob("*.md"):
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    assert counts(build(copy, "--cache-pages"))[0] == 0
    assert_same_as_clean_build(copy, tmp_path)


def test_a_deleted_output_folder_comes_back_from_the_cache(make_site, tmp_path):
    site = make_site(desk())
    build(site, "--cache-pages")
    shutil.rmtree(site / "_site")
    (site / "content/briefings/b03.md").write_text(briefing("Briefing 3", "2021-04-03", "A new body."))
    rendered, unchanged = counts(build(site, "--cache-pages"))
    assert 0 < rendered < unchanged
    assert_same_as_clean_build(site, tmp_path)


@pytest.mark.parametrize("jobs", ["2", "1"])  # restored beside the modelling, or in this process
def test_a_restored_cache_whose_database_is_damaged_still_builds_the_same_site(make_site, tmp_path, jobs):
    """The kept site is restored while the build reads the cache and finds it damaged: the build from scratch
    that follows waits for the restore, and writes over it the same site as a clean build."""
    site = make_site(desk())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    database = sqlite3.connect(clone / CACHE / "cache.sqlite")
    with database:  # a rendered body garbled: found when the bodies are read, after the restore has begun
        assert database.execute("UPDATE rows SET tail = X'00ff00' WHERE kind = 'bodies'").rowcount > 0
    database.close()
    (clone / "content/briefings/b25.md").write_text(briefing("Briefing 25", "2021-06-25", "Putin again."))
    published = build(clone, "--cache-pages", "--jobs", jobs)
    assert "is damaged" in published.stderr and "restore" in published.stderr
    assert counts(published)[1] == 0  # nothing trusted from the damaged cache
    assert_same_as_clean_build(clone, tmp_path)
    assert sorted(p.name for p in (clone / "._site.briefgen").iterdir() if p.name.startswith("staging")) == []
    # The next build trusts the cache written afresh, and the kept site it holds.
    shutil.rmtree(clone / "_site")
    assert counts(build(clone, "--cache-pages", "--jobs", jobs))[0] == 0
    assert_same_as_clean_build(clone, tmp_path)


def test_a_cache_from_a_site_whose_content_differs_leaks_no_page(make_site, tmp_path):
    """Same file names, other words, and a briefing more: every page differs, so none may come from the cache,
    and the other site's extra page must not be carried over."""
    other = make_site({**desk(words="resigned"), "content/briefings/gone.md": briefing("Gone", "2020-05-05", "Gone.")},
                      name="other")
    build(other, "--cache-pages")
    site = make_site(desk(words="spoke"))
    shutil.copytree(other / CACHE, site / CACHE, ignore=shutil.ignore_patterns("lock"))
    build(site, "--cache-pages")
    assert_same_as_clean_build(site, tmp_path)
    assert "resigned" not in "".join(p.read_text(encoding="utf-8") for p in (site / "_site").rglob("*.html"))


def test_a_kept_page_whose_bytes_changed_is_made_again(make_site, tmp_path):
    """A damaged cache, or a page edited in place through its other link: the digest tells, the page is made."""
    site = make_site(desk())
    build(site, "--cache-pages")
    kept = Path(kept_file(site / CACHE / "site", "briefings/b05/index.html"))
    text = kept.read_text(encoding="utf-8")
    assert "day 5" in text
    shutil.rmtree(site / "_site")
    kept.write_text(text.replace("day 5", "day 6"), encoding="utf-8")  # the same size, other bytes
    assert counts(build(site, "--cache-pages"))[0] == 1
    assert_same_as_clean_build(site, tmp_path)


def test_kept_files_missing_or_turned_into_folders_are_made_again(make_site, tmp_path):
    """A damaged copy of the cache folder: a kept page gone, another a folder, a third a link to a file
    elsewhere. The kept site is linked while it is checked; none of those may reach the site."""
    site = make_site(desk())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    b04, b05, b06 = (Path(kept_file(clone / CACHE / "site", f"briefings/b0{n}/index.html")) for n in (4, 5, 6))
    b04.unlink()
    b05.unlink()
    b05.mkdir()
    (b05 / "stray.txt").write_text("stray")
    outside = tmp_path / "outside.html"
    outside.write_text("<p>not a page of this site</p>")
    b06.unlink()
    b06.symlink_to(outside)
    published = build(clone, "--cache-pages")
    assert counts(published)[0] == 3, published.stderr
    assert_same_as_clean_build(clone, tmp_path)
    assert not (clone / "_site/briefings/b06/index.html").is_symlink()


def test_a_kept_site_of_unknown_files_is_replaced_not_added_to(make_site, tmp_path):
    """Kept files the cache has no list of (its state lost, or written by another version of briefgen, laid
    out otherwise) are never reused and never left to grow the cache that CI saves."""
    site = make_site(desk())
    build(site, "--cache-pages")
    kept = site / CACHE / "site"
    count = len(tree(kept))
    stray = kept / "briefings/b01/index.html"  # the tree layout of an older briefgen
    stray.parent.mkdir(parents=True)
    stray.write_text("<p>an old page</p>")
    (site / CACHE / "state.pickle").unlink()
    build(site, "--cache-pages")
    assert not stray.exists()
    assert len(tree(kept)) == count
    clone = fresh_clone(site, tmp_path / "clone")
    assert counts(build(clone, "--cache-pages"))[0] == 0
    assert_same_as_clean_build(clone, tmp_path)


def test_without_cache_pages_the_cache_keeps_no_pages_and_the_site_stays_as_written(make_site, tmp_path):
    site = make_site(desk())
    build(site, "--cache-pages")
    assert Path(kept_file(site / CACHE / "site", "briefings/b01/index.html")).is_file()
    (site / "content/briefings/b03.md").write_text(briefing("Briefing 3", "2021-04-03", "A new body."))
    build(site)
    assert not (site / CACHE / "site").exists()
    # Removing the kept files changed the ctime of the site's files (their other names): taken again.
    assert "Nothing changed" in build(site).stderr
    shutil.rmtree(site / "_site")
    assert counts(build(site))[1] == 0  # no kept pages: rendered again
    assert_same_as_clean_build(site, tmp_path)


def test_cache_pages_without_the_cache_is_refused(make_site):
    site = make_site(desk(2))
    result = run_cli("build", "--no-cache", "--cache-pages", cwd=site)
    assert result.returncode == 2
    assert "--cache-pages" in result.stderr and "--no-cache" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (site / "_site").exists()


PUTIN_RU = "---\nname: Владимир Путин\naliases: [Путин]\nrole: Президент России\n---\nПрофиль.\n"


def desk_in_two_languages(count: int = 12) -> dict[str, str]:
    """The desk in English, with a Russian tree (/ru/): every third briefing and Putin's profile translated, one
    translation naming a leader its original does not (read from the translation itself: languages.build)."""
    files = desk(count)
    files["site.yaml"] = files["site.yaml"] + "languages: [en, ru]\n"
    files["content/leaders/vladimir-putin.ru.md"] = PUTIN_RU
    for i in range(1, count + 1, 3):
        files[f"content/briefings/b{i:02}.ru.md"] = f"---\ntitle: Брифинг {i}\n---\nПутин говорил, день {i}.\n"
    files["content/briefings/b04.ru.md"] = "---\ntitle: Брифинг 4\nleaders: [Putin, Joe Biden]\n---\nДень 4.\n"
    return files


def fresh_copy(site: Path, into: Path) -> Path:
    """The site's sources written anew in another folder (new file times, no output folder), its cache copied
    in as actions/cache restores it."""
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if path.is_file() and rel.parts[0] in ("content", "site.yaml"):
            (into / rel).parent.mkdir(parents=True, exist_ok=True)
            (into / rel).write_bytes(path.read_bytes())
    shutil.copytree(site / CACHE, into / CACHE, ignore=shutil.ignore_patterns("lock"))
    return into


@pytest.mark.parametrize("keep", [(), ("--cache-pages",)], ids=["cache", "cache-pages"])
def test_a_multilingual_sites_cache_restored_in_another_folder_builds_the_same_site(make_site, tmp_path, keep):
    """What a language's tree reads is found from the site's folder, never from where the cache was made: a
    cache built elsewhere gives the same site, rendering what the same edit renders where it was built."""
    site = make_site(desk_in_two_languages())
    build(site, *keep)
    copy = fresh_copy(site, tmp_path / "elsewhere")
    # b05's front matter as it was: the default tree's model is the cache's, made in the other folder.
    edit = {"content/briefings/b05.md": briefing("Briefing 5", "2021-06-05", "Putin, new.", "[Putin, Joe Biden]"),
            "content/briefings/b07.ru.md": "---\ntitle: Брифинг 7\n---\nНовый текст.\n"}
    for rel, text in edit.items():
        (copy / rel).write_text(text, encoding="utf-8")
    published = build(copy, *keep)
    assert "Traceback" not in published.stderr and "internal error" not in published.stderr
    assert_same_as_clean_build(copy, tmp_path)
    assert "Новый текст." in (copy / "_site/ru/briefings/b07/index.html").read_text(encoding="utf-8")
    clean = counts(run_cli("build", "-v", "--base-url", SUB_PATH, "--no-cache", "--out", str(tmp_path / "cold"),
                           cwd=copy, check=True))
    if keep:  # as where it was built, where the output folder is there
        for rel, text in edit.items():
            (site / rel).write_text(text, encoding="utf-8")
        assert counts(published) == counts(build(site, *keep)), published.stderr
        assert 0 < counts(published)[0] < clean[0]
    else:  # no output folder and no kept pages: every page is made, from the cache's documents
        assert counts(published) == clean
    # The cache it saved is of this folder: the next build here has nothing to do.
    assert "Nothing changed" in build(copy, *keep).stderr


def test_a_multilingual_ci_publish_renders_in_each_tree_only_what_changed(make_site, tmp_path):
    """A CI publish of a site of two languages: the kept pages of the Russian tree (/ru/) are found where the
    kept site is restored, as the default tree's are, and only what the edit changes is rendered."""
    site = make_site(desk_in_two_languages())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    assert sorted(p.name for p in (clone / "content/briefings").glob("*.ru.md"))  # committed, cloned
    edit = briefing("Briefing 2", "2020-03-02", "Putin, a new body.", "[Putin, Angela Merkel]")  # English only
    (clone / "content/briefings/b02.md").write_text(edit)
    published = build(clone, "--cache-pages")
    assert "restore" in published.stderr
    (site / "content/briefings/b02.md").write_text(edit)
    in_place = build(site, "--cache-pages")
    assert counts(published) == counts(in_place), published.stderr
    assert_same_as_clean_build(clone, tmp_path)
    assert "a new body" in (clone / "_site/briefings/b02/index.html").read_text(encoding="utf-8")

    # Nothing changed, in yet another checkout: as a restore where the site was built, and not the whole Russian
    # tree (a tree's pages that show bodies are rendered by every CLI build: its jobs are not kept in the cache).
    again = fresh_copy(clone, tmp_path / "again")
    shutil.rmtree(site / "_site")
    nothing = build(again, "--cache-pages")
    assert counts(nothing) == counts(build(site, "--cache-pages")), nothing.stderr
    assert counts(nothing)[0] < len(list((again / "_site/ru").rglob("index.html"))), nothing.stderr
    assert_same_as_clean_build(again, tmp_path)
