"""The kept site (`build --cache-pages`) with a damaged, tampered or orphaned cache folder: nothing leaks into
the published site, nothing is written outside the cache folder, and what is damaged is mended."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from briefgen.incremental.kept_site import kept_file
from test_portable_cache import CACHE, assert_same_as_clean_build, build, counts, desk, fresh_clone, tree

PAGE = "briefings/b03/index.html"


def test_a_damaged_kept_page_of_a_page_gone_leaves_no_empty_folder_in_the_site(make_site, tmp_path):
    """Its folder would publish its name (a draft's slug, a briefing taken down) to every reader."""
    site = make_site(desk())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    (clone / "content/briefings/b03.md").unlink()
    with open(kept_file(clone / CACHE / "site", PAGE), "ab") as file:
        file.write(b" ")
    build(clone, "--cache-pages")
    assert not (clone / "_site/briefings/b03").exists()
    assert_same_as_clean_build(clone, tmp_path)


def test_a_missing_kept_page_is_kept_again_once_made(make_site, tmp_path):
    site = make_site(desk())
    build(site, "--cache-pages")
    clone = fresh_clone(site, tmp_path / "clone")
    os.unlink(kept_file(clone / CACHE / "site", PAGE))
    assert counts(build(clone, "--cache-pages"))[0] == 1  # that page, made again
    kept = kept_file(clone / CACHE / "site", PAGE)
    assert os.stat(kept).st_ino == os.stat(clone / "_site" / PAGE).st_ino
    shutil.rmtree(clone / "_site")
    assert counts(build(clone, "--cache-pages"))[0] == 0  # the next checkout has it again
    assert_same_as_clean_build(clone, tmp_path)


def test_a_kept_folder_replaced_by_a_link_is_never_written_through(make_site, tmp_path):
    """A cache restored from elsewhere may hold links where its folders were: the kept site is written and
    unlinked only in the cache folder, never where such a link points."""
    site = make_site(desk())
    build(site, "--cache-pages")
    outside = tmp_path / "outside"
    (outside / "whole").mkdir(parents=True)
    (outside / "part").mkdir()
    (outside / "part/notes.txt").write_text("the user's")
    kept = site / CACHE / "site"
    part = Path(kept_file(kept, PAGE)).parent
    shutil.rmtree(part)
    part.symlink_to(outside / "part")  # one of its 256 folders
    (site / "content/briefings/b03.md").write_text(
        (site / "content/briefings/b03.md").read_text().replace("Putin spoke", "Putin wrote"))
    build(site, "--cache-pages")
    assert not part.is_symlink() and os.path.isfile(kept_file(kept, PAGE))
    shutil.rmtree(kept)
    kept.symlink_to(outside / "whole")  # the whole kept folder
    (site / "content/briefings/b03.md").write_text(
        (site / "content/briefings/b03.md").read_text().replace("Putin wrote", "Putin said"))
    build(site, "--cache-pages")
    assert not kept.is_symlink() and os.path.isfile(kept_file(kept, PAGE))
    assert tree(outside) == {"part/notes.txt": b"the user's"}
    assert sorted(p.name for p in outside.iterdir()) == ["part", "whole"]


def test_kept_pages_left_without_their_list_go_with_the_next_build_without_cache_pages(make_site):
    """Their list is lost with the cache's state (a new briefgen version starts it afresh): they go anyway."""
    site = make_site(desk())
    build(site, "--cache-pages")
    (site / CACHE / "state.pickle").unlink()
    build(site)
    assert not (site / CACHE / "site").exists()
    # The output's files, whose other names went (their ctimes changed), are still known as written.
    assert "Nothing changed" in build(site).stderr
