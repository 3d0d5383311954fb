"""Login eligibility (auth.c allowed_user) and the methods that complete a login, with the
exact deciding line; the "who can log in how" table; /etc/group parsing."""

from __future__ import annotations

import fnmatch

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import GROUP, Snapshot, detect_kind
from proxguard.model.sshd import V9_2, V10_0, SshdConfig
from proxguard.model.sshd_access import Access, representative_address
from proxguard.model.sshd_login import (
    eligibility,
    login_methods,
    match_user,
    pattern_problem,
    split_user_host,
)
from proxguard.model.sshd_match import Connection
from proxguard.parsers import unixgroup
from proxguard.parsers.sshd import load

MAIN = "etc/ssh/sshd_config"


def cfg_of(text: str, **files: str) -> SshdConfig:
    c = load(Snapshot.from_texts({MAIN: text, **files}), Diagnostics())
    assert c is not None
    return c


def elig(text: str, user: str = "root", groups: tuple[str, ...] = ("root",),
         addr: str = "203.0.113.10", known: bool = True) -> tuple[bool, str, str]:
    c = cfg_of(text)
    e = eligibility(c, user, groups, Connection(user=user, addr=addr, host=addr), addr, known)
    return e.allowed, e.reason, e.where


def test_no_lists_everyone_is_eligible() -> None:
    assert elig("PermitRootLogin yes\n") == (True, "no access list excludes it", "")


def test_deny_users_beats_allow_users() -> None:
    text = "AllowUsers root admin\nDenyUsers r??t\n"
    assert elig(text) == (False, "listed in DenyUsers (r??t)", f"{MAIN}:2")


def test_allow_users_excludes_the_unlisted_and_names_the_last_allow_line() -> None:
    text = "AllowUsers admin\nAllowUsers deploy\n"
    assert elig(text) == (False, "not listed in AllowUsers", f"{MAIN}:2")
    assert elig(text, "deploy", ())[:1] == (True,)


def test_negation_is_not_a_user_pattern_feature() -> None:
    # match.c match_user → match_pattern: `!admin` is the literal name "!admin"
    assert elig("DenyUsers !admin\n")[0] is True
    assert elig("DenyUsers !admin\n", "!admin", ())[0] is False


def test_deny_groups_with_root_primary_group() -> None:
    assert elig("DenyGroups root\n") == (False, "a group is listed in DenyGroups (root)",
                                         f"{MAIN}:1")


def test_allow_groups_unknown_membership_is_assumed_in() -> None:
    allowed, reason, where = elig("AllowGroups sshusers\n", known=False)
    assert (allowed, where) == (True, f"{MAIN}:1")
    assert "assumed" in reason
    assert elig("AllowGroups sshusers\n", known=True) == (
        False, "none of its groups is listed in AllowGroups", f"{MAIN}:1")


def test_user_at_host_address_cidr_wildcard_and_negation() -> None:
    text = "AllowUsers root@192.168.1.0/24,!192.168.1.7 admin@10.0.0.*\n"
    assert elig(text, addr="192.168.1.8")[0] is True
    assert elig(text, addr="192.168.1.7")[0] is False
    assert elig(text, addr="10.9.9.9")[0] is False
    assert elig(text, "admin", (), addr="10.0.0.4")[0] is True


def test_user_at_host_names_need_usedns() -> None:
    c = cfg_of("AllowUsers root@*.example.com\n")
    conn = Connection(user="root", addr="10.0.0.1", host="pve.example.com")
    assert not eligibility(c, "root", ("root",), conn, "10.0.0.1").allowed
    c = cfg_of("UseDNS yes\nAllowUsers root@*.example.com\n")
    assert eligibility(c, "root", ("root",), conn, "10.0.0.1").allowed


def test_split_at_first_at_in_9_2_and_last_in_10_0() -> None:
    assert split_user_host("a@b@10.0.0.1", V9_2) == ("a", "b@10.0.0.1")
    assert split_user_host("a@b@10.0.0.1", V10_0) == ("a@b", "10.0.0.1")
    assert match_user("a@b", "10.0.0.1", "10.0.0.1", "a@b@10.0.0.1", V10_0)


def test_invalid_user_host_patterns_make_sshd_refuse() -> None:
    assert pattern_problem("root@10.0.0.1/8", V9_2)
    assert pattern_problem("root@", V9_2)
    assert pattern_problem("root@10.0.0.0/8", V9_2) == ""
    d = Diagnostics()
    c = load(Snapshot.from_texts({MAIN: "AllowUsers admin root@10.0.0.1/8\n"}), d)
    assert c is not None and c.refused
    assert [(x.file, x.line) for x in d if x.level == "error"] == [(MAIN, 1)]


