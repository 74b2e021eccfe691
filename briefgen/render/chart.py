"""The geometry of an entity's chart of mentions over time: bars, labels that never overlap, key dates.

Worked out here, in numbers, so that the template only writes the SVG
(partials/macros.html, timeline_chart) and a test can measure it. Each bar
has a slot of its own; a month's label is its three letters under the bar,
and its year is written once, in a row below, under the year's first month
shown; a year's label is the year. Labels are at most one slot wide at the
font size below, so no two overlap, at any number of bars. Key dates within
the chart's span are markers, numbered in the order of the chronology list;
a number that would touch another is put one row higher.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Callable, Mapping

from briefgen.model.key_dates import KeyDate
from briefgen.model.relations import Timeline

BAR, GAP = 28, 8
SLOT = BAR + GAP
FONT = 11  # px, the labels' size in style.css
CHAR_WIDTH = 0.62 * FONT  # wider than any letter or digit of a sans-serif font at that size, on average
HEIGHT = 120  # of the tallest bar
MARKER_ROW = 14  # px between rows of marker numbers


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    height: float
    count: int
    label: str  # under the bar: "Jan", "2021"
    title: str  # "January 2021: 3"


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    label_x: float  # its number's middle: at x, but kept within the chart
    y: float  # of its number's baseline
    number: int  # its place in the chronology list, from 1
    row: int  # 0 the highest
    title: str  # "signed 8 April 2010"


@dataclass(frozen=True, slots=True)
class ChartLayout:
    width: float
    height: float
    top: float  # y of the bars' tallest top
    baseline: float  # y of the bars' foot
    bars: tuple[Bar, ...]
    counts: tuple[Label, ...]  # the count above each bar that has one
    labels: tuple[Label, ...]  # under the bars, then the year row
    markers: tuple[Marker, ...]
    marker_top: float  # y of the first row of marker numbers


def chart_layout(timeline: Timeline, dates: tuple[KeyDate, ...] = (),
                 month_names: Mapping[str, tuple[str, str]] | None = None,
                 format_day: Callable[[dt.date], str] | None = None) -> ChartLayout:
    """`timeline` as the model has it (English month names); `month_names`: its long labels -> (the month's
    abbreviation, the long label) in the site's language; `format_day`: a key date as the site writes dates."""
    periods = timeline.periods
    first = _first_day(timeline)
    marker_top = 4.0
    markers = _markers(timeline, first, dates, marker_top, format_day or (lambda day: f"{day.day} {day:%B %Y}"))
    rows = max((m.row for m in markers), default=-1) + 1
    top = marker_top + rows * MARKER_ROW + (8 if rows else 0) + FONT + 4  # room for a count above the tallest bar
    baseline = top + HEIGHT
    peak = max(timeline.peak, 1)
    bars, counts, labels = [], [], []
    for index, (_, long, count) in enumerate(periods):
        x = index * SLOT
        height = round(count / peak * HEIGHT, 1)
        short, shown = (long[:3], long) if timeline.granularity == "month" else (long, long)
        if month_names and long in month_names:
            short, shown = month_names[long]
        bars.append(Bar(x, round(baseline - height, 1), height, count, short, f"{shown}: {count}"))
        if count:
            counts.append(Label(x + BAR / 2, round(baseline - height - 4, 1), str(count)))
        labels.append(Label(x + BAR / 2, baseline + 15, short))
    if timeline.granularity == "month":  # the year once, under its first month shown
        for index, (_, long, _) in enumerate(periods):
            if index == 0 or long.startswith("January"):
                labels.append(Label(index * SLOT, baseline + 30, long[-4:], "start"))
    rows_below = 2 if timeline.granularity == "month" else 1
    width = max(len(periods) * SLOT, SLOT)
    return ChartLayout(width, baseline + 15 * rows_below + 6, top, baseline, tuple(bars), tuple(counts),
                       tuple(labels), markers, marker_top)


def _first_day(timeline: Timeline) -> dt.date | None:
    if not timeline.periods:
        return None
    long = timeline.periods[0][1]  # "January 2021" or "2021"
    if timeline.granularity == "year":
        return dt.date(int(long), 1, 1)
    return dt.datetime.strptime(long, "%B %Y").date()


def _markers(timeline: Timeline, first: dt.date | None, dates: tuple[KeyDate, ...], top: float,
             format_day: Callable[[dt.date], str]) -> tuple[Marker, ...]:
    """A marker for each key date within the chart's span, numbered by its place among all the key dates."""
    if first is None:
        return ()
    markers: list[Marker] = []
    row_ends: list[float] = []  # per row, where its last number ends
    width = len(timeline.periods) * SLOT
    for number, key_date in enumerate(dates, start=1):
        x = _x_of(timeline, first, key_date.date)
        if x is None or not 0 <= x <= width:
            continue
        half = len(str(number)) * CHAR_WIDTH / 2 + 1
        label_x = min(max(x, half), width - half)
        row = next((r for r, end in enumerate(row_ends) if end < label_x - half), len(row_ends))
        if row == len(row_ends):
            row_ends.append(-1.0)
        row_ends[row] = label_x + half
        markers.append(Marker(round(x, 1), round(label_x, 1), top + FONT + row * MARKER_ROW, number, row,
                              f"{key_date.label} {format_day(key_date.date)}"))
    return tuple(markers)


def _x_of(timeline: Timeline, first: dt.date, day: dt.date) -> float | None:
    if timeline.granularity == "year":
        index = day.year - first.year
        fraction = (day.timetuple().tm_yday - 1) / (366 if calendar.isleap(day.year) else 365)
    else:
        index = (day.year - first.year) * 12 + day.month - first.month
        fraction = (day.day - 1) / calendar.monthrange(day.year, day.month)[1]
    if not 0 <= index < len(timeline.periods):
        return None
    return index * SLOT + fraction * BAR
