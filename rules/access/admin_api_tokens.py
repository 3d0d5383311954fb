"""admin-api-tokens: API tokens with Administrator-level rights."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.access import (
    AccessControl,
    AclEntry,
    Token,
    is_admin_equivalent,
    is_near_admin,
)
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
from proxguard.rules.access._common import ACL_HAS, BACKUP, judged_tokens, token_facts, where

ADMIN_ROLES = ("Administrator", "PVEAdmin")  # the incumbent's list


def _facts(t: Token, entries: Sequence[AclEntry]) -> dict[str, object]:
    return {**token_facts(t),
            "token_acls": [{"path": e.path, "role": e.role} for e in entries
                           if e.kind == "token" and e.subject == t.id]}


def _owner_admin_acls(ac: AccessControl, t: Token) -> list[AclEntry]:
    groups = set(ac.groups_of(t.user))
    return [e for e in ac.acl.values() if e.role in ADMIN_ROLES and (
        (e.kind == "user" and e.subject == t.user) or (e.kind == "group" and e.subject in groups))]


def _compat(ac: AccessControl, t: Token) -> TargetResult:
    """The incumbent's test: privsep=0 and the owner holds Administrator or PVEAdmin
    through an ACL line on any path (lists and groups parsed)."""
    target, ref = f"token/{t.id}", where(t.file, t.line)
    hits = _owner_admin_acls(ac, t)
    if t.privsep:
        return passed(target, f"privsep=1: token {t.id} does not inherit the rights of "
                      f"{t.user} ({ref})", t.file, t.line, **_facts(t, []))
    if not hits:
        return passed(target, f"privsep=0, but no ACL gives {t.user} Administrator or "
                      f"PVEAdmin ({ref})", t.file, t.line, **_facts(t, []))
    return failed(target, f"privsep=0 ({ref}): token {t.id} has every right of {t.user}, "
                  "who holds " + "; ".join(e.describe() for e in hits), t.file, t.line,
                  **_facts(t, []))


def _extended(ac: AccessControl, t: Token) -> TargetResult:
    target, ref = f"token/{t.id}", where(t.file, t.line)
    ex = ac.explain(t.id, "/")
    head = f"token {t.id} (privsep={int(t.privsep)}, {ref})"
    if is_admin_equivalent(ex.privileges):
        return failed(target, f"{head} holds Permissions.Modify on / (Administrator-"
                      f"equivalent): {ex.reason}", t.file, t.line, **_facts(t, ex.decided_by))
    if is_near_admin(ex.privileges):
        return failed(target, f"{head} holds every PVEAdmin privilege on / (near-admin): "
                      f"{ex.reason}", t.file, t.line, severity=Severity.MEDIUM,
                      **_facts(t, ex.decided_by))
    return passed(target, f"{head} is not admin-level on /: {ex.reason}", t.file, t.line,
                  **_facts(t, []))


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    ac = host.access
    if params.get("mode") != "effective":
        return [_compat(ac, t) for t in judged_tokens(ac, incumbent_format=True)]
    out = []
    for t in judged_tokens(ac, incumbent_format=False):
        if not ac.can_authenticate(t.id, host.now)[0]:
            continue  # AC verify_token would reject it
        out.append(_extended(ac, t))
    return out


DOCS = """\
**What is checked.** Every API token (`token:` lines of `/etc/pve/user.cfg`) against the
ACLs, roles and groups of the same file.

**How the verdict is decided.** **compat** keeps the incumbent's intent: a token fails
when it is not privilege-separated (`privsep` 0 — an empty or missing field in user.cfg
*is* 0) and its user holds `Administrator` or `PVEAdmin` through an ACL line on any path,
directly or through a group (ACL member and role lists are split as PVE splits them).
**extended** computes the token's effective privileges on `/` exactly as PVE does:
privsep=0 tokens have their user's privileges (root@pam: all of them); privsep=1 tokens
have their own token ACLs intersected with their user's privileges. A token fails when
the result contains `Permissions.Modify` (Administrator-equivalent); holding every
PVEAdmin privilege fails as *near-admin* with medium severity. Tokens that cannot
authenticate (expired, or their user disabled/expired) are skipped in extended.

