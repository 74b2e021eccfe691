"""Makes the sample site's generated photograph-like image: Lake Geneva at dusk, drawn by a program.

    python docs/sample_images.py    # writes content/briefings/geneva-summit-2021/lakeside.jpg

Nothing is downloaded and nothing is copied: the sky, the Alps and the lake are gradients, noise and
sine waves from a fixed seed, so the file is the same on every machine and free of any licence.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1800, 1000
HORIZON = 560
OUT = Path(__file__).resolve().parent.parent / "content/briefings/geneva-summit-2021/lakeside.jpg"


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _sky(image: Image.Image) -> None:
    draw = ImageDraw.Draw(image)
    top, middle, low = (38, 52, 96), (196, 120, 120), (250, 190, 120)
    for y in range(HORIZON):
        t = y / HORIZON
        colour = _mix(top, middle, t / 0.7) if t < 0.7 else _mix(middle, low, (t - 0.7) / 0.3)
        draw.line([(0, y), (WIDTH, y)], fill=colour)


def _ridge(rng: random.Random, base: int, height: int, roughness: float) -> list[tuple[int, int]]:
    phases = [rng.uniform(0, math.tau) for _ in range(4)]
    points = []
    for x in range(0, WIDTH + 10, 10):
        y = base - height * (0.5 + 0.25 * math.sin(x / 260 + phases[0]) + 0.15 * math.sin(x / 97 + phases[1])
                             + 0.1 * math.sin(x / 41 + phases[2]))
        y += rng.uniform(-roughness, roughness)
        points.append((x, round(y)))
    return points + [(WIDTH, HORIZON), (0, HORIZON)]


def _mountains(image: Image.Image, rng: random.Random) -> None:
    draw = ImageDraw.Draw(image)
    alps = _ridge(rng, HORIZON - 20, 380, 5)
    draw.polygon(alps, fill=(104, 100, 136))  # the Alps, far
    snowline = HORIZON - 250
    for (x0, y0), (x1, y1) in zip(alps[:-3], alps[1:-2]):  # snow on what rises above the snow line
        if min(y0, y1) < snowline:
            lower = snowline + rng.randrange(-12, 12)
            draw.polygon([(x0, min(y0, lower)), (x1, min(y1, lower)), (x1, lower), (x0, lower)], fill=(236, 222, 226))
    draw.polygon(_ridge(rng, HORIZON + 10, 150, 3), fill=(52, 56, 80))  # the Jura side, near


def _lake(image: Image.Image, rng: random.Random) -> None:
    sky = image.crop((0, 0, WIDTH, HORIZON)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    water = sky.resize((WIDTH, HEIGHT - HORIZON)).filter(ImageFilter.GaussianBlur(3))
    tint = Image.new("RGB", water.size, (30, 50, 90))
    water = Image.blend(water, tint, 0.45)
    draw = ImageDraw.Draw(water)
    for _ in range(900):  # ripples catching the light
        y = int(rng.random() ** 1.6 * water.height)
        x, length = rng.randrange(WIDTH), rng.randrange(8, 60)
        draw.line([(x, y), (x + length, y)], fill=(250, 200, 150) if rng.random() < 0.3 else (20, 34, 70), width=1)
    image.paste(water, (0, HORIZON))


def _grain(image: Image.Image, rng: random.Random) -> Image.Image:
    noise = Image.effect_noise((WIDTH, HEIGHT), 18).convert("RGB")
    return Image.blend(image, noise, 0.04)


def make() -> Image.Image:
    rng = random.Random(2021_06_16)  # the day of the Geneva summit
    image = Image.new("RGB", (WIDTH, HEIGHT))
    _sky(image)
    _mountains(image, rng)
    _lake(image, rng)
    return _grain(image, rng)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    make().save(OUT, "JPEG", quality=82, optimize=True, progressive=True)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")
