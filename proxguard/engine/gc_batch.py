"""The audit as one batch for Python's cyclic garbage collector.

An audit builds a large, long-lived and almost acyclic object graph: the model, the
memoised answers of model/access_index.py, a result per target. With the default
thresholds the collector runs a full pass over every live object each time the heap
grows by a quarter; on a user.cfg of 20,000 users that was ten full passes, a fifth of
the audit's CPU time, and they found nothing to free (bench/scale.py users). Raising the
first threshold for the duration of the audit makes every pass rarer, while cycles (a
caught exception's traceback, a template's context) are still collected; the previous
thresholds come back afterwards, whatever happens.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young-generation passes during an audit (CPython's default: 700).
BATCH_THRESHOLD = 100_000


@contextmanager
def batch_collection() -> Iterator[None]:
    before = gc.get_threshold()
    if before[0] and before[0] < BATCH_THRESHOLD:  # 0: the caller turned it off
        gc.set_threshold(BATCH_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
