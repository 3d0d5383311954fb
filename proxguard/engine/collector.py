"""Pause Python's cyclic garbage collector for the duration of one audit.

Why: an audit of a large input builds millions of small objects that live until the
report is built (rule models, boxes, targets, JSON dicts) and makes almost no cyclic
garbage (54 unreachable objects after a 32,000-rule audit). The collector's full passes
re-traverse every live object each time the heap grows by a quarter, which was 31% of the
CPU of a 100,000-rule firewall audit (bench/scale.py fw). Reference counting still frees
everything acyclic at once; the little cyclic garbage is collected when the collector
resumes. Only the outermost pause re-enables it, and only if it was enabled before.

Resuming alone would not end the cost: the collector counts allocations while paused, so
the first allocation after it resumes starts a young-generation pass over every object the
audit made and kept (~0.2 s after a 20k-user audit, `bench/scale.py users`), only to find
them alive and move them on, to be traversed again by later passes. So an outermost pause
that finds nothing frozen freezes what is alive when it ends (`gc.freeze`: a list splice,
no traversal) before resuming: those objects are left out of every collection, and
reference counting still frees them (a CLI run audits, renders and exits without one pass
over its report).

What that costs, and how it stays bounded: cyclic garbage made during the pause is not
collected while frozen, nor is anything only it keeps alive (an audit makes next to none:
9 objects for a 2,000-user audit, 54 after a 32,000-rule one). An outermost pause that
finds at most half of what was frozen still alive (the report was dropped: a loop of
audits, a page's next audit) unfreezes it and collects once, which traverses only the
survivors, then freezes again when it ends. One that finds most of it alive (the report is
still in use: rendering it, the web page's next handler) leaves it frozen and freezes
nothing more: its own objects get the ordinary pass when it resumes. So at most the
garbage of the pauses made while one frozen report lives is held, and it is collected
once that report is dropped. A process that froze objects itself (gc.freeze before
forking) is left alone: nothing is frozen or unfrozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# How many objects our last freeze left frozen (0: none of ours). The count only shrinks
# as frozen objects are freed; more than we froze means the process froze objects too.
_state = {"frozen": 0}


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    if was_enabled:
        _thaw_if_dropped()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():  # nothing of ours still frozen, nobody else's
                gc.freeze()
                _state["frozen"] = gc.get_freeze_count()
            gc.enable()


def _thaw_if_dropped() -> None:
    """Unfreeze and collect what our last freeze held once most of it has been freed."""
    count, ours = gc.get_freeze_count(), _state["frozen"]
    if not ours:
        return
    if count == 0 or count > ours:  # unfrozen, or frozen again, by someone else
        _state["frozen"] = 0
    elif count <= ours // 2:
        gc.unfreeze()
        gc.collect()  # traverses the survivors only
        _state["frozen"] = 0
