"""git, run in the site's repository, and the plumbing that stores a folder as a tree and a commit.

Nothing here writes the user's working tree, index, HEAD or current branch:
the files go in with `hash-object`, the tree is made in a temporary index
(GIT_INDEX_FILE), the commit with `commit-tree`, and a branch moves only by
`update-ref` with its old value.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from briefgen.config_checks import shown
from briefgen.errors import BuildError, Diagnostic
from briefgen.output.workspace import MARKER

FILE_MODE = "100644"  # every published file is a plain, non-executable file


@dataclass(frozen=True, slots=True)
class Git:
    """git, run in the top folder of the site's repository; every failure is a BuildError."""

    executable: str
    toplevel: Path

    def run(self, *args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None,
            hint: str | None = None, strip: bool = True) -> str:
        """git's output; `strip=False` for NUL-separated names, whose spaces are theirs."""
        completed = self.attempt(*args, stdin=stdin, env=env)
        if completed.returncode != 0:
            detail = completed.stderr.strip() or completed.stdout.strip() or f"exit status {completed.returncode}"
            raise BuildError([Diagnostic(None, None, f"'git {' '.join(args)}' failed: {detail}", hint)])
        return completed.stdout.strip() if strip else completed.stdout

    def attempt(self, *args: str, stdin: str | bytes | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Paths go in as bytes (a file name need not be UTF-8); what git prints comes back as text,
        with any byte that is not UTF-8 kept as a surrogate (os.fsencode gives it back)."""
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        # GIT_OPTIONAL_LOCKS=0: 'git status' must not rewrite the user's index to refresh it.
        done = subprocess.run([self.executable, *args], cwd=self.toplevel, input=data, capture_output=True,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", **(env or {})})
        return subprocess.CompletedProcess(done.args, done.returncode, _text(done.stdout), _text(done.stderr))


def _text(output: bytes) -> str:
    return output.decode("utf-8", "surrogateescape")


def resolve(git: Git, ref: str) -> str | None:
    found = git.attempt("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return found.stdout.strip() if found.returncode == 0 else None


def is_ancestor(git: Git, older: str, newer: str) -> bool:
    return git.attempt("merge-base", "--is-ancestor", older, newer).returncode == 0


def write_tree(git: Git, site: Path, index: Path, origins: Mapping[str, str] | None = None) -> str:
    """Store the folder's files as blobs and a tree; the user's index is never used.

    Any file name works, a newline, a tab, a quote or a byte that is not UTF-8 in it included:
    hash-object reads C-quoted paths a line each, update-index NUL-terminated ones. A name that
    git will not store in a tree (under .git, or GIT~1) is an error naming where it came from.
    """
    files = sorted(p for p in site.rglob("*") if p.is_file() and p.relative_to(site).as_posix() != MARKER)
    # --no-filters: store the bytes as built, whatever .gitattributes or autocrlf say.
    blobs = git.run("hash-object", "-w", "--no-filters", "--stdin-paths",
                    stdin=b"".join(c_quoted(os.fsencode(path)) + b"\n" for path in files)).split()
    rels = [path.relative_to(site).as_posix() for path in files]
    entries = b"".join(f"{FILE_MODE} {blob}\t".encode() + os.fsencode(rel) + b"\0"
                       for blob, rel in zip(blobs, rels, strict=True))
    env = {"GIT_INDEX_FILE": str(index)}
    git.run("update-index", "-z", "--add", "--index-info", stdin=entries, env=env)
    # update-index skips a path it will not store ("Ignoring path …") and still succeeds.
    stored = set(git.run("ls-files", "-z", env=env, strip=False).split("\0"))
    skipped = [rel for rel in rels if rel not in stored]
    if skipped:
        origins = origins or {}
        raise BuildError([Diagnostic(PurePosixPath(origins[rel]) if origins.get(rel) else None, None,
                                     f"git will not store the file name '{shown(rel)}' in a commit, so it "
                                     "cannot be published.", "Rename the file.") for rel in skipped])
    return git.run("write-tree", env=env)


def c_quoted(path: bytes) -> bytes:
    """A path as git's C-style quoting writes it: every line of --stdin-paths input may be one."""
    out = bytearray(b'"')
    for byte in path:
        if byte in b'"\\':
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte >= 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b'"')


def commit_tree(git: Git, tree: str, parent: str | None, message: str) -> str:
    parents = ["-p", parent] if parent else []
    return git.run("commit-tree", tree, *parents, stdin=message + "\n",
                   hint="Tell git who you are: git config user.name 'Your Name' && "
                        "git config user.email you@example.org")


def move_branch(git: Git, branch: str, commit: str, old: str | None) -> None:
    """update-ref with the old value: fails rather than overwrite a commit made meanwhile."""
    # --no-deref: a symbolic ref is never followed to the branch it names (check_branch_name refuses it too).
    git.run("update-ref", "--no-deref", "-m", "briefgen publish", f"refs/heads/{branch}", commit,
            old or "0" * len(commit))

