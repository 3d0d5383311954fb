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
from proxguard.rules.access._common import BACKUP, judged_tokens, token_facts, where


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

TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: root-api-tokens, {{ facts.full_tokenid }}
# What it changes: removes the API token {{ facts.full_tokenid }} (its secret in
#   /etc/pve/priv/token.cfg goes with it).
# Disruption: every script or integration using this token fails from then on. Give it a
#   replacement first, e.g. a dedicated user with a privilege-separated token:
#     pveum user add automation@pve --comment 'API automation'
#     pveum user token add automation@pve {{ facts.tokenid }} --privsep 1 --expire <epoch>
#     pveum acl modify /vms --tokens 'automation@pve!{{ facts.tokenid }}' --roles PVEVMUser
# Undo: a removed secret cannot be restored; create a new token
#   (pveum user token add root@pam {{ facts.tokenid }}) and update its users. The
#   user.cfg copy saved below documents the old settings.
# Runs the removal only with PROXGUARD_CONFIRM=1.
set -eu

USERID={{ facts.userid | shquote }}
TOKENID={{ facts.tokenid | shquote }}
""" + BACKUP + """
if ! pveum user token list "$USERID" --output-format json | grep -q "\\"tokenid\\":\\"$TOKENID\\""; then
    echo "Token $USERID!$TOKENID does not exist; nothing to do."
    exit 0
fi
if [ "${PROXGUARD_CONFIRM:-0}" != "1" ]; then
    echo "Review, then run: pveum user token remove $USERID $TOKENID"
    echo "(or re-run this script with PROXGUARD_CONFIRM=1)"
    exit 0
fi
backup_usercfg
pveum user token remove "$USERID" "$TOKENID"
echo "Removed token $USERID!$TOKENID."
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
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"incumbent_format": True}),
        "extended": Tuning(Severity.HIGH, {"incumbent_format": False}),
    },
)
