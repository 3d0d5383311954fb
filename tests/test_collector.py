"""The audit pauses the cyclic garbage collector and gives it back as it found it."""

from __future__ import annotations

import gc
import weakref

import pytest

from proxguard.diagnostics import Diagnostics
from proxguard.engine.collector import collector_paused
from proxguard.parsers.usercfg import parse


def test_pause_restores_an_enabled_collector_even_after_an_error() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner pause does not resume it
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_pause_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_what_a_pause_kept_is_frozen_and_its_garbage_collected_once_dropped() -> None:
    """The outermost pause freezes what is alive when it ends (no pass over it when the
    collector resumes). While most of it lives, later pauses leave it frozen and freeze
    nothing more; once it is dropped, the next pause collects the garbage it held."""
    gc.unfreeze()
    gc.collect()
    with collector_paused():
        report = [[] for _ in range(2 * len(gc.get_objects()))]  # most of the heap
        cycle = _Node()
        alive = weakref.ref(cycle)
        del cycle
    frozen = gc.get_freeze_count()
    assert gc.isenabled() and frozen > len(report)
    assert alive() is not None  # frozen: no collection has freed it yet
    with collector_paused():  # the report still in use (rendered, say)
        assert alive() is not None
        later = [[] for _ in range(1000)]
    assert gc.get_freeze_count() <= frozen  # nothing more frozen
    assert later
    del report
    with collector_paused():
        assert alive() is None  # collected on entry, before the work
    assert gc.get_freeze_count() > 0  # and what lives is frozen again
    gc.unfreeze()


def test_objects_frozen_by_the_process_are_left_alone() -> None:
    gc.unfreeze()
    gc.freeze()  # e.g. before forking workers
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            _ = [[] for _ in range(100)]
        assert gc.get_freeze_count() == frozen
        with collector_paused():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_parsed_user_cfg_is_freed_without_the_cyclic_collector() -> None:
    """The user.cfg reader made a cycle (its handler table of bound methods) holding the
    whole model: frozen after an audit, it would outlive the report."""

    gc.disable()
    try:
        ac = parse("user:a@pve:1:0::::::\nacl:1:/:a@pve:PVEAuditor:\n", "etc/pve/user.cfg",
                   Diagnostics())
        ref = weakref.ref(ac)
        del ac
        assert ref() is None
    finally:
        gc.enable()
