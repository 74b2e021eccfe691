"""git, run in the site's repository, and the plumbing that stores a folder as a tree and a commit.

Nothing here writes the user's working tree, index, HEAD or current branch:
the files go in with `hash-object`, the tree is made in a temporary index
(GIT_INDEX_FILE), the commit with `commit-tree`, and a branch moves only by
`update-ref` with its old value.

The commands that talk to a remote (ls-remote, fetch, push) run through
`Git.transfer`: git's own stderr goes straight to the user's terminal (its
progress, and the questions of credential helpers and hooks), and a stalled
connection ends instead of hanging for ever (see `network_env`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from briefgen.config_checks import shown
from briefgen.errors import BuildError, Diagnostic
from briefgen.output.workspace import MARKER

FILE_MODE = "100644"  # every published file is a plain, non-executable file

# A transfer that moves less than STALL_BYTES a second for STALL_SECONDS is given up (git's HTTP transport
# has no timeout of its own), and ssh gives up a host that does not answer: unless the user set their own.
STALL_BYTES, STALL_SECONDS = 1000, 60
SSH_COMMAND = "ssh -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4"


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

    def transfer(self, *args: str) -> subprocess.CompletedProcess:
        """A command that talks to a remote. Its stdout comes back; its stderr is not captured but goes
        to the user as it comes (so `stderr` is empty): what git says on failure is on the terminal."""
        sys.stderr.flush()
        done = subprocess.run([self.executable, *args], cwd=self.toplevel, stdout=subprocess.PIPE,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", **network_env(self)})
        return subprocess.CompletedProcess(done.args, done.returncode, _text(done.stdout), "")


def network_env(git: Git) -> dict[str, str]:
    """What git's transports need so that a remote that stops answering ends the command: a speed
    below which an HTTP transfer is given up, and ssh's connect and keep-alive timeouts. Each is
    left out when the user set it (in the environment or git's config), or set ssh up their own way."""
    listed = git.attempt("config", "--get-regexp", r"^(http\..*lowspeed(limit|time)|core\.sshcommand|ssh\.variant)$")
    keys = {line.split(" ", 1)[0].lower() for line in listed.stdout.splitlines()}
    env: dict[str, str] = {}
    for variable, key, value in (("GIT_HTTP_LOW_SPEED_LIMIT", "lowspeedlimit", STALL_BYTES),
                                 ("GIT_HTTP_LOW_SPEED_TIME", "lowspeedtime", STALL_SECONDS)):
        if variable not in os.environ and not any(k.endswith("." + key) for k in keys):
            env[variable] = str(value)
    own_ssh = any(v in os.environ for v in ("GIT_SSH_COMMAND", "GIT_SSH", "GIT_SSH_VARIANT"))
    if not own_ssh and not keys & {"core.sshcommand", "ssh.variant"}:
        env["GIT_SSH_COMMAND"] = SSH_COMMAND
    return env


def remote_address(git: Git, remote: str) -> str:
    """The remote's URL as a message may show it: never a password or token written into it."""
    url = git.attempt("remote", "get-url", remote).stdout.strip()
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", url) or remote


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


def move_branch(git: Git, branch: str, commit: str, old: str | None) -> str | None:
    """update-ref with the old value: fails rather than overwrite a commit made meanwhile.
    None when the branch moved; else what git said."""
    # --no-deref: a symbolic ref is never followed to the branch it names (check_branch_name refuses it too).
    done = git.attempt("update-ref", "--no-deref", "-m", "briefgen publish", f"refs/heads/{branch}", commit,
                       old or "0" * len(commit))
    return None if done.returncode == 0 else said(done)


def said(done: subprocess.CompletedProcess) -> str:
    """What a failed git command said, on one line."""
    lines = [line.strip().removeprefix("fatal: ") for line in done.stderr.splitlines() if line.strip()]
    return " ".join(lines) or f"exit status {done.returncode}"
