"""A problem found in YAML text, and the writer's text as a message may quote it.

Every message quotes user text through `shown_text`, so a hostile value can
make a message neither long nor multi-line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SHOWN_CHARS = 60  # at most this much of a user's text is quoted in a message

# Characters that would break a message line or reorder it on a terminal.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class YamlSource:
    """YAML text and where it sits: the file line of its first line, and what to call it."""

    text: str
    first_line: int = 1
    what: str = "YAML"


@dataclass(frozen=True, slots=True)
class YamlProblem:
    line: int  # a line of the file
    col: int | None  # 1-based, as the message shows it
    message: str
    hint: str


def shown_text(text: str, limit: int = SHOWN_CHARS) -> str:
    """User text fit to quote in a one-line message: at most `limit` characters, control characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _UNPRINTABLE.sub(_escaped, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def problem_at(source: YamlSource, mark, message: str, hint: str) -> YamlProblem:
    if mark is None:
        return YamlProblem(source.first_line, None, message, hint)
    return YamlProblem(source.first_line + mark.line, mark.column + 1, message, hint)
