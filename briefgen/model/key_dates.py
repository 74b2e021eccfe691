"""A profile's key dates: its fields whose value is a date or a date range (signed, in_force, in_office …)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Mapping, NamedTuple

# A range as writers type it: "2012–", "2010-04-08 – 2026-02-05", "1999-2008" (a year, a month or a day each end).
_END = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
_RANGE = re.compile(rf"^\s*{_END}\s*(?:[–—-]|to)\s*(?:{_END})?\s*$")
_SKIPPED = ("description", "autolink", "draft")


class KeyDate(NamedTuple):
    date: dt.date
    label: str  # "signed", "in office from"

    def fingerprint_parts(self) -> tuple:
        return self.date.isoformat(), self.label


def key_dates(fields: Mapping[str, Any]) -> tuple[KeyDate, ...]:
    """The dates of a profile's fields, oldest first: a date field by its name, a range by its ends."""
    found = []
    for key, value in fields.items():
        if key in _SKIPPED:
            continue
        label = key.replace("_", " ")
        if isinstance(value, dt.datetime):
            found.append(KeyDate(value.date(), label))
        elif isinstance(value, dt.date):
            found.append(KeyDate(value, label))
        elif isinstance(value, str):
            match = _RANGE.match(value)
            if match is None:
                continue
            start, end = _date(*match.groups()[:3]), _date(*match.groups()[3:])
            if start is not None:
                found.append(KeyDate(start, f"{label} from"))
            if end is not None:
                found.append(KeyDate(end, f"{label} until"))
    return tuple(sorted(found))


def _date(year: str | None, month: str | None, day: str | None) -> dt.date | None:
    if year is None:
        return None
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:  # "2021-13": not a date; the field is shown as written
        return None
