"""The gh-pages branch route: `briefgen publish`.

It builds for production, writes the site into a temporary folder, and
commits that folder onto the branch with git plumbing (see git.py):
`commit-tree` on top of the branch's last commit, `push`, and only then
`update-ref`. The user's working tree, index, HEAD and current branch are
never written, and a refused or failed publish leaves both the local
branch and the remote as they were.

Every publish commit ends with the trailer `Published-by: briefgen <version>`: a
branch whose tip has neither it nor the shape of a built site (`.nojekyll`; no
`site.yaml`, `content/`, `static/` or `templates/`) holds something else, the
sources most often, and is refused (unless --force).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from briefgen import __version__
from briefgen.config import PLACEHOLDER_BASE_URL, SiteConfig
from briefgen.config_checks import shown
from briefgen.errors import BuildError, Diagnostic, Diagnostics
from briefgen.incremental.cache import BuildCache
from briefgen.output.workspace import open_workspace
from briefgen.output.writer import write_site
from briefgen.pipeline import BuildResult, build_and_index
from briefgen.publish.git import Git, commit_tree, is_ancestor, move_branch, resolve, write_tree
from briefgen.wording import counted

TRAILER = "Published-by: briefgen"  # ends every publish commit's message, followed by the version


@dataclass(frozen=True, slots=True)
class PublishOptions:
    remote: str = "origin"
    branch: str = "gh-pages"
    message: str | None = None  # None: name the source commit
    push: bool = True
    force: bool = False  # push with --force-with-lease when the branches have diverged; publish onto a
    # branch that does not look like a published site
    workers: int | None = None  # --jobs: processes the build may use (None: one per CPU; 1: no fork)


@dataclass(frozen=True, slots=True)
class Publication:
    """What a publish did, for the command line to report."""

    options: PublishOptions
    build: BuildResult
    commit: str  # the branch's tip after publishing
    changed: bool  # False: the output equals the last publish, so no commit was made
    pushed: bool
    site_url: str

    def summary(self) -> str:
        short = self.commit[:7]
        branch, remote = self.options.branch, self.options.remote
        pages = sum(1 for o in self.build.outputs if o.rel_path.endswith(".html"))
        if self.changed:
            what = f"Committed {counted(pages, 'page')} ({counted(len(self.build.outputs), 'file')}) to {branch} as {short}"
        else:
            what = f"Nothing changed since the last publish ({branch} is at {short})"
        if self.pushed:
            return f"{what}; pushed to {remote}. GitHub Pages will serve it at {self.site_url} in a minute or two."
        if self.options.push:
            return f"{what}; {remote} already had it."
        return f"{what}; not pushed (--no-push). Push it with: git push {remote} {branch}"


@dataclass(frozen=True, slots=True)
class BranchTips:
    local: str | None  # refs/heads/<branch>
    remote: str | None  # the remote's branch, just fetched (or last known, with --no-push)


def publish(config: SiteConfig, options: PublishOptions) -> Publication:
    """Build for production, commit the site onto the branch, push it. Raises BuildError."""
    git = open_repository(config.root)
    check_ready(config, git, options)
    tips = branch_tips(git, options)
    if not options.force:
        check_tips_are_sites(git, tips, options)
    parent = choose_parent(git, tips, options)
    with tempfile.TemporaryDirectory(prefix="briefgen-publish-") as temp:
        # A production build from nothing, leaving nothing in the user's tree: image copies go here too.
        cache = BuildCache()
        cache.images_dir = Path(temp) / "images"
        result = build_and_index(config, cache=cache, drafts=False, workers=options.workers)
        site = Path(temp) / "site"
        write_site(result.outputs, open_workspace(site))
        tree = write_tree(git, site, Path(temp) / "index", {o.rel_path: o.origin for o in result.outputs})
    changed = parent is None or git.run("rev-parse", f"{parent}^{{tree}}") != tree
    message = with_trailer(options.message or default_message(git))
    commit = commit_tree(git, tree, parent, message) if changed else parent
    pushed = False
    if options.push and commit != tips.remote:
        push(git, commit, tips.remote, options)
        pushed = True
    if commit != tips.local:
        move_branch(git, options.branch, commit, tips.local)
    return Publication(options, result, commit, changed, pushed, config.base_url)


# --- preconditions -------------------------------------------------------------------------


def open_repository(root: Path) -> Git:
    """The git repository the site folder is in; refuses when git or the repository is missing."""
    executable = shutil.which("git")
    if executable is None:
        raise _refusal("git is not installed (no 'git' on PATH), so briefgen cannot commit the site.",
                       "Install git, or publish with the GitHub Actions workflow instead "
                       "(see 'Publishing to GitHub Pages' in the README).")
    found = subprocess.run([executable, "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout.strip():
        raise _refusal(f"{root} is not in a git repository, so there is no branch to publish to.",
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
    folder = None
    for line in listing.splitlines():
        if line.startswith("worktree "):
            folder = line[len("worktree "):]
        elif line == f"branch refs/heads/{branch}":
            diags.error(None, None, f"the branch '{shown(branch)}' is checked out in {folder}, and publishing "
                                    "would move it under that working tree.",
                        "Switch that working tree to your source branch (git switch main), or publish to "
                        "another branch with --branch.")


def check_remote(git: Git, remote: str, diags: Diagnostics) -> None:
    remotes = git.run("remote").split()
    if remote not in remotes:
        others = f" This repository has: {', '.join(remotes)}." if remotes else ""
        diags.error(None, None, f"there is no git remote named '{remote}' to push to.",
                    f"Add it with 'git remote add {remote} https://github.com/<user>/<repository>.git', or name "
                    f"another with --remote.{others} To commit without pushing, pass --no-push.")


def _refusal(message: str, hint: str) -> BuildError:
    return BuildError([Diagnostic(None, None, message, hint)])


# --- the branch's history --------------------------------------------------------------------


def branch_tips(git: Git, options: PublishOptions) -> BranchTips:
    """The local branch's tip and the remote's (fetched first, so a publish from a new clone
    continues the published history instead of starting a second one)."""
    local = resolve(git, f"refs/heads/{options.branch}")
    if not options.push:  # no network: the remote's tip as last fetched, if ever
        return BranchTips(local, resolve(git, f"refs/remotes/{options.remote}/{options.branch}"))
    return BranchTips(local, fetch_remote_tip(git, options.remote, options.branch))


def fetch_remote_tip(git: Git, remote: str, branch: str) -> str | None:
    ref = f"refs/heads/{branch}"
    hint = f"Check that the remote '{remote}' is reachable and that you may read it (git ls-remote {remote})."
    listing = git.run("ls-remote", "--heads", remote, ref, hint=hint)
    if not any(line.split("\t")[-1] == ref for line in listing.splitlines()):
        return None
    git.run("fetch", "--quiet", "--no-tags", remote, ref, hint=hint)
    return git.run("rev-parse", "--verify", "FETCH_HEAD^{commit}")


def choose_parent(git: Git, tips: BranchTips, options: PublishOptions) -> str | None:
    """The newer of the two tips, so each publish adds one commit to the published history."""
    local, remote = tips.local, tips.remote
    if local is None or remote is None or local == remote:
        return local or remote
    if is_ancestor(git, local, remote):
        return remote  # the local branch is behind: someone published from elsewhere
    if is_ancestor(git, remote, local):
        return local  # the local branch is ahead: an earlier --no-push
    if options.force:
        return local  # the local history wins; the push replaces the remote's
    raise _refusal(
        f"the local branch '{options.branch}' and {options.remote}'s '{options.branch}' have diverged "
        f"({local[:7]} and {remote[:7]}); publishing on either would drop the other's commits.",
        f"To keep the remote's history: git branch -f {options.branch} {remote[:12]}; then publish again. "
        f"To replace it with the local one: publish with --force.")


def check_tips_are_sites(git: Git, tips: BranchTips, options: PublishOptions) -> None:
    """Refuse to commit the site on top of a branch that holds something else (the sources, say)."""
    diags = Diagnostics()
    branch = shown(options.branch)
    places = [(f"the local branch '{branch}'", tips.local)]
    if tips.remote is not None and tips.remote != tips.local:
        places.append((f"{options.remote}'s branch '{branch}'", tips.remote))
    for where, tip in places:
        seems = not_a_published_site(git, tip) if tip is not None else None
        if seems is not None:
            diags.error(None, None, f"{where} does not look like a site briefgen published: its last commit "
                                    f"{tip[:7]} {seems}. Publishing would commit the built site on top of that "
                                    "history.",
                        f"Publish to the site's own branch (leave out --branch for gh-pages) or to a new one. "
                        f"If '{branch}' really is where the site goes, publish again with --force.")
    diags.raise_if_errors()


def not_a_published_site(git: Git, commit: str) -> str | None:
    """What a commit looks like when it is not a published site (None when it is one).

    A site briefgen published has the trailer; one published before the trailer existed (or by
    another tool) has .nojekyll at its top and none of a site's sources.
    """
    lines = git.run("show", "-s", "--format=%B", commit).splitlines()
    if lines and lines[-1].startswith(TRAILER + " "):  # a trailer is the message's last line
        return None
    subject = shown(lines[0] if lines else "")
    top = set(git.run("ls-tree", "-z", "--name-only", commit, strip=False).split("\0"))
    sources = [name for name in ("site.yaml", "content", "static", "templates") if name in top]
    if sources:
        listed = ", ".join(f"{name}/" if name != "site.yaml" else name for name in sources)
        return f"(\"{subject}\") has {listed}: it looks like a site's sources"
    if ".nojekyll" not in top:
        return f"(\"{subject}\") has no .nojekyll, which every site briefgen publishes has"
    return None


# --- the commit and the push ----------------------------------------------------------------------


def with_trailer(message: str) -> str:
    """The message, ending with the trailer that marks the commit as a published site."""
    return f"{message.rstrip()}\n\n{TRAILER} {__version__}"


def default_message(git: Git) -> str:
    """Names the source commit, so any published version can be traced back to its sources."""
    head = resolve(git, "HEAD")
    if head is None:
        return f"Publish the site built by briefgen {__version__}"
    dirty = git.attempt("status", "--porcelain", "--untracked-files=no").stdout.strip()
    source = f"{head[:12]}{' (with uncommitted changes)' if dirty else ''}"
    return f"Publish the site built from {source} by briefgen {__version__}"


def push(git: Git, commit: str, remote_tip: str | None, options: PublishOptions) -> None:
    ref = f"refs/heads/{options.branch}"
    # The lease forces only over the tip fetched a moment ago, never over a publish made since.
    lease = [f"--force-with-lease={ref}:{remote_tip or ''}"] if options.force else []
    git.run("push", "--quiet", *lease, options.remote, f"{commit}:{ref}",
            hint=f"Nothing was changed on {options.remote}, and the local branch '{options.branch}' was left as "
                 "it was. Check that you may push to the remote; then publish again.")

