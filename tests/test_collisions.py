"""Every path the site would write twice, or as a file where a folder is needed, or into a hidden folder
of the output, is an error that `check` finds as `build` does, at the content file and line that asked
for it (issue 18 items 1, 15 and 16)."""

from __future__ import annotations

import pytest

from conftest import run_cli

BRIEFING = "---\ntitle: {title}\ndate: {date}\nleaders: [Joe Biden]\n{extra}---\nBody.\n"


def briefing(title="A briefing", date="2021-01-05", extra=""):
    return BRIEFING.format(title=title, date=date, extra=extra)


def page(title="About", extra=""):
    return f"---\ntitle: {title}\n{extra}---\nText.\n"


# (files to add to a small site, the content file and line reported, what the message names)
CASES = {
    "page slug search": ({"content/pages/find.md": page(extra="slug: search\n")},
                         "content/pages/find.md:3", "this file's page and the search page both write 'search/index.html'"),
    "briefing slug is a year": ({"content/briefings/y.md": briefing(extra="slug: '2021'\n")},
                                "content/briefings/y.md:5", "the 2021 archive"),
    "page slug is a taxonomy": ({"content/pages/l.md": page(extra="slug: leaders\n")},
                                "content/pages/l.md:3", "the leaders index"),
    "page slug is the briefing list": ({"content/pages/b.md": page(extra="slug: briefings\n")},
                                       "content/pages/b.md:3", "the briefing list"),
    "page slug in the search index": ({"content/pages/p.md": page(extra="slug: pagefind\n")},
                                      "content/pages/p.md:3", "inside pagefind/, where the search index lives"),
    "page named by its file like the 404 page": ({"content/pages/404.md": page()}, None, None),
    "alias onto the home page file": ({"content/briefings/x.md": briefing(extra="aliases: [/index.html]\n")},
                                      "content/briefings/x.md:5", "alias '/index.html/' and the home page both write 'index.html'"),
    "alias onto the site feed": ({"content/briefings/x.md": briefing(extra="aliases:\n  - /old/\n  - /atom.xml\n")},
                                 "content/briefings/x.md:7", "the site feed"),
    "alias onto a static file": ({"content/briefings/x.md": briefing(extra="aliases: /favicon.svg\n")},
                                 "content/briefings/x.md:5", "favicon.svg"),
    "alias onto the theme's stylesheet": ({"content/briefings/x.md": briefing(extra="aliases: [/assets/style.css/]\n")},
                                          "content/briefings/x.md:5", "assets/style.css"),
    "alias onto the sitemap": ({"content/briefings/x.md": briefing(extra="aliases: [/sitemap.xml/]\n")},
                               "content/briefings/x.md:5", "the site's sitemap.xml"),
    "alias onto robots.txt": ({"content/briefings/x.md": briefing(extra="aliases: [/robots.txt]\n")},
                              "content/briefings/x.md:5", "robots.txt"),
    "alias onto an entity page": ({"content/briefings/x.md": briefing(extra="aliases: [/leaders/joe-biden/]\n")},
                                  "content/briefings/x.md:5", "the leader 'Joe Biden'"),
    "alias onto an entity feed": ({"content/briefings/x.md": briefing(extra="aliases: [/leaders/joe-biden/atom.xml]\n")},
                                  "content/briefings/x.md:5", "leaders/joe-biden/atom.xml"),
    "alias onto another briefing": ({"content/briefings/x.md": briefing(extra="aliases: [/briefings/first/]\n")},
                                    "content/briefings/x.md:5", "the page of content/briefings/first.md:1"),
    "two briefings, one alias": ({"content/briefings/x.md": briefing(extra="aliases: [/old/]\n"),
                                  "content/briefings/z.md": briefing(extra="aliases:\n- /new/\n- /old/\n")},
                                 "content/briefings/x.md:5", "alias '/old/' in content/briefings/z.md:7"),
    "alias into .git": ({"content/briefings/x.md": briefing(extra="aliases: [/.git/]\n")},
                        "content/briefings/x.md:5", "inside the hidden '.git/' of the output folder"),
    "alias under .github": ({"content/pages/p.md": page(extra="aliases: [/.github/workflows/]\n")},
                            "content/pages/p.md:3", "inside the hidden '.github/'"),
    "alias into .well-known": ({"content/briefings/x.md": briefing(extra="aliases: [/.well-known/x/]\n")},
                               "content/briefings/x.md:5", "inside the hidden '.well-known/'"),
    "alias onto .nojekyll": ({"content/briefings/x.md": briefing(extra="aliases: [/.nojekyll/]\n")},
                             "content/briefings/x.md:5", "inside the hidden '.nojekyll/'"),
    "alias deep under a dot folder": ({"content/briefings/x.md": briefing(extra="aliases: [/a/.b/c/]\n")},
                                      "content/briefings/x.md:5", "inside the hidden '.b/'"),
    "static file where a page is": ({"static/briefings/first/index.html": "<p>clash</p>"},
                                    "content/briefings/first.md:1", "static/briefings/first/index.html"),
    "static file where a folder is": ({"static/briefings": "a file"}, "content/briefings/first.md:1",
                                      "static/briefings"),
    "a theme's hidden static file": ({"site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: UTC\ntheme: mine\n",
                                      "themes/mine/static/.well-known/x.txt": "x"},
                                     "themes/mine/static/.well-known/x.txt", "inside the hidden '.well-known/'"),
}


