"""Model-level rule verification, replaying pve-firewall's `verify_rule`.

Runs after every file is read, because a guest rule may name a cluster alias or ipset
and a GROUP line names a cluster group. Errors found here do not drop the rule from the
file; they make pve-firewall skip it at compile time [formats.md §1.4], which is exactly
what an operator cannot see in the GUI.
"""

from __future__ import annotations

from proxguard.model.firewall import GUEST, FwFile, FwRule
from proxguard.parsers.pvefw_macros import lookup
from proxguard.parsers.pvefw_names import (
    ICMP4,
    ICMP6,
    ICMP_TYPES,
    ICMPV6_TYPES,
    PORT_PROTOCOLS,
    protocol_number,
)
from proxguard.parsers.pvefw_values import cidr_family, parse_address, parse_ports


def verify_rule(rule: FwRule, own: FwFile | None, cluster: FwFile | None) -> list[str]:
    """Append Proxmox's verification errors to `rule.errors`; return unverifiable notes
    (names our bundled tables lack), which are not errors."""
    notes: list[str] = []
    if rule.direction == "group":
        if cluster is None or rule.action not in cluster.groups:
            known = cluster is not None and rule.action.lower() in cluster.groups
            hint = " (group names are stored lower-case; the reference is case-sensitive)" \
                if known else ""
            rule.errors.append(f"no such security group '{rule.action}'{hint}")
        if own is not None and own.kind == GUEST and rule.iface is not None:
            _check_guest_iface(rule)
        return notes
    if rule.macro is not None and lookup(rule.macro) is None:
        return notes  # already an error from the parser
    families: set[int] = set()
    proto_n = None
    if rule.proto is not None:
        proto_n = protocol_number(rule.proto)
        if proto_n is None:
            rule.errors.append(f"unknown protocol '{rule.proto}'")
        elif proto_n == ICMP4 and rule.proto in ("icmp", "ICMP", "1"):
            families.add(4)
        elif rule.proto in ("icmpv6", "ipv6-icmp", "58"):
            families.add(6)
    _check_ports(rule, proto_n, notes)
    _check_icmp(rule, proto_n)
    _check_macro(rule)
    for key in ("source", "dest"):
        value = getattr(rule, key)
        if value is not None:
            fam = _check_address(rule, key, value, own, cluster)
            if fam:
                families.add(fam)
    if len(families) > 1:
        rule.errors.append("IPv4 and IPv6 mixed in one rule")
    elif families:
        rule.ipversion = families.pop()
    if own is not None and own.kind == GUEST and rule.iface is not None:
        _check_guest_iface(rule)
    return notes


def _check_guest_iface(rule: FwRule) -> None:
    import re
    if not re.fullmatch(r"net\d+", rule.iface or "") or int((rule.iface or "net0")[3:]) > 31:
        rule.errors.append(f"invalid interface '{rule.iface}' for a guest rule (net0 … net31)")


def _check_ports(rule: FwRule, proto_n: int | None, notes: list[str]) -> None:
    for key in ("dport", "sport"):
        value = getattr(rule, key)
        if value is None:
            continue
        if rule.proto is None and rule.macro is None:
            rule.errors.append(f"-{key} {value} given without -p (a protocol with ports, "
                               "tcp or udp, is required)")
            continue
        if proto_n is not None and proto_n in (ICMP4, ICMP6) and key == "dport":
            continue  # legacy form: the ICMP type in -dport [formats.md §1.6]
        if proto_n is not None and proto_n not in PORT_PROTOCOLS:
            rule.errors.append(f"protocol '{rule.proto}' has no ports (-{key} {value})")
            continue
        spec = parse_ports(value)
        if spec.error:
            rule.errors.append(f"-{key}: {spec.error}")
        elif spec.unknown_names:
            notes.append(f"-{key}: service name(s) {', '.join(spec.unknown_names)} not in "
                         "ProxGuard's /etc/services table; not verified")


def _check_icmp(rule: FwRule, proto_n: int | None) -> None:
    if rule.icmp_type is None:
        return
    if proto_n not in (ICMP4, ICMP6):
        rule.errors.append("-icmp-type needs -p icmp or -p icmpv6")
        return
    if rule.dport is not None:
        rule.errors.append("-icmp-type cannot be combined with -dport")
    table = ICMP_TYPES if proto_n == ICMP4 else ICMPV6_TYPES
    t = rule.icmp_type
    if not (t.isdigit() and int(t) <= 255) and t not in table:
        rule.errors.append(f"unknown ICMP type '{t}'")


def _check_macro(rule: FwRule) -> None:
    macro = lookup(rule.macro) if rule.macro else None
    if macro is None:
        return
    for key in ("proto", "dport", "sport"):
        mine = getattr(rule, key)
        if mine is None:
            continue
        for tmpl in (*macro.v4, *(macro.v6 or ())):
            theirs = getattr(tmpl, key)
            if theirs is not None and theirs != mine:
                rule.errors.append(f"-{key} {mine} conflicts with macro {macro.name} "
                                   f"(which sets {key} {theirs})")
                return


def _check_address(rule: FwRule, key: str, value: str, own: FwFile | None,
                   cluster: FwFile | None) -> int | None:
    spec = parse_address(value)
    if spec.error:
        rule.errors.append(f"-{key}: {spec.error}")
        return None
    if spec.kind == "ipset":
        return _resolve_ipset(rule, key, spec.scope, spec.name, own, cluster)
    if spec.kind == "alias":
        return _resolve_alias(rule, key, spec.scope, spec.name, own, cluster)
    return spec.family


def _resolve_ipset(rule: FwRule, key: str, scope: str, name: str, own: FwFile | None,
                   cluster: FwFile | None) -> int | None:
    """Unscoped: the guest's own set first, then the cluster's [formats.md §1.5]. The
    name is looked up as written; definitions are lower-case (trap §1.11 #8)."""
    if scope == "sdn":
        return None  # generated by SDN; cannot be verified offline
    guest_ok = scope != "dc" and own is not None and own.kind == GUEST and name in own.ipsets
    dc_ok = scope != "guest" and cluster is not None and name in cluster.ipsets
    if own is not None and own.kind == GUEST and name.startswith("ipfilter-net") and scope != "dc":
        return None  # implicit per-NIC anti-spoofing set
    if not (guest_ok or dc_ok):
        lowered = name.lower()
        hint = ""
        if (cluster and lowered in cluster.ipsets) or (own and lowered in own.ipsets):
            hint = " (ipset names are stored lower-case; the reference is case-sensitive)"
        rule.errors.append(f"-{key}: no such ipset '{name}'{hint}")
    return None


def _resolve_alias(rule: FwRule, key: str, scope: str, name: str, own: FwFile | None,
                   cluster: FwFile | None) -> int | None:
    lname = name.lower()
    if lname == "local_network" and scope != "guest" and not (cluster and lname in cluster.aliases):
        return 4  # auto-detected by pve-firewall [formats.md §1.10]; IPv4 in practice
    for f in ((own,) if scope == "guest" else (cluster,) if scope == "dc" else (own, cluster)):
        if f is not None and f.kind != "host" and lname in f.aliases:
            return cidr_family(f.aliases[lname].cidr)
    rule.errors.append(f"-{key}: no such alias '{name}'")
    return None
