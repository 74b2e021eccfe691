"""`briefgen new site` and `briefgen new briefing`: files that build at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from slugify import slugify

from briefgen.config import PLACEHOLDER_BASE_URL, SiteConfig
from briefgen.errors import BuildError, Diagnostic

_SITE_YAML = """\
# Site settings: see the README's "site.yaml reference".
title: {title}
description: Briefings on the leaders, treaties and issues we follow.
author: {title}
# The address the site is published at. For a GitHub Pages project site:
# https://<user>.github.io/<repository>/
base_url: {placeholder}
language: en
timezone: UTC
taxonomies: [leaders, treaties, issues]
per_page: 10
related_count: 5
autolink: true
"""

_BRIEFING = """\
---
title: {title}
date: {date}
summary: {summary}
key_points:
  - {point}
leaders: [{leader}]
treaties: []
issues: []
sources:
  - title: Source title
    url: https://example.org/source
---
{body}
"""

_PROFILE = """\
---
name: Jane Example
aliases: [Example, President Example]
role: President of Exampleland
country: Exampleland
---
A profile says who the leader is and why the desk follows them. This text is
shown on the leader's page, above every briefing that names them.
"""

_ABOUT = """\
---
title: About
---
This desk publishes short briefings, each cross-linked to the leaders, treaties
and issues it is about.
"""

# The built site, what a build keeps beside it while it runs (staging, spilled pages), and the cache.
_GITIGNORE = "_site/\n_site.*/\n.briefgen-cache/\n"


def create_site(directory: Path, title: str) -> list[Path]:
    """Write a new site; refuses a folder that already has files in it."""
    directory = directory.resolve()
    if directory.exists() and any(directory.iterdir()):
        raise BuildError([Diagnostic(None, None, f"{directory} is not empty.",
                                     "Choose a new folder for the site.")])
    files = {
        "site.yaml": _SITE_YAML.format(title=_yaml_text(title), placeholder=PLACEHOLDER_BASE_URL),
        "content/briefings/welcome.md": _BRIEFING.format(
            title=_yaml_text("Welcome to your briefing desk"), date=dt.date.today().isoformat(),
            summary=_yaml_text("What a briefing looks like, and how it links to the leaders it names."),
            point=_yaml_text("Every name in leaders, treaties and issues gets a page of its own."),
            leader="Jane Example",
            body="## What happened\n\nWrite the briefing here. Jane Example is linked to her page the first "
                 "time she is named.\n",
        ),
        "content/leaders/jane-example.md": _PROFILE,
        "content/pages/about.md": _ABOUT,
        ".gitignore": _GITIGNORE,
    }
    from briefgen.publish import WORKFLOW_PATH, workflow_text  # the Actions route ships with every site
    files[WORKFLOW_PATH] = workflow_text()
    created = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    (directory / "static").mkdir(exist_ok=True)
    return created


def create_briefing(config: SiteConfig, title: str, date_text: str | None) -> Path:
    if date_text:
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            raise BuildError([Diagnostic(None, None, f"'{date_text}' is not a date.", "Write it as YYYY-MM-DD.")])
    else:
        day = dt.datetime.now(config.tz).date()
    slug = slugify(title)
    if not slug:
        raise BuildError([Diagnostic(None, None, f"the title '{title}' has no letters or digits to make a file name.")])
    path = config.content_dir / "briefings" / f"{slug}.md"
    if path.exists():
        raise BuildError([Diagnostic(None, None, f"{path.relative_to(config.root)} already exists.",
                                     "Choose another title, or edit that file.")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_BRIEFING.format(
        title=_yaml_text(title), date=day.isoformat(), summary="''", point="''", leader="",
        body="## What happened\n\n\n## Why it matters\n\n",
    ).replace("key_points:\n  - ''\n", "key_points: []\n"), encoding="utf-8")
    return path


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar: safe for any title a writer types."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
