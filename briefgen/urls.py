"""Where every page lives, and the one helper that turns a site path into a link."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

# Site paths are relative to the site root, without a leading slash, and end in
# "/" for pretty URLs ("briefings/first-call/") or in a file name ("atom.xml").

# Every top-level name briefgen itself writes into a site, whatever its content: the
# pages and feeds of render/built_in_pages.py and render/sitefiles.py, search/pagefind.BUNDLE_DIR, the default theme's
# static files, and "page/" that a paginated list at the root would use. A taxonomy
# (a top-level folder) may not take one of them; tests/test_hostile_config.py checks
# that a built site writes nothing else at its top.
RESERVED_TOP_LEVEL = frozenset({
    "index.html", "404.html", "atom.xml", "sitemap.xml", "robots.txt", "CNAME", ".nojekyll",
    "briefings", "search", "pagefind", "page", "assets", "favicon.svg",
})
# The folders of content/ that are not taxonomies.
CONTENT_SECTIONS = frozenset({"briefings", "pages"})


def briefing_path(slug: str) -> str:
    return f"briefings/{slug}/"


def entity_path(taxonomy: str, slug: str) -> str:
    return f"{taxonomy}/{slug}/"


def year_path(year: int) -> str:
    return f"briefings/{year}/"


def taxonomy_path(taxonomy: str) -> str:
    return f"{taxonomy}/"


def page_path(slug: str) -> str:
    return f"{slug}/"


def paginated_path(first_page_path: str, number: int) -> str:
    """Page 1 lives at the list's own path; page n at <path>page/n/."""
    return first_page_path if number == 1 else f"{first_page_path}page/{number}/"


def output_file(site_path: str) -> str:
    """The file a site path is written to (an Output.rel_path): pretty URLs become <path>/index.html."""
    if site_path == "" or site_path.endswith("/"):
        return (PurePosixPath(site_path) / "index.html").as_posix()
    return PurePosixPath(site_path).as_posix()


@dataclass(frozen=True, slots=True)
class UrlBuilder:
    """Links that work at a domain root and under a project sub-path alike.

    Internal links are root-relative and carry the base path ("/repo/…"), so a
    page links the same way from any depth, 404.html included (GitHub Pages
    serves it at the missing URL, where relative links would break).
    """

    base_url: str  # "https://user.github.io/repo/"
    base_path: str  # "/repo/"
    tree: str = ""  # a language's tree ("ru/", at the end of base_url and base_path); "" at the site's root

    def url(self, site_path: str) -> str:
        site_path = site_path.lstrip("/")
        if self.tree and site_path.partition("/")[0] in SHARED_TOP:
            return self.base_path[: -len(self.tree)] + site_path
        return self.base_path + site_path

    def absolute(self, site_path: str) -> str:
        site_path = site_path.lstrip("/")
        if self.tree and site_path.partition("/")[0] in SHARED_TOP:
            return self.base_url[: -len(self.tree)] + site_path
        return self.base_url + site_path

    def root(self, site_path: str) -> str:
        """A link to `site_path` at the site's root, whatever the language's tree."""
        return (self.base_path[: -len(self.tree)] if self.tree else self.base_path) + site_path.lstrip("/")


# What every language's tree shares at the site's root (see briefgen/languages/): the theme's assets and the
# search index; a tree's links to them lead there.
SHARED_TOP = frozenset({"assets", "favicon.svg", "pagefind"})
