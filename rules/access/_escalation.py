"""Escalation judgement shared by overpermissive-roles and admin-api-tokens (extended).

A subject is judged on every path where its effective privileges can differ
(model/permission_scan.py), against the one escalation table (model/privileges.py).
Severity follows reach: an escalation to the cluster or a node keeps the rule's
severity, one confined to its own subtree (Permissions.Modify on /vms/100) is low, and a
subject that cannot authenticate today (disabled/expired user or token) is low too —
its rights return the moment it is re-enabled (rules-catalogue AUTH-104, API-103).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from proxguard.model.access import AccessControl, AclEntry
from proxguard.model.permission_scan import PathGrant, scanned
from proxguard.model.privileges import (
    ADMIN_PRIVILEGE,
    Escalation,
    Reach,
    highest_tier,
    is_near_admin,
)
from proxguard.rule import Severity

ESCALATION_DOCS = """\
The escalation table (`proxguard/model/privileges.py`, verified against
libpve-access-control 9.1.1): `Permissions.Modify` on any path (the holder can grant any
role there, Administrator included — API2/ACL.pm `update_acl`); `User.Modify` on
`/access/groups`, directly or inherited from `/access` or `/` (RPCEnvironment.pm
`userid-group` short-circuits through `check_any` on `/access/groups`, so the holder can
put any user, itself included, into an administrator group); `Realm.Allocate` on
`/access/realm` (realms and their TFA requirement); `Sys.Modify` on `/` (datacenter
options, cluster firewall) and on `/nodes` or a node (its network, firewall, services).
Administrator on `/nodes` therefore fails, as does PVEAdmin propagated from `/` (it
holds User.Modify). Privileges are judged on every path where they can differ: each
path of an ACL line that applies to the subject (its own, its groups', its token's),
just below a non-propagating line (written `/vms/*`), the members of every pool, and
`/`, `/access`, `/access/groups`, `/access/realm`, `/nodes`. The evidence names the
path(s) and the deciding `acl:` line.
"""
"""The escalation semantics, written once for both rules' docs (explain, HTML, SARIF help)."""

_SHOWN = 3  # escalations spelled out in evidence; the rest are counted


@dataclass(frozen=True, slots=True)
class Hit:
    grant: PathGrant
    escalation: Escalation

    @property
    def reach(self) -> Reach:
        return self.escalation.reach_on(self.grant.path)


@dataclass(frozen=True, slots=True)
class Judgement:
    grants: tuple[PathGrant, ...]
    hits: tuple[Hit, ...]
    total: int  # paths there were to judge; more than len(grants) when over the limit

    @property
    def truncated(self) -> str | None:
        """Why a clean result is not a pass (too many paths), or None."""
        if self.total <= len(self.grants):
            return None
        return (f"judged {len(self.grants)} of {self.total} paths (the per-subject limit); "
                "the others were not judged")

    @property
    def paths(self) -> str:
        """The judged paths and what decides them, for a passing verdict's evidence."""
        where = ", ".join(g.shown for g in self.grants)
        seen: dict[tuple[int, ...], str] = {}
        for g in self.grants:
            ex = g.explanation
            key = tuple(map(id, ex.decided_by))  # one model: one object per ACL line
            if ex.privileges and key not in seen:
                tier = highest_tier(ex.privileges)
                seen[key] = f"{ex.reason} ({tier.value if tier else '-'} tier)"
        held = "; ".join(list(seen.values())[:_SHOWN]) or "no privilege on any of them"
        return f"{where} — {held}"

    def near_admin(self) -> list[PathGrant]:
        """Paths where the subject holds every PVEAdmin privilege."""
        return [g for g in self.grants if is_near_admin(g.explanation.privileges)]

    def severity(self, base: Severity) -> Severity:
        return base if any(h.reach is Reach.CLUSTER for h in self.hits) else Severity.LOW

    def evidence(self) -> str:
        """One clause per escalation: its paths (cluster reach first), why it escalates,
        and the ACL line(s) deciding the first path."""
        top = [h for h in self.hits
               if h.grant.path == "/" and h.escalation.privilege == ADMIN_PRIVILEGE]
        if top:  # Administrator-equivalent on /: every other escalation follows from it
            e = top[0].grant.explanation
            return (f"Administrator-equivalent on / ({ADMIN_PRIVILEGE} there; "
                    f"{top[0].escalation.why}) — {e.reason}")
        by_esc: dict[Escalation, list[Hit]] = {}
        for h in sorted(self.hits, key=lambda h: h.reach is not Reach.CLUSTER):
            by_esc.setdefault(h.escalation, []).append(h)
        clauses = []
        for esc, hits in by_esc.items():
            shown = ", ".join(h.grant.shown for h in hits[:_SHOWN])
            more = len(hits) - _SHOWN
            shown += f" and {more} more path(s)" if more > 0 else ""
            clauses.append(f"{esc.privilege} on {shown} ({hits[0].reach.value} reach; "
                           f"{esc.why}) — {hits[0].grant.explanation.reason}")
        return "; ".join(clauses)

    def deciding_entries(self, ac: AccessControl) -> list[AclEntry]:
        """ACL lines whose role carries an escalating privilege (for the remediation)."""
        out: list[AclEntry] = []
        for h in self.hits:
            for e in h.grant.explanation.decided_by:
                role = ac.roles.get(e.role)
                if role and h.escalation.privilege in role.privileges and e not in out:
                    out.append(e)
        return out


def judge(ac: AccessControl, subject: str) -> Judgement:
    grants, total = scanned(ac, subject)
    hits = tuple(Hit(g, e) for g in grants for e in g.escalations)
    return Judgement(grants, hits, total)


def dormant_prefix(reason: str) -> str:
    return (f"dormant ({reason}; cannot authenticate now, but every right below returns "
            "when it is re-enabled): ")


def latent_text(entries: Sequence[AclEntry], subject: str, ac: AccessControl) -> str:
    """Why an Administrator-naming ACL line is not effective for `subject` today."""
    parts = [f"{e.describe()} is not effective for {subject} today "
             f"({ac.explain(subject, e.path).reason})" for e in entries[:_SHOWN]]
    return ("latent: " + "; ".join(parts) + "; it takes effect as soon as the entry that "
            "masks it is removed (AC roles(): user entries replace group entries per level)")
