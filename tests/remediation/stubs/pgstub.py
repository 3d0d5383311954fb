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

import os
import re
import sys
from pathlib import Path

import pgstub_storage as storage
from pgstub_access import acl_listing, group_members, pveum, usercfg_token
from pgstub_common import MARKER, ROOT, die, log, opts, out_json, read
from pgstub_fw import (
    fw_add_rule,
    fw_edit_rule,
    fw_ipset,
    fw_ipset_delete,
    fw_options,
    fw_rules,
    fw_set_options,
)

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


HANDLERS = {"pvesh": pvesh, "sshd": sshd, "systemctl": systemctl, "pct": pct, "qm": qm,
            "vzdump": vzdump, "pvesm": pvesm, "pveum": pveum, "pve-firewall": pve_firewall}

if __name__ == "__main__":
    try:
        HANDLERS[Path(sys.argv[0]).name](sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:  # `pct config … | grep -q` closes the pipe early, as it may
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
