"""A plain first-match evaluator: what happens to this packet, and which line decides.

It walks a chain entry by entry, exactly as iptables does, and is deliberately naive so
that it can serve as the referee for the set-based analysis: every example packet the
analysis reports is re-run here before it is shown (Batfish's searchFilters→testFilters
pattern, firewall-analysis.md §4.2).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

from proxguard.firewall.normalise import Chain, Entry
from proxguard.firewall.regions import box_contains
from proxguard.parsers.pvefw_names import ICMP4, ICMP6, PORT_PROTOCOLS


@dataclass(frozen=True, slots=True)
class Packet:
    proto: int
    src: str
    dst: str
    sport: int = 0
    dport: int = 0  # for ICMP: the ICMP type
    iface: str | None = None

    @property
    def family(self) -> int:
        return ipaddress.ip_address(self.src).version

    def point(self, chain: Chain) -> tuple[int, ...]:
        code = chain.ifaces.index(self.iface) if self.iface in chain.ifaces else len(chain.ifaces)
        return (code, self.proto, _ip_int(self.src), _ip_int(self.dst), self.sport, self.dport)

    def point_src(self) -> int:
        return _ip_int(self.src)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"proto": proto_name(self.proto), "src": self.src, "dst": self.dst}
        if self.proto in PORT_PROTOCOLS:
            out["sport"], out["dport"] = self.sport, self.dport
        elif self.proto in (ICMP4, ICMP6):
            out["icmp_type"] = self.dport
        if self.iface:
            out["iface"] = self.iface
        return out

    def text(self) -> str:
        name = proto_name(self.proto).upper()
        via = f" via {self.iface}" if self.iface else ""
        if self.proto in PORT_PROTOCOLS:
            return f"{name} {_host(self.src)}:{self.sport} → {_host(self.dst)}:{self.dport}{via}"
        if self.proto in (ICMP4, ICMP6):
            return f"{name} type {self.dport} {self.src} → {self.dst}{via}"
        return f"{name} {self.src} → {self.dst}{via}"


_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # 0-255, no leading zero
_V4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


def _ip_int(ip: str) -> int:
    """The address as an integer. A canonical dotted quad (what witnesses are written
    as, one per finding) is decoded by hand, ipaddress being ~20x slower; anything
    else goes through ipaddress."""
    m = _V4.fullmatch(ip)
    if m:
        a, b, c, d = m.groups()
        return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)
    return _ip_int_slow(ip)


@lru_cache(maxsize=4096)
def _ip_int_slow(ip: str) -> int:
    return int(ipaddress.ip_address(ip))


def _host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 47: "gre", 50: "esp", 51: "ah",
          132: "sctp", 33: "dccp", 136: "udplite", 89: "ospf", 2: "igmp"}


def proto_name(n: int) -> str:
    return _NAMES.get(n, str(n))


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str  # ACCEPT / DROP / REJECT
    entry: Entry
    index: int
    matched: tuple[str, ...]  # ids of every entry that matches, in order (the trace)


def evaluate(chain: Chain, packet: Packet) -> Verdict:
    """First match wins; the policy entry at the end matches everything."""
    point = packet.point(chain)
    first: tuple[int, Entry] | None = None
    matched = []
    for i, e in enumerate(chain.entries):
        if any(box_contains(b, point) for b in e.region):
            matched.append(e.id)
            if first is None:
                first = (i, e)
    assert first is not None, "the policy entry matches every packet"
    return Verdict(first[1].action, first[1], first[0], tuple(matched))


def decide(chain: Chain, point: tuple[int, ...]) -> Entry:
    for e in chain.entries:
        if any(box_contains(b, point) for b in e.region):
            return e
    return chain.entries[-1]
