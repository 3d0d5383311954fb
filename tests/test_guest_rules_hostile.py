"""The guest firewall rules' scripts keep hostile values as data.

A NIC's property string comes from a guest config that may come from a compromised host;
the fix for `guest-firewall-enforced` hands it back to `pct set`. Node names with shell
syntax are refused by the parser (not one Proxmox accepts), so the template is also
rendered directly with a node name and a NIC value holding `$(…)`, a quote and a newline.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import proxguard
from proxguard.remediation.scripts import render_finding, render_rule
from proxguard.rule import Status, TargetResult
from proxguard.rules import BY_ID

EVIL = "eth0$(touch PWNED)'x"
CLUSTER = "[OPTIONS]\nenable: 1\n"
CT = ("arch: amd64\nhostname: evil\nostype: debian\nrootfs: local:8\n"
      f"net0: name={EVIL},bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.0.0.21/24,type=veth\n")


def _stubbed(tmp_path: Path) -> tuple[dict[str, str], Path]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "args"
    for tool in ("pvesh", "pct"):
        (bindir / tool).write_text(f'#!/bin/sh\nprintf "%s\\0" "{tool}" "$@" >> "{log}"\n')
        (bindir / tool).chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}, log


def _run(script: str, tmp_path: Path) -> list[str]:
    env, log = _stubbed(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert not list(tmp_path.rglob("PWNED"))
    return log.read_text().split("\0")


def test_hostile_nic_value_reaches_pct_as_one_argument(tmp_path: Path) -> None:
    root = tmp_path / "snap"
    (root / "etc/pve/firewall").mkdir(parents=True)
    (root / "etc/pve/firewall/cluster.fw").write_text(CLUSTER)
    (root / "etc/pve/firewall/101.fw").write_text("[OPTIONS]\nenable: 1\nipfilter: 1\n")
    (root / "etc/pve/nodes/pve1/lxc").mkdir(parents=True)
    (root / "etc/pve/nodes/pve1/lxc/101.conf").write_text(CT)
    report = proxguard.audit(proxguard.load_snapshot([root]), profile="extended")
    finding = next(f for f in report.findings if f.rule.id == "guest-firewall-enforced")
    assert [t.result.id for t in finding.failing] == ["guest/101"]
    args = _run(render_finding(finding), tmp_path)
    at = args.index("set", args.index("pct"))
    assert args[at:at + 4] == ["set", "101", "--net0", f"name={EVIL},bridge=vmbr0,"
                               "hwaddr=BC:24:11:00:00:01,ip=10.0.0.21/24,type=veth,firewall=1"]


def test_template_quotes_a_node_name_with_a_newline(tmp_path: Path) -> None:
    node = "pve$(touch PWNED)'x\nq"
    value = "name=a$(touch PWNED)'\nb,bridge=vmbr0,firewall=1"
    result = TargetResult("guest/101", Status.FAIL, "x", facts={
        "vmid": 101, "type": "lxc", "tool": "pct", "node": node, "new_fw": True,
        "ipfilter_safe": False, "nic_fixes": [("net0", value)]})
    script = render_rule(BY_ID["guest-firewall-enforced"], result)
    args = _run(script, tmp_path)
    assert f"/nodes/{node}/lxc/101/firewall/options" in args
    assert value in args
