"""root-ssh-password: root can log in over SSH with a password."""

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

KEYS = ("PermitRootLogin", "PasswordAuthentication", "AuthenticationMethods")


def password_alone_suffices(methods: Setting) -> bool:
    """AuthenticationMethods lets a password alone log in: `any`, or one method list
    that is exactly `password` (`publickey,password` needs the key as well)."""
    if methods.value == "any":
        return True
    return any(chain == "password" for chain in methods.value.split())


def weakness(get: Callable[[str], Setting], honour_methods: bool) -> str | None:
    prl, pa = get("PermitRootLogin"), get("PasswordAuthentication")
    if prl.value != "yes" or pa.value == "no":
        return None
    text = f"{cite(prl)} and {cite(pa)}"
    if honour_methods:
        am = get("AuthenticationMethods")
        if not password_alone_suffices(am):
            return None
        if not am.default:
            text += f" and {cite(am)}"
    return text


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: SshdConfig = host.sshd
    honour = bool(params.get("honour_authentication_methods"))
    why = weakness(cfg.effective, honour)
    out: list[TargetResult]
    if why is not None:
        s = cfg.effective("PermitRootLogin")
        out = [failed("host", f"root may log in with a password: {why}{notes(cfg)}",
                      *loc(cfg, s), keyword="PermitRootLogin", value="prohibit-password")]
    else:
        prl, pa = cfg.effective("PermitRootLogin"), cfg.effective("PasswordAuthentication")
        am = cfg.effective("AuthenticationMethods")
        extra = "" if am.default or not honour else f", {cite(am)}"
        deciding = prl if prl.value != "yes" else pa
        out = [passed("host", f"root cannot log in with a password: {cite(prl)}, "
                      f"{cite(pa)}{extra}{notes(cfg)}", *loc(cfg, deciding))]
    if params.get("match_blocks"):
        out += conditional_failures(
            cfg, KEYS, lambda get: weakness(get, honour),
            lambda block, kw: {"keyword": kw, "value": "prohibit-password"}, user="root")
    return out


DOCS = """\
**What is checked.** The value sshd really applies to a root login for `PermitRootLogin`
and `PasswordAuthentication` (and, in the extended profile, `AuthenticationMethods`), read
as sshd reads them: drop-ins included by Debian's leading
`Include /etc/ssh/sshd_config.d/*.conf` come first and the **first value obtained wins**;
keywords are case-insensitive, `Key=value` is accepted; a missing key takes the OpenSSH
default (`PermitRootLogin prohibit-password`, `PasswordAuthentication yes`). When
`sshd -T` output is supplied, its values are authoritative.

**How the verdict is decided.** `host` fails when `PermitRootLogin` is `yes` and
`PasswordAuthentication` is not `no`. In the extended profile an `AuthenticationMethods`
setting under which a password alone cannot complete a login (e.g. `publickey` or
`publickey,password`) makes it pass, and every `Match` block that re-enables the
combination for connections that can be root (not `Match User alice`) is an extra,
conditional failure (`host/match/<file>:<line>`), scored one severity lower. The compat
profile judges the global values only, like the incumbent.

**Why.** Proxmox's installer and cluster setup write `PermitRootLogin yes`; with password
authentication left on, the most powerful account on the hypervisor can be brute-forced
from anywhere that reaches port 22. Cluster nodes use keys, so `prohibit-password` keeps
the cluster working.
"""

TEMPLATE = either(dropin_script(
    "root-ssh-password",
    "root may only log in with a key: `PermitRootLogin prohibit-password`.",
    "open sessions stay; new root password logins are refused. Make sure root has a key\n"
    "#   in /root/.ssh/authorized_keys first (PVE cluster nodes already use keys).",
    "PermitRootLogin prohibit-password", "PermitRootLogin"))

RULE = Rule(
    id="root-ssh-password",
    title="Root SSH login with a password",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.20", "Ensure sshd PermitRootLogin is disabled"),
        Reference("CIS Debian 11 v1.0.0", "5.2.7", "Ensure SSH root login is disabled"),
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
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.CRITICAL, {"honour_authentication_methods": False,
                                             "match_blocks": False}),
        "extended": Tuning(Severity.CRITICAL, {"honour_authentication_methods": True,
                                               "match_blocks": True}),
    },
)
