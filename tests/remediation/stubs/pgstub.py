#!/usr/bin/env python3
"""Stand-ins for the Proxmox and system commands the remediation scripts call.

Installed on PATH under each command's name (symlinks to this file). Every call is
appended to $PROXGUARD_STUB_LOG as `W <argv>` when it changes something or `R <argv>`
when it only reads, so a test can tell whether a second run mutated anything. Calls that
change Proxmox objects apply the change to the host tree at $PROXGUARD_ROOT (a copy of a
fixture), the way PVE would write the file, so that a re-audit of the copy sees it.

`sshd -t` fails when any sshd config file holds a line starting with the marker
`ProxguardStubInvalid`: the tests inject it to prove that a failed validation restores
the backup and never reloads.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path

import pgstub_storage as storage

ROOT = Path(os.environ.get("PROXGUARD_ROOT") or "/nonexistent-proxguard-root")
MARKER = "ProxguardStubInvalid"


def log(kind: str, argv: list[str]) -> None:
    path = os.environ.get("PROXGUARD_STUB_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{kind} {shlex.join(argv)}\n")


def die(msg: str, code: int = 2) -> None:
    print(msg, file=sys.stderr)
    sys.exit(code)


def out_json(data: object) -> None:
    # pve-common CLIFormatter.pm print_api_result: JSON in UTF-8, not \u escapes
    print(json.dumps(data, separators=(",", ":"), ensure_ascii=False))


def opts(args: list[str]) -> dict[str, str]:
    """`--key value` pairs (PVE CLI style); a flag without value gets "1"."""
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            if i + 1 < len(args) and not args[i + 1].startswith("--"):
                out[a[2:]] = args[i + 1]
                i += 2
                continue
            out[a[2:]] = "1"
        i += 1
    return out


# -- sectioned files (.fw) -----------------------------------------------------------------

def read(path: Path) -> str:
    """The file as PVE reads it: no newline translation, so a CRLF file keeps its \\r."""
    return path.read_bytes().decode("utf-8")


def fw_sections(text: str) -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    # split on \n only: a CRLF header "[OPTIONS]\r" is not a section header for PVE
    for line in text.rstrip("\n").split("\n") if text else []:
        if re.match(r"^[ \t]*\[[^\]]+\][ \t]*(#.*)?$", line):
            sections.append((line.strip().split("]")[0][1:].strip().upper(), [line]))
        else:
            sections[-1][1].append(line)
    return sections


def fw_write(path: Path, sections: list[tuple[str, list[str]]]) -> None:
    lines = [line for _, body in sections for line in body]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


def fw_section(sections: list[tuple[str, list[str]]], name: str) -> list[str]:
    for head, body in sections:
        if head == name:
            return body
    body = [f"[{name}]", ""]
    if name == "OPTIONS":
        sections.insert(1, ("OPTIONS", body))
    else:
        # the list that is stored is the one returned: a rule added to a file without
        # [RULES] must not go into a detached copy (the first pvesh create was lost)
        sections[-1][1].append("")  # a blank line before the new header
        sections.append((name, body))
    return body


def fw_options(path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    if not path.exists():
        return out
    for head, body in fw_sections(read(path)):
        if head != "OPTIONS":
            continue
        for line in body[1:]:
            m = re.match(r"^\s*([a-z_]+)\s*:\s*(\S+)\s*$", line)
            if m:
                v = m.group(2)
                out[m.group(1)] = int(v) if v.isdigit() else v
    return out


def fw_set_options(path: Path, values: dict[str, str]) -> None:
    sections = fw_sections(read(path) if path.exists() else "")
    body = fw_section(sections, "OPTIONS")
    for key, value in values.items():
        hits = [i for i, line in enumerate(body) if re.match(rf"^\s*{re.escape(key)}\s*:", line)]
        for i in reversed(hits[1:]):  # PVE writes each option once
            body.pop(i)
        if hits:
            body[hits[0]] = f"{key}: {value}"
        else:
            at = len(body)
            while at > 1 and not body[at - 1].strip():
                at -= 1
            body.insert(at, f"{key}: {value}")
    fw_write(path, sections)


_RULE = re.compile(r"^(\|)?\s*(IN|OUT|FORWARD|GROUP)\s+(\S+)(.*?)(?:#\s*(.*))?$", re.I)


def fw_parse_rule(line: str, pos: int) -> dict[str, object] | None:
    """A rule line as `pvesh get …/rules` reports it; None for a line PVE would drop."""
    m = _RULE.match(line.strip())
    if not m:
        return None
    rule: dict[str, object] = {"pos": pos, "type": m.group(2).lower(),
                               "enable": 0 if m.group(1) else 1}
    action = m.group(3)
    mm = re.match(r"^(\w+)\((\w+)\)$", action)
    if mm:
        rule["macro"], rule["action"] = mm.group(1), mm.group(2)
    else:
        rule["action"] = action
    words = m.group(4).split()
    for flag, value in zip(words[::2], words[1::2], strict=False):
        name = {"p": "proto", "i": "iface"}.get(flag.lstrip("-"), flag.lstrip("-"))
        rule[name] = value
    if m.group(5):
        rule["comment"] = m.group(5).strip()
    return rule


# PVE::Firewall::format_rule: `|` when disabled, TYPE, action or MACRO(action), then the
# options in this order, then ` # comment`.
_RULE_FLAGS = (("iface", "-i"), ("source", "-source"), ("dest", "-dest"), ("proto", "-p"),
               ("icmp-type", "-icmp-type"), ("dport", "-dport"), ("sport", "-sport"),
               ("log", "-log"))


def fw_format_rule(rule: dict[str, object]) -> str:
    action = str(rule.get("action", "ACCEPT"))
    if rule.get("macro"):
        action = f"{rule['macro']}({action})"
    parts = [("" if str(rule.get("enable", "0")) == "1" else "|")
             + str(rule.get("type", "in")).upper(), action]
    for key, flag in _RULE_FLAGS:
        if rule.get(key):
            parts += [flag, str(rule[key])]
    return " ".join(parts) + (f" # {rule['comment']}" if rule.get("comment") else "")


def fw_rule_lines(body: list[str]) -> list[int]:
    """Indexes in a section body of the lines that are rules, in position order."""
    return [i for i, line in enumerate(body[1:], start=1)
            if fw_parse_rule(line, 0) is not None]


def fw_rules(path: Path, section: str = "RULES") -> list[dict[str, object]]:
    if not path.exists():
        return []
    out: list[dict[str, object]] = []
    for head, body in fw_sections(read(path)):
        if head != section:
            continue
        for i in fw_rule_lines(body):
            rule = fw_parse_rule(body[i], len(out))
            if rule is not None:
                out.append(rule)
    return out


def fw_edit_rule(path: Path, section: str, pos: int, verb: str, o: dict[str, str]) -> None:
    """pvesh set|delete …/rules/<pos>: edit, move (`--moveto`) or drop one rule line."""
    if not path.exists():
        die(f"no rule at position {pos}")
    sections = fw_sections(read(path))
    body = next((b for h, b in sections if h == section), None)
    idx = fw_rule_lines(body) if body is not None else []
    if body is None or pos >= len(idx):
        die(f"no rule at position {pos}")
        raise AssertionError
    line = body[idx[pos]]
    if verb == "delete":
        body.pop(idx[pos])
    else:
        rule = fw_parse_rule(line, pos) or {}
        for key in [k for k in o.pop("delete", "").split(",") if k]:
            rule.pop(key, None)
        moveto = o.pop("moveto", None)
        o.pop("digest", None)
        rule.update(o)
        body[idx[pos]] = fw_format_rule(rule)
        if moveto is not None and int(moveto) != pos:
            # PVE (API2/Firewall/Rules.pm): the rule goes before the rule that held
            # position `moveto` before the move, or last when moveto is past the end
            at = idx[int(moveto)] if int(moveto) < len(idx) else idx[-1] + 1
            moved = body[idx[pos]]
            body.insert(at, moved)
            body.pop(idx[pos] + (1 if at <= idx[pos] else 0))
    fw_write(path, sections)


def fw_add_rule(path: Path, o: dict[str, str], section: str = "RULES") -> None:
    """pvesh create …/rules: PVE puts a rule without --pos at the top (position 0)."""
    line = fw_format_rule(o)
    sections = fw_sections(read(path) if path.exists() else "")
    body = fw_section(sections, section)
    at = 1
    while at < len(body) and not body[at].strip():
        at += 1
    body.insert(at, line)
    fw_write(path, sections)


def fw_ipset(path: Path, name: str) -> list[dict[str, object]]:
    if not path.exists():
        return []
    for head, body in fw_sections(read(path)):
        if head.split()[:2] == ["IPSET", name.upper()]:
            entries = []
            for line in body[1:]:
                cidr, _, comment = line.partition("#")
                if cidr.strip():
                    e: dict[str, object] = {"cidr": cidr.strip().lstrip("!")}
                    if cidr.strip().startswith("!"):
                        e["nomatch"] = 1
                    if comment.strip():
                        e["comment"] = comment.strip()
                    entries.append(e)
            return entries
    return []


def fw_ipset_delete(path: Path, name: str, cidr: str) -> None:
    """`pvesh delete .../ipset/<name>/<cidr>`: the entry's line goes (PVE fails when absent)."""
    sections = fw_sections(read(path))
    for head, body in sections:
        if head.split()[:2] == ["IPSET", name.upper()]:
            for i, line in enumerate(body[1:], 1):
                if line.partition("#")[0].strip().lstrip("!") == cidr:
                    body.pop(i)
                    fw_write(path, sections)
                    return
    die(f"no such IP/Network '{cidr}' in ipset '{name}'")


