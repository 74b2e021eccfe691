"""What a taxonomy index shows of each entity beside its name: what it is (a leader's role, an issue's
description), its latest key date (a treaty's "expires 5 February 2026") and its newest briefing's date."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from briefgen.model.entities import Entity
from briefgen.model.key_dates import KeyDate

# The profile fields that say what an entity is, in the order they are looked for.
_WHAT_FIELDS = ("role", "description")
_NOT_KEY_DATES = ("description", "autolink", "draft")


class IndexFacts(NamedTuple):
    what: str  # "" when the profile says nothing of it
    key_date: KeyDate | None  # the profile's latest field that is a whole date; None without one
    latest: dt.datetime | None  # the newest briefing naming it; None when none does

    def fingerprint_parts(self) -> tuple:
        return self.what, self.key_date, self.latest.isoformat() if self.latest else ""


def index_facts(entity: Entity, latest: dt.datetime | None) -> IndexFacts:
    """The facts of `entity`, whose newest briefing is dated `latest`.

    Only fields written as a full date count as a key date here: a range such
    as `in_office: "2021–2025"` says a year, and "until 1 January 2025"
    would claim a day nobody wrote.
    """
    fields = entity.profile.fields if entity.profile else {}
    what = next((value.strip() for key in _WHAT_FIELDS if isinstance(value := fields.get(key), str) and value.strip()), "")
    dates = [KeyDate(value.date() if isinstance(value, dt.datetime) else value, key.replace("_", " "))
             for key, value in fields.items() if key not in _NOT_KEY_DATES and isinstance(value, dt.date)]
    return IndexFacts(what, max(dates) if dates else None, latest)
