"""fw-not-running: the firewall is configured on but the host does not run or load it."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.rule import Params, Remediation, Rule, Severity, TargetResult, Tuning, failed, passed
from proxguard.rules.firewall._common import CISC8_FIREWALL, PHG_ENABLE, PVE_FW_DOC
from proxguard.rules.firewall._running import cluster_fw_given, configured, judged_rulesets


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
    loaded = judged_rulesets(host)
    if loaded and all(rs.empty for rs in loaded):
        files = ", ".join(rs.file for rs in loaded)
        return [failed("host", f"configured enabled ({conf.where}) but nothing is loaded: "
                       f"{files} holds no rule and no drop policy", loaded[0].file, 0,
                       reason="no ruleset loaded")]
    if st is None and not loaded:
        return []  # nftables backend, only an iptables dump: nothing shows what is loaded
    if st is not None:
        pending = "; it reports pending changes (the loaded rules lag the configuration; " \
                  "they are applied within seconds unless compiling fails)" if st.pending else ""
        return [passed("host", f"configured enabled ({conf.where}) and pve-firewall status "
                       f"reports '{st.text}' ({st.file}:{st.line}){pending}", st.file, st.line)]
    return [passed("host", f"configured enabled ({conf.where}) and a ruleset is loaded "
                   f"({loaded[0].file}, {loaded[0].rule_count} rules)", loaded[0].file, 0)]


DOCS = """\
**What is checked.** `commands/pve-firewall-status.txt` (`pve-firewall status`) and the
loaded rulesets `commands/iptables-save.txt` / `commands/nft-list-ruleset.txt`, against
the `enable` switch of cluster.fw (or, without cluster.fw, the `enabled` the status
line reports from the host's own cluster.fw).

**How the verdict is decided.** Fails (critical) when the firewall is configured
enabled but `pve-firewall status` says `stopped` or `unknown`, or every supplied dump is
empty (no rule, no drop policy): the configuration is not what the kernel enforces.
Without cluster.fw, `Status: disabled/…` fails too: the host itself reports the firewall
off. With cluster.fw supplied and the switch off it is `not_applicable`
(`firewall-disabled` scores that). `(pending changes)` passes with a note: pve-firewall
applies changes within seconds unless compiling fails. Not evaluated when none of the
three outputs was supplied.

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
