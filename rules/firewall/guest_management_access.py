"""guest-management-access: a guest whose address is in `management` or local_network
reaches the node's API and SSH through the built-in accepts."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from proxguard.model.firewall import FirewallConfig
from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
    unassessed,
)
from proxguard.rules.firewall._analysis import firewall_on
from proxguard.rules.firewall._common import PVE_FW_DOC
from proxguard.rules.firewall._paths import network, probe, source_holds
from proxguard.rules.firewall.guest_firewall_enforced import PVE_FW_SRC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    if not firewall_on(host):
        return []
    cfg: FirewallConfig = host.firewall
    net = network(host)
    node = net.nodes()[0]
    chain = net.chains.get((net.host_scope(node), "in", 4))
    builtin = next((e for e in chain.entries if e.id == "builtin/management/in"), None) \
        if chain else None
    known = cfg.cluster is not None and "local_network" in cfg.cluster.aliases
    ports = sorted({8006, 3128, *cfg.ssh_ports})
    out = []
    for gps in net.ports.values():
        for gp in gps:
            nic = gp.nic
            target = f"guest/{nic.vmid}/{nic.netid}"
            facts: dict[str, Any] = {"vmid": nic.vmid, "net": nic.netid, "ip": nic.ip4 or ""}
            if nic.ip4 is None:
                out.append(unassessed(target, f"{nic.label}: no static IPv4 address in its "
                                      "config (DHCP or none), so membership cannot be judged",
                                      nic.file, nic.line, **facts))
                continue
            inside = source_holds(builtin, _int(nic.ip4))
            blocked = _own_chain_blocks(net, nic, ports)
            if blocked:
                out.append(passed(target, f"{nic.label} ({nic.ip4}): its own OUT chain drops "
                                  f"every management port ({blocked})", nic.file, nic.line,
                                  **facts))
                continue
            if not inside and not known:
                out.append(unassessed(target, f"{nic.label} ({nic.ip4}) is not in [IPSET "
                                      "management]; local_network is auto-detected on the host, "
                                      "so whether it holds the guest is unknown",
                                      nic.file, nic.line, **facts))
                continue
            if not inside:
                out.append(passed(target, f"{nic.label} ({nic.ip4}) is in neither [IPSET "
                                  "management] nor local_network", nic.file, nic.line, **facts))
                continue
            out.append(_judge(net, cfg, gp.nic, ports, target, facts, _why(cfg, nic.ip4)))
    return out


def _judge(net: Any, cfg: FirewallConfig, nic: Any, ports: list[int], target: str,
           facts: dict[str, Any], why: str) -> TargetResult:
    reached = []
    for port in ports:
        res = probe(net, f"tcp {nic.zone}.{nic.netid} -> host:{port}")
        hops = res.get("hops", [])
        if res.get("decision") == "ACCEPT" and hops and _via_management(cfg, hops[-1]["rule"]):
            reached.append((port, hops[-1]))
    if not reached:
        return passed(target, f"{nic.label} ({nic.ip4}) is {why}, but no management port is "
                      "accepted for it as a management source (its own chain or another "
                      "rule decides)", nic.file, nic.line, **facts)
    listed = ", ".join(f"tcp/{p}" for p, _ in reached)
    return failed(target, f"{nic.label} ({nic.ip4}) is {why}: it reaches {listed} on the "
                  f"node as a management source ({reached[0][1]['sentence']})",
                  nic.file, nic.line, **facts, cidr=_entry(cfg, nic.ip4) or "",
                  ports=listed)


def _own_chain_blocks(net: Any, nic: Any, ports: list[int]) -> str:
    """The guest's OUT hop sentence when it drops the path to every port, else ""."""
    first = ""
    for port in ports:
        hops = probe(net, f"tcp {nic.zone}.{nic.netid} -> host:{port}").get("hops", [])
        if not hops or hops[0]["decision"] == "ACCEPT":
            return ""
        first = first or hops[0]["sentence"]
    return first


def _entry(cfg: FirewallConfig, ip: str) -> str | None:
    """The `[IPSET management]` entry naming exactly this address, as written."""
    ipset = cfg.cluster.ipsets.get("management") if cfg.cluster else None
    for e in ipset.entries if ipset else ():
        if not e.nomatch and e.address in (ip, f"{ip}/32"):
            return e.address
    return None


def _why(cfg: FirewallConfig, ip: str) -> str:
    ipset = cfg.cluster.ipsets.get("management") if cfg.cluster else None
    for e in ipset.entries if ipset else ():
        if not e.nomatch and e.address in (ip, f"{ip}/32"):
            return f"in [IPSET management] ({cfg.cluster.path}:{e.line})"
    alias = cfg.cluster.aliases.get("local_network") if cfg.cluster else None
    if alias is not None:
        return f"inside local_network {alias.cidr} ({cfg.cluster.path}:{alias.line})"
    return "in [IPSET management]"


def _int(ip: str) -> int:
    return int(ipaddress.ip_address(ip))


def _via_management(cfg: FirewallConfig, rule_id: str) -> bool:
    """Does the deciding entry admit the guest *because* it is a management source: the
    built-in accept, or a user rule whose source is `+management`/`local_network`?"""
    if rule_id == "builtin/management/in":
        return True
    rules = cfg.cache.setdefault("rules_by_id", {r.id: r for r in cfg.all_rules()})
    rule = rules.get(rule_id) if isinstance(rules, dict) else None
    src = (rule.source or "").lower() if rule is not None else ""
    return "management" in src or "local_network" in src


DOCS = """\
**What is checked.** Each guest NIC's static `ip=` against the sources of the built-in
management accept: the cluster `[IPSET management]`, to which pve-firewall appends
`local_network` (Firewall.pm `compile`/`compile_ipsets`). For a guest inside it, the
path model runs `tcp <guest> -> host:<port>` for 8006, 3128 and every SSH port
(source guest OUT chain, then host IN, `proxguard.firewall.path`).

**How the verdict is decided.** Fail (*high*): the path is accepted and the deciding
entry is the built-in management accept or a rule with `-source +management` /
`local_network` — the guest can reach the API, SPICE proxy
and SSH of every node (and VNC 5900-5999, migration 60000-60050). Pass: the address is
in neither set, or it is but the guest's own OUT chain or an earlier rule decides.
Not assessed: no static address (DHCP), or the address is outside `management` and
`local_network` is auto-detected on the host (not in cluster.fw `[ALIASES]`).

**Why.** Guests are the least trusted machines on a lab network; a compromised
container that is "management" by address gets the node's login surface.
"""

RULE = Rule(
    id="guest-management-access",
    title="Guest is a management source",
    category="firewall",
    references=(PVE_FW_DOC, PVE_FW_SRC),
    inputs=("firewall", "guests"),
    rationale="A guest in [IPSET management] or local_network reaches 8006, 22, 3128, VNC "
              "and migration ports on every node through the built-in accepts.",
    docs=DOCS,
    remediation=Remediation(summary="Take guest addresses out of the management set and "
                            "local_network; grant explicit, narrow access instead.",
                            template="firewall/guest_management_access.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