def test_match_block_lists_replace_the_startup_list() -> None:
    c = cfg_of("AllowUsers admin\nMatch Address 10.0.0.0/8\n  AllowUsers root\n")
    inside = Connection(user="root", addr="10.1.1.1")
    e = eligibility(c, "root", ("root",), inside, "10.1.1.1")
    assert (e.allowed, e.where) == (True, f"{MAIN}:3")
    e = eligibility(c, "admin", (), Connection(user="admin", addr="10.1.1.1"), "10.1.1.1")
    assert (e.allowed, e.where) == (False, f"{MAIN}:3")


def methods(text: str, user: str = "root", honour: bool = True) -> list[str]:
    return login_methods(cfg_of(text), user, Connection(), honour).labels()


def test_kbdint_counts_only_with_pam() -> None:
    assert methods("PermitRootLogin yes\nPasswordAuthentication no\n") == ["publickey"]
    assert methods("PermitRootLogin yes\nPasswordAuthentication no\nUsePAM yes\n") == [
        "publickey", "keyboard-interactive (PAM password)"]
    assert methods("PasswordAuthentication no\nChallengeResponseAuthentication no\n"
                   "UsePAM yes\n", "admin") == ["publickey"]


def test_permit_root_login_vets_each_method() -> None:
    base = "UsePAM yes\nHostbasedAuthentication yes\n"
    assert methods("PermitRootLogin prohibit-password\n" + base) == ["publickey", "hostbased"]
    m = login_methods(cfg_of("PermitRootLogin forced-commands-only\n" + base), "root",
                      Connection())
    assert (m.labels(), m.forced_only) == (["publickey"], True)
    m = login_methods(cfg_of("PermitRootLogin no\n" + base), "root", Connection())
    assert m.chains == () and m.refused is not None and m.refused.line == 1


def test_authentication_methods_chains() -> None:
    text = ("PermitRootLogin yes\nUsePAM yes\nPasswordAuthentication no\n"
            "AuthenticationMethods publickey,keyboard-interactive:pam keyboard-interactive:bsdauth\n")
    m = login_methods(cfg_of(text), "root", Connection())
    assert m.chains == (("publickey", "keyboard-interactive"),) and not m.password_alone
    assert methods(text, honour=False) == ["publickey", "keyboard-interactive (PAM password)"]


def test_table_rows_columns_and_cells() -> None:
    c = cfg_of("PermitRootLogin yes\nUsePAM yes\nKbdInteractiveAuthentication no\n"
               "DenyUsers bob\nAllowUsers root@10.0.0.0/8 alice\n"
               "Match Address 192.168.1.0/24\n  PasswordAuthentication no\n")
    t = Access(c).table()
    assert [x["label"] for x in t["columns"]] == [
        "any other source", "Address 192.168.1.0/24", "from 10.0.0.0/8"]
    rows = {r["label"]: r["cells"] for r in t["rows"]}
    assert list(rows) == ["root", "bob", "alice", "any other account"]
    assert [x["allowed"] for x in rows["root"]] == [False, False, True]
    assert rows["root"][2]["methods"] == ["publickey", "password"]
    assert rows["root"][0]["where"] == f"{MAIN}:5"
    assert rows["bob"][0]["reason"] == "listed in DenyUsers (bob)"
    assert rows["alice"][1]["methods"] == ["publickey"]
    assert [x["allowed"] for x in rows["any other account"]] == [False, False, False]


def test_representative_addresses() -> None:
    assert representative_address("10.0.0.0/8") == "10.0.0.1"
    assert representative_address("192.168.1.0/24,!192.168.1.1") == "192.168.1.254"
    assert representative_address("10.0.0.*") == "10.0.0.1"
    assert representative_address("!10.0.0.0/8") is None


def test_group_file_parsed_and_detected() -> None:
    text = "root:x:0:\nsudo:x:27:admin,deploy\nbad line\nsshusers:x:1001:admin\n"
    assert detect_kind("root:x:0:\ndaemon:x:1:\nsudo:x:27:admin\n") == GROUP
    snap = Snapshot.from_texts({"etc/group": text})
    d = Diagnostics()
    g = unixgroup.load(snap, d)
    assert g is not None
    assert g.groups_of("admin") == ("sudo", "sshusers")
    assert g.groups_of("root") == ("root",)
    assert [(x.file, x.line, x.level) for x in d] == [("etc/group", 3, "warning")]


_NAME = st.text("abcdefgxyz_-", min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_NAME, st.lists(_NAME, max_size=4)), max_size=20),
       st.text(max_size=200))
