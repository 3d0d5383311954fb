"""nfs-no-root-squash and cifs-world-readable: exact verdicts and scripts."""

from __future__ import annotations

import subprocess

from proxguard.inputs import Snapshot
from proxguard.parsers.host import build_host
from proxguard.remediation.scripts import render_rule
from proxguard.rule import Rule, Severity, Status, TargetResult
from proxguard.rules.storage import RULES
from proxguard.rules.storage.cifs_world_readable import RULE as CIFS
from proxguard.rules.storage.nfs_no_root_squash import RULE as NFS

F = "etc/pve/storage.cfg"


def run(rule: Rule, profile: str, text: str) -> list[TargetResult]:
    host = build_host(Snapshot.from_texts({F: text}), now=0)
    return list(rule.check(host, rule.profiles[profile].params))


def nfs(sid: str, options: str | None) -> str:
    opt = f"\toptions {options}\n" if options else ""
    return f"nfs: {sid}\n\texport /e\n\tpath /mnt/pve/{sid}\n\tserver 10.0.0.1\n{opt}\n"


def cifs(sid: str, options: str | None, content: str = "images", user: str | None = "pve") -> str:
    opt = f"\toptions {options}\n" if options else ""
    who = f"\tusername {user}\n" if user else ""
    return (f"cifs: {sid}\n\tpath /mnt/pve/{sid}\n\tserver 10.0.0.2\n\tshare s\n"
            f"\tcontent {content}\n{who}{opt}\n")


def test_registry() -> None:
    assert [r.id for r in RULES] == ["nfs-no-root-squash", "cifs-world-readable"]
    assert NFS.profiles["compat"].severity is Severity.HIGH
    assert NFS.profiles["extended"].severity is Severity.LOW
    assert CIFS.profiles["compat"].severity is Severity.MEDIUM


def test_nfs_exact_token() -> None:
    text = nfs("aa", "vers=4.2,no_root_squash") + nfs("bb", "no_root_squash_x,soft") + nfs("cc", None)
    res = run(NFS, "compat", text)
    assert [(r.id, r.status, r.line) for r in res] == [
        ("storage/aa", Status.FAIL, 5), ("storage/bb", Status.NOT_EVALUATED, 11),
        ("storage/cc", Status.NOT_EVALUATED, 13)]
    assert res[0].evidence == f"options vers=4.2,no_root_squash ({F}:5) contains no_root_squash"
    assert res[0].facts["options_without"] == "vers=4.2"
    ext = run(NFS, "extended", text)
    assert "export option of the NFS server" in ext[0].evidence
    assert ext[2].evidence == (
        "seen: no mount options, no no_root_squash on the client side; not seen: whether "
        "10.0.0.1:/e is exported with root_squash — storage.cfg holds client mount options "
        "only; check /etc/exports on the server (root_squash is the default there)")


def test_cifs_modes_and_noperm() -> None:
    text = (cifs("w1", "file_mode=0777") + cifs("r1", "dir_mode=0755", "backup,iso")
            + cifs("r2", "dir_mode=0755") + cifs("np", "vers=3.0,noperm")
            + cifs("gu", "guest") + cifs("ok", "file_mode=0660,dir_mode=0770,file_mode=0600"))
    res = {r.id: r for r in run(CIFS, "extended", text)}
    assert {k: v.status for k, v in res.items()} == {
        "storage/w1": Status.FAIL, "storage/r1": Status.FAIL, "storage/r2": Status.PASS,
        "storage/np": Status.FAIL, "storage/gu": Status.FAIL, "storage/ok": Status.PASS}
    assert res["storage/w1"].evidence == (
        f"options file_mode=0777 ({F}:7): file_mode=0777 lets every local user write")
    assert res["storage/gu"].evidence == (
        f"options guest ({F}:39): the guest option mounts the share anonymously while it holds "
        "images: anyone who can reach the SMB server gets the access this node has")
    assert res["storage/w1"].facts["options_fixed"] == "file_mode=0770"
    assert res["storage/np"].facts["options_fixed"] == "vers=3.0"
    compat = {r.id: r.status for r in run(CIFS, "compat", text)}
    assert compat["storage/gu"] is Status.FAIL


