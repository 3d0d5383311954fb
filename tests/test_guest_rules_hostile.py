"""The guest firewall rules' scripts keep hostile names as data.

A node name comes from the path `etc/pve/nodes/<node>/lxc/<vmid>.conf` of a snapshot
that may come from a compromised host; it reaches the script only through `shquote`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import proxguard
from proxguard.remediation.scripts import render_finding

HOSTILE = "pve$(touch PWNED)'x\nq"
CLUSTER = "[OPTIONS]\nenable: 1\n"
CT = ("arch: amd64\nhostname: evil\nostype: debian\nrootfs: local:8\n"
      "net0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:01,ip=10.0.0.21/24,"
      "type=veth\n")


def test_hostile_node_name_reaches_pvesh_as_one_argument(tmp_path: Path) -> None:
    root = tmp_path / "snap"
    (root / "etc/pve/firewall").mkdir(parents=True)
    (root / "etc/pve/firewall/cluster.fw").write_text(CLUSTER)
    lxc = root / "etc/pve/nodes" / HOSTILE / "lxc"
    lxc.mkdir(parents=True)
    (lxc / "101.conf").write_text(CT)
    report = proxguard.audit(proxguard.load_snapshot([root]), profile="extended")
    finding = next(f for f in report.findings if f.rule.id == "guest-firewall-enforced")
    assert [t.result.id for t in finding.failing] == ["guest/101"]
    script = render_finding(finding)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "args"
    (bindir / "pvesh").write_text(f'#!/bin/sh\nprintf "%s\\0" "$@" > "{log}"\n')
    (bindir / "pvesh").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert not (work / "PWNED").exists() and not (tmp_path / "PWNED").exists()
    args = log.read_text().split("\0")
    assert args[:2] == ["set", f"/nodes/{HOSTILE}/lxc/101/firewall/options"]
