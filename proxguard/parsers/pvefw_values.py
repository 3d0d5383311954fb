"""Sub-grammars of a firewall rule's option values: port lists and address specs.

Port lists: the pyparsing grammar is the authority. A list of plain items (digits, A:B
ranges, service names, comma-separated) takes a precompiled-`re` fast path, since a rule
set of distinct ports parsed every spelling through pyparsing at ~0.2 ms each (and a
plain list never imports pyparsing);
tests/test_perf_firewall.py proves the fast path equal to the grammar on generated specs.
Results are memoised per distinct value (rule sets repeat a few specs thousands of
times). Addresses are mostly distinct per rule, so they use precompiled `re` (see
bench/fwparse.py for the budget).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from proxguard.parsers.pvefw_names import SERVICES

MAX_PORTS = 15  # iptables multiport limit; a range counts as two [formats.md §1.6]

# -- ports: comma list of N, A:B or service name [FW parse_port_name_number_or_range] --
@lru_cache(maxsize=1)
def _port_list() -> tuple[Any, type[Exception]]:
    """The port-list grammar and its parse error, built on first use. pyparsing is
    imported here, not with the module (issue 14): importing it is a fifth of the
    engine's start in the browser's normal boot, and an audit whose inputs hold no
    firewall port list (a pasted sshd_config) never needs it."""
    import pyparsing as pp

    item = pp.Regex(r"(?P<a>[0-9]+)(?::(?P<b>[0-9]+))?|(?P<name>[A-Za-z][A-Za-z0-9._+-]*)")
    grammar = pp.DelimitedList(item, delim=",", min=1) + pp.StringEnd()
    grammar.leave_whitespace()
    return grammar, pp.ParseBaseException


# The same language as the grammar: items cannot hold a comma, and each alternative of
# its item is greedy and maximal, so the PEG reading is "split on commas, every piece
# matches one item" (tests/test_perf_firewall.py checks the equality on generated specs).
_ITEM_RE = r"(?:[0-9]+(?::[0-9]+)?|[A-Za-z][A-Za-z0-9._+-]*)"
_PLAIN_LIST = re.compile(rf"{_ITEM_RE}(?:,{_ITEM_RE})*")
_TOKEN = re.compile(r"([0-9]+)(?::([0-9]+))?|(.+)")


@dataclass(frozen=True, slots=True)
class PortSpec:
    ranges: tuple[tuple[int, int], ...]  # sorted, merged
    error: str | None = None
    unknown_names: tuple[str, ...] = ()  # service names our table lacks (unverifiable)


def port_tokens(spec: str, fast: bool = True) -> list[str] | None:
    """The items of a port list, or None when it is not one. `fast=False` forces the
    pyparsing grammar (the tests compare the two)."""
    if fast and _PLAIN_LIST.fullmatch(spec):
        return spec.split(",")
    grammar, error = _port_list()
    try:
        return [str(t) for t in grammar.parse_string(spec, parse_all=True)]
    except error:
        return None


@lru_cache(maxsize=65536)
def parse_ports(spec: str) -> PortSpec:
    return ports_from_tokens(spec, port_tokens(spec))


def ports_from_tokens(spec: str, items: list[str] | None) -> PortSpec:
    """The PortSpec of a tokenised list (None: not a port list)."""
    if items is None:
        return PortSpec((), f"invalid port specification '{spec}'")
    raw: list[tuple[int, int]] = []
    unknown: list[str] = []
    count = 0
    for tok in items:
        m = _TOKEN.fullmatch(tok)
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
# Plain `re` here: source/dest values are mostly distinct per rule, so memoisation does
# not help and a pyparsing grammar cost ~4x the whole rest of the parse at 20k rules.
_NAME = r"[A-Za-z][A-Za-z0-9_-]+"
_IPSET_REF = re.compile(rf"\+(?:(dc|guest|sdn)/)?({_NAME})")
_ALIAS_REF = re.compile(rf"(?:(dc|guest)/)?({_NAME})")
_V4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?")
_V6ISH = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/\d{1,3})?")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class AddressSpec:
    """`kind` is ipset / alias / range / list. `items` holds the list's IP/CIDR texts,
    `lo`/`hi` a range's texts, `scope`+`name` a reference. `family` is 4/6 for literals."""

    kind: str
    text: str
    family: int | None = None
    items: tuple[str, ...] = ()
    lo: str = ""
    hi: str = ""
    scope: str = ""
    name: str = ""
    error: str | None = None

    def networks(self) -> list[Network]:
        return [ipaddress.ip_network(i, strict=False) for i in self.items]


def ip_family(text: str) -> int | None:
    """4 or 6 if `text` is a valid IP or CIDR (the forms Proxmox accepts), else None."""
    m = _V4.fullmatch(text)
    if m:
        # leading zeros are refused as ipaddress refuses them (ambiguous octal reading)
        ok = all(int(o) <= 255 and (o == "0" or not o.startswith("0")) for o in m.groups()[:4]) \
            and (m.group(5) is None or int(m.group(5)) <= 32)
        return 4 if ok else None
    if _V6ISH.fullmatch(text):
        try:
            return ipaddress.ip_network(text, strict=False).version
        except ValueError:
            return None
    return None


def parse_address(spec: str) -> AddressSpec:
    if spec.startswith("!"):
        return AddressSpec("list", spec, error=f"negation '{spec}' is not supported in rules "
                           "(only ipset entries take '!')")
    if len(spec) > 512:
        return AddressSpec("list", spec, error="address specification longer than 512 characters")
    m = _IPSET_REF.fullmatch(spec)
    if m:
        return AddressSpec("ipset", spec, scope=m.group(1) or "", name=m.group(2))
    m = _ALIAS_REF.fullmatch(spec)
    if m and ip_family(spec) is None:
        return AddressSpec("alias", spec, scope=m.group(1) or "", name=m.group(2))
    if "-" in spec:
        if "," in spec:
            return AddressSpec("list", spec, error=f"an IP range cannot be part of a list: '{spec}'")
        return _parse_range(spec)
    return _parse_list(spec)


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
    return AddressSpec("range", spec, lo.version, lo=lo_s, hi=hi_s)


def _parse_list(spec: str) -> AddressSpec:
    items = tuple(spec.split(","))
    families = set()
    for item in items:
        fam = ip_family(item)
        if fam is None:
            return AddressSpec("list", spec, error=f"invalid IP address or CIDR '{item}'")
        families.add(fam)
    if len(families) > 1:
        return AddressSpec("list", spec, error=f"IPv4 and IPv6 addresses mixed in '{spec}'")
    return AddressSpec("list", spec, families.pop(), items=items)


def parse_cidr(text: str) -> Network | None:
    """An alias or ipset literal: one IP or CIDR (no ranges, no lists)."""
    if ip_family(text) is None:
        return None
    return ipaddress.ip_network(text, strict=False)


def cidr_family(text: str) -> int | None:
    """Cheap validity + family check for alias/ipset literals (no object built)."""
    return ip_family(text)
