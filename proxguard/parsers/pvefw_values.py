"""Sub-grammars of a firewall rule's option values: port lists and address specs.

Written with pyparsing for clarity, and memoised per distinct value: real rule sets
repeat the same few port and address specs thousands of times, so the grammar runs
once per spelling and a 20k-rule file stays well under half a second.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

import pyparsing as pp

from proxguard.parsers.pvefw_names import SERVICES

MAX_PORTS = 15  # iptables multiport limit; a range counts as two [formats.md §1.6]

# -- ports: comma list of N, A:B or service name [FW parse_port_name_number_or_range] --
_PORT_ITEM = pp.Regex(r"(?P<a>[0-9]+)(?::(?P<b>[0-9]+))?|(?P<name>[A-Za-z][A-Za-z0-9._+-]*)")
_PORT_LIST = pp.DelimitedList(_PORT_ITEM, delim=",", min=1) + pp.StringEnd()
_PORT_LIST.leave_whitespace()


@dataclass(frozen=True, slots=True)
class PortSpec:
    ranges: tuple[tuple[int, int], ...]  # sorted, merged
    error: str | None = None
    unknown_names: tuple[str, ...] = ()  # service names our table lacks (unverifiable)


@lru_cache(maxsize=65536)
def parse_ports(spec: str) -> PortSpec:
    try:
        items = _PORT_LIST.parse_string(spec, parse_all=True)
    except pp.ParseBaseException:
        return PortSpec((), f"invalid port specification '{spec}'")
    raw: list[tuple[int, int]] = []
    unknown: list[str] = []
    count = 0
    for tok in items:
        m = re.fullmatch(r"([0-9]+)(?::([0-9]+))?|(.+)", tok)
        assert m is not None
        if m.group(3) is not None:
            port = SERVICES.get(m.group(3))
            if port is None:
                unknown.append(m.group(3))
                continue
            raw.append((port, port))
            count += 1
            continue
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) is not None else a
        if a > 65535 or b > 65535:
            return PortSpec((), f"invalid port '{tok}' (0-65535)")
        if b < a:
            return PortSpec((), f"backwards range '{tok}' not allowed")
        raw.append((a, b))
        count += 2 if m.group(2) is not None else 1
    if count > MAX_PORTS:
        return PortSpec((), f"too many ports in '{spec}' (iptables multiport allows 15, "
                            "a range counts as 2)")
    return PortSpec(merge(raw), None, tuple(unknown))


def merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


# -- addresses [formats.md §1.5] ---------------------------------------------------
_NAME = r"[A-Za-z][A-Za-z0-9_-]+"
_IPSET_REF = pp.Regex(rf"\+(?P<scope>(?:dc|guest|sdn)/)?(?P<name>{_NAME})")
_ALIAS_REF = pp.Regex(rf"(?P<scope>(?:dc|guest)/)?(?P<name>{_NAME})")
_IP_ITEM = pp.Regex(r"[0-9A-Fa-f.:]+(?:/[0-9]+)?")
_RANGE = pp.Regex(r"(?P<lo>[0-9A-Fa-f.:]+)-(?P<hi>[0-9A-Fa-f.:]+)")
_ADDRESS = (_IPSET_REF("ipset") | _RANGE("range")
            | pp.DelimitedList(_IP_ITEM, delim=",", min=1)("list")
            | _ALIAS_REF("alias")) + pp.StringEnd()
_ADDRESS.leave_whitespace()


@dataclass(frozen=True, slots=True)
class AddressSpec:
    """`kind` is ipset / alias / range / list. `nets` for list; `lo`/`hi` for range
    (as ints); `scope`+`name` for references. `family` is 4/6 for literals."""

    kind: str
    text: str
    family: int | None = None
    nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    lo: int = 0
    hi: int = 0
    scope: str = ""
    name: str = ""
    error: str | None = None


def _alias_name(text: str) -> bool:
    return re.fullmatch(rf"(?:(?:dc|guest)/)?{_NAME}", text) is not None


@lru_cache(maxsize=65536)
def parse_address(spec: str) -> AddressSpec:
    if spec.startswith("!"):
        return AddressSpec("list", spec, error=f"negation '{spec}' is not supported in rules "
                           "(only ipset entries take '!')")
    if "-" in spec and "," in spec and _alias_name(spec) is False:
        return AddressSpec("list", spec, error=f"an IP range cannot be part of a list: '{spec}'")
    if len(spec) > 512:
        return AddressSpec("list", spec, error="address specification longer than 512 characters")
    # An alias name is all letters, so `_IP_ITEM` (hex digits) would grab e.g. `dead`:
    # names that are valid aliases and not IPs are aliases.
    if _alias_name(spec) and not _is_ip(spec):
        scope, _, name = spec.rpartition("/")
        return AddressSpec("alias", spec, scope=scope, name=name)
    try:
        res = _ADDRESS.parse_string(spec, parse_all=True)
    except pp.ParseBaseException:
        return AddressSpec("list", spec, error=f"invalid address specification '{spec}'")
    if "ipset" in res:
        return AddressSpec("ipset", spec, scope=(res["scope"] or "").rstrip("/")
                           if "scope" in res else "", name=res["name"])
    if "range" in res:
        return _parse_range(spec)
    return _parse_list(spec)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _parse_range(spec: str) -> AddressSpec:
    lo_s, _, hi_s = spec.partition("-")
    try:
        lo, hi = ipaddress.ip_address(lo_s), ipaddress.ip_address(hi_s)
    except ValueError:
        return AddressSpec("range", spec, error=f"invalid IP range '{spec}'")
    if lo.version != hi.version:
        return AddressSpec("range", spec, error=f"IPv4/IPv6 mixed in range '{spec}'")
    if int(hi) < int(lo):
        return AddressSpec("range", spec, error=f"backwards IP range '{spec}'")
    return AddressSpec("range", spec, lo.version, lo=int(lo), hi=int(hi))


def _parse_list(spec: str) -> AddressSpec:
    nets = []
    for item in spec.split(","):
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            return AddressSpec("list", spec, error=f"invalid IP address or CIDR '{item}'")
    families = {n.version for n in nets}
    if len(families) > 1:
        return AddressSpec("list", spec, error=f"IPv4 and IPv6 addresses mixed in '{spec}'")
    return AddressSpec("list", spec, families.pop(), nets=tuple(nets))


def parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """An alias or ipset literal: one IP or CIDR (no ranges, no lists)."""
    if not re.fullmatch(r"[0-9A-Fa-f.:]+(?:/[0-9]{1,3})?", text):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