# -- commands --------------------------------------------------------------------------------

def fw_path(api: str) -> tuple[Path, str] | None:
    """(.fw file, the rest of the API path) for a firewall API path."""
    m = re.match(r"^/cluster/firewall/(.+)$", api)
    if m:
        return ROOT / "etc/pve/firewall/cluster.fw", m.group(1)
    m = re.match(r"^/nodes/([^/]+)/firewall/(.+)$", api)
    if m:
        return ROOT / f"etc/pve/nodes/{m.group(1)}/host.fw", m.group(2)
    m = re.match(r"^/nodes/[^/]+/(?:lxc|qemu)/(\d+)/firewall/(.+)$", api)
    if m:
        return ROOT / f"etc/pve/firewall/{m.group(1)}.fw", m.group(2)
    return None


def fw_rule_ref(rest: str) -> tuple[str, int | None] | None:
    """(section, position or None for the list) for `rules`, `rules/<pos>`,
    `groups/<g>` and `groups/<g>/<pos>`; a security group is the section `[group <g>]`."""
    m = re.match(r"^rules(?:/(\d+))?$", rest)
    if m:
        return "RULES", (int(m.group(1)) if m.group(1) else None)
    m = re.match(r"^groups/([^/]+)(?:/(\d+))?$", rest)
    if m:
        return f"GROUP {m.group(1).upper()}", (int(m.group(2)) if m.group(2) else None)
    return None


