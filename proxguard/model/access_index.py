"""Lookup tables over a built AccessControl, so per-subject questions cost what the
subject touches rather than the size of user.cfg.

Without them every "which groups list this user" scanned every group and every "which
ACL lines name this subject" scanned every line: 20,000 users × 20,000 groups is the
quadratic term that made a large user.cfg take minutes (bench/scale.py users). Every
list keeps file order (entries carry their position in `acl`), because evidence quotes
deciding lines in that order and results must not change.

The model is built by the parser and only read afterwards; the owner rebuilds this index
when the sizes of its tables change (a cheap guard for tests that extend a model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proxguard.model.access import AccessControl, AclEntry, Explanation

# Explanations kept per model: a token asks its owner's on each of its paths, right after
# or long after the owner was judged; beyond this many the memo starts over.
MAX_EXPLAINED = 50_000


def fingerprint(ac: AccessControl) -> tuple[int, ...]:
    """Sizes of every table the index and the memoised answers depend on."""
    return (len(ac.users), len(ac.tokens), len(ac.groups), len(ac.roles), len(ac.acl),
            len(ac.pools), id(ac.acl), id(ac.groups))


@dataclass(slots=True)
class AccessIndex:
    key: tuple[int, ...]
    seq: dict[int, int]  # id(entry) → position in file order
    by_path: dict[str, list[AclEntry]]
    by_subject: dict[tuple[str, str], list[AclEntry]]  # (kind, subject) → entries
    member_of: dict[str, list[str]]  # userid → group ids listing it, in group order
    paths: frozenset[str]
    # memoised answers, valid as long as the index is: per-subject tables (memo) and
    # explanations per (subject, path), the latter bounded by MAX_EXPLAINED
    memo: dict[Any, Any] = field(default_factory=dict)
    explained: dict[tuple[str, str], Explanation] = field(default_factory=dict)

    def in_file_order(self, chunks: Iterable[list[AclEntry]]) -> list[AclEntry]:
        """Entries of several buckets merged back into file order."""
        out = [e for chunk in chunks for e in chunk]
        out.sort(key=lambda e: self.seq[id(e)])
        return out


def build(ac: AccessControl) -> AccessIndex:
    seq: dict[int, int] = {}
    by_path: dict[str, list[AclEntry]] = {}
    by_subject: dict[tuple[str, str], list[AclEntry]] = {}
    for i, e in enumerate(ac.acl.values()):
        seq[id(e)] = i
        by_path.setdefault(e.path, []).append(e)
        by_subject.setdefault((e.kind, e.subject), []).append(e)
    member_of: dict[str, list[str]] = {}
    for g in ac.groups.values():
        for member in dict.fromkeys(g.members):  # `userid in g.members` counts a group once
            member_of.setdefault(member, []).append(g.id)
    return AccessIndex(fingerprint(ac), seq, by_path, by_subject, member_of,
                       frozenset(by_path))


Slot = tuple[list["AclEntry"], list["AclEntry"], list["AclEntry"]]


def subject_levels(idx: AccessIndex, subject: str) -> dict[str, Slot]:
    """path → (token entries, user entries, entries of the user's groups) naming the
    subject, each in file order: the only entries AC roles() can pick for it. Built once
    per subject, so walking a path costs its depth, not the entries on each level."""
    key = ("levels", subject)
    found = idx.memo.get(key)
    if found is None:
        found = {}
        own = (idx.by_subject.get(("token", subject), []), idx.by_subject.get(("user", subject), []))
        for slot, entries in enumerate(own):
            for e in entries:
                found.setdefault(e.path, ([], [], []))[slot].append(e)
        groups = [idx.by_subject.get(("group", g), []) for g in idx.member_of.get(subject, ())]
        for e in idx.in_file_order(groups):
            found.setdefault(e.path, ([], [], []))[2].append(e)
        idx.memo[key] = found
    return found
