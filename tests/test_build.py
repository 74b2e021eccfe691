"""`briefgen build` end to end on small sites: pages, options, front matter, themes."""

from __future__ import annotations

import sys
import subprocess
import zipfile
from pathlib import Path


from conftest import REPO, parse_html, resolve_link, run_cli

A = """\
---
title: New START extended
date: 2021-02-03
leaders: Vladimir Putin
treaties: [New START]
issues: [arms control, Arms Control]
region: Europe
---
The treaty now runs to 2026.
"""

B = """\
---
title: First call
date: 2021-01-26
leaders: [vladimir putin, Joe Biden]
---
Body of the first call.
"""


def build_to(site: Path, out: Path, *args: str):
    return run_cli("build", "--out", str(out), *args, cwd=site, check=True)


def test_build_writes_every_kind_of_page(make_site, tmp_path):
    site = make_site({"content/briefings/a.md": A, "content/briefings/b.md": B,
                      "content/pages/about.md": "---\ntitle: About us\n---\nWho we are.\n",
                      "static/images/logo.png": b"\x89PNG fake"})
    out = tmp_path / "out"
    result = build_to(site, out)
    assert "Built" in result.stderr
    for rel in ["index.html", "briefings/index.html", "briefings/a/index.html", "briefings/b/index.html",
                "leaders/index.html", "treaties/index.html", "issues/index.html",
                "leaders/vladimir-putin/index.html", "leaders/joe-biden/index.html",
                "treaties/new-start/index.html", "issues/arms-control/index.html",
                "about/index.html", "images/logo.png", "404.html", "atom.xml", "sitemap.xml", "robots.txt"]:
        assert (out / rel).is_file(), rel
    # "Vladimir Putin" and "vladimir putin" are one entity; so are the two spellings of arms control.
    assert sorted(p.name for p in (out / "leaders").iterdir() if p.is_dir()) == ["joe-biden", "vladimir-putin"]
    putin = parse_html(out / "leaders" / "vladimir-putin" / "index.html").text
    assert putin.index("New START extended") < putin.index("First call")  # newest first
    home = parse_html(out / "index.html")
    assert "New START extended" in home.text and "Vladimir Putin" in home.text
    assert (out / "images" / "logo.png").read_bytes() == b"\x89PNG fake"


def test_briefing_lists_paginate(make_site, tmp_path):
    files = {"site.yaml": "title: T\nbase_url: https://example.org/\nper_page: 3\n"}
    for day in range(1, 8):
        files[f"content/briefings/b{day}.md"] = f"---\ntitle: Briefing {day}\ndate: 2021-03-0{day}\n---\nText.\n"
    site = make_site(files)
    out = tmp_path / "out"
    build_to(site, out)
    pages = [out / "briefings" / "index.html", out / "briefings/page/2/index.html", out / "briefings/page/3/index.html"]
    texts = [parse_html(p).text for p in pages]
    assert "Briefing 7" in texts[0] and "Briefing 4" in texts[1] and "Briefing 1" in texts[2]
    assert not (out / "briefings/page/4").exists()
    next_links = [u for _, u, a in parse_html(pages[0]).links if a.get("rel") == "next"]
    assert next_links == ["/briefings/page/2/"]


def test_sub_path_base_url_keeps_every_link_inside_it(make_site, tmp_path):
    site = make_site({"content/briefings/a.md": A, "content/briefings/b.md": B,
                      "content/pages/about.md": "---\ntitle: About\n---\nSee [A](@/briefings/a.md).\n"})
    out = tmp_path / "out"
    build_to(site, out, "--base-url", "https://user.github.io/repo")
    checked = 0
    for page in out.rglob("*.html"):
        for tag, url, _ in parse_html(page).links:
            if url.startswith("https://user.github.io/"):
                assert url.startswith("https://user.github.io/repo/"), url
                continue
            target = resolve_link(out, "/repo/", url)  # asserts the link stays under /repo/
            if target is not None:
                assert target.exists(), f"{page}: {url}"
                checked += 1
    assert checked > 50
    assert '<link rel="stylesheet" href="/repo/assets/style.css">' in (out / "404.html").read_text()
    assert "<loc>https://user.github.io/repo/briefings/a/</loc>" in (out / "sitemap.xml").read_text()


def test_default_base_url_links_from_the_domain_root(make_site, tmp_path):
    site = make_site({"content/briefings/a.md": A})
    out = tmp_path / "out"
    build_to(site, out)
    links = {u for _, u, _ in parse_html(out / "briefings" / "a" / "index.html").links}
    assert "/leaders/vladimir-putin/" in links and "/assets/style.css" in links


