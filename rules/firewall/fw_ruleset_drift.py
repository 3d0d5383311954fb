"""fw-ruleset-drift: cluster.fw enables the firewall but the loaded rules are not PVE's."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.running import LoadedRuleset
from proxguard.rule import Params, Remediation, Rule, Severity, TargetResult, Tuning, failed, passed
from proxguard.rules.firewall._common import CISC8_FIREWALL, PVE_FW_DOC
from proxguard.rules.firewall._running import configured, judged_rulesets


def _hooked(rs: LoadedRuleset) -> bool:
    """PVE's chains are reachable: an nft proxmox-firewall table hooks itself; iptables
    chains need INPUT's `-j PVEFW-INPUT` (pve-firewall adds it to the built-in chain)."""
    if any(c.table.startswith("proxmox-firewall") and c.hook for c in rs.chains):
        return True
    return any(r.verdict == "jump:PVEFW-INPUT" for c in rs.input_chains() for r in c.rules)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    conf = configured(host)
    if conf is None or not conf.on:
        return []  # firewall-disabled scores a switched-off firewall
    loaded = [rs for rs in judged_rulesets(host) if not rs.empty]
    if not loaded:
        return []  # nothing loaded at all: fw-not-running reports it
    for rs in loaded:
        if rs.pve_chains and _hooked(rs):
            return [passed("host", f"configured enabled ({conf.where}); {rs.file} holds "
                           f"{len(rs.pve_chains)} PVE chains, hooked into the input path",
                           rs.file, rs.pve_chains[0].line)]
    rs = loaded[0]
    if rs.pve_chains:
        return [failed("host", f"configured enabled ({conf.where}) but in {rs.file} the "
                       f"PVEFW chains are loaded without the INPUT hook (-j PVEFW-INPUT): "
                       "nothing sends traffic through them", rs.file, rs.pve_chains[0].line,
                       reason="PVE chains not hooked")]
    first = next((c for c in rs.chains if c.rules), rs.chains[0])
    return [failed("host", f"configured enabled ({conf.where}) but {rs.file} holds "
                   f"{rs.rule_count} rules and no PVEFW- chain or proxmox-firewall table: "
                   "what is enforced is not the Proxmox configuration (another firewall tool "
                   "replaced it, or pve-firewall failed to compile)", rs.file, first.line,
                   reason="no PVE chains loaded")]


DOCS = """\
**What is checked.** The loaded ruleset — `commands/iptables-save.txt` (`iptables-save`)
or `commands/nft-list-ruleset.txt` (`nft list ruleset`) — while cluster.fw enables the
firewall.

**How the verdict is decided.** Passes when a dump holds pve-firewall's chains (names
starting `PVEFW-`, hooked from the built-in INPUT chain by `-j PVEFW-INPUT`) or the
nftables backend's `proxmox-firewall` table. Fails (high) when a dump holds rules but
none of those, or PVEFW chains without the INPUT hook. `not_applicable` while the
firewall is switched off (`firewall-disabled`) or when nothing at all is loaded
(`fw-not-running`, critical). Not evaluated without cluster.fw or without a dump.

**Why.** ufw, firewalld, a Docker install or a hand-run `iptables -F` replace or bypass
the rules pve-firewall compiled; the audit of cluster.fw then describes a firewall that
is not the one running.
"""


RULE = Rule(
    id="fw-ruleset-drift",
    title="Loaded ruleset is not the Proxmox firewall",
    category="firewall",
    references=(CISC8_FIREWALL, PVE_FW_DOC),
    inputs=("firewall.cluster", "running_firewall.ruleset"),
    rationale="When the loaded rules are not pve-firewall's, the audited cluster.fw is not "
              "what protects the host.",
    docs=DOCS,
    remediation=Remediation(
        summary="Stop the other firewall manager, then `systemctl restart pve-firewall`.",
        template="firewall/fw_ruleset_drift.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
