"""Pause Python's cyclic garbage collector for the duration of one audit.

Why: an audit of a large input builds millions of small objects that live until the
report is built (rule models, boxes, targets, JSON dicts) and makes almost no cyclic
garbage (54 unreachable objects after a 32,000-rule audit). The collector's full passes
re-traverse every live object each time the heap grows by a quarter, which was 31% of the
CPU of a 100,000-rule firewall audit (bench/scale.py fw). Reference counting still frees
everything acyclic at once; the little cyclic garbage is collected when the collector
resumes. Only the outermost pause re-enables it, and only if it was enabled before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
