"""Shared facts of the running-firewall rules: what the configuration says, and whether a
loaded input chain denies what no rule accepts.

The configured switch comes from cluster.fw when it was supplied (the file the audit
judges) and otherwise from `pve-firewall status`, which prints what the host itself read
from its cluster.fw.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.host import Host
from proxguard.model.running import LoadedChain, LoadedRule, LoadedRuleset

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


def judged_rulesets(host: Host) -> list[LoadedRuleset]:
    """The dumps that can show what is loaded: under the nftables backend only the nft
    dump does."""
    rf = host.running_firewall
    if rf is None:
        return []
    if nft_backend(host) is not None:
        return [rf.nft] if rf.nft is not None else []
    return rf.rulesets


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
