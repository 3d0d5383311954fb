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
them alive and move them on, to be traversed again by later passes. So the outermost pause
freezes what is alive when it ends (`gc.freeze`: a list splice, no traversal) before
resuming: those objects are left out of every collection, and reference counting still
frees them. What that costs: cyclic garbage made during the pause is not collected while
frozen, nor is anything only such garbage keeps alive (an audit makes next to none: 9
objects for a 2,000-user audit, 54 after a 32,000-rule one). So the next outermost pause
unfreezes what the previous one froze and collects once before it pauses: at most one
pause's garbage is ever held, and that collection traverses what is alive then (in a
loop of audits that drops each report first, next to nothing; in a page that keeps the
previous report, about what the resuming pass traversed before). A process that froze
objects itself (gc.freeze before forking) is left alone: nothing is frozen or unfrozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# how many objects the last outermost pause froze (0: none). The count only shrinks as
# frozen objects are freed; more than we froze means the process froze objects too.
_state = {"frozen": 0}


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    if was_enabled and 0 < gc.get_freeze_count() <= _state["frozen"]:
        gc.unfreeze()  # the previous pause's objects: back under the collector,
        gc.collect()  # and its garbage collected now, not frozen again
    if was_enabled:
        _state["frozen"] = 0
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():  # nobody else's frozen objects to disturb
                gc.freeze()
                _state["frozen"] = gc.get_freeze_count()
            gc.enable()
