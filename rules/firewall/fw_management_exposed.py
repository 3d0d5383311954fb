"""fw-management-exposed: an ACCEPT rule opens PVE management ports to any source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from proxguard.model.firewall import FirewallConfig
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
    inapplicable,
    passed,
)
from proxguard.rules.firewall._analysis import (
    conflicts,
    facts,
    firewall_on,
    host_chains_active,
    host_rules,
    inactive_reason,
    rule_target,
)
from proxguard.rules.firewall._common import PHG_ENABLE, PVE_FW_DOC
from proxguard.rules.firewall._mgmt_sources import ASSUMPTION, local_network_known, public_sources


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg = host.firewall
    if not firewall_on(host):
        return []
    found = conflicts(cfg, "management-exposed")
    ports = _ports_text(cfg)
    assume = "" if local_network_known(cfg) else f"; assumption: {ASSUMPTION}"
    out = [_builtin(cfg, found, ports, assume)]
    # ProxGuard's own accepts at audit time: the fix re-locates the rule after adding more
    mgmt_rules = sum(1 for r in (cfg.cluster.rules if cfg.cluster else ())
                     if "proxguard-mgmt" in (r.comment or ""))
    for r in host_rules(cfg, "in"):
        if r.action != "ACCEPT":
            continue
        off = inactive_reason(cfg, r)
        c = found.get(r.id)
        if off is not None:
            out.append(rule_target(r, Status.NOT_APPLICABLE, off))
        elif c is None:
            note = assume if "+management" in (r.source or "") else ""
            out.append(rule_target(r, Status.PASS,
                                   f"{r.raw.strip()} ({r.where}) admits no public source to "
                                   f"{ports}{note}"))
        else:
            out.append(failed(r.id, c["message"] + (assume if "management" in
                                                    (r.source or "") else ""),
                              r.file, r.line, **facts(r), mgmt_rules=mgmt_rules))
    return out


BUILTIN = "fw/cluster/builtin/management"


def _builtin(cfg: FirewallConfig, found: dict[str, dict[str, Any]], ports: str,
             assume: str) -> TargetResult:
    """The built-in accept judged itself: what `management` + local_network admit."""
    path = cfg.cluster.path if cfg.cluster else "etc/pve/firewall/cluster.fw"
    info = {"rule_id": BUILTIN, "builtin": True, "api_path": "", "raw": "", "where": path,
            "scope": "cluster", "rule_file": path, "action": "ACCEPT", "macro": "",
            "dport": ""}
    if not host_chains_active(cfg):
        return inapplicable(BUILTIN, "no node builds a host chain (every supplied host.fw "
                            "says enable: 0), so the built-in accept is not compiled", path, 0,
                            **info)
    causes = public_sources(cfg)
    c = found.get("builtin/management/in")
    if c is not None and causes:
        what = ", ".join(f"{w} ({f}:{n})" for w, f, n in causes)
        return failed(BUILTIN, f"{c['message']} Public networks it admits: {what}",
                      causes[0][1], causes[0][2], **info)
    shown = "the `management` ipset and local_network"
    if causes:
        return passed(BUILTIN, f"{shown} hold public networks "
                      f"({', '.join(w for w, _, _ in causes)}), but earlier rules decide those "
                      f"packets before the built-in accept{assume}", causes[0][1], causes[0][2],
                      **info)
    return passed(BUILTIN, f"the built-in accept of tcp 8006, 5900-5999, 3128, 22 and "
                  f"60000-60050 admits only {shown}, which hold no public network{assume}",
                  path, 0, **info)


def _ports_text(cfg: FirewallConfig) -> str:
    extra = sorted(p for p in cfg.ssh_ports if p != 22)
    base = "tcp 22, 3128, 5900-5999 or 8006"
    if not cfg.ssh_ports_known:
        return f"{base} (sshd config not supplied: SSH assumed on 22)"
    if not extra:
        return base
    return f"{base}, nor tcp {', '.join(map(str, extra))} where sshd listens (Port/ListenAddress)"


DOCS = """\
**What is checked.** Enforced inbound ACCEPT rules of cluster.fw, host.fw and the security
groups they use, in the node's chain order.

**How the verdict is decided.** A rule fails when it is the first rule to accept some
packet from a public address (outside RFC 1918, loopback, link-local, CGNAT and IPv6
ULA/link-local) to tcp 8006 (web UI/API), 22 and every port sshd listens on (`Port`,
`ListenAddress host:port` of the effective sshd configuration: after `Port 2222` a
world-open 2222 fails), 3128 (SPICE proxy) or 5900-5999 (VNC consoles). The built-in
management accept is judged itself (target `fw/cluster/builtin/management`): Proxmox
appends `local_network` to the `management` ipset and accepts that set on the management
ports, so a public `local_network` alias or a public `management` entry fails. A rule
with `-source +management` matches local_network too. When local_network is not in
cluster.fw `[ALIASES]` it is auto-detected on the host; the evidence then states the
assumption made (a private network). Macros (SSH, PMG, SPICEproxy, VNC…), aliases and ipsets are expanded; an
accept-all rule without protocol or port counts. The example packet is confirmed with a
first-match evaluator. Not applicable while the cluster firewall is off.

**Why.** These services authenticate users with passwords; exposing them to the
internet invites brute force and exploitation of any pre-authentication bug. Proxmox
already admits the `management` ipset and `local_network` on these ports.
"""


RULE = Rule(
    id="fw-management-exposed",
    title="Management ports reachable from any source",
    category="firewall",
    references=(PHG_ENABLE, PVE_FW_DOC),
    inputs=("firewall",),
    rationale="The web UI/API, SSH, SPICE and VNC consoles should only be reachable from "
              "trusted management networks.",
    docs=DOCS,
    remediation=Remediation(summary="Restrict the rule with `-source +management` or a "
                            "trusted CIDR.", template="firewall/fw_management_exposed.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
