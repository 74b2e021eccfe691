"""Every platform's path: builds in forked workers (Linux, macOS) and in one process (`--jobs 1`, as on
Windows, where there is no fork) give the same site, byte for byte, cold and after edits. Output names
stay usable on Windows and macOS: no ':' in them, no two that differ only in case."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from briefgen.parallel import Forked, can_fork, parallel_map

needs_fork = pytest.mark.skipif(not can_fork(), reason="this system has no fork: only the serial path exists")

# The CLI with the sizes below which work stays in this process lowered, so that a small site takes the paths
# of a large one (bodies and pages rendered by forked workers, pages spilled to files), and every fork counted
# in a log: a child appends a line to it as it starts.
COUNTING_CLI = """\
import os, sys
from briefgen import parallel
from briefgen.render import jobs
assert hasattr(jobs, "SPILL_MIN_PAGES") and hasattr(parallel, "MIN_ITEMS_PER_WORKER"), "thresholds renamed"
jobs.SPILL_MIN_PAGES = 1
parallel.MIN_ITEMS_PER_WORKER = 1
log = sys.argv[1]
def count_fork():
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(descriptor, b"fork\\n")
    os.close(descriptor)
os.register_at_fork(after_in_child=count_fork)
from briefgen.cli import main
main(sys.argv[2:])
"""

PUTIN = "---\nname: Vladimir Putin\naliases: [Putin]\nrole: President of Russia\n---\nProfile of [[Joe Biden]].\n"


def briefing(title: str, date: str, body: str, leaders: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\nleaders: {leaders}\nissues: [arms control]\n---\n{body}\n"


def site_files() -> dict[str, str]:
    """Twenty briefings over three years, linking each other and naming overlapping leaders; a page; a profile."""
    files = {"site.yaml": "title: Desk\nbase_url: https://example.org/\ntimezone: UTC\nper_page: 4\nhome_count: 5\n",
             "content/leaders/vladimir-putin.md": PUTIN,
             "content/pages/about.md": "---\ntitle: About\n---\nWe write about [[Vladimir Putin]].\n"}
    for i in range(1, 21):
        leaders = "[Putin, Joe Biden]" if i % 2 else "[Putin, Angela Merkel]"
        link = f" See [[Briefing {i - 1}]]." if i > 1 else ""
        files[f"content/briefings/b{i:02}.md"] = briefing(
            f"Briefing {i}", f"{2019 + i % 3}-0{1 + i % 9}-{i:02}", f"Putin spoke, day {i}.{link}\n\nMore on day {i}.",
            leaders)
    return files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Builder:
    """One copy of the site, always built with the same --jobs, through the counting CLI."""

    def __init__(self, site: Path, jobs: int):
        self.site, self.jobs, self.forks = site, jobs, site.parent / f"forks-{jobs}.log"

    def build(self) -> str:
        done = subprocess.run([sys.executable, "-c", COUNTING_CLI, str(self.forks), "build", "--jobs", str(self.jobs)],
                              cwd=self.site, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr

    def fork_count(self) -> int:
        return len(self.forks.read_text().splitlines()) if self.forks.exists() else 0

    def edit(self, rel: str, change) -> None:
        path = self.site / rel
        path.write_text(change(path.read_text(encoding="utf-8") if path.exists() else ""), encoding="utf-8")


def assert_same_sites(serial: Builder, parallel: Builder, label: str) -> None:
    serial_said, parallel_said = serial.build(), parallel.build()
    one, many = tree(serial.site / "_site"), tree(parallel.site / "_site")
    assert sorted(one) == sorted(many), f"after {label}: different files"
    different = [name for name in one if one[name] != many[name]]
    assert not different, f"after {label}: {different[:5]} differ between --jobs 1 and --jobs 2"
    assert serial_said.split(" in ")[0] == parallel_said.split(" in ")[0], label  # the same counts, but the time


@needs_fork
def test_serial_and_forked_builds_give_the_same_site_cold_and_after_edits(make_site):
    serial = Builder(make_site(site_files(), "serial"), jobs=1)
    parallel = Builder(make_site(site_files(), "parallel"), jobs=2)
    assert_same_sites(serial, parallel, "a cold build")
    assert parallel.fork_count() >= 2, "the forked path was not taken: bodies and pages rendered in one process"
    forks_before_edits = parallel.fork_count()

    edits = [
        ("a body edit", "content/briefings/b07.md",
         lambda text: text.replace("More on day 7.", "A new last paragraph, naming [[Angela Merkel]].")),
        ("a title edit", "content/briefings/b20.md",  # on its page, its neighbours', lists, feeds, related lists
         lambda text: text.replace("title: Briefing 20", "title: Briefing twenty")),
        ("a new briefing", "content/briefings/b21.md",
         lambda text: briefing("Briefing 21", "2021-12-31", "New. See [[Briefing twenty]].", "[Angela Merkel, Putin]")),
    ]
    for label, rel, change in edits:
        serial.edit(rel, change)
        parallel.edit(rel, change)
        assert_same_sites(serial, parallel, label)
    assert parallel.fork_count() > forks_before_edits, "the edits were all built in one process"
    assert serial.fork_count() == 0, "--jobs 1 forked a process"
    assert (serial.site / "_site/briefings/b21/index.html").is_file()


@needs_fork
def test_jobs_1_serves_and_publishes_as_build_does(make_site):
    """--jobs is taken by every command that builds; 0 is refused with a message."""
    site = make_site(site_files())
    for command in ("build", "serve", "publish"):
        said = run_cli(command, "--help", cwd=site, check=True).stdout
        assert "--jobs N" in said, command
    refused = run_cli("build", "--jobs", "0", cwd=site)
    assert refused.returncode == 2 and "--jobs" in refused.stderr and not (site / "_site").exists()


# --- the helpers that fork, and their fallback ---------------------------------------------------------------

def square(n: int) -> int:
    return n * n


def test_parallel_map_gives_the_same_list_in_one_process_and_in_several():
    items = list(range(500))
    assert parallel_map(square, items, workers=1) == parallel_map(square, items, workers=3) == [n * n for n in items]


@needs_fork
def test_a_forked_task_answers_from_its_child_and_the_same_without_fork():
    forked, here = Forked(os.getpid), Forked(os.getpid, fork=False)
    assert forked.forked and not here.forked
    assert forked.result() != os.getpid()  # computed in the child
    assert here.result() == os.getpid()


@needs_fork
def test_a_forked_task_whose_child_dies_is_done_in_this_process():
    parent = os.getpid()

    def dies_in_the_child() -> str:
        if os.getpid() != parent:
            os._exit(9)  # as the kernel's out-of-memory killer would end it: no answer, no exception
        return "done here"

    task = Forked(dies_in_the_child)
    assert task.forked and task.result() == "done here"


@needs_fork
def test_an_exception_in_a_forked_task_is_raised_here_with_its_traceback():
    def fails() -> None:
        raise ValueError("the task's own words")

    with pytest.raises(RuntimeError, match="the task's own words"):
        Forked(fails).result()


# --- output names on Windows and macOS ---------------------------------------------------------------------

def test_output_names_that_differ_only_in_case_or_hold_a_colon_are_refused_by_name(make_site):
    """A case-insensitive file system (macOS, Windows) would make two such files one, and Windows allows no ':'
    in a name: each is an error naming the files, before anything is written."""
    site = make_site({
        "content/briefings/a.md": briefing("Alpha", "2021-01-01", "Text.", "[Putin]")
        .replace("---\nText", "aliases: [/Old/]\n---\nText"),
        "content/briefings/b.md": briefing("Beta", "2021-01-02", "Text.", "[Putin]")
        .replace("---\nText", "aliases: [/old/]\n---\nText"),
        "static/Readme.txt": "one", "static/README.txt": "two", "static/notes:draft.txt": "three",
    })
    for command in ("check", "build"):
        said = run_cli(command, cwd=site)
        assert said.returncode == 1, said.stderr
        assert "'old/index.html'" in said.stderr and "'Old/index.html'" in said.stderr and "case" in said.stderr
        assert "static/Readme.txt" in said.stderr and "static/README.txt" in said.stderr
        assert "static/notes:draft.txt" in said.stderr and "':'" in said.stderr
    assert not (site / "_site").exists()


def test_a_built_site_has_no_colon_and_no_names_alike_but_for_case(make_site):
    files = site_files()
    files["content/briefings/Alpha.md"] = briefing('"Alpha: the Beta"', "2021-01-01", "Text.", "[Putin, PUTIN]")
    files["content/briefings/beta.md"] = briefing("ALPHA the beta", "2021-01-02", "Text.", "[Vladimir PUTIN]")
    files["static/Data/Notes.TXT"] = "notes"
    site = make_site(files)
    run_cli("build", cwd=site, check=True)
    names = list(tree(site / "_site"))
    assert not [name for name in names if ":" in name]
    assert len({name.casefold() for name in names}) == len(names)
