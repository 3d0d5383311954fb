"""fw-ruleset-drift: cluster.fw enables the firewall but the loaded rules are not PVE's."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.running import LoadedRuleset
from proxguard.rule import (
    Params,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
    unassessed,
)
from proxguard.rules.firewall._common import CISC8_FIREWALL, PVE_FW_DOC
from proxguard.rules.firewall._running import Configured, FamilyView, configured, family_views


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
    views = family_views(host)
    v4 = _judge(conf, views[0]) if views else None
    if v4 is None:
        return []  # nothing loaded at all: fw-not-running reports it
    v6 = _judge(conf, views[1])
    return [v4] if v6 is None else [v4, v6]


def _judge(conf: Configured, view: FamilyView) -> TargetResult | None:
    """One family's verdict; None when nothing of it is loaded (fw-not-running)."""
    target, fam = view.target, view.label
    if not view.rulesets:
        return unassessed(target, f"{fam} not assessed: {view.missing}")
    loaded = [rs for rs in view.rulesets if not rs.empty]
    if not loaded:
        return None
    for rs in loaded:
        if rs.pve_chains and _hooked(rs):
            return passed(target, f"configured enabled ({conf.where}); {rs.file} holds "
                          f"{len(rs.pve_chains)} {fam} PVE chains, hooked into the input path",
                          rs.file, rs.pve_chains[0].line)
    rs = loaded[0]
    if not view.complete:
        return unassessed(target, f"{fam} not assessed: {rs.file} holds no hooked {fam} PVE "
                          f"chain, but {view.missing}, and a legacy ip6tables ruleset does "
                          "not show in the nft dump")
    if rs.pve_chains:
        return failed(target, f"configured enabled ({conf.where}) but in {rs.file} the "
                      f"{fam} PVEFW chains are loaded without the INPUT hook "
                      "(-j PVEFW-INPUT): nothing sends traffic through them", rs.file,
                      rs.pve_chains[0].line, reason="PVE chains not hooked")
    first = next((c for c in rs.chains if c.rules), rs.chains[0])
    return failed(target, f"configured enabled ({conf.where}) but {rs.file} holds "
                  f"{rs.rule_count} {fam} rules and no PVEFW- chain or proxmox-firewall "
                  "table: what is enforced is not the Proxmox configuration (another "
                  "firewall tool replaced it, or pve-firewall failed to compile)", rs.file,
                  first.line, reason="no PVE chains loaded")


DOCS = """\
**What is checked.** The loaded ruleset of each address family while cluster.fw enables
the firewall: IPv4 (target `host`) in `commands/iptables-save.txt` and the ip/inet tables
of `commands/nft-list-ruleset.txt`, IPv6 (target `host/ipv6`) in
`commands/ip6tables-save.txt` and the ip6/inet tables of the nft dump.

**How the verdict is decided.** Passes when a dump holds pve-firewall's chains (names
starting `PVEFW-`, hooked from the built-in INPUT chain by `-j PVEFW-INPUT`) or the
nftables backend's `proxmox-firewall` table. Fails (high) when a dump holds rules but
none of those, or PVEFW chains without the INPUT hook. `not_applicable` while the
firewall is switched off (`firewall-disabled`) or when nothing at all is loaded
(`fw-not-running`, critical). Not evaluated without cluster.fw or without a dump. IPv6
is not assessed (never passed) without `ip6tables-save` output, unless the nft dump
shows hooked PVE chains for it or holds ip6tables-nft's `ip6 filter` table.

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
