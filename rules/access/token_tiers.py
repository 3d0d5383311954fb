"""token-tiers: an API token whose write-tier (or stronger) privileges hold on `/`.

An AI agent or an integration gets a scoped token, read-only first. A token that can power
off, snapshot or reconfigure guests *on `/`* does so to every guest, node and storage of
the cluster, present and future. The tiers come from the one tier table
(model/privileges.py) and the privileges from the same walk `proxguard permissions`
shows (model/permission_matrix.py), so the report and the matrix never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.access import AccessControl, AclEntry, Token
from proxguard.model.host import Host
from proxguard.model.permission_matrix import acl_text, cell
from proxguard.model.permission_scan import PathGrant, scanned
from proxguard.model.privileges import Tier, highest_tier, tier_of
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
from proxguard.rules.access._escalation import dormant_prefix

_SHOWN = 6  # privileges named before "and N more"
_RANK = {None: 0, Tier.READ: 1, Tier.WRITE: 2, Tier.ADMIN: 3}


def _named(privs: Sequence[str]) -> str:
    shown = ", ".join(privs[:_SHOWN])
    return shown + (f" and {len(privs) - _SHOWN} more" if len(privs) > _SHOWN else "")


def _strongest(grants: Sequence[PathGrant], total: int) -> tuple[str, list[str], bool]:
    """The strongest tier the token holds on any judged path (its scan: `grants` of
    `total` paths), the paths holding it, and whether the scan was cut at the
    per-subject path limit."""
    best: Tier | None = None
    paths: list[str] = []
    for g in grants:
        tier = highest_tier(g.explanation.privileges)
        if _RANK[tier] > _RANK[best]:
            best, paths = tier, [g.shown]
        elif tier is not None and tier == best:
            paths.append(g.shown)
    if "/" in paths:  # inherited below: naming /access, /nodes… too says nothing more
        paths = ["/ and below"]
    return (best.value if best else "none"), paths, total > len(grants)


def _own_strong_on_root(ac: AccessControl, t: Token) -> list[AclEntry]:
    """The token's own ACL entries on `/` whose role holds a write- or admin-tier
    privilege, in file order: what the fix moves to the token's path. Every one of them,
    not only the one that decided the tier: left on `/`, another would keep the token
    in the write tier once privsep=1 makes its own entries all it has."""
    out = []
    for e in ac.token_entries(t.id):  # indexed: not every ACL line per failing token
        role = ac.roles.get(e.role)
        if (e.path == "/" and role is not None
                and highest_tier(role.privileges) in (Tier.WRITE, Tier.ADMIN)):
            out.append(e)
    return sorted(out, key=lambda e: (e.file, e.line))


def _facts(t: Token, tier: str, strongest: str) -> dict[str, object]:
    return {**token_facts(t), "tier_on_root": tier, "strongest_tier": strongest}


def _judge(host: Host, t: Token) -> TargetResult:
    ac = host.access
    target, ref = f"token/{t.id}", where(t.file, t.line)
    ok, why = ac.can_authenticate(t.id, host.now)
    head = ("" if ok else dormant_prefix(why)) + f"token {t.id} (privsep={int(t.privsep)}, {ref})"
    # the scan (shared with admin-api-tokens) holds the token's answer on `/` already
    grants, total = scanned(ac, t.id)
    on_root = next((g.explanation for g in grants if g.path == "/"), None)
    root = cell(ac, t.id, "/", host.now, answer=on_root)
    best, best_paths, cut = _strongest(grants, total)
    tail = f"; strongest tier anywhere: {best}" + (
        f" on {', '.join(best_paths[:_SHOWN])}" if best_paths else "")
    if root.tier in (Tier.WRITE.value, Tier.ADMIN.value):
        strong = sorted((p for p in root.privileges if tier_of(p) in (Tier.WRITE, Tier.ADMIN)),
                        key=lambda p: (-_RANK[tier_of(p)], p))
        own = [e for e in root.decided_by if e.kind == "token" and e.subject == t.id]
        deciding = (own or list(root.decided_by) or [None])[0]
        movable = _own_strong_on_root(ac, t)
        by = "; ".join(acl_text(e) + f" ({where(e.file, e.line)})" for e in root.decided_by)
        sev = Severity.HIGH if root.tier == Tier.ADMIN.value else Severity.MEDIUM
        if not ok:
            sev = Severity.LOW
        return failed(
            target, f"{head}: {root.tier} tier on / — {_named(strong)} — on every guest, "
            f"node and storage (decided by {by or 'root@pam, which holds every privilege'})"
            f"{tail}", deciding.file if deciding else t.file,
            deciding.line if deciding else t.line,
            severity=None if sev is Severity.HIGH else sev,
            **_facts(t, root.tier, best),
            root_acls=[{"path": e.path, "role": e.role} for e in movable])
    if cut:
        return unassessed(target, f"{head}: {root.tier} tier on /, but its paths were "
                          "too many to judge them all", t.file, t.line,
                          **_facts(t, root.tier, best))
    held = "no privilege" if root.tier == "none" else f"{root.tier} tier"
    return passed(target, f"{head}: {held} on /{tail}", t.file, t.line,
                  **_facts(t, root.tier, best))


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return [_judge(host, t) for t in judged_tokens(host.access, incumbent_format=False)]


DOCS = """\
**What is checked.** Every API token (`token:` lines of `/etc/pve/user.cfg`): its
effective privileges on `/` — as `pveum user token permissions` computes them, the
privsep intersection with its user's privileges included — classified by the one tier
table of `proxguard/model/privileges.py`:

