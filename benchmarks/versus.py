#!/usr/bin/env python3
"""Time this checkout's briefgen against another checkout's, interleaved, on copies of one corpus.

    git worktree add /tmp/baseline <commit>
    .venv/bin/python benchmarks/versus.py --baseline /tmp/baseline --n 1000 --runs 5
    .venv/bin/python benchmarks/versus.py --baseline /tmp/baseline --n 1000 --steps cold,body,title

The corpus is made by make_corpus.py (--n, --seed), as bench.py makes it. Each
round runs every step with each checkout in turn, the order alternating from
round to round (baseline first in odd rounds, this checkout first in even
ones) so that a machine slowing down or speeding up weighs on both alike. Each
checkout works on its own fresh copy of the corpus, so neither reuses the
other's cache or output. The steps, in this order, each a `briefgen build` in a
new process after the ones before it:

  cold             no cache, no output folder
  nothing changed  the same build again
  body edit        a paragraph added to one briefing
  title edit       that briefing's title changed
  date edit        that briefing's date moved four years (into another year
                   archive; its neighbours, the main list and its entities'
                   timelines change)
  new name         that briefing names a leader no briefing named before
                   (a new entity page)
  new briefing     a new briefing file

then, on other copies, a CI publish (as ci_publish.py simulates it):

  ci publish       a cold build with --cache-pages (not timed), then the
                   sources written anew into another folder with that cache
                   folder copied in and no output folder, and one new briefing
                   dated after every other: `build --cache-pages` timed

and then, on another fresh copy, `briefgen serve` (its first build is a cold
one, not timed; the search index of each save is refreshed in the --gap
between saves):

  serve save→page   from saving a paragraph added to a briefing to the changed
                    page fetched over HTTP (the reload event, then the page);
                    the median of --saves saves is the round's figure
  serve title→page  the same for one save of a new title

Every build's pages are checked for the edit (a failed build or a missing edit
stops the run and shows briefgen's messages). Steps can be left out with
--steps (cold always runs when another build step does, since they need its
cache; it is reported only when asked for). A checkout is run as `python -m
briefgen` with its folder first on PYTHONPATH, with this interpreter and its
installed libraries, so any version of briefgen's package layout works. It
prints, as a Markdown table, each step's median and min-max over the rounds
for both checkouts and their ratio, with the machine and the command line.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import os
import platform
import re
import select
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import EVENTS_PATH, fetch, free_port, next_event

HERE = Path(__file__).resolve().parent
BUILD_STEPS = {  # --steps name: the row in the table
    "cold": "cold", "unchanged": "nothing changed", "body": "body edit", "title": "title edit",
    "date": "date edit", "name": "new name", "new": "new briefing",
}
CI_ROW = "ci publish"
SERVE_ROWS = ("serve save→page", "serve title→page")
STEP_NAMES = (*BUILD_STEPS, "ci", "serve")
NEW_LEADER = "Xanthe Versuslaan"  # no corpus names her: make_corpus.py picks from fixed first and last names
NEW_LEADER_SLUG = "xanthe-versuslaan"
NEW_BRIEFING = "briefing-versus-new"
SAVE_TIMEOUT = 120.0  # seconds a save in serve may take to reach its page before the run stops
IGNORED = shutil.ignore_patterns("_site", "._site.briefgen", ".briefgen-cache")


class BenchmarkError(SystemExit):
    """A build failed, serve misbehaved, or an edit did not reach its page: the figures would mean nothing."""


@dataclass(frozen=True)
class Options:
    steps: frozenset[str]
    saves: int
    gap: float
    serve_timeout: float


def run_build(checkout: Path, site: Path, step: str, *options: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "briefgen", "-q", "build", *options], cwd=site, env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchmarkError(f"{checkout}: the build after '{step}' failed (status {result.returncode}):\n"
                             f"{result.stderr}{result.stdout}")
    return seconds


def expect(condition: bool, checkout: Path, what: str) -> None:
    if not condition:
        raise BenchmarkError(f"{checkout}: {what}")


# --- edits: each returns the new text of a briefing, in make_corpus.py's front matter ------------------

def add_paragraph(text: str, marker: str) -> str:
    return text.rstrip("\n") + f"\n\n{marker}.\n"


def new_title(text: str, marker: str) -> str:
    edited, count = re.subn(r'(?m)^title: "', f'title: "{marker}, ', text, count=1)
    if count != 1:
        raise BenchmarkError('no `title: "…"` line to edit')
    return edited


def move_date(text: str) -> tuple[str, str]:
    """The text with its date four years away (a leap day stays a leap day), and the new `YYYY-MM-DDTHH:MM`."""
    match = re.search(r"(?m)^date: (\d{4})(-\d\d-\d\d) (\d\d:\d\d:\d\d)\s*$", text)
    if match is None:
        raise BenchmarkError("no `date: YYYY-MM-DD HH:MM:SS` line to edit")
    year = int(match[1])
    year = year + 4 if year <= 2019 else year - 4  # the corpus spans 2014-2023: another year within it
    edited = text[:match.start()] + f"date: {year}{match[2]} {match[3]}" + text[match.end():]
    return edited, f"{year}{match[2]}T{match[3][:5]}"  # pages give the time to the minute


def add_leader(text: str, name: str) -> str:
    edited, count = re.subn(r"(?m)^leaders: \[", f'leaders: ["{name}", ', text, count=1)
    if count != 1:
        raise BenchmarkError("no `leaders: [...]` line to edit")
    return edited


def year_of(text: str) -> int:
    return int(re.search(r"(?m)^date: (\d{4})", text)[1])


# --- a round ---------------------------------------------------------------------------------------

def fresh_copy(corpus: Path, site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(corpus, site, ignore=IGNORED)


def briefings(site: Path) -> list[Path]:
    return sorted((site / "content" / "briefings").glob("*.md"))


def page(site: Path, path: str) -> str:
    file = site / "_site" / path / "index.html"
    return file.read_text(encoding="utf-8") if file.is_file() else ""


def time_builds(checkout: Path, corpus: Path, site: Path, round_: int, steps: frozenset[str]) -> dict[str, float]:
    """The build steps asked for, in order, on a fresh copy of the corpus."""
    fresh_copy(corpus, site)
    times: dict[str, float] = {}
    all_briefings = briefings(site)
    target, source = all_briefings[len(all_briefings) // 2], all_briefings[len(all_briefings) // 3]
    slug = f"briefings/{target.stem}"

    def build(step: str) -> None:
        seconds = run_build(checkout, site, step)
        if step in steps:
            times[BUILD_STEPS[step]] = seconds

    build("cold")
    expect(target.stem in page(site, slug), checkout, "the cold build wrote no page for the briefing")
    if "unchanged" in steps:
        build("unchanged")
    if "body" in steps:
        marker = f"Versus body edit {round_} {time.time_ns()}"
        target.write_text(add_paragraph(target.read_text(encoding="utf-8"), marker), encoding="utf-8")
        build("body")
        expect(marker in page(site, slug), checkout, "the body edit is not on the briefing's page")
    if "title" in steps:
        marker = f"Versus title {round_} {time.time_ns()}"
        target.write_text(new_title(target.read_text(encoding="utf-8"), marker), encoding="utf-8")
        build("title")
        expect(marker in page(site, slug), checkout, "the new title is not on the briefing's page")
    if "date" in steps:
        text = target.read_text(encoding="utf-8")
        old_year = year_of(text)
        text, moved = move_date(text)
        target.write_text(text, encoding="utf-8")
        build("date")
        new_year = year_of(text)
        expect(f'datetime="{moved}' in page(site, slug), checkout, "the briefing's page does not show its new date")
        expect(target.stem in page(site, f"briefings/{new_year}"), checkout,
               f"the {new_year} archive does not list the moved briefing")
        expect(target.stem not in page(site, f"briefings/{old_year}"), checkout,
               f"the {old_year} archive still lists the moved briefing")
    if "name" in steps:
        target.write_text(add_leader(target.read_text(encoding="utf-8"), NEW_LEADER), encoding="utf-8")
        build("name")
        expect(NEW_LEADER in page(site, slug), checkout, "the briefing's page does not show its new leader")
        expect(target.stem in page(site, f"leaders/{NEW_LEADER_SLUG}"), checkout,
               "the new leader has no page listing the briefing")
    if "new" in steps:
        title = f"Versus new briefing {round_} {time.time_ns()}"
        text = re.sub(r'(?m)^title: ".*"$', f'title: "{title}"', source.read_text(encoding="utf-8"), count=1)
        (target.parent / f"{NEW_BRIEFING}.md").write_text(text, encoding="utf-8")
        build("new")
        expect(title in page(site, f"briefings/{NEW_BRIEFING}"), checkout, "the new briefing has no page")
    shutil.rmtree(site)
    return times


def time_ci_publish(checkout: Path, corpus: Path, folder: Path, round_: int) -> dict[str, float]:
    """A publish from CI after the one before it: see ci_publish.py, whose checkout and new briefing these are."""
    from ci_publish import CACHE, NEW_BRIEFING as CI_BRIEFING, add_briefing, checkout as write_checkout

    previous = write_checkout(corpus, folder / "previous")
    run_build(checkout, previous, "the publish before", "--cache-pages")
    site = write_checkout(corpus, folder / "runner")
    shutil.copytree(previous / CACHE, site / CACHE, ignore=shutil.ignore_patterns("lock"))
    shutil.rmtree(previous)
    add_briefing(site, round_)
    seconds = run_build(checkout, site, "the CI publish", "--cache-pages")
    expect(f"CI publish {round_}: " in page(site, f"briefings/{CI_BRIEFING}"), checkout,
           "the CI publish has no page for the new briefing")
    shutil.rmtree(folder)
    return {CI_ROW: seconds}


def time_serve(checkout: Path, corpus: Path, site: Path, round_: int, options: Options) -> dict[str, float]:
    """serve on a fresh copy of the corpus: the median of `saves` body saves → page, and one title save → page."""
    fresh_copy(corpus, site)
    all_briefings = briefings(site)
    target = all_briefings[len(all_briefings) // 2]
    path = f"/briefings/{target.stem}/"
    original = target.read_text(encoding="utf-8")
    port = free_port()
    log = site.parent / f"{site.name}.stderr"
    with open(log, "wb") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "briefgen", "-q", "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], cwd=site, env={**os.environ, "PYTHONPATH": str(checkout)},
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)

    def failed(what: str) -> BenchmarkError:
        return BenchmarkError(f"{checkout}: serve: {what}\n{log.read_text(encoding='utf-8', errors='replace')}")

    stream = None
    try:
        stream = wait_for_serve(server, port, options.serve_timeout, failed)
        status, body = fetch(port, path)
        if status != 200 or target.stem.encode() not in body:
            raise failed(f"{path} answered {status} after the first build")
        saves: list[float] = []
        for save in range(options.saves + 1):
            time.sleep(options.gap)  # a writer's pace; the search index of the last save is refreshed meanwhile
            marker = f"Versus serve {round_} {save} {time.time_ns()}"
            text = add_paragraph(original, marker) if save < options.saves else new_title(original, marker)
            started = time.perf_counter()
            target.write_text(text, encoding="utf-8")
            saves.append(wait_for_page(server, stream, port, path, marker, started, SAVE_TIMEOUT, failed))
    finally:
        if stream is not None:
            stream.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    shutil.rmtree(site)
    log.unlink()
    return {SERVE_ROWS[0]: statistics.median(saves[:-1]), SERVE_ROWS[1]: saves[-1]}


def wait_for_serve(server: subprocess.Popen, port: int, timeout: float, failed) -> http.client.HTTPResponse:
    """The event stream, with its first event read, once serve's first build is done. serve listens before
    that build and answers after it: the request waits, and so does this, stopping early if serve exits."""
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise failed(f"exited with status {server.returncode} before serving")
        if time.monotonic() > deadline:
            raise failed(f"its first build took more than {timeout:.0f} s")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", EVENTS_PATH)
            while not select.select([connection.sock], [], [], 0.2)[0]:  # the answer, or the server gone
                if server.poll() is not None or time.monotonic() > deadline:
                    break
            else:
                stream = connection.getresponse()
                if stream.status == 200:
                    next_event(stream, deadline)  # the state at connection time
                    return stream
        except (OSError, http.client.HTTPException):
            pass  # not listening yet, or gone: the checks above tell which
        connection.close()
        time.sleep(0.2)


def wait_for_page(server: subprocess.Popen, stream: http.client.HTTPResponse, port: int, path: str, marker: str,
                  started: float, timeout: float, failed) -> float:
    """Seconds from `started` to `path` fetched with `marker` in it, fetched after each reload event."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            next_event(stream, deadline)
        except OSError as exc:  # the stream broke, or no event came in time
            raise failed(f"no page with the save in it ({exc!r})") from None
        status, body = fetch(port, path)
        if status == 200 and marker.encode() in body:
            return time.perf_counter() - started
        if server.poll() is not None:
            raise failed(f"exited with status {server.returncode}")


