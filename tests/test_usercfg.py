"""user.cfg parser: every trap of formats.md §2.1/§2.4, with exact models and diagnostics."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.access import BUILTIN_ROLES, AclEntry
from proxguard.parsers import usercfg

F = "etc/pve/user.cfg"


def parse(text: str) -> tuple[object, list[tuple[int, str, str]]]:
    d = Diagnostics()
    ac = usercfg.parse(text, F, d)
    return ac, [(x.line, x.level, x.message) for x in d]


def test_holdout_short_lines_and_defaults() -> None:
    ac, diags = parse("user:joe@pve:1:\nuser:root@pam:1:0::::::\ntoken:max@pve!token::0:\n"
                      "user:max@pve:1:0::::::\ntoken:max@pve!token::0:\n")
    joe = ac.users["joe@pve"]
    assert (joe.enable, joe.expire, joe.keys, joe.line) == (True, 0, "", 1)
    assert list(ac.tokens) == ["max@pve!token"]
    tok = ac.tokens["max@pve!token"]
    assert (tok.user, tok.name, tok.expire, tok.privsep, tok.line) == ("max@pve", "token", 0,
                                                                       False, 5)
    assert diags == [(3, "warning", "token 'max@pve!token' ignored by Proxmox: user "
                      "'max@pve' is not defined before it")]


def test_privsep_missing_is_zero_and_fields_trimmed() -> None:
    ac, diags = parse("user:carol@pam:1:0::::::\ntoken:carol@pam!token:\n"
                      "  token : carol@pam!bk : 1798761600 : 1 : a%3Ab %25 :  \r\n")
    assert not ac.tokens["carol@pam!token"].privsep
    b = ac.tokens["carol@pam!bk"]
    assert (b.expire, b.privsep, b.comment) == (1798761600, True, "a:b %")
    assert diags == []


def test_enable_empty_or_zero_disables_and_expire_rules() -> None:
    ac, diags = parse("user:a@pve::0::::::\nuser:b@pve:0:::::::\nuser:c@pve:yes:00::::::\n"
                      "user:d@pve:1:tomorrow::::::\nuser:e@pve\n")
    assert {u: (x.enable, x.expire) for u, x in ac.users.items()} == {
        "root@pam": (True, 0), "a@pve": (False, 0), "b@pve": (False, 0),
        "c@pve": (True, 0), "e@pve": (False, 0)}
    assert diags == [(4, "warning", "user 'd@pve' ignored by Proxmox: expire 'tomorrow' is "
                      "not epoch seconds")]


def test_tfa_marker_forms() -> None:
    ac, _ = parse("user:a@pve:1:0:::::x:\nuser:b@pve:1:0:::::x!oath:\n"
                  "user:c@pve:1:0:::::JBSWY3DPEHPK3PXP:\nuser:d@pve:1:0:::::\n")
    assert [ac.users[u].tfa_marker for u in ("a@pve", "b@pve", "c@pve", "d@pve")] == [
        "marker", "marker", "legacy", None]


def test_percent_decoding_utf8() -> None:
    ac, _ = parse("user:z@pve:1:0:J%C3%BCrgen:M%C3%BCller:j@x:Team%3A%20Ops::\n")
    z = ac.users["z@pve"]
    assert (z.firstname, z.lastname, z.email, z.comment) == ("Jürgen", "Müller", "j@x",
                                                             "Team: Ops")


def test_comment_lines_and_unknown_types_warn() -> None:
    ac, diags = parse("# managed by hand\nuser:a@pve:1:0::::::\ntfa:a@pve:totp:x:\nUser:b@pve:1:\n")
    assert "b@pve" not in ac.users
    assert diags == [
        (1, "warning", "line ignored by Proxmox (a comment; user.cfg has no comment syntax)"),
        (3, "warning", "line ignored by Proxmox (unknown entry type 'tfa')"),
        (4, "warning", "line ignored by Proxmox (unknown entry type 'User')")]


def test_root_always_present() -> None:
    ac, _ = parse("")
    root = ac.users["root@pam"]
    assert (root.enable, root.expire, root.line) == (True, 0, 0)
    ac, _ = parse("user:root@pam:0:0::::::\n")
    assert ac.users["root@pam"].enable is False  # enable is enforced for root too


def test_duplicate_user_replaces_record_and_drops_tokens_but_not_groups() -> None:
    ac, diags = parse("user:a@pve:1:0:::::x:\ntoken:a@pve!ci:0:1:\ngroup:g:a@pve::\n"
                      "user:a@pve:0:0::::::\nacl:1:/:@g:PVEAuditor:\n")
    a = ac.users["a@pve"]
    assert (a.enable, a.keys, a.line) == (False, "", 4)
    assert ac.tokens == {}
    assert ac.groups_of("a@pve") == ["g"]  # AC roles() reads the group record
    assert ac.effective_privileges("a@pve", "/") == BUILTIN_ROLES["PVEAuditor"]
    assert diags == [(4, "warning", "user 'a@pve' defined again; this line replaces line 1 "
                      "and drops its tokens ci")]


def test_acl_lists_path_normalisation_and_no_trailing_colon() -> None:
    ac, diags = parse("user:alex@pve:1:0::::::\nuser:max@pve:1:0::::::\n"
                      "user:carol@pam:1:0::::::\ntoken:carol@pam!token:\n"
                      "acl:1:/vms/100/:alex@pve,max@pve:PVEVMUser:\n"
                      "acl:1:/vms/200:carol@pam!token:PVEVMAdmin\n"
                      "acl:yes://storage//local:@ops; max@pve:PVEDatastoreUser PVEAuditor:\n")
    got = sorted((e.path, e.kind, e.subject, e.role, e.propagate, e.line) for e in ac.acl.values())
    assert got == [
        ("/storage/local", "group", "ops", "PVEAuditor", True, 7),
        ("/storage/local", "group", "ops", "PVEDatastoreUser", True, 7),
        ("/storage/local", "user", "max@pve", "PVEAuditor", True, 7),
        ("/storage/local", "user", "max@pve", "PVEDatastoreUser", True, 7),
        ("/vms/100", "user", "alex@pve", "PVEVMUser", True, 5),
        ("/vms/100", "user", "max@pve", "PVEVMUser", True, 5),
        ("/vms/200", "token", "carol@pam!token", "PVEVMAdmin", True, 6)]
    assert diags == [(7, "warning", "ACL names group 'ops', which is not defined; Proxmox "
                      "keeps the entry")]


def test_acl_ordering_traps() -> None:
    ac, diags = parse("user:a@pve:1:0::::::\n"
                      "acl:1:/:a@pve:Late:\nrole:Late:Sys.Audit:\nacl:1:/:a@pve!tok:PVEAuditor:\n"
                      "token:a@pve!tok:0:1:\nacl:0:bad path:a@pve:PVEAuditor:\n"
                      "acl:1:/:ghost@pve:Late:\nacl:1::a@pve:Late:\n")
    assert [(e.subject, e.role) for e in ac.acl.values()] == [("ghost@pve", "Late")]
    assert diags == [
        (2, "warning", "ACL role 'Late' ignored by Proxmox: role not defined (custom roles "
         "must come before the ACLs using them)"),
        (4, "warning", "ACL entry for token 'a@pve!tok' ignored by Proxmox: no such token "
         "(tokens must be defined before the ACLs naming them)"),
        (6, "warning", "ACL ignored by Proxmox: invalid path 'bad path'"),
        (7, "warning", "ACL names user 'ghost@pve', which is not defined; Proxmox keeps the entry"),
        (8, "warning", "ACL ignored by Proxmox: invalid path ''")]


def test_duplicate_acl_last_propagate_wins() -> None:
    ac, _ = parse("user:a@pve:1:0::::::\nacl:1:/vms:a@pve:PVEVMUser:\nacl:0:/vms:a@pve:PVEVMUser:\n")
    assert list(ac.acl.values()) == [AclEntry("/vms", "user", "a@pve", "PVEVMUser", False, F, 3)]


def test_roles_builtin_extended_unknown_privs_dropped_duplicates_merge() -> None:
    """A `role:` line naming a built-in role adds to it: AC parse_user_config begins with
    userconfig_force_defaults (AccessControl.pm 1386-1391: `$cfg->{roles}->{$r} =
    $special_roles->{$r}`, the same hash), and the role branch (1492-1510) then sets
    `$cfg->{roles}->{$role}->{$priv} = 1` in that shared hash. (Corrected: this test
    used to expect the line to be replaced by the built-in privileges.)"""
    ac, diags = parse("role:PVEAdmin:Permissions.Modify:\nrole:Ops:VM.Audit,Bogus:\n"
                      "role:Ops:VM.Monitor;Sys.Audit:\nrole:PVEAuditor:VM.Audit:\n"
                      "role:NoAccess:Sys.Audit:\n")
    assert ac.roles["PVEAdmin"].privileges == BUILTIN_ROLES["PVEAdmin"] | {"Permissions.Modify"}
    assert ac.roles["PVEAdmin"].builtin
    assert ac.roles["PVEAuditor"].privileges == BUILTIN_ROLES["PVEAuditor"]
    assert ac.roles["NoAccess"].privileges == frozenset({"Sys.Audit"})
    ops = ac.roles["Ops"]
    assert (ops.privileges, ops.builtin, ops.line) == (
        frozenset({"VM.Audit", "VM.Monitor", "Sys.Audit"}), False, 2)
    assert diags == [
        (1, "warning", "role 'PVEAdmin' is built in, but Proxmox adds Permissions.Modify to "
         "it: every holder of PVEAdmin gets them (AC parse_user_config writes role lines "
         "into the shared built-in role)"),
        (2, "warning", "role 'Ops': unknown privilege 'Bogus' ignored by Proxmox"),
        (3, "info", "role 'Ops': privilege 'VM.Monitor' exists up to PVE 8 only; PVE 9 drops it"),
        (4, "warning", "role 'PVEAuditor' is built in; this line adds nothing to it"),
        (5, "warning", "role 'NoAccess' is built in, but Proxmox adds Sys.Audit to it: every "
         "holder of NoAccess gets them (AC parse_user_config writes role lines into the "
         "shared built-in role)")]


def test_builtin_role_table_matches_formats_md() -> None:
    assert len(BUILTIN_ROLES["Administrator"]) == 47
    assert BUILTIN_ROLES["Administrator"] - BUILTIN_ROLES["PVEAdmin"] == {
        "Permissions.Modify", "Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming",
        "Sys.AccessNetwork", "Realm.Allocate", "Mapping.Modify"}
    assert BUILTIN_ROLES["PVEAuditor"] == {"Datastore.Audit", "Mapping.Audit", "Pool.Audit",
                                           "SDN.Audit", "Sys.Audit", "VM.Audit",
                                           "VM.GuestAgent.Audit"}
    assert BUILTIN_ROLES["PVEUserAdmin"] == {"Group.Allocate", "Realm.AllocateUser", "User.Modify"}
    assert BUILTIN_ROLES["PVESysAdmin"] == {"Sys.Audit", "Sys.Console", "Sys.Syslog"}
    assert BUILTIN_ROLES["PVEPoolUser"] == {"Pool.Audit"}
    assert BUILTIN_ROLES["PVETemplateUser"] == {"VM.Audit", "VM.Clone"}
    assert len(BUILTIN_ROLES["PVEVMAdmin"]) == 23 and len(BUILTIN_ROLES["PVEVMUser"]) == 10
    assert BUILTIN_ROLES["NoAccess"] == frozenset()


def test_groups_members_and_invalid_names() -> None:
    ac, diags = parse("user:a@pve:1:0::::::\ngroup:ops:a@pve b@pve,bad:On%20call:\n"
                      "user:b@pve:1:0::::::\ngroup:bad name:a@pve::\ngroup:ops:a@pve::\n")
    ops = ac.groups["ops"]
    assert (ops.members, ops.comment, ops.line) == (["a@pve", "b@pve"], "On call", 2)
    assert diags == [
        (2, "warning", "group 'ops': member 'b@pve' is not defined (yet); Proxmox keeps the "
         "membership"),
        (2, "warning", "group 'ops': member 'bad' ignored (invalid user name)"),
        (4, "warning", "group 'bad name' ignored by Proxmox: invalid group name")]


def test_group_members_once_each_across_lines_in_first_seen_order() -> None:
    """Members are deduplicated within a line and across lines of the same group, both
    when every member is a defined user (no per-member checks) and when one is not."""
    ac, diags = parse("user:a@pve:1:0::::::\nuser:b@pve:1:0::::::\n"
                      "group:ops:b@pve,a@pve,b@pve::\ngroup:ops:a@pve;c@pve,b@pve::\n"
                      "group:ops:c@pve,a@pve::\nuser:d@pve:1:0::::::\n"
                      "group:ops:d@pve,a@pve,d@pve::\ngroup:solo:d@pve,d@pve::\n")
    assert ac.groups["ops"].members == ["b@pve", "a@pve", "c@pve", "d@pve"]
    assert ac.groups["solo"].members == ["d@pve"]
    assert [(n, m) for n, _, m in diags] == [
        (4, "group 'ops': member 'c@pve' is not defined (yet); Proxmox keeps the membership"),
        (5, "group 'ops': member 'c@pve' is not defined (yet); Proxmox keeps the membership")]


def test_pools_space_lists_nesting_and_duplicate_vmids() -> None:
    ac, diags = parse("pool:devel:MITS development:500,501,502:store1 store2:\n"
                      "pool:a/b:nested:501 600::\npool:a/b/c/d::::\n")
    assert (ac.pools["devel"].vms, ac.pools["devel"].storage) == ([500, 501, 502],
                                                                 ["store1", "store2"])
    assert ac.pools["a/b"].vms == [600] and ac.pools["a/b"].parent == "a"
    assert ac.pools["a"].vms == []
    assert diags == [
        (2, "warning", "pool 'a/b': VMID 501 is already in a pool; ignored"),
        (3, "warning", "pool 'a/b/c/d' ignored by Proxmox: invalid or nested deeper than 3 levels")]


def test_token_names_need_two_characters_and_incumbent_form() -> None:
    ac, diags = parse("user:root@pam:1:0::::::\ntoken:root@pam!x:0:0:\n"
                      "token:root@pam:automation:0:0:Automation scripts:\n")
    assert ac.tokens == {}
    inc = ac.incumbent_tokens["root@pam!automation"]
    assert (inc.user, inc.name, inc.expire, inc.privsep, inc.comment, inc.incumbent_format) == (
        "root@pam", "automation", 0, False, "Automation scripts", True)
    assert diags == [
        (2, "warning", "token 'root@pam!x' ignored by Proxmox: invalid token id"),
        (3, "warning", "token line in the non-Proxmox form token:<user>:<tokenid>:…; Proxmox "
         "ignores it (the token id must be 'root@pam!automation'); only the compat profile "
         "counts it")]


def test_crlf_and_missing_final_newline() -> None:
    ac, diags = parse("user:a@pve:1:0:::::x:\r\nacl:1:/:a@pve:PVEAuditor:\r\n\r\ntoken:a@pve!ci:0:1")
    assert ac.users["a@pve"].keys == "x"
    assert ac.tokens["a@pve!ci"].privsep is True
    assert diags == []


def test_load_none_without_inputs_and_sources() -> None:
    d = Diagnostics()
    assert usercfg.load(Snapshot.from_texts({"etc/pve/storage.cfg": "dir: local\n"}), d) is None
    ac = usercfg.load(Snapshot.from_texts({F: "user:a@pve:1:0::::::\n"}), d)
    assert (ac.user_source, ac.acl_source) == (F, F)


_FIELD_CHARS = "ab@:,; \t\r\f\v\x0b\x1c\x85\xa0\u2003\0"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_FIELD_CHARS, max_size=24))
def test_field_and_list_fast_paths_equal_the_plain_split(text: str) -> None:
    """_fields skips the per-field trim when the line holds no Perl-\\s character, and
    _split_list returns a one-item list without the regex when no separator can be in
    it: both say what the plain forms say (Perl split(/:/) then trim; split_list)."""
    line = text.strip(usercfg._WS)
    parts = line.split(":")
    while parts and parts[-1] == "":
        parts.pop()
    assert usercfg._fields(line) == [p.strip(usercfg._WS) for p in parts]
    plain = ([x for x in text.split("\0") if x] if "\0" in text
             else [x for x in usercfg._LIST_SEP.split(text) if x])
    assert usercfg._split_list(text) == plain
