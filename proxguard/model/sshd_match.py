"""Evaluating sshd Match criteria against a connection, as sshd does in test mode.

Pattern lists are comma separated with `*`/`?` wildcards and `!` negation; one negated
hit vetoes the whole list (match.c match_pattern_list). Addresses are CIDR where the entry
parses as one, else wildcard patterns (addrmatch.c addr_match_list). A connection field
that is not given makes its criterion false, as `sshd -T -C` does for a missing field.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Connection:
    """What sshd knows about a connection before authentication (`sshd -C` fields).
    `groups` are the user's groups (sshd asks the system; unknown here unless given)."""

    user: str | None = None
    host: str | None = None
    addr: str | None = None
    laddr: str | None = None
    lport: int | None = None
    rdomain: str | None = None
    groups: tuple[str, ...] | None = None


@lru_cache(maxsize=4096)
def _wild(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern), re.S)


def wild_match(pattern: str, value: str) -> bool:
    """match.c match_pattern: `*`/`?` wildcards; a pattern without them matches only
    itself, which is answered without compiling it (a 10,000-user configuration would
    otherwise compile, and evict from the cache, one expression per name)."""
    if "*" not in pattern and "?" not in pattern:
        return pattern == value
    return _wild(pattern).fullmatch(value) is not None


def match_pattern_list(value: str, patterns: str, lower: bool = False) -> int:
    """1 positive hit, 0 no hit, -1 a negated entry hit (which vetoes)."""
    if lower:
        patterns = patterns.lower()
    positive = 0
    for entry in patterns.split(","):
        negated = entry.startswith("!")
        sub = entry[1:] if negated else entry
        if wild_match(sub, value):
            if negated:
                return -1
            positive = 1
    return positive


@lru_cache(maxsize=8192)
def parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | bool | None:
    """A network for a CIDR/plain address, None if it is not an address at all (then it
    is a wildcard pattern), False if it is an address with an invalid mask or host bits
    set (addr_pton_cidr returns -2: sshd refuses the Match line)."""
    addr, _, mask = text.partition("/")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return None
    if mask:
        if not mask.isdigit() or int(mask) > 128:
            return None
        bits = int(mask)
    else:
        bits = ip.max_prefixlen
    if bits > ip.max_prefixlen:
        return False
    try:
        return ipaddress.ip_network(f"{ip}/{bits}", strict=True)
    except ValueError:
        return False


def address_list_valid(patterns: str) -> bool:
    """Would sshd accept this Address/LocalAddress list at all?"""
    for entry in patterns.split(","):
        sub = entry[1:] if entry.startswith("!") else entry
        if not sub or parse_cidr(sub) is False:
            return False
    return True


@lru_cache(maxsize=4096)
def _ip(addr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(addr)
    except ValueError:
        return None


def match_address_list(addr: str, patterns: str) -> int:
    ip = _ip(addr)
    if ip is None:
        return 0
    result = 0
    for entry in patterns.split(","):
        negated = entry.startswith("!")
        sub = entry[1:] if negated else entry
        net = parse_cidr(sub)
        if net is False:
            return -2
        hit = (ip in net if net.version == ip.version else False) if net is not None \
            else wild_match(sub, addr)
        if hit:
            if negated:
                return -1
            result = 1
    return result


def criterion_matches(attribute: str, patterns: str, conn: Connection) -> bool:
    """One `Match` criterion against a connection (`all` is handled by the caller)."""
    if attribute == "user":
        return conn.user is not None and match_pattern_list(conn.user, patterns) == 1
    if attribute == "group":
        if conn.user is None or not conn.groups:
            return False
        return any(match_pattern_list(g, patterns) == 1 for g in conn.groups) and not any(
            match_pattern_list(g, patterns) == -1 for g in conn.groups)
    if attribute == "host":
        return conn.host is not None and match_pattern_list(conn.host.lower(), patterns, True) == 1
    if attribute == "address":
        return conn.addr is not None and match_address_list(conn.addr, patterns) == 1
    if attribute == "localaddress":
        return conn.laddr is not None and match_address_list(conn.laddr, patterns) == 1
    if attribute == "localport":
        return conn.lport is not None and patterns.isdigit() and int(patterns) == conn.lport
    if attribute == "rdomain":
        return conn.rdomain is not None and match_pattern_list(conn.rdomain, patterns) == 1
    return False  # version / invalid-user (10.0): not known for a hypothetical connection