@pytest.fixture
def small_site(make_site):
    def make(extra: dict[str, str]):
        return make_site({"content/briefings/first.md": briefing("First", "2021-01-04"),
                          "static/favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>", **extra})
    return make


@pytest.mark.parametrize("files, where, names", list(CASES.values()), ids=list(CASES))
def test_check_and_build_report_the_same_collision_at_file_and_line(small_site, files, where, names):
    root = small_site(files)
    checked = run_cli("check", cwd=root)
    built = run_cli("build", cwd=root)
    if where is None:  # not a collision: content/pages/404.md is /404/, the 404 page is 404.html
        assert checked.returncode == 0 and built.returncode == 0, checked.stderr + built.stderr
        return
    assert checked.returncode == 1 and built.returncode == 1, checked.stderr + built.stderr
    errors = [line for line in checked.stderr.splitlines() if ": error: " in line]
    assert errors == [line for line in built.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{where}: error: "), errors[0]
    assert names in errors[0]
    assert "Traceback" not in built.stderr and "File exists" not in built.stderr
    assert not (root / "_site").exists()


def test_hidden_paths_briefgen_publishes_are_allowed(small_site):
    root = small_site({"static/.well-known/security.txt": "Contact: mailto:desk@example.org\n",
                       "static/.nojekyll": ""})
    run_cli("check", cwd=root, check=True)
    run_cli("build", cwd=root, check=True)
    assert (root / "_site/.well-known/security.txt").is_file()
    assert (root / "_site/.nojekyll").is_file()


def test_a_collision_in_a_kept_site_leaves_its_git_folder_alone(small_site):
    """Item 1 as the review found it: an alias into .git of an output folder that is a git checkout."""
    root = small_site({})
    run_cli("build", cwd=root, check=True)
    git = root / "_site/.git"
    (git / "objects/ab").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (git / "objects/ab/cdef").write_bytes(b"\x00blob")
    (root / "content/briefings/x.md").write_text(briefing(extra="aliases: [/.git/]\n"), encoding="utf-8")
    for _ in range(2):
        assert run_cli("build", cwd=root).returncode == 1
    (root / "content/briefings/x.md").write_text(briefing(), encoding="utf-8")
    for _ in range(2):
        run_cli("build", cwd=root, check=True)
    assert (git / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (git / "objects/ab/cdef").read_bytes() == b"\x00blob"
