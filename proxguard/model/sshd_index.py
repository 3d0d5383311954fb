"""Which Match blocks a connection satisfies, without testing every block each time.

The rules and the login table ask per Match block "what does a connection under this
block get?", and each answer needs the blocks that connection matches. Testing all N
blocks for each of N blocks is the quadratic term of a 10,000-block sshd_config
(bench/scale.py sshd). Two facts make it linear:

- a block whose own criteria include `User` with a list of plain names (no `*`, `?`,
  `!`) can only match a connection whose user is one of them (match.c
  match_pattern_list: a pattern without wildcards matches only itself), so those blocks
  are looked up by user name;
- blocks with the same criteria chain (their own and every enclosing block's) match
  exactly the same connections, so each distinct chain is evaluated once.

The result is the same set of blocks as the full scan; the order of blocks never
mattered (callers receive a set of ids and keep reading order themselves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proxguard.model.sshd import Criterion, MatchBlock, Occurrence
    from proxguard.model.sshd_match import Connection

ChainKey = tuple[tuple["Criterion", ...], ...]


def chain_key(block: MatchBlock) -> ChainKey:
    """The criteria of the block and of every enclosing block, innermost first."""
    out = []
    b: MatchBlock | None = block
    while b is not None:
        out.append(b.criteria)
        b = b.outer
    return tuple(out)


def literal_users(block: MatchBlock) -> frozenset[str] | None:
    """The only user names the block's own `User` criterion admits, when it is a list
    of plain names; None when the block has no such criterion."""
    for c in block.criteria:
        if c.attribute == "user" and not any(ch in c.patterns for ch in "*?!"):
            return frozenset(c.patterns.split(","))
    return None


@dataclass(slots=True)
class BlockIndex:
    by_user: dict[str, dict[ChainKey, list[int]]]  # user → chain → block ids
    rest: dict[ChainKey, list[int]]  # blocks not indexed by user, one entry per chain
    first: dict[ChainKey, MatchBlock]  # a block standing for each chain
    # keyword → block id → positions (in occurrences_of(keyword)) of its lines
    positions: dict[str, dict[int, list[int]]]

    def matching(self, conn: Connection) -> frozenset[int]:
        out: list[int] = []
        groups = list(self.rest.items())
        if conn.user is not None:
            groups += self.by_user.get(conn.user, {}).items()
        for key, ids in groups:
            if self.first[key].matches(conn):
                out += ids
        return frozenset(out)

    def first_in(self, keyword: str, hits: frozenset[int]) -> int | None:
        """Position of the first line setting `keyword` inside a block of `hits`."""
        where = self.positions.get(keyword)
        if not where:
            return None
        found = [where[b][0] for b in hits if b in where]
        return min(found) if found else None

    def all_in(self, keyword: str, hits: frozenset[int]) -> list[int]:
        """Positions of every line setting `keyword` inside a block of `hits`, in order."""
        where = self.positions.get(keyword)
        if not where:
            return []
        return sorted(p for b in hits if b in where for p in where[b])


def build(blocks: list[MatchBlock], by_keyword: dict[str, list[Occurrence]]) -> BlockIndex:
    by_user: dict[str, dict[ChainKey, list[int]]] = {}
    rest: dict[ChainKey, list[int]] = {}
    first: dict[ChainKey, MatchBlock] = {}
    for block in blocks:
        key = chain_key(block)
        first.setdefault(key, block)
        users = literal_users(block)
        if users is None:
            rest.setdefault(key, []).append(id(block))
            continue
        for user in users:
            by_user.setdefault(user, {}).setdefault(key, []).append(id(block))
    positions: dict[str, dict[int, list[int]]] = {}
    for keyword, occs in by_keyword.items():
        for pos, occ in enumerate(occs):
            if occ.block is not None:
                positions.setdefault(keyword, {}).setdefault(id(occ.block), []).append(pos)
    return BlockIndex(by_user, rest, first, positions)
