"""default-accept-input: the host inbound policy (`policy_in`) is ACCEPT."""

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
    inapplicable,
    passed,
)
from proxguard.rules.firewall._common import CIS_INPUT_POLICY_ONLY, PHG_ENABLE, PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg = host.firewall
    on, _ = cfg.cluster_enabled()
    s = cfg.policy_in()
    shown = f"policy_in: {s.value} ({s.where()})" if s.line else \
        f"policy_in not set in {s.file} (default DROP)"
    if params.get("only_when_enabled") and not on:
        # firewall-disabled already scores this host (no double jeopardy); say why the
        # policy is moot rather than "nothing of this kind exists"
        return [inapplicable("host", f"{shown}: moot while the cluster firewall is off — "
                             "with the master switch off Proxmox builds no host chain, so no "
                             "policy is applied (firewall-disabled scores that); it takes "
                             "effect as soon as the firewall is enabled", s.file, s.line)]
    if s.value != "ACCEPT":
        return [passed("host", f"{shown}: unmatched inbound traffic is "
                       f"{'dropped' if s.value == 'DROP' else 'rejected'}", s.file, s.line)]
    state = "on" if on else "off (the policy takes effect once it is enabled)"
    return [failed("host", f"{shown}: every inbound connection that no rule matches is "
                   f"accepted; the cluster firewall is {state}", s.file, s.line)]


DOCS = """\
**What is checked.** `policy_in` in `[OPTIONS]` of `/etc/pve/firewall/cluster.fw`: the
policy of each node's host input chain (`PVEFW-HOST-IN`), applied after host.fw rules,
cluster rules and the built-in management accepts.

**How the verdict is decided.** Fails only on an explicit `policy_in: ACCEPT` (any case);
a missing key means DROP in pve-firewall, which passes, as does REJECT. An option line
Proxmox ignores (trailing comment, unknown value) does not count. **compat** judges the
option whether or not the firewall is enabled, as the incumbent did; **extended** is
`not_applicable` while the cluster firewall is off — the policy is moot then, and the
target says so with the policy line — because `firewall-disabled` already scores that
state. `iptables-save` output is not used: pve-firewall never changes the
built-in INPUT policy, so `:INPUT ACCEPT` there is normal on a firewalled node.

**Why.** With an ACCEPT policy the firewall only blocks what a rule explicitly denies:
every service that nobody thought of (rpcbind, a test web server, an exporter) is open.
"""

RULE = Rule(
    id="default-accept-input",
    title="Default inbound policy is ACCEPT",
    category="firewall",
    references=(
        Reference("CIS Debian 12 v1.1.0", "4.4.2.1", "Ensure iptables default deny firewall policy",
                  partial=CIS_INPUT_POLICY_ONLY),
        Reference("CIS Debian 12 v1.1.0", "4.3.8", "Ensure nftables default deny firewall policy",
                  partial=CIS_INPUT_POLICY_ONLY),
        Reference("CIS Debian 11 v1.0.0", "3.5.3.2.1", "Ensure iptables default deny firewall policy",
                  partial=CIS_INPUT_POLICY_ONLY),
        PHG_ENABLE,
        PVE_FW_DOC,
    ),
    inputs=("firewall.cluster",),
    rationale="A default-accept input policy exposes every listening service that no rule "
              "explicitly blocks.",
    docs=DOCS,
    remediation=Remediation(
        summary="Accept management and needed services explicitly, then "
                "`pvesh set /cluster/firewall/options --policy_in DROP`.",
        template="firewall/default_accept_input.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"only_when_enabled": False}),
        "extended": Tuning(Severity.HIGH, {"only_when_enabled": True}),
    },
)
