"""`proxguard permissions`: the effective-permission matrix against Proxmox's own rules.

Expected values are derived by hand from pve-access-control 9.1.1 (git 5ccd07d9,
libpve-access-control 9.1.1), cited as [AC n] = src/PVE/AccessControl.pm line n,
[RPC n] = src/PVE/RPCEnvironment.pm line n, [API n] = src/PVE/API2/AccessControl.pm:
- [AC 1796] roles(): root@pam → Administrator; [RPC 139] permissions(): root → every priv
- [AC 1814] / [RPC 161] privsep=0 token → the owner's roles and privileges
- [AC 1622] `$privsep = $privsep ? 1 : 0`: a missing or empty field is 0
- [AC 1840/1856/1874] `$final || $propagate`: above the final level only propagating
  entries count; [AC 1864] user entries replace group entries at the same level;
  each level that yields roles replaces what was inherited
- [AC 1888] NoAccess in the final set → only NoAccess
- [RPC 48] pool roles keyed by "/vms/$vmid" / "/storage/$id"; [RPC 68-76] they never
  trump NoAccess, a pool NoAccess trumps the ACL, pool roles never propagate
- [RPC 99-105] privsep=1 token privileges ∩ the owner's
- [AC 1526] ACL naming an undefined role ignored; [AC 1546-1551] ACL naming a token not
  (yet) defined ignored
- [API 561] `if (my $path = $param->{path})`: '' is no path
The fixture is tests/data/permissions/lab/etc/pve/user.cfg (line numbers below).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proxguard.engine.permissions import permission_view, subjects_named
from proxguard.inputs import InputError, Snapshot
from proxguard.model.privileges import ALL_PRIVILEGES, BUILTIN_ROLES

LAB = Path(__file__).resolve().parent / "data" / "permissions" / "lab"
ROOT_DIR = Path(__file__).resolve().parents[1]
AUDITOR = sorted(BUILTIN_ROLES["PVEAuditor"])
VMUSER = BUILTIN_ROLES["PVEVMUser"]
VMADMIN = BUILTIN_ROLES["PVEVMAdmin"]


def _cells(subjects: tuple[str, ...] = (), paths: tuple[str, ...] = ()) -> dict:  # type: ignore[type-arg]
    view = permission_view(Snapshot.from_paths([str(LAB)]), subjects, paths)
    return {(c.subject, c.path): c for c in view.cells}


def _lines(c) -> list[int]:  # type: ignore[no-untyped-def]
    return [e.line for e in c.decided_by]


def test_builtin_roles_exact_privilege_sets() -> None:
    """AC create_roles() over $privgroups (AC 1057-1203), written out by hand."""
    vm_admin = {"VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network",
                "VM.Config.HWType", "VM.Config.Options", "VM.Allocate", "VM.Clone",
                "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.Replicate", "VM.Snapshot",
                "VM.Snapshot.Rollback"}
    vm_user = {"VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.Backup",
               "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt",
               "VM.GuestAgent.FileWrite", "VM.PowerMgmt"}
    vm_audit = {"VM.Audit", "VM.GuestAgent.Audit"}
    expected = {
        "PVEVMAdmin": vm_admin | vm_user | vm_audit,
        "PVEVMUser": vm_user | vm_audit,
        "PVESysAdmin": {"Sys.Console", "Sys.Syslog", "Sys.Audit"},
        "PVEDatastoreAdmin": {"Datastore.Allocate", "Datastore.AllocateTemplate",
                              "Datastore.AllocateSpace", "Datastore.Audit"},
        "PVEDatastoreUser": {"Datastore.AllocateSpace", "Datastore.Audit"},
        "PVESDNAdmin": {"SDN.Allocate", "SDN.Audit", "SDN.Use"},
        "PVESDNUser": {"SDN.Use", "SDN.Audit"},
        "PVEUserAdmin": {"User.Modify", "Group.Allocate", "Realm.AllocateUser"},
        "PVEPoolAdmin": {"Pool.Allocate", "Pool.Audit"},
        "PVEPoolUser": {"Pool.Audit"},
        "PVEMappingAdmin": {"Mapping.Modify", "Mapping.Use", "Mapping.Audit"},
        "PVEMappingUser": {"Mapping.Use", "Mapping.Audit"},
        "PVEAuditor": {"VM.Audit", "VM.GuestAgent.Audit", "Sys.Audit", "Datastore.Audit",
                       "SDN.Audit", "Pool.Audit", "Mapping.Audit"},
        "PVETemplateUser": {"VM.Clone", "VM.Audit"},
        "NoAccess": set(),
    }
    expected["PVEAdmin"] = (vm_admin | vm_user | vm_audit | {"Sys.Console", "Sys.Syslog",
                            "Sys.Audit"} | expected["PVEDatastoreAdmin"]
                            | expected["PVESDNAdmin"] | expected["PVEUserAdmin"]
                            | expected["PVEPoolAdmin"] | {"Mapping.Use", "Mapping.Audit"})
    expected["Administrator"] = set(ALL_PRIVILEGES)
    assert {k: set(v) for k, v in BUILTIN_ROLES.items()} == expected
    assert "PVESysUser" not in BUILTIN_ROLES and "PVEUserUser" not in BUILTIN_ROLES


def test_propagation_on_and_off() -> None:
    c = _cells(("alice@pve", "bob@pve"), ("/vms/300", "/storage", "/storage/nfs1", "/"))
    # line 21 acl:1:/vms:alice@pve:PVEVMAdmin propagates to /vms/300
    assert (c["alice@pve", "/vms/300"].roles, _lines(c["alice@pve", "/vms/300"])) == (
        ("PVEVMAdmin",), [21])
    # line 23 acl:0:/storage:bob@pve:PVEDatastoreAdmin holds on /storage only …
    assert c["bob@pve", "/storage"].roles == ("PVEDatastoreAdmin",)
    assert c["bob@pve", "/storage"].tier == "admin"
    # … below it AC falls through to what / gave (line 20, @ops PVEAuditor)
    nfs = c["bob@pve", "/storage/nfs1"]
    assert nfs.roles == ("PVEAuditor",)
    assert "Datastore.Allocate" not in nfs.privileges
    # the LateRole ACL (line 34, role defined on line 35) is ignored: bob on / = PVEAuditor
    root = c["bob@pve", "/"]
    assert (root.roles, list(root.privileges), root.tier, _lines(root)) == (
        ("PVEAuditor",), AUDITOR, "read", [20])


def test_user_entries_replace_group_entries() -> None:
    c = _cells(("alice@pve", "bob@pve"), ("/vms",))
    # at /vms: alice's own line 21 wins over @ops PVEVMUser (line 22); bob gets the group's
    assert (c["alice@pve", "/vms"].roles, set(c["alice@pve", "/vms"].privileges)) == (
        ("PVEVMAdmin",), VMADMIN)
    assert (c["bob@pve", "/vms"].roles, set(c["bob@pve", "/vms"].privileges)) == (
        ("PVEVMUser",), VMUSER)
    assert c["bob@pve", "/vms"].tier == "write"
    assert _lines(c["bob@pve", "/vms"]) == [22]


def test_noaccess_at_an_intermediate_level() -> None:
    c = _cells(("carol@pve",), ("/vms", "/vms/101", "/vms/300"))
    # carol: @ops PVEVMUser and @auditors NoAccess at /vms (union) → NoAccess (line 24)
    for path in ("/vms", "/vms/101"):
        cell = c["carol@pve", path]
        assert (cell.roles, cell.privileges, cell.tier, _lines(cell)) == (
            ("NoAccess",), (), "none", [24])
    # a deeper level replaces the inherited NoAccess: line 25 PVEVMUser on /vms/300
    deep = c["carol@pve", "/vms/300"]
    assert (deep.roles, set(deep.privileges), _lines(deep)) == (("PVEVMUser",), VMUSER, [25])


def test_pool_roles_apply_to_members_only_and_never_propagate() -> None:
    c = _cells(("bob@pve", "alice@pve", "carol@pve"),
               ("/pool/lab", "/vms/100", "/vms/102", "/storage/nfs1", "/vms/110"))
    # line 26 acl:1:/pool/lab:bob@pve:PVEVMAdmin; pool lab = VMs 100,101 and storage nfs1
    member = c["bob@pve", "/vms/100"]
    assert member.roles == ("PVEVMUser",)  # AC roles() does not consider pools
    assert set(member.privileges) == VMADMIN  # permissions() adds the pool's role
    assert _lines(member) == [22, 26]
    assert any("PVEVMAdmin through pool lab" in n for n in member.notes)
    assert set(c["bob@pve", "/vms/102"].privileges) == VMUSER  # not a member
    assert set(c["bob@pve", "/storage/nfs1"].privileges) == VMADMIN | set(AUDITOR)
    # a pool NoAccess (line 27) trumps alice's inherited PVEVMAdmin on member 110
    q = c["alice@pve", "/vms/110"]
    assert (q.roles, q.privileges, q.tier, _lines(q)) == (("PVEVMAdmin",), (), "none", [27])
    # and pool roles never trump NoAccess: carol keeps nothing on 100 despite pool lab
    assert c["carol@pve", "/vms/100"].privileges == ()


def test_pool_member_path_is_the_int_vmid() -> None:
    c = _cells(("bob@pve",), ("/vms/0100",))
    assert set(c["bob@pve", "/vms/0100"].privileges) == VMUSER  # [RPC 48]: "/vms/100" only


def test_tokens_privsep_zero_missing_and_empty_take_the_owner() -> None:
    c = _cells(("alice@pve", "alice@pve!full", "alice@pve!nosep", "alice@pve!bare"),
               ("/", "/vms/100"))
    for tok in ("alice@pve!full", "alice@pve!nosep", "alice@pve!bare"):
        for path in ("/", "/vms/100"):
            assert (c[tok, path].roles, c[tok, path].privileges) == (
                c["alice@pve", path].roles, c["alice@pve", path].privileges), (tok, path)
            assert any(n.startswith("privsep=0") for n in c[tok, path].notes)
    # alice@pve!full's own line 28 (Administrator on /) is not consulted
    assert c["alice@pve!full", "/"].roles == ("PVEAuditor",)
    assert c["alice@pve!full", "/"].tier == "read"


def test_privsep_zero_token_inherits_the_owners_group_noaccess() -> None:
    c = _cells(("carol@pve!tk",), ("/vms/101",))
    assert (c["carol@pve!tk", "/vms/101"].roles, c["carol@pve!tk", "/vms/101"].privileges) == (
        ("NoAccess",), ())


def test_privsep_token_is_the_intersection_with_its_owner() -> None:
    c = _cells(("alice@pve!ci", "carol@pve!sep", "bob@pve!agent"), ("/", "/vms/100", "/vms"))
    ci = c["alice@pve!ci", "/vms/100"]  # line 29 Administrator ∩ alice's PVEVMAdmin + pool
    assert ci.roles == ("Administrator",)
    assert set(ci.privileges) == VMADMIN | set(AUDITOR)
    assert _lines(ci) == [20, 21, 29]
    assert any("alice@pve lacks" in n for n in ci.notes)
    assert c["alice@pve!ci", "/"].privileges == ()  # alice's grants do not pass to it
    assert c["alice@pve!ci", "/"].decided_by == ()
    # carol's NoAccess on /vms empties the token's own PVEVMAdmin (line 30)
    sep = c["carol@pve!sep", "/vms"]
    assert (sep.roles, sep.privileges, sep.tier, _lines(sep)) == (
        ("PVEVMAdmin",), (), "none", [24, 30])
    # the agent's read-only role (line 31) on /, all within bob's PVEAuditor
    agent = c["bob@pve!agent", "/"]
    assert (agent.roles, agent.privileges, agent.tier) == (
        ("AgentRead",), ("Datastore.Audit", "Sys.Audit", "VM.Audit"), "read")


def test_root_and_its_tokens() -> None:
    c = _cells(("root@pam", "root@pam!auto", "root@pam!full"), ("/", "/vms/100"))
    for path in ("/", "/vms/100"):
        assert c["root@pam", path].roles == ("Administrator",)
        assert set(c["root@pam", path].privileges) == ALL_PRIVILEGES
        assert c["root@pam", path].tier == "admin"
        assert set(c["root@pam!full", path].privileges) == ALL_PRIVILEGES
        # privsep=1 and no ACL entry: roles() of the token is empty, no intersection
        assert (c["root@pam!auto", path].roles, c["root@pam!auto", path].privileges) == ((), ())


def test_undefined_roles_and_tokens_defined_later_are_ignored() -> None:
    c = _cells(("bob@pve!later", "bob@pve!ghost"), ("/", "/nodes"))
    # line 32 names bob@pve!later before its definition (line 33): ignored
    assert c["bob@pve!later", "/"].privileges == ()
    # line 36 names it after: honoured
    late = c["bob@pve!later", "/nodes"]
    assert (late.roles, list(late.privileges), _lines(late)) == (
        ("PVEAuditor",), AUDITOR, [20, 36])
    ghost = c["bob@pve!ghost", "/"]
    assert (ghost.roles, ghost.privileges, ghost.tier) == ((), (), "none")
    assert "not defined" in ghost.notes[0]


def test_default_subjects_and_paths() -> None:
    view = permission_view(Snapshot.from_paths([str(LAB)]))
    assert [s.id for s in view.subjects] == [
        "root@pam", "root@pam!auto", "root@pam!full", "alice@pve", "alice@pve!bare",
        "alice@pve!ci", "alice@pve!full", "alice@pve!nosep", "alice@pve!old", "bob@pve",
        "bob@pve!agent",
        "bob@pve!later", "carol@pve", "carol@pve!sep", "carol@pve!tk", "dave@pve"]
    assert view.paths == ["/", "/nodes", "/pool/lab", "/pool/quarantine", "/storage",
                          "/storage/nfs1", "/vms", "/vms/100", "/vms/101", "/vms/110",
                          "/vms/300"]
    assert len(view.cells) == 16 * 11
    # '' and '0' are "no path" as the permissions API reads them: the default set
    assert permission_view(Snapshot.from_paths([str(LAB)]), ("dave@pve",), ("",)).paths == \
        view.paths
    # paths are normalised as AC normalize_path does
    assert permission_view(Snapshot.from_paths([str(LAB)]), ("dave@pve",),
                           ("vms//100/",)).paths == ["/vms/100"]


def test_bad_subjects_paths_and_inputs_are_clear_errors() -> None:
    snap = Snapshot.from_paths([str(LAB)])
    with pytest.raises(ValueError, match="neither a user id"):
        permission_view(snap, ("alice",))
    with pytest.raises(ValueError, match="not an ACL path"):
        permission_view(snap, (), ("/vms/$(id)",))
    empty = Snapshot()
    empty.add("etc/ssh/sshd_config", "PermitRootLogin no\n")
    with pytest.raises(InputError, match=r"user\.cfg"):
        permission_view(empty)


def test_disabled_and_expired_subjects_keep_their_privileges_with_a_note() -> None:
    view = permission_view(Snapshot.from_paths([str(LAB)]), ("dave@pve", "alice@pve!old"),
                           ("/",), now=1793491200)
    dave, old = view.cells
    assert dave.notes == ("user dave@pve is disabled: it cannot log in now; Proxmox computes "
                          "these privileges all the same and they apply again the moment "
                          "that changes",)
    assert old.notes[-1].startswith("token alice@pve!old expired at 1000: it cannot log in")
    # privsep=1 and no ACL line of its own: nothing on /, expired or not
    assert old.privileges == ()


def test_subjects_named_by_targets() -> None:
    assert subjects_named(["user/alice@pve", "token/alice@pve!ci", "user/alice@pve",
                           "host", "user/not an id"]) == ["alice@pve", "alice@pve!ci"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proxguard", *args], capture_output=True,
                          text=True, cwd=ROOT_DIR, check=False)


def test_cli_json_contract() -> None:
    run = _cli("permissions", str(LAB), "--subject", "bob@pve!agent", "--subject",
               "carol@pve!sep", "--acl-path", "/", "--acl-path", "/vms", "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert list(data) == ["schema", "entries"]
    assert data["schema"] == "proxguard-permissions/1"
    assert [(e["subject"], e["path"]) for e in data["entries"]] == [
        ("bob@pve!agent", "/"), ("bob@pve!agent", "/vms"), ("carol@pve!sep", "/"),
        ("carol@pve!sep", "/vms")]
    first = data["entries"][0]
    assert list(first) == ["subject", "path", "roles", "privileges", "tier", "decided_by",
                           "notes"]
    assert first["roles"] == ["AgentRead"]
    assert first["privileges"] == ["Datastore.Audit", "Sys.Audit", "VM.Audit"]
    assert first["tier"] == "read"
    assert first["decided_by"] == [
        {"file": "etc/pve/user.cfg", "line": 20, "acl": "acl:1:/:@ops:PVEAuditor:"},
        {"file": "etc/pve/user.cfg", "line": 31, "acl": "acl:1:/:bob@pve!agent:AgentRead:"}]
    assert data["entries"][3]["tier"] == "none"
    # the lines Proxmox ignores are said on stderr, never mixed into the JSON
    assert "user.cfg:32" in run.stderr and "user.cfg:34" in run.stderr


def test_cli_text_table_and_errors() -> None:
    run = _cli("permissions", str(LAB), "--subject", "alice@pve!ci", "--acl-path", "/vms/100")
    assert run.returncode == 0, run.stderr
    assert "alice@pve!ci" in run.stdout and "/vms/100" in run.stdout
    assert "admin" in run.stdout and "etc/pve/user.cfg:29" in run.stdout
    bad = _cli("permissions", str(LAB), "--subject", "nobody")
    assert bad.returncode == 2 and bad.stderr.startswith("proxguard: --subject 'nobody'")
    assert bad.stdout == ""


def test_explain_links_an_access_finding_to_its_subjects_permissions() -> None:
    run = _cli("explain", "admin-api-tokens", str(LAB), "--now", "1793491200")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "fail     token/root@pam!full (etc/pve/user.cfg:14)" in out
    assert ("proxguard permissions " + str(LAB) + " --subject 'root@pam!full'") in out
    block = out.split("Permissions of the subjects it names", 1)[1]
    assert "root@pam!full  (token of root@pam, privsep=0)" in block
    assert "  /vms/100          admin  Administrator  [-]" in block
    assert "alice@pve!ci" not in block  # a passing target is not what the finding names
    # without a snapshot, an access rule says how to ask
    plain = _cli("explain", "admin-api-tokens")
    assert "proxguard permissions SNAPSHOT --subject ID" in plain.stdout
    assert "proxguard permissions" not in _cli("explain", "root-ssh-password").stdout


def test_a_role_line_naming_a_builtin_role_extends_it() -> None:
    """AC 1386-1391 + 1492-1510: the line writes into the shared built-in role's hash."""
    text = ("user:root@pam:1:0::::::\nuser:eve@pve:1:0::::::\n"
            "role:PVEAuditor:Permissions.Modify:\nacl:1:/:eve@pve:PVEAuditor:\n")
    view = permission_view(Snapshot.from_texts({"etc/pve/user.cfg": text}), ("eve@pve",), ("/",))
    c = view.cells[0]
    assert (c.roles, c.tier) == (("PVEAuditor",), "admin")
    assert set(c.privileges) == set(AUDITOR) | {"Permissions.Modify"}
    assert [(d.line, d.level) for d in view.diagnostics] == [(3, "warning")]
