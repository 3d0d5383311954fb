"""Candidate index: which entries can overlap entry j, which entry first holds a point
(firewall-analysis.md §5.3).

Per dimension, every interval of every box of every entry is an item (start, end, entry).
For a query interval [lo, hi] two bisections on the sorted starts and sorted ends count
the items it meets exactly: #(start <= hi) - #(end < lo). A query box asks that count in
each of its dimensions, enumerates only the most selective one, and checks each entry so
found exactly (boxes_meet / box_contains), once per entry; the exact overlap list is
cached for every pass of the analysis. A rule set of distinct sources or ports then costs
a few bisections and a handful of candidates per query, whatever its size.

Enumerating the items of one dimension that meet [lo, hi]: items are grouped by the bit
length of their width (hi - lo), each group sorted by start and knowing its widest item,
so the items that start before lo and still reach it sit in one bisected slice per group
(CIDR blocks of one size are aligned and disjoint, so that slice holds at most one miss).

Why not the earlier design (N-bit integer masks over 1,024 buckets per dimension): every
query cost O(N/64) word operations plus every entry sharing a bucket, so the whole
analysis was O(N²/64) (×2.7 per doubling at 32,000 rules) and the masks took hundreds of
MB at 200,000 rules. The limit of the new one: rules that are wide in every dimension
but cross each other (half `-source X`, half `-dport Y`, no rule narrow in both) make
every dimension unselective, and a query enumerates about N/2 candidates.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from proxguard.firewall.normalise import Entry
from proxguard.firewall.regions import (
    DIMS,
    DPORT,
    DST,
    IFACE,
    PROTO,
    SPORT,
    SRC,
    Box,
    Ivs,
    box_contains,
    boxes_meet,
)

# Dimensions in the order they are counted: addresses and ports tell rules apart, the
# interface and protocol rarely do. _FEW items are enumerated without counting further.
_ORDER = (SRC, DPORT, DST, SPORT, PROTO, IFACE)
_FEW = 8


class _Group:
    """Items of one dimension whose width has one bit length, sorted by start."""

    __slots__ = ("ends", "ids", "starts", "widest")

    def __init__(self, items: list[tuple[int, int, int]]) -> None:
        items.sort()
        self.starts = [s for s, _, _ in items]
        self.ends = [e for _, e, _ in items]
        self.ids = [i for _, _, i in items]
        self.widest = max(e - s for s, e, _ in items)

    def meeting(self, lo: int, hi: int, out: list[int]) -> None:
        """Append the entry of every item that meets [lo, hi]."""
        starts = self.starts
        a = bisect_left(starts, lo - self.widest)
        m = bisect_left(starts, lo, a)
        b = bisect_right(starts, hi, m)
        if a < m:
            ends, ids = self.ends, self.ids
            out.extend([ids[k] for k in range(a, m) if ends[k] >= lo])
        out.extend(self.ids[m:b])


class _Dim:
    """All items of one dimension: sorted starts/ends to count, groups to enumerate."""

    __slots__ = ("ends", "groups", "starts")

    def __init__(self, items: list[tuple[int, int, int]]) -> None:
        self.starts = sorted(s for s, _, _ in items)
        self.ends = sorted(e for _, e, _ in items)
        by_len: dict[int, list[tuple[int, int, int]]] = {}
        for it in items:
            by_len.setdefault((it[1] - it[0]).bit_length(), []).append(it)
        self.groups = [_Group(g) for _, g in sorted(by_len.items())]

    def count(self, ivs: Ivs) -> int:
        """How many items meet the interval set (exact per interval, summed)."""
        starts, ends = self.starts, self.ends
        return sum(bisect_right(starts, hi) - bisect_left(ends, lo) for lo, hi in ivs)

    def meeting(self, ivs: Ivs, out: list[int]) -> None:
        for lo, hi in ivs:
            for g in self.groups:
                g.meeting(lo, hi, out)


class CandidateIndex:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        items: list[list[tuple[int, int, int]]] = [[] for _ in range(DIMS)]
        for i, e in enumerate(entries):
            for b in e.region:
                for d in range(DIMS):
                    items[d].extend([(lo, hi, i) for lo, hi in b[d]])
        self.dims = [_Dim(x) for x in items]
        self._exact: list[list[int] | None] = [None] * len(entries)

    def _candidates(self, box: Box, out: list[int]) -> None:
        """Append every entry with an item meeting `box` in its most selective dimension
        (a superset of the entries whose boxes meet it; may repeat). Addresses and ports
        are asked first, and a dimension with a handful of items ends the search: that
        is the usual case, and counting the rest would cost more than it saves."""
        best, best_n = -1, 0
        for d in _ORDER:
            iv = box[d]
            dim = self.dims[d]
            if len(iv) == 1:
                lo, hi = iv[0]
                n = bisect_right(dim.starts, hi) - bisect_left(dim.ends, lo)
            else:
                n = dim.count(iv)
            if n == 0:
                return
            if best < 0 or n < best_n:
                best, best_n = d, n
                if n <= _FEW:
                    break
        self.dims[best].meeting(box[best], out)

    def overlapping_all(self, j: int) -> list[int]:
        """Every other entry that truly overlaps entry j, in chain order (computed once)."""
        cached = self._exact[j]
        if cached is not None:
            return cached
        region = self.entries[j].region
        found: list[int] = []
        for b in region:
            self._candidates(b, found)
        entries = self.entries
        out = []
        for i in sorted(set(found)):
            if i == j:
                continue
            other = entries[i].region
            if any(boxes_meet(a, c) for a in region for c in other):
                out.append(i)
        self._exact[j] = out
        return out

    def meeting(self, box: Box) -> list[int]:
        """Every entry whose region meets `box`, in chain order."""
        found: list[int] = []
        self._candidates(box, found)
        entries = self.entries
        return [i for i in sorted(set(found))
                if any(boxes_meet(box, c) for c in entries[i].region)]

    def earlier_overlapping(self, j: int) -> list[int]:
        over = self.overlapping_all(j)
        return over[:bisect_left(over, j)]

    def later_overlapping(self, j: int) -> list[int]:
        over = self.overlapping_all(j)
        return over[bisect_right(over, j):]

    def first_match(self, point: tuple[int, ...], skip: int = -1) -> int | None:
        """Index of the first entry containing `point`, optionally as if entry `skip`
        were deleted."""
        found: list[int] = []
        self._candidates(tuple(((x, x),) for x in point), found)
        entries = self.entries
        for i in sorted(set(found)):
            if i != skip and any(box_contains(b, point) for b in entries[i].region):
                return i
        return None
