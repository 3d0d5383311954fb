"""Snapshot loading: host layout, tarballs, loose and pasted files, kinds, secrets."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.inputs import InputError, Snapshot, detect_kind, kind_from_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(("path", "kind"), [
    ("etc/ssh/sshd_config", "sshd_config"),
    ("etc/ssh/sshd_config.d/10-x.conf", "sshd_config"),
    ("etc/pve/firewall/cluster.fw", "cluster_fw"),
    ("etc/pve/firewall/120.fw", "guest_fw"),
    ("etc/pve/nodes/pve1/host.fw", "host_fw"),
    ("etc/pve/local/host.fw", "host_fw"),
    ("etc/pve/nodes/pve1/lxc/110.conf", "lxc_conf"),
    ("etc/pve/qemu-server/200.conf", "qemu_conf"),
    ("commands/pveum-user-token-list/agent@pve.json", "token_list"),
    ("commands/sshd-T.txt", "sshd_T"),
])
def test_kind_from_path(path: str, kind: str) -> None:
    assert kind_from_path(path) == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n", "sshd_config"),
    ("port 22\npermitrootlogin without-password\npasswordauthentication yes\n", "sshd_T"),
    ("[OPTIONS]\nenable: 1\npolicy_in: DROP\n", "cluster_fw"),
    ("[OPTIONS]\nenable: 1\nnosmurfs: 1\n", "host_fw"),
    ("[OPTIONS]\nenable: 1\nmacfilter: 0\n", "guest_fw"),
    ("user:root@pam:1:0:::::\n", "user_cfg"),
    ("pam: pam\n\tcomment Linux PAM\n", "domains_cfg"),
    ("dir: local\n\tpath /var/lib/vz\n", "storage_cfg"),
    ("arch: amd64\nhostname: a\nrootfs: local:1\nunprivileged: 1\n", "lxc_conf"),
    ("boot: order=scsi0\nscsi0: local-lvm:vm-1\nsockets: 1\n", "qemu_conf"),
    ('[{"comment":"x","expire":0,"privsep":1,"tokenid":"t"}]\n', "token_list"),
    ("hello world\n", "unknown"),
])
def test_detect_kind(text: str, kind: str) -> None:
    assert detect_kind(text) == kind


def test_pasted_text_in_the_wrong_box_is_warned_about() -> None:
    snap = Snapshot.from_texts({"user.cfg": "dir: local\n\tpath /var/lib/vz\n"},
                               kinds={"user.cfg": "user_cfg"})
    assert snap.files["etc/pve/user.cfg"].kind == "user_cfg"
    assert [d.message for d in snap.diagnostics] == ["this looks like storage.cfg, not user.cfg"]


def test_pasted_text_gets_its_host_path() -> None:
    snap = Snapshot.from_texts({"box-1": "[OPTIONS]\nenable: 1\n"}, kinds={"box-1": "cluster_fw"})
    assert list(snap.files) == ["etc/pve/firewall/cluster.fw"]


def test_secrets_are_refused_unread() -> None:
    snap = Snapshot.from_texts({"etc/pve/priv/token.cfg": "root@pam!x 1234",
                                "/etc/ssh/ssh_host_ed25519_key": "KEY"})
    assert snap.files == {}
    assert len(snap.diagnostics) == 2 and all("secret" in d.message for d in snap.diagnostics)


def test_directory_and_tarball_give_the_same_snapshot(tmp_path: Path) -> None:
    from_dir = Snapshot.from_paths([EXAMPLES / "agent-lab"])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(EXAMPLES / "agent-lab", arcname="proxguard-pve1-20261128T000000Z")
    tgz = tmp_path / "snap.tar.gz"
    tgz.write_bytes(buf.getvalue())
    from_tar = Snapshot.from_paths([tgz])
    assert {p: f.text for p, f in from_tar.files.items()} == \
           {p: f.text for p, f in from_dir.files.items()}
    assert "etc/pve/lxc/110.conf" in from_dir.files


def test_unreadable_inputs_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        Snapshot.from_paths([tmp_path / "missing"])
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError):
        Snapshot.from_paths([bad])


def test_sshd_include_glob_is_lexical_and_does_not_cross_directories() -> None:
    snap = Snapshot.from_texts({
        "etc/ssh/sshd_config.d/20-b.conf": "Port 2",
        "etc/ssh/sshd_config.d/10-a.conf": "Port 1",
        "etc/ssh/sshd_config.d/sub/x.conf": "Port 3",
    })
    assert [f.path for f in snap.glob("/etc/ssh/sshd_config.d/*.conf")] == [
        "etc/ssh/sshd_config.d/10-a.conf", "etc/ssh/sshd_config.d/20-b.conf"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=40), st.text(max_size=300), max_size=4),
       st.sampled_from([None, "user_cfg", "cluster_fw", "sshd_config", "lxc_conf"]))
def test_adding_any_text_never_raises(files: dict[str, str], kind: str | None) -> None:
    snap = Snapshot.from_texts(files, kinds={k: kind for k in files} if kind else None)
    for f in snap.files.values():
        assert not f.path.startswith("/")
    for d in snap.diagnostics:
        assert d.line >= 0 and d.message


def test_line_quotes_evidence_and_sees_a_replaced_file() -> None:
    snap = Snapshot.from_texts({"etc/pve/user.cfg": "user:a@pve:1:\r\nuser:b@pve:1:\n"})
    assert snap.line("etc/pve/user.cfg", 1) == "user:a@pve:1:"
    assert snap.line("/etc/pve/user.cfg", 2) == "user:b@pve:1:"
    assert snap.line("etc/pve/user.cfg", 0) is None
    assert snap.line("etc/pve/user.cfg", 9) is None
    snap.add("etc/pve/user.cfg", "user:c@pve:1:\n")
    assert snap.line("etc/pve/user.cfg", 1) == "user:c@pve:1:"
