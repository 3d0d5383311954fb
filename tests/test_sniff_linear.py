"""Content sniffing is linear in its input: adversarial 1 MB texts take about as long as
a plain str.count over the same bytes, never quadratically longer.

A ratio to str.count on the same machine, not an absolute time, so the bound holds on a
slow CI runner as well as a fast laptop.
"""

from __future__ import annotations

import time

import pytest

from proxguard.inputs import detect_kind

MB = 1 << 20
ADVERSARIAL = {
    # the token-table pattern: many `tokenid` with no `privsep` after them
    "tokenid-no-privsep": "tokenid " * (MB // 8),
    "privsep-no-tokenid": "privsep " * (MB // 8),
    "tokenid-on-each-line": "tokenid\n" * (MB // 8),
    "json-open-bracket": "[" + " " * (MB - 2) + "{",
    "userid-json": '[{"' + "a" * (MB - 4),
    "long-header": "[" + "ipset " * (MB // 6),
    "spaces": " " * MB,
    "sshd-words": "port" + " " * MB,
    # the IPv4/IPv6 family sniff of an iptables-save-format dump (xtables_family)
    "xtables-many-addresses": "*filter\n:INPUT ACCEPT [0:0]\n" + " -s ::" * (MB // 6),
    "xtables-long-address": "*filter\n:INPUT ACCEPT [0:0]\n -s " + "1" * MB,
    "xtables-option-spaces": "*filter\n:INPUT ACCEPT [0:0]\n -p" + " " * MB,
}


NEEDLES = [f"needle{i}" for i in range(20)]  # detect_kind makes ~20 scans of its input


def _linear_budget(text: str) -> float:
    """Time of 20 plain str.count scans over the same bytes."""
    return max(_best(lambda: [text.count(n) for n in NEEDLES]), 1e-3)


def _best(fn: object, reps: int = 3) -> float:
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_sniffing_is_linear(name: str) -> None:
    text = ADVERSARIAL[name]
    base = _linear_budget(text)
    took = _best(lambda: detect_kind(text), reps=1)
    # detect_kind scans at most the first 64 KB of the 1 MB, so a linear sniffer stays
    # well under 20 counts of the whole; quadratic backtracking is >100x over
    assert took / base < 20, f"{name}: {took:.3f}s vs count {base:.5f}s"


@pytest.mark.parametrize("name", ["newlines", "space-newline", "bracket-newline",
                                  "ipset-newline", "tokenid-line-start"])
def test_line_anchored_patterns_do_not_cross_lines(name: str) -> None:
    text = {"newlines": "\n" * MB, "space-newline": " \n" * (MB // 2),
            "bracket-newline": "[\n" * (MB // 2), "ipset-newline": "[ipset \n" * (MB // 8),
            "tokenid-line-start": " tokenid\n" * (MB // 9)}[name]
    base = _linear_budget(text)
    took = _best(lambda: detect_kind(text), reps=1)
    assert took / base < 20, f"{name}: {took:.3f}s vs count {base:.5f}s"
