"""Proxmox access control as PVE itself sees it, and who can do what where.

The rules must judge *effective* rights, not ACL lines: a user entry replaces group
entries at the same path, a deeper path replaces what was inherited, NoAccess cancels,
pools add roles, and privilege-separated tokens only keep what both they and their user
hold. Getting any of that wrong either hides an administrator or invents one, so the
walk below follows pve-access-control's `roles()` and RPCEnvironment `permissions()`
step by step (formats.md §2.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from functools import lru_cache

from proxguard.model import access_index, access_walk
from proxguard.model.access_index import AccessIndex
from proxguard.model.access_walk import Explanation
from proxguard.model.access_walk import levels as _levels

# The privilege table, built-in roles and tiers live in one place (privileges.py); they
# are re-exported here for the modules that have always imported them from the model.
from proxguard.model.privileges import (
    ADMIN_PRIVILEGE,  # noqa: F401  (re-exported)
    ALL_PRIVILEGES,
    BUILTIN_ROLES,
    FORMER_PRIVILEGES,  # noqa: F401  (re-exported)
    is_admin_equivalent,  # noqa: F401  (re-exported)
    is_near_admin,  # noqa: F401  (re-exported)
)

ROOT = "root@pam"

# [AC Auth/Plugin.pm] user_regex / realm_regex; [AC AccessControl.pm] token_full_regex.
USER_RE = r"[^\s:/]+"
REALM_RE = r"[A-Za-z][A-Za-z0-9._-]+"
USERID = re.compile(rf"({USER_RE})@({REALM_RE})")
TOKENID = re.compile(rf"(({USER_RE})@({REALM_RE}))!({REALM_RE})")


@lru_cache(maxsize=65536)  # every group member and ACL subject; bounded for hostile input
def valid_userid(userid: str) -> bool:
    """AC verify_username: 3–64 characters, `name@realm`."""
    return 3 <= len(userid) <= 64 and USERID.fullmatch(userid) is not None


@lru_cache(maxsize=65536)  # asked for every explain; bounded for hostile input
def split_tokenid(tokenid: str) -> tuple[str, str] | None:
    m = TOKENID.fullmatch(tokenid)
    return (m.group(1), m.group(4)) if m else None


@lru_cache(maxsize=65536)
def normalize_path(raw: str) -> str | None:
    """AC normalize_path: collapse `//`, drop one trailing `/`, add the leading one."""
    if raw in ("", "0"):  # Perl falsy → undef
        return None
    path = re.sub(r"/+", "/", raw)
    path = path[:-1] if path.endswith("/") else path
    path = path or "/"
    if not path.startswith("/"):
        path = "/" + path
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", path):
        return None
    return path


@dataclass(slots=True)
class User:
    id: str
    enable: bool
    expire: int  # epoch seconds, 0 = never
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    comment: str = ""
    keys: str = ""  # "x" = TFA entries in priv/tfa.cfg; other values: legacy inline keys
    file: str = ""
    line: int = 0  # 0: implicit (root@pam added by PVE) or from a listing

    @property
    def realm(self) -> str:
        return self.id.rsplit("@", 1)[-1]

    def expired(self, now: int) -> bool:
        return 0 < self.expire < now  # AC check_user_enabled: `$expire && $expire < $ctime`

    def can_authenticate(self, now: int) -> bool:
        return self.enable and not self.expired(now)

    @property
    def tfa_marker(self) -> str | None:
        """How user.cfg says this user has TFA; None when the keys field is empty."""
        if not self.keys:
            return None
        if self.keys == "x" or self.keys.startswith("x!"):
            return "marker"  # formats.md §2.4: entries live in /etc/pve/priv/tfa.cfg
        return "legacy"  # pre-6.x inline OTP/Yubico key ids, used per the realm's tfa type


@dataclass(slots=True)
class Token:
    user: str
    name: str
    expire: int
    privsep: bool
    comment: str = ""
    file: str = ""
    line: int = 0
    incumbent_format: bool = False  # `token:<user>:<name>:…`, which PVE itself ignores

    @property
    def id(self) -> str:
        return f"{self.user}!{self.name}"

    def expired(self, now: int) -> bool:
        return 0 < self.expire < now  # AC verify_token


@dataclass(slots=True)
class Group:
    id: str
    members: list[str] = field(default_factory=list)  # as PVE keeps them, in file order
    comment: str = ""
    file: str = ""
    line: int = 0


@dataclass(slots=True)
class Role:
    id: str
    privileges: frozenset[str]
    builtin: bool
    file: str = ""
    line: int = 0


@dataclass(slots=True)
class AclEntry:
    path: str  # normalised
    kind: str  # "user", "group", "token"
    subject: str  # user id, group id (without @), or full token id
    role: str
    propagate: bool
    file: str = ""
    line: int = 0

    @property
    def ugid(self) -> str:
        return "@" + self.subject if self.kind == "group" else self.subject

    def describe(self) -> str:
        return (f"acl:{int(self.propagate)}:{self.path}:{self.ugid}:{self.role} "
                f"({self.file}:{self.line})")


@dataclass(slots=True)
class Pool:
    id: str
    comment: str = ""
    vms: list[int] = field(default_factory=list)
    storage: list[str] = field(default_factory=list)
    parent: str | None = None
    file: str = ""
    line: int = 0


@dataclass
class AccessControl:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)  # full token id → Token
    groups: dict[str, Group] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    acl: dict[tuple[str, str, str, str], AclEntry] = field(default_factory=dict)
    pools: dict[str, Pool] = field(default_factory=dict)
    incumbent_tokens: dict[str, Token] = field(default_factory=dict)
    # Where users are known from (user.cfg or `pveum user list`) and where ACLs are known
    # from (user.cfg only). None → rules needing them are not_evaluated.
    user_source: str | None = None
    acl_source: str | None = None
    _index: AccessIndex | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, privs in BUILTIN_ROLES.items():
            self.roles.setdefault(name, Role(name, privs, True))

    # -- queries ------------------------------------------------------------------------
    def index(self) -> AccessIndex:
        """Lookup tables and memoised answers (access_index.py), built on first use and
        rebuilt if the tables grew since (the parser builds the model, rules only read)."""
        if self._index is None or self._index.key != access_index.fingerprint(self):
            self._index = access_index.build(self)
        return self._index

    def forget(self) -> None:
        """Drop the index and its memoised answers (rebuilt on the next question): they
        serve the rules' many questions, and a report keeps its host alive long after."""
        self._index = None

    def groups_of(self, userid: str) -> list[str]:
        """Groups listing the user as member: what AC roles() consults (group records)."""
        return list(self.index().member_of.get(userid, ()))

    def entries_for(self, userid: str, roles: Container[str] | None = None
                    ) -> list[AclEntry]:
        """ACL entries naming the user or a group listing it, in file order; with `roles`,
        only those giving one of them (filtered before the merge into file order: the
        rules ask for every user's Administrator lines, and most users have none)."""
        idx = self.index()
        chunks = [idx.by_subject.get(("user", userid), []),
                  access_index.group_entries(idx, userid)]
        if roles is not None:
            chunks = [[e for e in chunk if e.role in roles] for chunk in chunks]
        return idx.in_file_order(chunks)

    def token_entries(self, tokenid: str) -> list[AclEntry]:
        """ACL entries naming the token itself, in file order."""
        return list(self.index().by_subject.get(("token", tokenid), ()))

    def tokens_of(self, userid: str) -> list[Token]:
        return [t for t in self.tokens.values() if t.user == userid]

    def entries_at(self, path: str) -> list[AclEntry]:
        """ACL entries on exactly this path, in file order. Indexed on first use: the
        model is built by the parser and only read afterwards, and the effective-privilege
        walk asks this for every level of every judged path of every subject."""
        return list(self.index().by_path.get(path, ()))

    def can_authenticate(self, subject: str, now: int) -> tuple[bool, str]:
        """Can this user or token log in at `now`, and if not, why (for evidence)."""
        split = split_tokenid(subject)
        userid = split[0] if split else subject
        user = self.users.get(userid)
        if user is None and self.user_source is None:
            # only a token listing was supplied: the user's state is unknown, so the
            # token is given the benefit of the doubt rather than skipped
            user = User(userid, True, 0)
        if user is None:
            return False, f"user {userid} is not defined"
        if not user.enable:
            return False, f"user {userid} is disabled"
        if user.expired(now):
            return False, f"user {userid} expired at {user.expire}"
        if split:
            token = self.tokens.get(subject)
            if token is None:
                return False, f"token {subject} is not defined"
            if token.expired(now):
                return False, f"token {subject} expired at {token.expire}"
        return True, ""

    def effective_privileges(self, subject: str, path: str) -> frozenset[str]:
        return self.explain(subject, path).privileges

    def explain(self, subject: str, path: str) -> Explanation:
        """RPCEnvironment permissions(): root, tokens (privsep), roles along the path,
        pools, then privilege union and the token/user intersection. A user's answer is
        shared with every subject the same lines decide for (access_walk.py); a token's
        is memoised per (token, path)."""
        return self.explained(self.index(), subject, path)

    def explained(self, idx: AccessIndex, subject: str, path: str) -> Explanation:
        """explain() with the index already in hand (a scan asks for a dozen paths)."""
        norm = normalize_path(path) or "/"
        if subject == ROOT:
            key = ("root", norm)
            root = idx.memo.get(key)
            if root is None:
                root = idx.memo[key] = Explanation(norm, ALL_PRIVILEGES, ("Administrator",),
                                                   (), "root@pam always holds every privilege")
            return root
        split = split_tokenid(subject)
        if split is None:
            return access_walk.granted(self, idx, subject, norm)
        found = idx.explained.get((subject, norm))
        if found is None:
            found = self._token(idx, subject, split[0], norm)
            access_index.keep(idx, "explained", (subject, norm), found,
                              1 + len(found.decided_by), access_index.MAX_EXPLAINED,
                              access_index.MAX_EXPLAINED_LINES)
        return found

    def _token(self, idx: AccessIndex, subject: str, owner: str, norm: str) -> Explanation:
        return self.token_answer(idx, subject, owner, norm,
                                 lambda: self.explained(idx, owner, norm))

    def token_answer(self, idx: AccessIndex, subject: str, owner: str, norm: str,
                     owner_answer: Callable[[], Explanation]) -> Explanation:
        """A token: nothing when undefined; its owner's answer when privsep=0; else its
        own lines' answer intersected with what the owner holds (root@pam: everything).
        The owner's answer is asked for only when needed (a scan already holds it)."""
        token = self.tokens.get(subject)
        if token is None:
            return Explanation(norm, frozenset(), (), (), f"token {subject} is not defined")
        if not token.privsep:
            mine = owner_answer()
            return Explanation(norm, mine.privileges, mine.roles, mine.decided_by,
                               f"privsep=0: the privileges of {owner} ({mine.reason})")
        own = access_walk.granted(self, idx, subject, norm)
        if owner == ROOT or not own.privileges:  # nothing held: nothing to intersect
            return own
        owner_privs = owner_answer().privileges
        if own.privileges <= owner_privs:
            return own
        return Explanation(norm, own.privileges & owner_privs, own.roles, own.decided_by,
                           f"{own.reason}; limited to what {owner} holds")

    def roles_of(self, subject: str, path: str) -> tuple[dict[str, bool], list[AclEntry]]:
        """AC roles() as Proxmox returns it (no pools, no privsep intersection): root@pam
        → Administrator; an undefined token → nothing; a privsep=0 token → its owner's
        roles; any other subject → the walk of its own ACL entries."""
        norm = normalize_path(path) or "/"
        if subject == ROOT:
            return {"Administrator": True}, []
        split = split_tokenid(subject)
        if split:
            token = self.tokens.get(subject)
            if token is None:
                return {}, []
            if not token.privsep:
                return self.roles_of(split[0], norm)
        return self._roles(subject, norm)

    # -- the walk ---------------------------------------------------------------------
    def roles_with_pools(self, subject: str, path: str, idx: AccessIndex | None = None
                          ) -> tuple[dict[str, bool], list[AclEntry], str]:
        idx = idx or self.index()
        mine = access_index.subject_levels(idx, subject)
        pools = [(p, access_index.decide(mine, _levels(f"/pool/{p}")))
                 for p in self.pools_at(idx, path)]
        return access_walk.with_pools(path, access_index.decide(mine, _levels(path)), pools)

    def _roles(self, subject: str, path: str, idx: AccessIndex | None = None
               ) -> tuple[dict[str, bool], list[AclEntry]]:
        """AC roles(): at each level from `/` down, the first non-empty of token entries,
        user entries, union of the user's group entries replaces what was inherited;
        intermediate levels only count propagating entries. The subject's entries come
        per level from access_index.subject_levels (built once per subject)."""
        mine = access_index.subject_levels(idx or self.index(), subject)
        return access_walk.outcome(access_index.decide(mine, _levels(path)))

    def pools_at(self, idx: AccessIndex, path: str) -> list[str]:
        """pools_containing, memoised per path (asked for every path of every subject)."""
        if not self.pools:
            return []
        key = ("pools", path)
        found = idx.memo.get(key)
        if found is None:
            found = idx.memo[key] = self.pools_containing(path)
        return found

    def pools_containing(self, path: str) -> list[str]:
        if not self.pools:
            return []
        m = re.fullmatch(r"/vms/(\d+)", path)
        if m:
            # RPCEnvironment compile_acl_path keys pool roles by "/vms/$vmid" with the
            # vmid as int() made it: /vms/0100 is not pool member 100's path
            vmid = int(m.group(1))
            if str(vmid) != m.group(1):
                return []
            return [p.id for p in self.pools.values() if vmid in p.vms]
        m = re.fullmatch(r"/storage/([^/]+)", path)
        if m:
            return [p.id for p in self.pools.values() if m.group(1) in p.storage]
        return []
