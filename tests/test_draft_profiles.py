"""A profile with `draft: true` is not published: the site is the one its file deleted would make, byte for byte.

Its name, aliases, facts and text are nowhere in the site; a published
briefing that names it names an entity without a profile (its page, card,
feed, JSON-LD and search record as if the file did not exist); when none
does, there is no page. Its aliases are not used to recognise names either:
they are the draft's words, and a published briefing that writes one names
what that text names without the profile.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from briefgen.config import load_config
from briefgen.incremental.cache import BuildCache
from briefgen.pipeline import build
from conftest import run_cli
from image_support import png

SITE_YAML = "title: Test desk\nbase_url: https://example.org/\ntimezone: UTC\n"
DRAFT_PROFILE = """\
---
name: Hiddenprofile Personx
aliases: [Secretalias Quorbit]
draft: true
role: Undisclosedrole Zeta
in_office: "2019–"
description: Undisclosed description words.
---
Hiddenbody text of the profile, naming [[Joe Biden]].
"""
SECRETS = ("Hiddenprofile", "Secretalias", "Undisclosedrole", "Undisclosed description", "Hiddenbody")


def _briefing(title: str, date: str, leaders: str, body: str = "Body text.", draft: bool = False) -> str:
    return (f"---\ntitle: {title}\ndate: {date}\nleaders: {leaders}\n" + ("draft: true\n" if draft else "")
            + f"---\n{body}\n")


def _site(root: Path, named: bool) -> Path:
    files = {
        "site.yaml": SITE_YAML,
        "content/leaders/draft-profile.md": DRAFT_PROFILE,
        "content/leaders/joe-biden.md": "---\nname: Joe Biden\nrole: President\n---\nBiden's profile.\n",
        "content/briefings/a.md": _briefing("A", "2021-01-01", "[Joe Biden]", "Biden spoke; Personx did not."),
        "content/briefings/b.md": _briefing(
            "B", "2021-02-01", "[Joe Biden, draft-profile]" if named else "[Joe Biden]", "More text."),
        "content/briefings/c.md": _briefing("C", "2021-03-01", "[Joe Biden]", "A draft.", draft=True),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _readable(data: bytes) -> bytes:
    """A file's bytes, Pagefind's gzipped records unzipped."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError):
        return data


def assert_same_trees(got: Path, want: Path, label: str) -> None:
    got_files, want_files = tree(got), tree(want)
    assert sorted(got_files) == sorted(want_files), f"{label}: different files"
    different = [name for name in want_files if got_files[name] != want_files[name]]
    assert not different, f"{label}: {different[:5]} differ"


def assert_no_secrets(out: Path) -> None:
    for name, data in tree(out).items():
        text = _readable(data)
        for secret in SECRETS:
            assert secret.encode() not in text, (secret, name)


@pytest.mark.parametrize("named", [True, False], ids=["a-published-briefing-names-it", "nothing-names-it"])
def test_a_draft_profile_builds_the_site_its_file_deleted_would(tmp_path, named):
    with_draft = _site(tmp_path / "with-draft", named)
    deleted = _site(tmp_path / "deleted", named)
    (deleted / "content/leaders/draft-profile.md").unlink()
    for site in (with_draft, deleted):
        run_cli("build", "--strict", "--no-cache", "--out", str(tmp_path / f"out-{site.name}"), cwd=site, check=True)
    out = tmp_path / "out-with-draft"
    assert_same_trees(out, tmp_path / "out-deleted", "a draft profile against its file deleted")
    assert_no_secrets(out)
    page = out / "leaders/draft-profile/index.html"
    assert page.is_file() == named  # an entity without a profile, named as the briefing writes it
    assert (b"<loc>https://example.org/leaders/draft-profile/</loc>" in (out / "sitemap.xml").read_bytes()) == named
    checked = run_cli("check", "--strict", cwd=with_draft)
    assert checked.returncode == 0, checked.stderr


def test_a_draft_profile_says_nothing_the_deleted_file_would_not(tmp_path):
    """Not even to the editor: no near-miss 'Did you mean' naming it, no note of its name in a text."""
    with_draft = _site(tmp_path / "with-draft", named=True)
    deleted = _site(tmp_path / "deleted", named=True)
    (deleted / "content/leaders/draft-profile.md").unlink()
    for site in (with_draft, deleted):
        (site / "content/briefings/d.md").write_text(
            _briefing("D", "2021-04-01", "[Hiddenprofile Personxx]", "Hiddenprofile Personx spoke."))
    said = [[(str(d.path), d.line, d.message) for d in build(load_config(site)).diagnostics]
            for site in (with_draft, deleted)]
    assert said[0] == said[1]
    assert not any("Hiddenprofile Personx'" in message for _, _, message in said[0])


def _toggle(path: Path, draft: bool) -> None:
    text = path.read_text()
    path.write_text(text.replace("draft: false", "draft: true") if draft else text.replace("draft: true", "draft: false"))


@pytest.mark.parametrize("named", [True, False], ids=["a-published-briefing-names-it", "nothing-names-it"])
def test_a_profile_made_a_draft_and_published_again_builds_as_a_clean_build_does(tmp_path, named):
    site = _site(tmp_path / "site", named)
    profile = site / "content/leaders/draft-profile.md"
    _toggle(profile, draft=False)
    steps = [("published", False), ("made a draft", True), ("published again", False), ("a draft again", True)]
    for number, (label, draft) in enumerate(steps):
        _toggle(profile, draft)
        run_cli("build", cwd=site, check=True)
        clean = tmp_path / f"clean-{number}"
        run_cli("build", "--no-cache", "--out", str(clean), cwd=site, check=True)
        assert_same_trees(site / "_site", clean, f"the profile {label}")
        assert ((site / "_site/leaders/draft-profile/index.html").is_file()) == (named or not draft)
        if draft:
            assert_no_secrets(site / "_site")


