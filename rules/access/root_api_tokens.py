"""root-api-tokens: API tokens owned by root@pam."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.access import ROOT
from proxguard.model.host import Host
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
from proxguard.rules.access._common import judged_tokens, token_facts, where


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    out = []
    for t in judged_tokens(host.access, incumbent_format=bool(params.get("incumbent_format"))):
        target = f"token/{t.id}"
        ref = where(t.file, t.line)
        form = " (incumbent token line form, which Proxmox ignores)" if t.incumbent_format else ""
        if t.user != ROOT:
            out.append(passed(target, f"owned by {t.user}, not root@pam ({ref})", t.file,
                              t.line, **token_facts(t)))
            continue
        scope = ("privsep=0: every privilege of root@pam" if not t.privsep else
                 "privsep=1: limited to its own token ACLs, which no Permissions check of "
                 "root@pam narrows")
        expiry = "never expires" if not t.expire else f"expire={t.expire}"
        if t.expired(host.now):
            expiry += " (already expired)"
        out.append(failed(target, f"token {t.id} belongs to root@pam, {scope}, {expiry} "
                          f"({ref}){form}", t.file, t.line, **token_facts(t)))
    return out


DOCS = """\
**What is checked.** Every API token in `/etc/pve/user.cfg` (`token:<user>@<realm>!<id>:
<expire>:<privsep>:<comment>:`) or in the supplied `pveum user token list` output.

**How the verdict is decided.** A token fails when its owner, the part of the token id
before `!`, is `root@pam`. Other tokens pass. **compat** also counts lines in the
incumbent's own sample form `token:root@pam:<id>:…`, which Proxmox itself ignores
(reported as a warning); **extended** judges only tokens Proxmox loads.

**Why.** root@pam is implicitly Administrator and cannot be narrowed by ACLs; a leaked
privsep=0 root token is full, password-less and TFA-less control of the cluster.
Automation should use a dedicated user with a privilege-separated token.
"""

RULE = Rule(
    id="root-api-tokens",
    title="API tokens owned by root@pam",
    category="auth",
    references=(
        Reference("PHG", "2.1.5", "Use root@pam for emergencies only"),
        Reference("PHG", "2.2.1", "Dedicated API tokens per application"),
        Reference("Proxmox VE Admin Guide", "pveum", "API Tokens"),
    ),
    inputs=("access",),
    rationale="A root@pam token carries every privilege without a password or second "
              "factor; if it leaks, the whole cluster is lost.",
    docs=DOCS,
    remediation=Remediation(
        summary="Move the integration to a dedicated user with a privilege-separated, "
                "expiring token, then remove the root@pam token.",
        template="access/root_api_tokens.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"incumbent_format": True}),
        "extended": Tuning(Severity.HIGH, {"incumbent_format": False}),
    },
)
