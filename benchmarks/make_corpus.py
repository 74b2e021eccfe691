#!/usr/bin/env python3
"""Write a deterministic synthetic briefing site for benchmarks.

    python benchmarks/make_corpus.py --n 10000 --seed 1 --out benchmarks/corpus-10000

Briefings of about 700 words with headings, lists, tables and links; a skewed
(Zipf-like) choice among ~300 leaders, ~60 treaties and ~120 issues, some with
non-ASCII names; dates spread over ten years; profiles for a third of the
entities. The same --n and --seed always give byte-identical files.

With --images every briefing is a bundle (briefing-00007/index.md) with a
photo-like PNG of its own beside it (1,000 × 500 px, about 60 KB) shown in
its body: what image processing costs (benchmarks/bench.py --images).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

FIRST = ["Anna", "Boris", "Carlos", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
         "Lena", "Mateo", "Nadia", "Olek", "Priya", "Quentin", "Rosa", "Sergei", "Tomasz", "Ulla", "Viktor",
         "Wen", "Ximena", "Yusuf", "Zofia", "Łukasz", "Zoë", "José", "Søren", "Çağla", "Ngozi"]
LAST = ["Abbott", "Brandt", "Castillo", "Dvořák", "Eriksen", "Fontaine", "Gallo", "Haddad", "Ivanova",
        "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi",
        "Schäfer", "Tanaka", "Uribe", "Varga", "Weiß", "Xu", "Yilmaz", "Zielinski", "Müller", "Núñez"]
TREATY_WORDS = ["Arms", "Climate", "Trade", "Water", "Border", "Space", "Cyber", "Fisheries", "Nuclear",
                "Maritime", "Energy", "Transit", "Health", "Data", "Grain", "Airspace"]
TREATY_KINDS = ["Treaty", "Accord", "Convention", "Agreement", "Protocol"]
CITIES = ["Geneva", "Vienna", "Helsinki", "Oslo", "Minsk", "Astana", "Doha", "Lisbon", "Reykjavík", "Kraków",
          "Tbilisi", "Nairobi", "Quito", "Hanoi", "Seoul", "Ankara"]
ISSUE_WORDS = ["arms control", "cybersecurity", "sanctions", "human rights", "election security", "energy",
               "migration", "trade", "climate", "espionage", "disinformation", "food security", "diplomacy",
               "nuclear safety", "maritime law", "public health", "space policy", "refugees", "corruption",
               "press freedom", "terrorism", "drones", "supply chains", "critical minerals"]
ISSUE_QUALIFIERS = ["", "regional ", "global ", "Arctic ", "Baltic ", "Black Sea "]
WORDS = ("the delegation said talks would continue next week while officials reviewed the draft text and "
         "several ministers asked for more time to consult partners before any vote on the measures that "
         "analysts described as a modest but real step toward verification and transparency").split()


def entity_names(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    leaders: list[str] = []
    while len(leaders) < 300:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in leaders:
            leaders.append(name)
    treaties: list[str] = []
    while len(treaties) < 60:
        name = f"{rng.choice(CITIES)} {rng.choice(TREATY_WORDS)} {rng.choice(TREATY_KINDS)}"
        if name not in treaties:
            treaties.append(name)
    issues: list[str] = []
    while len(issues) < 120:
        name = f"{rng.choice(ISSUE_QUALIFIERS)}{rng.choice(ISSUE_WORDS)}".strip()
        if name in issues:  # a distinct word, not a number: "x 12" and "x 13" would look like typos
            name = f"{name} of {rng.choice(CITIES)}"
        if name not in issues:
            issues.append(name)
    return leaders, treaties, issues


def zipf_pick(rng: random.Random, names: list[str], weights: list[float], k: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < k:
        name = rng.choices(names, weights)[0]
        if name not in chosen:
            chosen.append(name)
    return chosen


def sentence(rng: random.Random, mentions: list[str]) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 22))]
    if mentions and rng.random() < 0.35:
        words.insert(rng.randint(0, len(words)), rng.choice(mentions))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random, mentions: list[str], other_slugs: list[str]) -> str:
    parts: list[str] = []
    words = 0
    section = 0
    while words < 700:
        section += 1
        parts.append(f"## {['Background', 'What happened', 'Reactions', 'What comes next', 'Analysis'][section % 5]}")
        paragraph = " ".join(sentence(rng, mentions) for _ in range(rng.randint(3, 6)))
        if other_slugs and rng.random() < 0.3:
            paragraph += f" See also [an earlier briefing](@/briefings/{rng.choice(other_slugs)}.md)."
        if rng.random() < 0.3:
            paragraph += " Details are in the [official statement](https://example.org/statement)."
        parts.append(paragraph)
        words += len(paragraph.split())
        if rng.random() < 0.5:
            items = [sentence(rng, mentions) for _ in range(rng.randint(3, 5))]
            parts.append("\n".join(f"- {item}" for item in items))
            words += sum(len(i.split()) for i in items)
        if rng.random() < 0.25:
            rows = [f"| {rng.randint(2014, 2024)} | {rng.choice(WORDS)} {rng.choice(WORDS)} | {rng.randint(1, 99)} |"
                    for _ in range(4)]
            parts.append("| Year | Event | Count |\n|---|---|---|\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


def yaml_list(names: list[str]) -> str:
    return "[" + ", ".join(f'"{n}"' for n in names) + "]"


IMAGE_SIZE = (1000, 500)


def corpus_image(number: int) -> bytes:
    """A PNG unlike every other briefing's: a gradient with a few shapes, like a simple map."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    width, height = IMAGE_SIZE
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180),
                                Image.new("L", (width, height), number * 37 % 256)))
    draw = ImageDraw.Draw(image)
    for shape in range(12):
        x, y = (number * 53 + shape * 97) % width, (number * 31 + shape * 61) % height
        draw.ellipse((x, y, x + 40 + shape * 9, y + 30 + shape * 7), fill=(shape * 20, 90, 255 - shape * 20))
    data = BytesIO()
    image.save(data, "PNG")
    return data.getvalue()