def test_group_parser_never_crashes_and_keeps_members(groups: list[tuple[str, list[str]]],
                                                      junk: str) -> None:
    lines = [f"{g}:x:{i}:{','.join(m)}" for i, (g, m) in enumerate(groups)]
    snap = Snapshot.from_texts({"etc/group": "\n".join([*lines, junk]) + "\n"}, {"etc/group": GROUP})
    g = unixgroup.load(snap, Diagnostics())
    assert g is not None
    first: dict[str, list[str]] = {}
    for name, members in groups:
        first.setdefault(name, members)
    for name, members in first.items():
        if name in g.members:
            assert set(g.members[name]) >= {m for m in members if m}


def test_table_in_every_report_format() -> None:
    import json

    import proxguard
    from proxguard.render import render

    files = {MAIN: "PermitRootLogin yes\nDenyUsers root\nAllowUsers admin@10.0.0.0/8\n"}
    report = proxguard.audit(Snapshot.from_texts(files), now=0).to_json()
    table = report["ssh_logins"]
    assert [c["label"] for c in table["columns"]] == ["any other source", "from 10.0.0.0/8"]
    assert [r["label"] for r in table["rows"]] == ["root", "admin", "any other account"]
    root = table["rows"][0]["cells"][0]
    assert (root["allowed"], root["reason"], root["where"]) == (
        False, "listed in DenyUsers (root)", f"{MAIN}:2")
    assert json.loads(render(report, "json"))["ssh_logins"] == table
    text = render(report, "text")
    assert "SSH logins — who can log in how" in text
    assert f"    any other source: denied (listed in DenyUsers (root), {MAIN}:2)" in text
    assert "    from 10.0.0.0/8: publickey, password" in text
    md = render(report, "markdown")
    assert "| Account | any other source | from 10.0.0.0/8 |" in md
    html = render(report, "html")
    assert 'id="ssh-logins"' in html and "<th scope=\"row\">admin" in html
    empty = proxguard.audit(Snapshot.from_texts({"etc/pve/storage.cfg": "dir: local\n\tpath /x\n"}),
                            now=0).to_json()
    assert empty["ssh_logins"] is None and "SSH logins" not in render(empty, "text")


def test_root_login_cis_references_are_marked_partial() -> None:
    from proxguard.rules.ssh.root_ssh_password import RULE

    cis = [r.to_json() for r in RULE.references if r.source.startswith("CIS")]
    assert len(cis) == 2
    for ref in cis:
        assert ref["coverage"] == "partial" and "prohibit-password" in ref["note"]
    assert all("coverage" not in r.to_json() for r in RULE.references
               if not r.source.startswith("CIS"))


_USERS = st.sampled_from(["root", "admin", "bob", "r*", "a?min", "*", "!root", "b*"])
_GROUPS = st.sampled_from(["root", "sudo", "s*", "wheel", "*"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["AllowUsers", "DenyUsers", "AllowGroups", "DenyGroups"]),
                       st.lists(st.one_of(_USERS, _GROUPS), min_size=1, max_size=3),
                       max_size=4),
       st.sampled_from(["root", "admin", "bob"]),
       st.lists(st.sampled_from(["root", "sudo", "wheel"]), max_size=2, unique=True))
def test_eligibility_follows_allowed_user_order(lists: dict[str, list[str]], user: str,
                                               groups: list[str]) -> None:
    """Independent restatement of auth.c's order: the first of DenyUsers, AllowUsers,
    DenyGroups, AllowGroups that decides wins; the deciding line is that list's line."""
    order = ["DenyUsers", "AllowUsers", "DenyGroups", "AllowGroups"]
    text = "".join(f"{k} {' '.join(v)}\n" for k, v in lists.items())
    c = cfg_of(text or "PermitRootLogin yes\n")
    gs = tuple(groups)
    e = eligibility(c, user, gs, Connection(user=user, addr="192.0.2.1"), "192.0.2.1")
    line_of = {k: i + 1 for i, k in enumerate(lists)}

    def hit(name: str, pats: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(name, p.replace("[", "[[]")) for p in pats)

    want: tuple[bool, int] = (True, 0)
    for k in order:
        pats = lists.get(k)
        if not pats:
            continue
        names = [user] if k.endswith("Users") else list(gs)
        found = any(hit(n, pats) for n in names)
        if k.startswith("Deny") and found:
            want = (False, line_of[k])
            break
        if k.startswith("Allow") and not found:
            want = (False, line_of[k])
            break
    assert e.allowed == want[0]
    if not want[0]:
        assert e.setting is not None and e.setting.line == want[1]
