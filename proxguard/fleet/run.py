"""Run one function over many hosts in parallel processes, results in input order.

Why processes: an audit is pure Python and CPU-bound, so threads would share one core.
Why input order: reports must be stable whatever finished first. The progress bar goes
to stderr and only when it is a terminal, so logs and redirected output stay clean.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TextIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_BAR = 30


def default_jobs(count: int) -> int:
    """One process per core, never more than there are hosts."""
    return max(1, min(count, os.cpu_count() or 1))


def run_all(fn: Callable[[T], R], items: Sequence[T], jobs: int,
            progress: TextIO | None = None) -> list[R]:
    """fn(item) for every item, in item order. `fn` must be a module-level function (it
    is sent to the worker processes); jobs == 1 runs in this process."""
    bar = _Progress(progress, len(items))
    if jobs <= 1 or len(items) <= 1:
        out = []
        for item in items:
            out.append(fn(item))
            bar.step()
        bar.close()
        return out
    results: dict[int, R] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.step()
    bar.close()
    return [results[i] for i in range(len(items))]


class _Progress:
    """`[#####.....] 12/40 hosts` redrawn in place on a terminal; nothing otherwise."""

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream = stream if stream is not None and _isatty(stream) and total > 1 else None
        self.total, self.done = total, 0

    def step(self) -> None:
        self.done += 1
        if self.stream is None:
            return
        filled = _BAR * self.done // self.total
        self.stream.write(f"\r[{'#' * filled}{'.' * (_BAR - filled)}] "
                          f"{self.done}/{self.total} hosts")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\r" + " " * (_BAR + 30) + "\r")
            self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
