"""Spread independent work (bodies, pages) over all cores with forked workers.

Fork, not spawn: a worker starts with the parent's memory (the site model,
the Jinja environment, the closures to call), so nothing but the results
travels between processes. Where fork is missing (Windows) or the batch is
small, the work runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items the cost of forking outweighs the gain.
MIN_ITEMS_PER_WORKER = 48


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


Progress = Callable[[int, int], None]  # (items done, items in all)


def parallel_map(func: Callable[[T], R], items: Sequence[T], workers: int | None = None,
                 progress: Progress | None = None) -> list[R]:
    """[func(item) for item in items], computed by up to `workers` processes, in order.

    `progress` hears about this process's share, scaled to the whole: the
    workers run at the same pace, so that is a fair estimate.
    """
    workers = min(workers or worker_count(), max(1, len(items) // MIN_ITEMS_PER_WORKER))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _map_reporting(func, items, 1, progress, len(items))
    context = multiprocessing.get_context("fork")
    children = []
    for index in range(1, workers):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_work, args=(func, items, index, workers, sender), daemon=True)
        process.start()
        sender.close()
        children.append((index, process, receiver))
    results: list = [None] * len(items)
    results[0::workers] = _map_reporting(func, items[0::workers], workers, progress, len(items))
    try:
        for index, process, receiver in children:
            outcome = receiver.recv()
            if isinstance(outcome, _Failure):
                raise RuntimeError(f"a build worker failed:\n{outcome.text}")
            results[index::workers] = outcome
    finally:
        for _, process, receiver in children:
            receiver.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    return results


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


class _Failure:
    def __init__(self, text: str):
        self.text = text


def _work(func, items, start, step, sender) -> None:
    try:
        sender.send([func(item) for item in items[start::step]])
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        sender.send(_Failure(traceback.format_exc()))
    finally:
        sender.close()
