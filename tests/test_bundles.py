"""Bundles and paths: a briefing's files beside its index.md, and every form of image and link target
(relative, site path, @/) resolved with the base path on pages and absolute in feeds."""

from __future__ import annotations

import os

import pytest

from conftest import run_cli
from image_support import SVG_MAP, briefing, broken_links, png

BODY = """Intro.

![A map of the talks](map.png "Where they met")

![A chart of warheads](/images/chart.svg)

![A second map](@/briefings/shared/europe.svg)

Read [the readout](readout.pdf), [the chart file](/images/chart.svg), [the other briefing](../second.md),
[the same by @/](@/briefings/second.md#top), [an outside page](https://www.example.com/x.png) and [a page](/leaders/).
"""


def _site(make_site, base_url: str):
    return make_site({
        "site.yaml": f"title: Desk\nbase_url: {base_url}\n",
        "content/briefings/first-call/index.md": briefing("First call", BODY),
        "content/briefings/first-call/map.png": png(1200, 800),
        "content/briefings/first-call/readout.pdf": b"%PDF-1.4 readout",
        "content/briefings/first-call/unlinked.csv": "a,b\n",
        "content/briefings/shared/europe.svg": SVG_MAP,
        "content/briefings/second.md": briefing("Second", "Text.", "2021-01-27"),
        "static/images/chart.svg": SVG_MAP,
        "content/leaders/joe-biden/index.md": "---\nname: Joe Biden\n---\n![Portrait](portrait.png)\n",
        "content/leaders/joe-biden/portrait.png": png(300, 400),
        "content/pages/about/index.md": "---\ntitle: About\n---\nSee ![the logo](logo.svg).\n",
        "content/pages/about/logo.svg": SVG_MAP,
    })


@pytest.mark.parametrize("base_url,base_path", [("https://example.org/", "/"),
                                                ("https://example.github.io/repo/", "/repo/")])
def test_every_form_of_path_resolves_with_the_base_path_and_absolute_in_the_feed(make_site, base_url, base_path):
    site = _site(make_site, base_url)
    run_cli("build", cwd=site, check=True)
    out = site / "_site"
    page = (out / "briefings/first-call/index.html").read_text()
    # The bundle's slug is its folder's name; its files are published beside its page.
    for name in ("map.png", "readout.pdf", "unlinked.csv"):
        assert (out / "briefings/first-call" / name).is_file()
    assert (out / "leaders/joe-biden/portrait.png").is_file() and (out / "about/logo.svg").is_file()
    assert f'src="{base_path}briefings/first-call/map.png"' in page
    assert f'src="{base_path}images/chart.svg"' in page
    assert f'src="{base_path}briefings/shared/europe.svg"' in page
    assert f'href="{base_path}briefings/first-call/readout.pdf"' in page
    assert f'href="{base_path}images/chart.svg"' in page
    assert f'href="{base_path}briefings/second/"' in page and f'href="{base_path}briefings/second/#top"' in page
    assert f'href="{base_path}leaders/"' in page
    assert 'href="https://www.example.com/x.png"' in page  # external: as written
    assert f'src="{base_path}leaders/joe-biden/portrait.png"' in (out / "leaders/joe-biden/index.html").read_text()
    assert broken_links(out, base_path) == []
    feed = (out / "atom.xml").read_text()
    absolute = base_url.rstrip("/") + "/"
    assert f'src="{absolute}briefings/first-call/map.png"' in feed
    assert f"{absolute}briefings/first-call/map-480." in feed  # the srcset too
    assert f'href="{absolute}briefings/first-call/readout.pdf"' in feed
    assert 'src="/' not in feed and 'href="/' not in feed and 'srcset="/' not in feed


@pytest.mark.parametrize("target,wanted", [
    ("mapp.png", "The closest existing file is '@/briefings/first-call/map.png'"),
    ("/images/chrt.svg", "The closest existing file is '/images/chart.svg'"),
    ("@/briefings/shared/europa.svg", "The closest existing file is '@/briefings/shared/europe.svg'"),
])
def test_a_target_that_resolves_to_nothing_is_an_error_with_file_line_and_closest_name(make_site, target, wanted):
    site = _site(make_site, "https://example.org/")
    index = site / "content/briefings/first-call/index.md"
    index.write_text(index.read_text() + f"\nThen ![a lost image]({target}).\n")
    for command in ("build", "check"):
        result = run_cli(command, cwd=site)
        assert result.returncode == 1
        assert f"content/briefings/first-call/index.md:17: error: the image '{target}' points at no file" \
               in result.stderr.replace("is no file of static/ nor of content/", "points at no file")
        assert wanted in result.stderr
        assert "Traceback" not in result.stderr