**Why.** A token is a password-less, TFA-less credential stored in scripts and CI
systems; with administrator rights, one leaked file is the whole cluster.
"""

TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: admin-api-tokens, {{ facts.full_tokenid }}
# What it changes: makes {{ facts.full_tokenid }} a privilege-separated token (privsep 1)
{% for e in facts.token_acls %}
#   removes its own role {{ e.role }} on {{ e.path }},
{% endfor %}
#   and grants it only ${PROXGUARD_TOKEN_ROLE:-PVEAuditor} on ${PROXGUARD_TOKEN_PATH:-/}.
#   Choose the role/path the integration really needs (e.g. PVEVMUser on /vms).
# Disruption: the integration using this token loses every right it does not get back
#   through the new token ACL; test it right after the change.
# Undo: pveum user token modify {{ facts.userid }} {{ facts.tokenid }} --privsep {{ facts.privsep }}
{% for e in facts.token_acls %}
#   and pveum acl modify {{ e.path }} --tokens '{{ facts.full_tokenid }}' --roles {{ e.role }}
{% endfor %}
# Runs only with PROXGUARD_CONFIRM=1.
set -eu

USERID={{ facts.userid | shquote }}
TOKENID={{ facts.tokenid | shquote }}
FULL={{ facts.full_tokenid | shquote }}
ROLE="${PROXGUARD_TOKEN_ROLE:-PVEAuditor}"
ACLPATH="${PROXGUARD_TOKEN_PATH:-/}"
""" + BACKUP + ACL_HAS + """
# Read the current state first: a second run changes nothing and says so.
PRIVSEP=0
if pvesh get "/access/users/$USERID/token/$TOKENID" --output-format json | grep -q '"privsep":1'; then
    PRIVSEP=1
fi
TODO=""
[ "$PRIVSEP" = 1 ] || TODO="$TODO privsep"
{% for e in facts.token_acls %}
if acl_has {{ e.path | shquote }} "$FULL" {{ e.role | shquote }}; then TODO="$TODO acl"; fi
{% endfor %}
acl_has "$ACLPATH" "$FULL" "$ROLE" || TODO="$TODO grant"
if [ -z "$TODO" ]; then
    echo "$FULL is already privilege-separated with only $ROLE on $ACLPATH; nothing to do."
    exit 0
fi
if [ "${PROXGUARD_CONFIRM:-0}" != "1" ]; then
    echo "Review the changes listed at the top, then re-run with PROXGUARD_CONFIRM=1."
    exit 0
fi
backup_usercfg
if [ "$PRIVSEP" = 1 ]; then
    echo "$FULL is already privilege-separated."
else
    pveum user token modify "$USERID" "$TOKENID" --privsep 1
fi
{% for e in facts.token_acls %}
if acl_has {{ e.path | shquote }} "$FULL" {{ e.role | shquote }}; then
    pveum acl delete {{ e.path | shquote }} --tokens "$FULL" --roles {{ e.role | shquote }}
fi
{% endfor %}
if ! acl_has "$ACLPATH" "$FULL" "$ROLE"; then
    pveum acl modify "$ACLPATH" --tokens "$FULL" --roles "$ROLE"
fi
echo "Done; check with: pveum user token permissions $USERID $TOKENID --path /"
"""

RULE = Rule(
    id="admin-api-tokens",
    title="API tokens with administrator privileges",
    category="api",
    references=(
        Reference("PVE", "PVE-API-001", "API tokens with full admin privileges"),
        Reference("PHG", "2.2.2", "Privilege-separated API tokens"),
        Reference("Proxmox VE Admin Guide", "pveum", "API Tokens"),
    ),
    inputs=("access.acl_source",),
    rationale="An administrator-level token is a password-less, TFA-less key to the "
              "whole cluster, usually stored in scripts and CI systems.",
    docs=DOCS,
    remediation=Remediation(
        summary="Make the token privilege-separated (`--privsep 1`) and grant it only the "
                "role and path the integration needs.",
        template=TEMPLATE),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"mode": "incumbent"}),
        "extended": Tuning(Severity.HIGH, {"mode": "effective"}),
    },
)
