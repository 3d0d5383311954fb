"""fw-forward-policy: routed traffic through the host, judged by the backend in use.

`policy_forward` is a cluster.fw option (pve-firewall Firewall.pm
`$cluster_option_properties`: ACCEPT or DROP; host.fw has no such option). Only the
nftables daemon applies it: proxmox-firewall ends the `cluster-forward` chain of its
`inet proxmox-firewall` table with it (proxmox-firewall src/firewall.rs
`create_cluster_rules`), default ACCEPT (proxmox-ve-config firewall/cluster.rs
`CLUSTER_POLICY_FORWARD_DEFAULT`). The iptables pve-firewall parses the option but never
compiles it, and ignores FORWARD rules (pve-docs pve-firewall.adoc, "Directions").
"""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model import fw_backend
from proxguard.model.firewall import FirewallConfig, FwFile
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
    inapplicable,
    passed,
)
from proxguard.rules.firewall._common import PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: FirewallConfig = host.firewall
    if not cfg.hosts:
        return [_judge(cfg, None, "host")]
    return [_judge(cfg, cfg.hosts[n], f"node/{n}") for n in sorted(cfg.hosts)]


def _judge(cfg: FirewallConfig, node: FwFile | None, target: str) -> TargetResult:
    name = node.name if node is not None else ""
    backend = fw_backend.node_backend(node.options) if node is not None else "iptables"
    assumed = "" if node is not None else " (no host.fw supplied: the default iptables " \
                                          "pve-firewall assumed)"
    on, _ = cfg.cluster_enabled(name or None)
    if not on:
        return inapplicable(target, "the cluster firewall is off for this node "
                            "(firewall-disabled reports it): nothing is filtered")
    if node is not None and not cfg.host_enabled(name)[0]:
        return inapplicable(target, f"host.fw enable: 0 ({node.path}): no host firewall "
                            "is built on this node (firewall-disabled reports it)")
    assert cfg.cluster is not None  # cluster_enabled is False without cluster.fw
    s = cfg.cluster.option("policy_forward")
    shown = f"policy_forward: {s.value} ({s.where()})" if s is not None else \
        "policy_forward not set (default ACCEPT)"
    facts = {"node": name, "backend": backend}
    if backend == "nftables":
        if s is not None and s.value == "DROP":
            return passed(target, f"nftables backend (proxmox-firewall): {shown}; routed "
                          "traffic no FORWARD rule accepts is dropped", s.file, s.line, **facts)
        return failed(target, f"nftables backend (proxmox-firewall): {shown}: traffic the "
                      "host routes (NAT, SDN, a second interface) that no FORWARD rule "
                      "matches is accepted", s.file if s else cfg.cluster.path,
                      s.line if s else 0, severity=Severity.LOW, **facts)
    if s is not None and s.value == "DROP":
        return failed(target, f"iptables backend (pve-firewall){assumed}: {shown} is "
                      "ignored: pve-firewall compiles no forward policy and no FORWARD "
                      "rule, so routed traffic through the host is not filtered although "
                      "the configuration says DROP", s.file, s.line, **facts)
    return inapplicable(target, f"iptables backend (pve-firewall){assumed}: {shown}; "
                        "pve-firewall has no forward policy (FORWARD rules and "
                        "policy_forward are nftables-only)", **facts)


DOCS = """\
**What is checked.** `policy_forward` in `[OPTIONS]` of `/etc/pve/firewall/cluster.fw`
(ACCEPT or DROP; host.fw has no such option), judged per node by the firewall daemon
that node runs: proxmox-firewall (nftables) when its host.fw says `nftables: 1`, else
pve-firewall (iptables). One target per supplied host.fw (`node/<name>`), or `host`
when none is supplied (then the default iptables backend is assumed and said so).

**How the verdict is decided.**
- nftables backend: passes with `policy_forward: DROP`; **fails** (low) when it is
  ACCEPT or unset (default ACCEPT, proxmox-ve-config `CLUSTER_POLICY_FORWARD_DEFAULT`):
  proxmox-firewall ends its `cluster-forward` chain with this verdict, so routed traffic
  no FORWARD rule matches passes.
- iptables backend: pve-firewall parses `policy_forward` but never compiles it, and it
  ignores FORWARD rules (Proxmox VE admin guide, firewall "Directions": forward rules are
  nftables-only). `policy_forward: DROP` **fails** (medium): the configuration promises a
  drop that does not happen. Unset or ACCEPT is not applicable: there is nothing to judge.
- Not applicable where the cluster firewall is off for the node, or its host.fw says
  `enable: 0` (firewall-disabled reports both).

**Why.** A Proxmox node that routes or NATs for guests (a masqueraded private bridge, SDN
zones with a gateway) is a router; with forward policy ACCEPT every routed flow not
explicitly dropped passes between those networks.

**Not modelled.** Bridged guest-to-guest traffic (the bridge family tables and guest
chains are judged by the guest firewall rules) and the kernel's `ip_forward` setting.
"""

RULE = Rule(
    id="fw-forward-policy",
    title="FORWARD policy not enforced by the firewall backend in use",
    category="firewall",
    references=(
        Reference("CIS Debian 12 v1.1.0", "4.3.8", "Ensure nftables default deny firewall policy",
                  partial="the forward policy of the nftables backend (proxmox-firewall) "
                          "only; pve-firewall (iptables) compiles none, and Debian 11 hosts "
                          "(PVE 7) have no nftables backend"),
        PVE_FW_DOC,
        Reference("Proxmox source", "pve-firewall src/PVE/Firewall.pm",
                  "$cluster_option_properties policy_forward; no forward policy compiled"),
        Reference("Proxmox source", "proxmox-firewall src/firewall.rs",
                  "create_cluster_rules: cluster-forward ends with the forward policy"),
        Reference("Proxmox source", "proxmox-ve-config src/firewall/cluster.rs",
                  "CLUSTER_POLICY_FORWARD_DEFAULT = ACCEPT"),
    ),
    inputs=("firewall.cluster",),
    rationale="Routed traffic through the node is filtered only by the nftables backend's "
              "forward policy; pve-firewall ignores policy_forward entirely.",
    docs=DOCS,
    remediation=Remediation(
        summary="On nftables nodes set `policy_forward: DROP` after adding FORWARD accepts "
                "for the routed flows you need; on iptables nodes either switch the node to "
                "nftables (tech preview) or drop the misleading policy_forward line.",
        template="firewall/fw_forward_policy.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
