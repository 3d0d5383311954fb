"""Paths between zones: every check Proxmox makes on a packet, hop by hop.

The route follows pve-firewall's own simulator (FirewallSimulator.pm `route_packet`):

* from a guest port with `firewall=1`: PVEFW-FORWARD at its fwbr bridge → PVEFW-FWBR-OUT
  → the guest's OUT chain;
* to the host: PVEFW-INPUT → PVEFW-HOST-IN; from the host: PVEFW-OUTPUT → PVEFW-HOST-OUT;
* between bridge ports (the outside, an unfirewalled port): PVEFW-FORWARD, which has no
  policy of its own, so a new connection passes (`PVEFW-FORWARD` "default policy"
  ACCEPT in the simulator);
* to a guest port with `firewall=1`: PVEFW-FORWARD at its fwbr → PVEFW-FWBR-IN (the
  blacklist) → the guest's IN chain.

The first hop that does not ACCEPT decides. Conntrack comes first in PVEFW-FORWARD and
PVEFW-HOST-IN/OUT (Firewall.pm `ruleset_chain_add_conn_filters`): RELATED/ESTABLISHED is
accepted, INVALID dropped (FORWARD keeps it with host.fw `nf_conntrack_allow_invalid:
1`). Host IN then drops blacklisted sources and accepts IGMP before the user rules
(`enable_host_firewall`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from proxguard.firewall.evaluate import Packet, decide
from proxguard.firewall.guestnet import GuestPort, Nic, flag, ipfilter, nics, port
from proxguard.firewall.normalise import Chain, _Ctx, build_chains
from proxguard.firewall.regions import Ivs, iv_contains
from proxguard.model.firewall import FirewallConfig
from proxguard.model.guests import Guests

UDP, ICMP6, IGMP = 17, 58, 2
STATES = ("new", "established", "related", "invalid")


@dataclass(frozen=True, slots=True)
class Hop:
    name: str  # "ct120 net0 OUT", "node/pve1 IN", "bridge vmbr0 FORWARD"
    decision: str  # ACCEPT / DROP / REJECT
    rule: str  # the deciding entry: a rule id, builtin/…, policy/…, or a reason key
    file: str
    line: int
    why: str  # one sentence

    def to_json(self) -> dict[str, Any]:
        return {"hop": self.name, "decision": self.decision, "rule": self.rule,
                "file": self.file, "line": self.line, "sentence": self.why}


@dataclass(frozen=True, slots=True)
class Probe:
    """A packet on a path: the packet as the rules see it, its source MAC (macfilter)
    and its conntrack state."""

    packet: Packet
    mac: str | None = None
    state: str = "new"


@dataclass(slots=True)
class Network:
    """Everything the path model needs, built once (chains are the analysis's own)."""

    cfg: FirewallConfig
    guests: Guests | None
    local_network: str | None
    chains: dict[tuple[str, str, int], Chain] = field(default_factory=dict)
    ports: dict[str, list[GuestPort]] = field(default_factory=dict)
    blacklist: dict[int, Ivs] = field(default_factory=dict)
    filters: dict[tuple[str, str, int], Ivs | None] = field(default_factory=dict)

    def nodes(self) -> list[str]:
        return sorted(self.cfg.hosts) or [""]

    def host_scope(self, node: str) -> str:
        return f"node/{node}" if node else "cluster"

    def node_of(self, nic: Nic | None) -> str:
        """The node whose host chains a guest's traffic meets (its own node when known
        and supplied, else the only/first node)."""
        if nic is not None and nic.node in self.cfg.hosts:
            return nic.node
        return self.nodes()[0]

    def fw_on(self, node: str) -> bool:
        return self.cfg.cluster_enabled(node or None)[0]


def build_network(cfg: FirewallConfig, guests: Guests | None,
                  local_network: str | None = None, with_chains: bool = True) -> Network:
    """`with_chains=False` leaves the chains out: the guest ports and their filters do not
    need them, and building every chain again cost the Firewall tab a second
    normalisation of all rules."""
    net = Network(cfg, guests, local_network)
    for ch in build_chains(cfg, local_network) if with_chains else ():
        net.chains[(ch.scope, ch.direction, ch.family)] = ch
    cache: dict[tuple[str, str, int], Ivs] = {}
    for fam in (4, 6):
        ctx = _Ctx(cfg, None, fam, local_network, cache)
        bl = cfg.cluster.ipsets.get("blacklist") if cfg.cluster else None
        net.blacklist[fam] = ctx.ipset_members(cfg.cluster, "blacklist") \
            if bl is not None and cfg.cluster is not None else ()
    for nic in nics(guests):
        gp = port(cfg, nic)
        net.ports.setdefault(nic.zone, []).append(gp)
        for fam in (4, 6):
            members = None
            name = f"ipfilter-{nic.netid}"
            if gp.fw is not None and name in gp.fw.ipsets:
                members = _Ctx(cfg, gp.fw, fam, local_network, cache).ipset_members(gp.fw, name)
            net.filters[(nic.zone, nic.netid, fam)] = ipfilter(gp, fam, members)
    return net


# -- hops -------------------------------------------------------------------------------

def _conntrack(name: str, probe: Probe, drop_invalid: bool, where: str) -> Hop | None:
    if probe.state in ("established", "related"):
        return Hop(name, "ACCEPT", "builtin/conntrack", where, 0,
                   f"{name}: ACCEPT, {probe.state.upper()} traffic is accepted before any "
                   "rule (conntrack)")
    if probe.state == "invalid" and drop_invalid:
        return Hop(name, "DROP", "builtin/conntrack", where, 0,
                   f"{name}: DROP, conntrack state INVALID is dropped before any rule")
    return None


def _off(net: Network, name: str, node: str) -> Hop | None:
    if net.fw_on(node):
        return None
    return Hop(name, "ACCEPT", "firewall-off", "etc/pve/firewall/cluster.fw", 0,
               f"{name}: ACCEPT, the firewall is off for this node, so nothing is filtered")


def _chain_hop(name: str, chain: Chain, packet: Packet) -> Hop:
    e = decide(chain, packet.point(chain))
    where = f"{e.file}:{e.line}" if e.line else f"{e.file} (default)"
    via = f" via {e.via}" if e.via else ""
    return Hop(name, e.action, e.id, e.file, e.line,
               f"{name}: {e.action} by {e.id} ({where}){via}")


def _blacklisted(net: Network, name: str, packet: Packet) -> Hop | None:
    bl = net.blacklist.get(packet.family, ())
    if bl and iv_contains(bl, packet.point_src()):
        ipset = net.cfg.cluster.ipsets["blacklist"] if net.cfg.cluster else None
        line = ipset.line if ipset else 0
        return Hop(name, "DROP", "builtin/blacklist", net.cfg.cluster.path
                   if net.cfg.cluster else "", line,
                   f"{name}: DROP, the source is in the cluster [IPSET blacklist], dropped "
                   "before any rule")
    return None


def host_hop(net: Network, node: str, direction: str, probe: Probe) -> Hop:
    scope = net.host_scope(node)
    name = f"{scope} {direction.upper()}"
    off = _off(net, name, node)
    if off is not None:
        return off
    chain = net.chains[(scope, direction, probe.packet.family)]
    if not chain.active:
        return Hop(name, "ACCEPT", "host-firewall-off", chain.entries[-1].file, 0,
                   f"{name}: ACCEPT, no host chain is built ({chain.why_inactive})")
    # enable_host_firewall's order: conntrack, NDP, the input filters (blacklist), IGMP
    hop = _conntrack(name, probe, True, chain.entries[-1].file)
    if hop is None and _host_ndp(net, node, direction, probe.packet):
        hop = Hop(name, "ACCEPT", "builtin/ndp", chain.entries[-1].file, 0,
                  f"{name}: ACCEPT, neighbour discovery is accepted before any rule")
    if hop is None and direction == "in":
        hop = _blacklisted(net, name, probe.packet)
    if hop is None and probe.packet.proto == IGMP:
        hop = Hop(name, "ACCEPT", "builtin/igmp", chain.entries[-1].file, 0,
                  f"{name}: ACCEPT, IGMP is accepted before any rule (multicast)")
    return hop or _chain_hop(name, chain, probe.packet)


def _host_ndp(net: Network, node: str, direction: str, packet: Packet) -> bool:
    """Host IN/OUT accept router/neighbour solicitations and advertisements (IPv6) before
    the blacklist, unless host.fw says `ndp: 0`; router advertisements go out only with
    `radv: 1` (Firewall.pm `ruleset_chain_add_ndp`)."""
    host = net.cfg.hosts.get(node)
    if packet.family != 6 or packet.proto != ICMP6 or not flag(host, "ndp", True):
        return False
    types = (133, 135, 136) if direction == "out" and not flag(host, "radv", False) \
        else (133, 134, 135, 136)
    return packet.dport in types


def bridge_hop(net: Network, bridge: str, node: str, probe: Probe) -> Hop:
    name = f"bridge {bridge} FORWARD"
    off = _off(net, name, node)
    if off is not None:
        return off
    allow = flag(net.cfg.hosts.get(node), "nf_conntrack_allow_invalid", False)
    hop = _conntrack(name, probe, not allow, "")
    return hop or Hop(name, "ACCEPT", "builtin/forward", "", 0,
                      f"{name}: ACCEPT, bridged traffic between ports without a guest "
                      "chain is not filtered (PVEFW-FORWARD has no policy)")


def guest_hop(net: Network, gp: GuestPort, direction: str, probe: Probe) -> Hop:
    nic = gp.nic
    name = f"{nic.label} {direction.upper()}"
    node = net.node_of(nic)
    off = _off(net, name, node)
    if off is not None:
        return off
    if not gp.fwbr:
        return Hop(name, "ACCEPT", "no-guest-chain", nic.file, nic.line,
                   f"{name}: ACCEPT, not filtered ({gp.reason})")
    allow = flag(net.cfg.hosts.get(node), "nf_conntrack_allow_invalid", False)
    hop = _conntrack(name, probe, not allow, "")
    if hop is None and direction == "in":
        hop = _blacklisted(net, name, probe.packet)
    if hop is not None:
        return hop
    if not gp.chain:
        return Hop(name, "ACCEPT", "no-guest-chain", nic.file, nic.line,
                   f"{name}: ACCEPT, no guest chain is built ({gp.reason})")
    packet = replace(probe.packet, iface=nic.netid)
    pre = _prefilter(net, gp, direction, probe, packet)
    if pre is not None:
        return pre
    chain = net.chains[(f"guest/{nic.vmid}", direction, packet.family)]
    return _chain_hop(name, chain, packet)


def _prefilter(net: Network, gp: GuestPort, direction: str, probe: Probe,
               packet: Packet) -> Hop | None:
    """DHCP accepts, MAC filter, RA drop, IP filter, NDP accepts: before the guest's
    rules, in Firewall.pm `ruleset_create_vm_chain`'s order."""
    nic, fw, fam = gp.nic, gp.fw, packet.family
    name = f"{nic.label} {direction.upper()}"
    path = fw.path if fw else ""
    dhcp = {(4, "out"): (68, 67), (4, "in"): (67, 68), (6, "out"): (546, 547),
            (6, "in"): (547, 546)}[(fam, direction)]
    if flag(fw, "dhcp", True) and packet.proto == UDP and (packet.sport, packet.dport) == dhcp:
        return Hop(name, "ACCEPT", "builtin/dhcp", path, 0,
                   f"{name}: ACCEPT, DHCP is accepted before the guest's rules")
    if direction == "out":
        if nic.mac and flag(fw, "macfilter", True) and probe.mac and probe.mac.upper() != nic.mac:
            opt = fw.options.get("macfilter") if fw else None
            return Hop(name, "DROP", "builtin/macfilter", path, opt.line if opt else 0,
                       f"{name}: DROP, source MAC {probe.mac} is not the NIC's ({nic.mac}); "
                       "macfilter is on")
        if fam == 6 and packet.proto == ICMP6 and packet.dport == 134 and not flag(fw, "radv", False):
            return Hop(name, "DROP", "builtin/radv", path, 0,
                       f"{name}: DROP, router advertisements from a guest need radv: 1")
        allowed = net.filters.get((nic.zone, nic.netid, fam))
        if allowed is not None and not iv_contains(allowed, packet.point_src()):
            opt = fw.options.get("ipfilter") if fw else None
            return Hop(name, "DROP", "builtin/ipfilter", path, opt.line if opt else 0,
                       f"{name}: DROP, source {packet.src} is not an address of "
                       f"ipfilter-{nic.netid} (ipfilter)")
    if fam == 6 and flag(fw, "ndp", True) and packet.proto == ICMP6 and \
            packet.dport in ((133, 135, 136) if direction == "out" and not flag(fw, "radv", False)
                             else (133, 134, 135, 136)):
        return Hop(name, "ACCEPT", "builtin/ndp", path, 0,
                   f"{name}: ACCEPT, neighbour discovery is accepted before the guest's rules")
    return None