def test_cifs_share_name_never_matches() -> None:
    text = ("cifs: gb\n\tpath /mnt/pve/gb\n\tserver s\n\tshare guest-backups\n\tsubdir /0777\n"
            "\tcontent backup\n\tusername pvebackup\n\toptions file_mode=0640,dir_mode=0750\n")
    for profile in ("compat", "extended"):
        assert [r.status for r in run(CIFS, profile, text)] == [Status.PASS]


def test_none_of_that_type_is_empty() -> None:
    assert run(NFS, "compat", "dir: dd\n\tpath /x\n") == []
    assert run(CIFS, "extended", nfs("aa", None)) == []


def test_scripts_are_valid_bash_and_quote_hostile_values() -> None:
    text = cifs("ev", "file_mode=0777,x=$(touch${IFS}pwned)'q") + nfs("aa", "no_root_squash")
    for rule in (CIFS, NFS):
        for r in run(rule, "compat", text):
            if r.status is not Status.FAIL:
                continue
            script = render_rule(rule, r)
            assert subprocess.run(["bash", "-n"], input=script, text=True,
                                  check=False).returncode == 0
            assert "set -eu" in script and "proxguard-backup" in script
    cifs_fail = run(CIFS, "compat", text)[0]
    script = render_rule(CIFS, cifs_fail)
    assert "--options 'file_mode=0770,x=$(touch${IFS}pwned)'\"'\"'q'" in script
    nfs_fail = run(NFS, "compat", text)[0]
    script = render_rule(NFS, nfs_fail)
    assert "pvesm set aa --delete options" in script


def test_cifs_unset_modes_are_judged_as_0755() -> None:
    text = (cifs("unset", None, "backup") + cifs("explicit", "file_mode=0755,dir_mode=0755",
                                                 "backup") + cifs("img", None))
    for profile in ("compat", "extended"):
        res = {r.id: r for r in run(CIFS, profile, text)}
        assert {k: v.status for k, v in res.items()} == {
            "storage/unset": Status.FAIL, "storage/explicit": Status.FAIL,
            "storage/img": Status.PASS}
        assert res["storage/unset"].evidence == (
            "no mount options: file_mode unset (kernel default 0755) lets every local user "
            "read the backups stored here; dir_mode unset (kernel default 0755) lets every "
            "local user read the backups stored here")
        assert res["storage/unset"].facts["options_fixed"] == "file_mode=0750,dir_mode=0750"
        assert res["storage/explicit"].facts["options_fixed"] == "file_mode=0750,dir_mode=0750"


def test_cifs_without_username_is_a_guest_mount() -> None:
    text = (cifs("bk", "file_mode=0640,dir_mode=0750", "backup", user=None)
            + cifs("iso", None, "iso,vztmpl", user=None)
            + cifs("krb", "sec=krb5,file_mode=0640,dir_mode=0750", "backup", user=None))
    ext = {r.id: r for r in run(CIFS, "extended", text)}
    assert {k: v.status for k, v in ext.items()} == {
        "storage/bk": Status.FAIL, "storage/iso": Status.PASS, "storage/krb": Status.PASS}
    assert ext["storage/bk"].evidence == (
        f"options file_mode=0640,dir_mode=0750 ({F}:6): no username: PVE mounts it as guest "
        "(pve-storage CIFSPlugin.pm cifs_mount: -o guest,username=guest without a credentials "
        "file) while it holds backup: anyone who can reach the SMB server gets the access "
        "this node has")
    assert ext["storage/bk"].facts["anonymous"] is True
    assert ext["storage/iso"].evidence.endswith("; it holds only iso, vztmpl")
    compat = {r.id: r.status for r in run(CIFS, "compat", text)}
    assert compat == {"storage/bk": Status.FAIL, "storage/iso": Status.FAIL,
                      "storage/krb": Status.PASS}
