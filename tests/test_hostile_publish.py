"""briefgen publish against hostile targets and file names (issue 18, items 14 and 19).

A branch that holds anything but a published site (the sources, above all) is refused unless
--force, locally and on the remote; the current branch always. Any file name the build writes is
published byte for byte, or refused naming the file: never a git error about a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from briefgen.errors import BuildError
from briefgen.publish.branch import TRAILER
from briefgen.publish.git import Git, write_tree
from conftest import run_cli
from test_publish import Project, blob_id, git, isolated_git, make_project, user_state  # noqa: F401 (fixtures)


def refused(project: Project, result: subprocess.CompletedProcess, *messages: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr


def branches(project: Project) -> dict[str, str]:
    listing = git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", cwd=project.site)
    return dict(line.split() for line in listing.splitlines())


# --- item 14: a branch that is not a published site ------------------------------------------------------


@pytest.mark.parametrize("make_branch, seems", [
    # a branch of the sources, as 'dev' or a feature branch is
    (lambda site: git("branch", "dev", "main", cwd=site), "has site.yaml, content/: it looks like a site's sources"),
    # a branch of something else: docs without .nojekyll
    (lambda site: _orphan(site, "dev", {"README.md": b"# Docs\n"}), "has no .nojekyll"),
    # the sources moved into a sub-folder of a branch: still no .nojekyll
    (lambda site: _orphan(site, "dev", {"src/site.yaml": b"title: x\n", "notes.txt": b"n\n"}), "has no .nojekyll"),
    # a site-shaped top with sources beside it
    (lambda site: _orphan(site, "dev", {".nojekyll": b"", "index.html": b"<p>x</p>", "content/a.md": b"a"}),
     "has content/: it looks like a site's sources"),
])
def test_a_local_branch_that_is_not_a_site_is_refused_unless_forced(make_project, make_branch, seems):
    project = make_project()
    make_branch(project.site)
    before, state = branches(project), user_state(project.site)
    result = project.publish("--branch", "dev")
    refused(project, result, "the local branch 'dev' does not look like a site briefgen published", seems,
            "Publishing would commit the built site on top of that history.", "--force")
    assert branches(project) == before and user_state(project.site) == state
    assert project.remote_refs() == ""

    forced = project.publish("--branch", "dev", "--force")
    assert forced.returncode == 0, forced.stderr
    assert project.history(project.remote, "dev")[1] == before["refs/heads/dev"]  # on top, as asked
    assert ".nojekyll" in project.tree(project.remote, "dev")


def test_the_remote_branch_is_checked_too(make_project):
    """No local 'dev', but origin's 'dev' is the sources (pushed from another clone)."""
    project = make_project()
    git("push", "-q", "origin", "main:dev", cwd=project.site)
    remote_before = project.remote_refs()
    result = project.publish("--branch", "dev")
    refused(project, result, "origin's branch 'dev' does not look like a site briefgen published",
            "it looks like a site's sources")
    assert project.remote_refs() == remote_before
    assert "refs/heads/dev" not in branches(project)


def test_a_local_site_over_a_remote_source_branch_is_refused(make_project):
    """The local 'pages' is a published site, origin's 'pages' is the sources: both are looked at."""
    project = make_project()
    assert project.publish("--branch", "pages", "--no-push").returncode == 0
    git("push", "-q", "origin", "main:pages", cwd=project.site)
    result = project.publish("--branch", "pages")
    refused(project, result, "origin's branch 'pages' does not look like a site briefgen published")
    assert "the local branch 'pages'" not in result.stderr


def test_with_no_push_the_last_fetched_remote_branch_is_checked(make_project):
    project = make_project()
    git("push", "-q", "origin", "main:dev", cwd=project.site)
    git("fetch", "-q", "origin", cwd=project.site)
    refused(project, project.publish("--branch", "dev", "--no-push"), "origin's branch 'dev' does not look like a site")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_current_branch_is_always_refused(make_project, force):
    project = make_project()
    before, state = branches(project), user_state(project.site)
    result = project.publish("--branch", "main", *force)
    refused(project, result, "'main' is your current branch", "on top of your sources", "leave out --branch")
    assert branches(project) == before and user_state(project.site) == state and project.remote_refs() == ""


def test_a_branch_checked_out_in_another_worktree_is_refused(make_project, tmp_path):
    project = make_project()
    git("worktree", "add", "-q", "-b", "preview", str(tmp_path / "preview"), cwd=project.site)
    refused(project, project.publish("--branch", "preview", "--force"),
            "the branch 'preview' is checked out in", "preview")


@pytest.mark.parametrize("name, message", [
    ("HEAD", "'HEAD' is not a valid git branch name."),
    ("-x", "'-x' is not a valid git branch name."),
    ("--delete", "'--delete' is not a valid git branch name."),
    ("a..b", "'a..b' is not a valid git branch name."),
    ("refs/heads/gh-pages", "'refs/heads/gh-pages' is a full ref name; --branch takes a branch's name. "
                            "Write it without 'refs/heads/', e.g. --branch gh-pages."),
])
def test_branch_names_that_are_not_a_branch_are_refused(make_project, name, message):
    project = make_project()
    before = branches(project)
    refused(project, project.publish(f"--branch={name}", "--force"), message)
    assert branches(project) == before and project.remote_refs() == ""


def test_a_symbolic_branch_is_refused_and_its_target_never_moved(make_project):
    project = make_project()
    git("symbolic-ref", "refs/heads/site", "refs/heads/main", cwd=project.site)
    main = git("rev-parse", "main", cwd=project.site)
    refused(project, project.publish("--branch", "site", "--force", "--no-push"),
            "the branch 'site' is a symbolic ref to 'main'; publishing would move 'main'.")
    assert git("rev-parse", "main", cwd=project.site) == main


