"""fw-shadowed-rule: a firewall rule that never decides a packet because earlier rules
with a different action decide all of its packets first."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Remediation,
    Rule,
    Severity,
    Status,
    TargetResult,
    Tuning,
    failed,
)
from proxguard.rules.firewall._analysis import (
    conflicts,
    facts,
    firewall_on,
    inactive_reason,
    rule_target,
)
from proxguard.rules.firewall._common import PHG_ENABLE, PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg = host.firewall
    if not firewall_on(host):
        return []
    found = conflicts(cfg, "shadowing")
    out = []
    for r in cfg.all_rules():
        if not r.enforced or r.direction == "group":
            continue
        off = inactive_reason(cfg, r)
        c = found.get(r.id)
        if off is not None:
            out.append(rule_target(r, Status.NOT_APPLICABLE, off))
        elif c is None:
            out.append(rule_target(r, Status.PASS,
                                   f"{r.raw.strip()} ({r.where}) decides some packets itself"))
        else:
            # severity by effect: a block that never happens is the gap (high), an
            # accept that never happens is an availability issue (medium)
            out.append(failed(r.id, c["message"], r.file, r.line, **facts(r),
                              severity=Severity(c["severity"]), by=", ".join(c["by"])))
    return out


DOCS = """\
**What is checked.** Every enforced rule of cluster.fw, host.fw, security groups and
guest .fw files, in the chain order pve-firewall builds (host rules, then cluster
rules, then the built-in management accepts, then the policy; groups inlined at their
GROUP line), per IP version.

**How the verdict is decided.** A rule fails when the set of packets it matches is
entirely covered by the *union* of earlier rules and at least one of those earlier rules
has the opposite effect (ACCEPT vs DROP/REJECT): its intended action never happens. The
coverage is computed exactly on boxes (protocol, addresses, ports, interface) after
expanding macros, aliases and ipsets (with `!` nomatch entries), and the example packet
in the evidence is re-run through a first-match evaluator before it is reported.
Severity follows the effect: a shadowed DROP/REJECT (a block that never happens) is
*high*, a shadowed ACCEPT (a service that is not reachable as intended) *medium*.
Not applicable while the cluster firewall is off; a rule whose chains Proxmox does not
build (host.fw `enable: 0`, a guest without `enable: 1`) is not applicable, with the
reason.

**Why.** A shadowed ACCEPT is a service the operator thinks is reachable and is not; a
shadowed DROP is a block the operator relies on that never fires — the dangerous case.
"""

RULE = Rule(
    id="fw-shadowed-rule",
    title="Firewall rule shadowed by earlier rules",
    category="firewall",
    references=(PVE_FW_DOC, PHG_ENABLE),
    inputs=("firewall",),
    rationale="A rule whose packets are all decided earlier with the opposite action never "
              "takes effect: an allow or a block the operator relies on does not exist.",
    docs=DOCS,
    remediation=Remediation(summary="Move the shadowed rule above the rules that cover it, "
                            "or delete it.", template="firewall/fw_shadowed_rule.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
