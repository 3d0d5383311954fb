"""Tarballs are read as a bounded stream: caps on members, bytes and guests, each a
one-line error naming the cap; members outside the list of sources are skipped unread."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from proxguard.inputs import InputError, Snapshot, limits

ROOT = Path(__file__).resolve().parent.parent


def _tar(members: list[tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zero_tar(name: str, size: int) -> bytes:
    """A gzip tarball with one member of `size` zero bytes, written without holding it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = size

        class Zeros(io.RawIOBase):
            left = size

            def readable(self) -> bool:
                return True

            def readinto(self, b: bytearray) -> int:  # type: ignore[override]
                n = min(len(b), self.left)
                b[:n] = bytes(n)
                self.left -= n
                return n

        tar.addfile(info, io.BufferedReader(Zeros(), 1 << 20))
    return buf.getvalue()


def test_too_many_members_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_MEMBERS", 50)
    data = _tar([(f"x/etc/pve/firewall/{i}.fw", b"") for i in range(100, 200)])
    with pytest.raises(InputError, match=r"archive members \(50\)"):
        Snapshot().add_tarball(data, "snap.tgz")


def test_expanding_tarball_stops_at_the_total_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 4 << 20)
    data = _zero_tar("x/usr/lib/blob", 64 << 20)
    assert len(data) < 200_000
    with pytest.raises(InputError, match="total uncompressed bytes"):
        Snapshot().add_tarball(data, "bomb.tgz")


def test_a_huge_pax_header_cannot_exhaust_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 1 << 20)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("etc/pve/user.cfg")
        info.pax_headers = {"comment": "A" * (4 << 20)}
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(InputError, match="total uncompressed bytes"):
        Snapshot().add_tarball(buf.getvalue(), "pax.tgz")


def test_per_file_cap_names_the_member() -> None:
    data = _zero_tar("x/etc/pve/user.cfg", limits.MAX_FILE_BYTES + 1)
    with pytest.raises(InputError, match=r"etc/pve/user.cfg.*bytes per file"):
        Snapshot().add_tarball(data, "big.tgz")


def test_guest_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_GUESTS", 2)
    data = _tar([(f"etc/pve/lxc/{v}.conf", b"arch: amd64\n") for v in (100, 101, 102)])
    with pytest.raises(InputError, match=r"guests \(2\)"):
        Snapshot().add_tarball(data)


def test_unlisted_members_are_skipped_unread_and_secrets_refused() -> None:
    data = _tar([("p/etc/shadow", b"root:CANARY:1::::::\n"),
                 ("p/home/u/notes", b"CANARY"),
                 ("p/etc/pve/priv/token.cfg", b"CANARY"),
                 ("p/proxguard-manifest.json", b'{"schema": "proxguard-manifest/1"}'),
                 ("p/etc/pve/user.cfg", b"user:root@pam:1:0::::::\n")])
    snap = Snapshot()
    snap.add_tarball(data)
    assert set(snap.files) == {"etc/pve/user.cfg", "proxguard-manifest.json"}
    assert all("CANARY" not in d.message for d in snap.diagnostics)
    assert sorted(d.file for d in snap.diagnostics) == ["etc/pve/priv/token.cfg", "etc/shadow"]


def test_link_members_are_reported_with_their_target_only() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("p/etc/pve/user.cfg")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/pve/priv/shadow.cfg"
        tar.addfile(info)
    snap = Snapshot()
    snap.add_tarball(buf.getvalue())
    assert snap.files == {}
    [d] = snap.diagnostics
    assert d.file == "etc/pve/user.cfg" and "/etc/pve/priv/shadow.cfg" in d.message


def test_cli_exit_2_and_one_line_for_a_cap(tmp_path: Path) -> None:
    tgz = tmp_path / "many.tgz"
    tgz.write_bytes(_tar([(f"e/{i}", b"") for i in range(limits.MAX_MEMBERS + 1)]))
    res = subprocess.run([sys.executable, "-m", "proxguard", "audit", str(tgz)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert f"archive members ({limits.MAX_MEMBERS})" in res.stderr


def test_a_capped_tarball_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_MEMBERS", 3)
    snap = Snapshot.from_texts({"etc/pve/storage.cfg": "dir: local\n\tpath /var/lib/vz\n"})
    data = _tar([(f"p/etc/pve/firewall/{v}.fw", b"[OPTIONS]\nenable: 1\n") for v in range(100, 110)])
    with pytest.raises(InputError):
        snap.add_tarball(data)
    assert set(snap.files) == {"etc/pve/storage.cfg"}  # the pasted file stays, the archive goes


def test_a_linked_directory_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "etc").symlink_to("/etc")
    snap = Snapshot()
    snap.add_directory(tmp_path)
    assert snap.files == {}
    assert [(d.file, "symbolic link to /etc" in d.message) for d in snap.diagnostics] == [
        ("etc", True)]