def pvesh(argv: list[str]) -> None:
    if len(argv) < 2:
        die("pvesh: usage")
    verb, api, rest = argv[0], argv[1].rstrip("/"), argv[2:]
    o = opts(rest)
    o.pop("output-format", None)
    target = fw_path(api)
    ref = fw_rule_ref(target[1]) if target else None
    if verb == "get":
        log("R", ["pvesh", *argv])
        if target and target[1] == "options":
            out_json(fw_options(target[0]))
        elif target and ref and ref[1] is None:
            out_json(fw_rules(target[0], ref[0]))
        elif target and ref and ref[1] is not None:
            rules = fw_rules(target[0], ref[0])
            if ref[1] >= len(rules):
                die(f"no rule at position {ref[1]}")
            out_json(rules[ref[1]])
        elif target and target[1].startswith("ipset/"):
            out_json(fw_ipset(target[0], target[1].split("/", 1)[1]))
        elif api == "/access/acl":
            out_json(acl_listing())
        elif api == "/cluster/backup-info/not-backed-up":
            out_json(storage.not_backed_up(ROOT))
        elif m := re.match(r"^/cluster/backup(?:/([^/]+))?$", api):
            out_json(storage.backup_get(ROOT, m.group(1) or "", die))
        elif m := re.match(r"^/access/groups/([^/]+)$", api):
            members = group_members(m.group(1))
            if members is None:
                die(f"group '{m.group(1)}' does not exist")
            out_json({"members": members})
        elif m := re.match(r"^/access/users/([^/]+)/token/([^/]+)$", api):
            tok = usercfg_token(m.group(1), m.group(2))
            if tok is None:
                die(f"no such token '{m.group(2)}' for user '{m.group(1)}'")
            out_json(tok)
        else:
            die(f"pvesh stub: no handler for get {api}")
        return
    log("W", ["pvesh", *argv])
    if verb == "set" and target and target[1] == "options":
        fw_set_options(target[0], o)
    elif verb == "create" and target and ref and ref[1] is None:
        fw_add_rule(target[0], o, ref[0])
    elif verb in ("set", "delete") and target and ref and ref[1] is not None:
        fw_edit_rule(target[0], ref[0], ref[1], verb, o)
    elif verb == "delete" and target and re.match(r"^ipset/[^/]+/[^/]+$", target[1]):
        fw_ipset_delete(target[0], *target[1].split("/")[1:])
    elif verb == "create" and api == "/cluster/backup":
        storage.backup_create(ROOT, o, die)
    elif verb == "set" and (m := re.match(r"^/cluster/backup/([^/]+)$", api)):
        storage.backup_set(ROOT, m.group(1), o, die)
    else:
        die(f"pvesh stub: no handler for {verb} {api}")


