"""Candidate index: which entries can overlap entry j (firewall-analysis.md §5.3).

Per dimension, up to 1024 buckets over the chain's interval endpoints. Two Python-int
bitmasks per bucket answer "which entries touch bucket range [a, b]" with one AND:
`starts_le[b]` (entries with an interval starting at or before bucket b) AND
`ends_ge[a]` (entries with an interval ending at or after bucket a). That is exact for
an entry with one interval in the dimension and a superset (its hull) otherwise, which
is all a candidate filter needs: every candidate is then checked exactly, once per entry,
and the exact overlap list is cached for every pass of the analysis.

Why not one mask per bucket (the earlier design): a rule with "any" in a dimension had to
OR all 256 bucket masks per query, and building those masks cost one big-int OR per
bucket per entry; both made the index quadratic-ish at 20k rules.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from proxguard.firewall.normalise import Entry
from proxguard.firewall.regions import DIMS, Box, box_contains, boxes_meet

BUCKETS = 1024


def _mask(bits: bytearray) -> int:
    return int.from_bytes(bits, "little")


class CandidateIndex:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.bounds: list[list[int]] = []
        self.starts_le: list[list[int]] = []
        self.ends_ge: list[list[int]] = []
        n = len(entries)
        for d in range(DIMS):
            points = sorted({lo for e in entries for b in e.region for lo, _ in b[d]})
            step = max(1, len(points) // BUCKETS)
            bounds = points[::step] if points else [0]
            nb = len(bounds)
            starts = [bytearray((n + 7) // 8) for _ in range(nb)]
            ends = [bytearray((n + 7) // 8) for _ in range(nb)]
            for i, e in enumerate(entries):
                byte, bit = i >> 3, 1 << (i & 7)
                for b in e.region:
                    for lo, hi in b[d]:
                        starts[self._bucket(bounds, lo)][byte] |= bit
                        ends[self._bucket(bounds, hi)][byte] |= bit
            le, acc = [], 0
            for k in range(nb):
                acc |= _mask(starts[k])
                le.append(acc)
            ge, acc = [0] * nb, 0
            for k in range(nb - 1, -1, -1):
                acc |= _mask(ends[k])
                ge[k] = acc
            self.bounds.append(bounds)
            self.starts_le.append(le)
            self.ends_ge.append(ge)
        self._exact: list[list[int] | None] = [None] * n

    @staticmethod
    def _bucket(bounds: list[int], x: int) -> int:
        k = bisect_right(bounds, x) - 1
        return k if k > 0 else 0

    def _box_candidates(self, box: Box) -> int:
        m = -1  # all bits
        for bounds, le, ge, dim in zip(self.bounds, self.starts_le, self.ends_ge, box,
                                       strict=True):
            dm = 0
            for lo, hi in dim:
                a = bisect_right(bounds, lo) - 1  # == _bucket, inlined: the hot loop
                dm |= le[bisect_right(bounds, hi) - 1] & ge[a if a > 0 else 0]
            m &= dm
            if not m:
                return 0
        return m

    def overlapping_all(self, j: int) -> list[int]:
        """Every other entry that truly overlaps entry j, in chain order (computed once)."""
        cached = self._exact[j]
        if cached is not None:
            return cached
        region = self.entries[j].region
        total = 0
        for b in region:
            total |= self._box_candidates(b)
        total &= ~(1 << j)
        out = []
        entries = self.entries
        while total:
            low = total & -total
            i = low.bit_length() - 1
            total ^= low
            other = entries[i].region
            if any(boxes_meet(a, c) for a in region for c in other):
                out.append(i)
        self._exact[j] = out
        return out

    def earlier_overlapping(self, j: int) -> list[int]:
        over = self.overlapping_all(j)
        return over[:bisect_left(over, j)]

    def later_overlapping(self, j: int) -> list[int]:
        over = self.overlapping_all(j)
        return over[bisect_right(over, j):]

    def first_match(self, point: tuple[int, ...], skip: int = -1) -> int | None:
        """Index of the first entry containing `point` (a point query on the same masks),
        optionally as if entry `skip` were deleted."""
        m = -1
        for bounds, le, ge, x in zip(self.bounds, self.starts_le, self.ends_ge, point,
                                     strict=True):
            k = bisect_right(bounds, x) - 1
            if k < 0:  # below every interval start: nothing contains the point
                return None
            m &= le[k] & ge[k]
        if skip >= 0:
            m &= ~(1 << skip)
        while m:
            low = m & -m
            i = low.bit_length() - 1
            if any(box_contains(b, point) for b in self.entries[i].region):
                return i
            m ^= low
        return None
