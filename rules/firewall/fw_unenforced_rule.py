"""fw-unenforced-rule: a rule line Proxmox never enforces (disabled or refused)."""

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
    facts,
    firewall_on,
    inactive_reason,
    rule_target,
)
from proxguard.rules.firewall._common import PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg = host.firewall
    if not firewall_on(host):
        return []
    out = []
    for r in cfg.all_rules():
        off = inactive_reason(cfg, r)
        if off is not None:
            out.append(rule_target(r, Status.NOT_APPLICABLE, off, with_errors=True))
        elif r.enforced:
            out.append(rule_target(r, Status.PASS, f"{r.raw.strip()} ({r.where}) is enforced",
                                   with_errors=True))
        elif r.errors:
            out.append(failed(r.id, f"{r.raw.strip()} ({r.where}) is never enforced: Proxmox "
                              f"refuses it ({'; '.join(r.errors)})", r.file, r.line,
                              **facts(r), errors="; ".join(r.errors)))
        else:
            out.append(failed(r.id, f"{r.raw.strip()} ({r.where}) is disabled (`|` prefix)",
                              r.file, r.line, severity=Severity.INFO, **facts(r),
                              errors="; ".join(r.errors)))
    return out


DOCS = """\
**What is checked.** Every rule line of every supplied .fw file, including security
groups, after Proxmox's own parsing and verification (`parse_fw_rule`, `verify_rule`).

**How the verdict is decided.** A line fails when pve-firewall will not compile it:
*medium* when Proxmox refuses it (lower-case action, `--iface`, two spaces after an
option flag, unknown option or macro, port without `-p`, undefined ipset/alias/group
or one referenced in the wrong case, IPv4/IPv6 mixed, macro parameter conflict…);
*info* when it is merely disabled with a leading `|`. Not applicable while the
cluster firewall is off, and per rule when Proxmox builds none of its chains (host.fw
`enable: 0`, a guest without `enable: 1`).

**Why.** Refused rules are silent at runtime (only syslog and `pve-firewall compile`
show them); the GUI still lists them, so the operator believes they are in force.
"""

RULE = Rule(
    id="fw-unenforced-rule",
    title="Firewall rule not enforced",
    category="firewall",
    references=(PVE_FW_DOC,),
    inputs=("firewall",),
    rationale="A firewall rule that Proxmox refuses or that is disabled does nothing, while "
              "the GUI still shows it.",
    docs=DOCS,
    remediation=Remediation(summary="Fix or delete the rule; check with `pve-firewall "
                            "compile`.", template="firewall/fw_unenforced_rule.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
