"""Candidate index: which earlier entries can overlap entry j (firewall-analysis.md §5.3).

Per dimension, up to 64 buckets over the chain's interval endpoints; each bucket holds a
Python-int bitmask of the entries touching it. AND over dimensions of the OR of the
buckets an entry touches gives a superset of its overlapping entries, in microseconds,
which turns the pairwise O(n²) box tests into near-linear work on real rule sets.
"""

from __future__ import annotations

from bisect import bisect_right

from proxguard.firewall.normalise import Entry
from proxguard.firewall.regions import DIMS

BUCKETS = 64


class CandidateIndex:
    def __init__(self, entries: list[Entry]) -> None:
        self.bounds: list[list[int]] = []
        self.masks: list[list[int]] = []
        self.entry_mask: list[int] = []
        for d in range(DIMS):
            points = sorted({lo for e in entries for b in e.region for lo, _ in b[d]})
            step = max(1, len(points) // BUCKETS)
            bounds = points[::step] if points else [0]
            masks = [0] * len(bounds)
            for i, e in enumerate(entries):
                bit = 1 << i
                for b in e.region:
                    for lo, hi in b[d]:
                        for k in range(self._bucket(bounds, lo), self._bucket(bounds, hi) + 1):
                            masks[k] |= bit
            self.bounds.append(bounds)
            self.masks.append(masks)
        self.entries = entries

    @staticmethod
    def _bucket(bounds: list[int], x: int) -> int:
        return max(0, bisect_right(bounds, x) - 1)

    def earlier_overlapping(self, j: int) -> list[int]:
        e = self.entries[j]
        total = 0
        for b in e.region:
            m = (1 << j) - 1
            for d in range(DIMS):
                dm = 0
                bounds, masks = self.bounds[d], self.masks[d]
                for lo, hi in b[d]:
                    for k in range(self._bucket(bounds, lo), self._bucket(bounds, hi) + 1):
                        dm |= masks[k]
                m &= dm
                if not m:
                    break
            total |= m
        out = []
        while total:
            low = total & -total
            out.append(low.bit_length() - 1)
            total ^= low
        return out


