"""fw-loaded-input-accept: without cluster.fw, the loaded INPUT path accepts by default."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.running import IPV6
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
    unassessed,
)
from proxguard.rules.firewall._common import CIS_INPUT_POLICY_ONLY, PHG_ENABLE, PVE_FW_DOC
from proxguard.rules.firewall._running import (
    FamilyView,
    cluster_fw_given,
    denying_rule,
    family_views,
)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    if cluster_fw_given(host):
        return []  # default-accept-input judges policy_in of the configuration
    views = family_views(host)
    if not any(v.rulesets for v in views):
        return []  # nftables backend and no nft dump: what is loaded is not shown
    return [_judge(v) for v in views]


def _judge(view: FamilyView) -> TargetResult:
    """One family: passes when some input chain of a dump denies by default; fails only
    when the dumps show every table of the family."""
    target, fam = view.target, view.label
    if not view.rulesets:
        return unassessed(target, f"{fam} not assessed: {view.missing}")
    for rs in view.rulesets:
        for chain in rs.input_chains():
            why = denying_rule(rs, chain)
            if why is None:
                continue
            how = "its policy is DROP" if why == "policy" else \
                f"rule {rs.file}:{why.line} drops or rejects what no earlier rule accepted"
            return passed(target, f"{fam}: {rs.source}: input chain {chain.table}/{chain.name} "
                          f"({rs.file}:{chain.line}) denies by default: {how}",
                          rs.file, chain.line if why == "policy" else why.line)
    rs = view.rulesets[0]
    chains = [c for r in view.rulesets for c in r.input_chains()]
    if not view.complete:
        shown = ", ".join(r.file for r in view.rulesets)
        return unassessed(target, f"{fam} not assessed: {shown} shows no {fam} input chain "
                          f"that denies by default, but {view.missing}, and a legacy "
                          "ip6tables ruleset does not show in the nft dump")
    if not chains:
        return failed(target, f"{fam}: {rs.source} ({rs.file}) loads no filter chain on the "
                      f"input hook: the kernel accepts every inbound {fam} packet (unless "
                      f"{fam} is switched off in the kernel, which no supplied file shows)",
                      rs.file, 0, ipv6=view.family == IPV6)
    c = chains[0]
    return failed(target, f"{fam}: {rs.source}: input chain {c.table}/{c.name} "
                  f"({c.file}:{c.line}) has policy {(c.policy or 'accept').upper()}, no final "
                  "catch-all DROP/REJECT and no hook into a denying chain: every inbound "
                  f"{fam} connection no rule matches is accepted", c.file, c.line,
                  ipv6=view.family == IPV6)


DOCS = """\
**What is checked.** When cluster.fw was **not** supplied, the loaded input path of each
address family: IPv4 (target `host`) from `commands/iptables-save.txt` and the ip/inet
tables of `commands/nft-list-ruleset.txt`, IPv6 (target `host/ipv6`) from
`commands/ip6tables-save.txt` and the ip6/inet tables of the nft dump — the filter INPUT
chain (iptables/ip6tables) or every base chain on the `input` hook (nft).

**How the verdict is decided.** Passes when some input chain denies what no rule
accepted: a DROP policy, a final catch-all DROP/REJECT, or a catch-all jump to a chain
that does so (pve-firewall's `-j PVEFW-INPUT` → `PVEFW-HOST-IN` ending in `PVEFW-Drop`/
`DROP`, or the nftables backend's `proxmox-firewall` input chain with `policy drop`).
Fails (high) otherwise, including when no input chain is loaded at all. A built-in
`:INPUT ACCEPT` alone is **not** a failure: pve-firewall never changes that policy and
enforces `policy_in` inside its own chains. `not_applicable` when cluster.fw was supplied
(`default-accept-input` judges `policy_in` there); not evaluated without a dump. IPv6 is
not assessed (never passed) without `ip6tables-save` output unless an nft ip6/inet input
chain denies, or the nft dump holds ip6tables-nft's `ip6 filter` table (then it shows
what ip6tables loaded); a legacy ip6tables ruleset does not show in the nft dump.

**Why.** The same exposure as `default-accept-input`, read from what the kernel runs:
every listening service that no rule blocks is reachable. IPv4 and IPv6 are separate
tables: a host whose IPv4 INPUT drops is still open over IPv6 (if only through its
link-local fe80:: addresses on the LAN) when the IPv6 INPUT accepts.
"""


RULE = Rule(
    id="fw-loaded-input-accept",
    title="Loaded inbound path accepts by default",
    category="firewall",
    references=(
        Reference("CIS Debian 12 v1.1.0", "4.4.2.1", "Ensure iptables default deny firewall policy",
                  partial=CIS_INPUT_POLICY_ONLY),
        Reference("CIS Debian 12 v1.1.0", "4.3.8", "Ensure nftables default deny firewall policy",
                  partial=CIS_INPUT_POLICY_ONLY),
        Reference("CIS Debian 12 v1.1.0", "4.4.3.1", "Ensure ip6tables default deny firewall policy",
                  partial=CIS_INPUT_POLICY_ONLY),
        PHG_ENABLE,
        PVE_FW_DOC,
    ),
    inputs=("running_firewall.ruleset",),
    rationale="A default-accept input path exposes every listening service that no rule "
              "explicitly blocks; the loaded ruleset shows it even without cluster.fw.",
    docs=DOCS,
    remediation=Remediation(
        summary="Accept management explicitly, then enable the Proxmox firewall with "
                "`policy_in: DROP`.",
        template="firewall/fw_loaded_input_accept.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
