"""overpermissive-roles: non-root users holding Administrator rights."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.access import ROOT, AccessControl, AclEntry, User
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
from proxguard.rules.access._common import user_ref
from proxguard.rules.access._escalation import (
    ESCALATION_DOCS,
    dormant_prefix,
    judge,
    latent_text,
)


def _facts(ac: AccessControl, u: User, entries: Sequence[AclEntry]) -> dict[str, object]:
    via_groups = sorted({e.subject for e in entries if e.kind == "group"})
    return {
        "userid": u.id,
        "direct": [{"path": e.path, "role": e.role, "propagate": int(e.propagate)}
                   for e in entries if e.kind == "user"],
        "via_groups": via_groups,
        "remaining_groups": ",".join(g for g in ac.groups_of(u.id) if g not in via_groups),
    }


def _administrator_acls(ac: AccessControl, u: User) -> list[AclEntry]:
    """compat: any ACL line (any path) giving role Administrator to the user or to a
    group listing it — the incumbent's test, with lists and groups parsed."""
    return ac.entries_for(u.id, ("Administrator",))


def _extended(host: Host, u: User) -> TargetResult:
    """Effective privileges on every judged path against the escalation table."""
    ac, target = host.access, f"user/{u.id}"
    ok, why = ac.can_authenticate(u.id, host.now)
    head = "" if ok else dormant_prefix(why)
    j = judge(ac, u.id)
    if j.hits:
        sev = j.severity(Severity.MEDIUM) if ok else Severity.LOW
        decisive = j.deciding_entries(ac)
        first = decisive[0] if decisive else None
        return failed(target, f"{head}{u.id} holds escalation privileges: {j.evidence()}",
                      first.file if first else u.file, first.line if first else u.line,
                      severity=None if sev is Severity.MEDIUM else sev,
                      **_facts(ac, u, decisive))
    masked = _administrator_acls(ac, u)
    if masked:  # compat's test fires but AC does not grant it: report, never hide
        return failed(target, head + latent_text(masked, u.id, ac), masked[0].file,
                      masked[0].line, severity=Severity.INFO, **_facts(ac, u, masked))
    if j.truncated:
        return unassessed(target, f"{head}{u.id}: no escalation found, but {j.truncated}",
                          u.file, u.line, **_facts(ac, u, []))
    return passed(target, f"{u.id} holds no escalation privilege on any judged path "
                  f"({j.paths})", u.file, u.line, **_facts(ac, u, []))


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    ac = host.access
    effective = params.get("mode") == "effective"
    out = []
    for u in ac.users.values():
        if u.id == ROOT:
            continue  # root@pam is Administrator by design; root-api-tokens/AUTH rules
        if effective:
            out.append(_extended(host, u))
            continue
        target = f"user/{u.id}"
        hits = _administrator_acls(ac, u)
        if hits:
            out.append(failed(target, f"{u.id} has role Administrator through "
                              + "; ".join(e.describe() for e in hits),
                              hits[0].file, hits[0].line, **_facts(ac, u, hits)))
        else:
            out.append(passed(target, f"no ACL grants Administrator to {u.id} or its groups "
                              f"({user_ref(u)})", u.file, u.line, **_facts(ac, u, [])))
    return out


DOCS = """\
**What is checked.** Every user other than root@pam in `/etc/pve/user.cfg`, against the
`acl:` lines (lists of users, `@groups` and roles split as PVE splits them), `group:`
memberships, custom `role:` lines and pools.

**How the verdict is decided.** **compat** keeps the incumbent's test — a user fails
when any ACL line, on any path, gives the role `Administrator` to the user or to a group
the user belongs to (PVEAdmin does not count; the incumbent recommends it as the
alternative). **extended** computes the user's *effective* privileges the way
pve-access-control does (user entries replace group entries at the same path, deeper
paths replace inherited roles, NoAccess cancels, pools add roles) on every path where
they can differ, and fails a user holding an **escalation privilege** there.
""" + ESCALATION_DOCS + """\
Severity: the rule's (medium) when the escalation reaches the cluster or a node; low when
it is confined to its own subtree (Permissions.Modify on `/vms/100` or `/storage`) and
for a user that cannot log in today (disabled or expired: the rights return when it is
re-enabled); info when compat's test fires but PVE does not grant it (the user's own
entry at that path masks the group's Administrator — removing that entry makes the user
an administrator). So extended never passes a user that compat fails.

**Why.** Each full administrator is one more account whose compromise is total, and an
escalation privilege is a full administrator one step later; keep them for a few named
people and give everyone else a narrower role on a narrower path.
"""


RULE = Rule(
    id="overpermissive-roles",
    title="Users with Administrator rights",
    category="auth",
    references=(
        Reference("PHG", "2.1.2", "Least privilege for user accounts"),
        Reference("CIS Controls v8", "5.4",
                  "Restrict Administrator Privileges to Dedicated Administrator Accounts",
                  partial="lists who holds administrator rights; whether each holder is a "
                          "dedicated administrator account is not in the configuration"),
        Reference("Proxmox VE Admin Guide", "pveum", "Permission management"),
    ),
    inputs=("access.acl_source",),
    rationale="Every extra full administrator widens the set of accounts whose "
              "compromise hands over the whole cluster.",
    docs=DOCS,
    remediation=Remediation(
        summary="Replace Administrator with a narrower role on a narrower path "
                "(e.g. PVEVMAdmin on /vms, PVEAuditor on /), or remove the user from the "
                "admin group.",
        template="access/overpermissive_roles.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"mode": "administrator_acl"}),
        "extended": Tuning(Severity.MEDIUM, {"mode": "effective"}),
    },
)
