"""Properties of the permission matrix on generated user.cfg files, against a small
oracle written straight from AC `roles()` (AccessControl.pm, libpve-access-control 9.1.1:
tokens, then user, then the union of the user's groups decide a level; above the final
level only propagating entries count; a NoAccess in the result is all that is returned;
root@pam is Administrator; a privsep=0 token is its owner).

Invariants checked on every cell: roles equal the oracle's; a privsep=0 (or missing)
token's cell is its owner's; a privsep=1 token never holds what its owner lacks; the tier
is that of the strongest privilege; every deciding line is that very ACL line of the file.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.model.access import split_tokenid
from proxguard.model.permission_matrix import cell, default_paths, default_subjects
from proxguard.model.privileges import ALL_PRIVILEGES, BUILTIN_ROLES, highest_tier
from proxguard.parsers import usercfg

USERS = ("a@pve", "b@pve", "c@pam")
GROUPS = ("g1", "g2")
PATHS = ("/", "/vms", "/vms/100", "/vms/101", "/storage", "/storage/nfs", "/pool/p",
         "/nodes", "/nodes/pve1")
ROLES = ("PVEAuditor", "PVEVMUser", "PVEVMAdmin", "PVEDatastoreUser", "NoAccess",
         "Administrator", "PVETemplateUser")
PRIVSEP = ("0", "1", "")


@st.composite
def user_cfgs(draw: st.DrawFn) -> str:
    lines = ["user:root@pam:1:0::::::"] + [f"user:{u}:1:0::::::" for u in USERS]
    tokens = []
    for u in USERS:
        for name in draw(st.lists(st.sampled_from(("ci", "ro")), unique=True, max_size=2)):
            tokens.append(f"{u}!{name}")
            lines.append(f"token:{u}!{name}:0:{draw(st.sampled_from(PRIVSEP))}::")
    for g in GROUPS:
        members = draw(st.lists(st.sampled_from(USERS), unique=True, max_size=3))
        lines.append(f"group:{g}:{','.join(members)}::")
    vms = draw(st.lists(st.sampled_from(("100", "101")), unique=True, max_size=2))
    lines.append(f"pool:p::{','.join(vms)}:{draw(st.sampled_from(('nfs', '')))}:")
    subjects = list(USERS) + [f"@{g}" for g in GROUPS] + tokens
    for _ in range(draw(st.integers(0, 12))):
        lines.append(f"acl:{draw(st.sampled_from('01'))}:{draw(st.sampled_from(PATHS))}:"
                     f"{draw(st.sampled_from(subjects))}:{draw(st.sampled_from(ROLES))}:")
    return "\n".join(lines) + "\n"


def oracle_roles(text: str, subject: str, path: str) -> set[str]:
    """AC roles() over the raw lines (later lines overwrite the same key, as the hash does)."""
    if subject == "root@pam":
        return {"Administrator"}
    privsep = {}
    members: dict[str, set[str]] = {}
    tree: dict[str, dict[str, dict[str, dict[str, bool]]]] = {}
    for line in text.splitlines():
        f = line.split(":")
        if f[0] == "token":
            privsep[f[1]] = f[3] == "1"
        elif f[0] == "group":
            members[f[1]] = set(filter(None, f[2].split(",")))
        elif f[0] == "acl":
            kind = "groups" if f[3].startswith("@") else "tokens" if "!" in f[3] else "users"
            node = tree.setdefault(f[2], {}).setdefault(kind, {})
            node.setdefault(f[3].lstrip("@"), {})[f[4]] = f[1] == "1"
    split = split_tokenid(subject)
    if split:
        if subject not in privsep:
            return set()
        if not privsep[subject]:
            return oracle_roles(text, split[0], path)
    parts = [""] if path == "/" else path.split("/")
    roles: dict[str, bool] = {}
    cur = ""
    for i, p in enumerate(parts):
        final = i == len(parts) - 1
        cur = cur + "/" + p if p else cur
        node = tree.get(cur or "/", {})
        picks = [node.get("tokens", {}).get(subject, {}), node.get("users", {}).get(subject, {})]
        union: dict[str, bool] = {}
        for g, ri in node.get("groups", {}).items():
            if subject in members.get(g, set()):
                union.update(ri)
        for ri in [*picks, union]:
            new = {r: prop for r, prop in ri.items() if final or prop}
            if new:
                roles = new
                break
    return {"NoAccess"} if "NoAccess" in roles else set(roles)


@settings(max_examples=60, deadline=None)
@given(user_cfgs())
def test_cells_follow_proxmox(text: str) -> None:
    ac = usercfg.parse(text, "etc/pve/user.cfg", Diagnostics())
    lines = text.split("\n")
    paths = sorted(set(default_paths(ac)) | set(PATHS))
    for subject in default_subjects(ac):
        split = split_tokenid(subject)
        for path in paths:
            c = cell(ac, subject, path)
            assert set(c.roles) == oracle_roles(text, subject, path), (subject, path)
            tier = highest_tier(frozenset(c.privileges))
            assert c.tier == (tier.value if tier else "none")
            for e in c.decided_by:
                assert lines[e.line - 1] == f"acl:{int(e.propagate)}:{e.path}:{e.ugid}:{e.role}:"
            if subject == "root@pam":
                assert set(c.privileges) == ALL_PRIVILEGES
            if not split:
                if not ac.pools_containing(path) and "NoAccess" not in c.roles:
                    union = set().union(*(BUILTIN_ROLES[r] for r in c.roles))
                    assert set(c.privileges) == union, (subject, path)
                continue
            owner = cell(ac, split[0], path)
            if not ac.tokens[subject].privsep:
                assert (c.roles, c.privileges) == (owner.roles, owner.privileges)
            elif split[0] != "root@pam":
                assert set(c.privileges) <= set(owner.privileges)