def sshd_files(main: Path) -> list[Path]:
    files = [main] if main.exists() else []
    files += sorted((ROOT / "etc/ssh/sshd_config.d").glob("*.conf"))
    return files


def sshd(argv: list[str]) -> None:
    main = ROOT / "etc/ssh/sshd_config"
    if "-f" in argv and argv.index("-f") + 1 < len(argv):
        main = Path(argv[argv.index("-f") + 1])
    if "-t" in argv:
        log("R", ["sshd", *argv])
        for f in sshd_files(main):
            for n, line in enumerate(read(f).splitlines(), start=1):
                if line.strip().startswith(MARKER):
                    die(f"{f} line {n}: Bad configuration option: {MARKER}", 255)
        return
    if "-T" in argv:
        log("R", ["sshd", *argv])
        print("\n".join(f"{k} {v}" for k, v in sshd_effective(main).items()))
        return
    log("W", ["sshd", *argv])


def sshd_effective(main: Path) -> dict[str, str]:
    """First value wins, drop-ins at the Include position, global section only."""
    values: dict[str, str] = {}

    def walk(path: Path, depth: int) -> bool:
        for line in read(path).splitlines():
            words = line.replace("=", " ", 1).split()
            if not words or words[0].startswith("#"):
                continue
            key = words[0].lower()
            if key == "match":
                return False
            if key == "include" and depth < 4:
                for pattern in words[1:]:
                    pat = pattern.lstrip("/")
                    for inc in sorted(ROOT.glob(pat if "/" in pattern else f"etc/ssh/{pat}")):
                        if not walk(inc, depth + 1):
                            return False
                continue
            values.setdefault(key, " ".join(words[1:]))
        return True

    if main.exists():
        walk(main, 0)
    defaults = {"port": "22", "permitrootlogin": "without-password",
                "passwordauthentication": "yes", "maxauthtries": "6"}
    for k, v in defaults.items():
        values.setdefault(k, v)
    if values["permitrootlogin"] == "prohibit-password":
        values["permitrootlogin"] = "without-password"
    return values


def systemctl(argv: list[str]) -> None:
    if argv and argv[0] in ("is-active", "is-enabled", "status", "show"):
        log("R", ["systemctl", *argv])
        print("active")
        return
    log("W", ["systemctl", *argv])


def pve_firewall(argv: list[str]) -> None:
    if argv and argv[0] in ("localnet", "status", "compile"):
        log("R", ["pve-firewall", *argv])
        print("local hostname: pve1\nlocal IP address: 192.0.2.10\n"
              "network auto detect: 192.0.2.0/24\nusing detected local_network: 192.0.2.0/24")
        return
    log("W", ["pve-firewall", *argv])


# -- guests, storage -------------------------------------------------------------------------

def ct_conf(vmid: str) -> Path:
    for cand in [ROOT / f"etc/pve/lxc/{vmid}.conf",
                 *sorted(ROOT.glob(f"etc/pve/nodes/*/lxc/{vmid}.conf"))]:
        if cand.exists():
            return cand
    die(f"Configuration file 'nodes/pve1/lxc/{vmid}.conf' does not exist")
    raise AssertionError


