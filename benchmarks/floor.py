#!/usr/bin/env python3
"""The floor: what any Python generator on this stack must at least spend.

Reads every briefing, parses its front matter with PyYAML's C loader, renders
the body with markdown-it-py and writes it through a trivial Jinja2 template,
split over all cores. Nothing else: no entities, lists, feeds or search.

    python benchmarks/floor.py CORPUS_DIR OUT_DIR [--workers N]
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt

TEMPLATE = "<!DOCTYPE html><title>{{ title }}</title><h1>{{ title }}</h1>{{ body | safe }}"


def render_chunk(args: tuple[list[str], str]) -> int:
    paths, out = args
    md = MarkdownIt("commonmark").enable("table")
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        data = yaml.load(front, Loader=loader)
        html = template.render(title=data["title"], body=md.render(body))
        target = Path(out) / Path(path).stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return len(paths)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    paths = sorted(str(p) for p in (args.corpus / "content" / "briefings").glob("*.md"))
    chunks = [(paths[i::args.workers], str(args.out)) for i in range(args.workers)]
    if args.workers == 1:
        done = render_chunk(chunks[0])
    else:
        with ProcessPoolExecutor(args.workers) as pool:
            done = sum(pool.map(render_chunk, chunks))
    print(f"floor: {done} pages", file=sys.stderr)


if __name__ == "__main__":
    main()
