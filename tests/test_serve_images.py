"""Live preview with images: adding, replacing and fixing an image shows in the served page."""

from __future__ import annotations

import time

from briefgen.serve.session import PreviewSession, PreviewSettings

from image_support import briefing, png
from test_serve import RecordingLog, fetch, page, wait_for_build


def test_adding_replacing_and_breaking_an_image_shows_in_the_served_page(make_site):
    site = make_site({"content/briefings/talks/index.md": briefing("Talks", "![The map](map.png)"),
                      "content/briefings/talks/map.png": png(800, 400)})
    session = PreviewSession(PreviewSettings(site, port=0), RecordingLog()).serve_in_background()
    try:
        assert 'width="800" height="400"' in page(session, "/briefings/talks/")
        generation = session.state.generation
        time.sleep(0.05)
        (site / "content/briefings/talks/map.png").write_bytes(png(600, 600, (0, 0, 200)))
        generation = wait_for_build(session, generation)
        served = page(session, "/briefings/talks/")
        assert 'width="600" height="600"' in served
        copy = served.split('srcset="')[1].split(" ")[0]
        status, headers, body = fetch(session, copy)
        assert status == 200 and headers["Content-Type"] in ("image/png", "image/webp") and body

        (site / "content/briefings/talks/photo.png").write_bytes(png(300, 200))
        generation = wait_for_build(session, generation)
        (site / "content/briefings/talks/index.md").write_text(
            briefing("Talks", "![The map](map.png)\n\n![A photo](photo.png)"))
        generation = wait_for_build(session, generation)
        assert 'src="/briefings/talks/photo.png"' in page(session, "/briefings/talks/")
        assert fetch(session, "/briefings/talks/photo.png")[0] == 200

        (site / "content/briefings/talks/photo.png").write_bytes(b"not an image")
        generation = wait_for_build(session, generation)
        assert any("photo.png cannot be used" in line for line in session.log.lines)
        assert 'src="/briefings/talks/photo.png"' in page(session, "/briefings/talks/")  # the last good page stays
        (site / "content/briefings/talks/photo.png").write_bytes(png(320, 200))
        wait_for_build(session, generation)
        assert 'width="320" height="200"' in page(session, "/briefings/talks/")
    finally:
        session.close()
