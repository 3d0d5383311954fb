"""ssh-auth-bypass: sshd settings that let a login skip or weaken authentication."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
from proxguard.rule import Params, Reference, Remediation, Rule, Severity, TargetResult, Tuning
from proxguard.rules.ssh._keywords import Get, KeywordCheck, Verdict, judge
from proxguard.rules.ssh._sshd import cite


def _empty(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("PermitEmptyPasswords")
    if s.value != "yes":
        return None
    if get("PasswordAuthentication").value == "no" and \
            get("KbdInteractiveAuthentication").value == "no":
        return Verdict(f"{cite(s)}: latent — no password method is on today, but turning "
                       "one on would let accounts with an empty password in", s, Severity.LOW)
    return Verdict(f"{cite(s)}: an account with an empty password logs in with no secret "
                   "at all", s, Severity.HIGH)


def _hostbased(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("HostbasedAuthentication")
    if s.value != "yes":
        return None
    rh = get("IgnoreRhosts")
    extra = "" if rh.value == "yes" else f", and {cite(rh)} lets users add their own trust"
    return Verdict(f"{cite(s)}: a login is trusted because of the client host's key and "
                   f"/etc/ssh/shosts.equiv, not the user's credentials{extra}", s,
                   Severity.HIGH if rh.value != "yes" else Severity.MEDIUM)


def _rhosts(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("IgnoreRhosts")
    if s.value == "yes":
        return None
    hb = get("HostbasedAuthentication")
    live = hb.value == "yes"
    return Verdict(f"{cite(s)}: ~/.rhosts and ~/.shosts files are honoured for host-based "
                   "logins" + ("" if live else " (host-based authentication is off, so this "
                                            "is latent)"),
                   s, Severity.MEDIUM if live else Severity.LOW)


def _user_env(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("PermitUserEnvironment")
    if s.value == "no":
        return None
    # servconf.c compares with "yes"/"no" case-sensitively: anything else is a list of
    # variable names users may set (so `No` allows a variable called "No")
    what = "every variable" if s.value == "yes" else f"the variables matching '{s.value}'"
    return Verdict(f"{cite(s)}: users may set {what} (e.g. LD_PRELOAD) from "
                   "~/.ssh/environment and authorized_keys environment=, which can subvert "
                   "a forced command or a restricted account", s, Severity.MEDIUM)


CHECKS = (
    KeywordCheck("PermitEmptyPasswords", ("PermitEmptyPasswords",), _empty,
                 lambda g, c: ("PermitEmptyPasswords no",)),
    KeywordCheck("HostbasedAuthentication", ("HostbasedAuthentication",), _hostbased,
                 lambda g, c: ("HostbasedAuthentication no",)),
    KeywordCheck("IgnoreRhosts", ("IgnoreRhosts",), _rhosts,
                 lambda g, c: ("IgnoreRhosts yes",)),
    KeywordCheck("PermitUserEnvironment", ("PermitUserEnvironment",), _user_env,
                 lambda g, c: ("PermitUserEnvironment no",)),
)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return judge(host.sshd, CHECKS, Severity.HIGH)


DOCS = """\
**What is checked.** The effective values (first value wins, drop-ins before the main
file on Debian, `sshd -T` authoritative when supplied; per Match block for the keywords
sshd allows there) of four settings that let a login skip or weaken authentication:

| setting | fails when | severity |
|---|---|---|
| `PermitEmptyPasswords` (default `no`) | `yes` | high; low (latent) when `PasswordAuthentication` and `KbdInteractiveAuthentication` are both `no` |
| `HostbasedAuthentication` (default `no`) | `yes` | medium; high with `IgnoreRhosts` not `yes` |
| `IgnoreRhosts` (default `yes`) | `no` or `shosts-only` | medium when host-based authentication is on, else low (latent) |
| `PermitUserEnvironment` (default `no`, global only) | anything but exactly `no` | medium |

`PermitUserEnvironment` is compared case-sensitively by sshd (servconf.c): `No` is not
"no" but a pattern list naming a variable "No", so it enables the feature — checked
against Debian's `sshd -T`.

**How the verdict is decided.** `host` fails when any of the four fails for a connection
nothing is known about (what `sshd -T` prints), with the worst row's severity; each
`Match` block whose own lines turn one on for some connections is a conditional failure
`host/match/<file>:<line>` (scored one severity lower).

**Why.** An empty password is no authentication; host-based trust moves the decision to
another machine's key and to files users can write; user environment processing lets a
user set `LD_PRELOAD` and similar for sshd's child, defeating forced commands.
"""


RULE = Rule(
    id="ssh-auth-bypass",
    title="SSH authentication can be bypassed or weakened",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.19", "Ensure sshd PermitEmptyPasswords is disabled"),
        Reference("CIS Debian 12 v1.1.0", "5.1.10", "Ensure sshd HostbasedAuthentication is disabled"),
        Reference("CIS Debian 12 v1.1.0", "5.1.11", "Ensure sshd IgnoreRhosts is enabled"),
        Reference("CIS Debian 12 v1.1.0", "5.1.21", "Ensure sshd PermitUserEnvironment is disabled"),
        Reference("CIS Debian 11 v1.0.0", "5.2.9", "Ensure SSH PermitEmptyPasswords is disabled"),
        Reference("CIS Debian 11 v1.0.0", "5.2.8", "Ensure SSH HostbasedAuthentication is disabled"),
        Reference("CIS Debian 11 v1.0.0", "5.2.11", "Ensure SSH IgnoreRhosts is enabled"),
        Reference("CIS Debian 11 v1.0.0", "5.2.10", "Ensure SSH PermitUserEnvironment is disabled"),
        Reference("OpenSSH", "sshd_config(5)", "PermitEmptyPasswords, HostbasedAuthentication, "
                  "IgnoreRhosts, PermitUserEnvironment"),
    ),
    inputs=("sshd",),
    rationale="Empty passwords, host-based trust and user-set environment variables each "
              "let a login succeed or escape its restrictions without the credentials the "
              "operator thinks protect the host.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `PermitEmptyPasswords no`, `HostbasedAuthentication no`, "
                "`IgnoreRhosts yes` and `PermitUserEnvironment no` (the ones that fail) in "
                "a drop-in sshd reads first; comment out Match-block overrides.",
        template="ssh/ssh_auth_bypass.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
