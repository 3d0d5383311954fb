"""Admin is admin on any path (issue 11 item 9): the privilege table, the path scan, the
escalation evidence and severities, and the property that extended is never laxer than
compat on overpermissive-roles and admin-api-tokens."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.permission_scan import judged_paths
from proxguard.model.privileges import (
    ALL_PRIVILEGES,
    BUILTIN_ROLES,
    ESCALATIONS,
    PRIVGROUPS,
    Tier,
    escalations_on,
    highest_tier,
    tier_of,
)
from proxguard.parsers import usercfg
from proxguard.parsers.host import build_host
from proxguard.rule import Rule, Severity, Status, TargetResult
from proxguard.rules.access.admin_api_tokens import RULE as ADMIN
from proxguard.rules.access.overpermissive_roles import RULE as OVERPERM

U = "etc/pve/user.cfg"
NOW = 1767225600
FIXTURES = Path(__file__).parent / "fixtures"


def run(rule: Rule, profile: str, cfg: str) -> dict[str, TargetResult]:
    host = build_host(Snapshot.from_texts({U: cfg}), now=NOW)
    return {r.id: r for r in rule.check(host, rule.profiles[profile].params)}


# -- the one table ----------------------------------------------------------------------

def test_builtin_roles_match_pve_9_create_roles() -> None:
    """Spot values of libpve-access-control 9.1.1 create_roles()."""
    assert BUILTIN_ROLES["PVEAuditor"] == frozenset({
        "VM.Audit", "VM.GuestAgent.Audit", "Sys.Audit", "Datastore.Audit", "SDN.Audit",
        "Pool.Audit", "Mapping.Audit"})
    assert BUILTIN_ROLES["PVEUserAdmin"] == frozenset({
        "User.Modify", "Group.Allocate", "Realm.AllocateUser"})
    assert BUILTIN_ROLES["PVESysAdmin"] == frozenset({"Sys.Console", "Sys.Syslog", "Sys.Audit"})
    assert "Mapping.Modify" not in BUILTIN_ROLES["PVEAdmin"]
    assert BUILTIN_ROLES["PVEAdmin"].isdisjoint(
        {"Permissions.Modify", "Sys.Modify", "Sys.PowerMgmt", "Sys.Incoming",
         "Sys.AccessNetwork", "Realm.Allocate"})
    assert BUILTIN_ROLES["Administrator"] == ALL_PRIVILEGES
    assert len(ALL_PRIVILEGES) == 47  # 46 in AC $privgroups + Permissions.Modify


def test_every_privilege_has_one_tier() -> None:
    assert {p for p in ALL_PRIVILEGES if tier_of(p) is Tier.ADMIN} == {
        "Permissions.Modify", "Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming",
        "Sys.AccessNetwork", "Realm.Allocate", "User.Modify", "Group.Allocate",
        "Realm.AllocateUser", "Sys.Console", "Mapping.Modify",
        # issue 16/12 tiers: creating/destroying guests and storage administration
        "VM.Allocate", "Datastore.Allocate", "Datastore.AllocateTemplate"}
    audit = {p for g in PRIVGROUPS.values() for p in g["audit"]}
    assert {p for p in ALL_PRIVILEGES if tier_of(p) is Tier.READ} == audit | {"Sys.Syslog"}
    assert highest_tier(BUILTIN_ROLES["PVEAuditor"]) is Tier.READ
    assert highest_tier(BUILTIN_ROLES["PVEVMAdmin"]) is Tier.ADMIN  # VM.Allocate
    assert highest_tier(BUILTIN_ROLES["PVEVMUser"]) is Tier.WRITE
    assert highest_tier(BUILTIN_ROLES["PVEDatastoreUser"]) is Tier.WRITE
    assert highest_tier(BUILTIN_ROLES["PVEAdmin"]) is Tier.ADMIN
    assert highest_tier(frozenset()) is None


def test_escalation_table_paths() -> None:
    admin = BUILTIN_ROLES["Administrator"]
    assert [e.privilege for e in escalations_on(admin, "/access/groups")] == [
        "Permissions.Modify", "User.Modify"]
    assert [e.privilege for e in escalations_on(admin, "/nodes/pve1")] == [
        "Permissions.Modify", "Sys.Modify"]
    assert [e.privilege for e in escalations_on(admin, "/vms/100")] == ["Permissions.Modify"]
    assert escalations_on(BUILTIN_ROLES["PVEUserAdmin"], "/access") == []
    assert ESCALATIONS[0].reach_on("/vms/100").value == "subtree"
    assert ESCALATIONS[0].reach_on("/nodes").value == "cluster"


# -- the scan ---------------------------------------------------------------------------

def test_judged_paths_cover_escalation_paths_entries_children_and_pools() -> None:
    ac = usercfg.parse(
        "user:alice@pve:1:0::::::\ngroup:ops:alice@pve::\npool:dev::100:nas:\n"
        "acl:0:/vms:alice@pve:PVEAuditor:\nacl:1:/storage:@ops:PVEDatastoreUser:\n",
        U, Diagnostics())
    shown = [s for _, s in judged_paths(ac, "alice@pve")]
    assert shown == ["/", "/access", "/access/groups", "/access/realm", "/nodes", "/storage",
                     "/vms", "/vms/*", "/pool/dev", "/vms/100", "/storage/nas"]
    assert [s for _, s in judged_paths(ac, "root@pam")] == [
        "/", "/access", "/access/groups", "/access/realm", "/nodes"]


def test_non_propagating_user_entry_falls_through_to_group_admin() -> None:
    res = run(OVERPERM, "extended", (FIXTURES / "overpermissive-roles" /
              "fail-non-propagating-entry-falls-through/etc/pve/user.cfg").read_text())
    alice = res["user/alice@pve"]
    assert (alice.status, alice.severity) == (Status.FAIL, None)
    assert alice.evidence.startswith("alice@pve holds escalation privileges: Permissions.Modify "
                                     "on /access, /access/groups, /access/realm and 2 more")


# -- evidence and severity per escalation -----------------------------------------------

def test_each_escalation_names_its_path_and_reach() -> None:
    cfg = (FIXTURES / "overpermissive-roles/fail-escalation-paths/etc/pve/user.cfg").read_text()
    res = run(OVERPERM, "extended", cfg)
    sev = {t: (r.status.value, r.severity) for t, r in res.items()}
    assert sev == {
        "user/nodeops@pve": ("fail", None), "user/helpdesk@pve": ("fail", None),
        "user/idm@pve": ("fail", None), "user/auditor@pve": ("pass", None),
        "user/sysops@pve": ("fail", None), "user/realms@pve": ("fail", None),
        "user/storeadm@pve": ("fail", Severity.LOW), "user/vmadmin@pve": ("pass", None)}
    assert res["user/nodeops@pve"].evidence.startswith(
        "nodeops@pve holds escalation privileges: Permissions.Modify on /nodes (cluster reach;")
    assert "Sys.Modify on /nodes (cluster reach;" in res["user/nodeops@pve"].evidence
    assert res["user/helpdesk@pve"].evidence.startswith(
        "helpdesk@pve holds escalation privileges: User.Modify on /access/groups (cluster "
        "reach; can set the groups of any user")
    assert "User.Modify on /access/groups" in res["user/idm@pve"].evidence  # inherited
    assert res["user/sysops@pve"].evidence.startswith(
        "sysops@pve holds escalation privileges: Sys.Modify on /, /nodes (cluster reach;")
    assert "Realm.Allocate on /access/realm" in res["user/realms@pve"].evidence
    assert res["user/storeadm@pve"].evidence.startswith(
        "storeadm@pve holds escalation privileges: Permissions.Modify on /storage (subtree "
        "reach;")
    assert res["user/storeadm@pve"].line == 24  # the deciding acl line
    # User.Modify on /access without propagation does not reach /access/groups
    assert res["user/auditor@pve"].evidence == (
        "auditor@pve holds no escalation privilege on any judged path (/, /access, "
        "/access/groups, /access/realm, /nodes, /access/* — PVEUserAdmin on /access from "
        "acl:0:/access:auditor@pve:PVEUserAdmin (etc/pve/user.cfg:21) (admin tier))")


def test_dormant_subjects_fail_low() -> None:
    cfg = ("user:gone@pve:0:0::::::\nuser:old@pve:1:1700000000::::::\n"
           "token:old@pve!ci:0:0:\nacl:1:/:gone@pve,old@pve:Administrator:\n")
    res = run(OVERPERM, "extended", cfg)
    assert {t: (r.status.value, r.severity) for t, r in res.items()} == {
        "user/gone@pve": ("fail", Severity.LOW), "user/old@pve": ("fail", Severity.LOW)}
    assert res["user/gone@pve"].evidence.startswith(
        "dormant (user gone@pve is disabled; cannot authenticate now")
    (tok,) = run(ADMIN, "extended", cfg).values()
    assert (tok.status, tok.severity) == (Status.FAIL, Severity.LOW)
    assert tok.evidence.startswith("dormant (user old@pve expired at 1700000000;")


# -- extended is never laxer than compat ------------------------------------------------

_USERS = ("alice@pve", "bob@pve", "carol@pam", "dave@pve")
_GROUPS = ("admins", "ops")
_ROLES = ("Administrator", "PVEAdmin", "PVEAuditor", "PVEVMAdmin", "PVEUserAdmin",
          "NoAccess", "Deleg")
_PATHS = ("/", "/vms", "/vms/100", "/nodes", "/nodes/pve1", "/access", "/access/groups",
          "/storage/nas", "/pool/dev")


@st.composite
def user_cfgs(draw: st.DrawFn) -> str:
    lines = ["user:root@pam:1:0::::::"]
    for u in _USERS:
        enable = draw(st.sampled_from(("1", "0")))
        expire = draw(st.sampled_from(("0", "0", "1700000000")))
        lines.append(f"user:{u}:{enable}:{expire}::::::")
        for name in draw(st.lists(st.sampled_from(("ci", "tf")), unique=True, max_size=2)):
            privsep = draw(st.sampled_from(("0", "1", "")))
            lines.append(f"token:{u}!{name}:{draw(st.sampled_from(('0', '1700000000')))}:"
                         f"{privsep}:")
    lines.append("token:root@pam!auto:0:" + draw(st.sampled_from(("0", "1"))) + ":")
    for g in _GROUPS:
        members = draw(st.lists(st.sampled_from(_USERS), unique=True, max_size=3))
        lines.append(f"group:{g}:{','.join(members)}::")
    lines.append("role:Deleg:Permissions.Modify,VM.Audit:")
    lines.append("pool:dev::100:nas:")
    subjects = [*_USERS, *(f"@{g}" for g in _GROUPS), "alice@pve!ci", "bob@pve!tf",
                "root@pam!auto"]
    for _ in range(draw(st.integers(0, 6))):
        who = draw(st.lists(st.sampled_from(subjects), min_size=1, max_size=2, unique=True))
        roles = draw(st.lists(st.sampled_from(_ROLES), min_size=1, max_size=2, unique=True))
        lines.append(f"acl:{draw(st.sampled_from(('0', '1')))}:{draw(st.sampled_from(_PATHS))}:"
                     f"{','.join(who)}:{','.join(roles)}:")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(user_cfgs())
def test_extended_never_laxer_than_compat(cfg: str) -> None:
    """Every target failing in compat fails in extended (real-format user.cfg; the
    incumbent's own token line form is counted by compat only, as PVE ignores it)."""
    for rule in (OVERPERM, ADMIN):
        compat = run(rule, "compat", cfg)
        extended = run(rule, "extended", cfg)
        for target, r in compat.items():
            if r.status is Status.FAIL:
                assert target in extended and extended[target].status is Status.FAIL, (
                    rule.id, target, r.evidence,
                    extended[target].evidence if target in extended else "not judged")


def test_path_limit_never_passes_and_keeps_decisive_grants(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import proxguard.model.permission_scan as scan_mod

    monkeypatch.setattr(scan_mod, "MAX_JUDGED_PATHS", 10)
    many = "".join(f"acl:1:/vms/{100 + i}:@ops:PVEAuditor:\n" for i in range(20))
    base = "user:alice@pve:1:0:::::x:\ngroup:ops:alice@pve::\n" + many
    (r,) = run(OVERPERM, "extended", base).values()
    assert r.status is Status.NOT_EVALUATED
    assert r.evidence.endswith("no escalation found, but judged 10 of 25 paths (the per-subject "
                               "limit); the others were not judged")
    res = run(OVERPERM, "extended", base + "acl:1:/vms/999:@ops:Administrator:\n")
    assert res["user/alice@pve"].status is Status.FAIL
    assert "Permissions.Modify on /vms/999 (subtree reach;" in res["user/alice@pve"].evidence
