"""password-auth-enabled: sshd accepts password logins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import Setting, SshdConfig
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
)
from proxguard.rules.ssh._sshd import cite, conditional_failures, dropin_script, either, loc, notes
from proxguard.rules.ssh.root_ssh_password import password_alone_suffices

KEYS = ("PasswordAuthentication", "AuthenticationMethods")


def weakness(get: Callable[[str], Setting], honour_methods: bool) -> str | None:
    pa = get("PasswordAuthentication")
    if pa.value == "no":
        return None
    if honour_methods:
        am = get("AuthenticationMethods")
        if not password_alone_suffices(am):
            return None
        if not am.default:
            return f"{cite(pa)} and {cite(am)}"
    return cite(pa)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: SshdConfig = host.sshd
    honour = bool(params.get("honour_authentication_methods"))
    why = weakness(cfg.effective, honour)
    pa = cfg.effective("PasswordAuthentication")
    out: list[TargetResult]
    if why is not None:
        out = [failed("host", f"password logins are accepted: {why}{notes(cfg)}",
                      *loc(cfg, pa))]
    else:
        am = cfg.effective("AuthenticationMethods")
        deciding = pa if pa.value == "no" else am
        extra = "" if pa.value == "no" else f", and {cite(am)} needs more than a password"
        out = [passed("host", f"password logins are refused: {cite(pa)}{extra}{notes(cfg)}",
                      *loc(cfg, deciding))]
    if params.get("match_blocks"):
        out += conditional_failures(cfg, KEYS, lambda get: weakness(get, honour),
                                    lambda block, kw: {"keyword": kw})
    return out


DOCS = """\
**What is checked.** The effective `PasswordAuthentication` (extended: together with
`AuthenticationMethods`), read in sshd's order: Debian's leading Include makes drop-ins in
`/etc/ssh/sshd_config.d/` win over the main file, and the first value obtained wins. A
missing key means `yes` (OpenSSH default). `sshd -T` output, when supplied, is
authoritative for the global value.

**How the verdict is decided.** `host` fails unless `PasswordAuthentication` is `no`. In
the extended profile, `AuthenticationMethods` lists under which no login completes with a
password alone (e.g. `publickey`, or `publickey,password` which also needs the key) make
it pass, and each `Match` block that turns password-only logins back on for some
connections (e.g. `Match Address 192.168.0.0/16` + `PasswordAuthentication yes`) is an
extra conditional failure `host/match/<file>:<line>`, scored one severity lower. compat
judges the global value only, as the incumbent did.

**Why.** Passwords can be guessed or reused; keys cannot be brute-forced over the network.
There is no CIS Debian control for this; it follows the Proxmox hardening guide and the
DevSec SSH baseline.
"""

TEMPLATE = either(dropin_script(
    "password-auth-enabled",
    "turns off password logins: `PasswordAuthentication no` and `KbdInteractiveAuthentication no`\n"
    "#   (PAM's keyboard-interactive prompt would otherwise still ask for a password).",
    "open sessions stay; new password logins are refused. Check that every account you\n"
    "#   use (root included) has a key in ~/.ssh/authorized_keys BEFORE running this.",
    "PasswordAuthentication no\nKbdInteractiveAuthentication no",
    "PasswordAuthentication KbdInteractiveAuthentication ChallengeResponseAuthentication"))

RULE = Rule(
    id="password-auth-enabled",
    title="SSH password authentication enabled",
    category="ssh",
    references=(
        Reference("PHG", "2.1.5", "Prefer SSH keys over passwords"),
        Reference("PHG", "1.1.1", "Restrict root SSH login"),
        Reference("DevSec SSH Baseline", "sshd-27", "Disable password authentication"),
    ),
    inputs=("sshd",),
    rationale="Password logins let anyone who can reach sshd try to guess or replay "
              "credentials; keys make network brute force pointless.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `PasswordAuthentication no` (and `KbdInteractiveAuthentication no`) "
                "in a drop-in sshd reads first, once every account has a key.",
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"honour_authentication_methods": False,
                                         "match_blocks": False}),
        "extended": Tuning(Severity.HIGH, {"honour_authentication_methods": True,
                                           "match_blocks": True}),
    },
)
