"""What `briefgen publish` checks before it builds: a repository, a base URL, a branch it may move (no
worktree has it checked out, or is rebasing or bisecting it), a remote it may push to. A refusal is a
BuildError saying what to do."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.config import PLACEHOLDER_BASE_URL, SiteConfig
from briefgen.config_checks import shown
from briefgen.errors import BuildError, Diagnostic, Diagnostics
from briefgen.publish.git import Git

if TYPE_CHECKING:
    from briefgen.publish.branch import PublishOptions


def open_repository(root: Path) -> Git:
    """The git repository the site folder is in; refuses when git or the repository is missing."""
    executable = shutil.which("git")
    if executable is None:
        raise refusal("git is not installed (no 'git' on PATH), so briefgen cannot commit the site.",
                       "Install git, or publish with the GitHub Actions workflow instead "
                       "(see 'Publishing to GitHub Pages' in the README).")
    found = subprocess.run([executable, "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout.strip():
        raise refusal(f"{root} is not in a git repository, so there is no branch to publish to.",
                       "Run 'git init' and 'git remote add origin https://github.com/<user>/<repository>.git' "
                       "in the site folder, or publish with the GitHub Actions workflow.")
    return Git(executable, Path(found.stdout.strip()))


def check_ready(config: SiteConfig, git: Git, options: PublishOptions) -> None:
    """Every reason not to publish, reported together before anything is built."""
    diags = Diagnostics()
    check_base_url_is_set(config, diags)
    check_branch_name(git, options.branch, diags)
    check_branch_not_checked_out(git, options.branch, diags)
    if options.push:
        check_remote(git, options.remote, diags)
    diags.raise_if_errors()


def check_base_url_is_set(config: SiteConfig, diags: Diagnostics) -> None:
    """The URL itself passed config_checks.base_url_problem when it was read (site.yaml's or
    --base-url's); a published site also needs the real one, not `briefgen new site`'s placeholder."""
    if config.base_url == PLACEHOLDER_BASE_URL:
        diags.error("site.yaml", None,
                    f"base_url is missing or still the placeholder {PLACEHOLDER_BASE_URL}, so every link and "
                    "feed of the published site would point there.",
                    "Set 'base_url:' in site.yaml to the address the site is served at "
                    "(https://<user>.github.io/<repository>/ for a project site, https://<user>.github.io/ for a "
                    "user site, https://<your domain>/ for a custom domain), or pass --base-url.")


def check_branch_name(git: Git, branch: str, diags: Diagnostics) -> None:
    shown_name = shown(branch)
    if branch.startswith("refs/"):
        diags.error(None, None, f"'{shown_name}' is a full ref name; --branch takes a branch's name.",
                    f"Write it without 'refs/heads/', e.g. --branch {shown(branch.removeprefix('refs/heads/'))}.")
    elif (branch == "HEAD" or branch.startswith("-")
          or git.attempt("check-ref-format", f"refs/heads/{branch}").returncode != 0):
        diags.error(None, None, f"'{shown_name}' is not a valid git branch name.", "Pass another name with --branch.")
    elif git.attempt("symbolic-ref", "--quiet", f"refs/heads/{branch}").returncode == 0:
        # update-ref would move the branch it points at (the current one, perhaps) instead.
        target = git.run("symbolic-ref", f"refs/heads/{branch}").removeprefix("refs/heads/")
        diags.error(None, None, f"the branch '{shown_name}' is a symbolic ref to '{shown(target)}'; publishing "
                                f"would move '{shown(target)}'.",
                    "Publish to a branch of its own with --branch (the default is gh-pages).")


def check_branch_not_checked_out(git: Git, branch: str, diags: Diagnostics) -> None:
    """Never the current branch (the sources), nor one checked out elsewhere: moving a checked-out
    branch under a working tree would leave that tree out of step. --force does not change this."""
    current = git.attempt("symbolic-ref", "--quiet", "HEAD").stdout.strip()
    if current == f"refs/heads/{branch}":
        diags.error(None, None, f"'{shown(branch)}' is your current branch (checked out in {git.toplevel}), and "
                                "publishing would commit the built site on top of your sources.",
                    "Publish to the site's own branch: leave out --branch (gh-pages), or name another one.")
        return
    listing = git.run("worktree", "list", "--porcelain")
    folder, reported = None, set()
    for line in listing.splitlines():
        if line.startswith("worktree "):
            folder = line[len("worktree "):]
        elif line == f"branch refs/heads/{branch}":
            reported.add(folder)
            diags.error(None, None, f"the branch '{shown(branch)}' is checked out in {folder}, and publishing "
                                    "would move it under that working tree.",
                        "Switch that working tree to your source branch (git switch main), or publish to "
                        "another branch with --branch.")
    main_folder = next((line[len("worktree "):] for line in listing.splitlines() if line.startswith("worktree ")),
                       str(git.toplevel))
    check_branch_not_in_use(git, branch, main_folder, reported, diags)


def check_branch_not_in_use(git: Git, branch: str, main_folder: str, reported: set, diags: Diagnostics) -> None:
    """A rebase or a bisect started from the branch detaches HEAD but means to come back to it (as git
    branch -f knows): moving the branch under it would break it. Each worktree's git folder says so."""
    common = Path(git.run("rev-parse", "--git-common-dir"))
    common = common if common.is_absolute() else git.toplevel / common
    linked = sorted(p for p in (common / "worktrees").glob("*") if p.is_dir())
    for git_dir in (common, *linked):
        folder = main_folder if git_dir == common else _worktree_folder(git_dir)
        if folder in reported:
            continue
        rebasing = any(_read(git_dir / step / "head-name") == f"refs/heads/{branch}"
                       for step in ("rebase-merge", "rebase-apply"))
        bisecting = _read(git_dir / "BISECT_START") in (branch, f"refs/heads/{branch}")
        if rebasing:
            diags.error(None, None, f"the branch '{shown(branch)}' is being rebased in {folder} (a 'git rebase' "
                                    "of it has not finished there), and publishing would move it under that rebase.",
                        f"In {folder}, finish the rebase (git rebase --continue) or give it up (git rebase "
                        "--abort); then publish again. Or publish to another branch with --branch.")
        elif bisecting:
            diags.error(None, None, f"the branch '{shown(branch)}' is being bisected in {folder} (a 'git bisect' "
                                    "started from it has not ended there), and publishing would move it under "
                                    "that bisect.",
                        f"In {folder}, end the bisect with 'git bisect reset'; then publish again. Or publish to "
                        "another branch with --branch.")


def _worktree_folder(git_dir: Path) -> str:
    """A linked worktree's folder: its git folder's `gitdir` file names the worktree's .git file."""
    pointer = _read(git_dir / "gitdir")
    return str(Path(pointer).parent) if pointer else str(git_dir)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape").strip()
    except OSError:
        return None


def check_remote(git: Git, remote: str, diags: Diagnostics) -> None:
    remotes = git.run("remote").split()
    if remote not in remotes:
        others = f" This repository has: {', '.join(remotes)}." if remotes else ""
        diags.error(None, None, f"there is no git remote named '{remote}' to push to.",
                    f"Add it with 'git remote add {remote} https://github.com/<user>/<repository>.git', or name "
                    f"another with --remote.{others} To commit without pushing, pass --no-push.")


def refusal(message: str, hint: str) -> BuildError:
    return BuildError([Diagnostic(None, None, message, hint)])
