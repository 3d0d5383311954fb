"""The running firewall: what `pve-firewall status`, `iptables-save`, `ip6tables-save` and
`nft list ruleset` say is loaded, next to (not instead of) what cluster.fw configures.

A configuration can say "enabled" while the daemon is stopped or another tool has
replaced the rules; only the loaded ruleset shows what the kernel enforces. Both dump
formats land in one shape (tables → chains → rules, with the few facts the rules need:
hook, policy, verdict, whether a rule matches everything). IPv4 and IPv6 are separate
kernel tables: pve-firewall compiles and restores both (Firewall.pm `compile`,
`apply_ruleset`), so each address family is judged on its own chains (`for_family`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PVE_CHAIN_PREFIX = "PVEFW-"
PVE_NFT_TABLES = ("proxmox-firewall", "proxmox-firewall-guests")
DENY_VERDICTS = ("drop", "reject")
IPV4, IPV6 = "ipv4", "ipv6"
# the chain families that filter each address family: iptables-save chains are "ip",
# ip6tables-save chains "ip6"; an nft inet table sees both
FAMILY_TABLES: dict[str, tuple[str, ...]] = {IPV4: ("ip", "inet"), IPV6: ("ip6", "inet")}


@dataclass(frozen=True, slots=True)
class FwStatus:
    """`Status: enabled/running (pending changes)` [pve-firewall, Service/pve_firewall.pm]."""

    enabled: bool
    state: str  # running | stopped | unknown
    pending: bool
    file: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class LoadedRule:
    verdict: str | None  # accept, drop, reject, return, jump:<chain>, goto:<chain>, or None
    catch_all: bool  # no match at all: every packet reaching it gets the verdict
    file: str
    line: int


@dataclass(slots=True)
class LoadedChain:
    family: str  # ip (iptables-save), ip6 (ip6tables-save), or the nft family
    table: str
    name: str
    hook: str | None  # input, forward, output, …  (iptables: the built-in chains)
    policy: str | None  # accept | drop for base chains; None for user chains
    file: str
    line: int
    rules: list[LoadedRule] = field(default_factory=list)

    @property
    def is_pve(self) -> bool:
        return self.name.startswith(PVE_CHAIN_PREFIX) or self.table in PVE_NFT_TABLES

    def ends_in_deny(self) -> LoadedRule | None:
        """The catch-all drop/reject that decides every packet reaching the chain's end."""
        for r in reversed(self.rules):
            if r.catch_all and r.verdict is not None:
                return r if r.verdict in DENY_VERDICTS else None
        return None


@dataclass(slots=True)
class LoadedRuleset:
    source: str  # "iptables-save", "ip6tables-save" or "nft list ruleset"
    file: str
    chains: list[LoadedChain] = field(default_factory=list)

    @property
    def rule_count(self) -> int:
        return sum(len(c.rules) for c in self.chains)

    @property
    def pve_chains(self) -> list[LoadedChain]:
        return [c for c in self.chains if c.is_pve]

    def input_chains(self) -> list[LoadedChain]:
        """Base chains filtering traffic to the host (iptables filter INPUT; nft chains with
        `hook input` in an ip, ip6 or inet table)."""
        return [c for c in self.chains if c.hook == "input" and c.family in ("ip", "ip6", "inet")]

    def chain(self, name: str) -> LoadedChain | None:
        return next((c for c in self.chains if c.name == name), None)

    @property
    def empty(self) -> bool:
        """Nothing loaded: no rule anywhere and no base chain that drops by policy."""
        return self.rule_count == 0 and not any(c.policy == "drop" for c in self.chains)

    def for_family(self, family: str) -> LoadedRuleset:
        """The chains that filter `family` (IPV4 or IPV6) traffic: a drop in an ip6 table
        protects nothing reached over IPv4, and the reverse."""
        keep = FAMILY_TABLES[family]
        return LoadedRuleset(self.source, self.file, [c for c in self.chains if c.family in keep])

    def has_table(self, family: str, table: str) -> bool:
        return any(c.family == family and c.table == table for c in self.chains)


@dataclass(slots=True)
class RunningFirewall:
    status: FwStatus | None = None
    iptables: LoadedRuleset | None = None
    nft: LoadedRuleset | None = None
    ip6tables: LoadedRuleset | None = None

    @property
    def rulesets(self) -> list[LoadedRuleset]:
        return [r for r in (self.iptables, self.ip6tables, self.nft) if r is not None]

    @property
    def ruleset(self) -> LoadedRuleset | None:
        """The first dump supplied (rule inputs `running_firewall.ruleset`)."""
        return self.iptables or self.ip6tables or self.nft
