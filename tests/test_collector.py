"""The collector reads exactly its list of config paths and never a secret."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

import proxguard

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "proxguard-collect.sh"
AGENT_LAB = ROOT / "examples" / "agent-lab"

SECRETS = [
    "etc/pve/priv/token.cfg", "etc/pve/priv/tfa.cfg", "etc/pve/priv/shadow.cfg",
    "etc/pve/priv/storage/pbs-local.pw", "etc/pve/priv/storage/pbs-local.enc",
    "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_rsa_key", "etc/pve/priv/authorized_keys",
]


def _stub(bindir: Path, name: str, body: str) -> None:
    path = bindir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def fake_host(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for src in AGENT_LAB.rglob("*"):
        rel = src.relative_to(AGENT_LAB)
        if src.is_file() and rel.parts[0] == "etc":
            # the host keeps guest configs under nodes/<node>/; /etc/pve/lxc is a symlink
            parts = list(rel.parts)
            if parts[:3] in (["etc", "pve", "lxc"], ["etc", "pve", "qemu-server"]):
                parts = ["etc", "pve", "nodes", "pve1", *parts[2:]]
            dest = root.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
    for s in SECRETS:
        p = root / s
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("SECRET-DO-NOT-READ\n")
    return root


def test_collects_configs_and_commands_but_no_secret(fake_host: Path, tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _stub(bindir, "sshd", 'echo "permitrootlogin without-password"\necho "port 2222"\n')
    _stub(bindir, "pveversion", 'echo "pve-manager/8.4.1/2a5fa54a8503f96d"\n')
    _stub(bindir, "pveum", 'case "$*" in\n'
          '  "user list --output-format json") echo \'[{"userid":"root@pam"},{"userid":"agent@pve"}]\';;\n'
          '  "user token list agent@pve --output-format json") echo \'[{"tokenid":"mcp","expire":0,"privsep":1}]\';;\n'
          '  *) echo "[]";;\nesac\n')
    out = tmp_path / "snap.tar.gz"
    env = dict(os.environ, PROXGUARD_ROOT=str(fake_host), PROXGUARD_RUN_COMMANDS="1",
               PATH=f"{bindir}:{os.environ['PATH']}")
    res = subprocess.run(["sh", str(SCRIPT), str(out)], env=env, capture_output=True, text=True,
                         check=True)
    with tarfile.open(out) as tar:
        names = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
        assert all(b"SECRET" not in tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert not [n for n in names if "priv/" in n or "host_" in n]
    assert "etc/ssh/sshd_config" in names and "etc/pve/user.cfg" in names
    assert "etc/pve/nodes/pve1/lxc/110.conf" in names and "etc/pve/nodes/pve1/host.fw" in names
    assert {"commands/sshd-T.txt", "commands/pveversion.txt",
            "commands/pveum-user-token-list/agent@pve.json",
            "commands/pveum-user-token-list/root@pam.json"} <= set(names)
    assert f"Collected {len(names)} files" in res.stdout
    report = proxguard.audit(proxguard.load_snapshot([out]))
    assert {i["kind"] for i in report.to_json()["inputs"]} >= {"sshd_config", "user_cfg", "lxc_conf"}


def test_every_path_the_script_reads_is_a_config_path() -> None:
    text = SCRIPT.read_text()
    body = text.split("collect_configs() {", 1)[1].split("\n}", 1)[0]
    reads = re.findall(r"copy_(?:file|glob)\s+'?(\S+?)'?$", body, re.M)
    assert len(reads) == 11  # + /etc/pve/corosync.conf (ring addresses; no key in it)
    for path in reads:
        assert not re.search(r"/priv/|_key$|\.pw$|\.key$", path), path
        assert path.startswith(("/etc/ssh/sshd_config", "/etc/pve/")), path
