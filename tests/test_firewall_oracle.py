"""Brute-force oracle for the conflict analysis over a tiny packet domain: every claim it
makes is checked against exhaustive first-match evaluation, and every fully masked rule
must be reported (firewall-analysis.md §5.4)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.firewall.analysis import analyse_chain
from proxguard.firewall.normalise import Chain, Entry
from proxguard.firewall.regions import Box, box_contains, ivs

PROTOS = (6, 17)
N = 8  # addresses 0.0.0.0-0.0.0.7 and ports 0-7
DOMAIN: Box = (ivs((0, 0)), ivs((6, 6), (17, 17)), ivs((0, N - 1)), ivs((0, 0)),
               ivs((0, 0)), ivs((0, N - 1)))
POINTS = [(0, p, s, 0, 0, d) for p in PROTOS for s in range(N) for d in range(N)]


_PROTO_SETS = (ivs((6, 6)), ivs((17, 17)), ivs((6, 6), (17, 17)))
_BOX = st.tuples(st.integers(0, 2), *[st.integers(0, N - 1)] * 4)
_ENTRY = st.tuples(st.sampled_from(["ACCEPT", "DROP", "REJECT"]),
                   st.lists(_BOX, min_size=1, max_size=2))


def _box(t: tuple[int, int, int, int, int]) -> Box:
    p, a, b, c, d = t
    return (ivs((0, 0)), _PROTO_SETS[p], ivs((min(a, b), max(a, b))), ivs((0, 0)), ivs((0, 0)),
            ivs((min(c, d), max(c, d))))


@st.composite
def chains(draw: st.DrawFn) -> Chain:
    raw = draw(st.lists(_ENTRY, min_size=1, max_size=7))
    entries = [Entry(f"r{i}", action, [_box(b) for b in bs], "t.fw", i + 1)
               for i, (action, bs) in enumerate(raw)]
    policy = draw(st.sampled_from(["ACCEPT", "DROP"]))
    entries.append(Entry("policy", policy, [DOMAIN], "t.fw", 0, implicit=True))
    return Chain("cluster", "in", 4, entries, [])


def _members(e: Entry) -> set[tuple[int, ...]]:
    """The packets of the domain an entry matches, enumerated from its boxes."""
    out: set[tuple[int, ...]] = set()
    for b in e.region:
        for p in itertools.product(*[[x for lo, hi in d for x in range(lo, hi + 1)
                                      if lo <= N or d is b[1]] for d in b]):
            if p[1] in PROTOS and p[2] < N and p[5] < N and box_contains(b, p):
                out.add(p)
    return out


def point_of(p: object, chain: Chain) -> tuple[int, ...]:
    return p.point(chain)  # type: ignore[attr-defined, no-any-return]


@settings(max_examples=200, deadline=None)
@given(chains())
def test_every_claim_is_true_and_every_full_mask_is_found(chain: Chain) -> None:
    found = {c.rule: c for c in analyse_chain(chain)}
    entries = chain.entries
    members = {e.id: _members(e) for e in entries}
    deciders = {p: next(e for e in entries if p in members[e.id]) for p in POINTS}
    for j, e in enumerate(entries[:-1]):
        mine = members[e.id]
        decided = [p for p in mine if deciders[p] is e]
        c = found.get(e.id)
        if mine and not decided:  # fully masked: must be reported, and correctly typed
            assert c is not None and c.type in ("shadowing", "redundancy"), (e.id, c)
            diff = {deciders[p].cls for p in mine} - {e.cls}
            assert (c.type == "shadowing") == bool(diff)
            assert c.extra["direction"] == "up"
        if c is None:
            continue
        for p in c.examples:
            assert point_of(p, chain) in mine  # examples lie in the rule's own match set
        if c.type in ("shadowing", "redundancy") and c.extra["direction"] == "up":
            assert not decided
            assert deciders[point_of(c.examples[0], chain)].id in c.by
        elif c.type == "redundancy":  # downward: deleting it changes no decision
            rest = entries[:j] + entries[j + 1:]
            assert all(next(x for x in rest if p in members[x.id]).cls == e.cls for p in decided)
        elif c.type in ("correlation", "generalisation"):
            overlap, own = (point_of(p, chain) for p in c.examples)
            assert deciders[overlap].id == c.by[0] and deciders[overlap].cls != e.cls
            assert deciders[own] is e


def test_union_shadowing_is_found_with_both_responsible_rules() -> None:
    a = Entry("a", "ACCEPT", [(ivs((0, 0)), ivs((6, 6)), ivs((0, 7)), ivs((0, 0)), ivs((0, 0)),
                               ivs((0, 3)))], "t.fw", 1)
    b = Entry("b", "ACCEPT", [(ivs((0, 0)), ivs((6, 6)), ivs((0, 7)), ivs((0, 0)), ivs((0, 0)),
                               ivs((4, 7)))], "t.fw", 2)
    c = Entry("c", "DROP", [(ivs((0, 0)), ivs((6, 6)), ivs((2, 3)), ivs((0, 0)), ivs((0, 0)),
                              ivs((2, 5)))], "t.fw", 3)
    pol = Entry("policy", "DROP", [DOMAIN], "t.fw", 0, implicit=True)
    out = analyse_chain(Chain("cluster", "in", 4, [a, b, c, pol], []))
    assert [(x.type, x.rule, x.by) for x in out] == [("shadowing", "c", ["a", "b"])]
    assert "combined" in out[0].message


def test_domain_enumeration_is_complete() -> None:
    assert len(POINTS) == len(list(itertools.product(PROTOS, range(N), range(N))))
