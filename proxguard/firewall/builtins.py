"""Built-in rules pve-firewall adds around the user's rules, as chain entries or sets.

* corosync: host IN accepts udp 5404-5405 from every other node's ring address to the
  local node's address on the same ring; host OUT the reverse (pve-firewall Firewall.pm
  `enable_host_firewall`, "corosync inbound/outbound rules", after the management
  accepts, before the policy; addresses from pve-cluster PVE/Corosync.pm
  `for_all_corosync_addresses`, one IP version per chain). Ring addresses written as
  host names are resolved by corosync at run time; offline they are left out and said so.
* blacklist: the cluster `[IPSET blacklist]` drops its sources before any user rule, in
  the host IN chain and in front of every firewalled guest port (Firewall.pm
  `ruleset_chain_add_input_filters`, called for PVEFW-HOST-IN and PVEFW-FWBR-IN).
"""

from __future__ import annotations

import contextlib
import ipaddress

from proxguard.firewall.regions import Box, Ivs
from proxguard.model.firewall import FirewallConfig

COROSYNC_PORTS: Ivs = ((5404, 5405),)
UDP: Ivs = ((17, 17),)
ANY_PORT: Ivs = ((0, 65535),)


def ring_addresses(cfg: FirewallConfig, family: int) -> dict[str, dict[int, int]]:
    """node name → {ring number → address as an integer} for literal addresses of
    `family` (host names are not resolvable offline and are left out)."""
    out: dict[str, dict[int, int]] = {}
    if cfg.corosync is None:
        return out
    for name, node in cfg.corosync.nodes.items():
        for ring, (text, _line) in node.addresses.items():
            with contextlib.suppress(ValueError):
                ip = ipaddress.ip_address(text)
                if ip.version == family:
                    out.setdefault(name, {})[ring] = int(ip)
    return out


def unresolved_rings(cfg: FirewallConfig) -> list[str]:
    """Ring addresses that are host names (`node ringN_addr name`), for the notes."""
    out: list[str] = []
    for name, node in (cfg.corosync.nodes.items() if cfg.corosync else ()):
        for ring, (text, _line) in sorted(node.addresses.items()):
            try:
                ipaddress.ip_address(text)
            except ValueError:
                out.append(f"{name} ring{ring} {text}")
    return out


def corosync_boxes(cfg: FirewallConfig, node: str, direction: str, family: int,
                   iface: Ivs) -> list[Box]:
    """The accept boxes of the corosync built-in for the host chain of `node`."""
    rings = ring_addresses(cfg, family)
    local = rings.get(node)
    if not local:
        return []
    boxes: list[Box] = []
    for other, addrs in sorted(rings.items()):
        if other == node:
            continue
        for ring, peer in sorted(addrs.items()):
            mine = local.get(ring)
            if mine is None:
                continue
            src, dst = ((peer, peer),), ((mine, mine),)
            if direction == "out":
                src, dst = dst, src
            boxes.append((iface, UDP, src, dst, ANY_PORT, COROSYNC_PORTS))
    return boxes


def corosync_line(cfg: FirewallConfig, node: str) -> int:
    node_conf = cfg.corosync.nodes.get(node) if cfg.corosync else None
    return node_conf.line if node_conf else 0
