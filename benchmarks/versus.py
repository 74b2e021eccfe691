#!/usr/bin/env python3
"""Time this checkout's briefgen against another checkout's, interleaved, on copies of one corpus.

    git worktree add /tmp/baseline <commit>
    .venv/bin/python benchmarks/versus.py --baseline /tmp/baseline --n 1000 --runs 5

Each round runs the same steps with each checkout in turn, each on its own copy
of the corpus (so neither reuses the other's cache or output): a cold build, a
build with nothing changed, a build after one briefing's body changed, and one
after a title changed. A checkout is run with its folder first on PYTHONPATH,
with this interpreter and its installed libraries. It prints the median and the
min-max of each step for both, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = ("cold", "nothing changed", "body edit", "title edit")


def run_build(checkout: Path, site: Path, extra: tuple[str, ...] = ()) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "briefgen", "-q", "build", *extra], cwd=site, env=env, check=True)
    return time.perf_counter() - started


def one_round(checkout: Path, corpus: Path, work: Path, round_: int) -> dict[str, float]:
    site = work / f"site-{checkout.name}-{round_}"
    shutil.copytree(corpus, site, ignore=shutil.ignore_patterns("_site", "._site.briefgen", ".briefgen-cache"))
    times = {"cold": run_build(checkout, site), "nothing changed": run_build(checkout, site)}
    briefing = sorted((site / "content/briefings").glob("*.md"))[len(list((site / "content/briefings").glob("*.md"))) // 2]
    text = briefing.read_text(encoding="utf-8")
    briefing.write_text(text + f"\nOne more paragraph, round {round_}.\n", encoding="utf-8")
    times["body edit"] = run_build(checkout, site)
    text = briefing.read_text(encoding="utf-8")
    briefing.write_text(text.replace('title: "', f'title: "Round {round_}, ', 1), encoding="utf-8")  # quoted
    times["title edit"] = run_build(checkout, site)
    shutil.rmtree(site)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the commit to compare with")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    this, baseline = HERE.parent, args.baseline.resolve()
    corpus = HERE / f"corpus-{args.n}"
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--n", str(args.n), "--seed", str(args.seed),
                        "--out", str(corpus)], check=True)
    results: dict[Path, dict[str, list[float]]] = {this: {s: [] for s in STEPS}, baseline: {s: [] for s in STEPS}}
    with tempfile.TemporaryDirectory(prefix="briefgen-versus-") as temp:
        for round_ in range(args.runs):
            order = (this, baseline) if round_ % 2 == 0 else (baseline, this)
            for checkout in order:
                for step, seconds in one_round(checkout, corpus, Path(temp), round_).items():
                    results[checkout][step].append(seconds)
    print(f"N = {args.n}, {args.runs} rounds, interleaved; median (min-max) in seconds")
    print(f"{'step':<17} {'this checkout':>24} {'baseline':>24} {'ratio':>7}")
    for step in STEPS:
        ours, theirs = results[this][step], results[baseline][step]
        print(f"{step:<17} {_shown(ours):>24} {_shown(theirs):>24} "
              f"{statistics.median(ours) / statistics.median(theirs):>7.2f}")


def _shown(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ({min(samples):.2f}-{max(samples):.2f})"


if __name__ == "__main__":
    main()
