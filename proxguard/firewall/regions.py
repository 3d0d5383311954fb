"""Exact region algebra over boxes: the representation of firewall-analysis.md §5.1.

An interval set is a sorted tuple of disjoint, non-adjacent (lo, hi) pairs of ints; a box
is one interval set per dimension; a region is a list of boxes. Boxes are closed under
intersection and their difference is at most one box per dimension, which keeps every
operation exact for the Proxmox rule language (no negation except ipset `nomatch`, which
is resolved into interval sets before boxes are built).
"""

from __future__ import annotations

from collections.abc import Sequence

Ivs = tuple[tuple[int, int], ...]
Box = tuple[Ivs, ...]

# Dimensions, in this order in every box.
IFACE, PROTO, SRC, DST, SPORT, DPORT = range(6)
DIMS = 6


def ivs(*pairs: tuple[int, int]) -> Ivs:
    return norm(list(pairs))


def norm(pairs: Sequence[tuple[int, int]]) -> Ivs:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(p for p in pairs if p[0] <= p[1]):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def iv_and(a: Ivs, b: Ivs) -> Ivs:
    if len(a) == 1 and len(b) == 1:  # the common case, without the merge loop
        lo = a[0][0] if a[0][0] > b[0][0] else b[0][0]
        hi = a[0][1] if a[0][1] < b[0][1] else b[0][1]
        return ((lo, hi),) if lo <= hi else ()
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def iv_sub(a: Ivs, b: Ivs) -> Ivs:
    out = []
    j = 0
    for lo, hi in a:
        cur = lo
        while j < len(b) and b[j][1] < cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            if b[k][0] > cur:
                out.append((cur, b[k][0] - 1))
            cur = max(cur, b[k][1] + 1)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def iv_or(a: Ivs, b: Ivs) -> Ivs:
    return norm([*a, *b])


def iv_subset(a: Ivs, b: Ivs) -> bool:
    return not iv_sub(a, b)


def iv_contains(a: Ivs, x: int) -> bool:
    for lo, hi in a:  # noqa: SIM110 (a plain loop: any() over a generator dominated point queries)
        if lo <= x <= hi:
            return True
    return False


def iv_size(a: Ivs) -> int:
    return sum(hi - lo + 1 for lo, hi in a)


def box_and(a: Box, b: Box) -> Box | None:
    """Intersection, or None. The hot path of the analysis: single-interval dimensions
    (nearly all of them) are intersected inline, and identical dimensions are shared."""
    out = []
    for x, y in zip(a, b, strict=True):
        if x is y or x == y:
            if not x:
                return None
            out.append(x)
            continue
        if len(x) == 1 and len(y) == 1:
            (xl, xh), (yl, yh) = x[0], y[0]
            lo = xl if xl > yl else yl
            hi = xh if xh < yh else yh
            if lo > hi:
                return None
            out.append(x if (lo == xl and hi == xh) else y if (lo == yl and hi == yh)
                       else ((lo, hi),))
            continue
        z = iv_and(x, y)
        if not z:
            return None
        out.append(z)
    return tuple(out)


def boxes_meet(a: Box, b: Box) -> bool:
    """Whether two boxes intersect, without building the intersection."""
    for x, y in zip(a, b, strict=True):
        if x is y and x:
            continue
        if len(x) == 1 and len(y) == 1:
            if x[0][0] > y[0][1] or y[0][0] > x[0][1]:
                return False
        elif not iv_meet(x, y):
            return False
    return True


def iv_meet(a: Ivs, b: Ivs) -> bool:
    """Whether two interval sets share a value (a merge walk that stops at the first)."""
    i = j = 0
    na, nb = len(a), len(b)
    while i < na and j < nb:
        if a[i][1] < b[j][0]:
            i += 1
        elif b[j][1] < a[i][0]:
            j += 1
        else:
            return True
    return False


def box_subset(a: Box, b: Box) -> bool:
    for x, y in zip(a, b, strict=True):
        if x is y:
            continue
        if len(x) == 1 and len(y) == 1:
            if x[0][0] < y[0][0] or x[0][1] > y[0][1]:
                return False
        elif iv_sub(x, y):
            return False
    return True


def box_sub(a: Box, b: Box) -> list[Box]:
    """a minus b as at most DIMS disjoint boxes."""
    if not boxes_meet(a, b):
        return [a]
    out = []
    prefix: list[Ivs] = []
    for k in range(len(a)):
        rest = iv_sub(a[k], b[k])
        if rest:
            out.append((*prefix, rest, *a[k + 1:]))
        prefix.append(iv_and(a[k], b[k]))
    return out


def box_contains(box: Box, point: Sequence[int]) -> bool:
    for d, x in zip(box, point, strict=True):
        for lo, hi in d:
            if lo <= x <= hi:
                break
        else:
            return False
    return True


def box_volume(box: Box) -> int:
    v = 1
    for d in box:
        v *= iv_size(d)
    return v


def find_uncovered(x: Box, cover: Sequence[Box], budget: int = 20000) -> tuple[Box | None, bool]:
    """A sub-box of `x` that no box of `cover` touches, or None if `cover` covers `x`.

    Lazy DFS of firewall-analysis.md §5.3: clip the cover to x, try the projection test
    (a dimension where the cover's union misses part of x gives an uncovered slice at
    once), then split x around the largest-overlap box. Returns (box, exhausted): when the
    node budget runs out the answer is (None, True), "undetermined", never a guess.
    """
    stack: list[tuple[Box, list[Box]]] = [(x, list(cover))]
    nodes = 0
    while stack:
        nodes += 1
        if nodes > budget:
            return None, True
        cur, cands = stack.pop()
        clipped = [c for c in (box_and(cur, c) for c in cands) if c is not None]
        if not clipped:
            return cur, False
        if any(c == cur for c in clipped):
            continue
        gap = _projection_gap(cur, clipped)
        if gap is not None:
            return gap, False
        best = max(clipped, key=box_volume)
        for piece in box_sub(cur, best):
            stack.append((piece, clipped))
    return None, False


def _projection_gap(cur: Box, clipped: list[Box]) -> Box | None:
    for k in range(len(cur)):
        union = norm([iv for c in clipped for iv in c[k]])
        rest = iv_sub(cur[k], union)
        if rest:
            return (*cur[:k], rest, *cur[k + 1:])
    return None


def region_covered(region: Sequence[Box], cover: Sequence[Box], budget: int = 20000
                   ) -> tuple[Box | None, bool]:
    """First uncovered sub-box of any box of `region` (or None), and 'undetermined'."""
    for b in region:
        hit, exhausted = find_uncovered(b, cover, budget)
        if exhausted:
            return None, True
        if hit is not None:
            return hit, False
    return None, False
