"""Lookup tables over a built AccessControl, so per-subject questions cost what the
subject touches rather than the size of user.cfg.

Without them every "which groups list this user" scanned every group and every "which
ACL lines name this subject" scanned every line: 20,000 users × 20,000 groups is the
quadratic term that made a large user.cfg take minutes (bench/scale.py users). Every
list keeps file order (entries carry their position in `acl`), because evidence quotes
deciding lines in that order and results must not change.

Besides the tables, the index holds the memoised answers (all bounded, because a hostile
user.cfg can ask for millions): per subject its deciding lines per level, per (path,
deciding lines) what they grant — the same for every member of a group the line names, so
computed once, not once per member — per (subject, path) the explanation, per subject its
judged paths. All of them are valid exactly as long as the index is.

The model is built by the parser and only read afterwards; the owner rebuilds this index
when the sizes of its tables change (a cheap guard for tests that extend a model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proxguard.model.access import AccessControl, AclEntry
    from proxguard.model.access_walk import Explanation

# Bounds of the memos (each starts over when full), for a hostile user.cfg that asks for
# millions of answers or makes each answer long (a user in 1,000 groups with a line on
# `/` each carries all 1,000 lines, and their evidence, on every path below). Counted in
# answers and in the ACL lines they hold: token answers asked for by explain() per
# (token, path); distinct (path, deciding lines) answers; distinct judged-path grants;
# per-subject scans (admin-api-tokens and token-tiers both judge every token, so every
# token's scan is kept when it fits: 20,000 users and tokens weigh ~0.7 million).
MAX_EXPLAINED = 50_000
MAX_EXPLAINED_LINES = 1_000_000
MAX_GRANTED = 400_000
MAX_GRANTED_LINES = 1_000_000
MAX_GRANTS = 400_000
MAX_GRANTS_LINES = 1_000_000
MAX_SCANNED = 100_000
MAX_SCANNED_LINES = 2_000_000


def fingerprint(ac: AccessControl) -> tuple[int, ...]:
    """Sizes of every table the index and the memoised answers depend on (AccessControl.index
    compares the same tuple inline: keep the two alike)."""
    return (len(ac.users), len(ac.tokens), len(ac.groups), len(ac.roles), len(ac.acl),
            len(ac.pools), id(ac.acl), id(ac.groups))


# What the ACL lines of one level can decide for a subject: (the lines that decide when
# the level is the path itself, the lines that decide when it is an ancestor — only
# propagating ones). Each is the first non-empty of token lines, user lines, group lines.
Picks = tuple[tuple["AclEntry", ...], tuple["AclEntry", ...]]


@dataclass(slots=True)
class AccessIndex:
    key: tuple[int, ...]
    seq: dict[int, int]  # id(entry) → position in file order
    by_path: dict[str, list[AclEntry]]
    by_subject: dict[tuple[str, str], list[AclEntry]]  # (kind, subject) → entries
    member_of: dict[str, list[str]]  # userid → group ids listing it, in group order
    paths: frozenset[str]
    members: dict[str, tuple[str, ...]]  # group id → the users it lists, each once
    # memoised answers, valid as long as the index is (see the module docstring)
    memo: dict[Any, Any] = field(default_factory=dict)
    explained: dict[tuple[str, str], Explanation] = field(default_factory=dict)
    granted: dict[tuple[Any, ...], Explanation] = field(default_factory=dict)
    grants: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    scanned: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # memo → ACL lines its answers hold

    def in_file_order(self, chunks: Iterable[list[AclEntry]]) -> list[AclEntry]:
        """Entries of several buckets merged back into file order."""
        full = [chunk for chunk in chunks if chunk]
        if len(full) == 1:  # one bucket is in file order already (the common case)
            return list(full[0])
        out = [e for chunk in full for e in chunk]
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
    members: dict[str, tuple[str, ...]] = {}
    for g in ac.groups.values():
        # `userid in g.members` counts a group once
        listed = members[g.id] = tuple(dict.fromkeys(g.members))
        for member in listed:
            member_of.setdefault(member, []).append(g.id)
    return AccessIndex(fingerprint(ac), seq, by_path, by_subject, member_of,
                       frozenset(by_path), members)


def group_entries(idx: AccessIndex, userid: str) -> list[AclEntry]:
    """ACL entries naming a group that lists the user, in file order. Built for every
    user at once on first use (the audit asks for every user): one pass over the group
    lines in file order appends each line to its group's members, so no user's list is
    merged or sorted. Its size is the sum over users of their lists, as before."""
    by_member = idx.memo.get("by member")
    if by_member is None:
        by_member = idx.memo["by member"] = _group_entries_by_member(idx)
    return by_member.get(userid, _NO_ENTRIES)


_NO_ENTRIES: list[AclEntry] = []  # shared: callers only read what group_entries returns


def _group_entries_by_member(idx: AccessIndex) -> dict[str, list[AclEntry]]:
    members = idx.members
    lines = [e for (kind, subject), chunk in idx.by_subject.items() if kind == "group"
             and subject in members for e in chunk]
    lines.sort(key=lambda e: idx.seq[id(e)])
    out: dict[str, list[AclEntry]] = {}
    for e in lines:
        for userid in members[e.subject]:
            out.setdefault(userid, []).append(e)
    return out


def subject_levels(idx: AccessIndex, subject: str) -> dict[str, Picks]:
    """path → what the ACL lines naming the subject (its own, its user's groups', its
    token's) decide at that level, final and inherited: the only lines AC roles() can
    pick for it. Built once per subject, so walking a path costs its depth."""
    key = ("levels", subject)
    found = idx.memo.get(key)
    if found is None:
        slots: dict[str, tuple[list[AclEntry], list[AclEntry], list[AclEntry]]] = {}
        own = (idx.by_subject.get(("token", subject), _NO_ENTRIES),
               idx.by_subject.get(("user", subject), _NO_ENTRIES), group_entries(idx, subject))
        for slot, entries in enumerate(own):
            for e in entries:
                at = slots.get(e.path)
                if at is None:  # not setdefault: its default is three new lists a call
                    at = slots[e.path] = ([], [], [])
                at[slot].append(e)
        found = idx.memo[key] = {path: _picks(slot) for path, slot in slots.items()}
    return found


def _picks(slot: tuple[list[AclEntry], ...]) -> Picks:
    """AC roles() at one level: token entries, else user entries, else group entries;
    above the final level only the propagating ones count."""
    final: tuple[AclEntry, ...] = ()
    for part in slot:
        if not part:
            continue
        first = not final
        if first:
            final = tuple(part)
        prop = tuple([e for e in part if e.propagate])
        if prop:  # the final pick itself when every line of it propagates (shared)
            return final, (final if first and len(prop) == len(final) else prop)
    return final, ()


def decide(mine: dict[str, Picks], levels: tuple[str, ...]) -> tuple[AclEntry, ...]:
    """The lines AC roles() ends with on the last of `levels`: each level with a
    non-empty pick replaces what was inherited."""
    decided: tuple[AclEntry, ...] = ()
    last = len(levels) - 1
    for i, level in enumerate(levels):
        picks = mine.get(level)
        if picks is not None:
            pick = picks[0] if i == last else picks[1]
            if pick:
                decided = pick
    return decided


def keep(idx: AccessIndex, name: str, key: Any, value: Any, lines: int, limit: int,
         line_limit: int) -> Any:
    """Store an answer in the index's memo `name`, bounded in answers and in the ACL lines
    they hold (1 + deciding lines per answer: its evidence grows with them), and return it."""
    memo: dict[Any, Any] = getattr(idx, name)
    held = idx.lines.get(name, 0)
    if len(memo) >= limit or held + lines > line_limit:
        memo.clear()
        held = 0
    memo[key] = value
    idx.lines[name] = held + lines
    return value