- **read**: the `*.Audit` privileges and `Sys.Syslog`;
- **write** (power and safe write): everything else a guest operator uses —
  `VM.PowerMgmt`, `VM.Snapshot`, `VM.Snapshot.Rollback`, `VM.Backup`, `VM.Console`,
  `VM.Config.*`, `Datastore.AllocateSpace`, `Sys.Modify`…;
- **admin** (destructive or administrative): `VM.Allocate`, `Datastore.Allocate`,
  `Datastore.AllocateTemplate`, `Permissions.Modify`, `User.Modify`, `Group.Allocate`,
  `Realm.AllocateUser`, `Sys.Console`, `Mapping.Modify` and AC's root-only privileges.

**How the verdict is decided.** A token whose strongest privilege on `/` is write or
admin tier fails: held on `/` (propagated, as every built-in role grant on `/` is), it
reaches every guest, node and storage, including those created later. Severity: high for
admin tier, medium for write tier, low when the token cannot authenticate today (expired
token, disabled or expired user: its rights return when it is re-enabled). A read-tier
(or empty) token on `/` passes. Every verdict names the token's tier on `/` and its
strongest tier on any path where its privileges can differ (the same paths
`admin-api-tokens` judges), so the report shows each token's tier. The deciding line is
the ACL line that granted the privilege on `/` (a privsep=0 token: its user's line).
A token whose paths exceed the per-subject limit is not evaluated rather than passed.

**Why.** An agent or integration token should start read-only and gain write rights
only where it works: on `/vms/<id>` or a pool (`/pool/<name>`), so that one leaked
token powers off or rolls back the guests it was meant for, not the cluster. Where only
rollback is needed, grant `VM.Snapshot.Rollback` rather than `VM.Snapshot` (which also
deletes snapshots) in a custom role.

**Sources.** libpve-access-control `PVE/AccessControl.pm` (`$privgroups`, the built-in
roles, `roles()`), `PVE/RPCEnvironment.pm` (`permissions()`, the privsep intersection);
Proxmox VE Admin Guide, "User Management" → API Tokens and Permission Management.
"""


RULE = Rule(
    id="token-tiers",
    title="API tokens with write-tier privileges on /",
    category="api",
    references=(
        Reference("PHG", "2.2.2", "Privilege-separated API tokens"),
        Reference("Proxmox VE Admin Guide", "pveum", "API Tokens; Permission Management"),
        Reference("pve-access-control", "src/PVE/RPCEnvironment.pm",
                  "permissions(): token privileges intersected with the user's"),
    ),
    inputs=("access.acl_source",),
    rationale="A token that can power off, snapshot or reconfigure guests on / does so to "
              "every guest of the cluster; scoped to /vms/<id> or a pool, a leak stays "
              "small.",
    docs=DOCS,
    remediation=Remediation(
        summary="Make the token privilege-separated and move its grant from / to the "
                "guests or pool it works on (`/vms/<id>`, `/pool/<name>`).",
        template="access/token_tiers.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
