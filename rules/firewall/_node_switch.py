"""firewall-disabled per node: a host.fw `enable: 0` (or a backend reading the cluster
switch differently) leaves that node without a host firewall.

pve-firewall: `compile_iptables_filter` calls `enable_host_firewall` only when
`$hostfw_enable = !(defined($hostfw_options->{enable}) && ($hostfw_options->{enable} == 0))`;
proxmox-firewall: `full_host_fw` builds the host part only if `host().is_enabled()`
(proxmox-ve-config firewall/host.rs, `HOST_ENABLED_DEFAULT = true`).
"""

from __future__ import annotations

from proxguard.model.firewall import FirewallConfig
from proxguard.model.fw_backend import node_backend
from proxguard.rule import Severity, TargetResult, failed, passed


def node_targets(cfg: FirewallConfig) -> list[TargetResult]:
    common_on, _ = cfg.cluster_enabled()
    out: list[TargetResult] = []
    for node in sorted(cfg.hosts):
        host = cfg.hosts[node]
        tid = f"node/{node}"
        on, cs = cfg.cluster_enabled(node)
        host_on, hs = cfg.host_enabled(node)
        backend = node_backend(host.options)
        # the shell environment quotes every value and `| comment` keeps the comment
        # lines single-line and printable, so the raw names go in as they are
        facts = {"node": node, "api_node": "" if node == "local" else node,
                 "enable": hs.value if hs else "", "backend": backend}
        if not host_on and hs is not None:
            state = "on" if on else "off"
            out.append(failed(
                tid, f"enable: {hs.value} ({hs.where()}): node {node} has no host firewall; "
                f"Proxmox builds no host chain for it, so neither its host.fw rules nor the "
                f"cluster rules, the management accepts or policy_in apply to the node itself "
                f"(the cluster firewall is {state})", hs.file, hs.line,
                severity=Severity.CRITICAL if on else Severity.HIGH, **facts))
        elif on != common_on:
            how = f"the {backend} firewall reads the cluster switch as {'on' if on else 'off'}"
            note = f" ({cs.note})" if cs.note else ""
            if on:
                out.append(passed(tid, f"{how}{note}: node {node}'s host firewall is on",
                                  host.path, 0, **facts))
            else:
                out.append(failed(tid, f"{how}{note}: node {node} has no host firewall",
                                  cs.file, cs.line, severity=Severity.CRITICAL, **facts))
        elif on:
            where = f"enable: {hs.value} ({hs.where()})" if hs else \
                f"no enable line in {host.path} (default on)"
            out.append(passed(tid, f"{where}: node {node}'s host firewall is on ({backend})",
                              host.path, hs.line if hs else 0, **facts))
    return out
