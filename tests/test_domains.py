"""domains.cfg → realms (formats.md §2.5)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.parsers import domains

F = "etc/pve/domains.cfg"

REAL = """pam: pam
\tcomment Linux PAM standard authentication

pve: pve
\tcomment Proxmox VE authentication server
\tdefault 1

ldap: corp
\tbase_dn dc=corp,dc=example
\tserver1 ldap1.corp.example
\tuser_attr uid
\tmode ldaps
\tcomment Corporate%20LDAP
\ttfa type=oath,step=30,digits=6

ad: win
\tdomain corp.example
\tserver1 dc1.corp.example
\ttfa type=yubico,id=1,key=abc,url=https://api.example

openid: sso
\tissuer-url https://id.example
\tclient-id proxmox
\tautocreate 1
"""


def parse(text: str) -> tuple[dict[str, domains.Realm], Diagnostics]:
    d = Diagnostics()
    return domains.parse(text, F, d), d


def test_real_file() -> None:
    r, d = parse(REAL)
    assert list(d) == []
    assert list(r) == ["pam", "pve", "corp", "win", "sso"]
    corp = r["corp"]
    assert (corp.type, corp.tfa, corp.default, corp.line) == ("ldap", "oath", False, 8)
    assert corp.options["tfa"] == "type=oath,step=30,digits=6"
    assert corp.options["comment"] == "Corporate LDAP"
    assert corp.line_of("mode") == 12 and corp.line_of("verify") == 0
    assert r["win"].tfa == "yubico"
    assert r["pve"].default is True and r["pam"].default is False
    assert r["sso"].tfa is None and r["sso"].options["autocreate"] == "1"


def test_pam_and_pve_always_present() -> None:
    r, d = parse("ldap: corp\n\tserver1 a\n\tbase_dn dc=x\n\tuser_attr uid\n")
    assert list(d) == []
    assert sorted(r) == ["corp", "pam", "pve"]
    assert (r["pam"].type, r["pam"].line, r["pam"].tfa) == ("pam", 0, None)
    assert r["pve"].options == {"comment": "Proxmox VE authentication server"}
    r2, _ = parse("")
    assert sorted(r2) == ["pam", "pve"]


def test_openid_has_no_tfa_and_bad_tfa_dropped() -> None:
    r, d = parse("openid: sso\n\tissuer-url https://x\n\tclient-id c\n\ttfa type=oath\n\n"
                 "pve: pve\n\ttfa type=totp\n")
    assert r["sso"].tfa is None and "tfa" not in r["sso"].options
    assert r["pve"].tfa is None
    assert [(x.line, x.level) for x in d] == [(4, "warning"), (7, "warning")]


def test_missing_required_key_skips_realm() -> None:
    r, d = parse("ldap: half\n\tserver1 ldap\n")
    assert "half" not in r
    assert [(x.line, x.level) for x in d] == [(1, "warning")]
    assert "base_dn" in d[0].message and "user_attr" in d[0].message


def test_several_defaults_keep_one() -> None:
    r, d = parse("pam: pam\n\tdefault 1\n\npve: pve\n\tdefault 1\n")
    assert (r["pam"].default, r["pve"].default) == (True, False)
    assert [(x.line, x.level) for x in d] == [(5, "warning")]


def test_boolean_must_be_0_or_1_in_sectionconfig() -> None:
    r, d = parse("pve: pve\n\tdefault yes\n")
    assert r["pve"].default is False
    assert [(x.line, x.level) for x in d] == [(2, "warning")]


def test_literal_password_warned() -> None:
    r, d = parse("ldap: cc\n\tserver1 a\n\tbase_dn b\n\tuser_attr uid\n\tpassword s3cret\n")
    assert r["cc"].options["password"] == "s3cret"
    assert [(x.line, x.level) for x in d] == [(5, "warning")]


def test_invalid_realm_name_skipped() -> None:
    r, d = parse("pve: 1bad\n\tcomment x\n")
    assert sorted(r) == ["pam", "pve"] and r["pve"].line == 0
    assert [(x.line, x.level) for x in d] == [(1, "warning")]


def test_load_none_without_file_and_from_snapshot() -> None:
    assert domains.load(Snapshot.from_texts({"etc/pve/user.cfg": "user:root@pam:1:0::::::\n"}),
                        Diagnostics()) is None
    r = domains.load(Snapshot.from_texts({F: REAL}), Diagnostics())
    assert r is not None and r["corp"].file == F


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*REAL.split("\n"), "", " ", "\r", "ldap: x", "\tdefault 2",
                                  "\ttfa", "#c", "0"]), max_size=40))
def test_mutations_never_raise(lines: list[str]) -> None:
    r, _ = parse("\n".join(lines))
    assert {"pam", "pve"} <= set(r)
    assert sum(1 for x in r.values() if x.default) <= 1
