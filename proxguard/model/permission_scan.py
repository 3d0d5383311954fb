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

from proxguard.model import access_index, access_walk
from proxguard.model.access import (
    ROOT,
    AccessControl,
    AclEntry,
    Explanation,
    normalize_path,
    owner_reason,
    split_tokenid,
)
from proxguard.model.access_index import AccessIndex
from proxguard.model.privileges import (
    ESCALATION_PATHS,
    ESCALATIONS,
    Escalation,
    escalations_at,
)

_CHILD = "_below_"  # a path segment no ACL line uses (checked), standing for "any child"
# Paths judged per subject at most: hostile input (one group on 100,000 paths) must not
# stall the audit. A subject over the limit is judged on the first ones only, and the
# caller must not call it a pass (escalation paths come first, so they are never cut).
MAX_JUDGED_PATHS = 1000
# Every level of every escalation path: a user with no line on any of them holds nothing
# on all of them.
_ESCALATION_SHOWN = {p: p for p in ESCALATION_PATHS}  # judged first, shown as they are
_ESCALATION_LEVELS = frozenset(lvl for p in ESCALATION_PATHS for lvl in access_walk.levels(p))


@dataclass(frozen=True, slots=True)
class PathGrant:
    """The effective privileges of a subject on one judged path."""

    path: str  # the path evaluated (a stand-in child for "every path below")
    shown: str  # how evidence names it: `/nodes`, or `/vms/*` for every path below /vms
    explanation: Explanation
    escalations: tuple[Escalation, ...]


def _relevant_entries(ac: AccessControl, subject: str, idx: AccessIndex) -> list[AclEntry]:
    """ACL entries that can decide this subject's roles (a token: its owner's too), in
    no particular order: judged_paths sorts them by (weight, path), and the paths it
    lists do not depend on the order of lines with equal keys (so no merge into file
    order per subject)."""
    split = split_tokenid(subject)
    owner = split[0] if split else subject
    by_subject = idx.by_subject
    return [*by_subject.get(("token", subject), ()), *by_subject.get(("user", owner), ()),
            *access_index.group_entries(idx, owner)]


def _weighty(ac: AccessControl, idx: AccessIndex) -> dict[str, bool]:
    """Per role: does it hold an escalation privilege? Paths of such lines are judged
    first, so a subject over the path limit is never cut off from its decisive grants."""
    found = idx.memo.get("weighty")
    if found is None:
        found = idx.memo["weighty"] = {
            rid: any(x.privilege in role.privileges for x in ESCALATIONS)
            for rid, role in ac.roles.items()}
    return found


def _child(parent: str, taken: frozenset[str]) -> str:
    name = _CHILD
    while f"{parent.rstrip('/')}/{name}" in taken:
        name += "_"
    return f"{parent.rstrip('/')}/{name}"


def _pool_paths(ac: AccessControl, idx: AccessIndex) -> list[str]:
    """Every pool and its members, in pool order: judged for every subject, listed once."""
    found = idx.memo.get("pool paths")
    if found is None:
        found = []
        for pool in ac.pools.values():
            found.append(f"/pool/{pool.id}")
            found += [f"/vms/{vmid}" for vmid in pool.vms]
            found += [f"/storage/{sid}" for sid in pool.storage]
        idx.memo["pool paths"] = found
    return found


def judged_paths(ac: AccessControl, subject: str, idx: AccessIndex | None = None
                 ) -> list[tuple[str, str]]:
    """(path to evaluate, path as shown) for every path where the subject's effective
    privileges can differ from its parent's, escalation paths first."""
    paths: dict[str, str] = dict(_ESCALATION_SHOWN)
    if subject == ROOT:  # holds everything everywhere: the escalation paths say it all
        return list(paths.items())
    idx = idx or ac.index()
    taken = idx.paths
    entries = _relevant_entries(ac, subject, idx)
    weighty = _weighty(ac, idx)
    entries.sort(key=lambda x: (not weighty.get(x.role, False), x.path))
    children = idx.memo.get("children")
    if children is None:  # per ACL path, its stand-in child and how it is shown
        children = idx.memo["children"] = {}
    for e in entries:
        paths.setdefault(e.path, e.path)
        if not e.propagate:
            child = children.get(e.path)
            if child is None:
                child = children[e.path] = (_child(e.path, taken), f"{e.path.rstrip('/')}/*")
            paths.setdefault(*child)
    for path in _pool_paths(ac, idx):
        paths.setdefault(path, path)
    return list(paths.items())


