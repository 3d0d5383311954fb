"""fw-lockout-risk: a user DROP/REJECT rule cuts management addresses off 8006/22."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Remediation,
    Rule,
    Severity,
    Status,
    TargetResult,
    Tuning,
    failed,
)
from proxguard.rules.firewall._analysis import (
    conflicts,
    facts,
    firewall_on,
    host_rules,
    inactive_reason,
    rule_target,
)
from proxguard.rules.firewall._common import PHG_ENABLE, PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg = host.firewall
    if not firewall_on(host):
        return []
    found = conflicts(cfg, "lockout-risk")
    out = []
    for r in host_rules(cfg, "in"):
        if r.action == "ACCEPT":
            continue
        off = inactive_reason(cfg, r)
        c = found.get(r.id)
        if off is not None:
            out.append(rule_target(r, Status.NOT_APPLICABLE, off))
        elif c is None:
            out.append(rule_target(r, Status.PASS,
                                   f"{r.raw.strip()} ({r.where}) drops no management "
                                   "traffic to tcp/22 or tcp/8006 before the built-in accepts"))
        else:
            out.append(failed(r.id, c["message"], r.file, r.line, **facts(r)))
    return out


DOCS = """\
**What is checked.** Enforced inbound DROP/REJECT rules of cluster.fw, every host.fw and
the security groups they use, in the node's real chain order: host.fw rules, then
cluster.fw rules, **then** Proxmox's built-in accepts of tcp 8006, 22, 3128,
5900-5999 and 60000-60050 from the `management` ipset plus `local_network`.

**How the verdict is decided.** A rule fails when some packet from a management address
to tcp/22 or tcp/8006 reaches it first (not already accepted by an earlier rule) — it
then shadows the built-in accept for that packet. The example packet is confirmed with a
first-match evaluator. When `local_network` is not in cluster.fw `[ALIASES]` (it is
auto-detected on the host), the private ranges stand in for it. With the nftables
backend (`nftables: 1` in host.fw) the built-in accepts run before user rules and no
lockout is possible this way. Not applicable while the cluster firewall is off, and
per rule when no node builds its chain (host.fw `enable: 0`).

**Why.** Proxmox keeps management reachable by design; a broad DROP above it silently
removes that safety net and the next rule change can lock every administrator out.
"""


RULE = Rule(
    id="fw-lockout-risk",
    title="Firewall rule blocks management access",
    category="firewall",
    references=(PVE_FW_DOC, PHG_ENABLE),
    inputs=("firewall",),
    rationale="A DROP/REJECT ahead of Proxmox's built-in management accepts can lock "
              "administrators out of the web UI and SSH.",
    docs=DOCS,
    remediation=Remediation(summary="Accept management sources on tcp/22 and tcp/8006 before "
                            "the blocking rule, or narrow the rule.", template="firewall/fw_lockout_risk.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
