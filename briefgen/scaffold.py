"""`briefgen new site` and `briefgen new briefing`: files that build at once."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from briefgen.config import PLACEHOLDER_BASE_URL, SiteConfig
from briefgen.config_checks import first_control_character, shown
from briefgen.content.placeholders import PLACEHOLDER_SOURCE_TITLE, PLACEHOLDER_SOURCE_URL, SKELETON_BODY
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
{draft}summary: {summary}
key_points:
  - {point}
leaders: [{leader}]
treaties: []
issues: []
{sources}---
{body}
"""

# A new briefing is a draft until its writer says otherwise, and its skeleton's placeholders are
# ones `check` recognises (content/placeholders.py), so that an empty skeleton is never published unseen.
_NEW_BRIEFING_DRAFT = "# A draft is not published: write 'draft: false' (or delete the line) when the briefing is ready.\ndraft: true\n"
_NEW_BRIEFING_SOURCES = f"""\
sources:
  - title: {PLACEHOLDER_SOURCE_TITLE}
    url: {PLACEHOLDER_SOURCE_URL}
"""
_WELCOME_SOURCES = """\
# Each source: a title and a URL (publisher and date are optional).
sources: []
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
_GITIGNORE = "_site/\n.briefgen-cache/\n"  # the work folder (._site.briefgen/) ignores itself


# What a new repository holds before its first commit of files (`git init`, `git clone` of an empty
# repository, GitHub's "Add a README file" and licence): a site may be made beside it.
_NEW_REPOSITORY = re.compile(r"\.git|\.gitattributes|(README|LICEN[CS]E|COPYING)(\.[\w.]+)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NewSite:
    created: list[Path]
    notes: list[str]  # what the user must do by hand


def create_site(directory: Path, title: str) -> NewSite:
    """Write a new site; refuses a folder that already has files in it, but for a new repository's.

    The Pages workflow goes where GitHub looks for it, the top of the git
    repository the site is in, built in the site's folder; when that
    repository has a pages.yml already, it is left as it is and the site's
    goes beside the site, with a note to merge it.
    """
    directory = directory.resolve()
    in_the_way = sorted(entry.name for entry in (directory.iterdir() if directory.is_dir() else ())
                        if not _NEW_REPOSITORY.fullmatch(entry.name))
    if in_the_way:
        held = ", ".join(in_the_way[:3]) + (f" and {len(in_the_way) - 3} more" if len(in_the_way) > 3 else "")
        raise BuildError([Diagnostic(None, None, f"{directory} is not empty: it holds {held}.",
                                     "Choose a new folder for the site, or an empty one (a new git repository "
                                     "with nothing but a README and a licence will do).")])
    files = {
        "site.yaml": _SITE_YAML.format(title=_yaml_text(title), placeholder=PLACEHOLDER_BASE_URL),
        "content/briefings/welcome.md": _BRIEFING.format(
            title=_yaml_text("Welcome to your briefing desk"), date=dt.date.today().isoformat(),
            summary=_yaml_text("What a briefing looks like, and how it links to the leaders it names."),
            point=_yaml_text("Every name in leaders, treaties and issues gets a page of its own."),
            leader="Jane Example", draft="", sources=_WELCOME_SOURCES,
            body="## What happened\n\nWrite the briefing here. Jane Example is linked to her page the first "
                 "time she is named.\n",
        ),
        "content/leaders/jane-example.md": _PROFILE,
        "content/pages/about.md": _ABOUT,
        ".gitignore": _GITIGNORE,
    }
    from briefgen.publish.workflow import WORKFLOW_PATH, workflow_text  # the Actions route ships with every site
    top, notes = _repository_top(directory) or directory, []
    workflow = workflow_text(folder=directory.relative_to(top).as_posix())
    if top == directory:
        files[WORKFLOW_PATH] = workflow
    elif (top / WORKFLOW_PATH).exists():
        files[WORKFLOW_PATH] = workflow
        notes.append(f"The repository at {top} has a {WORKFLOW_PATH} of its own, left as it is. GitHub runs "
                     f"workflows only from there: merge {directory / WORKFLOW_PATH} into it to publish this site.")
    else:
        files[str(top / WORKFLOW_PATH)] = workflow  # absolute: `directory /` it gives it unchanged
    created = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as file:  # created here, never written over or through
                file.write(text)
        except FileExistsError:  # put there since the folder was looked at
            raise BuildError([Diagnostic(None, None, f"{path} appeared while the site was being made; it was left "
                                                     "as it is.", "Choose a new folder for the site.")])
        created.append(path)
    (directory / "static").mkdir(exist_ok=True)
    return NewSite(created, notes)


def _repository_top(directory: Path) -> Path | None:
    """The top folder of the git repository `directory` is (or will be) in: the nearest with a .git folder, or
    file (a worktree, a submodule), from it upwards. Not a home folder's own repository (one that keeps its
    dotfiles): a site below it is meant to be a repository of its own."""
    home = Path.home().resolve()
    for folder in (directory, *directory.parents):
        if (folder / ".git").exists():
            return folder if folder != home or directory == home else None
    return None


# A briefing's file name (and URL) is its title's slug, cut at a word boundary: file systems
# refuse names over 255 bytes, and a URL of 80 characters is long enough to say what it is.
SLUG_LENGTH = 80


def create_briefing(config: SiteConfig, title: str, date_text: str | None) -> Path:
    """content/briefings/<slug>.md with the full title in front matter; never overwrites a file."""
    if date_text:
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            raise BuildError([Diagnostic(None, None, f"'{shown(date_text)}' is not a date.",
                                         "Write it as YYYY-MM-DD.")])
    else:
        day = dt.datetime.now(config.tz).date()
    path = config.content_dir / "briefings" / f"{briefing_slug(title)}.md"
    text = _BRIEFING.format(
        title=_yaml_text(title), date=day.isoformat(), summary="''", point="''", leader="",
        draft=_NEW_BRIEFING_DRAFT, sources=_NEW_BRIEFING_SOURCES, body=SKELETON_BODY,
    ).replace("key_points:\n  - ''\n", "key_points: []\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # "x": created here or not at all, so neither a file written meanwhile nor a symlink
        # (even one pointing nowhere) is ever written through.
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise BuildError([Diagnostic(None, None, f"{path.relative_to(config.root)} already exists; it was left as "
                                                 "it is.", "Choose another title, or edit that file.")])
    return path


def briefing_slug(title: str) -> str:
    """The file name for a title; refuses a title that cannot make one."""
    bad = first_control_character(title)
    if bad is not None:
        raise BuildError([Diagnostic(None, None, f"the title '{shown(title)}' has the control character "
                                                 f"U+{ord(bad):04X} in it.", "Write the title on one line, as text.")])
    slug = _cut_at_word(slugify(title), SLUG_LENGTH)
    if not slug:
        raise BuildError([Diagnostic(None, None, f"the title '{shown(title)}' has no letters or digits to make a "
                                                 "file name.", 'Give the briefing a title with words, e.g. '
                                                               'briefgen new briefing "Geneva summit".')])
    return slug


def _cut_at_word(slug: str, length: int) -> str:
    """The slug's first words that fit in `length` (slugify's own word_boundary skips a long word and
    goes on with later ones); one word longer than that is cut."""
    if len(slug) <= length:
        return slug
    head = slug[:length + 1]  # a '-' just after the cut ends a whole word
    return (head[:head.rfind("-")] if "-" in head else head[:length]).strip("-")


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar: safe for any title a writer types."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
