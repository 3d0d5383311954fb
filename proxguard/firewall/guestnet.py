"""Guest NICs and their firewall: which ports get a guest chain, and what they filter.

pve-firewall builds the chains `tap<vmid>i<N>-IN/-OUT` (VMs) or `veth<vmid>i<N>-…`
(containers) only when the cluster firewall is on, the guest has a `<vmid>.fw` with
`enable: 1`, and the NIC `netN` says `firewall=1` (Firewall.pm `compile_iptables_filter`:
`return if !$vmfw_conf || !$vmfw_conf->{options}->{enable}`, `next if !$net->{firewall}`).
A NIC with `firewall=1` always gets the fwbr bridge, so its incoming traffic still
crosses PVEFW-FWBR-IN (the blacklist) even without a chain.

In front of the guest's rules each chain holds (Firewall.pm `ruleset_create_vm_chain`):
DHCP accepts (unless `dhcp: 0`), then on OUT the MAC filter (`macfilter`, default on:
source MAC must be the NIC's), the router-advertisement drop (IPv6, unless `radv: 1`)
and the IP filter; NDP accepts (IPv6, unless `ndp: 0`). The IP filter applies when
`ipfilter: 1` or an `[IPSET ipfilter-netN]` exists; its members are that set's entries
plus the NIC's link-local address (from the MAC), `!fe80::/10`, and for containers the
static `ip=`/`ip6=` (Firewall.pm `compile_ipsets`, `mac_to_linklocal`,
`generate_ipset_chains`). A VM's addresses are not in its config, so with `ipfilter: 1`
and no set a VM may send from its link-local address only.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from proxguard.firewall.normalise import _cidr_span, hashnet
from proxguard.firewall.regions import Ivs
from proxguard.model.firewall import FirewallConfig, FwFile
from proxguard.model.guests import Guests, _Guest

_NET = re.compile(r"net(\d{1,2})")
_MAC = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}")


@dataclass(frozen=True, slots=True)
class Nic:
    zone: str  # "ct120" / "vm200"
    vmid: int
    kind: str  # "ct" / "vm"
    netid: str  # "net0"
    bridge: str | None
    mac: str | None  # upper case
    ip4: str | None  # static address (no prefix); None for dhcp/manual/absent
    ip6: str | None
    firewall: bool
    file: str
    line: int
    node: str | None

    @property
    def label(self) -> str:
        return f"{self.zone} {self.netid}"

    def address(self, family: int) -> str | None:
        return self.ip4 if family == 4 else self.ip6


def nics(guests: Guests | None) -> list[Nic]:
    """Every NIC of every guest's live config, in vmid then net order."""
    out: list[Nic] = []
    if guests is None:
        return out
    items: list[tuple[str, _Guest]] = [("ct", g) for g in guests.containers.values()]
    items += [("vm", g) for g in guests.vms.values()]
    for kind, g in sorted(items, key=lambda t: (t[1].vmid, t[0])):
        for netid in sorted(g.nets, key=lambda k: int(k[3:]) if k[3:].isdigit() else 99):
            out.append(_nic(kind, g, netid))
    return out


def _nic(kind: str, g: _Guest, netid: str) -> Nic:
    props = g.nets[netid]
    mac = props.get("hwaddr" if kind == "ct" else "macaddr")
    mac = mac.upper() if mac and _MAC.fullmatch(mac) else None
    return Nic(f"{kind}{g.vmid}", g.vmid, kind, netid, props.get("bridge"), mac,
               _static(props.get("ip"), 4) if kind == "ct" else None,
               _static(props.get("ip6"), 6) if kind == "ct" else None,
               props.get("firewall") == "1", g.file, g.line_of(netid), g.node)


def _static(value: str | None, family: int) -> str | None:
    """The address of `ip=192.0.2.5/24` (dhcp, manual, auto: None), as Firewall.pm takes
    it for the ipfilter set (`m!^($IPV4RE)(?:/\\d+)?$!`)."""
    if not value:
        return None
    try:
        ip = ipaddress.ip_address(value.split("/", 1)[0])
    except ValueError:
        return None
    return str(ip) if ip.version == family else None


@dataclass(frozen=True, slots=True)
class GuestPort:
    """A NIC as the firewall sees it: is there a chain, and if not, why."""

    nic: Nic
    fw: FwFile | None
    chain: bool
    reason: str  # why there is no chain ("" when there is one)
    fwbr: bool  # firewall=1: the port crosses PVEFW-FWBR-IN/OUT


def port(cfg: FirewallConfig, nic: Nic) -> GuestPort:
    fw = cfg.guests.get(str(nic.vmid))
    if not nic.firewall:
        return GuestPort(nic, fw, False, f"{nic.netid} has no firewall=1 ({nic.file}:"
                         f"{nic.line})", False)
    if fw is None:
        return GuestPort(nic, None, False, f"no etc/pve/firewall/{nic.vmid}.fw", True)
    en = fw.options.get("enable")
    if en is None or en.value != "1":
        where = f"{fw.path}:{en.line}" if en else fw.path
        return GuestPort(nic, fw, False, f"{where} has no `enable: 1`", True)
    return GuestPort(nic, fw, True, "", True)


def flag(fw: FwFile | None, key: str, default: bool) -> bool:
    opt = fw.options.get(key) if fw else None
    return default if opt is None else opt.value == "1"


def linklocal(mac: str) -> str:
    """fe80:: + the modified EUI-64 of the MAC (Firewall.pm `mac_to_linklocal`)."""
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 0x02
    eui = [*b[:3], 0xFF, 0xFE, *b[3:]]
    groups = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return "fe80::" + ":".join(groups)


def ipfilter(port_: GuestPort, family: int, members: Ivs | None) -> Ivs | None:
    """The source addresses the IP filter lets out of this port in `family`, or None
    when no IP filter applies. `members` are the resolved entries of the guest's
    `[IPSET ipfilter-netN]` (None when it has no such set)."""
    if not port_.chain or port_.fw is None:
        return None
    if members is None and not flag(port_.fw, "ipfilter", False):
        return None
    nic = port_.nic
    items: list[tuple[int, bool, tuple[int, int]]] = [
        (hi - lo, False, (lo, hi)) for lo, hi in (members or ())]
    extra: list[tuple[str, bool]] = []
    if nic.mac:
        extra += [(linklocal(nic.mac), False), ("fe80::/10", True)]
    extra += [(a, False) for a in (nic.ip4, nic.ip6) if a]
    for text, nomatch in extra:
        version, span = _cidr_span(text)
        if version == family:
            lo, hi = span[0]
            items.append((hi - lo, nomatch, (lo, hi)))
    return hashnet(items)


def ipfilter_set_name(nic: Nic) -> str:
    return f"ipfilter-{nic.netid}"
