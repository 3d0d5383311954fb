"""privileged-containers: an LXC container runs without a user namespace."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
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
from proxguard.rules.container._privilege import assess, side_notes


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = []
    for vmid, ct in host.guests.containers.items():
        p = assess(ct, idmap_root_counts=bool(params.get("idmap_root_counts")))
        notes = side_notes(ct)
        evidence = p.evidence + (f"; {notes}" if notes else "")
        rootfs = ct.mounts.get("rootfs", {}).get("volume", "")
        facts = {"vmid": vmid, "hostname": ct.hostname or "", "node": ct.node or "",
                 "storage": rootfs.split(":", 1)[0] if ":" in rootfs else ""}
        target = f"ct/{vmid}"
        if p.privileged:
            out.append(failed(target, evidence, ct.file, p.line, **facts))
        else:
            out.append(passed(target, evidence, ct.file, p.line, **facts))
    return out


DOCS = """\
**What is checked.** Each LXC container's *live* configuration (the lines before the first
`[pve:pending]` or `[snapshot]` header of `/etc/pve/lxc/<vmid>.conf`).

**How the verdict is decided.** A container is privileged when `unprivileged` is absent
or 0 (absent means 0 in the file; only *creation* defaults to 1) and there is no
`lxc.idmap` line, written either `lxc.idmap: …` (as PVE writes it) or `lxc.idmap = …`.
A custom `lxc.idmap` makes PVE run the container user-namespaced. In the **extended**
profile, a map that sends container UID 0 to host UID 0 (`lxc.idmap: u 0 0 …`) fails too:
PVE counts it as unprivileged but the container's root is the host's root. Pending changes
and snapshot sections are mentioned in the evidence but never judged as live.

**Why.** A privileged container's root is the host's root, confined only by AppArmor and
dropped capabilities; an escape or a writable host mount gives full host control. Proxmox
recommends unprivileged containers; privileged ones are for trusted workloads only.
"""

TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: privileged-containers, CT {{ facts.vmid }}{{ " (%s)" % facts.hostname if facts.hostname else "" }}
# What it changes: converts CT {{ facts.vmid }} to an unprivileged container. This is a
#   backup-and-restore procedure, not a setting: on restore, PVE shifts every file owner
#   in the root filesystem by 100000.
# Disruption: the container is stopped for the backup and is down until the restore ends.
# Undo: restore the archive made in step 1 without --unprivileged:
#   pct restore {{ facts.vmid }} <archive> --force 1
# Check first by hand: bind mounts (mpN with a host path) and passed-through devices keep
#   host ownership; after conversion the container sees them as nobody:nogroup, so chown
#   them on the host to 100000+uid, or map the IDs you need with lxc.idmap.
# Step 2 (restore, which replaces the container) only runs with PROXGUARD_CONFIRM=1.
set -eu

VMID={{ facts.vmid }}
DUMPDIR="${PROXGUARD_ROOT:-}/var/lib/vz/dump"

if pct config "$VMID" | grep -Eq '^lxc[.]idmap[:=] *u +0 +0 '; then
    echo "CT $VMID maps container root to host UID 0 with a raw lxc.idmap line. pct cannot" >&2
    echo "change raw lxc.* keys, and a restore keeps them. By hand: back up the container" >&2
    echo "(vzdump $VMID --mode stop), then edit /etc/pve/lxc/$VMID.conf (raw lxc.* keys are" >&2
    echo "only edited in the file) so that the u and g lxc.idmap lines map 0 to an" >&2
    echo "unprivileged range such as 100000, chown the root filesystem to match, and audit" >&2
    echo "again." >&2
    exit 1
fi
if pct config "$VMID" | grep -Eq '^unprivileged: 1$'; then
    echo "CT $VMID is already unprivileged; nothing to do."
    exit 0
fi

# Step 1: full backup while stopped (consistent), kept as the undo path.
mkdir -p "$DUMPDIR"
vzdump "$VMID" --mode stop --compress zstd --dumpdir "$DUMPDIR"
# archive names carry a YYYY_MM_DD-HH_MM_SS stamp, so the lexically last one is the newest
ARCHIVE=$(find "$DUMPDIR" -maxdepth 1 -name "vzdump-lxc-$VMID-*.tar.zst" | sort | tail -n 1)
if [ -z "$ARCHIVE" ] && [ "${PROXGUARD_DRY_RUN:-0}" = 1 ]; then
    ARCHIVE="$DUMPDIR/vzdump-lxc-$VMID-(time of the backup).tar.zst"
fi
if [ -z "$ARCHIVE" ]; then
    echo "backup archive for CT $VMID not found in $DUMPDIR; stopping." >&2
    exit 1
fi
echo "Backup: $ARCHIVE"

# Step 2: restore over the same VMID as unprivileged.
set -- --unprivileged 1 --force 1
{% if facts.storage %}
set -- "$@" --storage {{ facts.storage | shquote }}
{% endif %}
if [ "${PROXGUARD_CONFIRM:-0}" != "1" ]; then
    echo "Review, then run: pct restore $VMID $ARCHIVE $*"
    echo "(or re-run this script with PROXGUARD_CONFIRM=1)"
    exit 0
fi
pct restore "$VMID" "$ARCHIVE" "$@"
pct start "$VMID"
pct config "$VMID" | grep -E '^unprivileged: 1$'
"""

RULE = Rule(
    id="privileged-containers",
    title="Privileged LXC containers",
    category="container",
    references=(
        Reference("Incumbent", "PVE-CT-001",
                  "Privileged LXC containers (the incumbent auditor's rule id, not a Proxmox "
                  "control)"),
        Reference("PHG", "1.2.8", "Use unprivileged containers"),
        Reference("Proxmox VE Admin Guide", "pct", "Privileged and unprivileged containers"),
    ),
    inputs=("guests",),
    rationale="A privileged container's root user is root on the host; one container "
              "escape is a host compromise.",
    docs=DOCS,
    remediation=Remediation(
        summary="Convert the container to unprivileged by backup (vzdump) and "
                "`pct restore --unprivileged 1`; fix host-side ownership of bind mounts.",
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"idmap_root_counts": False}),
        "extended": Tuning(Severity.HIGH, {"idmap_root_counts": True}),
    },
)
