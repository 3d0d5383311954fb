"""ssh-banner: sshd shows no warning banner before authentication."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
from proxguard.rule import Params, Reference, Remediation, Rule, Severity, TargetResult, Tuning
from proxguard.rules.ssh._keywords import Get, KeywordCheck, Verdict, judge
from proxguard.rules.ssh._sshd import cite


def _banner(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("Banner")
    if s.value != "none":
        return None
    return Verdict(f"{cite(s)}: no legal notice is shown before authentication", s,
                   Severity.INFO)


CHECKS = (KeywordCheck("Banner", ("Banner",), _banner, lambda g, c: ("Banner /etc/issue.net",)),)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return judge(host.sshd, CHECKS, Severity.INFO)


DOCS = """\
**What is checked.** The effective `Banner` (default `none`; `none` in any case means no
banner; per Match block too).

**How the verdict is decided.** Fails (info, no score) when it is `none`. The banner
file's content cannot be judged from sshd's configuration: CIS also wants it to carry a
neutral notice without OS or version details, which Debian's `/etc/issue.net`
("Debian GNU/Linux 12") does not — the fix says so.

**Why.** Some jurisdictions and policies require a notice that access is restricted and
monitored before a login prompt; it does not make the host harder to attack.
"""


RULE = Rule(
    id="ssh-banner",
    title="SSH warning banner not configured",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.5", "Ensure sshd Banner is configured"),
        Reference("CIS Debian 11 v1.0.0", "5.2.17", "Ensure SSH warning banner is configured"),
        Reference("OpenSSH", "sshd_config(5)", "Banner"),
    ),
    inputs=("sshd",),
    rationale="A pre-login notice is a policy and legal requirement in many organisations; "
              "it carries no security weight of its own.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `Banner /etc/issue.net` in a drop-in sshd reads first and make "
                "/etc/issue.net a neutral notice.",
        template="ssh/ssh_banner.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.INFO)},
)
