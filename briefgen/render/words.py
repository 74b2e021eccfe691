"""The theme's words that Python makes rather than a template: page titles, taxonomy and profile-field labels,
key dates, the chart's month names, the search page's plural forms. All in the site's language.

Each text is marked with `N_()` (or written in a `gettext`/`ngettext` call) so that the extractor finds it
for messages.pot (`python3 dev.py messages`); the translation is looked up when a page is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel import Locale
from babel.dates import format_date as babel_date
from babel.support import NullTranslations

from briefgen.config import DEFAULT_TAXONOMIES, TaxonomySpec
from briefgen.config_checks import known_locale
from briefgen.model.key_dates import KeyDate
from briefgen.model.relations import Timeline


def N_(text: str) -> str:
    """Marks a text for messages.pot without translating it here (gettext's "noop")."""
    return text


# The built-in taxonomies' titles and their singulars as a reader sees them, as a label and within a line
# (German keeps the capital there); a site's own titles are its own.
TAXONOMY_WORDS = {
    "leaders": (N_("Leaders"), N_("Leader"), N_("leader")),
    "treaties": (N_("Treaties"), N_("Treaty"), N_("treaty")),
    "issues": (N_("Issues"), N_("Issue"), N_("issue")),
}
OTHER_KINDS = (N_("page"),)  # a page linking a briefing, in its "Linked from" list
# Labels of profile fields a desk commonly writes ('in_office' is shown "In office"); other fields show their
# key as written, a site's catalog may translate them too.
FIELD_LABELS = (
    N_("Role"), N_("Country"), N_("Region"), N_("Party"), N_("Parties"), N_("Born"), N_("Died"),
    N_("In office"), N_("Signed"), N_("In force"), N_("Expires"), N_("Terminated"), N_("Status"),
    N_("Founded"), N_("Website"), N_("Type"), N_("Members"), N_("Started"), N_("Ended"),
)
# What a key date of a range says about its end ("in office" + "from").
RANGE_ENDS = {"from": N_("%(field)s from"), "until": N_("%(field)s until")}
# The typographer's quotation marks (double open, close, single open, close) in the shipped languages, as their
# style guides set them; French puts a no-break space inside. Other languages keep markdown-it's “ ” ‘ ’.
QUOTES = {
    "ru": ("«", "»", "„", "“"), "uk": ("«", "»", "„", "“"), "de": ("„", "“", "‚", "‘"),
    "fr": ("«\u00a0", "\u00a0»", "“", "”"), "es": ("«", "»", "“", "”"),
}


BODY_WORDS = (N_("Done"), N_("To do"))  # a task list's boxes, named for screen readers


def body_words(translations: NullTranslations) -> dict[str, str]:
    """The theme's words bodies are rendered with (markdown.create_markdown), in the site's language."""
    return {text: translations.gettext(text) for text in BODY_WORDS}


def quotes_for(language: str) -> tuple[str, str, str, str] | None:
    """The quotation marks bodies are typeset with in `language` ("de-AT" as "de"); None: markdown-it's own."""
    return QUOTES.get(language.split("-")[0].lower())


@dataclass
class ThemeWords:
    """The site language's words for what Python writes on pages, from the theme's translations."""

    translations: NullTranslations
    language: str

    def __post_init__(self) -> None:
        self._locale = known_locale(self.language) or Locale("en")
        self._english = self._locale.language == "en"

    def gettext(self, text: str, **values) -> str:
        """A text of the theme, filled as Jinja's new-style gettext fills it (always: '%%' is a percent sign)."""
        return self.translations.gettext(text) % values

    def label(self, text: str) -> str:
        """A label made from the site's own words (a profile field's key): looked up, never filled, so that a
        '%' in a key is only a character."""
        return self.translations.gettext(text)

    def ngettext(self, singular: str, plural: str, number: int, **values) -> str:
        return self.translations.ngettext(singular, plural, number) % {"num": number, **values}

    def taxonomy(self, spec: TaxonomySpec) -> TaxonomySpec:
        """A built-in taxonomy with its default title in the site's language; any other as site.yaml has it."""
        default = next((t for t in DEFAULT_TAXONOMIES if t.name == spec.name), None)
        if default is None or spec.title != default.title:
            return spec
        return TaxonomySpec(spec.name, spec.singular, self.gettext(TAXONOMY_WORDS[spec.name][0]))

    def kind(self, spec: TaxonomySpec, lower: bool = False) -> str:
        """One of a taxonomy's entities, as a label ("Leader") or within a line (`lower`: "leader")."""
        words = TAXONOMY_WORDS.get(spec.name)
        if words is not None and spec.singular == next(t.singular for t in DEFAULT_TAXONOMIES if t.name == spec.name):
            return self.gettext(words[2 if lower else 1])
        word = spec.singular
        return word if lower else word.capitalize()

    def field_label(self, key: str) -> str:
        """'in_office' -> 'In office', or its translation."""
        return self.label(key.replace("_", " ").capitalize())

    def key_date_label(self, key_date: KeyDate) -> str:
        """'in office from' in English; in another language the field's translated label, lower-cased as the
        English is, with what the end of a range means."""
        words, end = key_date.label, ""
        for candidate in RANGE_ENDS:
            if words.endswith(" " + candidate):
                words, end = words[: -len(candidate) - 1], candidate
        label = words.capitalize()
        translated = self.label(label)
        field = words if translated == label else translated[:1].lower() + translated[1:]
        return self.gettext(RANGE_ENDS[end], field=field) if end else field

    def key_dates(self, dates: tuple[KeyDate, ...]) -> tuple[KeyDate, ...]:
        return tuple(KeyDate(d.date, self.key_date_label(d)) for d in dates)

    def month_names(self, timeline: Timeline) -> dict[str, tuple[str, str, str]]:
        """A month's long label as the model writes it ("January 2021") -> its abbreviation, long label and short
        label in the site's language ("янв.", "январь 2021", "янв. 21"); years are numbers in every language."""
        if timeline.granularity != "month":
            return {}
        names = {}
        for _, long, _ in timeline.periods:
            month = dt.datetime.strptime(long, "%B %Y").date()
            names[long] = tuple(babel_date(month, pattern, locale=self._locale) for pattern in ("LLL", "LLLL y", "LLL yy"))
        return names

    def localized_timeline(self, timeline: Timeline, names: dict[str, tuple[str, str, str]]) -> Timeline:
        """`timeline` with the month names of `names` (month_names')."""
        if not names:
            return timeline
        return Timeline(timeline.granularity,
                        tuple((names[long][2], names[long][1], count) for _, long, count in timeline.periods))

    def plural_samples(self) -> tuple[tuple[str, int], ...]:
        """(CLDR plural category, a whole number of it) for each category whole numbers have in the language,
        for the search page's script, which picks a form with Intl.PluralRules: ("one", 1), ("few", 2),
        ("many", 5) in Russian; ("one", 1), ("other", 0) in English. Counts of results are whole numbers."""
        samples: dict[str, int] = {}
        for number in (1, 2, 5, 0, *range(3, 200)):
            samples.setdefault(self._locale.plural_form(number), number)
        return tuple(samples.items())
