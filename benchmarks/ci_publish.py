#!/usr/bin/env python3
"""A CI publish, simulated: a fresh checkout, briefgen's cache restored, no output folder, one new briefing.

    python benchmarks/ci_publish.py --n 1000 --runs 3
    python benchmarks/ci_publish.py --n 10000 --runs 3 --no-plain-cold

What the Pages workflow does on every push (see briefgen/publish/workflow.py),
run by run, each step a `briefgen build` in a new process:

  cold          a fresh copy of the corpus, no cache, no output folder: what
                every publish cost before the cache travelled (left out with
                --no-plain-cold)
  cold, kept    the same with --cache-pages: the first publish, which leaves
                a cache with the pages in it
  ci publish    another fresh copy of the sources, written anew (new file
                times, another folder: a checkout), with that cache folder
                copied in as actions/cache restores it, no output folder, and
                one new briefing; built with --cache-pages

The new briefing's page is checked in the output. Prints medians and
min–max over the runs, the peak memory of the largest process, CPU seconds,
and the publish's ratio to the cold build. bench.py prints the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BRIEFGEN, PYTHON, run_timed, show, summary  # noqa: E402

CACHE = ".briefgen-cache"
DATE = re.compile(r"(?m)^date: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$")
NEW_BRIEFING = "briefing-ci-publish"


def checkout(corpus: Path, into: Path) -> Path:
    """The corpus's sources written anew into `into`: new file times, as `git clone` gives them."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    shutil.copytree(corpus / "content", into / "content", copy_function=shutil.copyfile)
    shutil.copyfile(corpus / "site.yaml", into / "site.yaml")
    return into


def add_briefing(site: Path, run: int) -> None:
    """Today's briefing: a copy of the newest under a new title, dated a day after it. It tops the home page,
    the main list (whose every page shifts by one), its year and its entities' timelines."""
    folder = site / "content" / "briefings"
    dated = {}
    for path in folder.glob("*.md"):
        found = DATE.search(path.read_text(encoding="utf-8"))
        if found:
            dated[path] = dt.datetime.fromisoformat(found[1])
    newest = max(dated, key=dated.get)
    text = newest.read_text(encoding="utf-8").replace("\ntitle: \"", f"\ntitle: \"CI publish {run}: ", 1)
    text = DATE.sub(f"date: {dated[newest] + dt.timedelta(days=1):%Y-%m-%d %H:%M:%S}", text, count=1)
    (folder / f"{NEW_BRIEFING}.md").write_text(text, encoding="utf-8")


def time_ci(corpus: Path, runs: int, plain_cold: bool = True) -> dict[str, dict | None]:
    """{'cold', 'cold, kept', 'ci publish'}: summaries of `runs` runs (cold None without plain_cold)."""
    samples: dict[str, list] = {"cold": [], "cold, kept": [], "ci publish": []}
    with tempfile.TemporaryDirectory(prefix="briefgen-ci-", dir=corpus.parent) as scratch:
        work = Path(scratch)
        for run in range(runs):
            if plain_cold:
                site = checkout(corpus, work / "plain")
                samples["cold"].append(run_timed([*BRIEFGEN, "-C", str(site), "build", "-q"]))
                shutil.rmtree(site)
            previous = checkout(corpus, work / "previous")
            samples["cold, kept"].append(run_timed([*BRIEFGEN, "-C", str(previous), "build", "-q", "--cache-pages"]))
            site = checkout(corpus, work / "runner")  # another folder, as a new runner's may be
            shutil.copytree(previous / CACHE, site / CACHE, ignore=shutil.ignore_patterns("lock"))
            shutil.rmtree(previous)
            add_briefing(site, run)
            samples["ci publish"].append(run_timed([*BRIEFGEN, "-C", str(site), "build", "-q", "--cache-pages"]))
            page = site / "_site" / "briefings" / NEW_BRIEFING / "index.html"
            if f"CI publish {run}: " not in page.read_text(encoding="utf-8"):
                raise SystemExit(f"the published site does not show the new briefing ({page})")
            shutil.rmtree(site)
    return {name: summary(values) if values else None for name, values in samples.items()}


def show_ci(figures: dict[str, dict | None]) -> None:
    cold = figures["cold"] or figures["cold, kept"]
    if figures["cold"]:
        show("cold", figures["cold"])
    show("cold, kept", figures["cold, kept"], figures["cold"], "cold" if figures["cold"] else "")
    show("ci publish", figures["ci publish"], cold, "cold" if figures["cold"] else "cold, kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="briefings in the corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-plain-cold", action="store_true",
                        help="skip the cold build without --cache-pages (the kept one is the baseline)")
    args = parser.parse_args()
    corpus = HERE / f"corpus-{args.n}"
    subprocess.run([PYTHON, str(HERE / "make_corpus.py"), "--n", str(args.n), "--seed", str(args.seed),
                    "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
    print(f"CI publish at N = {args.n:,}, {args.runs} runs; medians "
          f"(python benchmarks/ci_publish.py {' '.join(sys.argv[1:])})")
    figures = time_ci(corpus, args.runs, plain_cold=not args.no_plain_cold)
    show_ci(figures)


if __name__ == "__main__":
    main()
