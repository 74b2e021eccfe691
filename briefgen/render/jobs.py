"""Output jobs: what a page needs, its fingerprint, and running only the jobs that changed.

A job's fingerprint covers what the page is given (its context, with each
briefing as its card, and, through the build's render digest, the templates
and settings). What it read of briefings' bodies is learnt while it renders:
the views record it (render.BodyReadLog) and the worker hands it back with
the page. A page's output is stored under its output key, which covers both,
so an output is reused only for the same context and the same bodies read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Protocol

import jinja2

from briefgen.fingerprint import fingerprint
from briefgen.output.files import make_folder
from briefgen.output.outputs import Output
from briefgen.parallel import parallel_map


@dataclass(frozen=True, slots=True)
class ProducedPage:
    """A page's bytes and the bodies it read to make them: briefing slug -> the digest of the body read."""

    content: bytes
    bodies_read: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SpilledPage:
    """A page a worker wrote to the spill folder (see run_jobs), with what it noted and the bodies it read."""

    path: Path
    note: object
    bodies_read: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class PageJob:
    rel_path: str  # see Output.rel_path
    origin: str
    fingerprint: str  # of what the page is given, the bodies it may read aside (see output_key)
    produce: Callable[[], ProducedPage]


@dataclass(frozen=True, slots=True)
class ReusedJob:
    """A job known to be unchanged since the last build, with that build's output."""

    rel_path: str
    fingerprint: str  # its output key (see output_key)
    output: Output


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    template: str
    line: int | None
    message: str
    hint: str | None = None


def output_key(job_fingerprint: str, bodies_read: Mapping[str, str]) -> str:
    """What a page's output is stored under: its job's fingerprint and the bodies it read, with their digests.

    A page that read no body is stored under its job's fingerprint itself: an
    output found under that key was rendered from the same context without
    reading a body, so rendering it again would read none and give the same
    bytes. Its key can therefore be checked before the page is rendered.
    """
    if not bodies_read:
        return job_fingerprint
    return fingerprint(job_fingerprint, sorted(bodies_read.items()))


@dataclass(frozen=True, slots=True)
class JobResults:
    outputs: list[Output]
    problems: list[TemplateProblem]
    fingerprints: dict[str, str]  # output path -> its output key
    bodies_read: dict[str, Mapping[str, str]]  # output path -> the bodies its page read, of the pages rendered
    rendered: int
    reused: int
    notes: dict[str, object] = field(default_factory=dict)  # what `note` said of each spilled page (run_jobs)


# Below this many pages to render, they are kept in memory even when a spill folder is given.
SPILL_MIN_PAGES = 2000


class Batches(Protocol):
    """How a large render is cut into batches (see search.step.EarlySearch)."""

    def batch_of(self, rel_path: str) -> int: ...

    def rendered(self, outputs: list[Output], fingerprints: dict[str, str], notes: dict[str, object]) -> None: ...


def run_jobs(jobs: list[PageJob | ReusedJob], reusable: Callable[[PageJob], Output | None],
             workers: int | None = None, progress=None, spill: Path | None = None,
             note: Callable[[str, bytes], object] | None = None, batches: Batches | None = None) -> JobResults:
    """Reuse what `reusable` offers for unchanged jobs; render the rest on all cores.

    `reusable(job)` is asked for an output stored under the job's own
    fingerprint: one rendered from the same context without reading a body
    (see output_key). Each rendered page's output key, and the bodies it read,
    are in the results.

    With a `spill` folder and many pages to render, the workers write each
    page there and only its path comes back: a large site's pages are never
    all held in memory at once (their outputs are `spilled`, to be linked
    into the site rather than copied). `note(path, bytes)`, if given, is
    called by the worker on each page it spills, while the page is in hand;
    what it returns is in the results' `notes`.

    A spilled render with `batches` goes batch by batch (batches.batch_of
    each page's path, in increasing order), and batches.rendered hears of the
    pages done after each batch but the last: the search index starts on them
    while the rest renders. The results are the same either way.

    `jobs` is handed over and emptied: each batch's jobs, and the contexts they
    hold (a first build of 50,000 briefings has 80,000 waiting), are dropped
    once the batch is done, and what the later batches make reuses their memory.
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
    jobs.clear()
    job = None
    rendered = len(todo)
    problems: list[TemplateProblem] = []
    notes: dict[str, object] = {}
    bodies_read: dict[str, Mapping[str, str]] = {}
    spilling = spill is not None and len(todo) >= SPILL_MIN_PAGES
    groups = _in_batches(todo, batches) if spilling and batches is not None else [todo]
    del todo
    done = 0
    for number, group in enumerate(groups, 1):
        if spilling:
            spill.mkdir(parents=True, exist_ok=True)
            # laid out as in the site: it may be kept as one
            produced = parallel_map(_execute_to_file, [(job, spill / job.rel_path, note) for _, job in group],
                                    workers, _shifted(progress, done, rendered))
        else:
            produced = parallel_map(_execute, [job for _, job in group], workers, progress)
        done += len(group)
        for (index, job), result in zip(group, produced):
            if isinstance(result, TemplateProblem):
                problems.append(result)
                fingerprints.pop(job.rel_path, None)
                continue
            bodies_read[job.rel_path] = result.bodies_read
            fingerprints[job.rel_path] = output_key(job.fingerprint, result.bodies_read)
            if isinstance(result, SpilledPage):
                if note is not None:
                    notes[job.rel_path] = result.note
                outputs[index] = Output(job.rel_path, copy_from=result.path, origin=job.origin, spilled=True)
            else:
                outputs[index] = Output(job.rel_path, result.content, origin=job.origin)
        group.clear()
        job = result = produced = None  # nor is the batch's last job held by these names
        if number < len(groups) and not problems:
            batches.rendered([o for o in outputs if o is not None], fingerprints, notes)
    return JobResults([o for o in outputs if o is not None], problems, fingerprints, bodies_read,
                      rendered=rendered, reused=len(outputs) - rendered, notes=notes)


def _in_batches(todo: list[tuple[int, PageJob]], batches: Batches) -> list[list[tuple[int, PageJob]]]:
    grouped: dict[int, list[tuple[int, PageJob]]] = {}
    for entry in todo:
        grouped.setdefault(batches.batch_of(entry[1].rel_path), []).append(entry)
    return [grouped[number] for number in sorted(grouped)]


def _shifted(progress, done: int, total: int):
    """A batch's progress reported as the whole render's."""
    if progress is None:
        return None
    return lambda batch_done, batch_total: progress(done + batch_done, total)


def _execute_to_file(work: tuple[PageJob, Path, Callable[[str, bytes], object] | None]
                     ) -> SpilledPage | TemplateProblem:
    job, path, note = work
    result = _execute(job)
    if isinstance(result, TemplateProblem):
        return result
    make_folder(str(path.parent))
    path.write_bytes(result.content)
    return SpilledPage(path, note(job.rel_path, result.content) if note is not None else None, result.bodies_read)


def _execute(job: PageJob) -> ProducedPage | TemplateProblem:
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
