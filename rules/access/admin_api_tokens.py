"""admin-api-tokens: API tokens with Administrator-level rights."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.access import ROOT, AccessControl, AclEntry, Token
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
    unassessed,
)
from proxguard.rules.access._common import judged_tokens, token_facts, where
from proxguard.rules.access._escalation import (
    ESCALATION_DOCS,
    dormant_prefix,
    judge,
    latent_text,
)

ADMIN_ROLES = ("Administrator", "PVEAdmin")  # the incumbent's list


def _facts(t: Token, entries: Sequence[AclEntry]) -> dict[str, object]:
    return {**token_facts(t),
            "token_acls": [{"path": e.path, "role": e.role} for e in entries
                           if e.kind == "token" and e.subject == t.id]}


def _owner_admin_acls(ac: AccessControl, t: Token) -> list[AclEntry]:
    return ac.entries_for(t.user, ADMIN_ROLES)


def _compat(ac: AccessControl, t: Token) -> TargetResult:
    """The incumbent's test: privsep=0 and the owner holds Administrator or PVEAdmin
    through an ACL line on any path (lists and groups parsed). root@pam needs no ACL
    line: it always holds every privilege (AC RPCEnvironment permissions())."""
    target, ref = f"token/{t.id}", where(t.file, t.line)
    if t.privsep:
        return passed(target, f"privsep=1: token {t.id} does not inherit the rights of "
                      f"{t.user} ({ref})", t.file, t.line, **_facts(t, []))
    if t.user == ROOT:
        return failed(target, f"privsep=0 ({ref}): token {t.id} has every right of "
                      "root@pam, which always holds every privilege (Administrator on /)",
                      t.file, t.line, **_facts(t, []))
    hits = _owner_admin_acls(ac, t)
    if not hits:
        return passed(target, f"privsep=0, but no ACL gives {t.user} Administrator or "
                      f"PVEAdmin ({ref})", t.file, t.line, **_facts(t, []))
    return failed(target, f"privsep=0 ({ref}): token {t.id} has every right of {t.user}, "
                  "who holds " + "; ".join(e.describe() for e in hits), t.file, t.line,
                  **_facts(t, []))


def _extended(host: Host, t: Token) -> TargetResult:
    """Escalations on every judged path; else PVEAdmin-level anywhere (near-admin);
    else a masked Administrator/PVEAdmin line of a privsep=0 owner (latent)."""
    ac = host.access
    target, ref = f"token/{t.id}", where(t.file, t.line)
    ok, why = ac.can_authenticate(t.id, host.now)
    head = ("" if ok else dormant_prefix(why)) + f"token {t.id} (privsep={int(t.privsep)}, {ref})"
    j = judge(ac, t.id)
    if j.hits:
        sev = j.severity(Severity.HIGH) if ok else Severity.LOW
        return failed(target, f"{head} holds escalation privileges: {j.evidence()}",
                      t.file, t.line, severity=None if sev is Severity.HIGH else sev,
                      **_facts(t, j.deciding_entries(ac)))
    near = j.near_admin()
    if near:
        g = near[0]
        sev = Severity.MEDIUM if g.path == "/" and ok else Severity.LOW
        return failed(target, f"{head} holds every PVEAdmin privilege on {g.shown} "
                      f"(near-admin): {g.explanation.reason}", t.file, t.line, severity=sev,
                      **_facts(t, g.explanation.decided_by))
    masked = [] if t.privsep else _owner_admin_acls(ac, t)
    if masked:
        return failed(target, f"{head}: " + latent_text(masked, t.user, ac), t.file, t.line,
                      severity=Severity.INFO, **_facts(t, []))
    if j.truncated:
        return unassessed(target, f"{head}: no escalation found, but {j.truncated}",
                          t.file, t.line, **_facts(t, []))
    return passed(target, f"{head} holds no escalation privilege and is not PVEAdmin-level "
                  f"on any judged path ({j.paths})", t.file, t.line, **_facts(t, []))


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    ac = host.access
    if params.get("mode") != "effective":
        return [_compat(ac, t) for t in judged_tokens(ac, incumbent_format=True)]
    return [_extended(host, t) for t in judged_tokens(ac, incumbent_format=False)]


DOCS = """\
**What is checked.** Every API token (`token:` lines of `/etc/pve/user.cfg`) against the
ACLs, roles, groups and pools of the same file.

**How the verdict is decided.** **compat** keeps the incumbent's intent: a token fails
when it is not privilege-separated (`privsep` 0 — an empty or missing field in user.cfg
*is* 0) and its user holds `Administrator` or `PVEAdmin` through an ACL line on any path,
directly or through a group (ACL member and role lists are split as PVE splits them),
or its user is root@pam (which holds every privilege without any ACL line).
**extended** computes the token's effective privileges exactly as PVE does: privsep=0
tokens have their user's privileges (root@pam: all of them); privsep=1 tokens have their
own token ACLs intersected with their user's privileges — on every path where they can
differ — and fails a token holding an **escalation privilege** there.
""" + ESCALATION_DOCS + """\
Without an escalation, a token holding every PVEAdmin privilege fails as *near-admin*:
medium on `/`, low on a narrower path (PVEAdmin on `/vms/100`). Severity is high for an
escalation reaching the cluster or a node, low when it is confined to its own subtree
or the token cannot authenticate today (expired, or its user disabled/expired — it works
again once re-enabled), info when compat's test fires but the owner's Administrator or
PVEAdmin line is masked by another entry. So extended never passes a token that compat
fails.

**Why.** A token is a password-less, TFA-less credential stored in scripts and CI
systems; with administrator rights, one leaked file is the whole cluster.
"""


RULE = Rule(
    id="admin-api-tokens",
    title="API tokens with administrator privileges",
    category="api",
    references=(
        Reference("Incumbent", "PVE-API-001",
                  "API tokens with full admin privileges (the incumbent auditor's rule id, not a Proxmox "
                  "control)"),
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
        template="access/admin_api_tokens.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"mode": "incumbent"}),
        "extended": Tuning(Severity.HIGH, {"mode": "effective"}),
    },
)
