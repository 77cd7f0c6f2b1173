"""Pure work spread over the machine's cores in forked processes (a digest run's transforms
of liked papers: Python-bound text analysis, which threads cannot share).

Forked, not spawned: the children inherit what the function reads (a period's text space,
tens of megabytes) instead of receiving it pickled, and start in milliseconds. They run the
function and return its result; they do no I/O and take no locks a parent's thread could
hold (no store, no logging), which is what makes forking a threaded server safe here."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# What the forked children run: set by ``fork_map`` just before it forks, read by ``_run``
# (the children inherit it; a pool pickles only the item's index).
_task: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
_forking = threading.Lock()  # one ``fork_map`` at a time per process: ``_task`` is shared


def cores() -> int:
    """The cores this process may run on (os.cpu_count() counts the host's even when the
    process is pinned to fewer: taskset, cgroup cpusets in containers)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _start() -> None:
    # A worker lives for one ``fork_map``: the collector would only walk (and so copy, page
    # by page) the objects it shares with the parent.
    gc.disable()


def _run(index: int) -> Any:
    assert _task is not None
    fn, items = _task
    return fn(items[index])


def fork_map(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> list[R]:
    """``[fn(item) for item in items]``, the items shared among ``workers`` forked processes
    (default: one per core). One worker, one item, or a platform without fork: in this
    process. ``fn`` must be pure (see the module's docstring)."""
    global _task
    count = min(workers or cores(), len(items))
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(item) for item in items]
    with _forking:
        _task = (fn, items)
        gc.freeze()  # the parent's objects out of the collector's reach: copy-on-write friendly
        try:
            with multiprocessing.get_context("fork").Pool(count, initializer=_start) as pool:
                return pool.map(_run, range(len(items)), chunksize=1)
        finally:
            gc.unfreeze()
            _task = None