def write_corpus(n: int, seed: int, out: Path, images: bool = False) -> None:
    rng = random.Random(seed)
    leaders, treaties, issues = entity_names(rng)
    weights = {kind: [1 / (rank + 1) ** 1.1 for rank in range(len(names))]
               for kind, names in (("l", leaders), ("t", treaties), ("i", issues))}
    if out.exists():
        shutil.rmtree(out)
    (out / "content" / "briefings").mkdir(parents=True)
    (out / "site.yaml").write_text(
        "title: Benchmark desk\nbase_url: https://example.org/\ntimezone: UTC\nper_page: 10\n", encoding="utf-8")
    for kind, names in (("leaders", leaders), ("treaties", treaties), ("issues", issues)):
        folder = out / "content" / kind
        folder.mkdir(parents=True)
        for index, name in enumerate(names[::3]):
            slug = f"{kind}-{index}"
            alias = name.split()[-1] if kind == "leaders" else name.upper()
            (folder / f"{slug}.md").write_text(
                f'---\nname: "{name}"\naliases: ["{alias} ({index})"]\n---\nProfile of {name}.\n', encoding="utf-8")
    start = dt.datetime(2014, 1, 1)
    slugs: list[str] = []
    for number in range(n):
        slug = f"briefing-{number:05d}"
        date = start + dt.timedelta(minutes=rng.randint(0, 10 * 365 * 24 * 60))
        chosen_leaders = zipf_pick(rng, leaders, weights["l"], rng.randint(1, 4))
        chosen_treaties = zipf_pick(rng, treaties, weights["t"], rng.randint(0, 2))
        chosen_issues = zipf_pick(rng, issues, weights["i"], rng.randint(1, 3))
        mentions = chosen_leaders + chosen_treaties
        text = (
            "---\n"
            f'title: "Briefing {number}: {rng.choice(CITIES)} talks on {chosen_issues[0]}"\n'
            f"date: {date:%Y-%m-%d %H:%M:%S}\n"
            f'summary: "{sentence(rng, [])}"\n'
            f"key_points:\n" + "".join(f'  - "{sentence(rng, [])}"\n' for _ in range(3)) +
            f"leaders: {yaml_list(chosen_leaders)}\n"
            + (f"treaties: {yaml_list(chosen_treaties)}\n" if chosen_treaties else "")
            + f"issues: {yaml_list(chosen_issues)}\n"
            "sources:\n  - title: Official statement\n    url: https://www.state.gov/statement\n"
            "---\n" + body(rng, mentions, slugs[-50:])
        )
        if images:  # a bundle: the briefing and its image
            folder = out / "content" / "briefings" / slug
            folder.mkdir()
            head, _, rest = text.partition("\n---\n")
            text = f"{head}\n---\n![A map of the talks in {slug}](map.png)\n\n{rest}"
            (folder / "map.png").write_bytes(corpus_image(number))
            (folder / "index.md").write_text(text, encoding="utf-8")
        else:
            (out / "content" / "briefings" / f"{slug}.md").write_text(text, encoding="utf-8")
        slugs.append(slug)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--images", action="store_true", help="one image of its own in every briefing (a bundle)")
    args = parser.parse_args()
    write_corpus(args.n, args.seed, args.out, args.images)
    print(f"wrote {args.n} briefings{' with an image each' if args.images else ''} to {args.out}")


if __name__ == "__main__":
    main()
