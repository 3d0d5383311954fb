"""corosync.conf as pve-firewall uses it: each node's ring (link) addresses.

pve-firewall opens udp 5404-5405 between the ring addresses of the local node and every
other node, ring by ring (pve-firewall Firewall.pm `enable_host_firewall`, "corosync
inbound/outbound rules", over pve-cluster PVE/Corosync.pm `for_all_corosync_addresses`).
The firewall path model needs the addresses; the totem section is kept for later checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class CorosyncNode:
    name: str
    line: int
    # ring key (`ring0_addr` / `link0_addr` family, normalised to the link number) →
    # (address as written, line)
    addresses: dict[int, tuple[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class CorosyncConf:
    file: str
    nodes: dict[str, CorosyncNode] = field(default_factory=dict)
    totem: dict[str, tuple[str, int]] = field(default_factory=dict)  # key → (value, line)
    # False: the collector's manifest says the host has no corosync.conf — a node that is
    # not in a cluster (pmxcfs runs local-only, corosync does not start). Nothing else set.
    present: bool = True

    @property
    def transport(self) -> str | None:
        item = self.totem.get("transport")
        return item[0] if item else None
