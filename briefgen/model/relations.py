"""How briefings and entities relate: related briefings, co-mentions, timelines.

Everything goes through inverted indexes (entity -> briefings), never through
a loop over all pairs of briefings, so it stays fast at 10,000 briefings.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from briefgen.model.entities import EntityKey

# An entity named in more briefings than this is so common that it says little
# about relatedness; for such an entity only the briefings nearest in date are
# considered candidates, which keeps the work linear in the number of briefings.
_COMMON_ENTITY_WINDOW = 100


@dataclass(frozen=True, slots=True)
class Timeline:
    granularity: str  # "month" or "year"
    periods: tuple[tuple[str, str, int], ...]  # (short label, long label, count)

    @property
    def peak(self) -> int:
        return max((count for _, _, count in self.periods), default=0)

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.periods)


def related_briefings(
    entity_sets: Sequence[frozenset[EntityKey]],
    timestamps: Sequence[float],
    limit: int,
    only: Iterable[int] | None = None,
) -> dict[int, tuple[int, ...]]:
    """For each briefing (by index), or each of `only`, up to `limit` others ranked by shared entities.

    A shared entity weighs its inverse document frequency, log(N / df), so a
    rarely named entity counts for more; ties go to the briefing nearest in date.
    `timestamps` must be sorted (ascending or descending) for the date windows.
    """
    count = len(entity_sets)
    index: dict[EntityKey, list[int]] = defaultdict(list)
    for i, entities in enumerate(entity_sets):
        for key in entities:
            index[key].append(i)
    # Whole-number weights add up exactly, so equal scores are really equal.
    weight = {key: round(1_000_000 * math.log((count + 1) / len(members))) + 1 for key, members in index.items()}
    position = {key: {b: n for n, b in enumerate(members)} for key, members in index.items()
                if len(members) > _COMMON_ENTITY_WINDOW}

    result: dict[int, tuple[int, ...]] = {}
    half = _COMMON_ENTITY_WINDOW // 2
    for i in range(count) if only is None else sorted(only):
        entities = entity_sets[i]
        scores: dict[int, int] = defaultdict(int)
        for key in entities:
            members = index[key]
            if key in position:
                at = position[key][i]
                members = members[max(0, at - half): at + half + 1]
            w = weight[key]
            for other in members:
                scores[other] += w
        scores.pop(i, None)
        if not scores:
            result[i] = ()
            continue
        # Every candidate scoring at least the limit-th best score, then ties by date.
        threshold = heapq.nlargest(limit, scores.values())[-1]
        finalists = [(other, score) for other, score in scores.items() if score >= threshold]
        finalists.sort(key=lambda item: (-item[1], abs(timestamps[item[0]] - timestamps[i]), item[0]))
        result[i] = tuple(other for other, _ in finalists[:limit])
    return result


def briefings_to_relate_again(before: Mapping[str, tuple[float, frozenset]],
                              after: Mapping[str, tuple[float, frozenset]]) -> set[str] | None:
    """Which briefings' related lists may differ between two models, given (timestamp, entities) of each
    briefing by slug in both; None: any may.

    Those whose date or entities changed, and every briefing naming an
    entity one of those names or named. Any other keeps its candidates (the
    members of its entities, in the same order), their weights (no entity's
    count changed, nor the number of briefings) and their dates.
    """
    if before.keys() != after.keys():
        return None  # the number of briefings weighs every entity
    moved = {slug for slug, now in after.items() if before[slug] != now}
    touched = set().union(*(before[slug][1] | after[slug][1] for slug in moved))
    return moved | {slug for slug, (_, entities) in after.items() if not entities.isdisjoint(touched)}


def co_mentions(entity_lists: Sequence[Sequence[EntityKey]]) -> dict[EntityKey, tuple[tuple[EntityKey, int], ...]]:
    """For each entity, the others named in the same briefings, most often first."""
    counts: dict[EntityKey, Counter] = defaultdict(Counter)
    for entities in entity_lists:
        unique = list(dict.fromkeys(entities))
        for key in unique:
            for other in unique:
                if other != key:
                    counts[key][other] += 1
    return {
        key: tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
        for key, counter in counts.items()
    }


def timeline(dates: Sequence[dt.datetime]) -> Timeline:
    """Mentions per month, or per year when they span more than two years; empty periods included."""
    if not dates:
        return Timeline("month", ())
    first, last = min(dates), max(dates)
    months_spanned = (last.year - first.year) * 12 + last.month - first.month + 1
    if months_spanned > 24:
        per_year = Counter(d.year for d in dates)
        periods = tuple((str(y), str(y), per_year.get(y, 0)) for y in range(first.year, last.year + 1))
        return Timeline("year", periods)
    per_month = Counter((d.year, d.month) for d in dates)
    periods = []
    year, month = first.year, first.month
    for _ in range(months_spanned):
        day = dt.date(year, month, 1)
        periods.append((f"{day:%b %y}", f"{day:%B %Y}", per_month.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Timeline("month", tuple(periods))


def neighbours(count: int) -> list[tuple[int | None, int | None]]:
    """(older, newer) index pairs for briefings ordered newest first."""
    return [(i + 1 if i + 1 < count else None, i - 1 if i > 0 else None) for i in range(count)]
