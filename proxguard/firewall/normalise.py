"""Proxmox rules → chains of boxes, in pve-firewall's real evaluation order.

A chain is what iptables actually walks for one (object, direction, address family):
host IN = host.fw rules, then cluster.fw rules, then the built-in management accepts,
then the policy [formats.md §1.9-1.10]; a guest chain = the guest's rules, then its
policy. Security groups are inlined at their GROUP line under that line's `-i` (exact,
firewall-analysis.md §7). Every entry keeps the rule it came from, so findings name the
line the operator wrote, never an expanded sub-rule.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from proxguard.firewall.builtins import corosync_boxes, corosync_line
from proxguard.firewall.regions import Box, Ivs, iv_or, iv_sub, ivs, norm
from proxguard.model.firewall import FirewallConfig, FwFile, FwRule
from proxguard.parsers.pvefw_macros import T, lookup
from proxguard.parsers.pvefw_names import (
    ICMP4,
    ICMP6,
    ICMP_TYPES,
    ICMPV6_TYPES,
    PORT_PROTOCOLS,
    protocol_number,
)
from proxguard.parsers.pvefw_values import AddressSpec, parse_address, parse_ports

ADDR_MAX = {4: (1 << 32) - 1, 6: (1 << 128) - 1}
PORTS: Ivs = ((0, 65535),)
PROTOS: Ivs = ((0, 255),)
# Built-in host accepts from `management` + local_network [formats.md §1.10].
MGMT_PORTS: Ivs = ivs((22, 22), (3128, 3128), (5900, 5999), (8006, 8006), (60000, 60050))
MGMT_OUT_PORTS: Ivs = ivs((22, 22), (3128, 3128), (5900, 5999), (8006, 8006))
ACCEPT_CLASS = {"ACCEPT": "accept", "DROP": "deny", "REJECT": "deny"}


@dataclass(slots=True)
class Entry:
    """One line of a chain: a user rule, a built-in accept, or the policy."""

    id: str
    action: str  # ACCEPT / DROP / REJECT
    region: list[Box]
    file: str
    line: int
    rule: FwRule | None = None
    via: str | None = None  # the GROUP line a group rule was inlined from
    implicit: bool = False
    caveat: str | None = None  # what the box model could not pin down ("possible")

    @property
    def cls(self) -> str:
        return ACCEPT_CLASS[self.action]


@dataclass(slots=True)
class Chain:
    scope: str  # "node/<name>", "cluster" (no host.fw given) or "guest/<vmid>"
    direction: str  # "in" / "out"
    family: int  # 4 / 6
    entries: list[Entry] = field(default_factory=list)  # the last one is the policy
    ifaces: list[str] = field(default_factory=list)  # code i = ifaces[i]; len = "other"
    active: bool = True
    why_inactive: str = ""
    unmodelled: list[tuple[FwRule, str]] = field(default_factory=list)
    index: Any = None  # CandidateIndex, built on first use by the analysis

    @property
    def name(self) -> str:
        return f"{self.scope} {self.direction.upper()} IPv{self.family}"

    def full(self) -> Box:
        amax = ADDR_MAX[self.family]
        return (((0, len(self.ifaces)),), PROTOS, ((0, amax),), ((0, amax),), PORTS, PORTS)


class Unmodelled(Exception):
    """A rule whose match set cannot be pinned (unknown local_network, unknown service)."""


class _Ctx:
    def __init__(self, cfg: FirewallConfig, own: FwFile | None, family: int,
                 local_network: str | None, cache: dict[tuple[str, str, int], Ivs],
                 specs: dict[str, tuple[AddressSpec, dict[int, Ivs]]] | None = None) -> None:
        self.cfg, self.own, self.family = cfg, own, family
        self.local_network = local_network
        self.cache = cache  # ipset members per (file, set, family), shared by all chains
        # address text → its parse and its literal span per family, shared by all chains
        # of one build_chains (both families ask for each text) and freed with them
        self.specs = {} if specs is None else specs

    def alias(self, scope: str, name: str) -> Ivs:
        lname = name.lower()
        files = {"guest": (self.own,), "dc": (self.cfg.cluster,)}.get(scope, (self.own, self.cfg.cluster))
        for f in files:
            if f is not None and f.kind != "host" and lname in f.aliases:
                return self.cidr(f.aliases[lname].cidr)
        if lname == "local_network":
            if self.local_network is None:
                raise Unmodelled("local_network is auto-detected on the host and not in "
                                 "cluster.fw [ALIASES]")
            return self.cidr(self.local_network)
        return ()

    def cidr(self, text: str) -> Ivs:
        return _cidr_ivs(text, self.family)

    def ipset(self, scope: str, name: str) -> Ivs:
        f = None
        if scope != "dc" and self.own is not None and name in self.own.ipsets:
            f = self.own
        elif scope != "guest" and self.cfg.cluster is not None and name in self.cfg.cluster.ipsets:
            f = self.cfg.cluster
        if f is None:
            return ()
        members = self.ipset_members(f, name)
        if f is self.cfg.cluster and name == "management":
            # compile_ipsets pushes local_network into the management set (Firewall.pm;
            # proxmox-firewall create_management_ipset), so `+management` holds it too.
            # Unknown (auto-detected) local_network: the listed entries only, and
            # fw-management-exposed states that assumption.
            with contextlib.suppress(Unmodelled):
                members = iv_or(members, self.alias("dc", "local_network"))
        return members

    def ipset_members(self, f: FwFile, name: str) -> Ivs:
        """hash:net with nomatch: the most specific entry decides, so apply entries from
        the shortest prefix to the longest (firewall-analysis.md §7; [unverified] kernel
        detail noted there)."""
        key = (f.path, name, self.family)
        if key not in self.cache:
            self.cache[key] = self._members(f, name)
        return self.cache[key]

    def _members(self, f: FwFile, name: str) -> Ivs:
        items = []
        for e in f.ipsets[name].entries:
            if e.errors:
                continue
            spec = parse_address(e.address)
            if spec.kind == "alias":
                span = self.alias(spec.scope, spec.name)
            elif spec.kind == "list" and not spec.error:
                span = self.cidr(e.address)
            else:
                continue
            for lo, hi in span:
                items.append((hi - lo, e.nomatch, (lo, hi)))
        return hashnet(items)

    def address(self, text: str | None) -> Ivs:
        amax = ADDR_MAX[self.family]
        if text is None:
            return ((0, amax),)
        known = self.specs.get(text)
        if known is None:
            known = self.specs[text] = (parse_address(text), {})
        spec, spans = known
        if spec.kind == "list":
            span = spans.get(self.family)
            if span is None:
                span = spans[self.family] = norm(
                    [iv for item in spec.items for iv in self.cidr(item)])
            return span
        if spec.kind == "ipset":
            if spec.scope == "sdn":
                raise Unmodelled(f"{text} is an SDN-generated ipset")
            return self.ipset(spec.scope, spec.name)
        if spec.kind == "alias":
            return self.alias(spec.scope, spec.name)
        if spec.kind == "range":
            lo, hi = ipaddress.ip_address(spec.lo), ipaddress.ip_address(spec.hi)
            return ((int(lo), int(hi)),) if lo.version == self.family else ()
        return ()  # parse_address makes no other kind


def hashnet(items: list[tuple[int, bool, tuple[int, int]]]) -> Ivs:
    """The members of an ipset of type hash:net with `nomatch` entries: (size, nomatch,
    interval) items applied from the largest to the smallest, so the most specific entry
    decides (firewall-analysis.md §7)."""
    out: Ivs = ()
    pending: list[tuple[int, int]] = []  # consecutive positives are merged in one go
    for _, nomatch, iv in sorted(items, key=lambda t: -t[0]):
        if nomatch:
            out = iv_sub(iv_or(out, norm(pending)), (iv,))
            pending = []
        else:
            pending.append(iv)
    return iv_or(out, norm(pending))


def _cidr_ivs(text: str, family: int) -> Ivs:
    version, span = _cidr_span(text)
    return span if version == family else ()


_V4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?", re.ASCII)


@lru_cache(maxsize=4096)
def _cidr_span(text: str) -> tuple[int, Ivs]:
    """(IP version, interval) of an IP/CIDR, parsed once for both families. Plain dotted
    quads are decoded by hand (ipaddress costs ~50 µs each and rule sets are mostly
    distinct /32s); anything else, or anything odd, goes through ipaddress."""
    m = _V4.fullmatch(text)
    if m:
        o = m.groups()
        octs = [int(x) for x in o[:4]]
        plen = 32 if o[4] is None else int(o[4])
        if all(x <= 255 for x in octs) and plen <= 32 and \
                all(x == "0" or not x.startswith("0") for x in o[:4]) and \
                (o[4] is None or o[4] == "0" or not o[4].startswith("0")):
            n = (octs[0] << 24) | (octs[1] << 16) | (octs[2] << 8) | octs[3]
            host = (1 << (32 - plen)) - 1
            return 4, ((n & ~host, n | host),)
    net = ipaddress.ip_network(text, strict=False)
    return net.version, ((int(net.network_address), int(net.broadcast_address)),)


def _ports(spec: str | None) -> Ivs:
    if spec is None:
        return PORTS
    p = parse_ports(spec)
    if p.unknown_names:
        raise Unmodelled(f"service name(s) {', '.join(p.unknown_names)} unknown to ProxGuard")
    return p.ranges


def _icmp(proto_n: int, spec: str | None) -> Ivs:
    if spec is None or spec == "any":
        return ((0, 255),)
    table = ICMP_TYPES if proto_n == ICMP4 else ICMPV6_TYPES
    out = []
    for item in spec.split(","):
        n = int(item) if item.isdigit() else table.get(item, -2)
        if n == -1:
            return ((0, 255),)
        if n >= 0:
            out.append((n, n))
    return norm(out)


def rule_boxes(rule: FwRule, ctx: _Ctx, iface: Ivs) -> list[Box] | None:
    """The rule's match set in this family, or None if the rule is not in this family's
    ruleset at all (pve-firewall skips rules of the other IP version)."""
    if rule.ipversion is not None and rule.ipversion != ctx.family:
        return None
    macro = lookup(rule.macro) if rule.macro else None
    if macro is not None:
        templates = macro.templates(ctx.family)
        if not templates:
            return None
    else:
        templates = (T(rule.proto or "", rule.dport, rule.sport),)
    src, dst = ctx.address(rule.source), ctx.address(rule.dest)
    boxes: list[Box] = []
    for t in templates:
        proto = t.proto or rule.proto
        dport = t.dport if t.dport is not None else rule.dport
        sport = t.sport if t.sport is not None else rule.sport
        if not proto:
            boxes.append((iface, PROTOS, src, dst, PORTS, PORTS))
            continue
        n = protocol_number(proto)
        if n is None:
            continue
        if (n == ICMP4 and ctx.family == 6) or (n == ICMP6 and ctx.family == 4):
            continue
        if n in (ICMP4, ICMP6):
            typ = rule.icmp_type if rule.icmp_type is not None else dport
            boxes.append((iface, ((n, n),), src, dst, PORTS, _icmp(n, typ)))
        elif n in PORT_PROTOCOLS:
            boxes.append((iface, ((n, n),), src, dst, _ports(sport), _ports(dport)))
        else:
            boxes.append((iface, ((n, n),), src, dst, PORTS, PORTS))
    return [b for b in boxes if all(b)]


def build_chains(cfg: FirewallConfig, local_network: str | None = None) -> list[Chain]:
    """Every chain pve-firewall would build from these files, both families."""
    chains: list[Chain] = []
    cache: dict[tuple[str, str, int], Ivs] = {}
    specs: dict[str, tuple[AddressSpec, dict[int, Ivs]]] = {}
    on, _ = cfg.cluster_enabled()
    nodes = sorted(cfg.hosts) or [""]
    for fam in (4, 6):
        for node in nodes:
            host = cfg.hosts.get(node)
            node_on = cfg.cluster_enabled(node)[0] if node else on
            for direction in ("in", "out"):
                chains.append(_host_chain(cfg, host, node, direction, fam, node_on,
                                          _Ctx(cfg, None, fam, local_network, cache, specs)))
        for vmid in sorted(cfg.guests, key=int):
            for direction in ("in", "out"):
                guest = cfg.guests[vmid]
                chains.append(_guest_chain(cfg, guest, direction, fam, on,
                                           _Ctx(cfg, guest, fam, local_network, cache, specs)))
    return chains


def _off_reason(cfg: FirewallConfig) -> str:
    if cfg.cluster is None:
        return "cluster.fw not supplied, so the master switch is unknown"
    return "the cluster firewall is off"


def _sources(cfg: FirewallConfig, host: FwFile | None) -> list[tuple[FwFile, list[FwRule]]]:
    out = []
    if host is not None:
        out.append((host, host.rules))
    if cfg.cluster is not None:
        out.append((cfg.cluster, cfg.cluster.rules))
    return out


def _host_chain(cfg: FirewallConfig, host: FwFile | None, node: str, direction: str,
                fam: int, on: bool, ctx: _Ctx) -> Chain:
    chain = Chain(f"node/{node}" if node else "cluster", direction, fam)
    host_on, host_setting = cfg.host_enabled(node) if node else (True, None)
    if not on:
        chain.active, chain.why_inactive = False, _off_reason(cfg)
    elif not host_on and host_setting is not None:
        # Firewall.pm compile_iptables_filter: enable_host_firewall only if enable != 0
        chain.active, chain.why_inactive = False, f"host firewall disabled ({host_setting.file}" \
            f":{host_setting.line} enable: {host_setting.value})"
    nft = host is not None and "nftables" in host.options and host.options["nftables"].value == "1"
    _fill(chain, ctx, _sources(cfg, host), cfg)
    builtin = _builtin(cfg, ctx, direction, chain.full()[0])
    if nft and builtin is not None:  # proxmox-firewall accepts management first [§1.10]
        chain.entries.insert(0, builtin)
    elif builtin is not None:
        chain.entries.append(builtin)
    coro = corosync_boxes(cfg, node, direction, fam, chain.full()[0]) if node else []
    if coro:
        chain.entries.append(Entry(f"builtin/corosync/{direction}", "ACCEPT", coro,
                                   cfg.corosync.file if cfg.corosync else "",
                                   corosync_line(cfg, node), implicit=True))
    pol = cfg.policy_in() if direction == "in" else cfg.policy_out()
    chain.entries.append(Entry(f"policy/{chain.scope}/{direction}", pol.value,
                               [chain.full()], pol.file, pol.line, implicit=True))
    return chain


def _builtin(cfg: FirewallConfig, ctx: _Ctx, direction: str, iface: Ivs) -> Entry | None:
    """IN: tcp 8006, 5900-5999, 3128, 22, 60000-60050 from the `management` ipset, to
    which compile_ipsets appends local_network. OUT: tcp 8006, 22, 5900-5999, 3128 to
    local_network only, not to the ipset (Firewall.pm enable_host_firewall,
    PVEFW-HOST-OUT `-d $localnet`)."""
    caveat = None
    mgmt: Ivs = ()
    if direction == "in" and cfg.cluster is not None and "management" in cfg.cluster.ipsets:
        mgmt = ctx.ipset_members(cfg.cluster, "management")
    try:
        mgmt = iv_or(mgmt, ctx.alias("dc", "local_network"))
    except Unmodelled as exc:
        caveat = f"{exc}: the built-in accepts also admit that network"
    tcp = ((6, 6),)
    ports = MGMT_PORTS if direction == "in" else MGMT_OUT_PORTS
    addr_any = ((0, ADDR_MAX[ctx.family]),)
    src, dst = (mgmt, addr_any) if direction == "in" else (addr_any, mgmt)
    box: Box = (iface, tcp, src, dst, PORTS, ports)
    region = [box] if mgmt else []
    file = cfg.cluster.path if cfg.cluster else "etc/pve/firewall/cluster.fw"
    return Entry(f"builtin/management/{direction}", "ACCEPT", region, file, 0,
                 implicit=True, caveat=caveat)


def _guest_chain(cfg: FirewallConfig, guest: FwFile, direction: str, fam: int, on: bool,
                 ctx: _Ctx) -> Chain:
    chain = Chain(f"guest/{guest.name}", direction, fam)
    en = guest.options.get("enable")
    if not on:
        chain.active, chain.why_inactive = False, _off_reason(cfg)
    elif en is None or en.value != "1":
        chain.active, chain.why_inactive = False, f"{guest.path} has no `enable: 1`"
    _fill(chain, ctx, [(guest, guest.rules)], cfg)
    key = "policy_in" if direction == "in" else "policy_out"
    opt = guest.options.get(key)
    value = opt.value if opt else ("DROP" if direction == "in" else "ACCEPT")
    chain.entries.append(Entry(f"policy/{chain.scope}/{direction}", value, [chain.full()],
                               guest.path, opt.line if opt else 0, implicit=True))
    return chain


def _fill(chain: Chain, ctx: _Ctx, sources: list[tuple[FwFile, list[FwRule]]],
          cfg: FirewallConfig) -> None:
    """Append the enforced rules of `sources` in order, inlining security groups."""
    flat: list[tuple[FwRule, str | None, str | None]] = []  # rule, GROUP-line iface, via
    for _f, rules in sources:
        for r in rules:
            if not r.enforced:
                continue
            if r.direction == "group":
                group = cfg.cluster.groups.get(r.action) if cfg.cluster else None
                for g in group.rules if group else ():
                    if g.enforced and g.direction == chain.direction:
                        flat.append((g, r.iface, r.id))
            elif r.direction == chain.direction:
                flat.append((r, None, None))
    names = sorted({n for r, gi, _ in flat for n in (r.iface, gi) if n})
    chain.ifaces = names
    code = {n: i for i, n in enumerate(names)}
    for r, guard, via in flat:
        if r.iface and guard and r.iface != guard:
            continue  # the group's own -i and the GROUP line's -i never agree
        name = r.iface or guard
        iface: Ivs = ((code[name], code[name]),) if name else ((0, len(names)),)
        try:
            boxes = rule_boxes(r, ctx, iface)
        except Unmodelled as exc:
            chain.unmodelled.append((r, str(exc)))
            continue
        if boxes is None:
            continue
        chain.entries.append(Entry(r.id, r.action, boxes, r.file, r.line, rule=r, via=via))
