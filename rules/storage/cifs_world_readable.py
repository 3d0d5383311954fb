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
from proxguard.rules.storage._shell import STORAGE_OPTIONS_SH

_MODES = ("file_mode", "dir_mode")


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = []
    for s in host.storage.of_type("cifs"):
        target = f"storage/{s.id}"
        line = s.line_of("options")
        problems, notes = _judge(s, params)
        facts = {"storage": s.id, "options_fixed": _fixed_options(s, params),
                 "path": s.get("path") or f"/mnt/pve/{s.id}"}
        where = f"options {s.get('options')} ({s.file}:{line})" if s.options \
            else "no mount options"
        if problems:
            out.append(failed(target, f"{where}: {'; '.join(problems)}", s.file, line, **facts))
        else:
            tail = f"; {'; '.join(notes)}" if notes else ""
            out.append(passed(target, f"{where}: no world-accessible mode, no noperm{tail}",
                              s.file, line if s.options else s.line, **facts))
    return out


def _judge(s: Storage, params: Params) -> tuple[list[str], list[str]]:
    backups = "backup" in s.content
    problems: list[str] = []
    notes: list[str] = []
    for name in _MODES:
        raw = s.mount_option(name)
        if raw is None:
            notes.append(f"{name} not set (the mount.cifs default 0755 applies unless the "
                         "server supplies modes)")
            continue
        mode = _octal(raw)
        if mode is None:
            notes.append(f"{name}={raw} is not an octal mode (the mount will fail)")
        elif mode & 0o002:
            problems.append(f"{name}={raw} lets every local user write")
        elif backups and mode & 0o004:
            problems.append(f"{name}={raw} lets every local user read the backups stored here")
    if s.mount_option("noperm") is not None:
        problems.append("noperm disables the client's permission checks")
    if params.get("flag_guest") and s.mount_option("guest") is not None:
        problems.append("guest mounts the share anonymously")
    return problems, notes


def _octal(raw: str) -> int | None:
    """mount.cifs reads modes with strtoul(…, 8); accept the same digits."""
    digits = raw.strip()
    if not digits or any(c not in "01234567" for c in digits):
        return None
    return int(digits, 8)


def _fixed_options(s: Storage, params: Params) -> str:
    """Options with other-permission bits cleared and noperm (and, in compat, guest)
    dropped; everything else kept in order."""
    drop = {"noperm", "guest"} if params.get("flag_guest") else {"noperm"}
    out = []
    for opt in s.options:
        name, sep, value = opt.partition("=")
        if name in drop:
            continue
        mode = _octal(value) if name in _MODES and sep else None
        out.append(f"{name}=0{mode & 0o770:o}" if mode is not None else opt)
    return ",".join(out)


DOCS = """\
**What is checked.** Every `cifs:` storage in `/etc/pve/storage.cfg` as Proxmox reads it.
Its `options` value is split as a comma list of mount options (Proxmox passes it to
`mount -t cifs -o …` after its own `soft`, credentials and `vers=` options); only option
*names* are compared, never substrings of other values, so a share called
`guest-backups` or a path containing `0777` cannot trigger it.

**How the verdict is decided.** Fails when `file_mode` or `dir_mode` (octal) grants
*other* users write permission; when the storage holds `backup` content and a mode grants
*other* users read permission; or when `noperm` turns off client-side permission checks.
The last value of a repeated option counts, as in mount(8). **compat** also fails on an
explicit `guest` option (the incumbent's intent of "anonymous share"); **extended**
leaves anonymous mounts to a dedicated rule, because Proxmox mounts as guest on its own
when no credentials file exists, which `storage.cfg` cannot show. Modes that are not set
take the mount.cifs default (0755) unless the server supplies POSIX modes; they pass and
are named in the evidence.

**Why.** On the PVE host every local account and every service can reach the mount point
`/mnt/pve/<id>`; world-writable images or readable backups (full guest disks, including
their `/etc/shadow`) hand them to anyone with a foothold on the host.
"""

TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: cifs-world-readable, storage {{ facts.storage }}
# What it changes: sets the mount options of storage {{ facts.storage }} to
#   '{{ facts.options_fixed }}' (other-user permission bits cleared, noperm removed).
# Disruption: none until the share is mounted again. To apply now, stop backups and
#   guests using it, then `umount {{ facts.path }}`; pvestatd mounts it again.
# Undo: pvesm set {{ facts.storage }} --options <the options in the saved storage.cfg>
# If the options were changed since the audit, audit again first: this sets them to
#   the value above.
set -eu

STORAGE={{ facts.storage | shquote }}
""" + STORAGE_OPTIONS_SH + """if [ "$(current_options)" = {{ facts.options_fixed | shquote }} ]; then
    echo "Storage $STORAGE already has these options; nothing to do."
    exit 0
fi
mkdir -p "$(dirname "$BACKUP")"
cp -p "$STORAGE_CFG" "$BACKUP"
echo "Saved a copy of storage.cfg to $BACKUP"
{% if facts.options_fixed %}
pvesm set {{ facts.storage | shquote }} --options {{ facts.options_fixed | shquote }}
{% else %}
pvesm set {{ facts.storage | shquote }} --delete options
{% endif %}
echo "Remount the share for the new modes to apply:" {{ facts.path | shquote }}
"""

RULE = Rule(
    id="cifs-world-readable",
    title="CIFS storage with broad permissions",
    category="storage",
    references=(
        Reference("PVE", "PVE-STOR-002", "CIFS mount with broad permissions"),
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
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"flag_guest": True}),
        "extended": Tuning(Severity.MEDIUM, {"flag_guest": False}),
    },
)
