"""lxc-raw-overrides: raw `lxc.*` keys and device passthrough that undo a container's confinement."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from proxguard.model.guests import Container, LxcEntry
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
from proxguard.rules.container._privilege import assess


@dataclass(frozen=True, slots=True)
class Override:
    """One line that loosens the container, what it grants, and how bad it is."""

    key: str  # the config key as written (lxc.apparmor.profile, dev0, ...)
    line: int
    grants: str
    severity: Severity


_ALL_DEVICES = re.compile(r"^\s*(a\b|[bc]\s+\*:\*)")
_MOUNT_AUTO_RW = re.compile(r"(?:^|\s)(proc:rw|sys:rw|cgroup:rw|cgroup-full:rw)(?:\s|$)")
# A host path as the source of an lxc.mount.entry (fstab order: source target type opts)
_HOST_SOURCE = re.compile(r"^\s*(/\S*)\s+\S+\s+\S+\s+(\S+)")


def _worse(sev: Severity, privileged: bool) -> Severity:
    return Severity.CRITICAL if privileged and sev is Severity.HIGH else sev


def _apparmor(e: LxcEntry, privileged: bool) -> Override | None:
    if e.key not in ("lxc.apparmor.profile", "lxc.aa_profile"):
        return None
    if e.value.strip() == "unconfined":
        return Override(e.key, e.line, "AppArmor off: Proxmox drops its generated profile "
                        "(deny mount of /proc and /sys, nesting rules) and nothing replaces it",
                        _worse(Severity.HIGH, privileged))
    return Override(e.key, e.line, "a custom AppArmor profile replaces Proxmox's generated one "
                    "(its deny rules for /proc and /sys mounts no longer apply unless the "
                    "custom profile has them)", Severity.LOW)


def _caps(e: LxcEntry, privileged: bool) -> Override | None:
    if e.key != "lxc.cap.drop" or e.value.strip():
        return None
    return Override(e.key, e.line, "an empty lxc.cap.drop clears the capabilities LXC's "
                    "common.conf drops (sys_module, sys_rawio, sys_time, mac_admin, "
                    "mac_override): the container may load kernel modules and set the clock",
                    Severity.HIGH if privileged else Severity.MEDIUM)


def _devices(e: LxcEntry, privileged: bool) -> Override | None:
    if e.key not in ("lxc.cgroup2.devices.allow", "lxc.cgroup.devices.allow"):
        return None
    if not _ALL_DEVICES.match(e.value):
        return None
    grants = "every device node of the host may be opened (raw disks included)"
    if e.key == "lxc.cgroup.devices.allow":
        return Override(e.key, e.line, grants + " — a cgroup v1 key, effective only on a "
                        "host booted with the legacy cgroup hierarchy", Severity.MEDIUM)
    return Override(e.key, e.line, grants, _worse(Severity.HIGH, privileged))


def _mount_auto(e: LxcEntry, privileged: bool) -> Override | None:
    if e.key != "lxc.mount.auto":
        return None
    found = _MOUNT_AUTO_RW.findall(e.value)
    if not found:
        return None
    return Override(e.key, e.line, f"{', '.join(found)} mounts the host's kernel interfaces "
                    "writable inside the container (sysctl, /sys/kernel, cgroups)",
                    _worse(Severity.HIGH, privileged))


def _mount_entry(e: LxcEntry, _privileged: bool) -> Override | None:
    if e.key != "lxc.mount.entry":
        return None
    m = _HOST_SOURCE.match(e.value)
    if m is None:
        return None
    readonly = "ro" in m.group(2).split(",")
    return Override(e.key, e.line, f"bind-mounts the host path {m.group(1)[:120]} "
                    + ("read-only" if readonly else "writable"),
                    Severity.LOW if readonly else Severity.MEDIUM)


_RAW_CHECKS = (_apparmor, _caps, _devices, _mount_auto, _mount_entry)


def overrides(ct: Container, privileged: bool) -> list[Override]:
    """Every loosening line of the live (main) section, in file order."""
    out = [o for e in ct.raw_lxc for check in _RAW_CHECKS
           if (o := check(e, privileged)) is not None]
    for key, dev in sorted(ct.devices.items()):
        path = dev.get("path", "?")[:120]
        ro = dev.get("deny-write") in ("1", "yes", "on", "true")
        out.append(Override(key, ct.line_of(key), f"passes the host device {path} through"
                            + (" read-only" if ro else " read-write"), Severity.LOW))
    return sorted(out, key=lambda o: o.line)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = []
    for vmid, ct in sorted(host.guests.containers.items()):
        p = assess(ct, idmap_root_counts=True)
        found = overrides(ct, p.privileged)
        target = f"ct/{vmid}"
        if not found:
            out.append(passed(target, "no raw lxc.* key or device passthrough loosens its "
                              "confinement", ct.file, 0))
            continue
        worst = max((o.severity for o in found), key=lambda s: s.rank)
        kind = "privileged" if p.privileged else "unprivileged"
        evidence = f"{kind} container: " + "; ".join(
            f"{o.key} ({ct.file}:{o.line}): {o.grants}" for o in found)
        out.append(failed(target, evidence, ct.file, found[0].line,
                          severity=worst if worst is not Severity.HIGH else None,
                          vmid=vmid, file_path=ct.file,
                          raw_keys=[f"{o.line}:{o.key}" for o in found
                                    if o.key.startswith("lxc.")],
                          devices=[o.key for o in found if not o.key.startswith("lxc.")]))
    return out


DOCS = """\
**What is checked.** The raw `lxc.*` keys and `devN:` passthrough entries of each LXC
container's live configuration (main section; pending and snapshot sections ignored):

