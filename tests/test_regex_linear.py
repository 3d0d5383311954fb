"""Guest-config line patterns run on untrusted text: linear rewrites of the Perl-derived
`(.+?)\\s*$` forms, proven equal to the originals on generated lines and timed against
str.count on adversarial ones (ratio bound, as for content sniffing)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.parsers import guest_lines

# the originals, as in pve-container / qemu-server (quadratic in Python's engine)
OLD = {
    "lxc": re.compile(r"^([a-z][a-z_]*\d*):\s*(.+?)\s*$"),
    "qemu": re.compile(r"^([a-z][a-z_-]*\d*):\s*(.+?)\s*$"),
    "raw": re.compile(r"^(lxc\.[a-z0-9_.-]+)(:|\s*=)\s*(.*?)\s*$"),
}
NEW = {"lxc": guest_lines.LXC.key, "qemu": guest_lines.QEMU.key, "raw": guest_lines._RAW_LXC}


def _groups(m: re.Match[str] | None) -> tuple[str | None, ...] | None:
    return None if m is None else m.groups()


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(OLD)),
       st.text(st.sampled_from("ab1_.-:= \t\r\x0bx\x00é"), max_size=14))
def test_linear_patterns_match_exactly_like_the_originals(which: str, rest: str) -> None:
    for prefix in ("net0", "lxc.a", "a", ""):
        line = prefix + rest
        assert _groups(NEW[which].match(line)) == _groups(OLD[which].match(line)), repr(line)


@pytest.mark.parametrize("which", sorted(NEW))
def test_adversarial_lines_are_linear(which: str) -> None:
    line = ("lxc.a: x" if which == "raw" else "net0: x") + " " * (1 << 20) + "\x00"
    t = time.perf_counter()
    for n in range(20):
        line.count(f"needle{n}")
    base = max(time.perf_counter() - t, 1e-3)
    t = time.perf_counter()
    NEW[which].match(line)
    assert (time.perf_counter() - t) / base < 20
