"""ssh-forwarding: sshd lets sessions forward X11, the agent or tunnel devices."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
from proxguard.rule import Params, Reference, Remediation, Rule, Severity, TargetResult, Tuning
from proxguard.rules.ssh._keywords import Get, KeywordCheck, Verdict, judge
from proxguard.rules.ssh._sshd import cite


def covered(get: Get) -> bool:
    """DisableForwarding yes overrides X11, agent, TCP and StreamLocal forwarding
    (sshd_config(5)); it does not cover PermitTunnel."""
    return get("DisableForwarding").value == "yes"


def _x11(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("X11Forwarding")
    if s.value != "yes" or covered(get):
        return None
    return Verdict(f"{cite(s)}: X11 sessions are forwarded (Debian's sshd_config ships "
                   "`X11Forwarding yes`)", s, Severity.LOW)


def _tunnel(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("PermitTunnel")
    if s.value == "no":
        return None
    return Verdict(f"{cite(s)}: a logged-in user can bring up a tun/tap device on the host "
                   "and route or bridge into the networks behind it, past the firewall",
                   s, Severity.MEDIUM)


def _agent(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("AllowAgentForwarding")
    if s.value == "no" or covered(get):
        return None
    return Verdict(f"{cite(s)}: a client's ssh-agent can be used by anyone with root on "
                   "this host while the session lasts", s, Severity.INFO)


CHECKS = (
    KeywordCheck("X11Forwarding", ("X11Forwarding", "DisableForwarding"), _x11,
                 lambda g, c: ("X11Forwarding no",)),
    KeywordCheck("PermitTunnel", ("PermitTunnel",), _tunnel,
                 lambda g, c: ("PermitTunnel no",)),
    KeywordCheck("AllowAgentForwarding", ("AllowAgentForwarding", "DisableForwarding"),
                 _agent, lambda g, c: ("AllowAgentForwarding no",)),
)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return judge(host.sshd, CHECKS, Severity.MEDIUM)


DOCS = """\
**What is checked.** The effective forwarding settings (first value wins, drop-ins first
on Debian, `sshd -T` authoritative when supplied; per Match block too):

| setting | fails when | severity |
|---|---|---|
| `PermitTunnel` (default `no`) | anything but `no` | medium |
| `X11Forwarding` (default `no`; Debian's file sets `yes`) | `yes` | low |
| `AllowAgentForwarding` (default `yes`) | `yes` | info |

`DisableForwarding yes` overrides X11, agent, TCP and StreamLocal forwarding
(sshd_config(5)), so with it only `PermitTunnel` is judged. TCP forwarding has its own
rule, `ssh-tcp-forwarding`, because Proxmox clusters need it and its fix is manual.

**How the verdict is decided.** `host` fails with the worst failing row's severity; a
Match block whose own lines turn one of them on is a conditional failure
`host/match/<file>:<line>`.

**Why.** A tunnel device turns an SSH login into a layer-2/3 path into the networks
behind the host, past its firewall; X11 and agent forwarding expose the client's display
and keys to whoever controls the host.
"""


RULE = Rule(
    id="ssh-forwarding",
    title="SSH forwarding features enabled",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.8", "Ensure sshd DisableForwarding is enabled",
                  partial="X11 and agent forwarding here; TCP forwarding in "
                          "ssh-tcp-forwarding"),
        Reference("CIS Debian 11 v1.0.0", "5.2.12", "Ensure SSH X11 forwarding is disabled"),
        Reference("OpenSSH", "sshd_config(5)", "DisableForwarding, X11Forwarding, "
                  "AllowAgentForwarding, PermitTunnel"),
    ),
    inputs=("sshd",),
    rationale="Tunnel devices route past the host firewall; X11 and agent forwarding hand "
              "the client's display and keys to whoever controls the host.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `PermitTunnel no`, `X11Forwarding no` and `AllowAgentForwarding no` "
                "in a drop-in sshd reads first.",
        template="ssh/ssh_forwarding.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