def scan(ac: AccessControl, subject: str) -> tuple[list[PathGrant], int]:
    """Effective privileges and escalations of `subject` on every judged path (at most
    MAX_JUDGED_PATHS of them), and how many paths there were to judge. Memoised per
    subject (admin-api-tokens and token-tiers both judge every token, and a token asks
    its owner's), and a path's grant is one object for every subject given the same
    answer there."""
    grants, total = _scanned(ac, ac.index(), subject)
    return list(grants), total


def scanned(ac: AccessControl, subject: str) -> tuple[tuple[PathGrant, ...], int]:
    """scan() without the copy: the memoised grants themselves, for callers that only
    read them (the escalation judgement, token-tiers)."""
    return _scanned(ac, ac.index(), subject)


def borrowed(ac: AccessControl, subject: str
             ) -> tuple[tuple[PathGrant, ...], int, str | None]:
    """scanned(), except for a privsep=0 token no ACL line names: its owner's grants
    themselves, and the owner's name. Its own scan (_owner_grants) is exactly those
    grants, each answer's reason said to be the owner's (`owner_reason`), so a verdict
    that quotes a reason wraps it then (rules/access/_escalation.py `Judgement`) instead
    of every such token copying every answer of its owner's (~10,000 tokens of a 20k
    user.cfg, a dozen answers each). Any other subject: its scan and None."""
    idx = ac.index()
    split = split_tokenid(subject)
    if split and split[0] != ROOT and ("token", subject) not in idx.by_subject:
        token = ac.tokens.get(subject)
        if token is not None and not token.privsep:
            grants, total = _scanned(ac, idx, split[0])
            return grants, total, split[0]
    grants, total = _scanned(ac, idx, subject)
    return grants, total, None


def _scanned(ac: AccessControl, idx: AccessIndex, subject: str
             ) -> tuple[tuple[PathGrant, ...], int]:
    found = idx.scanned.get(subject)
    if found is None:
        split = split_tokenid(subject)
        if split and split[0] != ROOT and ("token", subject) not in idx.by_subject:
            # no line names the token: its judged paths are exactly its owner's
            owned, total = _scanned(ac, idx, split[0])
            token = ac.tokens.get(subject)
            if token is not None and token.privsep:  # nothing of its own: nothing at all
                grants = tuple(_nothing(ac, idx, g) for g in owned)
            elif token is not None:  # privsep=0: the owner's answers, said to be the owner's
                grants = _owner_grants(split[0], owned)
            else:
                grants = tuple(_token_grant(ac, idx, subject, split[0], g) for g in owned)
        else:
            paths = judged_paths(ac, subject, idx)
            total = len(paths)
            paths = paths[:MAX_JUDGED_PATHS]
            grants = (_user_grants(ac, idx, subject, paths) if split is None
                      else _token_grants(ac, idx, subject, split[0], paths))
        found = access_index.keep(idx, "scanned", subject, (grants, total),
                                  len(grants) + sum([len(g.explanation.decided_by) for g in grants]),
                                  access_index.MAX_SCANNED, access_index.MAX_SCANNED_LINES)
    return found


def _user_grants(ac: AccessControl, idx: AccessIndex, subject: str,
                 paths: list[tuple[str, str]]) -> tuple[PathGrant, ...]:
    """A user's grants, its level map fetched once. The escalation paths come first;
    when no line of the user's sits on any of their levels (most users), they hold the
    same nothing for every such user, built once per index."""
    if subject == ROOT:
        return tuple(_grant(ac, idx, subject, path, shown) for path, shown in paths)
    mine = access_index.subject_levels(idx, subject)
    out: list[PathGrant] = []
    if mine.keys().isdisjoint(_ESCALATION_LEVELS):
        out += _unreached(ac, idx)
        paths = paths[len(ESCALATION_PATHS):]
    grants = idx.grants  # the shared grant of an answer already given on this path
    for path, shown in paths:
        ex = access_walk.granted_by(ac, idx, mine, normalize_path(path) or "/")
        out.append(grants.get((path, shown, id(ex))) or _shared(idx, path, shown, ex))
    return tuple(out)


