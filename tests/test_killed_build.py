"""A build whose own process is stopped from outside (`kill`, a CI job cancelled, the OOM killer) leaves no
process behind it, and the next build runs at once.

The processes a build forks hold what it had open, its locks among them:
one that outlived its parent would make every later build wait for ever.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from test_portable_cache import SUB_PATH, assert_same_as_clean_build, desk, tree


def restoring_build(site: Path) -> subprocess.Popen:
    """A build that restores the kept site (its output folder removed): it forks two processes at once, one
    of which answers with more than a pipe holds. In a process group of its own."""
    run_cli("build", "--cache-pages", "--base-url", SUB_PATH, cwd=site, check=True)
    shutil.rmtree(site / "_site")
    return subprocess.Popen([sys.executable, "-m", "briefgen", "build", "--cache-pages", "--base-url", SUB_PATH],
                            cwd=site, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_until_restoring(site: Path, process: subprocess.Popen) -> None:
    work = site / "._site.briefgen"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        for staging in (work.glob("staging-*") if work.is_dir() else ()):
            if (staging / "briefings").is_dir() and len(os.listdir(staging / "briefings")) > 20:
                return
        time.sleep(0.001)
    pytest.fail("the build finished before it could be stopped mid-restore; make the site bigger")


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


def assert_group_ends(group: int, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = group_alive(group)
    if alive:
        os.killpg(group, signal.SIGKILL)
    assert not alive, f"processes of the stopped build were still running {within} s after it"


def test_a_build_killed_alone_leaves_no_process_and_the_next_build_runs(make_site, tmp_path):
    site = make_site(desk(count=400))
    process = restoring_build(site)
    wait_until_restoring(site, process)
    os.kill(process.pid, signal.SIGKILL)  # the build's own process only, not the ones it forked
    process.wait(timeout=30)
    assert_group_ends(process.pid)

    rebuilt = subprocess.run([sys.executable, "-m", "briefgen", "build", "--cache-pages", "--base-url", SUB_PATH],
                             cwd=site, capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Waiting for" not in rebuilt.stderr
    assert_same_as_clean_build(site, tmp_path)


def test_sigterm_stops_a_build_as_ctrl_c_does(make_site):
    site = make_site(desk(count=400))
    process = restoring_build(site)
    kept = tree(site / ".briefgen-cache/site")
    wait_until_restoring(site, process)
    os.kill(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Interrupted." in stderr
    assert_group_ends(process.pid)
    assert not (site / "_site").exists()
    assert list((site / "._site.briefgen").glob("staging-*")) == []  # cleaned up, not left for the next build
    assert tree(site / ".briefgen-cache/site") == kept
