"""Live mode: `proxguard audit /` (or --live) reads the list of sources from the running
host, runs the list's read-only commands when root, and says it audited a live host."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from proxguard.inputs import live

ROOT = Path(__file__).resolve().parent.parent
NOW = 1793491200


def _stub(bindir: Path, name: str, body: str) -> None:
    p = bindir / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(p.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def node(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    (root / "etc/ssh").mkdir(parents=True)
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin yes\n")
    (root / "etc/pve").mkdir()
    (root / "etc/pve/user.cfg").write_text("user:root@pam:1:0::::::\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _stub(bindir, "sshd", 'echo "permitrootlogin yes"; echo "port 22"\n')
    _stub(bindir, "pveversion", 'echo "pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8)"\n')
    _stub(bindir, "hostname", 'echo "pve-test"\n')
    _stub(bindir, "free", 'sleep 5\n')  # hangs: must time out
    _stub(bindir, "pveum", 'case "$*" in\n'
          '  "user list --output-format json") echo \'[{"userid":"root@pam"},{"userid":"$(x)@pve"}]\';;\n'
          '  *) echo \'[{"tokenid":"ci","expire":0,"privsep":0}]\';;\nesac\n')
    return root, bindir


def test_live_runs_the_listed_commands_as_root(node: tuple[Path, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root, bindir = node
    monkeypatch.setattr(live, "COMMAND_TIMEOUT", 1.0)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    snap = live.read_live(root, NOW, search_path=str(bindir))
    facts = snap.live
    assert facts is not None
    assert (facts["hostname"], facts["time"], facts["root"]) == ("pve-test", NOW, True)
    assert facts["pveversion"].startswith("pve-manager/8.4.1")
    assert facts["commands"] == {
        "sshd-T.txt": "ok", "pveversion.txt": "ok", "pve-firewall-status.txt": "missing",
        "iptables-save.txt": "missing", "ip6tables-save.txt": "missing",
        "nft-list-ruleset.txt": "missing",
        "free-b.txt": "failed", "pct-list.txt": "missing", "qm-list.txt": "missing",
        "hostname.txt": "ok",
        "pveum-user-token-list/root@pam.json": "ok"}  # the odd user id is never passed on
    assert snap.files["commands/sshd-T.txt"].kind == "sshd_T"
    assert snap.files["commands/pveum-user-token-list/root@pam.json"].kind == "token_list"
    assert facts["paths"]["etc/pve/user.cfg"] == "present"
    assert any("timed out" in d.message for d in snap.diagnostics)


def test_live_without_root_says_what_it_could_not_read(node: tuple[Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root, bindir = node
    (root / "etc/pve/storage.cfg").write_text("dir: local\n\tpath /var/lib/vz\n")
    real_open = live.tree.open_regular

    def deny(path: str) -> int:
        if path.endswith("storage.cfg"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path)

    monkeypatch.setattr(live.tree, "open_regular", deny)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    snap = live.read_live(root, NOW, search_path=str(bindir))
    facts = snap.live
    assert facts is not None and facts["root"] is False
    assert facts["commands"] == {}
    assert facts["not_read"] == ["etc/pve/storage.cfg"]
    messages = [d.message for d in snap.diagnostics]
    assert any("not running as root" in m and "sshd -T" in m for m in messages)
    assert any("could not read" in m and "etc/pve/storage.cfg" in m for m in messages)
    assert "etc/pve/user.cfg" in snap.files


def test_audit_of_this_machine(tmp_path: Path) -> None:
    """`proxguard audit /` on the test machine (Debian, no Proxmox): completes, SSH is
    assessed, every Proxmox input is reported absent."""
    if not Path("/etc/ssh/sshd_config").is_file():
        pytest.skip("no OpenSSH server configuration on this machine")
    res = subprocess.run([sys.executable, "-m", "proxguard", "audit", "/", "--format", "json",
                          "--now", str(NOW)], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode in (0, 1), res.stderr
    data = json.loads(res.stdout)
    facts = data["live"]
    assert facts["hostname"] == socket.gethostname()
    assert facts["time"] == NOW
    assert {c["id"]: c["assessed"] for c in data["categories"]}["ssh"] is True
    pve = {p: s for p, s in facts["paths"].items() if p.startswith("etc/pve/")}
    assert pve and set(pve.values()) == {"absent"}
    assert any("not present on this host" in d["message"] and "etc/pve/user.cfg" in d["message"]
               for d in data["diagnostics"])
    text = subprocess.run([sys.executable, "-m", "proxguard", "audit", "--live", "--now",
                           str(NOW)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert text.returncode in (0, 1), text.stderr
    assert "Live host:" in text.stdout


def test_live_takes_no_other_path() -> None:
    res = subprocess.run([sys.executable, "-m", "proxguard", "audit", "--live", "examples/hardened"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    res = subprocess.run([sys.executable, "-m", "proxguard", "audit"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 2


def test_live_facts_are_plain_text(node: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root, bindir = node
    _stub(bindir, "hostname", "printf 'pve<b>\\033[2J`x`|y\\n'\n")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(live, "COMMAND_TIMEOUT", 1.0)
    facts = live.read_live(root, NOW, search_path=str(bindir)).live
    assert facts is not None and facts["hostname"] == "pve?b???2J?x??y"
    from proxguard.engine.audit import audit
    from proxguard.render.markdown import render_markdown

    snap = live.read_live(root, NOW, search_path=str(bindir))
    md = render_markdown(audit(snap, now=NOW).to_json())
    assert "Live host **pve?b???2J?x??y**, pve-manager/8.4.1" in md
    from proxguard.render.html import render_report

    page = render_report(audit(snap, now=NOW).to_json())
    assert "live host pve?b???2J?x??y (pve-manager/8.4.1" in page
