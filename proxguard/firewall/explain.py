"""Natural example packets and compact region text for findings.

Witnesses are chosen the way a person would write them (firewall-analysis.md §6.3):
TCP before UDP before ICMP, a well-known destination port when allowed, source port
49152, documentation addresses (203.0.113.9 → 192.0.2.10) when any address will do, and
otherwise the first host address inside the rule's own range.
"""

from __future__ import annotations

import ipaddress
import re

from proxguard.firewall.evaluate import Packet
from proxguard.firewall.normalise import ADDR_MAX, Chain
from proxguard.firewall.regions import DPORT, DST, IFACE, PROTO, SPORT, SRC, Box, Ivs, iv_contains
from proxguard.parsers.pvefw_names import protocol_number

_PROTO_PREF = (6, 17, 1, 58)
_DPORT_PREF = (22, 8006, 443, 80, 3128, 5900, 8, 128)
_NICE = {4: ("203.0.113.9", "192.0.2.10"), 6: ("2001:db8::9", "2001:db8::10")}
_NICE_INT = {a: int(ipaddress.ip_address(a)) for pair in _NICE.values() for a in pair}


def _pick(iv: Ivs, prefs: tuple[int, ...]) -> int:
    for p in prefs:
        if iv_contains(iv, p):
            return p
    return iv[0][0]


def _addr(iv: Ivs, family: int, nice: str) -> str:
    if iv_contains(iv, _NICE_INT[nice]):
        return nice
    lo, hi = iv[0]
    x = lo + 1 if hi - lo >= 2 else lo  # first host, not the network address
    if family == 4 and x <= ADDR_MAX[4]:  # dotted quad by hand: ipaddress is ~20x slower
        return f"{x >> 24}.{(x >> 16) & 255}.{(x >> 8) & 255}.{x & 255}"
    return str(ipaddress.ip_address(x) if family == 6 else x)


def witness(box: Box, chain: Chain) -> Packet:
    fam = chain.family
    code = box[IFACE][0][0]
    iface = chain.ifaces[code] if code < len(chain.ifaces) else None  # None = "any other"
    proto = _pick(box[PROTO], _PROTO_PREF)
    src = _addr(box[SRC], fam, _NICE[fam][0])
    dst = _addr(box[DST], fam, _NICE[fam][1])
    sport = _pick(box[SPORT], (49152,))
    dport = _pick(box[DPORT], _DPORT_PREF)
    return Packet(proto, src, dst, sport, dport, iface)


_SPEC = re.compile(
    r"\s*(?P<proto>[A-Za-z0-9-]+)\s+(?P<src>\[[^\]]+\]|[^\s\[]+?)(?::(?P<sport>\d+))?\s*->\s*"
    r"(?P<dst>\[[^\]]+\]|[^\s\[]+?)(?::(?P<dport>\d+))?\s+(?P<dir>in|out)"
    r"(?:\s+(?:on\s+)?(?P<scope>(?:node|guest)/\S+|cluster))?(?:\s+(?:iface|via)\s+(?P<iface>\S+))?\s*",
    re.I)


def parse_packet_spec(spec: str) -> tuple[Packet, str, str | None]:
    """'tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in [node/pve1|guest/100] [iface vmbr0]'
    → (packet, direction, scope). ICMP: 'icmp 10.0.0.1 -> 10.0.0.2:8 in' (type in the port).
    Raises ValueError with a plain message on anything else."""
    m = _SPEC.fullmatch(spec)
    if not m:
        raise ValueError("packet spec not understood; expected e.g. "
                         "'tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in [node/pve1] [iface vmbr0]'")
    proto = protocol_number(m["proto"].lower())
    if proto is None:
        raise ValueError(f"unknown protocol '{m['proto']}'")
    src, dst = m["src"].strip("[]"), m["dst"].strip("[]")
    try:
        fs, fd = ipaddress.ip_address(src).version, ipaddress.ip_address(dst).version
    except ValueError as exc:
        raise ValueError(f"not an IP address: {exc}") from None
    if fs != fd:
        raise ValueError("source and destination are of different IP versions")
    sport = int(m["sport"] or 49152)
    dport = int(m["dport"] or 0)
    if sport > 65535 or dport > 65535:
        raise ValueError("port out of range 0-65535")
    return Packet(proto, src, dst, sport, dport, m["iface"]), m["dir"].lower(), m["scope"]
