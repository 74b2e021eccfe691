"""What templates are given: views of the site model, and the log of the bodies they read.

Every object here may be handed to a theme's template, which can reach any
public attribute or method of it (tests/test_recorded_reads.py sweeps them).
A briefing's body is reached only through BriefingView._read_body, which
records the read in the page's BodyReadLog. What the renderer itself does
with a view (make one, give it another log, check its body without a page
reading it) is done by the functions at the bottom, out of templates' reach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, Callable, Mapping, Protocol

from briefgen.config import TaxonomySpec
from briefgen.fingerprint import digest_text, fingerprint
from briefgen.model.entities import Entity, EntityKey
from briefgen.render.dates import DateStyle
from briefgen.render.headings import Heading
from briefgen.render.jobs import ProducedPage
from briefgen.render.markdown import Rendered


@dataclass(frozen=True, slots=True)
class EntityLink:
    key: EntityKey
    name: str
    url: str
    count: int
    mentioned: int = 0  # briefings whose text mentions it without naming it in front matter (taxonomy index)


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity named on a page that does not show its count.

    Kept apart from EntityLink on purpose: a page's fingerprint covers what it
    is given, and a count given but not shown would re-render every page
    naming a popular leader whenever one more briefing names them.
    """

    key: EntityKey
    name: str
    url: str


class RenderedBodies(Protocol):
    """Rendered bodies by content path; a body's summary is at hand without reading the body."""

    def __getitem__(self, rel: PurePosixPath) -> Rendered: ...

    def summary(self, rel: PurePosixPath) -> str: ...


class BodyReadLog:
    """The bodies of briefings read while one page renders: briefing slug -> the digest of the body read.

    A renderer's views report every read of a body here, at the moment it is
    read, whatever the template asked for (an attribute, a method, a filter):
    a page's record then says which bodies its output depends on, and no list
    of "attributes that read a body" can be forgotten. A body read while no
    page is rendering could be charged to no page, and raises.
    """

    __slots__ = ("_reads",)

    def __init__(self) -> None:
        self._reads: dict[str, str] | None = None

    def record(self, slug: str, digest: str) -> None:
        if self._reads is None:
            raise RuntimeError(f"the body of briefing '{slug}' was read while no page was rendering: read bodies "
                               "in a page job's produce(), where the read is recorded as the page's")
        self._reads[slug] = digest

    def recorded(self, render: Callable[[], bytes]) -> ProducedPage:
        """`render()`'s bytes and the bodies read while it ran (pages render one at a time in a process)."""
        reads = self._reads = {}
        try:
            content = render()
        finally:
            self._reads = None
        return ProducedPage(content, reads)


class _Body:
    """A briefing's rendered body, read from the cache when first asked for, and its digest.

    Private to BriefingView, whose every public road to it records the read.
    """

    __slots__ = ("_bodies", "_rel", "_html", "_digest", "headings")

    def __init__(self, bodies: RenderedBodies, rel: PurePosixPath):
        self._bodies, self._rel = bodies, rel
        self._html: str | None = None
        self._digest = ""
        self.headings: tuple[Heading, ...] = ()  # known once read: ids and texts in the HTML, so of its digest

    def read(self) -> tuple[str, str]:
        """(html, digest): read without being recorded, so only for the renderer's own checks."""
        if self._html is None:
            rendered = self._bodies[self._rel]
            self._html, self.headings = rendered.html, rendered.headings
            self._digest = digest_text(self._html)  # not fingerprint(): its repr() of the HTML was a copy
        return self._html, self._digest


