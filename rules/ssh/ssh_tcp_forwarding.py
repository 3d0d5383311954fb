"""ssh-tcp-forwarding: sshd lets sessions open TCP tunnels through the host."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
from proxguard.rule import Params, Reference, Remediation, Rule, Severity, TargetResult, Tuning
from proxguard.rules.ssh._keywords import Get, KeywordCheck, Verdict, judge
from proxguard.rules.ssh._sshd import cite
from proxguard.rules.ssh.ssh_forwarding import covered


def _tcp(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("AllowTcpForwarding")
    if s.value == "no" or covered(get):
        return None
    return Verdict(f"{cite(s)}: sessions can open TCP tunnels through the host to any "
                   "address it reaches", s, Severity.INFO)


CHECKS = (KeywordCheck("AllowTcpForwarding", ("AllowTcpForwarding", "DisableForwarding"),
                       _tcp, lambda g, c: ()),)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return judge(host.sshd, CHECKS, Severity.INFO)


DOCS = """\
**What is checked.** The effective `AllowTcpForwarding` (default `yes`; `all` is `yes`)
and `DisableForwarding` (default `no`), globally and per Match block.

**How the verdict is decided.** Fails (info, no score) when TCP forwarding is allowed and
`DisableForwarding` is not `yes`. `DisableForwarding yes` wins over a later
`AllowTcpForwarding yes`, **even inside a Match block** (sshd_config(5): it "overrides
all other forwarding-related options"; checked with Debian's `sshd -T`), so a cluster
exception needs both `DisableForwarding no` and `AllowTcpForwarding yes` in a
`Match User root Address <cluster network>` block — which this rule reports as an
info-level conditional finding, so the exception stays visible.

**Why info, and why the fix is manual.** Proxmox clusters need TCP forwarding between
nodes: `migration: type=secure` (the default) tunnels migration traffic through root's
SSH connection to the target node. Turning it off globally breaks migration; on a single
node it only removes a tunnelling path. The script prints the steps for both cases.
"""


RULE = Rule(
    id="ssh-tcp-forwarding",
    title="SSH TCP forwarding allowed",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.8", "Ensure sshd DisableForwarding is enabled",
                  partial="TCP forwarding here; X11 and agent forwarding in ssh-forwarding"),
        Reference("CIS Debian 11 v1.0.0", "5.2.16", "Ensure SSH AllowTcpForwarding is disabled",
                  partial="info only: Proxmox secure migration tunnels through SSH"),
        Reference("OpenSSH", "sshd_config(5)", "AllowTcpForwarding, DisableForwarding"),
        Reference("Proxmox VE Admin Guide", "qm migration",
                  "migration: type=secure tunnels through SSH between nodes"),
    ),
    inputs=("sshd",),
    rationale="A port forward turns any SSH login into a network path through the host; "
              "Proxmox clusters need it between nodes, so it is scoped, not banned.",
    docs=DOCS,
    remediation=Remediation(
        summary="On a single node set `DisableForwarding yes`; on a cluster also re-allow "
                "TCP forwarding for root from the cluster network in a Match block "
                "(`DisableForwarding no` + `AllowTcpForwarding yes`).",
        template="ssh/ssh_tcp_forwarding.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.INFO)},
)
