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
from proxguard.rules.firewall._common import MGMT_PREAMBLE


def node_targets(cfg: FirewallConfig) -> list[TargetResult]:
    common_on, _ = cfg.cluster_enabled()
    out: list[TargetResult] = []
    for node in sorted(cfg.hosts):
        host = cfg.hosts[node]
        tid = f"node/{node}"
        on, cs = cfg.cluster_enabled(node)
        host_on, hs = cfg.host_enabled(node)
        backend = node_backend(host.options)
        # `node` and `enable` go into comment lines: printable only, so a hostile name
        # cannot end the comment; `api_node` is shell-quoted where it is used.
        facts = {"node": _printable(node), "api_node": "" if node == "local" else node,
                 "enable": _printable(hs.value) if hs else "", "backend": backend}
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


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


NODE_TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: firewall-disabled, node {{ facts.node }} (host firewall off: enable={{ facts.enable }})
# What it changes: adds explicit ACCEPT rules for your current address on tcp/8006 and
#   the SSH port(s), then sets enable: 1 in the node's host.fw with pvesh.
# Disruption: the node's host chain is built again: inbound traffic to the node that no
#   rule, the management ipset or local_network accepts gets policy_in (existing
#   connections stay up). Review the node's services (Ceph, NFS, monitoring) first.
# Undo: pvesh set /nodes/<node>/firewall/options --enable 0
set -eu

{% if facts.api_node %}
""" + MGMT_PREAMBLE + """
NODE={{ facts.api_node | shquote }}
if pvesh get "/nodes/$NODE/firewall/options" --output-format json | grep -Eq '"enable" *: *0([^0-9]|$)'; then
    HOST_FW="${PROXGUARD_ROOT:-}/etc/pve/nodes/$NODE/host.fw"
    mkdir -p "$BACKUP_DIR"
    cp -p "$HOST_FW" "$BACKUP_DIR/host.fw.$NODE.$(date +%Y%m%d%H%M%S)"
    pvesh set "/nodes/$NODE/firewall/options" --enable 1
    echo "Host firewall of node $NODE enabled. Check with: pve-firewall status"
else
    echo "The host firewall of node $NODE is not disabled; nothing to do."
fi
{% else %}
# The file is etc/pve/local/host.fw: the node name is not in the snapshot. In the GUI
# open <node> > Firewall > Options and set Firewall to Yes, or run on the node:
#   pvesh set /nodes/$(hostname)/firewall/options --enable 1
echo "Enable the host firewall of this node in <node> > Firewall > Options."
{% endif %}
"""