def test_a_site_published_before_the_trailer_existed_is_accepted(make_project):
    """.nojekyll at the top and no sources: a site, whatever its message says."""
    project = make_project()
    old = _orphan(project.site, "gh-pages", {".nojekyll": b"", "index.html": b"<p>old</p>"}, message="Deploy")
    result = project.publish()
    assert result.returncode == 0, result.stderr
    assert project.history(project.remote)[1] == old


def test_every_publish_carries_the_trailer_so_a_site_with_sources_in_static_stays_publishable(make_project):
    """static/site.yaml and static/content/ put source-like names at the site's top: the trailer decides."""
    project = make_project({"static/site.yaml": "mine: true\n", "static/content/notes.txt": "notes\n"})
    assert project.publish("-m", "First").returncode == 0
    message = git("log", "-1", "--format=%B", "gh-pages", cwd=project.site)
    assert message.splitlines()[0] == "First" and message.splitlines()[-1].startswith(TRAILER + " ")
    (project.site / "static" / "more.txt").write_text("more\n")
    second = project.publish()
    assert second.returncode == 0, second.stderr
    assert len(project.history(project.remote)) == 2


# --- item 19: any file name ----------------------------------------------------------------------------

HOSTILE_NAMES = [b"new\nline.txt", b"tab\there.txt", b"carriage\r", b'quote"and\\backslash.txt',
                 b" leading space.txt", b"trailing space.txt ", b"not-utf8-\xff\xfe.txt", b"\xc3\xa9t\xc3\xa9.txt",
                 b"deep/new\nfolder/file.txt", b'"quoted".txt']


def test_write_tree_stores_every_name_byte_for_byte(make_project, tmp_path):
    """git's side on its own: hash-object and update-index get every name whole."""
    project = make_project()
    folder = tmp_path / "built"
    expected = {}
    for index, name in enumerate(HOSTILE_NAMES):
        path = Path(os.fsdecode(os.fsencode(folder) + b"/" + name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = b"file %d\n" % index
        path.write_bytes(data)
        expected[name] = blob_id(data)
    git_ = Git("git", project.site)
    tree = write_tree(git_, folder, tmp_path / "index")
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", tree], cwd=project.site, capture_output=True, check=True)
    stored = {entry.split(b"\t", 1)[1]: entry.split()[2].decode()
              for entry in listing.stdout.split(b"\0") if entry}
    assert stored == expected


def test_a_name_git_will_not_store_is_an_error_naming_it(make_project, tmp_path):
    project = make_project()
    folder = tmp_path / "built"
    (folder / "GIT~1").mkdir(parents=True)
    (folder / "GIT~1" / "x.txt").write_text("x")
    (folder / "fine.txt").write_text("fine")
    with pytest.raises(BuildError) as info:
        write_tree(Git("git", project.site), folder, tmp_path / "index", {"GIT~1/x.txt": "static/GIT~1/x.txt"})
    assert str(info.value) == ("static/GIT~1/x.txt: error: git will not store the file name 'GIT~1/x.txt' in a "
                               "commit, so it cannot be published. Rename the file.")


@pytest.mark.parametrize("name", [b"new\nline.txt", b"carriage\r", b"tab\there.txt", b'q"b\\.txt',
                                  b"bad-\xff.txt", b"GIT~1/x.txt"])
def test_publish_with_a_hostile_static_file_name_publishes_it_or_refuses_as_build_does(make_project, name):
    """Whatever rule the build has for such a name, publish follows it; git never chokes on it."""
    project = make_project()
    static = os.fsencode(project.site / "static")
    os.makedirs(os.path.dirname(static + b"/" + name), exist_ok=True)
    with open(static + b"/" + name, "wb") as file:
        file.write(b"mine\n")
    built = run_cli("build", "--out", str(project.site.parent / "check-out"), cwd=project.site)
    result = project.publish()
    assert "briefgen-publish-" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    if built.returncode != 0:  # the build refuses the name: publish says the same, and nothing moves
        refused(project, result)
        errors = [line for line in result.stderr.splitlines() if ": error: " in line]
        assert errors == [line for line in built.stderr.splitlines() if ": error: " in line]
        assert project.remote_refs() == ""
        return
    if name == b"GIT~1/x.txt":  # built, but git will not store it: named, not dropped silently
        refused(project, result, "static/GIT~1/x.txt: error: git will not store the file name 'GIT~1/x.txt'")
        assert project.remote_refs() == ""
        return
    assert result.returncode == 0, result.stderr
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", "gh-pages"], cwd=project.remote, capture_output=True,
                             check=True).stdout
    stored = {entry.split(b"\t", 1)[1]: entry.split()[2].decode() for entry in listing.split(b"\0") if entry}
    assert stored[name] == blob_id(b"mine\n")


def _orphan(site: Path, branch: str, files: dict[str, bytes], message: str = "Other things") -> str:
    """A branch of its own with exactly these files, made with plumbing (the working tree is untouched)."""
    env = {**os.environ, "GIT_INDEX_FILE": str(site / ".git" / "orphan-index")}
    entries = b""
    for rel, data in files.items():
        blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=site, input=data, capture_output=True,
                              check=True).stdout.strip()
        entries += b"100644 " + blob + b"\t" + rel.encode() + b"\0"
    subprocess.run(["git", "update-index", "-z", "--add", "--index-info"], cwd=site, input=entries, env=env,
                   check=True)
    tree = subprocess.run(["git", "write-tree"], cwd=site, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()
    os.remove(env["GIT_INDEX_FILE"])
    commit = git("commit-tree", tree, "-m", message, cwd=site)
    git("update-ref", f"refs/heads/{branch}", commit, cwd=site)
    return commit
