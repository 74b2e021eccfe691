"""The cycle collector, held back where it would walk a large, lasting heap for nothing: every gc call is here.

A build makes and keeps many objects (the model, the cache's rows, views,
pages) and frees few: the cycle collector, run as they pile up, walks them
again and again and finds no garbage. The benchmark's warm builds at 10,000
briefings show the cost; these functions are what removes it, each used in
one place.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the cache database uses paused_collector
    from briefgen.incremental.cache import BuildCache


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """While many lasting objects are made (unpickled, built): the collector runs again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def collector_held_for_a_build(held: bool) -> Iterator[None]:
    """The command line's build, entered once its cache is loaded: the collector neither walks the cache
    (frozen here: it lives until the process ends) nor what the build makes (its cycles are few but for
    those of rendering pages: see rendering_cycles_collected). Frozen before the cache is loaded, the
    cache would be walked whole by the first collection after the build. What is frozen stays frozen for callers in the same process
    (tests): walking it again would cost more than it frees."""
    collecting = gc.isenabled()
    if held:
        gc.freeze()
        gc.disable()
    try:
        yield
    finally:
        if held and collecting:
            gc.enable()


@contextlib.contextmanager
def rendering_cycles_collected() -> Iterator[None]:
    """While pages render under a held collector (collector_held_for_a_build): what exists already is frozen and
    the collector runs, walking only what rendering makes. Every page Jinja renders leaves cycles behind (its
    context, the modules of the macros it imports), which nothing else frees: held back, they pile up in each
    process that renders, a few kilobytes a page. Where the collector runs already (serve), nothing changes."""
    if gc.isenabled():
        yield
        return
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.disable()


def shape_and_templates(cache: BuildCache) -> tuple:
    """What a frozen heap is kept for: the model's shape and the templates (see settle_after_good_build)."""
    model, environment = cache.model, cache.environment
    return (model.shape if model else None, environment[0] if environment else None)


def settle_after_good_build(cache: BuildCache, before: tuple) -> None:
    """serve, after a good build: what it made and still holds is frozen, so the next build's collector
    does not walk the whole site again (it grows with the site); its garbage cycles are collected first.

    When the model's shape or the templates changed since `before`, what is frozen is let go too, so the
    old model's cycles are freed rather than kept for good. A model of the same shape (a new title)
    shares the old one's relations and registry; the parts it replaces (briefings, link targets) are
    plain data, freed by their reference counts even when frozen.
    """
    if shape_and_templates(cache) != before:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
