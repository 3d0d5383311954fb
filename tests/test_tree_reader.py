"""Directory input reads only the list of sources: no walk, no link out, no non-file.

The fake root below is what a compromised or merely busy host looks like: thousands of
unrelated files, a /proc-like deep tree, FIFOs, device nodes, links that dangle, links
that escape the tree or point into priv/, a fake /etc/shadow and private keys. The
reader is instrumented (every file it opens is recorded) and the exact set is asserted;
then every report format is searched for the canary planted in each unlisted file.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.inputs import InputError, Snapshot, sources
from proxguard.inputs import tree as treeread
from proxguard.inputs.limits import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parent.parent
CANARY = "CANARY-UNLISTED-7f3a"
NOW = "1793491200"

LISTED = {
    "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
    "etc/ssh/sshd_config.d/10-pve.conf": "PasswordAuthentication no\n",
    "etc/pve/user.cfg": "user:root@pam:1:0:::root@example.com:::\n",
    "etc/pve/storage.cfg": "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n",
    "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\npolicy_in: DROP\n",
    "etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 1\n",
    "etc/pve/nodes/pve1/lxc/110.conf": "arch: amd64\nhostname: ct110\nrootfs: local:110/vm-110"
                                       "-disk-0.raw,size=8G\nunprivileged: 1\n",
    "etc/group": "root:x:0:\nsudo:x:27:alice\n",
    "commands/pveversion.txt": "pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-4-pve)\n",
    "proxguard-manifest.json": '{"schema": "proxguard-manifest/1", "collected_at": 1, '
                               '"hostname": "pve1", "paths": {}, "commands": {}}\n',
}


def _write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    _write(outside, "secret.txt", f"{CANARY} outside the tree\n")
    for rel, text in LISTED.items():
        _write(root, rel, text)
    # thousands of unrelated files, and a /proc-like deep tree
    for i in range(2000):
        _write(root, f"usr/share/doc/pkg{i % 50}/file{i}.txt", f"{CANARY} doc {i}\n")
    deep = root / "proc"
    for i in range(200):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "status").write_text(CANARY)
    # secrets a careless reader would pick up
    _write(root, "etc/shadow", f"root:{CANARY}:19000:0:99999:7:::\n")
    _write(root, "etc/gshadow", f"root:{CANARY}::\n")
    _write(root, "etc/pve/priv/token.cfg", f"root@pam!ci {CANARY}\n")
    _write(root, "etc/ssh/ssh_host_ed25519_key", f"{CANARY} key\n")
    _write(root, "etc/ssl/private/site.key", f"{CANARY} key\n")
    _write(root, "etc/pve/notes.txt", f"{CANARY} not listed\n")
    # links: escaping, into priv/, dangling, to a device, to a listed file
    fw = root / "etc/pve/firewall"
    (fw / "100.fw").symlink_to(outside / "secret.txt")
    (fw / "101.fw").symlink_to("../priv/token.cfg")
    (fw / "102.fw").symlink_to("../../../../../../../../etc/shadow")
    (fw / "103.fw").symlink_to("/dev/zero")
    (root / "etc/pve/domains.cfg").symlink_to("missing.cfg")  # dangling
    (root / "etc/pve/nodes/pve1/lxc/111.conf").symlink_to("110.conf")  # inside, listed
    os.mkfifo(root / "etc/pve/nodes/pve1/lxc/112.conf")
    os.mkfifo(root / "etc/pve/nodes/pve1/qemu-server.fifo")
    (root / "etc/pve/nodes/pve1/qemu-server").mkdir()
    with contextlib.suppress(OSError):  # not root: only the device-node part is skipped
        os.mknod(root / "etc/pve/nodes/pve1/qemu-server/200.conf", 0o600 | stat.S_IFCHR,
                 os.makedev(1, 5))  # /dev/zero's numbers
    (root / "etc/pve/lxc").symlink_to("nodes/pve1/lxc")  # pmxcfs alias
    (root / "etc/ssh/sshd_config.d/20-out.conf").symlink_to(outside / "secret.txt")
    return root


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = treeread.open_regular

    def spy(path: str, *args: object, **kw: object) -> object:
        seen.append(path)
        return real(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(treeread, "open_regular", spy)
    return seen


def _audit_hook_paths(root: Path) -> list[str]:
    """Every open() of the process under `root` (audit hook): catches reads that bypass
    the reader's own opener."""
    seen: list[str] = []
    prefix = str(root)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and isinstance(args[0], str) and args[0].startswith(prefix):
            seen.append(args[0])

    sys.addaudithook(hook)
    return seen


