"""Shared facts of the running-firewall rules: what the configuration says, and whether a
loaded input chain denies what no rule accepts.

The configured switch comes from cluster.fw when it was supplied (the file the audit
judges) and otherwise from `pve-firewall status`, which prints what the host itself read
from its cluster.fw.

IPv4 and IPv6 are judged apart (`family_views`): pve-firewall compiles a ruleset for each
and restores them with iptables-restore and ip6tables-restore (Firewall.pm `compile`,
`apply_ruleset`), and a host whose IPv4 INPUT drops can still accept everything over
IPv6. The IPv4 verdict keeps the target `host`; the IPv6 one is `host/ipv6`.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.host import Host
from proxguard.model.running import IPV4, IPV6, LoadedChain, LoadedRule, LoadedRuleset

MAX_JUMPS = 8  # chains followed from INPUT; PVE nests three deep (INPUT → PVEFW-INPUT → HOST-IN)


@dataclass(frozen=True, slots=True)
class Configured:
    on: bool
    where: str  # "enable: 1 (etc/pve/firewall/cluster.fw:3)" or the status line
    file: str
    line: int
    from_status: bool = False  # no cluster.fw: the status line reported the switch


def cluster_fw_given(host: Host) -> bool:
    return host.firewall is not None and host.firewall.cluster is not None


def nft_backend(host: Host) -> str | None:
    """Where a node's host.fw selects the nftables backend (`nftables: 1`): proxmox-firewall
    then loads its rules with nft, and an iptables dump alone says nothing about them."""
    if host.firewall is None:
        return None
    for fw in host.firewall.hosts.values():
        opt = fw.options.get("nftables")
        if opt is not None and opt.value == "1":
            return f"{fw.path}:{opt.line}"
    return None


TARGETS = {IPV4: "host", IPV6: "host/ipv6"}
LABELS = {IPV4: "IPv4", IPV6: "IPv6"}


@dataclass(frozen=True, slots=True)
class FamilyView:
    """What the supplied dumps show of one address family's loaded tables."""

    family: str  # IPV4 | IPV6
    rulesets: tuple[LoadedRuleset, ...]  # each dump cut to the chains of this family
    complete: bool  # every table that filters this family is shown: a fail can be trusted
    missing: str  # what was not supplied (evidence of a not-assessed target)

    @property
    def target(self) -> str:
        return TARGETS[self.family]

    @property
    def label(self) -> str:
        return LABELS[self.family]


def family_views(host: Host) -> list[FamilyView]:
    """The IPv4 view, then the IPv6 one. Under the nftables backend only the nft dump
    shows what is loaded (an inet table covers both families). Otherwise IPv4 is
    iptables-save plus the nft dump's ip/inet chains, as before; IPv6 is ip6tables-save
    plus the nft dump's ip6/inet chains. Without ip6tables-save the IPv6 picture is
    complete only when the nft dump holds ip6tables-nft's `ip6 filter` table (then
    ip6tables is nft-backed and the dump shows it); a legacy ip6tables would not show
    in the nft dump, so a denying nft chain can still pass but nothing can fail."""
    rf = host.running_firewall
    if rf is None:
        return []
    nft = rf.nft
    if nft_backend(host) is not None:
        if nft is None:
            return []
        return [FamilyView(f, (nft.for_family(f),), True, "") for f in (IPV4, IPV6)]
    v4 = tuple(r for r in (rf.iptables, nft.for_family(IPV4) if nft else None) if r is not None)
    v6 = tuple(r for r in (rf.ip6tables, nft.for_family(IPV6) if nft else None) if r is not None)
    v6_complete = rf.ip6tables is not None or (nft is not None and nft.has_table("ip6", "filter"))
    return [FamilyView(IPV4, v4, bool(v4), "neither iptables-save nor nft list ruleset "
                       "output was supplied (commands/iptables-save.txt)"),
            FamilyView(IPV6, v6, v6_complete, "ip6tables-save output was not supplied "
                       "(commands/ip6tables-save.txt; collectors before this version did not gather it)")]


def configured(host: Host) -> Configured | None:
    if cluster_fw_given(host):
        on, s = host.firewall.cluster_enabled()
        where = f"enable: {s.value} ({s.where()})" if s.line else \
            f"enable not set in {s.file} (default 0)"
        return Configured(on, where, s.file, s.line)
    st = host.running_firewall.status if host.running_firewall is not None else None
    if st is not None:
        return Configured(st.enabled, f"'{st.text}' ({st.file}:{st.line})", st.file, st.line,
                          from_status=True)
    return None


def denying_rule(rs: LoadedRuleset, chain: LoadedChain) -> LoadedRule | str | None:
    """What makes `chain` deny every packet no rule decided: the first catch-all rule that
    drops/rejects (or jumps to a chain that ends up doing so), else its DROP policy (the
    string "policy"). None when unmatched packets are accepted."""
    verdict, why = _default(rs, chain, 0)
    return why if verdict == "deny" else None


def _default(rs: LoadedRuleset, chain: LoadedChain, depth: int) -> tuple[str, LoadedRule | str | None]:
    """("deny" | "accept" | "fallthrough", the rule or "policy" that decides). Rules are
    walked in order, as the kernel does: the first catch-all terminal verdict decides
    every packet that reaches it; a catch-all jump decides when its target does."""
    for r in chain.rules:
        if not r.catch_all or r.verdict is None:
            continue
        if r.verdict in ("drop", "reject"):
            return "deny", r
        if r.verdict == "accept":
            return "accept", r
        if r.verdict == "return":
            break
        target = rs.chain(r.verdict.split(":", 1)[1]) if ":" in r.verdict else None
        if target is None or depth >= MAX_JUMPS:
            continue
        verdict, _ = _default(rs, target, depth + 1)
        if verdict != "fallthrough":
            return verdict, r
        if r.verdict.startswith("goto:"):
            break  # a goto does not come back: the end of this chain applies
    if chain.policy == "drop":
        return "deny", "policy"
    return ("accept", "policy") if chain.policy == "accept" else ("fallthrough", None)
