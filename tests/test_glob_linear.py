"""Glob matching of sshd Include patterns (untrusted: they come from sshd_config) is
linear, agrees with fnmatch one path component at a time, and never raises."""

from __future__ import annotations

import fnmatch
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.inputs import Snapshot
from proxguard.inputs.paths import glob_match

ATOMS = st.sampled_from(["a", "b", ".", "*", "?", "[ab]", "[!a]", "[a-b]", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(ATOMS, max_size=6).map("".join), min_size=1, max_size=3).map("/".join),
       st.lists(st.text("ab.x", max_size=6), min_size=1, max_size=3).map("/".join))
def test_agrees_with_fnmatch_per_component(pattern: str, path: str) -> None:
    pp, sp = pattern.split("/"), path.split("/")
    expected = len(pp) == len(sp) and all(fnmatch.fnmatchcase(n, p) for p, n in zip(pp, sp, strict=True))
    assert glob_match(pattern, path) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_any_pattern_is_safe(pattern: str, path: str) -> None:
    glob_match(pattern, path)  # unbalanced brackets, reversed ranges: no exception


def test_many_stars_stay_linear() -> None:
    names = {f"etc/ssh/sshd_config.d/{'a' * 200}{i}.conf": "Port 22\n" for i in range(300)}
    snap = Snapshot.from_texts(names)
    pattern = "/etc/ssh/sshd_config.d/" + "*a" * 40 + "b"
    blob = "".join(names)
    t = time.perf_counter()
    for _ in range(20):
        blob.count("needle")
    base = max(time.perf_counter() - t, 1e-3)
    t = time.perf_counter()
    assert snap.glob(pattern) == []
    took = time.perf_counter() - t
    # O(pattern x name) per file: a few hundred counts' worth; backtracking is astronomically more
    assert took / base < 2000, f"{took:.3f}s vs {base:.5f}s"
