"""briefgen publish against hostile targets and file names (issue 18, items 14 and 19).

A branch that holds anything but a published site (the sources, above all) is refused unless
--force, locally and on the remote; the current branch always. Any file name the build writes is
published byte for byte, or refused naming the file: never a git error about a temporary folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
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


# --- the network: never a hang, never a prompt swallowed ---------------------------------------------------


@pytest.fixture
def silent_server():
    """An HTTP address on 127.0.0.1 that accepts every connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop, held = threading.Event(), []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/r.git"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def publish_within(project: Project, *args: str, seconds: float = 60) -> subprocess.CompletedProcess:
    """Publish, failing the test (not hanging it) when briefgen has not ended in time."""
    try:
        return subprocess.run([sys.executable, "-m", "briefgen", "publish", *args], cwd=project.site,
                              capture_output=True, text=True, timeout=seconds, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"briefgen publish did not end within {seconds} s; it said: {exc.stderr!r}")


def test_a_remote_that_never_answers_ends_with_a_message(make_project, silent_server, monkeypatch):
    project = make_project()
    git("remote", "set-url", "origin", silent_server, cwd=project.site)
    monkeypatch.setenv("GIT_HTTP_LOW_SPEED_TIME", "2")  # the user's own setting wins over briefgen's 60 s
    result = publish_within(project)
    refused(project, result, "Fetching gh-pages from origin …",
            "Operation too slow",  # git's own message reaches the user
            f"could not read the branch 'gh-pages' from the remote 'origin' ({silent_server})",
            "git ls-remote origin")
    assert result.stderr.index("Fetching gh-pages") < result.stderr.index("Operation too slow")
    assert "refs/heads/gh-pages" not in branches(project)


def _hook(project: Project, name: str, script: str) -> None:
    hook = project.site / ".git" / "hooks" / name
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\n" + script)
    hook.chmod(0o755)


def test_git_sees_briefgens_stall_limits_unless_the_user_set_their_own(make_project, tmp_path, monkeypatch):
    project = make_project()
    seen = tmp_path / "seen.txt"
    _hook(project, "pre-push", f"env | grep -E '^GIT_(HTTP_LOW_SPEED|SSH)' | sort > '{seen}'\n")
    for name in ("GIT_HTTP_LOW_SPEED_LIMIT", "GIT_HTTP_LOW_SPEED_TIME", "GIT_SSH_COMMAND", "GIT_SSH"):
        monkeypatch.delenv(name, raising=False)
    assert project.publish().returncode == 0
    said = seen.read_text()
    assert "GIT_HTTP_LOW_SPEED_LIMIT=1000\n" in said and "GIT_HTTP_LOW_SPEED_TIME=60\n" in said
    assert "GIT_SSH_COMMAND=ssh -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4\n" in said

    # The user's own settings: in the environment, or in git's config.
    monkeypatch.setenv("GIT_HTTP_LOW_SPEED_TIME", "300")
    git("config", "http.lowSpeedLimit", "10", cwd=project.site)
    git("config", "core.sshCommand", "ssh -i ~/.ssh/deploy", cwd=project.site)
    (project.site / "static").mkdir(exist_ok=True)
    (project.site / "static" / "more.txt").write_text("more\n")
    assert project.publish().returncode == 0
    said = seen.read_text()
    assert said == "GIT_HTTP_LOW_SPEED_TIME=300\n", said


def test_a_pre_push_hook_that_asks_is_seen_while_it_waits(make_project, tmp_path):
    """A hook prompts on git's stderr and waits: the user sees the question, not a silent hang."""
    project = make_project()
    answer = tmp_path / "answer"
    _hook(project, "pre-push", "printf 'Publish to the world? [y/N] ' >&2\n"
                               f"while [ ! -e '{answer}' ]; do sleep 0.05; done\n"
                               f"read reply < '{answer}'; [ \"$reply\" = y ]\n")
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "publish"], cwd=project.site,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    chunks: list[bytes] = []

    def read() -> None:
        while chunk := os.read(process.stderr.fileno(), 4096):
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while b"Publish to the world?" not in b"".join(chunks):
            assert time.monotonic() < deadline and process.poll() is None, (
                f"the hook's question never reached the user: {b''.join(chunks)!r}")
            time.sleep(0.05)
        assert b"Pushing to origin" in b"".join(chunks)
        answer.write_text("y\n")
        assert process.wait(timeout=60) == 0, b"".join(chunks)
    finally:
        answer.touch()
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join()
    assert "refs/heads/gh-pages" in project.remote_refs()


# --- the local branch and the remote never disagree about what happened ----------------------------------