def live_split(text: str) -> tuple[list[str], list[str]]:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("["):
            return lines[:i], lines[i:]
    return lines, []


def ct_set(path: Path, key: str, value: str | None) -> None:
    live, rest = live_split(read(path))
    while live and not live[-1].strip():
        live.pop()
    idx = next((i for i, line in enumerate(live) if line.split(":", 1)[0] == key), None)
    if value is None:
        if idx is not None:
            live.pop(idx)
    elif idx is None:
        live.append(f"{key}: {value}")
    else:
        live[idx] = f"{key}: {value}"
    tail = ["", *rest] if rest else []
    path.write_text("\n".join(live + tail) + "\n", encoding="utf-8")


def pct(argv: list[str]) -> None:
    if not argv:
        die("pct: usage")
    verb, rest = argv[0], argv[1:]
    if verb in ("config", "status", "list", "pending"):
        log("R", ["pct", *argv])
        if verb == "config":
            live, _ = live_split(read(ct_conf(rest[0])))
            print("\n".join(line for line in live if line.strip() and not line.startswith("#")))
        return
    log("W", ["pct", *argv])
    if verb == "set":
        path = ct_conf(rest[0])
        o = opts(rest[1:])
        for key in [k for k in o.get("delete", "").split(",") if k]:
            ct_set(path, key, None)
        for key, value in o.items():
            if key != "delete":
                ct_set(path, key, value)
    elif verb == "restore":
        o = opts(rest[2:])
        ct_set(ct_conf(rest[0]), "unprivileged", "1" if o.get("unprivileged") == "1" else "0")


def vm_conf(vmid: str) -> Path:
    for cand in [ROOT / f"etc/pve/qemu-server/{vmid}.conf",
                 *sorted(ROOT.glob(f"etc/pve/nodes/*/qemu-server/{vmid}.conf"))]:
        if cand.exists():
            return cand
    die(f"Configuration file 'nodes/pve1/qemu-server/{vmid}.conf' does not exist")
    raise AssertionError


def qm(argv: list[str]) -> None:
    """`qm config VMID` prints the live section; `qm set VMID --delete a,b` removes keys
    (qemu-server keeps the same one-key-per-line format as pct)."""
    if len(argv) < 2:
        die("qm: usage")
    verb, rest = argv[0], argv[1:]
    if verb == "config":
        log("R", ["qm", *argv])
        live, _ = live_split(read(vm_conf(rest[0])))
        print("\n".join(line for line in live if line.strip() and not line.startswith("#")))
        return
    log("W", ["qm", *argv])
    if verb != "set":
        die(f"qm stub: no handler for {verb}")
    path = vm_conf(rest[0])
    o = opts(rest[1:])
    for key in [k for k in o.get("delete", "").split(",") if k]:
        ct_set(path, key, None)
    for key, value in o.items():
        if key != "delete":
            ct_set(path, key, value)


def vzdump(argv: list[str]) -> None:
    log("W", ["vzdump", *argv])
    o = opts(argv[1:])
    dumpdir = Path(o.get("dumpdir", str(ROOT / "var/lib/vz/dump")))
    dumpdir.mkdir(parents=True, exist_ok=True)
    (dumpdir / f"vzdump-lxc-{argv[0]}-2026_01_01-00_00_00.tar.zst").write_bytes(b"stub\n")


def pvesm(argv: list[str]) -> None:
    """`pvesm set <id> --key value… [--delete a,b]` (pgstub_storage.pvesm_set)."""
    if not argv or argv[0] in ("status", "list", "path", "scan"):
        log("R", ["pvesm", *argv])
        return
    log("W", ["pvesm", *argv])
    if argv[0] != "set" or len(argv) < 2:
        die(f"pvesm stub: no handler for {argv[0]}")
    storage.pvesm_set(ROOT, argv[1], opts(argv[2:]), die)


# -- access control (user.cfg) ---------------------------------------------------------------

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


HANDLERS = {"pvesh": pvesh, "sshd": sshd, "systemctl": systemctl, "pct": pct, "qm": qm,
            "vzdump": vzdump, "pvesm": pvesm, "pveum": pveum, "pve-firewall": pve_firewall}

if __name__ == "__main__":
    try:
        HANDLERS[Path(sys.argv[0]).name](sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:  # `pct config … | grep -q` closes the pipe early, as it may
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
