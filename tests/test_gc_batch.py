"""The audit runs as one batch for the cyclic garbage collector (engine/gc_batch.py): the
first threshold is raised while it runs and the caller's thresholds come back after,
whatever happens; a caller that turned automatic collection off keeps it off."""

from __future__ import annotations

import gc

import pytest

from proxguard.engine.gc_batch import BATCH_THRESHOLD, batch_collection


def test_threshold_is_raised_for_the_batch_and_restored() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with batch_collection():
            assert gc.get_threshold() == (BATCH_THRESHOLD, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(RuntimeError), batch_collection():
            raise RuntimeError("a check crashed")
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_a_disabled_or_higher_threshold_is_left_alone() -> None:
    before = gc.get_threshold()
    try:
        for mine in ((0, 10, 10), (BATCH_THRESHOLD * 2, 5, 5)):
            gc.set_threshold(*mine)
            with batch_collection():
                assert gc.get_threshold() == mine
            assert gc.get_threshold() == mine
    finally:
        gc.set_threshold(*before)
