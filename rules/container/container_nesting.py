"""container-nesting: `features: nesting=1` on an LXC container."""

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
from proxguard.rules.container._privilege import assess


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    graded = bool(params.get("grade_by_privilege"))
    out = []
    for vmid, ct in host.guests.containers.items():
        target = f"ct/{vmid}"
        line = ct.line_of("features")
        raw = ct.get("features")
        facts = {"vmid": vmid, "features_without_nesting": _without_nesting(ct.features)}
        if not ct.feature("nesting"):
            shown = f"features: {raw} ({ct.file}:{line})" if raw else "features not set"
            out.append(passed(target, f"{shown}; nesting is off", ct.file, line, **facts))
            continue
        p = assess(ct, idmap_root_counts=graded)
        kind = "a privileged" if p.privileged else "an unprivileged"
        evidence = f"features: {raw} ({ct.file}:{line}) enables nesting on {kind} " \
                   f"container ({p.evidence})"
        severity = None
        if graded:
            severity = Severity.HIGH if p.privileged else Severity.INFO
        out.append(failed(target, evidence, ct.file, line, severity=severity, **facts))
    return out


def _without_nesting(features: dict[str, str]) -> str:
    """The `--features` value that keeps every other feature and turns nesting off
    (`pct set --features` replaces the whole property string)."""
    kept = [f"{k}={v}" for k, v in features.items() if k != "nesting"]
    return ",".join([*kept, "nesting=0"])


DOCS = """\
**What is checked.** The `features` property of each LXC container's live configuration
(main section only; pending and snapshot sections are ignored), parsed as a property
string (`nesting=1,keyctl=1,mount=nfs;cifs`; booleans accept 1/yes/on/true).

**How the verdict is decided.** Fails when `nesting` is on. **compat** keeps the
incumbent's single severity (medium) for every such container. **extended** grades each
container: *high* when it is privileged (no user namespace, or container root mapped to
host UID 0), *info* when it is unprivileged, where nesting is the documented way to run
Docker or recent systemd and the host procfs/sysfs it exposes are namespaced.

**Why.** Nesting mounts the host's `/proc` and `/sys` into the container and relaxes
AppArmor so that containers can run inside it. In a privileged container that is a
known escape path to the host; in an unprivileged one the exposure is limited. Note that
the Proxmox GUI enables `nesting=1` by default when creating unprivileged containers.
"""

RULE = Rule(
    id="container-nesting",
    title="Container nesting enabled",
    category="container",
    references=(
        Reference("Incumbent", "PVE-CT-002",
                  "Container nesting enabled (the incumbent auditor's rule id, not a Proxmox "
                  "control)"),
        Reference("Proxmox VE Admin Guide", "pct.conf features", "nesting"),
        Reference("PHG", "1.2.7", "Avoid LXC/OCI: run container platforms inside VMs"),
        Reference("PHG", "1.2.8", "Use unprivileged containers"),
    ),
    inputs=("guests",),
    rationale="Nesting exposes the host's procfs and sysfs to the container; together with "
              "a privileged container it is an escape path to the host.",
    docs=DOCS,
    remediation=Remediation(
        summary="Turn nesting off with `pct set <vmid> --features …,nesting=0` where it is "
                "not needed (it breaks Docker-in-LXC); never combine it with a privileged "
                "container.",
        template="container/container_nesting.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"grade_by_privilege": False}),
        "extended": Tuning(Severity.HIGH, {"grade_by_privilege": True}),
    },
)