CONTENTS_MIN_HEADINGS = 3


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class BriefingView:
    """What templates see of a briefing.

    Its repr and str are its card's digest (all of it but the body): page
    fingerprints include the views they are given, and a list page does not
    change with the bodies of the briefings it lists. The body is read from
    the cache only when a template asks for it (a year's archive of 1,000
    briefings does not read 1,000 bodies to show their titles), and only
    through _read_body, which records the read in the page's BodyReadLog:
    the page is then rendered again when that body changes.
    """

    slug: str
    title: str
    url: str
    date: dt.datetime
    has_time: bool
    updated: dt.datetime | None
    summary: str
    key_points: tuple[str, ...]
    entities: tuple[tuple[TaxonomySpec, tuple[EntityRef, ...]], ...]
    sources: tuple
    draft: bool
    extra: Mapping[str, Any]
    source_path: str
    image: Any  # images.featured.FeaturedView, or None
    toc: bool  # a table of contents when the body has enough headings: site.yaml's `toc`, else front matter's
    card: str  # a digest of all but the body: what list pages depend on
    _body: _Body
    _log: BodyReadLog  # the renderer's, which charges each read to the page rendering

    @property
    def html(self) -> str:
        """The body's HTML."""
        return self._read_body()[0]

    def read_html(self) -> str:
        """The body's HTML (as `html`)."""
        return self._read_body()[0]

    @property
    def contents(self) -> tuple[Heading, ...]:
        """The body's h2 and h3 headings (level, id, text) for a table of contents: none when `toc` is off or
        the body has fewer than CONTENTS_MIN_HEADINGS (a short piece needs no map)."""
        if not self.toc:
            return ()
        self._read_body()
        headings = self._body.headings
        return headings if len(headings) >= CONTENTS_MIN_HEADINGS else ()

    @property
    def digest(self) -> str:
        """Of all of it, the body included."""
        return fingerprint(self.card, self._read_body()[1])

    def _read_body(self) -> tuple[str, str]:
        """The one road to the body for what templates see: (html, digest), the read recorded."""
        html, digest = self._body.read()
        self._log.record(self.slug, digest)
        return html, digest

    def fingerprint_parts(self) -> str:  # its card: the body is recorded when read (see BodyReadLog)
        return self.card

    def __repr__(self) -> str:  # what {{ view | pprint }} prints
        return f"BriefingView<{self.card}>"

    def __str__(self) -> str:  # what {{ view }} prints: the card, never the body
        return f"BriefingView<{self.card}>"


@dataclass(frozen=True, slots=True)
class TextMention:
    """A briefing whose text mentions an entity its front matter does not name, on the entity's page."""

    briefing: BriefingView
    surface: str  # the name as written
    excerpt: str  # plain text around the first mention (escaped by the template, as all text)


@dataclass(frozen=True, slots=True)
class Backlink:
    """A document that links to a briefing: another briefing, a page, or an entity's profile."""

    kind: str  # "briefing", "page", or a taxonomy's singular ("leader")
    title: str
    url: str
    briefing: BriefingView | None = None  # when a briefing links
    label: str = ""  # its kind as the page says it, in the site's language ("page", "leader", "страница")


@dataclass(frozen=True, slots=True, repr=False)
class Pager:
    number: int
    total: int
    items: tuple
    url: str
    prev_url: str | None
    next_url: str | None
    page_urls: tuple[str, ...] = field(default=())

    def fingerprint_parts(self) -> tuple:
        # The other URLs follow from the first page's and the total; listing them
        # all in every page's fingerprint would grow with the square of the pages.
        first = self.page_urls[0] if self.page_urls else self.url
        return self.number, self.total, self.items, self.url, first

    def __repr__(self) -> str:  # what {{ pager | pprint }} prints
        return f"Pager({self.number}, {self.total}, {self.items!r}, {self.url!r})"


def profile_fields(entity: Entity, dates: DateStyle,
                   label_of: Callable[[str], str] | None = None) -> list[tuple[str, Any]]:
    """Profile fields as (label, value) for display: 'in_force' -> 'In force' (or `label_of`'s translation)."""
    if entity.profile is None:
        return []
    shown = []
    for key, value in entity.profile.fields.items():
        if value is None or key in ("description", "autolink", "draft"):
            continue
        label = label_of(key) if label_of else key.replace("_", " ").capitalize()
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dt.date):
            value = dates.format_date(value)
        shown.append((label, value))
    return shown


# -- the renderer's side of a briefing view: functions, so that no template can call them ----------------


def new_briefing_view(fields: dict[str, Any], bodies: RenderedBodies, source_rel: PurePosixPath,
                      log: BodyReadLog) -> BriefingView:
    """A view of a briefing's `fields` (all but the body; their digest is its card), its body read from
    `bodies` when a template first asks for it, each read recorded in `log`."""
    return BriefingView(**fields, card=fingerprint(fields), _body=_Body(bodies, source_rel), _log=log)


def reports_to(view: BriefingView, log: BodyReadLog) -> bool:
    """Whether `view` records its body reads in `log`."""
    return view._log is log


def reporting_to(view: BriefingView, log: BodyReadLog) -> BriefingView:
    """`view` with its body reads recorded in `log` (a view kept from the last build's renderer)."""
    return replace(view, _log=log)


def unrecorded_body_digest(view: BriefingView) -> str:
    """The digest of the view's body as it is now, read for the renderer's checks: not a read by any page."""
    return view._body.read()[1]