def test_a_profile_toggled_in_one_serve_session_builds_as_a_clean_build_does(tmp_path):
    """As serve builds: one cache in memory, warnings too compared with a clean build's."""
    site = _site(tmp_path / "site", named=True)
    profile = site / "content/leaders/draft-profile.md"
    config, cache = load_config(site), BuildCache()
    for draft in (True, False, True):
        _toggle(profile, draft)
        result = build(config, cache=cache)
        cache.remember_outputs(result.outputs, result.keys)
        clean = build(config, cache=BuildCache())
        got = {o.rel_path: o.read() for o in result.outputs}
        want = {o.rel_path: o.read() for o in clean.outputs}
        assert sorted(got) == sorted(want)
        assert [name for name in want if got[name] != want[name]] == []
        assert result.diagnostics == clean.diagnostics
        assert (("leaders", "draft-profile") in result.site.registry.entities)
        assert (result.site.registry.entities[("leaders", "draft-profile")].profile is None) == draft


def test_a_drafts_preview_lists_no_page_that_only_drafts_make_in_its_sitemap(tmp_path):
    """`build --drafts` is a preview: its sitemap lists the published pages only (README: "Drafts are never
    listed"), not an entity that only a draft names."""
    site = _site(tmp_path / "site", named=False)
    (site / "content/briefings/c.md").write_text(
        _briefing("C", "2021-03-01", "[Zorbulon Draftleader, Joe Biden]", "A draft.", draft=True))
    out = tmp_path / "preview"
    run_cli("build", "--drafts", "--out", str(out), cwd=site, check=True)
    assert (out / "leaders/zorbulon-draftleader/index.html").is_file()  # the preview shows its page
    sitemap = (out / "sitemap.xml").read_text()
    assert "zorbulon" not in sitemap
    assert "<loc>https://example.org/leaders/joe-biden/</loc>" in sitemap
    assert "draft-profile" not in sitemap
    published = tmp_path / "published"
    run_cli("build", "--out", str(published), cwd=site, check=True)
    assert (published / "sitemap.xml").read_text() == sitemap


def test_draft_must_be_true_or_false_and_drafts_is_taken_for_a_misspelling(make_site):
    site = make_site({
        "content/leaders/a.md": "---\nname: Leader A\ndraft: maybe\n---\n",
        "content/leaders/b.md": "---\nname: Leader B\ndrafts: true\n---\n",
    })
    result = run_cli("check", cwd=site)
    assert "content/leaders/a.md:3: error: 'draft' must be true or false" in result.stderr
    assert "content/leaders/b.md:3: warning: unknown key 'drafts' looks like a misspelling of 'draft'" in result.stderr


def test_a_draft_profiles_text_is_not_rendered_nor_checked(tmp_path):
    """Like a draft briefing's: its links and files are its own business until it is published."""
    site = _site(tmp_path / "site", named=False)
    bundle = site / "content/leaders/bundled"
    bundle.mkdir()
    (bundle / "portrait.png").write_bytes(png(40, 40))
    (bundle / "index.md").write_text("---\nname: Bundled Person\ndraft: true\n---\n"
                                     "![A portrait](portrait.png) and [[Nothing Known Here]].\n")
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr


def test_a_drafts_preview_shows_a_draft_profile(tmp_path):
    site = _site(tmp_path / "site", named=False)
    out = tmp_path / "preview"
    run_cli("build", "--drafts", "--out", str(out), cwd=site, check=True)
    page = out / "leaders/draft-profile/index.html"
    assert page.is_file() and "Hiddenbody" in page.read_text()
    assert "draft-profile" not in (out / "sitemap.xml").read_text()  # a preview's sitemap: published pages only


def test_a_translation_of_a_draft_profile_is_not_published_whatever_it_says(tmp_path):
    """The repository's multilingual sample site: Putin's profile made a draft, its Russian translation saying
    `draft: false`, builds what the site with both files deleted builds, and the translation is warned about."""
    repository = Path(__file__).resolve().parent.parent
    sites = {}
    for name in ("with-draft", "deleted"):
        site = sites[name] = tmp_path / name
        for part in ("content", "static", "themes"):
            if (repository / part).is_dir():
                shutil.copytree(repository / part, site / part)
        shutil.copy(repository / "site.yaml", site / "site.yaml")
    profile = sites["with-draft"] / "content/leaders/vladimir-putin.md"
    profile.write_text(profile.read_text().replace("\n---\n", "\ndraft: true\n---\n", 1))
    translation = sites["with-draft"] / "content/leaders/vladimir-putin.ru.md"
    translation.write_text(translation.read_text().replace("\n---\n", "\ndraft: false\n---\n", 1))
    for name in ("vladimir-putin.md", "vladimir-putin.ru.md"):
        (sites["deleted"] / "content/leaders" / name).unlink()
    built = {}
    for name, site in sites.items():
        built[name] = run_cli("build", "--no-cache", "--out", str(tmp_path / f"out-{name}"), cwd=site, check=True)
    assert_same_trees(tmp_path / "out-with-draft", tmp_path / "out-deleted", "a draft profile and its translation")
    assert "content/leaders/vladimir-putin.ru.md" in built["with-draft"].stderr
    assert "is a draft" in built["with-draft"].stderr