def test_missing_title_and_date_are_reported_together(make_site):
    site = make_site({
        "content/briefings/no-title.md": "---\ndate: 2021-01-01\n---\nText.\n",
        "content/briefings/no-date.md": "---\ntitle: Dateless\n---\nText.\n",
    })
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "content/briefings/no-date.md:1: error: the briefing has no 'date'." in result.stderr
    assert "content/briefings/no-title.md:1: error: the front matter has no 'title'." in result.stderr
    assert "Traceback" not in result.stderr
    assert not (site / "_site").exists()


def test_unknown_keys_are_kept_for_templates_and_misspellings_warn(make_site, tmp_path):
    site = make_site({
        "content/briefings/a.md": A.replace("region: Europe", "region: Europe\nleader: Joe Biden"),
        "templates/briefing.html": '{% extends "default/briefing.html" %}'
                                   '{% block content %}<p id="region">{{ briefing.extra.region }}</p>'
                                   "{{ super() }}{% endblock %}",
    })
    out = tmp_path / "out"
    result = build_to(site, out)
    assert ("content/briefings/a.md:8: warning: unknown key 'leader' looks like a misspelling of 'leaders'."
            in result.stderr)
    html = (out / "briefings" / "a" / "index.html").read_text()
    assert '<p id="region">Europe</p>' in html
    assert "The treaty now runs to 2026." in html  # super() kept the stock content


def test_drafts_only_with_the_flag(make_site, tmp_path):
    draft = "---\ntitle: Unfinished\ndate: 2021-05-01\ndraft: true\nissues: [secret issue]\n---\nDraft text.\n"
    site = make_site({"content/briefings/a.md": A, "content/briefings/draft.md": draft})
    out = tmp_path / "out"
    build_to(site, out)
    assert not (out / "briefings" / "draft").exists()
    assert not (out / "issues" / "secret-issue").exists()
    assert "Unfinished" not in (out / "atom.xml").read_text() + (out / "sitemap.xml").read_text()
    with_drafts = tmp_path / "with-drafts"
    build_to(site, with_drafts, "--drafts")
    assert "Draft text." in (with_drafts / "briefings" / "draft" / "index.html").read_text()
    assert (with_drafts / "issues" / "secret-issue" / "index.html").is_file()


def test_site_template_overrides_theme_template(make_site, tmp_path):
    site = make_site({
        "content/briefings/a.md": A,
        "templates/briefing.html": "<!DOCTYPE html><title>{{ briefing.title }}</title><p>OVERRIDDEN</p>",
        "static/assets/style.css": "body { color: red; }",
    })
    out = tmp_path / "out"
    build_to(site, out)
    assert (out / "briefings" / "a" / "index.html").read_text() == \
        "<!DOCTYPE html><title>New START extended</title><p>OVERRIDDEN</p>"
    assert (out / "assets" / "style.css").read_text() == "body { color: red; }"
    assert "OVERRIDDEN" not in (out / "index.html").read_text()  # other templates still the theme's


def test_unknown_theme_lists_the_available_ones(make_site):
    site = make_site({"site.yaml": "title: T\nbase_url: https://example.org/\ntheme: fancy\n",
                      "content/briefings/a.md": A})
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "site.yaml: error: theme 'fancy' not found in themes/. Available themes: default." in result.stderr


def test_new_site_builds_at_once_and_new_briefing_is_valid(tmp_path):
    site = tmp_path / "desk"
    run_cli("new", "site", str(site), cwd=tmp_path, check=True)
    for rel in ["site.yaml", "content/briefings/welcome.md", "content/leaders/jane-example.md",
                ".github/workflows/pages.yml"]:
        assert (site / rel).is_file(), rel
    welcome = run_cli("build", cwd=site, check=True)
    assert "warning" not in welcome.stderr, welcome.stderr
    # Counts agree with their nouns: one briefing, one entity.
    assert run_cli("check", cwd=site, check=True).stderr.strip() == "Checked 1 briefing and 1 entity: no errors."
    created = run_cli("new", "briefing", "Talks resume: a first step?", "--date", "2021-02-10", cwd=site, check=True)
    path = site / "content" / "briefings" / "talks-resume-a-first-step.md"
    assert path.is_file() and "talks-resume-a-first-step.md" in created.stderr
    run_cli("build", cwd=site, check=True)
    # The new briefing is a draft until its writer says otherwise: not on the site…
    assert not (site / "_site" / "briefings" / "talks-resume-a-first-step").exists()
    # … and its skeleton's placeholders are named by check.
    checked = run_cli("check", cwd=site)
    assert checked.returncode == 0
    assert ("content/briefings/talks-resume-a-first-step.md:12: warning: source 1 points at example.org, "
            "an address reserved for examples.") in checked.stderr
    assert "talks-resume-a-first-step.md:15: warning: the body is still the skeleton's empty headings." in checked.stderr
    run_cli("build", "--drafts", cwd=site, check=True)
    html = (site / "_site" / "briefings" / "talks-resume-a-first-step" / "index.html").read_text()
    assert "Talks resume: a first step?" in html
    again = run_cli("new", "briefing", "Talks resume: a first step?", cwd=site)
    assert again.returncode == 1 and "already exists" in again.stderr
    refused = run_cli("new", "site", str(site), cwd=tmp_path)
    assert refused.returncode == 1 and "is not empty" in refused.stderr


