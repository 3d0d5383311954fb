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
        template="container/privileged_containers.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"idmap_root_counts": False}),
        "extended": Tuning(Severity.HIGH, {"idmap_root_counts": True}),
    },
)
