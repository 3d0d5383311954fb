"""root-ssh-password: root can log in over SSH with a password."""

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
    Cell,
    block_failures,
    denied_text,
    eligible_text,
    methods_text,
    password_text,
    source_failures,
)
from proxguard.rules.ssh._sshd import cite, loc, notes


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: SshdConfig = host.sshd
    access = Access(cfg, host.unix_groups, bool(params.get("honour_authentication_methods")))
    root = access.root()
    cell = access.start_cell(root)
    out = [_host_target(cfg, cell, len(access.sources()) > 1)]
    if params.get("match_blocks"):
        out += block_failures(cfg, access, [root], "root", "prohibit-password")
    if not cell.password_alone:
        out += source_failures(cfg, access, [root],
                               {"keyword": "PermitRootLogin", "value": "prohibit-password"})
    return out


def _host_target(cfg: SshdConfig, cell: Cell, elsewhere: bool) -> TargetResult:
    """The global verdict: root from a source no Match block or USER@HOST entry names."""
    prl = next((s for s in cell.methods.settings if s.keyword == "PermitRootLogin"),
               cfg.effective("PermitRootLogin"))
    if cell.password_alone:
        return failed("host", f"root may log in with a password: {cite(prl)} and "
                      f"{password_text(cell)}{eligible_text(cell, 'root', cfg)}{notes(cfg)}",
                      *loc(cfg, prl), keyword="PermitRootLogin", value="prohibit-password")
    if not cell.eligibility.allowed:
        deciding = cell.eligibility.setting
        assert deciding is not None
        return passed("host", f"{denied_text(cell, 'root', elsewhere)}{notes(cfg)}", *loc(cfg, deciding))
    pa = cfg.effective("PasswordAuthentication")
    am = next((s for s in cell.methods.settings if s.keyword == "AuthenticationMethods"), None)
    deciding = prl if prl.value != "yes" else am if am is not None else pa
    return passed("host", f"root cannot log in with a password: {cite(prl)}, {cite(pa)}; "
                  f"{methods_text(cell)}{notes(cfg)}", *loc(cfg, deciding))


DOCS = """\
**What is checked.** Whether root can complete an SSH login with a password alone, read
as sshd reads its configuration: drop-ins included by Debian's leading
`Include /etc/ssh/sshd_config.d/*.conf` come first and the **first value obtained wins**;
keywords are case-insensitive; a missing key takes the OpenSSH default. When `sshd -T`
output is supplied, its values are authoritative for the global settings.

**Who may log in at all.** `DenyUsers`, `AllowUsers`, `DenyGroups`, `AllowGroups` are
applied in that order (OpenSSH auth.c `allowed_user`): root listed in `DenyUsers`, left
out of a non-empty `AllowUsers`, or in a `DenyGroups` group (root's primary group is
`root`) cannot log in, whatever `PermitRootLogin` says — the check passes with the
deciding line as evidence. `root@HOST` entries make root eligible only from the sources
HOST names: an extra, conditional failure `host/source/<file>:<line>`. Groups beyond
`root` come from `/etc/group` when supplied; without it the verdict assumes root is in
any group `AllowGroups` lists (and says so).

**Which methods count as a password.** `password` (PasswordAuthentication), and
`keyboard-interactive` when `UsePAM yes` (Debian's shipped file) — PAM's prompt asks for
the Unix password (sshd_config(5), UsePAM). `KbdInteractiveAuthentication` defaults to
`yes`; `ChallengeResponseAuthentication` is its old name. `PermitRootLogin yes` lets
either through; `prohibit-password`, `forced-commands-only` (keys with a forced command
only) and `no` close both. In the extended profile an `AuthenticationMethods` setting
under which no password method alone completes a login (e.g. `publickey,password`)
passes; compat reads methods without it, like the incumbent.

**Match blocks** (both profiles): every `Match` block that can apply to root and lets it
log in with a password is a conditional failure `host/match/<file>:<line>`, scored one
severity lower.

**Why.** Proxmox's installer and cluster setup write `PermitRootLogin yes`; with password
authentication left on, the most powerful account on the hypervisor can be brute-forced
from anywhere that reaches port 22. Cluster nodes use keys, so `prohibit-password` keeps
the cluster working — which is why the CIS references (which want `no`) are marked partial.
"""


# CIS wants `PermitRootLogin no`; Proxmox clusters need root key logins between nodes
# (pvecm, migration, the web console's SSH), so key-only root passes here.
_PVE_DEVIATION = ("CIS requires PermitRootLogin no; this rule passes prohibit-password and "
                  "forced-commands-only (key-only root login, which Proxmox cluster nodes "
                  "use between themselves) — a documented Proxmox deviation")

RULE = Rule(
    id="root-ssh-password",
    title="Root SSH login with a password",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.20", "Ensure sshd PermitRootLogin is disabled",
                  partial=_PVE_DEVIATION),
        Reference("CIS Debian 11 v1.0.0", "5.2.7", "Ensure SSH root login is disabled",
                  partial=_PVE_DEVIATION),
        Reference("PHG", "1.1.1", "Restrict root SSH login (PVE deviation)"),
        Reference("PHG", "2.1.5", "No password-based root SSH"),
    ),
    inputs=("sshd",),
    rationale="A password login for root over SSH exposes the hypervisor's most powerful "
              "account to guessing from the network.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `PermitRootLogin prohibit-password` in a drop-in sshd reads first "
                "(/etc/ssh/sshd_config.d/00-proxguard.conf) after giving root an SSH key.",
        template="ssh/root_ssh_password.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.CRITICAL, {"honour_authentication_methods": False,
                                             "match_blocks": True}),
        "extended": Tuning(Severity.CRITICAL, {"honour_authentication_methods": True,
                                               "match_blocks": True}),
    },
)
