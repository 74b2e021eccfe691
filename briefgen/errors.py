"""Diagnostics: every problem a user must fix, with where it is and what to do."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Iterable


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # for the editor, not a problem: shown by check, build -v and serve (see model/mentions.py)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: PurePosixPath | None
    line: int | None
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR
    col: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        text = f"{where}{self.severity.value}: {self.message}"
        if self.hint:
            text += f" {self.hint}"
        return text

    def sort_key(self) -> tuple:
        return (
            "" if self.path is None else str(self.path),
            self.line or 0,
            self.col or 0,
            self.message,
        )


@dataclass
class Diagnostics:
    """Collects problems through a phase so all of them are reported at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path, line, message, hint=None, col=None) -> None:
        self.items.append(Diagnostic(_posix(path), line, message, hint, Severity.ERROR, col))

    def warning(self, path, line, message, hint=None, col=None) -> None:
        self.items.append(Diagnostic(_posix(path), line, message, hint, Severity.WARNING, col))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    def raise_if_errors(self) -> None:
        """The barrier between phases: stop here when anything must be fixed."""
        if self.errors:
            raise BuildError(self.sorted())

    def sorted(self) -> tuple[Diagnostic, ...]:
        unique = dict.fromkeys(self.items)
        return tuple(sorted(unique, key=Diagnostic.sort_key))


class BuildError(Exception):
    """The user must fix something; carries every problem found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def _posix(path) -> PurePosixPath | None:
    if path is None:
        return None
    return PurePosixPath(str(path).replace("\\", "/"))


def raise_if_strict(diagnostics: Iterable[Diagnostic], strict: bool, strict_tags: bool = False) -> None:
    """With --strict, warnings are errors: raise them as such (with --strict-tags, notes are warnings)."""
    if strict_tags:
        diagnostics = notes_as_warnings(diagnostics)
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    if strict and warnings:
        raise BuildError([Diagnostic(d.path, d.line, d.message, d.hint, Severity.ERROR, d.col) for d in warnings])


def notes_as_warnings(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """--strict-tags: the notes (what the text mentions but the front matter misses) as warnings."""
    return tuple(Diagnostic(d.path, d.line, d.message, d.hint, Severity.WARNING, d.col)
                 if d.severity is Severity.NOTE else d for d in diagnostics)