def test_installed_wheel_builds_a_site_outside_the_repository(tmp_path):
    """The wheel carries the default theme: a site far from this checkout builds with it."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheel_dir), str(REPO)], check=True, capture_output=True, timeout=300)
    wheel = next(wheel_dir.glob("briefgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "briefgen/themes/default/templates/base.html" in names
    assert "briefgen/themes/default/static/assets/style.css" in names
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    site = tmp_path / "elsewhere" / "desk"
    site.parent.mkdir()
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for args in (["new", "site", str(site)], ["build"]):
        result = subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=site.parent if args[0] == "new"
                                else site, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, "-c", "import briefgen.render.theme as t; print(t.packaged_theme_dir())"],
                           env=env, capture_output=True, text=True, cwd=tmp_path)
    assert check.stdout.strip().startswith(str(installed))
    assert "Welcome to your briefing desk" in (site / "_site" / "index.html").read_text()


def test_a_new_sites_gitignore_keeps_the_build_and_what_a_killed_build_leaves_out_of_git(tmp_path):
    import subprocess

    site = tmp_path / "desk"
    run_cli("new", "site", str(site), cwd=tmp_path, check=True)
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    run_cli("build", cwd=site, check=True)
    leftovers = ["_site/index.html", "._site.briefgen/staging-0123abcd/index.html", "._site.briefgen/old-0123abcd/x",
                 "._site.briefgen/pages-0123abcd/7.html", "._site.briefgen/lock", ".briefgen-cache/cache.sqlite"]
    for rel in leftovers:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("x")
    ignored = subprocess.run(["git", "check-ignore", *leftovers], cwd=site, capture_output=True, text=True)
    assert sorted(ignored.stdout.split()) == sorted(leftovers)
    kept = subprocess.run(["git", "check-ignore", "site.yaml", "content/briefings/welcome.md"], cwd=site)
    assert kept.returncode == 1  # nothing of the sources is ignored


def test_new_site_in_a_new_repository_beside_its_readme_and_licence(tmp_path):
    """A clone of a repository just made on GitHub (a README and a licence in it) takes a new site; a folder
    with anything else in it is refused, naming what is in the way, and left as it was."""
    repository = tmp_path / "desk"
    (repository / ".git").mkdir(parents=True)
    (repository / "README.md").write_text("# Our desk\n")
    (repository / "LICENSE").write_text("A licence.\n")
    made = run_cli("new", "site", str(repository), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (repository / "README.md").read_text() == "# Our desk\n"
    run_cli("build", cwd=repository, check=True)
    assert (repository / "_site/index.html").is_file()

    other = tmp_path / "other"
    (other / "notes").mkdir(parents=True)
    (other / "README.md").write_text("mine\n")
    refused = run_cli("new", "site", str(other), cwd=tmp_path)
    assert refused.returncode == 1 and f"{other} is not empty: it holds notes." in refused.stderr
    assert sorted(p.name for p in other.iterdir()) == ["README.md", "notes"]


def test_new_site_in_a_folder_of_a_repository_gets_a_workflow_github_runs(tmp_path):
    """GitHub runs workflows only from the top of a repository: a site made in a folder of one gets its
    workflow there, built in that folder; a pages.yml the repository has already is never touched."""
    import yaml

    mono = tmp_path / "mono"
    (mono / ".git").mkdir(parents=True)
    made = run_cli("new", "site", str(mono / "sites/desk"), "-v", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert not (mono / "sites/desk/.github").exists()
    build = yaml.safe_load((mono / ".github/workflows/pages.yml").read_text())["jobs"]["build"]
    assert build["defaults"]["run"]["working-directory"] == "sites/desk"
    paths = [step["with"]["path"] for step in build["steps"] if "path" in step.get("with", {})]
    assert paths == ["sites/desk/.briefgen-cache", "sites/desk/_site"]

    theirs = mono / ".github/workflows/pages.yml"
    theirs.write_text("name: the repository's own\n")
    again = run_cli("new", "site", str(mono / "sites/other"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert theirs.read_text() == "name: the repository's own\n"
    assert "merge" in again.stderr and str(mono / "sites/other/.github/workflows/pages.yml") in again.stderr
    assert (mono / "sites/other/.github/workflows/pages.yml").is_file()
