"""A subject's effective privileges on every path where they can differ.

Judging `/` alone misses an Administrator on `/nodes` or a User.Modify on
`/access/groups`. Effective privileges only change at a level where an ACL entry names
the subject (its own, its groups', its token's), at a pool's members, and just below a
level whose entries do not propagate (there AC `roles()` falls through to what is
inherited, possibly other entries). So evaluating those paths, plus the paths on which
escalations are decided, covers every path of the tree: any other path has the same
privileges as the nearest of them above it.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.access import ROOT, AccessControl, AclEntry, Explanation, split_tokenid
from proxguard.model.privileges import (
    ESCALATION_PATHS,
    ESCALATIONS,
    Escalation,
    escalations_on,
)

_CHILD = "_below_"  # a path segment no ACL line uses (checked), standing for "any child"
# Paths judged per subject at most: hostile input (one group on 100,000 paths) must not
# stall the audit. A subject over the limit is judged on the first ones only, and the
# caller must not call it a pass (escalation paths come first, so they are never cut).
MAX_JUDGED_PATHS = 1000


@dataclass(frozen=True, slots=True)
class PathGrant:
    """The effective privileges of a subject on one judged path."""

    path: str  # the path evaluated (a stand-in child for "every path below")
    shown: str  # how evidence names it: `/nodes`, or `/vms/*` for every path below /vms
    explanation: Explanation
    escalations: tuple[Escalation, ...]


def _relevant_entries(ac: AccessControl, subject: str) -> list[AclEntry]:
    """ACL entries that can decide this subject's roles (a token: its owner's too)."""
    split = split_tokenid(subject)
    owner = split[0] if split else subject
    idx = ac.index()
    own = idx.by_subject.get(("token", subject), [])
    return idx.in_file_order([own, ac.entries_for(owner)])


def _weighty(ac: AccessControl, e: AclEntry) -> bool:
    """Does the entry's role hold an escalation privilege? Such paths are judged first,
    so a subject over the path limit is never cut off from its decisive grants."""
    role = ac.roles.get(e.role)
    return role is not None and any(x.privilege in role.privileges for x in ESCALATIONS)


def _child(parent: str, taken: frozenset[str]) -> str:
    name = _CHILD
    while f"{parent.rstrip('/')}/{name}" in taken:
        name += "_"
    return f"{parent.rstrip('/')}/{name}"


def judged_paths(ac: AccessControl, subject: str) -> list[tuple[str, str]]:
    """(path to evaluate, path as shown) for every path where the subject's effective
    privileges can differ from its parent's, escalation paths first."""
    paths: dict[str, str] = {p: p for p in ESCALATION_PATHS}
    if subject == ROOT:  # holds everything everywhere: the escalation paths say it all
        return list(paths.items())
    taken = ac.index().paths
    for e in sorted(_relevant_entries(ac, subject), key=lambda x: (not _weighty(ac, x), x.path)):
        paths.setdefault(e.path, e.path)
        if not e.propagate:
            paths.setdefault(_child(e.path, taken), f"{e.path.rstrip('/')}/*")
    for pool in ac.pools.values():
        paths.setdefault(f"/pool/{pool.id}", f"/pool/{pool.id}")
        for vmid in pool.vms:
            paths.setdefault(f"/vms/{vmid}", f"/vms/{vmid}")
        for sid in pool.storage:
            paths.setdefault(f"/storage/{sid}", f"/storage/{sid}")
    return list(paths.items())


def scan(ac: AccessControl, subject: str) -> tuple[list[PathGrant], int]:
    """Effective privileges and escalations of `subject` on every judged path (at most
    MAX_JUDGED_PATHS of them), and how many paths there were to judge."""
    out = []
    paths = judged_paths(ac, subject)
    for path, shown in paths[:MAX_JUDGED_PATHS]:
        ex = ac.explain(subject, path)
        out.append(PathGrant(path, shown, ex, tuple(escalations_on(ex.privileges, path))))
    return out, len(paths)
