"""Featured images and portraits: front matter `image:`, shown on pages, cards and the taxonomy index, in
og:image (absolute, a 1200-px copy) with the site's image as the fallback."""

from __future__ import annotations

import re

from PIL import Image

from conftest import run_cli
from image_support import SVG_MAP, briefing, jpeg, png

FEATURED = "image: lakeside.jpg\nimage_alt: The lake at dusk\nimage_credit: 'Photo: the desk'\nleaders: [Joe Biden]\n"


def _site(make_site, base_url="https://example.github.io/repo/", extra: dict | None = None):
    return make_site({
        "site.yaml": f"title: Desk\nbase_url: {base_url}\nimage: /images/card.png\n",
        "static/images/card.png": png(1200, 630),
        "content/briefings/summit/index.md": briefing("Summit", "Text.", extra=FEATURED),
        "content/briefings/summit/lakeside.jpg": jpeg(2400, 1200),
        "content/briefings/plain.md": briefing("Plain", "Text.", "2021-01-20", extra="leaders: [Joe Biden]\n"),
        "content/leaders/joe-biden/index.md": "---\nname: Joe Biden\nimage: portrait.png\nimage_alt: Joe Biden\n---\nProfile.\n",
        "content/leaders/joe-biden/portrait.png": png(400, 500),
        "content/pages/about/index.md": "---\ntitle: About\nimage: /images/map.svg\nimage_alt: A map\n---\nAbout.\n",
        "static/images/map.svg": SVG_MAP,
        **(extra or {}),
    })


def _meta(html: str, name: str) -> str | None:
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def test_a_briefings_image_is_at_the_top_on_cards_and_in_og_image(make_site):
    site = _site(make_site)
    run_cli("build", cwd=site, check=True)
    out = site / "_site"
    page = (out / "briefings/summit/index.html").read_text()
    top = re.search(r'<div class="featured">(.*?)</div>', page, re.S).group(1)
    assert 'src="/repo/briefings/summit/lakeside.jpg"' in top and 'width="2400" height="1200"' in top
    assert 'alt="The lake at dusk"' in top and "loading" not in top  # the top image loads at once
    assert '<span class="credit">Photo: the desk</span>' in top
    og = _meta(page, "og:image")
    assert og.startswith("https://example.github.io/repo/briefings/summit/lakeside-1200.") and og.endswith(".jpg")
    with Image.open(out / og.removeprefix("https://example.github.io/repo/")) as copy:
        assert copy.width == 1200
    assert _meta(page, "twitter:card") == "summary_large_image"
    assert _meta(page, "og:image:alt") == "The lake at dusk"
    for listing in ("index.html", "briefings/index.html", "leaders/joe-biden/index.html"):
        card = re.search(r'<article class="card card-with-image">.*?</article>', (out / listing).read_text(), re.S)
        assert card and 'class="card-image"' in card.group() and 'loading="lazy"' in card.group(), listing


def test_a_profiles_portrait_shows_on_its_page_and_in_the_taxonomy_index(make_site):
    site = _site(make_site)
    run_cli("build", cwd=site, check=True)
    out = site / "_site"
    entity = (out / "leaders/joe-biden/index.html").read_text()
    portrait = re.search(r'<div class="entity-portrait">(.*?)</div>', entity, re.S).group(1)
    assert 'src="/repo/leaders/joe-biden/portrait.png"' in portrait and 'class="entity-image"' in portrait
    assert 'width="400" height="500"' in portrait and "loading" not in portrait
    assert _meta(entity, "og:image") == "https://example.github.io/repo/leaders/joe-biden/portrait.png"
    index = (out / "leaders/index.html").read_text()
    assert 'src="/repo/leaders/joe-biden/portrait.png"' in index
    about = (out / "about/index.html").read_text()
    assert 'src="/repo/images/map.svg"' in about and 'width="640" height="400"' in about


def test_pages_without_an_image_take_the_sites(make_site):
    site = _site(make_site)
    run_cli("build", cwd=site, check=True)
    for page in ("index.html", "briefings/plain/index.html", "search/index.html"):
        html = (site / "_site" / page).read_text()
        assert _meta(html, "og:image") == "https://example.github.io/repo/images/card.png", page
        assert _meta(html, "twitter:card") == "summary_large_image"


def test_without_any_image_the_card_is_a_summary(make_site):
    site = make_site({"content/briefings/a.md": briefing("A", "Text.")})
    run_cli("build", cwd=site, check=True)
    html = (site / "_site/briefings/a/index.html").read_text()
    assert _meta(html, "og:image") is None and _meta(html, "twitter:card") == "summary"


def test_a_featured_image_that_is_missing_is_an_error_at_its_line_in_check_and_build(make_site):
    site = _site(make_site)
    index = site / "content/briefings/summit/index.md"
    index.write_text(index.read_text().replace("image: lakeside.jpg", "image: lakside.jpg"))
    for command in ("check", "build"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 1
        assert "content/briefings/summit/index.md:4: error: the image 'lakside.jpg' points at no file." in result.stderr
        assert "'@/briefings/summit/lakeside.jpg'" in result.stderr


def test_a_featured_image_without_alt_text_is_a_warning(make_site):
    site = _site(make_site)
    index = site / "content/briefings/summit/index.md"
    index.write_text(index.read_text().replace("image_alt: The lake at dusk\n", ""))
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 1 and "index.md:4: error: the image 'lakeside.jpg' has no image_alt." in result.stderr


def test_replacing_a_featured_image_remakes_the_pages_that_show_it(make_site, tmp_path):
    site = _site(make_site)
    run_cli("build", cwd=site, check=True)
    (site / "content/briefings/summit/lakeside.jpg").write_bytes(jpeg(1000, 1000, (0, 120, 0)))
    run_cli("build", cwd=site, check=True)
    clean = tmp_path / "clean"
    run_cli("build", "--no-cache", "--out", str(clean), cwd=site, check=True)
    for page in ("index.html", "briefings/summit/index.html", "leaders/joe-biden/index.html"):
        assert (site / "_site" / page).read_bytes() == (clean / page).read_bytes(), page
    assert 'width="1000" height="1000"' in (site / "_site/index.html").read_text()


def test_check_v_lists_bundle_files_nothing_links(make_site):
    site = _site(make_site, extra={"content/briefings/summit/notes.csv": "a,b\n"})
    result = run_cli("check", "-v", cwd=site, check=True)
    assert "content/briefings/summit/notes.csv: nothing in the site links to it; it is published at " \
           "/repo/briefings/summit/notes.csv." in result.stderr
    assert "lakeside.jpg: nothing" not in result.stderr and "portrait.png: nothing" not in result.stderr
    assert "notes.csv" not in run_cli("check", cwd=site, check=True).stderr
