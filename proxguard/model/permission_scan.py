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
from proxguard.model.privileges import ESCALATION_PATHS, Escalation, escalations_on

_CHILD = "_below_"  # a path segment no ACL line uses (checked), standing for "any child"


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
    groups = set(ac.groups_of(owner))
    out = []
    for e in ac.acl.values():
        if (e.kind == "token" and e.subject == subject) or \
                (e.kind == "user" and e.subject == owner) or \
                (e.kind == "group" and e.subject in groups):
            out.append(e)
    return out


def _child(parent: str, taken: set[str]) -> str:
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
    taken = {e.path for e in ac.acl.values()}
    for e in sorted(_relevant_entries(ac, subject), key=lambda x: x.path):
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


def scan(ac: AccessControl, subject: str) -> list[PathGrant]:
    """Effective privileges and escalations of `subject` on every judged path."""
    out = []
    for path, shown in judged_paths(ac, subject):
        ex = ac.explain(subject, path)
        out.append(PathGrant(path, shown, ex, tuple(escalations_on(ex.privileges, path))))
    return out
