"""fw-loaded-input-accept: without cluster.fw, the loaded INPUT path accepts by default."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
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
)
from proxguard.rules.firewall._common import CIS_INPUT_POLICY_ONLY, PHG_ENABLE, PVE_FW_DOC
from proxguard.rules.firewall._running import cluster_fw_given, denying_rule, judged_rulesets


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    if cluster_fw_given(host):
        return []  # default-accept-input judges policy_in of the configuration
    loaded = judged_rulesets(host)
    if not loaded:
        return []  # nftables backend and no nft dump: what is loaded is not shown
    for rs in loaded:
        for chain in rs.input_chains():
            why = denying_rule(rs, chain)
            if why is None:
                continue
            how = "its policy is DROP" if why == "policy" else \
                f"rule {rs.file}:{why.line} drops or rejects what no earlier rule accepted"
            return [passed("host", f"{rs.source}: input chain {chain.table}/{chain.name} "
                           f"({rs.file}:{chain.line}) denies by default: {how}",
                           rs.file, chain.line if why == "policy" else why.line)]
    rs = loaded[0]
    chains = [c for r in loaded for c in r.input_chains()]
    if not chains:
        return [failed("host", f"{rs.source} ({rs.file}) loads no filter chain on the input "
                       "hook: the kernel accepts every inbound packet", rs.file, 0)]
    c = chains[0]
    return [failed("host", f"{rs.source}: input chain {c.table}/{c.name} ({c.file}:{c.line}) "
                   f"has policy {(c.policy or 'accept').upper()}, no final catch-all DROP/REJECT "
                   "and no hook into a denying chain: every inbound connection no rule "
                   "matches is accepted", c.file, c.line)]


DOCS = """\
**What is checked.** When cluster.fw was **not** supplied, the loaded input path from
`commands/iptables-save.txt` or `commands/nft-list-ruleset.txt`: the filter INPUT chain
(iptables) or every base chain on the `input` hook of an ip/ip6/inet table (nft).

**How the verdict is decided.** Passes when some input chain denies what no rule
accepted: a DROP policy, a final catch-all DROP/REJECT, or a catch-all jump to a chain
that does so (pve-firewall's `-j PVEFW-INPUT` → `PVEFW-HOST-IN` ending in `PVEFW-Drop`/
`DROP`, or the nftables backend's `proxmox-firewall` input chain with `policy drop`).
Fails (high) otherwise, including when no input chain is loaded at all. A built-in
`:INPUT ACCEPT` alone is **not** a failure: pve-firewall never changes that policy and
enforces `policy_in` inside its own chains. `not_applicable` when cluster.fw was supplied
(`default-accept-input` judges `policy_in` there); not evaluated without a dump.

**Why.** The same exposure as `default-accept-input`, read from what the kernel runs:
every listening service that no rule blocks is reachable.
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