@pytest.mark.parametrize("blocker", ["lock", "hook"])
def test_a_local_branch_that_cannot_move_stops_the_publish_before_the_push(make_project, blocker):
    """A held lock, or a reference-transaction hook that says no: nothing reaches the remote."""
    project = make_project()
    assert project.publish().returncode == 0
    (project.site / "static").mkdir(exist_ok=True)
    (project.site / "static" / "more.txt").write_text("more\n")
    if blocker == "lock":
        (project.site / ".git" / "refs" / "heads" / "gh-pages.lock").write_text("")
    else:
        _hook(project, "reference-transaction",
              'while read old new ref; do [ "$ref" = refs/heads/gh-pages ] && exit 1; done; exit 0\n')
    before, remote_before = branches(project), project.remote_refs()
    result = project.publish()
    refused(project, result, "could not move the local branch 'gh-pages'", "Nothing was pushed to origin",
            "1 error; nothing was published.")
    if blocker == "lock":
        assert "gh-pages.lock" in result.stderr and "delete" in result.stderr
    assert project.remote_refs() == remote_before and branches(project) == before


def test_a_failed_push_puts_the_local_branch_back(make_project):
    project = make_project()
    assert project.publish().returncode == 0
    (project.site / "static").mkdir(exist_ok=True)
    (project.site / "static" / "more.txt").write_text("more\n")
    _hook(project, "pre-push", "echo 'pre-push: not today' >&2; exit 1\n")
    before, remote_before = branches(project), project.remote_refs()
    result = project.publish()
    refused(project, result, "pre-push: not today", "could not push to the remote 'origin'",
            "the local branch 'gh-pages' was left as it was")
    assert project.remote_refs() == remote_before and branches(project) == before


def test_a_failed_push_whose_branch_cannot_be_put_back_says_where_it_is(make_project):
    project = make_project()
    assert project.publish().returncode == 0
    old = branches(project)["refs/heads/gh-pages"]
    (project.site / "static").mkdir(exist_ok=True)
    (project.site / "static" / "more.txt").write_text("more\n")
    _hook(project, "pre-push", "touch .git/refs/heads/gh-pages.lock; exit 1\n")
    remote_before = project.remote_refs()
    result = project.publish()
    new = branches(project)["refs/heads/gh-pages"]
    refused(project, result, "could not push to the remote 'origin'",
            f"the local branch 'gh-pages' is at {new[:7]}, which was not pushed",
            f"git update-ref refs/heads/gh-pages {old} {new}", "git push origin gh-pages")
    assert project.remote_refs() == remote_before and new != old


# --- a branch being rebased or bisected --------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["rebase", "bisect"])
def test_a_branch_being_rebased_or_bisected_in_another_worktree_is_refused(make_project, tmp_path, operation):
    project = make_project()
    assert project.publish("--no-push").returncode == 0
    pages = tmp_path / "pages"
    git("worktree", "add", "-q", str(pages), "gh-pages", cwd=project.site)
    if operation == "rebase":
        subprocess.run(["git", "rebase", "-q", "-i", "--root"], cwd=pages, capture_output=True, check=True,
                       env={**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i -e 's/^pick/edit/'"})
        what = "is being rebased in"
        todo = "git rebase --continue"
    else:
        git("bisect", "start", cwd=pages)
        git("checkout", "-q", "--detach", "HEAD", cwd=pages)
        what = "is being bisected in"
        todo = "git bisect reset"
    before = branches(project)
    (project.site / "static").mkdir(exist_ok=True)
    (project.site / "static" / "more.txt").write_text("more\n")
    for args in (["--no-push"], ["--force"]):
        refused(project, project.publish(*args), f"the branch 'gh-pages' {what} {pages}", todo)
        assert branches(project) == before


# --- stopped half-way ------------------------------------------------------------------------------------


def test_sigterm_during_publish_cleans_up_and_exits_130(make_project, tmp_path):
    """`kill` (a cancelled CI job) while the site is being built: its temporary folder goes, nothing moves."""
    many = {f"content/briefings/b{n:03}.md": f"---\ntitle: Briefing {n}\ndate: 2021-01-01\n"
                                             f"leaders: [Joe Biden]\n---\n{'Text. ' * 200}\n" for n in range(400)}
    project = make_project(many)
    temp = tmp_path / "temp"
    temp.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "publish", "--jobs", "1"], cwd=project.site,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "TMPDIR": str(temp)})
    try:
        deadline = time.monotonic() + 120
        while not any(temp.glob("briefgen-publish-*")):
            assert process.poll() is None and time.monotonic() < deadline, "publish never made its folder"
            time.sleep(0.005)
        process.send_signal(signal.SIGTERM)
        said = process.communicate(timeout=60)[1].decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, said
    assert "Interrupted." in said and "Traceback" not in said
    assert list(temp.iterdir()) == []
    assert "refs/heads/gh-pages" not in branches(project) and project.remote_refs() == ""