def test_reads_exactly_the_listed_regular_files(fake_root: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _opened(monkeypatch)
    every_open = _audit_hook_paths(fake_root)
    snap = Snapshot.from_paths([fake_root])
    expected = {str(fake_root / rel) for rel in LISTED} | {
        str(fake_root / "etc/pve/nodes/pve1/lxc/110.conf")}  # 111.conf is a link to it
    assert set(opened) == expected
    assert {p for p in every_open if not os.path.isdir(p)} == expected
    assert set(snap.files) == set(LISTED) | {"etc/pve/nodes/pve1/lxc/111.conf"}
    assert snap.files["proxguard-manifest.json"].text == LISTED["proxguard-manifest.json"]
    assert all(CANARY not in f.text for f in snap.files.values())


def test_links_and_non_files_are_reported_never_followed(fake_root: Path) -> None:
    snap = Snapshot.from_paths([fake_root])
    msgs = {d.file: d.message for d in snap.diagnostics}
    assert "symbolic link" in msgs["etc/pve/firewall/100.fw"]
    assert str(fake_root.parent / "outside/secret.txt") in msgs["etc/pve/firewall/100.fw"]
    assert "priv/token.cfg" in msgs["etc/pve/firewall/101.fw"]
    assert "not followed" in msgs["etc/pve/firewall/102.fw"]
    assert "/dev/zero" in msgs["etc/pve/firewall/103.fw"]
    assert "dangling" in msgs["etc/pve/domains.cfg"]
    assert "FIFO" in msgs["etc/pve/nodes/pve1/lxc/112.conf"]
    assert "etc/ssh/sshd_config.d/20-out.conf" in msgs
    if (fake_root / "etc/pve/nodes/pve1/qemu-server/200.conf").exists():
        assert "device" in msgs["etc/pve/nodes/pve1/qemu-server/200.conf"]
    assert all(CANARY not in d.message for d in snap.diagnostics)


def test_no_byte_of_an_unlisted_file_reaches_any_output(fake_root: Path) -> None:
    for fmt in ("text", "json", "sarif", "junit", "markdown", "html"):
        res = subprocess.run([sys.executable, "-m", "proxguard", "audit", str(fake_root),
                              "--format", fmt, "--now", NOW], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
        assert res.returncode in (0, 1), res.stderr
        assert CANARY not in res.stdout + res.stderr, fmt


def test_the_pmxcfs_alias_is_not_read_twice(fake_root: Path) -> None:
    snap = Snapshot.from_paths([fake_root])
    assert not [p for p in snap.files if p.startswith("etc/pve/lxc/")]


def test_flat_layout_of_fixtures_is_still_read(tmp_path: Path) -> None:
    _write(tmp_path, "etc/pve/lxc/120.conf", LISTED["etc/pve/nodes/pve1/lxc/110.conf"])
    _write(tmp_path, "etc/pve/local/host.fw", "[OPTIONS]\nenable: 1\n")
    _write(tmp_path, "expect.json", "{}")
    snap = Snapshot.from_paths([tmp_path])
    assert set(snap.files) == {"etc/pve/lxc/120.conf", "etc/pve/local/host.fw"}


def test_an_unreadable_file_is_absent_with_a_diagnostic(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "etc/pve/user.cfg", LISTED["etc/pve/user.cfg"])
    _write(tmp_path, "etc/pve/storage.cfg", LISTED["etc/pve/storage.cfg"])
    real = treeread.open_regular

    def deny(path: str, *a: object, **kw: object) -> object:
        if path.endswith("user.cfg"):
            raise PermissionError(13, "Permission denied", path)
        return real(path, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(treeread, "open_regular", deny)
    snap = Snapshot.from_paths([tmp_path])
    assert set(snap.files) == {"etc/pve/storage.cfg"}
    assert [(d.file, "unreadable" in d.message) for d in snap.diagnostics] == [
        ("etc/pve/user.cfg", True)]


def test_a_file_over_the_per_file_cap_is_a_one_line_error(tmp_path: Path) -> None:
    big = _write(tmp_path, "etc/pve/storage.cfg", "")
    with big.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InputError, match="bytes per file"):
        Snapshot.from_paths([tmp_path])
    res = subprocess.run([sys.executable, "-m", "proxguard", "audit", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "etc/pve/storage.cfg" in res.stderr


def test_too_many_guests_is_a_one_line_error(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from proxguard.inputs import limits

    monkeypatch.setattr(limits, "MAX_GUESTS", 3)
    for vmid in range(100, 105):
        _write(tmp_path, f"etc/pve/nodes/pve1/qemu-server/{vmid}.conf", "sockets: 1\n")
    with pytest.raises(InputError, match="guests"):
        Snapshot.from_paths([tmp_path])


def test_report_json_names_the_manifest_as_an_input(fake_root: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "proxguard", "audit", str(fake_root),
                          "--format", "json", "--now", NOW], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    data = json.loads(res.stdout)
    assert "proxguard-manifest.json" in {i["path"] for i in data["inputs"]}


def test_hostile_link_targets_are_printed_escaped(tmp_path: Path) -> None:
    fw = tmp_path / "etc/pve/firewall"
    fw.mkdir(parents=True)
    (fw / "105.fw").symlink_to("/x\n$(touch CANARY)'\x1b[2J")
    snap = Snapshot.from_paths([tmp_path])
    [d] = snap.diagnostics
    assert d.file == "etc/pve/firewall/105.fw"
    assert all(c.isprintable() for c in d.message) and "$(touch CANARY)'" in d.message


_REL = st.sampled_from([
    "etc/ssh/sshd_config", "etc/ssh/sshd_config.d/a.conf", "etc/ssh/sshd_config.d/.b.conf",
    "etc/pve/user.cfg", "etc/pve/priv/token.cfg", "etc/pve/firewall/100.fw",
    "etc/pve/nodes/n1/host.fw", "etc/pve/nodes/n1/lxc/101.conf", "etc/shadow", "etc/group",
    "usr/lib/x", "commands/sshd-T.txt", "proxguard-manifest.json", "etc/pve/local"])
_WHAT = st.sampled_from(["file", "fifo", "dir", "link-in", "link-out", "link-abs", "dangling"])


def _make(root: Path, rel: str, what: str, other: str) -> None:
    p = root / rel
    if p.exists() or p.is_symlink():
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    if what == "file":
        p.write_text(CANARY if "priv" in rel or "shadow" in rel else "x\n")
    elif what == "fifo":
        os.mkfifo(p)
    elif what == "dir":
        p.mkdir()
    else:
        p.symlink_to({"link-in": str(root / other), "link-out": "../" * 8 + other,
                      "link-abs": "/" + other, "dangling": "nowhere"}[what])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_REL, _WHAT, _REL), max_size=8))
def test_any_tree_is_read_safely(tmp_path_factory: pytest.TempPathFactory,
                                 layout: list[tuple[str, str, str]]) -> None:
    """Whatever a tree holds, the reader never raises, opens only listed regular files
    inside the root, and never a secret."""
    root = tmp_path_factory.mktemp("tree")
    for rel, what, other in layout:
        with contextlib.suppress(OSError):  # a parent may be a file or a link: skip it
            _make(root, rel, what, other)
    opened: list[str] = []
    real = treeread.open_regular

    def spy(path: str) -> int:
        opened.append(path)
        return real(path)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(treeread, "open_regular", spy)
        snap = Snapshot.from_paths([root])
    real_root = os.path.realpath(root)
    for path in opened:
        rel = os.path.relpath(path, real_root)
        assert not rel.startswith(".."), path
        assert sources.listed(rel) is not None, rel
        assert stat.S_ISREG(os.lstat(path).st_mode)
    assert all(CANARY not in f.text for f in snap.files.values())
    assert all(CANARY not in d.message for d in snap.diagnostics)
