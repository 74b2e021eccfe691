"""Where the pages that no content file asks for are written, and how messages name them."""

from __future__ import annotations

from briefgen import urls

# (site path, origin) of the pages that no content file asks for, by job kind (see PageRenderer.claims).
BUILT_IN_PAGES = {
    "home": lambda: ("", "the home page"),
    "list": lambda number: (urls.paginated_path("briefings/", number), "the briefing list"),
    "year": lambda year: (urls.year_path(year), f"the {year} archive"),
    "taxonomy": lambda name: (urls.taxonomy_path(name), f"the {name} index"),
    "404": lambda: ("404.html", "the 404 page"),
    "search": lambda: ("search/", "the search page"),
    "feed": lambda: ("atom.xml", "the site feed"),
}
