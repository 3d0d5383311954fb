"""AC roles() and RPCEnvironment permissions() for one subject on one path, answered once
per distinct decision instead of once per subject.

What a path grants depends only on the ACL lines AC roles() ends with there (and on the
lines deciding each pool containing the path): every member of a group whose line decides
a path gets the very same roles, privileges and evidence sentence, and every subject that
no line reaches gets "no ACL entry applies". So an answer is keyed by (path, deciding
lines) and shared: 20,000 users judged on a dozen paths each make ~20,000 distinct
answers, not 240,000 (bench/scale.py users). The subject is the asker's, never part of an
answer. Token rules (privsep, the owner intersection) stay in model/access.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from proxguard.model import access_index
from proxguard.model.access_index import AccessIndex

if TYPE_CHECKING:
    from proxguard.model.access import AccessControl, AclEntry


@dataclass(frozen=True, slots=True)
class Explanation:
    """Effective privileges on a path and the ACL lines that decided them. It carries no
    subject: one answer serves every subject the same lines decide for."""

    path: str
    privileges: frozenset[str]
    roles: tuple[str, ...]
    decided_by: tuple[AclEntry, ...]
    reason: str  # plain sentence for evidence


@lru_cache(maxsize=65536)  # the same judged paths recur for every subject
def levels(path: str) -> tuple[str, ...]:
    """`/`, then every ancestor of the path, then the path: where AC roles() looks."""
    if path == "/":
        return ("/",)
    parts = [p for p in path.split("/") if p]
    return ("/", *("/" + "/".join(parts[: i + 1]) for i in range(len(parts))))


def granted(ac: AccessControl, idx: AccessIndex, subject: str, norm: str) -> Explanation:
    """What the subject's own lines (and its pools') grant on a normalised path, before
    any token intersection; the same object for every subject with the same deciding
    lines."""
    return granted_by(ac, idx, access_index.subject_levels(idx, subject), norm)


def granted_by(ac: AccessControl, idx: AccessIndex, mine: dict[str, access_index.Picks],
               norm: str) -> Explanation:
    """granted() from the subject's level map (a scan fetches it once, not per path)."""
    pick = access_index.decide(mine, levels(norm))
    pools = ac.pools_at(idx, norm)
    if not pools:
        key: tuple[object, ...] = (norm, *map(id, pick))
        found = idx.granted.get(key)
        if found is None:
            found = _keep(idx, key, _answer(ac, idx, norm, pick, []))
        return found
    pool_picks = [(p, access_index.decide(mine, levels(f"/pool/{p}"))) for p in pools]
    key = (norm, *map(id, pick), *(x for _, pp in pool_picks for x in ("|", *map(id, pp))))
    found = idx.granted.get(key)
    if found is None:
        found = _keep(idx, key, _answer(ac, idx, norm, pick, pool_picks))
    return found


def _keep(idx: AccessIndex, key: tuple[object, ...], answer: Explanation) -> Explanation:
    return access_index.keep(idx, "granted", key, answer, 1 + len(answer.decided_by),
                             access_index.MAX_GRANTED, access_index.MAX_GRANTED_LINES)


def _answer(ac: AccessControl, idx: AccessIndex, norm: str, pick: tuple[AclEntry, ...],
            pools: list[tuple[str, tuple[AclEntry, ...]]]) -> Explanation:
    roles, decided, reason = with_pools(norm, pick, pools)
    return Explanation(norm, privileges_of(ac, idx, roles), tuple(sorted(roles)),
                       tuple(decided), reason)


def privileges_of(ac: AccessControl, idx: AccessIndex, roles: Iterable[str]) -> frozenset[str]:
    """The union of the roles' privileges (unknown roles grant nothing), one shared set
    per role combination, so later lookups keyed by it hash it once."""
    names = tuple(sorted(roles))
    key = ("privileges", names)
    found = idx.memo.get(key)
    if found is None:
        found = idx.memo[key] = frozenset().union(
            *(ac.roles[r].privileges for r in names if r in ac.roles))
    return found


def outcome(pick: tuple[AclEntry, ...]) -> tuple[dict[str, bool], list[AclEntry]]:
    """AC roles()' result from the lines it ended with: NoAccess, if among them, alone."""
    roles = {e.role: e.propagate for e in pick}
    if "NoAccess" in roles:
        return {"NoAccess": roles["NoAccess"]}, [e for e in pick if e.role == "NoAccess"]
    return roles, list(pick)


def with_pools(path: str, pick: tuple[AclEntry, ...],
               pools: list[tuple[str, tuple[AclEntry, ...]]]
               ) -> tuple[dict[str, bool], list[AclEntry], str]:
    """RPCEnvironment permissions(): the path's roles plus, on a pool member, the roles
    on each pool containing it (never propagated; a pool NoAccess trumps)."""
    roles, decided = outcome(pick)
    reason = describe(roles, decided, path)
    pool_roles: dict[str, bool] = {}
    pool_entries: list[AclEntry] = []
    for _pool, ppick in pools:
        proles, pdecided = outcome(ppick)
        for r in proles:
            pool_roles[r] = False
        pool_entries += pdecided
    if pool_roles and "NoAccess" not in roles:
        if "NoAccess" in pool_roles:  # a pool NoAccess trumps the regular ACL
            return ({"NoAccess": False}, [e for e in pool_entries if e.role == "NoAccess"],
                    "NoAccess through pool membership")
        added = [r for r in pool_roles if r not in roles]
        for r in added:
            roles[r] = False  # pool roles never propagate
        if added:
            decided = decided + pool_entries
            reason += f"; {', '.join(sorted(added))} through pool membership"
    return roles, decided, reason


def describe(roles: dict[str, bool], decided: Iterable[AclEntry], path: str) -> str:
    entries = list(decided)
    if not roles:
        return f"no ACL entry applies on {path}"
    how = "; ".join(e.describe() for e in entries)
    return f"{', '.join(sorted(roles))} on {path} from {how}"
