"""Counts in the terminal's sentences: "1 briefing", "2 briefings", "1 entity".

English only on purpose: the command line speaks English whatever the
site's language (the theme's words are translated by its catalogs).
"""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`number` with the noun in the form that agrees with it."""
    if number == 1:
        return f"1 {singular}"
    if plural is None:
        plural = singular[:-1] + "ies" if singular.endswith("y") and singular[-2:-1] not in "aeiou" else singular + "s"
    return f"{number} {plural}"
