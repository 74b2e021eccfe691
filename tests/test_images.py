"""Image processing: sizes, resized copies (made once, kept in the cache), alt text, captions, credits,
settings, and every kind of bad image file."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from conftest import run_cli
from image_support import SVG_MAP, briefing, jpeg, png, png_header_claiming


def _site(make_site, body: str, files: dict | None = None, config: str = ""):
    return make_site({
        "site.yaml": f"title: Desk\nbase_url: https://example.org/\n{config}",
        "content/briefings/talks/index.md": briefing("Talks", body),
        "content/briefings/talks/photo.jpg": jpeg(2000, 1000),
        "content/briefings/talks/small.png": png(300, 200),
        "content/briefings/talks/map.svg": SVG_MAP,
        **(files or {}),
    })


def _img_tags(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


def _cached_copies(site):
    folder = site / ".briefgen-cache/images"
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix in (".jpg", ".png", ".webp")}


def test_sizes_srcset_and_copies_in_webp_and_the_original_format(make_site):
    site = _site(make_site, "![The meeting](photo.jpg)\n\n![A small chart](small.png)\n\n![A map](map.svg)\n")
    run_cli("build", cwd=site, check=True)
    out = site / "_site/briefings/talks"
    page = (out / "index.html").read_text()
    photo, small, svg = _img_tags(page)
    assert 'width="2000" height="1000"' in photo and 'width="300" height="200"' in small
    assert 'width="640" height="400"' in svg  # SVG: read from the file, copied as is
    assert (out / "map.svg").read_text() == SVG_MAP
    assert "loading" not in photo and 'loading="lazy" decoding="async"' in small  # past the first image
    assert 'sizes="(min-width: 39.5rem) 37rem, calc(100vw - 2.5rem)"' in photo
    srcset = re.search(r'srcset="([^"]*)"', photo).group(1)
    widths = [int(w) for w in re.findall(r" (\d+)w", srcset)]
    assert widths == [480, 960, 1600, 2000]
    for url, width in re.findall(r"(/\S+) (\d+)w", srcset):
        with Image.open(site / "_site" / url.lstrip("/")) as copy:
            assert copy.width == int(width) and copy.format == "JPEG"
    webp = re.search(r'<source type="image/webp" srcset="([^"]*)"', page).group(1)
    for url, width in re.findall(r"(/\S+) (\d+)w", webp):
        with Image.open(site / "_site" / url.lstrip("/")) as copy:
            assert copy.width == int(width) and copy.format == "WEBP"
    # Never upscaled: the 300-px image has no copy wider than itself, only its WebP at its own width.
    assert "srcset" not in small or "480w" not in small
    assert not [p for p in out.iterdir() if p.name.startswith("small-") and not p.name.endswith(".webp")]


def test_a_second_build_resizes_nothing(make_site):
    site = _site(make_site, "![The meeting](photo.jpg)\n")
    run_cli("build", cwd=site, check=True)
    made = _cached_copies(site)
    assert len(made) == 7  # 3 JPEG widths, 3 WebP widths and the WebP at full width
    (site / "content/briefings/talks/index.md").write_text(briefing("Talks", "New text.\n\n![The meeting](photo.jpg)"))
    run_cli("build", cwd=site, check=True)
    import shutil
    shutil.rmtree(site / "_site")  # even a site built again from nothing takes the kept copies
    run_cli("build", cwd=site, check=True)
    assert _cached_copies(site) == made
    assert len([p for p in (site / "_site/briefings/talks").iterdir() if p.name.startswith("photo-")]) == 7


def test_replacing_an_image_makes_new_copies_with_new_names(make_site):
    site = _site(make_site, "![The meeting](photo.jpg)\n")
    run_cli("build", cwd=site, check=True)
    before = (site / "_site/briefings/talks/index.html").read_text()
    (site / "content/briefings/talks/photo.jpg").write_bytes(jpeg(1000, 1000, (200, 200, 0)))
    run_cli("build", cwd=site, check=True)
    after = (site / "_site/briefings/talks/index.html").read_text()
    assert 'width="1000" height="1000"' in after and after != before
    names = set(re.findall(r"photo-\d+\.\w+\.\w+", after))
    assert names and not names & set(re.findall(r"photo-\d+\.\w+\.\w+", before))


def test_alt_text_warning_strict_error_and_decorative_images(make_site):
    site = _site(make_site, "Text.\n\n![](small.png)\n")
    result = run_cli("build", "-v", cwd=site)
    assert result.returncode == 0
    assert "content/briefings/talks/index.md:7: warning: the image 'small.png' has no alt text." in result.stderr
    strict = run_cli("build", "--strict", cwd=site)
    assert strict.returncode == 1 and "index.md:7: error: the image 'small.png' has no alt text." in strict.stderr
    (site / "content/briefings/talks/index.md").write_text(briefing("Talks", 'Text.\n\n![](small.png){alt=""}\n'))
    decorative = run_cli("build", "--strict", cwd=site)
    assert decorative.returncode == 0, decorative.stderr
    assert 'alt=""' in (site / "_site/briefings/talks/index.html").read_text()


def test_a_title_makes_a_figure_with_a_caption_and_a_credit(make_site):
    site = _site(make_site, '![A map of the talks](map.svg "Where they met"){credit="Map: the desk"}\n\n'
                            'In text ![an icon](small.png "Icon") stays inline.\n')
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/briefings/talks/index.html").read_text()
    assert re.search(r'<figure class="body-figure"><img src="/briefings/talks/map.svg"[^>]*>'
                     r'<figcaption>Where they met <span class="credit">Map: the desk</span></figcaption></figure>', page)
    assert "<p><figure" not in page
    assert 'title="Icon"' in page and page.count("<figure") == 1


def test_attributes_other_than_credit_alt_and_class_are_not_written(make_site):
    site = _site(make_site, '![A chart](small.png){onerror="alert(1)" credit="Desk"}\n')
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/briefings/talks/index.html").read_text()
    assert "onerror" not in page and "alert(1)" not in page


def test_settings_turn_processing_off_or_change_widths(make_site):
    site = _site(make_site, "![The meeting](photo.jpg)\n", config="images:\n  process: false\n")
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/briefings/talks/index.html").read_text()
    assert 'width="2000" height="1000"' in page and "srcset" not in page
    (site / "site.yaml").write_text("title: Desk\nimages:\n  widths: [500]\n  format: none\n  quality: 60\n")
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/briefings/talks/index.html").read_text()
    assert re.findall(r" (\d+)w", page) == ["500", "2000"] and ".webp" not in page


@pytest.mark.parametrize("setting,message", [
    ("images: [480]", "'images' must be a set of keys"),
    ("images:\n  widths: [0]", "'images: widths' must be a list of 1 to 12 widths"),
    ("images:\n  format: avif", "'images: format' must be webp or none"),
    ("images:\n  qualty: 80", "unknown key 'qualty' under 'images'"),
])
def test_bad_image_settings_are_errors_at_their_line(make_site, setting, message):
    site = _site(make_site, "Text.", config=setting + "\n")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "site.yaml:3: error:" in result.stderr and message in result.stderr


@pytest.mark.parametrize("data,message", [
    (png(400, 300)[:200], "it is not a readable image"),  # truncated
    (b"this is a text file, not an image", "it is not a readable image"),
    (png_header_claiming(20_000, 20_000), "more pixels than briefgen opens"),  # a decompression bomb
    (jpeg(50, 50), "it is a JPEG image with a .png name"),
])
def test_bad_image_files_are_errors_with_file_and_line_and_the_last_site_stays(make_site, data, message):
    site = _site(make_site, "Text.\n\n![A figure](figure.png)\n", {"content/briefings/talks/figure.png": png(20, 20)})
    run_cli("build", cwd=site, check=True)
    before = (site / "_site/briefings/talks/index.html").read_bytes()
    (site / "content/briefings/talks/figure.png").write_bytes(data)
    for command in ("build", "check"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 1, result.stderr
        assert "content/briefings/talks/index.md:7: error: the image content/briefings/talks/figure.png cannot be used" \
               in result.stderr and message in result.stderr
        assert "Traceback" not in result.stderr
    assert (site / "_site/briefings/talks/index.html").read_bytes() == before


def test_an_image_over_the_size_limit_gets_a_warning(make_site):
    site = _site(make_site, "![The meeting](photo.jpg)\n", config="images:\n  max_size_mb: 0.001\n")
    result = run_cli("build", "-v", cwd=site)
    assert result.returncode == 0
    assert "index.md:5: warning: the image content/briefings/talks/photo.jpg is" in result.stderr
    assert "more than 0.001 MB" in result.stderr


def _png_of_bytes(size: int) -> bytes:
    """A small PNG padded with text chunks to more than `size` bytes: quick to probe and to resize."""
    from io import BytesIO

    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    for index in range(size // 500_000 + 1):
        info.add_text(f"pad{index}", "x" * 500_000)
    data = BytesIO()
    Image.new("RGB", (1200, 600), (10, 20, 30)).save(data, "PNG", pnginfo=info)
    return data.getvalue()


def test_an_image_over_5_mb_by_default_gets_a_warning_wherever_it_is_used(make_site):
    site = _site(make_site, "Text.\n\n![A heavy image](heavy.png)\n\n<p><img src=\"heavy.png\" alt=\"Again\"></p>\n", {
        "content/briefings/talks/heavy.png": _png_of_bytes(5_000_000),
        "content/briefings/featured/index.md": briefing("Featured", "Text.", extra="image: ../talks/heavy.png\n"
                                                                               "image_alt: A heavy image\n"),
    })
    for command in ("check", "build"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 0, result.stderr
        warnings = sorted(line for line in result.stderr.splitlines() if "warning:" in line)
        size = "the image content/briefings/talks/heavy.png is 5.5 MB, more than 5 MB."
        assert warnings == [
            f"content/briefings/featured/index.md:4: warning: {size} Make it smaller, or raise 'images: max_size_mb' "
            "in site.yaml.",
            f"content/briefings/talks/index.md:7: warning: {size} Make it smaller (a photo for the web needs 1–2 MB at "
            "most), or raise 'images: max_size_mb' in site.yaml.",
            f"content/briefings/talks/index.md:9: warning: {size} Make it smaller (a photo for the web needs 1–2 MB at "
            "most), or raise 'images: max_size_mb' in site.yaml.",
        ], result.stderr
    (site / "site.yaml").write_text("title: Desk\nbase_url: https://example.org/\nimages:\n  max_size_mb: 6\n")
    assert "warning" not in run_cli("build", cwd=site, check=True).stderr


def test_an_image_used_nowhere_is_copied_and_never_probed_into_an_error(make_site):
    site = _site(make_site, "Text.", {"content/briefings/talks/broken.png": b"not an image"})
    run_cli("build", cwd=site, check=True)
    assert (site / "_site/briefings/talks/broken.png").read_bytes() == b"not an image"


# -- the sample site: weight and a browser under a sub-path ---------------------------------------------

COLUMN_PX = 592  # the theme's text column (37rem) on a screen of 1 device pixel per CSS pixel
IMAGE_BUDGET = 150_000  # bytes of images a briefing page loads in that column


def _loaded_image_bytes(out, base_path: str, html: str) -> int:
    """The bytes of the copies a browser that reads WebP loads for each image of a page: of each srcset,
    the narrowest candidate at least as wide as the column, else the widest."""
    total = 0
    for tag in re.findall(r"<picture>.*?</picture>|<img [^>]*>", html, re.S):
        srcset = re.search(r'<source type="image/webp" srcset="([^"]*)"', tag) or re.search(r'srcset="([^"]*)"', tag)
        if srcset:
            candidates = sorted((int(w), url) for url, w in re.findall(r"(\S+) (\d+)w", srcset.group(1)))
            url = next((u for w, u in candidates if w >= COLUMN_PX), candidates[-1][1])
        else:
            url = re.search(r'src="([^"]*)"', tag).group(1)
        if url.startswith(base_path):
            total += (out / url[len(base_path):]).stat().st_size
    return total


def test_the_sample_briefings_with_images_stay_under_the_image_budget(tmp_path):
    from conftest import REPO
    out = tmp_path / "site"
    run_cli("build", "--out", str(out), "--base-url", "https://example.github.io/repo/", cwd=REPO, check=True)
    pictured = 0
    for page in sorted((out / "briefings").glob("*/index.html")):
        html = page.read_text()
        if "<img " in html:
            pictured += 1
            weight = _loaded_image_bytes(out, "/repo/", html)
            assert weight < IMAGE_BUDGET, f"{page.parent.name} loads {weight} bytes of images"
    assert pictured >= 3  # the map, the chart and the generated photograph


def test_the_sample_map_shows_under_a_sub_path_with_no_failed_request(tmp_path):
    from reader_support import chromium, served_sample
    with served_sample(tmp_path) as (site_url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        for path, selector in (("briefings/russian-buildup-near-ukraine/", "figure img"),
                               ("briefings/new-start-extended-to-2026/", "figure img"),
                               ("briefings/geneva-summit-2021/", ".featured img"), ("", ".card-image")):
            page.goto(site_url + path)
            image = page.query_selector(selector)
            image.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image)
            assert page.evaluate("img => img.currentSrc", image).startswith(site_url), path
        assert failed == []
