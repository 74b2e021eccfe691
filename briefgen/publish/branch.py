"""The gh-pages branch route: `briefgen publish`.

It builds for production, writes the site into a temporary folder, and
commits that folder onto the branch with git plumbing (see git.py):
`commit-tree` on top of the branch's last commit, `update-ref` of the local
branch, then `push`; a push that fails puts the local branch back. The
user's working tree, index, HEAD and current branch are never written, and a
refused or failed publish leaves both the local branch and the remote as
they were (what was not put back is named, with the command that does it).

Every publish commit ends with the trailer `Published-by: briefgen <version>`: a
branch whose tip has neither it nor the shape of a built site (`.nojekyll`; no
`site.yaml`, `content/`, `static/` or `templates/`) holds something else, the
sources most often, and is refused (unless --force).
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from briefgen import __version__
from briefgen.config import CONFIG_NAME, SiteConfig
from briefgen.config_checks import shown
from briefgen.errors import BuildError, Diagnostic, Diagnostics
from briefgen.incremental.cache import BuildCache
from briefgen.output.workspace import open_workspace
from briefgen.output.writer import write_site
from briefgen.pipeline import BuildResult, build_and_index
from briefgen.publish.git import (
    STALL_BYTES,
    STALL_SECONDS,
    Git,
    commit_tree,
    is_ancestor,
    move_branch,
    remote_address,
    resolve,
    said,
    write_tree,
)
from briefgen.publish.preconditions import check_ready, open_repository, refusal
from briefgen.render.translations import CATALOG_FOLDER
from briefgen.wording import counted

TRAILER = "Published-by: briefgen"  # ends every publish commit's message, followed by the version
# What a site is built from, beside its folder's other files: an untracked one makes the published site
# differ from the source commit as much as an edited one does.
SOURCES = (CONFIG_NAME, "content", "static", "templates", "themes", CATALOG_FOLDER)


class Listener(Protocol):
    """Who hears what publish is doing (the CLI's Reporter): a line before each use of the network."""

    def info(self, message: str) -> None: ...


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


def publish(config: SiteConfig, options: PublishOptions, listener: Listener) -> Publication:
    """Build for production, commit the site onto the branch, push it; `listener` hears what it is doing
    (fetching, pushing). Raises BuildError."""
    git = open_repository(config.root)
    check_ready(config, git, options)
    tips = branch_tips(git, options, listener)
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
    message = with_trailer(options.message or default_message(git, config))
    commit = commit_tree(git, tree, parent, message) if changed else parent
    to_push = options.push and commit != tips.remote
    # The local branch first: when it cannot move (a lock, a hook, a publish made meanwhile), nothing has
    # reached the remote yet. A push that fails then puts it back.
    if commit != tips.local:
        move_local_branch(git, commit, tips.local, options, to_push)
    if to_push:
        push(git, commit, tips, options, listener)
    return Publication(options, result, commit, changed, to_push, config.base_url)


# --- the branch's history --------------------------------------------------------------------


def branch_tips(git: Git, options: PublishOptions, listener: Listener) -> BranchTips:
    """The local branch's tip and the remote's (fetched first, so a publish from a new clone
    continues the published history instead of starting a second one)."""
    local = resolve(git, f"refs/heads/{options.branch}")
    if not options.push:  # no network: the remote's tip as last fetched, if ever
        return BranchTips(local, resolve(git, f"refs/remotes/{options.remote}/{options.branch}"))
    listener.info(f"Fetching {shown(options.branch)} from {options.remote} …")
    return BranchTips(local, fetch_remote_tip(git, options.remote, options.branch))


STALLED = (f"A connection that moves less than {STALL_BYTES} bytes a second for {STALL_SECONDS} s is given up, "
           "unless you set GIT_HTTP_LOW_SPEED_LIMIT and GIT_HTTP_LOW_SPEED_TIME yourself.")


def fetch_remote_tip(git: Git, remote: str, branch: str) -> str | None:
    ref = f"refs/heads/{branch}"
    listing = git.transfer("ls-remote", "--heads", remote, ref)
    if listing.returncode != 0:
        raise _unreadable(git, remote, branch, "ls-remote", listing.returncode)
    if not any(line.split("\t")[-1] == ref for line in listing.stdout.splitlines()):
        return None
    fetched = git.transfer("fetch", *_quiet(), "--no-tags", remote, ref)
    if fetched.returncode != 0:
        raise _unreadable(git, remote, branch, "fetch", fetched.returncode)
    return git.run("rev-parse", "--verify", "FETCH_HEAD^{commit}")


def _quiet() -> list[str]:
    """git's progress when the user sees a terminal (--progress shows it in spite of --quiet), and
    none of its other chatter: briefgen says what happened."""
    return ["--quiet", "--progress"] if sys.stderr.isatty() else ["--quiet"]


def _unreadable(git: Git, remote: str, branch: str, command: str, status: int) -> BuildError:
    return refusal(f"could not read the branch '{shown(branch)}' from the remote '{remote}' "
                    f"({shown(remote_address(git, remote), 200)}): 'git {command}' ended with status {status} "
                    "(git's own message is above). Nothing was changed.",
                    f"Check the address (git remote -v), the network, and that you may read the repository "
                    f"(git ls-remote {remote}); then publish again. {STALLED} To commit without pushing, "
                    "pass --no-push.")


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
    raise refusal(
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


def default_message(git: Git, config: SiteConfig) -> str:
    """Names the source commit, so any published version can be traced back to its sources."""
    head = resolve(git, "HEAD")
    if head is None:
        return f"Publish the site built by briefgen {__version__}"
    source = f"{head[:12]}{' (with uncommitted changes)' if has_uncommitted_changes(git, config) else ''}"
    return f"Publish the site built from {source} by briefgen {__version__}"


def has_uncommitted_changes(git: Git, config: SiteConfig) -> bool:
    """A tracked file edited or staged anywhere, or an untracked one among the site's sources (a new
    briefing not yet added, say); never the output, the cache or a file beside the site."""
    if git.attempt("status", "--porcelain", "--untracked-files=no").stdout.strip():
        return True
    try:
        site = config.root.resolve().relative_to(git.toplevel.resolve())
    except ValueError:
        return False
    paths = [(site / name).as_posix() for name in SOURCES]
    untracked = git.attempt("--literal-pathspecs", "status", "--porcelain", "--untracked-files=all", "--", *paths)
    return bool(untracked.stdout.strip())


def move_local_branch(git: Git, commit: str, old: str | None, options: PublishOptions, to_push: bool) -> None:
    """The local branch to the new commit, before any push: when it cannot move, nothing was published."""
    problem = move_branch(git, options.branch, commit, old)
    if problem is None:
        return
    branch = shown(options.branch)
    lock = re.search(r"Unable to create '(.+?\.lock)': File exists", problem)
    if lock:
        hint = (f"Another git command may be working in this repository. If none is, delete {lock.group(1)} "
                "and publish again.")
    elif resolve(git, f"refs/heads/{options.branch}") != old:
        hint = (f"Another command moved '{branch}' while briefgen was publishing (another publish?); "
                "publish again, and it builds on top of that.")
    else:
        hint = ("A reference-transaction hook may have refused it (see .git/hooks); do what it asks, then "
                "publish again.")
    pushed = f"Nothing was pushed to {options.remote}, and the" if to_push else "The"
    raise refusal(f"could not move the local branch '{branch}' to the new commit {commit[:7]}: "
                   f"{shown(problem.rstrip('.'), 500)}. {pushed} branch was left as it was.", hint)


def push(git: Git, commit: str, tips: BranchTips, options: PublishOptions, listener: Listener) -> None:
    """Push without force (or with a lease, --force); on failure the local branch goes back where it was."""
    ref = f"refs/heads/{options.branch}"
    moved = commit != tips.local
    # The lease forces only over the tip fetched a moment ago, never over a publish made since.
    lease = [f"--force-with-lease={ref}:{tips.remote or ''}"] if options.force else []
    try:
        listener.info(f"Pushing to {options.remote} …")
        done = git.transfer("push", *_quiet(), *lease, options.remote, f"{commit}:{ref}")
    except BaseException:  # Ctrl-C or SIGTERM: the push may have landed or not; the next publish sees which
        if moved:
            _put_back(git, options.branch, tips.local, commit)
        raise
    if done.returncode == 0:
        return
    problem = _put_back(git, options.branch, tips.local, commit) if moved else None
    remote, branch = options.remote, shown(options.branch)
    address = shown(remote_address(git, remote), 200)
    local = "" if problem else f", and the local branch '{branch}' was left as it was"
    diags = [Diagnostic(None, None, f"could not push to the remote '{remote}' ({address}): 'git push' ended with "
                                    f"status {done.returncode} (git's own message is above). Nothing was changed "
                                    f"on {remote}{local}.",
                        "Check the network and that you may push to the repository (a hook of yours may have "
                        f"refused it); then publish again. {STALLED}")]
    if problem is not None:
        diags.append(_not_put_back(git, commit, tips.local, options, problem))
    raise BuildError(diags)


def _not_put_back(git: Git, commit: str, old: str | None, options: PublishOptions, problem: str) -> Diagnostic:
    """Where the local branch is when a failed push could not put it back, and how to bring it in line."""
    ref, branch = f"refs/heads/{options.branch}", shown(options.branch)
    now = resolve(git, ref)
    if now != commit:
        return Diagnostic(None, None, f"the local branch '{branch}' was moved meanwhile by another command (it is "
                                      f"at {(now or 'nothing')[:7]}); briefgen left it there.",
                          "Publish again when that command is done.")
    undo = f"git update-ref {ref} {old} {commit}" if old else f"git update-ref -d {ref} {commit}"
    return Diagnostic(None, None, f"the local branch '{branch}' is at {commit[:7]}, which was not pushed: git could "
                                  f"not put it back ({shown(problem.rstrip('.'), 500)}).",
                      f"Push it with 'git push {options.remote} {branch}' (or publish again), or put it back with "
                      f"'{undo}'.")


def _put_back(git: Git, branch: str, old: str | None, commit: str) -> str | None:
    """The local branch back from `commit` to `old` (deleted when there was none, on a first publish);
    None when done, else what git said."""
    if old is not None:
        return move_branch(git, branch, old, commit)
    done = git.attempt("update-ref", "--no-deref", "-d", f"refs/heads/{branch}", commit)
    return None if done.returncode == 0 else said(done)
