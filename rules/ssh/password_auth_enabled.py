"""password-auth-enabled: sshd accepts password logins."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
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
from proxguard.rules.ssh._login import (
    Access,
    Account,
    Cell,
    block_failures,
    eligible_text,
    methods_text,
    password_text,
    source_failures,
)
from proxguard.rules.ssh._sshd import cite, loc, notes


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: SshdConfig = host.sshd
    access = Access(cfg, host.unix_groups, bool(params.get("honour_authentication_methods")))
    accounts = access.accounts()
    cells = [(a, access.start_cell(a)) for a in accounts]
    weak = [(a, c) for a, c in cells if c.password_alone]
    out = [_host_target(cfg, cells, weak)]
    if params.get("match_blocks"):
        out += block_failures(cfg, access, accounts, "", None)
    if not weak:
        out += source_failures(cfg, access, accounts, {"keyword": "PasswordAuthentication",
                                                       "value": "no"})
    return out


def _host_target(cfg: SshdConfig, cells: list[tuple[Account, Cell]],
                 weak: list[tuple[Account, Cell]]) -> TargetResult:
    pa = cfg.effective("PasswordAuthentication")
    if weak:
        acct, cell = weak[0]
        who = ", ".join(a.label for a, _c in weak)
        return failed("host", f"password logins are accepted ({who}): {password_text(cell)}"
                      f"{eligible_text(cell, acct.label, cfg)}{notes(cfg)}", *loc(cfg, pa))
    usable = [c for _a, c in cells if c.eligibility.allowed]
    denied = [(a, c) for a, c in cells if not c.eligibility.allowed]
    if not denied:
        am = cfg.effective("AuthenticationMethods")
        deciding = pa if pa.value == "no" or am.default else am
        return passed("host", f"password logins are refused: {cite(pa)}; "
                      f"{methods_text(usable[-1])}{notes(cfg)}", *loc(cfg, deciding))
    why = "; ".join(f"{a.label}: {c.eligibility.reason} ({c.eligibility.where})"
                    for a, c in denied)
    rest = f"; the others: {methods_text(usable[-1])}" if usable else ""
    deciding = denied[-1][1].eligibility.setting or pa
    return passed("host", f"no account that may log in can use a password alone: {why}"
                  f"{rest}{notes(cfg)}", *loc(cfg, deciding))


DOCS = """\
**What is checked.** Whether any account that may log in can do so with a password
alone: `PasswordAuthentication` (default `yes`) or PAM keyboard-interactive
(`KbdInteractiveAuthentication`, alias `ChallengeResponseAuthentication`, default `yes`,
counts with `UsePAM yes` because PAM asks for the Unix password — sshd_config(5)). Read in
sshd's order: Debian's leading Include makes drop-ins win, the first value obtained wins;
`sshd -T` output, when supplied, is authoritative for the global values.

**Who may log in.** The accounts judged are root, every user and group named in
`AllowUsers`/`DenyUsers`/`AllowGroups`/`DenyGroups` or `Match User`/`Match Group`, and
"any other account"; each is first put through OpenSSH's `allowed_user()` (DenyUsers →
AllowUsers → DenyGroups → AllowGroups) and root through `PermitRootLogin`. When no
eligible account can use a password (e.g. `AllowUsers root` with
`PermitRootLogin prohibit-password`), `host` passes with the deciding lines.

**How the verdict is decided.** `host` fails when an eligible account can log in with a
password alone from a source no Match block or USER@HOST entry names. The extended
profile honours `AuthenticationMethods` (`publickey,password` needs the key as well);
compat does not. In both profiles each `Match` block that turns password-only logins
back on for some connections is an extra conditional failure `host/match/<file>:<line>`,
and a USER@HOST entry that admits an account with a password from some sources only is
one `host/source/<file>:<line>`; conditional failures are scored one severity lower.

**Why.** Passwords can be guessed or reused; keys cannot be brute-forced over the network.
There is no CIS Debian control for this; it follows the Proxmox hardening guide and the
DevSec SSH baseline.
"""


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
        template="ssh/password_auth_enabled.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"honour_authentication_methods": False,
                                         "match_blocks": True}),
        "extended": Tuning(Severity.HIGH, {"honour_authentication_methods": True,
                                           "match_blocks": True}),
    },
)
