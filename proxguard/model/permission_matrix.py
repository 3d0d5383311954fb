"""Who can do what, where: one cell per (subject, path), as Proxmox itself answers it.

An operator about to hand out a token needs the answer `pveum user permissions` would
give, plus the lines that decided it. Each cell carries the roles AC `roles()` returns
(no pools, no privsep intersection — that is what Proxmox's function returns), the
privileges RPCEnvironment `permissions()` grants (pools and privsep included), the tier
of the strongest privilege (the one tier table, model/privileges.py), the ACL lines that
decided the cell and sentences saying why. The walk itself is model/access.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from proxguard.model.access import (
    ROOT,
    AccessControl,
    AclEntry,
    normalize_path,
    split_tokenid,
    valid_userid,
)
from proxguard.model.access_walk import Explanation
from proxguard.model.privileges import highest_tier

SCHEMA = "proxguard-permissions/1"
# Subjects × paths is a cross product: a hostile user.cfg with thousands of users and
# paths must not make one call build millions of cells. Callers cut and say so.
MAX_CELLS = 100_000
# The report categories whose rules judge users and tokens (targets `user/…`, `token/…`).
ACCESS_CATEGORIES = ("auth", "api")
_SHOWN = 6  # privileges named in a note before "and N more"


@dataclass(frozen=True, slots=True)
class Cell:
    """What one subject holds on one path, and why."""

    subject: str
    path: str
    roles: tuple[str, ...]  # AC roles(), sorted
    privileges: tuple[str, ...]  # RPCEnvironment permissions(), sorted
    tier: str  # none | read | write | admin
    decided_by: tuple[AclEntry, ...]  # file order
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"subject": self.subject, "path": self.path, "roles": list(self.roles),
                "privileges": list(self.privileges), "tier": self.tier,
                "decided_by": [{"file": e.file, "line": e.line, "acl": acl_text(e)}
                               for e in self.decided_by],
                "notes": list(self.notes)}


def acl_text(e: AclEntry) -> str:
    """The ACL entry as a user.cfg line would spell it (one subject, one role)."""
    return f"acl:{int(e.propagate)}:{e.path}:{e.ugid}:{e.role}:"


def valid_subject(subject: str) -> bool:
    """A user id or a full token id, as the permissions API's userid pattern accepts."""
    return valid_userid(subject) or split_tokenid(subject) is not None


def subjects_named(targets: Sequence[str]) -> list[str]:
    """The subjects that finding targets name (`user/<id>`, `token/<id>`), in order, each
    once — what `proxguard explain` and the page's report link to."""
    out: list[str] = []
    for t in targets:
        kind, _, sid = t.partition("/")
        if kind in ("user", "token") and valid_subject(sid) and sid not in out:
            out.append(sid)
    return out


def default_subjects(ac: AccessControl) -> list[str]:
    """Every user in user.cfg (root@pam first), each followed by its tokens."""
    users = sorted(ac.users, key=lambda u: (u != ROOT, u))
    tokens: dict[str, list[str]] = {}  # owner → token ids, in one pass (not one per user)
    for t in ac.tokens.values():
        tokens.setdefault(t.user, []).append(t.id)
    out: list[str] = []
    for u in users:
        out.append(u)
        out += sorted(tokens.get(u, ()))
    return out


def default_paths(ac: AccessControl) -> list[str]:
    """`/`, every ACL path, every pool and its members (RPCEnvironment
    get_effective_permissions collects the same ACL and pool-member paths)."""
    paths = {"/"} | {e.path for e in ac.acl.values()}
    for pool in ac.pools.values():
        paths.add(f"/pool/{pool.id}")
        paths.update(f"/vms/{v}" for v in pool.vms)
        paths.update(f"/storage/{s}" for s in pool.storage)
    return sorted(paths)


def read_path(raw: str) -> str | None:
    """An ACL path as the user typed it, normalised as AC normalize_path does; None when
    Proxmox would reject it (characters outside [A-Za-z0-9._/-])."""
    return normalize_path(raw)


