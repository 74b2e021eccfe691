"""Output jobs: what a page needs, its fingerprint, and running only the jobs that changed.

A job's fingerprint covers everything its bytes depend on (the page's own
data and, through the build's render digest, the templates and settings), so
a job whose fingerprint matches the last build's reuses that build's output
instead of rendering again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import jinja2

from briefgen.output import Output
from briefgen.parallel import parallel_map


@dataclass(frozen=True, slots=True)
class PageJob:
    rel_path: str  # see Output.rel_path
    origin: str
    fingerprint: str
    produce: Callable[[], bytes]


@dataclass(frozen=True, slots=True)
class ReusedJob:
    """A job known to be unchanged since the last build, with that build's output."""

    rel_path: str
    fingerprint: str
    output: Output


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    template: str
    line: int | None
    message: str
    hint: str | None = None


def fingerprint(*parts: object) -> str:
    """A digest of the parts' reprs; views carry their own digest as repr, so this stays cheap."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class JobResults:
    outputs: list[Output]
    problems: list[TemplateProblem]
    fingerprints: dict[str, str]
    rendered: int
    reused: int
    notes: dict[str, object] = field(default_factory=dict)  # what `note` said of each spilled page (run_jobs)


# Below this many pages to render, they are kept in memory even when a spill folder is given.
SPILL_MIN_PAGES = 2000


def run_jobs(jobs: Iterable[PageJob | ReusedJob], reusable: Callable[[PageJob], Output | None],
             workers: int | None = None, progress=None, spill: Path | None = None,
             note: Callable[[str, bytes], object] | None = None) -> JobResults:
    """Reuse what `reusable` offers for unchanged jobs; render the rest on all cores.

    With a `spill` folder and many pages to render, the workers write each
    page there and only its path comes back: a large site's pages are never
    all held in memory at once (their outputs are `spilled`, to be linked
    into the site rather than copied). `note(path, bytes)`, if given, is
    called by the worker on each page it spills, while the page is in hand;
    what it returns is in the results' `notes`.
    """
    outputs: list[Output | None] = []
    todo: list[tuple[int, PageJob]] = []
    fingerprints: dict[str, str] = {}
    for job in jobs:
        previous = job.output if isinstance(job, ReusedJob) else reusable(job)
        if previous is None:
            todo.append((len(outputs), job))
        outputs.append(previous)
        fingerprints[job.rel_path] = job.fingerprint
    problems: list[TemplateProblem] = []
    notes: dict[str, object] = {}
    if spill is not None and len(todo) >= SPILL_MIN_PAGES:
        spill.mkdir(parents=True, exist_ok=True)
        work = [(job, spill / job.rel_path, note) for _, job in todo]  # laid out as in the site: it may be kept as one
        produced = parallel_map(_execute_to_file, work, workers, progress)
    else:
        produced = parallel_map(_execute, [job for _, job in todo], workers, progress)
    for (index, job), result in zip(todo, produced):
        if isinstance(result, TemplateProblem):
            problems.append(result)
            fingerprints.pop(job.rel_path, None)
        elif isinstance(result, tuple):
            path, noted = result
            if note is not None:
                notes[job.rel_path] = noted
            outputs[index] = Output(job.rel_path, copy_from=path, origin=job.origin, spilled=True)
        else:
            outputs[index] = Output(job.rel_path, result, origin=job.origin)
    return JobResults([o for o in outputs if o is not None], problems, fingerprints,
                      rendered=len(todo), reused=len(outputs) - len(todo), notes=notes)


def _execute_to_file(work: tuple[PageJob, Path, Callable[[str, bytes], object] | None]
                     ) -> tuple[Path, object] | TemplateProblem:
    job, path, note = work
    result = _execute(job)
    if isinstance(result, TemplateProblem):
        return result
    os.makedirs(path.parent, exist_ok=True)
    path.write_bytes(result)
    return path, note(job.rel_path, result) if note is not None else None


def _execute(job: PageJob) -> bytes | TemplateProblem:
    try:
        return job.produce()
    except jinja2.TemplateSyntaxError as exc:
        return TemplateProblem(exc.filename or exc.name or "?", exc.lineno, exc.message or str(exc))
    except jinja2.TemplateNotFound as exc:
        template, line = _template_location(exc)  # the {% include %} / {% extends %} that named it
        return TemplateProblem(template or str(exc.name), line, f"template '{exc.name}' was not found",
                               "Check the name in {% extends %} / {% include %}, or add the file to templates/.")
    except (jinja2.UndefinedError, TypeError, ValueError, AttributeError, KeyError, IndexError,
            ZeroDivisionError) as exc:
        template, line = _template_location(exc)
        return TemplateProblem(template or "?", line, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # raised by template code ({{ 10.0 ** 400 }}, endless recursion): the template's
        template, line = _template_location(exc)
        if template is None:
            raise  # not from a template: a bug in briefgen
        return TemplateProblem(template, line, f"{type(exc).__name__}: {exc}")


def _template_location(exc: BaseException) -> tuple[str | None, int | None]:
    """Jinja rewrites tracebacks so template frames carry the template file and line."""
    tb = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
