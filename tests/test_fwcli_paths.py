"""`proxguard firewall SNAPSHOT --packet 'tcp ct120 -> 198.51.100.7:443'`: the agent-lab
question answered hop by hop, in text and JSON; `--local-network`; errors exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_fwcli import AGENT_LAB, run

ROOT = Path(__file__).resolve().parents[1]


def test_can_ct120_reach_the_internet_on_443(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["firewall", AGENT_LAB, "--packet", "tcp ct120 -> 198.51.100.7:443"], capsys)
    assert code == 0
    block = out.split("\n\n")[0].splitlines()
    assert block == [
        "Path ct120 net0 → outside: tcp 192.168.40.50:49152 -> 198.51.100.7:443 — ACCEPT",
        "  1. ct120 net0 OUT: ACCEPT by fw/group/sandbox-egress/rule/0 "
        "(etc/pve/firewall/cluster.fw:28) via fw/guest/120/rule/0",
        "  2. bridge vmbr0 FORWARD: ACCEPT, bridged traffic between ports without a guest "
        "chain is not filtered (PVEFW-FORWARD has no policy)",
    ]
    assert "  ct100 net0 on vmbr0: no chain (no etc/pve/firewall/100.fw)" in out
    assert "  ct120 net0 on vmbr0: guest chain, ipfilter off, macfilter on" in out


def test_json_hops_and_a_drop(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["firewall", AGENT_LAB, "--packet", "tcp ct120 -> 198.51.100.7:25",
                     "--format", "json"], capsys)
    data = json.loads(out)["path"]
    assert (code, data["decision"], data["from"], data["to"]) == (0, "DROP", "ct120 net0",
                                                                 "outside")
    assert [(h["hop"], h["decision"], h["rule"], h["file"], h["line"]) for h in data["hops"]] == [
        ("ct120 net0 OUT", "DROP", "policy/guest/120/out", "etc/pve/firewall/120.fw", 5)]


def test_local_network_flag_feeds_the_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    # ct100 (192.168.40.11) is no management member; with local_network given as the LAN
    # it is, and the built-in accept lets it reach tcp/3128 on the node
    _, before = run(["firewall", AGENT_LAB, "--packet", "tcp ct100 -> host:3128",
                     "--format", "json"], capsys)
    _, after = run(["firewall", AGENT_LAB, "--packet", "tcp ct100 -> host:3128",
                    "--local-network", "192.168.40.0/24", "--format", "json"], capsys)
    b, a = json.loads(before), json.loads(after)
    assert b["local_network"]["value"] is None
    assert a["local_network"] == {"value": "192.168.40.0/24",
                                  "source": "given with --local-network"}
    assert b["path"]["hops"][-1]["rule"] == "policy/node/pve1/in"
    assert a["path"]["hops"][-1]["rule"] == "builtin/management/in"


@pytest.mark.parametrize("argv, message", [
    (["--packet", "tcp ct999 -> outside:443"], "no guest config for ct999"),
    (["--local-network", "not-a-cidr"], "--local-network"),
])
def test_errors_exit_2(argv: list[str], message: str) -> None:
    run_ = subprocess.run([sys.executable, "-m", "proxguard", "firewall", AGENT_LAB, *argv],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run_.returncode == 2 and message in run_.stderr