def cell(ac: AccessControl, subject: str, path: str, now: int | None = None,
         answer: Explanation | None = None) -> Cell:
    """The cell for a valid subject id and a normalised path. With `now` (epoch
    seconds) a subject that cannot log in then (disabled, expired) says so: Proxmox's
    permissions() ignores both, so the privileges stay what they are. `answer`: the
    subject's explanation on `path` when the caller holds it already (token-tiers has
    every token's scan, which judges `/`), the same as explain() gives."""
    roles, _ = ac.roles_of(subject, path)
    ex = answer if answer is not None else ac.explain(subject, path)
    privs = ex.privileges
    tier = highest_tier(privs)
    decided = list(ex.decided_by)
    notes = _notes(ac, subject, path, roles)
    split = split_tokenid(subject)
    if split and subject in ac.tokens and ac.tokens[subject].privsep and split[0] != ROOT:
        notes += _intersection_notes(ac, subject, split[0], path, privs)
        if decided:  # the owner's lines limited what the token's own lines grant
            owner = ac.explain(split[0], path)
            decided += [e for e in owner.decided_by if e not in decided]
    notes += _login_notes(ac, subject, now)
    decided.sort(key=lambda e: (e.file, e.line, e.ugid, e.role))
    return Cell(subject, path, tuple(sorted(roles)), tuple(sorted(privs)),
                tier.value if tier else "none", tuple(decided), tuple(notes))


def _notes(ac: AccessControl, subject: str, path: str, roles: dict[str, bool]) -> list[str]:
    """Why the cell is what it is, in the order an operator asks."""
    if subject == ROOT:
        return ["root@pam holds every privilege on every path, whatever the ACL says "
                "(AC roles(), RPCEnvironment permissions())"]
    split = split_tokenid(subject)
    owner = split[0] if split else subject
    notes: list[str] = []
    if split:
        token = ac.tokens.get(subject)
        if token is None:
            return [f"token {subject} is not defined in user.cfg (or is defined after the "
                    "lines naming it): Proxmox grants it nothing"]
        if not token.privsep:
            notes.append(f"privsep=0 (missing or empty counts as 0): the token has exactly "
                         f"the roles and privileges of {owner}; its own ACL entries are "
                         "not consulted")
            if owner == ROOT:
                return notes
    elif owner not in ac.users:
        notes.append(f"user {owner} is not defined in user.cfg: it cannot log in, but "
                     "Proxmox still applies the ACL entries naming it")
    if split and owner == ROOT and ac.tokens[subject].privsep:
        notes.append("privsep=1 token of root@pam: only its own ACL entries count (no "
                     "intersection: root@pam holds everything)")
    if "NoAccess" in roles:
        notes.append(f"NoAccess decides {path}: roles() returns it alone, so no other role "
                     "counts here")
    notes += _pool_notes(ac, subject if not split or ac.tokens[subject].privsep else owner,
                         path, roles)
    return notes


def _login_notes(ac: AccessControl, subject: str, now: int | None) -> list[str]:
    """Disabled or expired (user or token): what is shown is dormant, not gone."""
    split = split_tokenid(subject)
    owner = split[0] if split else subject
    if now is None or subject == ROOT or owner not in ac.users or (
            split and subject not in ac.tokens):
        return []  # undefined subjects have their own note
    ok, why = ac.can_authenticate(subject, now)
    if ok:
        return []
    return [f"{why}: it cannot log in now; Proxmox computes these privileges all the same "
            "and they apply again the moment that changes"]


def _pool_notes(ac: AccessControl, who: str, path: str, roles: dict[str, bool]) -> list[str]:
    """Pool roles apply to /vms/<id> and /storage/<id> only, never propagated."""
    pools = ac.pools_containing(path)
    if not pools:
        return []
    full, _, _ = ac.roles_with_pools(who, path)
    added = sorted(r for r in full if r not in roles)
    if "NoAccess" in full and "NoAccess" not in roles:
        return [f"NoAccess on pool {', '.join(pools)} trumps the ACL on {path}"]
    if added:
        return [f"{', '.join(added)} through pool {', '.join(pools)} (pool roles apply to "
                "the member itself only, never propagated)"]
    return [f"member of pool {', '.join(pools)}; the pool adds no role here"]


def _intersection_notes(ac: AccessControl, subject: str, owner: str, path: str,
                        privs: frozenset[str]) -> list[str]:
    own, _, _ = ac.roles_with_pools(subject, path)
    mine: set[str] = set()
    for r in own:
        role = ac.roles.get(r)
        mine |= role.privileges if role else frozenset()
    if not own:
        return [f"privsep=1: no ACL entry gives the token a role on {path}, and what "
                f"{owner} holds does not pass to it"]
    dropped = sorted(mine - privs)
    text = (f"privsep=1: the token's own roles, intersected with what {owner} holds on "
            f"{path}")
    if dropped:
        shown = ", ".join(dropped[:_SHOWN])
        more = f" and {len(dropped) - _SHOWN} more" if len(dropped) > _SHOWN else ""
        text += f"; {owner} lacks {shown}{more}, so the token does too"
    return [text]
