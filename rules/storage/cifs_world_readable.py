"""cifs-world-readable: a CIFS storage mounted so that any local user can read or write."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.storage import Storage
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
)

_MODES = ("file_mode", "dir_mode")
KERNEL_DEFAULT_MODE = "0755"  # cifs.ko: file_mode/dir_mode when the option is not given
# Content whose theft or tampering compromises guests or the host: backups, disks,
# container volumes, snippets (hookscripts run as root on the node).
_GUEST_DATA = frozenset({"backup", "images", "rootdir", "snippets"})
_KRB5 = frozenset({"sec=krb5", "sec=krb5i", "sec=krb5p"})


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = []
    for s in host.storage.of_type("cifs"):
        target = f"storage/{s.id}"
        line = s.line_of("options")
        problems, notes = _judge(s, params)
        facts = {"storage": s.id, "options_fixed": _fixed_options(s, params),
                 "path": s.get("path") or f"/mnt/pve/{s.id}",
                 "anonymous": _anonymous(s) is not None}
        where = f"options {s.get('options')} ({s.file}:{line})" if s.options \
            else "no mount options"
        if problems:
            out.append(failed(target, f"{where}: {'; '.join(problems)}", s.file,
                              line if s.options else s.line, **facts))
        else:
            tail = f"; {'; '.join(notes)}" if notes else ""
            out.append(passed(target, f"{where}: no world-accessible mode, no noperm{tail}",
                              s.file, line if s.options else s.line, **facts))
    return out


def _anonymous(s: Storage) -> str | None:
    """Why PVE mounts this share as guest, or None. CIFSPlugin.pm cifs_mount passes
    `guest,username=guest` unless `sec=krb5*` is in the options or a credentials file
    exists, and PVE writes that file only with a password for a storage with a username."""
    if s.mount_option("guest") is not None:
        return "the guest option mounts the share anonymously"
    if s.get("username") is None and not any(
            "".join(o.split()).lower() in _KRB5 for o in s.options):
        return ("no username: PVE mounts it as guest (pve-storage CIFSPlugin.pm cifs_mount: "
                "-o guest,username=guest without a credentials file)")
    return None


def _judge(s: Storage, params: Params) -> tuple[list[str], list[str]]:
    backups = "backup" in s.content
    problems: list[str] = []
    notes: list[str] = []
    for name in _MODES:
        raw = s.mount_option(name)
        shown = f"{name}={raw}"
        if raw is None:
            raw, shown = KERNEL_DEFAULT_MODE, f"{name} unset (kernel default 0755)"
        mode = _octal(raw)
        if mode is None:
            notes.append(f"{shown} is not an octal mode (the mount will fail)")
        elif mode & 0o002:
            problems.append(f"{shown} lets every local user write")
        elif backups and mode & 0o004:
            problems.append(f"{shown} lets every local user read the backups stored here")
    if s.mount_option("noperm") is not None:
        problems.append("noperm disables the client's permission checks")
    anon = _anonymous(s)
    if anon is not None:
        held = sorted(s.content & _GUEST_DATA)
        if params.get("flag_guest") or held:
            what = f" while it holds {', '.join(held)}" if held else ""
            problems.append(f"{anon}{what}: anyone who can reach the SMB server gets the access this node has")
        else:
            notes.append(f"{anon}; it holds only {', '.join(sorted(s.content))}")
    return problems, notes


def _octal(raw: str) -> int | None:
    """mount.cifs reads modes with strtoul(…, 8); accept the same digits."""
    digits = raw.strip()
    if not digits or any(c not in "01234567" for c in digits):
        return None
    return int(digits, 8)


def _fixed_options(s: Storage, params: Params) -> str:
    """Options with other-permission bits cleared, noperm and guest dropped, and — for
    backup storage, where the kernel default 0755 is too open — the missing modes set
    to 0750; everything else kept in order."""
    drop = {"noperm", "guest"}
    out = []
    for opt in s.options:
        name, sep, value = opt.partition("=")
        if name in drop:
            continue
        mode = _octal(value) if name in _MODES and sep else None
        out.append(f"{name}=0{mode & 0o770:o}" if mode is not None else opt)
    if "backup" in s.content:
        out += [f"{m}=0750" for m in _MODES if s.mount_option(m) is None]
    return ",".join(out)


DOCS = """\
**What is checked.** Every `cifs:` storage in `/etc/pve/storage.cfg` as Proxmox reads it.
Its `options` value is split as a comma list of mount options (Proxmox passes it to
`mount -t cifs -o …` after its own `soft`, credentials or guest, and `vers=` options);
only option *names* are compared, never substrings of other values, so a share called
`guest-backups` or a path containing `0777` cannot trigger it.

**How the verdict is decided.** Fails when `file_mode` or `dir_mode` (octal) grants
*other* users write permission; when the storage holds `backup` content and a mode grants
*other* users read permission; or when `noperm` turns off client-side permission checks.
An unset mode is the cifs kernel default `0755` and is judged exactly like an explicit
`0755` (so it fails for backup storage). The last value of a repeated option counts, as
in mount(8). A share mounted **as guest** is judged too: Proxmox mounts with
`guest,username=guest` when the storage has no credentials file and no `sec=krb5*`
option (pve-storage `CIFSPlugin.pm` `cifs_mount`), and it only writes that file for a
storage with a `username` — so a storage without `username` (and without Kerberos), or
with an explicit `guest` option, is anonymous. **extended** fails such a share when it
holds backups, disk images, container volumes or snippets (hookscripts run as root on
the node) and names it in the evidence when it holds only ISO images or templates;
**compat** fails every anonymous share (the incumbent's intent for `guest`). A storage
*with* a `username` may still lack its password file (`/etc/pve/priv/storage/<id>.pw`,
never read by ProxGuard), in which case Proxmox mounts it as guest as well.

**Why.** On the PVE host every local account and every service can reach the mount point
`/mnt/pve/<id>`; world-writable images or readable backups (full guest disks, including
their `/etc/shadow`) hand them to anyone with a foothold on the host, and an anonymous
share hands them to anyone who can reach the SMB server.
"""


RULE = Rule(
    id="cifs-world-readable",
    title="CIFS storage with broad permissions",
    category="storage",
    references=(
        Reference("Incumbent", "PVE-STOR-002",
                  "CIFS mount with broad permissions (the incumbent auditor's rule id, not a Proxmox "
                  "control)"),
        Reference("mount.cifs(8)", "file_mode, dir_mode, noperm", "Client-side permissions"),
        Reference("PHG-PBS", "1.2.5", "Harden network storage"),
    ),
    inputs=("storage",),
    rationale="A CIFS mount whose modes let every local user write, or read backups, "
              "exposes guest disks and backups to anyone with a foothold on the host.",
    docs=DOCS,
    remediation=Remediation(
        summary="Clear the other-user bits of file_mode/dir_mode and drop noperm with "
                "`pvesm set <id> --options …`, then remount.",
        template="storage/cifs_world_readable.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"flag_guest": True}),
        "extended": Tuning(Severity.MEDIUM, {"flag_guest": False}),
    },
)
