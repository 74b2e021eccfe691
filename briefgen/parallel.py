"""Work done in forked processes: independent items spread over the cores, or one task beside this process.

Fork, not spawn: a child starts with the parent's memory (the site model,
the Jinja environment, the closures to call), so nothing but the results
travels between processes, through a pipe. Where fork is missing (Windows),
when the caller asks for one worker (`--jobs 1`) or when a batch is small,
the work runs in this process instead; the answer is the same either way
(tests/test_serial.py builds sites both ways and compares every file).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import traceback
from typing import Callable, Generic, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items the cost of forking outweighs the gain.
MIN_ITEMS_PER_WORKER = 48


def worker_count() -> int:
    """How many processes may work at once: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class Forked(Generic[R]):
    """`task()` computed in a forked child while this process goes on; result() waits for its answer.

    The no-fork fallback of every helper that forks is here: with fork=False,
    or where fork is missing, or when the child dies without answering (killed,
    out of memory), the task runs in this process when result() is first asked.
    An exception in the child is raised here as a RuntimeError with its traceback.
    """

    def __init__(self, task: Callable[[], R], *, fork: bool = True):
        self._task = task
        self._answered = False
        self._answer: R | None = None
        self._process = self._receiver = None
        if fork and can_fork():
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_answer_through, args=(task, sender, self._receiver, os.getpid()),
                                            daemon=True)
            with _interrupts_held():
                self._process.start()
            sender.close()

    @property
    def forked(self) -> bool:
        """Whether a child process is (or was) computing the answer."""
        return self._receiver is not None

    def result(self) -> R:
        if not self._answered:
            answer = _NO_ANSWER
            if self._process is not None:
                try:
                    answer = self._receiver.recv()
                except (EOFError, OSError):  # the child died: the task is done here instead
                    pass
                self.close()
            if isinstance(answer, _Failure):
                raise RuntimeError(f"a forked process failed:\n{answer.text}")
            self._answer = self._task() if answer is _NO_ANSWER else answer
            self._answered = True
        return self._answer

    def close(self) -> None:
        """Stop the child if it still runs (its answer is no longer wanted) and let go of it."""
        if self._process is None:
            return
        if not self._answered:
            self._process.kill()
        self._process.join(timeout=5)  # it answered: it is exiting
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._receiver.close()
        self._process = None


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C (and SIGTERM, which a build takes as one) is held back while a child is forked, and comes once
    the fork is done.

    A SIGINT that lands while os.fork() runs the at-fork handlers (logging's
    lock release, in the parent) is raised inside one of them, where Python
    prints it as "Exception ignored" and drops it: the build would go on as
    if no Ctrl-C had come. The child starts with both held: it never answers
    them itself (the parent, which gets them too, stops it).
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class _Failure:
    def __init__(self, text: str):
        self.text = text


_NO_ANSWER = object()


def _answer_through(task: Callable[[], object], sender, receiver, parent: int) -> None:
    _end_with(parent, receiver)
    try:
        sender.send(task())
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        sender.send(_Failure(traceback.format_exc()))
    finally:
        sender.close()


# prctl(2): the signal the kernel sends a process when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1


def _end_with(parent: int, receiver) -> None:
    """Make this child end when its parent does, whatever ends the parent.

    A child holds what the parent had open, the build's locks among them: one
    that outlived a parent killed with SIGKILL would hold them, and every later
    build would wait for it. On Linux the kernel kills the child when its
    parent dies. Elsewhere, closing the child's copy of the answer pipe's
    reading end does it later: with no reader left, the child's answer
    fails (a broken pipe) instead of blocking on a full pipe for ever.
    """
    receiver.close()
    with contextlib.suppress(OSError, AttributeError):  # no prctl: not Linux
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


Progress = Callable[[int, int], None]  # (items done, items in all)


def parallel_map(func: Callable[[T], R], items: Sequence[T], workers: int | None = None,
                 progress: Progress | None = None, min_items: int | None = None) -> list[R]:
    """[func(item) for item in items], computed by up to `workers` processes (default: worker_count()), in order.

    Each child computes every workers-th item; this process does its own share
    meanwhile. `progress` hears about this process's share, scaled to the
    whole: the workers run at the same pace, so that is a fair estimate.
    `min_items`: the fewest items worth a process (default MIN_ITEMS_PER_WORKER, read when called; fewer
    for heavy items, such as resizing an image).
    """
    workers = min(workers or worker_count(), max(1, len(items) // (min_items or MIN_ITEMS_PER_WORKER)))
    if workers <= 1 or not can_fork():
        return _map_reporting(func, items, 1, progress, len(items))
    shares = [Forked(_Share(func, items, start, workers)) for start in range(1, workers)]
    results: list = [None] * len(items)
    try:
        results[0::workers] = _map_reporting(func, items[0::workers], workers, progress, len(items))
        for start, share in enumerate(shares, 1):
            results[start::workers] = share.result()
    finally:
        for share in shares:
            share.close()
    return results


class _Share:
    """One child's part of a parallel_map: every `step`-th item from `start`."""

    def __init__(self, func: Callable, items: Sequence, start: int, step: int):
        self.func, self.items, self.start, self.step = func, items, start, step

    def __call__(self) -> list:
        return [self.func(item) for item in self.items[self.start::self.step]]


def _map_reporting(func, items, scale: int, progress: Progress | None, total: int) -> list:
    if progress is None:
        return [func(item) for item in items]
    step = max(1, len(items) // 100)
    results = []
    for done, item in enumerate(items, 1):
        results.append(func(item))
        if done % step == 0:
            progress(min(total, done * scale), total)
    progress(total, total)
    return results
