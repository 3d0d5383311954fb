"""Effective permissions (formats.md §2.3): inheritance, propagate, user-over-group,
NoAccess, pools, token privsep — plus hypothesis properties of the walk and the parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.model.access import ALL_PRIVILEGES, BUILTIN_ROLES
from proxguard.parsers import usercfg

F = "etc/pve/user.cfg"
USERS = ("user:root@pam:1:0::::::\nuser:alice@pve:1:0::::::\nuser:bob@pve:1:0::::::\n"
         "token:alice@pve!full:0:0:\ntoken:alice@pve!sep:0:1:\ntoken:root@pam!sep:0:1:\n"
         "group:ops:alice@pve,bob@pve::\n")
VMUSER, VMADMIN = BUILTIN_ROLES["PVEVMUser"], BUILTIN_ROLES["PVEVMAdmin"]
AUDIT = BUILTIN_ROLES["PVEAuditor"]


def ac_of(acls: str, extra: str = ""):  # type: ignore[no-untyped-def]
    return usercfg.parse(USERS + extra + acls, F, Diagnostics())


def test_root_has_everything_without_acl() -> None:
    ac = ac_of("")
    ex = ac.explain("root@pam", "/vms/100")
    assert (ex.privileges, ex.reason) == (ALL_PRIVILEGES, "root@pam always holds every privilege")


def test_propagate_only_counts_below_the_level() -> None:
    ac = ac_of("acl:0:/vms:alice@pve:PVEVMUser:\n")
    assert ac.effective_privileges("alice@pve", "/vms") == VMUSER
    assert ac.effective_privileges("alice@pve", "/vms/100") == frozenset()
    ac = ac_of("acl:1:/vms:alice@pve:PVEVMUser:\n")
    assert ac.effective_privileges("alice@pve", "/vms/100") == VMUSER
    assert ac.effective_privileges("alice@pve", "/") == frozenset()


def test_deeper_path_replaces_inherited_roles() -> None:
    ac = ac_of("acl:1:/:alice@pve:Administrator:\nacl:1:/vms/100:alice@pve:PVEAuditor:\n")
    assert ac.effective_privileges("alice@pve", "/vms/100") == AUDIT
    assert ac.effective_privileges("alice@pve", "/vms/101") == ALL_PRIVILEGES


def test_user_entries_override_group_entries_at_same_path() -> None:
    ac = ac_of("acl:1:/:@ops:Administrator:\nacl:1:/:alice@pve:PVEAuditor:\n")
    ex = ac.explain("alice@pve", "/")
    assert ex.privileges == AUDIT
    assert [e.line for e in ex.decided_by] == [9]
    assert ac.effective_privileges("bob@pve", "/") == ALL_PRIVILEGES
    assert ac.explain("bob@pve", "/").reason == (
        "Administrator on / from acl:1:/:@ops:Administrator (etc/pve/user.cfg:8)")


def test_groups_union_and_non_propagating_user_entry_falls_through() -> None:
    ac = ac_of("acl:1:/:@ops:PVEAuditor:\nacl:1:/:@ops:PVEVMUser:\n"
               "acl:0:/:alice@pve:Administrator:\n")
    # at `/` (final) the user entry wins; below it the user entry does not propagate,
    # so AC falls through to the group entries at `/`
    assert ac.effective_privileges("alice@pve", "/") == ALL_PRIVILEGES
    assert ac.effective_privileges("alice@pve", "/vms/1") == AUDIT | VMUSER


def test_noaccess_cancels_and_is_inherited() -> None:
    ac = ac_of("acl:1:/vms:alice@pve:NoAccess,PVEVMAdmin:\nacl:1:/:alice@pve:PVEAuditor:\n")
    ex = ac.explain("alice@pve", "/vms/5")
    assert (ex.privileges, ex.roles) == (frozenset(), ("NoAccess",))
    assert ac.effective_privileges("alice@pve", "/storage") == AUDIT


def test_group_noaccess_loses_to_user_entry() -> None:
    ac = ac_of("acl:1:/:@ops:NoAccess:\nacl:1:/:alice@pve:PVEAuditor:\n")
    assert ac.effective_privileges("alice@pve", "/") == AUDIT
    assert ac.effective_privileges("bob@pve", "/") == frozenset()


def test_pool_roles_add_without_propagation_and_pool_noaccess_wins() -> None:
    pools = "pool:web::100,101:local:\npool:quar::102::\n"
    ac = ac_of("acl:1:/pool/web:alice@pve:PVEVMAdmin:\nacl:1:/vms:alice@pve:PVEAuditor:\n"
               "acl:1:/pool/quar:alice@pve:NoAccess:\n", pools)
    assert ac.effective_privileges("alice@pve", "/vms/100") == AUDIT | VMADMIN
    assert ac.effective_privileges("alice@pve", "/storage/local") == VMADMIN
    assert ac.effective_privileges("alice@pve", "/vms/103") == AUDIT
    assert ac.effective_privileges("alice@pve", "/vms/102") == frozenset()
    assert "through pool membership" in ac.explain("alice@pve", "/vms/101").reason


def test_regular_noaccess_is_not_trumped_by_pool() -> None:
    ac = ac_of("acl:1:/pool/web:alice@pve:PVEVMAdmin:\nacl:1:/vms/100:alice@pve:NoAccess:\n",
               "pool:web::100::\n")
    assert ac.effective_privileges("alice@pve", "/vms/100") == frozenset()


def test_tokens_privsep_zero_is_the_user_privsep_one_intersects() -> None:
    ac = ac_of("acl:1:/:alice@pve:PVEVMAdmin:\nacl:1:/:alice@pve!sep:Administrator:\n"
               "acl:1:/:alice@pve!full:PVEAuditor:\n")
    assert ac.effective_privileges("alice@pve!full", "/") == VMADMIN  # token ACL ignored
    sep = ac.explain("alice@pve!sep", "/")
    assert sep.privileges == VMADMIN  # Administrator ∩ user's PVEVMAdmin
    assert sep.reason.endswith("; limited to what alice@pve holds")


def test_privsep_token_without_acl_has_nothing_and_group_acls_do_not_apply() -> None:
    ac = ac_of("acl:1:/:@ops:Administrator:\n")
    assert ac.effective_privileges("alice@pve!sep", "/") == frozenset()
    assert ac.effective_privileges("alice@pve!full", "/") == ALL_PRIVILEGES


def test_root_privsep_token_is_only_its_token_acl() -> None:
    ac = ac_of("acl:1:/vms:root@pam!sep:PVEVMUser:\n")
    assert ac.effective_privileges("root@pam!sep", "/vms/7") == VMUSER
    assert ac.effective_privileges("root@pam!sep", "/") == frozenset()


def test_unknown_token_has_nothing() -> None:
    assert ac_of("").effective_privileges("alice@pve!nope", "/") == frozenset()


def test_can_authenticate_user_and_token_states() -> None:
    ac = ac_of("", "user:off@pve:0:0::::::\ntoken:off@pve!tk:0:1:\nuser:old@pve:1:1000::::::\n"
               "token:alice@pve!exp:1000:1:\n")
    assert ac.can_authenticate("alice@pve!sep", 2000) == (True, "")
    assert ac.can_authenticate("off@pve!tk", 2000) == (False, "user off@pve is disabled")
    assert ac.can_authenticate("old@pve", 2000) == (False, "user old@pve expired at 1000")
    assert ac.can_authenticate("old@pve", 999) == (True, "")
    assert ac.can_authenticate("alice@pve!exp", 2000) == (False, "token alice@pve!exp expired at 1000")
    assert ac.can_authenticate("zed@pve", 0) == (False, "user zed@pve is not defined")


# -- properties -----------------------------------------------------------------------

ROLES = st.sampled_from(["Administrator", "PVEAuditor", "PVEVMUser", "NoAccess", "PVEAdmin"])
SUBJECTS = st.sampled_from(["alice@pve", "bob@pve", "@ops", "alice@pve!sep", "alice@pve!full"])
SEGMENTS = st.lists(st.sampled_from(["vms", "100", "storage", "local", "pool", "web"]),
                    min_size=1, max_size=3)


def _acl(prop: bool, segs: list[str], who: str, role: str) -> str:
    return f"acl:{int(prop)}:/{'/'.join(segs)}:{who}:{role}:\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), SEGMENTS, SUBJECTS, ROLES), max_size=6),
       st.booleans(), SEGMENTS, SUBJECTS, ROLES)
def test_acl_below_root_never_changes_privileges_at_root(base, prop, segs, who, role) -> None:  # type: ignore[no-untyped-def]
    text = "".join(_acl(*b) for b in base)
    before = ac_of(text)
    after = ac_of(text + _acl(prop, segs, who, role))
    for subject in ("alice@pve", "bob@pve", "alice@pve!sep", "alice@pve!full"):
        assert after.effective_privileges(subject, "/") == before.effective_privileges(subject, "/")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), SEGMENTS, SUBJECTS, ROLES), max_size=6), SEGMENTS)
def test_privsep_token_never_exceeds_its_user(acls, segs) -> None:  # type: ignore[no-untyped-def]
    ac = ac_of("".join(_acl(*a) for a in acls))
    path = "/" + "/".join(segs)
    assert ac.effective_privileges("alice@pve!sep", path) <= ac.effective_privileges("alice@pve", path)
    assert ac.effective_privileges("alice@pve!full", path) == ac.effective_privileges("alice@pve", path)
