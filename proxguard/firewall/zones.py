"""`--packet 'tcp ct120 -> 198.51.100.7:443'`: zones, addresses, and the walk between them.

Zones: `host` (the node; `node/NAME` with several), `outside` (anything beyond a bridge
port without a guest firewall), `ctN` / `vmN` (the guest's first NIC; `ctN.netM` for
another), or an address, which is taken as the guest NIC holding it as a static `ip=`,
the node whose corosync ring address it is, or else `outside`. `zone@address` fixes the
address a zone sends from or is reached at (a guest on DHCP, a spoofed source). Options
after the endpoints: `iface NAME`, `state new|established|related|invalid`, `mac MAC`
(the source MAC, for the MAC filter).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from proxguard.firewall.builtins import ring_addresses
from proxguard.firewall.evaluate import Packet
from proxguard.firewall.guestnet import GuestPort
from proxguard.firewall.path import STATES, Hop, Network, Probe, bridge_hop, guest_hop, host_hop
from proxguard.parsers.pvefw_names import protocol_number

OUTSIDE = {4: "203.0.113.9", 6: "2001:db8::9"}
ASSUMED_HOST = {4: "192.0.2.10", 6: "2001:db8::10"}
_END = r"(?P<{0}>(?:[A-Za-z][\w/.-]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^\s:\[@]+))(?::(?P<{0}p>\d{{1,5}}))?"
_SPEC = re.compile(
    r"\s*(?P<proto>[A-Za-z0-9-]+)\s+" + _END.format("src") + r"\s*->\s*" + _END.format("dst")
    + r"(?P<opts>(?:\s+(?:iface|state|mac)\s+\S+)*)\s*")
_ZONE = re.compile(r"(host|outside|node/[\w.-]+|(?:ct|vm)\d+(?:\.net\d{1,2})?)", re.I)


@dataclass(frozen=True, slots=True)
class Zone:
    kind: str  # host / outside / guest
    name: str  # "host", "node/pve1", "outside", "ct120 net0"
    node: str = ""
    port: GuestPort | None = None
    address: str | None = None  # fixed by the spec (None: the zone's own)
    assumed: str = ""  # why the address is an assumption


def is_path_spec(spec: str) -> bool:
    """A zone spec has no trailing `in`/`out` (that is the single-chain trace)."""
    return re.search(r"\s(?:in|out)(?:\s+(?:on\s+)?\S+)?(?:\s+(?:iface|via)\s+\S+)?\s*$",
                     spec, re.I) is None


def _token_zone(net: Network, token: str) -> Zone:
    zone_part, _, addr = token.partition("@") if "@" in token else ("", "", token)
    if zone_part:
        return _named(net, zone_part, _addr(addr))
    if _ZONE.fullmatch(token):
        return _named(net, token, None)
    ip = _addr(token)
    for gps in net.ports.values():
        for gp in gps:
            if ip in (gp.nic.ip4, gp.nic.ip6):
                return Zone("guest", gp.nic.label, net.node_of(gp.nic), gp, ip)
    addr = ipaddress.ip_address(ip)
    for node, rings in ring_addresses(net.cfg, addr.version).items():
        # a node whose host.fw is supplied is `host`; another node is outside it
        if int(addr) in rings.values() and node in net.cfg.hosts:
            return Zone("host", net.host_scope(node), node, None, ip)
    return Zone("outside", "outside", net.nodes()[0], None, ip)


def _addr(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise ValueError(f"'{text}' is neither a zone (host, outside, ctN, vmN, node/NAME) "
                         "nor an IP address") from None


def _named(net: Network, name: str, address: str | None) -> Zone:
    low = name.lower()
    if low == "outside":
        return Zone("outside", "outside", net.nodes()[0], None, address)
    if low == "host" or low.startswith("node/"):
        node = low[5:] if low.startswith("node/") else net.nodes()[0]
        if low.startswith("node/") and node not in net.cfg.hosts:
            raise ValueError(f"no host.fw for node '{node}' in these files")
        if low == "host" and len(net.cfg.hosts) > 1:
            raise ValueError("several nodes: name one as node/NAME")
        return Zone("host", net.host_scope(node), node, None, address)
    zone, _, netid = low.partition(".")
    gps = net.ports.get(zone)
    if not gps:
        raise ValueError(f"no guest config for {zone} in these files (etc/pve/lxc/N.conf "
                         "or etc/pve/qemu-server/N.conf)")
    chosen = [gp for gp in gps if gp.nic.netid == (netid or gps[0].nic.netid)]
    if not chosen:
        raise ValueError(f"{zone} has no {netid}")
    gp = chosen[0]
    return Zone("guest", gp.nic.label, net.node_of(gp.nic), gp, address)


def _zone_address(net: Network, z: Zone, family: int, outside: str) -> tuple[str, str]:
    """(address, assumption) the zone uses in `family`."""
    if z.address is not None:
        return z.address, ""
    if z.kind == "guest":
        assert z.port is not None
        ip = z.port.nic.address(family)
        if ip is None:
            raise ValueError(f"{z.name} has no static IPv{family} address in its config; "
                             f"write {z.port.nic.zone}@ADDRESS")
        return ip, ""
    if z.kind == "outside":
        return outside, ""
    rings = ring_addresses(net.cfg, family).get(z.node, {})
    if rings:
        ip = ipaddress.ip_address(min(rings.items())[1])
        return str(ipaddress.ip_address(int(ip))), ""
    return ASSUMED_HOST[family], (f"the host's address is not in these files (no "
                                  f"corosync.conf ring address); {ASSUMED_HOST[family]} "
                                  "is assumed")


def parse(net: Network, spec: str) -> tuple[Probe, Zone, Zone, list[str]]:
    m = _SPEC.fullmatch(spec)
    if not m:
        raise ValueError("packet spec not understood; expected e.g. "
                         "'tcp ct120 -> 198.51.100.7:443' or 'tcp outside -> host:8006'")
    proto = protocol_number(m["proto"].lower())
    if proto is None:
        raise ValueError(f"unknown protocol '{m['proto']}'")
    src, dst = _token_zone(net, m["src"]), _token_zone(net, m["dst"])
    if src.name == dst.name:
        raise ValueError("source and destination are the same zone")
    fams = {ipaddress.ip_address(z.address).version for z in (src, dst) if z.address}
    if len(fams) > 1:
        raise ValueError("source and destination are of different IP versions")
    family = fams.pop() if fams else 4
    s_ip, s_note = _zone_address(net, src, family, OUTSIDE[family])
    d_ip, d_note = _zone_address(net, dst, family, "198.51.100.7" if family == 4 else "2001:db8::7")
    opts = dict(re.findall(r"(iface|state|mac)\s+(\S+)", m["opts"] or ""))
    state = opts.get("state", "new").lower()
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}")
    sport, dport = int(m["srcp"] or 49152), int(m["dstp"] or 0)
    if sport > 65535 or dport > 65535:
        raise ValueError("port out of range 0-65535")
    mac = opts.get("mac") or (src.port.nic.mac if src.port else None)
    packet = Packet(proto, s_ip, d_ip, sport, dport, opts.get("iface"))
    return Probe(packet, mac, state), src, dst, [n for n in (s_note, d_note) if n]


def hops(net: Network, probe: Probe, src: Zone, dst: Zone) -> list[Hop]:
    """The checks in route order (FirewallSimulator.pm `route_packet`), stopping at the
    first that does not accept."""
    plan: list[Any] = []
    if src.kind == "guest":
        plan.append(lambda: guest_hop(net, src.port, "out", probe))
    elif src.kind == "host":
        plan.append(lambda: host_hop(net, src.node, "out", probe))
    if dst.kind == "host":
        if src.kind != "host":
            plan.append(lambda: host_hop(net, dst.node, "in", probe))
    else:
        if src.kind != "host":
            bridge = _bridge(dst if dst.kind == "guest" else src)
            plan.append(lambda: bridge_hop(net, bridge, dst.node or src.node, probe))
        if dst.kind == "guest":
            plan.append(lambda: guest_hop(net, dst.port, "in", probe))
    out: list[Hop] = []
    for step in plan:
        hop = step()
        out.append(hop)
        if hop.decision != "ACCEPT":
            break
    return out


def _bridge(z: Zone) -> str:
    return (z.port.nic.bridge if z.port else None) or "vmbr0"


def path(net: Network, spec: str) -> dict[str, Any]:
    """The JSON of one path query; {"error": message} for a spec that cannot be used."""
    try:
        probe, src, dst, notes = parse(net, spec)
    except ValueError as exc:
        return {"error": str(exc)}
    done = hops(net, probe, src, dst)
    decision = done[-1].decision if done else "ACCEPT"
    out: dict[str, Any] = {
        "packet": probe.packet.to_json(), "from": src.name, "to": dst.name,
        "state": probe.state, "decision": decision,
        "hops": [h.to_json() for h in done], "notes": notes,
    }
    if probe.mac:
        out["mac"] = probe.mac
    return out