# --- the run ---------------------------------------------------------------------------------------

def describe(checkout: Path) -> str:
    commit = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(checkout), "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{commit}{' + changes' if dirty else ''}" if commit else str(checkout)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()} ({platform.machine()}), {model}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}")


def parse_steps(value: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in value.split(",") if name.strip())
    unknown = names - set(STEP_NAMES)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"steps are {','.join(STEP_NAMES)}; not {','.join(sorted(unknown))}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the commit to compare with")
    parser.add_argument("--n", type=int, default=1000, help="briefings in the corpus")
    parser.add_argument("--runs", type=int, default=5, help="rounds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=parse_steps, default=frozenset(STEP_NAMES),
                        help=f"a comma-separated subset of {','.join(STEP_NAMES)} (default: all)")
    parser.add_argument("--saves", type=int, default=3, help="body saves per round in serve (and one title save)")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between saves in serve")
    parser.add_argument("--serve-timeout", type=float, default=900.0,
                        help="seconds serve's first build may take before the run stops")
    args = parser.parse_args()
    options = Options(args.steps, max(args.saves, 1), args.gap, args.serve_timeout)
    this, baseline = HERE.parent, args.baseline.resolve()
    if not (baseline / "briefgen" / "__main__.py").is_file():
        parser.error(f"{baseline} is not a briefgen checkout")
    corpus = HERE / f"corpus-{args.n}"
    subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--n", str(args.n), "--seed", str(args.seed),
                    "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
    for checkout in (this, baseline):  # no checkout's first build pays for compiling briefgen
        compileall.compile_dir(checkout / "briefgen", quiet=1)
    rows = [row for step, row in BUILD_STEPS.items() if step in options.steps]
    rows += [CI_ROW] if "ci" in options.steps else []
    rows += list(SERVE_ROWS) if "serve" in options.steps else []
    results: dict[Path, dict[str, list[float]]] = {this: {r: [] for r in rows}, baseline: {r: [] for r in rows}}
    build_steps = options.steps & set(BUILD_STEPS)
    with tempfile.TemporaryDirectory(prefix="briefgen-versus-") as temp:
        for round_ in range(1, args.runs + 1):
            order = (baseline, this) if round_ % 2 else (this, baseline)
            for checkout in order:
                name = "this" if checkout == this else "baseline"
                started = time.perf_counter()
                figures: dict[str, float] = {}
                if build_steps:
                    figures |= time_builds(checkout, corpus, Path(temp) / f"site-{name}-{round_}", round_,
                                           build_steps)
                if "ci" in options.steps:
                    figures |= time_ci_publish(checkout, corpus, Path(temp) / f"ci-{name}-{round_}", round_)
                if "serve" in options.steps:
                    figures |= time_serve(checkout, corpus, Path(temp) / f"serve-{name}-{round_}", round_, options)
                for row, seconds in figures.items():
                    results[checkout][row].append(seconds)
                print(f"round {round_}/{args.runs}, {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    report(args, options, this, baseline, rows, results)


def report(args, options: Options, this: Path, baseline: Path, rows: list[str],
           results: dict[Path, dict[str, list[float]]]) -> None:
    print(f"Machine: {machine()}")
    print(f"Command: {shlex.join([sys.executable, *sys.argv])}")
    serve = (f"; serve: median of {options.saves} saves {options.gap:g} s apart, per round"
             if "serve" in options.steps else "")
    print(f"N = {args.n:,} (seed {args.seed}), {args.runs} rounds interleaved{serve}; seconds, median (min–max) "
          f"over rounds\n")
    print(f"| step | this checkout ({describe(this)}) | baseline ({describe(baseline)}) | this / baseline |")
    print("|---|---|---|---|")
    over = []
    for row in rows:
        ours, theirs = results[this][row], results[baseline][row]
        ratio = statistics.median(ours) / statistics.median(theirs)
        if ratio > 1.10:
            over.append(row)
        print(f"| {row} | {_shown(ours)} | {_shown(theirs)} | {ratio:.2f} |")
    print(f"\nMore than 10 % slower than the baseline's median: {', '.join(over) if over else 'none'}")


def _shown(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ({min(samples):.2f}–{max(samples):.2f})"


if __name__ == "__main__":
    main()
