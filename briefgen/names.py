"""Near misses: the known name a user most likely meant when they wrote one that is unknown.

The one finder for every "did you mean" (site.yaml keys and time zones,
front-matter keys, @/ and [[…]] links, entity names), in C++ through
rapidfuzz: at 10,000 briefings a message may weigh a name against thousands.
"""

from __future__ import annotations

from typing import Collection, Iterable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein


def closest(word: str, candidates: Iterable[str], *, similarity: float = 0.75,
            max_edits: int | None = None) -> str | None:
    """The candidate nearest `word` (not `word` itself), or None when none is near enough.

    Near enough: with `max_edits`, at most that many one-character edits
    away; otherwise at least `similarity` alike (0 to 1: twice the
    characters the two have in common, in order, over their total length).
    Of equally near candidates the first is taken, in the order given, or
    sorted when they come as a set (whose order changes from run to run).
    """
    choices: Sequence[str] | Collection[str] = candidates if isinstance(candidates, Sequence) else sorted(candidates)
    if not choices:
        return None
    if max_edits is not None:
        match = process.extractOne(word, choices, scorer=Levenshtein.distance, score_cutoff=max_edits)
    else:
        match = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=similarity * 100)
    return match[0] if match and match[0] != word else None


def did_you_mean(word: str, candidates: Iterable[str], similarity: float = 0.75) -> str | None:
    """A hint naming the closest known spelling, or None when nothing is close."""
    match = closest(word, candidates, similarity=similarity)
    return f"Did you mean '{match}'?" if match else None