| line | grants | severity |
|---|---|---|
| `lxc.apparmor.profile: unconfined` | no AppArmor at all: Proxmox's `make_apparmor_config` returns nothing once the key is set (pve-container `src/PVE/LXC.pm`) | high; critical on a privileged CT |
| `lxc.apparmor.profile: <other>` | Proxmox's generated profile (deny mounts of /proc, /sys) replaced | low |
| `lxc.cap.drop:` (empty) | clears the drops of LXC's common.conf (sys_module, sys_rawio, sys_time, mac_*) | medium; high on a privileged CT |
| `lxc.cgroup2.devices.allow: a` (or `b *:*` / `c *:*`) | every host device node, raw disks included | high; critical on a privileged CT |
| `lxc.cgroup.devices.allow: a` (cgroup v1) | the same on a legacy-cgroup host only | medium |
| `lxc.mount.auto` with `proc:rw`, `sys:rw`, `cgroup:rw`, `cgroup-full:rw` | the host's kernel interfaces writable | high; critical on a privileged CT |
| `lxc.mount.entry` from a host path (`/…`) | a host directory or device bind-mounted | medium; low when `ro` |
| `devN: <path>` | a host device node passed through (pve-container `Config.pm`) | low |

Privileged means no user namespace or container root mapped to host UID 0 (the same
judgement as privileged-containers). Target per container `ct/<vmid>`; the container's
severity is its worst line's.

**Why.** These keys exist for special cases (GPU, USB, Docker in LXC) but each one
removes a layer Proxmox puts between the container and the host kernel; in a privileged
container they are direct paths to host root.
"""


RULE = Rule(
    id="lxc-raw-overrides",
    title="Raw LXC keys or device passthrough loosen a container",
    category="container",
    references=(
        Reference("pve-container", "src/PVE/LXC.pm make_apparmor_config",
                  "an explicit lxc.apparmor.profile replaces the generated profile"),
        Reference("pve-container", "src/PVE/LXC/Config.pm",
                  "raw lxc.* keys allowed in a CT config; devN passthrough"),
        Reference("LXC", "lxc.container.conf(5)", "lxc.cap.drop, lxc.cgroup2.devices.allow, "
                  "lxc.mount.auto, lxc.mount.entry"),
        Reference("PHG", "1.2.8", "Use unprivileged containers"),
    ),
    inputs=("guests",),
    rationale="Each of these keys removes a layer between the container and the host "
              "kernel (AppArmor, capability drops, the device cgroup, read-only kernel "
              "interfaces); together with a privileged container they hand out host root.",
    docs=DOCS,
    remediation=Remediation(
        summary="Remove the raw lxc.* lines from /etc/pve/lxc/<vmid>.conf by hand (no API "
                "exists for them) and drop device passthrough with `pct set <vmid> --delete "
                "devN` unless the workload needs it; prefer a VM for such workloads.",
        template="container/lxc_raw_overrides.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
