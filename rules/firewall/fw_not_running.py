"""fw-not-running: the firewall is configured on but the host does not run or load it."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.running import FwStatus, LoadedRuleset
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
from proxguard.rules.firewall._common import CISC8_FIREWALL, PHG_ENABLE, PVE_FW_DOC
from proxguard.rules.firewall._running import (
    Configured,
    FamilyView,
    cluster_fw_given,
    configured,
    family_views,
)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    rf = host.running_firewall
    conf = configured(host)
    if conf is None:
        return []  # only dumps and no configuration: nothing says it should run
    st = rf.status
    if not conf.on:
        if cluster_fw_given(host):
            return []  # firewall-disabled judges the configured switch
        return [failed("host", f"{conf.where}: the host reports its cluster firewall "
                       "disabled, so pve-firewall loads no host or guest rule",
                       conf.file, conf.line, reason="disabled on the host")]
    if st is not None and st.state != "running":
        said = f"pve-firewall status reports '{st.text}' ({st.file}:{st.line})"
        head = f"{said}: the host's cluster.fw enables the firewall" if conf.from_status \
            else f"configured enabled ({conf.where}) but {said}"
        return [failed("host", f"{head}, and the daemon is {st.state}: no rule of the "
                       "configuration is loaded", st.file, st.line, reason=f"daemon {st.state}")]
    views = family_views(host)
    v4, v6 = (views[0], views[1]) if views else (None, None)
    if st is None and not (v4 and v4.rulesets) and not (v6 and v6.rulesets):
        return []  # nftables backend, only an iptables dump: nothing shows what is loaded
    out = [_ipv4(conf, st, v4.rulesets if v4 else ())]
    if v6 is not None:
        out.append(_loaded(conf, v6))
    return out


def _ipv4(conf: Configured, st: FwStatus | None, loaded: Sequence[LoadedRuleset]
          ) -> TargetResult:
    """The daemon and the IPv4 tables (target `host`, as before IPv6 was judged)."""
    if loaded and all(rs.empty for rs in loaded):
        files = ", ".join(rs.file for rs in loaded)
        return failed("host", f"configured enabled ({conf.where}) but nothing is loaded: "
                      f"{files} holds no rule and no drop policy", loaded[0].file, 0,
                      reason="no ruleset loaded")
    if st is not None:
        pending = "; it reports pending changes (the loaded rules lag the configuration; " \
                  "they are applied within seconds unless compiling fails)" if st.pending else ""
        return passed("host", f"configured enabled ({conf.where}) and pve-firewall status "
                      f"reports '{st.text}' ({st.file}:{st.line}){pending}", st.file, st.line)
    if not loaded:
        return unassessed("host", "IPv4 not assessed: neither pve-firewall status nor an "
                          "IPv4 dump (iptables-save, nft list ruleset) was supplied")
    return passed("host", f"configured enabled ({conf.where}) and a ruleset is loaded "
                  f"({loaded[0].file}, {loaded[0].rule_count} rules)", loaded[0].file, 0)


def _loaded(conf: Configured, view: FamilyView) -> TargetResult:
    """IPv6: pve-firewall restores an ip6tables ruleset beside the IPv4 one whenever it
    runs (Firewall.pm `apply_ruleset`), so an empty IPv6 dump means it failed to."""
    target, fam = view.target, view.label
    if not view.rulesets:
        return unassessed(target, f"{fam} not assessed: {view.missing}")
    if not all(rs.empty for rs in view.rulesets):
        rs = next(r for r in view.rulesets if not r.empty)
        return passed(target, f"configured enabled ({conf.where}) and an {fam} ruleset is "
                      f"loaded ({rs.file}, {rs.rule_count} {fam} rules)", rs.file, 0)
    files = ", ".join(rs.file for rs in view.rulesets)
    if not view.complete:
        return unassessed(target, f"{fam} not assessed: {files} holds no {fam} rule, but "
                          f"{view.missing}, and a legacy ip6tables ruleset does not show "
                          "in the nft dump")
    return failed(target, f"configured enabled ({conf.where}) but no {fam} rule is loaded: "
                  f"{files} holds no {fam} rule and no drop policy (pve-firewall loads an "
                  "ip6tables ruleset beside the iptables one: restoring it failed, or "
                  "something flushed it)", view.rulesets[0].file, 0,
                  reason=f"no {fam} ruleset loaded")


DOCS = """\
**What is checked.** `commands/pve-firewall-status.txt` (`pve-firewall status`) and the
loaded rulesets `commands/iptables-save.txt`, `commands/ip6tables-save.txt` and
`commands/nft-list-ruleset.txt`, against the `enable` switch of cluster.fw (or, without
cluster.fw, the `enabled` the status line reports from the host's own cluster.fw). The
daemon and the IPv4 tables are target `host`; the IPv6 tables are `host/ipv6`.

**How the verdict is decided.** Fails (critical) when the firewall is configured
enabled but `pve-firewall status` says `stopped` or `unknown`, or every supplied dump is
empty (no rule, no drop policy): the configuration is not what the kernel enforces.
Without cluster.fw, `Status: disabled/…` fails too: the host itself reports the firewall
off. With cluster.fw supplied and the switch off it is `not_applicable`
(`firewall-disabled` scores that). `(pending changes)` passes with a note: pve-firewall
applies changes within seconds unless compiling fails. Not evaluated when none of the
four outputs was supplied. `host/ipv6` fails when the IPv6 dumps are empty (no rule, no
drop policy) while the firewall is configured on: pve-firewall restores an ip6tables
ruleset beside the iptables one whenever it runs (Firewall.pm `compile`,
`apply_ruleset`). It is not assessed (never passed) without `ip6tables-save` output,
unless the nft dump shows IPv6 rules; an empty IPv6 view of the nft dump alone fails only
when it holds ip6tables-nft's `ip6 filter` table.

**Why.** `enable: 1` in a file is only intent: a stopped `pve-firewall` service (masked
after an upgrade, killed, failing to compile) removes the PVEFW chains, and every
service on the node and its guests is reachable.
"""


RULE = Rule(
    id="fw-not-running",
    title="Firewall configured on but not running or not loaded",
    category="firewall",
    references=(PHG_ENABLE, CISC8_FIREWALL, PVE_FW_DOC),
    inputs=("running_firewall",),
    rationale="A firewall switched on in cluster.fw protects nothing while pve-firewall is "
              "stopped or its rules are not loaded: the host's real state is what counts.",
    docs=DOCS,
    remediation=Remediation(
        summary="Start and enable the firewall service: `systemctl enable --now pve-firewall`, "
                "then check `pve-firewall status`.",
        template="firewall/fw_not_running.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.CRITICAL)},
)