def _token_grants(ac: AccessControl, idx: AccessIndex, subject: str, owner: str,
                  paths: list[tuple[str, str]]) -> tuple[PathGrant, ...]:
    """A token named by lines of its own: its answer per path, the owner's asked for
    only where the token's privsep or its own privileges need it."""
    token = ac.tokens.get(subject)
    fresh = token is not None and not token.privsep  # a new answer per path: not shared
    # the owner's answers where its scan (memoised: the users are judged first) holds
    # them, the same objects explained() gives; the token's own paths ask for theirs
    owned = idx.scanned.get(owner)
    at = {g.explanation.path: g.explanation for g in owned[0]} if owned else {}
    out = []
    for path, shown in paths:
        norm = normalize_path(path) or "/"
        ex = ac.token_answer(idx, subject, owner, norm,
                             lambda n=norm: at.get(n) or ac.explained(idx, owner, n))
        out.append(PathGrant(path, shown, ex, escalations_at(ex.privileges, path)) if fresh
                   else _shared(idx, path, shown, ex))
    return tuple(out)


def _owner_grants(owner: str, owned: tuple[PathGrant, ...]) -> tuple[PathGrant, ...]:
    """A privsep=0 token no line names: on each of its owner's paths, the owner's answer
    (AccessControl.token_answer's privsep=0 case, without asking it per path), so its
    escalations too."""
    out = []
    for g in owned:
        ex = g.explanation
        out.append(PathGrant(g.path, g.shown, Explanation(
            ex.path, ex.privileges, ex.roles, ex.decided_by,
            owner_reason(owner, ex.reason)), g.escalations))
    return tuple(out)


def _nothing(ac: AccessControl, idx: AccessIndex, owned: PathGrant) -> PathGrant:
    """The grant of a subject no line names on one of its owner's paths (memoised per
    path: every privsep=1 token without lines of its own asks for the same ones)."""
    key = ("nothing", owned.path, owned.shown)
    found = idx.grants.get(key)
    if found is None:
        found = _grant_memo(idx, key, _shared(
            idx, owned.path, owned.shown,
            access_walk.granted_by(ac, idx, {}, owned.explanation.path)))
    return found


def _unreached(ac: AccessControl, idx: AccessIndex) -> list[PathGrant]:
    """The escalation paths' grants of a user no line reaches there."""
    found = idx.memo.get("unreached")
    if found is None:
        found = idx.memo["unreached"] = [
            _shared(idx, p, p, access_walk.granted_by(ac, idx, {}, p)) for p in ESCALATION_PATHS]
    return found


def _token_grant(ac: AccessControl, idx: AccessIndex, subject: str, owner: str,
                 owned: PathGrant) -> PathGrant:
    """The token's grant on a path of its owner's scan, from the owner's answer there."""
    ex = ac.token_answer(idx, subject, owner, owned.explanation.path,
                         lambda: owned.explanation)
    if ex is owned.explanation or ex.privileges is not owned.explanation.privileges:
        return _shared(idx, owned.path, owned.shown, ex)
    # privsep=0: the owner's privileges on the owner's path, so its escalations too
    return PathGrant(owned.path, owned.shown, ex, owned.escalations)


def _grant(ac: AccessControl, idx: AccessIndex, subject: str, path: str, shown: str
           ) -> PathGrant:
    return _shared(idx, path, shown, ac.explained(idx, subject, path))


def _shared(idx: AccessIndex, path: str, shown: str, ex: Explanation) -> PathGrant:
    key = (path, shown, id(ex))  # the grant holds `ex`, so its id stays unique
    found = idx.grants.get(key)
    if found is None:
        found = _grant_memo(idx, key, PathGrant(
            path, shown, ex, escalations_at(ex.privileges, path)))
    return found


def _grant_memo(idx: AccessIndex, key: tuple[object, ...], grant: PathGrant) -> PathGrant:
    return access_index.keep(idx, "grants", key, grant,
                             1 + len(grant.explanation.decided_by),
                             access_index.MAX_GRANTS, access_index.MAX_GRANTS_LINES)
