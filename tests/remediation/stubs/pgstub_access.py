"""pgstub's access control: `pveum` and the /access API on user.cfg (tokens, ACLs,
groups), written the way pve-access-control writes the file.
"""

from __future__ import annotations

import re
import shlex

from pgstub_common import ROOT, die, log, opts, out_json, read

USERCFG = ROOT / "etc/pve/user.cfg"


def usercfg_lines() -> list[str]:
    return read(USERCFG).splitlines() if USERCFG.exists() else []


def usercfg_token(userid: str, tokenid: str) -> dict[str, object] | None:
    for line in usercfg_lines():
        f = line.split(":")
        if f[0] == "token" and len(f) >= 3 and f[1] == f"{userid}!{tokenid}":
            tok: dict[str, object] = {"tokenid": tokenid,
                                      "expire": int(f[2] or 0),
                                      "privsep": int(f[3] or 0) if len(f) > 3 else 0}
            if len(f) > 4 and f[4]:
                tok["comment"] = f[4]
            return tok
    return None


def usercfg_write(lines: list[str]) -> None:
    USERCFG.write_text("\n".join(lines) + "\n", encoding="utf-8")


def acl_tuples(lines: list[str]) -> list[tuple[str, str, str, str]]:
    """PVE keeps ACLs per (path, subject, role); a line is only their written form."""
    out = []
    for line in lines:
        f = line.split(":")
        if f[0] == "acl" and len(f) >= 5:
            for ugid in re.split(r"[,;\s]+", f[3]):
                for role in re.split(r"[,;\s]+", f[4]):
                    if ugid and role and (f[1], f[2], ugid, role) not in out:
                        out.append((f[1], f[2], ugid, role))
    return out


def acl_write(lines: list[str], acls: list[tuple[str, str, str, str]]) -> list[str]:
    rest = [line for line in lines if not line.startswith("acl:")]
    while rest and not rest[-1].strip():
        rest.pop()
    return [*rest, "", *(f"acl:{p}:{path}:{u}:{r}:" for p, path, u, r in acls)]


def acl_listing() -> list[dict[str, object]]:
    """GET /access/acl (`pveum acl list`): one entry per (path, subject, role); a group's
    ugid has no `@`, a token's holds `!` (PVE::API2::ACL read_acl)."""
    out: list[dict[str, object]] = []
    for prop, path, who, role in acl_tuples(usercfg_lines()):
        kind = "group" if who.startswith("@") else "token" if "!" in who else "user"
        out.append({"path": path, "type": kind, "ugid": who.lstrip("@"), "roleid": role,
                    "propagate": int(prop or 0)})
    return out


def group_members(group: str) -> list[str] | None:
    """GET /access/groups/<g>: {"members": [...]} (PVE::API2::Group read_group)."""
    for line in usercfg_lines():
        f = line.split(":")
        if f[0] == "group" and len(f) >= 3 and f[1] == group:
            return [m for m in f[2].split(",") if m]
    return None


def _subjects(o: dict[str, str]) -> set[str]:
    return {*o.get("users", "").split(","), *o.get("tokens", "").split(","),
            *("@" + g for g in o.get("groups", "").split(",") if g)} - {""}


# pve-access-control AccessControl.pm check_path: the ACL paths PVE accepts.
ACL_PATH = re.compile(
    r"^(/|/access(/groups(/[\w.-]+)?|/realm(/[\w.-]+)?)?|/nodes(/[\w.-]+)?"
    r"|/pool(/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,2})?|/sdn(/[\w./-]+)?"
    r"|/storage(/[\w.-]+)?|/vms(/[1-9][0-9]{2,})?|/mapping(/[\w.-]+){0,2})$", re.A)


def acl_check(lines: list[str], path: str, o: dict[str, str]) -> None:
    """API2/ACL.pm update_acl refuses an invalid path and a token that does not exist."""
    if not ACL_PATH.match(path):
        die(f"400 Parameter verification failed.\npath: invalid ACL path '{path}'")
    for full in [t for t in o.get("tokens", "").split(",") if t]:
        user, _, name = full.partition("!")
        if usercfg_token(user, name) is None:
            die(f"no such token '{name}' for user '{user}'")


def pveum(argv: list[str]) -> None:
    words = argv[:3]
    if words[:3] == ["user", "token", "list"]:
        log("R", ["pveum", *argv])
        toks = [usercfg_token(argv[3], line.split(":")[1].split("!", 1)[1])
                for line in usercfg_lines()
                if line.startswith(f"token:{argv[3]}!")]
        out_json([t for t in toks if t])
        return
    if words[:2] == ["acl", "list"]:
        log("R", ["pveum", *argv])
        out_json(acl_listing())
        return
    if "list" in words or "permissions" in words:  # every pveum listing only reads
        log("R", ["pveum", *argv])
        out_json([])
        return
    log("W", ["pveum", *argv])
    lines = usercfg_lines()
    if words[:2] == ["user", "token"] and words[2] in ("modify", "remove", "delete"):
        full = f"{argv[3]}!{argv[4]}"
        o = opts(argv[5:])
        idx = next((i for i, line in enumerate(lines) if line.startswith(f"token:{full}:")), None)
        if idx is None:
            die(f"no such token '{argv[4]}' for user '{argv[3]}'")
        if words[2] == "modify":
            f = lines[idx].split(":")
            f += [""] * (6 - len(f))
            f[2] = o.get("expire", f[2])
            f[3] = o.get("privsep", f[3])
            f[4] = o.get("comment", f[4])
            lines[idx] = ":".join(f[:5]) + ":"
        else:
            lines.pop(idx)
            lines = acl_write(lines, [a for a in acl_tuples(lines) if a[2] != full])
    elif words[:2] == ["acl", "delete"]:
        o = opts(argv[3:])
        who, roles = _subjects(o), set(o.get("roles", "").split(","))
        lines = acl_write(lines, [a for a in acl_tuples(lines)
                                  if not (a[1] == argv[2] and a[2] in who and a[3] in roles)])
    elif words[:2] == ["acl", "modify"]:
        o = opts(argv[3:])
        acl_check(lines, argv[2], o)
        acls = [a for a in acl_tuples(lines)
                if not (a[1] == argv[2] and a[2] in _subjects(o)
                        and a[3] in o.get("roles", "").split(","))]
        acls += [(o.get("propagate", "1"), argv[2], who, role)
                 for who in sorted(_subjects(o)) for role in o.get("roles", "").split(",")]
        lines = acl_write(lines, acls)
    elif words[:2] == ["user", "modify"]:
        o = opts(argv[3:])
        for i, line in enumerate(lines):
            f = line.split(":")
            if f[0] == "user" and f[1] == argv[2]:
                f[2] = o.get("enable", f[2])
                f[3] = o.get("expire", f[3])
                lines[i] = ":".join(f)
            if f[0] == "group" and "groups" in o and len(f) >= 3:
                members = [m for m in f[2].split(",") if m and m != argv[2]]
                if f[1] in o["groups"].split(","):
                    members.append(argv[2])
                f[2] = ",".join(members)
                lines[i] = ":".join(f)
    else:
        die(f"pveum stub: no handler for {shlex.join(argv)}")
    usercfg_write(lines)
