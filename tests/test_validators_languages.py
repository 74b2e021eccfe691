"""The reader-site checks in every language the theme ships, and in a right-to-left one: the sample site
built with all of them as its languages, so that each has a tree of its own (home, lists, search, 404, and
the pages translated into it), judged by the Nu HTML Checker and by axe-core in light and dark."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from reader_support import SUB_PATH, axe_problems, chromium, nu_errors, require_program, require_tool, serve
from test_validators import AXE_JS, NPM_HOW, VNU_JAR

SHIPPED = ["ru", "uk", "de", "fr", "es"]
LANGUAGES = ["en", *SHIPPED, "ar"]  # Arabic: no catalog shipped, but a right-to-left page


@pytest.fixture(scope="module")
def every_language(tmp_path_factory) -> Path:
    """The sample's sources with `languages:` naming every shipped language and Arabic."""
    site = tmp_path_factory.mktemp("languages") / "site"
    for name in ("content", "static"):
        shutil.copytree(REPO / name, site / name)
    config = (REPO / "site.yaml").read_text(encoding="utf-8")
    lines = [f"languages: [{', '.join(LANGUAGES)}]" if line.startswith("languages:") else line
             for line in config.splitlines()]
    assert lines != config.splitlines(), "the sample's site.yaml names its languages"
    (site / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


def test_nu_html_checker_finds_no_error_in_any_language(every_language, tmp_path):
    java = require_program("java", "apt-get install default-jre-headless; .ci/run does it")
    jar = require_tool(VNU_JAR, "The Nu HTML Checker (vnu-jar)", NPM_HOW)
    out = tmp_path / "_site"
    run_cli("build", "--out", str(out), cwd=every_language, check=True)
    for language in LANGUAGES[1:]:
        assert f'<html lang="{language}"' in (out / language / "index.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in (out / "ar" / "index.html").read_text(encoding="utf-8")
    assert not nu_errors(java, jar, sorted(out.rglob("*.html")))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_any_language(every_language, tmp_path, scheme):
    axe = require_tool(AXE_JS, "axe-core", NPM_HOW)
    problems = []
    with serve(tmp_path) as origin, chromium() as browser:
        run_cli("build", "--out", str(tmp_path / SUB_PATH.strip("/")), "--base-url", origin + SUB_PATH,
                cwd=every_language, check=True)
        page = browser.new_page(color_scheme=scheme)
        for language in LANGUAGES:
            tree = "" if language == "en" else f"{language}/"
            for kind, path in {"home": "", "treaties": "treaties/", "search": "search/?q=2021"}.items():
                page.goto(f"{origin}{SUB_PATH}{tree}{path}", wait_until="networkidle")
                if kind == "search":  # judged with its status line and results showing
                    page.wait_for_selector("#search-status:not(:empty)", timeout=15_000)
                problems += axe_problems(page, axe, f"{language} {kind} ({scheme})")
        page.goto(f"{origin}{SUB_PATH}ru/briefings/geneva-summit-2021/", wait_until="networkidle")
        problems += axe_problems(page, axe, f"ru briefing ({scheme})")
    assert not problems, "\n".join(problems)
