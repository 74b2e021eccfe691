"""Dates and times as a reader of the site's language expects them, in the site's time zone (Babel)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time

from briefgen.config_checks import known_locale

# The desk's house style in English since the first release ("26 January 2021, 17:30"): a language tag
# with a region ("en-US", "en-GB") takes that region's own style instead.
_HOUSE_STYLE = {"en": ("d MMMM y", "HH:mm")}


@dataclass
class DateStyle:
    """How one site writes dates: its language's long date and short time, its time zone's abbreviation.

    Callable from templates as format_date(moment, with_time=False) and iso_date(moment, with_time=False).
    """

    language: str
    timezone: str
    _formatted: dict = field(default_factory=dict, compare=False, repr=False)  # the same dates recur on every list

    def __post_init__(self) -> None:
        self._locale = known_locale(self.language) or Locale("en")
        self._zone = zoneinfo.ZoneInfo(self.timezone)
        self._patterns = _HOUSE_STYLE.get(self.language, ("long", "short"))

    def format_date(self, moment: dt.datetime | dt.date | None, with_time: bool = False) -> str:
        if moment is None:
            return ""
        # Without the time, a moment is written as its day (Babel takes a datetime's date as it is): pages list
        # many briefings, and one day's are written once.
        with_time = with_time and isinstance(moment, dt.datetime)
        key = (moment, True) if with_time else (moment.date() if isinstance(moment, dt.datetime) else moment, False)
        text = self._formatted.get(key)
        if text is None:
            text = self._formatted[key] = self._format(moment, with_time)
        return text

    def iso_date(self, moment: dt.datetime | dt.date | None, with_time: bool = False) -> str:
        """For <time datetime>: the day alone, or the moment in the site's zone with its offset."""
        if moment is None:
            return ""
        if with_time and isinstance(moment, dt.datetime):
            return self._in_zone(moment).isoformat(timespec="minutes")
        return moment.date().isoformat() if isinstance(moment, dt.datetime) else moment.isoformat()

    def _format(self, moment: dt.datetime | dt.date, with_time: bool) -> str:
        date_pattern, time_pattern = self._patterns
        if not with_time:
            return babel_date(moment, date_pattern, locale=self._locale)
        local = self._in_zone(moment)
        day = babel_date(local, date_pattern, locale=self._locale)
        time = babel_time(local, time_pattern, locale=self._locale)
        return f"{day}, {time} {zone_abbreviation(local)}"

    def _in_zone(self, moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=self._zone) if moment.tzinfo is None else moment.astimezone(self._zone)


def zone_abbreviation(moment: dt.datetime) -> str:
    """'EST', 'CEST', 'MSK' where the zone database has a name; 'UTC+4' or 'UTC−3:30' where it has only a number."""
    name = moment.tzname() or ""
    if name[:1].isalpha():
        return name
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
