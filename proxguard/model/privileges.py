"""What each Proxmox privilege is worth: the one table of privileges, built-in roles,
read/write/admin tiers and the privilege-on-path combinations that escalate.

Every access judgement (overpermissive-roles, admin-api-tokens, a token-tier check, a
permissions view) must agree on what "admin" means, so the knowledge lives here once.
The privilege groups are pve-access-control `AccessControl.pm` `$privgroups` as of
libpve-access-control 9.1.1 (PVE 9.x); the built-in roles are derived from them exactly
as its `create_roles()` does, so table and roles cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

# [AC AccessControl.pm $privgroups]: per category the root/admin/user/audit groups.
PRIVGROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "VM": {
        "root": (),
        "admin": ("VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network",
                  "VM.Config.HWType", "VM.Config.Options", "VM.Allocate", "VM.Clone",
                  "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.Replicate", "VM.Snapshot",
                  "VM.Snapshot.Rollback"),
        "user": ("VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.Backup",
                 "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt",
                 "VM.GuestAgent.FileWrite", "VM.PowerMgmt"),
        "audit": ("VM.Audit", "VM.GuestAgent.Audit"),
    },
    "Sys": {
        "root": ("Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork"),
        "admin": ("Sys.Console", "Sys.Syslog"),
        "user": (),
        "audit": ("Sys.Audit",),
    },
    "Datastore": {
        "root": (),
        "admin": ("Datastore.Allocate", "Datastore.AllocateTemplate"),
        "user": ("Datastore.AllocateSpace",),
        "audit": ("Datastore.Audit",),
    },
    "SDN": {"root": (), "admin": ("SDN.Allocate", "SDN.Audit"), "user": ("SDN.Use",),
            "audit": ("SDN.Audit",)},
    "User": {"root": ("Realm.Allocate",),
             "admin": ("User.Modify", "Group.Allocate", "Realm.AllocateUser"),
             "user": (), "audit": ()},
    "Pool": {"root": (), "admin": ("Pool.Allocate",), "user": ("Pool.Audit",),
             "audit": ("Pool.Audit",)},
    "Mapping": {"root": (), "admin": ("Mapping.Modify",), "user": ("Mapping.Use",),
                "audit": ("Mapping.Audit",)},
}

ADMIN_PRIVILEGE = "Permissions.Modify"  # AC: in no group; its holder can grant any role
# VM.Monitor was valid up to PVE 8 (dropped in 9.0.2); a PVE 8 file may carry it.
FORMER_PRIVILEGES: frozenset[str] = frozenset({"VM.Monitor"})


def _all_privileges() -> frozenset[str]:
    privs = {ADMIN_PRIVILEGE}
    for groups in PRIVGROUPS.values():
        for names in groups.values():
            privs.update(names)
    return frozenset(privs)


ALL_PRIVILEGES: frozenset[str] = _all_privileges()


def _builtin_roles() -> dict[str, frozenset[str]]:
    """AC create_roles(): PVE<cat>Admin/User, PVEAdmin, PVEAuditor, PVETemplateUser."""
    roles: dict[str, set[str]] = {"PVEAdmin": set(), "PVEAuditor": set()}
    for cat, groups in PRIVGROUPS.items():
        below_root = groups["admin"] + groups["user"] + groups["audit"]
        roles.setdefault(f"PVE{cat}Admin", set()).update(below_root)
        roles["PVEAdmin"].update(below_root)
        if groups["user"]:
            roles.setdefault(f"PVE{cat}User", set()).update(groups["user"] + groups["audit"])
        roles["PVEAuditor"].update(groups["audit"])
    roles["PVEAdmin"].discard("Mapping.Modify")  # AC: only Administrator/MappingAdmin
    out = {name: frozenset(p) for name, p in roles.items()}
    out["PVETemplateUser"] = frozenset({"VM.Clone", "VM.Audit"})
    out["NoAccess"] = frozenset()
    out["Administrator"] = ALL_PRIVILEGES
    return out


BUILTIN_ROLES: dict[str, frozenset[str]] = _builtin_roles()


class Tier(StrEnum):
    """How much a privilege lets its holder do, independent of the path."""

    READ = "read"  # sees state, changes nothing
    WRITE = "write"  # changes guests, storage or networks it is granted on
    ADMIN = "admin"  # changes who may do what, the hosts, or creates/destroys guests


# ADMIN: Permissions.Modify, AC's root-only group (kept out of PVEAdmin on purpose),
# user/group/realm management (lets the holder reach other accounts), the host console,
# Mapping.Modify (host devices; AC keeps it out of PVEAdmin too), and the destructive
# allocations an agent's token must not get before it is trusted (issue 12 token tiers,
# issue 16): VM.Allocate (create/destroy guests) and the storage-admin pair
# Datastore.Allocate/AllocateTemplate (AC's Datastore admin group; the user-group
# Datastore.AllocateSpace stays write).
_ADMIN_TIER = frozenset({ADMIN_PRIVILEGE, "User.Modify", "Group.Allocate",
                         "Realm.AllocateUser", "Sys.Console", "Mapping.Modify",
                         "VM.Allocate", "Datastore.Allocate", "Datastore.AllocateTemplate"}
                        | {p for g in PRIVGROUPS.values() for p in g["root"]})
# READ: AC's audit groups, plus reading the node's logs.
_READ_TIER = frozenset({p for g in PRIVGROUPS.values() for p in g["audit"]} | {"Sys.Syslog"})


def tier_of(privilege: str) -> Tier:
    """The tier of a privilege; unknown names (e.g. a former one) count as WRITE."""
    if privilege in _ADMIN_TIER:
        return Tier.ADMIN
    if privilege in _READ_TIER:
        return Tier.READ
    return Tier.WRITE


@lru_cache(maxsize=4096)  # asked for every judged path; few distinct privilege sets
def highest_tier(privileges: frozenset[str]) -> Tier | None:
    """The tier of the strongest privilege held; None for no privilege at all."""
    tiers = {tier_of(p) for p in privileges}
    for t in (Tier.ADMIN, Tier.WRITE, Tier.READ):
        if t in tiers:
            return t
    return None


class Reach(StrEnum):
    """How far an escalation carries its holder."""

    CLUSTER = "cluster"  # to Administrator-level control of the cluster or a node
    SUBTREE = "subtree"  # to Administrator on the path's own subtree only


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(regex: str) -> re.Pattern[str]:
    """The escalation table's regexes compiled once (a handful; `re.fullmatch(str, …)`
    looks its cache up on each of the ~35,000 calls a large user.cfg makes)."""
    found = _PATTERNS.get(regex)
    if found is None:
        found = _PATTERNS[regex] = re.compile(regex)
    return found


@dataclass(frozen=True, slots=True)
class Escalation:
    """A privilege that, held on a path matching `paths`, lets its holder get more."""

    privilege: str
    paths: str  # regex over normalised ACL paths (fullmatch)
    reach: Reach
    why: str  # what the holder can do with it, with the source that says so
    cluster_paths: str = ""  # regex: on these paths the reach is CLUSTER even if SUBTREE

    def matches(self, privileges: frozenset[str], path: str) -> bool:
        return self.privilege in privileges and _pattern(self.paths).fullmatch(path) is not None

    def reach_on(self, path: str) -> Reach:
        if self.cluster_paths and _pattern(self.cluster_paths).fullmatch(path):
            return Reach.CLUSTER
        return self.reach


ESCALATIONS: tuple[Escalation, ...] = (
    Escalation(
        ADMIN_PRIVILEGE, r"/.*", Reach.SUBTREE,
        "can grant any role, Administrator included, on this path and below (AC API2/ACL.pm "
        "update_acl: Permissions.Modify lifts the subset-of-own-privileges limit)",
        cluster_paths=r"/|/access(/.*)?|/nodes(/.*)?"),
    Escalation(
        "User.Modify", r"/access/groups", Reach.CLUSTER,
        "can set the groups of any user, its own included, so it can join any group that "
        "holds Administrator (AC RPCEnvironment.pm userid-group: check_any on "
        "/access/groups short-circuits the per-group checks; API2/User.pm update_user)"),
    Escalation(
        "Realm.Allocate", r"/access/realm", Reach.CLUSTER,
        "can create and change authentication realms, e.g. drop a realm's TFA requirement "
        "or add a realm whose directory it controls (AC API2/Domains.pm)"),
    Escalation(
        "Sys.Modify", r"/|/nodes(/[^/]+)?", Reach.CLUSTER,
        "can change system settings: on / the datacenter options and the cluster firewall, "
        "on /nodes the node's network, firewall and services (pve-firewall "
        "API2/Firewall/Cluster.pm and Host.pm set_options; AC $privgroups keeps Sys.Modify "
        "out of every role but Administrator)"),
)

# Paths on which the escalations above are decided, judged for every subject even when
# no ACL line names them (inheritance from `/` reaches them).
ESCALATION_PATHS: tuple[str, ...] = ("/", "/access", "/access/groups", "/access/realm",
                                     "/nodes")


def escalations_on(privileges: frozenset[str], path: str) -> list[Escalation]:
    """The escalations these privileges give on this path."""
    return [e for e in ESCALATIONS if e.matches(privileges, path)]


@lru_cache(maxsize=65536)  # every subject asks for the same few sets on the same paths
def escalations_at(privileges: frozenset[str], path: str) -> tuple[Escalation, ...]:
    """escalations_on() as a tuple, memoised (permission scans ask for every path)."""
    return tuple(escalations_on(privileges, path))


def is_admin_equivalent(privileges: frozenset[str]) -> bool:
    return ADMIN_PRIVILEGE in privileges


def is_near_admin(privileges: frozenset[str]) -> bool:
    """Holds at least everything PVEAdmin holds (rules-catalogue §1.2 #9 'near-admin')."""
    return BUILTIN_ROLES["PVEAdmin"] <= privileges