def test_a_link_to_a_missing_file_is_an_error_too(make_site):
    site = _site(make_site, "https://example.org/")
    index = site / "content/briefings/first-call/index.md"
    index.write_text(index.read_text() + "\nThe [annex](annex.pdf).\n")
    result = run_cli("check", cwd=site)
    assert result.returncode == 1
    assert "index.md:17: error: the link 'annex.pdf' points at no file" in result.stderr


def test_a_path_that_escapes_content_is_an_error(make_site):
    site = _site(make_site, "https://example.org/")
    (site / "secret.png").write_bytes(png(10, 10))
    index = site / "content/briefings/first-call/index.md"
    index.write_text(index.read_text() + "\n![secret](../../../secret.png)\n")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "index.md:17: error: the image '../../../secret.png' points outside content/" in result.stderr


def test_a_symlinked_image_pointing_outside_the_site_is_an_error_and_the_last_site_stays(make_site, tmp_path):
    site = _site(make_site, "https://example.org/")
    run_cli("build", cwd=site, check=True)
    before = (site / "_site/briefings/first-call/index.html").read_bytes()
    outside = tmp_path / "outside.png"
    outside.write_bytes(png(20, 20))
    os.symlink(outside, site / "content/briefings/first-call/linked.png")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/briefings/first-call/linked.png" in result.stderr
    assert (site / "_site/briefings/first-call/index.html").read_bytes() == before


def test_names_with_spaces_non_ascii_and_hash_work(make_site):
    site = make_site({
        "content/briefings/talks/index.md": briefing(
            "Talks", "![Map one](<map of talks.png>)\n\n![Map two](Карта.svg)\n\n![Map three](map%231.svg)\n"),
        "content/briefings/talks/map of talks.png": png(100, 50),
        "content/briefings/talks/Карта.svg": SVG_MAP,
        "content/briefings/talks/map#1.svg": SVG_MAP,
    })
    run_cli("build", cwd=site, check=True)
    page = (site / "_site/briefings/talks/index.html").read_text()
    assert 'src="/briefings/talks/map%20of%20talks.png"' in page
    assert 'src="/briefings/talks/%D0%9A%D0%B0%D1%80%D1%82%D0%B0.svg"' in page
    assert 'src="/briefings/talks/map%231.svg"' in page
    assert broken_links(site / "_site", "/") == []


def test_two_bundles_with_files_of_the_same_name_each_publish_their_own(make_site):
    site = make_site({
        "content/briefings/a/index.md": briefing("A", "![Map of A](map.png)"),
        "content/briefings/a/map.png": png(40, 20, (255, 0, 0)),
        "content/briefings/b/index.md": briefing("B", "![Map of B](map.png)", "2021-01-27"),
        "content/briefings/b/map.png": png(60, 20, (0, 255, 0)),
    })
    run_cli("build", cwd=site, check=True)
    out = site / "_site/briefings"
    assert (out / "a/map.png").read_bytes() != (out / "b/map.png").read_bytes()
    assert 'width="40"' in (out / "a/index.html").read_text() and 'width="60"' in (out / "b/index.html").read_text()


def test_a_plain_briefing_file_keeps_working_beside_bundles(make_site):
    site = make_site({
        "content/briefings/plain.md": briefing("Plain", "![The chart](/images/chart.svg)"),
        "static/images/chart.svg": SVG_MAP,
    })
    run_cli("build", cwd=site, check=True)
    assert 'src="/images/chart.svg"' in (site / "_site/briefings/plain/index.html").read_text()


def test_a_draft_bundles_files_are_not_published(make_site):
    site = make_site({
        "content/briefings/a.md": briefing("A", "Text."),
        "content/briefings/secret/index.md": briefing("Secret", "![Plan](plan.png)", extra="draft: true\n"),
        "content/briefings/secret/plan.png": png(10, 10),
    })
    run_cli("build", cwd=site, check=True)
    assert not (site / "_site/briefings/secret").exists()
